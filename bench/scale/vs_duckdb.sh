#!/usr/bin/env bash
# The whole default `soundalike pipeline run` on the bundled data against the original project's
# pipeline shape in DuckDB (bench/scale/duckdb_original.py: CSV → Parquet lake → per-artist
# feature means → cross-join L1 top 10 → persisted mart), alternating in the same run, each in a
# fresh folder, both on the same 2 threads.
#   bench/scale/vs_duckdb.sh [RUNS]      (default 5)
# SHAPE=window also times the ROW_NUMBER form of the cross join (slow: minutes, ~15 GB RSS).
# Prints each side's median wall time and peak RSS, and the median of the per-pair ratios.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs="${1:-5}"
shape="${SHAPE:-aggregate}"
python3 -c 'import duckdb, numpy' 2>/dev/null || python3 -m pip install --quiet duckdb==2.0.1 numpy
if [ -z "${SOUNDALIKE_BIN:-}" ]; then cargo build --release --quiet; fi
bin="${SOUNDALIKE_BIN:-${CARGO_TARGET_DIR:-target}/release/soundalike}"
export RAYON_NUM_THREADS=2
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for i in $(seq "$runs"); do
  /usr/bin/time -f '%e %M' -o "$work/ours$i.time" \
    "$bin" --data-dir "$work/ours$i" pipeline run --json --date 2026-01-01 > "$work/ours$i.json"
  /usr/bin/time -f '%e %M' -o "$work/duck$i.time" \
    python3 bench/scale/duckdb_original.py "$work/duck$i" --threads 2 --shape "$shape" \
    > "$work/duck$i.json"
  rm -rf "$work/ours$i" "$work/duck$i"
done
python3 - "$work" "$runs" <<'PY'
import json, statistics, sys
work, runs = sys.argv[1], int(sys.argv[2])
def timing(name):
    wall, rss = open(f"{work}/{name}.time").read().split()[-2:]
    return float(wall), int(rss) / 1024
ours = [timing(f"ours{i}") for i in range(1, runs + 1)]
duck = [timing(f"duck{i}") for i in range(1, runs + 1)]
d = json.load(open(f"{work}/duck1.json"))
o = json.load(open(f"{work}/ours1.json"))
print(f"bundled data, {runs} alternating runs each, whole process (wall s, peak RSS MiB):")
print(f"  soundalike pipeline run  {statistics.median(w for w, _ in ours):7.2f} s "
      f"{statistics.median(r for _, r in ours):8.0f} MiB  ({o['artists']} artists, "
      f"{', '.join(m['algorithm'] for m in o['marts'])})")
print(f"  DuckDB {d['duckdb']} ({d['shape']:<9})  {statistics.median(w for w, _ in duck):7.2f} s "
      f"{statistics.median(r for _, r in duck):8.0f} MiB  ({d['artists']} artists, seed shape)")
ratios = sorted(dw / ow for (ow, _), (dw, _) in zip(ours, duck))
print(f"  DuckDB / soundalike, per pair: median {statistics.median(ratios):.1f}x "
      f"(min {ratios[0]:.1f}x, max {ratios[-1]:.1f}x)")
print("  DuckDB stages (s, first run): " + ", ".join(
    f"{k} {v:.2f}" for k, v in d["stages_s"].items()))
print("  soundalike stages (s, first run): " + ", ".join(
    f"{s['stage']} {s['ms'] / 1000:.2f}" for s in o["stages_ms"]))
PY
