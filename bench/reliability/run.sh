#!/usr/bin/env bash
# The reliability probe, re-run: slow inputs, concurrent slow inputs against /healthz, idle
# connections, made-up methods against /metrics, and (with --soak) RSS under 10 minutes of load.
#   bench/reliability/run.sh [--soak MINUTES]   (needs wrk: apt-get install wrk)
#   SOUNDALIKE_BIN=path/to/soundalike bench/reliability/run.sh
# Every time is reported with /healthz of the same server in the same run as the baseline.
set -euo pipefail
cd "$(dirname "$0")/../.."
soak=0
[ "${1:-}" = "--soak" ] && soak="${2:-10}"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk"; exit 1; }
if [ -z "${SOUNDALIKE_BIN:-}" ]; then cargo build --release --quiet -p soundalike; fi
bin="${SOUNDALIKE_BIN:-${CARGO_TARGET_DIR:-target}/release/soundalike}"
work="$(mktemp -d)"
port=18383
# Room for 20,000 idle connections on both sides (root may raise the hard limit).
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
"$bin" --data-dir "$work/data" serve --addr "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 240); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.5; done
python3 bench/reliability/probe.py --port "$port" --pid "$server" --work "$work" --soak-minutes "$soak"
