#!/usr/bin/env python3
"""Greedy minimizer for a disagreement: shrinks a schema (and instance) while Tollgate still disagrees with
python-jsonschema and jsonschema-rs, which still agree with each other.

  /work/diff-venv/bin/python scripts/differential/minimize.py --draft 2019-09 SCHEMA_JSON INSTANCE_JSON [--format]
"""
import argparse
import copy
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peers  # noqa: E402

TG = None
TMP = tempfile.mkdtemp(prefix="minimize-")


def verdicts(schema, doc, draft, fmt):
    sp = os.path.join(TMP, "s.json")
    with open(sp, "w") as f:
        json.dump(schema, f)
    t, te = TG.verdicts(sp, [doc], draft, fmt)
    p, _ = peers.py_verdicts(schema, [doc], draft, fmt)
    r, _ = peers.rs_verdicts(schema, [doc], draft, fmt)
    return t[0], p[0], r[0]


def interesting(schema, doc, draft, fmt):
    try:
        t, p, r = verdicts(schema, doc, draft, fmt)
    except Exception:
        return False
    return p == r and p in "01" and t in "01" and t != p


def candidates(node):
    """Smaller variants of a JSON value."""
    if isinstance(node, dict):
        for k in list(node):
            n2 = dict(node)
            del n2[k]
            yield n2
        for k, v in node.items():
            for c in candidates(v):
                n2 = dict(node)
                n2[k] = c
                yield n2
    elif isinstance(node, list):
        for i in range(len(node)):
            yield node[:i] + node[i + 1:]
        for i, v in enumerate(node):
            for c in candidates(v):
                yield node[:i] + [c] + node[i + 1:]
    elif node not in (True, {}, 0, ""):
        yield True
        yield {}


def minimize(schema, inst, draft, fmt):
    changed = True
    while changed:
        changed = False
        for c in candidates(schema):
            if interesting(c, json.dumps(inst), draft, fmt):
                schema, changed = c, True
                break
        if changed:
            continue
        for c in candidates(inst):
            if interesting(schema, json.dumps(c), draft, fmt):
                inst, changed = c, True
                break
    return schema, inst


def main():
    global TG
    ap = argparse.ArgumentParser()
    ap.add_argument("schema")
    ap.add_argument("instance")
    ap.add_argument("--draft", default="2020-12")
    ap.add_argument("--format", action="store_true")
    a = ap.parse_args()
    TG = peers.Tollgate()
    s, i = json.loads(a.schema), json.loads(a.instance)
    if not interesting(s, json.dumps(i), a.draft, a.format):
        print("not a Tollgate-odd disagreement:", verdicts(s, json.dumps(i), a.draft, a.format))
        return
    s, i = minimize(s, i, a.draft, a.format)
    t, p, r = verdicts(s, json.dumps(i), a.draft, a.format)
    print(json.dumps({"schema": s, "instance": i, "tollgate": t, "pyjs": p, "jsrs": r}))


if __name__ == "__main__":
    main()
