#!/usr/bin/env bash
# Property-based tests of the API against openapi.yaml with schemathesis (PyPI): `serve` on a
# freshly seeded SQLite database, then on a fresh PostgreSQL database when TEST_DATABASE_URL
# is set. Per engine: at least SCHEMATHESIS_MIN_REQUESTS (1000) generated requests, positive
# and negative, and any server error (5xx), response outside the spec (status, content type,
# body schema, headers), invalid request accepted, wrong method not answered 405 with a
# correct Allow, or panic in serve's log fails the run. `serve` runs behind an API key of every
# scope (the spec declares the key schemes): schemathesis sends it with each request, and its
# ignored_auth check sends requests without it, which must be refused (401).
#
#   bash tests/schemathesis.sh
#   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres bash tests/schemathesis.sh
#
# Knobs: SCHEMATHESIS_MAX_EXAMPLES (per operation and phase, default 150: 7 operations x 150
# fuzzed, plus the examples and coverage phases), SCHEMATHESIS_SEED (replay a run; the seed
# is printed), SCHEMATHESIS_MIN_REQUESTS. The binaries are not rebuilt when present: run
# `cargo build -p seed -p serve` first if the sources changed.
set -euo pipefail
cd "$(dirname "$0")/.."

bin_dir=${CARGO_TARGET_DIR:-target}/debug
max_examples=${SCHEMATHESIS_MAX_EXAMPLES:-150}
min_requests=${SCHEMATHESIS_MIN_REQUESTS:-1000}
spec=$PWD/openapi.yaml

# Every check schemathesis has. positive_data_acceptance included: JSON Schema counts 812.0
# as an integer, and so does the API (CONTRACT 4: an integral JSON number is that integer).
checks=all

if [[ ! -x $bin_dir/seed || ! -x $bin_dir/serve || ! -x $bin_dir/api-keys ]]; then
  echo "building seed, serve and api-keys (missing from $bin_dir)"
  cargo build --quiet -p seed -p serve -p authorizer --bin api-keys
fi

st() { python3 -m schemathesis.cli "$@"; }
have=$(st --version 2>/dev/null | grep -o '[0-9][0-9.]*$' || true)
if [[ -z $have || ${have%%.*} -lt 4 ]]; then
  echo "installing the pinned schemathesis from PyPI (found: ${have:-none})"
  python3 -m pip install --quiet --disable-pip-version-check "$(grep '^schemathesis==' tests/requirements.txt)"
  have=$(st --version | grep -o '[0-9][0-9.]*$')
fi
echo "schemathesis $have"

work=$(mktemp -d)
serve_pid=""
pg_db=""
cleanup() {
  if [[ -n $serve_pid ]]; then kill -TERM "$serve_pid" 2>/dev/null && wait "$serve_pid" 2>/dev/null || true; fi
  if [[ -n $pg_db ]]; then psql "$TEST_DATABASE_URL" -qc "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

summary=()
failed=0

run_engine() { # run_engine DATABASE_URL LABEL
  local url=$1 label=$2 port log har out status=0
  port=$(free_port)
  log=$work/serve-$label.log har=$work/$label.har out=$work/schemathesis-$label.txt
  echo
  echo "== $label: seed, serve on 127.0.0.1:$port, schemathesis"
  DATABASE_URL=$url "$bin_dir/seed"
  local keys=$work/api-keys-$label.json key
  key=$(env -u API_KEYS_SECRET_ARN "$bin_dir/api-keys" --file "$keys" issue --name schemathesis --scopes all 2>/dev/null)
  env -u API_KEYS_SECRET_ARN -u SERVE_OPEN HOST=127.0.0.1 PORT=$port DATABASE_URL=$url API_KEYS_FILE=$keys \
    RUST_LOG=${RUST_LOG:-warn} "$bin_dir/serve" >"$log" 2>&1 &
  serve_pid=$!
  local ready=no
  for _ in $(seq 1 100); do
    if curl -s -o /dev/null "http://127.0.0.1:$port/"; then ready=yes && break; fi
    kill -0 "$serve_pid" 2>/dev/null || break
    sleep 0.1
  done
  if [[ $ready != yes ]]; then
    echo "FAIL $label: serve did not start"
    cat "$log"
    failed=1
    serve_pid=""
    return
  fi

  local seed_args=()
  [[ -n ${SCHEMATHESIS_SEED:-} ]] && seed_args=(--seed "$SCHEMATHESIS_SEED")
  (cd "$work" && st run "$spec" --url "http://127.0.0.1:$port" --header "x-api-key: $key" \
    --checks "$checks" --max-examples "$max_examples" --workers 1 \
    --request-timeout 10 --generation-database none --no-color \
    --report har --report-har-path "$har" "${seed_args[@]}") >"$out" 2>&1 || status=$?
  grep -v -e '^\s*$' -e '^Reports:' -e '- HAR:' "$out" || true

  kill -TERM "$serve_pid"
  local serve_status=0
  wait "$serve_pid" || serve_status=$?
  serve_pid=""

  local requests statuses
  requests=$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["log"]["entries"]))' "$har" 2>/dev/null || echo 0)
  statuses=$(python3 - "$har" <<'PY' 2>/dev/null || true
import collections, json, sys
entries = json.load(open(sys.argv[1]))["log"]["entries"]
counts = collections.Counter(entry["response"]["status"] for entry in entries)
print(", ".join(f"{status}: {count}" for status, count in sorted(counts.items())))
PY
)
  local problems=()
  ((status == 0)) || problems+=("schemathesis exit $status")
  ((requests >= min_requests)) || problems+=("only $requests requests (< $min_requests)")
  ((serve_status == 0)) || problems+=("serve exit $serve_status after SIGTERM")
  if grep -qi 'panicked' "$log"; then problems+=("panic in serve's log"); fi
  if ((${#problems[@]} > 0)); then
    failed=1
    summary+=("FAIL $label: $requests requests ($statuses); $(IFS=';'; echo "${problems[*]}")")
    echo "-- last lines of serve's log ($label):"
    grep -i -e panicked -e error "$log" | tail -n 20 || true
    cp "$har" "$out" "$log" "${TMPDIR:-/tmp}/" 2>/dev/null && echo "kept: ${TMPDIR:-/tmp}/$(basename "$har") (every request and response), $(basename "$out"), $(basename "$log")"
  else
    summary+=("ok   $label: $requests requests generated, 0 failures ($statuses)")
  fi
}

run_engine "sqlite://$work/v3.db" sqlite

if [[ -n ${TEST_DATABASE_URL:-} ]]; then
  pg_db="v3_schema_$$"
  psql "$TEST_DATABASE_URL" -qc "CREATE DATABASE $pg_db" >/dev/null
  run_engine "${TEST_DATABASE_URL%/*}/$pg_db" postgres
  psql "$TEST_DATABASE_URL" -qc "DROP DATABASE $pg_db WITH (FORCE)" >/dev/null
  pg_db=""
elif [[ ${CI:-} == true ]]; then
  summary+=("FAIL postgres: CI=true but TEST_DATABASE_URL is not set")
  failed=1
else
  summary+=("skip postgres: TEST_DATABASE_URL is not set")
fi

echo
echo "== schemathesis $have, checks: $checks"
printf '%s\n' "${summary[@]}"
if ((failed)); then
  echo "schemathesis: FAILED"
  exit 1
fi
echo "schemathesis: all runs passed"
