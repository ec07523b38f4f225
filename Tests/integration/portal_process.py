"""Starting and talking to a `portal` binary in a scratch directory (standard library only)."""
import http.client
import os
import re
import socket
import sqlite3
import subprocess
import tempfile
import time
import urllib.parse

SETUP_LINK = re.compile(r"https?://\S+/setup/[A-Za-z0-9_-]+")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


class Portal:
    """A running `portal serve` with its own working directory, environment and log file."""

    def __init__(self, binary, port=None, env=None, args=None, workdir=None):
        self.binary = binary
        self.workdir = workdir or tempfile.mkdtemp(prefix="portal-it-")
        self.port = port or free_port()
        # These checks change partners with commands while the portal serves and look at once;
        # a running instance would show such a change within PARTNER_CACHE_SECONDS.
        self.env = {**os.environ, "LOG_LEVEL": "info", "PARTNER_CACHE_SECONDS": "0", **(env or {})}
        self.args = args if args is not None else ["serve", "--hostname", "127.0.0.1", "--port", str(self.port)]
        self.log_path = os.path.join(self.workdir, "server.log")
        self.process = None

    def start(self, wait=True):
        self.log_file = open(self.log_path, "wb")
        self.process = subprocess.Popen([self.binary, *self.args], cwd=self.workdir, env=self.env,
                                        stdout=self.log_file, stderr=subprocess.STDOUT)
        if wait:
            self.wait_until_healthy()
        return self

    def wait_until_healthy(self, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"portal exited with {self.process.returncode}:\n{self.log()}")
            try:
                if self.request("GET", "/healthz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"portal did not become healthy:\n{self.log()}")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if getattr(self, "log_file", None):
            self.log_file.close()

    def log(self) -> str:
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as handle:
                return handle.read()
        except FileNotFoundError:
            return ""

    def setup_link(self, timeout=30) -> str:
        deadline = time.time() + timeout
        while time.time() < deadline:
            match = SETUP_LINK.search(self.log())
            if match:
                return match.group(0)
            time.sleep(0.2)
        raise RuntimeError("no setup link in the log:\n" + self.log())

    def request(self, method, path, body=None, headers=None, host=None, timeout=15):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            all_headers = {"Host": host or f"127.0.0.1:{self.port}", **(headers or {})}
            connection.request(method, path, body=body, headers=all_headers)
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read().decode("utf-8", "replace"), response.msg
        finally:
            connection.close()

    def cli(self, *args, stdin=None, env=None, timeout=120):
        return subprocess.run([self.binary, *args], cwd=self.workdir, env={**self.env, **(env or {})},
                              input=stdin, capture_output=True, text=True, timeout=timeout)


class Session:
    """A minimal browser: keeps cookies and reads the CSRF field from forms."""

    def __init__(self, portal, host=None):
        self.portal = portal
        self.host = host
        self.cookies = {}

    def _absorb(self, message):
        for header in message.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if value and "max-age=0" not in header.lower():
                self.cookies[name] = value
            else:
                self.cookies.pop(name, None)

    def _cookie_header(self):
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def get(self, path):
        status, headers, body, message = self.portal.request("GET", path, headers={"Cookie": self._cookie_header()}, host=self.host)
        self._absorb(message)
        return status, headers, body

    def post(self, path, fields):
        body = urllib.parse.urlencode(fields)
        status, headers, text, message = self.portal.request(
            "POST", path, body=body, host=self.host,
            headers={"Cookie": self._cookie_header(), "Content-Type": "application/x-www-form-urlencoded"})
        self._absorb(message)
        return status, headers, text


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]*)"', html)
    return match.group(1) if match else ""


def header(headers: dict, name: str):
    """A response header by name, whatever its case."""
    return next((value for key, value in headers.items() if key.lower() == name.lower()), None)


# --------------------------------------------------------------------------- the second factor

SIGN_IN_CODE_SUBJECT = re.compile(r"^(\d{6}) is your .* sign-in code$")
TOTP_SECRET = re.compile(r'id="totp-secret"[^>]*>([A-Z2-7 ]+)<')
RECOVERY_CODE = re.compile(r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>")


def sqlite_path(portal):
    """The SQLite file `portal` was started with (SQLITE_PATH, relative to its workdir), or None
    when it runs on PostgreSQL (DATABASE_URL)."""
    if portal.env.get("DATABASE_URL"):
        return None
    path = portal.env.get("SQLITE_PATH") or os.path.join("data", "portal.sqlite")
    return os.path.join(portal.workdir, path)


def outbound_messages(portal, recipient=None, channel=None):
    """Messages the portal queued (its `outbound_messages` table), newest first, as dicts with
    recipient, subject, body, channel, status and created_at. Read straight from the database:
    /dev/mailbox is for signed-in admins only."""
    path = sqlite_path(portal)
    assert path, "outbound_messages: the portal is not on SQLite"
    if not os.path.exists(path):
        return []
    query = "SELECT recipient, subject, body, channel, status, created_at FROM outbound_messages"
    conditions, parameters = [], []
    if recipient is not None:
        conditions.append("lower(recipient) = lower(?)")
        parameters.append(recipient)
    if channel is not None:
        conditions.append("channel = ?")
        parameters.append(channel)
    if conditions:
        query += " WHERE " + " AND ".join(conditions)
    query += " ORDER BY created_at DESC, rowid DESC"
    connection = sqlite3.connect(f"file:{urllib.parse.quote(os.path.abspath(path))}?mode=ro", uri=True, timeout=10)
    try:
        connection.row_factory = sqlite3.Row
        try:
            return [dict(row) for row in connection.execute(query, parameters)]
        except sqlite3.OperationalError as error:
            if "no such table" in str(error):
                return []
            raise
    finally:
        connection.close()


def sql_rows(portal, query, parameters=()):
    """Rows of a read-only query on the portal's SQLite file, as dicts."""
    path = sqlite_path(portal)
    assert path, "sql_rows: the portal is not on SQLite"
    connection = sqlite3.connect(f"file:{urllib.parse.quote(os.path.abspath(path))}?mode=ro", uri=True, timeout=10)
    try:
        connection.row_factory = sqlite3.Row
        return [dict(row) for row in connection.execute(query, parameters)]
    finally:
        connection.close()


def emailed_sign_in_codes(portal, recipient, host=None):
    """The sign-in codes emailed to `recipient` (any partner; `host` is kept for callers), newest first."""
    codes = []
    for message in outbound_messages(portal, recipient=recipient, channel="email"):
        match = SIGN_IN_CODE_SUBJECT.match(message["subject"])
        if match:
            codes.append(match.group(1))
    return codes


def new_emailed_sign_in_code(portal, recipient, seen, host=None, timeout=15):
    """The newest sign-in code emailed to `recipient`, once there are more than `seen` of them."""
    deadline = time.time() + timeout
    while True:
        codes = emailed_sign_in_codes(portal, recipient, host)
        if len(codes) > seen:
            return codes[0]
        if time.time() > deadline:
            raise AssertionError(f"no new sign-in code for {recipient} in outbound_messages ({len(codes)} there)")
        time.sleep(0.2)


class SignIn:
    """One person signing in through the browser forms, second factor included."""

    def __init__(self, portal, email, password, host=None):
        self.portal, self.email, self.password, self.host = portal, email, password, host
        self.browser = Session(portal, host=host)

    def password_step(self, path="/sign-in", fields=None):
        """Submits the password (the sign-in form, or a setup link with `fields`); returns (status, Location)."""
        _, _, page = self.browser.get(path)
        form = fields if fields is not None else {"email": self.email, "password": self.password}
        # Emailed codes are read from the SQLite file; on PostgreSQL only an authenticator app signs in here.
        self.codes_seen = len(emailed_sign_in_codes(self.portal, self.email, self.host)) if sqlite_path(self.portal) else 0
        status, headers, _ = self.browser.post(path, {**form, "csrf_token": csrf_from(page)})
        return status, header(headers, "Location")

    def enrol(self, method, phone=None):
        """Chooses a method on /sign-in/enrol; returns the code page (with the key for totp)."""
        status, _, page = self.browser.get("/sign-in/enrol")
        assert status == 200 and "Set up two-step sign-in" in page, status
        fields = {"method": method, "csrf_token": csrf_from(page)}
        if phone:
            fields["phone"] = phone
        status, headers, _ = self.browser.post("/sign-in/enrol", fields)
        assert status == 303 and header(headers, "Location") == "/sign-in/code", (status, headers)
        status, _, page = self.browser.get("/sign-in/code")
        assert status == 200, status
        return page

    @staticmethod
    def totp_secret(page):
        match = TOTP_SECRET.search(page)
        assert match, "no #totp-secret on the code page"
        return match.group(1).replace(" ", "")

    def emailed_code(self):
        return new_emailed_sign_in_code(self.portal, self.email, self.codes_seen, self.host)

    def submit_code(self, code):
        """Posts a code on /sign-in/code; returns (status, Location, body)."""
        _, _, page = self.browser.get("/sign-in/code")
        # Not signed in yet: the form's token is the anonymous CSRF cookie's (also when the
        # page itself has gone, to see what posting the code then does).
        token = csrf_from(page) or self.browser.cookies.get("portal_csrf", "")
        status, headers, body = self.browser.post("/sign-in/code", {"code": code, "csrf_token": token})
        return status, header(headers, "Location"), body

    def signed_in(self):
        return self.browser.get("/")[0] == 200
