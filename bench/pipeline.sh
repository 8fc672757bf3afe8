#!/usr/bin/env bash
# Times `soundalike pipeline run` on the bundled data, stage by stage.
#   bench/pipeline.sh [RUNS]      (default 5)
# Each cold run uses a fresh data folder; each warm run re-runs over the previous one (replacing
# the lake partition and upserting the store). Prints the median milliseconds per stage.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
cargo build --release --quiet
bin="${CARGO_TARGET_DIR:-target}/release/soundalike"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for i in $(seq "$runs"); do
  "$bin" --data-dir "$work/cold$i" pipeline run --json --date 2026-01-01 > "$work/cold$i.json"
  "$bin" --data-dir "$work/cold$i" pipeline run --json --date 2026-01-01 > "$work/warm$i.json"
done
python3 - "$work" "$runs" <<'PY'
import json, statistics, sys
work, runs = sys.argv[1], int(sys.argv[2])
for kind in ("cold", "warm"):
    stages = {}
    for i in range(1, runs + 1):
        for s in json.load(open(f"{work}/{kind}{i}.json"))["stages_ms"]:
            stages.setdefault(s["stage"], []).append(s["ms"])
    total = [sum(v[i] for v in stages.values()) for i in range(runs)]
    print(f"{kind} runs ({runs}), median ms per stage:")
    for name, values in stages.items():
        print(f"  {name:<22} {statistics.median(values):>9.1f}")
    print(f"  {'total':<22} {statistics.median(total):>9.1f}")
PY
