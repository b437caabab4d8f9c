#!/usr/bin/env bash
# Builds the throw-away Swift driver `tgdiff` OUTSIDE the repository (default /work/diff-driver).
# The driver links the live sources of TollgateSchema through a symlink, because the repository's
# Package.swift may not load while other targets are being written.
#   scripts/differential/build_driver.sh [DRIVER_DIR] [--commit REV]
# With --commit, the library sources of that revision are exported (git archive) to DRIVER_DIR/src-REV
# and built instead of the working tree, so uncommitted work of other developers is not tested.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
dir="${1:-/work/diff-driver}"
src="$repo/Sources/TollgateSchema"
if [ "${2:-}" = "--commit" ]; then
    rev="$(git -C "$repo" rev-parse --short "${3:?revision}")"
    rm -rf "$dir/src-$rev" && mkdir -p "$dir/src-$rev"
    git -C "$repo" archive "$rev" Sources/TollgateSchema | tar -x -C "$dir/src-$rev"
    src="$dir/src-$rev/Sources/TollgateSchema"
fi
mkdir -p "$dir/Sources/tgdiff"
ln -sfn "$src" "$dir/Sources/TollgateSchema"
cp "$here/driver/main.swift" "$dir/Sources/tgdiff/main.swift"
cat > "$dir/Package.swift" <<'PKG'
// swift-tools-version: 6.1
import PackageDescription
let package = Package(
    name: "tgdiff",
    platforms: [.macOS(.v15)],
    targets: [
        .target(name: "TollgateSchema"),
        .executableTarget(name: "tgdiff", dependencies: ["TollgateSchema"]),
    ]
)
PKG
cd "$dir" && swift build -c release >&2
echo "$dir/.build/release/tgdiff"
