#!/usr/bin/env python3
"""Runs DfE's CIN census validator (csc-validator-be-cin) over a census XML file.

    check-cin-census.py FILE.xml [--ruleset cin2026_27] [--max-errors 0] [--json OUT.json]

Prints the children and rows per table the validator read, then every rule that fired with its
type (ERROR or QUERY) and its count of issues. Exits 1 when there are more errors than
--max-errors, or when a rule crashed on the data (the validator only prints those), 2 when the
file cannot be read.
"""
import argparse
import contextlib
import copy
import importlib
import io
import json
import sys
import xml.etree.ElementTree as ET

from cin_validator import cin_validator
from cin_validator.rule_engine import RuleContext


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file")
    ap.add_argument("--ruleset", default="cin2026_27")
    ap.add_argument("--max-errors", type=int, default=0)
    ap.add_argument("--json", help="also write the figures here")
    ap.add_argument("--examples", type=int, default=3, help="child ids shown per rule")
    a = ap.parse_args()
    try:
        root = ET.parse(a.file).getroot()
    except (OSError, ET.ParseError) as e:
        print(f"check-cin-census: {a.file}: {e}", file=sys.stderr)
        return 2
    tables = cin_validator.process_data(cin_validator.convert_data(root))
    registry = importlib.import_module(f"cin_validator.rules.{a.ruleset}").registry
    said = io.StringIO()
    with contextlib.redirect_stdout(said):
        v = cin_validator.CinValidator(tables, registry)
    crashed = [line for line in said.getvalue().splitlines() if line.startswith("Error with rule")]

    rows = {name: int(len(df)) for name, df in tables.items()}
    issues = v.full_issue_df
    by_rule = {}
    for _, r in issues.iterrows():
        key = str(r["rule_code"])
        kind = "QUERY" if key.endswith("Q") else "ERROR"
        entry = by_rule.setdefault(key, {"type": kind, "issues": 0, "children": set(),
                                         "message": str(r["rule_description"])})
        entry["issues"] += 1
        entry["children"].add(str(r["child_id"]))
    # Rules about the whole return (the header, the LA's percentages) name no child.
    for _, r in v.multichild_issues.drop_duplicates().iterrows():
        key = str(r["rule_code"])
        kind = "QUERY" if key.endswith("Q") else "ERROR"
        entry = by_rule.setdefault(key, {"type": kind, "issues": 0, "children": set(),
                                         "message": str(r["rule_description"])})
        entry["issues"] += 1
    errors = sum(e["issues"] for e in by_rule.values() if e["type"] == "ERROR")
    queries = sum(e["issues"] for e in by_rule.values() if e["type"] == "QUERY")

    print(f"ruleset {a.ruleset}: {len(registry)} rules; file {a.file}")
    print("rows: " + ", ".join(f"{k} {n}" for k, n in rows.items()))
    print(f"errors {errors}, queries {queries}, rules that crashed {len(crashed)}")
    for code, e in sorted(by_rule.items(), key=lambda kv: (kv[1]["type"], kv[0])):
        print(f"  {e['type']:5} {code:6} issues {e['issues']:5} children {len(e['children']):5}"
              f"  {e['message'][:110]}")
        if a.examples and e["children"]:
            print("        e.g. " + " ".join(sorted(e["children"])[:a.examples]))
    for line in crashed:
        print("  CRASHED " + line)
    if crashed and a.examples:
        # Where the rule fell over, for whoever fixes the data or reports the rule.
        import traceback
        for line in crashed:
            code = line.split()[3].rstrip(":")
            try:
                registry[code].func(copy.deepcopy(cin_validator.enum_keys(tables)),
                                    RuleContext(registry[code]))
            except Exception:
                print("".join(l for l in traceback.format_exc().splitlines(True) if "rules/" in l or "Error" in l))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"ruleset": a.ruleset, "rows": rows, "errors": errors, "queries": queries,
                       "crashed": crashed,
                       "rules": {k: {"type": e["type"], "issues": e["issues"],
                                     "children": len(e["children"])}
                                 for k, e in by_rule.items()}}, f, indent=1)
    return 1 if errors > a.max_errors or crashed else 0


if __name__ == "__main__":
    sys.exit(main())
