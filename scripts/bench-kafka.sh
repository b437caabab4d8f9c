#!/usr/bin/env bash
# The Kafka benchmark in one command: `tollgate run` end to end (consume, validate, route, commit)
# against a C relay on librdkafka without validation and a Python peer (confluent-kafka +
# jsonschema-rs), on the same `tollgate kafka-mock` cluster and the same order corpus, interleaved;
# then Tollgate's peak RSS at 100k and 500k messages.
#
#   scripts/bench-kafka.sh            # RUNS=3 rounds
#
# Needs: Swift, gcc, librdkafka-dev, kcat, python3 with venv, PyPI (first run), ../shared/bench-corpus.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${TOLLGATE_SHARED:-../shared}
out=${BENCH_OUT:-bench-out}
mkdir -p "$out/kafka"

source scripts/lib/bench.sh
source scripts/lib/build.sh
ensure_corpus
ensure_venv "jsonschema-rs==0.61.0" orjson "confluent-kafka==2.6.1"
release_build tollgate
cc -O2 -Wall -o "$out/kafka/kafka-baseline" scripts/bench/kafka-baseline.c -lrdkafka

python3 scripts/bench/kafka.py --tollgate "$(release_bin)/tollgate" \
  --baseline "$out/kafka/kafka-baseline" --python "$out/venv/bin/python" \
  --corpus "$out/corpus/order_events.jsonl" --schema "$shared/bench-corpus/order_event.schema.json" \
  --work "$out/kafka" --runs "${RUNS:-3}"
