#!/usr/bin/env python3
"""Browser journey of the accounts list's bulk actions, in headless Chromium.

Starts a fresh portal on a free loopback port with an empty SQLite database, lets operators
sign in with a password alone (`portal partner policy --second-factor optional`), fills the
default partner with `portal demo seed --accounts 12000` and makes an admin on the command line,
then, as that admin, on /accounts:

  1. the bulk control offers every action, and "All N accounts matching this filter" gives the
     list's own total;
  2. "All on this page" with JavaScript turned off: ticked alone, it tags the page's 50
     accounts ("Tagged 50 accounts “spring”."), and the database holds exactly those 50 tags;
  3. an invalid tag with two rows ticked: 422, the error next to the Tag field, the two rows
     still ticked and the action and the tag as typed;
  4. "All matching" with a tag: the list's notice says it runs in the background and links to
     its progress page, which shows "X of N", updates itself in place (its script reads the page again) while
     it runs, and ends with "N of N" and "Tagged N accounts “autumn”."; the database then
     holds N such tags;
  5. "Move to a group" with two rows ticked: typing part of a name lists the groups it matches,
     and choosing one and Apply moves exactly those two;
  6. the same with JavaScript turned off: Apply leads to a step that lists every group ("No
     group (top level)" first), a Find box narrows it, and choosing one moves the two rows;
  7. the list with the bulk control, the error, the progress page while it runs and once done,
     and the step that lists the groups are checked with axe-core (no "serious"/"critical" violations), for labelled inputs and for
     horizontal overflow at 375 px, with screenshots at 1280 and 375 px (`bulk-*.png`);
  8. an account's Account tab, on a partner with more operators and groups than it lists: a
     type-ahead adds an operator to the assigned ones and another moves the account to a group
     a name matches; without JavaScript, "Choose from every group" lists them all; the tab with
     its type-aheads is checked with axe-core and at 375 px (`account-type-aheads*.png`).

    python Tests/browser/bulk_journey.py --portal .build/debug/portal [--screenshots DIR]

Prints one line "N passed, M failed" at the end; exits non-zero on any failure. Shares its
helpers with journey.py (same directory) and needs what it needs.
"""

import importlib.util
import re
import sys
import time
from pathlib import Path

_spec = importlib.util.spec_from_file_location("journey", Path(__file__).resolve().with_name("journey.py"))
journey = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(journey)

from selenium.webdriver.common.by import By  # noqa: E402 - after journey.py, which checks the packages
from selenium.webdriver.support.ui import Select  # noqa: E402

check, Aborted, Overtime = journey.check, journey.Aborted, journey.Overtime
wait, fill, heading, path_of, pathname = journey.wait, journey.fill, journey.heading, journey.path_of, journey.pathname
click_and_wait_for_new_page, submit_button = journey.click_and_wait_for_new_page, journey.submit_button
response_status, listed_accounts = journey.response_status, journey.listed_accounts

WHOLE_RUN_SECONDS = 420
ACCOUNTS = 12000  # enough that the change (a batch of 500 at a time) is still running while its page is checked
PAGE = 50
ADMIN_NAME, ADMIN_EMAIL = "Bo Bulk", "bo@example.com"
ADMIN_PASSWORD = "many accounts at once"
ACTIONS = ["Add a tag", "Remove a tag", "Assign to an operator", "Unassign an operator", "Move to a group", "Lock", "Unlock"]
MATCHING = re.compile(r"^All ([\d,]+) accounts? matching this filter$")
PROGRESS = re.compile(r"^([\d,]+) of ([\d,]+)")
OPEN, CLOSE = "\u201c", "\u201d"


def number(text):
    return int(text.replace(",", ""))


class BulkJourney(journey.SeededAdminWalk):
    accounts, seed_timeout = ACCOUNTS, 600
    operators = 60  # more than the Account tab lists (AccountPageView.listedChoices)
    admin_name, admin_email, admin_password = ADMIN_NAME, ADMIN_EMAIL, ADMIN_PASSWORD

    def __init__(self, portal, steps, screenshots):
        super().__init__(portal, steps, screenshots)
        self.matching = 0
        self.progress_path = None

    def journey(self):
        s = self.steps.run
        self.setup_steps()

        s("1. the bulk control offers every action and all matching with the list's total", self.control)
        self.go("/accounts")
        self.audit("accounts list with the bulk control", "bulk-list")
        s("2. \"All on this page\" tags the page's 50 accounts with JavaScript turned off", self.page_all_without_js)
        s("3. an invalid tag answers 422 with the error next to Tag and the ticked rows still ticked", self.error_keeps_selection)
        self.audit("accounts list with a bulk error", "bulk-error")
        if s("4. all matching runs in the background; the notice links to its progress page", self.all_matching):
            s("4. the progress page shows how far it has gone and updates itself in place while it runs", self.in_progress)
            self.audit_running()
            s("4. it ends with every matching account tagged, and the page stops updating", self.finished)
            self.audit("bulk change done", "bulk-done")
        s("5. the group type-ahead lists the groups a name matches; choosing one moves the ticked accounts", self.move_with_type_ahead)
        s("6. with JavaScript turned off, Move asks for the group from the full list, with a Find box", self.move_without_js)
        if s("6. with the group left out, Apply leads to the same step", self.choose_step_with_js):
            self.audit("choose the group", "bulk-choose")
        if s("8. on the Account tab a type-ahead adds an operator to the assigned ones", self.assign_with_type_ahead):
            self.audit("the Account tab with type-aheads", "account-type-aheads")
        s("8. on the Account tab a type-ahead moves the account to the group chosen", self.account_move_with_type_ahead)
        s("8. without JavaScript, \"Choose from every group\" lists every group and moves the account", self.account_move_without_js)

    def first_account(self):
        # One no blocked operator is assigned to (the tab lists the others only).
        return self.portal.query("SELECT business_uid FROM accounts WHERE template = 0 AND NOT EXISTS (SELECT 1 FROM account_assignments s "
                                 "JOIN operators o ON o.id = s.operator_id WHERE s.account_id = accounts.id AND o.status = 'blocked') "
                                 "ORDER BY name, id LIMIT 1")

    def column(self, statement, parameters=()):
        """The first column of every row of a SELECT on the portal's SQLite file."""
        connection = journey.sqlite3.connect(self.portal.env["SQLITE_PATH"], timeout=10)
        try:
            return [row[0] for row in connection.execute(statement, parameters).fetchall()]
        finally:
            connection.close()

    def assigned_names(self, uid):
        return self.column("SELECT o.name FROM account_assignments s JOIN accounts a ON a.id = s.account_id "
                           "JOIN operators o ON o.id = s.operator_id WHERE a.business_uid = ? ORDER BY o.name", (uid,))

    # 8.
    def assign_with_type_ahead(self):
        d = self.driver
        uid = self.first_account()
        before = self.assigned_names(uid)
        # An operator no other shares a name with, not assigned yet.
        unique = self.column("SELECT name FROM operators WHERE status != 'blocked' GROUP BY name HAVING COUNT(*) = 1 ORDER BY name")
        name = [candidate for candidate in unique if candidate not in before][7]
        self.go(f"/accounts/{uid}/account")
        boxes = d.find_elements(By.CSS_SELECTOR, "#assignments-form input[type=checkbox][name='operators[]']")
        check(len(boxes) == len(before), f"{len(boxes)} operators to tick, {len(before)} assigned: the tab lists more than the assigned ones")
        search = d.find_element(By.ID, "assign-add-search")
        check(search.is_displayed() and search.get_attribute("role") == "combobox", "\"Add an operator\" is not a visible combobox")
        search.send_keys(name)
        wait(d).until(lambda driver: driver.find_elements(By.CSS_SELECTOR, "#assign-add-listbox [role=option]"))
        options = d.find_elements(By.CSS_SELECTOR, "#assign-add-listbox [role=option]")
        labels = [option.text.strip() for option in options]
        check(name in labels, f"typing {name!r} offers {labels}")
        options[labels.index(name)].click()
        click_and_wait_for_new_page(d, submit_button(d, "Save assignments"))
        after = self.assigned_names(uid)
        check(sorted(after) == sorted(before + [name]), f"assigned before {before}, after {after}, chosen {name!r}")
        notice = journey.notice_text(d)
        wanted = f"{len(after)} operator{' is' if len(after) == 1 else 's are'} assigned to the account now."
        check(notice == wanted, f"the notice reads {notice!r}")
        ticked = [label.text.strip() for label in d.find_elements(By.CSS_SELECTOR, "#assignments-form .checkbox label")]
        check(sorted(ticked) == sorted(after), f"the tab now lists {ticked} to tick")

    def account_group(self, uid):
        return self.portal.query("SELECT COALESCE(g.name, '') FROM accounts a LEFT JOIN groups g ON g.id = a.group_id WHERE a.business_uid = ?", (uid,))

    def account_move_with_type_ahead(self):
        d = self.driver
        uid = self.first_account()
        self.go(f"/accounts/{uid}/account")
        check(not d.find_elements(By.CSS_SELECTOR, "select[name=group]"), "the Account tab still lists every group in a <select>")
        search = d.find_element(By.ID, "group-search")
        check(search.is_displayed() and search.get_attribute("role") == "combobox", "the group field is not a visible combobox")
        search.clear()
        search.send_keys("lakes")
        wait(d).until(lambda driver: driver.find_elements(By.CSS_SELECTOR, "#group-listbox [role=option]"))
        options = d.find_elements(By.CSS_SELECTOR, "#group-listbox [role=option]")
        labels = [option.text.strip() for option in options]
        check(labels and all("lakes" in label.lower() for label in labels), f"typing \"lakes\" offers {labels}")
        label = labels[-1]
        options[-1].click()
        click_and_wait_for_new_page(d, submit_button(d, "Move account"))
        notice = journey.notice_text(d)
        check(notice == f"Account moved to {label}.", f"the notice reads {notice!r}")
        check(self.account_group(uid) == label.split(" \u203a ")[-1], f"the account is in {self.account_group(uid)!r}, not {label!r}")

    def account_move_without_js(self):
        d = self.driver
        uid = self.first_account()
        d.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
        try:
            self.go(f"/accounts/{uid}/account")
            link = d.find_element(By.LINK_TEXT, "Choose from every group")
            click_and_wait_for_new_page(d, link)
            groups = self.portal.query("SELECT COUNT(*) FROM groups")
            select = Select(d.find_element(By.CSS_SELECTOR, "#group-form select[name=group]"))
            labels = [option.text.strip() for option in select.options]
            check(len(labels) == groups + 1 and labels[0] == "No group", f"{len(labels)} choices for {groups} groups, the first {labels[:1]}")
            label = next(option for option in labels[1:] if "North" in option)
            select.select_by_visible_text(label)
            click_and_wait_for_new_page(d, submit_button(d, "Move account"))
            notice = journey.notice_text(d)
            check(notice == f"Account moved to {label}.", f"the notice reads {notice!r}")
            check(self.account_group(uid) == label.split(" \u203a ")[-1], f"the account is in {self.account_group(uid)!r}, not {label!r}")
        finally:
            d.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})

    def bulk_label(self, for_id):
        return self.driver.find_element(By.CSS_SELECTOR, f"label[for='{for_id}']")

    # 1.
    def control(self):
        d = self.driver
        self.go("/accounts")
        offered = [o.text.strip() for o in Select(d.find_element(By.ID, "bulk-action")).options][1:]
        check(offered == ACTIONS, f"the bulk actions offered are {offered}")
        label = " ".join(self.bulk_label("bulk-scope-matching").text.split())
        match = MATCHING.match(label)
        check(match, f"the all-matching choice reads {label!r}")
        self.matching = number(match.group(1))
        total = d.find_element(By.ID, "list-position").text.strip()
        check(total.endswith(f"of {self.matching:,} accounts"), f"the list says {total!r}, the bulk control {self.matching:,}")
        check(self.matching >= ACCOUNTS // 2, f"only {self.matching} accounts are listed")

    def spring_tags(self, tag):
        return self.portal.query("SELECT COUNT(*) FROM account_tags WHERE tag = ?", (tag,))

    # 2.
    def page_all_without_js(self):
        d = self.driver
        d.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
        try:
            self.go("/accounts")
            on_page = listed_accounts(d)
            check(len(on_page) == PAGE, f"{len(on_page)} rows on the first page")
            self.bulk_label("bulk-page-all").click()
            check(d.find_element(By.ID, "bulk-page-all").is_selected(), "clicking \"All on this page\" did not tick it")
            Select(d.find_element(By.ID, "bulk-action")).select_by_visible_text("Add a tag")
            tag = d.find_element(By.ID, "bulk-tag")
            check(tag.is_displayed(), "the Tag field is hidden once \"Add a tag\" is chosen")
            tag.send_keys("spring")
            click_and_wait_for_new_page(d, submit_button(d, "Apply"))
            notice = journey.notice_text(d)
            check(notice == f"Tagged {PAGE} accounts {OPEN}spring{CLOSE}.", f"the notice reads {notice!r}")
            check(self.spring_tags("spring") == PAGE, f"{self.spring_tags('spring')} accounts carry the tag, not {PAGE}")
        finally:
            d.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})

    # 3.
    def error_keeps_selection(self):
        d = self.driver
        self.go("/accounts")
        boxes = d.find_elements(By.CSS_SELECTOR, "main tbody input[name='accounts[]']")
        ticked = [boxes[1].get_attribute("value"), boxes[4].get_attribute("value")]
        boxes[1].click()
        boxes[4].click()
        Select(d.find_element(By.ID, "bulk-action")).select_by_visible_text("Add a tag")
        d.find_element(By.ID, "bulk-tag").send_keys("<b>")
        click_and_wait_for_new_page(d, submit_button(d, "Apply"))
        check(response_status(d) == 422, f"an invalid tag answered {response_status(d)}")
        check(heading(d) == "Client accounts", f"the answer is {heading(d)!r}, not the list")
        error = d.find_elements(By.ID, "bulk-tag-error")
        check(error and error[0].is_displayed(), "no error shown next to the Tag field")
        tag = d.find_element(By.ID, "bulk-tag")
        check(tag.get_attribute("aria-describedby") == "bulk-tag-error", "the Tag field is not tied to its error")
        check(error[0].find_element(By.XPATH, "..") == tag.find_element(By.XPATH, ".."), "the error is not next to the Tag field")
        check(tag.get_attribute("value") == "<b>", f"the tag as typed was not kept: {tag.get_attribute('value')!r}")
        chosen = Select(d.find_element(By.ID, "bulk-action")).first_selected_option.text
        check(chosen == "Add a tag", f"the action chosen is {chosen!r}")
        still = [b.get_attribute("value") for b in d.find_elements(By.CSS_SELECTOR, "main tbody input[name='accounts[]']") if b.is_selected()]
        check(still == ticked, f"ticked {ticked}, ticked after the error {still}")

    def tick(self, *rows):
        boxes = self.driver.find_elements(By.CSS_SELECTOR, "main tbody input[name='accounts[]']")
        for row in rows:
            boxes[row].click()
        return [boxes[row].get_attribute("value") for row in rows]

    def moved_to(self, uids, label):
        """How many of `uids` are in the group `label` names (its last part)."""
        name = label.split(" \u203a ")[-1]
        marks = ", ".join("?" for _ in uids)
        return self.portal.query(f"SELECT COUNT(*) FROM accounts a JOIN groups g ON g.id = a.group_id WHERE a.business_uid IN ({marks}) AND g.name = ?",
                                 (*uids, name))

    # 5.
    def move_with_type_ahead(self):
        d = self.driver
        self.go("/accounts")
        uids = self.tick(0, 1)
        Select(d.find_element(By.ID, "bulk-action")).select_by_visible_text("Move to a group")
        search = d.find_element(By.ID, "bulk-group-search")
        check(search.is_displayed() and search.get_attribute("role") == "combobox", "the group field is not a visible combobox once Move is chosen")
        search.send_keys("lakes")
        wait(d).until(lambda driver: driver.find_elements(By.CSS_SELECTOR, "#bulk-group-listbox [role=option]"))
        options = d.find_elements(By.CSS_SELECTOR, "#bulk-group-listbox [role=option]")
        labels = [option.text.strip() for option in options]
        check(labels and all("lakes" in label.lower() for label in labels), f"typing \"lakes\" offers {labels}")
        label = labels[0]
        options[0].click()
        value = d.find_element(By.CSS_SELECTOR, "[data-picker='bulk-group'] input[name='group']").get_attribute("value")
        check(re.fullmatch(r"[0-9a-f-]{36}", value or ""), f"choosing {label!r} set the group field to {value!r}")
        click_and_wait_for_new_page(d, submit_button(d, "Apply"))
        notice = journey.notice_text(d)
        check(notice == f"Moved 2 accounts to {label}.", f"the notice reads {notice!r}")
        check(self.moved_to(uids, label) == 2, f"{self.moved_to(uids, label)} of the 2 accounts are in {label!r}")

    # 6.
    def move_without_js(self):
        d = self.driver
        d.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
        try:
            self.go("/accounts")
            uids = self.tick(2, 3)
            Select(d.find_element(By.ID, "bulk-action")).select_by_visible_text("Move to a group")
            hint = d.find_element(By.ID, "bulk-group-current").text
            check(hint.endswith("Apply asks for one from the full list."), f"without a script the group field says {hint!r}")
            click_and_wait_for_new_page(d, submit_button(d, "Apply"))
            check(response_status(d) == 200 and heading(d) == "Choose the group", f"Apply answered {response_status(d)} {heading(d)!r}")
            labels = [label.text.strip() for label in d.find_elements(By.CSS_SELECTOR, "main .choices label")]
            check(labels and labels[0] == "No group (top level)" and len(labels) > 5, f"the step offers {labels[:6]}")
            d.find_element(By.ID, "bulk-find").send_keys("lakes")
            click_and_wait_for_new_page(d, submit_button(d, "Find"))
            labels = [label.text.strip() for label in d.find_elements(By.CSS_SELECTOR, "main .choices label")]
            check(labels and all("lakes" in label.lower() for label in labels), f"finding \"lakes\" offers {labels}")
            d.find_element(By.CSS_SELECTOR, "main .choices label").click()
            click_and_wait_for_new_page(d, submit_button(d, "Apply"))
            notice = journey.notice_text(d)
            check(notice == f"Moved 2 accounts to {labels[0]}.", f"the notice reads {notice!r}")
            check(self.moved_to(uids, labels[0]) == 2, f"{self.moved_to(uids, labels[0])} of the 2 accounts are in {labels[0]!r}")
        finally:
            d.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})

    def choose_step_with_js(self):
        d = self.driver
        self.go("/accounts")
        self.tick(4)
        Select(d.find_element(By.ID, "bulk-action")).select_by_visible_text("Move to a group")
        click_and_wait_for_new_page(d, submit_button(d, "Apply"))
        check(heading(d) == "Choose the group", f"Apply with no group chosen led to {heading(d)!r}")

    # 4.
    def all_matching(self):
        d = self.driver
        self.go("/accounts")
        self.bulk_label("bulk-scope-matching").click()
        Select(d.find_element(By.ID, "bulk-action")).select_by_visible_text("Add a tag")
        d.find_element(By.ID, "bulk-tag").send_keys("autumn")
        click_and_wait_for_new_page(d, submit_button(d, "Apply"))
        notice = journey.notice_text(d)
        wanted = f"Tagging {self.matching:,} accounts {OPEN}autumn{CLOSE} in the background. Its progress is shown above the list."
        check(notice == wanted, f"the notice reads {notice!r}")
        links = d.find_elements(By.CSS_SELECTOR, "main .bulk-operations a")
        check(links, "the list does not link to the change's progress")
        self.progress_path = links[0].get_attribute("pathname")
        check(re.fullmatch(r"/accounts/bulk/[0-9a-f-]{36}", self.progress_path or ""), f"the progress link is {self.progress_path!r}")
        click_and_wait_for_new_page(d, links[0])

    def progress(self):
        d = self.driver
        # Read in one script call: the page's own script may replace the element between a
        # lookup and a read.
        text = (d.execute_script("var e = document.getElementById('bulk-progress-text'); return e ? e.innerText : '';") or "").strip()
        match = PROGRESS.match(text)
        check(match, f"the progress reads {text!r}")
        return number(match.group(1)), number(match.group(2)), text

    def refreshes(self):
        """Whether the page keeps its progress up to date (its script reads it again in place)."""
        return bool(self.driver.find_elements(By.CSS_SELECTOR, "#bulk-progress[data-updates]"))

    def in_progress(self):
        d = self.driver
        check(heading(d) == f"Tagging accounts {OPEN}autumn{CLOSE}", f"the progress page is titled {heading(d)!r}")
        done, total, text = self.progress()
        check(total == self.matching, f"the page counts {total} accounts, the list {self.matching}")
        check(self.refreshes(), "the page does not keep itself up to date while the change runs")
        # Its script brings the first batches in, without reloading the page (the marker stays).
        d.execute_script("window.stillThePage = true;")
        deadline = time.monotonic() + 30
        while done == 0 and time.monotonic() < deadline:
            time.sleep(1)
            done, total, text = self.progress()
        check(d.execute_script("return window.stillThePage === true;"), "the page reloaded instead of updating in place")
        check(0 < done < total, f"the page shows {text!r}: not under way; seed more accounts if it had ended")
        check(self.refreshes() and "Running" in (d.execute_script("var e = document.querySelector('main .bulk-state'); return e ? e.innerText : '';") or ""),
              "a change under way does not say Running, or stopped refreshing")
        # Both widths now, while it runs (each screenshot as the page is at that moment).
        journey.save_screenshot(d, self.screenshots, f"bulk-progress-{journey.DESKTOP[0]}x{journey.DESKTOP[1]}.png")
        journey.set_viewport(d, *journey.MOBILE)
        try:
            wait(d).until(lambda driver: driver.execute_script("return document.documentElement.clientWidth") == journey.MOBILE[0])
            journey.save_screenshot(d, self.screenshots, f"bulk-progress-{journey.MOBILE[0]}x{journey.MOBILE[1]}.png")
        finally:
            journey.set_viewport(d, *journey.DESKTOP)

    def updates_can_be_stopped(self):
        """The updating page passes axe as it is, and lets the reader stop the updates (WCAG
        2.2.2): that link leads to a page that does not update itself."""
        d = self.driver
        journey.axe_check(d, "bulk progress while it updates")
        stop = d.find_elements(By.LINK_TEXT, "Stop updating")
        check(stop, "the updating page offers no way to stop it")
        click_and_wait_for_new_page(d, stop[0])
        check(not self.refreshes(), "\"Stop updating\" led to a page that still updates itself")

    def audit_running(self):
        """The checks on the page while it runs, updating itself and not ("Stop updating")."""
        def reloaded():
            self.go(self.progress_path)
            check(self.refreshes(), "the change ended before the running page could be checked")

        def still():
            self.go(self.progress_path + "?refresh=off")
            check(not self.refreshes() and self.progress()[0] < self.matching, "the change ended before the running page could be checked")
        self.steps.run("bulk progress page while running: no serious or critical axe violations, and its updates can be stopped",
                       lambda: (reloaded(), self.updates_can_be_stopped()))
        for name, check_page in [("no serious or critical axe violations", lambda: journey.axe_check(self.driver, "bulk progress")),
                                 ("every input has a label", lambda: journey.labels_check(self.driver, "bulk progress")),
                                 (f"no horizontal overflow at {journey.MOBILE[0]}px",
                                  lambda: journey.mobile_check(self.driver, "bulk progress", None, "bulk-progress-check"))]:
            self.steps.run(f"bulk progress page while running, not updating: {name}", lambda c=check_page: (still(), c()))

    def finished(self):
        d = self.driver
        deadline = time.monotonic() + 480
        seen = []
        while time.monotonic() < deadline:
            self.go(self.progress_path)
            done, total, text = self.progress()
            seen.append(done)
            if not self.refreshes():
                break
            time.sleep(2)
        check(not self.refreshes(), f"still running after 8 minutes: {seen[-1]} of {self.matching}")
        check(seen == sorted(seen), f"the progress went backwards: {seen}")
        done, total, text = self.progress()
        check((done, total) == (self.matching, self.matching), f"it ended at {text!r}")
        summary = d.find_element(By.CSS_SELECTOR, "main .bulk-progress .banner").text.strip()
        check(summary == f"Tagged {self.matching:,} accounts {OPEN}autumn{CLOSE}.", f"the summary reads {summary!r}")
        tagged = self.spring_tags("autumn")
        check(tagged == self.matching, f"{tagged} accounts carry the tag, {self.matching} matched")


def main():
    return journey.run_walk(__doc__.split("\n\n")[0], "portal-bulk-journey-",
                            lambda portal, steps, screenshots, workdir: BulkJourney(portal, steps, screenshots),
                            WHOLE_RUN_SECONDS)


if __name__ == "__main__":
    sys.exit(main())
