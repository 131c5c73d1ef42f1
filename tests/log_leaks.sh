#!/usr/bin/env bash
# No key, secret, token or request body in any log line, at any level (tests/log_leaks.py):
# starts moto (the API keys secret and the database secret) and a password-checking, TLS
# PostgreSQL of its own (tests/lib), builds the binaries, and runs the check against them.
#
# Usage: bash tests/log_leaks.sh
#
# Without moto (and no way to install it) or PostgreSQL's server binaries the test is skipped,
# except under CI=true, where that is a failure.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=tests/lib/services.sh
source tests/lib/services.sh
start_moto_or_end "log leaks"

# shellcheck source=tests/lib/tls-postgres.sh
source tests/lib/tls-postgres.sh
if ! start_tls_postgres; then
  [[ $TLS_PG_ERROR == "PostgreSQL did not start" ]] && { echo "FAIL log leaks: $TLS_PG_ERROR" >&2; exit 1; }
  fail_or_skip "log leaks" "$TLS_PG_ERROR"
fi

cargo build --quiet --locked --bins -p authorizer -p put-outgoing-parameters -p get-outgoing-parameters -p seed
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')

AWS_ENDPOINT_URL=$MOTO_ENDPOINT LOG_LEAKS_BIN_DIR=$target_dir/debug \
  LOG_LEAKS_PG_PORT=$TLS_PG_PORT LOG_LEAKS_PG_SOCKET_DIR=$TLS_PG_DIR LOG_LEAKS_PG_CA=$TLS_PG_CA \
  python3 tests/log_leaks.py
