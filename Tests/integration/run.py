"""Integration checks of the built `portal` binary, as a new user and an operator would meet it.

Each check is independent and named; the last line is `N passed, M failed`.
"""
import argparse
import base64
import json
import os
import shlex
import subprocess
import sys
import time
import traceback
import urllib.parse

try:
    import pyotp
except ImportError:
    sys.exit("run.py needs pyotp: .venv/bin/pip install -r Tests/requirements.txt")

from portal_process import RECOVERY_CODE, Portal, Session, SignIn, csrf_from, free_port, header, port_is_free, sql_rows
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
