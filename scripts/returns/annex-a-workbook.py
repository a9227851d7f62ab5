#!/usr/bin/env python3
"""Packs the Annex A lists that `sightlinectl returns annex-a` writes (DIR/list-1.csv ...
list-11.csv) into one workbook, a sheet per list named "List 1" ... "List 11", as Ofsted's template
has them. Blank cells stay empty; whole numbers become numbers. The workbook is written with mode
0600, like the lists.

  annex-a-workbook.py DIR OUT.xlsx      (needs openpyxl: build/venv-returns)
"""
import csv
import os
import re
import sys

import openpyxl


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    folder, out = sys.argv[1], sys.argv[2]
    book = openpyxl.Workbook()
    book.remove(book.active)
    for n in range(1, 12):
        path = os.path.join(folder, f"list-{n}.csv")
        if not os.path.exists(path):
            sys.exit(f"annex-a-workbook: {path} is missing")
        sheet = book.create_sheet(f"List {n}")
        with open(path, newline="", encoding="utf-8") as f:
            for i, row in enumerate(csv.reader(f)):
                cells = []
                for value in row:
                    if value == "":
                        cells.append(None)
                    elif i > 0 and re.fullmatch(r"-?[0-9]+", value):
                        cells.append(int(value))
                    else:
                        cells.append(value)
                sheet.append(cells)
    fd = os.open(out + ".tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        book.save(f)
    os.replace(out + ".tmp", out)


if __name__ == "__main__":
    main()
