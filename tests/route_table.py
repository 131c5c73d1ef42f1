"""What the checks written in Python need from the code, as the code prints it: `serve routes`
(the route table: [{"function", "method", "path"}, ...]), `serve settings` and `serve metrics`.
Nothing here reads Rust source."""

import json
import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def serve(command: str):
    """What `serve <command>` prints, parsed."""
    printed = subprocess.run(
        ["cargo", "run", "--quiet", "--locked", "-p", "serve", "--", command],
        cwd=ROOT, check=True, capture_output=True, text=True, env=os.environ.copy(),
    ).stdout
    return json.loads(printed)


def code_settings() -> dict:
    """{"auth_modes": [...], "managed_variables": [...]}: what the functions read in AWS."""
    return serve("settings")


def code_routes() -> list[dict]:
    routes = serve("routes")
    printed = json.dumps(routes)
    if not routes or not all({"function", "method", "path"} <= route.keys() for route in routes):
        raise SystemExit(f"serve routes printed no route table: {printed[:200]!r}")
    return routes


def code_metrics() -> dict:
    """{"namespace_variable", "default_namespace", "dimension", "histograms", "counters",
    "functions"}: the CloudWatch metrics the functions write (EMF), as `serve metrics` prints them."""
    metrics = serve("metrics")
    if not metrics.get("histograms") or not metrics.get("counters") or not metrics.get("functions"):
        raise SystemExit(f"serve metrics printed no metric list: {json.dumps(metrics)[:200]!r}")
    return metrics
