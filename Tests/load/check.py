#!/usr/bin/env python3
"""Judges a failure run (standard library only): the workload's records, the failure events,
the proxy's access log and the database.

    check.py --records records.jsonl --events events.jsonl --access-log access.log \\
             --psql "psql -X -h 127.0.0.1 -p PORT -U postgres portal" --partner load [--margin 5]

Prints: requests sent, by kind and outcome; acknowledged writes; lost writes (acknowledged but
absent from the database: must be 0); doubled writes (present more than once: must be 0);
errors by cause with their times relative to the events; the instances' state at the end.

A failure window runs from an event to the recovery after it, plus --margin seconds on each
side: the kill of an instance until it answers /readyz again after its restart, and the stop
of PostgreSQL until every instance answers /readyz again. Exits 1 when a write is lost or
doubled, when an error falls outside the windows or has no cause the windows explain, or when
an instance is not ready at the end (or was restarted other than as the run said).

events.jsonl lines: {"event": "kill"|"restart"|"instance_ready"|"pg_stop"|"pg_start"|"pg_ready"|
"start"|"end", "t": unix seconds, ...}, and {"event": "final", "instance": n, "readyz": code,
"pid_before": p, "pid_after": q, "restarted": bool} per instance.
"""
import argparse
import collections
import json
import re
import shlex
import subprocess
import sys

NOTE_PREFIX = "load-test marker "
TAG_PREFIX = "lt-"
ACCESS_LINE = re.compile(r'^(?P<msec>[\d.]+) (?P<status>\d+) (?P<method>\S+) "(?P<uri>[^"]*)" upstream=(?P<upstream>.*?) '
                         r'upstream_status=(?P<ustatus>.*?) upstream_sent=(?P<usent>.*?) time=(?P<time>\S+) id=(?P<id>\S+)$')


def load_jsonl(path):
    with open(path) as handle:
        return [json.loads(line) for line in handle if line.strip()]


def access_entries(path):
    entries = {}
    with open(path, errors="replace") as handle:
        for line in handle:
            match = ACCESS_LINE.match(line.rstrip("\n"))
            if match and match["id"] != "-":
                entries[match["id"]] = match.groupdict()
    return entries


def psql_rows(psql, sql):
    output = subprocess.run(shlex.split(psql) + ["-At", "-F", "\t", "-c", sql], check=True, capture_output=True, text=True).stdout
    return [line.split("\t") for line in output.splitlines() if line]


def markers_in_database(psql, partner):
    """marker -> list of business uids it was found on, for notes and tags of the partner."""
    slug = partner.replace("'", "''")
    found = collections.defaultdict(list)
    notes = psql_rows(psql, f"""SELECT a.business_uid, n.body FROM account_notes n
        JOIN accounts a ON a.id = n.account_id AND a.partner_id = n.partner_id
        JOIN partners p ON p.id = n.partner_id
        WHERE p.slug = '{slug}' AND n.body LIKE '{NOTE_PREFIX}%'""")
    for uid, body in notes:
        found[("note", body[len(NOTE_PREFIX):])].append(uid)
    tags = psql_rows(psql, f"""SELECT a.business_uid, t.tag FROM account_tags t
        JOIN accounts a ON a.id = t.account_id AND a.partner_id = t.partner_id
        JOIN partners p ON p.id = t.partner_id
        WHERE p.slug = '{slug}' AND t.tag LIKE '{TAG_PREFIX}%'""")
    for uid, tag in tags:
        found[("tag", tag[len(TAG_PREFIX):])].append(uid)
    return found


def write_type(kind):
    return {"page_note": "note", "api_note": "note", "page_tag": "tag", "api_tag": "tag"}.get(kind)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", required=True)
    parser.add_argument("--events", required=True)
    parser.add_argument("--access-log", required=True)
    parser.add_argument("--psql", required=True)
    parser.add_argument("--partner", required=True)
    parser.add_argument("--margin", type=float, default=5.0)
    opts = parser.parse_args()

    records = load_jsonl(opts.records)
    events = load_jsonl(opts.events)
    access = access_entries(opts.access_log)
    first = {}
    for event in events:
        first.setdefault(event["event"], event)
    start = first.get("start", {"t": min(r["t0"] for r in records)})["t"]
    failures = []

    def rel(t):
        return f"{t - start:7.1f} s"

    print("Events (seconds from the start of the workload)")
    for event in events:
        if event["event"] != "final":
            extra = {k: v for k, v in event.items() if k not in ("event", "t")}
            print(f"  {rel(event['t'])}  {event['event']:<15} {json.dumps(extra) if extra else ''}")

    # -- requests by outcome --------------------------------------------------------------
    outcomes = collections.Counter()
    for record in records:
        if record["ack"]:
            outcome = "ok"
        elif record["status"] is not None:
            outcome = f"HTTP {record['status']}"
        else:
            outcome = record["error"].split(":")[0]
        outcomes[(record["kind"], outcome)] += 1
    duration = max(r["t1"] for r in records) - min(r["t0"] for r in records)
    print(f"\nRequests sent: {len(records)} in {duration:.0f} s ({len(records) / duration:.1f}/s), by kind and outcome")
    for (kind, outcome), count in sorted(outcomes.items()):
        print(f"  {kind:<12} {outcome:<24} {count}")
    total_by_outcome = collections.Counter()
    for (kind, outcome), count in outcomes.items():
        total_by_outcome[outcome] += count
    print("  all          " + ", ".join(f"{o}: {c}" for o, c in sorted(total_by_outcome.items())))

    # -- writes ---------------------------------------------------------------------------
    found = markers_in_database(opts.psql, opts.partner)
    writes = [r for r in records if write_type(r["kind"])]
    acked = [r for r in writes if r["ack"]]
    lost, doubled, wrong_account, applied_unacked = [], [], [], []
    sent_markers = set()
    for record in writes:
        key = (write_type(record["kind"]), record["marker"])
        sent_markers.add(key)
        places = found.get(key, [])
        if len(places) > 1:
            doubled.append(record)
        if places and any(uid != record["account"] for uid in places):
            wrong_account.append(record)
        if record["ack"] and not places:
            lost.append(record)
        if not record["ack"] and places:
            applied_unacked.append(record)
    unknown = [key for key in found if key not in sent_markers]
    print(f"\nWrites sent: {len(writes)} ({sum(1 for r in writes if write_type(r['kind']) == 'note')} notes, "
          f"{sum(1 for r in writes if write_type(r['kind']) == 'tag')} tags; through the pages and the API)")
    print(f"  acknowledged:                        {len(acked)}")
    print(f"  lost (acknowledged, absent):         {len(lost)}   (must be 0)")
    print(f"  doubled (present more than once):    {len(doubled)}   (must be 0)")
    print(f"  on another account than sent:        {len(wrong_account)}   (must be 0)")
    print(f"  applied but not acknowledged:        {len(applied_unacked)}   (the answer was lost on the way back; allowed)")
    print(f"  not acknowledged and absent:         {len(writes) - len(acked) - len(applied_unacked)}")
    print(f"  in the database but never sent:      {len(unknown)}   (must be 0)")
    for label, items in (("lost", lost), ("doubled", doubled), ("wrong account", wrong_account)):
        for record in items[:10]:
            print(f"    {label}: {record['kind']} {record['marker']} at {rel(record['t0'])} status {record['status']} on {record['account']}")
    if lost or doubled or wrong_account or unknown:
        failures.append("writes lost, doubled, misplaced or unknown")

    # -- errors by cause --------------------------------------------------------------------
    windows = []
    if "kill" in first:
        end = first.get("instance_ready", {"t": float("inf")})["t"]
        windows.append(("killed instance", first["kill"]["t"], end, first["kill"].get("port")))
    if "pg_stop" in first:
        end = first.get("pg_ready", {"t": float("inf")})["t"]
        windows.append(("PostgreSQL down", first["pg_stop"]["t"], end, None))
    print(f"\nFailure windows (margin {opts.margin:g} s each side)")
    for name, begin, end, _ in windows:
        print(f"  {name:<16} {rel(begin)} to {rel(end)} ({end - begin:.1f} s)")

    def in_window(record, name):
        for wname, begin, end, _ in windows:
            if wname == name and record["t1"] >= begin - opts.margin and record["t0"] <= end + opts.margin:
                return True
        return False

    killed_port = next((port for name, _, _, port in windows if name == "killed instance"), None)
    errors = [r for r in records if not r["ack"]]
    by_cause = collections.defaultdict(list)
    for record in errors:
        entry = access.get(record["id"])
        upstream = entry["upstream"] if entry else ""
        if record["status"] is None:
            cause = "no answer from the proxy"
        elif killed_port and f":{killed_port}" in upstream and record["status"] in (502, 504) and in_window(record, "killed instance"):
            cause = "killed instance (connection reset or refused)"
        elif record["status"] in (502, 503, 504) and in_window(record, "PostgreSQL down"):
            cause = f"PostgreSQL down (HTTP {record['status']})"
        elif record["status"] == 500 and in_window(record, "PostgreSQL down"):
            # The database being away is no internal error: a client and the proxy should be told
            # 503 (try again), as /readyz says.
            cause = "HTTP 500 while PostgreSQL was down (503 expected)"
        else:
            cause = "other"
        by_cause[cause].append((record, entry))
    print(f"\nErrors: {len(errors)}, by cause")
    anchors = {"killed instance (connection reset or refused)": "kill"}
    for cause, items in sorted(by_cause.items()):
        anchor = anchors.get(cause, "pg_stop" if "PostgreSQL" in cause else None)
        times = sorted(r["t0"] for r, _ in items)
        if anchor and anchor in first:
            span = f"from {times[0] - first[anchor]['t']:+.1f} s to {times[-1] - first[anchor]['t']:+.1f} s after {anchor}"
        else:
            span = f"at {rel(times[0])} to {rel(times[-1])}"
        kinds = collections.Counter(r["kind"] for r, _ in items)
        print(f"  {cause}: {len(items)}, {span}; {', '.join(f'{k} {c}' for k, c in sorted(kinds.items()))}")
        if cause in ("other", "no answer from the proxy"):
            for record, entry in items[:15]:
                detail = record["error"] or f"HTTP {record['status']}"
                upstream = f" upstream {entry['upstream']} ({entry['ustatus']})" if entry else ""
                print(f"    {rel(record['t0'])} {record['kind']} {record['method']} {record['path'][:60]}: {detail}{upstream}")
    unexplained = len(by_cause.get("other", [])) + len(by_cause.get("no answer from the proxy", []))
    print(f"  outside the failure windows or unexplained: {unexplained}   (must be 0)")
    if unexplained:
        failures.append(f"{unexplained} errors outside the failure windows")
    wrong_status = len(by_cause.get("HTTP 500 while PostgreSQL was down (503 expected)", []))
    print(f"  HTTP 500 for an unreachable database:       {wrong_status}   (must be 0)")
    if wrong_status:
        failures.append(f"{wrong_status} answers of 500 instead of 503 while PostgreSQL was down")

    # -- retries by the proxy ------------------------------------------------------------------
    # $upstream_addr and $upstream_bytes_sent list each attempt ("a, b"); an attempt that sent
    # nothing was refused before the request left nginx.
    retried = collections.Counter()
    resent_writes = []
    for record in records:
        entry = access.get(record["id"])
        if not entry or "," not in entry["upstream"]:
            continue
        sent = [part.strip() for part in entry["usent"].replace(":", ",").split(",")]
        earlier_sent = any(value not in ("0", "-", "") for value in sent[:-1])
        retried[(record["method"], "after sending" if earlier_sent else "before sending")] += 1
        if earlier_sent and record["method"] in ("POST", "PATCH", "PUT", "DELETE"):
            resent_writes.append((record, entry))
    print("\nRequests nginx passed to another instance (proxy_next_upstream)")
    for (method, when), count in sorted(retried.items()):
        print(f"  {method:<6} {when}: {count}")
    if not retried:
        print("  none")
    print(f"  writes passed on after they were sent: {len(resent_writes)}   (must be 0: no non_idempotent)")
    for record, entry in resent_writes[:10]:
        print(f"    {rel(record['t0'])} {record['method']} {record['path'][:60]}: upstream {entry['upstream']} sent {entry['usent']}")
    if resent_writes:
        failures.append("a write was passed to a second instance after it was sent")

    # -- recovery -----------------------------------------------------------------------------
    print("\nInstances at the end")
    finals = [e for e in events if e["event"] == "final"]
    for final in finals:
        expected_restart = final.get("expected_restart", False)
        ok = final["readyz"] == 200 and final["restarted"] == expected_restart
        print(f"  instance {final['instance']}: /readyz {final['readyz']}, pid {final['pid_before']} -> {final['pid_after']} "
              f"({'restarted once by the run' if final['restarted'] else 'never restarted'}){'' if ok else '   FAILED'}")
        if not ok:
            failures.append(f"instance {final['instance']} not ready or restarted unexpectedly")
    if not finals:
        failures.append("no final state of the instances")

    print("\nResult: " + ("PASS" if not failures else "FAIL: " + "; ".join(failures)))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
