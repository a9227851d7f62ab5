#!/usr/bin/env python3
"""Prints the demo's triage queue or line of sight from the triage API's JSON (stdin)."""
import json
import sys


def queue(b):
    print(f"{b['total']} children awaiting a decision")
    for i in b["items"]:
        name = i["name"] + (" (restricted)" if i["details_hidden"] else "")
        due = ("OVERDUE since " if i.get("overdue") else "due before ") + i.get("decision_overdue_from", "?")
        print(f"  {i['rag']:8} {name:28} waiting since {i['waiting_since'][:16]}  "
              f"{i['working_days_waited']} wd  {due}")


def line_of_sight(b):
    a = b["awaiting_decision"]
    print(f"children known: {b['children']}; by stage: {b['by_stage']}")
    print(f"awaiting decision: {a['count']}, overdue: {a['overdue']}; "
          f"re-referral rate (12 months): {b['referrals_12m']['re_referral_rate']:.0%}")
    print("caseload by manager:",
          ", ".join(f"{m['manager_id']} {m['open_cases']}" for m in b["caseload_by_manager"]))


{"queue": queue, "line-of-sight": line_of_sight}[sys.argv[1]](json.load(sys.stdin))
