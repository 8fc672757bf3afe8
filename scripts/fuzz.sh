#!/usr/bin/env bash
# Runs the cargo-fuzz targets in fuzz/ for SECONDS each (default 60; CI runs a short bound).
#   scripts/fuzz.sh [SECONDS] [--live] [TARGET...]
# --live adds `live_json` (each live source's JSON), whose build brings in the lake's Parquet
# stack (several minutes cold, nothing warm).
# cargo-fuzz passes nightly-only flags to rustc; RUSTC_BOOTSTRAP=1 lets the stable toolchain
# take them. No sanitizer: the crates fuzzed forbid `unsafe` (workspace lint), so a memory
# sanitizer has nothing of ours to watch, and the build and runs are several times faster.
# The build goes to its own target folder and the growing corpus to ~/.cache/soundalike (both
# survive runs); fuzz/seeds/<target>/ are committed starting inputs; a crash is saved under
# fuzz/artifacts/<target>/ and fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
features=()
targets=()
for arg in "$@"; do
  case "$arg" in
    --live) features=(--features live) ;;
    *) targets+=("$arg") ;;
  esac
done
version=0.13.2
cargo_fuzz="$HOME/.cache/soundalike/tools/cargo-fuzz-$version/bin/cargo-fuzz"
[ -x "$cargo_fuzz" ] || bash scripts/test-deps.sh
export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR="${SOUNDALIKE_FUZZ_TARGET_DIR:-$HOME/.cache/soundalike/fuzz-target}"
corpus_root="$HOME/.cache/soundalike/fuzz-corpus"
if [ ${#targets[@]} -eq 0 ]; then
  targets=(kakao_payload chat_utterance csv_rows)
  [ ${#features[@]} -eq 0 ] || targets+=(live_json)
fi
cd fuzz
started=$SECONDS
"$cargo_fuzz" build --sanitizer none --debug-assertions "${features[@]}"
echo "fuzz build: $((SECONDS - started)) s"
passed=0 failed=0
for target in "${targets[@]}"; do
  mkdir -p "$corpus_root/$target"
  seeds=()
  [ -d "seeds/$target" ] && seeds=("seeds/$target")
  if "$cargo_fuzz" run --sanitizer none --debug-assertions "${features[@]}" "$target" \
    "$corpus_root/$target" "${seeds[@]}" -- \
    -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -max_len=65536 \
    -print_final_stats=1 >"/tmp/fuzz-$target.log" 2>&1; then
    passed=$((passed + 1))
    echo "fuzz $target: ok ($(grep -m1 'stat::number_of_executed_units' "/tmp/fuzz-$target.log" | awk '{print $2}') runs in ${seconds}s)"
  else
    failed=$((failed + 1))
    echo "fuzz $target: FAILED (artifacts in fuzz/artifacts/$target)"
    tail -40 "/tmp/fuzz-$target.log"
  fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
