#!/usr/bin/env bash
# soundalike's exact top-k kernel vs FAISS IndexFlatL2 vs DuckDB SQL (cross join + ROW_NUMBER),
# same synthetic Gaussian data, same thread count, same run. See README.md.
#
#   bench/similarity/run.sh            default: d=16,64; N=10k,100k (3 alternating rounds);
#                                      DuckDB at N=2k,5k            (~6-8 min on 2 cores)
#   bench/similarity/run.sh --with-1m  also N=1M: one round, first 10k rows query all 1M
#   bench/similarity/run.sh --duckdb-10k  also DuckDB at N=10k (about 16 GB RSS, slow)
#   bench/similarity/run.sh --quick    d=16 only, N=10k, DuckDB at 2k (smoke test)
#   bench/similarity/run.sh --ann      also the IVF index vs the exact kernel at N=100k and 1M
#                                      (at 1M the first 10k rows query); add --ann-only to skip
#                                      N=10k and DuckDB
# Environment: THREADS (2), REPEAT (3), SEED (42), JSON_OUT (path for the full JSON results).
set -euo pipefail
cd "$(dirname "$0")/../.."
threads="${THREADS:-2}"
sizes="10000 100000"
dims="16 64"
duck="2000 5000"
extra=()
ann=""
for arg in "$@"; do
  case "$arg" in
    --with-1m) sizes="$sizes 1000000"; extra+=(--big-queries 10000) ;;
    --duckdb-10k) duck="$duck 10000" ;;
    --quick) sizes="10000"; dims="16"; duck="2000" ;;
    --ann) ann="100000 1000000"; sizes="$sizes 1000000"; extra+=(--big-queries 10000) ;;
    --ann-only) sizes="100000 1000000"; duck="" ;;
    *) echo "unknown argument: $arg" >&2; exit 2 ;;
  esac
done

python3 -c 'import faiss, duckdb, numpy' 2>/dev/null ||
  python3 -m pip install --quiet faiss-cpu duckdb numpy

# Every library gets the same number of threads.
export OMP_NUM_THREADS="$threads" OPENBLAS_NUM_THREADS="$threads" MKL_NUM_THREADS="$threads"
export RAYON_NUM_THREADS="$threads"

cargo build --release --quiet -p soundalike-similarity --example bench_kernel
bin="${CARGO_TARGET_DIR:-target}/release/examples/bench_kernel"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

python3 bench/similarity/bench.py suite --bin "$bin" --work "$work" \
  --sizes "$sizes" --dims "$dims" --duckdb-sizes "$duck" \
  --ann-sizes "$ann" --threads "$threads" --repeat "${REPEAT:-3}" --seed "${SEED:-42}" \
  ${JSON_OUT:+--json-out "$JSON_OUT"} "${extra[@]}"
