#!/usr/bin/env bash
# Counts the instructions TollgateSchema spends per message with callgrind: a number that does not
# move with machine load, for comparing engine changes. Usage:
#   scripts/count-instructions.sh BENCH_BINARY SCHEMA CORPUS.jsonl [raw|parse|parsed]
set -euo pipefail
bin=$1 schema=$2 corpus=$3 mode=${4:-raw}
case $mode in
  raw|parse) fn='$s14TollgateSchema10JSONSchemaV9ValidatorC7isValid4jsonSbSW_tAA14JSONParseErrorVYKF' ;;
  parsed) fn='$s14TollgateSchema10JSONSchemaV7isValidySbAA12JSONDocumentVF' ;;
esac
out=$(mktemp)
valgrind --tool=callgrind --callgrind-out-file="$out" --toggle-collect="$fn" \
  "$bin" --schema "$schema" --corpus "$corpus" --runs 1 --modes "$mode" >/dev/null 2>&1
messages=$(grep -c . "$corpus")
total=$(callgrind_annotate "$out" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",","",$1); print $1}')
rm -f "$out"
echo "$mode: $total instructions for $messages messages = $((total / messages)) per message"
