#!/usr/bin/env python3
"""Long inputs for the corpus patterns that Tollgate runs on its bounded backtracking matcher (those with
lookarounds or backreferences): strings that V8 matches, stretched by repeating one of their characters,
to find verdicts flipped by the matcher's step limit.

  /work/diff-venv/bin/python scripts/differential/regex_long_input.py [--out DIR]
"""
import argparse
import json
import os
import random
import re
import sys
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peers  # noqa: E402
import regex_diff  # noqa: E402

NEEDS_BACKTRACKER = re.compile(r"\(\?[=!]|\(\?<[=!]|\\[1-9]|\\k<")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="/work/diff-data/regex-long")
    ap.add_argument("--sizes", default="1000,30000,300000,1200000")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    sizes = [int(x) for x in args.sizes.split(",")]
    pats = [(p, w) for p, w in sorted(regex_diff.collect().items()) if NEEDS_BACKTRACKER.search(p)]
    tg = peers.Tollgate()
    node = peers.Node()
    rng = random.Random(2)
    out = open(os.path.join(args.out, "regex-long.jsonl"), "w")
    st = {"patterns": 0, "strings": 0, "mismatch": 0, "mismatch_patterns": 0}
    sp = os.path.join(args.out, "p.json")
    for p, where in pats:
        if not node.regex(p, [])["ok"]:
            continue
        seeds = [s for s in regex_diff.strings_for(p, rng) if s and not any(0xD800 <= ord(c) <= 0xDFFF for c in s)]
        ok = node.regex(p, seeds)["m"]
        seeds = [s for s, m in zip(seeds, ok) if m][:6]
        strs = []
        for s in seeds:
            for n in sizes:
                i = rng.randrange(len(s))
                strs.append(s[:i] + s[i] * n + s[i:])
        if not strs:
            continue
        st["patterns"] += 1
        with open(sp, "w") as f:
            json.dump({"pattern": p}, f)
        tv, terr = tg.verdicts(sp, [peers.dump(s) for s in strs], "2020-12", False)
        nv = node.regex(p, strs)["m"]
        st["strings"] += len(strs)
        bad = [(len(s), t, m) for s, t, m in zip(strs, tv, nv) if (t == "1") != m]
        if bad:
            st["mismatch"] += len(bad)
            st["mismatch_patterns"] += 1
            out.write(json.dumps({"pattern": p, "where": where, "cases": [{"len": n, "tollgate": t, "node": m} for n, t, m in bad]}) + "\n")
            out.flush()
    print(json.dumps(st))


if __name__ == "__main__":
    main()
