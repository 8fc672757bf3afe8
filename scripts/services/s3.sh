# S3 (s3s-fs, an S3-compatible server over a folder) for the S3 lake tests.
# Installed once from crates.io into $SOUNDALIKE_TOOLS_DIR (cached between runs; ~5 min to build
# cold), started on 127.0.0.1:$SOUNDALIKE_S3_PORT when nothing answers there, its data under
# $SOUNDALIKE_SERVICES_DIR/s3. A bucket is a folder of the data root. The tests read the
# SOUNDALIKE_TEST_S3_* variables below and pass them to the lake explicitly, so the global AWS_*
# variables (which other AWS clients, e.g. DynamoDB's, also read) stay untouched.
SOUNDALIKE_TOOLS_DIR="${SOUNDALIKE_TOOLS_DIR:-$HOME/.cache/soundalike/tools}"
s3_port="${SOUNDALIKE_S3_PORT:-9014}"
s3_bucket=soundalike-test
s3_key_id=soundalike-test
s3_secret=soundalike-test-secret
s3_data="$SOUNDALIKE_SERVICES_DIR/s3"
s3_bin="$SOUNDALIKE_TOOLS_DIR/bin/s3s-fs"
if [ ! -x "$s3_bin" ]; then
  echo "services: installing s3s-fs 0.14.1 into $SOUNDALIKE_TOOLS_DIR"
  # Its own temporary build folder, not the workspace target of the caller.
  env -u CARGO_TARGET_DIR cargo install s3s-fs@0.14.1 --features binary --locked \
    --root "$SOUNDALIKE_TOOLS_DIR" --quiet
fi
mkdir -p "$s3_data/$s3_bucket"
if ! (exec 3<>"/dev/tcp/127.0.0.1/$s3_port") 2>/dev/null; then
  # Started from its data folder: s3s-fs resolves keys against its working directory, which
  # must outlive the caller's (a removed checkout would fail every request).
  (cd "$s3_data" && nohup "$s3_bin" --host 127.0.0.1 --port "$s3_port" \
    --access-key "$s3_key_id" --secret-key "$s3_secret" "$s3_data" \
    >"$SOUNDALIKE_SERVICES_DIR/s3.log" 2>&1 &)
fi
wait_for_port 127.0.0.1 "$s3_port" 30 || return 1
export SOUNDALIKE_TEST_S3_URL="s3://$s3_bucket"
export SOUNDALIKE_TEST_S3_ENDPOINT="http://127.0.0.1:$s3_port"
export SOUNDALIKE_TEST_S3_ACCESS_KEY_ID="$s3_key_id"
export SOUNDALIKE_TEST_S3_SECRET_ACCESS_KEY="$s3_secret"
echo "services: S3 (s3s-fs) at $SOUNDALIKE_TEST_S3_ENDPOINT, bucket $s3_bucket"
