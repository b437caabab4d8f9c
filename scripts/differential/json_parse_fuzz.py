#!/usr/bin/env python3
"""JSON parser acceptance: byte-level mutants of JSON texts, Tollgate (schema {}) vs a strict RFC 8259 oracle
(Python's strict UTF-8 decoder + json.loads(strict=True), rejecting NaN/Infinity; duplicate keys, lone
surrogate escapes and nesting over 128 are flagged as Tollgate's documented choices, not counted).

  /work/diff-venv/bin/python scripts/differential/json_parse_fuzz.py [--n 200000]
"""
import argparse
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peers  # noqa: E402

SEEDS = [b'{"a":[1,2.5e-3,-0,true,false,null],"b":{"c":"d\\u00e9\\n"}}', b'[]', b'{}', b'"x"', b'0', b'-1.5E+10',
         b'[{"":""}]', b'"\\ud83d\\ude00"', '"é😀"'.encode(), b'  [ 1 , 2 ]  ', b'123456789012345678901234567890',
         b'{"a":{"b":{"c":[[[]]]}}}', b'"\\"\\\\\\/\\b\\f\\n\\r\\t"', b'1e400', b'0.0', b'[0e0,0E-0,-0.0e+0]']
BYTES = [b'"', b'\\', b'{', b'}', b'[', b']', b',', b':', b' ', b'\t', b'\r', b'0', b'1', b'-', b'+', b'.', b'e', b'E',
         b'u', b'x', b'\x00', b'\x1f', b'\x7f', b'\xc3', b'\xa9', b'\xe2\x82', b'\xed\xa0\x80', b'\xf4\x90\x80\x80',
         b'\xc0\xaf', b'\xff', b'\xef\xbb\xbf', b'\xf0\x9f\x98\x80', b'\\u', b'\\ud800', b'\\udc00', b'true', b'nul',
         b'NaN', b'Infinity', b'\xc2\xa0', b'\x0b', b'\x0c', b'/', b'00', b'01', b'0x1']


def oracle(b):
    """'1' acceptable JSON, '0' not, 'D' documented Tollgate choice (dup key / lone surrogate / too deep)."""
    try:
        t = b.decode("utf-8", errors="strict")
    except UnicodeDecodeError:
        return "0"
    flags = []

    def pairs(ps):
        keys = [k for k, _ in ps]
        if len(set(keys)) != len(keys):
            flags.append("dup")
        return dict(ps)

    def bad_const(c):
        raise ValueError(c)

    try:
        v = json.loads(t, object_pairs_hook=pairs, parse_constant=bad_const, strict=True)
    except (ValueError, RecursionError):
        return "0"
    if t.startswith("\ufeff"):
        return "0"

    def walk(x, d):
        if d > 128:
            flags.append("deep")
            return
        if isinstance(x, str):
            if any(0xD800 <= ord(c) <= 0xDFFF for c in x):
                flags.append("surrogate")
        elif isinstance(x, dict):
            for k, y in x.items():
                walk(k, d)
                walk(y, d + 1)
        elif isinstance(x, list):
            for y in x:
                walk(y, d + 1)

    walk(v, 1)
    return "D" if flags else "1"


def mutate(b, rng):
    for _ in range(rng.randint(1, 3)):
        k = rng.randrange(4)
        i = rng.randrange(len(b) + 1)
        if k == 0 and b:
            b = b[:i] + b[i + 1:]
        elif k == 1:
            b = b[:i] + rng.choice(BYTES) + b[i:]
        elif k == 2 and b:
            b = b[:i] + rng.choice(BYTES) + b[i + 1:]
        else:
            j = rng.randrange(len(b) + 1)
            b = b[:min(i, j)] + b[max(i, j):] if rng.random() < 0.5 else b + b[min(i, j):max(i, j)]
    return b


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=200000)
    ap.add_argument("--out", default="/work/diff-data/json-fuzz")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    rng = random.Random(9)
    docs = []
    for _ in range(a.n):
        d = mutate(rng.choice(SEEDS), rng).replace(b"\n", b" ")
        docs.append(d)
    docs = list(dict.fromkeys(docs))
    sp = os.path.join(a.out, "s.json")
    with open(sp, "w") as f:
        f.write("{}")
    dp = os.path.join(a.out, "docs.jsonl")
    with open(dp, "wb") as f:
        f.write(b"\n".join(docs) + b"\n")
    import subprocess
    out = subprocess.run([peers.DRIVER, sp, dp], capture_output=True).stdout.decode().split("\n")
    st = {"docs": len(docs), "agree": 0, "documented": 0, "mismatch": 0}
    with open(os.path.join(a.out, "json-fuzz.jsonl"), "w") as f:
        for d, t in zip(docs, out):
            o = oracle(d)
            tv = "0" if t == "E" else "1"
            if o == "D":
                st["documented"] += 1
            elif o == tv:
                st["agree"] += 1
            else:
                st["mismatch"] += 1
                f.write(json.dumps({"doc": d.decode("latin-1"), "tollgate": t, "oracle": o}) + "\n")
    print(json.dumps(st))


if __name__ == "__main__":
    main()
