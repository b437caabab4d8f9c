#!/usr/bin/env bash
# Replay throughput against raw validation throughput, on the same corpus, in one command.
#
#   scripts/bench-replay.sh              # RUNS=5 interleaved rounds on the order_events corpus
#   RUNS=9 scripts/bench-replay.sh
#
# The corpus comes from ../shared/bench-corpus (as in scripts/bench-schema.sh) and is turned into a
# kcat -J capture; each round times the JSON Schema benchmark's raw mode (one core), the whole
# `tollgate replay` command (all cores, and one core with --threads 1) and the replay's stages.
# scripts/bench/replay.py documents every row. Needs: Swift, python3, ../shared/bench-corpus.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${TOLLGATE_SHARED:-../shared}
out=${BENCH_OUT:-bench-out}
mkdir -p "$out/replay"

source scripts/lib/bench.sh
source scripts/lib/build.sh
ensure_corpus

release_build tollgate tollgate-schema-bench tollgate-pipeline-bench

python3 scripts/bench/replay.py --bin "$(release_bin)" \
  --corpus "$out/corpus/order_events.jsonl" --labels "$out/corpus/order_events.labels.jsonl" \
  --schema "$shared/bench-corpus/order_event.schema.json" --work "$out/replay" \
  --runs "${RUNS:-5}" --cpu "${BENCH_CPU:-0}"
