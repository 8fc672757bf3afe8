#!/usr/bin/env bash
# Starts the real servers the tests talk to and exports their URLs (SOUNDALIKE_TEST_*).
# Source it (`. scripts/services.sh`) so the exports reach the caller; `.ci/run` does.
# Each server has one script in scripts/services/ that starts it only when nothing answers yet,
# keeps its state under $SOUNDALIKE_SERVICES_DIR, and exports the URL the tests read.
# Usable by hand too: `. scripts/services.sh && cargo test --workspace --release`. It does not set -e:
# sourcing it must not change the caller's shell options; a failing service returns non-zero.
SOUNDALIKE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export SOUNDALIKE_SERVICES_DIR="${SOUNDALIKE_SERVICES_DIR:-$HOME/.cache/soundalike/services}"
mkdir -p "$SOUNDALIKE_SERVICES_DIR"

# wait_for_port HOST PORT SECONDS: true once a TCP connect succeeds.
wait_for_port() {
  local host=$1 port=$2 deadline=$((SECONDS + $3))
  while ((SECONDS < deadline)); do
    (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null && return 0
    sleep 0.2
  done
  echo "services: nothing answers on $host:$port after $3 s" >&2
  return 1
}

for service in "$SOUNDALIKE_ROOT"/scripts/services/*.sh; do
  [ -e "$service" ] || continue
  # shellcheck source=/dev/null
  . "$service"
done
