#!/usr/bin/env python3
"""Which real-world schemas does Tollgate refuse to compile, and do the peers compile them?

  /work/diff-venv/bin/python scripts/differential/compile_census.py > /work/diff-data/census.jsonl
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpus  # noqa: E402
import peers  # noqa: E402

tg = peers.Tollgate()
node = peers.Node()
n = bad = 0
for name, path, default in corpus.real_world():
    with open(path) as f:
        schema = json.load(f)
    draft = peers.draft_of(schema, default)
    n += 1
    _, err = tg.verdicts(path, ["{}"], draft if draft == default else "-", False)
    if err:
        bad += 1
        _, rs_err = peers.rs_verdicts(schema, ["{}"], draft, False, "file://" + path)
        py, py_err = peers.py_verdicts(schema, ["{}"], draft, False, "file://" + path)
        print(json.dumps({"schema": name, "tollgate": err, "jsrs": rs_err, "pyjs": py_err or py[0]}))
print(json.dumps({"schemas": n, "tollgate_refused": bad}), file=sys.stderr)
