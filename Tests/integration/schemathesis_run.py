"""Runs schemathesis with every check against a fresh portal's /api/v1, authenticated with a
token made by `portal token create`. Exits with schemathesis's status."""
import argparse
import os
import subprocess
import sys

from portal_process import Portal

PASSWORD = "a long enough passphrase"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--portal", required=True)
    parser.add_argument("--st", required=True, help="the schemathesis `st` executable")
    opts = parser.parse_args()
    opts.portal = os.path.abspath(opts.portal)

    portal = Portal(opts.portal, env={"LOG_LEVEL": "warning"}).start()
    try:
        made = portal.cli("operator", "create", "--partner", "default", "--email", "api@example.com", "--name", "API Tester",
                          "--role", "admin-secure", "--password-stdin", stdin=PASSWORD + "\n")
        if made.returncode != 0:
            sys.exit(f"could not create the operator: {made.stderr}")
        token = portal.cli("token", "create", "--partner", "default", "--operator", "api@example.com", "--name", "schemathesis")
        if token.returncode != 0:
            sys.exit(f"could not create the token: {token.stderr}")
        value = token.stdout.strip().splitlines()[-1]
        base = f"http://127.0.0.1:{portal.port}/api/v1"
        command = [opts.st, "run", f"{base}/openapi.yaml", "--url", base, "--checks", "all",
                   "-H", f"Authorization: Bearer {value}", "--max-examples", "50", "--no-color"]
        shown = [("Authorization: Bearer …" if part.startswith("Authorization:") else part) for part in command]
        print("$", " ".join(shown), flush=True)
        here = os.path.dirname(os.path.abspath(__file__))
        env = dict(os.environ, SCHEMATHESIS_HOOKS="schemathesis_hooks",
                   PYTHONPATH=os.pathsep.join(filter(None, [here, os.environ.get("PYTHONPATH")])),
                   PORTAL_OPENAPI_PATH=os.path.join(here, "..", "..", "Sources", "App", "API", "openapi.yaml"))
        result = subprocess.run(command, timeout=1800, env=env)
        if result.returncode != 0:
            print(portal.log()[-4000:])
        sys.exit(result.returncode)
    finally:
        portal.stop()


if __name__ == "__main__":
    main()
