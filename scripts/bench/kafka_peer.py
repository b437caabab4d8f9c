#!/usr/bin/env python3
"""The Kafka benchmark's Python peer: what a team would write with confluent-kafka and
jsonschema-rs. Consumes a topic as a group member, parses and validates each payload, writes valid
ones to the approved topic and the rest to the quarantine topic (with a reason and the first errors
as headers), and stores each input offset for the automatic commit once its delivery is confirmed.
Stops after COUNT confirmed records and prints one JSON line.

usage: kafka_peer.py BROKERS INPUT OUTPUT_APPROVED OUTPUT_QUARANTINE GROUP SCHEMA COUNT

Benchmark code, not part of Tollgate.
"""
import json
import sys
import time

import jsonschema_rs
import orjson
from confluent_kafka import Consumer, Producer, TopicPartition

from benchlib import peak_rss_mib


def main():
    brokers, source, approved, quarantine, group, schema_path, count = sys.argv[1:8]
    count = int(count)
    with open(schema_path, "rb") as f:
        validator = jsonschema_rs.validator_for(orjson.loads(f.read()), validate_formats=True)
    consumer = Consumer({
        "bootstrap.servers": brokers, "group.id": group,
        "partition.assignment.strategy": "cooperative-sticky",
        "enable.auto.offset.store": False, "enable.auto.commit": True, "auto.offset.reset": "earliest",
    })
    producer = Producer({"bootstrap.servers": brokers, "enable.idempotence": True, "acks": "all", "linger.ms": 5})
    state = {"delivered": 0, "failed": 0, "last": None}

    def delivered(err, msg, partition, offset):
        if err is not None:
            state["failed"] += 1
            return
        consumer.store_offsets(offsets=[TopicPartition(source, partition, offset + 1)])
        state["delivered"] += 1
        state["last"] = time.perf_counter()

    consumer.subscribe([source])
    consumed = 0
    first = None
    while state["delivered"] + state["failed"] < count:
        producer.poll(0)
        if consumed >= count:
            producer.poll(0.1)
            continue
        msg = consumer.poll(0.1)
        if msg is None or msg.error():
            continue
        if first is None:
            first = time.perf_counter()
        value = msg.value() or b""
        headers = msg.headers() or []
        try:
            document = orjson.loads(value)
            errors = [] if validator.is_valid(document) else [
                {"instanceLocation": e.instance_path, "message": e.message} for e in list(validator.iter_errors(document))[:10]]
            reason = "schema-violation" if errors else None
        except orjson.JSONDecodeError as e:
            errors, reason = [{"instanceLocation": "", "message": str(e)}], "malformed-json"
        if reason is None:
            topic = approved
        else:
            topic = quarantine
            headers = headers + [("tollgate.reason", reason), ("tollgate.errors", json.dumps(errors, default=str))]
        partition, offset = msg.partition(), msg.offset()
        while True:
            try:
                producer.produce(topic, value=value, key=msg.key(), headers=headers,
                                 on_delivery=lambda err, m, p=partition, o=offset: delivered(err, m, p, o))
                break
            except BufferError:
                producer.poll(0.01)
        consumed += 1
    consumer.commit(asynchronous=False)
    seconds = state["last"] - first
    peak = peak_rss_mib()
    print(json.dumps({"tool": "python-peer", "messages": state["delivered"], "failed": state["failed"], "seconds": seconds,
                      "messages_per_second": round(state["delivered"] / seconds), "peak_rss_mib": peak}))
    consumer.close()
    producer.flush(5)


if __name__ == "__main__":
    main()
