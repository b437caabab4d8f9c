#!/usr/bin/env python3
"""The Kafka benchmark, driven by scripts/bench-kafka.sh: Tollgate's sidecar end to end against a
C librdkafka relay without validation and a Python peer (confluent-kafka + jsonschema-rs), all on
one `tollgate kafka-mock` cluster, in interleaved rounds; then Tollgate's peak RSS at 100k and 500k
messages. Prints a table of medians and ratios."""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time

from benchlib import run_tollgate, tollgate_config

def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tollgate", required=True)
    ap.add_argument("--baseline", required=True)
    ap.add_argument("--python", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--schema", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--large", type=int, default=5, help="the large run has this many copies of the corpus")
    ap.add_argument("--feed-rate", type=int, default=40_000, help="messages/s fed during the memory runs")
    a = ap.parse_args()
    a.work = os.path.abspath(a.work)
    os.makedirs(os.path.join(a.work, "schemas", "orders"), exist_ok=True)
    with open(a.schema, "rb") as f, open(os.path.join(a.work, "schemas", "orders", "1.json"), "wb") as out:
        out.write(f.read())
    with open(a.corpus, "rb") as f:
        lines = [l.rstrip(b"\n") for l in f if l.strip()]
    count = len(lines)
    large = count * a.large

    # One mock cluster for everything; each topic small enough per partition for the mock's ~5 MiB cap.
    mock = subprocess.Popen([a.tollgate, "kafka-mock", "--brokers", "1",
                             "--topic", "orders:32", "--topic", "stream-small:32", "--topic", "stream-large:32",
                             "--topic", "orders.approved:32", "--topic", "orders.quarantine:8", "--topic", "relay.out:32"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        brokers = mock.stdout.readline().strip()
        print(f"mock cluster at {brokers}; producing {count:,} messages...", file=sys.stderr)
        keyed = os.path.join(a.work, "input.txt")
        with open(keyed, "wb") as out:
            for i, line in enumerate(lines):
                out.write(b"k%d|" % i + line + b"\n")
        with open(keyed, "rb") as f:
            sh(["kcat", "-P", "-b", brokers, "-t", "orders", "-K", "|", "-X", "linger.ms=50"], stdin=f)
        def config(group, topic):
            path = os.path.join(a.work, f"{group}.yaml")
            with open(path, "w") as f:
                f.write(tollgate_config(f"source:\n  kafka:\n    brokers: {brokers}\n    topics: [{topic}]\n    group: {group}\n",
                                        "orders.approved", "orders.quarantine"))
            return path

        def tollgate(group, topic, expected):
            line = run_tollgate(a.tollgate, config(group, topic), a.work, 3)
            m = re.search(r"confirmed (\d+), failed (\d+), (\d+) messages/s, peak RSS (\d+) MiB", line)
            confirmed, failed, rate, rss = map(int, m.groups())
            if confirmed != expected or failed:
                sys.exit(f"tollgate run confirmed {confirmed} of {expected} ({failed} failed)")
            return {"tool": "tollgate", "messages_per_second": rate, "peak_rss_mib": rss}

        def baseline(group):
            out = subprocess.run([a.baseline, brokers, "orders", "relay.out", group, str(count)], capture_output=True, text=True, check=True)
            return json.loads(out.stdout.strip().splitlines()[-1])

        def peer(group):
            out = subprocess.run([a.python, os.path.join(os.path.dirname(__file__), "kafka_peer.py"), brokers, "orders",
                                  "orders.approved", "orders.quarantine", group, a.schema, str(count)],
                                 capture_output=True, text=True, check=True)
            return json.loads(out.stdout.strip().splitlines()[-1])

        results = {"tollgate": [], "c-baseline": [], "python-peer": []}
        for round_ in range(1, a.runs + 1):
            print(f"round {round_} of {a.runs}", file=sys.stderr)
            order = [("tollgate", lambda g: tollgate(g, "orders", count)), ("c-baseline", baseline), ("python-peer", peer)]
            order = order[round_ % 3:] + order[:round_ % 3]
            for name, run in order:
                r = run(f"bench-{name}-{round_}-{int(time.time())}")
                print(json.dumps(r), file=sys.stderr)
                results[name].append(r)
        # Memory: the same run fed while it consumes (same partitions, same rate), at 1x and at
        # `large`x the corpus; peak RSS should not grow with the number of messages.
        def streamed(topic, copies):
            print(f"tollgate on {count * copies:,} messages fed at {a.feed_rate:,} messages/s...", file=sys.stderr)
            feeder = subprocess.Popen([a.python, os.path.join(os.path.dirname(__file__), "kafka_feed.py"), brokers, topic,
                                       a.corpus, str(copies), str(a.feed_rate)])
            result = tollgate(f"bench-{topic}-{int(time.time())}", topic, count * copies)
            feeder.wait()
            return result
        small = streamed("stream-small", 1)
        big = streamed("stream-large", a.large)
    finally:
        mock.terminate()
        mock.wait()

    med = {k: statistics.median(r["messages_per_second"] for r in v) for k, v in results.items()}
    rss = {k: max(r["peak_rss_mib"] for r in v) for k, v in results.items()}
    print(f"\n{count:,} order events (10% invalid), one mock broker, medians of {a.runs} rounds, {os.cpu_count()} cores\n")
    print("| consume, decide, produce, commit | messages/s | peak RSS | Tollgate ratio |")
    print("| --- | ---: | ---: | ---: |")
    print(f"| Tollgate `run` (validation, routing, quarantine records) | {med['tollgate']:,.0f} | {rss['tollgate']} MiB | |")
    print(f"| C relay on librdkafka, no validation | {med['c-baseline']:,.0f} | {rss['c-baseline']} MiB | {med['tollgate'] / med['c-baseline']:.2f} |")
    print(f"| Python: confluent-kafka + jsonschema-rs | {med['python-peer']:,.0f} | {rss['python-peer']} MiB | {med['tollgate'] / med['python-peer']:.2f} |")
    print(f"\nTollgate peak RSS, fed at {a.feed_rate:,} messages/s while consuming: {small['peak_rss_mib']} MiB at {count:,} messages, "
          f"{big['peak_rss_mib']} MiB at {large:,}")
    print(f"targets: >= 0.80 of the C relay ({med['tollgate'] / med['c-baseline']:.2f}), >= 3x the Python peer ({med['tollgate'] / med['python-peer']:.2f}x)")


if __name__ == "__main__":
    main()
