#!/usr/bin/env python3
"""The RabbitMQ benchmark, driven by scripts/bench-rabbitmq.sh: Tollgate's RabbitMQ sidecar end to
end (consume, validate, publish with confirms, ack) against a C rabbitmq-c program doing the same
loop without validation and a Python peer (pika + jsonschema-rs), on one broker and the same order
corpus, in interleaved rounds. Before each run the input queue is filled; during it, the broker's
CPU time (beam.smp) and the tool's are measured. Prints a table of medians and ratios."""
import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import time

import pika

from benchlib import run_tollgate, tollgate_config


def broker_cpu_seconds():
    """User + system CPU seconds of the Erlang VM running RabbitMQ."""
    total = 0.0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/comm") as f:
                if f.read().strip() != "beam.smp":
                    continue
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except OSError:
            pass
    return total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tollgate", required=True)
    ap.add_argument("--baseline", required=True)
    ap.add_argument("--python", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--schema", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--url", default="amqp://guest:guest@127.0.0.1:5672/%2f")
    ap.add_argument("--count", type=int, default=50_000)
    ap.add_argument("--prefetch", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    a.work = os.path.abspath(a.work)
    os.makedirs(os.path.join(a.work, "schemas", "orders"), exist_ok=True)
    with open(a.schema, "rb") as f, open(os.path.join(a.work, "schemas", "orders", "1.json"), "wb") as out:
        out.write(f.read())
    with open(a.corpus, "rb") as f:
        lines = [l.rstrip(b"\n") for l in f if l.strip()][: a.count]
    count = len(lines)

    connection = pika.BlockingConnection(pika.URLParameters(a.url))
    admin = connection.channel()
    names = {"in": "bench.in", "approved": "bench.approved", "quarantine": "bench.quarantine", "relay": "bench.relay"}
    for name in ("approved", "quarantine", "relay"):
        admin.exchange_declare(names[name], "topic", durable=True)
        admin.queue_declare(names[name], durable=True)
        admin.queue_bind(names[name], names[name], "#")
    admin.queue_declare(names["in"], durable=True)

    corpus_file = os.path.join(a.work, "input.jsonl")
    with open(corpus_file, "wb") as f:
        f.write(b"\n".join(lines) + b"\n")

    def fill():
        for name in names.values():
            admin.queue_purge(name)
        # amqp-publish (rabbitmq-c) is much faster than pika at this; then wait until all are queued.
        with open(corpus_file, "rb") as f:
            subprocess.run(["amqp-publish", "--url", a.url, "-r", names["in"], "-p", "-C", "application/json", "-l"], stdin=f, check=True)
        deadline = time.time() + 120
        while admin.queue_declare(names["in"], passive=True).method.message_count < count:
            if time.time() > deadline:
                sys.exit("the input queue did not fill")
            time.sleep(0.1)

    config = os.path.join(a.work, "tollgate-rabbitmq.yaml")
    with open(config, "w") as f:
        f.write(tollgate_config(f"source:\n  rabbitmq:\n    url: {a.url}\n    queue: {names['in']}\n    prefetch: {a.prefetch}\n",
                                names["approved"], names["quarantine"]))

    def measured(run):
        fill()
        cpu0 = broker_cpu_seconds()
        children0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        wall0 = time.perf_counter()
        result = run()
        wall = time.perf_counter() - wall0
        children1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        broker = broker_cpu_seconds() - cpu0
        tool = (children1.ru_utime - children0.ru_utime) + (children1.ru_stime - children0.ru_stime)
        result["broker_cpu_s"] = round(broker, 2)
        result["tool_cpu_s"] = round(tool, 2)
        result["broker_cpu_share"] = round(broker / (broker + tool), 3) if broker + tool else 0
        result["wall_s"] = round(wall, 2)
        return result

    def tollgate():
        line = run_tollgate(a.tollgate, config, a.work, 1)
        m = re.search(r"confirmed (\d+), acknowledged (\d+).*?, (\d+) messages/s, peak RSS (\d+) MiB", line)
        if not m:
            sys.exit(f"unexpected summary: {line}")
        confirmed, acked, rate, rss = map(int, m.groups())
        if confirmed != count or acked != count:
            sys.exit(f"tollgate run confirmed {confirmed} and acknowledged {acked} of {count}")
        return {"tool": "tollgate", "messages_per_second": rate, "peak_rss_mib": rss}

    def baseline():
        out = subprocess.run([a.baseline, "127.0.0.1", "5672", names["in"], names["relay"], str(count), str(a.prefetch)],
                             capture_output=True, text=True, check=True)
        return json.loads(out.stdout.strip().splitlines()[-1])

    def peer():
        out = subprocess.run([a.python, os.path.join(os.path.dirname(__file__), "rabbitmq_peer.py"), a.url, names["in"],
                              names["approved"], names["quarantine"], a.schema, str(count), str(a.prefetch)],
                             capture_output=True, text=True, check=True)
        return json.loads(out.stdout.strip().splitlines()[-1])

    results = {"tollgate": [], "c-baseline": [], "python-peer": []}
    try:
        for round_ in range(1, a.runs + 1):
            print(f"round {round_} of {a.runs}", file=sys.stderr)
            order = [("tollgate", tollgate), ("c-baseline", baseline), ("python-peer", peer)]
            order = order[round_ % 3:] + order[:round_ % 3]
            for name, run in order:
                r = measured(run)
                print(json.dumps(r), file=sys.stderr)
                results[name].append(r)
    finally:
        for name in names.values():
            admin.queue_purge(name)
        connection.close()

    med = {k: statistics.median(r["messages_per_second"] for r in v) for k, v in results.items()}
    share = {k: statistics.median(r["broker_cpu_share"] for r in v) for k, v in results.items()}
    rss = {k: max(r["peak_rss_mib"] for r in v) for k, v in results.items()}
    print(f"\n{count:,} order events (10% invalid), one RabbitMQ {subprocess.run(['rabbitmqctl', 'version'], capture_output=True, text=True).stdout.strip()} broker on the same machine, prefetch {a.prefetch}, medians of {a.runs} rounds, {os.cpu_count()} cores\n")
    print("| consume, decide, publish with confirms, ack | messages/s | broker's CPU share | peak RSS | Tollgate ratio |")
    print("| --- | ---: | ---: | ---: | ---: |")
    print(f"| Tollgate `run` (validation, routing, quarantine records) | {med['tollgate']:,.0f} | {share['tollgate']:.0%} | {rss['tollgate']} MiB | |")
    print(f"| C on rabbitmq-c, no validation | {med['c-baseline']:,.0f} | {share['c-baseline']:.0%} | {rss['c-baseline']} MiB | {med['tollgate'] / med['c-baseline']:.2f} |")
    print(f"| Python: pika + jsonschema-rs | {med['python-peer']:,.0f} | {share['python-peer']:.0%} | {rss['python-peer']} MiB | {med['tollgate'] / med['python-peer']:.2f} |")
    print("\nbroker's CPU share: the broker's CPU time / (the broker's + the tool's) during the run")
    print(f"targets: >= 0.80 of the C baseline ({med['tollgate'] / med['c-baseline']:.2f}), >= 3x the Python peer ({med['tollgate'] / med['python-peer']:.2f}x)")


if __name__ == "__main__":
    main()
