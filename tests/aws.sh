#!/usr/bin/env bash
# The tests that need a real local AWS API: the authorizer (`cargo test -p authorizer`) and
# the database credentials (`cargo test -p contract-tests --test credentials`). Starts moto in
# server mode (PyPI `moto[server]`, installed if missing) on a free port and points the SDK at
# it (AWS_ENDPOINT_URL, dummy credentials, us-east-1). For the credentials, also starts a
# PostgreSQL of its own on a free port (initdb in a temporary directory) that checks passwords
# (scram-sha-256) and serves TLS with a certificate for `localhost` from a throwaway CA: the
# machine's PostgreSQL trusts every local login, so it could not show a rotated password or
# an IAM token being checked. Stops both and exits with the tests' status.
#
# Usage: bash tests/aws.sh [authorizer|credentials]   (default: both)
#
# Without moto or PostgreSQL's server binaries (and no way to install moto) the tests are
# skipped, except under CI=true, where that is a failure.
set -euo pipefail
cd "$(dirname "$0")/.."

which=${1:-all}
case $which in authorizer | credentials | all) ;; *) echo "usage: $0 [authorizer|credentials]" >&2; exit 2 ;; esac

# shellcheck source=tests/lib/services.sh
source tests/lib/services.sh
start_moto_or_end "AWS tests"
endpoint=$MOTO_ENDPOINT
echo "moto on $endpoint"

# Only moto, only dummy credentials: nothing from a profile, no instance metadata probes.
export AWS_ENDPOINT_URL=$endpoint
export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
export AWS_EC2_METADATA_DISABLED=true
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
unset AWS_SESSION_TOKEN AWS_PROFILE AWS_ENDPOINT_URL_SECRETS_MANAGER API_KEYS_SECRET_ARN
unset DATABASE_URL DB_AUTH_MODE DB_SECRET_ARN DB_HOST DB_PORT DB_NAME DB_USER DB_CA_BUNDLE

if [[ $which != credentials ]]; then
  cargo test --locked -p authorizer
fi
[[ $which == authorizer ]] && exit 0

# A password-checking, TLS-serving PostgreSQL of the tests' own.
# shellcheck source=tests/lib/tls-postgres.sh
source tests/lib/tls-postgres.sh
if ! start_tls_postgres; then
  # A machine without the server binaries may skip; one where the server fails must not.
  [[ $TLS_PG_ERROR == "PostgreSQL did not start" ]] && { echo "FAIL AWS tests: $TLS_PG_ERROR" >&2; exit 1; }
  fail_or_skip "AWS tests" "$TLS_PG_ERROR"
fi
echo "credentials PostgreSQL (TLS, scram-sha-256) on localhost:$TLS_PG_PORT"

export CREDENTIALS_PG_PORT=$TLS_PG_PORT CREDENTIALS_PG_CA=$TLS_PG_CA CREDENTIALS_PG_SOCKET_DIR=$TLS_PG_DIR
cargo test --locked -p contract-tests --test credentials
