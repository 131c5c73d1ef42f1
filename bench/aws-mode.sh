#!/usr/bin/env bash
# What the AWS mode of the database credentials costs a cold start: starts a TLS PostgreSQL
# (tests/lib/tls-postgres.sh) and moto (tests/lib/moto.sh), then runs bench's `aws-mode` in
# fresh processes and prints medians:
# - a verify-full connection, first of a process and later ones, trusting only the server's
#   CA and with the shipped Amazon RDS bundle in front of it;
# - a function's first request in secrets-manager mode: reading the secret (from moto, over
#   plain HTTP on loopback; in AWS an HTTPS call to Secrets Manager), the TLS connection and
#   one lookup;
# - making one IAM auth token (each new connection in IAM mode makes one).
#
# Usage: bash bench/aws-mode.sh [processes=7]
set -euo pipefail
cd "$(dirname "$0")/.."
processes=${1:-7}
target=${CARGO_TARGET_DIR:-target}

cleanups=()
cleanup() { for ((i = ${#cleanups[@]} - 1; i >= 0; i--)); do eval "${cleanups[i]}" || true; done; }
trap cleanup EXIT
# shellcheck source=tests/lib/tls-postgres.sh
source tests/lib/tls-postgres.sh
# shellcheck source=tests/lib/moto.sh
source tests/lib/moto.sh
start_tls_postgres || { echo "bench/aws-mode.sh: $TLS_PG_ERROR" >&2; exit 1; }
start_moto || { echo "bench/aws-mode.sh: $MOTO_ERROR" >&2; exit 1; }
psql -h "$TLS_PG_DIR" -p "$TLS_PG_PORT" -U postgres -qc "CREATE ROLE bench LOGIN PASSWORD 'bench'" -c 'CREATE SCHEMA bench AUTHORIZATION bench'

export AWS_ENDPOINT_URL=$MOTO_ENDPOINT AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
export AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
unset AWS_SESSION_TOKEN AWS_PROFILE DATABASE_URL
secret_arn=$(python3 - "$MOTO_ENDPOINT" "$TLS_PG_PORT" <<'PY'
import json, sys, boto3
client = boto3.client("secretsmanager", endpoint_url=sys.argv[1], region_name="us-east-1")
value = {"username": "bench", "password": "bench", "port": int(sys.argv[2]), "dbname": "postgres"}
print(client.create_secret(Name="v3/bench/db", SecretString=json.dumps(value))["ARN"])
PY
)

cargo build --quiet --release -p bench --bin aws-mode && cargo build --quiet --release -p seed
bin=$target/release
DATABASE_URL="postgres://bench:bench@localhost:$TLS_PG_PORT/postgres?sslmode=verify-full&sslrootcert=$TLS_PG_CA" "$bin/seed" >/dev/null

tls_runs=() first_runs=()
for _ in $(seq 1 "$processes"); do
  tls_runs+=("$("$bin/aws-mode" tls localhost "$TLS_PG_PORT" bench bench "$TLS_PG_CA" 5)")
  first_runs+=("$(DB_AUTH_MODE=secrets-manager DB_SECRET_ARN=$secret_arn DB_HOST=localhost DB_CA_BUNDLE=$TLS_PG_CA \
    "$bin/aws-mode" first-request)")
done
iam_run=$(DB_AUTH_MODE=iam DB_HOST=proxy.example DB_USER=api "$bin/aws-mode" iam-token 200)

python3 - "$processes" "$iam_run" "${tls_runs[@]}" -- "${first_runs[@]}" <<'PY'
import json, statistics, sys
processes, iam = int(sys.argv[1]), json.loads(sys.argv[2])
rest = sys.argv[3:]
split = rest.index("--")
tls = [json.loads(x) for x in rest[:split]]
first = [json.loads(x) for x in rest[split + 1:]]
med = statistics.median
print(f"AWS mode, medians over {processes} fresh processes (local TLS PostgreSQL, moto on loopback):")
print("verify-full connection                 first of a process ms   later ones ms")
for key, label in (("server_ca_only", "the server CA only"), ("with_rds_bundle", "RDS bundle (92 CAs) + server CA")):
    print(f"  {label:<36} {med(r[key][0] for r in tls):>20.2f} {med(t for r in tls for t in r[key][1:]):>15.2f}")
print("first request, secrets-manager mode    ms")
for key, label in (("state_ms", "state from the environment"), ("ready_ms", "SDK config + reading the secret"),
                   ("connect_and_query_ms", "TLS connection + one lookup"), ("total_ms", "total")):
    print(f"  {label:<36} {med(r[key] for r in first):>8.2f}")
print(f"IAM auth token (one per new connection) {med(iam['iam_token_ms']) * 1000:>8.1f} µs (median of {len(iam['iam_token_ms'])})")
PY
