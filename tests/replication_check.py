#!/usr/bin/env python3
"""Checks replication.yaml (AWS DMS Serverless, MitACD -> the API's PostgreSQL).

    python3 tests/replication_check.py [--template replication.yaml] [--database FILE.db]

1. the table mappings select exactly the tables of the API's migrated schema, by exact name
   in schema dbo, and nothing else: no wildcard, no other schema; no transformation renames or
   re-cases a table or column (DMS would then write to another name than our migrations made),
   and schema dbo is renamed to the target schema;
2. FullLoadSettings.TargetTablePrepMode is DO_NOTHING (our migrations own the tables), and a
   DROP or ALTER TABLE on MitACD is not applied to them during CDC;
3. the replication type is full-load-and-cdc;
4. both endpoints take their credentials from Secrets Manager (SecretsManagerSecretId and
   SecretsManagerAccessRoleArn), no password property appears on either, and the access role
   is trusted by DMS and may read exactly those two secrets;
and the target endpoint never runs with SslMode none.

"The tables of the migrated schema" come from a real migrated database: the `seed` binary
(built by cargo, in ${CARGO_TARGET_DIR:-target}/debug/seed) migrates a temporary SQLite file,
and the tables are read from its sqlite_master (without _sqlx_migrations and sqlite_*).
--database FILE reads an existing SQLite file instead and skips seeding.

Prints each check, ends with "N passed, M failed", and exits 1 when any check failed.
Reads the template with PyYAML and a loader that knows CloudFormation's short-form tags
(!Ref, !Sub, !GetAtt, !If, ...).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE_SCHEMA = "dbo"
WILDCARDS = set("%*?[]")
# Endpoint settings block that carries the Secrets Manager pair, by DMS engine name.
SETTINGS_BLOCK = {
    "sqlserver": "MicrosoftSqlServerSettings",
    "postgres": "PostgreSqlSettings",
    "aurora-postgresql": "PostgreSqlSettings",
}


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


# --- reading the template ------------------------------------------------------------------


def load_template(path: Path) -> dict:
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


def json_property(value, parameters: dict):
    """A JSON-typed property (TableMappings, ReplicationSettings) as a Python value.

    CloudFormation takes it as a YAML object or as a JSON string (plain or in !Sub); in a
    string, ${Param} is replaced by the parameter's default so the JSON parses."""
    if isinstance(value, dict) and "Fn::Sub" in value:
        sub = value["Fn::Sub"]
        text = sub if isinstance(sub, str) else sub[0]
        value = re.sub(r"\$\{([^}!]+)\}",
                       lambda m: str((parameters.get(m.group(1)) or {}).get("Default", m.group(1))), text)
    if isinstance(value, str):
        return json.loads(value)
    return value


def resolve(value, parameters: dict):
    """A parameter Ref as its default (strings stay as they are)."""
    if isinstance(value, dict) and "Ref" in value and value["Ref"] in parameters:
        return parameters[value["Ref"]].get("Default")
    return value


def ref_target(value) -> str | None:
    """The logical id in {"Ref": X} or {"Fn::GetAtt": [X, ...]}, else None."""
    if isinstance(value, dict):
        if isinstance(value.get("Ref"), str):
            return value["Ref"]
        getatt = value.get("Fn::GetAtt")
        if isinstance(getatt, list) and getatt:
            return getatt[0]
    return None


def keys_matching(node, pattern: re.Pattern, path: str = "") -> list[str]:
    """Paths of every mapping key matching pattern, anywhere under node."""
    found = []
    if isinstance(node, dict):
        for key, child in node.items():
            here = f"{path}.{key}" if path else str(key)
            if pattern.search(str(key)):
                found.append(here)
            found += keys_matching(child, pattern, here)
    elif isinstance(node, list):
        for i, child in enumerate(node):
            found += keys_matching(child, pattern, f"{path}[{i}]")
    return found


def as_list(value) -> list:
    return value if isinstance(value, list) else [value]


# --- the migrated schema -----------------------------------------------------------------


def tables_of(database: Path) -> set[str]:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        rows = db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'"
            " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name <> '_sqlx_migrations'"
        ).fetchall()
    return {name for (name,) in rows}


def migrated_tables(database: str | None) -> tuple[set[str], str]:
    """(tables, where they came from). Raises RuntimeError when no database can be had."""
    if database:
        path = Path(database)
        if not path.is_file():
            raise RuntimeError(f"--database {database}: no such file")
        return tables_of(path), f"{path} (given)"
    target_dir = Path(os.environ.get("CARGO_TARGET_DIR") or ROOT / "target")
    seed = target_dir / "debug" / "seed"
    if not seed.is_file():
        raise RuntimeError(f"{seed} not found: build it (cargo build --bin seed) or pass --database FILE")
    with tempfile.TemporaryDirectory(prefix="replication-check-") as tmp:
        path = Path(tmp) / "v3.db"
        env = {**os.environ, "DATABASE_URL": f"sqlite://{path}"}
        run = subprocess.run([str(seed)], env=env, capture_output=True, text=True, timeout=300)
        if run.returncode != 0:
            raise RuntimeError(f"{seed} exited {run.returncode}: {(run.stderr or run.stdout).strip()[-500:]}")
        return tables_of(path), f"a SQLite database migrated by {seed}"


# --- the checks ----------------------------------------------------------------------------


def check_table_mappings(checks: Checks, config: dict, parameters: dict, database: str | None) -> None:
    mappings = json_property(config.get("TableMappings"), parameters) or {}
    rules = mappings.get("rules") or []
    selections = [r for r in rules if r.get("rule-type") == "selection"]
    transformations = [r for r in rules if r.get("rule-type") == "transformation"]

    # -- every selection rule names one table exactly, in dbo
    selected: list[str] = []
    bad: list[str] = []
    for rule in selections:
        locator = rule.get("object-locator") or {}
        schema, table, action = locator.get("schema-name"), locator.get("table-name"), rule.get("rule-action")
        name = f"rule {rule.get('rule-id')} ({schema}.{table}, {action})"
        if action not in ("include", "explicit"):
            bad.append(f"{name}: only include/explicit selections (an exclude hints at a wildcard elsewhere)")
        elif schema != SOURCE_SCHEMA:
            bad.append(f"{name}: schema is not exactly {SOURCE_SCHEMA!r}")
        elif not isinstance(table, str) or not table or WILDCARDS & set(table) or WILDCARDS & set(schema):
            bad.append(f"{name}: not one exact table name (wildcard or missing)")
        else:
            selected.append(table)
    checks.check(bool(selections) and not bad,
                 f"every selection rule includes one table of schema {SOURCE_SCHEMA} by its exact name, no wildcard",
                 "; ".join(bad) or "no selection rule")
    duplicates = sorted({t for t in selected if selected.count(t) > 1})
    checks.check(not duplicates, "no table is selected twice", ", ".join(duplicates))

    # -- the selection is exactly the migrated schema (names compared case-sensitively)
    try:
        wanted, origin = migrated_tables(database)
    except (RuntimeError, sqlite3.Error, subprocess.TimeoutExpired) as e:
        checks.check(False, "the tables of the migrated schema can be read", str(e))
    else:
        got = set(selected)
        missing, extra = sorted(wanted - got), sorted(got - wanted)
        why = "; ".join(p for p in (missing and f"migrated but not selected: {', '.join(missing)}",
                                    extra and f"selected but not migrated: {', '.join(extra)}") if p)
        checks.check(bool(wanted) and got == wanted,
                     f"the selection is exactly the {len(wanted)} tables of the migrated schema, from {origin}",
                     why or "the migrated database has no table")

    # -- names reach PostgreSQL as MitACD spells them: only the schema is renamed
    recasing = [f"rule {r.get('rule-id')} ({r.get('rule-action')} on {r.get('rule-target')})"
                for r in transformations if r.get("rule-target") != "schema"]
    checks.check(not recasing,
                 "no transformation renames or re-cases a table or column (DMS keeps MitACD's case when none does)",
                 "; ".join(recasing))
    schema_rules = [r for r in transformations if r.get("rule-target") == "schema"]
    renames = [r for r in schema_rules
               if r.get("rule-action") == "rename"
               and (r.get("object-locator") or {}).get("schema-name") == SOURCE_SCHEMA]
    value = resolve(renames[0].get("value"), parameters) if len(renames) == 1 else None
    checks.check(len(schema_rules) == 1 and len(renames) == 1 and isinstance(value, str)
                 and re.fullmatch(r"[a-z_][a-z0-9_]*", value) is not None,
                 f"one transformation renames schema {SOURCE_SCHEMA} to the target schema "
                 f"(default {value!r}, lower case)",
                 f"schema rules: {schema_rules!r}")


def check_endpoints(checks: Checks, resources: dict, config: dict, parameters: dict) -> None:
    secrets = []
    role_ids = set()
    for side, prop in (("source", "SourceEndpointArn"), ("target", "TargetEndpointArn")):
        logical = ref_target(config.get(prop))
        endpoint = resources.get(logical) if logical else None
        if not checks.check(bool(endpoint) and endpoint.get("Type") == "AWS::DMS::Endpoint",
                            f"{prop} is an AWS::DMS::Endpoint of this template ({logical})"):
            continue
        props = endpoint.get("Properties") or {}
        engine = resolve(props.get("EngineName"), parameters)
        checks.check(props.get("EndpointType") == side, f"{logical} is the {side} endpoint",
                     f"EndpointType is {props.get('EndpointType')!r}")
        block_name = SETTINGS_BLOCK.get(engine)
        block = props.get(block_name) or {} if block_name else {}
        has_pair = bool(block.get("SecretsManagerSecretId")) and bool(block.get("SecretsManagerAccessRoleArn"))
        checks.check(has_pair,
                     f"{logical} ({engine}) takes its credentials from Secrets Manager "
                     f"({block_name}.SecretsManagerSecretId + SecretsManagerAccessRoleArn)",
                     f"{block_name or 'no settings block for engine ' + repr(engine)}: {sorted(block)}")
        passwords = keys_matching(props, re.compile("password", re.I))
        checks.check(not passwords, f"{logical} has no password property", ", ".join(passwords))
        if has_pair:
            secrets.append(json.dumps(block["SecretsManagerSecretId"], sort_keys=True))
            role_ids.add(ref_target(block["SecretsManagerAccessRoleArn"]))
        if side == "target":
            mode = props.get("SslMode")
            modes = (parameters.get(mode["Ref"]) or {}).get("AllowedValues") if isinstance(mode, dict) and "Ref" in mode else [mode]
            checks.check(bool(modes) and None not in modes and "none" not in modes,
                         f"{logical} always uses TLS (SslMode can be {modes!r})")

    # -- the access role: trusted by DMS, reads exactly those two secrets
    role = resources.get(next(iter(role_ids))) if len(role_ids) == 1 else None
    if not checks.check(bool(role) and role.get("Type") == "AWS::IAM::Role",
                        "both endpoints use one IAM role of this template", f"roles: {sorted(map(str, role_ids))}"):
        return
    props = role.get("Properties") or {}
    principals = []
    for statement in as_list((props.get("AssumeRolePolicyDocument") or {}).get("Statement") or []):
        if statement.get("Effect") == "Allow":
            principals += as_list((statement.get("Principal") or {}).get("Service") or [])
    dms_only = bool(principals) and all(
        p == "dms.amazonaws.com" or p == {"Fn::Sub": "dms.${AWS::Region}.amazonaws.com"} for p in principals)
    checks.check(dms_only, "the role is trusted by DMS (dms.<region>.amazonaws.com / dms.amazonaws.com) only",
                 f"principals: {principals!r}")
    readable = []
    for policy in props.get("Policies") or []:
        for statement in as_list((policy.get("PolicyDocument") or {}).get("Statement") or []):
            if not isinstance(statement, dict) or "secretsmanager:GetSecretValue" not in as_list(statement.get("Action")):
                continue
            readable += [json.dumps(r, sort_keys=True) for r in as_list(statement.get("Resource"))]
    checks.check(len(secrets) == 2 and sorted(readable) == sorted(secrets),
                 "the role may secretsmanager:GetSecretValue on exactly the endpoints' two secrets",
                 f"role reads {readable}, endpoints use {secrets}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--template", default=str(ROOT / "replication.yaml"), help="default: replication.yaml")
    parser.add_argument("--database", help="an already-migrated SQLite file (skips running the seed binary)")
    args = parser.parse_args()

    template_path = Path(args.template)
    template = load_template(template_path)
    parameters: dict = template.get("Parameters") or {}
    resources: dict = template.get("Resources") or {}
    checks = Checks()
    print(f"template: {template_path}")

    configs = {k: v for k, v in resources.items() if v.get("Type") == "AWS::DMS::ReplicationConfig"}
    others = sorted(k for k, v in resources.items()
                    if v.get("Type") in ("AWS::DMS::ReplicationTask", "AWS::DMS::ReplicationInstance"))
    checks.check(len(configs) == 1, "exactly one AWS::DMS::ReplicationConfig (DMS Serverless)", f"found {sorted(configs)}")
    checks.check(not others, "no provisioned replication instance or task beside it", ", ".join(others))
    if len(configs) != 1:
        print(f"{checks.passed} passed, {checks.failed} failed")
        return 1
    config = next(iter(configs.values())).get("Properties") or {}

    # 1. table mappings
    check_table_mappings(checks, config, parameters, args.database)

    # 2. target table preparation
    settings = json_property(config.get("ReplicationSettings"), parameters) or {}
    prep = (settings.get("FullLoadSettings") or {}).get("TargetTablePrepMode")
    checks.check(prep == "DO_NOTHING", "FullLoadSettings.TargetTablePrepMode is DO_NOTHING (DMS never drops, recreates or empties our tables before the load)",
                 f"it is {prep!r}")
    ddl = settings.get("ChangeProcessingDdlHandlingPolicy") or {}
    checks.check(ddl.get("HandleSourceTableDropped") is False and ddl.get("HandleSourceTableAltered") is False,
                 "a DROP or ALTER TABLE on MitACD does not drop or alter our tables during CDC "
                 "(HandleSourceTableDropped/Altered false; DMS defaults them to true)", f"{ddl!r}")

    # 3. replication type
    kind = resolve(config.get("ReplicationType"), parameters)
    checks.check(kind == "full-load-and-cdc", "ReplicationType is full-load-and-cdc", f"it is {kind!r}")

    # 4. credentials
    check_endpoints(checks, resources, config, parameters)

    print(f"{checks.passed} passed, {checks.failed} failed")
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())
