#!/usr/bin/env python3
"""Times a Python JSON Schema validator on a JSON-lines corpus, the way the Tollgate benchmark times
Tollgate: "raw" parses each message's bytes (orjson.loads) and validates it; "parsed" validates
objects parsed beforehand. Prints one JSON object per run, like tollgate-schema-bench.

usage: peer.py --validator jsonschema-rs|fastjsonschema --schema FILE --corpus FILE.jsonl
               [--labels FILE] [--runs N] [--modes raw,parsed]
"""
import argparse
import json
import sys
import time

import orjson


def make_validator(name, schema):
    """Returns is_valid(instance) -> bool with format assertion on (the corpus labels assume it)."""
    if name == "jsonschema-rs":
        import jsonschema_rs
        validator = jsonschema_rs.validator_for(schema, validate_formats=True)
        return validator.is_valid
    if name == "fastjsonschema":
        import fastjsonschema
        validate = fastjsonschema.compile(schema)  # asserts the formats it knows by default

        def is_valid(instance):
            try:
                validate(instance)
                return True
            except fastjsonschema.JsonSchemaException:
                return False
        return is_valid
    raise SystemExit(f"unknown validator {name}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--validator", required=True)
    parser.add_argument("--schema", required=True)
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--labels")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--modes", default="raw,parsed")
    args = parser.parse_args()

    with open(args.schema, "rb") as f:
        schema = json.load(f)
    is_valid = make_validator(args.validator, schema)
    with open(args.corpus, "rb") as f:
        messages = [line for line in f.read().split(b"\n") if line]
    payload_bytes = sum(len(m) for m in messages)
    expected_invalid = None
    if args.labels:
        with open(args.labels, "rb") as f:
            expected_invalid = [not orjson.loads(line)["valid"] for line in f.read().split(b"\n") if line]
    modes = args.modes.split(",")
    objects = [orjson.loads(m) for m in messages] if "parsed" in modes else None

    for run in range(1, args.runs + 1):
        for mode in modes:
            verdicts = [False] * len(messages)
            if mode == "raw":
                start = time.perf_counter()
                for i, message in enumerate(messages):
                    verdicts[i] = is_valid(orjson.loads(message))
                seconds = time.perf_counter() - start
            elif mode == "parsed":
                start = time.perf_counter()
                for i, instance in enumerate(objects):
                    verdicts[i] = is_valid(instance)
                seconds = time.perf_counter() - start
            else:
                raise SystemExit(f"unknown mode {mode}")
            invalid = verdicts.count(False)
            mismatches = -1
            if expected_invalid is not None and len(expected_invalid) == len(verdicts):
                mismatches = sum(1 for v, e in zip(verdicts, expected_invalid) if v == e)
            print(json.dumps({
                "tool": args.validator, "mode": mode, "run": run, "messages": len(messages),
                "bytes": payload_bytes, "seconds": seconds,
                "messages_per_second": int(len(messages) / seconds),
                "mb_per_second": payload_bytes / seconds / 1e6,
                "invalid": invalid, "label_mismatches": mismatches,
            }), flush=True)


if __name__ == "__main__":
    sys.exit(main())
