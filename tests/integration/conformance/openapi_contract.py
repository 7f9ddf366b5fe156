"""Cashfree's shipped OpenAPI description as a response validator for conformance tests.

The spec is OpenAPI 3.0: `nullable` is turned into JSON Schema's null type, and each
response schema is checked with Draft 4 semantics (what 3.0 schemas are written in) while
`$ref`s resolve inside the spec document. A property may be null: Cashfree sends null for
unset optional fields (the spec's own OrderEntity example has `terminal_data: null`) though
its schemas never say `nullable`; every other value must have the declared type. A
`required` name that the same object does not declare is dropped: the spec lists `channel`
as required beside a lone `upi` property in PaymentMethodUPIInPaymentsEntity, which no
real payment could satisfy. Strict mode also refuses properties the spec does not name,
which catches a misspelled field.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft4Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

SPEC_PATH = (
    Path(__file__).resolve().parents[3] / ".." / "shared" / "cashfree" / "openapi-2025-01-01.yaml"
).resolve()
SPEC_URI = "urn:cashfree:openapi-2025-01-01"
# Paths as the spec names them; the simulator serves them under /pg.
API_PREFIX = "/pg"


class _NoTimestampLoader(yaml.SafeLoader):
    """YAML that keeps date-like strings as strings, as JSON Schema expects."""


_NoTimestampLoader.yaml_implicit_resolvers = {
    first: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _json_schema(node: Any, strict: bool) -> Any:
    """OpenAPI 3.0 schema objects to JSON Schema: nullable, and optionally closed objects."""
    if isinstance(node, list):
        return [_json_schema(item, strict) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _json_schema(value, strict) for key, value in node.items()}
    if out.pop("nullable", False) is True:
        out = _or_null(out)
    if isinstance(out.get("required"), list) and isinstance(out.get("properties"), dict):
        out["required"] = [name for name in out["required"] if name in out["properties"]]
        if not out["required"]:
            del out["required"]
    if isinstance(out.get("properties"), dict) and all(
        isinstance(value, dict) for value in out["properties"].values()
    ):
        out["properties"] = {name: _or_null(value) for name, value in out["properties"].items()}
    if (
        strict
        and isinstance(out.get("properties"), dict)
        and "additionalProperties" not in out
        and not any(key in out for key in ("allOf", "anyOf", "oneOf"))
    ):
        out["additionalProperties"] = False
    return out


def _or_null(schema: dict[str, Any]) -> dict[str, Any]:
    if schema.get("type") == "null" or (
        isinstance(schema.get("type"), list) and "null" in schema["type"]
    ):
        return schema
    if "$ref" in schema or not isinstance(schema.get("type"), str):
        return {"anyOf": [schema, {"type": "null"}]}
    widened = {**schema, "type": [schema["type"], "null"]}
    if "enum" in widened:
        widened["enum"] = [*widened["enum"], None]
    return widened


class OpenApiContract:
    """Validates (path template, method, status, body) against the spec's response schema."""

    def __init__(self, spec_path: Path = SPEC_PATH, strict: bool = True) -> None:
        with spec_path.open(encoding="utf-8") as handle:
            raw = yaml.load(handle, Loader=_NoTimestampLoader)
        self.spec: dict[str, Any] = _json_schema(raw, strict)
        self._registry: Registry[Any] = Registry().with_resource(
            SPEC_URI, Resource.from_contents(self.spec, default_specification=DRAFT4)
        )

    def response_schema_ref(self, path: str, method: str, status: int) -> str:
        """The JSON pointer of the schema the spec declares for that response."""
        responses = self.spec["paths"][path][method.lower()]["responses"]
        key = str(status) if str(status) in responses else "default"
        if key not in responses:
            raise KeyError(f"{method.upper()} {path} declares no {status} response")
        pointer = f"/paths/{_escape(path)}/{method.lower()}/responses/{key}"
        response = responses[key]
        if "$ref" in response:
            pointer = response["$ref"].lstrip("#")
        return f"{SPEC_URI}#{pointer}/content/application~1json/schema"

    def errors(self, path: str, method: str, status: int, body: Any) -> list[str]:
        """Every violation, as `location: message` lines; empty when the body conforms."""
        validator = Draft4Validator(
            {"$ref": self.response_schema_ref(path, method, status)}, registry=self._registry
        )
        return [_describe(error) for error in validator.iter_errors(body)]

    def errors_for_schema(self, name: str, body: Any) -> list[str]:
        """Violations of a named components schema (webhook payloads have no path)."""
        validator = Draft4Validator(
            {"$ref": f"{SPEC_URI}#/components/schemas/{name}"}, registry=self._registry
        )
        return [_describe(error) for error in validator.iter_errors(body)]

    def validate(self, path: str, method: str, status: int, body: Any) -> None:
        problems = self.errors(path, method, status, body)
        if problems:
            raise AssertionError(
                f"{method.upper()} {path} -> {status} breaks the OpenAPI spec:\n  "
                + "\n  ".join(problems)
            )

    def schema(self, name: str) -> dict[str, Any]:
        schema: dict[str, Any] = self.spec["components"]["schemas"][name]
        return schema


def missing_fields(body: dict[str, Any], fields: Iterable[str]) -> list[str]:
    """The spec marks nothing required; these are the fields integrations depend on."""
    return [name for name in fields if body.get(name) is None]


def _escape(path: str) -> str:
    return path.replace("~", "~0").replace("/", "~1")


def _depth(error: ValidationError) -> tuple[int, bool]:
    return len(error.absolute_path), error.validator != "type"


def _describe(error: ValidationError) -> str:
    """The innermost reason: an anyOf failure names the branch that came closest."""
    while error.context:
        error = max(error.context, key=_depth)
    where = "/".join(str(part) for part in error.absolute_path) or "(root)"
    message = error.message if len(error.message) <= 300 else error.message[:300] + "..."
    return f"{where}: {message}"
