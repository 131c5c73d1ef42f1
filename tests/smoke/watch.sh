#!/usr/bin/env bash
# The `make run` path end to end: `cargo lambda watch` with the workspace's router, real HTTP
# requests on the real paths, the embedded SQLite database seeded as `make run` seeds it.
# Checks exact bodies, a POST seen by a GET through another function, and the catch-all.
set -euo pipefail
cd "$(dirname "$0")/../.."

port=${SMOKE_PORT:-9190}
base="http://127.0.0.1:$port"
log=$(mktemp)

DATABASE_URL=sqlite://.local/v3.db cargo run --quiet -p shared --bin seed
# Build the functions first, so the emulator's `cargo run` finds them up to date.
cargo build --quiet --workspace --bins

setsid cargo lambda watch --invoke-address 127.0.0.1 -P "$port" >"$log" 2>&1 &
watch_pid=$!
cleanup() {
  kill -- "-$watch_pid" 2>/dev/null || true
  wait "$watch_pid" 2>/dev/null || true
  rm -f "$log"
}
trap cleanup EXIT

for _ in $(seq 1 120); do
  curl -s -o /dev/null "$base/" && break
  sleep 0.5
done

# shellcheck source=checks.sh
source tests/smoke/checks.sh
run_checks

if ((failures > 0)); then
  echo "watch smoke test: $failures failure(s); emulator log follows"
  tail -n 40 "$log"
  exit 1
fi
echo "watch smoke test: all checks passed"
