#!/usr/bin/env bash
# The Lambda check CI runs: the same Kakao payload through `cargo lambda watch` (the Lambda
# runtime emulator, PyPI cargo-lambda) and through `soundalike serve` must give the same JSON.
#   scripts/lambda-watch-check.sh        (uses the release binary the tests built; builds one if missing)
# The emulator only serves the Lambda APIs (`--only-lambda-apis`) and the function is the release
# binary itself, started with the environment the emulator prints: letting `cargo lambda watch`
# build it would rebuild the dependency tree under other features (about 17 CI minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
bin="$target/release/soundalike"
command -v cargo-lambda >/dev/null || pip install --quiet "cargo-lambda==1.9.2"
[ -x "$bin" ] || cargo build --release --locked --quiet -p soundalike

work="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

serve_port=18181
lambda_port=19191
"$bin" --data-dir "$work/serve" serve --addr "127.0.0.1:$serve_port" >"$work/serve.log" 2>&1 &
pids+=($!)
cargo lambda watch --only-lambda-apis --invoke-address 127.0.0.1 --invoke-port "$lambda_port" \
  >"$work/emulator.log" 2>&1 &
pids+=($!)
AWS_LAMBDA_FUNCTION_NAME=_ AWS_LAMBDA_FUNCTION_VERSION=1 AWS_LAMBDA_FUNCTION_MEMORY_SIZE=4096 \
  AWS_LAMBDA_RUNTIME_API="http://127.0.0.1:$lambda_port/.rt" SOUNDALIKE_DATA_DIR="$work/lambda" \
  "$bin" lambda >"$work/lambda.log" 2>&1 &
pids+=($!)

payload='{"userRequest":{"utterance":"콜드플레이 비슷한 노래","lang":"ko","user":{"id":"u1","type":"botUserKey"}},"bot":{"id":"b1","name":"soundalike"},"intent":{"id":"i","name":"skill"},"action":{"params":{}}}'
wait_for() { # url, body, what
  for _ in $(seq 240); do
    if curl -sf -X POST -H 'content-type: application/json' -d "$2" "$1" -o "$work/$3.json" && grep -q '"carousel"' "$work/$3.json"; then return 0; fi
    sleep 1
  done
  echo "no answer from $3"; tail -30 "$work/$3.log" "$work/emulator.log" 2>/dev/null; return 1
}
wait_for "http://127.0.0.1:$serve_port/kakao/skill" "$payload" serve
wait_for "http://127.0.0.1:$lambda_port/lambda-url/_/kakao/skill" "$payload" lambda
python3 - "$work/serve.json" "$work/lambda.json" <<'PY'
import json, sys
serve, lam = (json.load(open(p)) for p in sys.argv[1:3])
assert serve == lam, f"serve and lambda differ:\n{serve}\n{lam}"
cards = len(serve['template']['outputs'][1]['carousel']['items'])
print(f"cargo lambda watch returns the same Kakao JSON as serve ({cards} cards)")
print("lambda: 1 passed, 0 failed")
PY
