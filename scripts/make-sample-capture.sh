#!/usr/bin/env bash
# Makes deploy/samples/orders-capture.jsonl, a captured "orders" topic, with real kcat against a
# librdkafka mock cluster (a Kafka-protocol cluster inside one kcat process), so the capture is
# byte for byte what kcat -J writes, raw non-UTF-8 payload bytes included.
#
#   scripts/make-sample-capture.sh          # needs kcat (Debian: apt-get install kcat) and python3
set -euo pipefail
cd "$(dirname "$0")/.."
out=deploy/samples/orders-capture.jsonl
work=$(mktemp -d)
trap 'kill $holder 2>/dev/null || true; rm -rf "$work"' EXIT

# 1. A kcat consumer holds the mock cluster; its log names the bootstrap address.
kcat -X test.mock.num.brokers=1 -b localhost:9 -C -t orders -o end 2>"$work/mock.log" >/dev/null &
holder=$!
for _ in $(seq 50); do
  grep -q "Mock cluster enabled" "$work/mock.log" 2>/dev/null && break
  sleep 0.1
done
brokers=$(sed -n 's/.*replaced with \([0-9.:,]*\).*/\1/p' "$work/mock.log" | head -1)
[ -n "$brokers" ] || { echo "the mock cluster did not start" >&2; cat "$work/mock.log" >&2; exit 1; }

produce() { kcat -P -b "$brokers" -t orders -K '|' -z none "$@"; }

# 2. The sample events, keyed by order id: version-2-era events without a schema header.
python3 - deploy/samples/orders.jsonl > "$work/keyed.txt" <<'PY'
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    line = line.rstrip("\n")
    try:
        key = json.loads(line)["order"]["orderId"]
    except Exception:
        key = "ORD-unknown"
    print(f"{key}|{line}")
PY
produce -H "trace-id=4bf92f3577b34da6a3ce929d0e0e4736" < "$work/keyed.txt"
# Two producers that say which version they wrote.
printf '%s\n' 'ORD-2026-000201|{"eventId":"b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e","eventType":"order.created","occurredAt":"2026-11-23T10:00:00Z","order":{"orderId":"ORD-2026-000201","customer":{"customerId":"9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a","email":"alan@example.com"},"currency":"GBP","lines":[{"sku":"BOK-00001","quantity":2,"unitPrice":1500}],"total":3000}}' \
  | produce -H "tollgate-schema=orders/1"
printf '%s\n' 'ORD-2026-000202|{"eventId":"c2d3e4f5-a6b7-4c8d-9e0f-1a2b3c4d5e6f","eventType":"order.refunded","occurredAt":"2026-11-23T11:00:00Z","order":{"orderId":"ORD-2026-000202","customer":{"customerId":"9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a","email":"alan@example.com","loyaltyTier":"gold"},"currency":"GBP","channel":"mobile","lines":[{"sku":"BOK-00001","quantity":1,"unitPrice":1500}],"total":1500}}' \
  | produce -H "tollgate-schema=orders/2"
# A producer that sent bytes that are not UTF-8 (a Latin-1 encoded name).
printf 'ORD-2026-000203|{"eventId":"d3e4f5a6-b7c8-4d9e-8f1a-2b3c4d5e6f70","eventType":"order.created","occurredAt":"2026-11-23T12:00:00Z","order":{"orderId":"ORD-2026-000203","customer":{"customerId":"9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a","email":"jos\xe9@example.com"},"currency":"EUR","lines":[{"sku":"CAF-00042","quantity":1,"unitPrice":350}],"total":350}}\n' \
  | produce

# 3. Read the topic back as kcat -J lines, in partition and offset order.
kcat -C -b "$brokers" -t orders -J -o beginning -e -q > "$work/capture.jsonl"
python3 - "$work/capture.jsonl" "$out" <<'PY'
import re, sys
lines = [l for l in open(sys.argv[1], "rb").read().split(b"\n") if l]
def position(line):
    p = int(re.search(rb'"partition":(\d+)', line).group(1))
    o = int(re.search(rb'"offset":(\d+)', line).group(1))
    return (p, o)
lines.sort(key=position)
open(sys.argv[2], "wb").write(b"\n".join(lines) + b"\n")
print(f"wrote {len(lines)} messages to {sys.argv[2]}", file=sys.stderr)
PY
