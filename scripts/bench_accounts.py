#!/usr/bin/env python3
"""Helper of scripts/bench-accounts (standard library only): signs in, times the client
accounts list over loopback, runs wrk, streams the CSV export while watching the portal's
memory, checks that the header counts follow a change, and turns the SQL the portal logs
at LOG_LEVEL=debug into statements that run as they are in the sqlite3 shell or psql.

Every subcommand prints figures; none of them judges them.
"""
import argparse
import datetime
import html
import http.client
import json
import os
import re
import shlex
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse


# ---------------------------------------------------------------------------------------------
# HTTP over one keep-alive connection


class Client:
    """A keep-alive HTTP/1.1 connection to the portal, sending the partner's Host header."""

    def __init__(self, port, host, cookie=""):
        self.port, self.host, self.cookie = port, host, cookie
        self.conn = None

    def _connect(self):
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)

    def request(self, method, path, body=None, headers=None, stream=None):
        """Returns (status, headers, body bytes). With `stream`, the body is handed to it chunk
        by chunk instead and the returned body is empty."""
        all_headers = {"Host": self.host, "Accept": "text/html"}
        if self.cookie:
            all_headers["Cookie"] = self.cookie
        all_headers.update(headers or {})
        for attempt in (1, 2):
            if self.conn is None:
                self._connect()
            try:
                self.conn.request(method, path, body=body, headers=all_headers)
                response = self.conn.getresponse()
                if stream is None:
                    data = response.read()
                else:
                    data = b""
                    while True:
                        chunk = response.read1(65536) if hasattr(response, "read1") else response.read(65536)
                        if not chunk:
                            break
                        stream(chunk)
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
    """name -> value of every Set-Cookie header."""
    found = {}
    for value in headers.get_all("Set-Cookie") or []:
        name, _, rest = value.partition("=")
        found[name.strip()] = rest.split(";", 1)[0]
    return found


CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]*)"|value="([^"]*)"[^>]*name="csrf_token"')
NEXT_LINK = re.compile(r'<a\b[^>]*\brel="next"[^>]*\bhref="([^"]+)"|<a\b[^>]*\bhref="([^"]+)"[^>]*\brel="next"')
STAT = re.compile(r'<div class="label">([^<]+)</div><div class="value">(\d+)</div>')
ROW_UID = re.compile(r'name="accounts\[\]" value="([^"]+)"|value="([^"]+)" name="accounts\[\]"')


def csrf_token(page):
    match = CSRF_FIELD.search(page)
    return html.unescape(match.group(1) or match.group(2)) if match else None


def next_link(page):
    match = NEXT_LINK.search(page)
    return html.unescape(match.group(1) or match.group(2)) if match else None


def counts(page):
    return {label: int(value) for label, value in STAT.findall(page)}


def row_uids(page):
    return [html.unescape(a or b) for a, b in ROW_UID.findall(page)]


def check_list_page(client, path):
    """Fetches a list page and fails loudly unless it is a signed-in list (not a redirect)."""
    status, headers, body = client.get(path)
    page = body.decode("utf-8", "replace")
    if status != 200 or "Client accounts" not in page:
        sys.exit(f"GET {path} answered {status} {headers.get('Location', '')}: not the accounts list (is the session valid?)")
    return page, headers


def sign_in(port, host, email, password):
    client = Client(port, host)
    status, headers, body = client.get("/sign-in")
    cookies = set_cookies(headers)
    token = csrf_token(body.decode("utf-8", "replace"))
    if status != 200 or not token or "portal_csrf" not in cookies:
        sys.exit(f"GET /sign-in answered {status}; no csrf_token field or portal_csrf cookie")
    client.cookie = f"portal_csrf={cookies['portal_csrf']}"
    status, headers, body = client.post_form("/sign-in", {"email": email, "password": password, "csrf_token": token})
    session = set_cookies(headers).get("portal_session")
    if status not in (302, 303) or not session:
        sys.exit(f"POST /sign-in answered {status} (Location: {headers.get('Location')}); no portal_session cookie. "
                 f"Body: {body[:300]!r}")
    client.close()
    return f"portal_session={session}"


# ---------------------------------------------------------------------------------------------
# Figures


def percentile(values, fraction):
    """Nearest-rank percentile of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, int(round(fraction * len(ordered) + 0.4999)))
    return ordered[min(rank, len(ordered)) - 1]


def latency_figures(samples_ms):
    return {
        "n": len(samples_ms),
        "p50": statistics.median(samples_ms),
        "p95": percentile(samples_ms, 0.95),
        "p99": percentile(samples_ms, 0.99),
        "mean": statistics.fmean(samples_ms),
        "min": min(samples_ms),
        "max": max(samples_ms),
    }


class CpuMeter:
    """Cores used while it runs: by the portal, by the PostgreSQL server (the postmaster and its
    children) when given, by this script and its children (wrk), and by the rest of the machine
    (other work on it skews the figures; shown so that it can be seen)."""
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
        # state ppid ... utime(11) stime(12) cutime(13) cstime(14), counted from the field after the name
        return int(fields[1]), int(fields[11]) + int(fields[12]), int(fields[13]) + int(fields[14])

    def _database(self):
        """The postmaster's own and reaped children's time, plus its living children's time."""
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


def server_ms(headers):
    """The server's own time for a request, from its `Server-Timing: app;dur=…` header."""
    match = re.search(r"app;dur=([\d.]+)", headers.get("Server-Timing", "") or "")
    return float(match.group(1)) if match else None


def time_requests(client, path, count, warmup):
    """Times `count` requests of `path` (a string, or a function of the request's number
    giving the path). Returns (client-side ms, server-side ms) samples."""
    at = path if callable(path) else (lambda _: path)
    for number in range(warmup):
        client.get(at(-1 - number))
    samples, server = [], []
    for number in range(count):
        started = time.perf_counter()
        status, headers, _ = client.get(at(number))
        samples.append((time.perf_counter() - started) * 1000)
        if status != 200:
            sys.exit(f"GET {at(number)} answered {status} during the timing loop")
        if server_ms(headers) is not None:
            server.append(server_ms(headers))
    return samples, server


# Search terms for "a new term each time": every 4- to 7-letter piece of words the demo data
# uses in names, so each one matches accounts and none repeats within a run (the header
# counts are kept 5 s per filter; a new term is always counted afresh).
DEMO_WORDS = ["bakery", "barbers", "studio", "dental", "clinic", "physio", "tattoo", "driving", "school", "grooming", "music",
              "photography", "massage", "beauty", "salon", "climbing", "repair", "pilates", "golden", "little", "urban", "bright",
              "quiet", "happy", "green", "royal", "riverside", "copper", "velvet", "harbour", "maple", "sunny", "silver", "corner",
              "aberdeen", "bristol", "dundee", "exeter", "galway", "inverness", "jersey", "leeds", "nantes", "porto", "rennes",
              "seville", "turku", "utrecht", "valencia", "wexford", "zagreb", "antwerp", "bergen", "delft", "espoo"]


def fresh_terms():
    seen, terms = set(), []
    for length in (7, 6, 5, 4):
        for word in DEMO_WORDS:
            for start in range(0, len(word) - length + 1):
                term = word[start:start + length]
                if term not in seen:
                    seen.add(term)
                    terms.append(term)
    return terms


def run_wrk(port, host, cookie, path, connections, threads, seconds, terms=None):
    """wrk on `path`; with `terms`, `{term}` in the path takes the next term on each request
    (a Lua script cycles through them, every wrk thread from its own offset)."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "30s",
               "-H", f"Host: {host}", "-H", f"Cookie: {cookie}", "-H", "Accept: text/html"]
    script = None
    if terms:
        paths = [path.replace("{term}", urllib.parse.quote(term)) for term in terms]
        script = f"/tmp/bench-accounts-wrk-{os.getpid()}.lua"
        with open(script, "w") as out:
            out.write("local paths = {" + ",".join(json.dumps(p) for p in paths) + "}\n")
            out.write("local counter = 0\n")
            out.write("function setup(thread) counter = counter + 1; thread:set('offset', counter * 997) end\n")
            out.write("function init(args) n = offset or 0 end\n")
            out.write("function request() n = n + 1; return wrk.format(nil, paths[(n % #paths) + 1]) end\n")
        command += ["-s", script]
        path = path.replace("{term}", "x")
    command.append(f"http://127.0.0.1:{port}{path}")
    try:
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    finally:
        if script:
            os.remove(script)
    figures = {"raw": output}

    def number(pattern, text=output, cast=float):
        match = re.search(pattern, text)
        return cast(match.group(1)) if match else None

    def duration_ms(text):
        match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
        if not match:
            return None
        value, unit = float(match.group(1)), match.group(2)
        return value * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]

    figures["rps"] = number(r"Requests/sec:\s+([\d.]+)")
    figures["requests"] = number(r"(\d+) requests in", cast=int)
    figures["non2xx"] = number(r"Non-2xx or 3xx responses: (\d+)", cast=int) or 0
    errors = re.search(r"Socket errors: (.*)", output)
    figures["errors"] = errors.group(1) if errors else "none"
    read = re.search(r"requests in [\d.]+\w+, ([\d.]+)(B|KB|MB|GB) read", output)
    if read and figures["requests"]:
        size = float(read.group(1)) * {"B": 1, "KB": 1024, "MB": 1024 ** 2, "GB": 1024 ** 3}[read.group(2)]
        figures["bytes_per_request"] = size / figures["requests"]
    for label in ("50", "90", "99"):
        match = re.search(rf"^\s+{label}%\s+(\S+)", output, re.M)
        figures[f"p{label}"] = duration_ms(match.group(1)) if match else None
    return figures


def cmd_signin(args):
    password = open(args.password_file).read().strip()
    print(sign_in(args.port, args.host, args.email, password))


def cmd_capture(args):
    """Requests each path once and prints `label request-id` lines (for the SQL in the debug log)."""
    client = Client(args.port, args.host, args.cookie)
    for item in args.path:
        label, _, path = item.partition("=")
        if "export.csv" in path:
            status, headers, _ = client.get(path, stream=lambda chunk: None)
            if status != 200:
                sys.exit(f"GET {path} answered {status}")
        else:
            _, headers = check_list_page(client, path)
        print(label, headers.get("X-Request-ID", ""))


def cmd_list(args):
    """First page, search, and last page (reached by following rel=next from a cursor near the
    end): sequential latency, then wrk. Prints figures and writes the URLs as JSON."""
    client = Client(args.port, args.host, args.cookie)
    first = args.first
    search = args.search
    # The last page: start from a cursor near the end and follow rel="next" to the end.
    path = args.near_end
    followed = 0
    while True:
        page, _ = check_list_page(client, path)
        link = next_link(page)
        if link is None:
            break
        path, followed = link, followed + 1
    last = path
    # Walk the whole search, first page to last, timing each page (the deep pages of a filter).
    walk, path, walk_ms = [], search, []
    while path:
        started = time.perf_counter()
        page, _ = check_list_page(client, path)
        walk_ms.append((time.perf_counter() - started) * 1000)
        walk.append(len(row_uids(page)))
        path = next_link(page)
    urls = [("first-page", first), ("search", search), ("last-page", last)]
    terms = fresh_terms()
    fresh_template = args.search_fresh   # a path with {term} in it
    fresh = lambda number: fresh_template.replace("{term}", urllib.parse.quote(terms[number % len(terms)]))
    print(f"URLs (Host: {args.host}; signed in as an operator whose role covers every account):")
    for label, url in urls:
        page, _ = check_list_page(client, url)
        shown = ", ".join(f"{k} {v:,}" for k, v in counts(page).items())
        print(f"  {label:<11} {url}")
        print(f"  {'':<11} {len(row_uids(page))} rows, header counts: {shown}, next link: {'yes' if next_link(page) else 'no'}, "
              f"{len(page.encode()):,} bytes")
    print(f"  (last page reached by following {followed} rel=\"next\" links from a cursor ~2,000 accounts (by name) from the end;\n"
          f"   the search has {len(walk)} pages, {sum(walk):,} rows, every page fetched once by following rel=\"next\": "
          f"p50 {statistics.median(walk_ms):.1f} ms, max {max(walk_ms):.1f} ms)")

    print(f"  {'search-new':<11} {fresh_template.replace('{term}', '…')}: a new term each request ({len(terms):,} terms, "
          f"pieces of the demo data's words), so neither the page nor its header counts can come from a cache")

    print(f"\nLatency, {args.requests} sequential requests per URL after {args.warmup} warm-up, one keep-alive connection over loopback.")
    print(f"Server: the portal's own time (its Server-Timing header); client: the whole round trip, as the script sees it.")
    print(f"  {'URL':<11} {'server p50':>10} {'server p95':>10} {'client p50':>10} {'client p95':>10} {'client p99':>10} {'max ms':>8}   "
          f"target p95 < {args.target_p95:g} ms")
    results = {}
    meters = []
    for label, url in urls + [("search-new", fresh)]:
        with CpuMeter(args.pid, args.db_pid) as meter:
            client_ms, server_samples = time_requests(client, url, args.requests, args.warmup)
        figures = latency_figures(client_ms)
        server = latency_figures(server_samples) if server_samples else None
        meters.append((label, meter))
        results[label] = {"latency": figures, "server": server}
        worst = max(figures["p95"], server["p95"] if server else 0)
        verdict = "met" if worst < args.target_p95 else f"MISSED by {worst - args.target_p95:.1f} ms ({worst / args.target_p95:.1f}x)"
        def ms(value):
            return f"{value:10.2f}" if value is not None else "         ?"
        print(f"  {label:<11} {ms(server and server['p50'])} {ms(server and server['p95'])} {ms(figures['p50'])} {ms(figures['p95'])} "
              f"{ms(figures['p99'])} {figures['max']:8.2f}   {verdict}")
    client.close()
    for label, meter in meters:
        print(f"  ({label}: {meter.text()})")

    print(f"\nThroughput, wrk -t{args.wrk_threads} -c{args.connections} -d{args.seconds}s (wrk shares the {os.cpu_count()} cores with the portal):")
    print(f"  {'URL':<11} {'req/s':>8} {'requests':>9} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'bytes/resp':>10} {'non-2xx':>8}  errors   target >= {args.target_rps:g} req/s")
    meters = []
    for label, url in urls + [("search-new", fresh_template)]:
        with CpuMeter(args.pid, args.db_pid) as meter:
            figures = run_wrk(args.port, args.host, args.cookie, url, args.connections, args.wrk_threads, args.seconds,
                              terms=terms if label == "search-new" else None)
        meters.append((label, meter))
        results[label]["wrk"] = {k: v for k, v in figures.items() if k != "raw"}
        rps = figures["rps"] or 0
        verdict = "met" if rps >= args.target_rps else f"MISSED: {rps / args.target_rps * 100:.0f}% of target"
        def ms(value):
            return f"{value:8.1f}" if value is not None else "       ?"
        print(f"  {label:<11} {rps:8.1f} {figures['requests'] or 0:9,} {ms(figures['p50'])} {ms(figures['p90'])} {ms(figures['p99'])} "
              f"{figures.get('bytes_per_request', 0):10,.0f} {figures['non2xx']:8}  {figures['errors']:<8} {verdict}")
    for label, meter in meters:
        print(f"  ({label}: {meter.text()})")
    # The session must still be valid: a redirect to /sign-in would count as a 3xx and go unnoticed.
    check_list_page(Client(args.port, args.host, args.cookie), first)
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"urls": dict(urls), "results": results}, out, indent=1)


# ---------------------------------------------------------------------------------------------
# CSV export and memory


def proc_status(pid):
    values = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0])  # KiB
    return values


def cmd_export(args):
    client = Client(args.port, args.host, args.cookie)
    check_list_page(client, "/accounts")
    reset = True
    try:
        # "5" resets the peak resident set size (VmHWM) to the current RSS (Linux >= 4.0).
        with open(f"/proc/{args.pid}/clear_refs", "w") as refs:
            refs.write("5")
    except OSError:
        reset = False
    before = proc_status(args.pid)
    peak = [before["VmRSS"]]
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            try:
                peak[0] = max(peak[0], proc_status(args.pid)["VmRSS"])
            except OSError:
                return
            time.sleep(0.005)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    received = {"bytes": 0, "lines": 0, "first": None}
    started = time.perf_counter()

    def consume(chunk):
        if received["first"] is None:
            received["first"] = time.perf_counter() - started
        received["bytes"] += len(chunk)
        received["lines"] += chunk.count(b"\n")

    status, headers, _ = client.get(args.path, stream=consume, headers={"Accept": "text/csv"})
    elapsed = time.perf_counter() - started
    stop.set()
    sampler.join()
    after = proc_status(args.pid)
    if status != 200:
        sys.exit(f"GET {args.path} answered {status}")
    rows = received["lines"] - 1
    hwm_growth = after["VmHWM"] - before["VmHWM"]
    print(f"  {args.label:<16} {rows:>8,} rows {received['bytes'] / 1048576:7.1f} MiB in {elapsed:6.2f} s "
          f"({rows / elapsed:8,.0f} rows/s, first byte {received['first'] * 1000:5.0f} ms); "
          f"RSS before {before['VmRSS'] / 1024:6.1f} MiB, sampled peak {peak[0] / 1024:6.1f} MiB "
          f"(+{(peak[0] - before['VmRSS']) / 1024:.1f}), VmHWM {before['VmHWM'] / 1024:.1f} -> {after['VmHWM'] / 1024:.1f} MiB "
          f"(+{hwm_growth / 1024:.1f}{'' if reset else ', not reset: it includes earlier peaks'})")
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"rows": rows, "bytes": received["bytes"], "seconds": elapsed, "rss_before_kib": before["VmRSS"],
                       "peak_kib": peak[0], "hwm_before_kib": before["VmHWM"], "hwm_after_kib": after["VmHWM"]}, out)


# ---------------------------------------------------------------------------------------------
# The header counts after a change


def cmd_freshness(args):
    client = Client(args.port, args.host, args.cookie)

    def snapshot(path):
        page, _ = check_list_page(client, path)
        return page, counts(page)

    def show(values):
        return ", ".join(f"{k} {v:,}" for k, v in values.items()) + f" (sum {sum(values.values()):,})"

    # 1. Lock an account: it leaves the "not locked" list at once.
    path = "/accounts?locked=no"
    page, before = snapshot(path)
    uid = row_uids(page)[0]
    token = csrf_token(page)
    started = time.perf_counter()
    status, headers, _ = client.post_form(f"/accounts/{urllib.parse.quote(uid)}/lock", {"csrf_token": token})
    if status not in (302, 303):
        sys.exit(f"POST /accounts/{uid}/lock answered {status}")
    _, after = snapshot(path)
    elapsed = (time.perf_counter() - started) * 1000
    print(f"  Lock account {uid} (POST /accounts/{uid}/lock, as the Account tab's control does), then reload {path}")
    print(f"    before: {show(before)}")
    print(f"    after:  {show(after)}   -> sum changed by {sum(after.values()) - sum(before.values()):+d} "
          f"(expected -1), {elapsed:.0f} ms from the POST to the reloaded page")
    _, locked = snapshot("/accounts?locked=yes")
    client.post_form(f"/accounts/{urllib.parse.quote(uid)}/unlock", {"csrf_token": token})
    _, unlocked = snapshot("/accounts?locked=yes")
    print(f"    /accounts?locked=yes while locked: sum {sum(locked.values()):,}; after unlocking again: sum {sum(unlocked.values()):,}")

    # 2. Create an account through the New account form: "New" grows by one at once.
    page, before = snapshot("/accounts")
    status, headers, body = client.get("/accounts/new")
    token = csrf_token(body.decode("utf-8", "replace")) or token
    stamp = int(time.time() * 1000) % 10_000_000
    started = time.perf_counter()
    status, headers, body = client.post_form("/accounts", {
        "csrf_token": token, "name": f"Freshness Check Bakery {stamp}", "email": f"freshness{stamp}@bench.example",
        "owner_name": "Fresh Owner", "phone": "+44 20 0000 0000", "group": "", "template": ""})
    if status not in (302, 303):
        sys.exit(f"POST /accounts answered {status}: {body[:400]!r}")
    _, after = snapshot("/accounts")
    elapsed = (time.perf_counter() - started) * 1000
    print(f"  Create an account (POST /accounts, the New account form), then reload /accounts")
    print(f"    before: {show(before)}")
    print(f"    after:  {show(after)}   -> New changed by {after.get('New', 0) - before.get('New', 0):+d}, sum by "
          f"{sum(after.values()) - sum(before.values()):+d} (expected +1, +1), {elapsed:.0f} ms from the POST to the reloaded page")


# ---------------------------------------------------------------------------------------------
# The SQL of a request, from the debug log, runnable as it is


def parse_swift_array(text, start):
    """Parses a Swift [String] description beginning at text[start] == '['; returns (items, end)."""
    assert text[start] == "["
    items, index = [], start + 1
    escapes = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "\\": "\\", '"': '"', "'": "'"}
    while index < len(text):
        char = text[index]
        if char == "]":
            return items, index + 1
        if char in ", ":
            index += 1
            continue
        if char != '"':
            raise ValueError(f"unexpected {char!r} in binds at {index}")
        index += 1
        value = []
        while text[index] != '"':
            if text[index] == "\\":
                nxt = text[index + 1]
                if nxt == "u":  # \u{XXXX}
                    close = text.index("}", index)
                    value.append(chr(int(text[index + 3:close], 16)))
                    index = close + 1
                    continue
                value.append(escapes.get(nxt, nxt))
                index += 2
                continue
            value.append(text[index])
            index += 1
        items.append("".join(value))
        index += 1
    raise ValueError("unterminated binds")


UUID_TEXT = re.compile(r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$")
DATE_TEXT = re.compile(r"^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?) ([+-]\d{4})$")
INT_TEXT = re.compile(r"^-?\d{1,18}$")


def literal(value, dialect, uuid_storage="text"):
    """The SQL literal for a bind as the log prints it (`"\\(value)"` of the Swift value).
    SQLite: UUIDs as the database stores them (text as the encoder sends it, upper-case, or
    16-byte blobs), dates as REAL seconds since 1970 (SQLiteNIO's encoding), booleans as 0/1.
    PostgreSQL: quoted literals, typed where the type cannot be inferred."""
    def quoted(text):
        return "'" + text.replace("'", "''") + "'"
    if UUID_TEXT.match(value):
        if dialect == "postgres":
            return f"'{value.lower()}'::uuid"
        return f"X'{value.replace('-', '').upper()}'" if uuid_storage == "blob" else quoted(value)
    date = DATE_TEXT.match(value)
    if date:
        if dialect == "postgres":
            return f"'{date.group(1)} {date.group(2)}{date.group(3)}'::timestamptz"
        moment = datetime.datetime.strptime(f"{date.group(1)} {date.group(2).split('.')[0]} {date.group(3)}", "%Y-%m-%d %H:%M:%S %z")
        return repr(float(moment.timestamp()))
    if value in ("true", "false"):
        return ("1" if value == "true" else "0") if dialect == "sqlite" else value
    if INT_TEXT.match(value) and dialect == "sqlite":
        return value
    return quoted(value)


def substitute(sql, binds, dialect, uuid_storage="text"):
    pattern = re.compile(r"\?(\d+)|\?(?!\d)") if dialect == "sqlite" else re.compile(r"\$(\d+)")
    counter = iter(range(len(binds)))

    def replace(match):
        index = int(match.group(1)) - 1 if match.group(1) else next(counter)
        return literal(binds[index], dialect, uuid_storage)
    return pattern.sub(replace, sql)


def log_queries(log_path):
    """(request_id, sql, binds) of every 'Executing query' line."""
    queries = []
    for line in open(log_path, encoding="utf-8", errors="replace"):
        if "Executing query" not in line or " sql=" not in line:
            continue
        start = line.find("binds=[")
        binds = []
        if start >= 0:
            binds, _ = parse_swift_array(line, start + len("binds="))
        request = re.search(r"request-id=(\S+)", line)
        sql = line[line.index(" sql=") + 5:]
        sql = re.sub(r" \[[\w.-]+\] Executing query\s*$", "", sql).rstrip()
        queries.append((request.group(1) if request else "", sql, binds))
    return queries


def cmd_sql(args):
    """Writes <out>/<label>.json: the statements of each captured request, binds substituted."""
    queries = log_queries(args.log)
    wanted = dict(line.split() for line in open(args.requests) if line.strip())
    for label, request_id in wanted.items():
        statements = [{"sql": sql, "binds": binds, "runnable": substitute(sql, binds, args.dialect, args.uuid_storage)}
                      for rid, sql, binds in queries if rid == request_id]
        if not statements:
            sys.exit(f"no SQL logged for request {request_id} ({label}) in {args.log}")
        with open(os.path.join(args.out, f"{label}.json"), "w") as out:
            json.dump(statements, out, indent=1)


def short(sql, width=92):
    text = re.sub(r"\s+", " ", sql)
    return text if len(text) <= width else text[:width - 1] + "…"


def classify(sql):
    lowered = sql.lower()
    if 'from "account_tags"' in lowered and " in (" in lowered:
        return "tags"
    if 'from "accounts"' not in lowered:
        return "other"
    return "counts" if "count(*)" in lowered else "page"



def run_sqlite(db, statements, runs):
    """Runs each statement `runs` times in one sqlite3 shell with .timer on. Returns, per
    statement, (real ms, CPU ms) of each run: the shell prints real time to the millisecond
    only, user and system CPU time to the microsecond."""
    script = [".timer on", ".mode list", ".headers off"]
    for statement in statements:
        for _ in range(runs):
            script.append(statement.rstrip().rstrip(";") + ";")
    output = subprocess.run(["sqlite3", "-readonly", db], input="\n".join(script) + "\n", capture_output=True, text=True)
    if output.returncode != 0 or output.stderr.strip():
        sys.exit(f"sqlite3 failed: {output.stderr[:1000]}")
    found = re.findall(r"Run Time: real ([\d.]+) user ([\d.]+) sys ([\d.]+)", output.stdout)
    if len(found) != len(statements) * runs:
        sys.exit(f"sqlite3: expected {len(statements) * runs} timings, got {len(found)}. stderr: {output.stderr[:1000]}")
    times = [(float(real) * 1000, (float(user) + float(system)) * 1000) for real, user, system in found]
    return [times[i * runs:(i + 1) * runs] for i in range(len(statements))]


def row_count(args, statement):
    """How many rows the statement returns (a check that the substituted binds match rows)."""
    wrapped = f"SELECT COUNT(*) FROM ({statement.rstrip().rstrip(';')}) AS counted"
    command = (["sqlite3", "-readonly", args.db, wrapped] if args.dialect == "sqlite" else args.psql + ["-X", "-At", "-c", wrapped])
    output = subprocess.run(command, capture_output=True, text=True)
    return output.stdout.strip() if output.returncode == 0 else "error: " + output.stderr.strip()[:200]


def run_psql(psql, statements, runs):
    script = ["\\set QUIET on", "\\pset pager off", "\\o /dev/null", "\\timing on"]
    for statement in statements:
        for _ in range(runs):
            script.append(statement.rstrip().rstrip(";") + ";")
    output = subprocess.run(psql + ["-X", "-v", "ON_ERROR_STOP=1"], input="\n".join(script) + "\n", capture_output=True, text=True)
    if output.returncode != 0:
        sys.exit(f"psql failed: {output.stderr[:1000]}")
    times = [(float(t), None) for t in re.findall(r"Time: ([\d.]+) ms", output.stdout)]
    if len(times) != len(statements) * runs:
        sys.exit(f"psql: expected {len(statements) * runs} timings, got {len(times)}. stderr: {output.stderr[:1000]}")
    return [times[i * runs:(i + 1) * runs] for i in range(len(statements))]


def explain(args, statement):
    if args.dialect == "sqlite":
        output = subprocess.run(["sqlite3", "-readonly", args.db], input=f"EXPLAIN QUERY PLAN {statement};\n", capture_output=True, text=True)
    else:
        output = subprocess.run(args.psql + ["-X", "-c", f"EXPLAIN (ANALYZE, BUFFERS) {statement}"], capture_output=True, text=True)
    lines = (output.stdout + output.stderr).rstrip().splitlines()
    return "\n".join(line.rstrip()[:240] + ("…" if len(line.rstrip()) > 240 else "") for line in lines)


def cmd_raw(args):
    """Raw timings of each captured request's SQL, next to the portal's latency for the URL."""
    latency = json.load(open(args.latency))["results"] if args.latency else {}
    if args.dialect == "sqlite":
        print(f"Each statement of the request run {args.runs} times in one sqlite3 shell with .timer on (after the portal has stopped);\n"
              f"median of 'real' (the shell prints it to the millisecond only) and of CPU time (user + sys, to the microsecond).\n"
              f"SQL from the portal's debug log, binds substituted (UUIDs as the database stores them ({args.uuid_storage}), "
              f"dates as REAL seconds since 1970, booleans as 0/1).")
        header = f"    {'real ms':>8} {'cpu ms':>8} {'rows':>6}  statement"
    else:
        print(f"Each statement of the request run {args.runs} times in one psql session with \\timing on (after the portal has stopped);\n"
              f"median of the client-side time. SQL from the portal's debug log, binds substituted as typed literals.")
        header = f"    {'ms':>8} {'':>8} {'rows':>6}  statement"
    plans = []
    for label in args.labels:
        statements = json.load(open(os.path.join(args.dir, f"{label}.json")))
        # Reads only: the audit entry of the export and the session's sliding deadline are writes.
        runnable = [s["runnable"] for s in statements if s["runnable"].lstrip().upper().startswith("SELECT")]
        if label == "export":
            # One batch of the stream (the second, which continues after a cursor), and what precedes the batches.
            batches = [i for i, statement in enumerate(runnable) if classify(statement) == "page"]
            start, end = (batches[1], batches[2] if len(batches) > 2 else len(runnable)) if len(batches) > 1 else (0, len(runnable))
            before = [statement for statement in runnable[:batches[0]]] if batches else []
            print(f"\n  export: {len(batches)} batches of the stream ({len(runnable)} statements); below, the statements before the first "
                  f"batch and those of the second batch")
            runnable = before + runnable[start:end]
        timings = (run_sqlite(args.db, runnable, args.runs) if args.dialect == "sqlite" else run_psql(args.psql, runnable, args.runs))
        medians = [(statistics.median(r for r, _ in t), statistics.median(c for _, c in t) if t[0][1] is not None else None) for t in timings]
        total = sum(m[0] for m in medians)
        total_cpu = sum(m[1] for m in medians) if medians[0][1] is not None else None
        portal = latency.get(label, {}).get("latency", {}).get("p50")
        cpu_text = f" (CPU {total_cpu:.2f} ms)" if total_cpu is not None else ""
        # The header counts are kept 5 s per operator and filter, so in the timed loop nearly
        # every request runs every statement but the counts (captured here from a request that
        # did count, right after a restart). The portal's share is its own p50 (Server-Timing)
        # less the statements it runs on a cached request.
        kinds = [classify(statement) for statement in runnable]
        cached = sum(m[0] for m, k in zip(medians, kinds) if k != "counts")
        counts = total - cached
        server = latency.get(label, {}).get("server") or {}
        portal = server.get("p50") or portal
        print(f"\n  {label}: {len(runnable)} statements, sum of medians {total:.2f} ms{cpu_text}"
              + (f", of which the header counts {counts:.2f} ms (run at most once per 5 s per filter); on a request whose counts "
                 f"are kept: {cached:.2f} ms of SQL against the portal's p50 of {portal:.2f} ms (its Server-Timing), so about "
                 f"{max(portal - cached, 0):.1f} ms outside the database (framework, decoding, rendering)" if portal and counts > 0 else
                 f"; the portal's p50 for the whole request: {portal:.2f} ms" if portal else ""))
        print(header)
        for statement, (real, cpu) in zip(runnable, medians):
            cpu_column = f"{cpu:8.2f}" if cpu is not None else " " * 8
            print(f"    {real:8.2f} {cpu_column} {row_count(args, statement):>6}  {short(statement)}")
            if classify(statement) != "other":
                plans.append((label, classify(statement), statement, real))
    print("\n  Query plans of the accounts statements (the page, the header counts, the export's tags):")
    seen = set()
    for label, kind, statement, real in plans:
        if statement in seen:
            continue
        seen.add(statement)
        print(f"\n  [{label}, {kind}, median {real:.2f} ms] {short(statement, 1500)}")
        print("    " + explain(args, statement).replace("\n", "\n    "))


def cmd_summary(args):
    def load(name):
        path = os.path.join(args.dir, name)
        return json.load(open(path)) if os.path.exists(path) else None

    for db in args.databases:
        print(f"{db}:")
        for name in sorted(os.listdir(args.dir)):
            if name.startswith(f"{db}-seed-"):
                seed = load(name)
                slug = name[len(f"{db}-seed-"):-len(".json")]
                own = seed["seed_seconds"]
                print(f"  seed {seed['accounts']:>7,} accounts ({slug}): {own if own is not None else '?'} s by its own count, "
                      f"{seed['wall_seconds']} s for the whole command, peak {seed['rss_kib'] / 1024:.0f} MiB")
        listing = load(f"{db}-list.json")
        if listing:
            for label, result in listing["results"].items():
                latency, wrk, server = result["latency"], result.get("wrk", {}), result.get("server")
                worst = max(latency["p95"], server["p95"] if server else 0)
                p95_note = "" if db != "sqlite" else ("  (p95 target met)" if worst < 20 else f"  (p95 target MISSED by {worst - 20:.1f} ms)")
                rps = wrk.get("rps") or 0
                rps_note = "" if db != "sqlite" else ("  (req/s target met)" if rps >= 500 else f"  (req/s target MISSED: {rps / 500 * 100:.0f}% of 500)")
                server_text = f"server p50 {server['p50']:6.2f} p95 {server['p95']:6.2f} ms, " if server else ""
                print(f"  {label:<11} {server_text}client p50 {latency['p50']:6.2f} p95 {latency['p95']:6.2f} ms{p95_note}   "
                      f"{rps:7.1f} req/s at 32 connections{rps_note}")
        for which in ("small", "large"):
            export = load(f"{db}-export-{which}.json")
            if export:
                print(f"  export {export['rows']:>7,} rows: {export['seconds']:.2f} s, {export['bytes'] / 1048576:.1f} MiB; portal RSS "
                      f"{export['rss_before_kib'] / 1024:.1f} -> peak {export['peak_kib'] / 1024:.1f} MiB "
                      f"(+{(export['peak_kib'] - export['rss_before_kib']) / 1024:.1f} MiB)")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    def http_args(p):
        p.add_argument("--port", type=int, required=True)
        p.add_argument("--host", required=True)
        p.add_argument("--cookie", required=True)

    p = sub.add_parser("signin")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--host", required=True)
    p.add_argument("--email", required=True)
    p.add_argument("--password-file", required=True)
    p.set_defaults(func=cmd_signin)

    p = sub.add_parser("capture")
    http_args(p)
    p.add_argument("path", nargs="+", help="label=/path")
    p.set_defaults(func=cmd_capture)

    p = sub.add_parser("list")
    http_args(p)
    p.add_argument("--first", required=True)
    p.add_argument("--search", required=True)
    p.add_argument("--near-end", required=True)
    p.add_argument("--search-fresh", required=True, help="a path with {term}: searched with a new term each request")
    p.add_argument("--pid", type=int, required=True, help="the portal's process id, for its CPU time")
    p.add_argument("--db-pid", type=int, help="the PostgreSQL postmaster's process id, for its CPU time")
    p.add_argument("--requests", type=int, default=200)
    p.add_argument("--warmup", type=int, default=20)
    p.add_argument("--connections", type=int, default=32)
    p.add_argument("--wrk-threads", type=int, default=2)
    p.add_argument("--seconds", type=int, default=10)
    p.add_argument("--target-p95", type=float, default=20)
    p.add_argument("--target-rps", type=float, default=500)
    p.add_argument("--json")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("export")
    http_args(p)
    p.add_argument("--pid", type=int, required=True)
    p.add_argument("--path", default="/accounts/export.csv")
    p.add_argument("--label", default="")
    p.add_argument("--json")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("freshness")
    http_args(p)
    p.set_defaults(func=cmd_freshness)

    p = sub.add_parser("sql")
    p.add_argument("--dialect", choices=["sqlite", "postgres"], required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--requests", required=True, help="file of 'label request-id' lines")
    p.add_argument("--uuid-storage", choices=["text", "blob"], default="text", help="how SQLite stores UUIDs (typeof(id))")
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_sql)

    p = sub.add_parser("raw")
    p.add_argument("--dialect", choices=["sqlite", "postgres"], required=True)
    p.add_argument("--dir", required=True)
    p.add_argument("--labels", nargs="+", required=True)
    p.add_argument("--db", help="SQLite file")
    p.add_argument("--psql", help="psql command line, e.g. 'psql -h 127.0.0.1 -p 55433 -U postgres bench'")
    p.add_argument("--runs", type=int, default=21)
    p.add_argument("--latency", help="JSON written by `list`, to compare")
    p.add_argument("--uuid-storage", choices=["text", "blob"], default="text")
    p.set_defaults(func=cmd_raw)

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
