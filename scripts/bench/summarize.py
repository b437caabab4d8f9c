#!/usr/bin/env python3
"""Reads benchmark result lines (JSON, one per run) on stdin and prints a table of medians and the
ratio of Tollgate to each peer, per corpus and mode. Exits 1 when a tool's invalid count differs from
the corpus labels."""
import json
import statistics
import sys
from collections import defaultdict

runs = defaultdict(list)
for line in sys.stdin:
    line = line.strip()
    if not line.startswith("{"):
        continue
    r = json.loads(line)
    runs[(r["corpus"], r["mode"], r["tool"])].append(r)

ok = True
corpora = sorted({k[0] for k in runs}, key=lambda c: (c != "order_events", c))
modes = ["raw", "parsed"]
mode_title = {"raw": "parse + validate from raw bytes", "parsed": "validate already-parsed documents"}
for corpus in corpora:
    for mode in modes:
        tools = [k[2] for k in runs if k[0] == corpus and k[1] == mode]
        if not tools:
            continue
        tools.sort(key=lambda t: (t != "tollgate", t))
        print(f"\n{corpus}, {mode_title[mode]} (medians of {len(runs[(corpus, mode, tools[0])])} runs, one core)\n")
        print("| tool | messages/s | MB/s | invalid verdicts | label mismatches | Tollgate ratio |")
        print("| --- | ---: | ---: | ---: | ---: | ---: |")
        medians = {}
        for tool in tools:
            rs = runs[(corpus, mode, tool)]
            mps = statistics.median(r["messages_per_second"] for r in rs)
            mbs = statistics.median(r["mb_per_second"] for r in rs)
            invalid = rs[0]["invalid"]
            mismatches = rs[0]["label_mismatches"]
            if mismatches != 0 or any(r["invalid"] != invalid for r in rs):
                ok = False
            medians[tool] = mps
            medians[(tool, "row")] = (mps, mbs, invalid, mismatches)
        for tool in tools:
            mps, mbs, invalid, mismatches = medians[(tool, "row")]
            ratio = "" if tool == "tollgate" or "tollgate" not in medians else f"{medians['tollgate'] / mps:.2f}x"
            print(f"| {tool} | {mps:,.0f} | {mbs:,.1f} | {invalid:,} | {mismatches} | {ratio} |")
sys.exit(0 if ok else 1)
