#!/usr/bin/env bash
# make bench-import: the import's speed on PostgreSQL. Writes a CSV export of ROWS (default
# 1,000,000) `Interacciones` rows as SSMS writes them (header, CRLF, NULL, quoted text with
# commas and quotes), creates a throwaway database, runs the release `import` on it twice (the
# first load into an empty table, then the rerun, where every row is an update) and prints
# rows/s for both. The database and the file are removed afterwards.
#
# Usage: bash bench/import.sh            (BENCH_ADMIN_URL: a PostgreSQL URL allowed to create
#        ROWS=200000 bash bench/import.sh  databases; default postgres://postgres@127.0.0.1:5432/postgres)
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${ROWS:-1000000}
admin_url=${BENCH_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
target=${CARGO_TARGET_DIR:-target}
database=v3_import_bench_$$
command -v psql >/dev/null || { echo "bench/import.sh needs psql (PostgreSQL's client tools)" >&2; exit 1; }

work=$(mktemp -d)
cleanup() {
  psql "$admin_url" -qc "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "bench/import.sh: writing $rows Interacciones rows…"
python3 - "$work/Interacciones.csv" "$rows" <<'PY'
import sys
path, rows = sys.argv[1], int(sys.argv[2])
header = ("idInteraccion,Inicio,idNumero,idCRM,Cliente,DNIS,ANI,idResultadoGestion,CausaTerminacion,CausaQ850,"
          "OrigenCorte,idCampania,idAgente,segmentos,Contexto,idMensaje,idCaso,idCliente,CerradaPorTiempoMaxACW,"
          "Duracion,idTarea")
with open(path, "w", encoding="utf-8", newline="") as out:
    out.write("\ufeff" + header + "\r\n")
    lines = []
    for n in range(rows):
        day, second = 1 + n % 28, n % 86400
        inicio = f"2021-06-{day:02d} {second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}.{n % 1000:03d}"
        crm = "NULL" if n % 7 == 0 else f"crm-{n}"
        contexto = "NULL" if n % 5 == 0 else f'"{{""campania"": {n % 50}, ""intento"": {n % 4}, ""nota"": ""Pérez, Juan""}}"'
        lines.append(
            f"21061422{n:07d}_ACD_{n % 100:05d},{inicio},{n % 1000},{crm},\"Cliente {n}, S.A.\",5550{n % 10000:04d},"
            f"11{n:08d},{n % 40},16,16,{n % 3},{n % 50},{n % 200},{1 + n % 4},{contexto},NULL,NULL,cli-{n},{n % 2},"
            f"{n * 37 % 3600000},{800 + n % 100}\r\n"
        )
        if len(lines) == 10000:
            out.write("".join(lines))
            lines.clear()
    out.write("".join(lines))
PY
ls -lh "$work/Interacciones.csv" | awk '{print "bench/import.sh: " $5 " of CSV"}'

cargo build --quiet --release -p import
psql "$admin_url" -qc "CREATE DATABASE $database"
database_url=$(python3 - "$admin_url" "$database" <<'PY'
import sys, urllib.parse
url = urllib.parse.urlsplit(sys.argv[1])
print(urllib.parse.urlunsplit(url._replace(path="/" + sys.argv[2])))
PY
)
run() {
  local label=$1 started ended output
  started=$(date +%s.%N)
  output=$(DATABASE_URL=$database_url "$target/release/import" "$work/Interacciones.csv" 2>"$work/stderr") || {
    cat "$work/stderr" >&2
    exit 1
  }
  ended=$(date +%s.%N)
  echo "$output" | sed 's/^/    /'
  echo "$output" | awk -v label="$label" -v started="$started" -v ended="$ended" '
    $1 == "Interacciones" { printf "%-28s %s rows read, %s written in %.1f s: %d rows/s (%.1f s for the whole command)\n", label, $2, $3, $4, $5, ended - started }'
  echo "$output" | awk -v label="$label" '$1 == "Interacciones" { printf "| %s | %s | %.1f | %d |\n", label, $2, $4, $5 }' >>"$work/rows.md"
}
echo "bench/import.sh: importing into a new database ($(psql "$admin_url" -Atc 'SHOW server_version' | cut -d' ' -f1), $(nproc) cores)"
run "first load (empty table):"
run "rerun (every row an update):"

# The section BENCHMARKS.md carries (`bench report` includes bench-results/import.md).
mkdir -p bench-results
{
  echo "## Import (\`make bench-import\`): CSV export of $rows Interacciones rows into PostgreSQL"
  echo
  echo "\`import\` on a $(ls -lh "$work/Interacciones.csv" | awk '{print $5}') SSMS-style export (header, CRLF, NULL, quoted text), into a new database;"
  echo "PostgreSQL $(psql "$admin_url" -Atc 'SHOW server_version' | cut -d' ' -f1) on loopback, $(nproc) cores. Rows are checked in Rust, streamed with COPY into a"
  echo "temporary table and merged with one INSERT … ON CONFLICT DO UPDATE, one transaction per file."
  echo
  echo "| run | rows | seconds | rows/s |"
  echo "|---|---:|---:|---:|"
  sed 's/:  *|/ |/' "$work/rows.md"
} >bench-results/import.md
echo "bench/import.sh: written to bench-results/import.md (make bench puts it in BENCHMARKS.md)"
