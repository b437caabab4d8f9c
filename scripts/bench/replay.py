#!/usr/bin/env python3
"""Replay throughput against raw validation throughput, on the same corpus, in one run.

Called by scripts/bench-replay.sh, which builds the programs and generates the corpus. This script
turns the corpus into a kcat -J capture (12 partitions, a header and a key per message, payloads as
kcat writes them), runs interleaved rounds and prints medians:

  raw             tollgate-schema-bench --modes raw, pinned to one core: the JSON Schema benchmark's
                  figure (parse + validate each payload's bytes)
  replay          `tollgate replay CAPTURE --report json --out /dev/null`, the whole command, all cores
  replay-1-core   the same command with --threads 1, pinned to one core
  parse / literal / check / pipeline / decode
                  tollgate-pipeline-bench stages on one core, to show where replay's time goes: parsing
                  the payloads in memory, and where they stand in the capture's lines (as replay does);
                  validation with the errors of invalid payloads; the pipeline on messages in memory;
                  the general capture reader (for lines not in kcat's own layout)

Exits 1 when a program's verdict counts disagree with the corpus labels.
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time


def make_capture(corpus, path):
    """kcat -C -J lines: the payload is a JSON string holding the message's bytes."""
    partitions = 12
    offsets = [0] * partitions
    with open(corpus, encoding="utf-8") as src, open(path, "w", encoding="utf-8") as out:
        for index, line in enumerate(src):
            payload = line.rstrip("\n")
            p = index % partitions
            record = {
                "topic": "orders", "partition": p, "offset": offsets[p], "tstype": "create",
                "ts": 1795686953006 + index, "broker": 1,
                "headers": ["trace-id", f"{index:032x}"],
                "key": f"ORD-{index:08d}", "payload": payload,
            }
            offsets[p] += 1
            out.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")


def run_timed(cmd):
    """Runs a command; returns (wall seconds, CPU seconds of the child, stdout, stderr)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode not in (0, 1):
        sys.exit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr}")
    return wall, cpu, done.stdout, done.stderr


def json_lines(text):
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True, help="folder of the release binaries")
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--labels", required=True)
    ap.add_argument("--schema", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--cpu", default="0")
    a = ap.parse_args()

    schemas = os.path.join(a.work, "schemas")
    os.makedirs(os.path.join(schemas, "orders"), exist_ok=True)
    with open(a.schema, "rb") as f, open(os.path.join(schemas, "orders", "1.json"), "wb") as out:
        out.write(f.read())
    capture = os.path.join(a.work, "orders-capture.jsonl")
    if not os.path.exists(capture) or os.path.getmtime(capture) < os.path.getmtime(a.corpus):
        print("writing the kcat -J capture...", file=sys.stderr)
        make_capture(a.corpus, capture)
    with open(a.labels) as f:
        expected_invalid = sum(1 for line in f if not json.loads(line)["valid"])
    messages = sum(1 for _ in open(a.corpus, "rb"))
    capture_mb = os.path.getsize(capture) / 1e6

    pin = ["taskset", "-c", a.cpu] if subprocess.run(["which", "taskset"], capture_output=True).returncode == 0 else []
    tollgate = os.path.join(a.bin, "tollgate")
    replay = [tollgate, "replay", capture, "--schemas", schemas, "--subject", "orders",
              "--report", "json", "--expect", "any", "--out", "/dev/null"]
    results = {}  # name -> list of (seconds, cpu seconds, rejected)
    ok = True

    def add(name, seconds, cpu, rejected):
        nonlocal ok
        results.setdefault(name, []).append((seconds, cpu, rejected))
        if rejected != expected_invalid:
            print(f"error: {name} rejected {rejected}, the labels say {expected_invalid}", file=sys.stderr)
            ok = False

    for round_ in range(1, a.runs + 1):
        print(f"round {round_} of {a.runs}", file=sys.stderr)
        _, _, out, _ = run_timed(pin + [os.path.join(a.bin, "tollgate-schema-bench"), "--schema", a.schema,
                                        "--corpus", a.corpus, "--labels", a.labels, "--runs", "1", "--modes", "raw"])
        r = json_lines(out)[0]
        add("raw", r["seconds"], r["seconds"], r["invalid"])
        for name, cmd in (("replay", replay), ("replay-1-core", pin + replay + ["--threads", "1"])):
            wall, cpu, _, err = run_timed(cmd)
            quarantined = int(err.split(" approved, ")[1].split(" quarantined")[0])
            add(name, wall, cpu, quarantined)
        _, _, out, _ = run_timed(pin + [os.path.join(a.bin, "tollgate-pipeline-bench"), "--schemas", schemas,
                                        "--subject", "orders", "--corpus", a.corpus, "--capture", capture,
                                        "--runs", "1", "--stages", "parse,literal,check,pipeline,decode"])
        for r in json_lines(out):
            # Stages that do not validate report failures to read instead: none are expected.
            rejected = r["rejected"] if r["stage"] in ("check", "pipeline") else (expected_invalid if r["rejected"] == 0 else -1)
            add(r["stage"], r["seconds"], r["seconds"], rejected)

    raw = statistics.median(s for s, _, _ in results["raw"])
    print(f"\n{messages:,} messages ({capture_mb:.0f} MB of kcat -J capture), medians of {a.runs} rounds, "
          f"{os.cpu_count()} cores\n")
    print("| measurement | cores | seconds | CPU seconds | messages/s | throughput vs raw |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    rows = [("raw", "1", "raw validation (JSON Schema benchmark)"),
            ("replay", "all", "`tollgate replay`, JSON report"),
            ("replay-1-core", "1", "`tollgate replay --threads 1`"),
            ("parse", "1", "parsing the payloads in memory"),
            ("literal", "1", "parsing them where they stand in the capture lines"),
            ("check", "1", "validation with errors for invalid payloads"),
            ("pipeline", "1", "pipeline on messages in memory"),
            ("decode", "1", "general capture reader (lines not in kcat's layout)")]
    for name, cores, title in rows:
        seconds = statistics.median(s for s, _, _ in results[name])
        cpu = statistics.median(c for _, c, _ in results[name])
        print(f"| {title} | {cores} | {seconds:.3f} | {cpu:.3f} | {messages / seconds:,.0f} | {raw / seconds:.2f} |")
    ratio = raw / statistics.median(s for s, _, _ in results["replay"])
    print(f"\nreplay throughput / raw validation throughput = {ratio:.2f} (the issue asks for at least 0.80)")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
