#!/usr/bin/env bash
# The authorizer's tests against a real local AWS API: starts moto in server mode (PyPI
# `moto[server]`, installed if missing) on a free port, runs `cargo test -p authorizer` with
# the SDK pointed at it (AWS_ENDPOINT_URL, dummy credentials, us-east-1), stops moto, and
# exits with the tests' status. Extra arguments go to `cargo test` (e.g. a test name).
#
# Without moto (and no way to install it) the tests are skipped, except under CI=true,
# where that is a failure.
set -euo pipefail
cd "$(dirname "$0")/.."

fail_or_skip() {
  if [[ ${CI:-} == true ]]; then
    echo "FAIL authorizer tests: $1 (CI=true: not skipping)" >&2
    exit 1
  fi
  echo "SKIP authorizer tests: $1" >&2
  exit 0
}

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

if ! moto=$(moto_command); then
  echo "moto[server] not found: installing it from PyPI"
  python3 -m pip install --quiet --disable-pip-version-check 'moto[server]' ||
    fail_or_skip "could not install moto[server] (python3 -m pip install 'moto[server]')"
  hash -r
  moto=$(moto_command) || fail_or_skip "moto[server] installed but neither moto_server nor python3 -m moto.server runs"
fi

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log=$(mktemp)
# shellcheck disable=SC2086 # $moto is a command and its arguments
$moto -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
moto_pid=$!
stop_moto() {
  kill "$moto_pid" 2>/dev/null || true
  wait "$moto_pid" 2>/dev/null || true
  rm -f "$log"
}
trap stop_moto EXIT

endpoint="http://localhost:$port"
for _ in $(seq 1 100); do
  curl -s -o /dev/null "$endpoint/moto-api/" && break
  kill -0 "$moto_pid" 2>/dev/null || break
  sleep 0.1
done
if ! curl -s -o /dev/null "$endpoint/moto-api/"; then
  cat "$log" >&2
  echo "FAIL authorizer tests: moto did not start on port $port" >&2
  exit 1
fi
echo "moto ($moto) on $endpoint"

# Only moto, only dummy credentials: nothing from a profile, no instance metadata probes.
export AWS_ENDPOINT_URL=$endpoint
export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
export AWS_EC2_METADATA_DISABLED=true
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
unset AWS_SESSION_TOKEN AWS_PROFILE AWS_ENDPOINT_URL_SECRETS_MANAGER API_KEYS_SECRET_ARN

status=0
cargo test --locked -p authorizer "$@" || status=$?
exit "$status"
