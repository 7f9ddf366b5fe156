"""Core statements compiled once per store and run on the raw driver, typed by SQLAlchemy.

On the webhook's path SQLAlchemy's per-execution machinery (cache-key lookup, execution
context, result objects, and on PostgreSQL a greenlet switch per statement) cost more than
the driver's own work. A statement run here is still written in Core, against the tables
of `tables`, but compiled once per store (dialect and schema) into its SQL text, its
parameters in order with the bind processors SQLAlchemy would apply, and its result columns
with SQLAlchemy's result processors. So the raw path writes exactly what the Core path
reads, and reads exactly what it writes.

Result processors are needed on SQLite only (it keeps numbers, times and booleans as floats,
text and integers); asyncpg hands back the Python types our columns declare.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.types import TypeEngine

from adapters.store.sql.types import Processor

Row = dict[str, Any]


@dataclass(frozen=True)
class Compiled:
    """One statement as the driver takes it: SQL text, parameters in order, columns."""

    sql: str
    binds: tuple[tuple[str, Processor | None], ...]
    columns: tuple[str, ...]
    results: tuple[Processor | None, ...]

    def args(self, params: Mapping[str, Any]) -> tuple[Any, ...]:
        return tuple(
            params[name] if process is None else process(params[name])
            for name, process in self.binds
        )

    def row(self, values: Sequence[Any]) -> Row:
        if not self.results:
            return dict(zip(self.columns, values, strict=True))
        return {
            name: value if process is None else process(value)
            for name, value, process in zip(self.columns, values, self.results, strict=True)
        }


def _bind(type_: TypeEngine[Any], dialect: Dialect) -> Processor | None:
    return type_.dialect_impl(dialect).bind_processor(dialect)


def _result(type_: TypeEngine[Any], dialect: Dialect) -> Processor | None:
    return type_.dialect_impl(dialect).result_processor(dialect, None)


class Statements:
    """The compiled statements of one store: each compiled on first use, then reused.

    `keys` names the columns an INSERT or UPDATE sets (the keys of the rows it will be
    given), so a key left out, such as an autoincrement id, is left to the database.
    """

    def __init__(self, dialect: Dialect, schema: str | None) -> None:
        self._dialect = dialect
        self._schema = schema
        self._compiled: dict[tuple[int, tuple[str, ...] | None], Compiled] = {}
        # the statements themselves, so an id in the key is never reused by another object
        self._kept: list[ClauseElement] = []

    def get(self, statement: ClauseElement, keys: Sequence[str] | None = None) -> Compiled:
        key = (id(statement), None if keys is None else tuple(keys))
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compiled[key] = self._compile(statement, key[1])
            self._kept.append(statement)
        return compiled

    def _compile(self, statement: ClauseElement, keys: tuple[str, ...] | None) -> Compiled:
        dialect = self._dialect
        options: dict[str, Any] = {}
        if self._schema is not None:
            options = {
                "schema_translate_map": {None: self._schema},
                "render_schema_translate": True,
            }
        compiled = statement.compile(
            dialect=dialect, column_keys=None if keys is None else list(keys), **options
        )
        assert isinstance(compiled, SQLCompiler)
        names = compiled.positiontup or []
        binds = tuple((name, _bind(compiled.binds[name].type, dialect)) for name in names)
        # a SELECT's columns, or what an INSERT or UPDATE returns
        selected = list(getattr(statement, "exported_columns", ()))
        columns = tuple(str(column.name) for column in selected)
        results: tuple[Processor | None, ...] = ()
        if dialect.name == "sqlite":
            results = tuple(_result(column.type, dialect) for column in selected)
            if not any(results):
                results = ()
        return Compiled(compiled.string, binds, columns, results)
