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
#   - Debian packages librabbitmq-dev (the RabbitMQ adapter links rabbitmq-c), rabbitmq-server (the
#     broker its tests run against, started here on 127.0.0.1:5672 when nothing answers there) and
#     amqp-tools (amqp-publish and friends: a client we did not write).
#   - Python's pika (from PyPI), which tests use to read outputs with their headers, and
#     prometheus_client, whose parser reads /metrics in the tests, and PyYAML, which reads the
#     Kubernetes example and the Prometheus alert rules in deploy/.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/lib/packages.sh
install_missing "librdkafka-dev=pkg-config --exists rdkafka" "kcat=command -v kcat" \
  "librabbitmq-dev=pkg-config --exists librabbitmq" "rabbitmq-server=command -v rabbitmq-server" \
  "amqp-tools=command -v amqp-publish" "pkg-config=command -v pkg-config"

python3 -c 'import pika, prometheus_client, yaml' 2>/dev/null || python3 -m pip install -q pika prometheus_client pyyaml >&2

# A RabbitMQ broker on 127.0.0.1:5672, unless one answers there already (or TOLLGATE_RABBITMQ_URL
# names another). Ready when rabbitmqctl says so (about 10 s).
if [ -z "${TOLLGATE_RABBITMQ_URL:-}" ] && ! (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; then
  echo "test.sh: starting rabbitmq-server" >&2
  RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 nohup rabbitmq-server >/tmp/tollgate-rabbitmq-server.log 2>&1 &
  for _ in $(seq 1 120); do
    rabbitmqctl -q await_startup >/dev/null 2>&1 && break
    sleep 1
  done
  rabbitmqctl -q await_startup >/dev/null 2>&1 || { echo "test.sh: rabbitmq-server did not start; see /tmp/tollgate-rabbitmq-server.log" >&2; tail -20 /tmp/tollgate-rabbitmq-server.log >&2; exit 2; }
fi

require_swift
suite="${TOLLGATE_SHARED:-../shared}/json-schema-test-suite/tests"
if [ ! -d "$suite" ]; then
  echo "test.sh: the JSON-Schema-Test-Suite is not at $suite; clone this repository beside ../shared" >&2
  exit 2
fi

swift build --build-tests
if [ $# -gt 0 ]; then
  swift test --skip-build "$@"
else
  swift test --skip-build --skip RabbitMQBrokerWide
  # This suite stops and starts the RabbitMQ broker and closes all its connections: alone, so no
  # other test sees it.
  swift test --skip-build --filter RabbitMQBrokerWide
fi
