#!/usr/bin/env python3
"""No key, secret, token or request body in any log line, at any level, through the real runtime.

Runs the real function binaries (debug builds) against a Lambda Runtime API of this script's
own (the 2018-06-01 protocol `lambda_runtime` speaks: GET .../invocation/next, POST
.../response), so every line is written by the binaries' real logging set-up, the runtime's
and the AWS SDK's included. Each binary runs at TRACE and DEBUG as Lambda sets them
(AWS_LAMBDA_LOG_LEVEL, AWS_LAMBDA_LOG_FORMAT=JSON), and once more with no Lambda level and a
RUST_LOG that asks every dependency for TRACE. Everything the process writes (stdout and
stderr) is read back, and no line may hold:

- the API key (or a long piece of it), or its SHA-256;
- the API keys secret's text or any hash in it;
- the AWS secret access key, session token, or a SigV4 signature;
- the database password, or the database secret's text (PostgreSQL runs);
- the POST body's values (which the GET then answers with).

And the lines must be there: each run must show the function's own lines (the allowed
client, the deny reasons, the authorizer's DEBUG line, the access log line) and the logging
set-up's own DEBUG line, which names the level it was given: the test saw the process's
output at the level asked for. The route functions' access-log line and EMF line must carry
the invocation's X-Ray trace id (the Root of the Lambda-Runtime-Trace-Id this Runtime API
hands over), through the real runtime.

Functions: the authorizer (keys secret in moto: allowed by x-api-key and by Bearer, denied
for an unknown key and for none); put-outgoing-parameters and get-outgoing-parameters on a
scratch SQLite database; with PostgreSQL, the same two with DB_AUTH_MODE=secrets-manager
(the password read from moto, TLS to a password-checking PostgreSQL) and a GET with
DB_AUTH_MODE=iam (an IAM token signed with the session credentials; the server refuses it).

Run it with `bash tests/log_leaks.sh`, which starts moto and the PostgreSQL and builds the
binaries; it sets AWS_ENDPOINT_URL, LOG_LEAKS_BIN_DIR and, for PostgreSQL, LOG_LEAKS_PG_*.
LOG_LEAKS_KEEP=1 keeps every run's log (the folder is printed at the end).
"""

import hashlib
import json
import os
import queue
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import itertools
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN_DIR = Path(os.environ["LOG_LEAKS_BIN_DIR"])
ENDPOINT = os.environ["AWS_ENDPOINT_URL"]

# The credentials the SDK signs with. moto accepts any; these are distinctive so that a
# line holding one is found.
ACCESS_KEY_ID = "AKIALOGLEAKS" + secrets.token_hex(4).upper()
SECRET_ACCESS_KEY = "leaksecretaccess" + secrets.token_hex(12)
SESSION_TOKEN = "leaksessiontoken" + secrets.token_hex(16)

KEY = "v3k_" + secrets.token_hex(32)
OTHER_KEY = "v3k_" + secrets.token_hex(32)  # a key the secret does not hold
OTHER_HASH = hashlib.sha256(("v3k_" + secrets.token_hex(32)).encode()).hexdigest()
KEYS_SECRET = json.dumps(
    {
        "keys": [
            {"client": "dialer-a", "sha256": hashlib.sha256(KEY.encode()).hexdigest(), "created": "2026-11-05T10:00:00Z"},
            {"client": "dialer-b", "sha256": OTHER_HASH},
        ]
    }
)

# The invocation's X-Ray trace header, as Lambda's Runtime API hands it over; its Root is the
# trace id the route functions' lines must carry.
TRACE_ROOT = f"1-{int(time.time()):08x}-{secrets.token_hex(12)}"
TRACE_HEADER = f"Root={TRACE_ROOT};Parent={secrets.token_hex(8)};Sampled=1"

TASK_ID = 900000 + secrets.randbelow(99999)
PARAMETER_NAME = "leakname" + secrets.token_hex(6)
PARAMETER_VALUE = "leakvalue" + secrets.token_hex(8)

RUST_LOG_EVERYTHING = (
    "trace,lambda_runtime=trace,lambda_runtime_api_client=trace,lambda_http=trace,aws_smithy_runtime=trace,"
    "aws_smithy_http_client=trace,aws_sigv4=trace,aws_config=trace,aws_runtime=trace,aws_sdk_secretsmanager=trace,"
    "hyper=trace,hyper_util=trace,h2=trace,rustls=trace,sqlx=trace,sqlx_postgres=trace,tower=trace,tower_http=trace"
)

# (label, environment, the logging set-up's own DEBUG line, which proves the level reached our
# code): Lambda's controls as the template sets them, then RUST_LOG alone (a local run) asking
# every noisy dependency for everything.
LEVELS = [
    ("AWS_LAMBDA_LOG_LEVEL=TRACE (JSON)", {"AWS_LAMBDA_LOG_LEVEL": "TRACE", "AWS_LAMBDA_LOG_FORMAT": "JSON"}, "logging at TRACE;"),
    ("AWS_LAMBDA_LOG_LEVEL=DEBUG (JSON)", {"AWS_LAMBDA_LOG_LEVEL": "DEBUG", "AWS_LAMBDA_LOG_FORMAT": "JSON"}, "logging at DEBUG;"),
    ("RUST_LOG=trace,<every dependency>=trace (text)", {"RUST_LOG": RUST_LOG_EVERYTHING}, f"logging at {RUST_LOG_EVERYTHING};"),
]


class RuntimeApi:
    """The Runtime API for one process: hands out queued events, collects the answers."""

    def __init__(self):
        self.events = queue.Queue()
        self.answers = queue.Queue()
        self.closed = threading.Event()
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def reply(self, status, body=b"", headers=()):
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                if self.path != "/2018-06-01/runtime/invocation/next":
                    return self.reply(404)
                while not api.closed.is_set():
                    try:
                        request_id, event = api.events.get(timeout=0.2)
                    except queue.Empty:
                        continue
                    return self.reply(
                        200,
                        json.dumps(event).encode(),
                        [
                            ("Lambda-Runtime-Aws-Request-Id", request_id),
                            ("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 30_000)),
                            ("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:logleaks"),
                            ("Lambda-Runtime-Trace-Id", TRACE_HEADER),
                            ("Content-Type", "application/json"),
                        ],
                    )
                self.reply(410)

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.reply(202)
                api.answers.put((self.path, body))

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                pass  # a stopped function drops its long-poll: not news

        self.server = Server(("127.0.0.1", 0), Handler)
        self.address = f"127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def invoke(self, event, process, timeout=30):
        request_id = str(uuid.uuid4())
        self.events.put((request_id, event))
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                path, body = self.answers.get(timeout=0.2)
            except queue.Empty:
                if process.poll() is not None:
                    raise RuntimeError(f"the function exited ({process.returncode}) before answering")
                continue
            if path == f"/2018-06-01/runtime/invocation/{request_id}/response":
                return json.loads(body)
            raise RuntimeError(f"the function answered {path}: {body[:300]!r}")
        raise RuntimeError("no answer within the timeout")

    def close(self):
        self.closed.set()
        self.server.shutdown()
        self.server.server_close()


RUN_NUMBER = itertools.count(1)


def base_env():
    """A Lambda-like environment: nothing of the caller's logging or AWS settings."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/logleaks",
        "AWS_LAMBDA_LOG_STREAM_NAME": "2026/11/05/[$LATEST]logleaks",
        "AWS_ENDPOINT_URL": ENDPOINT,
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": ACCESS_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
        "AWS_SESSION_TOKEN": SESSION_TOKEN,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    }
    return env


def run_function(binary, env, events, log_path):
    if os.environ.get("LOG_LEAKS_KEEP"):
        # Every run's log kept under its own name.
        log_path = Path(log_path)
        log_path = log_path.with_name(f"{log_path.stem}-{next(RUN_NUMBER):02}{log_path.suffix}")
    """Starts the binary on a Runtime API of its own, invokes it with each event, stops it.
    Returns the answers and everything the process wrote."""
    api = RuntimeApi()
    env = dict(env, AWS_LAMBDA_RUNTIME_API=api.address, AWS_LAMBDA_FUNCTION_NAME=binary)
    with open(log_path, "wb") as log:
        process = subprocess.Popen([str(BIN_DIR / binary)], env=env, stdout=log, stderr=subprocess.STDOUT, cwd=REPO)
        try:
            answers = [api.invoke(event, process) for event in events]
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            api.close()
    return answers, Path(log_path).read_text(errors="replace")


# --- moto -----------------------------------------------------------------------------


def aws_json(target, payload):
    """One Secrets Manager call to moto (its JSON protocol; moto checks no signature)."""
    request = urllib.request.Request(
        ENDPOINT,
        data=json.dumps(payload).encode(),
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": f"secretsmanager.{target}",
            "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/secretsmanager/aws4_request, "
            "SignedHeaders=host, Signature=0",
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def create_secret(name, text):
    return aws_json("CreateSecret", {"Name": f"{name}-{uuid.uuid4().hex[:8]}", "SecretString": text})["ARN"]


# --- events ---------------------------------------------------------------------------


def load_event(name):
    return json.loads((REPO / "events" / name).read_text())


def authorizer_event(headers):
    event = load_event("authorizer.json")
    event["headers"] = {k: v for k, v in event["headers"].items() if k not in ("x-api-key", "authorization")}
    event["headers"].update(headers)
    event["identitySource"] = list(headers.values())
    return event


# API Gateway passes the caller's headers on to the route's function: the key among them.
ROUTE_HEADERS = {"x-api-key": KEY, "authorization": f"Bearer {KEY}"}


def post_event():
    event = load_event("put-outgoing-parameters.json")
    event["headers"].update(ROUTE_HEADERS)
    event["body"] = json.dumps({"task_id": TASK_ID, "key": PARAMETER_NAME, "value": PARAMETER_VALUE})
    return event


def get_event():
    event = load_event("get-outgoing-parameters.json")
    event["headers"].update(ROUTE_HEADERS)
    event["rawPath"] = f"/v3/parameters/outgoing/{TASK_ID}"
    event["requestContext"]["http"]["path"] = f"/v3/parameters/outgoing/{TASK_ID}"
    event["pathParameters"] = {"task_id": str(TASK_ID)}
    return event


# --- checks ---------------------------------------------------------------------------


def forbidden_values(extra):
    """(what, text) pairs no log line may hold."""
    values = [
        ("the API key", KEY),
        ("a piece of the API key", KEY[4:36]),
        ("a piece of the API key", KEY[36:]),
        ("the unknown API key", OTHER_KEY),
        ("a piece of the unknown API key", OTHER_KEY[4:36]),
        ("the API key's SHA-256", hashlib.sha256(KEY.encode()).hexdigest()),
        ("the unknown key's SHA-256", hashlib.sha256(OTHER_KEY.encode()).hexdigest()),
        ("a hash from the keys secret", OTHER_HASH),
        ("the keys secret's text", KEYS_SECRET[:40]),
        ("the AWS secret access key", SECRET_ACCESS_KEY),
        ("the AWS session token", SESSION_TOKEN),
        ("the POST body's parameter name", PARAMETER_NAME),
        ("the POST body's value", PARAMETER_VALUE),
    ]
    return values + extra


# A SigV4 signature (an Authorization header's, or a presigned URL's such as an IAM token).
SIGNATURE = re.compile(r"(?i)(signature=|x-amz-security-token[=:])\s*[0-9a-z%/+]{16,}")


def leaks(text, forbidden):
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        for what, value in forbidden:
            if value and value in line:
                found.append((number, what, line.replace(value, f"<{what}>")))
        if SIGNATURE.search(line):
            found.append((number, "a SigV4 signature", SIGNATURE.sub(r"\1<signature>", line)))
    return found


class Results:
    def __init__(self):
        self.failures = 0
        self.checks = 0

    def check(self, ok, label, detail=""):
        self.checks += 1
        if ok:
            return True
        self.failures += 1
        print(f"FAIL {label}" + (f"\n{detail}" if detail else ""))
        return False


def show(lines, limit=12):
    out = []
    for number, what, line in lines[:limit]:
        line = line if len(line) <= 400 else line[:400] + "…"
        out.append(f"    line {number} ({what}): {line}")
    if len(lines) > limit:
        out.append(f"    … and {len(lines) - limit} more")
    return "\n".join(out)


def check_run(results, name, level, text, forbidden, expected):
    label = f"{name} at {level}"
    lines = text.splitlines()
    results.check(bool(lines), f"{label}: the process wrote no log line at all")
    for needle in expected:
        results.check(needle in text, f"{label}: no log line holds {needle!r}", indent(text))
    found = leaks(text, forbidden)
    ok = results.check(not found, f"{label}: {len(found)} log line(s) hold a secret or the request's data", show(found))
    print(f"{'ok  ' if ok else 'LEAK'} {label}: {len(lines)} log lines")


def check_trace(results, label, text):
    """The access-log line (JSON or text) names the invocation's trace id, and so does the
    EMF line (its TraceId property)."""
    served = [line for line in text.splitlines() if "request served" in line]
    results.check(
        bool(served) and all(TRACE_ROOT in line for line in served),
        f"{label}: the access-log line lacks the trace id {TRACE_ROOT}",
        indent("\n".join(served)),
    )
    emf = []
    for line in text.splitlines():
        if line.startswith("{") and '"_aws"' in line:
            try:
                emf.append(json.loads(line))
            except ValueError:
                pass
    results.check(
        len(emf) == 1 and emf[0].get("TraceId") == TRACE_ROOT,
        f"{label}: not one EMF line with TraceId {TRACE_ROOT}",
        indent("\n".join(json.dumps(line) for line in emf)),
    )


def indent(text, limit=30):
    lines = text.splitlines()
    tail = lines[-limit:]
    return "\n".join("    " + (line if len(line) <= 300 else line[:300] + "…") for line in tail)


def body_of(answer):
    return answer.get("body") or ""


# --- the runs -------------------------------------------------------------------------


def authorizer_runs(results, scratch):
    secret_arn = create_secret("logleaks-keys", KEYS_SECRET)
    env = dict(base_env(), API_KEYS_SECRET_ARN=secret_arn, API_KEYS_CACHE_SECONDS="0")
    events = [
        authorizer_event({"x-api-key": KEY}),
        authorizer_event({"authorization": f"Bearer {KEY}"}),
        authorizer_event({"x-api-key": OTHER_KEY}),
        authorizer_event({}),
    ]
    for level, level_env, set_up in LEVELS:
        answers, text = run_function("authorizer", dict(env, **level_env), events, scratch / "authorizer.log")
        verdicts = [answer.get("isAuthorized") for answer in answers]
        results.check(verdicts == [True, True, False, False], f"authorizer at {level}: answers {answers}")
        check_run(
            results,
            "authorizer",
            level,
            text,
            forbidden_values([]),
            [set_up, "allowed", "dialer-a", "unknown API key", "no API key", "API keys loaded"],
        )


def route_runs(results, scratch, name, env, forbidden):
    for level, level_env, set_up in LEVELS:
        run_env = dict(env, **level_env)
        answers, post_log = run_function("put-outgoing-parameters", run_env, [post_event()], scratch / "put.log")
        status = answers[0].get("statusCode")
        results.check(status in (200, 201), f"{name} POST at {level}: status {status}: {body_of(answers[0])[:300]}")
        check_run(results, f"{name} put-outgoing-parameters", level, post_log, forbidden, [set_up, "request served"])
        check_trace(results, f"{name} put-outgoing-parameters at {level}", post_log)
        answers, get_log = run_function("get-outgoing-parameters", run_env, [get_event()], scratch / "get.log")
        status = answers[0].get("statusCode")
        results.check(status == 200, f"{name} GET at {level}: status {status}: {body_of(answers[0])[:300]}")
        results.check(PARAMETER_VALUE in body_of(answers[0]), f"{name} GET at {level}: the POST's value is not in the answer")
        check_run(results, f"{name} get-outgoing-parameters", level, get_log, forbidden, [set_up, "request served"])
        check_trace(results, f"{name} get-outgoing-parameters at {level}", get_log)


def sqlite_runs(results, scratch):
    database = scratch / "logleaks.db"
    url = f"sqlite://{database}"
    subprocess.run([str(BIN_DIR / "seed")], env=dict(os.environ, DATABASE_URL=url), check=True, stdout=subprocess.DEVNULL)
    env = dict(base_env(), DATABASE_URL=url)
    route_runs(results, scratch, "SQLite", env, forbidden_values([]))


def postgres_runs(results, scratch):
    port = os.environ["LOG_LEAKS_PG_PORT"]
    socket_dir = os.environ["LOG_LEAKS_PG_SOCKET_DIR"]
    ca = os.environ["LOG_LEAKS_PG_CA"]
    role = f"logleaks_{os.getpid()}"
    password = "leakpassword" + secrets.token_hex(12)
    database = role
    psql = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", socket_dir, "-p", port, "-U", "postgres", "-d", "postgres"]
    subprocess.run(psql + ["-c", f"CREATE ROLE {role} LOGIN PASSWORD '{password}'"], check=True)
    subprocess.run(psql + ["-c", f"CREATE DATABASE {database} OWNER {role}"], check=True)
    url = f"postgres://{role}:{password}@localhost:{port}/{database}?sslmode=verify-full&sslrootcert={ca}"
    subprocess.run([str(BIN_DIR / "seed")], env=dict(os.environ, DATABASE_URL=url), check=True, stdout=subprocess.DEVNULL)

    db_secret = json.dumps(
        {"engine": "postgres", "username": role, "password": password, "host": "localhost", "port": int(port), "dbname": database}
    )
    secret_arn = create_secret("logleaks-db", db_secret)
    forbidden = forbidden_values([("the database password", password), ("the database secret's text", db_secret[:40])])
    common = dict(base_env(), DB_HOST="localhost", DB_PORT=port, DB_NAME=database, DB_CA_BUNDLE=ca)
    route_runs(
        results,
        scratch,
        "PostgreSQL (secrets-manager)",
        dict(common, DB_AUTH_MODE="secrets-manager", DB_SECRET_ARN=secret_arn),
        forbidden,
    )

    # IAM: the function signs a token with the session credentials; this server checks
    # passwords, so the login is refused (503) after the token was made and sent.
    env = dict(common, DB_AUTH_MODE="iam", DB_USER=role)
    for level, level_env, set_up in LEVELS:
        answers, text = run_function("get-outgoing-parameters", dict(env, **level_env), [get_event()], scratch / "iam.log")
        status = answers[0].get("statusCode")
        results.check(status == 503, f"PostgreSQL (iam) GET at {level}: status {status} (expected 503: the token is refused)")
        check_run(results, "PostgreSQL (iam) get-outgoing-parameters", level, text, forbidden, [set_up, "request served"])


def main():
    for binary in ("authorizer", "put-outgoing-parameters", "get-outgoing-parameters", "seed"):
        if not (BIN_DIR / binary).is_file():
            sys.exit(f"FAIL {BIN_DIR / binary} is missing: build it first (bash tests/log_leaks.sh does)")
    results = Results()
    scratch = Path(tempfile.mkdtemp(prefix="v3-log-leaks."))
    try:
        authorizer_runs(results, scratch)
        sqlite_runs(results, scratch)
        if os.environ.get("LOG_LEAKS_PG_PORT"):
            postgres_runs(results, scratch)
        else:
            print("NOT RUN the PostgreSQL runs (LOG_LEAKS_PG_PORT is not set)")
    finally:
        if os.environ.get("LOG_LEAKS_KEEP"):
            print(f"logs kept in {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    if results.failures:
        print(f"log leaks: {results.failures} of {results.checks} checks failed")
        sys.exit(1)
    print(f"log leaks: all {results.checks} checks passed")


if __name__ == "__main__":
    main()
