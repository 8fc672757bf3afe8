# dynalite (DynamoDB API on LevelDB) for the DynamoDB top-tracks tests. Installed from npm at a
# pinned version into a cache outside the clone (reused when present), started on 127.0.0.1:4567
# with its data under $SOUNDALIKE_SERVICES_DIR/dynalite when nothing answers there yet.
DYNALITE_VERSION=4.0.0
DYNALITE_PORT=4567
dynalite_prefix="$HOME/.cache/soundalike/tools/dynalite-$DYNALITE_VERSION"
dynalite_bin="$dynalite_prefix/node_modules/.bin/dynalite"
if ! (exec 3<>"/dev/tcp/127.0.0.1/$DYNALITE_PORT") 2>/dev/null; then
  if [ ! -x "$dynalite_bin" ]; then
    command -v npm >/dev/null || {
      echo "services: installing nodejs + npm"
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
    }
    echo "services: installing dynalite@$DYNALITE_VERSION"
    mkdir -p "$dynalite_prefix"
    npm install --prefix "$dynalite_prefix" --no-audit --no-fund --silent \
      --save-exact "dynalite@$DYNALITE_VERSION" >/dev/null
  fi
  mkdir -p "$SOUNDALIKE_SERVICES_DIR/dynalite"
  nohup "$dynalite_bin" --host 127.0.0.1 --port "$DYNALITE_PORT" \
    --path "$SOUNDALIKE_SERVICES_DIR/dynalite" --createTableMs 0 --deleteTableMs 0 \
    >"$SOUNDALIKE_SERVICES_DIR/dynalite.log" 2>&1 &
fi
if wait_for_port 127.0.0.1 "$DYNALITE_PORT" 30; then
  export SOUNDALIKE_TEST_DYNAMODB_ENDPOINT="${SOUNDALIKE_TEST_DYNAMODB_ENDPOINT:-http://127.0.0.1:$DYNALITE_PORT}"
  echo "services: dynalite at $SOUNDALIKE_TEST_DYNAMODB_ENDPOINT"
else
  echo "services: dynalite does not answer on 127.0.0.1:$DYNALITE_PORT" >&2
  false
fi
