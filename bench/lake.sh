#!/usr/bin/env bash
# Lake write/read time of `soundalike pipeline run` on the bundled data: a local folder lake vs an
# S3 lake (the s3s-fs test server, started by scripts/services.sh), alternating in the same run.
#   bench/lake.sh [RUNS]      (default 5)
# Every run re-writes the same day over the previous one (replace + cleanup, the daily case).
# Prints the median ms of the lake stages and publish, and the S3/local ratio of each.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
# shellcheck source=/dev/null
. scripts/services.sh >/dev/null
cargo build --release --quiet
bin="${CARGO_TARGET_DIR:-target}/release/soundalike"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
s3_url="$SOUNDALIKE_TEST_S3_URL/bench-$$"
s3_env=(AWS_ENDPOINT_URL_S3="$SOUNDALIKE_TEST_S3_ENDPOINT" AWS_ALLOW_HTTP=true AWS_REGION=us-east-1
  AWS_ACCESS_KEY_ID="$SOUNDALIKE_TEST_S3_ACCESS_KEY_ID"
  AWS_SECRET_ACCESS_KEY="$SOUNDALIKE_TEST_S3_SECRET_ACCESS_KEY")
for i in $(seq "$runs"); do
  "$bin" --data-dir "$work/local" pipeline run --json --date 2026-01-01 --algorithm seed \
    > "$work/local$i.json"
  env "${s3_env[@]}" "$bin" --data-dir "$work/s3" --lake "$s3_url" pipeline run --json \
    --date 2026-01-01 --algorithm seed > "$work/s3$i.json"
done
python3 - "$work" "$runs" <<'PY'
import json, statistics, sys
work, runs = sys.argv[1], int(sys.argv[2])
wanted = ("lake write", "lake read", "publish")
median = {}
for kind in ("local", "s3"):
    stages = {}
    for i in range(1, runs + 1):
        for s in json.load(open(f"{work}/{kind}{i}.json"))["stages_ms"]:
            stages.setdefault(s["stage"], []).append(s["ms"])
    median[kind] = {name: statistics.median(stages[name]) for name in wanted}
print(f"median ms over {runs} runs each (bundled data, algorithm seed):")
print(f"  {'stage':<12} {'local':>9} {'s3':>9} {'s3/local':>9}")
for name in wanted:
    local, s3 = median["local"][name], median["s3"][name]
    print(f"  {name:<12} {local:>9.1f} {s3:>9.1f} {s3 / local:>9.2f}")
PY
