"""Validates a spec's examples and real-shaped bodies with a strict OpenAPI 3.0 validator.

Run by `cargo xtask strict` with the `openapi-schema-validator` it installs
(`OAS30Validator`, which reads `nullable` as the 3.0.3 text does: it adds
null to the `type` beside it, and nothing else; `allOf` members keep
rejecting null). Input on stdin, one JSON object:

    {"specs": [{"file": "specs/x.yaml", "spec": {...}, "bodies": [
        {"name": "...", "pointer": "#/paths/.../schema", "body": ...}]}]}

Every example of the spec is checked against its schema (parameter, media
type and schema `example`s, and the values of `examples` maps), then every
body against the schema its pointer names. Prints one line per problem and
exits 1 if there is any.
"""

import json
import sys

from openapi_schema_validator import OAS30Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4


def unescape(segment):
    return segment.replace("~1", "/").replace("~0", "~")


def escape(segment):
    return str(segment).replace("~", "~0").replace("/", "~1")


def resolve(spec, pointer):
    node = spec
    for segment in pointer.lstrip("#/").split("/"):
        if segment == "":
            continue
        node = node[int(segment)] if isinstance(node, list) else node[unescape(segment)]
    return node


def examples(spec):
    """(pointer of the example, pointer of its schema, value) for every example in the spec."""
    found = []

    def media(pointer, node):
        schema = pointer + "/schema"
        if "example" in node and "schema" in node:
            found.append((pointer + "/example", schema, node["example"]))
        for name, example in (node.get("examples") or {}).items():
            if "value" in example and "schema" in node:
                found.append((f"{pointer}/examples/{escape(name)}/value", schema, example["value"]))

    def schemas(pointer, node):
        if isinstance(node, dict):
            if "example" in node and not pointer.endswith("/properties"):
                found.append((pointer + "/example", pointer, node["example"]))
            for key, value in node.items():
                if key not in ("example", "examples", "enum", "default"):
                    schemas(f"{pointer}/{escape(key)}", value)
        elif isinstance(node, list):
            for i, value in enumerate(node):
                schemas(f"{pointer}/{i}", value)

    for path, item in (spec.get("paths") or {}).items():
        for method, op in item.items():
            if not isinstance(op, dict):
                continue
            base = f"#/paths/{escape(path)}/{method}"
            for i, param in enumerate(op.get("parameters") or []):
                if "$ref" in param:
                    continue
                media(f"{base}/parameters/{i}", param)
            body = (op.get("requestBody") or {}).get("content") or {}
            for kind, node in body.items():
                media(f"{base}/requestBody/content/{escape(kind)}", node)
            for status, response in (op.get("responses") or {}).items():
                for kind, node in (response.get("content") or {}).items():
                    media(f"{base}/responses/{status}/content/{escape(kind)}", node)
    schemas("#/components/schemas", (spec.get("components") or {}).get("schemas") or {})
    return found


def validator(spec, schema_pointer):
    # The spec is the root resource, so `#/components/...` references resolve in it.
    registry = Registry().with_resource("urn:spec", Resource.from_contents(spec, default_specification=DRAFT4))
    return OAS30Validator({"$ref": "urn:spec" + schema_pointer}, registry=registry)


def main():
    request = json.load(sys.stdin)
    problems = 0
    for entry in request["specs"]:
        spec, file = entry["spec"], entry["file"]
        checked = 0
        cases = [(p, s, v, p) for p, s, v in examples(spec)]
        cases += [(b["name"], b["pointer"], b["body"], b["name"]) for b in entry.get("bodies", [])]
        for where, schema_pointer, value, name in cases:
            checked += 1
            for error in validator(spec, schema_pointer).iter_errors(value):
                problems += 1
                at = "/".join(str(p) for p in error.absolute_path)
                print(f"{file}: {name}: {error.message} (at `/{at}`, schema {schema_pointer})")
        print(f"{file}: {checked} examples and bodies checked", file=sys.stderr)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
