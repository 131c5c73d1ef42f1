#!/usr/bin/env bash
# The one-process server end to end: `serve` on a freshly seeded database (SQLite, and
# PostgreSQL too when TEST_DATABASE_URL is set), the same HTTP checks as the emulator's
# smoke test, then SIGTERM: the process must stop cleanly (exit 0) within the drain timeout.
set -euo pipefail
cd "$(dirname "$0")/../.."

cargo build --quiet -p seed -p serve
bin_dir=${CARGO_TARGET_DIR:-target}/debug
port=${SMOKE_SERVE_PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
base="http://127.0.0.1:$port"
work=$(mktemp -d)
total_failures=0

serve_on() { # serve_on DATABASE_URL LABEL
  local url=$1 label=$2 log="$work/serve-$2.log"
  DATABASE_URL=$url "$bin_dir/seed" >/dev/null
  # Open (no keys): these are the contract's checks; keys, scopes and the network limits are
  # tests/faults.py's `serve-network`.
  HOST=127.0.0.1 PORT=$port DATABASE_URL=$url SERVE_OPEN=1 "$bin_dir/serve" >"$log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 100); do curl -s -o /dev/null "$base/" && break; sleep 0.1; done
  echo "-- serve on $label"
  # shellcheck source=checks.sh
  source tests/smoke/checks.sh
  run_checks
  local started=$SECONDS status=0
  kill -TERM "$pid"
  wait "$pid" || status=$?
  if ((status != 0 || SECONDS - started > 12)); then
    echo "FAIL serve on $label: exit $status $((SECONDS - started)) s after SIGTERM"
    failures=$((failures + 1))
  else
    echo "ok   SIGTERM: exit 0 after $((SECONDS - started)) s"
  fi
  if ((failures > 0)); then tail -n 20 "$log"; fi
  total_failures=$((total_failures + failures))
}

serve_on "sqlite://$work/v3.db" sqlite

if [[ -n "${TEST_DATABASE_URL:-}" ]]; then
  db="v3_serve_smoke_$$"
  psql "$TEST_DATABASE_URL" -qc "CREATE DATABASE $db" >/dev/null
  serve_on "${TEST_DATABASE_URL%/*}/$db" postgres
  psql "$TEST_DATABASE_URL" -qc "DROP DATABASE $db WITH (FORCE)" >/dev/null
fi

rm -rf "$work"
if ((total_failures > 0)); then
  echo "serve smoke test: $total_failures failure(s)"
  exit 1
fi
echo "serve smoke test: all checks passed"
