# Sourced by scripts/quickstart.sh and scripts/test.sh: installs the Debian packages named in
# "$@" (each as package=check, where check is a shell test that passes when it is present), as
# root or with sudo.
install_missing() {
  local missing=() item package check
  for item in "$@"; do
    package="${item%%=*}"
    check="${item#*=}"
    eval "$check" >/dev/null 2>&1 || missing+=("$package")
  done
  [ ${#missing[@]} -gt 0 ] || return 0
  echo "$(basename "$0"): installing ${missing[*]}" >&2
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get install -y -q "${missing[@]}" >&2 || { "${sudo[@]}" apt-get update -q >&2 && "${sudo[@]}" apt-get install -y -q "${missing[@]}" >&2; }
}

require_swift() {
  if ! command -v swift >/dev/null 2>&1; then
    echo "$(basename "$0"): swift is not on PATH; install Swift 6 (https://www.swift.org/install/linux/)" >&2
    exit 2
  fi
}
