#!/usr/bin/env python3
"""Meta-schema differential: schemas as instances of their draft's meta-schema.

  /work/diff-venv/bin/python scripts/differential/meta_diff.py [--out DIR] [--mutants N]

Instances: every real-world schema file (corpus.real_world), every schema of the official test suite,
and N keyword-value mutants of each real-world schema (to get invalid ones). Each is validated against
the meta-schema of its draft, by Tollgate (built-in meta-schema through {"$ref": META}), python-jsonschema
and jsonschema-rs (their own copies). Writes DIR/meta-disagreements.jsonl.
"""
import argparse
import copy
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpus  # noqa: E402
import gen  # noqa: E402
import peers  # noqa: E402

import jsonschema_specifications  # noqa: E402

BAD_VALUES = [-1, 1.5, "x", [], {}, None, True, ["a", "a"], [1], {"a": 1}, "#/nope", "", 0, "string", ["string", 1],
              "^(", "\\_", "[a-z", "uri", 1e400 if False else 10**30]


def kw_mutants(schema, rng, n):
    """Schemas with one keyword value replaced by a (mostly) ill-typed value."""
    paths = [(p, v) for p, v in gen._paths(schema) if p and isinstance(p[-1], str)]
    out = []
    for _ in range(n):
        if not paths:
            break
        p, _v = rng.choice(paths)
        out.append(gen._set(schema, p, copy.deepcopy(rng.choice(BAD_VALUES))))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="/work/diff-data/meta")
    ap.add_argument("--mutants", type=int, default=8)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    by_draft = {d: [] for d in peers.DRAFT_URIS}
    rng = random.Random(3)
    for name, path, default in corpus.real_world():
        with open(path) as f:
            s = json.load(f)
        d = peers.draft_of(s, default)
        by_draft[d].append((name, s))
        for i, m in enumerate(kw_mutants(s, rng, args.mutants)):
            by_draft[d].append((f"{name}~mut{i}", m))
    for name, s, d in corpus.suite_schemas():
        by_draft[peers.draft_of(s, d)].append((name, s))
    tg = peers.Tollgate()
    out = open(os.path.join(args.out, "meta-disagreements.jsonl"), "w")
    stats = {}
    for d, items in by_draft.items():
        uri = peers.DRAFT_URIS[d]
        meta = jsonschema_specifications.REGISTRY.contents(uri.rstrip("#") if d not in "467" else uri.rstrip("#"))
        wrapper = os.path.join(args.out, f"meta-{d}.json")
        with open(wrapper, "w") as f:
            json.dump({"$schema": uri, "$ref": uri}, f)
        docs = [peers.dump(s) for _, s in items]
        for fmt in (False, True):
            t, terr = tg.verdicts(wrapper, docs, d, fmt)
            p, perr = peers.py_verdicts(meta, docs, d, fmt)
            r, rerr = peers.rs_verdicts(meta, docs, d, fmt)
            assert not terr and not perr and not rerr, (terr, perr, rerr)
            key = f"{d}/{'fmt' if fmt else 'nofmt'}"
            stats[key] = {"instances": len(docs), "disagree": 0, "tollgate_odd": 0}
            for (name, s), a, b, c, doc in zip(items, t, p, r, docs):
                if a != b or a != c:
                    stats[key]["disagree"] += 1
                    odd = b == c and a != b
                    stats[key]["tollgate_odd"] += odd
                    out.write(json.dumps({"draft": d, "format": fmt, "name": name, "tollgate": a, "pyjs": b, "jsrs": c,
                                          "tollgate_odd": odd, "doc": doc[:4000]}, ensure_ascii=False) + "\n")
        print(d, stats, flush=True)
    print(json.dumps(stats, indent=1))
    with open(os.path.join(args.out, "meta-summary.json"), "w") as f:
        json.dump(stats, f, indent=1)


if __name__ == "__main__":
    main()
