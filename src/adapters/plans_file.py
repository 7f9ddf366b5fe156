"""The plan catalogue read from a TOML file (`plans.toml` at the repository root).

Prices are exact decimals: a string such as "499.00" or an integer. TOML floats are
refused, because a float like 0.1 is not the amount an operator meant. Every error is one
line naming the file, the plan (by id, else by its position) and the field, so a broken
file is fixed at the first reading of the message.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from domain.errors import InvalidField
from domain.money import CURRENCY, Money
from domain.plans import Period, Plan, PlanCatalogue

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "plans.toml"

_FIELDS = frozenset(
    {"id", "name", "description", "price", "currency", "credits", "period", "kind", "active"}
)
_DOMAIN_FIELDS = {"plan_id": "id", "amount": "price"}


class PlansFileError(ValueError):
    """The plans file is missing or malformed; the message is one line."""


class _FieldProblem(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _text(table: Mapping[str, Any], field: str, default: str | None = None) -> str:
    value = table.get(field, default)
    if value is None:
        raise _FieldProblem(field, "is required")
    if not isinstance(value, str):
        raise _FieldProblem(field, "must be a string")
    return value


def _price(table: Mapping[str, Any], currency: str) -> Money:
    value = table.get("price")
    if value is None:
        raise _FieldProblem("price", "is required")
    if isinstance(value, float):
        raise _FieldProblem("price", 'must be a decimal amount as a string, e.g. "499.00"')
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise _FieldProblem("price", "must be a decimal amount")
    try:
        return Money.of(value, currency)
    except InvalidField as exc:
        field = "currency" if exc.error.field == "currency" else "price"
        raise _FieldProblem(field, exc.error.message) from None


def _plan(table: Mapping[str, Any]) -> Plan:
    unknown = sorted(set(table) - _FIELDS)
    if unknown:
        raise _FieldProblem(unknown[0], "unknown field")
    plan_id = _text(table, "id")
    name = _text(table, "name")
    description = _text(table, "description", "")
    price = _price(table, _text(table, "currency", CURRENCY))
    credits = table.get("credits", 0)
    if isinstance(credits, bool) or not isinstance(credits, int):
        raise _FieldProblem("credits", "must be a whole number")
    period_name = table.get("period")
    try:
        period = None if period_name is None else Period.parse(period_name)
    except InvalidField as exc:
        raise _FieldProblem("period", exc.error.message) from None
    kind = table.get("kind")
    if kind is not None and not isinstance(kind, str):
        raise _FieldProblem("kind", "must be a string")
    active = table.get("active", True)
    if not isinstance(active, bool):
        raise _FieldProblem("active", "must be true or false")
    try:
        return Plan(plan_id, name, price, description, credits, period, kind, active)
    except InvalidField as exc:
        field = _DOMAIN_FIELDS.get(exc.error.field, exc.error.field)
        raise _FieldProblem(field, exc.error.message) from None


def _label(table: object, position: int) -> str:
    plan_id = table.get("id") if isinstance(table, dict) else None
    if isinstance(plan_id, str) and plan_id.isprintable() and plan_id and len(plan_id) <= 64:
        return f'plan "{plan_id}"'
    return f"plan #{position}"


def parse_plans(text: str, source: str = "plans.toml") -> PlanCatalogue:
    """The catalogue that TOML `text` declares; `source` names it in error messages."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PlansFileError(_one_line(f"{source}: not valid TOML: {exc}")) from None
    tables = document.get("plans")
    if not isinstance(tables, list) or not tables:
        raise PlansFileError(f"{source}: plans: declare at least one [[plans]] table")
    plans: list[Plan] = []
    seen: set[str] = set()
    for position, table in enumerate(tables, start=1):
        label = _label(table, position)
        if not isinstance(table, dict):
            raise PlansFileError(f"{source}: {label}: must be a [[plans]] table")
        try:
            plan = _plan(table)
        except _FieldProblem as problem:
            message = f"{source}: {label}: {problem.field}: {problem.message}"
            raise PlansFileError(_one_line(message)) from None
        if plan.plan_id in seen:
            raise PlansFileError(f"{source}: {label}: id: another plan has this id")
        seen.add(plan.plan_id)
        plans.append(plan)
    return PlanCatalogue(plans)


def load_plans(path: str | Path = DEFAULT_PATH) -> PlanCatalogue:
    """The catalogue in the TOML file at `path`; raises PlansFileError, one line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise PlansFileError(_one_line(f"{path}: cannot read: {reason}")) from None
    return parse_plans(text, str(path))
