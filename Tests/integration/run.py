"""Integration checks of the built `portal` binary, as a new user and an operator would meet it.

Each check is independent and named; the last line is `N passed, M failed`.
"""
import argparse
import base64
import csv
import io
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse

try:
    import pyotp
except ImportError:
    sys.exit("run.py needs pyotp: .venv/bin/pip install -r Tests/requirements.txt")

from portal_process import RECOVERY_CODE, Portal, Session, SignIn, csrf_from, free_port, header, port_is_free, sql_rows, sqlite_path
from smtp_sink import SMTPServer

PASSWORD = "a long enough passphrase"
checks = []


def check(function):
    checks.append(function)
    return function


@check
def run_command_serves_on_8080_with_sqlite_and_a_single_use_setup_link(opts):
    """The README's run command on a fresh directory: port 8080, ./data/portal.sqlite, setup link, /healthz."""
    args = [] if port_is_free(8080) else None  # no flags at all: the defaults must be right
    portal = Portal(opts.portal, port=8080, args=args) if args is not None else Portal(opts.portal)
    try:
        portal.start()
        assert os.path.exists(os.path.join(portal.workdir, "data", "portal.sqlite")), "data/portal.sqlite missing"
        status, _, body, _ = portal.request("GET", "/healthz")
        assert status == 200, status
        link = portal.setup_link()
        if args is not None:
            assert link.startswith("http://localhost:8080/setup/"), link
        path = urllib.parse.urlparse(link).path
        grace = SignIn(portal, "grace@example.com", PASSWORD)
        browser = grace.browser
        status, _, page = browser.get(path)
        assert status == 200 and "Create the first admin" in page, status
        status, location = grace.password_step(path, {"name": "Grace Hopper", "email": "grace@example.com", "password": PASSWORD,
                                                      "password_confirmation": PASSWORD})
        # The password alone does not sign in: the first admin sets up a second factor first.
        assert status == 303 and location == "/sign-in/enrol", f"setup returned {status} to {location}"
        assert not grace.signed_in(), "signed in before the second factor"
        secret = SignIn.totp_secret(grace.enrol("totp"))
        status, _, page = grace.submit_code(pyotp.TOTP(secret).now())
        assert status == 200 and "Save your recovery codes" in page, status
        assert len(RECOVERY_CODE.findall(page)) == 10, RECOVERY_CODE.findall(page)
        status, _, home = browser.get("/")
        assert status == 200 and "Welcome, Grace Hopper" in home, status
        status, _, _ = Session(portal).get(path)
        assert status == 410, f"second use answered {status}"
    finally:
        portal.stop()


@check
def cli_creates_partner_operator_and_token_that_the_api_accepts(opts):
    portal = Portal(opts.portal).start()
    try:
        created = portal.cli("partner", "create", "--name", "Globex Resellers", "--slug", "globex", "--domain", "portal.globex.test")
        assert created.returncode == 0, created.stderr
        op = portal.cli("operator", "create", "--partner", "globex", "--email", "hank@globex.test", "--name", "Hank Scorpio",
                        "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n")
        assert op.returncode == 0, op.stderr
        token = portal.cli("token", "create", "--partner", "globex", "--operator", "hank@globex.test", "--name", "CRM sync")
        assert token.returncode == 0, token.stderr
        value = token.stdout.strip().splitlines()[-1]
        assert value.startswith("opk_"), token.stdout
        status, _, body, _ = portal.request("GET", "/api/v1/me", host="portal.globex.test", headers={"Authorization": f"Bearer {value}"})
        assert status == 200, (status, body)
        me = json.loads(body)
        assert me["partner"]["slug"] == "globex" and me["operator"]["email"] == "hank@globex.test", me
        # Tokens expire: 90 days unless --days says otherwise; /api/v1/tokens lists them without secrets.
        assert "valid until" in token.stdout, token.stdout
        # The command's token is in the audit log like one made through the API.
        entries = sql_rows(portal, "SELECT actor_name, details FROM audit_events WHERE action = 'api-token.created'")
        assert [row["actor_name"] for row in entries] == ["portal token create (command line)"], entries
        assert "token: CRM sync" in entries[0]["details"], entries
        short = portal.cli("token", "create", "--partner", "globex", "--operator", "hank@globex.test", "--name", "Month",
                           "--days", "30")
        assert short.returncode == 0 and short.stdout.strip().splitlines()[-1].startswith("opk_"), short.stdout + short.stderr
        status, _, body, _ = portal.request("GET", "/api/v1/tokens", host="portal.globex.test",
                                            headers={"Authorization": f"Bearer {value}"})
        assert status == 200, (status, body)
        assert value not in body and short.stdout.strip().splitlines()[-1] not in body, "a token's secret is listed"
        assert len(json.loads(body)) == 2, body
        too_long = portal.cli("token", "create", "--partner", "globex", "--operator", "hank@globex.test", "--name", "Forever",
                              "--days", "100000")
        assert too_long.returncode != 0 and "--days" in too_long.stderr and "Fatal error" not in too_long.stderr, too_long.stderr
        # The operator signs in on the partner's domain: the password, then (the partner's
        # policy requires a second factor by default) enrolling email codes on the way in.
        policy = portal.cli("partner", "policy", "--partner", "globex")
        assert policy.returncode == 0 and "second factor: required, methods totp,email,sms" in policy.stdout, policy.stdout + policy.stderr
        hank = SignIn(portal, "hank@globex.test", PASSWORD, host="portal.globex.test")
        status, location = hank.password_step()
        assert status == 303 and location == "/sign-in/enrol", (status, location)
        page = hank.enrol("email")
        assert "h•••@globex.test" in page, "the code page does not say where the code went"
        status, _, page = hank.submit_code(hank.emailed_code())
        assert status == 200 and len(RECOVERY_CODE.findall(page)) == 10, status
        assert hank.signed_in(), "not signed in after the code"
        # The next sign-in asks for an emailed code straight away.
        again = SignIn(portal, "hank@globex.test", PASSWORD, host="portal.globex.test")
        status, location = again.password_step()
        assert status == 303 and location == "/sign-in/code", (status, location)
        status, location, _ = again.submit_code(again.emailed_code())
        assert status == 303 and location == "/", (status, location)
        assert again.signed_in(), "not signed in after the code"
        # The development mailbox is for signed-in admins only: a stranger is sent to sign in.
        status, headers, _ = Session(portal, host="portal.globex.test").get("/dev/mailbox")
        assert status == 303 and (header(headers, "Location") or "").startswith("/sign-in"), (status, headers)
        status, _, page = again.browser.get("/dev/mailbox")
        assert status == 200 and "sign-in code" in page, f"the admin's /dev/mailbox answered {status}"
        # Without --password-stdin a setup link is printed.
        invited = portal.cli("operator", "create", "--partner", "globex", "--email", "ivy@globex.test", "--name", "Ivy", "--role", "support")
        assert invited.returncode == 0 and "/setup/" in invited.stdout, invited.stdout + invited.stderr
        # A wrong value is one clear line, and a non-zero exit.
        bad = portal.cli("operator", "create", "--partner", "globex", "--email", "x@globex.test", "--name", "X", "--role", "emperor")
        assert bad.returncode != 0 and "Unknown role" in bad.stderr and "Fatal error" not in bad.stderr, bad.stderr
    finally:
        portal.stop()


def enrolled_by_email(portal, email, name, role="admin", host=None):
    """An operator made on the command line who signed in once and chose email codes."""
    made = portal.cli("operator", "create", "--partner", "default", "--email", email, "--name", name,
                      "--role", role, "--password-stdin", stdin=PASSWORD + "\n")
    assert made.returncode == 0, made.stderr
    first = SignIn(portal, email, PASSWORD, host=host)
    assert first.password_step() == (303, "/sign-in/enrol")
    first.enrol("email")
    status, _, _ = first.submit_code(first.emailed_code())
    assert status == 200, f"enrolling email codes answered {status}"


@check
def wrong_sign_in_codes_count_down_and_the_sixth_stops_the_sign_in(opts):
    portal = Portal(opts.portal).start()
    try:
        enrolled_by_email(portal, "wanda@example.com", "Wanda")
        wanda = SignIn(portal, "wanda@example.com", PASSWORD)
        assert wanda.password_step() == (303, "/sign-in/code")
        right = wanda.emailed_code()
        wrong = "000000" if right != "000000" else "111111"
        for attempt in range(1, 6):
            status, _, page = wanda.submit_code(wrong)
            left = "One attempt left." if attempt == 5 else f"{6 - attempt} attempts left."
            assert status == 422 and f"That code is not right. {left}" in page, (attempt, status)
        status, _, page = wanda.submit_code(wrong)
        assert status == 403 and "Too many wrong codes" in page, status
        # The pending sign-in is gone: even the right code now starts over from the password.
        status, location, _ = wanda.submit_code(right)
        assert status == 303 and location == "/sign-in?expired=1", (status, location)
        assert not wanda.signed_in(), "signed in after six wrong codes"
    finally:
        portal.stop()


@check
def partner_policy_command_shows_and_changes_the_second_factor_rule(opts):
    portal = Portal(opts.portal).start()
    try:
        shown = portal.cli("partner", "policy", "--partner", "default")
        assert shown.returncode == 0, shown.stderr
        assert "second factor: required, methods totp,email,sms" in shown.stdout, shown.stdout
        made = portal.cli("operator", "create", "--partner", "default", "--email", "otto@example.com", "--name", "Otto",
                          "--role", "support", "--password-stdin", stdin=PASSWORD + "\n")
        assert made.returncode == 0, made.stderr
        # Only authenticator apps: the enrolment offers nothing else and refuses email.
        only_totp = portal.cli("partner", "policy", "--partner", "default", "--methods", "totp")
        assert only_totp.returncode == 0 and "second factor: required, methods totp\n" in only_totp.stdout, only_totp.stdout
        otto = SignIn(portal, "otto@example.com", PASSWORD)
        assert otto.password_step() == (303, "/sign-in/enrol")
        _, _, page = otto.browser.get("/sign-in/enrol")
        assert "Authenticator app" in page and "Code by email" not in page, "the enrolment offers other methods"
        status, _, _ = otto.browser.post("/sign-in/enrol", {"method": "email", "csrf_token": csrf_from(page)})
        assert status == 422, f"enrolling email answered {status}"
        # Optional: an operator without a second factor goes straight in with the password.
        optional = portal.cli("partner", "policy", "--partner", "default", "--second-factor", "optional")
        assert optional.returncode == 0 and "second factor: optional" in optional.stdout, optional.stdout
        otto = SignIn(portal, "otto@example.com", PASSWORD)
        assert otto.password_step() == (303, "/")
        assert otto.signed_in(), "not signed in with the password under an optional policy"
        # A wrong value is one clear line, and a non-zero exit.
        bad = portal.cli("partner", "policy", "--partner", "default", "--second-factor", "sometimes")
        assert bad.returncode != 0 and "--second-factor" in bad.stderr and "Fatal error" not in bad.stderr, bad.stderr
        # Logging in to client accounts: the owner's consent and the owner's email.
        assert "the owner's consent not asked for, the owner emailed every time" in shown.stdout, shown.stdout
        consent = portal.cli("partner", "policy", "--partner", "default", "--login-as-consent", "required", "--login-as-notice", "secure")
        assert consent.returncode == 0 and "the owner's consent required, the owner emailed for secure accounts" in consent.stdout, consent.stdout
        bad = portal.cli("partner", "policy", "--partner", "default", "--login-as-notice", "sometimes")
        assert bad.returncode != 0 and "--login-as-notice" in bad.stderr and "Fatal error" not in bad.stderr, bad.stderr
    finally:
        portal.stop()


# RFC 6238's SHA-1 key and its test vectors, cut to the 6 digits the portal uses.
RFC6238_SECRET = base64.b32encode(b"12345678901234567890").decode()
RFC6238_CODES = {59: "287082", 1111111109: "081804", 1111111111: "050471", 1234567890: "005924",
                 2000000000: "279037", 20000000000: "353130"}


@check
def totp_matches_pyotp_at_several_timestamps(opts):
    """`portal totp code` agrees with pyotp (and RFC 6238) for random keys, far past and future times."""
    portal = Portal(opts.portal)
    now = int(time.time())
    secrets = [base64.b32encode(os.urandom(20)).decode() for _ in range(3)] + [RFC6238_SECRET]
    timestamps = [0, 59, 1111111109, 1234567890, 2000000000, 20000000000, now]
    mismatches = []
    for secret in secrets:
        assert len(secret) == 32 and "=" not in secret, secret
        for at in timestamps:
            result = portal.cli("totp", "code", secret, "--at", str(at))
            assert result.returncode == 0, (secret, at, result.stderr)
            ours, theirs = result.stdout.strip(), pyotp.TOTP(secret).at(at)
            if ours != theirs:
                mismatches.append(f"{secret} at {at}: portal {ours}, pyotp {theirs}")
    assert not mismatches, "\n".join(mismatches)
    for at, code in RFC6238_CODES.items():
        assert pyotp.TOTP(RFC6238_SECRET).at(at) == code, (at, code)
    # The key as the enrolment page shows it (groups of four, any case) gives the same code.
    secret = secrets[0]
    grouped = " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)).lower()
    result = portal.cli("totp", "code", grouped, "--at", "1234567890")
    assert result.returncode == 0 and result.stdout.strip() == pyotp.TOTP(secret).at(1234567890), result.stdout + result.stderr
    # Without --at: the code of now (or of the step the call ended in).
    before = pyotp.TOTP(secret).now()
    result = portal.cli("totp", "code", secret)
    after = pyotp.TOTP(secret).now()
    assert result.returncode == 0 and result.stdout.strip() in (before, after), (result.stdout, before, after)
    # A key that is not base32 is refused in one line.
    bad = portal.cli("totp", "code", "not-base32!")
    assert bad.returncode != 0 and "base32" in bad.stderr and "Fatal error" not in bad.stderr, bad.stderr


QR_PARTNER = 'Ümlaut & Co: "#1" <Nord> 50% Straße'


def qr_image_from_page(page, scale=8):
    """The enrolment page's QR code as a Pillow image, drawn from the SVG's view box and its one
    path (moves, horizontal and vertical lines, closes), dark on white."""
    from PIL import Image, ImageDraw
    svg = re.search(r'<svg\b[^>]*>.*?</svg>', page, re.S)
    assert svg, "no <svg> on the enrolment page"
    svg = svg.group(0)
    assert 'role="img"' in svg and 'aria-label="' in svg and 'shape-rendering="crispEdges"' in svg, svg[:300]
    width, height = (int(v) for v in re.search(r'viewBox="0 0 (\d+) (\d+)"', svg).groups())
    paths = re.findall(r'<path\b[^>]*\bd="([^"]+)"', svg)
    assert len(paths) == 1, f"{len(paths)} paths"
    image = Image.new("L", (width * scale, height * scale), 255)
    draw = ImageDraw.Draw(image)
    x = y = 0.0
    polygon = []
    for command, number in re.findall(r"([MmHhVvLlZz])|(-?\d+(?:\.\d+)?)", paths[0]):
        if command:
            current = command
            numbers = []
            if command in "Zz":
                if polygon:
                    draw.polygon([(px * scale, py * scale) for px, py in polygon], fill=0)
                polygon = []
            continue
        numbers.append(float(number))
        if current in "Mm" and len(numbers) == 2:
            x, y = (numbers[0], numbers[1]) if current == "M" else (x + numbers[0], y + numbers[1])
            polygon = [(x, y)]
            numbers = []
        elif current in "Ll" and len(numbers) == 2:
            x, y = (numbers[0], numbers[1]) if current == "L" else (x + numbers[0], y + numbers[1])
            polygon.append((x, y))
            numbers = []
        elif current in "HhVv" and len(numbers) == 1:
            value = numbers[0]
            if current == "H": x = value
            elif current == "h": x += value
            elif current == "V": y = value
            else: y += value
            polygon.append((x, y))
            numbers = []
    return image


@check
def enrolment_qr_code_decodes_to_the_exact_otpauth_uri_and_its_codes_sign_in(opts):
    """The QR code on the enrolment page, read by zxing-cpp, is exactly the otpauth:// URI built here from the partner's
    name (with &, :, #, quotes, <, %, spaces and non-ASCII), the email and the key shown; pyotp's code from that URI
    confirms the enrolment and signs in again; the recovery codes download as a text file."""
    import zxingcpp
    portal = Portal(opts.portal).start()
    try:
        made = portal.cli("partner", "create", "--name", QR_PARTNER, "--slug", "umlaut", "--domain", "portal.umlaut.test")
        assert made.returncode == 0, made.stderr
        op = portal.cli("operator", "create", "--partner", "umlaut", "--email", "olga.ops+2fa@umlaut.test", "--name", "Olga",
                        "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n")
        assert op.returncode == 0, op.stderr
        olga = SignIn(portal, "olga.ops+2fa@umlaut.test", PASSWORD, host="portal.umlaut.test")
        assert olga.password_step() == (303, "/sign-in/enrol")
        page = olga.enrol("totp")
        secret = SignIn.totp_secret(page)
        found = zxingcpp.read_barcodes(qr_image_from_page(page), formats=zxingcpp.BarcodeFormat.QRCode)
        assert len(found) == 1, f"zxing-cpp found {len(found)} QR codes"
        decoded = found[0].text
        quote = urllib.parse.quote
        expected = (f"otpauth://totp/{quote(QR_PARTNER, safe='')}:{quote('olga.ops+2fa@umlaut.test', safe='@')}"
                    f"?secret={secret}&issuer={quote(QR_PARTNER, safe='')}&algorithm=SHA1&digits=6&period=30")
        assert decoded == expected, f"decoded {decoded!r}\nexpected {expected!r}"
        assert str(found[0].ec_level) == "M", found[0].ec_level
        # What an authenticator app makes of it: the partner's name and the email, exactly.
        otp = pyotp.parse_uri(decoded)
        assert otp.issuer == QR_PARTNER and otp.name == "olga.ops+2fa@umlaut.test", (otp.issuer, otp.name)
        status, _, codes_page = olga.submit_code(otp.now())
        assert status == 200 and "Save your recovery codes" in codes_page, status
        assert olga.signed_in(), "not signed in after the enrolment"
        codes = RECOVERY_CODE.findall(codes_page)
        assert len(codes) == 10, codes
        sheet = re.search(r'name="sheet" value="([^"]+)"', codes_page)
        assert sheet, "no download form on the recovery-codes page"
        status, headers, text = olga.browser.post("/profile/recovery-codes.txt", {"sheet": sheet.group(1), "csrf_token": csrf_from(codes_page)})
        assert status == 200, (status, text[:300])
        assert (header(headers, "Content-Type") or "").startswith("text/plain"), headers
        assert (header(headers, "Content-Disposition") or "") == 'attachment; filename="recovery-codes-umlaut.txt"', headers
        assert [line for line in text.splitlines() if re.fullmatch(r"[a-z0-9]{5}-[a-z0-9]{5}", line)] == codes, text
        status, _, _ = olga.browser.post("/profile/recovery-codes.txt", {"csrf_token": csrf_from(codes_page)})
        assert status == 400, f"a download with nothing to download answered {status}"
        # Signing in again: the next step's code from the same URI (one step of drift is allowed).
        again = SignIn(portal, "olga.ops+2fa@umlaut.test", PASSWORD, host="portal.umlaut.test")
        assert again.password_step() == (303, "/sign-in/code")
        status, location, _ = again.submit_code(otp.at(time.time() + 30))
        assert status == 303 and location == "/", (status, location)
        assert again.signed_in(), "not signed in with the app's code"
        status, _, profile = again.browser.get("/profile")
        assert status == 200 and "10 of 10 recovery codes left." in profile, status
    finally:
        portal.stop()


@check
def unreachable_database_url_exits_with_one_clear_line(opts):
    # A password that no other line contains (the start-up log speaks of the "secret key").
    password = "xyzzy-db-pass-4711"
    portal = Portal(opts.portal, env={"DATABASE_URL": f"postgres://portal:{password}@127.0.0.1:1/portal"})
    result = subprocess.run([opts.portal, "serve", "--port", "0"], cwd=portal.workdir, env=portal.env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0, "serve did not fail"
    lines = [line for line in result.stderr.strip().splitlines() if line.startswith("portal:")]
    assert len(lines) == 1 and "cannot reach the database" in lines[0], result.stderr
    assert password not in result.stderr, "password leaked into the message"
    assert "Fatal error" not in result.stderr and "Stack" not in result.stderr, result.stderr


@check
def wrong_configuration_value_stops_startup_naming_it(opts):
    portal = Portal(opts.portal, env={"BCRYPT_COST": "4"})
    result = subprocess.run([opts.portal, "serve"], cwd=portal.workdir, env=portal.env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "BCRYPT_COST" in result.stderr, result.stderr


@check
def dotenv_file_is_read_at_startup(opts):
    portal = Portal(opts.portal)
    with open(os.path.join(portal.workdir, ".env"), "w") as env_file:
        env_file.write("BCRYPT_COST=11\n")
    result = subprocess.run([opts.portal, "serve"], cwd=portal.workdir, env=portal.env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "BCRYPT_COST" in result.stderr and "'11'" in result.stderr, result.stderr


@check
def migrate_revert_and_migrate_again_from_the_command_line(opts):
    portal = Portal(opts.portal)
    for args in (["migrate", "--yes"], ["migrate", "--revert", "--yes"], ["migrate", "--yes"]):
        result = portal.cli(*args, env={"LOG_LEVEL": "info"})
        assert result.returncode == 0, (args, result.stdout, result.stderr)
    assert os.path.exists(os.path.join(portal.workdir, "data", "portal.sqlite"))
    again = portal.cli("migrate", "--yes", env={"LOG_LEVEL": "info"})
    assert again.returncode == 0 and "No new migrations" in (again.stdout + again.stderr), again.stdout + again.stderr


def wait_for(condition, timeout, message):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(message)


def smtp_env(port):
    return {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port), "SMTP_TLS": "none", "SMTP_FROM": "portal@example.com",
            "DELIVERY_RETRY_MAX_SECONDS": "1"}


@check
def email_goes_out_through_smtp_once(opts):
    smtp_port = free_port()
    with SMTPServer(smtp_port) as smtp:
        portal = Portal(opts.portal, env=smtp_env(smtp_port)).start()
        try:
            queued = portal.cli("mail", "test", "--partner", "default", "--to", "Ada@Example.com")
            assert queued.returncode == 0, queued.stderr
            wait_for(lambda: len(smtp.sink.received()) >= 1, 20, "the test email did not arrive:\n" + portal.log()[-2000:])
            time.sleep(2)
            messages = smtp.sink.received()
            assert len(messages) == 1, f"{len(messages)} messages arrived"
            message = messages[0]
            assert message["to"] == ["ada@example.com"], message["to"]
            assert message["from"] == "portal@example.com", message["from"]
            assert message["subject"] == "Test email from Operator Portal", message["subject"]
            assert "email delivery works" in message["body"], message["body"]
            # The HTML alternative, in the partner's brand.
            assert message["html"] and "email delivery works" in message["html"] and "background:#" in message["html"], message["html"]
        finally:
            portal.stop()


@check
def forgotten_password_link_arrives_over_smtp_and_sets_a_new_password(opts):
    """"Forgot password?" with a real SMTP server: the emailed link sets a new password, the code is still asked after it,
    the link works once, and an unknown address gets the same page and no email."""
    smtp_port = free_port()
    with SMTPServer(smtp_port) as smtp:
        portal = Portal(opts.portal, env=smtp_env(smtp_port)).start()
        try:
            enrolled_by_email(portal, "rita@example.com", "Rita Reset")
            before = len(smtp.sink.received())
            answers = {}
            browser = Session(portal)
            for address in ["Rita@Example.com", "nobody@example.com"]:
                status, _, page = browser.get("/forgot-password")
                assert status == 200 and "Forgot your password?" in page, status
                status, _, page = browser.post("/forgot-password", {"email": address, "csrf_token": csrf_from(page)})
                assert status == 200, status
                answers[address] = re.sub(r'nonce="[^"]*"', "", page).replace(address, "ADDRESS")
            assert answers["Rita@Example.com"] == answers["nobody@example.com"], "the unknown address got another page"
            assert "If an operator account here uses that address" in answers["nobody@example.com"]

            def reset_mail():
                return [m for m in smtp.sink.received()[before:] if m["subject"].startswith("Reset your")]
            wait_for(lambda: reset_mail(), 30, "the reset email did not arrive:\n" + portal.log()[-2000:])
            time.sleep(2)
            mails = reset_mail()
            assert len(mails) == 1 and mails[0]["to"] == ["rita@example.com"], [m["to"] for m in mails]
            assert mails[0]["html"] and "background:#" in mails[0]["html"], "the email is not in the partner's brand"
            link = re.search(r"https?://\S+/setup/[A-Za-z0-9_-]+", mails[0]["body"]).group(0)
            assert link.startswith(f"http://localhost:{portal.port}/setup/"), link
            path = urllib.parse.urlparse(link).path

            new_password = "a freshly chosen passphrase"
            reset = SignIn(portal, "rita@example.com", new_password)
            status, location = reset.password_step(path, {"password": new_password, "password_confirmation": new_password})
            assert (status, location) == (303, "/sign-in/code"), (status, location)
            assert not reset.signed_in(), "the reset signed in past the second factor"
            status, _, _ = reset.submit_code(reset.emailed_code())
            assert status == 303 and reset.signed_in(), status
            wait_for(lambda: any(m["subject"].endswith("password was changed") for m in smtp.sink.received()), 30,
                     "no 'password was changed' email:\n" + portal.log()[-2000:])

            # The new password signs in (with a code); the old one and the used link do not.
            again = SignIn(portal, "rita@example.com", new_password)
            assert again.password_step() == (303, "/sign-in/code")
            assert SignIn(portal, "rita@example.com", PASSWORD).password_step()[0] == 401
            status, _, page = Session(portal).get(path)
            assert status == 410 and "Link no longer valid" in page, status
        finally:
            portal.stop()


@check
def outbox_survives_an_smtp_outage_and_a_restart(opts):
    smtp_port = free_port()  # nothing listens here yet: the server is "down"
    portal = Portal(opts.portal, env=smtp_env(smtp_port)).start()
    recipients = [f"person{index}@example.com" for index in range(5)]
    try:
        for recipient in recipients:
            assert portal.cli("mail", "test", "--partner", "default", "--to", recipient).returncode == 0
        time.sleep(3)  # several failed attempts
        assert "will retry" in portal.log(), "no failed attempt was logged"
    finally:
        portal.stop()
    with SMTPServer(smtp_port) as smtp:
        again = Portal(opts.portal, env=smtp_env(smtp_port), workdir=portal.workdir).start()
        try:
            wait_for(lambda: len(smtp.sink.received()) >= len(recipients), 30,
                     f"only {len(smtp.sink.received())} of {len(recipients)} arrived:\n" + again.log()[-2000:])
            time.sleep(3)
            arrived = sorted(to for message in smtp.sink.received() for to in message["to"])
            assert arrived == sorted(recipients), f"arrived: {arrived}"
        finally:
            again.stop()


@check
def readyz_follows_postgres_going_down_and_coming_back(opts):
    if not opts.pg_url:
        raise AssertionError("no PostgreSQL given (--pg-url)")
    portal = Portal(opts.portal, env={"DATABASE_URL": opts.pg_url}).start()
    try:
        assert portal.request("GET", "/readyz")[0] == 200
        subprocess.run(shlex.split(opts.pg_stop), check=True, capture_output=True)
        try:
            status = portal.request("GET", "/readyz", timeout=10)[0]
            assert status == 503, f"readyz answered {status} with the database down"
            assert portal.request("GET", "/healthz")[0] == 200
        finally:
            subprocess.run(shlex.split(opts.pg_start), check=True, capture_output=True)
        deadline = time.time() + 30
        status = None
        while time.time() < deadline:
            status = portal.request("GET", "/readyz", timeout=10)[0]
            if status == 200:
                break
            time.sleep(0.5)
        assert status == 200, f"readyz answered {status} after the database came back"
    finally:
        portal.stop()


def fresh_postgres_database(opts, name):
    """A new, empty database next to --pg-url's (psql from --psql), and its URL."""
    parts = urllib.parse.urlparse(opts.pg_url)
    created = subprocess.run([opts.psql, "-h", parts.hostname, "-p", str(parts.port or 5432), "-U", parts.username or "postgres",
                              "-d", parts.path.lstrip("/"), "-v", "ON_ERROR_STOP=1", "-c", f"DROP DATABASE IF EXISTS {name}", "-c",
                              f"CREATE DATABASE {name}"], capture_output=True, text=True)
    assert created.returncode == 0, created.stderr
    return parts._replace(path="/" + name).geturl()


def zone_past_eight():
    """An IANA zone whose local time is now between 09:00 and 21:00, so that today's digest is due."""
    hour = time.gmtime().tm_hour
    for offset in range(-11, 13):
        if 9 <= (hour + offset) % 24 <= 21 and (time.gmtime().tm_min < 50 or (hour + offset) % 24 < 21):
            # Etc/GMT-5 is five hours *ahead* of UTC.
            return "UTC" if offset == 0 else (f"Etc/GMT-{offset}" if offset > 0 else f"Etc/GMT+{-offset}")
    raise AssertionError("no zone found")


def digests_received(sink, recipients):
    counts = {recipient: 0 for recipient in recipients}
    for message in sink.received():
        for to in message["to"]:
            if to in counts and message["subject"].startswith("Your tasks"):
                counts[to] += 1
    return counts


@check
def two_instances_on_postgres_send_each_digest_once_and_a_killed_one_loses_none(opts):
    """Two instances on one PostgreSQL with a real SMTP server: every operator's digest arrives exactly once;
    then one instance is killed while it sends, and the other sends what it had taken once its lease ends."""
    if not opts.pg_url or not opts.psql:
        raise AssertionError("no PostgreSQL given (--pg-url, --psql)")
    database = fresh_postgres_database(opts, "portal_digests")
    smtp_port = free_port()
    zone = zone_past_eight()
    with SMTPServer(smtp_port) as smtp:
        env = {"DATABASE_URL": database, "DELIVERY_LEASE_SECONDS": "10", **smtp_env(smtp_port)}
        first = Portal(opts.portal, env=env).start()
        second = Portal(opts.portal, env=env).start()
        try:
            made = first.cli("operator", "create", "--partner", "default", "--email", "lead@example.com", "--name", "Lead",
                             "--role", "admin", "--time-zone", zone, "--password-stdin", stdin=PASSWORD + "\n")
            assert made.returncode == 0, made.stderr
            token = first.cli("token", "create", "--partner", "default", "--operator", "lead@example.com", "--name", "it")
            assert token.returncode == 0, token.stderr
            bearer = {"Authorization": "Bearer " + token.stdout.strip().splitlines()[-1], "Content-Type": "application/json"}
            status, _, body, _ = first.request("POST", "/api/v1/accounts", json.dumps({"name": "Rosie's Bakery", "email": "rosie@example.com"}),
                                               headers=bearer)
            assert status == 201, body
            uid = json.loads(body)["businessUid"]
            status, _, body, _ = first.request("PATCH", f"/api/v1/accounts/{uid}", json.dumps({"locked": True}), headers=bearer)
            assert status == 200, body

            def invite(batch, count):
                emails = [f"{batch}{index}@example.com" for index in range(count)]
                for email_address in emails:
                    made = first.cli("operator", "create", "--partner", "default", "--email", email_address, "--name", email_address,
                                     "--role", "support", "--time-zone", zone, "--password-stdin", stdin=PASSWORD + "\n")
                    assert made.returncode == 0, made.stderr
                return emails

            # Everyone sees the locked account: every digest has something in it.
            everyone = ["lead@example.com", *invite("first", 8)]
            wait_for(lambda: all(digests_received(smtp.sink, everyone).values()), 150,
                     f"not every digest arrived: {digests_received(smtp.sink, everyone)}\n" + first.log()[-1500:] + second.log()[-1500:])
            digest = next(message for message in smtp.sink.received() if message["to"] == ["lead@example.com"])
            headers = {name.lower(): value for name, value in digest["headers"].items()}
            assert headers.get("list-unsubscribe-post") == "List-Unsubscribe=One-Click", headers
            assert "/unsubscribe/" in headers.get("list-unsubscribe", ""), headers
            assert "Locked accounts" in digest["body"] and "Rosie's Bakery" in digest["body"], digest["body"]

            # A slow mail server, so that sending takes long enough to be interrupted.
            smtp.sink.delay = 0.5
            later = invite("second", 12)
            sent_by = {}

            def someone_is_sending():
                for name, portal in (("first", first), ("second", second)):
                    sent_by[name] = portal.log().count("message sent")
                return any(digests_received(smtp.sink, later).values())

            baseline = {"first": first.log().count("message sent"), "second": second.log().count("message sent")}
            wait_for(someone_is_sending, 150, "no digest of the second batch arrived")
            busy = max(("first", "second"), key=lambda name: sent_by[name] - baseline[name])
            victim, survivor = (first, second) if busy == "first" else (second, first)
            victim.process.kill()
            victim.process.wait()
            wait_for(lambda: all(digests_received(smtp.sink, later).values()), 120,
                     f"digests lost after the kill: {digests_received(smtp.sink, later)}\n" + survivor.log()[-2000:])
            # The digest job has run again since the first batch (the second batch came from a later run).
            counts = digests_received(smtp.sink, everyone)
            assert set(counts.values()) == {1}, f"digests per operator of the first batch: {counts}"
            counts = digests_received(smtp.sink, later)
            # At least once: a message the killed instance was handing to the server as it died may come twice.
            assert sum(counts.values()) <= len(later) + 1, f"digests per operator after the kill: {counts}"
        finally:
            first.stop()
            second.stop()


def enrolled_with_authenticator(portal, email, name):
    """An admin made on the command line who set up an authenticator app; returns its key."""
    made = portal.cli("operator", "create", "--partner", "default", "--email", email, "--name", name,
                      "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n")
    assert made.returncode == 0, made.stderr
    person = SignIn(portal, email, PASSWORD)
    assert person.password_step() == (303, "/sign-in/enrol")
    secret = SignIn.totp_secret(person.enrol("totp"))
    status, _, _ = person.submit_code(pyotp.TOTP(secret).now())
    assert status == 200, f"enrolling the authenticator app answered {status}"
    return secret


def signs_in_with_authenticator(portal, email, secret):
    """The password, then the next step's code (a code works once, and the copy remembers the last one used)."""
    person = SignIn(portal, email, PASSWORD)
    assert person.password_step() == (303, "/sign-in/code")
    status, location, _ = person.submit_code(pyotp.TOTP(secret).at(time.time() + 30))
    return status == 303 and location == "/" and person.signed_in()


def api_token(portal, email):
    made = portal.cli("token", "create", "--partner", "default", "--operator", email, "--name", "backup check")
    assert made.returncode == 0, made.stderr
    return {"Authorization": "Bearer " + made.stdout.strip().splitlines()[-1], "Content-Type": "application/json"}


def account_names(portal, bearer):
    status, _, body, _ = portal.request("GET", "/api/v1/accounts?limit=100", headers=bearer)
    assert status == 200, (status, body)
    listed = json.loads(body)
    return sorted(item["name"] for item in (listed["items"] if isinstance(listed, dict) else listed))


def one_clear_line(result, phrase):
    lines = [line for line in result.stderr.strip().splitlines() if line.startswith("portal:")]
    return (result.returncode != 0 and len(lines) == 1 and phrase in lines[0] and "Fatal error" not in result.stderr
            and "Fatal error" not in result.stdout)


@check
def audit_chain_names_each_row_changed_with_sqlite3_and_an_export_checks_without_the_portal(opts):
    """`portal audit verify` after edits made with the sqlite3 command-line tool; then the Audit log's CSV export checked by
    docs/audit-verify.py and the page's signed head by openssl, as someone without the portal would."""
    portal = Portal(opts.portal).start()
    work = tempfile.mkdtemp(prefix="portal-audit-")
    try:
        secret = enrolled_with_authenticator(portal, "auditor@example.test", "Avery Auditor")
        seeded = portal.cli("demo", "seed", "--partner", "default", "--accounts", "60")
        assert seeded.returncode == 0, seeded.stderr
        sealed = portal.cli("audit", "seal")
        assert sealed.returncode == 0 and re.search(r"Sealed \d+ audit entries", sealed.stdout), sealed.stdout + sealed.stderr
        database = sqlite_path(portal)

        def sqlite3_cli(statement):
            done = subprocess.run(["sqlite3", "-cmd", ".timeout 10000", database, statement], capture_output=True, text=True, timeout=60)
            assert done.returncode == 0, done.stderr

        def verify():
            return portal.cli("audit", "verify", "--partner", "default")

        intact = verify()
        assert intact.returncode == 0 and re.search(r"^default: intact: \d+ entries", intact.stdout, re.M), intact.stdout + intact.stderr
        entry = "partner_id = (SELECT id FROM partners WHERE slug = 'default') AND seq = "
        sqlite3_cli(f"UPDATE audit_events SET details = details || ' (edited)' WHERE {entry}7")
        changed = verify()
        assert changed.returncode != 0 and "default: BROKEN: entry #7 " in changed.stdout and "was changed" in changed.stdout, changed.stdout
        assert "broken" in changed.stderr and "Fatal error" not in changed.stderr, changed.stderr
        sqlite3_cli(f"UPDATE audit_events SET details = substr(details, 1, length(details) - 9) WHERE {entry}7")
        assert verify().returncode == 0, verify().stdout
        # Entry 9 moved out of the way and a made-up copy put in its place.
        sqlite3_cli(f"UPDATE audit_events SET seq = 1000009 WHERE {entry}9")
        sqlite3_cli("INSERT INTO audit_events (id, partner_id, actor_id, actor_name, action, target_type, target_id, target_label, details, ip, at, "
                    "seq, prev_hash, hash, subject_account_id) SELECT upper(printf('%s-%s-4%s-a%s-%s', hex(randomblob(4)), hex(randomblob(2)), "
                    "substr(hex(randomblob(2)), 2), substr(hex(randomblob(2)), 2), hex(randomblob(6)))), partner_id, actor_id, actor_name, action, target_type, "
                    f"target_id, target_label, 'made up', ip, at, 9, prev_hash, hash, subject_account_id FROM audit_events WHERE {entry}1000009")
        inserted = verify()
        assert inserted.returncode != 0 and "BROKEN: entry #9 " in inserted.stdout, inserted.stdout + inserted.stderr
        sqlite3_cli(f"DELETE FROM audit_events WHERE {entry}9")
        removed = verify()
        assert removed.returncode != 0 and "BROKEN: entry #9 was removed" in removed.stdout, removed.stdout
        sqlite3_cli(f"UPDATE audit_events SET seq = 9 WHERE {entry}1000009")
        assert verify().returncode == 0, verify().stdout

        # The export, checked outside the portal against the head the page shows.
        auditor = SignIn(portal, "auditor@example.test", PASSWORD)
        assert auditor.password_step() == (303, "/sign-in/code")
        status, location, _ = auditor.submit_code(pyotp.TOTP(secret).at(time.time() + 30))
        assert status == 303 and location == "/", (status, location)
        status, _, page = auditor.browser.get("/audit")
        assert status == 200 and "Verified intact up to the entry of" in page, status
        head = re.search(r"<dt>Last sealed entry</dt><dd>#(\d+)", page)
        values = re.findall(r"<dd><code>([^<]+)</code></dd>", page)
        assert head and len(values) == 3, "the page does not show the signed head"
        head_seq, (head_hash, signature, public_key) = head.group(1), values
        status, _, exported = auditor.browser.get("/audit/export.csv")
        assert status == 200, status
        export = os.path.join(work, "audit-log.csv")
        with open(export, "w", encoding="utf-8", newline="") as handle:
            handle.write(exported)
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "audit-verify.py")
        checked = subprocess.run([sys.executable, script, export, "--head-seq", head_seq, "--head-hash", head_hash],
                                 capture_output=True, text=True, timeout=60)
        assert checked.returncode == 0 and checked.stdout.strip().endswith("intact"), checked.stdout + checked.stderr
        checked_rows = int(re.search(r"^(\d+) sealed rows checked", checked.stdout, re.M).group(1))
        assert checked_rows >= int(head_seq), checked.stdout
        # One cell changed in the file: the script names that entry.
        rows = list(csv.DictReader(io.StringIO(exported, newline="")))
        target = next(row for row in rows if row["Sequence"] == "7")
        target["Details"] += " (edited)"
        with open(export, "w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0].keys()))
            writer.writeheader()
            writer.writerows(rows)
        tampered = subprocess.run([sys.executable, script, export], capture_output=True, text=True, timeout=60)
        assert tampered.returncode == 1 and "BROKEN: entry #7 " in tampered.stdout, tampered.stdout + tampered.stderr

        # The head's signature, with OpenSSL as docs/audit.md shows.
        partner_id = target["Partner id"]
        with open(os.path.join(work, "head-key.der"), "wb") as handle:
            handle.write(bytes.fromhex("302a300506032b6570032100") + base64.b64decode(public_key))
        with open(os.path.join(work, "head.txt"), "w") as handle:
            handle.write(f"operator-portal audit head v1\n{partner_id}\n{head_seq}\n{head_hash}")
        with open(os.path.join(work, "head.sig"), "wb") as handle:
            handle.write(base64.b64decode(signature))
        openssl = subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-keyform", "DER", "-inkey", "head-key.der", "-rawin",
                                  "-in", "head.txt", "-sigfile", "head.sig"], cwd=work, capture_output=True, text=True, timeout=60)
        assert openssl.returncode == 0 and "Signature Verified Successfully" in openssl.stdout, openssl.stdout + openssl.stderr
        with open(os.path.join(work, "head.txt"), "w") as handle:
            handle.write(f"operator-portal audit head v1\n{partner_id}\n{int(head_seq) - 1}\n{head_hash}")
        forged = subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-keyform", "DER", "-inkey", "head-key.der", "-rawin",
                                 "-in", "head.txt", "-sigfile", "head.sig"], cwd=work, capture_output=True, text=True, timeout=60)
        assert forged.returncode != 0, forged.stdout
    finally:
        portal.stop()
        shutil.rmtree(work, ignore_errors=True)


@check
def a_template_push_killed_half_way_is_finished_by_the_portal_without_changing_any_account_twice(opts):
    """`portal template push` is killed with SIGKILL after some of its batches and before the last; the portal's
    job runner, started afterwards, finishes the push it left, and every account made from the template is changed
    exactly once: the colour on each, one History entry each, the push's counts adding up."""
    portal = Portal(opts.portal).start()
    try:
        made = portal.cli("operator", "create", "--partner", "default", "--email", "pusher@example.com", "--name", "Pat Pusher",
                          "--role", "admin-secure", "--password-stdin", stdin=PASSWORD + "\n")
        assert made.returncode == 0, made.stderr
        seeded = portal.cli("demo", "seed", "--partner", "default", "--accounts", "3000", timeout=600)
        assert seeded.returncode == 0, seeded.stderr
    finally:
        # Nothing serves while the command pushes: only the command works on the push until it is killed.
        portal.stop()
    database = sqlite_path(portal)

    def sqlite3_cli(statement):
        done = subprocess.run(["sqlite3", "-cmd", ".timeout 10000", database, statement], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    # One template the others were made from (a UID that starts with "-" would read as an option).
    uid = sqlite3_cli("SELECT business_uid FROM accounts WHERE secure = 0 AND business_uid NOT LIKE '-%' ORDER BY id LIMIT 1")
    sqlite3_cli(f"""UPDATE accounts SET template = 0, template_source_id = NULL;
        UPDATE accounts SET template = 1, brand_color = '#0B6E4F' WHERE business_uid = '{uid}';
        UPDATE accounts SET template_source_id = (SELECT id FROM accounts WHERE template = 1), brand_color = NULL WHERE template = 0;""")
    derived = int(sqlite3_cli("SELECT COUNT(*) FROM accounts WHERE template_source_id IS NOT NULL"))
    command = subprocess.Popen([opts.portal, "template", "push", "--partner", "default", "--as", "pusher@example.com",
                                "--template", uid, "--parts", "branding"], cwd=portal.workdir, env=portal.env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    killed_at = None
    try:
        deadline = time.time() + 300
        while time.time() < deadline and command.poll() is None:
            rows = sql_rows(portal, "SELECT done, total FROM template_pushes") if os.path.exists(database) else []
            if rows and 0 < rows[0]["done"] < rows[0]["total"]:
                command.kill()
                killed_at = rows[0]["done"]
                break
            time.sleep(0.05)
    finally:
        if command.poll() is None:
            command.kill()
        command.wait()
    assert killed_at is not None, "the push ended (or never started) before it could be killed half-way"
    state = sql_rows(portal, "SELECT state, done, total FROM template_pushes")[0]
    assert state["state"] in ("queued", "running") and state["done"] < derived, state

    again = Portal(opts.portal, workdir=portal.workdir).start()
    try:
        wait_for(lambda: sql_rows(again, "SELECT state FROM template_pushes")[0]["state"] == "done", 300,
                 "the portal did not finish the push:\n" + again.log()[-2000:])
        push = sql_rows(again, "SELECT total, done, changed, unchanged, refused FROM template_pushes")[0]
        assert push["total"] == derived and push["done"] == derived, push
        assert push["changed"] + push["unchanged"] + push["refused"] == derived and push["refused"] == 0, push
        coloured = sql_rows(again, "SELECT COUNT(*) AS n FROM accounts WHERE template_source_id IS NOT NULL AND brand_color = '#0B6E4F'")[0]["n"]
        assert coloured == derived, f"{coloured} of {derived} accounts have the template's colour"
        entries = sql_rows(again, "SELECT target_id, COUNT(*) AS n FROM audit_events WHERE action = 'account.template-pushed' GROUP BY target_id")
        assert len(entries) == derived and all(row["n"] == 1 for row in entries), \
            f"{len(entries)} accounts with History entries, {sum(1 for row in entries if row['n'] > 1)} with more than one"
        results = sql_rows(again, "SELECT COUNT(*) AS n, COUNT(DISTINCT account_id) AS accounts FROM template_push_results")[0]
        assert results["n"] == derived and results["accounts"] == derived, results
        print(f"  killed after {killed_at} of {derived} accounts; the portal finished the other {derived - killed_at}")
    finally:
        again.stop()


@check
def backup_while_serving_on_sqlite_restores_into_an_empty_directory_that_serves_the_same_data(opts):
    """`portal backup` while the portal serves and takes writes, `portal restore` into an empty directory, and a portal
    started there signs the same people in (the authenticator app too: the key came with the backup)."""
    portal = Portal(opts.portal).start()
    keep = tempfile.mkdtemp(prefix="portal-it-backups-")
    backup = os.path.join(keep, "portal-backup.tar")
    try:
        secret = enrolled_with_authenticator(portal, "bea@example.com", "Bea Backup")
        bearer = api_token(portal, "bea@example.com")
        status, _, body, _ = portal.request("POST", "/api/v1/accounts", json.dumps({"name": "Rosie's Bakery", "email": "rosie@example.com"}),
                                            headers=bearer)
        assert status == 201, body
        stop = threading.Event()
        written = []

        def write_accounts():
            while not stop.is_set():
                name = f"Written {len(written)}"
                if portal.request("POST", "/api/v1/accounts", json.dumps({"name": name, "email": f"w{len(written)}@example.com"}),
                                  headers=bearer)[0] == 201:
                    written.append(name)

        writer = threading.Thread(target=write_accounts)
        writer.start()
        try:
            wait_for(lambda: len(written) >= 5, 30, "the portal took no writes")
            made = portal.cli("backup", "--to", backup)
            wait_for(lambda: len(written) >= 5 + 3, 30, "the portal took no writes after the backup")
        finally:
            stop.set()
            writer.join()
        assert made.returncode == 0, made.stdout + made.stderr
        assert "Backed up the SQLite database" in made.stdout and "holds the secret key" in made.stdout, made.stdout
        assert os.stat(backup).st_mode & 0o777 == 0o600, oct(os.stat(backup).st_mode)
        assert sorted(os.listdir(keep)) == ["portal-backup.tar"], os.listdir(keep)
        listed = subprocess.run(["tar", "-tf", backup], capture_output=True, text=True)
        assert listed.stdout.split() == ["portal-backup.json", "secret.key", "portal.sqlite"], listed.stdout + listed.stderr
    finally:
        portal.stop()

    restored = Portal(opts.portal)
    result = restored.cli("restore", "--from", backup)
    assert result.returncode == 0 and "Restored the backup" in result.stdout, result.stdout + result.stderr
    data = os.path.join(restored.workdir, "data")
    assert sorted(os.listdir(data)) == ["portal.sqlite", "secret.key"], os.listdir(data)
    # Only into a place without a database: a second restore is refused and changes nothing.
    before = open(os.path.join(data, "portal.sqlite"), "rb").read()
    again = restored.cli("restore", "--from", backup)
    assert one_clear_line(again, "refusing to restore"), again.stdout + again.stderr
    assert open(os.path.join(data, "portal.sqlite"), "rb").read() == before
    restored.start()
    try:
        assert "Generated a secret key" not in restored.log(), "the restored portal made a new key instead of using the backup's"
        names = account_names(restored, bearer)
        copied = [name for name in names if name.startswith("Written ")]
        assert "Rosie's Bakery" in names and len(copied) >= 5, names
        assert len(copied) < len(written), f"the copy holds {len(copied)} of {len(written)} writes, some made after the backup"
        assert [row["integrity_check"] for row in sql_rows(restored, "PRAGMA integrity_check")] == ["ok"]
        assert signs_in_with_authenticator(restored, "bea@example.com", secret), "the authenticator app does not sign in on the copy"
    finally:
        restored.stop()

    # Wrong files: one clear line each, a non-zero exit, and nothing written.
    empty = Portal(opts.portal)
    truncated = os.path.join(keep, "truncated.tar")
    with open(backup, "rb") as whole, open(truncated, "wb") as part:
        part.write(whole.read()[:-4096])
    for path, phrase in ((truncated, "is damaged"), (os.path.join(restored.workdir, "data", "portal.sqlite"), "is an SQLite database file"),
                         (os.path.join(keep, "missing.tar"), "there is no file")):
        refused = empty.cli("restore", "--from", path)
        assert one_clear_line(refused, phrase), (path, refused.stdout + refused.stderr)
    assert not os.path.exists(os.path.join(empty.workdir, "data")), os.listdir(os.path.join(empty.workdir, "data"))
    unwritable = empty.cli("backup", "--to", os.path.join(keep, "no-such-directory", "backup.tar"), env={"SQLITE_PATH": os.path.join(data, "portal.sqlite")})
    assert one_clear_line(unwritable, "does not exist"), unwritable.stdout + unwritable.stderr
    shutil.rmtree(keep, ignore_errors=True)


def run_psql(opts, *commands):
    parts = urllib.parse.urlparse(opts.pg_url)
    arguments = [opts.psql, "-h", parts.hostname, "-p", str(parts.port or 5432), "-U", parts.username or "postgres",
                 "-d", parts.path.lstrip("/"), "-v", "ON_ERROR_STOP=1"]
    for command in commands:
        arguments += ["-c", command]
    ran = subprocess.run(arguments, capture_output=True, text=True)
    assert ran.returncode == 0, ran.stderr


@check
def backup_and_restore_on_postgres_through_pg_dump_into_a_fresh_database(opts):
    """pg_dump while serving, with the password only in the tools' environment; pg_restore into a second, empty
    database; a portal on it serves the same data; a non-empty database and a missing SECRET_KEY are refused."""
    if not opts.pg_url or not opts.psql:
        raise AssertionError("no PostgreSQL given (--pg-url, --psql)")
    password = "xyzzy-backup-pass-4711"
    run_psql(opts, "DROP DATABASE IF EXISTS portal_backup_source", "DROP DATABASE IF EXISTS portal_backup_target",
             "DROP ROLE IF EXISTS portal_backup", f"CREATE ROLE portal_backup LOGIN PASSWORD '{password}'")
    source_url = fresh_postgres_database(opts, "portal_backup_source")
    target_url = fresh_postgres_database(opts, "portal_backup_target")
    run_psql(opts, "ALTER DATABASE portal_backup_source OWNER TO portal_backup", "ALTER DATABASE portal_backup_target OWNER TO portal_backup")

    def as_role(url):
        parts = urllib.parse.urlparse(url)
        return parts._replace(netloc=f"portal_backup:{password}@{parts.hostname}:{parts.port or 5432}").geturl()

    key = base64.b64encode(os.urandom(32)).decode()
    # The client tools are called through a wrapper on PATH that notes their arguments and PG* environment.
    shims = tempfile.mkdtemp(prefix="portal-it-pgtools-")
    calls = os.path.join(shims, "calls.log")
    for tool in ("pg_dump", "pg_restore"):
        real = shutil.which(tool) or sorted(__import__("glob").glob(f"/usr/lib/postgresql/*/bin/{tool}"))[-1]
        with open(os.path.join(shims, tool), "w") as shim:
            shim.write(f'#!/bin/sh\nprintf "%s\\n" "{tool} $*" >> {calls}\nenv | grep "^PG" >> {calls}\nexec {real} "$@"\n')
        os.chmod(os.path.join(shims, tool), 0o755)
    path = shims + os.pathsep + os.environ.get("PATH", "")
    backup = os.path.join(shims, "portal-backup.tar")

    portal = Portal(opts.portal, env={"DATABASE_URL": as_role(source_url), "SECRET_KEY": key}).start()
    try:
        secret = enrolled_with_authenticator(portal, "pat@example.com", "Pat Postgres")
        bearer = api_token(portal, "pat@example.com")
        status, _, body, _ = portal.request("POST", "/api/v1/accounts", json.dumps({"name": "Rosie's Bakery", "email": "rosie@example.com"}),
                                            headers=bearer)
        assert status == 201, body
        made = portal.cli("backup", "--to", backup, env={"PATH": path})
        assert made.returncode == 0, made.stdout + made.stderr
        assert "Backed up the PostgreSQL database" in made.stdout and "SECRET_KEY is set" in made.stdout, made.stdout
        assert password not in made.stdout + made.stderr, "the password is in the output"
    finally:
        portal.stop()
    log = open(calls).read()
    dump_line = next(line for line in log.splitlines() if line.startswith("pg_dump "))
    assert "--format=custom" in dump_line and password not in dump_line, dump_line
    assert f"PGPASSWORD={password}" in log, "pg_dump did not get the password in its environment"
    listed = subprocess.run(["tar", "-tf", backup], capture_output=True, text=True)
    assert listed.stdout.split() == ["portal-backup.json", "portal.pgdump"], listed.stdout + listed.stderr

    target = Portal(opts.portal, env={"DATABASE_URL": as_role(target_url)})
    # The key is not in the backup: without SECRET_KEY the restore says so and changes nothing.
    keyless = target.cli("restore", "--from", backup, env={"PATH": path})
    assert one_clear_line(keyless, "was made with SECRET_KEY set"), keyless.stdout + keyless.stderr
    target.env["SECRET_KEY"] = key
    restored = target.cli("restore", "--from", backup, env={"PATH": path})
    assert restored.returncode == 0 and "Restored the backup" in restored.stdout, restored.stdout + restored.stderr
    restore_line = next(line for line in open(calls).read().splitlines() if line.startswith("pg_restore "))
    assert password not in restore_line, restore_line
    again = target.cli("restore", "--from", backup, env={"PATH": path})
    assert one_clear_line(again, "is not empty"), again.stdout + again.stderr
    target.start()
    try:
        assert "Rosie's Bakery" in account_names(target, bearer)
        assert signs_in_with_authenticator(target, "pat@example.com", secret), "the authenticator app does not sign in on the copy"
    finally:
        target.stop()
    shutil.rmtree(shims, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--portal", required=True)
    parser.add_argument("--pg-url")
    parser.add_argument("--pg-stop", default="")
    parser.add_argument("--pg-start", default="")
    parser.add_argument("--psql", default="", help="psql, to make the fresh databases some checks need")
    parser.add_argument("--only")
    opts = parser.parse_args()
    opts.portal = os.path.abspath(opts.portal)
    passed = failed = 0
    for function in checks:
        if opts.only and opts.only not in function.__name__:
            continue
        started = time.time()
        try:
            function(opts)
            passed += 1
            print(f"PASS {function.__name__} ({time.time() - started:.1f}s)", flush=True)
        except Exception:
            failed += 1
            print(f"FAIL {function.__name__} ({time.time() - started:.1f}s)", flush=True)
            traceback.print_exc()
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
