#!/usr/bin/env python3
"""The API reference page: `serve`'s /docs and /openapi.yaml, and the static page `make docs`
writes, opened in headless Chromium (Debian's `chromium`, driven over the DevTools protocol on
a pipe). Checks:

- docs/api/reference.html (the page without its spec, committed) is what the pinned renderer
  (docs/api/package-lock.json, `npm ci`) and the template make;
- /openapi.yaml is the file; /docs is the page `serve docs` writes; both answer without a key
  when serve has keys, while every other path still needs one; 405 for other methods, 304 for
  a known ETag; everything else as before;
- every route of docs/CONTRACT.md section 1 (method and path, and nothing else) is on the
  rendered page, shown, with no error, no exception and no Content-Security-Policy violation;
- nothing is loaded from the network: Chromium runs with every host but 127.0.0.1 unresolvable,
  every request the page makes is recorded, and /docs may only request its own origin, the
  static page (file://, with the page's CSP switched off so it cannot hide an attempt) none.

  docs_page.py                    every check (needs the debug binaries serve, api-keys)
  docs_page.py --screenshot PATH  also save a screenshot of /docs (docs/api-reference.png)

Without chromium, node or npm: installed (apt-get) or, under CI=true, a failure; otherwise
reported NOT RUN. Exits non-zero on any failure.
"""
import argparse
import fcntl
import json
import os
import base64
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from faults import BIN, FAILURES, ROOT, Serve, fail, ok, seed  # noqa: E402
from openapi_check import contract_routes  # noqa: E402

CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
DOCS_DIR = os.path.join(ROOT, "docs", "api")
OPENAPI = os.path.join(ROOT, "openapi.yaml")
NOT_RUN = []


def not_run(message):
    """A part that cannot run here: a failure under CI, reported otherwise."""
    if CI:
        fail(f"{message} (CI=true: required)")
    else:
        NOT_RUN.append(message)
        print(f"NOT RUN {message}")


# --- The committed page template is current ---------------------------------------------

def template_is_current():
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        not_run("docs/api/reference.html vs the pinned renderer: no node/npm")
        return
    pinned = json.load(open(os.path.join(DOCS_DIR, "package.json")))["dependencies"]["swagger-ui-dist"]
    installed = os.path.join(DOCS_DIR, "node_modules", "swagger-ui-dist", "package.json")
    if not os.path.exists(installed) or json.load(open(installed))["version"] != pinned:
        # From the lockfile, no install scripts (swagger-ui-dist's @scarf/scarf would report
        # the install), from npm's cache when it has the packages.
        done = subprocess.run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--prefer-offline"],
                              cwd=DOCS_DIR, capture_output=True, text=True, env=dict(os.environ, SCARF_ANALYTICS="false"))
        if done.returncode != 0:
            fail(f"npm ci in docs/api: {done.stderr.strip()[-300:]}")
            return
    done = subprocess.run([node, "build.mjs", "--check"], cwd=DOCS_DIR, capture_output=True, text=True)
    (ok if done.returncode == 0 else fail)(
        f"docs/api/reference.html is what swagger-ui-dist {pinned} and the template make "
        f"({(done.stdout + done.stderr).strip().splitlines()[-1] if (done.stdout + done.stderr).strip() else ''})")


# --- Chromium over the DevTools protocol (--remote-debugging-pipe) ----------------------

def find_chromium():
    found = shutil.which("chromium")
    if found:
        return found
    if shutil.which("apt-get") and os.geteuid() == 0:
        print("docs_page: installing Debian's chromium (apt-get install -y chromium)")
        subprocess.run(["apt-get", "install", "-y", "-q", "chromium"], stdout=subprocess.DEVNULL)
        found = shutil.which("chromium")
    return found


class Chromium:
    """Headless Chromium with the DevTools protocol on fds 3 (in) and 4 (out): JSON messages
    ended by NUL. Every host but 127.0.0.1 is unresolvable, and no proxy is used."""

    FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--no-default-browser-check", "--no-proxy-server",
             "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
             "--window-size=1280,1600", "--remote-debugging-pipe"]

    def __init__(self, executable):
        self.profile = tempfile.mkdtemp(prefix="docs-chromium-")
        to_child_r, self.to_child = os.pipe()
        self.from_child, from_child_w = os.pipe()

        def wire():
            # Out of the way first, so that neither lands on the other's number.
            high_in = fcntl.fcntl(to_child_r, fcntl.F_DUPFD, 10)
            high_out = fcntl.fcntl(from_child_w, fcntl.F_DUPFD, 10)
            os.dup2(high_in, 3)
            os.dup2(high_out, 4)

        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen([executable, *self.FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
                                        stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log,
                                        close_fds=False, preexec_fn=wire)
        os.close(to_child_r)
        os.close(from_child_w)
        self.next_id = 0
        self.waiting = {}
        self.events = queue.Queue()
        self.lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        buffer = b""
        while True:
            chunk = os.read(self.from_child, 1 << 16)
            if not chunk:
                break
            buffer += chunk
            while b"\0" in buffer:
                raw, buffer = buffer.split(b"\0", 1)
                message = json.loads(raw)
                if "id" in message:
                    with self.lock:
                        slot = self.waiting.pop(message["id"], None)
                    if slot is not None:
                        slot.put(message)
                else:
                    self.events.put(message)
        with self.lock:
            for slot in self.waiting.values():
                slot.put({"error": {"message": "chromium closed the pipe"}})
            self.waiting.clear()

    def send(self, method, params=None, session=None, timeout=30):
        with self.lock:
            self.next_id += 1
            ident = self.next_id
            slot = self.waiting[ident] = queue.Queue()
        message = {"id": ident, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.to_child, json.dumps(message).encode() + b"\0")
        try:
            reply = slot.get(timeout=timeout)
        except queue.Empty:
            raise RuntimeError(f"chromium did not answer {method} within {timeout} s") from None
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error'].get('message')}")
        return reply.get("result", {})

    def drain(self):
        events = []
        while True:
            try:
                events.append(self.events.get_nowait())
            except queue.Empty:
                return events

    def close(self):
        try:
            self.send("Browser.close", timeout=10)
        except (RuntimeError, OSError):
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for fd in (self.to_child, self.from_child):
            try:
                os.close(fd)
            except OSError:
                pass
        self.log.close()
        shutil.rmtree(self.profile, ignore_errors=True)


# Runs in the page before its own scripts (and outside its CSP): records CSP violations.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__violations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""

# What the rendered page shows: one entry per operation block.
READ_PAGE = """
JSON.stringify({
  operations: Array.from(document.querySelectorAll("#swagger-ui .opblock")).map(function (block) {
    var method = block.querySelector(".opblock-summary-method");
    var path = block.querySelector(".opblock-summary-path");
    return {
      method: method ? method.textContent.trim() : null,
      path: path ? path.getAttribute("data-path") : null,
      shown: path ? path.textContent.replace(/\\u200b/g, "").trim() : null,
      visible: block.getClientRects().length > 0 && block.getBoundingClientRect().height > 0
    };
  }),
  title: (document.querySelector("#swagger-ui .info .title") || {}).textContent || "",
  errors: Array.from(document.querySelectorAll("#swagger-ui .errors-wrapper, #swagger-ui .loading-container .info"))
    .map(function (e) { return e.textContent.trim(); }).filter(Boolean),
  servers: Array.from(document.querySelectorAll("#swagger-ui .servers select option")).map(function (o) { return o.value; }),
  violations: window.__violations || []
})
"""


# "Try it out" on GET /v3/agents/{agent_id} with agent 3, as a reader would click it: what the
# page shows as the live response's status and the URL it called.
TRY_IT_OUT = """
(async function () {
  var sleep = function (ms) { return new Promise(function (r) { setTimeout(r, ms); }); };
  async function until(find, what) {
    for (var i = 0; i < 100; i++) { var found = find(); if (found) return found; await sleep(100); }
    throw new Error("the page shows no " + what);
  }
  var block = await until(function () {
    return Array.from(document.querySelectorAll("#swagger-ui .opblock")).find(function (b) {
      var path = b.querySelector(".opblock-summary-path");
      return path && path.getAttribute("data-path") === "/v3/agents/{agent_id}";
    });
  }, "GET /v3/agents/{agent_id}");
  (block.querySelector(".opblock-summary-control") || block.querySelector(".opblock-summary")).click();
  (await until(function () { return block.querySelector(".try-out__btn"); }, "Try it out button")).click();
  function type(input, value) {
    Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value").set.call(input, value);
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }
  type(await until(function () {
    return block.querySelector('tr[data-param-name="agent_id"] input');
  }, "agent_id field"), "3");
  // Swagger UI fills If-None-Match with the spec's first example, an entity tag that matches
  // nothing (openapi.yaml lists it before `*`), so Execute gets the row, not a 304.
  var examples = block.querySelector('tr[data-param-name="If-None-Match"] select');
  if (examples && examples.value !== "stale") {
    throw new Error("If-None-Match's first example is " + examples.value + ", not stale: Try it out would get a 304");
  }
  (await until(function () { return block.querySelector(".execute"); }, "Execute button")).click();
  var status = await until(function () {
    return block.querySelector(".live-responses-table .response .response-col_status");
  }, "live response");
  var url = block.querySelector(".request-url pre");
  return JSON.stringify({ status: status.textContent.trim(), url: url ? url.textContent.trim() : null });
})()
"""


def open_page(browser, url, expected, bypass_csp=False, screenshot=None, try_it_out=False):
    """Opens `url` in a new tab; waits until `expected` operations are shown (20 s at most);
    with `try_it_out`, then runs TRY_IT_OUT. Returns (page facts, every request URL, problems
    logged)."""
    target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    for domain in ("Network", "Page", "Runtime", "Log"):
        browser.send(f"{domain}.enable", session=session)
    browser.send("Emulation.setDeviceMetricsOverride",
                 {"width": 1280, "height": 1600, "deviceScaleFactor": 1, "mobile": False}, session=session)
    browser.send("Page.addScriptToEvaluateOnNewDocument", {"source": RECORD_VIOLATIONS}, session=session)
    if bypass_csp:
        browser.send("Page.setBypassCSP", {"enabled": True}, session=session)
    browser.drain()
    started = time.monotonic()
    browser.send("Page.navigate", {"url": url}, session=session)
    facts = {}
    while time.monotonic() - started < 20:
        facts = json.loads(browser.send("Runtime.evaluate", {"expression": READ_PAGE, "returnByValue": True},
                                        session=session)["result"].get("value") or "{}")
        if len(facts.get("operations", [])) >= expected or facts.get("errors"):
            break
        time.sleep(0.1)
    facts["seconds"] = time.monotonic() - started
    time.sleep(0.3)  # anything the page would fetch once rendered
    if screenshot:
        # Before "Try it out": the page as a reader first sees it.
        png = browser.send("Page.captureScreenshot", {"format": "png"}, session=session)["data"]
        with open(screenshot, "wb") as out:
            out.write(base64.b64decode(png))
    if try_it_out:
        try:
            result = browser.send("Runtime.evaluate", {"expression": TRY_IT_OUT, "awaitPromise": True,
                                                       "returnByValue": True}, session=session, timeout=30)
            facts["try_it_out"] = json.loads(result["result"]["value"]) if "exceptionDetails" not in result \
                else {"error": result["exceptionDetails"].get("exception", {}).get("description")}
        except RuntimeError as error:
            facts["try_it_out"] = {"error": str(error)}
    requests, problems = [], []
    for event in browser.drain():
        if event.get("sessionId") != session:
            continue
        method, params = event.get("method"), event.get("params", {})
        if method == "Network.requestWillBeSent":
            requests.append(params["request"]["url"])
        elif method == "Network.webSocketCreated":
            requests.append(params["url"])
        elif method == "Network.loadingFailed" and params.get("blockedReason"):
            problems.append(f"blocked ({params['blockedReason']}): request {params.get('requestId')}")
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            problems.append(f"exception: {details.get('exception', {}).get('description') or details.get('text')}"[:300])
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            problems.append("console.error: " + " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", []))[:300])
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            entry = params["entry"]
            problems.append(f"log ({entry.get('source')}): {entry.get('text')}"[:300])
    browser.send("Target.closeTarget", {"targetId": target})
    return facts, requests, problems


def outside(requests, allowed):
    """The requests that go anywhere but `allowed` (a prefix) or a data: URL."""
    return [url for url in requests if not url.startswith(allowed) and not url.startswith("data:")]


def tally(requests, home):
    """What the page requested, briefly: paths at `home`, data: URLs, and anything else whole."""
    at_home = [urllib.parse.urlsplit(url).path for url in requests if url.startswith(home)]
    data = sum(url.startswith("data:") for url in requests)
    elsewhere = outside(requests, home)
    text = f"{len(requests)} request(s): {', '.join(at_home) or 'none'} at {home}, {data} data: URL(s)"
    return text + (f"; ELSEWHERE: {elsewhere}" if elsewhere else ", nothing else")


def check_rendered(label, facts, problems, routes):
    shown = {(op["method"], op["path"]) for op in facts.get("operations", [])}
    missing = sorted(routes - shown)
    extra = sorted(shown - routes)
    (ok if not missing and not extra and len(facts.get("operations", [])) == len(routes) else fail)(
        f"{label}: every route of CONTRACT.md section 1 is on the rendered page, and nothing else "
        f"({len(shown)} operations in {facts.get('seconds', 0):.1f} s; missing {missing}, extra {extra})")
    bad = [op for op in facts.get("operations", []) if not op["visible"] or op["shown"] != op["path"]]
    (ok if facts.get("operations") and not bad else fail)(
        f"{label}: each operation is shown with its method and path as text ({bad or 'all visible'})")
    (ok if "v3 contact-center API" in facts.get("title", "") and not facts.get("errors") else fail)(
        f"{label}: the page shows the API's title and no error ({facts.get('title', '').strip()!r}, errors {facts.get('errors')})")
    (ok if not problems and not facts.get("violations") else fail)(
        f"{label}: no exception, console error or CSP violation "
        f"({problems + facts.get('violations', []) or 'none'})")


# --- serve -------------------------------------------------------------------------------

def check_http(serve, page):
    spec = open(OPENAPI, "rb").read()
    status, headers, text, _ = serve.request("GET", "/openapi.yaml")
    (ok if status == 200 and headers.get("content-type", "").startswith("application/yaml")
     and text.encode() == spec else fail)(
        f"GET /openapi.yaml: 200 {headers.get('content-type')}, the file byte for byte ({len(text.encode())} of {len(spec)} bytes)")
    status, headers, text, _ = serve.request("GET", "/docs")
    policy = headers.get("content-security-policy", "")
    (ok if status == 200 and headers.get("content-type") == "text/html; charset=utf-8" and text == page else fail)(
        f"GET /docs: 200 text/html, the page `serve docs` writes ({len(text.encode())} bytes)")
    (ok if policy.startswith("default-src 'none'") and "frame-ancestors 'none'" in policy
     and headers.get("x-content-type-options") == "nosniff" else fail)(
        f"GET /docs carries its Content-Security-Policy (default-src 'none' … frame-ancestors 'none') and nosniff")
    status, headers, text, _ = serve.request("HEAD", "/docs")
    (ok if status == 200 and text == "" and headers.get("content-type", "").startswith("text/html") else fail)(
        f"HEAD /docs: 200, headers only (content-length {headers.get('content-length')})")
    status, headers, text, _ = serve.request("GET", "/docs", headers={"If-None-Match": headers.get("etag", "-")})
    (ok if status == 304 and text == "" else fail)(f"GET /docs with its ETag: 304 ({status})")
    status, headers, text, _ = serve.request("POST", "/docs", body="{}", headers={"Content-Type": "application/json"})
    (ok if status == 405 and headers.get("allow") == "GET, HEAD"
     and headers.get("content-type", "").startswith("application/problem+json") else fail)(
        f"POST /docs: 405, Allow: GET, HEAD, problem+json ({status}, {headers.get('allow')})")
    for path in ("/docs/", "/DOCS", "/v3/docs"):
        status, headers, text, _ = serve.request("GET", path)
        (ok if status == 404 and f"no route matches GET {path}" in text else fail)(
            f"GET {path}: the contract's 404 as before ({status})")


def check_keys(database_url):
    """With keys: /docs and /openapi.yaml need none; every other path still does."""
    with tempfile.TemporaryDirectory() as scratch:
        key_file = os.path.join(scratch, "keys.json")
        done = subprocess.run([os.path.join(BIN, "api-keys"), "--file", key_file, "issue", "--name", "docs-test",
                               "--scopes", "agents:read"], capture_output=True, text=True,
                              env={k: v for k, v in os.environ.items() if not k.startswith("API_KEYS_")})
        if done.returncode != 0:
            fail(f"api-keys issue: {done.stderr.strip()}")
            return
        key = done.stdout.strip()
        serve = Serve(database_url, API_KEYS_FILE=key_file)
        try:
            for path in ("/docs", "/openapi.yaml"):
                status, _, _, _ = serve.request("GET", path)
                (ok if status == 200 else fail)(f"serve with keys: GET {path} without a key: 200 ({status})")
            for method, path in (("GET", "/v3/agents/8"), ("GET", "/docs/"), ("POST", "/v3/parameters/outgoing")):
                status, headers, _, _ = serve.request(method, path)
                (ok if status == 401 and headers.get("content-type", "").startswith("application/problem+json") else fail)(
                    f"serve with keys: {method} {path} without a key: 401 as before ({status})")
            status, _, _, _ = serve.request("GET", "/v3/agents/8", headers={"x-api-key": key})
            (ok if status in (200, 404, 503) else fail)(f"serve with keys: GET /v3/agents/8 with a key passes the guard ({status})")
        finally:
            serve.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--screenshot", help="save a PNG of /docs here (docs/api-reference.png)")
    args = parser.parse_args()
    started = time.monotonic()
    routes = contract_routes()
    if len(routes) != 7:
        fail(f"CONTRACT.md section 1 lists {len(routes)} routes, expected 7")

    template_is_current()

    done = subprocess.run([os.path.join(BIN, "serve"), "docs"], capture_output=True, text=True)
    page = done.stdout
    (ok if done.returncode == 0 and "<html" in page else fail)(f"`serve docs` prints the page ({len(page.encode())} bytes)")

    scratch = tempfile.mkdtemp(prefix="docs-page-")
    database_url = f"sqlite://{scratch}/docs.db"
    static = os.path.join(scratch, "site")
    done = subprocess.run([os.path.join(BIN, "serve"), "docs", "--out", static], capture_output=True, text=True)
    (ok if done.returncode == 0 and open(os.path.join(static, "index.html")).read() == page
     and open(os.path.join(static, "openapi.yaml"), "rb").read() == open(OPENAPI, "rb").read() else fail)(
        "`serve docs --out DIR` (make docs) writes the same page as index.html, and openapi.yaml beside it")

    seed(database_url)
    serve = Serve(database_url)
    try:
        check_http(serve, page)
        chromium = find_chromium()
        if not chromium:
            not_run("the page in Chromium: no chromium (apt-get install -y chromium)")
        else:
            version = subprocess.run([chromium, "--version"], capture_output=True, text=True).stdout.strip()
            print(f"docs_page: {version}")
            browser = Chromium(chromium)
            try:
                origin = f"http://127.0.0.1:{serve.port}"
                facts, requests, problems = open_page(browser, f"{origin}/docs", len(routes),
                                                      screenshot=args.screenshot, try_it_out=True)
                check_rendered("/docs", facts, problems, routes)
                (ok if requests and not outside(requests, origin + "/") else fail)(
                    f"/docs loads nothing from the network: {tally(requests, origin)}")
                (ok if (facts.get("servers") or [None])[0] == origin else fail)(
                    f"/docs offers its own server first for Try it out ({facts.get('servers')})")
                tried = facts.get("try_it_out", {})
                (ok if tried.get("status", "").startswith("200") and tried.get("url") == f"{origin}/v3/agents/3" else fail)(
                    f"/docs: Try it out on GET /v3/agents/{{agent_id}} calls {tried.get('url')} and shows "
                    f"{tried.get('status', tried.get('error'))!r} (the page's CSP lets it call its own server)")

                url = "file://" + urllib.parse.quote(os.path.join(static, "index.html"))
                facts, requests, problems = open_page(browser, url, len(routes), bypass_csp=True)
                check_rendered("the static page (file://, CSP off)", facts, problems, routes)
                (ok if requests and not outside(requests, url) else fail)(
                    f"the static page, its CSP off, loads nothing from the network: {tally(requests, 'file://')}")
            finally:
                browser.close()
            if args.screenshot:
                print(f"docs_page: screenshot of /docs in {args.screenshot}")
        check_keys(database_url)
    finally:
        log = serve.stop()
        if FAILURES:
            print(log[-2000:])
        shutil.rmtree(scratch, ignore_errors=True)

    print(f"docs_page: {time.monotonic() - started:.1f} s")
    if FAILURES:
        print(f"docs_page: {len(FAILURES)} failure(s)")
        sys.exit(1)
    print("docs_page: all checks passed" + (f" ({len(NOT_RUN)} part(s) NOT RUN)" if NOT_RUN else ""))


if __name__ == "__main__":
    main()
