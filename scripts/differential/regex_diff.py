#!/usr/bin/env python3
"""Regex differential: every `pattern` / `patternProperties` key found in the real-world corpus (cfn-lint
schemas, botocore service models) against V8's RegExp with the u flag (node), the ECMA-262 ground truth.

  /work/diff-venv/bin/python scripts/differential/regex_diff.py [--out DIR] [--max N]

For each pattern: does Tollgate compile it (schema {"pattern": P}) exactly when `new RegExp(P, "u")` does,
and for ~40 strings (hypothesis from_regex examples, mutations of them, a fixed tricky pool) does
Tollgate's verdict equal RegExp.prototype.test? Writes DIR/regex-disagreements.jsonl.
"""
import argparse
import glob
import gzip
import json
import os
import random
import re
import sys
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpus  # noqa: E402
import peers  # noqa: E402

POOL = ["", "a", "A", "0", "9", "_", "-", " ", "\n", "\r\n", "a\n", "\na", "\t", "é", "e\u0301", "ß", "ſ", "K", "\u212a",
        "İ", "٣", "１", "😀", "\U0001d7d8", "\u00a0", "\u2028", "\u3000", "\ufeff", "abc-123", "arn:aws:s3:::b",
        "arn:aws:iam::123456789012:role/x", "x" * 70, "a b", "A_B-c.d", "/", "\\", "$", "^", ".", "[", "{}", "::",
        "2024-01-01", "sg-0123456789abcdef0", "\u0000", "\x7f", "\ud7ff", "\ue000", "\uffff"]
MUTS = ["\n", "\r", " ", "é", "😀", "\u0301", "٣", "K", "\u212a", "ſ", "_", "-", ".", "\u00a0", "\u2028"]


def collect():
    pats = {}

    def walk(node, where):
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "pattern" and isinstance(v, str):
                    pats.setdefault(v, where)
                elif k == "patternProperties" and isinstance(v, dict):
                    for pk in v:
                        pats.setdefault(pk, where)
                if k not in ("enum", "const", "examples", "default"):
                    walk(v, where)
        elif isinstance(node, list):
            for x in node:
                walk(x, where)

    for name, path, _ in corpus.real_world():
        with open(path) as f:
            walk(json.load(f), name)
    for f in sorted(glob.glob(os.path.join(corpus.SITE, "botocore/data/*/*/service-2.json*"))):
        d = json.load(gzip.open(f) if f.endswith(".gz") else open(f))
        for s in d.get("shapes", {}).values():
            if isinstance(s.get("pattern"), str):
                pats.setdefault(s["pattern"], "botocore:" + f.split("/data/")[1])
    return pats


def strings_for(p, rng):
    from hypothesis import HealthCheck, Phase, given, settings, seed
    from hypothesis import strategies as st
    out = list(POOL)
    ex = []
    try:
        re.compile(p)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")

            @seed(7)
            @settings(max_examples=12, deadline=None, database=None, suppress_health_check=list(HealthCheck),
                      phases=[Phase.generate])
            @given(st.one_of(st.from_regex(p, fullmatch=True), st.from_regex(p)))
            def g(x):
                ex.append(x)

            g()
    except BaseException:  # hypothesis' StopTest is a BaseException
        pass
    out += ex
    for s in ex[:8]:
        i = rng.randrange(len(s) + 1)
        out.append(s[:i] + rng.choice(MUTS) + s[i:])
        out.append(s + "\n")
        if s:
            out.append(s[:-1])
            out.append(s.swapcase())
    return list(dict.fromkeys(x for x in out if "\ud800" > x or True))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="/work/diff-data/regex")
    ap.add_argument("--max", type=int, default=0)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    pats = collect()
    items = sorted(pats.items())
    if args.max:
        items = items[: args.max]
    tg = peers.Tollgate()
    node = peers.Node()
    rng = random.Random(1)
    res = open(os.path.join(args.out, "regex-disagreements.jsonl"), "w")
    stats = {"patterns": len(items), "strings": 0, "comparisons": 0, "both_compile": 0, "compile_mismatch": 0,
             "match_mismatch_patterns": 0, "match_mismatch_strings": 0}
    for n, (p, where) in enumerate(items):
        sp = os.path.join(args.out, "p.json")
        with open(sp, "w") as f:
            json.dump({"pattern": p}, f)
        strs = [s for s in strings_for(p, rng) if not any(0xD800 <= ord(c) <= 0xDFFF for c in s)]
        docs = [peers.dump(s) for s in strs]
        tv, terr = tg.verdicts(sp, docs, "2020-12", False)
        nv = node.regex(p, strs)
        stats["strings"] += len(strs)
        if (terr is None) != nv["ok"]:
            stats["compile_mismatch"] += 1
            nonu = node.regex(p, strs[:1], flags="")
            res.write(json.dumps({"kind": "compile", "pattern": p, "where": where, "tollgate": terr,
                                  "node_u": nv.get("err", "ok"), "node_no_u": nonu.get("err", "ok")},
                                 ensure_ascii=False) + "\n")
            continue
        if terr is not None:
            continue
        stats["both_compile"] += 1
        bad = [(s, t, m) for s, t, m in zip(strs, tv, nv["m"]) if (t == "1") != m]
        stats["comparisons"] += len(strs)
        if bad:
            stats["match_mismatch_patterns"] += 1
            stats["match_mismatch_strings"] += len(bad)
            res.write(json.dumps({"kind": "match", "pattern": p, "where": where,
                                  "cases": [{"s": s, "tollgate": t, "node_u": m} for s, t, m in bad[:10]]},
                                 ensure_ascii=False) + "\n")
        if n % 500 == 0:
            print(n, stats, flush=True)
            res.flush()
    print(json.dumps(stats))
    with open(os.path.join(args.out, "regex-summary.json"), "w") as f:
        json.dump(stats, f, indent=1)


if __name__ == "__main__":
    main()
