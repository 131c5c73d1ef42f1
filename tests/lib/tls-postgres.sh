# Sourced, not run: start_tls_postgres starts a PostgreSQL of its own (initdb in a temporary
# directory, a free port) that, unlike the machine's, requires TLS and a scram-sha-256
# password for every TCP login, and serves a certificate for `localhost` signed by a
# throwaway CA. The superuser logs in without a password over the Unix socket only.
#
# On success it sets TLS_PG_PORT, TLS_PG_DIR (also the socket directory) and TLS_PG_CA (the
# CA's PEM file), and appends its stop and removal to the caller's `cleanups` array (run them
# in reverse order on exit). On failure it returns 1 with the reason in TLS_PG_ERROR.

start_tls_postgres() {
  local bindir as_owner=() port
  bindir=$(pg_config --bindir 2>/dev/null || true)
  [[ -x $bindir/initdb && -x $bindir/pg_ctl ]] || bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
  if [[ ! -x $bindir/initdb || ! -x $bindir/pg_ctl ]]; then
    TLS_PG_ERROR="PostgreSQL's initdb and pg_ctl were not found"
    return 1
  fi
  if ! command -v openssl >/dev/null; then
    TLS_PG_ERROR="openssl was not found (it makes the CA)"
    return 1
  fi
  TLS_PG_DIR=$(mktemp -d /tmp/v3-tls-pg.XXXXXX)
  chmod 755 "$TLS_PG_DIR"
  cleanups+=("rm -rf $TLS_PG_DIR")
  # PostgreSQL refuses to run as root: as root, run it as the postgres user.
  if [[ $(id -u) == 0 ]]; then as_owner=(runuser -u postgres --); fi
  if ! (
    cd "$TLS_PG_DIR" &&
      openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj "/CN=v3 throwaway test CA" &&
      openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/CN=localhost" &&
      printf 'subjectAltName=DNS:localhost\n' >server.ext &&
      openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 -extfile server.ext &&
      chmod 600 server.key
  ) >/dev/null 2>&1; then
    TLS_PG_ERROR="openssl could not make the certificates"
    return 1
  fi
  if [[ $(id -u) == 0 ]]; then chown -R postgres "$TLS_PG_DIR"; fi
  if ! "${as_owner[@]}" "$bindir/initdb" --no-sync -A trust -U postgres -D "$TLS_PG_DIR/data" >"$TLS_PG_DIR/initdb.log" 2>&1; then
    cat "$TLS_PG_DIR/initdb.log" >&2
    TLS_PG_ERROR="initdb failed"
    return 1
  fi
  cat >"$TLS_PG_DIR/data/pg_hba.conf" <<'HBA'
# The superuser over the socket only; every TCP login needs TLS and a password.
local   all all                trust
hostssl all all 127.0.0.1/32   scram-sha-256
hostssl all all ::1/128        scram-sha-256
HBA
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  if ! "${as_owner[@]}" "$bindir/pg_ctl" -D "$TLS_PG_DIR/data" -l "$TLS_PG_DIR/server.log" -w -t 30 -o \
    "-p $port -k $TLS_PG_DIR -c listen_addresses=localhost -c ssl=on -c ssl_cert_file=$TLS_PG_DIR/server.pem \
     -c ssl_key_file=$TLS_PG_DIR/server.key -c fsync=off -c max_connections=200" start >/dev/null; then
    cat "$TLS_PG_DIR/server.log" >&2
    TLS_PG_ERROR="PostgreSQL did not start"
    return 1
  fi
  cleanups+=("${as_owner[*]} $bindir/pg_ctl -D $TLS_PG_DIR/data -m immediate stop >/dev/null")
  TLS_PG_PORT=$port
  TLS_PG_CA=$TLS_PG_DIR/ca.pem
}
