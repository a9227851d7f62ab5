#!/usr/bin/env python3
"""Runs liiatools' Annex A cleaner (liiatools 0.2.0, `annex_a cleanfile`) over an Annex A workbook
and reports what it found: rows per list in, rows per list out, and every cell it logged as an
error (made blank because it could not be read, or blank where the list needs a value), by list
and column. Exits 1 on any error, on a list it did not recognise, or when it made no output.

  check-annex-a.py WORKBOOK.xlsx [--la BAR]     (build/venv-returns has liiatools)

liiatools knows the London boroughs only (its LA-codes); the code names the output, nothing more.
"""
import argparse
import ast
import glob
import os
import sys
import tempfile

import openpyxl
from liiatools.datasets.annex_a.annex_a_cli import cleanfile


def rows_per_sheet(path):
    book = openpyxl.load_workbook(path, read_only=True)
    out = {}
    for sheet in book.worksheets:
        out[sheet.title] = sum(1 for r in sheet.iter_rows(values_only=True)
                               if any(v not in (None, "") for v in r)) - 1
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("workbook")
    parser.add_argument("--la", default="BAR")
    args = parser.parse_args()
    rows_in = rows_per_sheet(args.workbook)
    with tempfile.TemporaryDirectory() as work:
        logs, out = os.path.join(work, "logs"), os.path.join(work, "out")
        os.mkdir(logs)
        os.mkdir(out)
        cleanfile.main(args=["--i", args.workbook, "--la_code", args.la, "--la_log_dir", logs,
                             "--o", out], standalone_mode=False)
        made = glob.glob(os.path.join(out, "*.xlsx"))
        errors = {}
        problems = []
        for log in glob.glob(os.path.join(logs, "*")):
            sheet, kind = None, None
            for line in open(log, encoding="utf-8"):
                line = line.rstrip("\n")
                if not line:
                    continue
                if line.startswith("List "):
                    sheet = line
                elif line.startswith("Number of cells that have been made blank"):
                    kind = "unreadable"
                elif line.startswith("Number of blank cells"):
                    kind = "blank"
                elif kind and line.startswith("'"):
                    for column, n in ast.literal_eval("{" + line + "}").items():
                        errors[(sheet, kind, column)] = errors.get((sheet, kind, column), 0) + n
                    kind = None
                else:
                    problems.append(f"{sheet}: {line}")
        rows_out = rows_per_sheet(made[0]) if made else {}
    print(f"{'list':8} {'rows in':>8} {'rows out':>9}")
    for sheet in sorted(rows_in, key=lambda s: int(s.split()[1])):
        print(f"{sheet:8} {rows_in[sheet]:8} {rows_out.get(sheet, 0):9}")
    total = sum(errors.values())
    print(f"liiatools Annex A cleaner: {total} cell errors")
    for (sheet, kind, column), n in sorted(errors.items()):
        print(f"  {sheet}: {column}: {n} {kind}")
    for p in problems:
        print(f"  {p}")
    if not made:
        sys.exit("check-annex-a: the cleaner made no output (a list missing or not recognised)")
    missing = [s for s in rows_in if rows_in[s] > 0 and rows_out.get(s, 0) == 0]
    if total or problems or missing:
        sys.exit(f"check-annex-a: {total} errors, {len(problems)} other findings, "
                 f"lists dropped: {missing}")


if __name__ == "__main__":
    main()
