#!/usr/bin/env bash
# Builds the functions' code folder deploy/aws/.build/ that template.yaml names (CodeUri):
# the `soundalike` binary for Lambda (cargo-lambda from PyPI; its zig links against the glibc of
# provided.al2023), stripped (with debug info it exceeds Lambda's 250 MB), and `bootstrap`.
#   deploy/aws/build.sh [x86_64|arm64]    (default x86_64; pass the same as the Architecture parameter)
set -euo pipefail
cd "$(dirname "$0")/../.."
arch="${1:-x86_64}"
case "$arch" in
  x86_64) flag=--x86-64 ;;
  arm64) flag=--arm64 ;;
  *) echo "usage: deploy/aws/build.sh [x86_64|arm64]" >&2; exit 2 ;;
esac
command -v cargo-lambda >/dev/null || pip install --quiet "cargo-lambda==1.9.2"
CARGO_PROFILE_RELEASE_STRIP=symbols cargo lambda build --release --locked "$flag" --bin soundalike
target="${CARGO_TARGET_DIR:-target}"
out=deploy/aws/.build
rm -rf "$out"
mkdir -p "$out"
cp "$target/lambda/soundalike/bootstrap" "$out/soundalike"
cp deploy/aws/bootstrap "$out/bootstrap"
chmod 755 "$out/soundalike" "$out/bootstrap"
du -h "$out/soundalike"
