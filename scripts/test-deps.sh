#!/usr/bin/env bash
# Installs what the tests need beyond Rust, when missing (CI runs on a clean machine):
# - Debian chromium + chromium-driver (browser test of the web chat), fonts-nanum (Korean glyphs in
#   its screenshot);
# - cargo-lambda from PyPI (the Lambda runtime emulator check).
# The store (SQLite) and the lake (a folder) are embedded: no database server is needed yet.
set -euo pipefail
missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
[ -d /usr/share/fonts/truetype/nanum ] || missing+=(fonts-nanum)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v cargo-lambda >/dev/null || pip install --quiet "cargo-lambda==1.9.2"
echo "chromium: $(chromium --version 2>/dev/null | head -1)"
echo "chromedriver: $(chromedriver --version 2>/dev/null | head -1)"
echo "cargo-lambda: $(cargo-lambda lambda --version 2>/dev/null | head -1)"
