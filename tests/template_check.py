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
- every function is arm64 and logs JSON (on the function itself or through Globals);
- issue 11, least privilege: a database role per kind of function - each GET function logs in
  as the reader (its secret or user, DatabaseReaderPolicy), the POST function as the writer,
  migrate as the migrator, and the authorizer and the $default function have no database
  secret, user or policy; the Rules refuse a missing or shared role secret/user; every function
  has reserved concurrency, and the database functions' defaults fit the proxy's connection
  budget (DatabaseProxyMaxConnections, and the budget Rule agrees); the authorizer's cache key
  is the x-api-key header and the route (also checked on the SAM-expanded template).

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
MIGRATE_BINARY = "migrate"

# Issue 11: one PostgreSQL role per kind of function, each with its own parameters and policy.
ROLES = {
    "reader": {"secret": "DatabaseReaderSecretArn", "user": "DatabaseReaderUser", "policy": "DatabaseReaderPolicy"},
    "writer": {"secret": "DatabaseWriterSecretArn", "user": "DatabaseWriterUser", "policy": "DatabaseWriterPolicy"},
    "migrator": {"secret": "DatabaseSecretArn", "user": "DatabaseUser", "policy": "DatabaseMigratorPolicy"},
}
ROLE_OF_METHOD = {"GET": "reader", "POST": "writer"}
DATABASE_PARAMETERS = {name for role in ROLES.values() for name in (role["secret"], role["user"])}
DATABASE_POLICIES = {role["policy"] for role in ROLES.values()}
# Lambda refuses a reservation that leaves the account fewer than 100 unreserved executions;
# 1,000 is the usual account limit.
UNRESERVED_MINIMUM = 100
USUAL_ACCOUNT_LIMIT = 1000


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


def env_of(resource: dict, globals_props: dict) -> dict:
    """A function's environment variables as SAM applies Globals (merged, the function's win)."""
    own = ((resource.get("Properties") or {}).get("Environment") or {}).get("Variables") or {}
    glob = (globals_props.get("Environment") or {}).get("Variables") or {}
    return {**glob, **own}


def refs(node) -> set[str]:
    """Every name a node refers to: {"Ref": X}, {"Fn::GetAtt": [X, ...]} and ${X} in Fn::Sub."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                found.add(value)
            elif key == "Fn::GetAtt":
                found.add(ref_name({key: value}) or "")
            elif key == "Fn::Sub":
                text = value[0] if isinstance(value, list) else value
                if isinstance(text, str):
                    found |= {m.split(".", 1)[0] for m in re.findall(r"\$\{([^}!]+)\}", text)}
                if isinstance(value, list):
                    found |= refs(value[1:])
            else:
                found |= refs(value)
    elif isinstance(node, list):
        for item in node:
            found |= refs(item)
    return found


def strings(node) -> set[str]:
    """Every plain string in a node (actions, literal resources)."""
    if isinstance(node, str):
        return {node}
    if isinstance(node, dict):
        return set().union(*(strings(v) for v in node.values())) if node else set()
    if isinstance(node, list):
        return set().union(*(strings(v) for v in node)) if node else set()
    return set()


def statements(policy_document: dict) -> list[dict]:
    """A policy document's statements, each branch of an Fn::If included, AWS::NoValue left out."""
    out: list[dict] = []

    def add(node) -> None:
        if isinstance(node, dict) and "Fn::If" in node:
            for branch in node["Fn::If"][1:]:
                add(branch)
        elif isinstance(node, dict) and node.get("Ref") == "AWS::NoValue":
            return
        elif isinstance(node, list):
            for item in node:
                add(item)
        elif isinstance(node, dict):
            out.append(node)

    add(policy_document.get("Statement") or [])
    return out


def policy_reach(props: dict, resources: dict) -> tuple[set[str], set[str], set[str]]:
    """What a function's Policies reach: (managed policies of this template it attaches, names
    its statements refer to, plain strings such as actions), managed policies followed."""
    policies = props.get("Policies") or []
    attached = {name for name in (ref_name(p) for p in policies if isinstance(p, dict) and "Ref" in p)
                if (resources.get(name) or {}).get("Type") == "AWS::IAM::ManagedPolicy"}
    names = refs(policies) - attached
    found_strings = strings(policies)
    for name in attached:
        document = (resources[name].get("Properties") or {}).get("PolicyDocument") or {}
        names |= refs(document)
        found_strings |= strings(document)
    return attached, names, found_strings


def parameter_values(template: dict, **overrides: str) -> dict[str, str]:
    """Every parameter's value as CloudFormation passes it (a string): its default unless overridden."""
    values = {name: str(p["Default"]) for name, p in (template.get("Parameters") or {}).items() if "Default" in p}
    values.update(overrides)
    return values


def evaluate(node, values: dict[str, str]):
    """A Rules expression (Ref, Fn::Equals, Fn::Not, Fn::And, Fn::Or, Fn::Contains) for these values."""
    if isinstance(node, list):
        return [evaluate(item, values) for item in node]
    if not isinstance(node, dict):
        return str(node)
    if len(node) != 1:
        raise SystemExit(f"Rules: cannot evaluate {node!r}")
    (function, args), = node.items()
    if function == "Ref":
        if args not in values:
            raise SystemExit(f"Rules: no value for parameter {args!r}")
        return values[args]
    if function == "Fn::Equals":
        left, right = evaluate(args, values)
        return left == right
    if function == "Fn::Not":
        return not evaluate(args[0], values)
    if function == "Fn::And":
        return all(evaluate(args, values))
    if function == "Fn::Or":
        return any(evaluate(args, values))
    if function == "Fn::Contains":
        haystack, needle = evaluate(args, values)
        return needle in haystack
    raise SystemExit(f"Rules: {function} is not evaluated by this check")


def rules_refuse(template: dict, values: dict[str, str]) -> list[str]:
    """The AssertDescriptions of the Rules' assertions that fail for these parameter values."""
    refused = []
    for name, rule in (template.get("Rules") or {}).items():
        if "RuleCondition" in rule and not evaluate(rule["RuleCondition"], values):
            continue
        for assertion in rule.get("Assertions") or []:
            if not evaluate(assertion["Assert"], values):
                refused.append(f"{name}: {assertion.get('AssertDescription', '')}")
    return refused


def number(value, parameters: dict) -> int | None:
    """A literal number, or the default of the parameter it refers to."""
    if isinstance(value, dict) and "Ref" in value:
        value = (parameters.get(value["Ref"]) or {}).get("Default")
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def expand(template: dict) -> dict:
    """The template as SAM expands it (aws-sam-translator, no AWS call)."""
    import copy
    import json
    import os

    from samtranslator.translator.transform import transform

    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")  # the translator wants a region
    os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
    plain = json.loads(json.dumps(copy.deepcopy(template)))
    for resource in plain["Resources"].values():
        if resource.get("Type") == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = "s3://bucket/key"  # sam build puts the zip there

    class NoManagedPolicies:  # the template names no AWS managed policy by name
        def load(self) -> dict:
            return {}

    return transform(plain, {}, NoManagedPolicies())


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
    checks.check(
        "routeKey" in (identity.get("Context") or []),
        "the authorizer's identity includes the route (Context routeKey): a key's cached answer for one route is never reused for another",
        f"Identity is {dict(identity)!r}",
    )
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
    method_of = {route["function"]: route["method"] for route in code_routes()}

    def role_of(fn: dict) -> str | None:
        binary = binary_of(fn)
        if binary in (AUTHORIZER_BINARY, CATCH_ALL_BINARY):
            return None
        if binary == MIGRATE_BINARY:
            return "migrator"
        return ROLE_OF_METHOD.get(method_of.get(binary, ""), "unknown")

    database_functions = {name: fn for name, fn in functions.items() if role_of(fn) is not None}
    wanted = read_in_code - {"DB_CA_BUNDLE"}  # the bundle compiled in is the one AWS needs
    for name, fn in sorted(database_functions.items()):
        own_env = env_of(fn, globals_fn)
        passed = {key for key in own_env if key.startswith("DB_")}
        checks.check(
            wanted <= passed,
            f"every DB_* setting the AWS modes read (serve settings) is passed to {name}",
            f"missing {sorted(wanted - passed)}",
        )
    in_globals = {name for name in env if name.startswith("DB_")}
    layout_param = (template.get("Parameters") or {}).get("DatabaseLayout") or {}
    checks.check(
        set(layout_param.get("AllowedValues") or []) == set(settings["layouts"]) and bool(settings["layouts"]),
        "DatabaseLayout's AllowedValues are exactly the layouts the code accepts (serve settings)",
        f"template {layout_param.get('AllowedValues')!r}, code {settings['layouts']!r}",
    )
    checks.check(
        set(settings["layout_variables"]) <= in_globals,
        "DB_LAYOUT and DB_SCHEMA (serve settings) are passed to the functions",
        f"missing {sorted(set(settings['layout_variables']) - in_globals)}",
    )
    checks.check("DATABASE_URL" not in env, "no DATABASE_URL in the template (it would override DB_AUTH_MODE)")
    for name, fn in sorted(database_functions.items()):
        checks.check(bool((fn.get("Properties") or {}).get("VpcConfig")), f"{name} runs in the database's VPC")

    # -- issue 11: a database role per kind of function ---------------------------------
    parameters: dict = template.get("Parameters") or {}
    checks.check(
        not ({"DB_SECRET_ARN", "DB_USER"} & env.keys()),
        "Globals pass no DB_SECRET_ARN or DB_USER (who logs in is each function's own)",
        f"Globals set {sorted({'DB_SECRET_ARN', 'DB_USER'} & env.keys())}",
    )
    for role, names_of in ROLES.items():
        missing = sorted(p for p in (names_of["secret"], names_of["user"]) if p not in parameters)
        checks.check(not missing, f"the {role}'s parameters {names_of['secret']} and {names_of['user']} exist", f"missing {missing}")
        policy = resources.get(names_of["policy"]) or {}
        if not checks.check(policy.get("Type") == "AWS::IAM::ManagedPolicy", f"{names_of['policy']} is a managed policy"):
            continue
        stmts = statements((policy.get("Properties") or {}).get("PolicyDocument") or {})
        secret_reads = [s for s in stmts if "secretsmanager:GetSecretValue" in strings(s.get("Action"))]
        connects = [s for s in stmts if "rds-db:connect" in strings(s.get("Action"))]
        others = [s for s in stmts if s not in secret_reads and s not in connects]
        checks.check(
            len(secret_reads) == 1 and secret_reads[0].get("Resource") == {"Ref": names_of["secret"]}
            and strings(secret_reads[0].get("Action")) == {"secretsmanager:GetSecretValue"},
            f"{names_of['policy']} reads exactly one secret, {names_of['secret']}",
            f"statements {secret_reads!r}",
        )
        connect_as = [refs(s.get("Resource")) for s in connects]
        checks.check(
            len(connects) == 1 and strings(connects[0].get("Action")) == {"rds-db:connect"}
            and {"DatabaseProxyResourceId", names_of["user"]} <= connect_as[0]
            and not (connect_as[0] & (DATABASE_PARAMETERS - {names_of["user"]}))
            and f"dbuser:${{DatabaseProxyResourceId}}/${{{names_of['user']}}}" in str(connects[0].get("Resource")),
            f"{names_of['policy']} allows rds-db:connect only as {names_of['user']} on the proxy",
            f"statements {connects!r}",
        )
        checks.check(not others, f"{names_of['policy']} allows nothing else", f"other statements {others!r}")

    for name, fn in sorted(functions.items()):
        role = role_of(fn)
        if not checks.check(role != "unknown", f"{name}'s database role is known (GET reader, POST writer, migrate migrator, else none)"):
            continue
        props = fn.get("Properties") or {}
        own_env = env_of(fn, globals_fn)
        attached, named, found = policy_reach(props, resources)
        database_reach = (named & DATABASE_PARAMETERS) | (attached & DATABASE_POLICIES)
        if role is None:
            checks.check(
                "DB_SECRET_ARN" not in own_env and "DB_USER" not in own_env,
                f"{name} gets no database secret or user (DB_SECRET_ARN, DB_USER)",
                f"it gets {sorted({'DB_SECRET_ARN', 'DB_USER'} & own_env.keys())}",
            )
            checks.check(
                not database_reach and not any(s.startswith("rds-db:") for s in found),
                f"{name} has no database policy",
                f"its policies reach {sorted(database_reach)}",
            )
            continue
        names_of = ROLES[role]
        checks.check(
            own_env.get("DB_SECRET_ARN") == {"Ref": names_of["secret"]} and own_env.get("DB_USER") == {"Ref": names_of["user"]},
            f"{name} logs in as the {role} (DB_SECRET_ARN {names_of['secret']}, DB_USER {names_of['user']})",
            f"DB_SECRET_ARN {own_env.get('DB_SECRET_ARN')!r}, DB_USER {own_env.get('DB_USER')!r}",
        )
        checks.check(
            database_reach == {names_of["policy"], names_of["secret"], names_of["user"]},
            f"{name}'s database access is the {role}'s policy and nothing else ({names_of['policy']})",
            f"its policies reach {sorted(database_reach)}",
        )
    readers = sorted(n for n, fn in functions.items() if role_of(fn) == "reader")
    writers = sorted(n for n, fn in functions.items() if role_of(fn) == "writer")
    migrators = sorted(n for n, fn in functions.items() if role_of(fn) == "migrator")
    checks.check(len(readers) == 6, "the six GET functions are the reader's", f"readers {readers}")
    checks.check(writers == ["PutOutgoingParametersFunction"], "only PutOutgoingParametersFunction is the writer's", f"writers {writers}")
    checks.check(migrators == ["MigrateFunction"], "only MigrateFunction is the migrator's", f"migrators {migrators}")

    # -- the Rules: each role's secret (user) required in its mode, and no two roles share one
    secrets_mode = parameter_values(
        template, DatabaseAuthMode="secrets-manager",
        **{names_of["secret"]: f"arn:aws:secretsmanager:us-east-1:123456789012:secret:v3/{role}-AbCdEf"
           for role, names_of in ROLES.items()},
    )
    iam_mode = parameter_values(
        template, DatabaseAuthMode="iam", DatabaseProxyResourceId="prx-0123abcd",
        **{names_of["user"]: f"v3_{role}" for role, names_of in ROLES.items()},
    )
    for mode, values, kind in (("secrets-manager", secrets_mode, "secret"), ("iam", iam_mode, "user")):
        checks.check(not rules_refuse(template, values), f"the Rules accept a complete {mode} set-up (one {kind} per role)",
                     "; ".join(rules_refuse(template, values)))
        role_params = [ROLES[role][kind] for role in ROLES]
        for param in role_params:
            checks.check(bool(rules_refuse(template, {**values, param: ""})), f"the Rules refuse {mode} mode without {param}")
        for i, first in enumerate(role_params):
            for second in role_params[i + 1:]:
                checks.check(bool(rules_refuse(template, {**values, second: values[first]})),
                             f"the Rules refuse {mode} mode with {first} and {second} the same")

    # -- issue 11: reserved concurrency, within the proxy's connections -------------------
    reserved: dict[str, int | None] = {}
    for name, fn in sorted(functions.items()):
        value = effective(fn.get("Properties") or {}, globals_fn, "ReservedConcurrentExecutions")
        reserved[name] = number(value, parameters)
        checks.check(
            reserved[name] is not None and reserved[name] >= 1,
            f"{name} has ReservedConcurrentExecutions (default {reserved[name]})",
            f"ReservedConcurrentExecutions is {value!r}",
        )
    for name in ("ReservedConcurrencyReads", "ReservedConcurrencyWrites", "ReservedConcurrencyAuthorizer"):
        checks.check(name in parameters, f"the parameter {name} exists")
    budget = number({"Ref": "DatabaseProxyMaxConnections"}, parameters)
    pinned = 0
    terms = []
    for name, fn in sorted(database_functions.items()):
        own_env = env_of(fn, globals_fn)
        per_container = number(own_env.get("DB_MAX_CONNECTIONS"), parameters)
        if not checks.check(per_container is not None and reserved.get(name) is not None,
                            f"{name}'s connections are bounded (DB_MAX_CONNECTIONS {per_container} x reserved {reserved.get(name)})"):
            continue
        pinned += per_container * reserved[name]
        terms.append(f"{reserved[name]}x{per_container}")
    checks.check(
        budget is not None and pinned <= budget,
        f"the database functions' defaults pin at most {pinned} connections ({' + '.join(terms)}), within DatabaseProxyMaxConnections' default {budget}",
    )
    total = sum(v for v in reserved.values() if v)
    checks.check(
        total + UNRESERVED_MINIMUM <= USUAL_ACCOUNT_LIMIT,
        f"the defaults reserve {total}, leaving Lambda's minimum {UNRESERVED_MINIMUM} unreserved in an account of {USUAL_ACCOUNT_LIMIT}",
    )
    # Rules cannot add: the budget Rule lists the budgets too small for the defaults' sum.
    refused = {b for b in range(1, pinned + 51)
               if rules_refuse(template, {**secrets_mode, "DatabaseProxyMaxConnections": str(b)})}
    checks.check(
        refused == set(range(1, pinned)),
        f"with the default reservations the Rules refuse exactly the budgets below {pinned} (DatabaseProxyMaxConnections 1..{pinned - 1})",
        f"refused {sorted(refused)[:3]}...{sorted(refused)[-3:]}" if refused else "refused none",
    )

    # -- the template as SAM expands it -------------------------------------------------
    try:
        expanded = expand(template)
    except ImportError:
        print("skip  the SAM-expanded template (aws-sam-translator is not installed)")
        expanded = None
    if expanded is not None:
        out: dict = expanded.get("Resources") or {}
        body = ((out.get(api_id) or {}).get("Properties") or {}).get("Body") or {}
        schemes = (body.get("components") or {}).get("securitySchemes") or {}
        source = ((schemes.get(default_authorizer) or {}).get("x-amazon-apigateway-authorizer") or {}).get("identitySource") or []
        checks.check(
            {"$request.header.x-api-key", "$context.routeKey"} <= set(source),
            "expanded: the API's authorizer identity source is the x-api-key header and $context.routeKey",
            f"identitySource {source!r}",
        )
        for name, fn in sorted(functions.items()):
            role = role_of(fn)
            lambda_fn = out.get(name) or {}
            props = lambda_fn.get("Properties") or {}
            variables = (props.get("Environment") or {}).get("Variables") or {}
            role_props = (out.get(ref_name(props.get("Role")) or "") or {}).get("Properties") or {}
            managed = {ref_name(arn) for arn in role_props.get("ManagedPolicyArns") or [] if isinstance(arn, dict)}
            inline_names = refs(role_props.get("Policies") or [])
            reach = (managed & DATABASE_POLICIES) | (inline_names & DATABASE_PARAMETERS)
            login = {ref_name(variables[key]) for key in ("DB_SECRET_ARN", "DB_USER") if key in variables}
            expected_login = {ROLES[role]["secret"], ROLES[role]["user"]} if role in ROLES else set()
            expected_reach = {ROLES[role]["policy"]} if role in ROLES else set()
            checks.check(
                lambda_fn.get("Type") == "AWS::Lambda::Function" and login == expected_login and reach == expected_reach
                and "ReservedConcurrentExecutions" in props,
                f"expanded: {name} logs in as {role or 'no database role'} and its role attaches {sorted(expected_reach) or 'no database policy'}, with reserved concurrency",
                f"login {sorted(login)}, database policies {sorted(reach)}, reserved {props.get('ReservedConcurrentExecutions')!r}",
            )

    print(f"{checks.passed} passed, {checks.failed} failed")
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())
