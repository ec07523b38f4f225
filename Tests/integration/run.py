"""Integration checks of the built `portal` binary, as a new user and an operator would meet it.

Each check is independent and named; the last line is `N passed, M failed`.
"""
import argparse
import json
import os
import shlex
import subprocess
import sys
import time
import traceback
import urllib.parse

from portal_process import Portal, Session, csrf_from, free_port, port_is_free
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
        browser = Session(portal)
        status, _, page = browser.get(path)
        assert status == 200 and "Create the first admin" in page, status
        status, headers, _ = browser.post(path, {"name": "Grace Hopper", "email": "grace@example.com", "password": PASSWORD,
                                                 "password_confirmation": PASSWORD, "csrf_token": csrf_from(page)})
        assert status == 303, f"setup returned {status}"
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
        # The operator signs in on the partner's domain.
        browser = Session(portal, host="portal.globex.test")
        _, _, page = browser.get("/sign-in")
        status, _, _ = browser.post("/sign-in", {"email": "hank@globex.test", "password": PASSWORD, "csrf_token": csrf_from(page)})
        assert status == 303, status
        # Without --password-stdin a setup link is printed.
        invited = portal.cli("operator", "create", "--partner", "globex", "--email", "ivy@globex.test", "--name", "Ivy", "--role", "support")
        assert invited.returncode == 0 and "/setup/" in invited.stdout, invited.stdout + invited.stderr
        # A wrong value is one clear line, and a non-zero exit.
        bad = portal.cli("operator", "create", "--partner", "globex", "--email", "x@globex.test", "--name", "X", "--role", "emperor")
        assert bad.returncode != 0 and "Unknown role" in bad.stderr and "Fatal error" not in bad.stderr, bad.stderr
    finally:
        portal.stop()


@check
def unreachable_database_url_exits_with_one_clear_line(opts):
    portal = Portal(opts.portal, env={"DATABASE_URL": "postgres://portal:secret@127.0.0.1:1/portal"})
    result = subprocess.run([opts.portal, "serve", "--port", "0"], cwd=portal.workdir, env=portal.env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0, "serve did not fail"
    lines = [line for line in result.stderr.strip().splitlines() if line.startswith("portal:")]
    assert len(lines) == 1 and "cannot reach the database" in lines[0], result.stderr
    assert "secret" not in result.stderr, "password leaked into the message"
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


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--portal", required=True)
    parser.add_argument("--pg-url")
    parser.add_argument("--pg-stop", default="")
    parser.add_argument("--pg-start", default="")
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
