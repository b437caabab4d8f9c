# Sourced by the scripts/bench-*.sh benchmarks, with $shared (../shared) and $out (bench-out) set.

# The order corpus, generated once by the shared generator into $out/corpus.
ensure_corpus() {
  if [ ! -f "$out/corpus/manifest.json" ]; then
    echo "generating the benchmark corpus (about 25 s)..." >&2
    python3 "$shared/bench-corpus/gen_corpus.py" --out "$out/corpus" >&2
  fi
}

# A throw-away virtual environment in $out/venv with the Python packages named in "$@" (PyPI on
# the first run).
ensure_venv() {
  if [ ! -x "$out/venv/bin/python" ]; then python3 -m venv "$out/venv"; fi
  "$out/venv/bin/pip" install -q --disable-pip-version-check "$@" >&2
}
