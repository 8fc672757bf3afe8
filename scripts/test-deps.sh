#!/usr/bin/env bash
# Installs what the tests need beyond Rust, when missing (CI runs on a clean machine):
# - Debian chromium + chromium-driver (browser test of the web chat), fonts-nanum (Korean glyphs in
#   its screenshot);
# - cargo-lambda from PyPI (the Lambda runtime emulator check);
# - DuckDB and its httpfs extension as a wheel from PyPI (the lake interoperability test; the
#   extension cannot be downloaded at run time offline);
# - schemathesis from PyPI, pinned, in its own venv under ~/.cache/soundalike/tools
#   (scripts/schemathesis-check.sh);
# - cargo-fuzz from crates.io, pinned, under ~/.cache/soundalike/tools (scripts/fuzz.sh).
# Servers (MariaDB, S3) are started by scripts/services.sh.
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
duckdb_version=1.5.5
python3 -c "import duckdb, duckdb_extension_httpfs, sys; sys.exit(duckdb.__version__ != '$duckdb_version')" \
  2>/dev/null || pip install --quiet "duckdb==$duckdb_version" "duckdb-extension-httpfs==$duckdb_version"
tools="$HOME/.cache/soundalike/tools"
schemathesis_version=4.32.5
schemathesis_venv="$tools/schemathesis-$schemathesis_version"
if [ ! -x "$schemathesis_venv/bin/st" ]; then
  echo "installing schemathesis $schemathesis_version into $schemathesis_venv"
  python3 -m venv "$schemathesis_venv"
  "$schemathesis_venv/bin/pip" install --quiet "schemathesis==$schemathesis_version"
fi
cargo_fuzz_version=0.13.2
if [ ! -x "$tools/cargo-fuzz-$cargo_fuzz_version/bin/cargo-fuzz" ]; then
  echo "installing cargo-fuzz $cargo_fuzz_version into $tools"
  # Its own temporary build folder, not the workspace target of the caller.
  env -u CARGO_TARGET_DIR cargo install "cargo-fuzz@$cargo_fuzz_version" --locked --quiet \
    --root "$tools/cargo-fuzz-$cargo_fuzz_version"
fi
echo "chromium: $(chromium --version 2>/dev/null | head -1)"
echo "chromedriver: $(chromedriver --version 2>/dev/null | head -1)"
echo "cargo-lambda: $(cargo-lambda lambda --version 2>/dev/null | head -1)"
echo "duckdb: $(python3 -c 'import duckdb; print(duckdb.__version__)')"
echo "schemathesis: $("$schemathesis_venv/bin/st" --version 2>/dev/null | head -1)"
echo "cargo-fuzz: $("$tools/cargo-fuzz-$cargo_fuzz_version/bin/cargo-fuzz" --version 2>/dev/null)"
