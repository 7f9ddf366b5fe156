"""Writes a PostgreSQL unit of work holds until its commit, then sends as one statement.

A webhook's unit on PostgreSQL was six round trips: the order's read, `BEGIN`, the order
with its attempt, the grant, the outbox message, `COMMIT`. Nobody reads those writes'
answers before the commit, so a unit that has not begun a transaction holds them in its
session, and its commit sends them as one autocommit statement of data-modifying CTEs,
which PostgreSQL runs all or nothing: two round trips. Create-order's first unit (the
customer's upsert, the new order) is one.

A held write may be refused: the order's save when its version check matches no row, a
new order when its id is taken, the grant when the order already has one. Such a write
must change exactly one row; the statement's last SELECT divides by zero when one did
not, so a refusal aborts every write of the unit. The commit then runs the same writes
one at a time in a transaction, which raises the error the unit would have raised without
holding (ConcurrencyConflict, DuplicateOrder, DuplicateCredit) or, if a race resolved in
between, commits them.

Any other statement of the unit first sends the held writes one at a time, in order (in
a transaction it begins), so what a unit reads includes what it wrote; a refusal among
them is kept and raised by the commit, as the ports allow ("now or at commit"), never by
the unrelated statement. A second write to a row already held (the same message twice,
an order saved twice) sends the held ones first, so the first write of a row comes first.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    Table,
    and_,
    bindparam,
    case,
    func,
    literal_column,
    select,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql.dml import Insert, ReturningInsert, Update, UpdateBase

# A write's statement with its parameters' names prefixed, so that several writes can
# share one statement: a new object at each call (SQLAlchemy memoizes on a statement once
# compiled, and a statement derived from it by `.returning()` would inherit that).
Builder = Callable[[str], UpdateBase]
# the SQLSTATE of the guard's division: some write that had to change one row did not
REFUSED = "22012"
# a unit holds at most this many writes; more go one at a time (bounds the shapes cached)
MOST_HELD = 8


@dataclass(frozen=True, slots=True)
class HeldWrite:
    """One write and what it must do: with `refused` set, change exactly one row (else
    `refused()` is the error); without, any number (an insert-or-ignore whose refusal is
    harmless, such as an outbox message stored twice)."""

    build: Builder
    params: Mapping[str, Any]
    # the row it writes, as (table, key): two writes of one row are never sent together
    row: tuple[str, str]
    refused: Callable[[], Exception] | None = None

    def refusal(self, changed: int) -> Exception | None:
        if self.refused is not None and changed != 1:
            return self.refused()
        return None


def held_insert_of(table: Table, keys: Sequence[str], prefix: str) -> postgresql.Insert:
    """An INSERT of the columns `keys` into `table`, its parameters' names prefixed."""
    values = {key: bindparam(prefix + key, type_=table.c[key].type) for key in keys}
    return postgresql.insert(table).values(values)


@functools.cache
def held_insert(table: Table, keys: tuple[str, ...]) -> Builder:
    """`INSERT ... ON CONFLICT DO NOTHING` of the columns `keys` into `table`: one builder
    per table and columns, so that the shapes it takes part in are cached."""

    def build(prefix: str) -> Insert:
        return held_insert_of(table, keys, prefix).on_conflict_do_nothing()

    return build


@functools.cache
def _composed(shape: tuple[tuple[Builder, bool], ...]) -> Select[Any]:
    parts = [
        _returning_one(build(f"w{index}_")).cte(f"w{index}")
        for index, (build, _) in enumerate(shape)
    ]
    one: ColumnElement[int] = literal_column("1", Integer)
    checks = [
        select(func.count()).select_from(part).scalar_subquery() == one
        for part, (_, must) in zip(parts, shape, strict=True)
        if must
    ]
    divisor = case((and_(*checks), one), else_=literal_column("0")) if checks else one
    return select(one.op("/")(divisor).label("written")).add_cte(*parts)


def _returning_one(statement: UpdateBase) -> ReturningInsert[Any] | Update:
    if not isinstance(statement, Insert | Update):
        raise TypeError(f"only inserts and updates are held, not {type(statement).__name__}")
    return statement.returning(literal_column("1"))


@functools.cache
def alone(build: Builder) -> UpdateBase:
    """The write as a statement of its own, built once (so compiled once per store)."""
    return build("")


def composed(writes: Sequence[HeldWrite]) -> tuple[Select[Any], dict[str, Any]]:
    """One statement for `writes`, built once per shape, and its parameters."""
    statement = _composed(tuple((w.build, w.refused is not None) for w in writes))
    params = {
        f"w{index}_{name}": value
        for index, write in enumerate(writes)
        for name, value in write.params.items()
    }
    return statement, params
