#!/usr/bin/env bash
# `soundalike pipeline run` (default algorithms) at growing catalog sizes: per-stage wall time,
# whole-run time and peak RSS, and each figure's growth per ×4 of the catalog.
#   bench/scale/run.sh [SIZE ...]      (default: 1x 4x 16x 1m)
# Sizes: 1x (the bundled data), Nx (N copies of it, bench/scale/gen.py copies), 1m or a number
# of artists followed by "a" (e.g. 250000a: a synthetic catalog, gen.py synthetic). Inputs are
# generated once into ~/.cache/soundalike/bench-scale/ (delete it to regenerate). Each size runs
# in a fresh data folder (a cold run: empty lake and store). RUNS=N repeats each size N times
# (default 1) and reports the median. Extra pipeline flags: PIPELINE_ARGS="--ann-threshold 1".
set -euo pipefail
cd "$(dirname "$0")/../.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1x 4x 16x 1m)
runs="${RUNS:-1}"
cache="${HOME}/.cache/soundalike/bench-scale"
mkdir -p "$cache"
if [ -z "${SOUNDALIKE_BIN:-}" ]; then cargo build --release --quiet; fi
bin="${SOUNDALIKE_BIN:-${CARGO_TARGET_DIR:-target}/release/soundalike}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
log="$work/results.tsv"
: > "$log"
for size in "${sizes[@]}"; do
  case $size in
    1x) input=() ;;
    *x)
      file="$cache/copies-${size%x}.csv"
      [ -f "$file" ] || python3 bench/scale/gen.py copies "${size%x}" "$file"
      input=(--dataset "$file") ;;
    1m|*a)
      n=${size%a}; [ "$size" = 1m ] && n=1000000
      file="$cache/synthetic-$n.csv"
      [ -f "$file" ] || python3 bench/scale/gen.py synthetic --artists "$n" "$file"
      input=(--dataset "$file") ;;
    *) echo "unknown size $size" >&2; exit 2 ;;
  esac
  for i in $(seq "$runs"); do
    dir="$work/$size-$i"
    # shellcheck disable=SC2086
    /usr/bin/time -f '%e %M' -o "$dir.time" "$bin" --data-dir "$dir" pipeline run --json \
      --date 2026-01-01 "${input[@]}" ${PIPELINE_ARGS:-} > "$dir.json"
    printf '%s\t%s\t%s\t%s\n' "$size" "$i" "$dir.json" "$dir.time" >> "$log"
    rm -rf "$dir"
  done
done
python3 - "$log" <<'PY'
import json, statistics, sys
runs = {}
for line in open(sys.argv[1]):
    size, _, summary, timing = line.rstrip("\n").split("\t")
    s = json.load(open(summary))
    wall, rss_kb = open(timing).read().split()[-2:]
    r = runs.setdefault(size, {"artists": s["artists"], "rows": s["rows"], "stages": {}, "wall": [], "rss": []})
    for st in s["stages_ms"]:
        r["stages"].setdefault(st["stage"], []).append(st["ms"] / 1000)
    r["wall"].append(float(wall))
    r["rss"].append(int(rss_kb) / 1024 / 1024)
sizes = list(runs)
stages = []
for r in runs.values():
    for name in r["stages"]:
        if name not in stages:
            stages.append(name)
med = lambda v: statistics.median(v) if v else float("nan")
cols = [f"{s} ({runs[s]['artists']:,} artists)" for s in sizes]
width = max(22, *(len(c) for c in cols))
print(f"{'':<22}" + "".join(f"{c:>{width}}" for c in cols))
def row(label, values, unit):
    cells = []
    for i, v in enumerate(values):
        text = f"{v:.2f} {unit}"
        # Growth per ×4 of the catalog, from the previous size (artists ratio scaled to 4).
        if i > 0 and values[i - 1] > 0:
            a0, a1 = runs[sizes[i - 1]]["artists"], runs[sizes[i]]["artists"]
            import math
            per4 = (v / values[i - 1]) ** (math.log(4) / math.log(a1 / a0)) if a1 > a0 else float("nan")
            text += f" ({per4:.1f}x/4x)"
        cells.append(text)
    print(f"{label:<22}" + "".join(f"{c:>{width}}" for c in cells))
for name in stages:
    row(name, [med(runs[s]["stages"].get(name, [])) for s in sizes], "s")
row("whole run (wall)", [med(runs[s]["wall"]) for s in sizes], "s")
row("peak RSS", [med(runs[s]["rss"]) for s in sizes], "GB")
PY
