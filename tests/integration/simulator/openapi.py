"""Validate simulator answers against Cashfree's own OpenAPI description.

Two quirks of the published description are bridged here, not in the simulator:
OpenAPI 3.0 schemas do not mark fields nullable although Cashfree sends null for absent
optional fields (so nulls are dropped before validating), and the payment_method variants
are a oneOf without discriminator that any payload satisfies several times (so oneOf is
read as anyOf). The description is not shipped with any package: it is read from the
repository's sibling `shared/cashfree/`, and a check is skipped where it is absent.
"""

from __future__ import annotations

import functools
from typing import Any

import jsonschema
import pytest
import yaml

from ..conformance.openapi_contract import SPEC_PATH as SPEC


def _any_of(node: Any) -> Any:
    if isinstance(node, dict):
        return {("anyOf" if k == "oneOf" else k): _any_of(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_any_of(v) for v in node]
    return node


@functools.cache
def _components() -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with SPEC.open() as handle:
        spec = yaml.load(handle, Loader=loader)
    components: dict[str, Any] = _any_of(spec["components"])
    return components


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def assert_matches(schema_name: str, instance: Any) -> None:
    """Raise with every violation if `instance` does not fit components.schemas[name]."""
    if not SPEC.is_file():
        pytest.skip(f"Cashfree's OpenAPI description is not at {SPEC}")
    schema = {"components": _components(), "$ref": f"#/components/schemas/{schema_name}"}
    validator = jsonschema.Draft7Validator(schema)
    errors = [
        f"{list(e.absolute_path)}: {e.message}"
        for e in validator.iter_errors(_without_nulls(instance))
    ]
    assert not errors, f"{schema_name}: " + "; ".join(errors)
