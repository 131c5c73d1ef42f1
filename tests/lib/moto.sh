# Sourced, not run: start_moto starts moto in server mode (PyPI `moto[server]`, installed if
# missing) on a free port: a real local AWS API (Secrets Manager here) for the SDK to talk to.
#
# On success it sets MOTO_ENDPOINT (http://localhost:PORT) and appends its stop to the
# caller's `cleanups` array (run in reverse order on exit). On failure it returns 1 with the
# reason in MOTO_ERROR and MOTO_INSTALLABLE=no when moto could not be had at all.

# The moto server command: moto_server on PATH, else the module of an installed moto.
moto_command() {
  if command -v moto_server >/dev/null 2>&1 && moto_server --help >/dev/null 2>&1; then
    echo moto_server
  elif python3 -c 'import moto.server, flask, werkzeug' >/dev/null 2>&1; then
    echo "python3 -m moto.server"
  else
    return 1
  fi
}

start_moto() {
  local moto port log pid
  MOTO_INSTALLABLE=yes
  if ! moto=$(moto_command); then
    echo "moto[server] not found: installing it from PyPI"
    if ! python3 -m pip install --quiet --disable-pip-version-check "$(grep '^moto\[server\]==' "$(dirname "${BASH_SOURCE[0]}")/../requirements.txt")"; then
      MOTO_INSTALLABLE=no MOTO_ERROR="could not install moto[server] (python3 -m pip install 'moto[server]')"
      return 1
    fi
    hash -r
    if ! moto=$(moto_command); then
      MOTO_INSTALLABLE=no MOTO_ERROR="moto[server] installed but neither moto_server nor python3 -m moto.server runs"
      return 1
    fi
  fi
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  log=$(mktemp)
  # shellcheck disable=SC2086 # $moto is a command and its arguments
  $moto -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
  pid=$!
  cleanups+=("kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -f $log")
  MOTO_ENDPOINT="http://localhost:$port"
  for _ in $(seq 1 100); do
    curl -s -o /dev/null "$MOTO_ENDPOINT/moto-api/" && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  cat "$log" >&2
  MOTO_ERROR="moto did not start on port $port"
  return 1
}
