#!/usr/bin/env bash
# Checks the machine-readable contract: every JSON Schema is a valid draft 2020-12 schema whose
# $refs all resolve, and the OpenAPI document is valid OpenAPI 3.1.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
resources="$root/Sources/Server/Resources"
python="${PYTHON:-python3}"

if ! "$python" -c 'import jsonschema, referencing, openapi_spec_validator' 2>/dev/null; then
    echo "installing jsonschema and openapi-spec-validator" >&2
    "$python" -m pip install --quiet jsonschema openapi-spec-validator
fi

"$python" - "$resources" <<'PY'
import json
import pathlib
import sys

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename
from referencing import Registry, Resource
from referencing.exceptions import Unresolvable

resources = pathlib.Path(sys.argv[1])
schemas = resources / "schemas"
problems = []

documents = {}
for path in sorted(schemas.rglob("*.json")):
    name = path.relative_to(schemas).as_posix()
    try:
        documents[name] = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        problems.append(f"{name}: not JSON: {error}")
if not documents:
    problems.append(f"no schemas under {schemas}")

ids = {}
for name, schema in documents.items():
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as error:
        problems.append(f"{name}: invalid schema at {list(error.absolute_path)}: {error.message}")
        continue
    if schema.get("$schema") != "https://json-schema.org/draft/2020-12/schema":
        problems.append(f"{name}: $schema must be draft 2020-12")
    schema_id = schema.get("$id")
    if not isinstance(schema_id, str) or not schema_id.endswith("/" + name):
        problems.append(f"{name}: $id must end with /{name}, got {schema_id!r}")
    elif schema_id in ids:
        problems.append(f"{name}: $id also used by {ids[schema_id]}")
    else:
        ids[schema_id] = name
    if "title" not in schema and "description" not in schema:
        problems.append(f"{name}: needs a title or a description")

registry = Registry().with_resources(
    (schema["$id"], Resource.from_contents(schema))
    for schema in documents.values() if isinstance(schema.get("$id"), str))

def refs(node, where):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield where, value
            else:
                yield from refs(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from refs(value, f"{where}/{index}")

for name, schema in documents.items():
    schema_id = schema.get("$id")
    if not isinstance(schema_id, str):
        continue
    resolver = registry.resolver(base_uri=schema_id)
    for where, ref in refs(schema, "#"):
        try:
            resolver.lookup(ref)
        except Unresolvable:
            problems.append(f"{name}: {where}: $ref {ref!r} does not resolve")

openapi_path = resources / "openapi.yaml"
try:
    spec, base_uri = read_from_filename(str(openapi_path))
    validate(spec, base_uri=base_uri)
    if not str(spec.get("openapi", "")).startswith("3.1."):
        problems.append("openapi.yaml: must be OpenAPI 3.1")
except Exception as error:  # the validator raises several unrelated types
    # The validator's message ends with the whole document; its first line says what is wrong.
    summary = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
    where = "/".join(str(part) for part in getattr(error, "absolute_path", []) or [])
    problems.append(f"openapi.yaml: {type(error).__name__}: {summary}" + (f" (at /{where})" if where else ""))

for problem in problems:
    print(f"error: {problem}", file=sys.stderr)
if problems:
    sys.exit(1)
print(f"ok: {len(documents)} JSON Schemas valid (draft 2020-12, every $ref resolves); openapi.yaml is valid OpenAPI 3.1")
PY
