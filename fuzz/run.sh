#!/usr/bin/env bash
# Run a fuzz target with a seed corpus from the repository's fixtures and rule packs.
#   fuzz/run.sh lint 600     # target, seconds (default 300)
# Needs cargo-fuzz (cargo install cargo-fuzz); works on the stable toolchain through
# RUSTC_BOOTSTRAP=1. Crashes land in fuzz/artifacts/TARGET/; turn each into a regression
# fixture (fixtures/traps/) or a unit test before fixing it.
set -euo pipefail
cd "$(dirname "$0")"
target=${1:-lint}
seconds=${2:-300}
corpus=corpus/$target
mkdir -p "$corpus"
case "$target" in
  lint) for f in ../fixtures/*/*; do [ -f "$f" ] && cp "$f" "$corpus/$(basename "$f")"; done ;;
  pack) cp ../rules/*.yaml "$corpus/"; for f in ../tests/cmd/*.in/monolint.yaml ../tests/cmd/*.in/rules/*.yaml; do [ -f "$f" ] && cp "$f" "$corpus/$(echo "$f" | tr / _)"; done ;;
esac
RUSTC_BOOTSTRAP=1 cargo fuzz run "$target" "$corpus" -- -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=65536
