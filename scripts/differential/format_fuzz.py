#!/usr/bin/env python3
"""Format assertions: mutated seeds per format, Tollgate vs jsonschema-rs vs python-jsonschema (with
its optional format dependencies installed). Disagreements need a human reading of the RFC: the script
only groups them.

  /work/diff-venv/bin/python scripts/differential/format_fuzz.py [--n 400] [--out DIR]
"""
import argparse
import collections
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peers  # noqa: E402

SEEDS = {
    "date-time": ["1985-04-12T23:20:50.52Z", "1996-12-19T16:39:57-08:00", "1990-12-31T23:59:60Z", "2024-02-29T00:00:00+00:00",
                  "1937-01-01T12:00:27.87+00:20"],
    "date": ["2020-02-29", "1963-06-19", "0001-01-01", "9999-12-31"],
    "time": ["08:30:06Z", "23:59:60Z", "08:30:06.283185+01:00", "12:00:00-05:30", "15:59:60-08:00"],
    "duration": ["P4DT12H30M5S", "P1W", "PT0S", "P1Y2M3D", "PT36H", "P0D", "PT1M"],
    "email": ["joe.bloggs@example.com", "\"joe bloggs\"@example.com", "joe@[127.0.0.1]", "te~st@example.com", "a+b@c.d",
              "joe@[IPv6:::1]"],
    "idn-email": ["실례@실례.테스트", "joe.bloggs@example.com"],
    "hostname": ["www.example.com", "xn--4gbwdl.xn--wgbh1c", "a", "1host", "hostname-with-hyphen", "a.b.c.d.e"],
    "idn-hostname": ["실례.테스트", "xn--ihqwcrb4cv8a8dqg056pqjye", "ÅÆØ.no", "l·l", "ב׳ב", "ハ・ハ", "a‍b"],
    "ipv4": ["192.168.0.1", "0.0.0.0", "255.255.255.255", "87.10.0.1"],
    "ipv6": ["::1", "::", "1:d6::42", "1::d6:192.168.0.1", "fe80::a:b:c:d", "1:2:3:4:5:6:7:8", "::ffff:192.168.0.1",
             "1:2::3:4"],
    "uri": ["http://foo.bar/?baz=qux#quux", "http://foo.com/blah_(wiki)#cite-1", "urn:oasis:names:specification:docbook:dtd:xml:4.1.2",
            "mailto:John.Doe@example.com", "tel:+1-816-555-1212", "http://[2001:db8::7]/c=GB?objectClass?one",
            "ldap://[2001:db8::7]/c=GB?objectClass?one", "file:///etc/hosts", "http://a.b/%41%2F", "http://user:pw@h:8080/p"],
    "uri-reference": ["/abc", "#fragment", "", "../a/b?c", "//host/path", "http://a/b", "a:b", "%41"],
    "iri": ["http://ƒøø.ßår/?∂éœ=πîx#πîüx", "http://[2001:db8::1]/", "http://a/b"],
    "iri-reference": ["//ƒøø.ßår/?∂éœ=πîx#πîüx", "#ƒrägmênt", "/abc", ""],
    "uuid": ["2EB8AA08-AA98-11EA-B4AA-73B441D16380", "00000000-0000-0000-0000-000000000000", "98d80576-482e-427f-8434-7f86890ab222"],
    "uri-template": ["http://example.com/dictionary/{term:1}/{term}", "{+path}/here", "{?x,y}", "{/list*}", "X{.list}", "{#path:6}/here",
                     "{&who}", "{;x,y,empty}"],
    "json-pointer": ["/foo/bar~0/baz~1/%a", "", "/", "/foo/0", "/a~1b", "/ ", "/c%d"],
    "relative-json-pointer": ["1", "0/foo/bar", "2/0/baz/1/zip", "0#", "1#", "10/a", "0"],
}
MUT_CHARS = list("0123456789:-.+Z zT/#?%@[]{}()~*,;=!$&'\\\"_") + ["é", "😀", "\u00a0", "\n", "ı", "\u200d", "٣", "x", "A"]


def mutate(s, rng):
    k = rng.randrange(5)
    if k == 0 and s:
        i = rng.randrange(len(s))
        return s[:i] + s[i + 1:]
    if k == 1:
        i = rng.randrange(len(s) + 1)
        return s[:i] + rng.choice(MUT_CHARS) + s[i:]
    if k == 2 and s:
        i = rng.randrange(len(s))
        return s[:i] + rng.choice(MUT_CHARS) + s[i + 1:]
    if k == 3 and s:
        i = rng.randrange(len(s))
        return s[:i] + s[i] + s[i:]
    return s.swapcase() if rng.random() < 0.5 else s.upper()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=400)
    ap.add_argument("--out", default="/work/diff-data/format-fuzz")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rng = random.Random(11)
    tg = peers.Tollgate()
    out = open(os.path.join(args.out, "format-fuzz.jsonl"), "w")
    summary = {}
    for fmt_name, seeds in SEEDS.items():
        strs = list(seeds)
        while len(strs) < args.n:
            s = rng.choice(strs[: max(len(seeds), len(strs))])
            for _ in range(rng.randint(1, 2)):
                s = mutate(s, rng)
            strs.append(s)
        strs = list(dict.fromkeys(strs))
        schema = {"format": fmt_name}
        sp = os.path.join(args.out, "s.json")
        with open(sp, "w") as f:
            json.dump(schema, f)
        docs = [peers.dump(s) for s in strs]
        t, _ = tg.verdicts(sp, docs, "2020-12", True)
        p, _ = peers.py_verdicts(schema, docs, "2020-12", True)
        r, _ = peers.rs_verdicts(schema, docs, "2020-12", True)
        c = collections.Counter()
        for s, a, b, d in zip(strs, t, p, r):
            if a != d or a != b:
                c[(a, b, d)] += 1
                out.write(json.dumps({"format": fmt_name, "s": s, "tollgate": a, "pyjs": b, "jsrs": d}, ensure_ascii=False) + "\n")
        summary[fmt_name] = {"strings": len(strs), **{"/".join(k): v for k, v in c.items()}}
        print(fmt_name, summary[fmt_name], flush=True)
    with open(os.path.join(args.out, "format-summary.json"), "w") as f:
        json.dump(summary, f, indent=1)


if __name__ == "__main__":
    main()
