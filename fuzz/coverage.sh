#!/usr/bin/env bash
# Source-region coverage of every fuzz target over its corpus, and the parser code no
# target reaches.
#
#   fuzz/coverage.sh [CORPUS_ROOT]
#
# CORPUS_ROOT holds one directory per target (a long run's corpora); fuzz/corpus is read
# too. Needs llvm-cov and llvm-profdata of the LLVM that rustc is built on: `rustup
# component add llvm-tools`, or a distribution's llvm-N package (Debian: llvm-22). Set
# LLVM_BIN to their directory to choose. Built without a sanitizer, so stable will do.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
EXTRA=${1:-}
cd "$ROOT"

if [ -z "${LLVM_BIN:-}" ]; then
    major=$(rustc -vV | sed -n 's/^LLVM version: \([0-9]*\).*/\1/p')
    host=$(rustc -vV | sed -n 's/^host: //p')
    for dir in "$(rustc --print sysroot)/lib/rustlib/$host/bin" "/usr/lib/llvm-$major/bin"; do
        if [ -x "$dir/llvm-cov" ] && [ -x "$dir/llvm-profdata" ]; then
            LLVM_BIN=$dir
            break
        fi
    done
fi
if [ -z "${LLVM_BIN:-}" ]; then
    echo "no llvm-cov for LLVM $major: rustup component add llvm-tools, or install llvm-$major" >&2
    exit 1
fi

OUT=$(mktemp -d)
host=$(rustc -vV | sed -n 's/^host: //p')
BIN="target/$host/coverage/$host/release"
for target in $(cargo fuzz list --fuzz-dir fuzz); do
    dirs=("fuzz/corpus/$target")
    [ -n "$EXTRA" ] && [ -d "$EXTRA/$target" ] && dirs+=("$EXTRA/$target")
    cargo fuzz coverage --fuzz-dir fuzz -s none --llvm-path "$LLVM_BIN" "$target" "${dirs[@]}" \
        > "$OUT/$target.log" 2>&1 || { cat "$OUT/$target.log" >&2; exit 1; }
    "$LLVM_BIN/llvm-cov" export -format=text \
        -instr-profile="fuzz/coverage/$target/coverage.profdata" "$BIN/$target" > "$OUT/$target.json"
done
python3 "$ROOT/fuzz/coverage_report.py" "$ROOT" "$OUT"/*.json
rm -r "$OUT"
