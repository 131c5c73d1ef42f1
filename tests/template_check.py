#!/usr/bin/env python3
"""Checks template.yaml against the contract and the deployment rules of issue 3.

    python3 tests/template_check.py [path/to/template.yaml]

- every route of docs/CONTRACT.md section 1 is served by exactly one function, on exactly its
  method and path, and that function is the one the code's route table (`serve routes`) and
  README.md's route table name;
- no other route exists: the only extra one is `$default` (any method), served by unknown-route;
  no REST API, raw API Gateway route, second HTTP API, inline OpenAPI body or function URL
  (each would be a way around the authorizer);
- the HTTP API's DefaultAuthorizer is the `authorizer` function (REQUEST, payload 2.0, simple
  responses, x-api-key identity, caching set explicitly) and no route sets another or none;
- every function is arm64 and logs JSON (on the function itself or through Globals).

Prints each check, ends with "N passed, M failed", and exits 1 when any check failed.
Reads the template with cfn-lint's YAML loader (it knows !Ref, !GetAtt, !Sub, ...), or with
PyYAML when cfn-lint is not installed.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from route_table import code_routes, code_settings  # noqa: E402
CONTRACT = ROOT / "docs" / "CONTRACT.md"
README = ROOT / "README.md"

DEFAULT_ROUTE = ("ANY", "$default")
CATCH_ALL_BINARY = "unknown-route"
AUTHORIZER_BINARY = "authorizer"


class Checks:
    def __init__(self) -> None:
        self.passed = 0
        self.failed = 0

    def check(self, ok: bool, what: str, why: str = "") -> bool:
        if ok:
            self.passed += 1
            print(f"ok    {what}")
        else:
            self.failed += 1
            print(f"FAIL  {what}" + (f": {why}" if why else ""))
        return ok


# --- reading ---------------------------------------------------------------------------


def load_template(path: Path) -> dict:
    try:
        from cfnlint.decode import decode
    except ImportError:
        return load_with_pyyaml(path)
    template, matches = decode(str(path))
    if template is None:
        raise SystemExit(f"{path}: cannot be read: " + "; ".join(str(m) for m in matches))
    return template


def load_with_pyyaml(path: Path) -> dict:
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    def intrinsic(loader, tag_suffix, node):
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        if tag_suffix == "Ref":
            return {"Ref": value}
        if tag_suffix == "GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
        return {("Condition" if tag_suffix == "Condition" else f"Fn::{tag_suffix}"): value}

    Loader.add_multi_constructor("!", intrinsic)
    with path.open(encoding="utf-8") as f:
        return yaml.load(f, Loader=Loader)  # noqa: S506 - SafeLoader subclass


def contract_routes() -> list[tuple[str, str]]:
    """(method, path) of each row of the table in CONTRACT.md section 1."""
    text = CONTRACT.read_text(encoding="utf-8")
    section = re.search(r"^## 1\. Routes\n(.*?)^## ", text, re.S | re.M)
    if not section:
        raise SystemExit(f"{CONTRACT}: no '## 1. Routes' section")
    rows = re.findall(r"^\|\s*([A-Z]+)\s*\|\s*`([^`]+)`\s*\|", section.group(1), re.M)
    return [(method, path) for method, path in rows]


def readme_functions() -> dict[tuple[str, str], str]:
    """(method, path) -> function name, from README.md's 'Routes and functions' table."""
    text = README.read_text(encoding="utf-8")
    rows = re.findall(r"^\|\s*([A-Z]+)\s*\|\s*`([^`]+)`\s*\|\s*`([a-z0-9-]+)`\s*\|", text, re.M)
    return {(method, path): function for method, path, function in rows}


# --- reading the template ----------------------------------------------------------------


def ref_name(value) -> str | None:
    """The logical id in {"Ref": X} or {"Fn::GetAtt": [X, ...]}, else None."""
    if isinstance(value, dict):
        if "Ref" in value and isinstance(value["Ref"], str):
            return value["Ref"]
        getatt = value.get("Fn::GetAtt")
        if isinstance(getatt, list) and getatt:
            return getatt[0]
        if isinstance(getatt, str):
            return getatt.split(".", 1)[0]
    if isinstance(value, str):
        return value
    return None


def binary_of(resource: dict) -> str | None:
    return ((resource.get("Metadata") or {}).get("BuildProperties") or {}).get("Binary")


def effective(resource_props: dict, globals_props: dict, key: str):
    """A function property as SAM applies Globals: maps merge (function wins), others replace."""
    own = resource_props.get(key)
    glob = globals_props.get(key)
    if isinstance(own, dict) and isinstance(glob, dict):
        return {**glob, **own}
    return own if own is not None else glob


def main() -> int:
    template_path = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "template.yaml"
    template = load_template(template_path)
    resources: dict = template.get("Resources") or {}
    globals_fn: dict = ((template.get("Globals") or {}).get("Function")) or {}
    functions = {k: v for k, v in resources.items() if v.get("Type") == "AWS::Serverless::Function"}
    checks = Checks()
    print(f"template: {template_path}")

    routes = contract_routes()
    names = {(route["method"], route["path"]): route["function"] for route in code_routes()}
    checks.check(len(routes) == 7, f"CONTRACT.md section 1 lists 7 routes (found {len(routes)})")
    checks.check(set(names) == set(routes), "the code's route table (serve routes) has exactly the contract's routes")
    checks.check(readme_functions() == names, "README.md's route table names each route's function as the code does")

    # -- the one HTTP API, and nothing else that could route a request ----------------
    http_apis = [k for k, v in resources.items() if v.get("Type") == "AWS::Serverless::HttpApi"]
    checks.check(len(http_apis) == 1, "exactly one AWS::Serverless::HttpApi", f"found {http_apis}")
    api_id = http_apis[0] if http_apis else None
    api_props = (resources[api_id].get("Properties") or {}) if api_id else {}
    checks.check(
        not ({"DefinitionBody", "DefinitionUri"} & api_props.keys()),
        "the HttpApi has no inline or external OpenAPI body (routes come only from function events)",
    )
    others = sorted(
        f"{k} ({v.get('Type')})"
        for k, v in resources.items()
        if v.get("Type") in {"AWS::Serverless::Api", "AWS::ApiGateway::RestApi", "AWS::ApiGatewayV2::Api",
                             "AWS::ApiGatewayV2::Route", "AWS::ApiGatewayV2::Integration", "AWS::Lambda::Url"}
    )
    checks.check(not others, "no other API, raw route, integration or function URL", ", ".join(others))
    urls = sorted(k for k, v in functions.items() if effective(v.get("Properties") or {}, globals_fn, "FunctionUrlConfig"))
    checks.check(not urls, "no function has a FunctionUrlConfig", ", ".join(urls))

    # -- every event on every function ----------------------------------------------------
    served: dict[tuple[str, str], list[str]] = {}
    event_auth: dict[tuple[str, str, str], object] = {}
    for name, fn in functions.items():
        for event_name, event in ((fn.get("Properties") or {}).get("Events") or {}).items():
            kind = event.get("Type")
            props = event.get("Properties") or {}
            where = f"{name}.Events.{event_name}"
            if kind != "HttpApi":
                if kind in {"Api", "HttpApi"} or "Path" in props:
                    checks.check(False, f"{where} is a {kind} event", "only HttpApi events on the one HTTP API")
                continue
            checks.check(
                ref_name(props.get("ApiId")) == api_id,
                f"{where} is on the HttpApi {api_id}",
                f"ApiId is {props.get('ApiId')!r}",
            )
            method = str(props.get("Method", "")).upper()
            path = props.get("Path", "")
            if not method and not path:  # SAM's way of spelling the $default route
                method, path = DEFAULT_ROUTE
            if method == "X-AMAZON-APIGATEWAY-ANY-METHOD":
                method = "ANY"
            served.setdefault((method, path), []).append(name)
            event_auth[(method, path, name)] = (props.get("Auth") or {}).get("Authorizer")

    # -- the contract's routes, each once, on exactly its method and path ------------------
    for method, path in routes:
        on = served.get((method, path), [])
        if not checks.check(len(on) == 1, f"{method} {path} is served by exactly one function", f"served by {on}"):
            continue
        expected = names.get((method, path))
        actual = binary_of(functions[on[0]])
        checks.check(
            expected is not None and actual == expected,
            f"{method} {path} -> {on[0]} builds binary {actual!r} (the code: {expected!r})",
        )
        checks.check(
            actual is not None and (ROOT / "functions" / actual / "Cargo.toml").is_file(),
            f"functions/{actual}/Cargo.toml exists",
        )

    # -- nothing else but $default -> unknown-route ----------------------------------------
    extra = sorted(f"{m} {p} ({', '.join(fs)})" for (m, p), fs in served.items()
                   if (m, p) not in set(routes) and (m, p) != DEFAULT_ROUTE)
    checks.check(not extra, "no route outside the contract except $default", "; ".join(extra))
    default_on = served.get(DEFAULT_ROUTE, [])
    checks.check(
        len(default_on) == 1 and binary_of(functions[default_on[0]]) == CATCH_ALL_BINARY,
        f"ANY $default is served by exactly one function, the {CATCH_ALL_BINARY} binary",
        f"served by {default_on}",
    )

    # -- the guard ----------------------------------------------------------------------
    auth = api_props.get("Auth") or {}
    default_authorizer = auth.get("DefaultAuthorizer")
    authorizer = ((auth.get("Authorizers") or {}).get(default_authorizer) or {}) if isinstance(default_authorizer, str) else {}
    target = ref_name(authorizer.get("FunctionArn"))
    checks.check(
        bool(authorizer) and target in functions and binary_of(functions[target]) == AUTHORIZER_BINARY,
        f"the HttpApi's DefaultAuthorizer {default_authorizer!r} is the {AUTHORIZER_BINARY} function",
        f"FunctionArn points at {target!r}",
    )
    checks.check(str(authorizer.get("AuthorizerPayloadFormatVersion")) == "2.0", "the authorizer uses payload format 2.0")
    checks.check(authorizer.get("EnableSimpleResponses") is True, "the authorizer returns simple responses")
    identity = authorizer.get("Identity") or {}
    checks.check("x-api-key" in [h.lower() for h in identity.get("Headers") or []], "the authorizer's identity is the x-api-key header")
    checks.check("ReauthorizeEvery" in identity, "the authorizer's result caching (ReauthorizeEvery) is set explicitly")
    if target in functions:
        events = (functions[target].get("Properties") or {}).get("Events") or {}
        checks.check(not events, "the authorizer function has no event (no route reaches it directly)")
    bad = sorted(f"{m} {p} ({fn}): {a!r}" for (m, p, fn), a in event_auth.items() if a not in (None, default_authorizer))
    checks.check(not bad, "no route disables the authorizer or names another", "; ".join(bad))

    # -- every function: arm64 and JSON logs ----------------------------------------------
    checks.check(bool(functions), f"the template has functions ({len(functions)})")
    for name, fn in sorted(functions.items()):
        props = fn.get("Properties") or {}
        arch = effective(props, globals_fn, "Architectures")
        checks.check(arch == ["arm64"], f"{name} is arm64", f"Architectures is {arch!r}")
        log_format = (effective(props, globals_fn, "LoggingConfig") or {}).get("LogFormat")
        checks.check(log_format == "JSON", f"{name} logs JSON", f"LoggingConfig.LogFormat is {log_format!r}")
    for name, fn in sorted(resources.items()):
        if fn.get("Type") == "AWS::Lambda::Function":
            props = fn.get("Properties") or {}
            checks.check(props.get("Architectures") == ["arm64"], f"{name} (AWS::Lambda::Function) is arm64")
            checks.check((props.get("LoggingConfig") or {}).get("LogFormat") == "JSON", f"{name} (AWS::Lambda::Function) logs JSON")

    # -- database credentials: what the template passes is what the code reads -------------
    settings = code_settings()
    modes_in_code = set(settings["auth_modes"])
    read_in_code = set(settings["managed_variables"])
    mode_param = (template.get("Parameters") or {}).get("DatabaseAuthMode") or {}
    checks.check(
        set(mode_param.get("AllowedValues") or []) == modes_in_code and bool(modes_in_code),
        "DatabaseAuthMode's AllowedValues are exactly the modes the code accepts (serve settings)",
        f"template {mode_param.get('AllowedValues')!r}, code {sorted(modes_in_code)!r}",
    )
    env = ((globals_fn.get("Environment") or {}).get("Variables")) or {}
    passed = {name for name in env if name.startswith("DB_")}
    wanted = read_in_code - {"DB_CA_BUNDLE"}  # the bundle compiled in is the one AWS needs
    checks.check(
        wanted <= passed,
        "every DB_* setting the AWS modes read (serve settings) is passed to the functions",
        f"missing {sorted(wanted - passed)}",
    )
    layout_param = (template.get("Parameters") or {}).get("DatabaseLayout") or {}
    checks.check(
        set(layout_param.get("AllowedValues") or []) == set(settings["layouts"]) and bool(settings["layouts"]),
        "DatabaseLayout's AllowedValues are exactly the layouts the code accepts (serve settings)",
        f"template {layout_param.get('AllowedValues')!r}, code {settings['layouts']!r}",
    )
    checks.check(
        set(settings["layout_variables"]) <= passed,
        "DB_LAYOUT and DB_SCHEMA (serve settings) are passed to the functions",
        f"missing {sorted(set(settings['layout_variables']) - passed)}",
    )
    checks.check("DATABASE_URL" not in env, "no DATABASE_URL in the template (it would override DB_AUTH_MODE)")
    for name, fn in sorted(functions.items()):
        binary = binary_of(fn)
        if binary in (AUTHORIZER_BINARY, CATCH_ALL_BINARY):
            continue
        props = fn.get("Properties") or {}
        policies = [ref_name(p) for p in props.get("Policies") or []]
        checks.check("DatabaseAccessPolicy" in policies, f"{name} may read the database secret / connect with IAM")
        checks.check(bool(props.get("VpcConfig")), f"{name} runs in the database's VPC")

    print(f"{checks.passed} passed, {checks.failed} failed")
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())
