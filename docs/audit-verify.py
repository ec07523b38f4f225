#!/usr/bin/env python3
"""Checks an audit log export (Audit log -> Export CSV) without the portal.

    python3 docs/audit-verify.py audit-log.csv [--head-seq N --head-hash HEX]

For every row it recomputes the entry's hash from the row's own columns (see docs/audit.md for
the exact rule) and compares it with the "Hash" column; for every two rows with consecutive
places ("Sequence") it checks that the later one's "Previous hash" is the earlier one's hash.
With --head-seq and --head-hash (the "Last sealed entry" and "Its hash" of the Audit page's
"Check an export yourself"), it also checks that the export's row at that place has that hash.
The head's signature is checked with openssl (docs/audit.md).

An export filtered by operator, account, action or date, or read by someone who sees part of
the log, has gaps between places; so has one with entries pruned by retention. The script
names the gaps; only the entries next to each other are linked.

Exit status: 0 when every row and link checks, 1 otherwise. Python 3.8 or later, standard
library only.
"""
import argparse
import csv
import hashlib
import sys

GENESIS = "0" * 64
# The export writes a field that begins with one of these after an apostrophe, so that a
# spreadsheet does not read it as a formula.
DEFUSED = ("=", "+", "-", "@", "\t", "\r")


def field(value):
    return f"{len(value.encode('utf-8'))}:{value}"


def sha256(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def readings(value):
    """The value as written, and without the export's apostrophe when it may be one."""
    if value.startswith("'") and value[1:2] in DEFUSED and value[1:2] != "":
        return [value[1:], value]
    return [value]


def content_digests(row):
    names = ["Partner id", "Actor id", "Who", "Impersonator id", "On behalf of", "Action", "Target id", "Target", "Details", "IP"]
    # Every combination of readings of the fields that may carry the apostrophe (ids and
    # hashes never do).
    options = [[row[name]] if name.endswith(" id") else readings(row[name]) for name in names]
    combos = [[]]
    for choice in options:
        combos = [combo + [value] for combo in combos for value in choice]
    return [sha256("".join(field(value) for value in combo)) for combo in combos]


def entry_hash(previous, row, digest):
    parts = [row["Sequence"], row["Entry id"], row["At (microseconds)"], row["Target type"], digest]
    return sha256(previous + "\n" + "".join(field(value) for value in parts))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("csv")
    parser.add_argument("--head-seq", type=int)
    parser.add_argument("--head-hash")
    args = parser.parse_args()

    with open(args.csv, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    sealed = sorted((row for row in rows if row["Sequence"]), key=lambda row: int(row["Sequence"]))
    unsealed = len(rows) - len(sealed)
    problems, notes = [], []
    for row in sealed:
        if not any(entry_hash(row["Previous hash"], row, digest) == row["Hash"] for digest in content_digests(row)):
            problems.append(f"entry #{row['Sequence']} ({row['Entry id']}): its columns do not give its hash: it was changed")
        if row["Sequence"] == "1" and row["Previous hash"] != GENESIS:
            problems.append(f"entry #1 ({row['Entry id']}) does not start the chain")
    links = 0
    gaps = []
    for before, after in zip(sealed, sealed[1:]):
        first, second = int(before["Sequence"]), int(after["Sequence"])
        if second == first:
            problems.append(f"two rows hold place #{first}")
        elif second == first + 1:
            links += 1
            if after["Previous hash"] != before["Hash"]:
                problems.append(f"entry #{second} ({after['Entry id']}) does not follow entry #{first}")
        else:
            gaps.append(f"#{first + 1}" if second == first + 2 else f"#{first + 1}-#{second - 1}")
    if args.head_seq is not None:
        head = [row for row in sealed if int(row["Sequence"]) == args.head_seq]
        if not head:
            problems.append(f"the export has no row at the signed head's place #{args.head_seq}")
        elif args.head_hash and head[0]["Hash"] != args.head_hash:
            problems.append(f"entry #{args.head_seq} is not the signed head: its hash is {head[0]['Hash']}")
        later = [row["Sequence"] for row in sealed if int(row["Sequence"]) > args.head_seq]
        if later:
            notes.append(f"{len(later)} rows come after the signed head (from #{later[0]}), which does not cover them: "
                         "sealed after you read it, or added since")

    print(f"{len(sealed)} sealed rows checked, {links} links between consecutive places, {unsealed} rows not yet sealed")
    if gaps:
        print("places not in this export (filtered out, out of your reach, or pruned): " + ", ".join(gaps[:20])
              + (f" and {len(gaps) - 20} more" if len(gaps) > 20 else ""))
    for note in notes:
        print("note: " + note)
    for problem in problems:
        print("BROKEN: " + problem)
    if not problems:
        print("intact")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
