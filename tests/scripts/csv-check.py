#!/usr/bin/env python3
"""Reads CSV files as a spreadsheet would (Python's csv module) and fails
on what a plain-valued table must not hold: rows of another length than the
header, an empty or repeated header, a display mark in a cell (a value with
"±", "%", "~", "!", "*" or an interval in brackets).

usage: csv-check.py FILE... [--bad FILE...]
status 0: every FILE passes and every FILE after --bad fails (so that one
run shows the check can fail)."""

import csv
import re
import sys

MARKS = re.compile(r"[±~!*\[\]]|%$")


def problems(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f, strict=True))
    if not rows:
        yield "no header"
        return
    head = rows[0]
    if any(not h for h in head):
        yield f"an empty column name in {head}"
    for h in head:
        if re.search(r"[±~!*\[\]]", h):
            yield f"display mark in the column name {h!r}"
    if len(set(head)) != len(head):
        yield f"a column name twice in {head}"
    if len(rows) < 2:
        yield "no rows"
    for n, row in enumerate(rows[1:], start=2):
        if len(row) != len(head):
            yield f"line {n}: {len(row)} fields, the header has {len(head)}"
        for name, cell in zip(head, row):
            if MARKS.search(cell):
                yield f"line {n}, {name}: display mark in {cell!r}"


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    args = sys.argv[1:]
    cut = args.index("--bad") if "--bad" in args else len(args)
    status = 0
    for path in args[:cut]:
        for p in problems(path):
            print(f"{path}: {p}", file=sys.stderr)
            status = 1
    for path in args[cut + 1:]:
        if not any(problems(path)):
            print(f"{path}: passes, but it should not", file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
