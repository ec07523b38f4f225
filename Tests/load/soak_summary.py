#!/usr/bin/env python3
"""Summary of a soak run (standard library only): the instance's resident memory sampled every
few seconds, and the workload's records.

    soak_summary.py --samples rss.tsv --records records.jsonl [--warmup 180] [--max-growth 5]

rss.tsv lines: "<seconds since the start> <VmRSS in KiB>". Prints RSS after the warm-up (the
first sample at or after --warmup seconds), at the end, the growth between the two in %, the
trend after the warm-up (least squares, MiB per hour), a sample every 5 minutes, and the
requests by outcome. Exits 1 when the growth reaches --max-growth % or any request failed.
"""
import argparse
import collections
import json
import sys


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", required=True)
    parser.add_argument("--records", required=True)
    parser.add_argument("--warmup", type=float, default=180)
    parser.add_argument("--max-growth", type=float, default=5.0)
    opts = parser.parse_args()

    samples = []
    with open(opts.samples) as handle:
        for line in handle:
            parts = line.split()
            if len(parts) == 2:
                samples.append((float(parts[0]), int(parts[1])))
    records = []
    with open(opts.records) as handle:
        records = [json.loads(line) for line in handle if line.strip()]
    failures = []
    if not samples or not records:
        sys.exit("soak_summary.py: no samples or no records")

    mib = lambda kib: kib / 1024
    after = [s for s in samples if s[0] >= opts.warmup]
    if not after:
        sys.exit(f"soak_summary.py: no sample after the warm-up of {opts.warmup:g} s")
    warm, end = after[0], samples[-1]
    growth = (end[1] - warm[1]) / warm[1] * 100
    print(f"Resident memory (VmRSS, {len(samples)} samples, {samples[-1][0]:.0f} s)")
    print(f"  at the start:                  {mib(samples[0][1]):8.1f} MiB ({samples[0][0]:.0f} s)")
    print(f"  after the warm-up:             {mib(warm[1]):8.1f} MiB ({warm[0]:.0f} s)")
    print(f"  at the end:                    {mib(end[1]):8.1f} MiB ({end[0]:.0f} s)")
    print(f"  highest after the warm-up:     {mib(max(s[1] for s in after)):8.1f} MiB")
    print(f"  growth after the warm-up:      {growth:8.2f} %   (must stay under {opts.max_growth:g} %)")
    if len(after) >= 3:
        n = len(after)
        mean_t = sum(t for t, _ in after) / n
        mean_r = sum(r for _, r in after) / n
        slope = sum((t - mean_t) * (r - mean_r) for t, r in after) / sum((t - mean_t) ** 2 for t, _ in after)
        print(f"  trend after the warm-up:       {mib(slope) * 3600:8.2f} MiB per hour (least squares)")
    print("  every 5 minutes:               " + ", ".join(f"{t / 60:.0f} min {mib(r):.1f}" for t, r in samples if int(t) % 300 < 10))
    if growth >= opts.max_growth:
        failures.append(f"memory grew {growth:.2f} % after the warm-up")

    outcomes = collections.Counter()
    for record in records:
        outcome = "ok" if record["ack"] else (f"HTTP {record['status']}" if record["status"] is not None else record["error"].split(":")[0])
        outcomes[(record["kind"], outcome)] += 1
    duration = max(r["t1"] for r in records) - min(r["t0"] for r in records)
    errors = [r for r in records if not r["ack"]]
    latencies = sorted((r["t1"] - r["t0"]) * 1000 for r in records if r["ack"])
    print(f"\nRequests: {len(records)} in {duration:.0f} s ({len(records) / duration:.1f}/s)")
    for (kind, outcome), count in sorted(outcomes.items()):
        print(f"  {kind:<12} {outcome:<24} {count}")
    if latencies:
        pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]
        print(f"  latency of answered requests: p50 {pick(0.5):.1f} ms, p95 {pick(0.95):.1f} ms, p99 {pick(0.99):.1f} ms, max {latencies[-1]:.1f} ms")
    print(f"  errors: {len(errors)}   (must be 0)")
    start = min(r["t0"] for r in records)
    for record in errors[:15]:
        print(f"    {record['t0'] - start:7.1f} s {record['kind']} {record['method']} {record['path'][:60]}: "
              f"{record['error'] or 'HTTP ' + str(record['status'])}")
    if errors:
        failures.append(f"{len(errors)} requests failed")

    print("\nResult: " + ("PASS" if not failures else "FAIL: " + "; ".join(failures)))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
