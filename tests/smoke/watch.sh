#!/usr/bin/env bash
# The `make run` path end to end: `cargo lambda watch` with the workspace's router, real HTTP
# requests on the real paths, an embedded SQLite database seeded as `make run` seeds it.
# Checks exact bodies, a POST seen by a GET through another function, and the catch-all.
#
# Never the user's database: Cargo.toml gives the functions DATABASE_URL=sqlite://.local/v3.db,
# a path relative to the directory the emulator runs in, and cargo-lambda (1.9.2) lets that
# table win over --env-var/--env-file. So the emulator runs in a scratch directory of its own
# (with --manifest-path pointing back here): `.local/v3.db` is then that directory's file,
# made and thrown away by this test. tests/smoke/user-data.sh proves the user's file is untouched.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"

port=${SMOKE_PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
base="http://127.0.0.1:$port"
scratch=$(mktemp -d)
log="$scratch/watch.log"
# Cargo reads .cargo/config.toml from the directory it runs in: the scratch directory needs
# the workspace's, or its [env] would differ and every build would start over.
mkdir -p "$scratch/.cargo"
cp .cargo/config.toml "$scratch/.cargo/config.toml"

database_url=$(sed -n 's/^DATABASE_URL = "\(.*\)"$/\1/p' Cargo.toml)
case $database_url in
  sqlite://.local/*) ;;
  *) echo "FAIL Cargo.toml's lambda env DATABASE_URL '$database_url' is not relative to .local/: this test could reach the user's database"; exit 1 ;;
esac
(cd "$scratch" && DATABASE_URL=$database_url cargo run --quiet --manifest-path "$repo/Cargo.toml" -p seed)
# Build the functions first, so the emulator's `cargo run` finds them up to date.
cargo build --quiet --workspace --bins

(cd "$scratch" && exec setsid cargo lambda watch --manifest-path "$repo/Cargo.toml" --invoke-address 127.0.0.1 -P "$port") >"$log" 2>&1 &
watch_pid=$!
cleanup() {
  kill -- "-$watch_pid" 2>/dev/null || true
  wait "$watch_pid" 2>/dev/null || true
  rm -rf "$scratch"
}
trap cleanup EXIT

for _ in $(seq 1 120); do
  curl -s -o /dev/null "$base/" && break
  sleep 0.5
done

# shellcheck source=checks.sh
source tests/smoke/checks.sh
run_checks

# The POST above must have landed in the scratch database, not in some other file.
stored=$(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone())' \
  "$scratch/.local/v3.db" "SELECT \"Valor\" FROM \"ParametrosTareaSalida\" WHERE \"idTarea\" = 999999 AND \"NombreParametro\" = 'smoke'")
if [[ $stored != "('$value',)" ]]; then
  echo "FAIL the POST did not reach the scratch database $scratch/.local/v3.db (found $stored)"
  failures=$((failures + 1))
fi

if ((failures > 0)); then
  echo "watch smoke test: $failures failure(s); emulator log follows"
  tail -n 40 "$log"
  exit 1
fi
echo "watch smoke test: all checks passed"
