#!/usr/bin/env python3
"""Random ECMA-262 regexes x random strings: Tollgate's `pattern` vs V8 RegExp(u) (node).

  /work/diff-venv/bin/python scripts/differential/regex_fuzz.py [--n 20000] [--seed 1] [--out DIR]

Checks that Tollgate accepts exactly the patterns V8 accepts with the u flag, and that "pattern" matches
exactly when RegExp.prototype.test does. Writes DIR/regex-fuzz.jsonl.
"""
import argparse
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peers  # noqa: E402

LIT = ["a", "b", "c", "A", "é", "😀", "1", " ", "-", "\\.", "\\n", "\\u00e9", "\\u{1F600}", "\\ud83d\\ude00", "\\x41",
       "_", "\\/", "\\-", "ſ", "K", "\\t", ","]
ESC = ["\\d", "\\w", "\\s", "\\D", "\\W", "\\S", "\\p{L}", "\\P{Ll}", "\\p{Lu}", "\\p{N}", "\\p{Script=Latin}", "\\p{Emoji}"]
ALPH = ["a", "b", "c", "A", "é", "😀", "1", " ", "\n", "_", "-", ".", "ſ", "\u212a", "e\u0301", "٣", ","]


class Gen:
    def __init__(self, rng):
        self.r = rng
        self.groups = 0

    def regex(self, d=0):
        n = self.r.choice([1, 1, 1, 2, 3])
        return "|".join(self.seq(d) for _ in range(n))

    def seq(self, d):
        return "".join(self.term(d) for _ in range(self.r.randint(0 if d else 1, 4)))

    def term(self, d):
        a = self.atom(d)
        if self.r.random() < 0.35 and a not in ("^", "$", "\\b", "\\B"):
            q = self.r.choice(["*", "+", "?", "{2}", "{1,3}", "{0,}", "{2,}", "{0,1}", "{3,5}"])
            if self.r.random() < 0.3:
                q += "?"
            a += q
        return a

    def atom(self, d):
        x = self.r.random()
        if d > 3 or x < 0.35:
            return self.r.choice(LIT)
        if x < 0.45:
            return self.r.choice(ESC)
        if x < 0.52:
            return "."
        if x < 0.62:
            return self.cls()
        if x < 0.68:
            return self.r.choice(["^", "$", "\\b", "\\B"])
        if x < 0.72 and self.groups:
            return "\\" + str(self.r.randint(1, self.groups))
        if x < 0.80:
            kind = self.r.choice(["(?=", "(?!", "(?<=", "(?<!"])
            return kind + self.regex(d + 1) + ")"
        kind = self.r.choice(["(", "(?:", "(?<g%d>" % (self.groups + 1)])
        if kind != "(?:":
            self.groups += 1
        return kind + self.regex(d + 1) + ")"

    def cls(self):
        items = []
        for _ in range(self.r.randint(1, 3)):
            y = self.r.random()
            if y < 0.4:
                items.append(self.r.choice(["a", "b", "é", "😀", "1", " ", "_", "\\-", "\\]", "\\\\", "."]))
            elif y < 0.7:
                items.append(self.r.choice(["a-c", "A-Z", "0-9", "à-ÿ", "😀-😂", "\\u0061-\\u0063", "\\x00-\\x7f"]))
            else:
                items.append(self.r.choice(ESC))
        return "[" + ("^" if self.r.random() < 0.3 else "") + "".join(items) + "]"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--strings", type=int, default=30)
    ap.add_argument("--out", default="/work/diff-data/regex-fuzz")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rng = random.Random(args.seed)
    tg = peers.Tollgate()
    node = peers.Node()
    out = open(os.path.join(args.out, f"regex-fuzz-{args.seed}.jsonl"), "w")
    st = {"patterns": 0, "node_ok": 0, "compile_mismatch": 0, "strings": 0, "match_mismatch": 0, "mismatch_patterns": 0}
    sp = os.path.join(args.out, f"p{args.seed}.json")
    for i in range(args.n):
        g = Gen(rng)
        p = g.regex()
        strs = [""] + ["".join(rng.choice(ALPH) for _ in range(rng.randint(1, 7))) for _ in range(args.strings)]
        strs = list(dict.fromkeys(strs))
        with open(sp, "w") as f:
            json.dump({"pattern": p}, f, ensure_ascii=False)
        tv, terr = tg.verdicts(sp, [peers.dump(s) for s in strs], "2020-12", False)
        nv = node.regex(p, strs)
        st["patterns"] += 1
        if (terr is None) != nv["ok"]:
            st["compile_mismatch"] += 1
            out.write(json.dumps({"kind": "compile", "pattern": p, "tollgate": terr, "node": nv.get("err", "ok")},
                                 ensure_ascii=False) + "\n")
            continue
        if terr:
            continue
        st["node_ok"] += 1
        st["strings"] += len(strs)
        bad = [(s, t, m) for s, t, m in zip(strs, tv, nv["m"]) if (t == "1") != m]
        if bad:
            st["mismatch_patterns"] += 1
            st["match_mismatch"] += len(bad)
            out.write(json.dumps({"kind": "match", "pattern": p, "cases": [{"s": s, "tollgate": t, "node": m} for s, t, m in bad[:8]]},
                                 ensure_ascii=False) + "\n")
            out.flush()
        if i % 2000 == 0:
            print(i, st, flush=True)
    print(json.dumps(st))


if __name__ == "__main__":
    main()
