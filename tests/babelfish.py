#!/usr/bin/env python3
"""DB_LAYOUT=babelfish end to end: MitACD built as SQL Server sees it, then `serve` and one
Lambda function reading and writing it where Babelfish keeps it.

Two targets, each reported by name:

* "babelfish (real)": a real Babelfish for Aurora PostgreSQL, when BABELFISH_TDS_URL
  (mssql://user:password@host:port) and BABELFISH_PG_URL (postgres://…/babelfish_db) are set.
  MitACD is created over TDS with a SQL Server client (pymssql), in a T-SQL database of the
  test's own, with CONTRACT section 5's SQL Server types; the demo rows are loaded over TDS.
  A POSTed slot is then read back over TDS, as the legacy applications would read it. The
  Rust contract tests named `real_babelfish_*` (ignored, by name, in a plain `cargo test`) also run against it (same bytes as the default
  layout for every demo row; every lookup an index lookup, by EXPLAIN on the Babelfish side).
  Without those variables this target is reported NOT RUN (no registry ships Babelfish).
* "babelfish (stand-in)": a PostgreSQL database of the test's own (TEST_DATABASE_URL; required
  under CI=true) laid out as Babelfish lays MitACD out: tables in `mitacd_dbo`, names
  lowercased, typed with stand-ins for `sys.varchar`, `sys.datetime` and `sys.tinyint`
  (tests/contract/fixtures/babelfish-types.postgres.sql, which says what they cannot copy).

On each: `serve --check` passes; `serve` (DB_LAYOUT=babelfish) answers the smoke checks
(exact bodies, a POST seen by a GET, errors); the get-full-interaction function, run under a
minimal Lambda Runtime API, answers the seed interaction byte for byte; after a column is
dropped, `serve --check` names it and a request needing it is 503 with the cause logged.

The table definitions come from docs/CONTRACT.md (section 5), not from the Rust code, so a
column the code misspells fails here.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target")) / "debug"
FULL_INTERACTION = (REPO / "tests/contract/fixtures/full-interaction-seed.json").read_text().strip()
failures: list[str] = []


def check(what: str, ok: bool, detail: str = "") -> None:
    print(f"{'ok  ' if ok else 'FAIL'} {what}" + (f": {detail}" if detail and not ok else ""))
    if not ok:
        failures.append(what)


# --- MitACD from the contract -------------------------------------------------------------

def contract_tables() -> list[dict]:
    """CONTRACT section 5's table: [{name, columns: [(name, sql_server_type, not_null)], key}]."""
    text = (REPO / "docs/CONTRACT.md").read_text()
    section = text.split("## 5. Storage", 1)[1].split("\n## 6.", 1)[0]
    tables = []
    for line in section.splitlines():
        match = re.match(r"^\| `(\w+)`(?:, `(\w+)`)? \| (.+) \|$", line)
        if not match:
            continue
        spec = match.group(3)
        key: list[str] = []
        pk = re.search(r"; PK \(([^)]*)\)$", spec)
        if pk:
            key = [k.strip() for k in pk.group(1).split(",")]
            spec = spec[: pk.start()]
        columns = []
        for item in spec.split(", "):
            words = item.split()
            name, sql_type, rest = words[0], words[1], words[2:]
            if "PK" in rest:
                key.append(name)
            columns.append((name, sql_type, "PK" in rest or "NOT" in rest or name in key))
        for table in filter(None, (match.group(1), match.group(2))):
            tables.append({"name": table, "columns": columns, "key": key})
    # Lookups before the tables that point at them does not matter without foreign keys.
    assert len(tables) == 10, f"CONTRACT section 5 lists 10 tables, parsed {len(tables)}"
    return tables


def demo_rows() -> dict[str, list[dict]]:
    """The demo rows by table (shared/data/demo-data.json; keys starting with _ are notes)."""
    data = json.loads((REPO / "shared/data/demo-data.json").read_text())
    return {table: rows for table, rows in data.items() if not table.startswith("_")}


def sql_literal(value, sql_type: str) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if sql_type == "datetime":
        # ISO 8601 with a Z: both sides take 'YYYY-MM-DD HH:MM:SS.mmm'.
        text = text.replace("T", " ").rstrip("Z")
    return "'" + text.replace("'", "''") + "'"


# --- the two targets ----------------------------------------------------------------------

class Target:
    label: str
    schema: str
    pg_url: str

    def build(self, tables, rows) -> None: ...
    def stored_slot(self) -> str | None: ...
    def drop_column(self, table: str, column: str) -> None: ...
    def cleanup(self) -> None: ...


class StandIn(Target):
    """A PostgreSQL database of the test's own, laid out as Babelfish lays out MitACD."""

    TYPES = {"int": "integer", "bigint": "bigint", "tinyint": "sys.tinyint", "datetime": "sys.datetime",
             "varchar(max)": "sys.varchar"}
    SYS_TYPES = REPO / "tests/contract/fixtures/babelfish-types.postgres.sql"

    def __init__(self, admin_url: str):
        self.label = "babelfish (stand-in)"
        self.admin_url = admin_url
        self.name = f"v3bf_script_{os.getpid()}"
        self.schema = "mitacd_dbo"
        self.pg_url = admin_url.rsplit("/", 1)[0] + "/" + self.name

    def psql(self, url: str, sql: str) -> str:
        done = subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-qAtX"], input=sql, text=True, capture_output=True)
        if done.returncode != 0:
            raise RuntimeError(f"psql: {done.stderr.strip()}")
        return done.stdout

    def build(self, tables, rows) -> None:
        self.psql(self.admin_url, f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE); CREATE DATABASE {self.name};")
        sql = [self.SYS_TYPES.read_text(), f"CREATE SCHEMA {self.schema};"]
        for table in tables:
            columns = ", ".join(
                f"{name.lower()} {self.TYPES.get(sql_type, 'sys.' + sql_type)}{' NOT NULL' if not_null else ''}"
                for name, sql_type, not_null in table["columns"]
            )
            key = ", ".join(k.lower() for k in table["key"])
            sql.append(f"CREATE TABLE {self.schema}.{table['name'].lower()} ({columns}, PRIMARY KEY ({key}));")
            sql += insert_statements(f"{self.schema}.{table['name'].lower()}", table, rows, str.lower)
        self.psql(self.pg_url, "\n".join(sql))

    def stored_slot(self) -> str | None:
        out = self.psql(
            self.pg_url,
            f"SELECT valor FROM {self.schema}.parametrostareasalida WHERE idtarea = 999999 AND nombreparametro = 'smoke'",
        ).strip()
        return out or None

    def drop_column(self, table: str, column: str) -> None:
        self.psql(self.pg_url, f"ALTER TABLE {self.schema}.{table.lower()} DROP COLUMN {column.lower()}")

    def cleanup(self) -> None:
        self.psql(self.admin_url, f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")


class RealBabelfish(Target):
    """A real Babelfish: MitACD created and filled over TDS, read by the API over PostgreSQL."""

    def __init__(self, tds_url: str, pg_url: str):
        import pymssql  # noqa: F401 (checked before use)

        self.label = "babelfish (real)"
        tds = urllib.parse.urlparse(tds_url)
        self.connect_args = dict(
            server=tds.hostname, port=tds.port or 1433, user=urllib.parse.unquote(tds.username or ""),
            password=urllib.parse.unquote(tds.password or ""), autocommit=True,
        )
        # A T-SQL database of the test's own: Babelfish (multi-db) keeps its dbo in <name>_dbo.
        self.database = f"MitACD_v3test_{os.getpid()}"
        self.schema = f"{self.database.lower()}_dbo"
        self.pg_url = pg_url

    def tds(self, *statements: str, fetch: bool = False):
        import pymssql

        with pymssql.connect(**self.connect_args) as connection:
            cursor = connection.cursor()
            cursor.execute(f"USE [{self.database}]") if fetch or statements[0] != "master" else None
            result = None
            for statement in statements[1:] if statements[0] == "master" else statements:
                cursor.execute(statement)
                if fetch:
                    result = cursor.fetchall()
            return result

    def build(self, tables, rows) -> None:
        self.tds("master", f"IF DB_ID('{self.database}') IS NOT NULL DROP DATABASE [{self.database}]",
                 f"CREATE DATABASE [{self.database}]")
        statements = []
        for table in tables:
            columns = ", ".join(
                f"[{name}] {sql_type}{' NOT NULL' if not_null else ' NULL'}" for name, sql_type, not_null in table["columns"]
            )
            key = ", ".join(f"[{k}]" for k in table["key"])
            statements.append(
                f"CREATE TABLE dbo.[{table['name']}] ({columns}, CONSTRAINT [PK_{table['name']}] PRIMARY KEY ({key}))"
            )
            statements += insert_statements(f"dbo.[{table['name']}]", table, rows, lambda name: f"[{name}]")
        self.tds(*statements)

    def stored_slot(self) -> str | None:
        rows = self.tds(
            "SELECT Valor FROM dbo.ParametrosTareaSalida WHERE idTarea = 999999 AND NombreParametro = 'smoke'", fetch=True
        )
        return rows[0][0] if rows else None

    def drop_column(self, table: str, column: str) -> None:
        self.tds(f"ALTER TABLE dbo.[{table}] DROP COLUMN [{column}]")

    def cleanup(self) -> None:
        self.tds("master", f"DROP DATABASE [{self.database}]")


def insert_statements(qualified: str, table: dict, rows: dict, spell) -> list[str]:
    statements = []
    types = {name: sql_type for name, sql_type, _ in table["columns"]}
    for row in rows.get(table["name"], []):
        names = [name for name in row if name in types]
        values = ", ".join(sql_literal(row[name], types[name]) for name in names)
        statements.append(f"INSERT INTO {qualified} ({', '.join(spell(n) for n in names)}) VALUES ({values});")
    return statements


# --- the API against a target -------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def layout_env(target: Target) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DB_", "DATABASE_URL"))}
    env.update(DATABASE_URL=target.pg_url, DB_LAYOUT="babelfish", DB_SCHEMA=target.schema)
    return env


def serve_check(target: Target) -> subprocess.CompletedProcess:
    return subprocess.run([BIN / "serve", "--check"], env=layout_env(target), capture_output=True, text=True, timeout=60)


def run_serve_checks(target: Target) -> None:
    port = free_port()
    log = open(f"/tmp/v3-babelfish-serve-{os.getpid()}.log", "w+")
    env = layout_env(target) | {"HOST": "127.0.0.1", "PORT": str(port), "SERVE_OPEN": "1"}
    serve = subprocess.Popen([BIN / "serve"], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
            except urllib.error.HTTPError:
                break
            except OSError:
                time.sleep(0.1)
        smoke = subprocess.run(
            ["bash", "-c", "source tests/smoke/checks.sh; run_checks; exit $failures"],
            cwd=REPO, env=os.environ | {"base": f"http://127.0.0.1:{port}"}, capture_output=True, text=True,
        )
        bad = [line for line in smoke.stdout.splitlines() if not line.startswith("ok")]
        check(f"{target.label}: serve answers the smoke checks (exact bodies, POST then GET, errors)",
              smoke.returncode == 0, "\n".join(bad))
        check(f"{target.label}: the POSTed slot is in MitACD's ParametrosTareaSalida",
              (target.stored_slot() or "").startswith("smoke-"), repr(target.stored_slot()))
        status, body = post(f"http://127.0.0.1:{port}/v3/parameters/outgoing",
                            '[{"task_id":999998,"key":"Caso","value":"a"},{"task_id":999998,"key":"caso","value":"b"}]')
        if isinstance(target, RealBabelfish):
            # MitACD's collation ignores case, as SQL Server's: one slot, named twice.
            check(f"{target.label}: two keys differing only in case in one batch are 400 (one MitACD slot)",
                  status == 400 and "differ only in case" in body, f"{status} {body}")
        else:
            check(f"{target.label}: two keys differing only in case are two slots (exact collation)",
                  status == 201, f"{status} {body}")
        target.drop_column("Agentes", "rol")
        status, body = get(f"http://127.0.0.1:{port}/v3/agents/8")
        check(f"{target.label}: a request needing a dropped column is 503, nothing leaked",
              status == 503 and "rol" not in body and "SELECT" not in body, f"{status} {body}")
    finally:
        serve.terminate()
        serve.wait(timeout=15)
    log.seek(0)
    logged = log.read()
    check(f"{target.label}: serve's first request checked the schema",
          "schema check: the database has every table and column the API needs" in logged, logged[-2000:])
    check(f"{target.label}: serve's log names the missing column as the 503's cause",
          re.search(r'"level":"WARN".*rol.*does not exist|rol.*does not exist', logged) is not None, logged[-2000:])
    checked = serve_check(target)
    check(f"{target.label}: serve --check then fails and names it",
          checked.returncode == 1 and f"column {target.schema}.agentes.rol" in checked.stdout,
          checked.stdout + checked.stderr)


def post(url: str, body: str) -> tuple[int, str]:
    request = urllib.request.Request(url, data=body.encode(), headers={"content-type": "application/json"})
    return get(request)


def get(url) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as reply:
            return reply.status, reply.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


class RuntimeApi:
    """Just enough of the Lambda Runtime API to hand a function one event and take its answer."""

    def __init__(self, event: dict):
        self.event, self.answer, self.answered = event, None, threading.Event()
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                if api.answered.is_set() or getattr(api, "handed", False):
                    time.sleep(60)  # the function waits for a next event that never comes
                    return
                api.handed = True
                body = json.dumps(api.event).encode()
                self.send_response(200)
                for name, value in [("Lambda-Runtime-Aws-Request-Id", "babelfish-1"),
                                    ("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 30000)),
                                    ("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:000000000000:function:get-full-interaction"),
                                    ("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000"),
                                    ("Content-Length", str(len(body)))]:
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                api.answer = (self.path, self.rfile.read(length))
                self.send_response(202)
                self.send_header("Content-Length", "0")
                self.end_headers()
                api.answered.set()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.address = f"127.0.0.1:{self.server.server_address[1]}"


def run_function_check(target: Target) -> None:
    event = json.loads((REPO / "events/get-full-interaction.json").read_text())
    runtime = RuntimeApi(event)
    env = layout_env(target) | {
        "AWS_LAMBDA_RUNTIME_API": runtime.address, "AWS_LAMBDA_FUNCTION_NAME": "get-full-interaction",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128", "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
    }
    function = subprocess.Popen([BIN / "get-full-interaction"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True)
    answered = runtime.answered.wait(timeout=60)
    function.kill()
    logged = function.communicate()[0]
    runtime.server.shutdown()
    check(f"{target.label}: the function's first request checks MitACD's schema and logs that nothing is missing",
          "schema check: the database has every table and column the API needs" in logged, logged[-2000:])
    answer = json.loads(runtime.answer[1]) if answered and runtime.answer else {}
    check(f"{target.label}: the get-full-interaction function answers the seed interaction byte for byte",
          answered and answer.get("statusCode") == 200 and answer.get("body") == FULL_INTERACTION,
          json.dumps(answer)[:500])


def run_real_rust_tests(target: RealBabelfish) -> None:
    env = os.environ | {"BABELFISH_PG_URL": target.pg_url, "BABELFISH_SCHEMA": target.schema}
    done = subprocess.run(["cargo", "test", "--quiet", "-p", "contract-tests", "--test", "contract", "real_babelfish",
                           "--", "--ignored"],
                          cwd=REPO, env=env, capture_output=True, text=True)
    summary = re.search(r"test result: \w+\. (\d+) passed; (\d+) failed", done.stdout)
    ran = int(summary.group(1)) if summary else 0
    check(f"{target.label}: the contract tests real_babelfish_* ({ran} passed: same bytes as the default layout, "
          "index lookups by EXPLAIN)", done.returncode == 0 and ran == 2, done.stdout[-3000:] + done.stderr[-3000:])


def run(target: Target, rust_tests: bool) -> None:
    print(f"-- {target.label}")
    try:
        target.build(contract_tables(), demo_rows())
        checked = serve_check(target)
        check(f"{target.label}: serve --check finds every table and column", checked.returncode == 0,
              checked.stdout + checked.stderr)
        if rust_tests:
            run_real_rust_tests(target)  # before the smoke checks write and drop a column
        run_function_check(target)
        run_serve_checks(target)
    finally:
        target.cleanup()


def main() -> int:
    subprocess.run(["cargo", "build", "--quiet", "-p", "serve", "-p", "get-full-interaction"], cwd=REPO, check=True)
    tds_url, pg_url = os.environ.get("BABELFISH_TDS_URL"), os.environ.get("BABELFISH_PG_URL")
    if tds_url and pg_url:
        try:
            import pymssql  # noqa: F401
        except ImportError:
            subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                            "pymssql==2.3.13"], check=True)
        run(RealBabelfish(tds_url, pg_url), rust_tests=True)
    else:
        print("NOT RUN babelfish (real): BABELFISH_TDS_URL and BABELFISH_PG_URL are not set "
              "(no package registry ships Babelfish; the stand-in below runs the same checks)")
    admin_url = os.environ.get("TEST_DATABASE_URL")
    if admin_url:
        run(StandIn(admin_url), rust_tests=False)
    elif os.environ.get("CI") == "true":
        check("babelfish (stand-in): TEST_DATABASE_URL is set (CI=true must not skip)", False)
    else:
        print("NOT RUN babelfish (stand-in): TEST_DATABASE_URL is not set")
    if failures:
        print(f"babelfish: {len(failures)} failure(s)")
        return 1
    print("babelfish: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
