#!/usr/bin/env bash
# Builds Tollgate and runs every test, on a fresh Debian machine or a developer's.
#
# What the tests need and where it comes from:
#   - Swift 6.x (on PATH; the machine image provides it).
#   - ../shared/json-schema-test-suite, beside the repository (the official JSON-Schema-Test-Suite;
#     the tests read it from there and fail loudly if it is missing).
#   - No system packages or brokers yet: the Kafka and RabbitMQ adapters, which need
#     librdkafka-dev, librabbitmq-dev and rabbitmq-server, are later work; this script will
#     install and start them when their tests exist.
set -euo pipefail
cd "$(dirname "$0")/.."

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
