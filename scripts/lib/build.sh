# Sourced by the quick start and the benchmarks: release builds made as deploy/Dockerfile makes
# them, with the Swift runtime and Foundation linked in statically (the binary starts in about 20 ms
# rather than 28, and the benchmarks measure what is shipped). Every script builds this one way:
# switching the flag back and forth would rebuild everything each time.

# Builds each product named in "$@".
release_build() {
  local product
  for product in "$@"; do
    swift build -c release --static-swift-stdlib --product "$product" >&2
  done
}

# The folder the release binaries are in.
release_bin() {
  swift build -c release --static-swift-stdlib --show-bin-path
}
