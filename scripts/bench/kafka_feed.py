#!/usr/bin/env python3
"""Produces a corpus to a topic at a steady rate, for the Kafka benchmark's memory runs (the mock
keeps only about 5 MiB per partition, so a long run must be fed while it is consumed).

usage: kafka_feed.py BROKERS TOPIC CORPUS.jsonl COPIES RATE

Benchmark code, not part of Tollgate."""
import sys
import time

from confluent_kafka import Producer


def main():
    brokers, topic, corpus, copies, rate = sys.argv[1:6]
    copies, rate = int(copies), float(rate)
    with open(corpus, "rb") as f:
        lines = [l.rstrip(b"\n") for l in f if l.strip()]
    producer = Producer({"bootstrap.servers": brokers, "linger.ms": 20, "enable.idempotence": True})
    start = time.perf_counter()
    sent = 0
    for copy in range(copies):
        for i, line in enumerate(lines):
            while True:
                try:
                    producer.produce(topic, value=line, key=b"k%d-%d" % (copy, i))
                    break
                except BufferError:
                    producer.poll(0.01)
            sent += 1
            if sent % 1000 == 0:
                producer.poll(0)
                ahead = sent / rate - (time.perf_counter() - start)
                if ahead > 0:
                    time.sleep(ahead)
    producer.flush(60)
    print(f"fed {sent} messages in {time.perf_counter() - start:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
