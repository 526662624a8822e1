#!/usr/bin/env bash
# Coverage of every fuzz target over its corpus, from libFuzzer's own counters, and the
# parser code no target reaches.
#
#   fuzz/coverage.sh [CORPUS_ROOT]
#
# CORPUS_ROOT holds one directory per target (a long run's corpora); fuzz/corpus is read
# too. Needs a nightly toolchain (or RUSTC_BOOTSTRAP=1): the sanitizer runtime is what
# symbolizes libFuzzer's coverage (-print_coverage=1).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
EXTRA=${1:-}
OUT=$(mktemp -d)
cd "$ROOT"
cargo +nightly fuzz build --fuzz-dir fuzz
BIN=fuzz/target/x86_64-unknown-linux-gnu/release
for target in $(cargo +nightly fuzz list --fuzz-dir fuzz); do
    dirs=("fuzz/corpus/$target")
    [ -n "$EXTRA" ] && [ -d "$EXTRA/$target" ] && dirs+=("$EXTRA/$target")
    "$BIN/$target" -runs=0 -print_coverage=1 "${dirs[@]}" > "$OUT/$target.txt" 2>&1 || true
done
python3 "$ROOT/fuzz/coverage_report.py" "$ROOT" "$OUT"/*.txt
