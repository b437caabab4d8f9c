#!/usr/bin/env bash
# The quick start: on a fresh Debian machine with Swift, installs what is missing (librdkafka-dev),
# builds tollgate in release mode, and runs the sidecar on the embedded default: a Kafka mock
# cluster inside the process, preloaded with the sample capture of an orders topic, routed by
# deploy/tollgate-mock.yaml. It stops by itself once the topic is drained and prints what was
# approved and quarantined and why (standard output), with the log on standard error and
# /metrics, /healthz and /readyz served on 127.0.0.1:9473 while it runs.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/packages.sh
source scripts/lib/build.sh

install_missing "librdkafka-dev=pkg-config --exists rdkafka" "pkg-config=command -v pkg-config"
require_swift
release_build tollgate
exec .build/release/tollgate run --config deploy/tollgate-mock.yaml --stop-when-idle 2
