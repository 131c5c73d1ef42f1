"""What the checks written in Python need from the code, as the code prints it: `serve routes`
(the route table: [{"function", "method", "path"}, ...]) and `serve settings`. Nothing here
reads Rust source."""

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
