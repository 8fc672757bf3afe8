#!/usr/bin/env bash
# Kakao skill endpoint under load, side by side with /healthz of the same server in the same run.
#   bench/kakao.sh [SECONDS] [CONNECTIONS] [ROUNDS]   (defaults 10 s, 64 connections, 3 rounds; needs wrk)
#   SOUNDALIKE_BIN=path/to/soundalike bench/kakao.sh  (measure that binary instead of building one)
# Each round runs /healthz, then the Kakao endpoint with a few popular queries ("hot": the same
# artists again and again, typos and Korean aliases included), then with 2,000 different artists
# from the bundled data ("wide"). Rounds interleave so machine noise hits all three alike.
# Prints requests/s and p50/p99 latency per round and the median throughput ratio kakao / healthz.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
connections="${2:-64}"
rounds="${3:-3}"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk"; exit 1; }
# SOUNDALIKE_BIN measures an already built binary (e.g. one kept from an earlier commit).
if [ -z "${SOUNDALIKE_BIN:-}" ]; then cargo build --release --quiet -p soundalike; fi
bin="${SOUNDALIKE_BIN:-${CARGO_TARGET_DIR:-target}/release/soundalike}"
work="$(mktemp -d)"
port=18282
"$bin" --data-dir "$work/data" serve --addr "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 240); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.5; done

# Realistic payloads, JSON-escaped by Python, sent round robin by a wrk script.
python3 - "$work" <<'PY'
import csv, gzip, sys
sys.path.insert(0, "bench")
from wrk import kakao, script, write_scripts
work = sys.argv[1]
hot = ["Coldplay", "콜드플레이 비슷한 노래", "BTS", "Maroon 5", "songs like Daft Punk", "Queen", "Drake", "Colplay"]
with gzip.open("data/tidytuesday_2020-01-21_spotify_songs.csv.gz", "rt", encoding="utf-8") as f:
    names = sorted({row["track_artist"] for row in csv.DictReader(f) if row["track_artist"] not in ("", "NA")})
wide = names[:: max(1, len(names) // 2000)][:2000]
write_scripts(work, {
    "healthz": script([""], "GET", "/healthz"),
    "hot": script([kakao(i, u) for i, u in enumerate(hot)], "POST", "/kakao/skill"),
    "wide": script([kakao(i, u) for i, u in enumerate(wide)], "POST", "/kakao/skill"),
})
PY

run() { # name, extra wrk args...
  local name=$1; shift
  wrk -t2 -c"$connections" -d"${seconds}s" --latency "$@" > "$work/$name.txt"
}
for round in $(seq "$rounds"); do
  run "healthz-$round" -s "$work/healthz.lua" "http://127.0.0.1:$port"
  run "hot-$round" -s "$work/hot.lua" "http://127.0.0.1:$port"
  run "wide-$round" -s "$work/wide.lua" "http://127.0.0.1:$port"
done
python3 - "$work" "$rounds" <<'PY'
import statistics, sys
sys.path.insert(0, "bench")
import wrk
work, rounds = sys.argv[1], int(sys.argv[2])
def parse(name):
    return wrk.parse(f"{work}/{name}.txt")
print(f"{'round':<7}{'endpoint':<22}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'non-2xx':>10}{'ratio':>8}")
ratios = {"hot": [], "wide": []}
for r in range(1, rounds + 1):
    h = parse(f"healthz-{r}")
    print(f"{r:<7}{'/healthz':<22}{h[0]:>10.0f}{h[1]:>10.2f}{h[2]:>10.2f}{h[3]:>10}")
    for mix in ("hot", "wide"):
        k = parse(f"{mix}-{r}")
        ratios[mix].append(k[0] / h[0])
        print(f"{r:<7}{'/kakao/skill ' + mix:<22}{k[0]:>10.0f}{k[1]:>10.2f}{k[2]:>10.2f}{k[3]:>10}{k[0] / h[0]:>8.3f}")
for mix, values in ratios.items():
    print(f"median throughput ratio kakao ({mix}) / healthz: {statistics.median(values):.3f}")
PY
