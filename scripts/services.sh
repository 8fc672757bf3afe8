#!/usr/bin/env bash
# Starts (or checks) the servers the tests need. Today the embedded defaults need none: the store
# is SQLite and the lake a local folder. Backends that need a server add their start-up here, and
# export its URL for the tests.
set -euo pipefail
echo "no external services needed (SQLite store, local lake)"
