#!/usr/bin/env bash
# Chat latency for the conversation corpus, side by side with /healthz of the same server.
#   bench/chat.sh [SECONDS] [CONNECTIONS] [ROUNDS]   (defaults 10 s, 64 connections, 3 rounds; needs wrk)
#   SOUNDALIKE_BIN=path/to/soundalike bench/chat.sh  (measure that binary instead of building one)
# Each round runs /healthz, then POST /kakao/skill and POST /api/v1/chat with every single
# utterance of crates/chat/tests/corpus/singles.jsonl (all request kinds: songs, genres, moods,
# eras, small talk, gibberish), sent round robin. Prints requests/s and p50/p99 latency per
# round; the target is p99 < 10 ms for both chat endpoints.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
connections="${2:-64}"
rounds="${3:-3}"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk"; exit 1; }
if [ -z "${SOUNDALIKE_BIN:-}" ]; then cargo build --release --quiet -p soundalike; fi
bin="${SOUNDALIKE_BIN:-${CARGO_TARGET_DIR:-target}/release/soundalike}"
work="$(mktemp -d)"
port=18283
# One load generator stands for many users: the per-client rate limit (20/s) is off here.
"$bin" --data-dir "$work/data" serve --addr "127.0.0.1:$port" --rate-limit 0 >"$work/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 240); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.5; done

python3 - "$work" <<'PY'
import json, sys
sys.path.insert(0, "bench")
from wrk import kakao, script, write_scripts
work = sys.argv[1]
lines = [json.loads(l) for l in open("crates/chat/tests/corpus/singles.jsonl", encoding="utf-8") if l.strip()]
def chat(line):
    return json.dumps({"message": line["text"], "lang": line["lang"]}, ensure_ascii=False)
write_scripts(work, {
    "healthz": script([""], "GET", "/healthz"),
    "kakao": script([kakao(i, l["text"], l["lang"]) for i, l in enumerate(lines)], "POST", "/kakao/skill"),
    "chat": script([chat(l) for l in lines], "POST", "/api/v1/chat"),
})
PY

run() { # name, extra wrk args...
  local name=$1; shift
  wrk -t2 -c"$connections" -d"${seconds}s" --latency "$@" > "$work/$name.txt"
}
for round in $(seq "$rounds"); do
  run "healthz-$round" -s "$work/healthz.lua" "http://127.0.0.1:$port"
  run "kakao-$round" -s "$work/kakao.lua" "http://127.0.0.1:$port"
  run "chat-$round" -s "$work/chat.lua" "http://127.0.0.1:$port"
done
python3 - "$work" "$rounds" <<'PY'
import statistics, sys
sys.path.insert(0, "bench")
import wrk
work, rounds = sys.argv[1], int(sys.argv[2])
def parse(name):
    return wrk.parse(f"{work}/{name}.txt")
print(f"{'round':<7}{'endpoint':<16}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'non-2xx':>10}")
p99 = {"kakao": [], "chat": []}
for r in range(1, rounds + 1):
    h = parse(f"healthz-{r}")
    print(f"{r:<7}{'/healthz':<16}{h[0]:>10.0f}{h[1]:>10.2f}{h[2]:>10.2f}{h[3]:>10}")
    for name, path in (("kakao", "/kakao/skill"), ("chat", "/api/v1/chat")):
        k = parse(f"{name}-{r}")
        p99[name].append(k[2])
        print(f"{r:<7}{path:<16}{k[0]:>10.0f}{k[1]:>10.2f}{k[2]:>10.2f}{k[3]:>10}")
for name, values in p99.items():
    print(f"median p99 {name}: {statistics.median(values):.2f} ms (target < 10 ms)")
PY
