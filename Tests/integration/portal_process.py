"""Starting and talking to a `portal` binary in a scratch directory (standard library only)."""
import http.client
import os
import re
import socket
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
        self.env = {**os.environ, "LOG_LEVEL": "info", **(env or {})}
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
