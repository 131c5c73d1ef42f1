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
  is the x-api-key header and the route (also checked on the SAM-expanded template);
- issue 12, operable per function: every route function and the authorizer publish a version
  behind the alias `live` (the API calls the authorizer's alias too) and shift to it as the
  DeploymentPreference parameter says (CodeDeploy's Lambda configurations, gradual by default),
  rolled back by their own alarms (Lambda errors and, for the functions that write them, their
  5xx answers; p99 duration), which can fire within the shortest canary; provisioned
  concurrency per function, off by default, priced, on the alias, within the reservation (the
  Rules); migrate has no canary; every function traces actively;
- the dashboard: every metric it shows is one something really writes under that name,
  namespace and dimensions - the code's EMF metrics as `serve metrics` prints them (the
  functions' METRICS_NAMESPACE is MetricsNamespace, whose default is the code's), AWS/Lambda
  and AWS/ApiGateway metrics AWS publishes, the template's metric filters - and it shows per
  route requests, 4xx, 5xx, p50/p99 latency, database time, throttles and cold starts (Logs
  Insights on platform.report), and the authorizer's denials (overall and by route);
- on the SAM-expanded template (once per DeploymentPreference value): every route -> alias
  live -> function, the authorizer on every route and through its alias, nothing public (every
  invoke permission is API Gateway's, from this API, on an alias), every alias shifted by its
  CodeDeploy deployment group with that function's alarms and the chosen configuration,
  provisioned concurrency on the alias only, tracing with the X-Ray permission. The list of
  these rules is printed at the end.

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
from route_table import code_metrics, code_routes, code_settings  # noqa: E402
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
        # rule -> outcomes of the checks made under it on the SAM-expanded template
        self.expanded: dict[str, list[bool]] = {}

    def check(self, ok: bool, what: str, why: str = "") -> bool:
        if ok:
            self.passed += 1
            print(f"ok    {what}")
        else:
            self.failed += 1
            print(f"FAIL  {what}" + (f": {why}" if why else ""))
        return ok

    def on_expanded(self, rule: str, ok: bool, what: str, why: str = "") -> bool:
        """A check on the SAM-expanded template, counted under its rule for the closing list."""
        self.expanded.setdefault(rule, []).append(ok)
        return self.check(ok, f"expanded: {what}", why)

    def list_expanded(self) -> None:
        """The rules checked on the SAM-expanded template, each with its number of checks."""
        if not self.expanded:
            return
        print("checks run on the SAM-expanded template (what CloudFormation deploys):")
        for rule, outcomes in self.expanded.items():
            failed = outcomes.count(False)
            print(f"  {'ok  ' if not failed else 'FAIL'}  {rule} ({len(outcomes)} checks{f', {failed} failed' if failed else ''})")


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


def expand(template: dict, parameters: dict[str, str] | None = None) -> dict:
    """The template as SAM expands it (aws-sam-translator, no AWS call), for these parameter
    values (SAM resolves some, such as DeploymentPreference's Type, at transform time)."""
    import copy
    import json
    import logging
    import os

    from samtranslator.translator.transform import transform

    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")  # the translator wants a region
    os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
    logging.getLogger("samtranslator").setLevel(logging.ERROR)  # its feature-toggle and metrics notes
    plain = json.loads(json.dumps(copy.deepcopy(template)))
    for resource in plain["Resources"].values():
        if resource.get("Type") == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = "s3://bucket/key"  # sam build puts the zip there

    class NoManagedPolicies:  # the template names no AWS managed policy by name
        def load(self) -> dict:
            return {}

    return transform(plain, dict(parameters or {}), NoManagedPolicies())


# --- issue 12: gradual deploys, provisioned concurrency, tracing, the dashboard ------------

ALIAS = "live"
# CodeDeploy's predefined deployment configurations for Lambda (CodeDeployDefault.Lambda<name>).
CODEDEPLOY_LAMBDA_CONFIGS = {
    "AllAtOnce",
    "Canary10Percent5Minutes", "Canary10Percent10Minutes", "Canary10Percent15Minutes", "Canary10Percent30Minutes",
    "Linear10PercentEvery1Minute", "Linear10PercentEvery2Minutes", "Linear10PercentEvery3Minutes",
    "Linear10PercentEvery10Minutes",
}
# Metrics AWS publishes, with the dimensions this template may use: (required, allowed).
AWS_METRICS = {
    "AWS/Lambda": ({"Invocations", "Errors", "Throttles", "Duration", "ConcurrentExecutions",
                    "ProvisionedConcurrencySpilloverInvocations", "ProvisionedConcurrencyUtilization"},
                   {"FunctionName"}, {"FunctionName", "Resource", "ExecutedVersion"}),
    # ApiId (and Stage); per-route metrics (Route) only with detailed metrics, which are off.
    "AWS/ApiGateway": ({"Count", "4xx", "5xx", "Latency", "IntegrationLatency", "DataProcessed"},
                       {"ApiId"}, {"ApiId", "Stage"}),
}
PERCENTILE = re.compile(r"^p\d{1,2}(\.\d+)?$")


def shift_seconds(preference: str) -> int | None:
    """How long CodeDeploy takes to move all of an alias's traffic under a predefined config
    (the window in which an alarm can still roll it back); None for AllAtOnce."""
    canary = re.fullmatch(r"Canary10Percent(\d+)Minutes?", preference)
    if canary:
        return int(canary.group(1)) * 60
    linear = re.fullmatch(r"Linear10PercentEvery(\d+)Minutes?", preference)
    if linear:
        return 9 * int(linear.group(1)) * 60  # 10 percent now, then nine more steps
    return None


def sub_name(value) -> str | None:
    """X for the string "${X}" (a whole Fn::Sub variable), else None."""
    match = re.fullmatch(r"\$\{([^}!]+)\}", value) if isinstance(value, str) else None
    return match.group(1) if match else None


def sub_text(value) -> str | None:
    """The template string of an Fn::Sub (or a plain string)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Fn::Sub" in value:
        sub = value["Fn::Sub"]
        return sub[0] if isinstance(sub, list) else sub
    return None


def alarm_metrics(props: dict) -> list[dict]:
    """Every metric an alarm watches: namespace, name, dimensions (name -> value as written),
    statistic and period."""
    def dims(items) -> dict:
        return {d.get("Name"): d.get("Value") for d in items or []}

    if "MetricName" in props:
        return [{"namespace": props.get("Namespace"), "name": props.get("MetricName"),
                 "dimensions": dims(props.get("Dimensions")),
                 "stat": props.get("ExtendedStatistic") or props.get("Statistic"), "period": props.get("Period")}]
    out = []
    for query in props.get("Metrics") or []:
        stat = query.get("MetricStat")
        if stat:
            metric = stat.get("Metric") or {}
            out.append({"namespace": metric.get("Namespace"), "name": metric.get("MetricName"),
                        "dimensions": dims(metric.get("Dimensions")), "stat": stat.get("Stat"),
                        "period": stat.get("Period")})
    return out


def alarm_reaction_seconds(props: dict) -> int | None:
    """The least time an alarm needs to fire: its period times the datapoints it needs."""
    periods = [number(m["period"], {}) for m in alarm_metrics(props)]
    if not periods or None in periods:
        return None
    datapoints = number(props.get("DatapointsToAlarm", props.get("EvaluationPeriods")), {})
    return max(periods) * datapoints if datapoints else None


def watched_function(metric: dict, binaries: dict[str, str], emf_namespace) -> str | None:
    """The logical id of the function whose metric this is (FunctionName !Ref X, or the code's
    Function dimension naming X's binary), else None."""
    dims = metric["dimensions"]
    if metric["namespace"] == "AWS/Lambda" and isinstance(dims.get("FunctionName"), dict):
        return dims["FunctionName"].get("Ref")
    if metric["namespace"] == emf_namespace and isinstance(dims.get("Function"), str):
        return binaries.get(dims["Function"])
    return None


def rollback_alarms(fn: dict) -> list[str]:
    alarms = ((fn.get("Properties") or {}).get("DeploymentPreference") or {}).get("Alarms") or []
    return [ref_name(a) for a in alarms if ref_name(a)]


def check_deploys(checks: Checks, template: dict, functions: dict, request_path: list[str],
                  emf_writers: set[str], values: dict[str, str]) -> None:
    """Issue 12, point 1: every request-path function behind the alias live, deployed as
    DeploymentPreference says, rolled back by its own alarms; provisioned concurrency optional,
    within the reservation; tracing on."""
    resources: dict = template["Resources"]
    parameters: dict = template.get("Parameters") or {}
    globals_fn = ((template.get("Globals") or {}).get("Function")) or {}
    binaries = {binary_of(fn): name for name, fn in functions.items()}
    preference = parameters.get("DeploymentPreference") or {}
    allowed = [str(v) for v in preference.get("AllowedValues") or []]
    checks.check(
        bool(allowed) and set(allowed) <= CODEDEPLOY_LAMBDA_CONFIGS
        and any(v.startswith("Canary") for v in allowed) and any(v.startswith("Linear") for v in allowed)
        and "AllAtOnce" in allowed,
        "DeploymentPreference offers CodeDeploy's Lambda configurations only: canaries, linear shifts and AllAtOnce",
        f"AllowedValues {allowed}, unknown {sorted(set(allowed) - CODEDEPLOY_LAMBDA_CONFIGS)}",
    )
    default = str(preference.get("Default"))
    checks.check(shift_seconds(default) is not None, f"DeploymentPreference's default ({default}) is gradual, not all at once")
    window = min((s for s in (shift_seconds(v) for v in allowed) if s), default=None)

    for name in request_path:
        props = functions[name].get("Properties") or {}
        deploy = props.get("DeploymentPreference") or {}
        checks.check(
            props.get("AutoPublishAlias") == ALIAS and deploy.get("Type") == {"Ref": "DeploymentPreference"}
            and deploy.get("Enabled", True) is True,
            f"{name} publishes a version behind the alias {ALIAS} and shifts to it as DeploymentPreference says",
            f"AutoPublishAlias {props.get('AutoPublishAlias')!r}, DeploymentPreference {deploy!r}",
        )
        alarms = rollback_alarms(functions[name])
        watched = {a: alarm_metrics((resources.get(a) or {}).get("Properties") or {}) for a in alarms
                   if (resources.get(a) or {}).get("Type") == "AWS::CloudWatch::Alarm"}
        others = sorted({watched_function(m, binaries, {"Ref": "MetricsNamespace"}) or f"{m['namespace']}/{m['name']}"
                         for ms in watched.values() for m in ms} - {name})
        binary = binary_of(functions[name])
        lambda_errors = any(
            m["namespace"] == "AWS/Lambda" and m["name"] == "Errors" and m["dimensions"].get("FunctionName") == {"Ref": name}
            and m["dimensions"].get("Resource", {"Fn::Sub": f"${{{name}}}:{ALIAS}"}) == {"Fn::Sub": f"${{{name}}}:{ALIAS}"}
            and m["stat"] == "Sum"
            for ms in watched.values() for m in ms)
        answered_5xx = any(
            m["namespace"] == {"Ref": "MetricsNamespace"} and m["name"] == "ServerErrors"
            and m["dimensions"] == {"Function": binary} and m["stat"] == "Sum"
            for ms in watched.values() for m in ms)
        p99 = any(
            m["namespace"] == "AWS/Lambda" and m["name"] == "Duration" and m["dimensions"].get("FunctionName") == {"Ref": name}
            and m["stat"] == "p99"
            for ms in watched.values() for m in ms)
        checks.check(
            len(watched) == len(alarms) and lambda_errors and p99 and (answered_5xx or binary not in emf_writers) and not others,
            f"{name}'s rollback alarms are its own errors (Lambda errors{', its 5xx answers' if binary in emf_writers else ''}) and its own p99 duration",
            f"alarms {alarms}: Lambda errors {lambda_errors}, 5xx answers {answered_5xx}, p99 {p99}, other metrics {others}",
        )
        slow = sorted(f"{a} ({alarm_reaction_seconds(resources[a]['Properties'])} s)" for a in watched
                      if (alarm_reaction_seconds(resources[a]["Properties"]) or 10**9) > (window or 0))
        checks.check(
            window is not None and not slow,
            f"{name}'s rollback alarms can fire within the shortest gradual shift ({window} s)",
            f"too slow: {slow}",
        )
        # provisioned concurrency: optional, on the alias, within the reservation
        param = f"ProvisionedConcurrency{name.removesuffix('Function')}"
        declared = parameters.get(param) or {}
        config = props.get("ProvisionedConcurrencyConfig")
        condition = config["Fn::If"][0] if isinstance(config, dict) and isinstance(config.get("Fn::If"), list) else None
        checks.check(
            config == {"Fn::If": [condition, {"ProvisionedConcurrentExecutions": {"Ref": param}}, {"Ref": "AWS::NoValue"}]}
            and (template.get("Conditions") or {}).get(condition) == {"Fn::Not": [{"Fn::Equals": [{"Ref": param}, "0"]}]}
            and str(declared.get("Default")) == "0" and "USD" in str(declared.get("Description")),
            f"{name}'s provisioned concurrency is {param} (default 0: off; its cost in the description), on the alias only when not 0",
            f"ProvisionedConcurrencyConfig {config!r}, {param} {declared!r}",
        )
        reserved = effective(props, globals_fn, "ReservedConcurrentExecutions")
        limit = number(reserved, parameters)
        if limit is not None:
            at_limit = rules_refuse(template, {**values, param: str(limit)})
            above = rules_refuse(template, {**values, param: str(limit + 1)})
            checks.check(
                not at_limit and bool(above),
                f"the Rules accept {param} up to {name}'s default reservation ({limit}) and refuse {limit + 1}",
                f"at {limit}: {at_limit}; at {limit + 1}: {above or 'accepted'}",
            )
    for name, fn in sorted(functions.items()):
        tracing = effective(fn.get("Properties") or {}, globals_fn, "Tracing")
        checks.check(tracing == "Active", f"{name} traces actively (Tracing: Active)", f"Tracing is {tracing!r}")
    migrate = [n for n, fn in functions.items() if binary_of(fn) == MIGRATE_BINARY]
    checks.check(
        all("DeploymentPreference" not in (functions[n].get("Properties") or {}) for n in migrate),
        "migrate has no deployment preference (a custom resource CloudFormation invokes once per deploy; no route calls it)",
    )


def dashboard_metrics(widget: dict) -> list[dict] | None:
    """A metric widget's metrics, each {namespace, name, dimensions, stat}; None when one is
    not written out in full (the "..." shorthand, or an expression)."""
    out = []
    for item in (widget.get("properties") or {}).get("metrics") or []:
        if not isinstance(item, list) or any(part in (".", "...") for part in item if isinstance(part, str)):
            return None
        options = item[-1] if item and isinstance(item[-1], dict) else {}
        parts = item[:-1] if options else item
        if len(parts) < 2 or len(parts) % 2:
            return None
        out.append({"namespace": parts[0], "name": parts[1], "dimensions": dict(zip(parts[2::2], parts[3::2])),
                    "stat": options.get("stat", (widget.get("properties") or {}).get("stat", "Average"))})
    return out


def log_sources(widget: dict) -> list[str]:
    """The log groups a Logs Insights widget reads: X of each SOURCE '${X}'."""
    query = (widget.get("properties") or {}).get("query") or ""
    return [sub_name(s) or s for s in re.findall(r"SOURCE\s+'([^']+)'", query)]


def check_dashboard(checks: Checks, template: dict, functions: dict, request_path: list[str],
                    database_functions: set[str], api_id: str | None, metrics: dict) -> None:
    """Issue 12, point 2: the dashboard shows, per route, requests, 4xx and 5xx, p50/p99 latency,
    database time, cold starts, throttles and authorizer denials, and every metric it names is
    one something really writes under that name, namespace and dimensions."""
    import json

    resources: dict = template["Resources"]
    parameters: dict = template.get("Parameters") or {}
    globals_fn = ((template.get("Globals") or {}).get("Function")) or {}
    dashboards = [k for k, v in resources.items() if v.get("Type") == "AWS::CloudWatch::Dashboard"]
    if not checks.check(len(dashboards) == 1, "the template has one AWS::CloudWatch::Dashboard", f"found {dashboards}"):
        return
    text = sub_text((resources[dashboards[0]].get("Properties") or {}).get("DashboardBody"))
    try:
        body = json.loads(text or "")
    except ValueError as error:
        checks.check(False, "the dashboard's body is JSON", str(error))
        return
    widgets = body.get("widgets") or []
    metric_widgets = [w for w in widgets if w.get("type") == "metric"]
    log_widgets = [w for w in widgets if w.get("type") == "log"]
    parsed = {id(w): dashboard_metrics(w) for w in metric_widgets}
    checks.check(all(m is not None for m in parsed.values()),
                 "every dashboard metric is written out in full (namespace, name, dimensions; no shorthand or expression)",
                 "; ".join((w.get("properties") or {}).get("title", "?") for w in metric_widgets if parsed[id(w)] is None))
    shown = [(w, m) for w in metric_widgets for m in parsed[id(w)] or []]
    binaries = {binary_of(fn): name for name, fn in functions.items()}

    # -- where each metric comes from ----------------------------------------------------
    emf_ns = "${MetricsNamespace}"
    env = (globals_fn.get("Environment") or {}).get("Variables") or {}
    ns_param = parameters.get("MetricsNamespace") or {}
    checks.check(
        env.get(metrics["namespace_variable"]) == {"Ref": "MetricsNamespace"}
        and str(ns_param.get("Default")) == metrics["default_namespace"],
        f"the functions' {metrics['namespace_variable']} is MetricsNamespace, whose default is the code's ({metrics['default_namespace']}, serve metrics)",
        f"{metrics['namespace_variable']} {env.get(metrics['namespace_variable'])!r}, MetricsNamespace default {ns_param.get('Default')!r}",
    )
    writers = set(metrics["functions"]) | {CATCH_ALL_BINARY}
    code_metrics = set(metrics["histograms"]) | set(metrics["counters"])
    bad = sorted({f"{m['name']} {m['dimensions']}" for _, m in shown if m["namespace"] == emf_ns
                  and (m["name"] not in code_metrics or set(m["dimensions"]) != {metrics["dimension"]}
                       or m["dimensions"][metrics["dimension"]] not in writers)})
    checks.check(
        not bad,
        f"every {emf_ns} metric on the dashboard is one the code writes (serve metrics: {', '.join(sorted(code_metrics))}; dimension {metrics['dimension']} = a function that writes it)",
        "; ".join(bad),
    )
    watched = [(name, m) for name, r in resources.items() if r.get("Type") == "AWS::CloudWatch::Alarm"
               for m in alarm_metrics(r.get("Properties") or {}) if m["namespace"] == {"Ref": "MetricsNamespace"}]
    bad = sorted({f"{name}: {m['name']} {m['dimensions']}" for name, m in watched
                  if m["name"] not in code_metrics or set(m["dimensions"]) != {metrics["dimension"]}
                  or m["dimensions"][metrics["dimension"]] not in writers})
    checks.check(bool(watched) and not bad, f"every MetricsNamespace metric an alarm watches is one the code writes, for a function that writes it ({len(watched)} watched)",
                 "; ".join(bad))
    bad = sorted({f"{m['name']} {m['stat']}" for _, m in shown if m["namespace"] == emf_ns
                  and ((m["name"] in metrics["counters"] and m["stat"] != "Sum")
                       or (m["name"] in metrics["histograms"] and not (PERCENTILE.match(str(m["stat"])) or m["stat"] in {"Average", "Minimum", "Maximum"})))})
    checks.check(not bad, "the code's counters are shown as sums, its histograms as percentiles or averages", "; ".join(bad))
    checks.check(
        not sorted({m["dimensions"].get(metrics["dimension"]) for _, m in shown if m["namespace"] == emf_ns and m["name"] == "DatabaseMs"}
                   - {binary_of(functions[n]) for n in database_functions}),
        "DatabaseMs is shown only for functions that use the database (the catch-all writes none)",
    )
    bad = []
    for _, m in shown:
        spec = AWS_METRICS.get(m["namespace"])
        if not spec:
            continue
        names, required, allowed = spec
        dims = set(m["dimensions"])
        target = sub_name(m["dimensions"].get("FunctionName") or m["dimensions"].get("ApiId"))
        right_target = (target in functions) if m["namespace"] == "AWS/Lambda" else (target == api_id)
        if m["name"] not in names or not (required <= dims <= allowed) or not right_target:
            bad.append(f"{m['namespace']} {m['name']} {m['dimensions']}")
    checks.check(not bad, "every AWS/Lambda and AWS/ApiGateway metric on the dashboard is one AWS publishes, for a function or the API of this template", "; ".join(sorted(set(bad))))
    filters = {}
    for name, resource in resources.items():
        if resource.get("Type") == "AWS::Logs::MetricFilter":
            for transform_ in (resource.get("Properties") or {}).get("MetricTransformations") or []:
                filters[(sub_text(transform_.get("MetricNamespace")), transform_.get("MetricName"))] = name
    unknown = sorted({f"{m['namespace']} {m['name']}" for _, m in shown
                      if m["namespace"] != emf_ns and m["namespace"] not in AWS_METRICS
                      and (m["namespace"], m["name"]) not in filters})
    checks.check(not unknown, "every other metric on the dashboard is one of this template's metric filters", "; ".join(unknown))

    # -- every widget is about one function --------------------------------------------
    log_group_of = {}
    for name, fn in functions.items():
        group = ref_name((effective(fn.get("Properties") or {}, globals_fn, "LoggingConfig") or {}).get("LogGroup"))
        if group:
            log_group_of[group] = name
    mixed = []
    for widget in metric_widgets + log_widgets:
        about = {watched_function({**m, "dimensions": {k: ({"Ref": sub_name(v)} if sub_name(v) else v) for k, v in m["dimensions"].items()}},
                                  binaries, emf_ns) for m in parsed.get(id(widget)) or []}
        about |= {log_group_of.get(s) for s in log_sources(widget)}
        about.discard(None)
        if len(about) > 1:
            mixed.append(f"{(widget.get('properties') or {}).get('title')}: {sorted(about)}")
    checks.check(not mixed, "each dashboard widget is about one function (its metrics and log group agree)", "; ".join(mixed))
    groups = {k for k, v in resources.items() if v.get("Type") == "AWS::Logs::LogGroup"}
    strays = sorted({s for w in log_widgets for s in log_sources(w)} - groups)
    checks.check(all(log_sources(w) for w in log_widgets) and not strays,
                 "every Logs Insights widget reads log groups of this template (SOURCE '${LogGroup}')", f"{strays}")
    logging_config = globals_fn.get("LoggingConfig") or {}
    checks.check(
        logging_config.get("LogFormat") == "JSON" and logging_config.get("SystemLogLevel") in {"DEBUG", "INFO"},
        "the functions write platform.report lines as JSON (SystemLogLevel INFO or lower), which the cold-start widgets read",
        f"LoggingConfig {logging_config!r}",
    )

    # -- per route (and the authorizer): what on-call needs -------------------------------
    def has(name: str, metric: str, namespace: str, stat: str | None = None) -> bool:
        key = "FunctionName" if namespace == "AWS/Lambda" else metrics["dimension"]
        value = f"${{{name}}}" if namespace == "AWS/Lambda" else binary_of(functions[name])
        return any(m["namespace"] == namespace and m["name"] == metric and m["dimensions"] == {key: value}
                   and (stat is None or m["stat"] == stat) for _, m in shown)

    def cold_starts(name: str) -> bool:
        group = next((g for g, n in log_group_of.items() if n == name), None)
        return any(log_sources(w) == [group] and "platform.report" in w["properties"]["query"]
                   and "initDurationMs" in w["properties"]["query"] for w in log_widgets)

    for name in request_path:
        binary = binary_of(functions[name])
        if binary == AUTHORIZER_BINARY:
            wanted = {
                "invocations": has(name, "Invocations", "AWS/Lambda"), "errors": has(name, "Errors", "AWS/Lambda"),
                "p50": has(name, "Duration", "AWS/Lambda", "p50"), "p99": has(name, "Duration", "AWS/Lambda", "p99"),
                "throttles": has(name, "Throttles", "AWS/Lambda"), "cold starts": cold_starts(name),
            }
        else:
            wanted = {
                "requests": has(name, "Invocations", "AWS/Lambda"),
                "4xx": has(name, "ClientErrors", emf_ns, "Sum"), "5xx": has(name, "ServerErrors", emf_ns, "Sum"),
                "p50 latency": has(name, "LatencyMs", emf_ns, "p50"), "p99 latency": has(name, "LatencyMs", emf_ns, "p99"),
                "throttles": has(name, "Throttles", "AWS/Lambda"), "cold starts": cold_starts(name),
            }
            if name in database_functions:
                wanted["database time"] = has(name, "DatabaseMs", emf_ns)
        checks.check(all(wanted.values()), f"the dashboard shows {name}'s {', '.join(wanted)}",
                     f"missing {[k for k, v in wanted.items() if not v]}")

    # -- authorizer denials: counted from its log lines, by route from the access log ------
    authorizer = next((n for n in request_path if binary_of(functions[n]) == AUTHORIZER_BINARY), None)
    authorizer_group = next((g for g, n in log_group_of.items() if n == authorizer), None)
    denial_filters = [
        (ns, metric) for (ns, metric), name in filters.items()
        if ref_name((resources[name].get("Properties") or {}).get("LogGroupName")) == authorizer_group
        and '"denied*"' in str((resources[name].get("Properties") or {}).get("FilterPattern"))
    ]
    checks.check(
        any((m["namespace"], m["name"]) in denial_filters for _, m in shown),
        "the dashboard shows the authorizer's denials (a metric filter counting its \"denied: ...\" lines)",
        f"denial filters {denial_filters}",
    )
    access = ((resources.get(api_id) or {}).get("Properties") or {}).get("AccessLogSettings") or {} if api_id else {}
    access_group = ref_name(access.get("DestinationArn"))
    log_format = str(access.get("Format"))
    by_route = [w for w in log_widgets if log_sources(w) == [access_group]
                and all(s in w["properties"]["query"] for s in ("'401'", "'403'", "by routeKey"))]
    checks.check(
        bool(by_route) and '"routeKey":"$context.routeKey"' in log_format and '"status":"$context.status"' in log_format,
        "the dashboard shows the denials by route (the access log's 401 and 403 by routeKey, fields the access log writes)",
    )


def check_expanded_deploys(checks: Checks, template: dict, functions: dict, request_path: list[str],
                           served: dict[tuple[str, str], list[str]], api_id: str | None,
                           default_authorizer, expansions: dict[str, dict]) -> None:
    """Issue 12, point 6: on the template as SAM expands it (once per DeploymentPreference
    value): every route -> alias live -> function, every alias shifted by CodeDeploy with its
    function's alarms, the authorizer on every route and through its alias, nothing public."""
    preference = str(((template.get("Parameters") or {}).get("DeploymentPreference") or {}).get("Default"))
    out: dict = expansions[preference]["Resources"]
    alias_of = {r["Properties"].get("FunctionName", {}).get("Ref"): k for k, r in out.items()
                if r.get("Type") == "AWS::Lambda::Alias" and isinstance(r["Properties"].get("FunctionName"), dict)}

    def alias_ok(name: str) -> bool:
        """name's alias is live, of name's Lambda function, at a version of that function."""
        alias = out.get(alias_of.get(name) or "") or {}
        props = alias.get("Properties") or {}
        version = ref_name(props.get("FunctionVersion")) or ""
        version_props = (out.get(version) or {}).get("Properties") or {}
        return (props.get("Name") == ALIAS and (out.get(name) or {}).get("Type") == "AWS::Lambda::Function"
                and (out.get(version) or {}).get("Type") == "AWS::Lambda::Version"
                and version_props.get("FunctionName") == {"Ref": name})

    # -- the API's routes: each guarded, each through its function's alias -----------------
    api = out.get(api_id) or {} if api_id else {}
    paths = ((api.get("Properties") or {}).get("Body") or {}).get("paths") or {}
    operations = {}
    for path, methods in paths.items():
        for method, operation in (methods or {}).items():
            method = "ANY" if method == "x-amazon-apigateway-any-method" else method.upper()
            operations[(method, path)] = operation
    checks.on_expanded(
        "the API has exactly the template's routes",
        set(operations) == set(served), "the HttpApi's body has exactly the routes of the template's events",
        f"body {sorted(operations)}, events {sorted(served)}",
    )
    for (method, path), operation in sorted(operations.items()):
        checks.on_expanded(
            "the authorizer on every route",
            operation.get("security") == [{default_authorizer: []}],
            f"{method} {path} is guarded by {default_authorizer}", f"security {operation.get('security')!r}",
        )
        uri = (operation.get("x-amazon-apigateway-integration") or {}).get("uri")
        target = next((n for n in refs(uri) if (out.get(n) or {}).get("Type") == "AWS::Lambda::Alias"), None)
        function = ref_name(((out.get(target) or {}).get("Properties") or {}).get("FunctionName")) if target else None
        expected = (served.get((method, path)) or [None])[0]
        checks.on_expanded(
            "route -> alias live -> function",
            target is not None and function == expected and alias_ok(function),
            f"{method} {path} -> {target} -> {expected}", f"the integration calls {sorted(refs(uri))}",
        )
    routes_v2 = {k: v for k, v in out.items() if v.get("Type") == "AWS::ApiGatewayV2::Route"}
    open_routes = sorted(k for k, v in routes_v2.items()
                         if (v.get("Properties") or {}).get("AuthorizationType") != "CUSTOM"
                         or not (v.get("Properties") or {}).get("AuthorizerId"))
    checks.on_expanded("the authorizer on every route", not open_routes,
                       f"no AWS::ApiGatewayV2::Route without the custom authorizer ({len(routes_v2)} outside the body)",
                       f"open: {open_routes}")

    # -- the authorizer: through its alias ---------------------------------------------------
    scheme = ((((api.get("Properties") or {}).get("Body") or {}).get("components") or {}).get("securitySchemes") or {}).get(default_authorizer) or {}
    authorizer_uri = (scheme.get("x-amazon-apigateway-authorizer") or {}).get("authorizerUri")
    authorizer = next((n for n in request_path if binary_of(functions[n]) == AUTHORIZER_BINARY), None)
    checks.on_expanded(
        "the authorizer through its alias live",
        authorizer is not None and alias_of.get(authorizer) in refs(authorizer_uri) and alias_ok(authorizer),
        f"the API's authorizer calls {authorizer}'s alias {ALIAS}", f"authorizerUri refers to {sorted(refs(authorizer_uri))}",
    )

    # -- nothing public: every invoke permission is API Gateway's, for this API, on an alias --
    permissions = {k: v.get("Properties") or {} for k, v in out.items() if v.get("Type") == "AWS::Lambda::Permission"}
    request_aliases = {alias_of.get(n): n for n in request_path}
    for name, props in sorted(permissions.items()):
        source = props.get("SourceArn")
        text = sub_text(source) or ""
        variables = source["Fn::Sub"][1] if isinstance(source, dict) and isinstance(source.get("Fn::Sub"), list) else {}
        this_api = (variables.get("__ApiId__") == {"Ref": api_id}) or (f"${{{api_id}}}" in text)
        checks.on_expanded(
            "nothing public: only API Gateway, from this API, may invoke, and only the aliases",
            props.get("Principal") == "apigateway.amazonaws.com" and props.get("Action") == "lambda:InvokeFunction"
            and text.startswith("arn:${AWS::Partition}:execute-api:") and this_api
            and ref_name(props.get("FunctionName")) in request_aliases and "FunctionUrlAuthType" not in props,
            f"{name} lets only API Gateway, from {api_id}, invoke {ref_name(props.get('FunctionName'))}",
            f"Principal {props.get('Principal')!r}, SourceArn {source!r}, FunctionName {props.get('FunctionName')!r}",
        )
    invokable = {request_aliases[ref_name(p.get("FunctionName"))] for p in permissions.values()
                 if ref_name(p.get("FunctionName")) in request_aliases}
    checks.on_expanded("nothing public: only API Gateway, from this API, may invoke, and only the aliases",
                       invokable == set(request_path) and not [k for k, v in out.items() if v.get("Type") == "AWS::Lambda::Url"],
                       "API Gateway may invoke each request-path alias (routes and authorizer), and there is no function URL",
                       f"invokable {sorted(invokable)}")

    # -- every alias: CodeDeploy shifts it as DeploymentPreference says, with its alarms -------
    for name in request_path:
        expected_alarms = {a for a in rollback_alarms(functions[name])}
        problems = []
        for value, expansion in expansions.items():
            res = expansion["Resources"]
            alias = res.get(alias_of.get(name) or "") or {}
            update = (alias.get("UpdatePolicy") or {}).get("CodeDeployLambdaAliasUpdate") or {}
            group = res.get(ref_name(update.get("DeploymentGroupName")) or "") or {}
            props = group.get("Properties") or {}
            config = props.get("DeploymentConfigName")
            config_name = config if isinstance(config, str) else (
                sub_text(config) or "").replace("${ConfigName}", str(((config or {}).get("Fn::Sub") or [None, {}])[1].get("ConfigName")))
            rollback = props.get("AutoRollbackConfiguration") or {}
            alarm_config = props.get("AlarmConfiguration") or {}
            alarms = {ref_name(a.get("Name")) for a in alarm_config.get("Alarms") or []}
            watching = all(
                (res.get(a) or {}).get("Type") == "AWS::CloudWatch::Alarm"
                and {watched_function(m, {binary_of(functions[name]): name}, {"Ref": "MetricsNamespace"})
                     for m in alarm_metrics(res[a].get("Properties") or {})} == {name}
                for a in alarms)
            if not (group.get("Type") == "AWS::CodeDeploy::DeploymentGroup" and config_name == f"CodeDeployDefault.Lambda{value}"
                    and rollback.get("Enabled") is True and "DEPLOYMENT_STOP_ON_ALARM" in (rollback.get("Events") or [])
                    and alarm_config.get("Enabled") is True and alarms == expected_alarms and watching):
                problems.append(f"{value}: group {group.get('Type')}, config {config_name!r}, rollback {rollback!r}, alarms {sorted(alarms)} watching only it {watching}")
        checks.on_expanded(
            "every alias with its deployment preference (CodeDeploy) and its function's alarms",
            not problems,
            f"{name}'s alias shifts by CodeDeployDefault.Lambda<DeploymentPreference> (all {len(expansions)} values), rolled back on its alarms {sorted(expected_alarms)}",
            "; ".join(problems[:2]),
        )
        alias_props = (out.get(alias_of.get(name) or "") or {}).get("Properties") or {}
        config = alias_props.get("ProvisionedConcurrencyConfig")
        versions_provisioned = [k for k, v in out.items() if v.get("Type") == "AWS::Lambda::Version"
                                and (v.get("Properties") or {}).get("FunctionName") == {"Ref": name}
                                and "ProvisionedConcurrencyConfig" in (v.get("Properties") or {})]
        checks.on_expanded(
            "provisioned concurrency on the alias, only when asked for",
            isinstance(config, dict) and isinstance(config.get("Fn::If"), list) and config["Fn::If"][2] == {"Ref": "AWS::NoValue"}
            and not versions_provisioned,
            f"{name}'s provisioned concurrency is on its alias, conditioned (off by default)", f"{config!r}",
        )
    migrate = [n for n, fn in functions.items() if binary_of(fn) == MIGRATE_BINARY]
    for name in migrate:
        alias = out.get(alias_of.get(name) or "") or {}
        checks.on_expanded("migrate is not shifted gradually (a custom resource)", "UpdatePolicy" not in alias,
                           f"{name}'s alias has no CodeDeploy update policy")

    # -- tracing ------------------------------------------------------------------------------
    for name in sorted(functions):
        props = (out.get(name) or {}).get("Properties") or {}
        role = (out.get(ref_name(props.get("Role")) or "") or {}).get("Properties") or {}
        xray = any(str(sub_text(arn) or arn).endswith(":policy/AWSXrayWriteOnlyAccess") for arn in role.get("ManagedPolicyArns") or [])
        checks.on_expanded("active tracing, with the X-Ray write permission",
                           (props.get("TracingConfig") or {}).get("Mode") == "Active" and xray,
                           f"{name} traces actively and its role may write to X-Ray",
                           f"TracingConfig {props.get('TracingConfig')!r}, X-Ray policy {xray}")


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
    # !Ref AuthorizerFunction.Alias: the function's alias live (SAM's AutoPublishAlias)
    target = (ref_name(authorizer.get("FunctionArn")) or "").split(".", 1)[0] or None
    checks.check(
        bool(authorizer) and target in functions and binary_of(functions[target]) == AUTHORIZER_BINARY,
        f"the HttpApi's DefaultAuthorizer {default_authorizer!r} is the {AUTHORIZER_BINARY} function",
        f"FunctionArn points at {target!r}",
    )
    checks.check(
        authorizer.get("FunctionArn") == {"Ref": f"{target}.Alias"},
        f"the API calls the authorizer through its alias (FunctionArn !Ref {target}.Alias): its deploys are gradual too",
        f"FunctionArn is {authorizer.get('FunctionArn')!r}",
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

    # -- issue 12: gradual deploys, provisioned concurrency, tracing, the dashboard ---------
    request_path = sorted(n for n, fn in functions.items() if binary_of(fn) != MIGRATE_BINARY)
    metrics = code_metrics()
    emf_writers = set(metrics["functions"]) | {CATCH_ALL_BINARY}
    check_deploys(checks, template, functions, request_path, emf_writers, secrets_mode)
    check_dashboard(checks, template, functions, request_path, set(database_functions), api_id, metrics)

    # -- the template as SAM expands it -------------------------------------------------
    preferences = [str(v) for v in ((parameters.get("DeploymentPreference") or {}).get("AllowedValues") or [])]
    default_preference = str((parameters.get("DeploymentPreference") or {}).get("Default"))
    try:
        from samtranslator.model.exceptions import InvalidDocumentException
    except ImportError:
        print("skip  the SAM-expanded template (aws-sam-translator is not installed)")
        expanded = None
    else:
        try:
            expansions = {value: expand(template, {"DeploymentPreference": value}) for value in preferences}
            expanded = expansions.get(default_preference) or expand(template)
        except InvalidDocumentException as error:
            checks.on_expanded("SAM expands the template", False, "SAM expands the template",
                               "; ".join(str(e) for e in error.causes))
            expanded = None
    if expanded is not None:
        out: dict = expanded.get("Resources") or {}
        body = ((out.get(api_id) or {}).get("Properties") or {}).get("Body") or {}
        schemes = (body.get("components") or {}).get("securitySchemes") or {}
        source = ((schemes.get(default_authorizer) or {}).get("x-amazon-apigateway-authorizer") or {}).get("identitySource") or []
        checks.on_expanded(
            "the authorizer's cache key is the key and the route",
            {"$request.header.x-api-key", "$context.routeKey"} <= set(source),
            "the API's authorizer identity source is the x-api-key header and $context.routeKey",
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
            checks.on_expanded(
                "a database role per kind of function, with reserved concurrency",
                lambda_fn.get("Type") == "AWS::Lambda::Function" and login == expected_login and reach == expected_reach
                and "ReservedConcurrentExecutions" in props,
                f"{name} logs in as {role or 'no database role'} and its role attaches {sorted(expected_reach) or 'no database policy'}, with reserved concurrency",
                f"login {sorted(login)}, database policies {sorted(reach)}, reserved {props.get('ReservedConcurrentExecutions')!r}",
            )
        check_expanded_deploys(checks, template, functions, request_path, served, api_id, default_authorizer, expansions)

    checks.list_expanded()
    print(f"{checks.passed} passed, {checks.failed} failed")
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())
