"""Simulator answers parsed strictly into the official `cashfree-pg` SDK's pydantic models.

The SDK's `from_dict` validates types (its ids are strict strings) but silently drops keys
it does not know, and declares every field optional. So after parsing, the raw JSON is
walked beside the parsed model: a key the model does not declare fails, and so does an
absent field named in `required` (by model class name), the fields integrations rely on.
A oneOf wrapper (payment_method) is checked against the variant it resolved to.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel


def strict_problems(
    model: type[BaseModel], raw: Any, required: Mapping[str, frozenset[str]]
) -> list[str]:
    """Every unknown or missing field of `raw` read as `model`; [] when it fits."""
    parsed = model.from_dict(raw)  # type: ignore[attr-defined]
    if parsed is None:
        return [f"$: {model.__name__} parsed to nothing"]
    return _walk(parsed, raw, "$", required)


def _walk(instance: Any, raw: Any, path: str, required: Mapping[str, frozenset[str]]) -> list[str]:
    if isinstance(instance, BaseModel) and hasattr(instance, "actual_instance"):
        return _walk(instance.actual_instance, raw, path, required)
    if isinstance(instance, list) and isinstance(raw, list):
        found: list[str] = []
        for index, (item, raw_item) in enumerate(zip(instance, raw, strict=True)):
            found += _walk(item, raw_item, f"{path}[{index}]", required)
        return found
    if not isinstance(instance, BaseModel):
        return []
    name = type(instance).__name__
    if not isinstance(raw, dict):
        return [f"{path}: {name} is not an object"]
    declared = {(info.alias or field): field for field, info in type(instance).model_fields.items()}
    found = [f"{path}.{key}: not a field of {name}" for key in raw if key not in declared]
    found += [
        f"{path}.{key}: missing from {name}"
        for key in sorted(required.get(name, frozenset()))
        if raw.get(key) is None
    ]
    for key, field in declared.items():
        if key in raw:
            found += _walk(getattr(instance, field), raw[key], f"{path}.{key}", required)
    return found
