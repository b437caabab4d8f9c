#!/usr/bin/env python3
"""Random schemas x random instances (applicators, unevaluated*, $ref/$defs, dependent*, contains, if/then/else):
Tollgate vs python-jsonschema vs jsonschema-rs. Reports instances where Tollgate disagrees with both peers
while the peers agree.

  /work/diff-venv/bin/python scripts/differential/schema_fuzz.py [--n 3000] [--draft 2020-12] [--seed 1]
"""
import argparse
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peers  # noqa: E402

KEYS = ["a", "b", "c", "d"]
SCALARS = [0, 1, 2.5, -1, "", "x", "ab", True, False, None]


class G:
    def __init__(self, rng, draft):
        self.r = rng
        self.d = draft
        self.defs = {}

    def schema(self, depth=0):
        r = self.r
        if depth > 3 or r.random() < 0.15:
            return r.choice([True, False, {}, {"type": r.choice(["integer", "string", "object", "array", "null", "number"])},
                             {"const": r.choice(SCALARS)}, {"minimum": 1}, {"maxLength": 1}])
        s = {}
        for _ in range(r.randint(1, 4)):
            k = r.choice(self.keywords())
            self.add(s, k, depth)
        return s

    def keywords(self):
        base = ["type", "properties", "patternProperties", "additionalProperties", "required", "items", "contains",
                "allOf", "anyOf", "oneOf", "not", "if", "enum", "const", "minProperties", "maxItems", "minItems",
                "propertyNames", "$ref", "uniqueItems", "maxProperties"]
        if self.d in ("2019-09", "2020-12"):
            base += ["unevaluatedProperties", "unevaluatedItems", "unevaluatedProperties", "dependentSchemas",
                     "dependentRequired", "minContains", "maxContains"]
        else:
            base += ["dependencies", "additionalItems"]
        if self.d == "2020-12":
            base += ["prefixItems"]
        return base

    def add(self, s, k, depth):
        r = self.r
        sub = lambda: self.schema(depth + 1)  # noqa: E731
        if k == "type":
            s[k] = r.choice(["object", "array", "integer", ["object", "array"], ["string", "null"], "number"])
        elif k == "properties":
            s[k] = {x: sub() for x in r.sample(KEYS, r.randint(1, 2))}
        elif k == "patternProperties":
            s[k] = {r.choice(["^a", "b", "^[cd]$", "."]): sub()}
        elif k in ("additionalProperties", "unevaluatedProperties", "unevaluatedItems", "contains", "not",
                   "propertyNames", "additionalItems"):
            s[k] = sub() if k != "propertyNames" else r.choice([{"maxLength": 1}, {"enum": ["a", "b"]}, {"pattern": "^[ab]"}])
        elif k == "required":
            s[k] = r.sample(KEYS, r.randint(1, 2))
        elif k == "items":
            if self.d in ("2020-12",) or r.random() < 0.5:
                s[k] = sub()
            else:
                s[k] = [sub() for _ in range(r.randint(1, 2))]
        elif k == "prefixItems":
            s[k] = [sub() for _ in range(r.randint(1, 2))]
        elif k in ("allOf", "anyOf", "oneOf"):
            s[k] = [sub() for _ in range(r.randint(1, 3))]
        elif k == "if":
            s["if"] = sub()
            if r.random() < 0.8:
                s["then"] = sub()
            if r.random() < 0.6:
                s["else"] = sub()
        elif k == "enum":
            s[k] = r.sample(SCALARS + [[1], {"a": 1}], 3)
        elif k == "const":
            s[k] = r.choice(SCALARS + [[1, "x"], {"a": 1}])
        elif k in ("minProperties", "maxItems", "minItems", "maxProperties", "minContains", "maxContains"):
            s[k] = r.randint(0, 2)
        elif k == "uniqueItems":
            s[k] = True
        elif k == "dependentSchemas":
            s[k] = {r.choice(KEYS): sub()}
        elif k == "dependentRequired":
            s[k] = {r.choice(KEYS): r.sample(KEYS, 1)}
        elif k == "dependencies":
            s[k] = {r.choice(KEYS): r.choice([sub(), r.sample(KEYS, 1)])}
        elif k == "$ref":
            name = "d%d" % len(self.defs)
            if len(self.defs) < 3 and depth < 3:
                self.defs[name] = None
                self.defs[name] = self.schema(depth + 1)
                s[k] = ("#/$defs/" if self.d in ("2019-09", "2020-12") else "#/definitions/") + name
            elif self.defs:
                n = r.choice(list(self.defs))
                s[k] = ("#/$defs/" if self.d in ("2019-09", "2020-12") else "#/definitions/") + n

    def root(self):
        s = self.schema()
        if not isinstance(s, dict):
            s = {"allOf": [s]}
        if self.defs:
            s["$defs" if self.d in ("2019-09", "2020-12") else "definitions"] = {k: (v if v is not None else {}) for k, v in self.defs.items()}
        return s


def instance(r, depth=0):
    x = r.random()
    if depth > 2 or x < 0.3:
        return r.choice(SCALARS)
    if x < 0.65:
        return {k: instance(r, depth + 1) for k in r.sample(KEYS + ["e"], r.randint(0, 3))}
    return [instance(r, depth + 1) for _ in range(r.randint(0, 3))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=3000)
    ap.add_argument("--draft", default="2020-12")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default="/work/diff-data/schema-fuzz")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rng = random.Random(args.seed)
    tg = peers.Tollgate()
    out = open(os.path.join(args.out, f"schema-fuzz-{args.draft}-{args.seed}.jsonl"), "w")
    st = {"schemas": 0, "instances": 0, "tollgate_odd": 0, "peers_disagree": 0, "tollgate_refused": 0, "S": 0}
    sp = os.path.join(args.out, f"s-{args.draft}-{args.seed}.json")
    for i in range(args.n):
        g = G(rng, args.draft)
        s = g.root()
        s["$schema"] = peers.DRAFT_URIS[args.draft]
        docs = list(dict.fromkeys(peers.dump(instance(rng)) for _ in range(25)))
        with open(sp, "w") as f:
            json.dump(s, f)
        t, te = tg.verdicts(sp, docs, args.draft, False)
        p, pe = peers.py_verdicts(s, docs, args.draft, False)
        r, re_ = peers.rs_verdicts(s, docs, args.draft, False)
        st["schemas"] += 1
        if te and t and t[0] == "T":
            st["tollgate_hang"] = st.get("tollgate_hang", 0) + 1
            out.write(json.dumps({"kind": "hang", "schema": s, "docs": docs}) + "\n")
            out.flush()
            continue
        if te:
            st["tollgate_refused"] += 1
            if not pe and not re_:
                out.write(json.dumps({"kind": "refused", "schema": s, "error": te}) + "\n")
            continue
        for d, a, b, c in zip(docs, t, p, r):
            st["instances"] += 1
            if b in ("X", "S") or c in ("X", "S"):
                st["S"] += 1
                continue
            if a != b and b == c:
                st["tollgate_odd"] += 1
                out.write(json.dumps({"kind": "odd", "schema": s, "doc": d, "tollgate": a, "peers": b}) + "\n")
                out.flush()
            elif b != c:
                st["peers_disagree"] += 1
        if i % 500 == 0:
            print(i, st, flush=True)
    print(json.dumps(st))


if __name__ == "__main__":
    main()
