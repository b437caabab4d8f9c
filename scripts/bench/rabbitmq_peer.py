#!/usr/bin/env python3
"""The RabbitMQ benchmark's Python peer: what a team would write with pika and jsonschema-rs.
Consumes QUEUE with manual acks and a prefetch, parses and validates each body, publishes valid
ones to the approved exchange and the rest to the quarantine exchange (with a reason and the first
errors as headers, properties kept) with publisher confirms and the mandatory flag, and acks the
input once the publish is confirmed. Stops after COUNT acknowledged and prints one JSON line.

usage: rabbitmq_peer.py URL QUEUE APPROVED_EXCHANGE QUARANTINE_EXCHANGE SCHEMA COUNT PREFETCH

Benchmark code, not part of Tollgate.
"""
import json
import sys
import time

import jsonschema_rs
import orjson
import pika

from benchlib import peak_rss_mib


def main():
    url, queue, approved, quarantine, schema_path, count, prefetch = sys.argv[1:8]
    count, prefetch = int(count), int(prefetch)
    with open(schema_path, "rb") as f:
        validator = jsonschema_rs.validator_for(orjson.loads(f.read()), validate_formats=True)
    connection = pika.BlockingConnection(pika.URLParameters(url))
    consume = connection.channel()
    consume.basic_qos(prefetch_count=prefetch)
    publish = connection.channel()
    publish.confirm_delivery()
    done = 0
    first = last = None
    for method, properties, body in consume.consume(queue, auto_ack=False):
        if first is None:
            first = time.perf_counter()
        headers = dict(properties.headers or {})
        try:
            document = orjson.loads(body)
            errors = [] if validator.is_valid(document) else [
                {"instanceLocation": e.instance_path and "/" + "/".join(map(str, e.instance_path)) or "",
                 "message": e.message} for _, e in zip(range(5), validator.iter_errors(document))]
            reason = "schema-violation" if errors else None
        except orjson.JSONDecodeError as e:
            errors, reason = [{"message": str(e)}], "malformed-json"
        if reason:
            headers["tollgate.reason"] = reason
            headers["tollgate.errors"] = json.dumps(errors)[:4096]
            exchange = quarantine
        else:
            headers["tollgate.schema"] = "orders/1"
            exchange = approved
        properties.headers = headers
        # With confirm_delivery, basic_publish returns once the broker confirmed (raises if returned or nacked).
        publish.basic_publish(exchange, method.routing_key, body, properties, mandatory=True)
        consume.basic_ack(method.delivery_tag)
        done += 1
        last = time.perf_counter()
        if done >= count:
            break
    consume.cancel()
    connection.close()
    rss = peak_rss_mib()
    print(json.dumps({"tool": "python-peer", "messages": done, "messages_per_second": round(done / (last - first)), "peak_rss_mib": rss}))


if __name__ == "__main__":
    main()
