#!/usr/bin/env bash
# Builds Tollgate and runs every test, on a fresh Debian machine or a developer's.
#
# What the tests need and where it comes from:
#   - Swift 6.x (on PATH; the machine image provides it).
#   - ../shared/json-schema-test-suite, beside the repository (the official JSON-Schema-Test-Suite;
#     the tests read it from there and fail loudly if it is missing).
#   - Debian packages: librdkafka-dev (the Kafka adapter links librdkafka; its tests run against
#     librdkafka's mock cluster, in process, over TCP) and kcat (a client we did not write, used by
#     tests to produce and read). Installed here when missing (needs root or sudo, and apt).
#   - RabbitMQ (librabbitmq-dev, rabbitmq-server) arrives with the RabbitMQ adapter.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
pkg-config --exists rdkafka 2>/dev/null || missing+=(librdkafka-dev)
command -v kcat >/dev/null 2>&1 || missing+=(kcat)
if [ ${#missing[@]} -gt 0 ]; then
  echo "test.sh: installing ${missing[*]}" >&2
  sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get install -y -q "${missing[@]}" >&2 || { "${sudo[@]}" apt-get update -q >&2 && "${sudo[@]}" apt-get install -y -q "${missing[@]}" >&2; }
fi

if ! command -v swift >/dev/null 2>&1; then
  echo "test.sh: swift is not on PATH; install Swift 6 (https://www.swift.org/install/linux/)" >&2
  exit 2
fi
suite="${TOLLGATE_SHARED:-../shared}/json-schema-test-suite/tests"
if [ ! -d "$suite" ]; then
  echo "test.sh: the JSON-Schema-Test-Suite is not at $suite; clone this repository beside ../shared" >&2
  exit 2
fi

swift build --build-tests
swift test --skip-build "$@"
