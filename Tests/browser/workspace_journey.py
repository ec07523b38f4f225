#!/usr/bin/env python3
"""Browser journey of the client workspace and of operators logging in to it, in headless Chromium.

Starts a fresh portal on a free loopback port with an empty SQLite database, sets up the first
admin from the setup link in the server's log, makes three operators on the command line
(Support, Sales, Messaging Agent) and a client account through the API, then:

  1. the owner opens the invitation from the outbox, chooses a password and signs in at
     /app/sign-in; the dashboard shows the onboarding wizard and the account in setup;
  2. a Sales operator logs in as the owner from the account page while it is in setup, and
     signs out as them;
  3. the owner completes every onboarding step; the last one completes the setup, and the
     Sales operator's "Login as" is now disabled, with the reason (a POST is refused too);
  4. the owner invites a staff member on /app/staff;
  5. a customer writes through the contact form of the business page (/b/{key}); the owner
     finds it in /app/messages and replies;
  6. a Support operator logs in as the owner from the account page, sees the banner naming
     both people, edits the business profile, signs out as them with the banner's × and lands
     on the account page, whose History shows the edit with both names;
  7. a Messaging Agent opens the account's Messages tab, replies, and cannot open the others.

Every distinct workspace page, the business page and the operator pages met on the way are
checked with axe-core (no "serious"/"critical" violations), for labelled inputs, and for
horizontal overflow at 375px. Emailed links and messages are read from the portal's
outbound_messages table (SQLITE_PATH).

    python Tests/browser/workspace_journey.py --portal .build/debug/portal [--screenshots DIR]

Prints one line "N passed, M failed" at the end; exits non-zero on any failure. Shares its
helpers with journey.py (same directory) and needs what it needs.
"""

import importlib.util
import re
import sqlite3
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

_spec = importlib.util.spec_from_file_location("journey", Path(__file__).resolve().with_name("journey.py"))
journey = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(journey)

from selenium.webdriver.common.by import By  # noqa: E402 - after journey.py, which checks the packages
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402

check, StepFailed, Aborted, Overtime = journey.check, journey.StepFailed, journey.Aborted, journey.Overtime
wait, fill, heading, path_of, pathname = journey.wait, journey.fill, journey.heading, journey.path_of, journey.pathname
click_and_wait_for_new_page, submit_button = journey.click_and_wait_for_new_page, journey.submit_button
response_status, xpath_literal, card = journey.response_status, journey.xpath_literal, journey.card

WHOLE_RUN_SECONDS = 420  # hard ceiling for everything, cleanup included

ADMIN_NAME, ADMIN_EMAIL = "Ada Lovelace", "ada@example.com"
ADMIN_PASSWORD = "correct horse battery staple"
OPERATOR_PASSWORD = "operators keep the lights on"
SUPPORT_NAME, SUPPORT_EMAIL = "Maya Support", "maya@example.com"
SALES_NAME, SALES_EMAIL = "Sid Sales", "sid@example.com"
AGENT_NAME, AGENT_EMAIL = "Mia Messages", "mia@example.com"
OPERATORS = ((SUPPORT_NAME, SUPPORT_EMAIL, "support"), (SALES_NAME, SALES_EMAIL, "sales"),
             (AGENT_NAME, AGENT_EMAIL, "messaging-agent"))

BUSINESS = "Blue Bakery Kent"
OWNER_NAME, OWNER_EMAIL = "Felix Murphy", "felix@bluebakery.example.com"
OWNER_PASSWORD = "sourdough rises slowly before dawn"
PLAN, STAFF_SLOTS = "Standard", 5
STAFF_NAME, STAFF_EMAIL = "Tom Baker", "tom@bluebakery.example.com"
CUSTOMER_NAME, CUSTOMER_EMAIL = "Clara Customer", "clara@example.net"
CUSTOMER_MESSAGE = "Hello! Do you bake gluten-free loaves on Saturdays?"
OWNER_REPLY = "Yes, every Saturday from 8:00. We keep two aside if you ask."
AGENT_REPLY = "Thanks for waiting, Clara: there are gluten-free rolls on Fridays too."
PROFILE_DESCRIPTION = "Sourdough and pastries baked every morning in Kent since 1998."

# The account page's tabs: title -> the path after /accounts/{businessUid}.
ACCOUNT_TABS = {"Business information": "", "Activity": "/activity", "Subscription": "/subscription", "Staff": "/staff",
                "Messages": "/messages", "History": "/history", "Account": "/account"}

# The partner whose brand the workspace carries. A fresh installation's default partner is named
# "Operator Portal", and neither a command nor a page renames it, so the journey sets the name and
# colour in the database file (SQLITE_PATH) before anyone signs in.
PARTNER_NAME, PARTNER_COLOR = "Kentish Web Services", "#0F766E"

SETUP_LINK = re.compile(r"https?://[^\s\"'<>]+/app/setup/[A-Za-z0-9_\-]+")


class Portal(journey.Portal):
    def wait_for_message(self, recipient, matches, what, timeout=journey.WAIT_SECONDS):
        """The newest outbound email to `recipient` for which `matches(message)` holds."""
        deadline = time.monotonic() + timeout
        while True:
            found = [m for m in self.outbound_messages(recipient) if matches(m)]
            if found:
                return found[0]
            if time.monotonic() > deadline:
                subjects = [m["subject"] for m in self.outbound_messages(recipient)]
                raise StepFailed(f"no {what} to {recipient} in outbound_messages within {timeout}s; it holds {subjects}")
            time.sleep(0.2)  # the outbox is a table to poll; nothing to wait on explicitly


def banner(driver):
    """The login-as banner's element, or None."""
    found = driver.find_elements(By.CSS_SELECTOR, ".impersonation-banner")
    return found[0] if found else None


def text_of(element):
    return " ".join(element.text.split())


def fetch_post(driver, path, fields):
    """POSTs a form from inside the page (same cookies, the page's CSRF token); the status."""
    return driver.execute_script("""
        const [path, fields] = arguments;
        const token = document.querySelector("input[name='csrf_token'], input[name='_csrf']");
        const body = new URLSearchParams(fields);
        if (token) body.set(token.name, token.value);
        return fetch(path, {method: 'POST', body, redirect: 'manual', credentials: 'same-origin'}).then(r => r.status);
    """, path, fields)


class WorkspaceJourney:
    def __init__(self, portal, steps, screenshots):
        self.portal, self.steps, self.screenshots = portal, steps, screenshots
        self.browsers = []
        self.setup_link = None
        self.admin = self.owner = self.other = None  # the admin's, the owner's, and one for everyone else in turn
        self.uid = None
        self.account_path = None
        self.page_key = None
        self.token = None
        self.conversation_path = None
        self.audited = set()

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
        self.audited.add(page)

    def go(self, driver, path):
        driver.get(self.portal.base + path)
        wait(driver).until(lambda d: d.execute_script("return document.readyState") == "complete")

    def not_run(self, what):
        print(f"      (the rest of {what} was not run)")

    def run(self, name, action, required=False):
        return self.steps.run(name, action, required=required)

    # ------------------------------------------------------------------ the journey

    def journey(self):
        s = self.run
        s(f"axe-core {'.'.join(map(str, journey.AXE_MINIMUM))} or newer is installed", self.axe_ready)
        s("the server is healthy and logs a setup link", self.server_ready, required=True)
        s("`portal partner policy --second-factor optional` is accepted", self.optional_second_factor)
        s(f"the partner is named {PARTNER_NAME!r}, in its own colour", self.brand_partner)
        s("the first admin is set up from the setup link and lands on home", self.first_admin, required=True)
        s("Support, Sales and Messaging Agent operators are made with `portal operator create`", self.create_operators, required=True)
        s(f"the account {BUSINESS!r} is created through the API, with {STAFF_SLOTS} staff slots", self.create_account, required=True)

        self.owner = self.browser()
        s("signed out, /app leads to the workspace sign-in in the partner's brand", self.workspace_signed_out)
        self.audit(self.owner, "workspace sign-in", "w01-sign-in")
        s("\"Forgot password?\" opens the form to ask for a link", self.forgot_password_page)
        self.audit(self.owner, "workspace forgot password", "w02-forgot-password")

        if not s("the owner's emailed invitation opens \"Choose your password\"", self.owner_opens_invite):
            return self.not_run("the journey (the owner has no way in)")
        self.audit(self.owner, "workspace choose password", "w03-choose-password")
        s("saving the password says so and leads to the workspace sign-in", self.owner_saves_password, required=True)
        s("a wrong password is refused on /app/sign-in", self.owner_wrong_password)
        s("the owner signs in and sees the dashboard with the onboarding wizard, in setup", self.owner_signs_in, required=True)
        self.audit(self.owner, "workspace dashboard", "w04-dashboard")

        self.other = self.browser()
        sales_in = s("the Sales operator signs in with a password", lambda: self.operator_signs_in(SALES_EMAIL, SALES_NAME))
        if sales_in:
            self.audit(self.other, "account page (Sales, in setup)", "o01-account-sales")
            s("in setup, Sales logs in as the owner from the account page and sees the banner", self.sales_logs_in_as_owner)
            s("\"Sign out as\" returns Sales to the account page", self.sales_signs_out_as)

        s("the owner completes every onboarding step; the last one completes the setup", self.owner_completes_onboarding)
        if sales_in:
            s("after setup, Sales's \"Login as\" is disabled with the reason, and a POST is refused", self.sales_refused_after_setup)
            self.audit(self.other, "account page (Sales, set up)", "o02-account-sales-set-up")
        s("the admin's Activity tab shows the setup completed", self.admin_sees_setup_completed)

        s("the owner invites a staff member on /app/staff, who is emailed a link", self.owner_invites_staff)
        self.audit(self.owner, "workspace staff", "w05-staff")

        if s("a customer writes through the business page's contact form", self.customer_writes):
            s("the owner finds the message in /app/messages, marked unread", self.owner_opens_inbox)
            self.audit(self.owner, "workspace messages", "w06-messages")
            if s("the conversation shows the customer's message", self.owner_opens_conversation):
                self.audit(self.owner, "workspace conversation", "w07-conversation")
                s("the owner's reply is shown in the thread and emailed to the customer", self.owner_replies)

        for path, page, shot, heading_text in (
                ("/app/announcements", "workspace announcements", "w08-announcements", "Announcements"),
                ("/app/bookings", "workspace bookings", "w09-bookings", None),
                ("/app/payments", "workspace payments", "w10-payments", None),
                ("/app/security", "workspace security", "w11-security", None),
                ("/app/support-access", "workspace support access", "w12-support-access", "Support access"),
                ("/app/password", "workspace password", "w13-password", "Change your password"),
                ("/app/profile", "workspace profile", "w14-profile", "Business profile")):
            if s(f"{path} opens for the owner", lambda p=path, h=heading_text: self.owner_opens(p, h)):
                self.audit(self.owner, page, shot)

        support_in = s("the Support operator signs in with a password", lambda: self.operator_signs_in(SUPPORT_EMAIL, SUPPORT_NAME))
        if support_in and s("Support logs in as the owner from the account page; the dashboard shows the banner",
                            self.support_logs_in_as_owner):
            self.audit(self.other, "workspace dashboard while logged in as", "w15-dashboard-support")
            s("Support edits the business profile; the banner stays", self.support_edits_profile)
            self.audit(self.other, "workspace profile while logged in as", "w16-profile-support")
            s("the banner's \u00d7 ends it and lands on the account page", self.support_signs_out_as)
            s("the History tab shows the profile edit with both names", self.history_shows_edit)
            self.audit(self.other, "account History tab", "o03-history")
            s("the owner's \"Support access\" page lists both operators' visits, ended", self.owner_sees_support_access)

        if s("the Messaging Agent signs in with a password", lambda: self.operator_signs_in(AGENT_EMAIL, AGENT_NAME)):
            if s("the Messaging Agent sees only the Messages tab and opens the conversation", self.agent_opens_messages):
                self.audit(self.other, "account Messages tab", "o04-messages-tab")
                s("the Messaging Agent's reply is shown and emailed to the customer", self.agent_replies)
            s("the Messaging Agent cannot open the account's other tabs", self.agent_refused_elsewhere)

        s("the business page is checked", self.business_page_visited)
        s("the owner signs out of the workspace", self.owner_signs_out)

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

    def brand_partner(self):
        # See PARTNER_NAME: there is no other way to name the default partner.
        connection = sqlite3.connect(self.portal.env["SQLITE_PATH"], timeout=10)
        try:
            with connection:
                changed = connection.execute("UPDATE partners SET name = ?, brand_color = ? WHERE slug = 'default'",
                                             (PARTNER_NAME, PARTNER_COLOR)).rowcount
        finally:
            connection.close()
        check(changed == 1, f"{changed} partners named 'default' in the database")

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
            seen = len(self.portal.emailed_codes(ADMIN_EMAIL))
            journey.choose_method(d, "email", "Code by email")
            journey.enter_code(d, self.portal.new_emailed_code(ADMIN_EMAIL, seen), "Confirm")
            journey.continue_from_recovery_codes(d)
        check(path_of(d) == "/", f"after setting up the first admin, on {path_of(d)}")
        check(heading(d) == f"Welcome, {ADMIN_NAME}", f"heading was {heading(d)!r}")

    def create_operators(self):
        for name, email, role in OPERATORS:
            made = self.portal.cli_input("operator", "create", "--partner", "default", "--email", email, "--name", name,
                                         "--role", role, "--password-stdin", text=OPERATOR_PASSWORD + "\n")
            check(made.returncode == 0, f"`portal operator create` for {role} exited {made.returncode}: {made.stderr.strip()}")

    def create_account(self):
        self.token = self.portal.api_token(ADMIN_EMAIL, "Workspace journey")
        status, answer = self.portal.api("POST", "/accounts", {"name": BUSINESS, "email": OWNER_EMAIL, "ownerName": OWNER_NAME}, self.token)
        check(status == 201 and isinstance(answer, dict) and answer.get("businessUid"), f"POST /api/v1/accounts answered {status}: {answer}")
        check(answer.get("setupCompleted") is False, f"the new account is not in setup: {answer}")
        self.uid = answer["businessUid"]
        self.account_path = f"/accounts/{self.uid}"
        status, answer = self.portal.api("PUT", f"/accounts/{self.uid}/subscription", {"plan": PLAN, "staffSlots": STAFF_SLOTS}, self.token)
        check(status == 200, f"PUT /api/v1/accounts/{self.uid}/subscription answered {status}: {answer}")

    # ------------------------------------------------------------------ the owner

    def workspace_signed_out(self):
        d = self.owner
        self.go(d, "/app")
        check(pathname(d) == "/app/sign-in", f"/app, signed out, led to {path_of(d)}")
        check(heading(d) == "Sign in to your business account", f"heading was {heading(d)!r}")
        check("Operator Portal" not in d.find_element(By.TAG_NAME, "body").text, "the workspace says \"Operator Portal\"")
        check("Operator Portal" not in d.title and PARTNER_NAME in d.title, f"the title is {d.title!r}")
        brand = d.find_element(By.CSS_SELECTOR, "header .brand").text
        check(PARTNER_NAME in brand, f"the top bar's brand reads {brand!r}, not {PARTNER_NAME!r}")
        links = d.find_elements(By.XPATH, "//main//a[normalize-space()='Forgot password?']")
        check(links and urllib.parse.urlparse(links[0].get_attribute("href")).path == "/app/forgot-password",
              "no \"Forgot password?\" link to /app/forgot-password")

    def forgot_password_page(self):
        d = self.owner
        click_and_wait_for_new_page(d, d.find_element(By.XPATH, "//main//a[normalize-space()='Forgot password?']"))
        check(pathname(d) == "/app/forgot-password", f"\"Forgot password?\" led to {path_of(d)}")
        check(heading(d) == "Forgot your password?", f"heading was {heading(d)!r}")
        check(d.find_elements(By.NAME, "email"), "no email field")

    def owner_opens_invite(self):
        message = self.portal.wait_for_message(OWNER_EMAIL, lambda m: SETUP_LINK.search(m["body"] or ""), "invitation with an /app/setup/ link")
        check(re.fullmatch(r"Your .* account is ready", message["subject"]), f"the invitation's subject is {message['subject']!r}")
        link = SETUP_LINK.search(message["body"]).group(0)
        check(link.startswith(self.portal.base + "/"), f"the invitation links to {link}, not to {self.portal.base}")
        d = self.owner
        d.get(link)
        check(heading(d) == "Choose your password", f"heading was {heading(d)!r}")
        lead = d.find_element(By.CSS_SELECTOR, "main .lead").text
        check(OWNER_EMAIL in lead, f"the page does not name {OWNER_EMAIL}: {lead!r}")

    def owner_saves_password(self):
        d = self.owner
        fill(d, "password", OWNER_PASSWORD)
        fill(d, "password_confirmation", OWNER_PASSWORD)
        click_and_wait_for_new_page(d, submit_button(d, "Save password"))
        check(heading(d) == "Password saved", f"heading was {heading(d)!r}")
        link = wait(d).until(EC.element_to_be_clickable((By.XPATH, "//main//a[normalize-space()='Sign in']")))
        click_and_wait_for_new_page(d, link)
        check(pathname(d) == "/app/sign-in", f"\"Sign in\" led to {path_of(d)}")

    def submit_workspace_sign_in(self, password):
        d = self.owner
        fill(d, "email", OWNER_EMAIL)
        fill(d, "password", password)
        click_and_wait_for_new_page(d, submit_button(d, "Sign in"))

    def owner_wrong_password(self):
        d = self.owner
        if pathname(d) != "/app/sign-in":
            self.go(d, "/app/sign-in")
        self.submit_workspace_sign_in("not the bakery password")
        check(pathname(d) == "/app/sign-in", f"a wrong password led to {path_of(d)}")
        check(response_status(d) == 401, f"a wrong password answered {response_status(d)}, not 401")
        alert = journey.alert_text(d) if d.find_elements(By.CSS_SELECTOR, "main [role=alert]") else ""
        check("do not match" in alert, f"the error said {alert!r}")

    def owner_signs_in(self):
        d = self.owner
        if pathname(d) != "/app/sign-in":
            self.go(d, "/app/sign-in")
        self.submit_workspace_sign_in(OWNER_PASSWORD)
        check(pathname(d) == "/app", f"after signing in, on {path_of(d)}")
        check(heading(d) == BUSINESS, f"heading was {heading(d)!r}")
        header = d.find_element(By.CSS_SELECTOR, "main .page-header").text
        check(f"Signed in as {OWNER_NAME}, owner." in header, f"the header reads {header!r}")
        check("In setup" in header, f"the header does not say the account is in setup: {header!r}")
        check(banner(d) is None, "a login-as banner on the owner's own session")
        wizard = card(d, "Getting started")
        steps = wizard.find_elements(By.CSS_SELECTOR, "ol.checklist li")
        check(len(steps) >= 1, "the wizard lists no steps")
        check(f"0 of {len(steps)} steps done" in wizard.text, f"the wizard says {wizard.text!r}")
        links = d.find_elements(By.XPATH, "//main//a[normalize-space()='your business page']")
        check(links, "the dashboard does not link to the business page")
        path = urllib.parse.urlparse(links[0].get_attribute("href")).path
        check(path.startswith("/b/"), f"\"your business page\" links to {path}")
        self.page_key = path[len("/b/"):]
        snippet = d.find_element(By.CSS_SELECTOR, "main pre code").text
        check(f"/w/{self.uid}.js" in snippet, f"the embed snippet does not load /w/{self.uid}.js: {snippet!r}")
        brand = d.find_element(By.CSS_SELECTOR, "header .brand").text
        check(PARTNER_NAME in brand and "Operator Portal" not in brand, f"the top bar's brand reads {brand!r}, not {PARTNER_NAME!r}")

    def owner_completes_onboarding(self):
        d = self.owner
        self.go(d, "/app")
        titles = [li.find_element(By.TAG_NAME, "strong").text for li in card(d, "Getting started").find_elements(By.CSS_SELECTOR, "ol.checklist li")]
        for number, title in enumerate(titles, start=1):
            label = f"Mark \u201c{title}\u201d as done"
            button = wait(d).until(EC.element_to_be_clickable((By.XPATH, f"//main//button[@aria-label={xpath_literal(label)}]")))
            check("primary" in button.get_attribute("class"), f"the step to do next, {title!r}, is not the primary button")
            click_and_wait_for_new_page(d, button)
            check(pathname(d) == "/app", f"marking {title!r} done led to {path_of(d)}")
            item = d.find_element(By.XPATH, f"//main//ol[contains(@class,'checklist')]/li[strong[normalize-space()={xpath_literal(title)}]]")
            check("done" in item.get_attribute("class").split() and "done " in item.text,
                  f"after marking it, the step {title!r} reads {item.text!r}")
            if number < len(titles):
                check("In setup" in d.find_element(By.CSS_SELECTOR, "main .page-header").text,
                      f"the account left setup after {number} of {len(titles)} steps")
        wizard = card(d, "Getting started")
        check("Every step is done: your account is set up." in wizard.text, f"the wizard says {wizard.text!r}")
        check("In setup" not in d.find_element(By.CSS_SELECTOR, "main .page-header").text, "the dashboard still says \"In setup\"")
        check(not wizard.find_elements(By.TAG_NAME, "button"), "the finished wizard still offers buttons")

    def owner_invites_staff(self):
        d = self.owner
        link = wait(d).until(EC.element_to_be_clickable((By.CSS_SELECTOR, "header nav a[href='/app/staff']")))
        click_and_wait_for_new_page(d, link)
        check(pathname(d) == "/app/staff" and heading(d) == "Staff", f"on {path_of(d)}, heading {heading(d)!r}")
        intro = d.find_element(By.CSS_SELECTOR, "main .page-header").text
        check(f"0 of {STAFF_SLOTS} staff slots in use" in intro, f"the Staff page says {intro!r}")
        fill(d, "name", STAFF_NAME)
        fill(d, "email", STAFF_EMAIL)
        click_and_wait_for_new_page(d, submit_button(d, "Send invitation"))
        check(pathname(d) == "/app/staff", f"after inviting, on {path_of(d)}")
        rows = {cells[0]: cells for cells in journey.table_rows(d.find_element(By.CSS_SELECTOR, "main"))}
        staff = [cells for name, cells in rows.items() if STAFF_NAME in name]
        check(staff and staff[0][1] == "Staff" and staff[0][2] == "Invited", f"the Staff table lists {list(rows.values())}")
        check(any(OWNER_NAME in name and cells[1] == "Owner" for name, cells in rows.items()), f"the owner is not listed: {list(rows.values())}")
        intro = d.find_element(By.CSS_SELECTOR, "main .page-header").text
        check(f"1 of {STAFF_SLOTS} staff slots in use" in intro, f"after inviting, the Staff page says {intro!r}")
        check(d.find_elements(By.XPATH, f"//main//button[@aria-label='Remove {STAFF_NAME}']"), f"no \"Remove\" for {STAFF_NAME}")
        self.portal.wait_for_message(STAFF_EMAIL, lambda m: SETUP_LINK.search(m["body"] or ""), "invitation with an /app/setup/ link")

    def owner_opens(self, path, expected_heading):
        d = self.owner
        self.go(d, path)
        check(pathname(d) == path, f"{path} led to {path_of(d)}")
        status = response_status(d)
        check(status == 200, f"{path} answered {status}")
        if expected_heading:
            check(heading(d) == expected_heading, f"{path}'s heading is {heading(d)!r}, not {expected_heading!r}")
        else:
            check(heading(d), f"{path} has no heading")

    def owner_sees_support_access(self):
        d = self.owner
        self.go(d, "/app/support-access")
        check(heading(d) == "Support access", f"heading was {heading(d)!r}")
        text = d.find_element(By.TAG_NAME, "main").text
        for name in (SUPPORT_NAME, SALES_NAME):
            check(name in text, f"\"Support access\" does not list {name}'s visit: {text!r}")
        check("Under way" not in text, f"a visit that ended is listed as under way: {text!r}")

    def owner_signs_out(self):
        d = self.owner
        self.go(d, "/app")
        button = wait(d).until(EC.element_to_be_clickable(
            (By.XPATH, "//header//form[@action='/app/sign-out']//button[normalize-space()='Sign out']")))
        click_and_wait_for_new_page(d, button)
        check(pathname(d) == "/app/sign-in", f"after signing out, on {path_of(d)}")
        self.go(d, "/app/messages")
        check(pathname(d) == "/app/sign-in", f"after signing out, /app/messages led to {path_of(d)}")

    # ------------------------------------------------------------------ messages

    def customer_writes(self):
        d = self.other
        d.delete_all_cookies()
        check(self.page_key, "the dashboard gave no business page address")
        self.go(d, f"/b/{self.page_key}")
        check(response_status(d) == 200, f"/b/{self.page_key} answered {response_status(d)}")
        check(heading(d) == BUSINESS, f"the business page's heading is {heading(d)!r}")
        check(not d.get_cookies(), f"the business page set cookies: {d.get_cookies()}")
        self.audit(d, "business page", "b01-business-page")
        form = d.find_element(By.CSS_SELECTOR, "main form#contact")
        for name, value in (("name", CUSTOMER_NAME), ("email", CUSTOMER_EMAIL), ("message", CUSTOMER_MESSAGE)):
            field = form.find_element(By.NAME, name)
            field.clear()
            field.send_keys(value)
        click_and_wait_for_new_page(d, form.find_element(By.XPATH, ".//button[@type='submit'][normalize-space()='Send message']"))
        check(path_of(d) == f"/b/{self.page_key}?sent=message", f"after sending, on {path_of(d)}")
        notice = journey.notice_text(d)
        check("your message was sent" in notice, f"the notice said {notice!r}")
        self.audit(d, "business page after a message", "b02-business-page-sent")

    def owner_opens_inbox(self):
        d = self.owner
        self.go(d, "/app")
        link = wait(d).until(EC.element_to_be_clickable((By.CSS_SELECTOR, "header nav a[href='/app/messages']")))
        click_and_wait_for_new_page(d, link)
        check(pathname(d) == "/app/messages" and heading(d) == "Messages", f"on {path_of(d)}, heading {heading(d)!r}")
        items = d.find_elements(By.XPATH, f"//main//li[.//a[normalize-space()={xpath_literal(CUSTOMER_NAME)}]]")
        check(items, f"the inbox does not list {CUSTOMER_NAME}: {d.find_element(By.TAG_NAME, 'main').text!r}")
        check("Unread" in items[0].text and CUSTOMER_EMAIL in items[0].text, f"the inbox's entry reads {items[0].text!r}")

    def owner_opens_conversation(self):
        d = self.owner
        if pathname(d) != "/app/messages":
            self.go(d, "/app/messages")
        click_and_wait_for_new_page(d, d.find_element(By.XPATH, f"//main//a[normalize-space()={xpath_literal(CUSTOMER_NAME)}]"))
        self.conversation_path = pathname(d)
        check(re.fullmatch(r"/app/messages/[0-9a-f-]{36}", self.conversation_path), f"the conversation opened {path_of(d)}")
        check(heading(d) == CUSTOMER_NAME, f"heading was {heading(d)!r}")
        thread = d.find_element(By.CSS_SELECTOR, "main ul.notes").text
        check(CUSTOMER_MESSAGE in thread and f"From {CUSTOMER_NAME}" in thread, f"the thread reads {thread!r}")

    def owner_replies(self):
        d = self.owner
        fill(d, "message", OWNER_REPLY)
        click_and_wait_for_new_page(d, submit_button(d, "Send reply"))
        check(pathname(d) == self.conversation_path, f"after replying, on {path_of(d)}")
        lines = [text_of(li) for li in d.find_elements(By.CSS_SELECTOR, "main ul.notes li")]
        check(len(lines) == 2 and OWNER_REPLY in lines[1] and f"Reply by {OWNER_NAME}" in lines[1],
              f"the thread, oldest first, reads {lines}")
        self.portal.wait_for_message(CUSTOMER_EMAIL, lambda m: OWNER_REPLY in (m["body"] or ""), "email holding the owner's reply")
        self.go(d, "/app/messages")
        entry = d.find_element(By.XPATH, f"//main//li[.//a[normalize-space()={xpath_literal(CUSTOMER_NAME)}]]").text
        check("Unread" not in entry, f"the read conversation is still marked: {entry!r}")

    def business_page_visited(self):
        check("business page" in self.audited, "the business page was never reached (see the customer's step)")

    # ------------------------------------------------------------------ operators

    def operator_signs_in(self, email, name):
        d = self.other
        d.delete_all_cookies()
        self.go(d, "/sign-in")
        fill(d, "email", email)
        fill(d, "password", OPERATOR_PASSWORD)
        click_and_wait_for_new_page(d, submit_button(d, "Sign in"))
        check(path_of(d) == "/", f"after signing in, {name} is on {path_of(d)}")
        check(heading(d) == f"Welcome, {name}", f"heading was {heading(d)!r}")

    def open_account(self):
        d = self.other
        self.go(d, self.account_path)
        check(pathname(d) == self.account_path, f"{self.account_path} led to {path_of(d)}")
        check(heading(d) == BUSINESS, f"heading was {heading(d)!r}")

    def login_as_form(self):
        forms = self.other.find_elements(By.CSS_SELECTOR, f"main form[action='{self.account_path}/login-as']")
        check(forms, f"no form posting to {self.account_path}/login-as on the account page")
        return forms[0]

    def log_in_as_owner(self, reason):
        d = self.other
        self.open_account()
        form = self.login_as_form()
        reasons = form.find_elements(By.NAME, "reason")
        if reasons:
            reasons[0].send_keys(reason)
        buttons = form.find_elements(By.XPATH, ".//button[@type='submit'][normalize-space()='Login as']")
        check(buttons and buttons[0].is_enabled(), "no enabled \"Login as\" button")
        label = buttons[0].get_attribute("aria-label")
        check(label == f"Login as {OWNER_NAME}", f"the button is labelled {label!r}, not \"Login as {OWNER_NAME}\"")
        click_and_wait_for_new_page(d, buttons[0])
        check(pathname(d) == "/app", f"after \"Login as\", on {path_of(d)}")
        check(heading(d) == BUSINESS, f"heading was {heading(d)!r}")

    def expect_banner(self, operator_name):
        d = self.other
        found = banner(d)
        check(found is not None, f"no .impersonation-banner on {path_of(d)}")
        text = text_of(found)
        wanted = f"{operator_name} is acting as {OWNER_NAME}, owner of {BUSINESS}"
        check(wanted in text, f"the banner reads {text!r}, not {wanted!r}")
        check(re.search(r"until \d{1,2}:\d{2}\s?(AM|PM)? UTC", text), f"the banner does not say until when: {text!r}")
        check(found.is_displayed(), "the banner is not visible")
        close = found.find_elements(By.XPATH, f".//form[@action='/app/sign-out-as']//button[@aria-label='Sign out as {OWNER_NAME}']")
        check(close and close[0].text.strip() == "\u00d7", f"the banner has no \u00d7 labelled \"Sign out as {OWNER_NAME}\"")
        return close[0]

    def sales_logs_in_as_owner(self):
        self.log_in_as_owner("Helping with the first setup")
        self.expect_banner(SALES_NAME)

    def sales_signs_out_as(self):
        d = self.other
        button = wait(d).until(EC.element_to_be_clickable(
            (By.XPATH, "//header//form[@action='/app/sign-out-as']//button[normalize-space()='Sign out as']")))
        click_and_wait_for_new_page(d, button)
        check(pathname(d) == self.account_path, f"after \"Sign out as\", on {path_of(d)}, not {self.account_path}")
        check(heading(d) == BUSINESS, f"heading was {heading(d)!r}")
        check(banner(d) is None, "a banner is still shown")
        self.go(d, "/app")
        check(pathname(d) == "/app/sign-in", f"after signing out as, /app led to {path_of(d)}")

    def sales_refused_after_setup(self):
        d = self.other
        self.open_account()
        check(not d.find_elements(By.CSS_SELECTOR, f"main form[action='{self.account_path}/login-as']"),
              "Sales still has a \"Login as\" form once setup is completed")
        buttons = d.find_elements(By.XPATH, "//main//div[contains(@class,'disabled-action')]/button[normalize-space()='Login as']")
        check(buttons, "no disabled \"Login as\" button on the account page")
        check(not buttons[0].is_enabled(), "the \"Login as\" button is not disabled")
        reason_id = buttons[0].get_attribute("aria-describedby")
        reasons = d.find_elements(By.ID, reason_id) if reason_id else []
        check(reasons and reasons[0].text.strip(), f"the disabled button is not described by a reason (aria-describedby={reason_id!r})")
        print(f"      the reason shown: {reasons[0].text.strip()!r}")
        check("setup" in reasons[0].text.lower(), f"the reason does not mention setup: {reasons[0].text!r}")
        status = fetch_post(d, f"{self.account_path}/login-as", {"reason": "trying anyway"})
        check(status == 403, f"a POST to {self.account_path}/login-as by Sales after setup answered {status}, not 403")
        self.go(d, "/app")
        check(pathname(d) == "/app/sign-in", f"after the refused POST, /app led to {path_of(d)}")
        self.open_account()  # where the audit that follows looks

    def admin_sees_setup_completed(self):
        d = self.admin
        self.go(d, self.account_path + "/activity")
        onboarding = card(d, "Onboarding")
        check(not onboarding.find_elements(By.CSS_SELECTOR, ".badge"), f"Onboarding still shows a badge: {onboarding.text!r}")
        steps = onboarding.find_elements(By.CSS_SELECTOR, "ul.checklist li")
        check(steps and f"{len(steps)} of {len(steps)} onboarding steps done" in onboarding.text,
              f"the Activity tab's Onboarding reads {onboarding.text!r}")

    def support_logs_in_as_owner(self):
        self.log_in_as_owner("The owner asked for help with the opening hours")
        self.expect_banner(SUPPORT_NAME)
        header = self.other.find_element(By.CSS_SELECTOR, "header.topbar").text
        check(OWNER_NAME in header, f"the top bar does not show {OWNER_NAME}: {header!r}")

    def support_edits_profile(self):
        d = self.other
        link = wait(d).until(EC.element_to_be_clickable((By.CSS_SELECTOR, "header nav a[href='/app/profile']")))
        click_and_wait_for_new_page(d, link)
        check(pathname(d) == "/app/profile" and heading(d) == "Business profile", f"on {path_of(d)}, heading {heading(d)!r}")
        self.expect_banner(SUPPORT_NAME)
        fill(d, "description", PROFILE_DESCRIPTION)
        click_and_wait_for_new_page(d, submit_button(d, "Save profile"))
        check(pathname(d) == "/app/profile", f"after saving, on {path_of(d)}")
        kept = d.find_element(By.NAME, "description").get_attribute("value")
        check(kept == PROFILE_DESCRIPTION, f"after saving, the description reads {kept!r}")
        self.expect_banner(SUPPORT_NAME)

    def support_signs_out_as(self):
        d = self.other
        click_and_wait_for_new_page(d, self.expect_banner(SUPPORT_NAME))
        check(pathname(d) == self.account_path, f"the \u00d7 led to {path_of(d)}, not {self.account_path}")
        check(heading(d) == BUSINESS, f"heading was {heading(d)!r}")
        check(banner(d) is None, "a banner is still shown on the account page")
        check(SUPPORT_NAME in d.find_element(By.CSS_SELECTOR, "header.topbar").text, "the top bar does not show the Support operator")

    def history_shows_edit(self):
        d = self.other
        link = wait(d).until(EC.element_to_be_clickable((By.XPATH, "//main//nav[@aria-label='Account']//a[normalize-space()='History']")))
        click_and_wait_for_new_page(d, link)
        check(pathname(d) == self.account_path + "/history", f"the History tab opened {path_of(d)}")
        rows = card(d, "History").find_elements(By.CSS_SELECTOR, "tbody tr")
        # (action code, the sentence, the detail lines, the whole row as read)
        entries = [(row.get_attribute("data-action"), text_of(row.find_element(By.CSS_SELECTOR, ".audit-sentence")),
                    " ".join(text_of(li) for li in row.find_elements(By.CSS_SELECTOR, ".audit-details li")), text_of(row)) for row in rows]
        edits = [e for e in entries if e[0] == "account.profile-changed"]
        check(edits, f"History has no account.profile-changed entry: {[e[:3] for e in entries]}")
        line = edits[0][3]
        check(edits[0][1] == f"{OWNER_NAME} changed the business profile", f"the edit reads {edits[0][1]!r}")
        check(SUPPORT_NAME in line and OWNER_NAME in line, f"the edit's entry does not name both people: {edits[0]}")
        check("description" in edits[0][2].lower() and "Sourdough and pastries" in edits[0][2], f"the edit's entry does not show the change: {edits[0]}")
        print(f"      the entry: {edits[0]}")
        for operator_name in (SUPPORT_NAME, SALES_NAME):
            for action in ("account.login-as-started", "account.login-as-ended"):
                found = [e for e in entries if e[0] == action and e[1].startswith(operator_name) and f"As owner {OWNER_NAME}" in e[2]]
                check(found, f"History has no {action} by {operator_name} as owner {OWNER_NAME}: {[e[:3] for e in entries]}")
        check(not any(e[0] in e[3] for e in entries), f"History shows an action code: {[e[3] for e in entries]}")
        order = [e[0] for e in entries if SUPPORT_NAME in e[3]][:3]
        check(order == ["account.login-as-ended", "account.profile-changed", "account.login-as-started"],
              f"History, newest first, lists Support's visit as {order}")

    def agent_opens_messages(self):
        d = self.other
        self.go(d, self.account_path + "/messages")
        check(pathname(d) == self.account_path + "/messages", f"the Messages tab led to {path_of(d)}")
        check(response_status(d) == 200, f"the Messages tab answered {response_status(d)}")
        tabs = [a.text.strip() for a in d.find_elements(By.CSS_SELECTOR, "main nav.tabs[aria-label='Account'] a")]
        check(tabs == ["Messages"], f"the Messaging Agent is offered the tabs {tabs}, not only Messages")
        click_and_wait_for_new_page(d, d.find_element(By.XPATH, f"//main//a[normalize-space()={xpath_literal(CUSTOMER_NAME)}]"))
        check(re.fullmatch(re.escape(self.account_path) + r"/messages/[0-9a-f-]{36}", pathname(d)), f"the conversation opened {path_of(d)}")
        thread = d.find_element(By.TAG_NAME, "main").text
        check(CUSTOMER_MESSAGE in thread and OWNER_REPLY in thread, f"the conversation does not show both messages: {thread!r}")

    def agent_replies(self):
        d = self.other
        here = pathname(d)
        fill(d, "message", AGENT_REPLY)
        click_and_wait_for_new_page(d, submit_button(d, "Send reply"))
        check(pathname(d) == here, f"after replying, on {path_of(d)}")
        check(journey.notice_text(d) == f"Reply sent to {CUSTOMER_EMAIL}.", f"the notice said {journey.notice_text(d)!r}")
        check(AGENT_REPLY in d.find_element(By.TAG_NAME, "main").text, "the reply is not in the conversation")
        self.portal.wait_for_message(CUSTOMER_EMAIL, lambda m: AGENT_REPLY in (m["body"] or ""), "email holding the agent's reply")

    def agent_refused_elsewhere(self):
        d = self.other
        refused = {}
        for title, suffix in ACCOUNT_TABS.items():
            if title == "Messages":
                continue
            self.go(d, self.account_path + suffix)
            status = response_status(d)
            if title == "Business information" and pathname(d) == self.account_path + "/messages":
                # A link to the account lands on the first tab the operator may open.
                refused[title] = f"{status}, redirected to Messages"
                check(not d.find_elements(By.XPATH, "//main//h2[normalize-space()='Contact and subscription']"),
                      "the Messages tab shows the account's contact details")
                continue
            shows_tab = bool(d.find_elements(By.CSS_SELECTOR, "main nav.tabs[aria-label='Account']"))
            refused[title] = status
            check(status in (403, 404) and not shows_tab and pathname(d) == self.account_path + suffix,
                  f"the Messaging Agent opened the {title} tab ({self.account_path + suffix}): status {status}, on {path_of(d)}")
        print(f"      answers: {refused}")
        status = fetch_post(d, f"{self.account_path}/login-as", {"reason": "no"})
        check(status in (403, 404), f"a Messaging Agent's POST to login-as answered {status}")


# --------------------------------------------------------------------------- main


def main():
    return journey.run_walk(__doc__.split("\n\n")[0], "portal-workspace-journey-",
                            lambda portal, steps, screenshots, workdir: WorkspaceJourney(portal, steps, screenshots),
                            WHOLE_RUN_SECONDS, portal_class=Portal)


if __name__ == "__main__":
    sys.exit(main())
