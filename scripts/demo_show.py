#!/usr/bin/env python3
"""Prints the demo's triage queue or line of sight from the triage API's JSON (stdin)."""
import json
import sys


def queue(b):
    print(f"{b['total']} children awaiting a decision")
    for i in b["items"]:
        name = i.get("name", "restricted record " + i["child_id"]) + (" (restricted)" if i["details_hidden"] else "")
        due = ("OVERDUE since " if i.get("overdue") else "due before ") + i.get("decision_overdue_from", "?")
        print(f"  {i['rag']:8} {name:28} waiting since {i['waiting_since'][:16]}  "
              f"{i['working_days_waited']} wd  {due}")


def line_of_sight(b):
    a = b["awaiting_decision"]
    print(f"children known: {b['children']}; by stage: {b['by_stage']}")
    print(f"awaiting decision: {a['count']}, overdue: {a['overdue']}; "
          f"re-referral rate (12 months): {b['referrals_12m']['re_referral_rate']:.0%}")
    h = b.get("hidden", {})
    if h.get("children"):
        print(f"not yours to see: {h['children']} children, {h['awaiting_decision']} of them awaiting "
              f"a decision ({h['decision_overdue']} overdue); counted here only")
    print("caseload by manager:",
          ", ".join(f"{m['manager_id']} {m['open_cases']}" for m in b["caseload_by_manager"]))


def alerts(b):
    rows = b["alerts"]
    by_rule, by_level = {}, {}
    for a in rows:
        by_rule[a["rule_id"]] = by_rule.get(a["rule_id"], 0) + 1
        by_level[a["level"]] = by_level.get(a["level"], 0) + 1
    print(f"{len(rows)} open alerts (children still waiting past a clock)")
    for rule, n in sorted(by_rule.items(), key=lambda kv: -kv[1]):
        print(f"  {rule:<28} {n}")
    print("by ladder level: " + ", ".join(f"L{k}: {v}" for k, v in sorted(by_level.items())))
    print("longest overdue:")
    for a in sorted(rows, key=lambda a: a["due_at"])[:6]:
        ack = f" acknowledged by {a['acknowledged_by']}" if a["acknowledged"] else ""
        print(f"  {a['child_id']:<16} {a['rule_id']:<24} overdue since {a['due_at']}  level {a['level']}{ack}")


def alertmanager(rows):
    by_name, by_level, by_team = {}, {}, {}
    for a in rows:
        l = a["labels"]
        by_name[l["alertname"]] = by_name.get(l["alertname"], 0) + 1
        if "level" in l:
            by_level[l["level"]] = by_level.get(l["level"], 0) + 1
            by_team[l["team"]] = by_team.get(l["team"], 0) + 1
    print(f"{len(rows)} active alerts in Alertmanager: " +
          ", ".join(f"{k} {v}" for k, v in sorted(by_name.items())))
    print("children's alerts by level: " + ", ".join(f"L{k}: {v}" for k, v in sorted(by_level.items())))
    print("by team: " + ", ".join(f"{k} {v}" for k, v in sorted(by_team.items())))
    for a in sorted((a for a in rows if "level" in a["labels"]),
                    key=lambda a: -int(a["labels"]["level"]))[:3]:
        print(f"  [{a['labels']['severity']}] {a['annotations']['summary']}")
        print(f"      {a['annotations'].get('triage_url', '')}")


def webhook(lines):
    events = [json.loads(l) for l in lines if l.strip()]
    actions = {}
    for e in events:
        actions[e["event_action"]] = actions.get(e["event_action"], 0) + 1
    print(f"{len(events)} PagerDuty-shaped events received: " +
          ", ".join(f"{k} {v}" for k, v in sorted(actions.items())))
    if events:
        print(json.dumps(events[0], indent=2))


if sys.argv[1] == "webhook":
    webhook(sys.stdin.readlines())
else:
    {"queue": queue, "line-of-sight": line_of_sight, "alerts": alerts,
     "alertmanager": alertmanager}[sys.argv[1]](json.load(sys.stdin))
