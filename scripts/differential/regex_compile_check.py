#!/usr/bin/env python3
"""Fast check over every corpus pattern: Tollgate accepts the pattern (as "pattern", and as an instance of
format "regex") exactly when V8 accepts it with the u flag. Also reports how many patterns V8 accepts only
without the u flag (Annex B leniency): the real-world schemas Tollgate will refuse.

  /work/diff-venv/bin/python scripts/differential/regex_compile_check.py [--out DIR]
"""
import argparse
import collections
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peers  # noqa: E402
import regex_diff  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="/work/diff-data/regex-compile")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    pats = sorted(regex_diff.collect().items())
    tg = peers.Tollgate()
    node = peers.Node()
    fp = os.path.join(args.out, "fmt.json")
    with open(fp, "w") as f:
        json.dump({"format": "regex"}, f)
    fmt_v, _ = tg.verdicts(fp, [peers.dump(p) for p, _ in pats], "2020-12", True)
    st = collections.Counter()
    out = open(os.path.join(args.out, "regex-compile.jsonl"), "w")
    sp = os.path.join(args.out, "p.json")
    for (p, where), fv in zip(pats, fmt_v):
        with open(sp, "w") as f:
            json.dump({"pattern": p}, f)
        _, terr = tg.verdicts(sp, ["1"], "2020-12", False)
        u = node.regex(p, [])["ok"]
        nonu = node.regex(p, [], flags="")["ok"]
        t_ok = terr is None
        st[f"tollgate={'ok' if t_ok else 'err'} fmt={fv} v8u={'ok' if u else 'err'} v8={'ok' if nonu else 'err'}"] += 1
        if t_ok != u or (fv == "1") != u:
            out.write(json.dumps({"pattern": p, "where": where, "tollgate": terr, "fmt": fv, "v8u": u, "v8": nonu}, ensure_ascii=False) + "\n")
        if not u:
            st["where:" + where.split(":")[0]] += 1
    for k, v in sorted(st.items()):
        print(v, k)


if __name__ == "__main__":
    main()
