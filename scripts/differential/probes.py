#!/usr/bin/env python3
"""Hand-written edge-case probes, run on Tollgate and the peers; prints every probe where they differ.

  /work/diff-venv/bin/python scripts/differential/probes.py [--all] [--only ID]

Each probe: (id, draft, format-assertion, schema, [instance JSON texts], expected verdict string or None).
`expected` is what the specification requires ("1"/"0" per instance), written from the spec section or the
test-suite case named in the comment; Tollgate's verdict is checked against it when given.
"""
import argparse
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peers  # noqa: E402

P = []


def probe(pid, draft, fmt, schema, docs, expected=None):
    P.append((pid, draft, fmt, schema, docs, expected))


# ---- numbers (2020-12 validation 6.1; core 4.2.2: numbers are equal when mathematically equal)
probe("num-const-1.0", "2020-12", False, {"const": 1}, ["1", "1.0", "1e0", "10e-1", "1.000000000000000000001"], "11110")
probe("num-enum-float", "2020-12", False, {"enum": [1.0, 2]}, ["1", "2.0", "2e0", "0.2e1"], "1111")
probe("num-integer", "2020-12", False, {"type": "integer"}, ["1.0", "1e2", "1.5e1", "1e400", "12345678901234567890123", "1.5", "-0", "-0.0", "1e-400"], "111110110")
probe("num-integer-d4", "4", False, {"type": "integer"}, ["1.0", "1", "1.5"], None)
probe("num-bignum-max", "2020-12", False, {"maximum": 9007199254740993}, ["9007199254740992", "9007199254740993", "9007199254740994"], "110")
probe("num-bignum-const", "2020-12", False, {"const": 9007199254740993}, ["9007199254740992", "9007199254740993", "9007199254740993.0"], "011")
probe("num-const-0.1", "2020-12", False, {"const": 0.1}, ["0.1", "0.10000000000000001", "1e-1", "0.100"], "1011")
probe("num-huge-range", "2020-12", False, {"minimum": 1e308, "maximum": 10 ** 400}, ["1e309", "1e400", "1e401", "1e307"], "1100")
probe("num-excl-min", "2020-12", False, {"exclusiveMinimum": 0}, ["0", "-0.0", "1e-400", "-1e-400"], "0010")
probe("num-multipleOf-dec", "2020-12", False, {"multipleOf": 0.1}, ["0.3", "0.7", "1e-1", "0.35", "19.9"], "11101")
probe("num-multipleOf-0.01", "2020-12", False, {"multipleOf": 0.01}, ["0.07", "19.99", "1.005", "4.35"], "1101")
probe("num-multipleOf-tiny", "2020-12", False, {"multipleOf": 1e-8}, ["1e-7", "0.00000003", "1.5e-8"], "110")
probe("num-multipleOf-huge", "2020-12", False, {"multipleOf": 1e308}, ["1e309", "1e400", "1.5e308"], "110")
probe("num-multipleOf-int-big", "2020-12", False, {"type": "integer", "multipleOf": 3}, ["1e400", "3e400", "99999999999999999999999999999999999999999999999999999"], "011")
probe("num-neg-zero-const", "2020-12", False, {"const": -0.0}, ["0", "-0", "0.0"], "111")
probe("num-uniq-1-1.0", "2020-12", False, {"uniqueItems": True}, ["[1,1.0]", "[0,-0]", "[0,-0.0]", "[[1],[1.0]]", "[{\"a\":1,\"b\":2},{\"b\":2,\"a\":1}]", "[1,true]", "[0,false]", "[null,0]", "[\"1\",1]", "[1e400,1e400]", "[100,1e2]"], "00000111100")
probe("enum-obj-order", "2020-12", False, {"enum": [{"a": 1, "b": [1, {"c": 2}]}]}, ["{\"b\":[1.0,{\"c\":2.0}],\"a\":1}", "{\"b\":[1,{\"c\":2}],\"a\":1,\"d\":0}"], "10")
probe("enum-bool-num", "2020-12", False, {"enum": [False, 0, None]}, ["0", "false", "null", "0.0", "true", "1", "\"\""], "1111000")
probe("const-bool-num", "2020-12", False, {"const": True}, ["1", "true", "1.0"], "010")
# ---- strings: length is in code points (validation 6.3.1)
probe("len-astral", "2020-12", False, {"maxLength": 1}, ["\"😀\"", "\"\\ud83d\\ude00\"", "\"e\u0301\"", "\"\\u00e9\"", "\"\u00e9\"", "\"\\u0000\"", "\"\u0000\""[:0] + "\"\\n\""], "1101111")
probe("len-min2", "2020-12", False, {"minLength": 2}, ["\"😀\"", "\"😀😀\"", "\"e\u0301\""], "011")
probe("lone-surrogate", "2020-12", False, {"type": "string", "maxLength": 1}, ["\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\ud800\""], None)
probe("key-escapes", "2020-12", False, {"properties": {"é": {"type": "integer"}, "a\u0000b": {"type": "integer"}}},
      ["{\"\\u00e9\":\"x\"}", "{\"é\":\"x\"}", "{\"e\\u0301\":\"x\"}", "{\"a\\u0000b\":\"x\"}"], "0010")
probe("propnames-len", "2020-12", False, {"propertyNames": {"maxLength": 1}}, ["{\"😀\":1}", "{\"ab\":1}"], "10")
# ---- patterns (ECMA-262 with u flag)
probe("re-dollar-nl", "2020-12", False, {"pattern": "^a$"}, ["\"a\"", "\"a\\n\"", "\"\\na\""], "100")
probe("re-digit", "2020-12", False, {"pattern": "^\\d+$"}, ["\"123\"", "\"١٢٣\"", "\"１\""], "100")
probe("re-word", "2020-12", False, {"pattern": "^\\w+$"}, ["\"ab_1\"", "\"é\"", "\"ſ\"", "\"\u212a\""], "1000")
probe("re-dot-astral", "2020-12", False, {"pattern": "^.$"}, ["\"😀\"", "\"\\n\"", "\"\\r\"", "\"\\u2028\"", "\"\\u0085\"", "\"\\t\""], "100011")
probe("re-negclass-astral", "2020-12", False, {"pattern": "^[^a]$"}, ["\"😀\"", "\"a\"", "\"\\n\""], "101")
probe("re-space", "2020-12", False, {"pattern": "^\\s$"}, ["\"\\ufeff\"", "\"\\u0085\"", "\"\\u00a0\"", "\"\\u2028\"", "\"\\u001c\"", "\"\\u180e\"", "\"\\u3000\"", "\"\\u000b\""], "10110011")
probe("re-prop-L", "2020-12", False, {"pattern": "^\\p{L}+$"}, ["\"é\"", "\"1\"", "\"中文\"", "\"\U0001d400\""], "1011")
probe("re-prop-misc", "2020-12", False, {"patternProperties": {"^\\p{Lu}$": False, "^\\p{Script=Greek}$": False, "^\\p{sc=Cyrl}$": False, "^\\p{Emoji}$": False, "^\\p{ASCII}$": False, "^\\p{Any}$": False, "^\\p{Nd}$": False, "^\\P{L}$": False, "^\\p{General_Category=Pd}$": False, "^\\p{Script_Extensions=Latin}$": False}},
      ["{\"A\":1}", "{\"α\":1}", "{\"д\":1}", "{\"😀\":1}", "{\"\U0001F600\":1}", "{\"٣\":1}", "{\"\u2014\":1}", "{\"\U000E0001\":1}", "{\"\u00aa\":1}"], "000000000")
probe("re-ucp-escape", "2020-12", False, {"pattern": "^[\\u{1F600}-\\u{1F64F}]$"}, ["\"😀\"", "\"a\""], "10")
probe("re-surrogate-escape", "2020-12", False, {"pattern": "^\\ud83d\\ude00$"}, ["\"😀\""], "1")
probe("re-lookbehind", "2020-12", False, {"pattern": "(?<=a)b"}, ["\"ab\"", "\"cb\""], "10")
probe("re-backref-named", "2020-12", False, {"pattern": "^(?<x>a+)-\\k<x>$"}, ["\"aa-aa\"", "\"aa-a\""], "10")
probe("re-word-boundary", "2020-12", False, {"pattern": "\\bé"}, ["\"é\"", "\"aé\""], "01")  # \w is ASCII: no boundary before a lone é
probe("re-case", "2020-12", False, {"pattern": "^[A-Z]+$"}, ["\"ABC\"", "\"abc\"", "\"\u212a\""], "100")
probe("re-empty-alt", "2020-12", False, {"pattern": "^(|a)$"}, ["\"\"", "\"a\"", "\"b\""], "110")
probe("re-quant-brace-range", "2020-12", False, {"pattern": "^a{2,3}$"}, ["\"a\"", "\"aa\"", "\"aaaa\""], "010")
probe("re-classescape-dash", "2020-12", False, {"pattern": "^[\\w-]+$"}, ["\"a-b\"", "\"a b\""], "10")
probe("re-nul", "2020-12", False, {"pattern": "^\\0$"}, ["\"\\u0000\"", "\"0\""], "10")
probe("re-control", "2020-12", False, {"pattern": "^\\cJ$"}, ["\"\\n\"", "\"J\""], "10")
probe("re-hex", "2020-12", False, {"pattern": "^\\x41\\u0042$"}, ["\"AB\""], "1")
probe("re-lazy", "2020-12", False, {"pattern": "^a+?b$"}, ["\"aaab\""], "1")
probe("re-backtrack-heavy", "2020-12", False, {"pattern": "^(a+)+$"}, ["\"" + "a" * 20 + "b\"", "\"" + "a" * 20 + "\""], "01")
probe("re-backref-forward", "2020-12", False, {"pattern": "^\\1(a)$"}, ["\"a\"", "\"aa\""], "10")
probe("re-lookahead-in-quant", "2020-12", False, {"pattern": "^(?:(?=a)a)+$"}, ["\"aaa\"", "\"\""], "10")
probe("re-class-set-ops", "2020-12", False, {"pattern": "^[a-c&&b]$"}, ["\"&\"", "\"b\"", "\"a\""], "111")
probe("re-caret-multiline", "2020-12", False, {"pattern": "^b"}, ["\"a\\nb\""], "0")
probe("re-dollar-cr", "2020-12", False, {"pattern": "a$"}, ["\"a\\r\"", "\"a\\u2028\""], "00")
probe("re-ne", "2020-12", False, {"pattern": "[^\\d\\s]"}, ["\"1 \"", "\"1 a\""], "01")
probe("re-neg-prop-in-neg-class", "2020-12", False, {"pattern": "^[^\\P{L}]$"}, ["\"a\"", "\"1\""], "10")
probe("re-capture-reset", "2020-12", False, {"pattern": "^(?:(a)|b)+\\1$"}, ["\"aba\"", "\"ab\"", "\"abb\""], None)
# ---- format (asserted)
probe("fmt-email", "2020-12", True, {"format": "email"}, ["\"a@b.c\"", "\"a@b\"", "\"\\\"a b\\\"@c.d\"", "\"a..b@c.d\"", "\"a@[127.0.0.1]\"", "\".a@b.c\"", "\"a@-b.c\"", "\"é@b.c\""], None)
probe("fmt-datetime", "2020-12", True, {"format": "date-time"}, ["\"2024-02-29T00:00:00Z\"", "\"2023-02-29T00:00:00Z\"", "\"2024-01-01t00:00:00z\"", "\"2024-01-01 00:00:00Z\"", "\"2016-12-31T23:59:60Z\"", "\"2016-12-31T15:59:60-08:00\"", "\"2024-01-01T23:59:60Z\"", "\"2024-01-01T00:00:00.123456789Z\"", "\"2024-01-01T00:00:00+24:00\"", "\"2024-01-01T00:00:00.Z\"", "\"2024-01-01T00:00:00-00:00\""], "10101111001")
probe("fmt-time", "2020-12", True, {"format": "time"}, ["\"12:00:00Z\"", "\"12:00:00\"", "\"23:59:60Z\"", "\"00:29:60+00:30\"", "\"12:00:00.5+01:00\""], "10111")
probe("fmt-hostname", "2020-12", True, {"format": "hostname"}, ["\"a.b\"", "\"a..b\"", "\"-a.b\"", "\"a-.b\"", "\"a.b.\"", "\"" + "a" * 63 + ".com\"", "\"" + "a" * 64 + ".com\"", "\"xn--nxasmq6b\"", "\"xn--X\"", "\"_a.b\"", "\"1.2.3.4\"", "\"a\""], None)
probe("fmt-ipv4", "2020-12", True, {"format": "ipv4"}, ["\"1.2.3.4\"", "\"01.2.3.4\"", "\"256.1.1.1\"", "\"1.2.3\"", "\"1.2.3.4\\n\"", "\"١.2.3.4\""], "100000")
probe("fmt-ipv6", "2020-12", True, {"format": "ipv6"}, ["\"::1\"", "\"::ffff:1.2.3.4\"", "\"1::2::3\"", "\"fe80::1%eth0\"", "\"1:2:3:4:5:6:7:8\"", "\"1:2:3:4:5:6:7::\"", "\"::1.2.3.4\"", "\"1:2:3:4:5:6:1.2.3.4\"", "\"12345::\""], "110011110"[:0] + "110011110")
probe("fmt-uri", "2020-12", True, {"format": "uri"}, ["\"http://a/b\"", "\"a:b\"", "\"//a/b\"", "\"http://a b\"", "\"http://[::1]:80/\"", "\"urn:isbn:0451450523\"", "\"http://a/%zz\"", "\"http://é.com\"", "\"mailto:a@b\"", "\"http://a/b?c#d#e\"", "\"1http://a\""], "11001100100")
probe("fmt-uri-ref", "2020-12", True, {"format": "uri-reference"}, ["\"\"", "\"#\"", "\"a/b\"", "\"\\\\a\"", "\"#a#b\"", "\"?q\"", "\"//[::1]\""], "1110011")
probe("fmt-jptr", "2020-12", True, {"format": "json-pointer"}, ["\"\"", "\"/\"", "\"/a~0b\"", "\"/a~2\"", "\"a\"", "\"#/a\"", "\"/~\""], "1110000")
probe("fmt-rel-jptr", "2020-12", True, {"format": "relative-json-pointer"}, ["\"0\"", "\"1/a\"", "\"0#\"", "\"01\"", "\"-1\"", "\"1#/a\"", "\"\"", "\"0/\"", "\"2#\"", "\"10\"", "\"1+1\"", "\"0-1/a\""], "111000011100")
probe("fmt-uuid", "2020-12", True, {"format": "uuid"}, ["\"2EB8AA08-AA98-11EA-B4AA-73B441D16380\"", "\"2eb8aa08aa9811eab4aa73b441d16380\"", "\"{2eb8aa08-aa98-11ea-b4aa-73b441d16380}\"", "\"00000000-0000-0000-0000-000000000000\""], "1001")
probe("fmt-duration", "2020-12", True, {"format": "duration"}, ["\"P1D\"", "\"PT1H\"", "\"P1W\"", "\"P1Y2W\"", "\"P\"", "\"PT\"", "\"P1DT\"", "\"P0.5D\"", "\"PT1.5S\"", "\"p1d\"", "\"P1M1W\""], None)
probe("fmt-regex", "2020-12", True, {"format": "regex"}, ["\"^a$\"", "\"\\\\a\"", "\"(?i)a\"", "\"a{\"", "\"\\\\p{L}\"", "\"[\"", "\"\\\\_\"", "\"\\\\-\""], None)
probe("fmt-uri-template", "2020-12", True, {"format": "uri-template"}, ["\"http://a/{b}\"", "\"http://a/{b\"", "\"{+a,b*}\"", "\"{a:3}\"", "\"{a:10000}\"", "\"{}\"", "\"{a!}\""], None)
probe("fmt-idn-email", "2020-12", True, {"format": "idn-email"}, ["\"실례@실례.테스트\"", "\"a@b\""], None)
probe("fmt-date", "2020-12", True, {"format": "date"}, ["\"2020-02-29\"", "\"2021-02-29\"", "\"2020-1-01\"", "\"20200101\"", "\"2020-13-01\"", "\"0000-01-01\"", "\"2020-04-31\""], "1000010")
probe("fmt-nonstring", "2020-12", True, {"format": "email"}, ["1", "null", "[]"], "111")
probe("fmt-d4-uuid", "4", True, {"format": "uuid"}, ["\"x\""], None)
probe("fmt-unknown", "2020-12", True, {"format": "foo"}, ["\"x\""], "1")
# ---- $ref and siblings
D7 = {"definitions": {"a": {"type": "integer"}}, "$ref": "#/definitions/a", "type": "string"}
probe("ref-sibling-d7", "7", False, D7, ["1", "\"x\""], "10")
probe("ref-sibling-d6", "6", False, D7, ["1", "\"x\""], "10")
probe("ref-sibling-2019", "2019-09", False, D7, ["1", "\"x\""], "00")
probe("ref-sibling-2020", "2020-12", False, D7, ["1", "\"x\""], "00")
probe("ref-pct-encoded", "2020-12", False, {"$defs": {"a b": {"type": "integer"}, "c/d": {"type": "string"}, "e%f": {"minimum": 5}, "~": {"type": "null"}},
      "properties": {"x": {"$ref": "#/$defs/a%20b"}, "y": {"$ref": "#/$defs/c~1d"}, "z": {"$ref": "#/$defs/e%25f"}, "w": {"$ref": "#/$defs/~0"}}},
      ["{\"x\":1,\"y\":\"s\",\"z\":6,\"w\":null}", "{\"x\":\"s\"}", "{\"y\":1}", "{\"z\":1}", "{\"w\":1}"], "10000")
probe("id-relative", "2020-12", False, {"$id": "http://example.com/a/root.json", "$defs": {
    "B": {"$id": "b/other.json", "$defs": {"X": {"$anchor": "bar", "type": "integer"}, "Y": {"$id": "../t/inner.json", "type": "string"}}}},
    "properties": {"p": {"$ref": "b/other.json#bar"}, "q": {"$ref": "t/inner.json"}, "r": {"$ref": "http://example.com/a/t/inner.json"}}},
    ["{\"p\":1,\"q\":\"s\",\"r\":\"s\"}", "{\"p\":\"s\"}", "{\"q\":1}", "{\"r\":1}"], "1000")
probe("id-urn", "2020-12", False, {"$id": "urn:example:root", "$defs": {"a": {"type": "integer"}}, "$ref": "urn:example:root#/$defs/a"}, ["1", "\"x\""], "10")
probe("id-d7-fragment-id", "7", False, {"$id": "http://x.y/root.json", "definitions": {"a": {"$id": "#foo", "type": "integer"}}, "properties": {"p": {"$ref": "#foo"}, "q": {"$ref": "http://x.y/root.json#foo"}}}, ["{\"p\":1,\"q\":1}", "{\"p\":\"s\"}", "{\"q\":\"s\"}"], "100")
probe("id-d4", "4", False, {"id": "http://x.y/r.json", "definitions": {"a": {"id": "sub.json", "type": "integer"}}, "properties": {"p": {"$ref": "sub.json"}}}, ["{\"p\":1}", "{\"p\":\"s\"}"], "10")
probe("ref-to-id-with-trailing-hash", "7", False, {"$id": "http://x.y/r.json#", "definitions": {"a": {"type": "integer"}}, "properties": {"p": {"$ref": "http://x.y/r.json#/definitions/a"}}}, ["{\"p\":1}", "{\"p\":\"s\"}"], "10")
probe("ref-empty-fragment", "7", False, {"properties": {"p": {"$ref": "#"}}, "type": "object"}, ["{\"p\":{}}", "{\"p\":1}"], "10")
probe("ref-in-unknown-kw", "2020-12", False, {"x-defs": {"a": {"type": "integer"}}, "$ref": "#/x-defs/a"}, ["1", "\"s\""], "10")
probe("ref-into-items-array-d7", "7", False, {"items": [{"type": "integer"}, {"type": "string"}], "properties": {"p": {"$ref": "#/items/1"}}}, ["{\"p\":\"s\"}", "{\"p\":1}"], "10")
# ---- keyword/draft edge
probe("items-array-2020", "2020-12", False, {"items": [{"type": "integer"}]}, ["[1]", "[\"s\"]"], None)
probe("dependencies-2020", "2020-12", False, {"dependencies": {"a": ["b"]}}, ["{\"a\":1}"], None)
probe("dependencies-2019", "2019-09", False, {"dependencies": {"a": ["b"]}}, ["{\"a\":1}"], None)
probe("d4-excl-bool", "4", False, {"maximum": 5, "exclusiveMaximum": True}, ["5", "4.9"], "01")
probe("d6-excl-bool", "6", False, {"maximum": 5, "exclusiveMaximum": True}, ["5", "4.9"], None)
probe("d4-excl-num", "4", False, {"exclusiveMaximum": 5}, ["6"], None)
probe("schema-latest", "7", False, {"$schema": "http://json-schema.org/schema#", "type": "integer"}, ["1", "\"s\""], None)
probe("schema-d3", "7", False, {"$schema": "http://json-schema.org/draft-03/schema#", "type": "integer"}, ["1", "\"s\""], None)
probe("schema-nohash-https", "7", False, {"$schema": "https://json-schema.org/draft-07/schema", "type": "integer"}, ["1", "\"s\""], "10")
probe("schema-2020-hash", "7", False, {"$schema": "https://json-schema.org/draft/2020-12/schema#", "prefixItems": [{"type": "integer"}]}, ["[1]", "[\"s\"]"], "10")
probe("required-dup", "2020-12", False, {"required": ["a", "a"]}, ["{\"a\":1}", "{}"], "10")
probe("type-dup", "2020-12", False, {"type": ["integer", "integer"]}, ["1"], None)
probe("contains-empty", "2020-12", False, {"contains": {"type": "integer"}, "minContains": 0}, ["[]", "[\"s\"]"], "11")
probe("maxContains-nocontains", "2020-12", False, {"maxContains": 0}, ["[1]"], "1")
probe("unevaluated-ref", "2020-12", False, {"$defs": {"a": {"properties": {"x": True}}}, "$ref": "#/$defs/a", "unevaluatedProperties": False}, ["{\"x\":1}", "{\"y\":1}"], "10")
probe("unevaluated-ifthen", "2020-12", False, {"if": {"properties": {"k": {"const": 1}}}, "then": {"properties": {"x": True}}, "else": {"properties": {"y": True}}, "unevaluatedProperties": False}, ["{\"k\":1,\"x\":1}", "{\"k\":2,\"y\":1}", "{\"k\":1,\"y\":1}", "{\"k\":2,\"x\":1}"], "1000")  # a failed if keeps no annotations: k unevaluated
probe("unevaluated-not", "2020-12", False, {"not": {"not": {"properties": {"x": True}}}, "unevaluatedProperties": False}, ["{\"x\":1}"], "0")
probe("unevaluated-items-contains", "2020-12", False, {"contains": {"type": "integer"}, "unevaluatedItems": False}, ["[1,1]", "[1,\"s\"]"], "10")
probe("unevaluated-anyof-all", "2020-12", False, {"anyOf": [{"properties": {"a": True}}, {"properties": {"b": True}}], "unevaluatedProperties": False}, ["{\"a\":1,\"b\":1}"], "1")
probe("dynamic-ref-2020", "2020-12", False, {"$id": "http://x/root", "$dynamicAnchor": "node", "type": "object", "properties": {"c": {"$dynamicRef": "#node"}},
      "$defs": {"ext": {"$id": "http://x/ext", "$dynamicAnchor": "node", "$ref": "http://x/root", "properties": {"v": {"type": "integer"}}}}}, ["{\"c\":{\"v\":\"s\"}}"], "1")
probe("recursive-ref-2019", "2019-09", False, {"$id": "http://x/r", "$recursiveAnchor": True, "type": "object", "properties": {"c": {"$recursiveRef": "#"}, "v": {"type": "integer"}}}, ["{\"c\":{\"v\":\"s\"}}", "{\"c\":{\"v\":1}}"], "01")
probe("bool-schema-root", "2020-12", False, False, ["1", "{}"], "00")
probe("empty-prop-name", "2020-12", False, {"properties": {"": {"type": "integer"}}, "required": [""]}, ["{\"\":1}", "{\"\":\"s\"}", "{}"], "100")
probe("proto-key", "2020-12", False, {"properties": {"__proto__": {"type": "integer"}, "constructor": {"type": "integer"}, "toString": {"type": "integer"}}}, ["{\"__proto__\":\"s\"}", "{\"constructor\":\"s\"}", "{\"toString\":1}"], "001")
probe("content-not-asserted", "2020-12", False, {"contentMediaType": "application/json", "contentEncoding": "base64"}, ["\"!!!\""], "1")
probe("content-d7", "7", False, {"contentMediaType": "application/json", "contentEncoding": "base64"}, ["\"!!!\""], None)
probe("additionalItems-no-items", "2019-09", False, {"additionalItems": False}, ["[1]"], "1")
probe("min-props-max", "2020-12", False, {"minProperties": 1.0, "maxItems": 2.0, "minLength": 1.0}, ["{}", "{\"a\":1}"], "01")
probe("deep-nest-127", "2020-12", False, {"type": "array"}, ["[" * 127 + "]" * 127], "1")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--all", action="store_true", help="print agreeing probes too")
    ap.add_argument("--only", default="")
    ap.add_argument("--slow", action="store_true", help="also the probe that makes Tollgate hang (30 s timeout)")
    args = ap.parse_args()
    tg = peers.Tollgate()
    node = peers.Node()
    tmp = tempfile.mkdtemp(prefix="probes-")
    nbad = 0
    for pid, draft, fmt, schema, docs, expected in P:
        if args.only and args.only not in pid:
            continue
        sp = os.path.join(tmp, pid + ".json")
        with open(sp, "w") as f:
            json.dump(schema, f, ensure_ascii=False)
        uri = "file://" + sp
        res, errs = {}, {}
        res["tollgate"], errs["tollgate"] = tg.verdicts(sp, docs, draft, fmt)
        res["pyjs"], errs["pyjs"] = peers.py_verdicts(schema, docs, draft, fmt, uri)
        res["pyjs_ecma"], errs["pyjs_ecma"] = peers.py_verdicts(schema, docs, draft, fmt, uri, ecma=True)
        res["jsrs"], errs["jsrs"] = peers.rs_verdicts(schema, docs, draft, fmt, uri)
        a, e = node.ajv(schema, docs, draft, fmt)
        if a is not None:
            res["ajv"], errs["ajv"] = a, e
        t = "".join(x[0] for x in res["tollgate"])
        exp_bad = expected is not None and t != expected
        differs = any("".join(r) != t for r in res.values())
        if exp_bad or differs or args.all:
            nbad += exp_bad
            print(f"{'!! EXPECTED ' + expected if exp_bad else '  '} {pid} draft={draft} fmt={fmt} schema={json.dumps(schema, ensure_ascii=False)[:160]}")
            for k, r in res.items():
                print(f"     {k:10} {''.join(x[0] for x in r)}  {(errs[k] or '')[:200]}")
            print("     docs:", " | ".join(docs)[:300])
    print(f"{len(P)} probes, {nbad} where Tollgate differs from the spec expectation")

# ---- escaped strings and keys must compare by their decoded value
probe("esc-const", "2020-12", False, {"const": "é/\n"}, ["\"\\u00e9\\/\\n\"", "\"é/\\u000a\"", "\"e\\u0301/\\n\""], "110")
probe("esc-enum-obj", "2020-12", False, {"enum": [{"é": "/"}]}, ["{\"\\u00e9\":\"\\/\"}", "{\"\\u00E9\":\"\\u002f\"}", "{\"e\\u0301\":\"/\"}"], "110")
probe("esc-uniq", "2020-12", False, {"uniqueItems": True}, ["[\"é\",\"\\u00e9\"]", "[{\"a\\/b\":1},{\"a/b\":1}]", "[\"\\ud83d\\ude00\",\"😀\"]", "[\"a\",\"A\"]"], "0001")
probe("esc-required", "2020-12", False, {"required": ["é", "a/b"]}, ["{\"\\u00e9\":1,\"a\\/b\":1}", "{\"\\u00e9\":1}"], "10")
probe("esc-dependentRequired", "2020-12", False, {"dependentRequired": {"é": ["ü"]}}, ["{\"\\u00e9\":1}", "{\"\\u00e9\":1,\"\\u00fc\":1}"], "01")
probe("esc-patternProps", "2020-12", False, {"patternProperties": {"^é$": {"type": "integer"}}, "additionalProperties": False}, ["{\"\\u00e9\":1}", "{\"\\u00e9\":\"s\"}", "{\"e\\u0301\":1}"], "100")
probe("esc-propertyNames", "2020-12", False, {"propertyNames": {"maxLength": 1, "pattern": "^\\S$"}}, ["{\"\\u00e9\":1}", "{\"\\t\":1}", "{\"\\ud83d\\ude00\":1}"], "101")
probe("esc-dependentSchemas", "2020-12", False, {"dependentSchemas": {"a\"b": {"required": ["c"]}}}, ["{\"a\\\"b\":1}", "{\"a\\u0022b\":1,\"c\":0}"], "01")
probe("esc-minLength", "2020-12", False, {"minLength": 3}, ["\"\\u0061\\u0062\"", "\"\\u0061\\u0062\\u0063\"", "\"\\\\\\\\\\\\\"", "\"\\\\\\\\\""], "0110")
probe("esc-maxLength", "2020-12", False, {"maxLength": 2}, ["\"\\u0061\\u0062\"", "\"\\n\\n\\n\"", "\"\\\\\\\\\"", "\"\\\\\\\\\\\\\""], "1010")
probe("esc-contains-const", "2020-12", False, {"contains": {"const": "\u0000"}}, ["[\"\\u0000\"]", "[\"\"]"], "10")
probe("esc-format-date", "2020-12", True, {"format": "date"}, ["\"\\u0032024-01-01\"", "\"2024\\u002d01-01\""], "11")
probe("esc-pattern-input", "2020-12", False, {"pattern": "^a/b\\n$"}, ["\"a\\/b\\n\"", "\"a/b\\u000A\""], "11")

# ---- canonically equivalent but different code points must NOT compare equal (core 4.2.2: strings equal
# when "the same codepoint-for-codepoint"); Swift's String == uses canonical equivalence
probe("nfc-const-str", "2020-12", False, {"const": "\u00e9"}, ["\"e\\u0301\"", "\"\\u00e9\""], "01")
probe("nfc-enum-str", "2020-12", False, {"enum": ["\u00e9", 1]}, ["\"e\\u0301\"", "\"\\u00e9\""], "01")
probe("nfc-const-arr", "2020-12", False, {"const": ["\u00e9"]}, ["[\"e\\u0301\"]", "[\"\\u00e9\"]"], "01")
probe("nfc-const-objval", "2020-12", False, {"const": {"k": "\u00e9"}}, ["{\"k\":\"e\\u0301\"}", "{\"k\":\"\\u00e9\"}"], "01")
probe("nfc-const-objkey", "2020-12", False, {"const": {"\u00e9": 1}}, ["{\"e\\u0301\":1}", "{\"\\u00e9\":1}"], "01")
probe("nfc-enum-objkey", "2020-12", False, {"enum": [{"\u00e9": 1}]}, ["{\"e\\u0301\":1}", "{\"\\u00e9\":1}"], "01")
probe("nfc-uniq-str", "2020-12", False, {"uniqueItems": True}, ["[\"\\u00e9\",\"e\\u0301\"]", "[\"\\u212b\",\"\\u00c5\"]", "[\"\\u2126\",\"\\u03a9\"]"], "111")
probe("nfc-uniq-objkey", "2020-12", False, {"uniqueItems": True}, ["[{\"\\u00e9\":1},{\"e\\u0301\":1}]", "[[\"\\u00e9\"],[\"e\\u0301\"]]", "[{\"a\":\"\\u00e9\"},{\"a\":\"e\\u0301\"}]"], "111")
probe("nfc-properties", "2020-12", False, {"properties": {"\u00e9": False}}, ["{\"e\\u0301\":1}", "{\"\\u00e9\":1}"], "10")
probe("nfc-required", "2020-12", False, {"required": ["\u00e9"]}, ["{\"e\\u0301\":1}", "{\"\\u00e9\":1}"], "01")
probe("nfc-additional", "2020-12", False, {"properties": {"\u00e9": True}, "additionalProperties": False}, ["{\"e\\u0301\":1}", "{\"\\u00e9\":1}"], "01")
probe("nfc-dependentRequired", "2020-12", False, {"dependentRequired": {"\u00e9": ["x"]}}, ["{\"e\\u0301\":1}", "{\"\\u00e9\":1}"], "10")
probe("nfc-dependencies-d7", "7", False, {"dependencies": {"\u00e9": ["x"]}}, ["{\"e\\u0301\":1}", "{\"\\u00e9\":1}"], "10")
probe("nfc-propertyNames-const", "2020-12", False, {"propertyNames": {"const": "\u00e9"}}, ["{\"e\\u0301\":1}", "{\"\\u00e9\":1}"], "01")
probe("nfc-propertyNames-enum", "2020-12", False, {"propertyNames": {"enum": ["\u00e9"]}}, ["{\"e\\u0301\":1}", "{\"\\u00e9\":1}"], "01")
probe("nfc-angstrom", "2020-12", False, {"enum": ["\u00c5"]}, ["\"\\u212b\"", "\"A\\u030a\"", "\"\\u00c5\""], "001")
probe("nfc-hangul", "2020-12", False, {"const": "\uac00"}, ["\"\\u1100\\u1161\"", "\"\\uac00\""], "01")
probe("nfc-ref-defs-key", "2020-12", False, {"$defs": {"\u00e9": {"type": "integer"}, "e\u0301": {"type": "string"}}, "properties": {"a": {"$ref": "#/$defs/e%CC%81"}, "b": {"$ref": "#/$defs/%C3%A9"}}}, ["{\"a\":\"s\",\"b\":1}", "{\"a\":1}", "{\"b\":\"s\"}"], "100")

# ---- URI resolution (RFC 3986 section 5.2 reference resolution; core 8.2)
def _uri_probe(pid, id_, ref, draft="2020-12"):
    defs = "$defs" if draft in ("2019-09", "2020-12") else "definitions"
    probe(pid, draft, False, {"$id": "http://example.com/root.json", defs: {"t": {"$id": id_, "type": "integer"}},
                               "properties": {"p": {"$ref": ref}}}, ["{\"p\":1}", "{\"p\":\"s\"}"], "10")
_uri_probe("uri-dot-segments", "a/./b/../c.json", "http://example.com/a/c.json")
_uri_probe("uri-dot-segments-ref", "a/c.json", "a/x/../c.json")
_uri_probe("uri-parent-above-root", "../../c.json", "http://example.com/c.json")
_uri_probe("uri-query", "c.json?v=1", "c.json?v=1")
_uri_probe("uri-abs-path", "/x/c.json", "http://example.com/x/c.json")
_uri_probe("uri-netpath", "//other.org/c.json", "http://other.org/c.json")
_uri_probe("uri-urn", "urn:example:c", "urn:example:c")
_uri_probe("uri-tag", "tag:example.com,2024:c", "tag:example.com,2024:c")
_uri_probe("uri-trailing-slash", "dir/", "dir/")
_uri_probe("uri-empty-path-seg", "a//c.json", "a//c.json")
_uri_probe("uri-pct", "a%20b.json", "a%20b.json")
_uri_probe("uri-d7", "c.json", "c.json", "7")
_uri_probe("uri-d4-like-d6", "c.json", "c.json", "6")
probe("uri-ref-relative-to-nested-id", "2020-12", False, {"$id": "http://example.com/a/root.json", "$defs": {
      "x": {"$id": "sub/x.json", "$defs": {"y": {"$id": "y.json", "type": "integer"}}, "$ref": "y.json"}},
      "$ref": "sub/x.json"}, ["1", "\"s\""], "10")
probe("uri-anchor-in-nested", "2020-12", False, {"$id": "http://example.com/root.json", "$defs": {
      "x": {"$id": "x.json", "$defs": {"y": {"$anchor": "here", "type": "integer"}}}},
      "$ref": "x.json#here"}, ["1", "\"s\""], "10")
probe("uri-anchor-wrong-resource", "2020-12", False, {"$id": "http://example.com/root.json", "$defs": {
      "x": {"$id": "x.json", "$defs": {"y": {"$anchor": "here", "type": "integer"}}}},
      "properties": {"p": {"$ref": "#here"}}}, ["{}"], None)
probe("uri-no-id-file-base-rel", "2020-12", False, {"$defs": {"x": {"$id": "x.json", "type": "integer"}}, "$ref": "x.json"}, ["1", "\"s\""], "10")
probe("uri-id-only-fragment-empty", "7", False, {"$id": "http://example.com/root.json#", "definitions": {"i": {"type": "integer"}}, "$ref": "http://example.com/root.json#/definitions/i"}, ["1", "\"s\""], None)  # draft 7: $ref hides the sibling $id, so this $ref is unresolvable

probe("nfc-properties-two-keys", "2020-12", False, {"properties": {"\u00e9": {"type": "integer"}, "e\u0301": {"type": "string"}}},
      ["{\"\\u00e9\":1,\"e\\u0301\":\"s\"}", "{\"\\u00e9\":\"s\",\"e\\u0301\":1}"], "10")
# ---- resource limits that flip verdicts of valid documents
# ECMA-262: (?!_)\w+$ finds "b" at the end; Tollgate's backtracker gives up after 10^6 steps (quadratic here)
probe("limit-regex-steps", "2020-12", False, {"type": "string", "pattern": "(?!_)\\w+$"},
      [json.dumps("a" * 500 + "-b"), json.dumps("a" * 820 + "-b"), json.dumps("a" * 2000 + "-b")], "111")
probe("limit-regex-steps-lookahead-length", "2020-12", False, {"type": "string", "pattern": "(?=.{1,256}$)[a-z]*"},
      [json.dumps("a" * 500), json.dumps("a" * 2000)], "11")
# a 6-keyword-per-level recursive schema; nesting 85 < the parse limit 128
_tree = {"$defs": {"node": {"allOf": [{"$ref": "#/$defs/wrap"}]}, "wrap": {"oneOf": [{"type": "integer"}, {"$ref": "#/$defs/arr"}]},
                   "arr": {"type": "array", "items": {"$ref": "#/$defs/node"}}}, "$ref": "#/$defs/node"}
probe("limit-eval-depth", "2020-12", False, _tree, ["[" * 84 + "1" + "]" * 84, "[" * 85 + "1" + "]" * 85, "[" * 120 + "1" + "]" * 120], "111")
_items = {"type": "integer"}
for _ in range(104):
    _items = {"items": _items}
probe("limit-eval-depth-meta-2019", "2019-09", False, {"$ref": "https://json-schema.org/draft/2019-09/schema"}, [json.dumps(_items)], "1")
if "--slow" in sys.argv:
    # two non-consuming self-references: 2^depth evaluations before the 512-level limit (Tollgate hangs)
    probe("hang-branching-ref-cycle", "2020-12", False, {"$defs": {"a": {"allOf": [{"$ref": "#/$defs/a"}, {"$ref": "#/$defs/a"}]}}, "$ref": "#/$defs/a"}, ["1"], None)


if __name__ == "__main__":
    main()
