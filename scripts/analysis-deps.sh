#!/usr/bin/env bash
# Installs what analysis/ needs (scripts/analysis-check.sh), when missing:
# - the Python packages pinned in analysis/requirements.txt (PySpark, DuckDB, nbconvert, …) into
#   a venv under ~/.cache/soundalike/tools named by that file's hash, so a changed pin gets a new
#   venv and an unchanged one is reused; an empty cache works, only slower (PySpark is ~400 MB);
# - Java 17 for Spark (Debian openjdk-17-jre-headless) when no `java` is on the PATH.
# Prints the venv's folder as its last line.
set -euo pipefail
cd "$(dirname "$0")/.."
requirements=analysis/requirements.txt
key="$(sha256sum "$requirements" | cut -c1-12)"
venv="$HOME/.cache/soundalike/tools/analysis-venv-$key"
if ! command -v java >/dev/null; then
  echo "installing openjdk-17-jre-headless" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless >/dev/null
fi
if [ ! -f "$venv/.installed" ]; then
  echo "installing analysis/requirements.txt into $venv" >&2
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
  # Marks a finished install: a killed one is redone, not half-used.
  touch "$venv/.installed"
fi
echo "$venv"
