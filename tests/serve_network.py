#!/usr/bin/env python3
"""`serve` on a network, over real sockets: it checks the API keys and their scopes as the
gateway's authorizer does (401, 403, problem+json), refuses to start without keys unless told
to run open, and holds its limits against slow, idle and too many clients while it keeps
serving the others.

  serve_network.py   every check (SQLite; needs only the debug binaries seed, serve, api-keys)

Each check prints ok/FAIL; exits non-zero on any failure. The attacks tried, and what each
must get, are listed in docs/SECURITY.md.
"""
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from faults import BIN, FAILURES, Serve, fail, ok, seed  # noqa: E402

HEADER_TIMEOUT_S = 1.0
BODY_TIMEOUT_S = 1.0
MAX_CONNECTIONS = 8


def api_keys(key_file, *args):
    """Runs `api-keys --file KEY_FILE ARGS`; the key it prints, for `issue`."""
    done = subprocess.run([os.path.join(BIN, "api-keys"), "--file", key_file, *args], capture_output=True, text=True,
                          env={k: v for k, v in os.environ.items() if not k.startswith("API_KEYS_")})
    if done.returncode != 0:
        raise RuntimeError(f"api-keys {' '.join(args)}: {done.stderr}")
    return done.stdout.strip()


def problem(status, headers, text):
    if not headers.get("content-type", "").startswith("application/problem+json"):
        return None
    body = json.loads(text)
    return body if list(body) == ["type", "title", "status", "detail"] and body["status"] == status else None


def start(url, key_file, **env):
    return Serve(url, API_KEYS_FILE=key_file, SERVE_HEADER_TIMEOUT_MS=int(HEADER_TIMEOUT_S * 1000),
                 SERVE_BODY_TIMEOUT_MS=int(BODY_TIMEOUT_S * 1000), SERVE_MAX_CONNECTIONS=MAX_CONNECTIONS, **env)


def connect(serve):
    s = socket.create_connection(("127.0.0.1", serve.port), timeout=5)
    return s


def closed_within(sock, seconds):
    """Whether the server closes `sock` (EOF or reset) within `seconds`, and after how long."""
    started = time.monotonic()
    sock.settimeout(seconds)
    try:
        while True:
            data = sock.recv(4096)
            if not data:
                return True, time.monotonic() - started
    except (ConnectionResetError, BrokenPipeError):
        return True, time.monotonic() - started
    except socket.timeout:
        return False, time.monotonic() - started


def refuses_to_start_without_keys(url):
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("API_KEYS_", "SERVE_"))}
    environment.update(DATABASE_URL=url, HOST="127.0.0.1", PORT="1")
    done = subprocess.run([os.path.join(BIN, "serve")], env=environment, capture_output=True, text=True, timeout=30)
    (ok if done.returncode != 0 and "no API keys" in done.stderr else fail)(
        f"without keys serve refuses to start (exit {done.returncode}: {done.stderr.strip()[:90]!r})")
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as broken:
        broken.write('{"keys": [{"client": "x"}]}')
    done = subprocess.run([os.path.join(BIN, "serve")], env=dict(environment, API_KEYS_FILE=broken.name),
                          capture_output=True, text=True, timeout=30)
    (ok if done.returncode != 0 and "not a valid key list" in done.stderr else fail)(
        f"with a malformed key list serve refuses to start (exit {done.returncode})")
    os.unlink(broken.name)
    opened = Serve(url)  # SERVE_OPEN=1
    status, _, _, _ = opened.request("GET", "/v3/agents/8")
    log = opened.stop()
    (ok if status == 200 and "WITHOUT API keys" in log else fail)(
        f"SERVE_OPEN=1 serves without keys and says so in its log ({status})")


def keys_and_scopes(url, key_file):
    reader = api_keys(key_file, "issue", "--name", "agents-reader", "--scopes", "agents:read")
    writer = api_keys(key_file, "issue", "--name", "slot-writer", "--scopes", "parameters:write")
    expired = api_keys(key_file, "issue", "--name", "old", "--scopes", "all", "--expires", "2020-01-01T00:00:00Z")
    revoked = api_keys(key_file, "issue", "--name", "gone", "--scopes", "all")
    api_keys(key_file, "revoke", "gone")
    serve = start(url, key_file, RUST_LOG="info")
    body = json.dumps([{"task_id": 812, "key": "network_check", "value": "1"}])
    json_headers = {"content-type": "application/json"}
    cases = [
        ("no key", "GET", "/v3/agents/8", None, {}, 401),
        ("no key on an unknown route", "GET", "/v3/nothing", None, {}, 401),
        ("an empty x-api-key", "GET", "/v3/agents/8", None, {"x-api-key": " "}, 401),
        ("Basic credentials", "GET", "/v3/agents/8", None, {"authorization": "Basic YTpi"}, 401),
        ("an unknown key", "GET", "/v3/agents/8", None, {"x-api-key": "v3k_" + "0" * 64}, 403),
        ("a revoked key", "GET", "/v3/agents/8", None, {"x-api-key": revoked}, 403),
        ("an expired key", "GET", "/v3/agents/8", None, {"x-api-key": expired}, 403),
        ("a write-only key reading an agent", "GET", "/v3/agents/8", None, {"x-api-key": writer}, 403),
        ("a write-only key reading interactions", "GET", "/v3/interactions/full/210614222408193_ACD_00001", None,
         {"x-api-key": writer}, 403),
        ("a write-only key reading parameters", "GET", "/v3/parameters/outgoing/812", None, {"x-api-key": writer}, 403),
        ("an agents key writing parameters", "POST", "/v3/parameters/outgoing", body,
         {"x-api-key": reader, **json_headers}, 403),
        ("an agents key on its route", "GET", "/v3/agents/8", None, {"x-api-key": reader}, 200),
        ("an agents key as a bearer token", "GET", "/v3/agents/8", None, {"authorization": f"Bearer {reader}"}, 200),
        ("a write-only key writing", "POST", "/v3/parameters/outgoing", body, {"x-api-key": writer, **json_headers}, 201),
        ("a valid key on an unknown route", "GET", "/v3/nothing", None, {"x-api-key": writer}, 404),
        ("a valid key, wrong method", "DELETE", "/v3/agents/8", None, {"x-api-key": writer}, 405),
    ]
    for label, method, path, payload, headers, expected in cases:
        status, response_headers, text, _ = serve.request(method, path, payload, headers)
        good = status == expected and (expected < 400 or problem(status, response_headers, text) is not None)
        if expected == 401:
            good = good and response_headers.get("www-authenticate") == "Bearer"
        (ok if good else fail)(f"{label}: {status} (expected {expected}) {text[:80]!r}")
    # One answer for unknown, revoked, expired and out of scope: nothing tells them apart.
    bodies = {serve.request("GET", "/v3/agents/8", None, {"x-api-key": key})[2]
              for key in ("v3k_" + "1" * 64, revoked, expired, writer)}
    (ok if len(bodies) == 1 else fail)(f"every refused key gets the same 403 body ({len(bodies)} different)")
    log = serve.stop()
    leaked = [key for key in (reader, writer, expired, revoked) if key in log or key[4:36] in log]
    (ok if not leaked else fail)(f"no key in serve's log ({len(leaked)} found)")
    (ok if "denied: API key's scopes do not cover the route" in log and "expired API key" in log else fail)(
        "a refusal is logged with its reason")


def slow_and_idle_clients(url, key_file):
    reader = api_keys(key_file, "issue", "--name", "steady", "--scopes", "agents:read")
    serve = start(url, key_file)
    get = {"x-api-key": reader}

    # Slow headers (slowloris): half a request line, then nothing.
    slow = connect(serve)
    slow.sendall(b"GET /v3/agents/8 HTTP/1.1\r\nHost: x\r\n")
    status, _, _, seconds = serve.request("GET", "/v3/agents/8", headers=get)
    (ok if status == 200 and seconds < 0.5 else fail)(f"a caller is served while a slow client holds a connection ({status}, {seconds:.2f} s)")
    closed, after = closed_within(slow, HEADER_TIMEOUT_S + 3)
    (ok if closed and after < HEADER_TIMEOUT_S + 1 else fail)(f"slow headers: closed after {after:.1f} s (limit {HEADER_TIMEOUT_S} s)")

    # Idle keep-alive: one request, then silence.
    idle = connect(serve)
    idle.sendall(b"GET /v3/agents/8 HTTP/1.1\r\nHost: x\r\nx-api-key: " + reader.encode() + b"\r\n\r\n")
    idle.settimeout(5)
    first = idle.recv(65536)
    closed, after = closed_within(idle, HEADER_TIMEOUT_S + 3)
    (ok if first.startswith(b"HTTP/1.1 200") and closed and after < HEADER_TIMEOUT_S + 1 else fail)(
        f"an idle keep-alive connection is closed after {after:.1f} s (limit {HEADER_TIMEOUT_S} s)")

    # Slow body: the headers of a POST, then a trickle that never completes.
    writer = api_keys(key_file, "issue", "--name", "trickle", "--scopes", "parameters:write")
    serve.stop()
    serve = start(url, key_file)  # reads the new key at start
    trickle = connect(serve)
    trickle.sendall(b"POST /v3/parameters/outgoing HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\n"
                    b"content-length: 1000\r\nx-api-key: " + writer.encode() + b"\r\n\r\n[")
    started = time.monotonic()
    answer = b""
    trickle.settimeout(0.3)
    while time.monotonic() - started < BODY_TIMEOUT_S + 3 and b"\r\n\r\n" not in answer:
        try:
            trickle.sendall(b" ")
            answer += trickle.recv(4096)
        except socket.timeout:
            continue
        except OSError:
            break
    took = time.monotonic() - started
    (ok if answer.startswith(b"HTTP/1.1 408") and took < BODY_TIMEOUT_S + 1 else fail)(
        f"a body that trickles in is cut at the deadline: {answer[:30]!r} after {took:.1f} s")
    log = serve.stop()
    (ok if "panicked" not in log else fail)("no panic in serve's log")


def too_many_connections(url, key_file):
    reader = api_keys(key_file, "issue", "--name", "crowd", "--scopes", "agents:read")
    serve = start(url, key_file)
    # Let the start-up probe's connection close, then fill every slot with silent sockets, then one more.
    time.sleep(0.3)
    held = [connect(serve) for _ in range(MAX_CONNECTIONS)]
    time.sleep(0.3)
    extra = connect(serve)
    extra.settimeout(3)
    started = time.monotonic()
    try:
        shed = extra.recv(4096)
    except OSError as error:
        shed = repr(error).encode()
    took = time.monotonic() - started
    (ok if shed.startswith(b"HTTP/1.1 503") and b"retry-after: 1" in shed and b"problem+json" in shed else fail)(
        f"past {MAX_CONNECTIONS} connections a new one gets 503 with Retry-After: {shed[:40]!r} after {took:.2f} s")
    # The held sockets are idle: the header deadline frees their slots, and callers get in again.
    time.sleep(HEADER_TIMEOUT_S + 0.5)
    status, _, _, seconds = serve.request("GET", "/v3/agents/8", headers={"x-api-key": reader})
    (ok if status == 200 else fail)(f"once the idle sockets are dropped a caller is served ({status}, {seconds:.2f} s)")
    for sock in held:
        sock.close()

    # A flood: many clients at once, well past the cap. Every one gets an answer (200 or 503),
    # none hangs, and the server still serves afterwards.
    results = []

    def caller():
        try:
            status, _, _, _ = serve.request("GET", "/v3/agents/8", headers={"x-api-key": reader}, timeout=10)
            results.append(status)
        except Exception as error:  # a shed connection may reset before the client reads
            results.append(type(error).__name__)

    threads = [threading.Thread(target=caller) for _ in range(MAX_CONNECTIONS * 8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(15)
    served = results.count(200)
    shed_count = results.count(503)
    other = [r for r in results if r not in (200, 503)]
    (ok if len(results) == len(threads) and served > 0 and not [r for r in other if r not in ("ConnectionResetError", "RemoteDisconnected")]
     else fail)(f"a flood of {len(threads)} callers: {served} served, {shed_count} shed with 503, other {other[:5]}")
    status, _, _, _ = serve.request("GET", "/v3/agents/8", headers={"x-api-key": reader})
    (ok if status == 200 and serve.alive() else fail)(f"serve still answers after the flood ({status})")
    serve.stop()


def main():
    folder = tempfile.mkdtemp(prefix="v3-serve-network-")
    url = f"sqlite://{folder}/v3.db"
    seed(url)
    key_file = os.path.join(folder, "api-keys.json")
    print("-- refuses to start without keys")
    refuses_to_start_without_keys(url)
    print("-- keys and scopes")
    keys_and_scopes(url, key_file)
    print("-- slow and idle clients")
    slow_and_idle_clients(url, key_file)
    print("-- too many connections")
    too_many_connections(url, key_file)
    if FAILURES:
        print(f"serve_network: {len(FAILURES)} failure(s)")
        sys.exit(1)
    print("serve_network: all checks passed")


if __name__ == "__main__":
    main()
