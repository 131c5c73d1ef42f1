"""The route table as the code declares it, for the checks written in Python: `serve routes`
prints it as JSON ([{"function", "method", "path"}, ...]); nothing here reads Rust source."""

import json
import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def code_routes() -> list[dict]:
    printed = subprocess.run(
        ["cargo", "run", "--quiet", "--locked", "-p", "serve", "--", "routes"],
        cwd=ROOT, check=True, capture_output=True, text=True, env=os.environ.copy(),
    ).stdout
    routes = json.loads(printed)
    if not routes or not all({"function", "method", "path"} <= route.keys() for route in routes):
        raise SystemExit(f"serve routes printed no route table: {printed[:200]!r}")
    return routes
