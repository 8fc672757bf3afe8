# MariaDB (MySQL protocol) for the relational store tests. This machine kind runs one at
# 127.0.0.1:3306 (root, no password); when none answers, start Debian's mariadb-server with a
# temporary datadir.
mariadb_ready() { mariadb -h127.0.0.1 -P3306 -uroot -e 'SELECT 1' >/dev/null 2>&1; }
if ! mariadb_ready; then
  if ! command -v mariadbd >/dev/null && [ ! -x /usr/sbin/mariadbd ]; then
    echo "services: installing mariadb-server"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mariadb-server >/dev/null
  fi
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=root \
    || true
  for _ in $(seq 1 100); do mariadb_ready && break; sleep 0.2; done
  if ! mariadb_ready; then
    datadir="$SOUNDALIKE_SERVICES_DIR/mariadb"
    mkdir -p "$datadir"
    mariadb-install-db --user=root --datadir="$datadir" --auth-root-authentication-method=normal >/dev/null
    /usr/sbin/mariadbd --user=root --datadir="$datadir" --bind-address=127.0.0.1 --port=3306 \
      --socket="$datadir/mysqld.sock" >"$datadir/log" 2>&1 &
    for _ in $(seq 1 150); do mariadb_ready && break; sleep 0.2; done
  fi
fi
mariadb_ready || { echo "services: MariaDB does not answer on 127.0.0.1:3306" >&2; return 1; }
mariadb -h127.0.0.1 -uroot -e 'CREATE DATABASE IF NOT EXISTS soundalike_test CHARACTER SET utf8mb4 COLLATE utf8mb4_bin'
export SOUNDALIKE_TEST_MYSQL_URL="${SOUNDALIKE_TEST_MYSQL_URL:-mysql://root@127.0.0.1:3306/soundalike_test}"
echo "services: MariaDB at $SOUNDALIKE_TEST_MYSQL_URL"
