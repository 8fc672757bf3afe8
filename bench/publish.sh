#!/usr/bin/env bash
# Publish and lake-write time of `soundalike pipeline run` on the bundled data, per backend, same run:
#   bench/publish.sh [RUNS]      (default 3)
# Backends: SQLite + lake folder (embedded defaults), MariaDB (--store mysql://...), MariaDB +
# DynamoDB top tracks (--tracks-store dynamodb://..., dynalite), and the whole original stack:
# MariaDB + DynamoDB + the lake on S3 (--lake s3://..., s3s-fs). Servers come from
# scripts/services.sh. Each backend gets a fresh database/table/prefix per run; "cold" publishes
# into empty stores, "warm" re-publishes the same data (upserts + new mart version, the lake day
# replaced). Prints the median ms of the publish and lake-write stages and the ratio to the defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-3}"
# shellcheck source=/dev/null
. scripts/services.sh >/dev/null
# SOUNDALIKE_BIN=path/to/soundalike skips the build (to bench a binary already built).
if [ -z "${SOUNDALIKE_BIN:-}" ]; then cargo build --release --quiet; fi
bin="${SOUNDALIKE_BIN:-${CARGO_TARGET_DIR:-target}/release/soundalike}"
work="$(mktemp -d)"
databases=()
tables=()
cleanup() {
  for db in "${databases[@]}"; do
    mariadb -h127.0.0.1 -uroot -e "DROP DATABASE IF EXISTS \`$db\`" || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
export AWS_ENDPOINT_URL_DYNAMODB="$SOUNDALIKE_TEST_DYNAMODB_ENDPOINT" AWS_REGION=us-east-1 \
  AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local
server="${SOUNDALIKE_TEST_MYSQL_URL%/*}"
for i in $(seq "$runs"); do
  for backend in sqlite mariadb mariadb+dynamodb mariadb+dynamodb+s3; do
    dir="$work/$backend-$i"
    args=(--data-dir "$dir")
    case $backend in
      mariadb*)
        db="sa_bench_$$_${i}_${backend//[^a-z]/_}"
        mariadb -h127.0.0.1 -uroot -e "CREATE DATABASE \`$db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
        databases+=("$db")
        args+=(--store "$server/$db")
        ;;
    esac
    if [[ $backend == mariadb+dynamodb* ]]; then
      args+=(--tracks-store "dynamodb://$db")
      tables+=("$db")
    fi
    lake_env=()
    if [[ $backend == *+s3 ]]; then
      args+=(--lake "$SOUNDALIKE_TEST_S3_URL/bench-publish-$$-$i")
      # s3s-fs wants its keys; dynalite takes any, so they serve both.
      lake_env=(AWS_ENDPOINT_URL_S3="$SOUNDALIKE_TEST_S3_ENDPOINT" AWS_ALLOW_HTTP=true
        AWS_ACCESS_KEY_ID="$SOUNDALIKE_TEST_S3_ACCESS_KEY_ID"
        AWS_SECRET_ACCESS_KEY="$SOUNDALIKE_TEST_S3_SECRET_ACCESS_KEY")
    fi
    env "${lake_env[@]}" "$bin" "${args[@]}" pipeline run --json --date 2026-01-01 >"$dir.cold.json"
    env "${lake_env[@]}" "$bin" "${args[@]}" pipeline run --json --date 2026-01-01 >"$dir.warm.json"
  done
done
python3 - "$work" "$runs" <<'PY'
import json, statistics, sys
work, runs = sys.argv[1], int(sys.argv[2])
def stage_ms(path, stage):
    return next(s["ms"] for s in json.load(open(path))["stages_ms"] if s["stage"] == stage)
print(f"median of {runs} runs (ms, ratio to SQLite + lake folder); bundled data")
base = {}
for stage in ("publish", "lake write"):
    print(f"{stage}:")
    for backend in ("sqlite", "mariadb", "mariadb+dynamodb", "mariadb+dynamodb+s3"):
        row = []
        for kind in ("cold", "warm"):
            ms = statistics.median(stage_ms(f"{work}/{backend}-{i}.{kind}.json", stage) for i in range(1, runs + 1))
            base.setdefault((stage, kind), ms)
            row.append(f"{kind} {ms:9.1f} ({ms / base[(stage, kind)]:5.1f}x)")
        print(f"  {backend:<20} " + "   ".join(row))
PY
# Tables live in dynalite's data folder; drop them so reruns start clean.
for t in "${tables[@]}"; do
  curl -s -X POST "$AWS_ENDPOINT_URL_DYNAMODB" -H 'X-Amz-Target: DynamoDB_20120810.DeleteTable' \
    -H 'Content-Type: application/x-amz-json-1.0' \
    -H 'Authorization: AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=x' \
    -d "{\"TableName\":\"$t\"}" >/dev/null || true
done
