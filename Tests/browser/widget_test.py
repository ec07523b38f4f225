#!/usr/bin/env python3
"""The booking widget in a real browser: a page on another site embeds it, and its site is recorded once.

A tiny test page is served from another loopback address (127.0.0.2, Python's http.server
in a thread) that embeds `<script src="{portal}/w/{uid}.js" async>`. Headless Chromium
opens it and the test checks that:
  1. the script adds a "Book now" button (under the page's own strict CSP: no inline
     script or style allowed there);
  2. the button opens the account's business page (`/b/{uid}`, the account has no nickname);
  3. the embedding host, 127.0.0.2, is in the account's Sites exactly once, after the page
     was loaded twice (the second time the script may come from the browser's cache: its
     ping to `/w/{uid}/seen` still reports the page).
Sites are read through the API (`GET /api/v1/accounts/{uid}/activity`).

Either start a fresh portal from the built binary (as the journey does):

    python Tests/browser/widget_test.py --portal .build/debug/portal

or use one that is running, with an API token of an operator who may create accounts:

    python Tests/browser/widget_test.py --base-url http://127.0.0.1:8080 --token opk_...

Prints one line "N passed, M failed" at the end; exits non-zero on any failure. Needs
selenium (Tests/browser/requirements.txt), /usr/bin/chromium and /usr/bin/chromedriver.
"""

import argparse
import http.server
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from journey import Aborted, Portal, StepFailed, Steps, api_request, audit, check, fill, start_browser, wait  # noqa: E402

from selenium.webdriver.common.by import By  # noqa: E402

WHOLE_RUN_SECONDS = 180
EMBEDDING_HOST = "127.0.0.2"
OPERATOR_EMAIL = "wanda@example.com"
OPERATOR_PASSWORD = "lanterns bloom in quiet gardens"
BUSINESS = "Widget Bakery"
BUTTON_LABEL = "Book now"


class Overtime(BaseException):
    """The whole run took too long."""


# --------------------------------------------------------------------------- the portal


class RunningPortal:
    """A portal reached by its base URL, with an API token."""

    def __init__(self, base, token):
        self.base = base.rstrip("/")
        self.token = token

    def api(self, method, path, body=None):
        """Calls /api/v1`path`; returns (status, the parsed answer)."""
        return api_request(self.base, method, path, body, self.token)


def start_portal(binary, workdir):
    """A fresh portal (the journey's `Portal`), an admin made with the CLI, and their token."""
    portal = Portal(binary, workdir)
    portal.start()
    portal.wait_until_healthy()
    made = subprocess.run([portal.binary, "operator", "create", "--partner", "default", "--email", OPERATOR_EMAIL,
                           "--name", "Wanda Widget", "--role", "admin", "--password-stdin"],
                          cwd=portal.workdir, env=portal.env, input=OPERATOR_PASSWORD + "\n",
                          capture_output=True, text=True, timeout=60)
    check(made.returncode == 0, f"`portal operator create` exited with {made.returncode}: {made.stderr.strip()}")
    return portal, portal.api_token(OPERATOR_EMAIL, "widget test")


# --------------------------------------------------------------------------- the embedding site


def embedding_page(script_url):
    """The other site's page: it allows scripts from the portal and nothing inline."""
    origin = urllib.parse.urlsplit(script_url)
    portal_origin = f"{origin.scheme}://{origin.netloc}"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src {portal_origin}; connect-src {portal_origin}; style-src 'none'">
<title>Widget Bakery's own site</title>
</head>
<body>
<h1>Widget Bakery</h1>
<p>Fresh bread daily.</p>
<script src="{script_url}" async></script>
</body>
</html>
""".encode("utf-8")


class EmbeddingSite:
    """http.server on 127.0.0.2, in a thread, serving the one page."""

    def __init__(self, script_url):
        page = embedding_page(script_url)

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the standard library's name
                if self.path.split("?")[0] != "/":
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer((EMBEDDING_HOST, 0), Handler)
        self.url = f"http://{EMBEDDING_HOST}:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


# --------------------------------------------------------------------------- the test


class WidgetCheck:
    def __init__(self, portal, driver, steps):
        self.portal = portal
        self.driver = driver
        self.steps = steps
        self.uid = None

    def run(self):
        self.steps.run("an account is created through the API", self.create_account, required=True)
        script_url = f"{self.portal.base}/w/{self.uid}.js"
        with EmbeddingSite(script_url) as site:
            self.site = site
            self.steps.run("the embedding page shows the Book now button", self.button_appears, required=True)
            self.steps.run("Book now opens the business page", self.button_opens_business_page)
            self.steps.run("the page loaded again (script cached or not) still shows the button", self.reload_shows_button)
        self.steps.run("the embedding host is in the account's Sites exactly once", self.host_recorded_once)

    def create_account(self):
        status, answer = self.portal.api("POST", "/accounts", {"name": BUSINESS, "email": "owner@widgetbakery.example"})
        check(status == 201 and isinstance(answer, dict) and answer.get("businessUid"),
              f"POST /api/v1/accounts answered {status}: {answer}")
        self.uid = answer["businessUid"]

    def find_button(self):
        return wait(self.driver).until(
            lambda driver: next((button for button in driver.find_elements(By.TAG_NAME, "button")
                                 if button.text.strip() == BUTTON_LABEL), None))

    def button_appears(self):
        self.driver.get(self.site.url)
        button = self.find_button()
        check(button.is_displayed(), "the Book now button is not visible")
        background = button.value_of_css_property("background-color")
        check(background not in ("", "rgba(0, 0, 0, 0)"), f"the button has no colour of its own: {background!r}")

    def button_opens_business_page(self):
        before = set(self.driver.window_handles)
        self.find_button().click()
        opened = wait(self.driver).until(lambda driver: set(driver.window_handles) - before)
        self.driver.switch_to.window(opened.pop())
        try:
            expected = f"{self.portal.base}/b/{self.uid}"
            wait(self.driver).until(lambda driver: driver.current_url.split("?")[0] == expected)
            heading = wait(self.driver).until(lambda driver: driver.find_element(By.TAG_NAME, "h1")).text
            check(heading == BUSINESS, f"the business page's heading is {heading!r}, not {BUSINESS!r}")
            check(self.driver.find_elements(By.CSS_SELECTOR, "form[action$='/booking']"),
                  "the business page has no booking form")
            audit(self.steps, self.driver, "business", None, "business")
            self.steps.run("a message sent from the business page is thanked", self.contact_form)
        finally:
            self.driver.close()
            self.driver.switch_to.window(sorted(before)[0])

    def contact_form(self):
        fill(self.driver, "name", "Nora Client")
        fill(self.driver, "email", "nora@example.com")
        fill(self.driver, "message", "Do you bake on Sundays?")
        form = self.driver.find_element(By.CSS_SELECTOR, "form[action$='/contact']")
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        wait(self.driver).until(lambda driver: "sent=message" in driver.current_url)
        notice = self.driver.find_element(By.CSS_SELECTOR, "[role=status]").text
        check("your message was sent" in notice, f"no thank-you after sending: {notice!r}")

    def reload_shows_button(self):
        self.driver.get(self.site.url)
        self.find_button()

    def host_recorded_once(self):
        def sites():
            status, answer = self.portal.api("GET", f"/accounts/{self.uid}/activity")
            check(status == 200 and isinstance(answer, dict), f"GET activity answered {status}: {answer}")
            return [site["host"] for site in answer.get("sites", [])]

        # The ping is sent without waiting for it; the page was loaded twice before this.
        try:
            hosts = wait(self.driver).until(lambda driver: sites() if EMBEDDING_HOST in sites() else None)
        except Exception as error:  # noqa: BLE001 - a timeout says what was seen
            raise StepFailed(f"{EMBEDDING_HOST} never appeared in the account's Sites: {sites()}") from error
        check(hosts.count(EMBEDDING_HOST) == 1, f"{EMBEDDING_HOST} is in Sites {hosts.count(EMBEDDING_HOST)} times: {hosts}")
        check(hosts == [EMBEDDING_HOST], f"Sites holds other hosts too (the portal's own must not count): {hosts}")


# --------------------------------------------------------------------------- main


def on_overtime(signum, frame):
    raise Overtime(f"the whole run took longer than {WHOLE_RUN_SECONDS}s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--portal", help="path to the built portal binary (a fresh portal is started)")
    parser.add_argument("--base-url", help="a running portal's base URL, instead of --portal")
    parser.add_argument("--token", help="with --base-url: an API token of an operator who may create accounts")
    args = parser.parse_args()
    if bool(args.portal) == bool(args.base_url) or (args.base_url and not args.token):
        parser.error("give either --portal, or --base-url with --token")

    signal.signal(signal.SIGALRM, on_overtime)
    signal.alarm(WHOLE_RUN_SECONDS)
    steps = Steps()
    workdir = tempfile.mkdtemp(prefix="portal-widget-") if args.portal else None
    started = None
    driver = None
    try:
        if args.portal:
            started, token = start_portal(args.portal, workdir)
            portal = RunningPortal(started.base, token)
        else:
            portal = RunningPortal(args.base_url, args.token)
        driver = start_browser()
        WidgetCheck(portal, driver, steps).run()
    except Aborted as stopped:
        print(f"stopped after \"{stopped}\" failed; the steps after it were not run")
    except BaseException as error:  # noqa: BLE001 - setup problems and overtime count as a failure
        steps.failed += 1
        print(f"FAIL  widget test could not run: {type(error).__name__}: {error}")
    finally:
        signal.alarm(0)
        if driver is not None:
            try:
                driver.quit()
            except Exception:  # noqa: BLE001 - the browser may already be gone
                pass
        if started is not None:
            started.stop()
            if steps.failed:
                print("---- server log (last lines) ----")
                print(started.log_tail())
                print("---------------------------------")
        if workdir:
            shutil.rmtree(workdir, ignore_errors=True)

    print(steps.summary())
    return 1 if steps.failed else 0


if __name__ == "__main__":
    sys.exit(main())
