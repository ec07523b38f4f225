#!/usr/bin/env python3
"""Invites operators through the API until a partner has the number asked for (standard library
only): POST /api/v1/operators with a bearer token, a few at a time.

    invite.py --base http://127.0.0.1:56480 --host load.localhost --token TOKEN --count 1960 \\
              [--role viewer] [--threads 4] [--prefix load-op]

Each invitee is "<prefix>-<n>@<host>" with a Viewer grant over all accounts. An address that
is taken already (409) counts as there. Exits 1 if any other answer comes.
"""
import argparse
import http.client
import json
import sys
import threading
import time
import urllib.parse


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", required=True)
    parser.add_argument("--host", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--role", default="viewer")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--prefix", default="load-op")
    opts = parser.parse_args()
    url = urllib.parse.urlparse(opts.base)
    numbers = list(range(1, opts.count + 1))
    lock = threading.Lock()
    results = {"created": 0, "existing": 0, "failed": []}

    def work():
        connection = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=60)
        while True:
            with lock:
                if not numbers:
                    break
                n = numbers.pop()
            body = json.dumps({"name": f"Load Operator {n}", "email": f"{opts.prefix}-{n}@{opts.host}",
                               "grants": [{"role": opts.role, "scope": "all"}]})
            headers = {"Host": opts.host, "Authorization": f"Bearer {opts.token}", "Content-Type": "application/json",
                       "Accept": "application/json"}
            try:
                connection.request("POST", "/api/v1/operators", body=body, headers=headers)
                response = connection.getresponse()
                data = response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as error:
                connection.close()
                status, data = None, str(error).encode()
            with lock:
                if status == 201:
                    results["created"] += 1
                elif status == 409:
                    results["existing"] += 1
                else:
                    results["failed"].append((n, status, data[:200]))

    started = time.time()
    threads = [threading.Thread(target=work) for _ in range(opts.threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(f"  invited {results['created']} operators through POST /api/v1/operators in {time.time() - started:.1f} s"
          f" ({results['existing']} existed already, {len(results['failed'])} failed)")
    for n, status, data in results["failed"][:5]:
        print(f"    {n}: {status} {data!r}")
    sys.exit(1 if results["failed"] else 0)


if __name__ == "__main__":
    main()
