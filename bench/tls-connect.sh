#!/usr/bin/env bash
# What TLS with certificate verification (verify-full, as the functions connect in AWS mode)
# costs when opening a PostgreSQL connection: starts a TLS PostgreSQL of its own
# (tests/lib/tls-postgres.sh), then runs bench's `tls-connect` in fresh processes and prints
# the median first connection of a process (a cold start pays it) and the median of the next
# ones, trusting only the server's CA and with the shipped Amazon RDS bundle in front of it.
#
# Usage: bash bench/tls-connect.sh [processes=7] [connections per process=5]
set -euo pipefail
cd "$(dirname "$0")/.."
processes=${1:-7}
rounds=${2:-5}
target=${CARGO_TARGET_DIR:-target}

cleanups=()
cleanup() { for ((i = ${#cleanups[@]} - 1; i >= 0; i--)); do eval "${cleanups[i]}" || true; done; }
trap cleanup EXIT
# shellcheck source=tests/lib/tls-postgres.sh
source tests/lib/tls-postgres.sh
start_tls_postgres || { echo "bench/tls-connect.sh: $TLS_PG_ERROR" >&2; exit 1; }
psql -h "$TLS_PG_DIR" -p "$TLS_PG_PORT" -U postgres -qc "CREATE ROLE bench LOGIN PASSWORD 'bench'"

cargo build --quiet --release -p bench --bin tls-connect
runs=()
for _ in $(seq 1 "$processes"); do
  runs+=("$("$target/release/tls-connect" localhost "$TLS_PG_PORT" bench bench "$TLS_PG_CA" "$rounds")")
done
printf '%s\n' "${runs[@]}" | python3 -c '
import json, statistics, sys
runs = [json.loads(line) for line in sys.stdin if line.strip()]
print(f"verify-full connections to a local TLS PostgreSQL (scram-sha-256), {len(runs)} fresh processes:")
print("%-34s %22s %14s" % ("roots", "first of a process ms", "later ones ms"))
for key, label in (("server_ca_only", "the server CA only"), ("with_rds_bundle", "RDS bundle (92 CAs) + server CA")):
    first = statistics.median(run[key][0] for run in runs)
    later = statistics.median(t for run in runs for t in run[key][1:])
    print(f"{label:<34} {first:>22.2f} {later:>14.2f}")
print("(the bundle row runs second in each process, so its first connection is not a process first)")
'
