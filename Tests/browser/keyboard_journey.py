#!/usr/bin/env python3
"""The operator side with the keyboard alone, in headless Chromium: no click anywhere.

Starts a fresh portal on a free loopback port with an empty SQLite database (the partner asks
every operator for a second factor), makes two client accounts through the API, and then, with
Tab, Shift+Tab, the arrow keys, Space and Enter only:

  1. the first admin is created from the setup link (each field reached with Tab, typed into,
     the form sent with Enter);
  2. enrols an authenticator app: the choice is made with the arrow keys, the key read from
     the page, the code typed and sent;
  3. leaves the recovery codes page by its "Continue" link;
  4. opens the accounts list from the navigation, and an account from the list;
  5. opens the account's Account tab and locks the account (confirming on the page that asks);
  6. signs out, and asks for a password reset from the sign-in page's "Forgot password?" link:
     an unknown and a known address get the same answer.

Then the pages the first hour adds (groups, a group's Move and Delete pages, operators, the
invite form, the profile) and the forgot-password pages get axe-core, the label check and
the 375 px check, as every page of journey.py does.

At every stop of the Tab key the focused element must show where it is: an outline or a
focus shadow on it (or on the label that stands for a visually hidden control), inside the
window. The first Tab on each page must reach the "Skip to content" link. The same checks run
again at 375 px for the navigation and the list.

    python Tests/browser/keyboard_journey.py --portal .build/debug/portal [--screenshots DIR]

Prints one line "N passed, M failed" at the end; exits non-zero on any failure. Shares its
helpers with journey.py (same directory) and needs what it needs (and pyotp).
"""

import importlib.util
import subprocess
import sys
import time
from pathlib import Path

_spec = importlib.util.spec_from_file_location("journey", Path(__file__).resolve().with_name("journey.py"))
journey = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(journey)

import pyotp  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402

check, StepFailed, Aborted, Overtime = journey.check, journey.StepFailed, journey.Aborted, journey.Overtime
wait, heading, path_of, pathname = journey.wait, journey.heading, journey.path_of, journey.pathname

WHOLE_RUN_SECONDS = 300
MAX_TABS = 160  # Tab presses allowed to reach one control

ADMIN_NAME, ADMIN_EMAIL = "Kay Board", "kay@example.com"
ADMIN_PASSWORD = "arrow keys and the enter key"
ACCOUNTS = {"Rosie's Bakery": "rosie@bakery.example.com", "Harbour Gym": "desk@harbourgym.example.com"}
TARGET = "Rosie's Bakery"

# What the focused element looks like, and whether it can be seen: read in the page.
FOCUS_STATE = """
const el = document.activeElement;
if (!el || el === document.body) return null;
const visible = (e) => { const r = e.getBoundingClientRect(); return r.width >= 2 && r.height >= 2; };
const ring = (e) => {
  const s = getComputedStyle(e);
  const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 1;
  const shadow = s.boxShadow && s.boxShadow !== 'none';
  return outline || shadow;
};
let shown = el;
if (!visible(el)) {
  shown = (el.id && document.querySelector('label[for="' + CSS.escape(el.id) + '"]')) || el.closest('label') || el;
}
const r = shown.getBoundingClientRect();
const inside = r.bottom > 0 && r.right > 0 && r.top < window.innerHeight && r.left < window.innerWidth;
return {
  tag: el.tagName.toLowerCase(), type: el.getAttribute('type') || '', name: el.getAttribute('name') || '',
  id: el.id || '', href: el.getAttribute('href') || '', value: el.value || '',
  text: (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().replace(/\\s+/g, ' ').slice(0, 80),
  ring: ring(shown) || (shown !== el && ring(el)), inside: inside, visible: visible(shown),
};
"""


class KeyboardJourney:
    def __init__(self, portal, driver, steps, screenshots):
        self.portal, self.d, self.steps, self.screenshots = portal, driver, steps, screenshots
        self.setup_link = None
        self.secret = None
        self.stops = 0  # Tab stops checked, all pages together
        self.account_path = None
        self.groups = {}

    # ------------------------------------------------------------------ keys

    def press(self, *keys):
        ActionChains(self.d).send_keys(*keys).perform()

    def focused(self):
        return self.d.execute_script(FOCUS_STATE)

    def expect_visible_focus(self, state):
        check(state is not None, f"after Tab nothing is focused on {path_of(self.d)}")
        where = f"<{state['tag']} {state['name'] or state['id'] or state['href']}> {state['text']!r} on {path_of(self.d)}"
        check(state["visible"] and state["inside"], f"the focused element is not on screen: {where}")
        check(state["ring"], f"the focused element shows no focus outline or shadow: {where}")
        self.stops += 1

    def tab_to(self, matches, what, backwards=False):
        """Presses Tab (Shift+Tab) until the focused element `matches`; every stop must show focus."""
        current = self.focused()
        if current is not None and matches(current):  # already there (an autofocused field)
            self.expect_visible_focus(current)
            return current
        seen, wrapped = [], 0
        for _ in range(MAX_TABS):
            self.press((Keys.SHIFT + Keys.TAB) if backwards else Keys.TAB)
            state = self.focused()
            if state is None and wrapped < 2:  # past the last control: the browser's own, then the page again
                wrapped += 1
                continue
            self.expect_visible_focus(state)
            if matches(state):
                return state
            seen.append(state["text"] or state["name"] or state["tag"])
        raise StepFailed(f"{MAX_TABS} presses of Tab did not reach {what} on {path_of(self.d)}; the stops were {seen[:40]}")

    def type_into(self, name, text):
        self.tab_to(lambda s: s["name"] == name, f"the field {name!r}")
        self.press(text)

    def enter_and_wait(self, key=Keys.ENTER):
        old = self.d.find_element(By.TAG_NAME, "html")
        self.press(key)
        wait(self.d).until(lambda d: journey.is_gone(old))
        wait(self.d).until(lambda d: d.execute_script("return document.readyState") == "complete")

    def open(self, url):
        """A new page reached by address (the first page only, and the setup link)."""
        self.d.get(url)
        wait(self.d).until(lambda d: d.execute_script("return document.readyState") == "complete")

    def first_tab_skips(self):
        """The page's first Tab stop is its "Skip to content" link, and Enter on it moves on."""
        # Tab from the very top of the page, as after loading it (an autofocused field moved it on).
        self.d.execute_script("window.scrollTo(0, 0); const top = document.createElement('span'); top.tabIndex = -1;"
                              " document.body.prepend(top); top.focus();")
        self.press(Keys.TAB)
        state = self.focused()
        self.expect_visible_focus(state)
        check(state["href"] == "#main" or "skip" in state["text"].lower(),
              f"the first Tab on {path_of(self.d)} reached {state}, not the skip link")

    def shot(self, name):
        journey.save_screenshot(self.d, self.screenshots, f"{name}.png")

    # ------------------------------------------------------------------ the journey

    def run(self):
        s = self.steps.run
        s("the server is healthy and logs a setup link", self.server_ready, required=True)
        s("the partner asks every operator for a second factor", self.require_second_factor, required=True)
        s("1. the first admin is created from the setup link with the keyboard", self.create_admin, required=True)
        s("two client accounts are made through the API", self.make_accounts, required=True)
        s("2. an authenticator app is enrolled with the keyboard (arrow keys choose it)", self.enrol, required=True)
        s("3. the recovery codes page is left by its Continue link", self.leave_recovery_codes, required=True)
        s("4. the first Tab on Home reaches the skip link", self.first_tab_skips)
        s("4. the navigation's Client accounts link opens the list", self.open_list, required=True)
        s("4. an account is opened from the list", self.open_account, required=True)
        s("5. the Account tab is opened and the account locked", self.lock_account)
        s("6. the operator signs out with the keyboard", self.sign_out)
        s("forgot password: the request is sent with the keyboard and answered neutrally", self.forgot_password)
        s("375 px: signed in again, the navigation and the list are reached with Tab, focus visible", self.narrow_screen)
        journey.set_viewport(self.d, 1280, 900)
        for page, path in [("groups", "/groups"), ("group rename", f"/groups/{self.groups['Kent']}/rename"),
                           ("group move", f"/groups/{self.groups['Kent']}/move"),
                           ("group delete", f"/groups/{self.groups['Kent']}/delete"), ("operators", "/operators"),
                           ("invite operator", "/operators/new"), ("profile", "/profile")]:
            if s(f"{page}: the page opens", lambda p=path: self.open_page(p)):
                journey.audit(self.steps, self.d, page, self.screenshots, f"keyboard-page-{page.replace(' ', '-')}")
        print(f"      ({self.stops} Tab stops checked for visible focus)")

    def server_ready(self):
        self.portal.wait_until_healthy()
        self.setup_link = self.portal.setup_link()

    def require_second_factor(self):
        done = self.portal.cli("partner", "policy", "--partner", "default", "--second-factor", "required")
        check(done.returncode == 0, f"`portal partner policy` exited {done.returncode}: {done.stdout.strip()} {done.stderr.strip()}")

    def make_accounts(self):
        made = subprocess.run([self.portal.binary, "operator", "create", "--partner", "default", "--email", "robot@example.com",
                               "--name", "API Robot", "--role", "admin", "--password-stdin"],
                              cwd=self.portal.workdir, env=self.portal.env, input="tokens only, never the sign-in page\n",
                              capture_output=True, text=True, timeout=60)
        check(made.returncode == 0, f"`portal operator create` exited {made.returncode}: {made.stderr.strip()}")
        token = self.portal.api_token("robot@example.com", "keyboard journey")
        status, north = self.portal.api_post("/groups", {"name": "North"}, token)
        check(status == 201, f"POST /api/v1/groups answered {status}: {north}")
        status, kent = self.portal.api_post("/groups", {"name": "Kent", "parentId": north["id"]}, token)
        check(status == 201, f"POST /api/v1/groups (Kent) answered {status}: {kent}")
        self.groups = {"North": north["id"], "Kent": kent["id"]}
        for name, email in ACCOUNTS.items():
            status, body = self.portal.api_post("/accounts", {"name": name, "email": email, "groupId": kent["id"]}, token)
            check(status == 201, f"POST /api/v1/accounts for {name!r} answered {status}: {body}")

    def create_admin(self):
        self.open(self.setup_link)
        check(heading(self.d) == "Create the first admin", f"heading was {heading(self.d)!r}")
        self.first_tab_skips()
        self.type_into("name", ADMIN_NAME)
        self.type_into("email", ADMIN_EMAIL)
        self.type_into("password", ADMIN_PASSWORD)
        self.type_into("password_confirmation", ADMIN_PASSWORD)
        self.enter_and_wait()
        check(pathname(self.d) == "/sign-in/enrol", f"after setup the admin is on {path_of(self.d)}, not asked to enrol")

    def enrol(self):
        first = self.tab_to(lambda s: s["tag"] == "input" and s["type"] == "radio" and s["name"] == "method", "the method choice")
        for _ in range(5):
            if self.focused()["value"] == "totp":
                break
            self.press(Keys.ARROW_DOWN)
        state = self.focused()
        self.expect_visible_focus(state)
        check(state["value"] == "totp", f"the arrow keys never reached the authenticator choice (from {first['value']!r})")
        check(self.d.find_element(By.ID, "method-totp").is_selected(), "the arrow keys did not choose the authenticator app")
        self.tab_to(lambda s: s["tag"] == "button" and s["text"] == "Continue", "the Continue button")
        self.enter_and_wait()
        check(pathname(self.d) == "/sign-in/code", f"expected /sign-in/code, on {path_of(self.d)}")
        self.shot("keyboard-01-enrol")
        self.secret = self.d.find_element(By.ID, "totp-secret").text.replace(" ", "")
        check(len(self.secret) >= 16, f"the key on the page reads {self.secret!r}")
        self.type_into("code", pyotp.TOTP(self.secret).now())
        self.enter_and_wait()

    def leave_recovery_codes(self):
        check(heading(self.d) == journey.RECOVERY_HEADING, f"heading was {heading(self.d)!r}")
        self.tab_to(lambda s: s["tag"] == "a" and s["text"] == journey.RECOVERY_CONTINUE, f"the {journey.RECOVERY_CONTINUE!r} link")
        self.enter_and_wait()
        check(path_of(self.d) == "/", f"after the recovery codes the admin is on {path_of(self.d)}")

    def open_list(self):
        self.tab_to(lambda s: s["tag"] == "a" and s["href"] == "/accounts", "the Client accounts link")
        self.enter_and_wait()
        check(pathname(self.d) == "/accounts", f"the link opened {path_of(self.d)}")
        self.shot("keyboard-02-list")

    def open_account(self):
        self.first_tab_skips()
        self.tab_to(lambda s: s["tag"] == "a" and s["text"] == TARGET, f"the link to {TARGET!r}")
        self.enter_and_wait()
        check(heading(self.d).startswith(TARGET), f"the account page's heading is {heading(self.d)!r}")
        self.account_path = pathname(self.d)

    def lock_account(self):
        self.tab_to(lambda s: s["tag"] == "a" and s["text"] == "Account" and s["href"].endswith("/account"), "the Account tab")
        self.enter_and_wait()
        check(pathname(self.d).endswith("/account"), f"the Account tab link opened {path_of(self.d)}")
        self.tab_to(lambda s: s["tag"] == "button" and s["text"] == "Lock account", "the Lock account button")
        self.enter_and_wait()
        if heading(self.d).startswith("Lock "):  # asked first, on a page of its own
            self.shot("keyboard-03-confirm")
            self.tab_to(lambda s: s["tag"] == "button" and s["text"] == f"Lock {TARGET}", f"the Lock {TARGET} button")
            self.enter_and_wait()
        self.shot("keyboard-04-locked")
        badges = " ".join(e.text for e in self.d.find_elements(By.CSS_SELECTOR, "main .page-header .badge"))
        check("Locked" in badges, f"after Lock account the page shows {badges!r}")
        unlock = self.d.find_elements(By.XPATH, "//main//button[normalize-space()='Unlock account']")
        check(unlock, "after Lock account there is no Unlock account button")

    def sign_out(self):
        self.tab_to(lambda s: s["tag"] == "button" and s["text"].startswith("Sign out"), "the Sign out button")
        self.enter_and_wait()
        check(pathname(self.d) == "/sign-in", f"after Sign out the browser is on {path_of(self.d)}")

    def open_page(self, path):
        self.open(self.portal.base + path)
        check(journey.response_status(self.d) == 200, f"{path} answered {journey.response_status(self.d)}")

    def forgot_password(self):
        self.open(self.portal.base + "/sign-in")
        self.tab_to(lambda s: s["tag"] == "a" and s["href"] == "/forgot-password", "the Forgot password? link")
        self.enter_and_wait()
        check(pathname(self.d) == "/forgot-password", f"the link opened {path_of(self.d)}")
        journey.audit(self.steps, self.d, "forgot password", self.screenshots, "keyboard-forgot")
        self.type_into("email", "nobody@example.com")
        self.enter_and_wait()
        unknown = " ".join(self.d.find_element(By.TAG_NAME, "main").text.split())
        journey.audit(self.steps, self.d, "forgot password sent", self.screenshots, "keyboard-forgot-sent")
        self.open(self.portal.base + "/forgot-password")
        self.type_into("email", ADMIN_EMAIL)
        self.enter_and_wait()
        known = " ".join(self.d.find_element(By.TAG_NAME, "main").text.split())
        check(known == unknown.replace("nobody@example.com", ADMIN_EMAIL),
              f"a known address is answered {known!r}, an unknown one {unknown!r}")

    def narrow_screen(self):
        journey.set_viewport(self.d, 375, 800)
        self.open(self.portal.base + "/sign-in")
        self.type_into("email", ADMIN_EMAIL)
        self.type_into("password", ADMIN_PASSWORD)
        self.enter_and_wait()
        check(pathname(self.d) == "/sign-in/code", f"after the password the admin is on {path_of(self.d)}")
        totp = pyotp.TOTP(self.secret)
        self.type_into("code", totp.at(int(time.time()) + totp.interval))
        self.enter_and_wait()
        check(path_of(self.d) == "/", f"after the code the admin is on {path_of(self.d)}")
        self.first_tab_skips()
        self.tab_to(lambda s: s["tag"] == "a" and s["href"] == "/accounts", "the Client accounts link")
        self.enter_and_wait()
        self.tab_to(lambda s: s["tag"] == "a" and s["text"] == TARGET, f"the link to {TARGET!r}")
        self.shot("keyboard-05-list-375")


def main():
    return journey.run_walk(__doc__.split("\n\n")[0], "portal-keyboard-",
                            lambda portal, steps, screenshots, workdir: journey.BrowserWalk(
                                lambda driver: KeyboardJourney(portal, driver, steps, screenshots), viewport=(1280, 900)),
                            WHOLE_RUN_SECONDS, axe_option=False)


if __name__ == "__main__":
    sys.exit(main())
