#!/usr/bin/env bash
# The RabbitMQ benchmark in one command: `tollgate run` RabbitMQ to RabbitMQ end to end (consume,
# validate, publish with confirms, ack) against a C program on rabbitmq-c doing the same loop
# without validation and a Python peer (pika + jsonschema-rs), on one broker, the same order corpus,
# interleaved rounds; with the broker's CPU share of each run.
#
#   scripts/bench-rabbitmq.sh            # RUNS=3 rounds of COUNT=50000 messages
#
# Needs: Swift, gcc, librabbitmq-dev, a RabbitMQ broker on 127.0.0.1:5672 (scripts/test.sh starts
# one), python3 with venv, PyPI (first run), ../shared/bench-corpus.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${TOLLGATE_SHARED:-../shared}
out=${BENCH_OUT:-bench-out}
mkdir -p "$out/rabbitmq"

source scripts/lib/bench.sh
source scripts/lib/build.sh
ensure_corpus
ensure_venv "jsonschema-rs==0.61.0" orjson "pika==1.4.4"
release_build tollgate
cc -O2 -Wall -o "$out/rabbitmq/rabbitmq-baseline" scripts/bench/rabbitmq-baseline.c -lrabbitmq

"$out/venv/bin/python" scripts/bench/rabbitmq.py --tollgate "$(release_bin)/tollgate" \
  --baseline "$out/rabbitmq/rabbitmq-baseline" --python "$out/venv/bin/python" \
  --corpus "$out/corpus/order_events.jsonl" --schema "$shared/bench-corpus/order_event.schema.json" \
  --work "$out/rabbitmq" --count "${COUNT:-50000}" --runs "${RUNS:-3}"
