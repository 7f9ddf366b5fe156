"""A committed table in process memory that keeps its rows grouped by named indexes.

The memory and JSON stores answer every query under the store's lock, which each payment
also waits for. A query that read the whole table (a customer's orders or balance, an
order's refunds, the reconciler's open orders, the relay's undelivered messages) would
cost more with every order the shop ever took, and so would the wait of every payment
behind it. Each index here is kept by every write, so such a query reads one group.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

Grouping = Callable[[Any], Hashable | None]


@dataclass(frozen=True)
class Sorted:
    """An index that keeps rows in the order of `place(row)`, then of their keys (None:
    not in it): a query for the first few rows (the relay's earliest-due messages) reads
    those, not every row that may qualify."""

    place: Callable[[Any], Any | None]


class IndexedTable(dict[K, V]):
    """Rows by key; for each index, a function of a row naming its group (None: in none),
    or a `Sorted` one.

    Every way of writing a dict goes through `__setitem__` or `_forget`, so no write can
    leave an index stale. Rows must not be changed in place: replace them.
    """

    def __init__(self, **indexes: Grouping | Sorted) -> None:
        super().__init__()
        grouping = {name: f for name, f in indexes.items() if not isinstance(f, Sorted)}
        self._grouping = grouping
        self._groups: dict[str, dict[Hashable, dict[K, None]]] = {name: {} for name in grouping}
        self._indexes = [(grouping[name], self._groups[name]) for name in grouping]
        self._placing = {n: f.place for n, f in indexes.items() if isinstance(f, Sorted)}
        self._sorted: dict[str, list[tuple[Any, K]]] = {name: [] for name in self._placing}
        self._orders = [(self._placing[name], self._sorted[name]) for name in self._placing]

    def in_order(self, index: str) -> Iterator[tuple[Any, K]]:
        """(place, key) of the rows in sorted `index`, first place first; do not write the
        table while iterating."""
        return iter(self._sorted[index])

    def size_of(self, index: str) -> int:
        """How many rows sorted `index` holds."""
        return len(self._sorted[index])

    def group_of(self, index: str, row: V) -> Hashable | None:
        """The group `row` would belong to in `index`."""
        return self._grouping[index](row)

    def keys_in(self, index: str, group: Hashable) -> Iterable[K]:
        """The keys of the rows in `group` of `index`, oldest write first."""
        return self._groups[index].get(group, {}).keys()

    def rows_in(self, index: str, group: Hashable) -> list[V]:
        return [self[key] for key in self.keys_in(index, group)]

    def count_in(self, index: str, group: Hashable) -> int:
        return len(self._groups[index].get(group, ()))

    def __setitem__(self, key: K, row: V) -> None:
        old = super().get(key)
        super().__setitem__(key, row)
        for place, entries in self._orders:
            now = place(row)
            was = None if old is None else place(old)
            if was != now:
                if was is not None:
                    _unplace(entries, (was, key))
                if now is not None:
                    insort(entries, (now, key))
        for grouping, groups in self._indexes:
            group = grouping(row)
            if old is not None:
                was = grouping(old)
                if was == group:
                    continue  # already there (a row rewritten in place of itself, mostly)
                _leave(groups, was, key)
            if group is not None:
                members = groups.get(group)
                if members is None:
                    groups[group] = {key: None}
                else:
                    members[key] = None

    def __delitem__(self, key: K) -> None:
        self._forget(key)
        super().__delitem__(key)

    def _forget(self, key: K) -> None:
        """Take `key` out of every index (its row is about to be removed)."""
        old = super().get(key)
        if old is not None:
            for grouping, groups in self._indexes:
                _leave(groups, grouping(old), key)
            for place, entries in self._orders:
                was = place(old)
                if was is not None:
                    _unplace(entries, (was, key))

    def pop(self, key: K, *default: Any) -> Any:
        self._forget(key)
        return super().pop(key, *default)

    def popitem(self) -> tuple[K, V]:
        if not self:
            raise KeyError("popitem(): table is empty")
        key = next(reversed(self))
        return key, self.pop(key)

    def setdefault(self, key: K, row: V) -> V:
        if key not in self:
            self[key] = row
        return self[key]

    def update(self, *args: Any, **kwargs: V) -> None:
        pairs: Iterable[tuple[K, V]]
        for source in args:
            pairs = source.items() if isinstance(source, Mapping) else source
            for key, row in pairs:
                self[key] = row
        for name, row in kwargs.items():
            self[name] = row  # type: ignore[index]

    def __ior__(self, other: Any) -> IndexedTable[K, V]:  # type: ignore[override,misc]
        self.update(other)
        return self

    def clear(self) -> None:
        super().clear()
        for groups in self._groups.values():
            groups.clear()
        for entries in self._sorted.values():
            entries.clear()


def _leave(groups: dict[Hashable, dict[Any, None]], group: Hashable | None, key: Any) -> None:
    """Take `key` out of `group`, and the group out of its index once empty."""
    if group is None:
        return
    members = groups.get(group)
    if members is not None:
        members.pop(key, None)
        if not members:
            del groups[group]


def _unplace(entries: list[tuple[Any, Any]], entry: tuple[Any, Any]) -> None:
    """Take `entry` out of a sorted index."""
    at = bisect_left(entries, entry)
    if at < len(entries) and entries[at] == entry:
        del entries[at]
