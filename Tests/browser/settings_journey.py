#!/usr/bin/env python3
"""Browser journey of partner Settings, the Tasks page and the Home dashboard, in headless Chromium.

Starts a fresh portal on a free loopback port with an empty SQLite database, sets up the first
admin from the setup link in the server's log and makes a Support operator on the command line
(`portal operator create --password-stdin`) and three client accounts through the API (with a
token from `portal token create`), then:

  1. the first admin sets up from the setup link and signs in;
  2. Settings -> Branding: a new display name and brand colour are saved ("The branding was
     saved."); signed out, the sign-in page carries the new name, and the element that shows
     the brand colour (the brand mark of the top bar, and the primary button) is painted in it;
     signed in again, Home lists the change among the recent audit entries; a colour that fails
     the contrast rule is refused with the error next to the field and what was typed kept; a
     light colour accepted by the rule must still leave link text readable on white;
  3. Settings -> Plans: a new plan is offered on an account's Subscription tab; Settings ->
     Onboarding: a new step is in the account's Activity tab checklist; Settings -> Retention:
     5 days is refused with the error next to the field;
  4. Tasks: an operator invited more than 3 days ago (the invite is backdated in the database
     file), one invited just now (not a task yet), a locked account (locked on its page), an
     account assigned to the admin and one created 20 days ago still in setup (backdated): /tasks
     shows each category's count matching its rows, and each row's link opens its page;
  5. Home shows the same task counts, the accounts list's header counts, the assigned account,
     and the newest entries of the audit log;
  6. the Support operator signs in: no Settings in the navigation, /settings answers 403 naming
     "Manage settings" (a POST too), /tasks shows only the account categories, Home no audit;
  7. /settings, /tasks and / (and the Support operator's /tasks) are checked with axe-core (no
     "serious"/"critical" violations), for labelled inputs and for horizontal overflow at 375px.

Then parts of Settings that are being added, each its own step that fails clearly while it is
missing: the Tasks thresholds section, the logo upload in Branding, and the API tokens page.

Rows are backdated with UPDATEs on the portal's SQLite file (SQLITE_PATH) while it runs; dates are
stored there as seconds since 1970.

    python Tests/browser/settings_journey.py --portal .build/debug/portal [--screenshots DIR]

Prints one line "N passed, M failed" at the end; exits non-zero on any failure. Shares its
helpers with journey.py (same directory) and needs what it needs.
"""

import base64
import importlib.util
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

_spec = importlib.util.spec_from_file_location("journey", Path(__file__).resolve().with_name("journey.py"))
journey = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(journey)

from selenium.webdriver.common.by import By  # noqa: E402 - after journey.py, which checks the packages
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import Select  # noqa: E402

check, StepFailed, Aborted, Overtime = journey.check, journey.StepFailed, journey.Aborted, journey.Overtime
wait, fill, heading, path_of, pathname = journey.wait, journey.fill, journey.heading, journey.path_of, journey.pathname
click_and_wait_for_new_page, submit_button = journey.click_and_wait_for_new_page, journey.submit_button
response_status, xpath_literal, card = journey.response_status, journey.xpath_literal, journey.card

WHOLE_RUN_SECONDS = 420  # hard ceiling for everything, cleanup included
DAY = 86_400

ADMIN_NAME, ADMIN_EMAIL = "Ada Lovelace", "ada@example.com"
ADMIN_PASSWORD = "correct horse battery staple"
SUPPORT_NAME, SUPPORT_EMAIL = "Maya Support", "maya@example.com"
SUPPORT_PASSWORD = "operators keep the lights on"

# Branding: the new name and colour (as typed, and as the browser computes it).
BRAND_NAME = "Kentish Web Services"
BRAND_COLOR = "#0b5394"
BRAND_RGB = "rgb(11, 83, 148)"
# Refused by the rule Settings states: under 4.5:1 with white (4.0) and with dark text (4.43).
FAINT_COLOR = "#7f7f7f"
# Passes that rule (16.7:1 with dark text) but is a very light colour: what links become in it.
LIGHT_COLOR = "#ffff66"
TYPED_NAME = "Kentish Web Services Ltd"
TYPED_LOGO = "https://cdn.example.com/kentish-logo.png"
MINIMUM_CONTRAST = 4.5

NEW_PLAN, NEW_PLAN_SLOTS = "Enterprise", 25
NEW_STEP = "Upload your menu"
BAD_RETENTION = "5"

# The client accounts, made through the API: name -> (owner's email, owner's name).
LOCKED = "Rosie's Bakery"
ASSIGNED = "Harbour Gym"
STUCK = "Northwind Traders"
ACCOUNTS = {
    LOCKED: ("rosie@bakery.example.com", "Rosie Marsh"),
    ASSIGNED: ("front-desk@harbourgym.example.com", "Hal Harbour"),
    STUCK: ("orders@northwind.example.com", "Nora North"),
}
STUCK_DAYS_AGO = 20  # more than 14 (stuck in setup), fewer than 23 (screening) and 30 (new, not inactive)

# Invited through the Operators page: one backdated past the 3-day threshold, one left as it is.
PENDING_NAME, PENDING_EMAIL = "Olive Overdue", "olive@example.com"
RECENT_NAME, RECENT_EMAIL = "Newt Recent", "newt@example.com"
PENDING_DAYS_AGO = 4

# /tasks: category code -> title, in the page's order.
CATEGORIES = {
    "stuck-in-setup": "Stuck in setup",
    "inactive-accounts": "Inactive accounts",
    "new-assignments": "Newly assigned to you",
    "pending-invites": "Pending invites",
    "locked-accounts": "Locked accounts",
    "screening-ending": "Link screening ends this week",
}
OPERATOR_CATEGORIES = {"pending-invites"}
# What the admin's /tasks should list once the data is made: category -> names.
EXPECTED_TASKS = {
    "stuck-in-setup": [STUCK],
    "inactive-accounts": [],
    "new-assignments": [ASSIGNED],
    "pending-invites": [PENDING_NAME],
    "locked-accounts": [LOCKED],
    "screening-ending": [],
}

ACCOUNT_TABS = {"Business information": "", "Activity": "/activity", "Subscription": "/subscription", "Staff": "/staff",
                "Messages": "/messages", "History": "/history", "Account": "/account"}
SETTINGS_SECTIONS = ("security", "retention", "branding", "domains", "plans", "onboarding")

# A 1x1 PNG, for the logo upload once Settings has one.
PNG_1X1 = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")


class Portal(journey.Portal):
    def backdate(self, table, column, where, parameters, days):
        """Moves `column` of the matching rows `days` earlier (dates are seconds since 1970 here)."""
        changed = self.execute(f"UPDATE {table} SET {column} = {column} - ? WHERE {where}", (days * DAY, *parameters))
        check(changed == 1, f"backdating {table}.{column} where {where} {parameters} changed {changed} rows, not 1")


# --------------------------------------------------------------------------- page helpers


def text_of(element):
    return " ".join(element.text.split())


def fill_in(scope, name, value):
    """Types `value` into the field `name` inside `scope` (a form or a card)."""
    fields = scope.find_elements(By.NAME, name)
    check(fields, f"no field named {name!r} in this form")
    fields[0].clear()
    fields[0].send_keys(value)


def value_of(scope, name):
    fields = scope.find_elements(By.NAME, name)
    check(fields, f"no field named {name!r} in this form")
    return fields[0].get_attribute("value")


def field_error(driver, scope, name):
    """The error shown next to the field `name` in `scope`: in the same .field, and tied to the
    input by aria-describedby; raises with what was seen when it is not."""
    fields = scope.find_elements(By.NAME, name)
    check(fields, f"no field named {name!r}")
    field = fields[0]
    boxes = field.find_elements(By.XPATH, "./ancestor::div[contains(concat(' ', @class, ' '), ' field ')][1]")
    check(boxes, f"the field {name!r} is not inside a .field")
    errors = boxes[0].find_elements(By.CSS_SELECTOR, ".error")
    check(errors and errors[0].is_displayed() and errors[0].text.strip(),
          f"no error shown next to {name!r}; its box reads {text_of(boxes[0])!r}")
    check(field.get_attribute("aria-invalid") == "true", f"the field {name!r} is not marked aria-invalid")
    described = (field.get_attribute("aria-describedby") or "").split()
    check(errors[0].get_attribute("id") in described,
          f"the error next to {name!r} (id {errors[0].get_attribute('id')!r}) is not in its aria-describedby {described}")
    return errors[0].text.strip()


def nav_links(driver):
    """{path: text} of the top bar's main navigation."""
    return {urllib.parse.urlparse(a.get_attribute("href")).path: a.text.strip()
            for a in driver.find_elements(By.CSS_SELECTOR, "header nav[aria-label='Main'] a")}


def stats(container):
    """The a.stat counts inside `container`, in order: [(label, value, href path#fragment)]."""
    found = []
    for stat in container.find_elements(By.CSS_SELECTOR, "a.stat"):
        href = urllib.parse.urlparse(stat.get_attribute("href"))
        found.append((stat.find_element(By.CSS_SELECTOR, ".label").text.strip(),
                      stat.find_element(By.CSS_SELECTOR, ".value").text.strip(),
                      href.path + (f"?{href.query}" if href.query else "") + (f"#{href.fragment}" if href.fragment else "")))
    return found


def fetch_post(driver, path, fields):
    """POSTs a form from inside the page (same cookies, the page's CSRF token); the status."""
    return driver.execute_script("""
        const [path, fields] = arguments;
        const token = document.querySelector("input[name='csrf_token'], input[name='_csrf']");
        const body = new URLSearchParams(fields);
        if (token) body.set(token.name, token.value);
        return fetch(path, {method: 'POST', body, redirect: 'manual', credentials: 'same-origin'}).then(r => r.status);
    """, path, fields)


def parse_css_color(text):
    """(r, g, b) in 0..255 from a computed colour: rgb()/rgba() or color(srgb r g b)."""
    found = re.fullmatch(r"rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+).*\)", text.strip())
    if found:
        return tuple(float(part) for part in found.groups())
    found = re.fullmatch(r"color\(srgb\s+([\d.]+)\s+([\d.]+)\s+([\d.]+).*\)", text.strip())
    if found:
        return tuple(float(part) * 255 for part in found.groups())
    raise StepFailed(f"cannot read the computed colour {text!r}")


def luminance(rgb):
    channels = [c / 255 for c in rgb]
    channels = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]


def contrast(a, b):
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def computed(driver, element, prop):
    return driver.execute_script("return getComputedStyle(arguments[0]).getPropertyValue(arguments[1])", element, prop)


class SettingsJourney:
    def __init__(self, portal, steps, screenshots):
        self.portal, self.steps, self.screenshots = portal, steps, screenshots
        self.browsers = []
        self.setup_link = None
        self.admin = self.support = None
        self.token = None
        self.uids = {}  # account name -> Business UID
        self.codes_seen = 0
        self.admin_tasks = None  # {category: (count, [names])} of the admin's /tasks
        self.operator_paths = {}  # invited name -> /operators/{id}
        self.default_steps = []  # the onboarding step titles before one is added
        self.retention_before = None  # the saved retention, before a refused value

    # ------------------------------------------------------------------ plumbing

    def browser(self):
        driver = journey.start_browser()
        self.browsers.append(driver)
        return driver

    def close(self):
        for driver in self.browsers:
            try:
                driver.quit()
            except Exception:  # noqa: BLE001 - the browser may already be gone
                pass
        self.browsers = []

    def audit(self, driver, page, shot):
        journey.audit(self.steps, driver, page, self.screenshots, shot)

    def go(self, driver, path):
        driver.get(self.portal.base + path)
        wait(driver).until(lambda d: d.execute_script("return document.readyState") == "complete")

    def run(self, name, action, required=False):
        return self.steps.run(name, action, required=required)

    def not_run(self, what):
        print(f"      (the rest of {what} was not run)")

    # ------------------------------------------------------------------ the journey

    def journey(self):
        s = self.run
        s(f"axe-core {'.'.join(map(str, journey.AXE_MINIMUM))} or newer is installed", self.axe_ready)
        s("the server is healthy and logs a setup link", self.server_ready, required=True)
        s("`portal partner policy --second-factor optional` is accepted", self.optional_second_factor)

        # 1.
        s("1. the first admin is set up from the setup link and lands on home", self.first_admin, required=True)
        s("a Support operator is made with `portal operator create --password-stdin`", self.create_support)

        # 2. Branding.
        if s("2. the Settings link opens /settings with its sections", self.open_settings):
            s(f"2. Branding: the name {BRAND_NAME!r} and the colour {BRAND_COLOR} are saved", self.save_branding)
            s("2. signed out, the sign-in page shows the new name and is painted in the new colour", self.sign_in_page_branded)
            self.audit(self.admin, "sign-in in the new brand", "s01-sign-in-branded")
            s("2. the admin signs in again and lands on Home, in the new name", self.admin_signs_in_again, required=True)
            s("2. Home's recent activity lists the branding change, by the admin", self.home_lists_branding_change)
            s(f"2. Branding: {FAINT_COLOR}, too faint for text, is refused next to the field; the typed values are kept",
              self.faint_colour_refused)
            self.audit(self.admin, "settings with a branding error", "s02-settings-branding-error")
            s("2. the refused branding changed nothing", self.faint_colour_changed_nothing)
            s(f"2. Branding: the light colour {LIGHT_COLOR} is refused, or links painted in it stay readable on white",
              self.light_colour)

        # 3. Plans, onboarding, retention.
        if not s("3. three client accounts are created through the API", self.create_accounts):
            return self.not_run("the journey (no accounts)")
        s(f"3. Plans: the plan {NEW_PLAN!r} with {NEW_PLAN_SLOTS} staff slots is added", self.add_plan)
        s(f"3. {NEW_PLAN!r} is offered on an account's Subscription tab, and chosen there", self.plan_offered)
        s(f"3. Onboarding: the step {NEW_STEP!r} is added at the end", self.add_step)
        s(f"3. {NEW_STEP!r} is in the Activity tab's checklist (counted in setup, listed once set up)", self.step_in_checklist)
        s(f"3. Retention: {BAD_RETENTION} days is refused with the error next to the field", self.bad_retention)
        self.audit(self.admin, "settings with a retention error", "s03-settings-retention-error")
        s("3. the refused retention changed nothing", self.bad_retention_changed_nothing)

        # 4. Tasks.
        s("4. two operators are invited; the first invite is backdated past the 3-day threshold", self.invite_operators)
        s(f"4. {LOCKED!r} is locked on its Account tab", self.lock_account)
        s(f"4. {ASSIGNED!r} is assigned to the admin on its Account tab", self.assign_admin)
        s(f"4. {STUCK!r} is backdated {STUCK_DAYS_AGO} days, still in setup", self.backdate_stuck)
        if s("4. /tasks lists each category with a count matching its rows", self.tasks_page):
            s("4. each row's link on /tasks opens the account's or the operator's page", self.task_links)

        # 5. Home.
        s("5. Home shows the same task counts as /tasks, each linking to its list", self.home_task_counts)
        s("5. Home shows the accounts list's header counts", self.home_header_counts)
        s(f"5. Home lists {ASSIGNED!r} under \"Your accounts\", linked", self.home_assigned)
        s("5. Home's recent activity is the audit log's newest entries", self.home_recent_audit)

        # 6. Support.
        self.support = self.browser()
        if s("6. the Support operator signs in with a password", self.support_signs_in):
            s("6. Support's navigation has no Settings; /settings answers 403 naming Manage settings", self.support_no_settings)
            self.audit(self.support, "403 settings (Support)", "s04-settings-403")
            s("6. Support's /tasks shows only the account categories, with the locked account", self.support_tasks)
            self.audit(self.support, "tasks (Support)", "s05-tasks-support")
            s("6. Support's Home has the account categories and no audit entries", self.support_home)

        # 7. The three pages, as the admin.
        for path, page, shot in (("/settings", "settings", "s06-settings"), ("/tasks", "tasks", "s07-tasks"), ("/", "home", "s08-home")):
            if s(f"7. {path} opens for the admin", lambda p=path: self.admin_opens(p)):
                self.audit(self.admin, page, shot)

        # Parts being added to Settings: each fails clearly while it is missing.
        s("Settings → Tasks: a thresholds section sets when an invite becomes a task", self.tasks_thresholds)
        s("Settings → Branding: a logo is uploaded and shown on the sign-in page", self.logo_upload)
        if s("Settings → API tokens: /settings/api-tokens makes a token that works, and revokes it", self.api_tokens_page):
            self.audit(self.admin, "API tokens", "s09-api-tokens")

    # ------------------------------------------------------------------ setting up

    def axe_ready(self):
        check(journey.AXE.usable, journey.AXE.problem)
        print(f"      using axe-core {journey.AXE.describe()}")

    def server_ready(self):
        self.portal.wait_until_healthy()
        self.setup_link = self.portal.setup_link()

    def optional_second_factor(self):
        done = self.portal.cli("partner", "policy", "--partner", "default", "--second-factor", "optional")
        check(done.returncode == 0 and "second factor: optional" in done.stdout,
              f"`portal partner policy` exited {done.returncode}: {done.stdout.strip()} {done.stderr.strip()}")

    def create_support(self):
        made = self.portal.cli_input("operator", "create", "--partner", "default", "--email", SUPPORT_EMAIL, "--name", SUPPORT_NAME,
                                     "--role", "support", "--password-stdin", text=SUPPORT_PASSWORD + "\n")
        check(made.returncode == 0, f"`portal operator create` for support exited {made.returncode}: {made.stderr.strip()}")

    def first_admin(self):
        self.admin = d = self.browser()
        d.get(self.setup_link)
        check(heading(d) == "Create the first admin", f"heading was {heading(d)!r}")
        fill(d, "name", ADMIN_NAME)
        fill(d, "email", ADMIN_EMAIL)
        fill(d, "password", ADMIN_PASSWORD)
        fill(d, "password_confirmation", ADMIN_PASSWORD)
        click_and_wait_for_new_page(d, submit_button(d, "Create admin and sign in"))
        if pathname(d) == "/sign-in/enrol":  # the policy did not apply to the first admin: email codes, as journey.py
            self.codes_seen = len(self.portal.emailed_codes(ADMIN_EMAIL))
            journey.choose_method(d, "email", "Code by email")
            journey.enter_code(d, self.portal.new_emailed_code(ADMIN_EMAIL, self.codes_seen), "Confirm")
            self.codes_seen += 1
            journey.continue_from_recovery_codes(d)
        self.expect_admin_home()

    def expect_admin_home(self):
        d = self.admin
        check(path_of(d) == "/", f"expected home (/), on {path_of(d)}")
        check(heading(d) == f"Welcome, {ADMIN_NAME}", f"heading was {heading(d)!r}")

    # ------------------------------------------------------------------ 2. branding

    def open_settings(self):
        d = self.admin
        links = nav_links(d)
        check(links.get("/settings") == "Settings", f"the navigation has no \"Settings\" link to /settings: {links}")
        click_and_wait_for_new_page(d, d.find_element(By.CSS_SELECTOR, "header nav a[href='/settings']"))
        check(pathname(d) == "/settings", f"the Settings link opened {path_of(d)}")
        check(heading(d) == "Settings", f"heading was {heading(d)!r}")
        missing = [name for name in SETTINGS_SECTIONS if not d.find_elements(By.ID, name)]
        check(not missing, f"/settings has no section with the id {missing}")
        tabs = [urllib.parse.urlparse(a.get_attribute("href")).fragment
                for a in d.find_elements(By.CSS_SELECTOR, "main nav[aria-label='Settings sections'] a")]
        check(all(name in tabs for name in SETTINGS_SECTIONS), f"the sections' links point at {tabs}")

    def branding_form(self):
        return self.admin.find_element(By.ID, "branding")

    def save_branding(self):
        d = self.admin
        if pathname(d) != "/settings":
            self.go(d, "/settings")
        form = self.branding_form()
        fill_in(form, "name", BRAND_NAME)
        fill_in(form, "color", BRAND_COLOR)
        click_and_wait_for_new_page(d, submit_button(d, "Save branding"))
        check(pathname(d) == "/settings", f"after saving, on {path_of(d)}")
        notice = journey.notice_text(d)
        check(notice == "Brand updated: every page and email shows the new name and colour.", f"the notice said {notice!r}")
        form = self.branding_form()
        check(value_of(form, "name") == BRAND_NAME, f"after saving, the name reads {value_of(form, 'name')!r}")
        check(value_of(form, "color").lower() == BRAND_COLOR, f"after saving, the colour reads {value_of(form, 'color')!r}")
        brand = d.find_element(By.CSS_SELECTOR, "header .brand").text
        check(BRAND_NAME in brand, f"the top bar's brand reads {brand!r}, not {BRAND_NAME!r}")

    def sign_in_page_branded(self):
        d = self.admin
        journey.sign_out(d)
        check(pathname(d) == "/sign-in", f"after signing out, on {path_of(d)}")
        check(heading(d) == "Sign in", f"heading was {heading(d)!r}")
        brand = d.find_element(By.CSS_SELECTOR, "header .brand").text
        check(BRAND_NAME in brand, f"the sign-in page's brand reads {brand!r}, not {BRAND_NAME!r}")
        check(BRAND_NAME in d.title, f"the sign-in page's title is {d.title!r}")
        # The brand mark (the initial beside the name) and the primary button carry --brand.
        marks = d.find_elements(By.CSS_SELECTOR, "header .brand .brand-mark")
        check(marks, "the sign-in page's top bar has no .brand-mark")
        check(marks[0].text.strip() == BRAND_NAME[0], f"the brand mark reads {marks[0].text!r}, not {BRAND_NAME[0]!r}")
        painted = computed(d, marks[0], "background-color")
        check(painted == BRAND_RGB, f"the brand mark's background is {painted}, not {BRAND_RGB} ({BRAND_COLOR})")
        button = submit_button(d, "Sign in")
        painted = computed(d, button, "background-color")
        check(painted == BRAND_RGB, f"the \"Sign in\" button's background is {painted}, not {BRAND_RGB} ({BRAND_COLOR})")
        variable = d.execute_script("return getComputedStyle(document.documentElement).getPropertyValue('--brand').trim()")
        check(variable.lower() == BRAND_COLOR, f"--brand is {variable!r}, not {BRAND_COLOR}")

    def sign_in(self, driver, email, password):
        self.go(driver, "/sign-in")
        fill(driver, "email", email)
        fill(driver, "password", password)
        click_and_wait_for_new_page(driver, submit_button(driver, "Sign in"))

    def admin_signs_in_again(self):
        d = self.admin
        seen = len(self.portal.emailed_codes(ADMIN_EMAIL))
        self.sign_in(d, ADMIN_EMAIL, ADMIN_PASSWORD)
        if pathname(d) == "/sign-in/code":  # the admin set up emailed codes at first
            journey.enter_code(d, self.portal.new_emailed_code(ADMIN_EMAIL, seen), "Sign in")
        self.expect_admin_home()
        lead = d.find_element(By.CSS_SELECTOR, "main .page-header p").text
        check(BRAND_NAME in lead, f"Home says {lead!r}, not that this is {BRAND_NAME}")

    def home_lists_branding_change(self):
        entries = self.home_audit_entries()
        changes = [e for e in entries if e[2] == "settings.branding-changed"]
        check(changes, f"Home's recent activity has no settings.branding-changed: {[e[2] for e in entries]}")
        check(changes[0][1].startswith(ADMIN_NAME + " "), f"the branding change reads {changes[0][1]!r}, not a sentence by {ADMIN_NAME}")
        check("settings." not in changes[0][1], f"the branding change shows its code: {changes[0][1]!r}")

    def faint_colour_refused(self):
        d = self.admin
        self.go(d, "/settings")
        form = self.branding_form()
        fill_in(form, "name", TYPED_NAME)
        fill_in(form, "color", FAINT_COLOR)
        typed = {"name": TYPED_NAME, "color": FAINT_COLOR}
        logo = form.find_elements(By.NAME, "logo")
        if logo and logo[0].get_attribute("type") != "file":  # a logo address (a chosen file is never kept by a browser)
            fill_in(form, "logo", TYPED_LOGO)
            typed["logo"] = TYPED_LOGO
        click_and_wait_for_new_page(d, submit_button(d, "Save branding"))
        status = response_status(d)
        check(status == 422, f"the faint colour answered {status}, not 422 (on {path_of(d)})")
        check(not d.find_elements(By.CSS_SELECTOR, "main [role=status]"), "a refused colour shows a notice as if saved")
        form = self.branding_form()
        error = field_error(d, form, "color")
        print(f"      the error: {error!r}")
        check("hard to read" in error and "4.5:1" in error, f"the colour's error reads {error!r}")
        summary = form.find_elements(By.CSS_SELECTOR, "[role=alert]")
        check(summary and summary[0].text.strip(), "the branding form shows no error summary")
        for name, value in typed.items():
            kept = value_of(form, name)
            check(kept == value, f"the typed {name} was not kept: {kept!r}, not {value!r}")
        for name in ("name", "logo"):
            check(not form.find_elements(By.ID, f"field-{name}-error"), f"the valid {name} is marked as an error too")
        journey.scroll_into_view(d, form.find_element(By.ID, "field-color-error"))  # for the screenshots that follow

    def faint_colour_changed_nothing(self):
        d = self.admin
        brand = d.find_element(By.CSS_SELECTOR, "header .brand").text
        check(brand.strip().endswith(BRAND_NAME) and TYPED_NAME not in brand, f"after the refusal, the top bar's brand reads {brand!r}")
        self.go(d, "/settings")
        form = self.branding_form()
        check(value_of(form, "name") == BRAND_NAME and value_of(form, "color").lower() == BRAND_COLOR,
              f"the refused form changed the saved branding: {value_of(form, 'name')!r} {value_of(form, 'color')!r}")
        check(not d.find_elements(By.CSS_SELECTOR, "header .brand img"), "the refused form gave the portal a logo")

    def light_colour(self):
        d = self.admin
        self.go(d, "/settings")
        fill_in(self.branding_form(), "color", LIGHT_COLOR)
        click_and_wait_for_new_page(d, submit_button(d, "Save branding"))
        try:
            if response_status(d) == 422:
                print(f"      refused: {field_error(d, self.branding_form(), 'color')!r}")
                return
            check(response_status(d) == 200 and pathname(d) == "/settings", f"saving {LIGHT_COLOR} led to {path_of(d)} ({response_status(d)})")
            # Accepted: text painted in the brand (links, the current tab, the current navigation item)
            # sits on white or near-white; it must stay readable there.
            self.go(d, "/accounts")
            samples = []
            for selector in ("main table tbody a", "header nav a[aria-current='page']"):
                for element in d.find_elements(By.CSS_SELECTOR, selector)[:1]:
                    fg = parse_css_color(computed(d, element, "color"))
                    samples.append((selector, computed(d, element, "color"), round(contrast(fg, (255, 255, 255)), 2)))
            print(f"      {LIGHT_COLOR} was accepted; text in the brand reads: {samples}")
            check(samples, "no link to measure on /accounts")
            faint = [sample for sample in samples if sample[2] < MINIMUM_CONTRAST]
            check(not faint, f"{LIGHT_COLOR} was accepted as the brand colour (the rule measures text on it, 16.7:1 with dark text), "
                             f"but text painted in it on white is unreadable: {faint} (need {MINIMUM_CONTRAST}:1)")
        finally:
            self.go(d, "/settings")
            fill_in(self.branding_form(), "color", BRAND_COLOR)
            click_and_wait_for_new_page(d, submit_button(d, "Save branding"))
            check(journey.notice_text(d) == "Brand updated: every page and email shows the new name and colour.",
                  f"restoring {BRAND_COLOR}: the notice said {journey.notice_text(d)!r}")

    # ------------------------------------------------------------------ 3. plans, steps, retention

    def create_accounts(self):
        self.token = self.portal.api_token(ADMIN_EMAIL, "Settings journey")
        for name, (email, owner) in ACCOUNTS.items():
            status, answer = self.portal.api("POST", "/accounts", {"name": name, "email": email, "ownerName": owner}, self.token)
            check(status == 201 and isinstance(answer, dict) and answer.get("businessUid"), f"POST /api/v1/accounts for {name!r} answered {status}: {answer}")
            self.uids[name] = answer["businessUid"]

    def account_path(self, name, tab=""):
        return f"/accounts/{self.uids[name]}" + ACCOUNT_TABS.get(tab, tab)

    def open_tab(self, name, tab):
        d = self.admin
        self.go(d, self.account_path(name))
        link = wait(d).until(EC.element_to_be_clickable(
            (By.XPATH, f"//main//nav[@aria-label='Account']//a[normalize-space()={xpath_literal(tab)}]")))
        click_and_wait_for_new_page(d, link)
        check(pathname(d) == self.account_path(name, tab), f"the {tab} tab of {name} opened {path_of(d)}")
        check(heading(d) == name, f"heading was {heading(d)!r}")

    def plans_section(self):
        return self.admin.find_element(By.ID, "plans")

    def plan_rows(self):
        """{name: staff slots} of the plans table."""
        rows = {}
        for row in self.plans_section().find_elements(By.CSS_SELECTOR, "tbody tr"):
            rows[value_of(row, "name")] = value_of(row, "staff_slots")
        return rows

    def add_plan(self):
        d = self.admin
        self.go(d, "/settings")
        check(NEW_PLAN not in self.plan_rows(), f"{NEW_PLAN!r} is already a plan: {self.plan_rows()}")
        forms = self.plans_section().find_elements(By.XPATH, ".//form[h3[normalize-space()='Add a plan']]")
        check(forms, "the Plans section has no \"Add a plan\" form")
        fill_in(forms[0], "name", NEW_PLAN)
        fill_in(forms[0], "staff_slots", str(NEW_PLAN_SLOTS))
        click_and_wait_for_new_page(d, submit_button(d, "Add plan"))
        check(pathname(d) == "/settings", f"after adding a plan, on {path_of(d)}")
        check(journey.notice_text(d) == f"Plan \u201c{NEW_PLAN}\u201d added.", f"the notice said {journey.notice_text(d)!r}")
        rows = self.plan_rows()
        check(rows.get(NEW_PLAN) == str(NEW_PLAN_SLOTS), f"the plans listed are {rows}, without {NEW_PLAN} ({NEW_PLAN_SLOTS})")

    def plan_offered(self):
        d = self.admin
        self.open_tab(ASSIGNED, "Subscription")
        plan = Select(d.find_element(By.NAME, "plan"))
        offered = [o.text.strip() for o in plan.options]
        wanted = f"{NEW_PLAN} ({NEW_PLAN_SLOTS} staff slots)"
        check(wanted in offered, f"the Subscription tab offers {offered}, not {wanted!r}")
        plan.select_by_value(NEW_PLAN)
        click_and_wait_for_new_page(d, submit_button(d, "Save subscription"))
        check(pathname(d) == self.account_path(ASSIGNED, "Subscription"), f"after saving, on {path_of(d)}")
        check(re.fullmatch(rf"Subscription saved: plan {NEW_PLAN}, \d+ staff slots?\.", journey.notice_text(d)),
              f"the notice said {journey.notice_text(d)!r}")
        shown = card(d, "Subscription").find_elements(By.XPATH, ".//dt[normalize-space()='Plan']/following-sibling::dd[1]")
        check(shown and shown[0].text.strip() == NEW_PLAN, f"after saving, the plan reads {[e.text for e in shown]}")

    def steps_section(self):
        return self.admin.find_element(By.ID, "onboarding")

    def step_rows(self):
        """[(title, retired)] of the onboarding steps, in order."""
        rows = []
        for row in self.steps_section().find_elements(By.CSS_SELECTOR, "tbody tr"):
            retired = any(b.text.strip() == "Retired" for b in row.find_elements(By.CSS_SELECTOR, ".badge"))
            rows.append((value_of(row, "title"), retired))
        return rows

    def add_step(self):
        d = self.admin
        self.go(d, "/settings")
        before = self.step_rows()
        self.default_steps = [title for title, retired in before if not retired]
        check(self.default_steps, "there are no onboarding steps to start with")
        forms = self.steps_section().find_elements(By.XPATH, ".//form[h3[normalize-space()='Add a step']]")
        check(forms, "the Onboarding steps section has no \"Add a step\" form")
        fill_in(forms[0], "title", NEW_STEP)
        click_and_wait_for_new_page(d, submit_button(d, "Add step"))
        check(pathname(d) == "/settings", f"after adding a step, on {path_of(d)}")
        check(journey.notice_text(d) == f"Step \u201c{NEW_STEP}\u201d added.", f"the notice said {journey.notice_text(d)!r}")
        after = self.step_rows()
        check(after == before + [(NEW_STEP, False)], f"the steps are {after}, not the ones before and then {NEW_STEP!r}")

    def step_in_checklist(self):
        d = self.admin
        self.open_tab(ASSIGNED, "Activity")
        onboarding = card(d, "Onboarding")
        steps = len(self.default_steps) + 1
        check(f"(0 of {steps} steps done)" in onboarding.text, f"in setup, Onboarding reads {text_of(onboarding)!r}, not 0 of {steps} steps")
        button = onboarding.find_elements(By.XPATH, ".//button[@type='submit'][normalize-space()='Mark setup as complete']")
        check(button, "Onboarding offers no \"Mark setup as complete\"")
        click_and_wait_for_new_page(d, button[0])
        check(journey.notice_text(d) == "Setup is complete.", f"the notice said {journey.notice_text(d)!r}")
        items = [text_of(li) for li in card(d, "Onboarding").find_elements(By.CSS_SELECTOR, "ul.checklist li")]
        titles = [re.sub(r"^(Not done|Done): ", "", item).split(" · ")[0] for item in items]
        check(titles == self.default_steps + [NEW_STEP], f"the checklist lists {titles}, not {self.default_steps + [NEW_STEP]}")
        check(items[-1].startswith("Not done:"), f"the new step reads {items[-1]!r}")

    def bad_retention(self):
        d = self.admin
        self.go(d, "/settings")
        form = d.find_element(By.ID, "retention")
        before = value_of(form, "retention_days")
        fill_in(form, "retention_days", BAD_RETENTION)
        click_and_wait_for_new_page(d, submit_button(d, "Save retention"))
        check(response_status(d) == 422, f"{BAD_RETENTION} days answered {response_status(d)}, not 422 (on {path_of(d)})")
        form = d.find_element(By.ID, "retention")
        error = field_error(d, form, "retention_days")
        check("30" in error and "730" in error, f"the retention error reads {error!r}, without the range")
        check(value_of(form, "retention_days") == BAD_RETENTION, f"the typed days were not kept: {value_of(form, 'retention_days')!r}")
        summary = form.find_elements(By.CSS_SELECTOR, "[role=alert]")
        print(f"      the summary: {summary[0].text.strip()!r}" if summary else "      no summary")
        check(summary, "the retention form shows no error summary")
        check(not d.find_elements(By.ID, "field-color-error"), "another section shows an error too")
        self.retention_before = before
        journey.scroll_into_view(d, form)  # for the screenshots that follow

    def bad_retention_changed_nothing(self):
        d = self.admin
        self.go(d, "/settings")
        kept = value_of(d.find_element(By.ID, "retention"), "retention_days")
        check(kept == self.retention_before, f"the refused value changed the retention: {kept!r}, not {self.retention_before!r}")

    # ------------------------------------------------------------------ 4. tasks

    def invite(self, name, email):
        d = self.admin
        self.go(d, "/operators/new")
        check(heading(d) == "Invite an operator", f"heading was {heading(d)!r}")
        fill(d, "name", name)
        fill(d, "email", email)
        Select(d.find_element(By.ID, "role1")).select_by_visible_text("Viewer")
        click_and_wait_for_new_page(d, submit_button(d, "Send invitation"))
        check(heading(d) == name, f"after inviting {name}, heading was {heading(d)!r}")
        check(re.fullmatch(r"/operators/[0-9a-f-]{36}", pathname(d)), f"after inviting {name}, on {path_of(d)}")
        self.operator_paths[name] = pathname(d)

    def invite_operators(self):
        self.invite(PENDING_NAME, PENDING_EMAIL)
        self.invite(RECENT_NAME, RECENT_EMAIL)
        self.portal.backdate("operators", "created_at", "lower(email) = ?", (PENDING_EMAIL,), PENDING_DAYS_AGO)

    def lock_account(self):
        d = self.admin
        self.open_tab(LOCKED, "Account")
        button = wait(d).until(EC.element_to_be_clickable(
            (By.XPATH, "//main//form[@method='post']//button[@type='submit'][normalize-space()='Lock account']")))
        click_and_wait_for_new_page(d, button)
        check(heading(d) == f"Lock {LOCKED}?", f"the confirmation asks {heading(d)!r}")
        confirm = wait(d).until(EC.element_to_be_clickable(
            (By.XPATH, f"//main//form[contains(@class,'confirmation')]//button[@type='submit'][normalize-space()={xpath_literal('Lock ' + LOCKED)}]")))
        click_and_wait_for_new_page(d, confirm)
        check(pathname(d) == self.account_path(LOCKED, "Account"), f"after locking, on {path_of(d)}")
        badges = [b.text for b in d.find_elements(By.CSS_SELECTOR, "main .page-header .badge")]
        check("Locked" in badges, f"the page header shows {badges}, not Locked")

    def assign_admin(self):
        d = self.admin
        self.open_tab(ASSIGNED, "Account")
        labels = d.find_elements(By.XPATH, f"//main//form[contains(@action, '/assignments')]//label[normalize-space()={xpath_literal(ADMIN_NAME)}]")
        check(labels, f"no {ADMIN_NAME} to tick under \"Operator assignments\"")
        box = d.find_element(By.ID, labels[0].get_attribute("for"))
        if not box.is_selected():
            labels[0].click()
        check(box.is_selected(), f"{ADMIN_NAME} is not ticked")
        click_and_wait_for_new_page(d, submit_button(d, "Save assignments"))
        check(re.fullmatch(r"\d+ operators? (is|are) assigned to the account now\.", journey.notice_text(d)),
              f"the notice said {journey.notice_text(d)!r}")

    def backdate_stuck(self):
        self.portal.backdate("accounts", "created_at", "business_uid = ?", (self.uids[STUCK],), STUCK_DAYS_AGO)

    def task_sections(self, driver):
        """{category: (title, total in the heading, [(name, link path)], rule)} of /tasks, in order."""
        sections = {}
        for section in driver.find_elements(By.CSS_SELECTOR, "main section.card[id]"):
            category = section.get_attribute("id")
            title = section.find_element(By.TAG_NAME, "h2").text.strip()
            found = re.fullmatch(r"(.*) \((\d+)\)", title)
            check(found, f"the {category} section's heading {title!r} does not end with its count")
            rows = [(a.text.strip(), urllib.parse.urlparse(a.get_attribute("href")).path)
                    for a in section.find_elements(By.CSS_SELECTOR, "tbody tr td:first-child a")]
            rule = section.find_element(By.CSS_SELECTOR, "p.hint").text.strip()
            sections[category] = (found.group(1), int(found.group(2)), rows, rule)
        return sections

    def read_tasks(self, driver):
        """Opens /tasks from the navigation and checks that each count matches its rows;
        returns {category: (count, [names], [(name, path)])}."""
        self.go(driver, "/")
        link = wait(driver).until(EC.element_to_be_clickable((By.CSS_SELECTOR, "header nav a[href='/tasks']")))
        check(link.text.strip() == "Tasks", f"the navigation link to /tasks reads {link.text!r}")
        click_and_wait_for_new_page(driver, link)
        check(pathname(driver) == "/tasks" and heading(driver) == "Tasks", f"on {path_of(driver)}, heading {heading(driver)!r}")
        counts = stats(driver.find_element(By.CSS_SELECTOR, "main > .grid"))
        sections = self.task_sections(driver)
        check([c[2] for c in counts] == [f"/tasks#{category}" for category in sections],
              f"the counts link to {[c[2] for c in counts]}, not to the sections {list(sections)}")
        found = {}
        for (label, value, _), (category, (title, total, rows, rule)) in zip(counts, sections.items()):
            check(title == CATEGORIES.get(category), f"the {category} section is headed {title!r}, not {CATEGORIES.get(category)!r}")
            check(label == title, f"the count of {category} is labelled {label!r}, the section {title!r}")
            check(value == str(total), f"{title}: the count at the top says {value}, the heading {total}")
            check(len(rows) == total, f"{title}: the heading counts {total} but {len(rows)} rows are listed: {rows}")
            if total == 0:
                check("Nothing here." in driver.find_element(By.ID, category).text, f"{title}: empty, without \"Nothing here.\"")
            found[category] = (total, [name for name, _ in rows], rows, rule)
        return found

    def tasks_page(self):
        tasks = self.read_tasks(self.admin)
        self.admin_tasks = tasks
        check(list(tasks) == list(CATEGORIES), f"the admin's /tasks shows the categories {list(tasks)}, not {list(CATEGORIES)}")
        listed = {category: names for category, (_, names, _, _) in tasks.items()}
        print(f"      listed: {listed}")
        check(listed == EXPECTED_TASKS, f"/tasks lists {listed}, not {EXPECTED_TASKS}")
        check(RECENT_NAME not in listed["pending-invites"], f"{RECENT_NAME}, invited just now, is already a pending-invite task")
        rule = tasks["pending-invites"][3]
        check("more than 3 days" in rule, f"the pending invites' rule reads {rule!r}")

    def task_links(self):
        d = self.admin
        for category, (_, _, rows, _) in self.admin_tasks.items():
            for name, path in rows:
                if category in OPERATOR_CATEGORIES:
                    check(path == self.operator_paths.get(name), f"{name} in {category} links to {path}, not {self.operator_paths.get(name)}")
                else:
                    check(path == self.account_path(name), f"{name} in {category} links to {path}, not {self.account_path(name)}")
                self.go(d, "/tasks")
                link = d.find_element(By.XPATH, f"//main//section[@id='{category}']//tbody//a[normalize-space()={xpath_literal(name)}]")
                click_and_wait_for_new_page(d, link)
                check(response_status(d) == 200, f"{name}'s link in {category} answered {response_status(d)}")
                check(pathname(d).startswith(path), f"{name}'s link in {category} opened {path_of(d)}, not {path}")
                check(heading(d) == name, f"{name}'s link in {category} opened a page headed {heading(d)!r}")

    # ------------------------------------------------------------------ 5. home

    def home_card(self, driver, heading_id):
        found = driver.find_elements(By.CSS_SELECTOR, f"main section[aria-labelledby='{heading_id}']")
        return found[0] if found else None

    def home_task_counts(self):
        d = self.admin
        check(self.admin_tasks, "/tasks was not read (see step 4)")
        self.go(d, "/")
        self.expect_admin_home()
        tasks = self.home_card(d, "home-tasks")
        check(tasks is not None, "Home has no \"Your tasks\" section")
        shown = stats(tasks)
        wanted = [(CATEGORIES[category], str(total), f"/tasks#{category}") for category, (total, _, _, _) in self.admin_tasks.items()]
        check(shown == wanted, f"Home's task counts are {shown}, /tasks's {wanted}")
        check(tasks.find_elements(By.XPATH, ".//a[@href='/tasks'][normalize-space()='See every task']"), "Home has no \"See every task\" link")

    def home_header_counts(self):
        d = self.admin
        self.go(d, "/accounts")
        listed, links = journey.header_counts(d)
        check(listed, "/accounts shows no header counts")
        self.go(d, "/")
        accounts = self.home_card(d, "home-accounts")
        check(accounts is not None, "Home has no \"Client accounts\" section")
        shown = {label: value for label, value, _ in stats(accounts)}
        check(shown == listed, f"Home's header counts are {shown}, the accounts list's {listed}")
        # Every account is counted once, in exactly one state; the locked one as Locked, the one
        # stuck in setup as In setup.
        total = sum(int(value.replace(",", "")) for value in shown.values() if value.replace(",", "").isdigit())
        check(total == len(ACCOUNTS), f"Home's counts {shown} add up to {total}, not the {len(ACCOUNTS)} accounts")
        check(shown.get("Locked") == "1" and shown.get("In setup") == "1", f"Home counts {shown}: not 1 Locked and 1 In setup")
        for label, _, href in stats(accounts):
            wanted = urllib.parse.urlparse(links[label])
            check(href == f"{wanted.path}?{wanted.query}", f"Home's {label} count links to {href}, the list's to {links[label]}")

    def home_assigned(self):
        d = self.admin
        if pathname(d) != "/":
            self.go(d, "/")
        mine = self.home_card(d, "home-assigned")
        check(mine is not None, "Home has no \"Your accounts\" section")
        rows = [[text_of(td) for td in tr.find_elements(By.TAG_NAME, "td")] for tr in mine.find_elements(By.CSS_SELECTOR, "tbody tr")]
        check([r[0] for r in rows] == [ASSIGNED], f"\"Your accounts\" lists {rows}, not only {ASSIGNED}")
        check(rows[0][1], f"\"Your accounts\" shows no last activity for {ASSIGNED}: {rows}")
        link = mine.find_element(By.XPATH, f".//tbody//a[normalize-space()={xpath_literal(ASSIGNED)}]")
        check(urllib.parse.urlparse(link.get_attribute("href")).path == self.account_path(ASSIGNED), f"{ASSIGNED} links to {link.get_attribute('href')}")
        more = mine.find_elements(By.XPATH, ".//a[normalize-space()='All your accounts']")
        check(more and "mine=1" in more[0].get_attribute("href"), "no \"All your accounts\" link to My Accounts")

    @staticmethod
    def sentence_rows(rows):
        """(when, sentence, action code) of audit rows: the code is the row's data-action, the
        sentence what people read."""
        entries = []
        for tr in rows:
            cells = [text_of(td) for td in tr.find_elements(By.TAG_NAME, "td")]
            entries.append((cells[0] if cells else "", cells[1] if len(cells) > 1 else "", tr.get_attribute("data-action") or ""))
        return entries

    def home_audit_entries(self):
        """(when, sentence, action code) of Home's recent activity, top to bottom."""
        audit = self.home_card(self.admin, "home-audit")
        check(audit is not None, "Home has no \"Recent activity in the portal\" section")
        return self.sentence_rows(audit.find_elements(By.CSS_SELECTOR, "tbody tr"))

    def home_recent_audit(self):
        d = self.admin
        self.go(d, "/")
        shown = [(sentence.split(" ")[0], action) for _, sentence, action in self.home_audit_entries()]
        check(shown, "Home's recent activity is empty")
        self.go(d, "/audit")
        log_rows = self.sentence_rows(d.find_elements(By.CSS_SELECTOR, "main table tbody tr"))
        logged = [(sentence.split(" ")[0], action) for _, sentence, action in log_rows[:len(shown)]]
        check(shown == logged, f"Home's recent activity is {shown}, the audit log's newest {logged}")
        print(f"      Home lists {len(shown)} entries: {[a for _, a in shown]}")
        settings = [a for _, a in shown if a.startswith("settings.")]
        all_actions = [action for _, _, action in log_rows]
        check("settings.branding-changed" in all_actions, f"the audit log has no settings.branding-changed: {all_actions}")
        if not settings:
            print("      (the settings changes of steps 2-3 are older than Home's last entries; step 2 saw the branding change there)")

    # ------------------------------------------------------------------ 6. support

    def support_signs_in(self):
        d = self.support
        self.sign_in(d, SUPPORT_EMAIL, SUPPORT_PASSWORD)
        check(path_of(d) == "/", f"after signing in, Support is on {path_of(d)}")
        check(heading(d) == f"Welcome, {SUPPORT_NAME}", f"heading was {heading(d)!r}")

    def support_no_settings(self):
        d = self.support
        links = nav_links(d)
        check("/settings" not in links and "Settings" not in links.values(), f"Support's navigation offers Settings: {links}")
        check("/tasks" in links, f"Support's navigation has no Tasks: {links}")
        self.go(d, "/settings")
        status = response_status(d)
        check(status == 403, f"/settings answered {status} to Support, not 403")
        main = d.find_element(By.TAG_NAME, "main").text
        check("“Manage settings”" in main and "settings.manage" not in main,
              f"the 403 page does not name the permission Manage settings in words: {main!r}")
        print(f"      the 403 page: {' '.join(main.split())!r}")
        check(not d.find_elements(By.ID, "branding"), "the 403 page shows the branding form")
        self.go(d, "/")  # a page with a CSRF token to POST with
        status = fetch_post(d, "/settings/branding", {"name": "Taken over", "color": "#000000", "logo": ""})
        check(status == 403, f"a POST to /settings/branding by Support answered {status}, not 403")
        brand = d.find_element(By.CSS_SELECTOR, "header .brand").text
        check(BRAND_NAME in brand, f"after Support's POST, the brand reads {brand!r}")
        self.go(d, "/settings")  # where the audit that follows looks

    def support_tasks(self):
        tasks = self.read_tasks(self.support)
        wanted = [category for category in CATEGORIES if category not in OPERATOR_CATEGORIES]
        check(list(tasks) == wanted, f"Support's /tasks shows {list(tasks)}, not the account categories {wanted} (no operators.view)")
        listed = {category: names for category, (_, names, _, _) in tasks.items()}
        print(f"      listed: {listed}")
        check(listed["locked-accounts"] == [LOCKED], f"Support's locked accounts are {listed['locked-accounts']}, not [{LOCKED}]")
        check(listed["stuck-in-setup"] == [STUCK], f"Support's stuck in setup are {listed['stuck-in-setup']}, not [{STUCK}]")
        check(listed["new-assignments"] == [], f"nothing is assigned to Support, yet /tasks lists {listed['new-assignments']}")
        check(not self.support.find_elements(By.ID, "pending-invites"), "Support's /tasks has a Pending invites section")

    def support_home(self):
        d = self.support
        self.go(d, "/")
        tasks = self.home_card(d, "home-tasks")
        check(tasks is not None, "Support's Home has no \"Your tasks\"")
        labels = [label for label, _, _ in stats(tasks)]
        wanted = [title for category, title in CATEGORIES.items() if category not in OPERATOR_CATEGORIES]
        check(labels == wanted, f"Support's Home counts {labels}, not {wanted}")
        check(self.home_card(d, "home-audit") is None, "Support's Home shows the partner's recent audit entries")
        check(self.home_card(d, "home-accounts") is not None, "Support's Home has no \"Client accounts\" counts (Support has account.view)")

    # ------------------------------------------------------------------ 7.

    def admin_opens(self, path):
        d = self.admin
        self.go(d, path)
        check(pathname(d) == path and response_status(d) == 200, f"{path} led to {path_of(d)} ({response_status(d)})")

    # ------------------------------------------------------------------ parts being added

    def tasks_thresholds(self):
        d = self.admin
        self.go(d, "/settings")
        sections = d.find_elements(By.CSS_SELECTOR, "main #tasks")
        check(sections, "/settings has no Tasks section (no element with id \"tasks\"): the task thresholds cannot be set yet")
        section = sections[0]
        journey.scroll_into_view(d, section)
        journey.save_screenshot(d, self.screenshots, "s10-settings-tasks-1280x900.png")
        tabs = [urllib.parse.urlparse(a.get_attribute("href")).fragment for a in d.find_elements(By.CSS_SELECTOR, "main nav[aria-label='Settings sections'] a")]
        check("tasks" in tabs, f"the sections' links do not point at #tasks: {tabs}")
        inputs = [i for i in section.find_elements(By.CSS_SELECTOR, "input[type=number]")]
        check(inputs, "the Tasks section has no number fields")
        labelled = {}
        for field in inputs:
            label = d.execute_script("return [...(arguments[0].labels || [])].map(l => l.textContent.trim()).join(' ')", field)
            labelled[label] = field
        invite = [field for label, field in labelled.items() if "invite" in label.lower()]
        check(invite, f"the Tasks section has no field for pending invites among {list(labelled)}")
        check(invite[0].get_attribute("value") == "3", f"the pending-invite threshold starts at {invite[0].get_attribute('value')!r}, not 3")
        invite[0].clear()
        invite[0].send_keys("10")
        buttons = section.find_elements(By.CSS_SELECTOR, "button[type=submit]")
        check(buttons, "the Tasks section has no button to save")
        click_and_wait_for_new_page(d, buttons[-1])
        check(pathname(d) == "/settings" and response_status(d) == 200, f"saving the thresholds led to {path_of(d)} ({response_status(d)})")
        tasks = self.read_tasks(d)
        check("more than 10 days" in tasks["pending-invites"][3], f"with 10 days, the rule reads {tasks['pending-invites'][3]!r}")
        check(tasks["pending-invites"][1] == [], f"an invite {PENDING_DAYS_AGO} days old is still a task at 10 days: {tasks['pending-invites'][1]}")

    def logo_upload(self):
        d = self.admin
        self.go(d, "/settings")
        files = d.find_elements(By.CSS_SELECTOR, "main #branding input[type=file], main form input[type=file][name*=logo]")
        check(files, "/settings has no file field to upload a logo (Branding takes only a logo address so far)")
        field = files[0]
        form = field.find_element(By.XPATH, "./ancestor::form[1]")
        check(form.get_attribute("enctype") == "multipart/form-data", f"the logo's form is sent as {form.get_attribute('enctype')!r}, not multipart/form-data")
        label = d.execute_script("return [...(arguments[0].labels || [])].map(l => l.textContent.trim()).join(' ')", field)
        check(label, "the logo's file field has no label")
        path = Path(self.portal.workdir) / "logo.png"
        path.write_bytes(PNG_1X1)
        field.send_keys(str(path))
        buttons = form.find_elements(By.CSS_SELECTOR, "button[type=submit]")
        check(buttons, "the logo's form has no button to send it")
        click_and_wait_for_new_page(d, buttons[0])
        check(pathname(d) == "/settings" and response_status(d) == 200, f"uploading the logo led to {path_of(d)} ({response_status(d)})")
        check(d.find_elements(By.CSS_SELECTOR, "main [role=status]"), "uploading the logo shows no notice")
        other = self.support or self.browser()
        other.delete_all_cookies()
        self.go(other, "/sign-in")
        images = other.find_elements(By.CSS_SELECTOR, "header .brand img")
        check(images, "the sign-in page's top bar shows no logo image after the upload")
        src = urllib.parse.urlparse(images[0].get_attribute("src"))
        check(src.path == "/brand/logo", f"the logo is loaded from {images[0].get_attribute('src')}, not /brand/logo")
        loaded = other.execute_script("return arguments[0].complete && arguments[0].naturalWidth", images[0])
        check(loaded == 1, f"the logo image did not load (naturalWidth {loaded})")
        journey.save_screenshot(other, self.screenshots, "s11-sign-in-with-logo-1280x900.png")

    def api_tokens_page(self):
        d = self.admin
        self.go(d, "/settings")
        links = d.find_elements(By.CSS_SELECTOR, "main nav[aria-label='Settings sections'] a[href='/settings/api-tokens']")
        check(links, "the Settings sections have no \"API tokens\" link to /settings/api-tokens")
        click_and_wait_for_new_page(d, links[0])
        status = response_status(d)
        check(status == 200, f"/settings/api-tokens answered {status}")
        check(heading(d) == "API tokens", f"heading was {heading(d)!r}")
        name = "Journey CRM sync"
        fill(d, "name", name)
        click_and_wait_for_new_page(d, submit_button(d, "Make token"))
        values = d.find_elements(By.ID, "new-token-value")
        check(values, "after making a token, its value is not shown")
        token = values[0].get_attribute("value")
        check(token.startswith("opk_"), f"the new token reads {token!r}")
        check(values[0].get_attribute("readonly") is not None, "the new token's field is not read-only")
        check("not shown again" in d.find_element(By.ID, "new-token").text, "no warning that the token is not shown again")
        status, answer = self.portal.api("GET", "/tasks", None, token)
        check(status == 200, f"GET /api/v1/tasks with the new token answered {status}: {answer}")
        revoke = d.find_elements(By.XPATH, f"//main//button[@aria-label={xpath_literal('Revoke ' + name)}]")
        check(revoke, f"no \"Revoke {name}\" button")
        click_and_wait_for_new_page(d, revoke[0])
        if d.find_elements(By.CSS_SELECTOR, "main form.confirmation"):
            click_and_wait_for_new_page(d, d.find_element(By.CSS_SELECTOR, "main form.confirmation button[type=submit]"))
        status, _ = self.portal.api("GET", "/tasks", None, token)
        check(status == 401, f"after revoking, the token answered {status}, not 401")
        self.go(d, "/settings/api-tokens")  # where the audit that follows looks


# --------------------------------------------------------------------------- main


def main():
    return journey.run_walk(__doc__.split("\n\n")[0], "portal-settings-journey-",
                            lambda portal, steps, screenshots, workdir: SettingsJourney(portal, steps, screenshots),
                            WHOLE_RUN_SECONDS, portal_class=Portal)


if __name__ == "__main__":
    sys.exit(main())
