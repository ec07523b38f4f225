#!/usr/bin/env python3
"""Helper of scripts/bench-workspace (standard library only): signs an operator in, times the
login-as round trip (the account page, the login-as, the workspace dashboard) and the sign-out
as, times the public business page and the widget script sequentially and with wrk while
watching the portal's memory, and shows the SQL each of those requests runs (from the portal's
debug log) with its query plans.

Every subcommand prints figures; none of them judges them.
"""
import argparse
import html
import http.client
import json
import os
import re
import shlex
import statistics
import subprocess
import sys
import time
import urllib.parse

sys.dont_write_bytecode = True   # no __pycache__ in the checkout
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# The debug log's SQL and its binds, made runnable as they are (shared with the accounts benchmark).
from bench_accounts import log_queries, substitute  # noqa: E402


# ---------------------------------------------------------------------------------------------
# HTTP over one keep-alive connection


class Client:
    """A keep-alive HTTP/1.1 connection to the portal, sending the partner's Host header and
    the cookies in `self.cookies` (name -> value), as a browser on that host would."""

    def __init__(self, port, host, cookies=None):
        self.port, self.host = port, host
        self.cookies = dict(cookies or {})
        self.conn = None

    def request(self, method, path, body=None, headers=None):
        """Returns (status, headers, body bytes)."""
        all_headers = {"Host": self.host, "Accept": "text/html"}
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        all_headers.update(headers or {})
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            try:
                self.conn.request(method, path, body=body, headers=all_headers)
                response = self.conn.getresponse()
                data = response.read()
                if response.getheader("Connection", "").lower() == "close":
                    self.close()
                return response.status, response.headers, data
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if attempt == 2:
                    raise

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post_form(self, path, fields):
        body = urllib.parse.urlencode(fields)
        return self.request("POST", path, body=body, headers={"Content-Type": "application/x-www-form-urlencoded"})

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def set_cookies(headers):
    """name -> (value, expired?) of every Set-Cookie header."""
    found = {}
    for value in headers.get_all("Set-Cookie") or []:
        name, _, rest = value.partition("=")
        cookie_value, _, attributes = rest.partition(";")
        expired = re.search(r"max-age=0\b|expires=[^;]*1970", attributes, re.I) is not None
        found[name.strip()] = (cookie_value, expired)
    return found


CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]*)"|value="([^"]*)"[^>]*name="csrf_token"')


def csrf_token(page):
    match = CSRF_FIELD.search(page)
    return html.unescape(match.group(1) or match.group(2)) if match else None


def sign_in(port, host, email, password):
    client = Client(port, host)
    status, headers, body = client.get("/sign-in")
    cookies = set_cookies(headers)
    token = csrf_token(body.decode("utf-8", "replace"))
    if status != 200 or not token or "portal_csrf" not in cookies:
        sys.exit(f"GET /sign-in answered {status}; no csrf_token field or portal_csrf cookie")
    client.cookies["portal_csrf"] = cookies["portal_csrf"][0]
    status, headers, body = client.post_form("/sign-in", {"email": email, "password": password, "csrf_token": token})
    session = set_cookies(headers).get("portal_session")
    if status not in (302, 303) or not session:
        sys.exit(f"POST /sign-in answered {status} (Location: {headers.get('Location')}); no portal_session cookie. "
                 f"Body: {body[:300]!r}")
    client.close()
    return f"portal_session={session[0]}"


def cookie_jar(text):
    """`a=1; b=2` -> {"a": "1", "b": "2"}"""
    jar = {}
    for part in text.split(";"):
        name, _, value = part.strip().partition("=")
        if name:
            jar[name] = value
    return jar


# ---------------------------------------------------------------------------------------------
# Figures


def percentile(values, fraction):
    """Nearest-rank percentile of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, int(round(fraction * len(ordered) + 0.4999)))
    return ordered[min(rank, len(ordered)) - 1]


def figures(samples_ms):
    return {
        "n": len(samples_ms),
        "min": min(samples_ms),
        "p50": statistics.median(samples_ms),
        "p95": percentile(samples_ms, 0.95),
        "p99": percentile(samples_ms, 0.99),
        "max": max(samples_ms),
        "mean": statistics.fmean(samples_ms),
    }


def server_ms(headers):
    """The server's own time for a request, from its `Server-Timing: app;dur=…` header."""
    match = re.search(r"app;dur=([\d.]+)", headers.get("Server-Timing", "") or "")
    return float(match.group(1)) if match else None


class CpuMeter:
    """Cores used while it runs: by the portal, by the PostgreSQL server (the postmaster and its
    children) when given, by this script and its children (wrk), and by the rest of the machine."""
    TICKS = os.sysconf("SC_CLK_TCK")

    def __init__(self, pid, db_pid=None):
        self.pid, self.db_pid = pid, db_pid

    @staticmethod
    def _machine():
        values = [int(v) for v in open("/proc/stat").readline().split()[1:]]
        idle = values[3] + (values[4] if len(values) > 4 else 0)
        return sum(values[:8]) - idle

    @staticmethod
    def _stat(pid):
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        return int(fields[1]), int(fields[11]) + int(fields[12]), int(fields[13]) + int(fields[14])

    def _database(self):
        if not self.db_pid:
            return 0
        _, own, reaped = self._stat(self.db_pid)
        total = own + reaped
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    ppid, used, _ = self._stat(entry)
                except (OSError, IndexError, ValueError):
                    continue
                if ppid == self.db_pid:
                    total += used
        return total

    def _sample(self):
        children = os.times()
        return (time.monotonic(), self._machine(), self._stat(self.pid)[1], self._database(),
                children.children_user + children.children_system + children.user + children.system)

    def __enter__(self):
        self.start = self._sample()
        return self

    def __exit__(self, *exc):
        end = self._sample()
        wall = end[0] - self.start[0]
        self.machine = (end[1] - self.start[1]) / self.TICKS / wall
        self.portal = (end[2] - self.start[2]) / self.TICKS / wall
        self.database = (end[3] - self.start[3]) / self.TICKS / wall
        self.tools = (end[4] - self.start[4]) / wall
        self.other = max(0.0, self.machine - self.portal - self.database - self.tools)
        return False

    def text(self):
        database = f", postgres {self.database:.2f}" if self.db_pid else ""
        return (f"cores busy {self.machine:.2f} of {os.cpu_count()}: portal {self.portal:.2f}{database}, "
                f"client {self.tools:.2f}, other {self.other:.2f}")


def memory(pid):
    """VmRSS and VmHWM of the process, in KiB."""
    values = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0])
    return values


def mib(kib):
    return f"{kib / 1024:.1f} MiB"


def ms(value, width=8):
    return f"{value:{width}.2f}" if value is not None else " " * (width - 1) + "?"


# ---------------------------------------------------------------------------------------------
# Login as


LOGIN_AS_FORM = re.compile(r'<form\b[^>]*action="(/accounts/[^"/]+/login-as)"[^>]*>(.*?)</form>', re.S)
BANNER = re.compile(r"<strong>([^<]*)</strong> is acting as <strong>([^<]*)</strong>")


class Step:
    def __init__(self, name):
        self.name, self.client, self.server = name, [], []

    def add(self, started, headers):
        self.client.append((time.perf_counter() - started) * 1000)
        value = server_ms(headers)
        if value is not None:
            self.server.append(value)


def login_as_once(client, operator, uid, steps=None):
    """One round trip for the account `uid`; returns (round trip ms, the banner) and adds each
    step's time to `steps` (name -> Step) when given. Exits on any unexpected answer."""
    def timed(name, started, headers):
        if steps is not None:
            steps[name].add(started, headers)

    quoted = urllib.parse.quote(uid, safe="")
    client.cookies = dict(operator)
    begun = started = time.perf_counter()
    status, headers, body = client.get(f"/accounts/{quoted}")
    page = body.decode("utf-8", "replace")
    timed("account page", started, headers)
    if status != 200:
        sys.exit(f"GET /accounts/{uid} answered {status} {headers.get('Location', '')} (is the session valid?)")
    form = LOGIN_AS_FORM.search(page)
    if not form:
        sys.exit(f"GET /accounts/{uid}: no Login as form on the page (is the operator allowed to log in to it?)")
    token = csrf_token(form.group(2)) or csrf_token(page)

    started = time.perf_counter()
    status, headers, body = client.post_form(html.unescape(form.group(1)), {"csrf_token": token, "reason": ""})
    timed("login-as", started, headers)
    session = set_cookies(headers).get("portal_app_session")
    if status != 303 or not session or headers.get("Location") != "/app":
        sys.exit(f"POST /accounts/{uid}/login-as answered {status} (Location: {headers.get('Location')}), "
                 f"portal_app_session {'set' if session else 'not set'}. Body: {body[:300]!r}")
    client.cookies["portal_app_session"] = session[0]

    started = time.perf_counter()
    status, headers, body = client.get("/app")
    page = body.decode("utf-8", "replace")
    timed("dashboard", started, headers)
    round_trip = (time.perf_counter() - begun) * 1000
    banner = BANNER.search(page)
    if status != 200 or not banner:
        sys.exit(f"GET /app answered {status} {headers.get('Location', '')}: {'no banner' if status == 200 else 'not the dashboard'}")
    workspace_token = csrf_token(page)

    started = time.perf_counter()
    status, headers, body = client.post_form("/app/sign-out-as", {"csrf_token": workspace_token})
    timed("sign-out-as", started, headers)
    cleared = set_cookies(headers).get("portal_app_session")
    if status != 303 or headers.get("Location") != f"/accounts/{quoted}" or not cleared or not cleared[1]:
        sys.exit(f"POST /app/sign-out-as answered {status} (Location: {headers.get('Location')}), "
                 f"portal_app_session {'expired' if cleared and cleared[1] else 'not expired'}. Body: {body[:300]!r}")
    client.cookies = dict(operator)
    return round_trip, f"{html.unescape(banner.group(1))} is acting as {html.unescape(banner.group(2))}"


def cmd_login_as(args):
    operator = cookie_jar(args.cookie)
    uids = [line.strip() for line in open(args.uids) if line.strip()]
    if len(uids) < args.count + args.warmup:
        sys.exit(f"{args.uids}: {len(uids)} accounts, {args.count + args.warmup} needed")
    warmup, timed = uids[:args.warmup], uids[args.warmup:args.warmup + args.count]
    client = Client(args.port, args.host)
    for uid in warmup:
        _, banner = login_as_once(client, operator, uid)
    names = ["account page", "login-as", "dashboard", "sign-out-as"]
    steps = {name: Step(name) for name in names}
    round_trips = []
    before = memory(args.pid)
    server_round_trips = []
    with CpuMeter(args.pid, args.db_pid) as meter:
        for uid in timed:
            round_trip, banner = login_as_once(client, operator, uid, steps)
            round_trips.append(round_trip)
            # The server's share of the round trip: its time for the three requests.
            if all(len(steps[name].server) == len(round_trips) for name in names[:3]):
                server_round_trips.append(sum(steps[name].server[-1] for name in names[:3]))
    after = memory(args.pid)
    client.close()
    print(f"{args.count} round trips, each on a different account (after {args.warmup} warm-up), one after another on one keep-alive\n"
          f"connection over loopback, as a browser does them (the 303 followed at once, the operator's cookie sent along to /app).\n"
          f"  GET /accounts/{{uid}} (its Login as form and CSRF token) -> POST /accounts/{{uid}}/login-as -> 303 -> GET /app (the dashboard,\n"
          f"  whose banner read e.g. \"{banner}\"); then POST /app/sign-out-as -> 303 to the account page (not followed).\n"
          f"Server: the portal's own time (Server-Timing); client: as the script sees it. Milliseconds.")
    print(f"  {'':<28} {'min':>8} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8} {'mean':>8}   {'server p50':>10} {'server p95':>10}")

    def row(label, samples, server=None):
        f = figures(samples)
        s = figures(server) if server else None
        print(f"  {label:<28} {ms(f['min'])} {ms(f['p50'])} {ms(f['p95'])} {ms(f['p99'])} {ms(f['max'])} {ms(f['mean'])}   "
              f"{ms(s and s['p50'], 10)} {ms(s and s['p95'], 10)}")
        return {"client": f, "server": s}

    results = {"round trip": row("round trip (3 requests)", round_trips, server_round_trips)}
    for name in names:
        label = {"account page": "  GET /accounts/{uid}", "login-as": "  POST .../login-as (303)", "dashboard": "  GET /app (dashboard)",
                 "sign-out-as": "POST /app/sign-out-as (303)"}[name]
        results[name] = row(label, steps[name].client, steps[name].server)
    print(f"  ({sum(round_trips) / 1000:.1f} s for the {args.count} round trips; {meter.text()};\n"
          f"   portal RSS {mib(before['VmRSS'])} -> {mib(after['VmRSS'])}, peak so far {mib(after['VmHWM'])})")
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"results": results, "rss_before_kib": before["VmRSS"], "rss_after_kib": after["VmRSS"]}, out, indent=1)


# ---------------------------------------------------------------------------------------------
# The business page and the widget


def read_pages(path):
    pages = []
    for line in open(path):
        if line.strip():
            key, uid, kind = line.strip().split("|")
            pages.append({"key": key, "uid": uid, "kind": kind})
    return pages


def embedding_host(position):
    """The one site the widget of the account at `position` (1-based, in the list of pages) is
    embedded on; the wrk script picks the same."""
    return f"https://shop-{position % 7}.customer-site.example"


def time_sequential(client, paths, headers_of):
    """GETs each path once in turn; returns (client ms, server ms, sizes, statuses)."""
    client_ms, server, sizes, statuses = [], [], [], {}
    for number, path in enumerate(paths):
        started = time.perf_counter()
        status, headers, body = client.get(path, headers=headers_of(number))
        client_ms.append((time.perf_counter() - started) * 1000)
        statuses[status] = statuses.get(status, 0) + 1
        sizes.append(len(body))
        value = server_ms(headers)
        if value is not None:
            server.append(value)
    return client_ms, server, sizes, statuses


def run_wrk(port, host, paths, connections, threads, seconds, origin=False):
    """wrk over `paths`: a Lua script gives each request the next path (every thread from its
    own offset) and, with `origin`, an Origin header naming one of a few sites."""
    script = f"/tmp/bench-workspace-wrk-{os.getpid()}.lua"
    with open(script, "w") as out:
        out.write("local paths = {" + ",".join(json.dumps(p) for p in paths) + "}\n")
        out.write("local counter = 0\n")
        out.write("function setup(thread) counter = counter + 1; thread:set('offset', counter * 997) end\n")
        out.write("function init(args) n = offset or 0 end\n")
        if origin:
            # Each account's widget is embedded on one site (of 7, by the account's place in
            # the list): its first request records the site, the later ones find it known.
            out.write("function request() n = n + 1; local i = (n % #paths) + 1\n"
                      "  return wrk.format(nil, paths[i], {['Origin'] = 'https://shop-' .. (i % 7) .. '.customer-site.example'}) end\n")
        else:
            out.write("function request() n = n + 1; return wrk.format(nil, paths[(n % #paths) + 1]) end\n")
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "30s",
               "-H", f"Host: {host}", "-s", script, f"http://127.0.0.1:{port}{paths[0]}"]
    try:
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    finally:
        os.remove(script)

    def number(pattern, cast=float):
        match = re.search(pattern, output)
        return cast(match.group(1)) if match else None

    def duration_ms(text):
        match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
        return float(match.group(1)) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[match.group(2)] if match else None

    result = {"rps": number(r"Requests/sec:\s+([\d.]+)"), "requests": number(r"(\d+) requests in", cast=int),
              "non2xx": number(r"Non-2xx or 3xx responses: (\d+)", cast=int) or 0}
    errors = re.search(r"Socket errors: (.*)", output)
    result["errors"] = errors.group(1) if errors else "none"
    read = re.search(r"requests in [\d.]+\w+, ([\d.]+)(B|KB|MB|GB) read", output)
    if read and result["requests"]:
        result["bytes_per_request"] = float(read.group(1)) * {"B": 1, "KB": 1024, "MB": 1024 ** 2, "GB": 1024 ** 3}[read.group(2)] / result["requests"]
    for label in ("50", "90", "99"):
        match = re.search(rf"^\s+{label}%\s+(\S+)", output, re.M)
        result[f"p{label}"] = duration_ms(match.group(1)) if match else None
    return result


def cmd_public(args):
    pages = read_pages(args.pages)
    locked = [line.strip() for line in open(args.locked) if line.strip()]
    nick = [p for p in pages if p["kind"] == "nickname"]
    by_uid = [p for p in pages if p["kind"] == "uid"]
    quote = lambda text: urllib.parse.quote(text, safe="")
    n = args.requests
    no_headers = lambda _: {}
    with_origin = lambda number: {"Origin": embedding_host(n + number + 1)}
    sequential = [
        ("page, nickname", [f"/b/{quote(p['key'])}" for p in nick][:n], no_headers,
         "GET /b/{nickname}, each a different account"),
        ("page, uid", [f"/b/{quote(p['key'])}" for p in by_uid][:n], no_headers,
         "GET /b/{businessUID} of accounts without a nickname"),
        ("page, uid->301", [f"/b/{quote(p['uid'])}" for p in nick][:n], no_headers,
         "GET /b/{businessUID} of accounts with a nickname: 301 to /b/{nickname}"),
        ("page, locked", [f"/b/{quote(key)}" for key in locked][:n], no_headers,
         "GET /b/{key} of locked accounts: 404"),
        ("widget", [f"/w/{quote(p['uid'])}.js" for p in pages][:n], no_headers,
         "GET /w/{uid}.js, no Origin or Referer (nothing recorded)"),
        ("widget+origin", [f"/w/{quote(p['uid'])}.js" for p in pages][n:2 * n], with_origin,
         "GET /w/{uid}.js with an Origin, other accounts: a site new to each, recorded in its Sites"),
    ]
    client = Client(args.port, args.host)
    status, headers, body = client.get(sequential[0][1][0])
    if status != 200 or b"<form" not in body:
        sys.exit(f"GET {sequential[0][1][0]} answered {status}: not a business page")
    if "Set-Cookie" in headers:
        print(f"  note: the business page set a cookie: {headers.get_all('Set-Cookie')}")
    status, headers, body = client.get(sequential[4][1][0])
    if status != 200 or "javascript" not in (headers.get("Content-Type") or ""):
        sys.exit(f"GET {sequential[4][1][0]} answered {status} {headers.get('Content-Type')}: not the widget script")
    if "Set-Cookie" in headers:
        print(f"  note: the widget script set a cookie: {headers.get_all('Set-Cookie')}")
    # Warm-up on accounts from the end of the list (the timed requests take theirs from the start).
    for p in pages[-args.warmup:]:
        client.get(f"/b/{quote(p['key'])}")
        client.get(f"/w/{quote(p['uid'])}.js")

    start_memory = memory(args.pid)
    print(f"Accounts visited: {len(pages):,} whose page is public ({len(nick):,} with a nickname, {len(by_uid):,} without), chosen at random;\n"
          f"portal RSS at the start {mib(start_memory['VmRSS'])} (peak since start-up {mib(start_memory['VmHWM'])}).")
    print(f"\nLatency, sequential requests on one keep-alive connection over loopback (after {args.warmup} warm-up pages and scripts\n"
          f"of other accounts), no cookie; each request a different account.\n"
          f"Server: the portal's own time (Server-Timing); client: the whole round trip. Milliseconds.")
    print(f"  {'URL':<15} {'n':>4} {'statuses':<10} {'server p50':>10} {'server p95':>10} {'client p50':>10} {'client p95':>10} "
          f"{'client p99':>10} {'max':>8} {'bytes':>7}")
    results = {}
    for label, paths, headers_of, what in sequential:
        if not paths:
            continue
        with CpuMeter(args.pid, args.db_pid) as meter:
            client_ms, server, sizes, statuses = time_sequential(client, paths, headers_of)
        c, s = figures(client_ms), figures(server) if server else None
        shown = ",".join(f"{k}x{v}" if len(statuses) > 1 else str(k) for k, v in sorted(statuses.items()))
        print(f"  {label:<15} {c['n']:>4} {shown:<10} {ms(s and s['p50'], 10)} {ms(s and s['p95'], 10)} {ms(c['p50'], 10)} {ms(c['p95'], 10)} "
              f"{ms(c['p99'], 10)} {ms(c['max'])} {statistics.median(sizes):7,.0f}")
        results[label] = {"latency": c, "server": s, "statuses": statuses, "what": what}
    client.close()
    for label, _, _, what in sequential:
        print(f"    {label:<15} {what}")

    print(f"\nThroughput, wrk -t{args.wrk_threads} -c{args.connections} -d{args.seconds}s (wrk shares the {os.cpu_count()} cores with the portal), "
          f"each request the next of the paths below, no cookie:")
    runs = [
        ("page", [f"/b/{quote(p['key'])}" for p in pages], False,
         f"GET /b/{{key}} over {len(pages):,} accounts (a nickname where there is one, else the Business UID)"),
        ("widget", [f"/w/{quote(p['uid'])}.js" for p in pages], False, f"GET /w/{{uid}}.js over the same {len(pages):,} accounts, no Origin"),
        ("widget+origin", [f"/w/{quote(p['uid'])}.js" for p in pages], True,
         "the same with an Origin: each account embedded on one site, recorded in its Sites by the account's first request "
         "(an INSERT and the account's last activity), found known by the later ones (a read; written again after a minute)"),
    ]
    print(f"  {'URL':<15} {'req/s':>8} {'requests':>9} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'bytes/resp':>10} {'non-2xx':>8} {'errors':<8} "
          f"{'RSS before':>11} {'RSS after':>11} {'VmHWM':>11}")
    meters = []
    for label, paths, origin, what in runs:
        try:
            with open(f"/proc/{args.pid}/clear_refs", "w") as refs:
                refs.write("5")   # resets VmHWM to the current RSS
        except OSError:
            pass
        before = memory(args.pid)
        with CpuMeter(args.pid, args.db_pid) as meter:
            result = run_wrk(args.port, args.host, paths, args.connections, args.wrk_threads, args.seconds, origin=origin)
        after = memory(args.pid)
        meters.append((label, meter))
        result.update({"rss_before_kib": before["VmRSS"], "rss_after_kib": after["VmRSS"], "hwm_kib": after["VmHWM"]})
        results.setdefault(label, {})["wrk"] = result
        print(f"  {label:<15} {result['rps'] or 0:8.1f} {result['requests'] or 0:9,} {ms(result['p50'])} {ms(result['p90'])} {ms(result['p99'])} "
              f"{result.get('bytes_per_request', 0):10,.0f} {result['non2xx']:8} {result['errors']:<8} "
              f"{mib(before['VmRSS']):>11} {mib(after['VmRSS']):>11} {mib(after['VmHWM']):>11}")
    for label, _, origin, what in runs:
        print(f"    {label:<15} {what}")
        if origin:
            done = results[label]["wrk"]["requests"] or 0
            first = min(done, len(pages))
            print(f"    {'':<15} here: {done:,} requests, so {first:,} first visits (a new site each) and {done - first:,} of a known site")
    for label, meter in meters:
        print(f"  ({label}: {meter.text()})")
    end_memory = memory(args.pid)
    print(f"  portal RSS: {mib(start_memory['VmRSS'])} before the business page and widget, {mib(end_memory['VmRSS'])} after")
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"results": results, "rss_start_kib": start_memory["VmRSS"], "rss_end_kib": end_memory["VmRSS"]}, out, indent=1)


# ---------------------------------------------------------------------------------------------
# The SQL of each request


def cmd_capture(args):
    """Makes each kind of request once and prints `label request-id` lines."""
    pages = read_pages(args.pages)
    nick = next(p for p in pages if p["kind"] == "nickname")
    by_uid = next(p for p in pages if p["kind"] == "uid")
    client = Client(args.port, args.host)
    wanted = [
        ("page-nickname", f"/b/{nick['key']}", {}),
        ("page-uid", f"/b/{by_uid['key']}", {}),
        ("widget", f"/w/{by_uid['uid']}.js", {}),
        ("widget-origin-new", f"/w/{nick['uid']}.js", {"Origin": "https://sql-capture.customer-site.example"}),
        ("widget-origin-known", f"/w/{nick['uid']}.js", {"Origin": "https://sql-capture.customer-site.example"}),
    ]
    for label, path, headers in wanted:
        status, answer, _ = client.get(path, headers=headers)
        if status != 200:
            sys.exit(f"GET {path} answered {status}")
        print(label, answer.get("X-Request-ID", ""))
    client.close()

    # The login-as round trip, request by request.
    operator = cookie_jar(args.cookie)
    ids = []
    original = Client.request

    def recording(self, method, path, body=None, headers=None):
        result = original(self, method, path, body=body, headers=headers)
        ids.append(result[1].get("X-Request-ID", ""))
        return result
    Client.request = recording
    try:
        login_as_once(Client(args.port, args.host), operator, args.uid)
    finally:
        Client.request = original
    for label, request_id in zip(["account-page", "login-as", "dashboard", "sign-out-as"], ids):
        print(label, request_id)


def short(sql, width=110):
    text = re.sub(r"\s+", " ", sql)
    return text if len(text) <= width else text[:width - 1] + "…"


def run_statements(args, statements, runs):
    """Median ms of each statement over `runs` runs, in one sqlite3 shell (.timer on) or psql (\\timing)."""
    if not statements:
        return []
    if args.dialect == "sqlite":
        script = [".timer on", ".mode list", ".headers off", ".output /dev/null"]
        command = ["sqlite3", "-readonly", args.db]
        pattern = r"Run Time: real ([\d.]+) user ([\d.]+) sys ([\d.]+)"
    else:
        script = ["\\set QUIET on", "\\pset pager off", "\\o /dev/null", "\\timing on"]
        command = args.psql + ["-X", "-v", "ON_ERROR_STOP=1"]
        pattern = r"Time: ([\d.]+) ms"
    for statement in statements:
        script += [statement.rstrip().rstrip(";") + ";"] * runs
    output = subprocess.run(command, input="\n".join(script) + "\n", capture_output=True, text=True)
    found = re.findall(pattern, output.stdout + output.stderr)
    if len(found) != len(statements) * runs:
        return [None] * len(statements)
    if args.dialect == "sqlite":
        # real is printed to the millisecond only; user + sys to the microsecond.
        times = [max(float(real) * 1000, (float(user) + float(system)) * 1000) for real, user, system in found]
    else:
        times = [float(value) for value in found]
    return [statistics.median(times[i * runs:(i + 1) * runs]) for i in range(len(statements))]


def explain(args, statement):
    if args.dialect == "sqlite":
        output = subprocess.run(["sqlite3", "-readonly", args.db], input=f"EXPLAIN QUERY PLAN {statement};\n", capture_output=True, text=True)
    else:
        output = subprocess.run(args.psql + ["-X", "-c", f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {statement}"], capture_output=True, text=True)
    lines, kept, planning = (output.stdout + output.stderr).rstrip().splitlines(), [], False
    for line in lines:
        stripped = line.strip()
        # Left out: psql's header and row count, and the planner's buffer counts (the catalog
        # read by a fresh psql session, not what the portal's warm connections pay).
        if not stripped or stripped == "QUERY PLAN" or set(stripped) <= {"-"} or re.fullmatch(r"\(\d+ rows?\)", stripped):
            continue
        if stripped == "Planning:":
            planning = True
            continue
        if planning and stripped.startswith("Buffers:"):
            continue
        planning = False
        kept.append(line.rstrip()[:200])
    return "\n".join(kept)


FULL_SCAN = re.compile(r"^\s*(?:\|--|`--)?\s*SCAN (?!CONSTANT)(\w+)\b(?! USING)|Seq Scan on (\w+)", re.M)
NIL = "\x00nil\x00"


def unwrap(bind):
    """The log describes an optional bind as `Optional("text")` or `nil`: the value the driver sends."""
    if bind == "nil":
        return NIL
    match = re.fullmatch(r'Optional\((.*)\)', bind, re.S)
    if not match:
        return bind
    inner = match.group(1)
    if len(inner) >= 2 and inner[0] == inner[-1] == '"':
        inner = re.sub(r'\\(.)', r'\1', inner[1:-1])
    return inner


def runnable(sql, binds, dialect, uuid_storage):
    text = substitute(sql, [unwrap(b) for b in binds], dialect, uuid_storage)
    return text.replace(f"'{NIL}'", "NULL")


def fluent_writes(log_path):
    """request id -> [(action, table)] of the model writes Fluent logs ("Running query"): on
    SQLite the statements inside a transaction have no SQL line of their own, only this."""
    writes = {}
    for line in open(log_path, encoding="utf-8", errors="replace"):
        if "Running query" not in line:
            continue
        action = re.search(r"\baction=(create|update|delete)\b", line)
        request = re.search(r"request-id=(\S+)", line)
        schema = re.search(r"\bschema=(\S+)", line)
        if action and request:
            writes.setdefault(request.group(1), []).append((action.group(1), schema.group(1) if schema else "?"))
    return writes


def cmd_sql(args):
    queries = log_queries(args.log)
    model_writes = fluent_writes(args.log)
    wanted = [line.split() for line in open(args.requests) if line.strip()]
    what = {"page-nickname": "GET /b/{nickname}", "page-uid": "GET /b/{businessUID} (no nickname)", "widget": "GET /w/{uid}.js, no Origin",
            "widget-origin-new": "GET /w/{uid}.js, Origin of a site new to the account", "widget-origin-known": "the same again (site known)",
            "account-page": "GET /accounts/{uid} (operator)", "login-as": "POST /accounts/{uid}/login-as",
            "dashboard": "GET /app while logged in as the owner", "sign-out-as": "POST /app/sign-out-as"}
    plans, full_scans = [], []
    print("Statements of one request of each kind, in order; reads run again 11 times each in the "
          + ("sqlite3 shell (median of max(real, user+sys))" if args.dialect == "sqlite" else "psql (\\timing, median)")
          + " after the portal stopped.\n"
          "* : logged without a request id while the request ran: inside its transaction, or a background job (the outbox's delivery).")
    for label, request_id in wanted:
        # Statements inside a transaction may be logged without the request's id (SQLite's
        # transaction connection): those between this request's first statement and the next
        # request's are counted in, marked with *.
        mine = [i for i, (rid, _, _) in enumerate(queries) if rid == request_id]
        if not mine:
            print(f"\n  {label}: no SQL logged for request {request_id}")
            continue
        end = next((i for i in range(mine[-1] + 1, len(queries)) if queries[i][0] and queries[i][0] != request_id), len(queries))
        chosen = [i for i in range(mine[0], end) if queries[i][0] in (request_id, "")]
        statements = [(queries[i][1], queries[i][2]) for i in chosen]
        unattributed = {n for n, i in enumerate(chosen) if not queries[i][0]}
        texts = [runnable(sql, binds, args.dialect, args.uuid_storage) for sql, binds in statements]
        reads = [i for i, text in enumerate(texts) if text.lstrip().upper().startswith("SELECT")]
        timings = dict(zip(reads, run_statements(args, [texts[i] for i in reads], 11)))
        control = sum(1 for text in texts if text.strip().upper().rstrip(";") in ("BEGIN", "COMMIT", "ROLLBACK"))
        writes = len(texts) - len(reads) - control
        total = sum(t for t in timings.values() if t is not None)
        print(f"\n  {label}: {what.get(label, '')}: {len(texts)} statements ({len(reads)} reads, {writes} writes"
              + (f", {control} BEGIN/COMMIT" if control else "") + f"); the reads take {total:.2f} ms together")
        logged = model_writes.get(request_id, [])
        if len(logged) > writes:
            print(f"    + model writes Fluent logged with no SQL line (inside a transaction; raw SQL writes there are not logged at all): "
                  + ", ".join(f"{action} {table}" for action, table in logged))
        for index, text in enumerate(texts):
            timing = timings.get(index)
            mark = "*" if index in unattributed else " "
            print(f"   {mark}{ms(timing) if index in timings else '   write'}  {short(text)}")
            if index in timings and text not in (p[2] for p in plans):
                plans.append((label, timing, text))
    print("\n  Query plans of the reads (each once):")
    for label, timing, text in plans:
        plan = explain(args, text)
        for match in FULL_SCAN.finditer(plan):
            full_scans.append((label, match.group(1) or match.group(2), short(text, 160)))
        print(f"\n  [{label}, median {ms(timing).strip()} ms] {short(text, 400)}")
        print("    " + plan.replace("\n", "\n    "))
    def rows(table):
        command = (["sqlite3", "-readonly", args.db, f'SELECT COUNT(*) FROM "{table}"'] if args.dialect == "sqlite"
                   else args.psql + ["-X", "-At", "-c", f'SELECT COUNT(*) FROM "{table}"'])
        output = subprocess.run(command, capture_output=True, text=True).stdout.strip()
        return int(output) if output.isdigit() else None

    # A planner reads a small table whole rather than through its index: only tables of 1,000
    # rows or more are listed.
    counts = {table: rows(table) for table in {table for _, table, _ in full_scans}}
    small = sorted(f"{table} ({counts[table]})" for table in counts if counts[table] is not None and counts[table] < 1000)
    large = [(label, table, text) for label, table, text in full_scans if counts[table] is None or counts[table] >= 1000]
    print(f"\n  Full scans (a table read whole, not through an index) of tables of 1,000 rows or more: {len(large) or 'none'}"
          + (f"; of smaller tables (rows): {', '.join(small)}" if small else ""))
    for label, table, text in large:
        print(f"    {label}: {table} ({counts[table] if counts[table] is not None else '?'} rows): {text}")


# ---------------------------------------------------------------------------------------------
# Summary


def cmd_summary(args):
    def load(name):
        path = os.path.join(args.dir, name)
        return json.load(open(path)) if os.path.exists(path) else None

    for db in args.databases:
        print(f"{db}:")
        login = load(f"{db}-login-as.json")
        if login:
            for label in ("round trip", "account page", "login-as", "dashboard", "sign-out-as"):
                c = login["results"][label]["client"]
                s = login["results"][label].get("server")
                server = f"   server p50 {s['p50']:6.2f} p95 {s['p95']:6.2f}" if s else ""
                print(f"  login-as {label:<13} min {c['min']:6.2f}  p50 {c['p50']:6.2f}  p95 {c['p95']:6.2f}  max {c['max']:7.2f} ms{server}")
        public = load(f"{db}-public.json")
        if public:
            for label in ("page, nickname", "page, uid", "widget"):
                result = public["results"].get(label)
                if result and "latency" in result:
                    c = result["latency"]
                    print(f"  {label:<22} sequential p50 {c['p50']:6.2f}  p95 {c['p95']:6.2f} ms")
            for label in ("page", "widget", "widget+origin"):
                result = (public["results"].get(label) or {}).get("wrk")
                if result:
                    print(f"  {label:<22} {result['rps'] or 0:8.1f} req/s at 32 connections (p50 {ms(result['p50']).strip()} ms, p99 "
                          f"{ms(result['p99']).strip()} ms, non-2xx {result['non2xx']}); RSS {mib(result['rss_before_kib'])} -> "
                          f"{mib(result['rss_after_kib'])}, peak {mib(result['hwm_kib'])}")
            print(f"  portal RSS {mib(public['rss_start_kib'])} before the public pages, {mib(public['rss_end_kib'])} after")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("signin")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--host", required=True)
    p.add_argument("--email", required=True)
    p.add_argument("--password-file", required=True)
    p.set_defaults(func=lambda a: print(sign_in(a.port, a.host, a.email, open(a.password_file).read().strip())))

    p = sub.add_parser("login-as")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--host", required=True)
    p.add_argument("--cookie", required=True, help="the operator's session cookie, name=value")
    p.add_argument("--uids", required=True, help="a file of Business UIDs, one a line")
    p.add_argument("--count", type=int, default=200)
    p.add_argument("--warmup", type=int, default=10)
    p.add_argument("--pid", type=int, required=True)
    p.add_argument("--db-pid", type=int)
    p.add_argument("--json")
    p.set_defaults(func=cmd_login_as)

    p = sub.add_parser("public")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--host", required=True)
    p.add_argument("--pages", required=True, help="a file of key|uid|nickname-or-uid lines")
    p.add_argument("--locked", required=True, help="a file of page keys of locked accounts")
    p.add_argument("--requests", type=int, default=200)
    p.add_argument("--warmup", type=int, default=20)
    p.add_argument("--connections", type=int, default=32)
    p.add_argument("--wrk-threads", type=int, default=2)
    p.add_argument("--seconds", type=int, default=10)
    p.add_argument("--pid", type=int, required=True)
    p.add_argument("--db-pid", type=int)
    p.add_argument("--json")
    p.set_defaults(func=cmd_public)

    p = sub.add_parser("capture")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--host", required=True)
    p.add_argument("--cookie", required=True)
    p.add_argument("--pages", required=True)
    p.add_argument("--uid", required=True, help="an account to log in to")
    p.set_defaults(func=cmd_capture)

    p = sub.add_parser("sql")
    p.add_argument("--dialect", choices=["sqlite", "postgres"], required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--requests", required=True)
    p.add_argument("--uuid-storage", choices=["text", "blob"], default="text")
    p.add_argument("--db")
    p.add_argument("--psql")
    p.set_defaults(func=cmd_sql)

    p = sub.add_parser("summary")
    p.add_argument("--dir", required=True)
    p.add_argument("--databases", nargs="+", required=True)
    p.set_defaults(func=cmd_summary)

    args = parser.parse_args()
    if getattr(args, "psql", None):
        args.psql = shlex.split(args.psql)
    args.func(args)


if __name__ == "__main__":
    main()
