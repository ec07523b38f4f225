#!/usr/bin/env python3
"""Browser journey test for the Operator Portal, driven through headless Chromium.

Starts a fresh portal on a free port with an empty SQLite database, reads the
first-admin setup link from the server's log, then walks a person through:
set up the first admin -> set up two-step sign-in with emailed codes -> recovery
codes -> home -> sign out -> sign in (wrong password, then right; wrong code, then
right) -> home -> roles, groups, inviting an operator -> sign out, plus the spent
setup link (410) and an unknown path (404).

Then, with a second browser for the invited operator:
  a. the invitee opens the emailed link, chooses a password, sets up an
     authenticator app (codes computed with pyotp), saves the recovery codes,
     signs out and signs in again with password and app code;
  b. the admin blocks the invitee while the invitee is signed in: the invitee's
     next request lands on sign-in; the admin unblocks them again;
  c. the admin logs in as the invitee (banner on every page naming both people)
     and signs out as them, back on the operator's page as themselves;
  d. the admin creates three client accounts through the API (with a token made by
     `portal token create`), finds them on the Accounts page (header counts, search, the
     new filters, CSV export and bulk bar, "My Accounts" after assigning themself to one),
     and opens one, whose page is in seven tabs: adds a tag and a note (Business
     information), locks it and sets its nickname, a bad one first answering 422 with the
     field's error (Account), and reads all of it in History, newest first; then sees the
     chart and marks setup complete (Activity), chooses a plan (Subscription), finds the
     owner invited with the account and invites a staff member (Staff), and finds the
     lock in the Audit log, filtered and exported as CSV.
Codes sent by email are read from the portal's outbound_messages table (SQLITE_PATH);
the admin also opens the development mailbox (/dev/mailbox), signed in.

Every distinct page is checked with axe-core (no "serious"/"critical"
violations), for labelled form inputs, and for horizontal overflow at 375px.

    python Tests/browser/journey.py --portal .build/debug/portal [--screenshots DIR]

Prints one line "N passed, M failed" at the end; exits non-zero on any failure.
Needs: pip install -r Tests/browser/requirements.txt (selenium, axe, pyotp), /usr/bin/chromium and
/usr/bin/chromedriver (Debian packages chromium and chromium-driver).
"""

import argparse
import base64
import importlib.util
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

try:
    import pyotp
except ImportError:
    sys.exit("journey.py needs pyotp: pip install -r Tests/browser/requirements.txt")
from axe_selenium_python import Axe
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"

WHOLE_RUN_SECONDS = 300  # hard ceiling for everything, cleanup included
SERVER_START_SECONDS = 60
WAIT_SECONDS = 15  # for any one thing to appear in the browser

ADMIN_NAME = "Ada Lovelace"
ADMIN_EMAIL = "ada@example.com"
ADMIN_PASSWORD = "correct horse battery staple"
WRONG_PASSWORD = "not the right password at all"

INVITEE_NAME = "Sam Support"
INVITEE_EMAIL = "sam@example.com"
INVITEE_PASSWORD = "purple elephants juggle quietly"

ENROL_HEADING = "Set up two-step sign-in"
CONFIRM_HEADING = "Confirm two-step sign-in"
CODE_HEADING = "Enter your code"
RECOVERY_HEADING = "Save your recovery codes"
RECOVERY_CONTINUE = "I have saved them \u2014 continue"
BLOCKED_NOTICE = "The operator was blocked and signed out everywhere."
UNBLOCKED_NOTICE = "The operator was unblocked."

# The subject of an emailed sign-in code: "123456 is your <Partner> sign-in code". Messages are
# read from the portal's outbound_messages table: /dev/mailbox is for signed-in admins only.
SIGN_IN_CODE_SUBJECT = re.compile(r"^(\d{6}) is your .* sign-in code$")
TOTP_PERIOD = 30

SIGNED_OUT_NOTICE = "You have signed out."
INVALID_CREDENTIALS = "That email and password do not match an account here."

# axe-core before 4.10 cannot read the colours Chromium computes for CSS color-mix() and
# reports contrast failures that are not there (axe-selenium-python < 3 bundles 3.1).
AXE_MINIMUM = (4, 10)
AXE_BUNDLES = (  # (package, path of axe.min.js inside it)
    ("axe_selenium_python", "node_modules/axe-core/axe.min.js"),
    ("axe_playwright_python", "axe.min.js"),
)

# The client accounts the admin creates through the API, by name, and their emails.
CLIENT_ACCOUNTS = {
    "Rosie's Bakery": "rosie@bakery.example.com",
    "Harbour Gym": "front-desk@harbourgym.example.com",
    "Northwind Traders": "orders@northwind.example.com",
}
BAKERY = "Rosie's Bakery"
BAKERY_OWNER = "Rosie Marsh"  # the owner's name, given to the API; the other accounts' owners are named after them
BAKERY_NICKNAME = "rosies"
BAD_NICKNAME = "Not OK!"
BAKERY_TAG = "vip"
BAKERY_NOTE = "Prefers a call before 10am; ask for Rosie."
BAKERY_PLAN, BAKERY_STAFF_SLOTS = "Standard", 5
STAFF_NAME, STAFF_EMAIL = "Tom Baker", "tom@bakery.example.com"

# The tabs of an account's page, in order: title -> the path after /accounts/{businessUid}.
ACCOUNT_TABS = {
    "Business information": "",
    "Activity": "/activity",
    "Subscription": "/subscription",
    "Staff": "/staff",
    "Messages": "/messages",
    "History": "/history",
    "Account": "/account",
}

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
            return False
        else:
            self.passed += 1
            print(f"ok    {name}")
            return True

    def summary(self):
        return f"{self.passed} passed, {self.failed} failed"


# --------------------------------------------------------------------------- server


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def api_request(base, method, path, body, token):
    """`method` /api/v1`path` of the portal at `base` with `body` as JSON (None: no body) and the
    bearer `token`; (status, the parsed answer, or its text when it is not JSON)."""
    data = None if body is None else json.dumps(body).encode("utf-8")
    request = urllib.request.Request(
        base + "/api/v1" + path, data=data, method=method,
        headers={"Content-Type": "application/json", "Accept": "application/json", "Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, text = response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read().decode("utf-8", "replace")
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text


class Portal:
    """The portal binary, serving a fresh database from a temporary directory."""

    def __init__(self, binary, workdir):
        self.binary = str(Path(binary).resolve())
        self.workdir = workdir
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(workdir) / "server.log"
        self.process = None
        self.env = dict(os.environ,
                        SQLITE_PATH=str(Path(self.workdir) / "portal.sqlite"),
                        PUBLIC_URL=self.base,
                        LOG_LEVEL="notice",
                        # Commands change partners while the portal serves (see Tests/integration).
                        PARTNER_CACHE_SECONDS="0")

    def start(self):
        self.log_file = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [self.binary, "serve", "--hostname", "127.0.0.1", "--port", str(self.port)],
            cwd=self.workdir, env=self.env, stdin=subprocess.DEVNULL,
            stdout=self.log_file, stderr=subprocess.STDOUT, start_new_session=True)

    def cli(self, *args, timeout=60):
        """Runs `portal ARGS...` on the running portal's data (same directory and environment)."""
        return subprocess.run([self.binary, *args], cwd=self.workdir, env=self.env, stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=timeout)

    def cli_input(self, *args, text, timeout=120):
        """Runs `portal ARGS...` with `text` on its standard input."""
        return subprocess.run([self.binary, *args], cwd=self.workdir, env=self.env, input=text,
                              capture_output=True, text=True, timeout=timeout)

    def api(self, method, path, body, token):
        """`method` /api/v1`path` with `body` as JSON (None: no body); (status, the parsed answer)."""
        return api_request(self.base, method, path, body, token)

    def query(self, statement, parameters=()):
        """The first column of the first row of a SELECT on the running portal's SQLite file."""
        connection = sqlite3.connect(self.env["SQLITE_PATH"], timeout=10)
        try:
            return connection.execute(statement, parameters).fetchone()[0]
        finally:
            connection.close()

    def execute(self, statement, parameters=()):
        """Runs one UPDATE on the running portal's SQLite file; the number of rows it changed."""
        connection = sqlite3.connect(self.env["SQLITE_PATH"], timeout=10)
        try:
            with connection:
                return connection.execute(statement, parameters).rowcount
        finally:
            connection.close()

    def api_token(self, email, name):
        """A new API token acting as the operator `email` of the default partner."""
        made = self.cli("token", "create", "--partner", "default", "--operator", email, "--name", name)
        check(made.returncode == 0, f"`portal token create` exited with {made.returncode}: {made.stderr.strip()}")
        lines = made.stdout.strip().splitlines()
        check(lines and lines[-1].startswith("opk_"), f"`portal token create` printed no token: {made.stdout!r}")
        return lines[-1]

    def api_post(self, path, body, token):
        """POSTs `body` as JSON to /api/v1`path`; returns (status, the parsed answer)."""
        return self.api("POST", path, body, token)

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

    def outbound_messages(self, recipient=None, channel="email"):
        """Messages the portal queued (its outbound_messages table in SQLITE_PATH), newest
        first, as dicts (recipient, subject, body, channel, status, created_at)."""
        path = Path(self.env["SQLITE_PATH"])
        if not path.exists():
            return []
        query = "SELECT recipient, subject, body, channel, status, created_at FROM outbound_messages"
        conditions, parameters = [], []
        if recipient is not None:
            conditions.append("lower(recipient) = lower(?)")
            parameters.append(recipient)
        if channel is not None:
            conditions.append("channel = ?")
            parameters.append(channel)
        if conditions:
            query += " WHERE " + " AND ".join(conditions)
        query += " ORDER BY created_at DESC, rowid DESC"
        uri = f"file:{urllib.parse.quote(str(path.resolve()))}?mode=ro"
        connection = sqlite3.connect(uri, uri=True, timeout=10)
        try:
            connection.row_factory = sqlite3.Row
            try:
                return [dict(row) for row in connection.execute(query, parameters)]
            except sqlite3.OperationalError as error:
                if "no such table" in str(error):
                    return []
                raise
        finally:
            connection.close()

    def emailed_codes(self, recipient):
        """The sign-in codes emailed to `recipient`, newest first."""
        codes = []
        for message in self.outbound_messages(recipient):
            found = SIGN_IN_CODE_SUBJECT.match(message["subject"])
            if found:
                codes.append(found.group(1))
        return codes

    def new_emailed_code(self, recipient, seen, timeout=WAIT_SECONDS):
        """The newest code emailed to `recipient`, once there are more than `seen` of them."""
        deadline = time.monotonic() + timeout
        while True:
            codes = self.emailed_codes(recipient)
            if len(codes) > seen:
                return codes[0]
            if time.monotonic() > deadline:
                raise StepFailed(f"no new sign-in code for {recipient} in outbound_messages within {timeout}s")
            time.sleep(0.2)  # the outbox is a table to poll; nothing to wait on explicitly


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
    wait(driver).until(lambda _: is_gone(element))
    wait(driver).until(lambda d: d.execute_script("return document.readyState") == "complete")


def is_gone(element):
    """Whether the element's page was replaced. Chromium sometimes answers a question about
    an element of a page being torn down with an inspector error instead of "stale"."""
    try:
        element.is_enabled()
        return False
    except StaleElementReferenceException:
        return True
    except WebDriverException as error:
        if "does not belong to the document" in str(error) or "No node with given id" in str(error):
            return True
        raise


def sign_out(driver):
    button = wait(driver).until(EC.element_to_be_clickable(
        (By.XPATH, "//header//form[@action='/sign-out']//button[normalize-space()='Sign out']")))
    click_and_wait_for_new_page(driver, button)


def pathname(driver):
    return driver.execute_script("return location.pathname")


def notice_text(driver):
    return wait(driver).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "main [role=status]"))).text.strip()


def alert_text(driver):
    return wait(driver).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "main [role=alert]"))).text.strip()


def top_bar(driver):
    return driver.find_element(By.CSS_SELECTOR, "header.topbar").text


def xpath_literal(text):
    """`text` as an XPath string literal, whatever quotes it holds (e.g. "Rosie's Bakery")."""
    if "'" not in text:
        return f"'{text}'"
    if '"' not in text:
        return f'"{text}"'
    return "concat(" + ", \"'\", ".join(f"'{part}'" for part in text.split("'")) + ")"


def listed_accounts(driver):
    """The account names in the client accounts table, top to bottom ([] when none match)."""
    return [a.text.strip() for a in driver.find_elements(By.CSS_SELECTOR, "main table tbody tr td a[href^='/accounts/']")]


def response_status(driver):
    """The HTTP status of the page the browser shows (of its last navigation, a POST included)."""
    return driver.execute_script(
        "const entry = performance.getEntriesByType('navigation')[0]; return entry ? entry.responseStatus : null")


def table_rows(element):
    """The text of each cell of each body row of the table(s) inside `element`."""
    return [[cell.text.strip() for cell in row.find_elements(By.TAG_NAME, "td")]
            for row in element.find_elements(By.CSS_SELECTOR, "tbody tr")]


def option_labels(driver, select_id):
    return [option.text.strip() for option in Select(driver.find_element(By.ID, select_id)).options]


def header_counts(driver):
    """The client accounts header, {"Active": "0", "New": "3", ...}, and each count's link."""
    counts, links = {}, {}
    for stat in driver.find_elements(By.CSS_SELECTOR, "main a.stat"):
        label = stat.find_element(By.CSS_SELECTOR, ".label").text.strip()
        counts[label] = stat.find_element(By.CSS_SELECTOR, ".value").text.strip()
        links[label] = stat.get_attribute("href")
    return counts, links


def scroll_into_view(driver, element):
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)


def card(driver, title):
    """The card of the main column whose heading is `title`."""
    found = driver.find_elements(
        By.XPATH, f"//main//div[contains(concat(' ', @class, ' '), ' card ')][h2[normalize-space()={xpath_literal(title)}]]")
    check(found, f"no card headed {title!r} on {path_of(driver)}")
    return found[0]


class Authenticator:
    """An authenticator app: the key from enrolment, and codes that are never reused.

    The portal takes each 30-second step's code once; a later sign-in uses the next step
    (accepted within its one step of clock drift), waiting for it when it is further off.
    """

    def __init__(self, secret):
        self.totp = pyotp.TOTP(secret)
        self.last_step = -1

    def code(self):
        step = max(int(time.time()) // TOTP_PERIOD, self.last_step + 1)
        ahead = step - int(time.time()) // TOTP_PERIOD
        if ahead > 1:
            time.sleep((step - 1) * TOTP_PERIOD - time.time() + 0.5)
        self.last_step = step
        return self.totp.at(step * TOTP_PERIOD)


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



class SeededAdminWalk:
    """A journey one admin walks in one browser on a partner that `portal demo seed` fills: the
    set-up steps (a password alone signs in, the seed, the admin from the CLI, signing in) and
    the browser's life. Subclasses set `accounts`, `seed_timeout` and the admin's details."""
    accounts = 0
    # Operators the seed adds (None: the seed's own number for the partner's size).
    operators = None
    seed_timeout = 180
    admin_name = admin_email = admin_password = None

    def __init__(self, portal, steps, screenshots):
        self.portal, self.steps, self.screenshots = portal, steps, screenshots
        self.driver = None

    def close(self):
        if self.driver is not None:
            try:
                self.driver.quit()
            except Exception:  # noqa: BLE001 - the browser may already be gone
                pass
            self.driver = None

    def go(self, path):
        self.driver.get(self.portal.base + path)
        wait(self.driver).until(lambda d: d.execute_script("return document.readyState") == "complete")

    def audit(self, page, shot):
        audit(self.steps, self.driver, page, self.screenshots, shot)

    def setup_steps(self):
        """The steps every such journey starts with, each required."""
        s = self.steps.run
        s("axe-core is installed", lambda: check(AXE.usable, AXE.problem))
        s("the server is healthy", self.portal.wait_until_healthy, required=True)
        s("operators may sign in with a password alone", self.optional_second_factor, required=True)
        s(f"`portal demo seed --accounts {self.accounts}` fills the partner", self.seed, required=True)
        s("an admin is made with `portal operator create --password-stdin`", self.create_admin, required=True)
        s("the admin signs in and opens Client accounts", self.sign_in, required=True)

    def optional_second_factor(self):
        done = self.portal.cli("partner", "policy", "--partner", "default", "--second-factor", "optional")
        check(done.returncode == 0, f"`portal partner policy` exited {done.returncode}: {done.stderr.strip()}")

    def seed(self):
        extra = ["--operators", str(self.operators)] if self.operators else []
        done = self.portal.cli("demo", "seed", "--partner", "default", "--accounts", str(self.accounts), *extra, timeout=self.seed_timeout)
        check(done.returncode == 0, f"`portal demo seed` exited {done.returncode}: {done.stderr.strip()[-400:]}")

    def create_admin(self):
        made = self.portal.cli_input("operator", "create", "--partner", "default", "--email", self.admin_email, "--name", self.admin_name,
                                     "--role", "admin", "--password-stdin", text=self.admin_password + "\n")
        check(made.returncode == 0, f"`portal operator create` exited {made.returncode}: {made.stderr.strip()}")

    def sign_in(self):
        """Signs in (with the emailed code when one is asked), then opens Client accounts."""
        self.driver = d = start_browser()
        seen = len(self.portal.emailed_codes(self.admin_email))
        self.go("/sign-in")
        fill(d, "email", self.admin_email)
        fill(d, "password", self.admin_password)
        click_and_wait_for_new_page(d, submit_button(d, "Sign in"))
        if pathname(d) == "/sign-in/code":
            enter_code(d, self.portal.new_emailed_code(self.admin_email, seen), "Sign in")
        check(pathname(d) == "/", f"signing in led to {path_of(d)}")
        link = wait(d).until(lambda driver: driver.find_element(By.CSS_SELECTOR, "nav a[href='/accounts']"))
        click_and_wait_for_new_page(d, link)
        check(heading(d) == "Client accounts", f"heading was {heading(d)!r}")

def run_walk(description, workdir_prefix, make_walk, whole_run_seconds, portal_class=None, axe_option=True):
    """The `main` of a journey that walks one portal: parses --portal, --screenshots and
    (when `axe_option`) --axe-script; starts a fresh portal in a temporary directory
    (`portal_class`, default Portal); calls `make_walk(portal, steps, screenshots, workdir)`
    and runs its `journey()` under a hard time limit; always closes the walk, stops the portal,
    shows the server log after a failure and removes the directory. Returns the exit status."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--portal", required=True, help="path to the built portal binary")
    parser.add_argument("--screenshots", help="directory to save screenshots into")
    if axe_option:
        parser.add_argument("--axe-script", help="axe.min.js to use instead of the newest one installed")
    args = parser.parse_args()
    global AXE
    if getattr(args, "axe_script", None):
        AXE = AxeScript(args.axe_script)
    if args.screenshots:
        Path(args.screenshots).mkdir(parents=True, exist_ok=True)

    def on_overtime(signum, frame):
        raise Overtime(f"the whole run took longer than {whole_run_seconds}s")

    signal.signal(signal.SIGALRM, on_overtime)
    signal.alarm(whole_run_seconds)
    steps = Steps()
    workdir = tempfile.mkdtemp(prefix=workdir_prefix)
    portal = (portal_class or Portal)(args.portal, workdir)
    walk = None
    try:
        walk = make_walk(portal, steps, args.screenshots, workdir)
        portal.start()
        walk.journey()
    except Aborted as stopped:
        print(f"stopped after \"{stopped}\" failed; the steps after it were not run")
    except BaseException as error:  # noqa: BLE001 - setup problems and overtime count as a failure
        steps.failed += 1
        print(f"FAIL  journey could not run: {type(error).__name__}: {error}")
    finally:
        signal.alarm(0)
        if walk is not None:
            walk.close()
        portal.stop()
        if steps.failed:
            print("---- server log (last lines) ----")
            print(portal.log_tail())
            print("---------------------------------")
        shutil.rmtree(workdir, ignore_errors=True)

    print(steps.summary())
    return 1 if steps.failed else 0


class BrowserWalk:
    """For `run_walk`: a journey that is given its browser (`make(driver)` returns it, with a
    `run()` and an optional `close()`); the browser is started when it begins, at `viewport`
    when one is given, and quit at the end."""

    def __init__(self, make, viewport=None):
        self.make, self.viewport = make, viewport
        self.driver = self.walk = None

    def journey(self):
        self.driver = start_browser()
        if self.viewport:
            set_viewport(self.driver, *self.viewport)
        self.walk = self.make(self.driver)
        self.walk.run()

    def close(self):
        if self.walk is not None and hasattr(self.walk, "close"):
            self.walk.close()
        if self.driver is not None:
            try:
                self.driver.quit()
            except Exception:  # noqa: BLE001 - the browser may already be gone
                pass

# --------------------------------------------------------------------------- the journey


class Journey:
    def __init__(self, portal, driver, steps, screenshots):
        self.portal, self.driver, self.steps, self.screenshots = portal, driver, steps, screenshots
        self.setup_link = None
        self.invite_link = None
        self.invitee_driver = None  # a second browser: the invited operator's
        self.invitee_app = None  # the invitee's authenticator app, once enrolled
        self.invitee_path = None  # /operators/{id}
        self.admin_codes_seen = 0  # sign-in codes emailed to the admin so far
        self.admin_code = None  # the one the current sign-in waits for
        self.invitee_secret = None
        self.account_uids = {}  # client account name -> Business UID, from the API's answers
        self.bakery_path = None  # /accounts/{businessUid} of Rosie's Bakery

    def run(self):
        s = self.steps
        s.run(f"axe-core {'.'.join(map(str, AXE_MINIMUM))} or newer is installed", self.axe_ready)
        s.run("server is healthy and logs a setup link", self.server_ready, required=True)

        s.run("setup link shows the first-admin form", self.open_setup, required=True)
        self.audit("setup form", "01-setup")

        s.run("creating the first admin asks to set up two-step sign-in", self.create_admin, required=True)
        self.audit("set up two-step sign-in", "01b-enrol")
        s.run("choosing \"Code by email\" emails a code and asks for it", self.admin_chooses_email, required=True)
        self.audit("confirm emailed code", "01c-confirm-email-code")
        s.run("the emailed code confirms it and shows ten recovery codes", self.admin_confirms_email_code, required=True)
        self.audit("recovery codes", "01d-recovery-codes")
        s.run("continuing from the recovery codes shows the home page", self.continue_from_recovery_codes, required=True)
        self.audit("home", "02-home")

        s.run("signing out lands on sign-in with \"You have signed out.\"", self.sign_out_to_notice, required=True)
        self.audit("sign-in", "03-sign-in")

        s.run("a wrong password shows the error and stays on sign-in", self.wrong_password, required=True)
        self.audit("sign-in with error", "04-sign-in-error")

        s.run("the right password asks for the emailed code", self.right_password, required=True)
        self.audit("enter code", "04b-code")
        s.run("a wrong code is refused, saying how many attempts are left", self.wrong_code)
        self.audit("enter code with error", "04c-code-error")
        s.run("the emailed code shows home again", self.right_code, required=True)

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

        self.invitee_journey()
        self.block_journey()
        self.login_as_journey()
        self.accounts_journey()

    def invitee_journey(self):
        """a. invite -> accept -> enrol an authenticator app -> sign in with its code."""
        s = self.steps
        if not s.run("the invitee opens the emailed link in their own browser", self.invitee_opens_link):
            return self.not_run("the invitee's journey")
        self.audit("choose your password", "14-invite-password", self.invitee_driver)
        if not s.run("choosing a password asks the invitee to set up two-step sign-in", self.invitee_chooses_password):
            return self.not_run("the invitee's journey")
        if not s.run("choosing \"Authenticator app\" shows the key to add to the app", self.invitee_chooses_app):
            return self.not_run("the invitee's journey")
        self.audit("confirm authenticator app", "15-confirm-app", self.invitee_driver)
        if not s.run("a wrong app code is refused, the right one shows ten recovery codes", self.invitee_confirms_app):
            return self.not_run("the invitee's journey")
        if not s.run("continuing from the recovery codes shows the invitee's home", self.invitee_continues_home):
            return self.not_run("the invitee's journey")
        s.run("the invitee signs out and signs in again with password and app code", self.invitee_signs_in_again)

    def block_journey(self):
        """b. the admin blocks the invitee while they are signed in."""
        s = self.steps
        if self.invitee_app is None:
            return self.not_run("blocking the invitee (they never signed in)")
        if not s.run("the admin signs in again with password and emailed code", self.admin_signs_in_again):
            return self.not_run("blocking the invitee")
        if not s.run("\"Block\" on the invitee's page asks first, without script", self.admin_asks_to_block_invitee):
            return self.not_run("blocking the invitee")
        self.audit("confirm block", "16a-confirm-block")
        if not s.run("the admin confirms and blocks the signed-in invitee", self.admin_blocks_invitee):
            return self.not_run("blocking the invitee")
        self.audit("blocked operator", "16-blocked-operator")
        s.run("the blocked invitee's next request lands on sign-in", self.blocked_invitee_is_signed_out)
        s.run("the blocked invitee cannot sign in again", self.blocked_invitee_cannot_sign_in)
        s.run("the admin unblocks the invitee", self.admin_unblocks_invitee)

    def login_as_journey(self):
        """c. the admin logs in as the invitee and signs out as them."""
        s = self.steps
        if self.invitee_path is None:
            return self.not_run("logging in as the invitee (no operator page to start from)")
        if not s.run("the operator's page offers \"Log in as\" with a reason", self.open_login_as):
            return self.not_run("logging in as the invitee")
        self.audit("operator with log in as", "17-login-as")
        if not s.run("logging in as the invitee shows their home with a banner naming both people", self.login_as):
            return self.not_run("logging in as the invitee")
        self.audit("home while logged in as", "18-logged-in-as")
        s.run("every page shows the banner while logged in as the invitee", self.banner_on_every_page)
        s.run("\"Sign out as\" returns the admin to the operator's page as themselves", self.sign_out_as)

    def accounts_journey(self):
        """d. client accounts: the list, search, My Accounts, every tab of an account, and the audit log."""
        s = self.steps
        if not s.run("the admin is on their own home page, signed in as themselves", self.admin_back_home):
            return self.not_run("the client accounts journey")
        if not s.run("three client accounts are created through the API with a token from the CLI", self.create_accounts):
            return self.not_run("the client accounts journey")
        if not s.run("the Accounts link lists the three accounts, all counted as In setup", self.accounts_list):
            return self.not_run("the client accounts journey")
        s.run("the list offers Plan and Assigned-to filters, sorting by last activity, CSV export and the bulk bar",
              self.accounts_list_tools)
        self.audit("client accounts", "19-accounts")
        s.run("searching \"bakery\" lists only Rosie's Bakery; clearing the search lists all three", self.search_accounts)
        if not s.run("Rosie's Bakery opens on its Business information tab, one of seven tabs", self.open_bakery):
            return self.not_run("the client accounts journey")
        s.run("the Account tab assigns the admin under \"Operator assignments\"; it stays ticked", self.assign_admin)
        s.run("\"My Accounts\" lists only Rosie's Bakery", self.my_accounts)
        s.run("Rosie's Bakery opens from \"My Accounts\"", self.open_bakery_from_my_accounts)
        s.run(f"the tag \"{BAKERY_TAG}\" is added on the Business information tab", self.add_tag)
        s.run("an internal note is added on the Business information tab", self.add_note)
        self.audit("account's Business information tab", "20-account-business")
        s.run("\"Lock account\" on the Account tab shows the account locked", self.lock_bakery)
        s.run("a bad nickname answers 422 with the field's error on the Account tab", self.bad_nickname)
        self.audit("account's Account tab with a nickname error", "21-account-nickname-error")
        s.run(f"the nickname \"{BAKERY_NICKNAME}\" is saved", self.save_nickname)
        self.audit("account's Account tab", "22-account-account")
        s.run("the History tab lists the nickname, lock, note, tag, assignment and creation, newest first", self.account_history)
        self.audit("account's History tab", "23-account-history")
        s.run("the Activity tab draws the chart and shows the account in setup", self.activity_tab)
        self.audit("account's Activity tab", "24-account-activity")
        s.run("\"Mark setup as complete\" replaces the badge with the onboarding checklist", self.complete_setup)
        s.run("the Subscription tab offers the catalogue's plans and saves one", self.subscription_tab)
        self.audit("account's Subscription tab", "25-account-subscription")
        s.run("the Staff tab lists the owner created with the account, invited by email", self.staff_owner)
        s.run("inviting a staff member lists them as invited, using one staff slot", self.invite_staff)
        self.audit("account's Staff tab", "26-account-staff")
        s.run("the Audit log lists the lock of Rosie's Bakery, linked to the account", self.audit_log)
        self.audit("audit log", "27-audit-log")
        s.run("filtering the Audit log by account nickname and action lists only the lock; its CSV too", self.audit_log_filter)

    def not_run(self, what):
        print(f"      (the rest of {what} was not run)")

    def audit(self, page, shot_name, driver=None):
        audit(self.steps, driver or self.driver, page, self.screenshots, shot_name)

    def close(self):
        """Quits the invitee's browser (the admin's is main()'s)."""
        if self.invitee_driver is not None:
            try:
                self.invitee_driver.quit()
            except Exception:  # noqa: BLE001 - the browser may already be gone
                pass
            self.invitee_driver = None

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
        expect_enrol(d)
        check(not d.find_elements(By.CSS_SELECTOR, "header form[action='/sign-out']"), "signed in before the second factor")
        d.get(self.portal.base + "/")
        check(pathname(d) == "/sign-in", f"home answered before the second factor was set up: on {path_of(d)}")
        d.get(self.portal.base + "/sign-in/enrol")  # back to where the person was
        expect_enrol(d)

    def admin_chooses_email(self):
        d = self.driver
        self.admin_codes_seen = len(self.portal.emailed_codes(ADMIN_EMAIL))
        choose_method(d, "email", "Code by email")
        check(heading(d) == CONFIRM_HEADING, f"heading was {heading(d)!r}")
        lead = d.find_element(By.CSS_SELECTOR, "main .lead").text
        check("a\u2022\u2022\u2022@example.com" in lead, f"the page does not say where the code went: {lead!r}")
        check(not d.find_elements(By.ID, "totp-secret"), "an authenticator key is shown for email codes")

    def admin_confirms_email_code(self):
        d = self.driver
        code = self.portal.new_emailed_code(ADMIN_EMAIL, self.admin_codes_seen)
        self.admin_codes_seen += 1
        enter_code(d, code, "Confirm")
        expect_recovery_codes(d)

    def continue_from_recovery_codes(self):
        continue_from_recovery_codes(self.driver)
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

    def right_password(self):
        d = self.driver
        self.admin_codes_seen = len(self.portal.emailed_codes(ADMIN_EMAIL))
        self.submit_sign_in(ADMIN_PASSWORD)
        check(path_of(d) == "/sign-in/code", f"expected /sign-in/code but was on {path_of(d)}")
        check(heading(d) == CODE_HEADING, f"heading was {heading(d)!r}")
        check(not d.find_elements(By.CSS_SELECTOR, "header form[action='/sign-out']"), "signed in before the code")
        self.admin_code = self.portal.new_emailed_code(ADMIN_EMAIL, self.admin_codes_seen)
        self.admin_codes_seen += 1

    def wrong_code(self):
        d = self.driver
        enter_code(d, "000000" if self.admin_code != "000000" else "111111", "Sign in")
        check(path_of(d) == "/sign-in/code", f"after a wrong code, on {path_of(d)}")
        alert = alert_text(d)
        check("That code is not right. 5 attempts left." in alert, f"the error said {alert!r}")
        field = d.find_element(By.NAME, "code")
        check(field.get_attribute("aria-invalid") == "true" or field.get_attribute("aria-describedby"),
              "the code field is not tied to its error")

    def right_code(self):
        enter_code(self.driver, self.admin_code, "Sign in")
        self.expect_home()

    def admin_signs_in_again(self):
        d = self.driver
        d.get(self.portal.base + "/sign-in")
        seen = len(self.portal.emailed_codes(ADMIN_EMAIL))
        self.submit_sign_in(ADMIN_PASSWORD)
        check(path_of(d) == "/sign-in/code", f"expected /sign-in/code but was on {path_of(d)}")
        enter_code(d, self.portal.new_emailed_code(ADMIN_EMAIL, seen), "Sign in")
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
        check(path_of(d) == "/roles", f"after saving, on {path_of(d)}")
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
        link = d.find_element(By.XPATH, f"//table//a[normalize-space()='{INVITEE_NAME}']")
        self.invitee_path = urllib.parse.urlparse(link.get_attribute("href")).path

    def mailbox(self):
        d = self.driver

        def setup_links(driver):
            driver.get(self.portal.base + "/dev/mailbox")
            links = [a.get_attribute("href") for a in driver.find_elements(By.CSS_SELECTOR, ".message pre a")]
            return [link for link in links if "/setup/" in link]

        links = WebDriverWait(d, 15, poll_frequency=0.5).until(setup_links)
        check(heading(d) == "Development mailbox", f"heading was {heading(d)!r}")
        check(links, "no setup link in the mailbox")
        for message in d.find_elements(By.CSS_SELECTOR, ".message"):
            if INVITEE_EMAIL in message.find_element(By.CSS_SELECTOR, ".hint").text:
                found = [a.get_attribute("href") for a in message.find_elements(By.CSS_SELECTOR, "pre a")]
                self.invite_link = next((link for link in found if "/setup/" in link), None)
        check(self.invite_link, f"no setup link in a message to {INVITEE_EMAIL}")

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

    # a. The invitee, in a browser of their own.

    def invitee_opens_link(self):
        check(self.invite_link, "no invite link was found in the mailbox (see the mailbox step)")
        self.invitee_driver = start_browser()
        d = self.invitee_driver
        d.get(self.invite_link)
        check(heading(d) == "Choose your password", f"heading was {heading(d)!r}")
        lead = d.find_element(By.CSS_SELECTOR, "main .lead").text
        check(INVITEE_EMAIL in lead, f"the page does not name {INVITEE_EMAIL}: {lead!r}")

    def invitee_chooses_password(self):
        d = self.invitee_driver
        fill(d, "password", INVITEE_PASSWORD)
        fill(d, "password_confirmation", INVITEE_PASSWORD)
        click_and_wait_for_new_page(d, submit_button(d, "Save password and sign in"))
        expect_enrol(d)

    def invitee_chooses_app(self):
        d = self.invitee_driver
        choose_method(d, "totp", "Authenticator app")
        check(heading(d) == CONFIRM_HEADING, f"heading was {heading(d)!r}")
        shown = d.find_element(By.ID, "totp-secret").text
        check(re.fullmatch(r"[A-Z2-7]{4}( [A-Z2-7]{1,4})*", shown), f"the key is not shown in groups of four: {shown!r}")
        secret = shown.replace(" ", "")
        check(len(base64.b32decode(secret + "=" * (-len(secret) % 8))) == 20, f"the key is not 20 bytes: {shown!r}")
        links = [a.get_attribute("href") for a in d.find_elements(By.CSS_SELECTOR, "main a[href^='otpauth://totp/']")]
        check(links and f"secret={secret}" in links[0], f"no otpauth:// link with the key: {links}")
        self.invitee_secret = secret

    def invitee_confirms_app(self):
        d = self.invitee_driver
        app = Authenticator(self.invitee_secret)
        right = app.code()
        enter_code(d, "000000" if right != "000000" else "111111", "Confirm")
        alert = alert_text(d)
        check("That code is not right." in alert, f"the error said {alert!r}")
        enter_code(d, right, "Confirm")
        expect_recovery_codes(d)
        self.invitee_app = app

    def invitee_continues_home(self):
        d = self.invitee_driver
        continue_from_recovery_codes(d)
        check(path_of(d) == "/", f"expected to be on / but was on {path_of(d)}")
        check(heading(d) == f"Welcome, {INVITEE_NAME}", f"heading was {heading(d)!r}")

    def invitee_signs_in_again(self):
        d = self.invitee_driver
        sign_out(d)
        check(path_of(d) == "/sign-in?signed-out=1", f"after signing out, on {path_of(d)}")
        fill(d, "email", INVITEE_EMAIL)
        fill(d, "password", INVITEE_PASSWORD)
        click_and_wait_for_new_page(d, submit_button(d, "Sign in"))
        check(path_of(d) == "/sign-in/code", f"expected /sign-in/code but was on {path_of(d)}")
        check(heading(d) == CODE_HEADING, f"heading was {heading(d)!r}")
        lead = d.find_element(By.CSS_SELECTOR, "main .lead").text
        check("authenticator app" in lead, f"the page does not ask for the app's code: {lead!r}")
        save_screenshot(d, self.screenshots, f"14b-enter-app-code-{DESKTOP[0]}x{DESKTOP[1]}.png")
        enter_code(d, self.invitee_app.code(), "Sign in")
        check(path_of(d) == "/", f"expected to be on / but was on {path_of(d)}")
        check(heading(d) == f"Welcome, {INVITEE_NAME}", f"heading was {heading(d)!r}")

    # b. Blocking a signed-in operator.

    def open_invitee_page(self):
        d = self.driver
        d.find_element(By.CSS_SELECTOR, "nav a[href='/operators']").click()
        wait(d).until(lambda driver: path_of(driver) == "/operators")
        link = wait(d).until(EC.element_to_be_clickable((By.XPATH, f"//table//a[normalize-space()='{INVITEE_NAME}']")))
        click_and_wait_for_new_page(d, link)
        check(pathname(d) == self.invitee_path, f"expected {self.invitee_path} but was on {path_of(d)}")
        check(heading(d) == INVITEE_NAME, f"heading was {heading(d)!r}")

    def action_button(self, label):
        xpath = f"//main//form[@method='post']//button[@type='submit'][normalize-space()='{label}']"
        return wait(self.driver).until(EC.element_to_be_clickable((By.XPATH, xpath)))

    def confirm(self, question, button):
        """On the confirmation step: the question as heading, then the confirming button."""
        d = self.driver
        check(heading(d) == question, f"the confirmation asks {heading(d)!r}, not {question!r}")
        check(d.find_elements(By.XPATH, "//main//form//a[normalize-space()='Cancel']"), "the confirmation offers no Cancel")
        xpath = f"//main//form[contains(@class,'confirmation')]//button[@type='submit'][normalize-space()={xpath_literal(button)}]"
        click_and_wait_for_new_page(d, wait(d).until(EC.element_to_be_clickable((By.XPATH, xpath))))

    def admin_asks_to_block_invitee(self):
        d = self.driver
        self.open_invitee_page()
        click_and_wait_for_new_page(d, self.action_button("Block"))
        check(pathname(d) == self.invitee_path + "/block", f"after pressing Block, on {path_of(d)}")
        check(heading(d) == f"Block {INVITEE_NAME}?", f"the confirmation asks {heading(d)!r}")

    def admin_blocks_invitee(self):
        d = self.driver
        self.confirm(f"Block {INVITEE_NAME}?", f"Block {INVITEE_NAME}")
        check(pathname(d) == self.invitee_path, f"after blocking, on {path_of(d)}")
        check(notice_text(d) == BLOCKED_NOTICE, f"the notice said {notice_text(d)!r}")
        badge = d.find_element(By.CSS_SELECTOR, "main .page-header .badge").text
        check(badge == "Blocked", f"the status shows {badge!r}")

    def blocked_invitee_is_signed_out(self):
        d = self.invitee_driver
        check(path_of(d) == "/", f"the invitee's browser was not left on home but on {path_of(d)}")
        link = d.find_element(By.CSS_SELECTOR, "header a.who")  # their next request: their profile
        click_and_wait_for_new_page(d, link)
        check(pathname(d) == "/sign-in", f"the blocked invitee's next request landed on {path_of(d)}")
        check(heading(d) == "Sign in", f"heading was {heading(d)!r}")
        check(not d.find_elements(By.CSS_SELECTOR, "header form[action='/sign-out']"), "the top bar still offers \"Sign out\"")
        d.get(self.portal.base + "/")
        check(pathname(d) == "/sign-in", f"home answered with {path_of(d)}")

    def blocked_invitee_cannot_sign_in(self):
        d = self.invitee_driver
        fill(d, "email", INVITEE_EMAIL)
        fill(d, "password", INVITEE_PASSWORD)
        click_and_wait_for_new_page(d, submit_button(d, "Sign in"))
        check(pathname(d) == "/sign-in", f"a blocked operator's password led to {path_of(d)}")
        check(alert_text(d), "no error is shown")

    def admin_unblocks_invitee(self):
        d = self.driver
        d.get(self.portal.base + self.invitee_path)
        click_and_wait_for_new_page(d, self.action_button("Unblock"))
        check(notice_text(d) == UNBLOCKED_NOTICE, f"the notice said {notice_text(d)!r}")
        check(self.action_button("Block"), "no Block button after unblocking")

    # c. Logging in as another operator.

    def login_as_form(self):
        return self.driver.find_elements(By.CSS_SELECTOR, f"main form[action='{self.invitee_path}/login-as']")

    def open_login_as(self):
        d = self.driver
        d.get(self.portal.base + self.invitee_path)
        if pathname(d) == "/sign-in":  # the blocking journey did not get as far as signing the admin in
            self.admin_signs_in_again()
            d.get(self.portal.base + self.invitee_path)
        check(heading(d) == INVITEE_NAME, f"heading was {heading(d)!r}")
        forms = self.login_as_form()
        check(forms, f"no form posting to {self.invitee_path}/login-as on the operator's page")
        form = forms[0]
        check((form.get_attribute("method") or "").lower() == "post", "the log-in-as form does not POST")
        check(form.find_elements(By.CSS_SELECTOR, "input[name='reason'], textarea[name='reason']"), "no reason field")
        buttons = form.find_elements(By.XPATH, ".//button[@type='submit'][starts-with(normalize-space(), 'Log in as')]")
        check(buttons and buttons[0].is_enabled(), "no enabled \"Log in as\" button")

    def login_as(self):
        d = self.driver
        form = self.login_as_form()[0]
        form.find_element(By.CSS_SELECTOR, "[name='reason']").send_keys("Checking what Sam sees on the home page")
        button = form.find_element(By.XPATH, ".//button[@type='submit'][starts-with(normalize-space(), 'Log in as')]")
        click_and_wait_for_new_page(d, button)
        check(path_of(d) == "/", f"after logging in as, on {path_of(d)}")
        self.expect_banner()
        check(heading(d) == f"Welcome, {INVITEE_NAME}", f"heading was {heading(d)!r}")

    def expect_banner(self):
        d = self.driver
        banners = d.find_elements(By.CSS_SELECTOR, ".impersonation-banner")
        check(banners, f"no .impersonation-banner on {path_of(d)}")
        text = " ".join(banners[0].text.split())
        check(f"You are logged in as {INVITEE_NAME}" in text, f"the banner does not say who: {text!r}")
        check(ADMIN_NAME in text, f"the banner does not name {ADMIN_NAME}: {text!r}")
        buttons = banners[0].find_elements(
            By.XPATH, ".//form[@action='/sign-out-as']//button[starts-with(normalize-space(), 'Sign out as')]")
        check(buttons, f"no \"Sign out as\" button posting to /sign-out-as in the banner on {path_of(d)}")
        return buttons[0]

    def banner_on_every_page(self):
        d = self.driver
        for path in ("/", "/profile"):
            d.get(self.portal.base + path)
            self.expect_banner()
        d.get(self.portal.base + "/profile")
        who = d.find_element(By.CSS_SELECTOR, "header a.who").text
        check(INVITEE_NAME in who, f"the top bar shows {who!r}, not {INVITEE_NAME}")

    def sign_out_as(self):
        d = self.driver
        click_and_wait_for_new_page(d, self.expect_banner())
        check(pathname(d) == self.invitee_path, f"after signing out as, on {path_of(d)}, not {self.invitee_path}")
        check(heading(d) == INVITEE_NAME, f"heading was {heading(d)!r}")
        check(not d.find_elements(By.CSS_SELECTOR, ".impersonation-banner"), "the banner is still shown")
        check(ADMIN_NAME in top_bar(d), f"the top bar does not show {ADMIN_NAME!r}: {top_bar(d)!r}")
        check(d.find_elements(By.CSS_SELECTOR, "header form[action='/sign-out']"), "no \"Sign out\" of the admin's own")
        d.get(self.portal.base + "/")
        check(heading(d) == f"Welcome, {ADMIN_NAME}", f"home says {heading(d)!r}")


    # d. Client accounts.

    def admin_back_home(self):
        """Whatever the journeys before left behind: not logged in as anyone, and signed in."""
        d = self.driver
        d.get(self.portal.base + "/")
        banners = d.find_elements(By.CSS_SELECTOR, ".impersonation-banner form[action='/sign-out-as'] button")
        if banners:
            click_and_wait_for_new_page(d, banners[0])
            d.get(self.portal.base + "/")
        if pathname(d) == "/sign-in":
            self.admin_signs_in_again()
        self.expect_home()

    def create_accounts(self):
        token = self.portal.api_token(ADMIN_EMAIL, "Browser journey")
        for name, email in CLIENT_ACCOUNTS.items():
            body = {"name": name, "email": email}
            if name == BAKERY:
                body["ownerName"] = BAKERY_OWNER
            status, answer = self.portal.api_post("/accounts", body, token)
            check(status == 201, f"POST /api/v1/accounts for {name!r} answered {status}: {answer}")
            check(isinstance(answer, dict) and answer.get("name") == name and answer.get("businessUid"),
                  f"the new account {name!r} came back as {answer}")
            check(answer.get("locked") is False and answer.get("setupCompleted") is False,
                  f"the new account {name!r} is not unlocked and in setup: {answer}")
            self.account_uids[name] = answer["businessUid"]
        check(len(set(self.account_uids.values())) == len(CLIENT_ACCOUNTS), f"Business UIDs repeat: {self.account_uids}")
        self.bakery_path = f"/accounts/{self.account_uids[BAKERY]}"

    def accounts_list(self):
        d = self.driver
        link = wait(d).until(EC.element_to_be_clickable((By.CSS_SELECTOR, "nav a[href='/accounts']")))
        check(link.text.strip() == "Accounts", f"the navigation link to /accounts reads {link.text!r}")
        click_and_wait_for_new_page(d, link)
        check(path_of(d) == "/accounts", f"expected /accounts but was on {path_of(d)}")
        check(heading(d) == "Client accounts", f"heading was {heading(d)!r}")
        names = listed_accounts(d)
        check(names == sorted(CLIENT_ACCOUNTS), f"the list shows {names}, not {sorted(CLIENT_ACCOUNTS)} by name")
        for name, uid in self.account_uids.items():
            link = d.find_element(By.XPATH, f"//main//table//a[normalize-space()={xpath_literal(name)}]")
            href = urllib.parse.urlparse(link.get_attribute("href")).path
            check(href == f"/accounts/{uid}", f"{name!r} links to {href}, not /accounts/{uid}")
            row = link.find_element(By.XPATH, "./ancestor::tr").text
            check(uid in row and "In setup" in row, f"the row of {name!r} reads {row!r}")
        counts, links = header_counts(d)
        # New accounts still in setup count as "In setup" (the rule each row's state follows too).
        check(counts == {"Active": "0", "New": "0", "Inactive": "0", "In setup": "3", "Locked": "0"}, f"the header counts are {counts}")
        for label, href in links.items():
            query = urllib.parse.parse_qs(urllib.parse.urlparse(href or "").query)
            check(query.get("status") == [label.lower().replace(" ", "-")], f"the {label} count links to {href}")
        check(not d.find_elements(By.CSS_SELECTOR, "main a[rel='next']"), "a \"Next page\" link with only three accounts")

    def accounts_list_tools(self):
        d = self.driver
        if path_of(d) != "/accounts":
            d.get(self.portal.base + "/accounts")
        more = d.find_element(By.CSS_SELECTOR, "main details.more-filters")
        if more.get_attribute("open") is None:
            more.find_element(By.TAG_NAME, "summary").click()
        plans = option_labels(d, "plan")
        for plan in ("Starter", "Standard", "Premium"):
            check(plan in plans, f"the Plan filter offers {plans}, not {plan!r}")
        # "Assigned to" is a type-ahead: typing part of a name lists the operators it matches.
        assignee = d.find_element(By.ID, "operator-search")
        check(assignee.get_attribute("role") == "combobox", "the \"Assigned to\" filter is not a combobox")
        assignee.send_keys(ADMIN_NAME.split()[0])
        WebDriverWait(d, 10).until(lambda driver: driver.find_elements(By.CSS_SELECTOR, "#operator-listbox [role=option]"))
        offered = [option.text.strip() for option in d.find_elements(By.CSS_SELECTOR, "#operator-listbox [role=option]")]
        check(ADMIN_NAME in offered, f"the \"Assigned to\" filter offers {offered}, not {ADMIN_NAME!r}")
        assignee.clear()
        check("Last activity" in option_labels(d, "sort"), f"the Sort choices are {option_labels(d, 'sort')}")
        exports = d.find_elements(By.XPATH, "//main//a[normalize-space()='Export CSV']")
        check(exports, "no \"Export CSV\" link on the accounts list")
        href = urllib.parse.urlparse(exports[0].get_attribute("href")).path
        check(href == "/accounts/export.csv", f"\"Export CSV\" links to {href}")
        bulk = d.find_elements(By.CSS_SELECTOR, "main form#bulk")
        check(bulk, "no <form id=\"bulk\"> around the accounts table")
        boxes = bulk[0].find_elements(By.CSS_SELECTOR, "tbody input[type=checkbox][name='accounts[]']")
        check(sorted(box.get_attribute("value") for box in boxes) == sorted(self.account_uids.values()),
              f"the rows' accounts[] checkboxes hold {[box.get_attribute('value') for box in boxes]}")
        for name in ("action", "tag", "operator"):
            check(bulk[0].find_elements(By.NAME, name), f"the bulk bar has no field {name!r}")
        actions = [o.get_attribute("value") for o in Select(bulk[0].find_element(By.NAME, "action")).options]
        expected = ["", "tag", "untag", "assign", "unassign", "move", "lock", "unlock"]
        check(actions == expected, f"the bulk actions are {actions}, not {expected}")
        check(bulk[0].find_elements(By.XPATH, ".//button[@type='submit'][normalize-space()='Apply']"), "no \"Apply\" button in the bulk bar")

    def filter_accounts(self):
        click_and_wait_for_new_page(self.driver, submit_button(self.driver, "Filter"))

    def search_accounts(self):
        d = self.driver
        d.get(self.portal.base + "/accounts")
        fill(d, "q", "bakery")
        self.filter_accounts()
        query = urllib.parse.parse_qs(urllib.parse.urlparse(d.current_url).query)
        check(query.get("q") == ["bakery"], f"the search is not in the address: {path_of(d)}")
        check(listed_accounts(d) == [BAKERY], f"searching \"bakery\" lists {listed_accounts(d)}")
        kept = d.find_element(By.NAME, "q").get_attribute("value")
        check(kept == "bakery", f"the search field shows {kept!r} after searching")
        counts, _ = header_counts(d)
        check(counts.get("In setup") == "1", f"the header counts are {counts} while searching \"bakery\"")
        fill(d, "q", "")
        self.filter_accounts()
        check(listed_accounts(d) == sorted(CLIENT_ACCOUNTS), f"with the search cleared the list shows {listed_accounts(d)}")

    def open_bakery_from_list(self):
        d = self.driver
        link = wait(d).until(EC.element_to_be_clickable(
            (By.XPATH, f"//main//table//a[normalize-space()={xpath_literal(BAKERY)}]")))
        click_and_wait_for_new_page(d, link)
        check(pathname(d) == self.bakery_path, f"expected {self.bakery_path} but was on {path_of(d)}")
        check(heading(d) == BAKERY, f"heading was {heading(d)!r}")
        self.expect_tab("Business information")

    def open_bakery(self):
        d = self.driver
        if pathname(d) != "/accounts":
            d.get(self.portal.base + "/accounts")
        self.open_bakery_from_list()
        for term, expected in (("Owner", BAKERY_OWNER), ("Email", CLIENT_ACCOUNTS[BAKERY]),
                               ("Business UID", self.account_uids[BAKERY]), ("Plan", "\u2014")):
            shown = self.definition("Contact and subscription", term)
            check(shown == expected, f"\"Contact and subscription\" shows the {term} {shown!r}, not {expected!r}")
        summaries = [e.text.strip() for e in card(d, "Contact and subscription").find_elements(By.CSS_SELECTOR, "details > summary")]
        check(summaries == ["Edit details"], f"\"Contact and subscription\" folds away {summaries}, not \"Edit details\"")
        for title in ("Tags", "Internal notes", "Locations"):
            card(d, title)

    # The account's tabs.

    def expect_tab(self, title):
        """On the bakery's tab `title`: the seven tabs are linked, and only `title` is current."""
        d = self.driver
        navs = d.find_elements(By.CSS_SELECTOR, "main nav.tabs[aria-label='Account']")
        check(navs, f"no <nav class=\"tabs\" aria-label=\"Account\"> on {path_of(d)}")
        links = navs[0].find_elements(By.TAG_NAME, "a")
        shown = [(a.text.strip(), urllib.parse.urlparse(a.get_attribute("href")).path) for a in links]
        wanted = [(name, self.bakery_path + suffix) for name, suffix in ACCOUNT_TABS.items()]
        check(shown == wanted, f"the tabs are {shown}, not {wanted}")
        current = [a.text.strip() for a in links if a.get_attribute("aria-current") == "page"]
        check(current == [title], f"the current tab is {current}, not [{title!r}]")

    def open_tab(self, title):
        """Clicks the bakery's tab `title` (opening the bakery first when elsewhere)."""
        d = self.driver
        if not pathname(d).startswith(self.bakery_path):
            d.get(self.portal.base + self.bakery_path)
        link = wait(d).until(EC.element_to_be_clickable(
            (By.XPATH, f"//main//nav[@aria-label='Account']//a[normalize-space()={xpath_literal(title)}]")))
        click_and_wait_for_new_page(d, link)
        check(path_of(d) == self.bakery_path + ACCOUNT_TABS[title], f"the {title} tab opened {path_of(d)}")
        check(heading(d) == BAKERY, f"heading was {heading(d)!r}")
        self.expect_tab(title)

    @staticmethod
    def control(driver, label):
        """(what the row says now, its button's text) for a row of the Account card's controls."""
        rows = driver.find_elements(By.XPATH, f"//main//table[contains(@class, 'controls')]//tr[th[normalize-space()={xpath_literal(label)}]]")
        check(rows, f"the Account card has no row {label!r}")
        cells = rows[0].find_elements(By.TAG_NAME, "td")
        buttons = rows[0].find_elements(By.TAG_NAME, "button")
        return cells[0].text.strip(), buttons[0].text.strip() if buttons else None

    def assignment_box(self, name):
        d = self.driver
        labels = d.find_elements(
            By.XPATH, f"//main//form[contains(@action, '/assignments')]//label[normalize-space()={xpath_literal(name)}]")
        check(labels, f"no operator {name!r} to tick under \"Operator assignments\"")
        box = d.find_element(By.ID, labels[0].get_attribute("for"))
        check(box.get_attribute("name") == "operators[]", f"the box of {name!r} is named {box.get_attribute('name')!r}")
        return labels[0], box

    def expect_saved(self, tab, notice):
        """A form of tab `tab` was saved: back on that tab, with the notice saying what the change did."""
        d = self.driver
        wanted = self.bakery_path + ACCOUNT_TABS[tab]
        check(path_of(d) == wanted, f"after saving, on {path_of(d)}, not {wanted}")
        check(notice_text(d) == notice, f"the notice said {notice_text(d)!r}")
        self.expect_tab(tab)

    def assign_admin(self):
        d = self.driver
        self.open_tab("Account")
        lock = self.control(d, "Lock account")
        check(lock == ("Not locked", "Lock account"), f"the \"Lock account\" row reads {lock}")
        label, box = self.assignment_box(ADMIN_NAME)
        check(not box.is_selected(), f"{ADMIN_NAME} is already ticked on a new account")
        label.click()
        check(box.is_selected(), f"clicking {ADMIN_NAME!r} did not tick it")
        click_and_wait_for_new_page(d, submit_button(d, "Save assignments"))
        self.expect_saved("Account", "1 operator is assigned to the account now.")
        ticked = [d.find_element(By.CSS_SELECTOR, f"label[for='{box.get_attribute('id')}']").text.strip()
                  for box in d.find_elements(By.CSS_SELECTOR, "main input[name='operators[]']") if box.is_selected()]
        check(ticked == [ADMIN_NAME], f"after saving, the ticked operators are {ticked}")

    def my_accounts(self):
        d = self.driver
        if not pathname(d).startswith(self.bakery_path):
            d.get(self.portal.base + self.bakery_path)
        back = wait(d).until(EC.element_to_be_clickable((By.XPATH, "//main//a[normalize-space()='All accounts']")))
        click_and_wait_for_new_page(d, back)
        check(path_of(d) == "/accounts", f"\"All accounts\" led to {path_of(d)}")
        mine = d.find_element(By.ID, "mine")
        check(not mine.is_selected(), "\"My Accounts\" is ticked before choosing it")
        d.find_element(By.CSS_SELECTOR, "main label[for='mine']").click()
        check(mine.is_selected(), "clicking \"My Accounts\" did not tick it")
        self.filter_accounts()
        query = urllib.parse.parse_qs(urllib.parse.urlparse(d.current_url).query)
        check(query.get("mine") == ["1"], f"\"My Accounts\" is not in the address: {path_of(d)}")
        check(listed_accounts(d) == [BAKERY], f"\"My Accounts\" lists {listed_accounts(d)}")
        check(d.find_element(By.ID, "mine").is_selected(), "\"My Accounts\" is not ticked on the filtered list")

    def open_bakery_from_my_accounts(self):
        d = self.driver
        if pathname(d) != "/accounts" or BAKERY not in listed_accounts(d):
            d.get(self.portal.base + "/accounts?mine=1")
        self.open_bakery_from_list()

    def add_tag(self):
        d = self.driver
        if pathname(d) != self.bakery_path:
            self.open_tab("Business information")
        check(BAKERY_TAG not in self.tags(), f"the new account already has the tags {self.tags()}")
        fill(d, "tag", BAKERY_TAG)
        click_and_wait_for_new_page(d, submit_button(d, "Add tag"))
        self.expect_saved("Business information", f"Tag “{BAKERY_TAG}” added.")
        check(self.tags() == [BAKERY_TAG], f"the Tags card shows {self.tags()}, not [{BAKERY_TAG!r}]")
        removes = card(d, "Tags").find_elements(By.XPATH, f".//button[normalize-space()='Remove'][@aria-label='Remove tag {BAKERY_TAG}']")
        check(removes, f"no \"Remove\" button labelled \"Remove tag {BAKERY_TAG}\" next to the tag")

    def tags(self):
        return [badge.text.strip() for badge in card(self.driver, "Tags").find_elements(By.CSS_SELECTOR, "span.badge")]

    def add_note(self):
        d = self.driver
        if pathname(d) != self.bakery_path:
            self.open_tab("Business information")
        fill(d, "note", BAKERY_NOTE)
        click_and_wait_for_new_page(d, submit_button(d, "Add note"))
        self.expect_saved("Business information", "Note added: your team sees it under Internal notes.")
        notes = [li.text for li in card(d, "Internal notes").find_elements(By.CSS_SELECTOR, "ul.notes li")]
        check(len(notes) == 1 and BAKERY_NOTE in notes[0] and ADMIN_NAME in notes[0],
              f"Internal notes shows {notes}, not the note by {ADMIN_NAME}")
        kept = d.find_element(By.NAME, "note").get_attribute("value")
        check(kept == "", f"the note field still holds {kept!r} after adding it")
        check(self.tags() == [BAKERY_TAG], f"after adding a note, the Tags card shows {self.tags()}")

    def lock_bakery(self):
        d = self.driver
        self.open_tab("Account")
        click_and_wait_for_new_page(d, self.action_button("Lock account"))
        self.confirm(f"Lock {BAKERY}?", f"Lock {BAKERY}")
        self.expect_saved("Account", "Locked: the owner and staff are signed out and cannot sign in until it is unlocked.")
        value, button = self.control(d, "Lock account")
        check(value.startswith("Locked"), f"the \"Lock account\" row reads {value!r}")
        check(button == "Unlock account", f"the \"Lock account\" row offers {button!r}")
        badges = [b.text for b in d.find_elements(By.CSS_SELECTOR, "main .page-header .badge")]
        check("Locked" in badges, f"the page header shows {badges}")

    def nickname_field(self):
        return wait(self.driver).until(EC.visibility_of_element_located((By.NAME, "nickname")))

    def bad_nickname(self):
        d = self.driver
        if pathname(d) != self.bakery_path + "/account":
            self.open_tab("Account")
        fill(d, "nickname", BAD_NICKNAME)
        click_and_wait_for_new_page(d, submit_button(d, "Save nickname"))
        check(path_of(d) == self.bakery_path + "/nickname", f"after a bad nickname, on {path_of(d)}")
        status = response_status(d)
        check(status == 422, f"a bad nickname answered {status}, not 422")
        check(heading(d) == BAKERY, f"heading was {heading(d)!r}")
        self.expect_tab("Account")
        check(not d.find_elements(By.CSS_SELECTOR, "main [role=status]"), "a bad nickname shows a notice as if saved")
        field = self.nickname_field()
        check(field.get_attribute("value") == BAD_NICKNAME, f"the typed nickname was not kept: {field.get_attribute('value')!r}")
        check(field.get_attribute("aria-invalid") == "true", "the nickname field is not marked invalid")
        described = (field.get_attribute("aria-describedby") or "").split()
        errors = [d.find_element(By.ID, ref) for ref in described if "error" in ref]
        check(errors, f"the nickname field is not tied to an error (aria-describedby={described})")
        message = errors[0].text.strip()
        check("lowercase letters" in message, f"the error said {message!r}")
        check(errors[0].is_displayed(), "the nickname's error is not visible")
        value, _ = self.control(d, "Lock account")
        check(value.startswith("Locked"), f"with the error, the \"Lock account\" row reads {value!r}")
        scroll_into_view(d, field)  # the audit's screenshot then shows the field with its error

    def save_nickname(self):
        d = self.driver
        if not pathname(d).startswith(self.bakery_path):
            self.open_tab("Account")
        fill(d, "nickname", BAKERY_NICKNAME)
        click_and_wait_for_new_page(d, submit_button(d, "Save nickname"))
        self.expect_saved("Account", f"Nickname set to “{BAKERY_NICKNAME}”: the business page is /b/{BAKERY_NICKNAME}.")
        field = self.nickname_field()
        check(field.get_attribute("value") == BAKERY_NICKNAME, f"the nickname field shows {field.get_attribute('value')!r}")
        check(field.get_attribute("aria-invalid") != "true", "the nickname field is still marked invalid")
        check(not d.find_elements(By.CSS_SELECTOR, "main .field .error"), "an error is still shown after saving")

    def account_history(self):
        d = self.driver
        self.open_tab("History")
        history = card(d, "History")
        check(d.find_element(By.CSS_SELECTOR, "main h2").text.strip() == "History", "the History tab is not headed \"History\"")
        columns = [th.get_attribute("textContent").strip() for th in history.find_elements(By.CSS_SELECTOR, "thead th")]
        check(columns == ["When", "What happened"], f"the History table's columns are {columns}")
        entries = []
        for row in history.find_elements(By.CSS_SELECTOR, "tbody tr"):
            sentence = row.find_element(By.CSS_SELECTOR, ".audit-sentence").text.strip()
            details = " ".join(li.text.strip() for li in row.find_elements(By.CSS_SELECTOR, ".audit-details li"))
            entries.append((row.get_attribute("data-action"), sentence, details))
        expected = [
            ("account.nickname-changed", f"{ADMIN_NAME} gave the account the nickname \u201c{BAKERY_NICKNAME}\u201d", ""),
            ("account.lock", f"{ADMIN_NAME} locked the account", ""),
            ("account.note-added", f"{ADMIN_NAME} added a note", f"Note: {BAKERY_NOTE}"),
            ("account.tag-added", f"{ADMIN_NAME} added the tag \u201c{BAKERY_TAG}\u201d", ""),
            ("account.assignments-changed", f"{ADMIN_NAME} assigned themselves", ""),
            ("account.created", f"{ADMIN_NAME} created the account", ""),
        ]
        check(entries == expected, f"History, newest first, reads {entries}; expected {expected}")
        shown = history.text
        check(not any(action in shown for action, _, _ in expected), f"History shows an action code: {shown!r}")

    def activity_tab(self):
        d = self.driver
        self.open_tab("Activity")
        months = card(d, "The last 3 months")
        charts = months.find_elements(By.CSS_SELECTOR, "svg.chart")
        check(charts, "no <svg class=\"chart\"> in \"The last 3 months\"")
        chart = charts[0]
        check(chart.is_displayed() and chart.size["width"] > 200 and chart.size["height"] > 50,
              f"the chart is not shown at a readable size: {chart.size}")
        check(chart.get_attribute("role") == "img", f"the chart's role is {chart.get_attribute('role')!r}, not img")
        name = d.execute_script(
            "return (arguments[0].getAttribute('aria-labelledby') || '').split(/\\s+/)"
            ".map(id => document.getElementById(id)).filter(Boolean).map(e => e.textContent.trim()).join(' ')", chart)
        check(name.strip(), "the chart has no accessible name (aria-labelledby pointing at its title)")
        weeks = months.find_elements(By.CSS_SELECTOR, "details tbody tr")
        bars = chart.find_elements(By.CSS_SELECTOR, "rect.bookings")
        check(weeks and len(bars) == len(weeks), f"the chart has {len(bars)} weeks of bookings, the table {len(weeks)}")
        summaries = [e.get_attribute("textContent").strip() for e in months.find_elements(By.CSS_SELECTOR, "details > summary")]
        check(summaries == ["The figures by week"], f"\"The last 3 months\" folds away {summaries}")
        onboarding = card(d, "Onboarding")
        badges = [b.text.strip() for b in onboarding.find_elements(By.CSS_SELECTOR, ".badge")]
        check(badges == ["In setup"], f"Onboarding shows the badges {badges}, not \"In setup\"")
        check(onboarding.find_elements(By.XPATH, ".//button[@type='submit'][normalize-space()='Mark setup as complete']"),
              "Onboarding offers no \"Mark setup as complete\" button")
        card(d, "Sites")

    def complete_setup(self):
        d = self.driver
        if pathname(d) != self.bakery_path + "/activity":
            self.open_tab("Activity")
        click_and_wait_for_new_page(d, submit_button(d, "Mark setup as complete"))
        self.expect_saved("Activity", "Setup is complete.")
        onboarding = card(d, "Onboarding")
        check(not onboarding.find_elements(By.CSS_SELECTOR, ".badge"), "Onboarding still shows the \"In setup\" badge")
        steps = onboarding.find_elements(By.CSS_SELECTOR, "ul.checklist li")
        check(steps, "Onboarding shows no checklist once set up")
        check(f"of {len(steps)} onboarding steps done" in onboarding.text, f"Onboarding says {onboarding.text!r}")
        badges = [b.text for b in d.find_elements(By.CSS_SELECTOR, "main .page-header .badge")]
        check("In setup" not in badges, f"the page header still shows {badges}")

    def definition(self, title, term):
        """The text of the <dd> after the <dt> `term` in the card `title`."""
        found = card(self.driver, title).find_elements(By.XPATH, f".//dt[normalize-space()={xpath_literal(term)}]/following-sibling::dd[1]")
        check(found, f"the {title!r} card shows no {term!r}")
        return found[0].text.strip()

    def subscription_tab(self):
        d = self.driver
        self.open_tab("Subscription")
        staff = self.definition("Subscription", "Staff")
        check(re.fullmatch(r"0 of \d+ staff slots in use", staff), f"with no staff yet, Subscription's Staff reads {staff!r}")
        plans = [o.text.strip() for o in Select(d.find_element(By.NAME, "plan")).options]
        check([p.split(" (")[0] for p in plans if p != "No plan"] == ["Starter", "Standard", "Premium"],
              f"the plans offered are {plans}")
        Select(d.find_element(By.NAME, "plan")).select_by_value(BAKERY_PLAN)
        fill(d, "staff_slots", str(BAKERY_STAFF_SLOTS))
        click_and_wait_for_new_page(d, submit_button(d, "Save subscription"))
        self.expect_saved("Subscription", f"Subscription saved: plan {BAKERY_PLAN}, {BAKERY_STAFF_SLOTS} staff slots.")
        check(self.definition("Subscription", "Plan") == BAKERY_PLAN,
              f"after saving, the plan is {self.definition('Subscription', 'Plan')!r}")
        wanted = f"0 of {BAKERY_STAFF_SLOTS} staff slots in use"
        check(self.definition("Subscription", "Staff") == wanted,
              f"after saving, Staff reads {self.definition('Subscription', 'Staff')!r}, not {wanted!r}")
        chosen = Select(d.find_element(By.NAME, "plan")).first_selected_option.get_attribute("value")
        check(chosen == BAKERY_PLAN, f"after saving, the plan field shows {chosen!r}")

    def staff_people(self):
        """{email: (name, role, status)} of the Staff tab's table."""
        return {cells[1]: (cells[0], cells[2], cells[3]) for cells in table_rows(card(self.driver, "Staff")) if len(cells) >= 4}

    def staff_owner(self):
        d = self.driver
        self.open_tab("Staff")
        people = self.staff_people()
        email = CLIENT_ACCOUNTS[BAKERY]
        check(people == {email: (BAKERY_OWNER, "Owner", "Invited")},
              f"the Staff tab lists {people}, not only the owner {BAKERY_OWNER} <{email}>, invited")
        check(not card(d, "Staff").find_elements(By.XPATH, f".//button[@aria-label='Remove {BAKERY_OWNER}']"),
              "the owner can be removed from the Staff tab")
        subjects = [message["subject"] for message in self.portal.outbound_messages(email)]
        check(any(re.fullmatch(r"Your .* account is ready", subject) for subject in subjects),
              f"outbound_messages holds no \"account is ready\" invitation to {email}: {subjects}")

    def invite_staff(self):
        d = self.driver
        if not pathname(d).startswith(self.bakery_path + "/staff"):
            self.open_tab("Staff")
        fill(d, "staff_name", STAFF_NAME)
        fill(d, "staff_email", STAFF_EMAIL)
        click_and_wait_for_new_page(d, submit_button(d, "Invite staff member"))
        self.expect_saved("Staff", f"Invitation sent to {STAFF_NAME} at {STAFF_EMAIL}.")
        people = self.staff_people()
        check(people.get(STAFF_EMAIL) == (STAFF_NAME, "Staff", "Invited"),
              f"the Staff tab lists {people}, without {STAFF_NAME} as invited staff")
        hint = card(d, "Staff").find_element(By.CSS_SELECTOR, "p.hint").text
        check(f"1 of {BAKERY_STAFF_SLOTS} staff slots in use" in hint, f"the Staff tab says {hint!r}")
        check(card(d, "Staff").find_elements(By.XPATH, f".//button[@aria-label='Remove {STAFF_NAME}']"),
              f"no \"Remove\" button for {STAFF_NAME}")

    def audit_entries(self):
        """(action code, the sentence, the target's link text, its path, the detail lines) of each row of the Audit log."""
        entries = []
        for row in self.driver.find_elements(By.CSS_SELECTOR, "main table tbody tr"):
            sentence = row.find_element(By.CSS_SELECTOR, ".audit-sentence")
            links = sentence.find_elements(By.TAG_NAME, "a")
            on_path = urllib.parse.urlparse(links[0].get_attribute("href")).path if links else None
            details = " ".join(li.text.strip() for li in row.find_elements(By.CSS_SELECTOR, ".audit-details li"))
            entries.append((row.get_attribute("data-action"), sentence.text.strip(), links[0].text.strip() if links else None, on_path, details))
        return entries

    def audit_log(self):
        d = self.driver
        link = wait(d).until(EC.element_to_be_clickable((By.CSS_SELECTOR, "header nav a[href='/audit']")))
        check(link.text.strip() == "Audit log", f"the navigation link to /audit reads {link.text!r}")
        click_and_wait_for_new_page(d, link)
        check(path_of(d) == "/audit", f"expected /audit but was on {path_of(d)}")
        check(heading(d) == "Audit log", f"heading was {heading(d)!r}")
        for name in ("operator", "account", "action", "from", "to"):
            check(d.find_elements(By.CSS_SELECTOR, f"main form [name='{name}']"), f"the Audit log has no filter {name!r}")
        exports = d.find_elements(By.XPATH, "//main//a[normalize-space()='Export CSV']")
        check(exports and urllib.parse.urlparse(exports[0].get_attribute("href")).path == "/audit/export.csv",
              "no \"Export CSV\" link to /audit/export.csv")
        entries = self.audit_entries()
        locks = [e for e in entries if e[0] == "account.lock"]
        check(len(locks) == 1, f"the Audit log lists {len(locks)} account.lock entries: {[e[0] for e in entries]}")
        _, sentence, on, on_path, _ = locks[0]
        check(sentence == f"{ADMIN_NAME} locked {BAKERY}", f"the lock reads {sentence!r}")
        check(on == BAKERY and on_path == self.bakery_path, f"the lock is on {on!r}, linking to {on_path}, not {self.bakery_path}")
        table = d.find_element(By.CSS_SELECTOR, "main table").text
        check("account.lock" not in table and "account.tag-added" not in table, f"the Audit log shows action codes: {table!r}")
        actions = [e[0] for e in entries]
        check(actions.index("account.nickname-changed") < actions.index("account.lock") < actions.index("account.tag-added"),
              f"the Audit log is not newest first: {actions}")

    def audit_log_filter(self):
        d = self.driver
        if pathname(d) != "/audit":
            d.get(self.portal.base + "/audit")
        fill(d, "account", BAKERY_NICKNAME)
        action = Select(d.find_element(By.NAME, "action"))
        action.select_by_value("account.lock")
        check(action.first_selected_option.text.strip() == "Someone locked an account",
              f"the action filter names account.lock {action.first_selected_option.text!r}")
        click_and_wait_for_new_page(d, submit_button(d, "Filter"))
        query = urllib.parse.parse_qs(urllib.parse.urlparse(d.current_url).query)
        check(query.get("account") == [BAKERY_NICKNAME] and query.get("action") == ["account.lock"],
              f"the filter is not in the address: {path_of(d)}")
        entries = self.audit_entries()
        check([e[0] for e in entries] == ["account.lock"], f"filtered by {BAKERY_NICKNAME} and account.lock, the log lists {entries}")
        export = d.find_element(By.XPATH, "//main//a[normalize-space()='Export CSV']").get_attribute("href")
        status, text = self.fetch_signed_in(export)
        check(status == 200, f"the filtered Export CSV answered {status}")
        lines = text.strip().splitlines()
        check(len(lines) == 2 and lines[0].startswith("When,Who") and "account.lock" in lines[1] and BAKERY in lines[1],
              f"the filtered Export CSV holds {lines}")

    def fetch_signed_in(self, url):
        """GETs `url` with the admin's browser cookies; (status, text)."""
        cookies = "; ".join(f"{c['name']}={c['value']}" for c in self.driver.get_cookies())
        request = urllib.request.Request(url, headers={"Cookie": cookies})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8", "replace")


def expect_enrol(driver):
    check(path_of(driver) == "/sign-in/enrol", f"expected /sign-in/enrol but was on {path_of(driver)}")
    check(heading(driver) == ENROL_HEADING, f"heading was {heading(driver)!r}")
    for method in ("totp", "email", "sms"):
        check(driver.find_elements(By.ID, f"method-{method}"), f"no choice {method!r}")


def choose_method(driver, method, title):
    label = wait(driver).until(EC.element_to_be_clickable((By.CSS_SELECTOR, f"label[for='method-{method}']")))
    check(title in label.text, f"the {method} choice is labelled {label.text!r}")
    label.click()
    check(driver.find_element(By.ID, f"method-{method}").is_selected(), f"clicking {title!r} did not choose it")
    click_and_wait_for_new_page(driver, submit_button(driver, "Continue"))
    check(path_of(driver) == "/sign-in/code", f"expected /sign-in/code but was on {path_of(driver)}")


def enter_code(driver, code, button):
    fill(driver, "code", code)
    click_and_wait_for_new_page(driver, submit_button(driver, button))


def expect_recovery_codes(driver):
    check(heading(driver) == RECOVERY_HEADING, f"heading was {heading(driver)!r}")
    codes = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "#recovery-codes li code")]
    check(len(codes) == 10 and len(set(codes)) == 10, f"expected ten different codes, saw {codes}")
    bad = [code for code in codes if not re.fullmatch(r"[a-z0-9]{5}-[a-z0-9]{5}", code)]
    check(not bad, f"codes not shaped xxxxx-xxxxx: {bad}")


def continue_from_recovery_codes(driver):
    link = wait(driver).until(EC.element_to_be_clickable(
        (By.XPATH, f"//main//a[normalize-space()='{RECOVERY_CONTINUE}']")))
    click_and_wait_for_new_page(driver, link)


# --------------------------------------------------------------------------- main


def main():
    return run_walk(__doc__.split("\n\n")[0], "portal-journey-",
                    lambda portal, steps, screenshots, workdir: BrowserWalk(lambda driver: Journey(portal, driver, steps, screenshots)),
                    WHOLE_RUN_SECONDS)


if __name__ == "__main__":
    sys.exit(main())
