#!/usr/bin/env python3
"""Browser journey of authenticator enrolment and recovery codes, in headless Chromium.

Starts a fresh portal on a free loopback port with an empty SQLite database, then:

  1. the first admin sets up from the setup link and chooses an authenticator app;
  2. the code page shows the QR code (a square image with an accessible name, drawn crisp) and
     the key to type; the key's code confirms the enrolment;
  3. on the recovery-codes page the Copy button (shown by the portal's own script) puts the ten
     codes on the clipboard and says so, and "Download as text file" saves a file with them;
  4. the profile says 10 of 10 recovery codes left.

The code page, the recovery-codes page and the profile are checked with axe-core (no
"serious"/"critical" violations), for labelled inputs and for horizontal overflow at 375px.

    python Tests/browser/two_factor_journey.py --portal .build/debug/portal [--screenshots DIR]

Prints one line "N passed, M failed" at the end; exits non-zero on any failure. Shares its
helpers with journey.py (same directory) and needs what it needs.
"""

import importlib.util
import sys
import time
from pathlib import Path

_spec = importlib.util.spec_from_file_location("journey", Path(__file__).resolve().with_name("journey.py"))
journey = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(journey)

from selenium.webdriver.common.by import By  # noqa: E402 - after journey.py, which checks the packages

check, Aborted, Overtime = journey.check, journey.Aborted, journey.Overtime
fill, heading, pathname = journey.fill, journey.heading, journey.pathname
click_and_wait_for_new_page, submit_button = journey.click_and_wait_for_new_page, journey.submit_button

WHOLE_RUN_SECONDS = 240
ADMIN_NAME, ADMIN_EMAIL = "Grace Hopper", "grace@example.com"
ADMIN_PASSWORD = "a long enough passphrase"


class TwoFactorJourney:
    def __init__(self, portal, steps, screenshots, downloads):
        self.portal, self.steps, self.screenshots, self.downloads = portal, steps, screenshots, downloads
        self.driver = None
        self.app = None
        self.codes = []

    def run(self, name, action, required=False):
        return self.steps.run(name, action, required=required)

    def journey(self):
        s = self.run
        s("the server is healthy and logs a setup link", self.server_ready, required=True)
        s("1. the first admin is set up and chooses an authenticator app", self.choose_authenticator, required=True)
        s("2. the code page shows the QR code and the key", self.qr_code_shown)
        journey.audit(self.steps, self.driver, "authenticator enrolment", self.screenshots, "enrol-qr")
        s("2. the key's code confirms the enrolment", self.confirm, required=True)
        journey.audit(self.steps, self.driver, "recovery codes", self.screenshots, "recovery-codes")
        s("3. Copy puts the ten codes on the clipboard and says so", self.copy_codes)
        s("3. \"Download as text file\" saves the ten codes", self.download_codes)
        s("4. the profile says how many recovery codes are left", self.profile_count)
        journey.audit(self.steps, self.driver, "profile", self.screenshots, "profile")

    def server_ready(self):
        self.portal.wait_until_healthy()
        self.setup_link = self.portal.setup_link()

    def choose_authenticator(self):
        self.driver = d = journey.start_browser()
        # The clipboard may be read back, and downloads land in a folder of this run's own.
        d.execute_cdp_cmd("Browser.grantPermissions", {"origin": self.portal.base,
                                                       "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]})
        d.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": self.downloads})
        d.get(self.setup_link)
        check(heading(d) == "Create the first admin", f"heading was {heading(d)!r}")
        fill(d, "name", ADMIN_NAME)
        fill(d, "email", ADMIN_EMAIL)
        fill(d, "password", ADMIN_PASSWORD)
        fill(d, "password_confirmation", ADMIN_PASSWORD)
        click_and_wait_for_new_page(d, submit_button(d, "Create admin and sign in"))
        journey.expect_enrol(d)
        journey.choose_method(d, "totp", "Authenticator app")

    def qr_code_shown(self):
        d = self.driver
        svgs = d.find_elements(By.CSS_SELECTOR, "main svg.qr-code")
        check(len(svgs) == 1, f"{len(svgs)} QR codes on the page")
        svg = svgs[0]
        check(svg.get_attribute("role") == "img", f"role is {svg.get_attribute('role')!r}")
        label = svg.get_attribute("aria-label") or ""
        check("authenticator app" in label, f"the QR code's label is {label!r}")
        size = svg.size
        check(size["width"] >= 150 and abs(size["width"] - size["height"]) <= 1, f"the QR code is drawn {size}")
        check(svg.get_attribute("shape-rendering") == "crispEdges", "the QR code is not drawn with crisp edges")
        key = d.find_element(By.ID, "totp-secret").text.replace(" ", "")
        check(len(key) == 32, f"the key shown is {key!r}")
        self.app = journey.Authenticator(key)

    def confirm(self):
        d = self.driver
        check(self.app is not None, "no key was read from the page")
        journey.enter_code(d, self.app.code(), "Confirm")
        journey.expect_recovery_codes(d)
        self.codes = [e.text for e in d.find_elements(By.CSS_SELECTOR, "#recovery-codes li code")]

    def copy_codes(self):
        d = self.driver
        button = d.find_element(By.CSS_SELECTOR, "button[data-copy='recovery-codes']")
        check(button.is_displayed(), "the Copy button is still hidden: the script did not run")
        button.click()
        journey.wait(d).until(lambda drv: drv.find_element(By.ID, "recovery-codes-status").text.strip() != "",
                              "the page never said whether copying worked")
        status = d.find_element(By.ID, "recovery-codes-status").text
        check(status == "Copied 10 recovery codes to the clipboard.", f"the page said {status!r}")
        copied = d.execute_async_script("const done = arguments[0]; navigator.clipboard.readText().then(done, e => done('ERROR ' + e));")
        check(copied == "\n".join(self.codes) + "\n", f"the clipboard holds {copied!r}")

    def download_codes(self):
        d = self.driver
        click = submit_button(d, "Download as text file")
        click.click()
        deadline = time.time() + 15
        files = []
        while time.time() < deadline:
            files = [p for p in Path(self.downloads).iterdir() if p.suffix == ".txt"]
            if files:
                break
            time.sleep(0.2)
        check(files, "no text file was downloaded")
        text = files[0].read_text(encoding="utf-8")
        lines = [line for line in text.splitlines() if len(line) == 11 and line[5] == "-"]
        check(lines == self.codes, f"the file holds {lines}, the page showed {self.codes}")
        check(files[0].name == "recovery-codes-default.txt", f"the file is named {files[0].name!r}")
        check(heading(d) == journey.RECOVERY_HEADING, f"the page changed to {heading(d)!r}")

    def profile_count(self):
        d = self.driver
        journey.continue_from_recovery_codes(d)
        d.get(self.portal.base + "/profile")
        check(pathname(d) == "/profile", f"on {pathname(d)}")
        left = d.find_element(By.ID, "recovery-codes-left").text
        check(left.startswith("10 of 10 recovery codes left."), f"the profile says {left!r}")
        check(not d.find_elements(By.ID, "recovery-codes-warning"), "a warning with ten codes left")

    def close(self):
        if self.driver:
            try:
                self.driver.quit()
            except Exception:  # noqa: BLE001 - the browser may already be gone
                pass


def downloads(workdir):
    """The browser's download directory, inside the run's directory."""
    path = Path(workdir) / "downloads"
    path.mkdir()
    return str(path)


def main():
    return journey.run_walk(__doc__.split("\n\n")[0], "portal-two-factor-journey-",
                            lambda portal, steps, screenshots, workdir: TwoFactorJourney(portal, steps, screenshots, downloads(workdir)),
                            WHOLE_RUN_SECONDS, portal_class=journey.Portal, axe_option=False)


if __name__ == "__main__":
    sys.exit(main())
