# A second MariaDB that accepts only TLS, for the store's TLS tests: a self-signed CA and a
# server certificate for 127.0.0.1/localhost made with openssl, its own datadir, port 3307,
# `require_secure_transport`. Started when nothing answers there; state under
# $SOUNDALIKE_SERVICES_DIR/mariadb-tls. Exports SOUNDALIKE_TEST_MYSQL_TLS_URL and
# SOUNDALIKE_TEST_MYSQL_TLS_CA (the CA certificate the tests verify the server with).
MARIADB_TLS_PORT="${SOUNDALIKE_MARIADB_TLS_PORT:-3307}"
mariadb_tls_dir="$SOUNDALIKE_SERVICES_DIR/mariadb-tls"
mariadb_tls_certs="$mariadb_tls_dir/certs"
mariadb_tls_ready() {
  mariadb -h127.0.0.1 -P"$MARIADB_TLS_PORT" -uroot --ssl --ssl-ca="$mariadb_tls_certs/ca.pem" \
    -e 'SELECT 1' >/dev/null 2>&1
}
if [ ! -s "$mariadb_tls_certs/server-cert.pem" ]; then
  mkdir -p "$mariadb_tls_certs"
  (
    cd "$mariadb_tls_certs" || exit 1
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=soundalike test CA" \
      -keyout ca-key.pem -out ca.pem 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
      -keyout server-key.pem -out server.csr 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n' >server.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 3650 \
      -extfile server.ext -out server-cert.pem 2>/dev/null
  ) || { echo "services: cannot make the MariaDB TLS certificates" >&2; return 1; }
fi
if ! mariadb_tls_ready; then
  if [ ! -d "$mariadb_tls_dir/data/mysql" ]; then
    mkdir -p "$mariadb_tls_dir/data"
    mariadb-install-db --no-defaults --user=root --datadir="$mariadb_tls_dir/data" \
      --auth-root-authentication-method=normal >/dev/null
  fi
  /usr/sbin/mariadbd --no-defaults --user=root --datadir="$mariadb_tls_dir/data" --bind-address=127.0.0.1 \
    --port="$MARIADB_TLS_PORT" --socket="$mariadb_tls_dir/mysqld.sock" \
    --pid-file="$mariadb_tls_dir/mysqld.pid" \
    --ssl-ca="$mariadb_tls_certs/ca.pem" --ssl-cert="$mariadb_tls_certs/server-cert.pem" \
    --ssl-key="$mariadb_tls_certs/server-key.pem" --require-secure-transport=ON \
    --innodb-buffer-pool-size=32M --performance-schema=OFF \
    >"$mariadb_tls_dir/log" 2>&1 &
  for _ in $(seq 1 150); do mariadb_tls_ready && break; sleep 0.2; done
fi
if mariadb_tls_ready; then
  mariadb -h127.0.0.1 -P"$MARIADB_TLS_PORT" -uroot --ssl --ssl-ca="$mariadb_tls_certs/ca.pem" \
    -e 'CREATE DATABASE IF NOT EXISTS soundalike_test CHARACTER SET utf8mb4 COLLATE utf8mb4_bin'
  export SOUNDALIKE_TEST_MYSQL_TLS_URL="${SOUNDALIKE_TEST_MYSQL_TLS_URL:-mysql://root@127.0.0.1:$MARIADB_TLS_PORT/soundalike_test}"
  export SOUNDALIKE_TEST_MYSQL_TLS_CA="${SOUNDALIKE_TEST_MYSQL_TLS_CA:-$mariadb_tls_certs/ca.pem}"
  echo "services: MariaDB (TLS only) at $SOUNDALIKE_TEST_MYSQL_TLS_URL"
else
  echo "services: the TLS MariaDB does not answer on 127.0.0.1:$MARIADB_TLS_PORT (see $mariadb_tls_dir/log)" >&2
  false
fi
