#!/usr/bin/env bash
# Instructions per message of the replay's stages, counted by callgrind: figures that do not move
# with the load of a shared machine, for comparing changes to capture decoding or the pipeline.
# Runs after scripts/bench-replay.sh (which builds the programs and writes the capture) on the first
# 20,000 messages, and subtracts the bench program's own set-up (loading the files).
#
#   scripts/count-replay-instructions.sh                 # raw parse literal decode check pipeline replay
#   scripts/count-replay-instructions.sh decode replay
#
# Needs valgrind. The whole `tollgate replay` command cannot run under valgrind here (its
# dispatch threads crash it), so `replay` is Replay.run with two workers plus the JSON report.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${BENCH_OUT:-bench-out}
source scripts/lib/build.sh
messages=20000
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
head -n $messages "$out/corpus/order_events.jsonl" > "$work/corpus.jsonl"
head -n $messages "$out/replay/orders-capture.jsonl" > "$work/capture.jsonl"
# This valgrind cannot read the DWARF 5 debug information; the symbol table is enough.
strip --strip-debug -o "$work/bench" "$(release_bin)/tollgate-pipeline-bench"

count() {
  valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.out" "$work/bench" --schemas "$out/replay/schemas" --subject orders \
    --corpus "$work/corpus.jsonl" --capture "$work/capture.jsonl" --runs 1 --stages "$1" --threads 2 >/dev/null 2>&1
  callgrind_annotate "$work/callgrind.out" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}'
}

setup=$(count none)
for stage in "${@:-raw parse literal decode check pipeline replay}"; do
  for one in $stage; do
    total=$(count "$one")
    # `literal` finds the payloads in the capture first: its own set-up.
    own=$setup
    if [ "$one" = literal ]; then own=$(count literal-setup); fi
    printf '%-9s %6d instructions per message\n' "$one" $(( (total - own) / messages ))
  done
done
