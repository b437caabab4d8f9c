#!/usr/bin/env python3
"""Differential run: real-world schemas x generated instances, Tollgate vs python-jsonschema vs
jsonschema-rs (vs ajv 6 for drafts 4-7).

  /work/diff-venv/bin/python scripts/differential/run_diff.py [--out DIR] [--shard I/N] [--limit N]
        [--only SUBSTR] [--no-hypothesis] [--formats both|on|off]

Writes DIR/disagreements-<shard>.jsonl (one record per instance where the peers do not all agree)
and DIR/summary-<shard>.json (counts). Default DIR: /work/diff-data/results.
"""
import argparse
import json
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpus  # noqa: E402
import gen  # noqa: E402
import peers  # noqa: E402


def classify(v):
    """Who is the odd one out among the verdicts (X/S treated as no opinion)."""
    t = v["tollgate"]
    ref = [v[k] for k in ("pyjs_ecma", "jsrs") if v.get(k) in ("0", "1")]
    if t not in ("0", "1", "E"):
        return "tollgate-" + t[:1]
    if ref and all(r == ref[0] for r in ref) and t != ref[0]:
        return "tollgate-odd" if len(ref) == 2 else "tollgate-vs-one"
    return "peers-disagree"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="/work/diff-data/results")
    ap.add_argument("--shard", default="0/1")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--only", default="")
    ap.add_argument("--no-hypothesis", action="store_true")
    ap.add_argument("--formats", default="both")
    ap.add_argument("--per-schema", type=int, default=12, help="hypothesis examples per schema")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    si, sn = map(int, args.shard.split("/"))
    files = [f for f in corpus.real_world() if args.only in f[0]]
    files = [f for i, f in enumerate(files) if i % sn == si]
    if args.limit:
        files = files[: args.limit]
    tg = peers.Tollgate()
    node = peers.Node()
    fmts = {"both": [False, True], "on": [True], "off": [False]}[args.formats]
    counts = {"schemas": 0, "instances": 0, "comparisons": 0, "schema_errors": {}, "classes": {}}
    dis = open(os.path.join(args.out, f"disagreements-{si}.jsonl"), "w")
    t0 = time.time()
    for n, (name, path, default_draft) in enumerate(files):
        with open(path) as f:
            schema = json.load(f)
        draft = peers.draft_of(schema, default_draft)
        rng = random.Random(name)
        seeds = [] if args.no_hypothesis else gen.hyp_examples(schema, n=args.per_schema)
        naive = gen.naive_example(schema, schema)
        seeds.append(naive)
        insts = list(seeds)
        for s in seeds[:6]:
            insts += gen.mutations(s, rng, limit=20)
        docs = list(dict.fromkeys(peers.dump(i) for i in insts))
        counts["schemas"] += 1
        counts["instances"] += len(docs)
        uri = "file://" + path
        for fmt in fmts:
            res, errs = {}, {}
            res["tollgate"], errs["tollgate"] = tg.verdicts(path, docs, draft if draft == default_draft else "-", fmt)
            res["pyjs"], errs["pyjs"] = peers.py_verdicts(schema, docs, draft, fmt, uri)
            res["pyjs_ecma"], errs["pyjs_ecma"] = peers.py_verdicts(schema, docs, draft, fmt, uri, ecma=True)
            res["jsrs"], errs["jsrs"] = peers.rs_verdicts(schema, docs, draft, fmt, uri)
            a, e = node.ajv(schema, docs, draft, fmt)
            if a is not None:
                res["ajv"], errs["ajv"] = a, e
            for k, e in errs.items():
                if e:
                    counts["schema_errors"].setdefault(k, 0)
                    counts["schema_errors"][k] += 1
            if errs["tollgate"]:
                dis.write(json.dumps({"schema": name, "path": path, "draft": draft, "format": fmt,
                                      "schema_error": errs}) + "\n")
            for i, doc in enumerate(docs):
                counts["comparisons"] += 1
                v = {k: r[i] for k, r in res.items()}
                vals = {x for k, x in v.items() if k not in ("pyjs", "ajv")}
                if len(vals) > 1 or (v.get("ajv") in ("0", "1") and v["ajv"] != v["tollgate"]) or v["pyjs"] != v["tollgate"]:
                    c = classify(v)
                    counts["classes"][c] = counts["classes"].get(c, 0) + 1
                    dis.write(json.dumps({"schema": name, "path": path, "draft": draft, "format": fmt, "class": c,
                                          "verdicts": v, "doc": doc}, ensure_ascii=False) + "\n")
        if n % 50 == 0:
            print(f"[{si}] {n}/{len(files)} {time.time() - t0:.0f}s {counts['classes']}", flush=True)
            dis.flush()
    dis.close()
    with open(os.path.join(args.out, f"summary-{si}.json"), "w") as f:
        json.dump(counts, f, indent=1)
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
