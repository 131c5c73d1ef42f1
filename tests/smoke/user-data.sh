#!/usr/bin/env bash
# `make test` never reads or writes the user's own database (.local/v3.db, where `make run`
# keeps it). Proved on a copy of the workspace, so that the real user's file is not touched
# by the proof either: the copy gets a .local/v3.db holding rows at exactly the tasks the
# smoke checks assert on (what someone using `make run` may well have written), then the
# copy's watch smoke test runs; it must pass, and the file must be byte-for-byte unchanged.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
copy=$(mktemp -d)
# Build caches are shared: the copy builds into this workspace's target directory.
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$repo/target}
trap 'rm -rf "$copy"' EXIT

# The working tree as it is (tracked and new files, nothing git ignores).
(cd "$repo" && git ls-files -z --cached --others --exclude-standard | tar -cf - --null -T - 2>/dev/null) | tar -xf - -C "$copy"

user_db="$copy/.local/v3.db"
(cd "$copy" && DATABASE_URL=sqlite://.local/v3.db cargo run --quiet -p seed)
python3 - "$user_db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
# The rows the issue reported: a user's own write to task 999999 and to task 2147483646.
db.execute("""INSERT INTO "ParametrosTareaSalida" ("idTarea", "NombreParametro", "Valor") VALUES (999999, 'warm', 'x')""")
db.execute("""INSERT INTO "ParametrosTareaSalida" ("idTarea", "NombreParametro", "Valor") VALUES (2147483646, 'alexitos4', 'y')""")
db.commit()
# Fold the WAL into the file, so that the file alone is the database being compared.
db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
db.close()
PY
before=$(sha256sum "$user_db" | cut -d' ' -f1)
listing_before=$(ls -la "$copy/.local")

status=0
bash "$copy/tests/smoke/watch.sh" || status=$?

after=$(sha256sum "$user_db" | cut -d' ' -f1)
listing_after=$(ls -la "$copy/.local")
failures=0
if ((status != 0)); then
  echo "FAIL the watch smoke test failed beside a used .local/v3.db (exit $status)"
  failures=$((failures + 1))
fi
if [[ $before != "$after" ]]; then
  echo "FAIL .local/v3.db changed during the smoke test ($before -> $after)"
  failures=$((failures + 1))
fi
if [[ $listing_before != "$listing_after" ]]; then
  echo "FAIL .local/ changed during the smoke test:"
  diff <(echo "$listing_before") <(echo "$listing_after") || true
  failures=$((failures + 1))
fi
if ((failures > 0)); then
  echo "user-data test: $failures failure(s)"
  exit 1
fi
echo "user-data test: the smoke test passed and .local/v3.db is byte-for-byte unchanged ($after)"
