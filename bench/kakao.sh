#!/usr/bin/env bash
# Kakao skill endpoint under load, side by side with /healthz of the same server in the same run.
#   bench/kakao.sh [SECONDS] [CONNECTIONS]       (defaults 10 s, 64 connections; needs wrk)
# Prints requests/s and p50/p99 latency of each, and the throughput ratio kakao / healthz.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
connections="${2:-64}"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk"; exit 1; }
cargo build --release --quiet -p soundalike
bin="${CARGO_TARGET_DIR:-target}/release/soundalike"
work="$(mktemp -d)"
port=18282
"$bin" --data-dir "$work/data" serve --addr "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 120); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.5; done

# A realistic payload; artists rotate so answers are not one cached row.
cat > "$work/kakao.lua" <<'LUA'
local artists = {"Coldplay", "콜드플레이 비슷한 노래", "BTS", "Maroon 5", "songs like Daft Punk", "Queen", "Drake", "Colplay"}
local i = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  i = i + 1
  local body = '{"intent":{"id":"i","name":"skill"},"userRequest":{"timezone":"Asia/Seoul","utterance":"'
    .. artists[(i % #artists) + 1] .. '","lang":"ko","user":{"id":"u' .. i .. '","type":"botUserKey"}},'
    .. '"bot":{"id":"b","name":"soundalike"},"action":{"params":{},"detailParams":{}}}'
  return wrk.format(nil, "/kakao/skill", nil, body)
end
LUA

run() { # name, extra wrk args...
  local name=$1; shift
  wrk -t2 -c"$connections" -d"${seconds}s" --latency "$@" > "$work/$name.txt"
}
run healthz "http://127.0.0.1:$port/healthz"
run kakao -s "$work/kakao.lua" "http://127.0.0.1:$port"
python3 - "$work" <<'PY'
import re, sys
work = sys.argv[1]
def parse(name):
    text = open(f"{work}/{name}.txt").read()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    def pct(p):
        m = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", text)
        return float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    return rps, pct(50), pct(99), int(errors.group(1)) if errors else 0
h, k = parse("healthz"), parse("kakao")
print(f"{'endpoint':<14}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'non-2xx':>10}")
for name, r in (("/healthz", h), ("/kakao/skill", k)):
    print(f"{name:<14}{r[0]:>10.0f}{r[1]:>10.2f}{r[2]:>10.2f}{r[3]:>10}")
print(f"throughput ratio kakao/healthz: {k[0] / h[0]:.3f}")
PY
