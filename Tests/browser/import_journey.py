#!/usr/bin/env python3
"""Browser journey of a CSV import of accounts and a template push, in headless Chromium.

Starts a fresh portal on a free loopback port with an empty SQLite database, lets operators
sign in with a password alone, fills the default partner with `portal demo seed --accounts 20`
and makes an admin on the command line, then, as that admin:

  1. "Import CSV" on the accounts list opens the upload form, which takes a file of 4,000 new
     accounts with one bad row (row 3: no email);
  2. the mapping step shows the columns guessed from the headings and the first rows;
  3. "Check the file" shows the check's progress bar, which the page keeps up to date in place
     (its script reads the page again; the page never reloads) until the check ends: 4,000
     accounts would be created and row 3 cannot be imported, next to its reason; nothing is
     created yet;
  4. "Import 4,000 rows" shows the import's progress, updated in place the same way, until
     "4,000 accounts created; 1 row not imported."; the database then holds them;
  5. the report, downloaded as the browser would, has a line per row, row 3 with its reason;
  6. one imported account becomes a template that the others were made from (in the database);
     its Account tab links to its push page, where its brand colour is changed and two services
     offered for booking are typed ("Haircut, 30 min" and "Colour & cut") in the same form; once
     saved, the form shows the services as typed, Branding and Services are the parts chosen, and
     the preview says every other account would change, listing the colour and the services
     before → after;
  7. "Push to 3,999 accounts" shows the push's progress, updated in place, until "Changed 3,999
     accounts."; the database then holds the colour and the services on every one of them, each
     with a History entry;
  8. the business page of one pushed account (/b/{its nickname or Business UID}, public: it
     answers without signing in) lists the services, and its booking form's Service field is a
     choice of exactly "Choose a service" and the two services;
  9. the upload form, the mapping step, the check, the result, the push page, the push's
     progress and that business page are checked with axe-core (no "serious"/"critical"
     violations), for labelled inputs and for horizontal overflow at 375 px, with screenshots at
     1280 and 375 px (`import-*.png`, `push-*.png`).

    python Tests/browser/import_journey.py --portal .build/debug/portal [--screenshots DIR]

Prints one line "N passed, M failed" at the end; exits non-zero on any failure. Shares its
helpers with journey.py (same directory) and needs what it needs.
"""

import importlib.util
import sys
import tempfile
import time
from pathlib import Path

_spec = importlib.util.spec_from_file_location("journey", Path(__file__).resolve().with_name("journey.py"))
journey = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(journey)

from selenium.webdriver.common.by import By  # noqa: E402 - after journey.py, which checks the packages
from selenium.webdriver.support.ui import Select  # noqa: E402

check = journey.check
wait, heading, pathname = journey.wait, journey.heading, journey.pathname
click_and_wait_for_new_page, submit_button = journey.click_and_wait_for_new_page, journey.submit_button

WHOLE_RUN_SECONDS = 420
ROWS = 4000
ADMIN_NAME, ADMIN_EMAIL = "Ivy Import", "ivy@example.com"
ADMIN_PASSWORD = "a file of customers"
BRAND_COLOR = "#0B6E4F"
SERVICES = ["Haircut, 30 min", "Colour & cut"]  # a comma inside a name, and an ampersand to escape


class ImportJourney(journey.SeededAdminWalk):
    accounts, seed_timeout = 20, 180
    admin_name, admin_email, admin_password = ADMIN_NAME, ADMIN_EMAIL, ADMIN_PASSWORD

    def __init__(self, portal, steps, screenshots, workdir):
        super().__init__(portal, steps, screenshots)
        self.file = Path(workdir) / "new-customers.csv"
        self.import_path = None
        self.before = 0
        self.template_uid = None

    def journey(self):
        s = self.steps.run
        self.setup_steps()
        if s("1. \"Import CSV\" on the accounts list opens the upload form, which takes the file", self.upload, required=True):
            s("2. the mapping step shows the columns guessed from the headings and the first rows", self.mapping)
            self.audit("the import's mapping step", "import-mapping")
            if s("3. the check's progress updates in place until it ends; row 3 is named with its reason; nothing is created", self.check):
                self.audit("the import's check", "import-checked")
                if s("4. the import's progress updates in place until every good row is created", self.run_import):
                    self.audit("the import's result", "import-done")
                    s("5. the report has a line per row, row 3 with its reason", self.report)
                    if s("6. the template's push page saves its colour and services and previews both changes on every account made from it",
                         self.push_page):
                        self.audit("the template's push page", "push-page")
                        if s("7. the push's progress updates in place until every account has the colour and the services", self.push):
                            self.audit("the push's result", "push-done")
                            if s("8. a pushed account's public business page offers exactly the template's services for booking",
                                 self.business_page):
                                self.audit("a pushed account's business page", "push-business-page")

    def write_file(self):
        with open(self.file, "w", encoding="utf-8", newline="") as out:
            out.write("Business name,Email,Phone,Tags\r\n")
            for i in range(ROWS + 1):
                if i == 1:
                    out.write("Nameless Email Ltd,,,\r\n")  # row 3
                else:
                    out.write(f"Customer {i} GmbH,customer{i}@example.com,+49 30 {i:06d},imported\r\n")

    # 1.
    def upload(self):
        d = self.driver
        self.write_file()
        self.before = self.portal.query("SELECT COUNT(*) FROM accounts")
        self.go("/accounts")
        link = d.find_elements(By.LINK_TEXT, "Import CSV")
        check(link, "the accounts list offers no \"Import CSV\"")
        click_and_wait_for_new_page(d, link[0])
        check(pathname(d) == "/accounts/import" and heading(d) == "Import accounts", f"\"Import CSV\" led to {pathname(d)} {heading(d)!r}")
        self.audit("the import's upload form", "import-upload")
        d.find_element(By.ID, "field-file").send_keys(str(self.file))
        click_and_wait_for_new_page(d, submit_button(d, "Upload and check"))
        self.import_path = pathname(d)
        check(self.import_path.startswith("/imports/"), f"the upload led to {self.import_path}")

    # 2.
    def mapping(self):
        d = self.driver
        check(heading(d) == "Import accounts", f"the import page is titled {heading(d)!r}")
        chosen = {field: Select(d.find_element(By.ID, f"field-column_{field}")).first_selected_option.text
                  for field in ["name", "email", "phone", "tags", "business_uid"]}
        wanted = {"name": "Business name", "email": "Email", "phone": "Phone", "tags": "Tags", "business_uid": "— not imported —"}
        check(chosen == wanted, f"the guessed columns are {chosen}")
        cells = [td.text for td in d.find_elements(By.CSS_SELECTOR, "#mapping tbody tr:first-child td")]
        check(cells[:2] == ["Customer 0 GmbH", "customer0@example.com"], f"the first row shown is {cells}")

    def marker_survives(self, until, seconds):
        """Waits for `until` (a function of the card's text) while the page updates itself; the
        marker set on the window shows it never reloaded."""
        d = self.driver
        d.execute_script("window.stillThePage = true;")
        seen_bar = False
        deadline = time.monotonic() + seconds
        text = ""
        while time.monotonic() < deadline:
            text = d.execute_script("var e = document.getElementById('bulk-progress'); return e ? e.innerText : '';") or ""
            seen_bar = seen_bar or bool(d.find_elements(By.CSS_SELECTOR, "#bulk-progress progress"))
            if until(text):
                break
            time.sleep(0.5)
        check(until(text), f"after {seconds} s the page shows {text[:300]!r}")
        check(d.execute_script("return window.stillThePage === true;"), "the page reloaded instead of updating in place")
        check(seen_bar, "no progress bar was shown while it ran")
        check(not d.find_elements(By.CSS_SELECTOR, "#bulk-progress[data-updates]"), "the page still updates itself once it has ended")

    # 3.
    def check(self):
        d = self.driver
        click_and_wait_for_new_page(d, submit_button(d, "Check the file"))
        check(pathname(d) == self.import_path, f"checking led to {pathname(d)}")
        self.marker_survives(lambda text: "Nothing has been changed yet." in text, 180)
        banner = d.find_element(By.CSS_SELECTOR, "#bulk-progress .banner").text.strip()
        check(banner == f"{ROWS:,} accounts would be created; 1 row cannot be imported. Nothing has been changed yet.", f"the check says {banner!r}")
        rows = [[td.text for td in tr.find_elements(By.TAG_NAME, "td")] for tr in d.find_elements(By.CSS_SELECTOR, "#bulk-progress tbody tr")]
        problems = [row for row in rows if row and row[0] == "3"]
        check(problems and problems[0][1] == "Email" and problems[0][2] == "A new account needs an email for its owner.",
              f"row 3 is listed as {problems}")
        created = self.portal.query("SELECT COUNT(*) FROM accounts") - self.before
        check(created == 0, f"the check created {created} accounts")

    # 4.
    def run_import(self):
        d = self.driver
        click_and_wait_for_new_page(d, submit_button(d, f"Import {ROWS:,} rows, leaving out the others"))
        self.marker_survives(lambda text: "not imported." in text, 240)
        banner = d.find_element(By.CSS_SELECTOR, "#bulk-progress .banner").text.strip()
        check(banner == f"{ROWS:,} accounts created; 1 row not imported.", f"the result says {banner!r}")
        created = self.portal.query("SELECT COUNT(*) FROM accounts") - self.before
        check(created == ROWS, f"{created} accounts were created, not {ROWS}")

    # 5.
    def report(self):
        d = self.driver
        link = d.find_element(By.LINK_TEXT, "Download the report (CSV)")
        href = link.get_attribute("pathname")
        text = d.execute_async_script("""
            var done = arguments[arguments.length - 1];
            fetch(arguments[0], {credentials: 'same-origin'}).then(function (r) { return r.text(); }).then(done, function () { done(''); });
        """, href)
        lines = [line for line in text.split("\r\n") if line]
        check(len(lines) == ROWS + 2, f"the report has {len(lines)} lines, not {ROWS + 2}")
        row3 = [line for line in lines if line.startswith("3,")]
        check(row3 and row3[0].startswith("3,failed,Email,A new account needs an email for its owner.,,Nameless Email Ltd"), f"row 3 reads {row3}")

    # 6.
    def push_page(self):
        d = self.driver
        uid = self.portal.query("SELECT business_uid FROM accounts WHERE email = 'customer0@example.com'")
        self.portal.execute("UPDATE accounts SET template = 1 WHERE business_uid = ?", (uid,))
        made = self.portal.execute("UPDATE accounts SET template_source_id = (SELECT id FROM accounts WHERE business_uid = ?) "
                                   "WHERE email LIKE 'customer%@example.com' AND business_uid <> ?", (uid, uid))
        check(made == ROWS - 1, f"{made} accounts were marked as made from the template")
        self.go(f"/accounts/{uid}/account")
        link = d.find_elements(By.LINK_TEXT, "Push changes to its accounts")
        check(link, "the template's Account tab has no \"Push changes to its accounts\"")
        click_and_wait_for_new_page(d, link[0])
        check(pathname(d) == f"/accounts/{uid}/push", f"the link led to {pathname(d)}")
        d.find_element(By.CSS_SELECTOR, "#contents summary").click()
        form = d.find_element(By.ID, "contents-form")
        colour = form.find_element(By.NAME, "brand_color")
        colour.clear()
        colour.send_keys(BRAND_COLOR)
        services = form.find_elements(By.CSS_SELECTOR, "textarea[name='services']")
        check(services, "the template's contents form has no services field")
        label = d.execute_script("var l = arguments[0].labels; return l && l.length ? l[0].textContent.trim() : '';", services[0])
        check(label == "Services offered for booking", f"the services field is labelled {label!r}")
        services[0].clear()
        services[0].send_keys("\n".join(SERVICES))
        click_and_wait_for_new_page(d, submit_button(d, "Save the template"))
        check(journey.notice_text(d) == "The template was saved. Push it to pass the changes on.", f"saving says {journey.notice_text(d)!r}")
        kept = d.find_element(By.CSS_SELECTOR, "#contents-form textarea[name='services']").get_attribute("value")
        check(kept.replace("\r\n", "\n").split("\n") == SERVICES, f"after saving, the services field holds {kept!r}")
        held = self.portal.query("SELECT services FROM accounts WHERE business_uid = ?", (uid,))
        check(held == "\n".join(SERVICES), f"the template holds the services {held!r}")
        check(d.find_element(By.ID, "part-branding").is_selected(), "Branding, which every account now lacks, is not chosen")
        check(d.find_element(By.ID, "part-services").is_selected(), "Services, which every account now lacks, is not chosen")
        part = d.find_element(By.CSS_SELECTOR, "label[for='part-services']").text.strip()
        check(part == f"Services offered for booking — {ROWS - 1:,} accounts differ", f"the Services part reads {part!r}")
        summary = d.find_element(By.CSS_SELECTOR, "#preview > p").text.strip()
        check(summary == f"{ROWS - 1:,} accounts would change.", f"the preview says {summary!r}")
        rows = d.find_elements(By.CSS_SELECTOR, "#preview tbody tr")
        check(rows, "the preview lists no account")
        wanted = [f"brand colour: — → {BRAND_COLOR}", "services: — → " + ", ".join(f"“{name}”" for name in SERVICES)]
        listed = [[li.text.strip() for li in row.find_elements(By.CSS_SELECTOR, "td:nth-child(2) li")] for row in rows]
        first = listed[0]
        check(first == wanted, f"the first account's changes are listed as {first}, not {wanted}")
        others = [changes for changes in listed if changes != wanted]
        check(not others, f"{len(others)} of the {len(listed)} accounts listed show other changes, e.g. {others[:1]}")
        self.template_uid = uid

    # 7.
    def push(self):
        d = self.driver
        click_and_wait_for_new_page(d, submit_button(d, f"Push to {ROWS - 1:,} accounts"))
        check(pathname(d).startswith("/template-pushes/"), f"pushing led to {pathname(d)}")
        self.marker_survives(lambda text: "Changed" in text, 240)
        banner = d.find_element(By.CSS_SELECTOR, "#bulk-progress .banner").text.strip()
        check(banner == f"Changed {ROWS - 1:,} accounts.", f"the push says {banner!r}")
        coloured = self.portal.query("SELECT COUNT(*) FROM accounts WHERE brand_color = ?", (BRAND_COLOR,))
        check(coloured == ROWS, f"{coloured} accounts have the colour, not {ROWS} (the template and the others)")
        served = self.portal.query("SELECT COUNT(*) FROM accounts WHERE services = ?", ("\n".join(SERVICES),))
        check(served == ROWS, f"{served} accounts have the services, not {ROWS} (the template and the others)")
        entries = self.portal.query("SELECT COUNT(*) FROM audit_events WHERE action = 'account.template-pushed'")
        check(entries == ROWS - 1, f"{entries} History entries for {ROWS - 1} accounts")

    # 8.
    def business_page(self):
        d = self.driver
        name = "Customer 2 GmbH"  # imported from the file's row 4, made from the template
        key = self.portal.query("SELECT COALESCE(nickname, business_uid) FROM accounts WHERE name = ? AND template_source_id IS NOT NULL", (name,))
        check(key, f"{name} is not in the database as made from the template")
        path = f"/b/{key}"
        status = journey.http_status(self.portal.base + path)
        check(status == 200, f"{path}, asked without signing in, answered {status}")
        self.go(path)
        check(pathname(d) == path and heading(d) == name, f"{path} shows {pathname(d)} {heading(d)!r}")
        listed = d.find_elements(By.XPATH, "//main//h3[normalize-space()='Services']/following-sibling::ul[1]/li")
        check([li.text.strip() for li in listed] == SERVICES, f"the page lists the services {[li.text for li in listed]}")
        fields = d.find_elements(By.CSS_SELECTOR, "form#booking [name='service']")
        check(len(fields) == 1 and fields[0].tag_name == "select", f"the booking form's service field is {[f.tag_name for f in fields]}")
        options = [(o.get_attribute("value"), o.text.strip()) for o in Select(fields[0]).options]
        wanted = [("", "Choose a service")] + [(service, service) for service in SERVICES]
        check(options == wanted, f"the booking form offers {options}, not {wanted}")


def main():
    return journey.run_walk(__doc__.split("\n\n")[0], "portal-import-journey-",
                            lambda portal, steps, screenshots, workdir: ImportJourney(portal, steps, screenshots, workdir),
                            WHOLE_RUN_SECONDS)


if __name__ == "__main__":
    sys.exit(main())
