#!/usr/bin/env python3
"""Browser journey of the Client accounts list, in headless Chromium.

Starts a fresh portal on a free loopback port with an empty SQLite database, lets operators
sign in with a password alone (`portal partner policy --second-factor optional`), fills the
default partner with `portal demo seed --accounts 260` and makes an admin on the command line
(not the partner's first operator, so without secure clearance), then, as that admin:

  1. /accounts: the header counts add up to the total of "1–50 of N accounts", each count's
     link lists only rows with that state and says "of <count>"; the notice "N secure accounts
     need a Secure role" gives the number of secure accounts in the database;
  2. "More filters" works with JavaScript turned off: folded at first, opened by its summary,
     a filter chosen in it is applied, the list comes back with it open and a chip for the
     filter, and the chip removes it;
  3. paging: Next to the end, then Last gives the same last page, and Previous back to the
     start gives the same pages again, with the position ("51–100 of 260") on each;
  4. /accounts?status=bogus answers 422 with the error next to the Status filter, "More
     filters" open and no rows;
  5. the list, a filtered list with chips, the last page and the error are checked with
     axe-core (no "serious"/"critical" violations), for labelled inputs and for horizontal
     overflow at 375 px, with screenshots at 1280 and 375 px (`list-*.png`).

    python Tests/browser/accounts_list_journey.py --portal .build/debug/portal [--screenshots DIR]

Prints one line "N passed, M failed" at the end; exits non-zero on any failure. Shares its
helpers with journey.py (same directory) and needs what it needs.
"""

import importlib.util
import re
import sys
import urllib.parse
from pathlib import Path

_spec = importlib.util.spec_from_file_location("journey", Path(__file__).resolve().with_name("journey.py"))
journey = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(journey)

from selenium.webdriver.common.by import By  # noqa: E402 - after journey.py, which checks the packages
from selenium.webdriver.support.ui import Select  # noqa: E402

check, Aborted, Overtime = journey.check, journey.Aborted, journey.Overtime
wait, fill, heading, path_of, pathname = journey.wait, journey.fill, journey.heading, journey.path_of, journey.pathname
click_and_wait_for_new_page, submit_button = journey.click_and_wait_for_new_page, journey.submit_button
response_status, header_counts, listed_accounts = journey.response_status, journey.header_counts, journey.listed_accounts

WHOLE_RUN_SECONDS = 300
ACCOUNTS = 260
PAGE = 50
ADMIN_NAME, ADMIN_EMAIL = "Lin Lister", "lin@example.com"
ADMIN_PASSWORD = "a long list of client accounts"
STATES = ("Active", "New", "Inactive", "In setup", "Locked")
POSITION = re.compile(r"^([\d,]+)(?:–([\d,]+))? of ([\d,]+) accounts?$")


def number(text):
    return int(text.replace(",", ""))


def position(driver):
    """(first, last, total) of the list's position line, e.g. "51–100 of 260 accounts"."""
    found = driver.find_elements(By.ID, "list-position")
    check(found, f"no position line (#list-position) on {path_of(driver)}")
    text = found[0].text.strip()
    match = POSITION.match(text)
    check(match, f"the position line reads {text!r}")
    first = number(match.group(1))
    return first, number(match.group(2) or match.group(1)), number(match.group(3))


def row_states(driver):
    return [badge.text.strip() for badge in driver.find_elements(By.CSS_SELECTOR, "main table tbody td .badge.state")]


def pager_link(driver, rel):
    links = driver.find_elements(By.CSS_SELECTOR, f"main nav.pager a[rel='{rel}']")
    return links[0] if links else None


class ListJourney(journey.SeededAdminWalk):
    accounts, seed_timeout = ACCOUNTS, 180
    admin_name, admin_email, admin_password = ADMIN_NAME, ADMIN_EMAIL, ADMIN_PASSWORD

    def __init__(self, portal, steps, screenshots):
        super().__init__(portal, steps, screenshots)
        self.counts = {}
        self.total = 0
        self.forward = []  # the names on each page, first to last

    def audit(self, page, shot):
        super().audit(page, shot)
        self.whole_page_shots(shot)

    def whole_page_shots(self, shot):
        """The whole page, top to bottom, at each width (the audit's screenshots show the first screen)."""
        if not self.screenshots:
            return
        d = self.driver
        try:
            for width in (journey.DESKTOP[0], journey.MOBILE[0]):
                journey.set_viewport(d, width, 800)
                height = d.execute_script("return document.documentElement.scrollHeight")
                journey.set_viewport(d, width, min(height, 6000))
                journey.save_screenshot(d, self.screenshots, f"{shot}-whole-{width}.png")
        finally:
            journey.set_viewport(d, *journey.DESKTOP)

    def journey(self):
        s = self.steps.run
        self.setup_steps()

        s("1. the header counts add up to the list's total", self.counts_add_up)
        self.audit("accounts list", "list-accounts")
        s("1. each count's link lists only rows in that state, as many as it counts", self.each_count)
        s("1. the secure notice counts the secure accounts the admin cannot see", self.secure_notice)

        s("2. \"More filters\" opens and filters with JavaScript turned off; the chip removes the filter", self.more_filters_without_js)
        self.go("/accounts?locked=no&setup=yes&q=a")
        self.audit("accounts list with chips", "list-chips")

        if s("3. Next goes page by page to the end, with the position on each", self.forward_pages):
            s("3. Last gives the same last page; Previous goes back through the same pages", self.last_and_back)
        self.go("/accounts?page=last")
        self.audit("accounts list, last page", "list-last-page")

        s("4. status=bogus answers 422 with the error next to the Status filter", self.invalid_filter)
        self.audit("accounts list with a filter error", "list-error")

    # 1.

    def counts_add_up(self):
        d = self.driver
        counts, _ = header_counts(d)
        check(set(counts) == set(STATES), f"the header counts are {counts}")
        self.counts = {label: number(value) for label, value in counts.items()}
        first, last, total = position(d)
        check((first, last) == (1, PAGE), f"the first page is {first}–{last}")
        check(sum(self.counts.values()) == total, f"the counts {self.counts} add up to {sum(self.counts.values())}, the list says {total}")
        self.total = total
        visible = self.portal.query("SELECT COUNT(*) FROM accounts WHERE secure = 0")
        check(total == visible, f"the list counts {total} accounts; {visible} are not secure")
        check(len(listed_accounts(d)) == PAGE and len(row_states(d)) == PAGE, "the first page does not show 50 rows with a state each")

    def each_count(self):
        d = self.driver
        for label in STATES:
            self.go("/accounts")
            _, links = header_counts(d)
            self.driver.get(links[label])
            states = row_states(d)
            expected = self.counts[label]
            if expected == 0:
                check(not states, f"{label} counts 0 but lists {states}")
                continue
            check(set(states) == {label}, f"the {label} link lists rows in {sorted(set(states))}")
            check(position(d)[2] == expected, f"the {label} link says {position(d)}, the count was {expected}")

    def secure_notice(self):
        d = self.driver
        self.go("/accounts")
        secure = self.portal.query("SELECT COUNT(*) FROM accounts WHERE secure = 1")
        notices = d.find_elements(By.CSS_SELECTOR, "main .secure-notice strong")
        if secure == 0:
            check(not notices, "a secure notice with no secure accounts")
            return
        check(notices, f"no secure notice, with {secure} secure accounts in the partner")
        wanted = "1 secure account needs a Secure role" if secure == 1 else f"{secure:,} secure accounts need a Secure role"
        check(notices[0].text.strip() == wanted, f"the notice reads {notices[0].text!r}, not {wanted!r}")

    # 2.

    def more_filters_without_js(self):
        d = self.driver
        d.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
        try:
            self.go("/accounts")
            more = d.find_element(By.CSS_SELECTOR, "main details.more-filters")
            status = d.find_element(By.ID, "locked")
            check(more.get_attribute("open") is None and not status.is_displayed(), "\"More filters\" is open with no filter in force")
            check(d.find_element(By.ID, "q").is_displayed(), "the search box is not in sight")
            more.find_element(By.TAG_NAME, "summary").click()
            check(status.is_displayed(), "clicking \"More filters\" did not show the Locked filter")
            Select(status).select_by_value("yes")
            click_and_wait_for_new_page(d, submit_button(d, "Apply filters"))
            query = urllib.parse.parse_qs(urllib.parse.urlparse(d.current_url).query)
            check(query.get("locked") == ["yes"], f"the filter is not in the address: {path_of(d)}")
            more = d.find_element(By.CSS_SELECTOR, "main details.more-filters")
            check(more.get_attribute("open") is not None, "\"More filters\" is folded while a filter in it is in force")
            check(set(row_states(d)) <= {"Locked"}, f"Locked accounts only, yet the rows are {set(row_states(d))}")
            chips = d.find_elements(By.CSS_SELECTOR, "main .chips a.chip")
            read = [" ".join(c.text.replace("×", "").split()) for c in chips]
            check(read in (["Remove filter Locked"], ["Locked"]), f"the chips read {read}")
            click_and_wait_for_new_page(d, chips[0])
            check(pathname(d) == "/accounts" and "locked" not in urllib.parse.parse_qs(urllib.parse.urlparse(d.current_url).query),
                  f"the chip led to {path_of(d)}")
            check(position(d)[2] == self.total, "without the filter the list does not count every account again")
        finally:
            d.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})

    # 3.

    def forward_pages(self):
        d = self.driver
        self.go("/accounts")
        check(pager_link(d, "first") is None and pager_link(d, "prev") is None, "First and Previous are links on the first page")
        self.forward = [listed_accounts(d)]
        positions = [position(d)]
        while (link := pager_link(d, "next")) is not None and len(self.forward) < 20:
            click_and_wait_for_new_page(d, link)
            self.forward.append(listed_accounts(d))
            positions.append(position(d))
        pages = -(-self.total // PAGE)
        check(len(self.forward) == pages, f"{len(self.forward)} pages for {self.total} accounts")
        wanted = [(1 + PAGE * i, min(PAGE * (i + 1), self.total), self.total) for i in range(pages)]
        check(positions == wanted, f"the positions were {positions}, not {wanted}")
        check(pager_link(d, "last") is None, "Last is a link on the last page")

    def last_and_back(self):
        d = self.driver
        self.go("/accounts")
        click_and_wait_for_new_page(d, pager_link(d, "last"))
        check(listed_accounts(d) == self.forward[-1], "the Last page is not the page Next ended on")
        back = [listed_accounts(d)]
        while (link := pager_link(d, "prev")) is not None and len(back) < 20:
            click_and_wait_for_new_page(d, link)
            back.append(listed_accounts(d))
        check(list(reversed(back)) == self.forward, "Previous from the last page did not go back through the same pages")
        check(position(d)[:2] == (1, PAGE), f"Previous ended at {position(d)}")

    # 4.

    def invalid_filter(self):
        d = self.driver
        self.go("/accounts?status=bogus&locked=no")
        check(response_status(d) == 422, f"status=bogus answered {response_status(d)}")
        status = d.find_element(By.ID, "status")
        error = d.find_elements(By.ID, "status-error")
        check(error and error[0].is_displayed(), "no error shown for the Status filter")
        check(status.get_attribute("aria-describedby") == "status-error", "the Status filter is not tied to its error")
        check(error[0].find_element(By.XPATH, "..") == status.find_element(By.XPATH, ".."), "the error is not next to the Status filter")
        check(d.find_element(By.CSS_SELECTOR, "main details.more-filters").get_attribute("open") is not None,
              "\"More filters\" is folded while a filter in it is not valid")
        check(not listed_accounts(d), "rows are listed for a filter that is not valid")
        check(Select(d.find_element(By.ID, "locked")).first_selected_option.get_attribute("value") == "no",
              "the valid filter was not kept")


def main():
    return journey.run_walk(__doc__.split("\n\n")[0], "portal-accounts-list-",
                            lambda portal, steps, screenshots, workdir: ListJourney(portal, steps, screenshots),
                            WHOLE_RUN_SECONDS)


if __name__ == "__main__":
    sys.exit(main())
