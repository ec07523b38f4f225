#!/usr/bin/env python3
"""A mixed workload against the portal, one JSON line per request (standard library only).

Worker threads each sign in as one of the given operators and, until the time is up, pick
requests by weight: the accounts list, searches, account pages, tags and notes added through
the account page's forms (with the session's CSRF token), sign-ins, and API reads and writes
with a bearer token. Every write carries a marker of its own (a note "load-test marker <hex>",
a tag "lt-<hex>"), so that a checker can look for each one in the database afterwards.

Each request opens its own connection and sends `X-Load-Id`, which the proxy logs, so a record
can be tied to the instance that answered it. A record holds: id, kind, method, path (with the
account's uid), t0 and t1 (Unix seconds), status (or null), error (the exception, when no
response came), ack (the expected answer came), marker, account.

    workload.py --base http://127.0.0.1:56480 --host load.localhost --operators FILE \\
                --accounts FILE --terms FILE --duration 300 --workers 8 --out records.jsonl

--operators: lines "email<TAB>password<TAB>api-token"; --accounts: one business uid a line;
--terms: search words, one a line. Prints a short tally at the end; the checker judges.
"""
import argparse
import http.client
import json
import random
import re
import sys
import threading
import time
import urllib.parse
import uuid

CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]*)"|value="([^"]*)"[^>]*name="csrf_token"')

# Weights of each kind of request.
MIXES = {
    "failure": {"list": 16, "search": 12, "account": 18, "page_tag": 8, "page_note": 8, "signin": 2,
                "api_note": 12, "api_tag": 8, "api_list": 8, "api_account": 8},
    "soak": {"list": 18, "search": 14, "account": 22, "page_tag": 6, "page_note": 6, "signin": 2,
             "api_note": 8, "api_tag": 6, "api_list": 10, "api_account": 8},
}
NOTE_PREFIX = "load-test marker "
TAG_PREFIX = "lt-"


def csrf_from(page):
    match = CSRF_FIELD.search(page)
    if not match:
        return None
    import html
    return html.unescape(match.group(1) or match.group(2))


def set_cookies(response):
    found = {}
    for name, value in response.getheaders():
        if name.lower() == "set-cookie":
            key, _, rest = value.partition("=")
            found[key.strip()] = rest.split(";", 1)[0]
    return found


class Recorder:
    def __init__(self, path):
        self.file = open(path, "a", buffering=1)
        self.lock = threading.Lock()
        self.tally = {}

    def write(self, record):
        line = json.dumps(record, separators=(",", ":"))
        with self.lock:
            self.file.write(line + "\n")
            key = (record["kind"], "ok" if record["ack"] else (str(record["status"]) if record["status"] else record["error"].split(":")[0]))
            self.tally[key] = self.tally.get(key, 0) + 1


class Worker(threading.Thread):
    def __init__(self, number, opts, operator, accounts, terms, recorder, stop_at):
        super().__init__(daemon=True)
        self.number, self.opts, self.operator = number, opts, operator
        self.accounts, self.terms, self.recorder, self.stop_at = accounts, terms, recorder, stop_at
        self.random = random.Random(opts.seed * 1000 + number)
        self.session = None   # portal_session cookie value
        self.csrf = None
        url = urllib.parse.urlparse(opts.base)
        self.address = (url.hostname, url.port or 80)
        mix = MIXES[opts.mix]
        self.kinds, self.weights = list(mix), list(mix.values())

    # -- one request, recorded ------------------------------------------------------------

    def send(self, kind, method, path, body=None, headers=None, expect=(200,), marker=None, account=None, location=None):
        request_id = uuid.uuid4().hex
        all_headers = {"Host": self.opts.host, "Connection": "close", "X-Load-Id": request_id, "User-Agent": "portal-load-test"}
        all_headers.update(headers or {})
        status, error, response, data = None, None, None, b""
        t0 = time.time()
        connection = http.client.HTTPConnection(*self.address, timeout=self.opts.timeout)
        try:
            connection.request(method, path, body=body, headers=all_headers)
            response = connection.getresponse()
            data = response.read()
            status = response.status
        except Exception as exception:  # every failure is a record, never a crash of the worker
            error = f"{type(exception).__name__}: {str(exception)[:120]}"
        finally:
            connection.close()
        t1 = time.time()
        ack = status in expect
        if ack and location is not None:
            ack = location in (response.getheader("Location") or "")
        self.recorder.write({"id": request_id, "kind": kind, "method": method, "path": path, "t0": round(t0, 4), "t1": round(t1, 4),
                             "status": status, "error": error, "ack": ack, "marker": marker, "account": account, "worker": self.number})
        return status, response, data, ack

    def page_headers(self, form=False):
        headers = {"Accept": "text/html"}
        if self.session:
            headers["Cookie"] = f"portal_session={self.session}"
        if form:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        return headers

    def api_headers(self, json_body=False):
        headers = {"Authorization": f"Bearer {self.operator['token']}", "Accept": "application/json"}
        if json_body:
            headers["Content-Type"] = "application/json"
        return headers

    # -- the kinds of request ---------------------------------------------------------------

    def sign_in(self):
        status, response, data, ack = self.send("signin_form", "GET", "/sign-in", headers={"Accept": "text/html"})
        if not ack:
            return False
        cookie = set_cookies(response).get("portal_csrf")
        token = csrf_from(data.decode("utf-8", "replace"))
        if not cookie or not token:
            return False
        form = urllib.parse.urlencode({"email": self.operator["email"], "password": self.operator["password"], "csrf_token": token})
        status, response, data, ack = self.send("signin", "POST", "/sign-in", body=form, expect=(303,),
                                                headers={"Cookie": f"portal_csrf={cookie}", "Content-Type": "application/x-www-form-urlencoded"})
        session = set_cookies(response).get("portal_session") if response is not None else None
        if not ack or not session:
            return False
        self.session, self.csrf = session, None
        return True

    def ensure_session(self):
        if self.session and self.csrf:
            return True
        if not self.session and not self.sign_in():
            return False
        status, response, data, ack = self.send("list", "GET", "/accounts", headers=self.page_headers())
        if ack:
            self.csrf = csrf_from(data.decode("utf-8", "replace"))
        elif status in (302, 303):
            self.session = None  # signed out (expired): sign in again next time
        return bool(self.csrf)

    def pick_account(self):
        return self.random.choice(self.accounts)

    def run_one(self, kind):
        if kind == "signin":
            self.sign_in()
            return
        if kind.startswith("api_"):
            uid = self.pick_account()
            if kind == "api_list":
                self.send(kind, "GET", "/api/v1/accounts?limit=20", headers=self.api_headers())
            elif kind == "api_account":
                self.send(kind, "GET", f"/api/v1/accounts/{uid}", headers=self.api_headers(), account=uid)
            elif kind == "api_note":
                marker = uuid.uuid4().hex
                body = json.dumps({"body": NOTE_PREFIX + marker})
                self.send(kind, "POST", f"/api/v1/accounts/{uid}/notes", body=body, headers=self.api_headers(True), expect=(201,), marker=marker, account=uid)
            elif kind == "api_tag":
                marker = uuid.uuid4().hex
                body = json.dumps({"tag": TAG_PREFIX + marker})
                self.send(kind, "POST", f"/api/v1/accounts/{uid}/tags", body=body, headers=self.api_headers(True), expect=(200,), marker=marker, account=uid)
            return
        if not self.ensure_session():
            time.sleep(0.5)  # the portal or its database is away: do not spin
            return
        uid = self.pick_account()
        if kind == "list":
            path = self.random.choice(["/accounts", "/accounts?status=active", "/accounts?status=locked"])
            status, *_ = self.send(kind, "GET", path, headers=self.page_headers())
        elif kind == "search":
            term = urllib.parse.quote(self.random.choice(self.terms))
            status, *_ = self.send(kind, "GET", f"/accounts?q={term}", headers=self.page_headers())
        elif kind == "account":
            status, *_ = self.send(kind, "GET", f"/accounts/{uid}", headers=self.page_headers(), account=uid)
        elif kind in ("page_tag", "page_note"):
            marker = uuid.uuid4().hex
            field, value, route = ("tag", TAG_PREFIX + marker, "tags") if kind == "page_tag" else ("note", NOTE_PREFIX + marker, "notes")
            form = urllib.parse.urlencode({field: value, "csrf_token": self.csrf})
            status, *_ = self.send(kind, "POST", f"/accounts/{uid}/{route}", body=form, headers=self.page_headers(form=True),
                                   expect=(303,), marker=marker, account=uid, location=f"/accounts/{uid}")
        else:
            raise ValueError(kind)
        if status in (302, 303) and kind not in ("page_tag", "page_note"):
            self.session = None
        if status == 403 and kind in ("page_tag", "page_note"):
            self.csrf = None

    def run(self):
        while time.time() < self.stop_at:
            self.run_one(self.random.choices(self.kinds, self.weights)[0])
            if self.opts.think:
                time.sleep(self.random.uniform(0, 2 * self.opts.think))


def read_lines(path):
    with open(path) as handle:
        return [line.rstrip("\n") for line in handle if line.strip()]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", required=True, help="http://127.0.0.1:PORT of the proxy or the instance")
    parser.add_argument("--host", required=True, help="Host header: the partner's domain")
    parser.add_argument("--operators", required=True)
    parser.add_argument("--accounts", required=True)
    parser.add_argument("--terms", required=True)
    parser.add_argument("--duration", type=float, default=300)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--think", type=float, default=0.02, help="mean pause between a worker's requests, seconds")
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("--mix", choices=sorted(MIXES), default="failure")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", required=True)
    opts = parser.parse_args()

    operators = []
    for line in read_lines(opts.operators):
        email, password, token = line.split("\t")
        operators.append({"email": email, "password": password, "token": token})
    accounts, terms = read_lines(opts.accounts), read_lines(opts.terms)
    if not operators or not accounts or not terms:
        sys.exit("workload.py: operators, accounts and terms must not be empty")
    recorder = Recorder(opts.out)
    stop_at = time.time() + opts.duration
    workers = [Worker(n, opts, operators[n % len(operators)], accounts, terms, recorder, stop_at) for n in range(opts.workers)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(opts.duration + opts.timeout + 30)
    total = sum(recorder.tally.values())
    print(f"workload: {total} requests in {opts.duration:.0f} s ({total / opts.duration:.1f}/s) by {opts.workers} workers")
    for (kind, outcome), count in sorted(recorder.tally.items()):
        print(f"  {kind:<12} {outcome:<28} {count}")


if __name__ == "__main__":
    main()
