#!/usr/bin/env python3
"""Checks openapi.yaml against the contract and the handlers' route table.

1. The spec's (method, path) pairs equal exactly the routes of docs/CONTRACT.md section 1.
2. They equal the code's route table, as `serve routes` prints it.
3. Each operation's path parameters are the template's, and a few rules the contract makes
   about every response hold in the spec (x-request-id on every answer of the API's own, ETag
   on GET 200/304, Retry-After on 503, problem+json for errors, Allow on the 405 response;
   401/403 as problem+json or API Gateway's {"message"}, 429 as API Gateway's).
4. The key schemes (x-api-key, bearer) guard every request, and each operation requires
   exactly the scope the code's route table gives its route (`serve routes`).
5. The id patterns accept and refuse what shared/src/ids.rs does, on boundary cases.

Prints what it checked; exits 1 on any mismatch. Needs PyYAML (`pip install pyyaml`).
Usage: python3 tests/openapi_check.py [SPEC]   (default: openapi.yaml at the root)
"""

import re
import sys
from pathlib import Path

try:
    import yaml
except ImportError:  # pragma: no cover
    sys.exit("openapi_check: PyYAML is missing; run: python3 -m pip install pyyaml")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from route_table import code_routes  # noqa: E402
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
failures = []


def check(condition, message):
    print(("ok   " if condition else "FAIL ") + message)
    if not condition:
        failures.append(message)


def show(routes):
    return "\n".join(f"       {method:4} {path}" for method, path in sorted(routes, key=lambda r: (r[1], r[0])))


def contract_routes():
    """The table of CONTRACT.md section 1: | method | path | function | success |."""
    text = (ROOT / "docs/CONTRACT.md").read_text(encoding="utf-8")
    section = text.split("## 1. Routes", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\|\s*(GET|POST|PUT|PATCH|DELETE)\s*\|\s*`([^`]+)`\s*\|", section, re.M)
    return {(method, path) for method, path in rows}


def handler_routes():
    """(method, path) of every route the code declares (`serve routes`)."""
    return {(route["method"], route["path"]) for route in code_routes()}


def spec_routes(spec):
    return {
        (method.upper(), path)
        for path, item in spec.get("paths", {}).items()
        for method in item
        if method in HTTP_METHODS
    }


def resolve(spec, node):
    while isinstance(node, dict) and "$ref" in node:
        target = spec
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def headers_of(spec, response):
    return {name.lower() for name in resolve(spec, response).get("headers", {})}


# API Gateway's own answers, which carry API Gateway's body and no x-request-id: 429 always,
# 401/403 in the deployed stack (`serve` answers those two as problem+json, with the id).
GATEWAY_ONLY = {"429"}
KEY_ERRORS = {"401", "403"}
KEY_SCHEMES = {"ApiKey", "BearerKey"}


def check_security(spec):
    """The key schemes, the global requirement, and each operation's scope against the code."""
    schemes = spec.get("components", {}).get("securitySchemes", {})
    api_key = schemes.get("ApiKey", {})
    bearer = schemes.get("BearerKey", {})
    check(api_key.get("type") == "apiKey" and api_key.get("in") == "header" and api_key.get("name") == "x-api-key",
          "securitySchemes.ApiKey is the x-api-key header")
    check(bearer.get("type") == "http" and bearer.get("scheme") == "bearer", "securitySchemes.BearerKey is a bearer token")
    top = spec.get("security", [])
    check(sorted(k for requirement in top for k in requirement) == sorted(KEY_SCHEMES) and all(len(r) == 1 for r in top),
          "every request needs a key, in x-api-key or as a bearer token (global security: either scheme)")
    scope_of = {(route["method"], route["path"]): route.get("scope") for route in code_routes()}
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            wanted = scope_of.get((method.upper(), path))
            requirements = operation.get("security", [])
            schemes_used = sorted(k for requirement in requirements for k in requirement)
            roles = {tuple(roles) for requirement in requirements for roles in requirement.values()}
            check(wanted is not None and schemes_used == sorted(KEY_SCHEMES) and roles == {(wanted,)},
                  f"{method.upper()} {path}: needs scope {wanted} in either scheme (spec: {sorted(roles)})")


def check_operations(spec):
    """One line per operation: the rules every response of that route must follow."""
    for path, item in spec["paths"].items():
        template_params = set(re.findall(r"\{(\w+)\}", path))
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            problems, checked = [], []
            parameters = [resolve(spec, p) for p in operation.get("parameters", [])]
            in_path = {p["name"] for p in parameters if p["in"] == "path"}
            if in_path != template_params or not all(p.get("required") for p in parameters if p["in"] == "path"):
                problems.append(f"path parameters {sorted(in_path)} are not the template's, all required")
            checked.append(f"path parameters {sorted(in_path)}")
            responses = operation["responses"]
            ours = [s for s in responses if s not in GATEWAY_ONLY]
            missing = [s for s in ours if "x-request-id" not in headers_of(spec, responses[s])]
            if missing:
                problems.append(f"no x-request-id on {', '.join(missing)}")
            checked.append(f"x-request-id on {'/'.join(ours)}")
            errors = [s for s in responses if s.startswith(("4", "5"))]

            def media(status):
                return list(resolve(spec, responses[status]).get("content", {}))

            not_problem = [s for s in errors if s not in KEY_ERRORS | GATEWAY_ONLY and media(s) != ["application/problem+json"]]
            not_problem += [s for s in KEY_ERRORS & set(errors) if media(s) != ["application/problem+json", "application/json"]]
            not_problem += [s for s in GATEWAY_ONLY & set(errors) if media(s) != ["application/json"]]
            if not_problem or not {"400", "401", "403", "429", "500", "503"} <= set(errors):
                problems.append(f"errors must include 400/401/403/429/500/503, problem+json (401/403 also the "
                                f"gateway's JSON, 429 only that) (not: {not_problem})")
            checked.append(f"problem+json on {'/'.join(errors)}")
            if "retry-after" not in headers_of(spec, responses.get("503", {})):
                problems.append("503 without Retry-After")
            checked.append("Retry-After on 503")
            if method == "get":
                names = {p["name"].lower() for p in parameters}
                if "if-none-match" not in names:
                    problems.append("no If-None-Match request header")
                if not all("etag" in headers_of(spec, responses.get(s, {})) for s in ("200", "304")):
                    problems.append("200 or 304 without ETag")
                if not all("cache-control" in headers_of(spec, responses.get(s, {})) for s in ("200", "304")):
                    problems.append("200 or 304 without Cache-Control")
                if "304" not in responses or resolve(spec, responses["304"]).get("content"):
                    problems.append("no 304, or a 304 with a body")
                checked.append("If-None-Match, ETag and Cache-Control on 200/304, empty 304")
            else:
                if not {"200", "201", "413", "415"} <= set(responses):
                    problems.append("POST must declare 200, 201, 413 and 415")
                checked.append("200/201 ok, 413, 415")
            check(not problems, f"{method.upper()} {path}: " + ("; ".join(problems) if problems else ", ".join(checked)))
    not_allowed = spec["components"]["responses"].get("MethodNotAllowed", {})
    check("allow" in headers_of(spec, not_allowed), "components.responses.MethodNotAllowed (405) declares Allow")


def numeric_id_ok(text):
    """shared/src/ids.rs parse_digits: digits only, leading zeros, 0..=2147483647."""
    return bool(text) and text.isascii() and text.isdigit() and int(text) <= 2147483647


def check_patterns(spec):
    schemas = spec["components"]["schemas"]
    numeric = re.compile(schemas["NumericId"]["pattern"])
    cases = ["0", "00", "8", "002", "812", "999999999", "1000000000", "1999999999", "2000000000", "2099999999",
             "2100000000", "2139999999", "2140000000", "2146999999", "2147000000", "2147399999", "2147400000",
             "2147479999", "2147480000", "2147482999", "2147483000", "2147483599", "2147483600", "2147483639",
             "2147483640", "2147483646", "2147483647", "2147483648", "2147483649", "2147483650", "2147483700",
             "2147484000", "2147490000", "2147500000", "2148000000", "2150000000", "2200000000", "3000000000",
             "9999999999", "10000000000", "0002147483647", "0002147483648", "", "-1", "+1", " 1", "1 ", "1.0",
             "1e3", "0x10", "abc", "\u0661", "\uff11"]
    cases += [str(n) for n in range(0, 2147483647, 104729)]
    wrong = [c for c in cases if bool(numeric.fullmatch(c)) != numeric_id_ok(c)]
    check(not wrong, f"NumericId pattern agrees with the id parser on {len(cases)} boundary cases {wrong or ''}")
    interaction = re.compile(schemas["InteractionId"]["pattern"])
    good = ["210614222408193_ACD_00001", "a.b-c_D", "x" * 64, "full", "."]
    bad = ["", "x" * 65, "a b", "a/b", "ñ", "a%20b", "'abc"]
    check(
        all(interaction.fullmatch(c) for c in good) and not any(interaction.fullmatch(c) for c in bad),
        f"InteractionId pattern accepts {len(good)} and refuses {len(bad)} cases as the validator does",
    )


def main():
    spec_path = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "openapi.yaml"
    print(f"checking {spec_path}")
    spec = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    check(str(spec.get("openapi", "")).startswith("3.1"), f"openapi.yaml is OpenAPI {spec.get('openapi')}")
    in_spec = spec_routes(spec)
    in_contract = contract_routes()
    in_handlers = handler_routes()
    print(f"contract (docs/CONTRACT.md section 1): {len(in_contract)} routes")
    print(f"code (serve routes):                   {len(in_handlers)} routes")
    print(f"spec (openapi.yaml):                   {len(in_spec)} operations")
    print(show(in_spec))
    check(len(in_contract) == 7, "the contract lists 7 routes")
    check(in_spec == in_contract, "spec operations == contract routes"
          + (f"\n     only in spec: {sorted(in_spec - in_contract)}\n     only in contract: {sorted(in_contract - in_spec)}"
             if in_spec != in_contract else ""))
    check(in_spec == in_handlers, "spec operations == handler route table"
          + (f"\n     only in spec: {sorted(in_spec - in_handlers)}\n     only in the code: {sorted(in_handlers - in_spec)}"
             if in_spec != in_handlers else ""))
    check_operations(spec)
    check_security(spec)
    check_patterns(spec)
    if failures:
        print(f"openapi check: {len(failures)} failure(s)")
        return 1
    print("openapi check: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
