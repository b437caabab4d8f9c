#!/usr/bin/env python3
"""Numeric keywords vs an exact oracle (Python Fraction of the decimal text): minimum, maximum,
exclusiveMinimum, exclusiveMaximum, multipleOf, const, enum, type integer, uniqueItems. JSON numbers are
compared as mathematical values (2020-12 core 4.2.2 / validation 6.2).

  /work/diff-venv/bin/python scripts/differential/num_fuzz.py [--n 3000] [--out DIR]
"""
import argparse
import json
import os
import random
import sys
from decimal import Decimal
from fractions import Fraction

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peers  # noqa: E402


def val(t):
    return Fraction(Decimal(t))


def render(digits, exp, rng):
    """A JSON number text for int(digits) * 10**exp, in a random but equivalent spelling."""
    neg = digits.startswith("-")
    d = str(int(digits.lstrip("-")))
    if d == "0":
        return ("-" if neg else "") + rng.choice(["0", "0.0", "0e5", "0E-3", "0.000"])
    form = rng.randrange(5)
    if form == 0 or (form == 1 and exp >= 0 and exp < 30):
        t = d + "0" * exp if exp >= 0 else None
        if t is None:
            k = -exp
            t = ("0." + "0" * (k - len(d)) + d) if k >= len(d) else (d[:-k] + "." + d[-k:])
    elif form == 2:
        t = f"{d}e{exp}"
    elif form == 3:
        t = f"{d}{'0' * 2}E{exp - 2:+d}"
    else:
        # one digit before the point
        e2 = exp + len(d) - 1
        t = d[0] + ("." + d[1:] if len(d) > 1 else "") + f"e{e2}"
    return ("-" if neg else "") + t


def rnd_number(rng):
    nd = rng.choice([1, 1, 2, 3, 5, 16, 17, 20, 40])
    digits = str(rng.randint(10 ** (nd - 1) if nd > 1 else 0, 10 ** nd - 1))
    exp = rng.choice([0, 0, 0, -1, -2, -3, 1, 2, -17, -20, 20, 300, -300, 308, 309, -324, 400, -400])
    if rng.random() < 0.3:
        digits = "-" + digits
    return digits, exp


def variants(digits, exp, rng):
    out = []
    for _ in range(3):
        out.append(render(digits, exp, rng))
    # neighbours: +-1 in the last digit, and a tiny perturbation
    sign = "-" if digits.startswith("-") else ""
    d = int(digits.lstrip("-"))
    for dd in (d + 1, max(d - 1, 0), d * 10 + 1):
        e = exp - 1 if dd == d * 10 + 1 else exp
        out.append(render(sign + str(dd), e, rng))
    out.append(render(sign + str(d) + "0" * 20 + "1", exp - 21, rng))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--out", default="/work/diff-data/num-fuzz")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rng = random.Random(args.seed)
    tg = peers.Tollgate()
    out = open(os.path.join(args.out, "num-fuzz.jsonl"), "w")
    st = {"schemas": 0, "instances": 0, "mismatch": 0, "schema_errors": 0}
    sp = os.path.join(args.out, "s.json")
    for i in range(args.n):
        kw = rng.choice(["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "const", "enum",
                         "integer", "uniqueItems"])
        sd, se = rnd_number(rng)
        if kw == "multipleOf":
            sd = sd.lstrip("-")
            if int(sd) == 0:
                sd = "3"
        stext = render(sd, se, rng)
        sv = val(stext)
        insts = variants(sd, se, rng)
        for _ in range(8):
            insts.append(render(*rnd_number(rng), rng))
        if kw == "multipleOf":
            for k in (1, 3, 7, 10, 12345678901234567890):
                insts.append(render(str(int(sd) * k), se, rng))
        if kw == "integer":
            schema_text = '{"type":"integer"}'
        elif kw == "enum":
            schema_text = '{"enum":[%s,"x"]}' % stext
        elif kw == "uniqueItems":
            schema_text = '{"uniqueItems":true}'
        else:
            schema_text = '{"%s":%s}' % (kw, stext)
        docs, exp = [], []
        for t in insts:
            v = val(t)
            if kw == "minimum":
                e = v >= sv
            elif kw == "maximum":
                e = v <= sv
            elif kw == "exclusiveMinimum":
                e = v > sv
            elif kw == "exclusiveMaximum":
                e = v < sv
            elif kw == "multipleOf":
                e = (v / sv).denominator == 1
            elif kw in ("const", "enum"):
                e = v == sv
            elif kw == "integer":
                e = v.denominator == 1
            if kw == "uniqueItems":
                docs.append("[%s,%s]" % (stext, t))
                exp.append(v != sv)
            else:
                docs.append(t)
                exp.append(e)
        with open(sp, "w") as f:
            f.write(schema_text)
        tv, terr = tg.verdicts(sp, docs, "2020-12", False)
        st["schemas"] += 1
        if terr:
            st["schema_errors"] += 1
            out.write(json.dumps({"schema": schema_text, "error": terr}) + "\n")
            continue
        for d, t, e in zip(docs, tv, exp):
            st["instances"] += 1
            if t != ("1" if e else "0"):
                st["mismatch"] += 1
                out.write(json.dumps({"schema": schema_text, "doc": d, "tollgate": t, "expected": "1" if e else "0"}) + "\n")
        if i % 500 == 0:
            print(i, st, flush=True)
            out.flush()
    print(json.dumps(st))


if __name__ == "__main__":
    main()
