#!/usr/bin/env python3
"""Helper of scripts/bench (standard library only): signs operators in through the browser
forms (password, then an authenticator app enrolled on the way), gives the bench's operators
their grants through /api/v1, measures pages (the server's own time from its Server-Timing
header on one keep-alive connection; requests per second with wrk at 32 connections), and
prints the one table.

Every subcommand prints figures; none of them judges them beyond printing the targets.
"""
import argparse
import base64
import hashlib
import hmac
import html
import http.client
import json
import os
import re
import statistics
import struct
import subprocess
import sys
import time
import urllib.parse


# ---------------------------------------------------------------------------------------------
# HTTP: one keep-alive connection with a cookie jar


class Browser:
    """A keep-alive HTTP/1.1 connection to the portal that keeps the cookies it is given,
    sending the partner's Host header."""

    def __init__(self, port, host, cookie=""):
        self.port, self.host = port, host
        self.cookies = dict(part.split("=", 1) for part in cookie.split("; ") if "=" in part)
        self.conn = None

    def cookie_header(self):
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def request(self, method, path, body=None, headers=None, keep_cookies=True):
        """Returns (status, headers, body bytes)."""
        all_headers = {"Host": self.host, "Accept": "text/html"}
        if self.cookies:
            all_headers["Cookie"] = self.cookie_header()
        all_headers.update(headers or {})
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            try:
                self.conn.request(method, path, body=body, headers=all_headers)
                response = self.conn.getresponse()
                data = response.read()
                if keep_cookies:
                    self._absorb(response.headers)
                if response.getheader("Connection", "").lower() == "close":
                    self.close()
                return response.status, response.headers, data
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if attempt == 2:
                    raise

    def _absorb(self, headers):
        for value in headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            content = rest.split(";", 1)[0]
            if content and "max-age=0" not in value.lower():
                self.cookies[name.strip()] = content
            else:
                self.cookies.pop(name.strip(), None)

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post_form(self, path, fields):
        return self.request("POST", path, body=urllib.parse.urlencode(fields),
                            headers={"Content-Type": "application/x-www-form-urlencoded"})

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]*)"|value="([^"]*)"[^>]*name="csrf_token"')
TOTP_SECRET = re.compile(r'id="totp-secret"[^>]*>([A-Z2-7 ]+)<')


def csrf_token(page):
    match = CSRF_FIELD.search(page)
    return html.unescape(match.group(1) or match.group(2)) if match else ""


def fail(message):
    sys.exit(f"bench_pages: {message}")


# ---------------------------------------------------------------------------------------------
# Signing in, second factor included


def totp(secret, at=None):
    """The 6-digit code an authenticator app shows for a base32 key (RFC 6238: SHA-1, 30 s)."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


def sign_in(port, host, email, password):
    """Signs in through the forms. An operator without a second factor enrols an authenticator
    app on the way (the partner's default policy requires one): the code is computed from the
    key the enrolment page shows. Returns the Cookie header of the signed-in browser."""
    browser = Browser(port, host)
    status, _, body = browser.get("/sign-in")
    token = csrf_token(body.decode("utf-8", "replace"))
    if status != 200 or not token:
        fail(f"GET /sign-in answered {status}, without a csrf_token field")
    status, headers, body = browser.post_form("/sign-in", {"email": email, "password": password, "csrf_token": token})
    location = headers.get("Location", "")
    if status not in (302, 303):
        fail(f"POST /sign-in for {email} answered {status}: {body[:200]!r}")
    if location == "/sign-in/enrol":
        status, _, body = browser.get("/sign-in/enrol")
        status, headers, _ = browser.post_form("/sign-in/enrol", {"method": "totp", "csrf_token": csrf_token(body.decode("utf-8", "replace"))})
        if status != 303 or headers.get("Location") != "/sign-in/code":
            fail(f"choosing an authenticator app answered {status} to {headers.get('Location')}")
        status, _, body = browser.get("/sign-in/code")
        page = body.decode("utf-8", "replace")
        match = TOTP_SECRET.search(page)
        if status != 200 or not match:
            fail(f"GET /sign-in/code answered {status}, without the authenticator key")
        code = totp(match.group(1).replace(" ", ""))
        status, headers, body = browser.post_form("/sign-in/code", {"code": code, "csrf_token": csrf_token(page) or browser.cookies.get("portal_csrf", "")})
        if status not in (200, 302, 303):
            fail(f"POST /sign-in/code for {email} answered {status}: {body[:200]!r}")
    elif location not in ("/", ""):
        fail(f"POST /sign-in for {email} led to {location}, which this helper does not know")
    status, headers, _ = browser.get("/")
    if status != 200:
        fail(f"after signing in, GET / answered {status} (Location: {headers.get('Location')})")
    browser.close()
    return browser.cookie_header()


def cmd_signin(args):
    print(sign_in(args.port, args.host, args.email, open(args.password_file).read().strip()))


# ---------------------------------------------------------------------------------------------
# Grants through /api/v1


class API:
    def __init__(self, port, host, token):
        self.browser = Browser(port, host)
        self.token = token

    def call(self, method, path, payload=None):
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        body = None
        if payload is not None:
            body = json.dumps(payload)
            headers["Content-Type"] = "application/json"
        status, _, data = self.browser.request(method, "/api/v1" + path, body=body, headers=headers, keep_cookies=False)
        if status >= 300:
            fail(f"{method} /api/v1{path} answered {status}: {data[:300].decode('utf-8', 'replace')}")
        return json.loads(data) if data else None

    def operator_id(self, email):
        found = [op for op in self.call("GET", "/operators?q=" + urllib.parse.quote(email)) if op["email"].lower() == email.lower()]
        if len(found) != 1:
            fail(f"GET /api/v1/operators finds {len(found)} operators with the email {email}")
        return found[0]["id"]


# The mixed operator's roles, as a regional manager might hold them: 14 over cities, 3 over
# single accounts, the assigned accounts, and two partner-wide roles without account permissions.
GROUP_ROLES = ["support", "web-consultant", "campaign-manager", "designer", "sales", "account-manager", "account-admin",
               "viewer", "messaging-agent", "support-secure", "viewer-secure", "account-admin-secure", "sales-secure",
               "messaging-agent-secure"]
ACCOUNT_ROLES = ["support", "web-consultant-secure", "designer"]
PARTNER_WIDE_ROLES = ["marketing", "notifications"]


def lines(path):
    return [line.strip() for line in open(path) if line.strip()]


def cmd_grants(args):
    """Gives the group-scoped operator Account Admin over one region, and the mixed operator
    its 20 grants; assigns the mixed operator to accounts no one is assigned to."""
    api = API(args.port, args.host, open(args.token_file).read().strip())
    regions = lines(args.regions)                            # region ids
    cities = [line.split() for line in lines(args.cities)]   # city id, region id
    accounts = lines(args.accounts)                          # account ids for the account grants
    unassigned = lines(args.unassigned)                      # Business UIDs without assignments
    group_region = regions[0]
    # Cities spread over the other regions, a different region for each grant where possible.
    others = [city for city in cities if city[1] != group_region]
    by_region = {}
    for city, region in others:
        by_region.setdefault(region, []).append(city)
    spread = []
    while len(spread) < len(GROUP_ROLES) and any(by_region.values()):
        for region in sorted(by_region):
            if by_region[region] and len(spread) < len(GROUP_ROLES):
                spread.append(by_region[region].pop(0))
    # A small partner has fewer cities than roles: a city then takes more than one role.
    spread += [spread[index % len(spread)] for index in range(len(GROUP_ROLES) - len(spread))] if spread else []
    if not spread or len(accounts) < len(ACCOUNT_ROLES) or len(unassigned) < args.assignments:
        fail("not enough cities, accounts or unassigned accounts for the mixed grants")

    group_operator = api.operator_id(args.group_email)
    granted = api.call("PUT", f"/operators/{group_operator}/grants",
                       {"grants": [{"role": "account-admin", "scope": f"group:{group_region}"}]})
    print(f"  {args.group_email}: {len(granted)} grant, account-admin over one region ({group_region})")

    mixed = ([{"role": role, "scope": f"group:{city}"} for role, city in zip(GROUP_ROLES, spread)]
             + [{"role": role, "scope": f"account:{account}"} for role, account in zip(ACCOUNT_ROLES, accounts)]
             + [{"role": "account-manager", "scope": "assigned"}]
             + [{"role": role, "scope": "all"} for role in PARTNER_WIDE_ROLES])
    mixed_operator = api.operator_id(args.mixed_email)
    granted = api.call("PUT", f"/operators/{mixed_operator}/grants", {"grants": mixed})
    if len(granted) != len(mixed):
        fail(f"the mixed operator holds {len(granted)} grants, {len(mixed)} were given")
    for uid in unassigned[:args.assignments]:
        api.call("PUT", f"/accounts/{urllib.parse.quote(uid)}/assignments", {"operatorIds": [mixed_operator]})
    spread_regions = {region for city, region in others if city in spread}
    print(f"  {args.mixed_email}: {len(granted)} grants ({len(spread)} over {len(set(spread))} cities in {len(spread_regions)} regions, "
          f"{len(ACCOUNT_ROLES)} over single accounts, account-manager over {args.assignments} assigned accounts, "
          f"{', '.join(PARTNER_WIDE_ROLES)} partner-wide)")


# ---------------------------------------------------------------------------------------------
# Search terms


# The words of the demonstration data's names (Sources/App/Demo/DemoData.swift): searches for
# them find accounts, as a person's searches do.
ADJECTIVES = ["Golden", "Little", "Urban", "Bright", "Quiet", "Happy", "Blue", "Green", "Royal", "Old Town", "Riverside",
              "North Star", "Copper", "Velvet", "Harbour", "Maple", "Sunny", "Silver", "Wild", "Corner"]
KINDS = ["Bakery", "Barbers", "Yoga Studio", "Dental Clinic", "Physio", "Nail Bar", "Gym", "Tattoo Studio", "Spa",
         "Driving School", "Pet Grooming", "Music School", "Photography", "Massage", "Beauty Salon", "Climbing Gym",
         "Bike Repair", "Vet Clinic", "Hair Studio", "Pilates"]
CITIES = ["Aberdeen", "Bristol", "Cork", "Dundee", "Exeter", "Fife", "Galway", "Hull", "Inverness", "Jersey", "Kent",
          "Leeds", "Malmö", "Nantes", "Oslo", "Porto", "Québec", "Rennes", "Seville", "Turku", "Utrecht", "Valencia",
          "Wexford", "York", "Zagreb", "Antwerp", "Bergen", "Cádiz", "Delft", "Espoo"]


def fresh_terms():
    """Distinct search terms, none repeated: names as people type them ("golden bakery",
    "bakery exeter"), then pieces of words, then four digits of a phone number."""
    terms, seen = [], set()

    def add(term):
        if term not in seen:
            seen.add(term)
            terms.append(term)
    for adjective in ADJECTIVES:
        for kind in KINDS:
            add(f"{adjective} {kind}".lower())
    for kind in KINDS:
        for city in CITIES:
            add(f"{kind} {city}".lower())
    for word in ADJECTIVES + KINDS + CITIES:
        word = word.lower()
        for length in (7, 6, 5, 4):
            for start in range(0, len(word) - length + 1):
                if " " not in word[start:start + length]:
                    add(word[start:start + length])
    for number in range(10, 10_000):
        add(f"{number:04d}")
    return terms


# ---------------------------------------------------------------------------------------------
# Measuring


def server_ms(headers):
    """The server's own time for a request, from its `Server-Timing: app;dur=…` header."""
    match = re.search(r"app;dur=([\d.]+)", headers.get("Server-Timing", "") or "")
    return float(match.group(1)) if match else None


def percentile(values, fraction):
    """Nearest-rank percentile of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, -(-int(fraction * len(ordered) * 1000) // 1000))
    return ordered[min(rank, len(ordered)) - 1]


def run_wrk(port, host, cookie, paths, connections, threads, seconds):
    """wrk over loopback. One path: every request asks for it; several: each request takes the
    next, thread t taking paths t, t + threads, t + 2 × threads, … so that none is asked twice
    while the list lasts. Returns (requests per second, requests, non-2xx answers, socket errors)."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s",
               "-H", f"Host: {host}", "-H", "Accept: text/html"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    script = None
    if len(paths) > 1:
        script = f"/tmp/bench-pages-wrk-{os.getpid()}.lua"
        with open(script, "w") as out:
            out.write("local paths = {" + ",".join(json.dumps(p) for p in paths) + "}\n")
            out.write(f"local threads = {threads}\nlocal created = 0\n")
            out.write("function setup(thread) thread:set('first', created); created = created + 1 end\n")
            out.write("function init(args) n = first or 0 end\n")
            out.write("function request() local path = paths[(n % #paths) + 1]; n = n + threads; return wrk.format(nil, path) end\n")
        command += ["-s", script]
    command.append(f"http://127.0.0.1:{port}{paths[0]}")
    try:
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    finally:
        if script:
            os.remove(script)

    def number(pattern, cast=float):
        match = re.search(pattern, output)
        return cast(match.group(1)) if match else None
    errors = re.search(r"Socket errors: (.*)", output)
    return (number(r"Requests/sec:\s+([\d.]+)") or 0.0, number(r"(\d+) requests in", int) or 0,
            number(r"Non-2xx or 3xx responses: (\d+)", int) or 0, errors.group(1) if errors else "")


MIN_SAMPLES = 30


def cmd_measure(args):
    """Each row of the rows file (`label<TAB>path`, `{term}` in a path taking a new search term
    on every request): one check that it answers 200, then `--requests` sequential requests on
    one keep-alive connection (the server's time from Server-Timing), then wrk."""
    browser = Browser(args.port, args.host, args.cookie)
    terms = fresh_terms()
    used = 0
    results = []
    for line in lines(args.rows):
        label, path = line.split("\t", 1)
        fresh = "{term}" in path

        def at(number):
            return path.replace("{term}", urllib.parse.quote(terms[(used + number) % len(terms)])) if fresh else path
        status, headers, body = browser.get(at(0))
        if status != 200:
            fail(f"{label}: GET {at(0)} answered {status} (Location: {headers.get('Location')}); is the session valid?")
        size = len(body)
        samples = []
        number, deadline = 0, None
        # Up to --requests samples, or fewer for a slow page once --max-seconds have passed
        # (never fewer than MIN_SAMPLES), so that a whole run stays short.
        while len(samples) < args.requests and (deadline is None or time.monotonic() < deadline or len(samples) < MIN_SAMPLES):
            number += 1
            status, headers, body = browser.get(at(number))
            if status != 200:
                fail(f"{label}: GET {at(number)} answered {status} during the timing loop")
            if number == args.warmup:
                deadline = time.monotonic() + args.max_seconds
            elif number > args.warmup:
                duration = server_ms(headers)
                if duration is None:
                    fail(f"{label}: no Server-Timing header in the answer")
                samples.append(duration)
        requests_made = number + 1
        if fresh:
            used += requests_made
            paths = [path.replace("{term}", urllib.parse.quote(term)) for term in terms[used:] + terms[:used]]
        else:
            paths = [path]
        rps, count, non2xx, errors = run_wrk(args.port, args.host, args.cookie if label != "healthz" else "", paths,
                                             args.connections, args.threads, args.seconds)
        if fresh:
            used += count
        results.append({"operator": args.operator, "label": label, "path": path, "bytes": size, "samples": len(samples),
                        "p50": statistics.median(samples), "p95": percentile(samples, 0.95), "max": max(samples),
                        "rps": rps, "requests": count, "non2xx": non2xx, "errors": errors, "terms_wrapped": fresh and used > len(terms)})
        print(f"  {args.operator:<9} {label:<17} {rps:9.1f} req/s  server p50 {results[-1]['p50']:6.2f} ms  p95 {results[-1]['p95']:6.2f} ms  "
              f"{size:8,} bytes{'  non-2xx: ' + str(non2xx) if non2xx else ''}{'  socket errors: ' + errors if errors else ''}", flush=True)
    # The session must still be valid: a redirect to /sign-in would count as a 3xx and go unnoticed by wrk.
    status, headers, _ = browser.get("/")
    if status != 200:
        fail(f"after the rows, GET / answered {status} (Location: {headers.get('Location')}): the session ended during the run")
    browser.close()
    with open(args.json, "w") as out:
        json.dump(results, out, indent=1)


def cmd_terms(args):
    with open(args.out, "w") as out:
        out.write("\n".join(fresh_terms()) + "\n")


# ---------------------------------------------------------------------------------------------
# The table


DATABASE_TITLES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
LIST_LABELS = {"list-first", "list-last", "search", "search-new"}


def targets(label, database):
    """(minimum req/s or None, maximum server p95 in ms or None, p95 within this many ms of raw or None)."""
    sqlite = database == "sqlite"
    if label == "healthz":
        return None, None, None
    if label == "home":
        return 3000, 5, None
    if label in ("list-first", "list-last"):
        return (1000 if sqlite else 600), None, 1
    if label == "search":
        return (500 if sqlite else 300), None, 1
    if label == "search-new":
        return (500 if sqlite else 300), 10, 1
    return None, 5, None


def cmd_table(args):
    rows = []
    for database in args.databases:
        for name in sorted(os.listdir(args.dir)):
            if name.startswith(f"{database}-pages-") and name.endswith(".json"):
                operator = name[len(f"{database}-pages-"):-len(".json")]
                raw_path = os.path.join(args.dir, f"{database}-raw-{operator}.json")
                raw = {item["label"]: item for item in json.load(open(raw_path))} if os.path.exists(raw_path) else {}
                for item in json.load(open(os.path.join(args.dir, name))):
                    rows.append((database, item, raw.get(item["label"])))
    if not rows:
        fail(f"no results in {args.dir}")
    healthz = {database: item["rps"] for database, item, _ in rows if item["label"] == "healthz"}
    order = {"admin": 0, "group": 1, "mixed": 2}
    rows.sort(key=lambda row: (args.databases.index(row[0]), row[1]["label"] != "healthz", order.get(row[1]["operator"], 9)))

    header = (f"{'database':<10} {'operator':<9} {'page':<17} {'req/s':>8} {'of /healthz':>11} {'n':>4} {'p50 ms':>7} {'p95 ms':>7} "
              f"{'bytes':>8} {'raw p50':>8} {'raw p95':>8} {'p95-raw':>8} {'p95/raw':>8}  target")
    print(header)
    print("-" * len(header))
    last_database = None
    for database, item, raw in rows:
        if last_database is not None and database != last_database:
            print()
        last_database = database
        rps_target, p95_target, raw_target = targets(item["label"], database)
        share = item["rps"] / healthz[database] * 100 if healthz.get(database) else 0
        cells = [f"{DATABASE_TITLES.get(database, database):<10}", f"{item['operator']:<9}", f"{item['label']:<17}",
                 f"{item['rps']:8,.0f}", f"{share:10.1f}%", f"{item['samples']:4}", f"{item['p50']:7.2f}", f"{item['p95']:7.2f}", f"{item['bytes']:8,}"]
        if raw:
            cells += [f"{raw['p50']:8.2f}", f"{raw['p95']:8.2f}", f"{item['p95'] - raw['p95']:+8.2f}",
                      f"{item['p95'] / raw['p95']:7.1f}x" if raw["p95"] > 0 else f"{'':>8}"]
        else:
            cells += [f"{'':>8}"] * 4
        wanted, missed = [], []
        if rps_target:
            wanted.append(f">= {rps_target:,} req/s")
            if item["rps"] < rps_target:
                missed.append("req/s")
        if p95_target:
            wanted.append(f"p95 < {p95_target} ms")
            if item["p95"] >= p95_target:
                missed.append("p95")
        if raw_target:
            wanted.append(f"p95 within {raw_target} ms of raw")
            if not raw or item["p95"] - raw["p95"] > raw_target:
                missed.append("vs raw")
        verdict = "" if not wanted else ("met" if not missed else "MISSED " + ", ".join(missed))
        notes = []
        if item["non2xx"]:
            notes.append(f"{item['non2xx']} non-2xx")
        if item["errors"]:
            notes.append(f"socket errors {item['errors']}")
        if item.get("terms_wrapped"):
            notes.append("terms repeated")
        print(" ".join(cells) + "  " + "; ".join(wanted) + (f": {verdict}" if verdict else "") + (f" ({'; '.join(notes)})" if notes else ""))


# ---------------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    def http_args(p):
        p.add_argument("--port", type=int, required=True)
        p.add_argument("--host", required=True, help="the partner's host name, sent as Host")

    p = sub.add_parser("signin", help="sign an operator in (enrolling an authenticator app if needed); prints the Cookie header")
    http_args(p)
    p.add_argument("--email", required=True)
    p.add_argument("--password-file", required=True)
    p.set_defaults(run=cmd_signin)

    p = sub.add_parser("grants", help="give the group-scoped and the mixed operator their grants through /api/v1")
    http_args(p)
    p.add_argument("--token-file", required=True)
    p.add_argument("--group-email", required=True)
    p.add_argument("--mixed-email", required=True)
    p.add_argument("--regions", required=True, help="file of region group ids, one a line")
    p.add_argument("--cities", required=True, help="file of `city-id region-id` lines")
    p.add_argument("--accounts", required=True, help="file of account ids for the account-scoped grants")
    p.add_argument("--unassigned", required=True, help="file of Business UIDs of accounts no one is assigned to")
    p.add_argument("--assignments", type=int, default=50)
    p.set_defaults(run=cmd_grants)

    p = sub.add_parser("measure", help="measure each row of a rows file; writes JSON")
    http_args(p)
    p.add_argument("--cookie", required=True)
    p.add_argument("--operator", required=True, help="the operator's label in the table")
    p.add_argument("--rows", required=True, help="file of `label<TAB>path` lines")
    p.add_argument("--requests", type=int, default=200)
    p.add_argument("--warmup", type=int, default=10)
    p.add_argument("--max-seconds", type=float, default=2.0, help="stop sampling a page after this long (at least 30 samples)")
    p.add_argument("--connections", type=int, default=32)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seconds", type=int, default=5)
    p.add_argument("--json", required=True)
    p.set_defaults(run=cmd_measure)

    p = sub.add_parser("terms", help="write the search terms, one a line")
    p.add_argument("--out", required=True)
    p.set_defaults(run=cmd_terms)

    p = sub.add_parser("table", help="print the one table from the JSON files of a run")
    p.add_argument("--dir", required=True)
    p.add_argument("--databases", nargs="+", required=True)
    p.set_defaults(run=cmd_table)

    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
