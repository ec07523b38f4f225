#!/usr/bin/env python3
"""Browser journey test for the Operator Portal, driven through headless Chromium.

Starts a fresh portal on a free port with an empty SQLite database, reads the
first-admin setup link from the server's log, then walks a person through:
set up the first admin -> home -> sign out -> sign in (wrong, then right) ->
home -> sign out, plus the spent setup link (410) and an unknown path (404).

Every distinct page is checked with axe-core (no "serious"/"critical"
violations), for labelled form inputs, and for horizontal overflow at 375px.

    python Tests/browser/journey.py --portal .build/debug/portal [--screenshots DIR]

Prints one line "N passed, M failed" at the end; exits non-zero on any failure.
Needs: pip install -r Tests/browser/requirements.txt, /usr/bin/chromium and
/usr/bin/chromedriver (Debian packages chromium and chromium-driver).
"""

import argparse
import importlib.util
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request
from pathlib import Path

from axe_selenium_python import Axe
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"

WHOLE_RUN_SECONDS = 240  # hard ceiling for everything, cleanup included
SERVER_START_SECONDS = 60
WAIT_SECONDS = 15  # for any one thing to appear in the browser

ADMIN_NAME = "Ada Lovelace"
ADMIN_EMAIL = "ada@example.com"
ADMIN_PASSWORD = "correct horse battery staple"
WRONG_PASSWORD = "not the right password at all"

SIGNED_OUT_NOTICE = "You have signed out."
INVALID_CREDENTIALS = "That email and password do not match an account here."

# axe-core before 4.10 cannot read the colours Chromium computes for CSS color-mix() and
# reports contrast failures that are not there (axe-selenium-python < 3 bundles 3.1).
AXE_MINIMUM = (4, 10)
AXE_BUNDLES = (  # (package, path of axe.min.js inside it)
    ("axe_selenium_python", "node_modules/axe-core/axe.min.js"),
    ("axe_playwright_python", "axe.min.js"),
)

DESKTOP = (1280, 900)
MOBILE = (375, 800)
BLOCKING_IMPACTS = ("serious", "critical")


class StepFailed(Exception):
    """An expectation that did not hold; the message says what was seen."""


class Aborted(Exception):
    """The journey cannot go on (a step the later steps depend on failed)."""


class Overtime(BaseException):
    """The whole run took too long; not an Exception, so no step swallows it."""


def check(condition, message):
    if not condition:
        raise StepFailed(message)


# --------------------------------------------------------------------------- steps


class Steps:
    """A tiny step runner: each step is named, runs once, and is counted."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def run(self, name, action, required=False):
        """Runs `action`; a failed `required` step stops the journey."""
        try:
            action()
        except Exception as error:  # noqa: BLE001 - any error fails the step
            self.failed += 1
            print(f"FAIL  {name}")
            detail = str(error) if isinstance(error, StepFailed) else traceback.format_exc()
            for line in detail.rstrip().splitlines():
                print(f"      {line}")
            if required:
                raise Aborted(name) from error
        else:
            self.passed += 1
            print(f"ok    {name}")

    def summary(self):
        return f"{self.passed} passed, {self.failed} failed"


# --------------------------------------------------------------------------- server


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Portal:
    """The portal binary, serving a fresh database from a temporary directory."""

    def __init__(self, binary, workdir):
        self.binary = str(Path(binary).resolve())
        self.workdir = workdir
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(workdir) / "server.log"
        self.process = None

    def start(self):
        env = dict(os.environ,
                   SQLITE_PATH=str(Path(self.workdir) / "portal.sqlite"),
                   PUBLIC_URL=self.base,
                   LOG_LEVEL="notice")
        self.log_file = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [self.binary, "serve", "--hostname", "127.0.0.1", "--port", str(self.port)],
            cwd=self.workdir, env=env, stdin=subprocess.DEVNULL,
            stdout=self.log_file, stderr=subprocess.STDOUT, start_new_session=True)

    def log(self):
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def wait_until_healthy(self, timeout=SERVER_START_SECONDS):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            check(self.process.poll() is None, f"the portal exited with status {self.process.returncode}")
            if http_status(self.base + "/healthz", timeout=2) == 200:
                return
            time.sleep(0.2)  # polling a process; there is nothing to wait on explicitly
        raise StepFailed(f"/healthz did not answer 200 within {timeout}s")

    def setup_link(self, timeout=10):
        pattern = re.compile(re.escape(self.base) + r"/setup/[A-Za-z0-9_\-]+")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = pattern.search(self.log())
            if found:
                return found.group(0)
            time.sleep(0.2)
        raise StepFailed(f"no setup link starting {self.base}/setup/ in the server log")

    def stop(self):
        if self.process is None:
            return
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        self.log_file.close()

    def log_tail(self, lines=40):
        return "\n".join(self.log().splitlines()[-lines:])


def http_status(url, timeout=5):
    """The HTTP status of a GET, without following the browser; None if unreachable."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except (urllib.error.URLError, OSError):
        return None


# --------------------------------------------------------------------------- browser


def start_browser():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 "--no-first-run", "--disable-extensions", "--disable-background-networking",
                 "--lang=en-US", f"--window-size={DESKTOP[0]},{DESKTOP[1]}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(60)
    set_viewport(driver, *DESKTOP)
    return driver


def set_viewport(driver, width, height):
    """Emulates a screen of exactly this CSS size (a phone when narrow)."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})


def wait(driver):
    return WebDriverWait(driver, WAIT_SECONDS)


def path_of(driver):
    return driver.execute_script("return location.pathname + location.search")


def heading(driver):
    return wait(driver).until(EC.visibility_of_element_located((By.TAG_NAME, "h1"))).text


def fill(driver, name, value):
    field = wait(driver).until(EC.element_to_be_clickable((By.NAME, name)))
    field.clear()
    field.send_keys(value)


def submit_button(driver, text):
    xpath = f"//main//form//button[@type='submit'][normalize-space()='{text}']"
    return wait(driver).until(EC.element_to_be_clickable((By.XPATH, xpath)))


def click_and_wait_for_new_page(driver, element):
    """Clicks something that navigates, and waits until the old page is gone."""
    element.click()
    wait(driver).until(EC.staleness_of(element))
    wait(driver).until(lambda d: d.execute_script("return document.readyState") == "complete")


def sign_out(driver):
    button = wait(driver).until(EC.element_to_be_clickable(
        (By.XPATH, "//header//form[@action='/sign-out']//button[normalize-space()='Sign out']")))
    click_and_wait_for_new_page(driver, button)


# --------------------------------------------------------------------------- axe-core


class AxeScript:
    """Which axe.min.js to inject: the newest one the installed packages bundle."""

    def __init__(self, path=None):
        candidates = [Path(path)] if path else bundled_axe_scripts()
        found = sorted(((axe_version(p), p) for p in candidates if p.is_file()), reverse=True)
        self.version, self.path = found[0] if found else ((), None)
        self.usable = self.version >= AXE_MINIMUM
        wanted = ".".join(map(str, AXE_MINIMUM))
        if self.path is None:
            self.problem = "no axe-core found; pip install -r Tests/browser/requirements.txt"
        else:
            self.problem = (f"axe-core {self.describe()} is older than {wanted} and misreads modern CSS colours;"
                            " pip install -r Tests/browser/requirements.txt (or pass --axe-script)")

    def describe(self):
        version = ".".join(map(str, self.version)) or "(version unknown)"
        return f"{version} at {self.path}"


def bundled_axe_scripts():
    scripts = []
    for package, inside in AXE_BUNDLES:
        spec = importlib.util.find_spec(package)  # finds without importing (no playwright needed)
        for folder in (spec.submodule_search_locations or []) if spec else []:
            scripts.append(Path(folder) / inside)
    return scripts


def axe_version(path):
    """(major, minor, patch) from the "/*! axe v4.10.2" banner; () when there is none."""
    with open(path, encoding="utf8", errors="replace") as script:
        found = re.search(r"axe v(\d+)\.(\d+)\.(\d+)", script.read(500))
    return tuple(int(part) for part in found.groups()) if found else ()


AXE = AxeScript()


# --------------------------------------------------------------------------- page checks


def axe_check(driver, page):
    check(AXE.usable, AXE.problem)
    axe = Axe(driver, AXE.path)
    axe.inject()
    results = axe.run()
    blocking = [v for v in results["violations"] if v.get("impact") in BLOCKING_IMPACTS]
    for minor in (v for v in results["violations"] if v not in blocking):
        print(f"      note: {page}: {minor['impact']} {minor['id']}: {minor['help']}")
    if blocking:
        lines = [f"axe found {len(blocking)} serious/critical violation(s) on the {page} page:"]
        for violation in blocking:
            lines.append(f"  [{violation['impact']}] {violation['id']}: {violation['help']}")
            lines.append(f"      {violation['helpUrl']}")
            for node in violation["nodes"]:
                target = " ".join(str(t) for t in node["target"])
                lines.append(f"      at {target}")
                summary = (node.get("failureSummary") or "").strip().replace("\n", " / ")
                if summary:
                    lines.append(f"         {summary}")
        raise StepFailed("\n".join(lines))


UNLABELLED_INPUTS_JS = """
const ignored = new Set(['hidden', 'submit', 'button', 'reset', 'image']);
return [...document.querySelectorAll('input, select, textarea')]
  .filter(el => !(el.tagName === 'INPUT' && ignored.has(el.type)))
  .filter(el => {
    const byLabel = el.labels && [...el.labels].some(l => l.textContent.trim() !== '');
    const byAria = (el.getAttribute('aria-label') || '').trim() !== '' ||
      (el.getAttribute('aria-labelledby') || '').split(/\\s+/).some(id => {
        const ref = id && document.getElementById(id);
        return ref && ref.textContent.trim() !== '';
      });
    return !byLabel && !byAria;
  })
  .map(el => el.outerHTML);
"""


def labels_check(driver, page):
    unlabelled = driver.execute_script(UNLABELLED_INPUTS_JS)
    check(not unlabelled, f"inputs without a label on the {page} page:\n  " + "\n  ".join(unlabelled))


OVERFLOW_JS = """
const limit = arguments[0];
const wide = [...document.querySelectorAll('body *')]
  .filter(el => el.getBoundingClientRect().right > limit + 0.5)
  .filter(el => !el.parentElement || el.parentElement.getBoundingClientRect().right <= limit + 0.5)
  .slice(0, 5)
  .map(el => {
    const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
      (el.classList.length ? '.' + [...el.classList].join('.') : '');
    return name + ' (right edge ' + Math.round(el.getBoundingClientRect().right) + 'px)';
  });
return {scrollWidth: document.documentElement.scrollWidth, wide: wide};
"""


def mobile_check(driver, page, screenshots, shot_name):
    width, height = MOBILE
    set_viewport(driver, width, height)
    try:
        wait(driver).until(
            lambda d: d.execute_script("return document.documentElement.clientWidth") == width,
            f"the {page} page never laid out {width}px wide (no width=device-width viewport meta tag?)")
        found = driver.execute_script(OVERFLOW_JS, width)
        save_screenshot(driver, screenshots, f"{shot_name}-{width}x{height}.png")
        check(found["scrollWidth"] <= width,
              f"the {page} page scrolls sideways at {width}px: scrollWidth is {found['scrollWidth']}px;"
              f" wider than the screen: {', '.join(found['wide']) or 'nothing visible'}")
    finally:
        set_viewport(driver, *DESKTOP)


def save_screenshot(driver, screenshots, filename):
    if screenshots:
        driver.save_screenshot(str(Path(screenshots) / filename))


def audit(steps, driver, page, screenshots, shot_name):
    """The checks every distinct page gets, each its own step."""
    save_screenshot(driver, screenshots, f"{shot_name}-{DESKTOP[0]}x{DESKTOP[1]}.png")
    steps.run(f"{page} page: no serious or critical axe violations", lambda: axe_check(driver, page))
    steps.run(f"{page} page: every input has a label", lambda: labels_check(driver, page))
    steps.run(f"{page} page: no horizontal overflow at {MOBILE[0]}px",
              lambda: mobile_check(driver, page, screenshots, shot_name))


# --------------------------------------------------------------------------- the journey


class Journey:
    def __init__(self, portal, driver, steps, screenshots):
        self.portal, self.driver, self.steps, self.screenshots = portal, driver, steps, screenshots
        self.setup_link = None

    def run(self):
        s = self.steps
        s.run(f"axe-core {'.'.join(map(str, AXE_MINIMUM))} or newer is installed", self.axe_ready)
        s.run("server is healthy and logs a setup link", self.server_ready, required=True)

        s.run("setup link shows the first-admin form", self.open_setup, required=True)
        self.audit("setup form", "01-setup")

        s.run("creating the first admin signs in and shows the home page", self.create_admin, required=True)
        self.audit("home", "02-home")

        s.run("signing out lands on sign-in with \"You have signed out.\"", self.sign_out_to_notice, required=True)
        self.audit("sign-in", "03-sign-in")

        s.run("a wrong password shows the error and stays on sign-in", self.wrong_password, required=True)
        self.audit("sign-in with error", "04-sign-in-error")

        s.run("signing in with the right password shows home again", self.sign_in, required=True)

        s.run("the Roles page shows the matrix with every built-in role", self.roles_page)
        self.audit("roles", "07-roles")
        s.run("cloning Support opens the role editor with its permissions ticked", self.open_role_editor)
        self.audit("role editor", "08-role-editor")
        s.run("saving the clone lists it under custom roles", self.save_role)
        s.run("the Groups page creates a group and a subgroup", self.groups_page)
        self.audit("groups", "09-groups")

        s.run("the invite form opens from the Operators page", self.open_invite)
        self.audit("invite operator", "10-invite")
        s.run("inviting an operator shows their page with the actions allowed", self.invite_operator)
        self.audit("operator detail", "11-operator")
        s.run("the Operators page lists the invited operator", self.operators_list)
        self.audit("operators", "12-operators")
        s.run("the development mailbox holds the invitation with its link", self.mailbox)
        self.audit("development mailbox", "13-mailbox")

        s.run("signing out again returns to sign-in", self.sign_out_again)

        s.run("the used setup link answers 410 \"Link no longer valid\"", self.spent_setup_link)
        self.audit("410 link no longer valid", "05-gone")

        s.run("an unknown path shows the 404 page", self.not_found)
        self.audit("404", "06-not-found")

    def audit(self, page, shot_name):
        audit(self.steps, self.driver, page, self.screenshots, shot_name)

    # Each step below is one thing a person does and what they should see.

    def axe_ready(self):
        check(AXE.usable, AXE.problem)
        print(f"      using axe-core {AXE.describe()}")

    def server_ready(self):
        self.portal.wait_until_healthy()
        self.setup_link = self.portal.setup_link()

    def open_setup(self):
        self.driver.get(self.setup_link)
        check(heading(self.driver) == "Create the first admin", f"heading was {heading(self.driver)!r}")
        for name in ("name", "email", "password", "password_confirmation"):
            check(self.driver.find_elements(By.NAME, name), f"no field named {name!r}")

    def create_admin(self):
        d = self.driver
        fill(d, "name", ADMIN_NAME)
        fill(d, "email", ADMIN_EMAIL)
        fill(d, "password", ADMIN_PASSWORD)
        fill(d, "password_confirmation", ADMIN_PASSWORD)
        click_and_wait_for_new_page(d, submit_button(d, "Create admin and sign in"))
        self.expect_home()

    def expect_home(self):
        d = self.driver
        check(path_of(d) == "/", f"expected to be on / but was on {path_of(d)}")
        check(heading(d) == f"Welcome, {ADMIN_NAME}", f"heading was {heading(d)!r}")
        top_bar = d.find_element(By.CSS_SELECTOR, "header.topbar").text
        check(ADMIN_NAME in top_bar, f"the top bar does not show {ADMIN_NAME!r}: {top_bar!r}")

    def sign_out_to_notice(self):
        sign_out(self.driver)
        self.expect_sign_in(query="?signed-out=1")
        notice = wait(self.driver).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "[role=status]")))
        check(notice.text.strip() == SIGNED_OUT_NOTICE, f"the notice said {notice.text!r}")

    def expect_sign_in(self, query=""):
        d = self.driver
        check(path_of(d) == "/sign-in" + query, f"expected /sign-in{query} but was on {path_of(d)}")
        check(heading(d) == "Sign in", f"heading was {heading(d)!r}")
        check(not d.find_elements(By.CSS_SELECTOR, "header form[action='/sign-out']"),
              "the top bar still offers \"Sign out\"")

    def submit_sign_in(self, password):
        d = self.driver
        fill(d, "email", ADMIN_EMAIL)
        fill(d, "password", password)
        click_and_wait_for_new_page(d, submit_button(d, "Sign in"))

    def wrong_password(self):
        self.submit_sign_in(WRONG_PASSWORD)
        self.expect_sign_in()
        alert = wait(self.driver).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "[role=alert]")))
        check(alert.text.strip() == INVALID_CREDENTIALS, f"the error said {alert.text!r}")
        email = self.driver.find_element(By.NAME, "email").get_attribute("value")
        check(email == ADMIN_EMAIL, f"the email field was not kept: {email!r}")

    def sign_in(self):
        self.submit_sign_in(ADMIN_PASSWORD)
        self.expect_home()

    def roles_page(self):
        d = self.driver
        d.find_element(By.CSS_SELECTOR, "nav a[href='/roles']").click()
        wait(d).until(lambda driver: path_of(driver) == "/roles")
        check(heading(d) == "Roles & permissions", f"heading was {heading(d)!r}")
        columns = [th.text for th in d.find_elements(By.CSS_SELECTOR, ".matrix thead th")]
        for name in ("Admin", "Admin Secure", "Sales", "Sales Secure", "Marketing", "Notifications"):
            check(name in columns, f"the matrix has no column {name!r}")
        check("Marketing Secure" not in columns, "Marketing has no secure twin")

    def open_role_editor(self):
        d = self.driver
        d.get(self.portal.base + "/roles/new?from=support")
        check(heading(d) == "New role", f"heading was {heading(d)!r}")
        box = d.find_element(By.ID, "perm-account-password-reset")
        check(box.is_selected(), "Support's password reset is not ticked in the clone")

    def save_role(self):
        d = self.driver
        fill(d, "name", "Helpdesk")
        click_and_wait_for_new_page(d, submit_button(d, "Create role"))
        check(path_of(d) == "/roles?done=created", f"after saving, on {path_of(d)}")
        check("Helpdesk" in d.find_element(By.CSS_SELECTOR, ".card").text, "the new role is not listed")

    def groups_page(self):
        d = self.driver
        d.find_element(By.CSS_SELECTOR, "nav a[href='/groups']").click()
        wait(d).until(lambda driver: path_of(driver) == "/groups")
        fill(d, "name", "Main Group")
        click_and_wait_for_new_page(d, submit_button(d, "Create group"))
        fill(d, "name", "Sub Group 1")
        Select(d.find_element(By.ID, "new-group-parent")).select_by_visible_text("Main Group")
        click_and_wait_for_new_page(d, submit_button(d, "Create group"))
        names = [e.text for e in d.find_elements(By.CSS_SELECTOR, ".tree .tree-name")]
        check(names == ["Main Group", "Sub Group 1"], f"the tree shows {names}")

    def open_invite(self):
        d = self.driver
        d.find_element(By.CSS_SELECTOR, "nav a[href='/operators']").click()
        wait(d).until(lambda driver: path_of(driver) == "/operators")
        d.find_element(By.CSS_SELECTOR, "a[href='/operators/new']").click()
        wait(d).until(lambda driver: path_of(driver) == "/operators/new")
        check(heading(d) == "Invite an operator", f"heading was {heading(d)!r}")

    def invite_operator(self):
        d = self.driver
        fill(d, "name", "Sam Support")
        fill(d, "email", "sam@example.com")
        Select(d.find_element(By.ID, "role1")).select_by_visible_text("Support")
        click_and_wait_for_new_page(d, submit_button(d, "Send invitation"))
        check(heading(d) == "Sam Support", f"heading was {heading(d)!r}")
        notice = d.find_element(By.CSS_SELECTOR, "[role=status]").text
        check("invitation was emailed" in notice, f"the notice said {notice!r}")

    def operators_list(self):
        d = self.driver
        d.get(self.portal.base + "/operators")
        rows = d.find_element(By.CSS_SELECTOR, "table tbody").text
        check("sam@example.com" in rows, f"the list shows {rows!r}")

    def mailbox(self):
        d = self.driver

        def setup_links(driver):
            driver.get(self.portal.base + "/dev/mailbox")
            links = [a.get_attribute("href") for a in driver.find_elements(By.CSS_SELECTOR, ".message pre a")]
            return [link for link in links if "/setup/" in link]

        links = WebDriverWait(d, 15, poll_frequency=0.5).until(setup_links)
        check(heading(d) == "Development mailbox", f"heading was {heading(d)!r}")
        check(links, "no setup link in the mailbox")

    def sign_out_again(self):
        sign_out(self.driver)
        self.expect_sign_in(query="?signed-out=1")
        self.driver.get(self.portal.base + "/")
        self.expect_sign_in()  # home sends a signed-out visitor to sign-in

    def spent_setup_link(self):
        status = http_status(self.setup_link)
        check(status == 410, f"the used setup link answered {status}, not 410")
        self.driver.get(self.setup_link)
        check(heading(self.driver) == "Link no longer valid", f"heading was {heading(self.driver)!r}")
        check(not self.driver.find_elements(By.NAME, "password"), "the spent link still shows the form")

    def not_found(self):
        url = self.portal.base + "/no-such-page"
        status = http_status(url)
        check(status == 404, f"{url} answered {status}, not 404")
        self.driver.get(url)
        check(heading(self.driver) == "Not Found", f"heading was {heading(self.driver)!r}")
        check(self.driver.find_elements(By.CSS_SELECTOR, "main a[href='/']"), "no link back to the home page")


# --------------------------------------------------------------------------- main


def on_overtime(signum, frame):
    raise Overtime(f"the whole run took longer than {WHOLE_RUN_SECONDS}s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--portal", required=True, help="path to the built portal binary")
    parser.add_argument("--screenshots", help="directory to save screenshots into")
    parser.add_argument("--axe-script", help="axe.min.js to use instead of the newest one installed")
    args = parser.parse_args()
    if args.axe_script:
        global AXE
        AXE = AxeScript(args.axe_script)
    if args.screenshots:
        Path(args.screenshots).mkdir(parents=True, exist_ok=True)

    signal.signal(signal.SIGALRM, on_overtime)
    signal.alarm(WHOLE_RUN_SECONDS)

    steps = Steps()
    workdir = tempfile.mkdtemp(prefix="portal-journey-")
    portal = Portal(args.portal, workdir)
    driver = None
    try:
        portal.start()
        driver = start_browser()
        Journey(portal, driver, steps, args.screenshots).run()
    except Aborted as stopped:
        print(f"stopped after \"{stopped}\" failed; the steps after it were not run")
    except BaseException as error:  # noqa: BLE001 - setup problems and overtime count as a failure
        steps.failed += 1
        print(f"FAIL  journey could not run: {type(error).__name__}: {error}")
    finally:
        signal.alarm(0)
        if driver is not None:
            try:
                driver.quit()
            except Exception:  # noqa: BLE001 - the browser may already be gone
                pass
        portal.stop()
        if steps.failed:
            print("---- server log (last lines) ----")
            print(portal.log_tail())
            print("---------------------------------")
        shutil.rmtree(workdir, ignore_errors=True)

    print(steps.summary())
    return 1 if steps.failed else 0


if __name__ == "__main__":
    sys.exit(main())
