"""A committed table in process memory that keeps its rows grouped by named indexes.

The memory and JSON stores answer every query under the store's lock, which each payment
also waits for. A query that read the whole table (a customer's orders or balance, an
order's refunds, the reconciler's open orders, the relay's undelivered messages, the
operator's newest orders and totals) would cost more with every order the shop ever took,
and so would the wait of every payment behind it. Each index here is kept by every write,
so such a query reads one group, the first or last few rows of an order, or one tally.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

Grouping = Callable[[Any], Hashable | None]


@dataclass(frozen=True)
class Each:
    """Rows in every group `groups(row)` names (an order under each of its payments' ids):
    for a lookup by a value a row may hold several of. A group of one row holds its key
    alone, not a dict of one: most such groups have one row, and a dict costs about 200
    bytes a group (`bench/operator_reports.py`, orders of two payments each: 0.46 KB more
    per paid order with a dict a group, 0.09 KB with keys alone)."""

    groups: Callable[[Any], tuple[Hashable, ...]]


@dataclass(frozen=True)
class Sorted:
    """Rows in the order of their places, then of their keys. `places(row)` names a row's
    places: none (not in the index), one, or several (an order once per failed attempt).
    A query for the first or last few reads those, not every row that may qualify."""

    places: Callable[[Any], tuple[Any, ...]]


@dataclass(frozen=True)
class Tally:
    """Running sums over every row of `amounts(row)`, a tuple as long as `zero` (counts,
    Decimal amounts), or None for a row that adds nothing: a total reads one tuple, not
    the table."""

    amounts: Callable[[Any], tuple[Any, ...] | None]
    zero: tuple[Any, ...]


@dataclass(frozen=True)
class Counted:
    """How many rows each group holds, by `group(row)` (None: in none), without their keys:
    for a report that needs the counts only, no memory per row."""

    group: Grouping


@dataclass(frozen=True)
class Members:
    """The distinct members of each group, `pairs(row)` naming a row's (group, member)
    pairs (an order's e-mail and phone, each with its customer): for a lookup whose answer
    is fewer than the rows, the customers who used a contact rather than their orders. A
    group holds each member once, however many rows name it, so its memory grows with the
    pairs, not the rows; a member named once is held alone, not in a dict of one."""

    pairs: Callable[[Any], tuple[tuple[Hashable, Hashable], ...]]


Index = Grouping | Each | Sorted | Tally | Counted | Members


class IndexedTable(dict[K, V]):
    """Rows by key; for each index, a function of a row naming its group (None: in none),
    a `Sorted` order, a `Tally` or `Counted` groups.

    Every way of writing a dict goes through `__setitem__` or `_forget`, so no write can
    leave an index stale. Rows must not be changed in place: replace them.
    """

    def __init__(self, **indexes: Index) -> None:
        super().__init__()
        kinds = (Each, Sorted, Tally, Counted, Members)
        grouping = {n: f for n, f in indexes.items() if not isinstance(f, kinds)}
        each = {n: f.groups for n, f in indexes.items() if isinstance(f, Each)}
        self._grouping = grouping
        self._groups: dict[str, dict[Hashable, dict[K, None]]] = {name: {} for name in grouping}
        self._indexes = [(grouping[name], self._groups[name]) for name in grouping]
        self._every: dict[str, dict[Hashable, Any]] = {name: {} for name in each}
        self._each = [(each[name], self._every[name]) for name in each]
        placing = {n: f.places for n, f in indexes.items() if isinstance(f, Sorted)}
        self._sorted: dict[str, list[tuple[Any, K]]] = {name: [] for name in placing}
        self._orders = [(placing[name], self._sorted[name]) for name in placing]
        tallies = {n: f for n, f in indexes.items() if isinstance(f, Tally)}
        self._zero = {name: f.zero for name, f in tallies.items()}
        self._sums: dict[str, list[Any]] = {name: list(f.zero) for name, f in tallies.items()}
        self._tallies = [(tallies[name].amounts, self._sums[name]) for name in tallies]
        counting = {n: f.group for n, f in indexes.items() if isinstance(f, Counted)}
        self._counts: dict[str, dict[Hashable, int]] = {name: {} for name in counting}
        self._counting = [(counting[name], self._counts[name]) for name in counting]
        pairing = {n: f.pairs for n, f in indexes.items() if isinstance(f, Members)}
        self._members: dict[str, dict[Hashable, Any]] = {name: {} for name in pairing}
        self._pairing = [(pairing[name], self._members[name]) for name in pairing]
        # While loading: the sorted indexes' entries taken out, by index (see `loading`).
        self._unplaced: list[Counter[tuple[Any, K]]] | None = None

    @contextmanager
    def loading(self) -> Iterator[None]:
        """Rows written in bulk (a store reading its files): the sorted indexes take each
        entry at their end and are sorted once at the close, instead of an insertion into
        the middle per row, which costs a move of half the index each when places come in
        no order (ids). Nothing may read the sorted indexes meanwhile."""
        self._unplaced = [Counter() for _ in self._orders]
        try:
            yield
        finally:
            for (_, entries), unplaced in zip(self._orders, self._unplaced, strict=True):
                if unplaced:
                    entries[:] = [entry for entry in entries if not _take(unplaced, entry)]
                entries.sort()
            self._unplaced = None

    def in_order(self, index: str, *, reverse: bool = False) -> Iterator[tuple[Any, K]]:
        """(place, key) of the rows in sorted `index`, first place first (last first with
        `reverse`); do not write the table while iterating."""
        entries = self._sorted[index]
        return reversed(entries) if reverse else iter(entries)

    def after(self, index: str, place: Any) -> Iterator[tuple[Any, K]]:
        """(place, key) of the rows of sorted `index` placed after `place`, first first;
        do not write the table while iterating."""
        entries = self._sorted[index]
        start = bisect_right(entries, place, key=_place)
        return (entries[at] for at in range(start, len(entries)))

    def size_of(self, index: str) -> int:
        """How many places sorted `index` holds."""
        return len(self._sorted[index])

    def total(self, index: str) -> tuple[Any, ...]:
        """The sums of tally `index` over every row."""
        return tuple(self._sums[index])

    def counts(self, index: str) -> dict[Hashable, int]:
        """How many rows each group of counted `index` holds (no empty group)."""
        return dict(self._counts[index])

    def group_of(self, index: str, row: V) -> Hashable | None:
        """The group `row` would belong to in `index`."""
        return self._grouping[index](row)

    def keys_in(self, index: str, group: Hashable) -> Iterable[K]:
        """The keys of the rows in `group` of `index`, oldest write first."""
        every = self._every.get(index)
        if every is None:
            return self._groups[index].get(group, {}).keys()
        members = every.get(group, _NONE)
        if members is _NONE:
            return ()
        return members.keys() if isinstance(members, dict) else (members,)

    def members_in(self, index: str, group: Hashable) -> Iterable[Any]:
        """The distinct members of `group` in members `index`, each once."""
        members = self._members[index].get(group, _NONE)
        if members is _NONE:
            return ()
        return members.keys() if isinstance(members, dict) else (members,)

    def rows_in(self, index: str, group: Hashable) -> list[V]:
        return [self[key] for key in self.keys_in(index, group)]

    def count_in(self, index: str, group: Hashable) -> int:
        if index in self._every:
            return len(tuple(self.keys_in(index, group)))
        return len(self._groups[index].get(group, ()))

    def __setitem__(self, key: K, row: V) -> None:
        old = super().get(key)
        super().__setitem__(key, row)
        for at, (places, entries) in enumerate(self._orders):
            placed = places(row)
            placed_before = () if old is None else places(old)
            if placed != placed_before:
                if self._unplaced is not None:
                    self._unplaced[at].update((place, key) for place in placed_before)
                    entries.extend((place, key) for place in placed)
                    continue
                for place in placed_before:
                    _unplace(entries, (place, key))
                for place in placed:
                    insort(entries, (place, key))
        for amounts, sums in self._tallies:
            counted = amounts(row)
            counted_before = None if old is None else amounts(old)
            if counted != counted_before:
                _count(sums, counted, counted_before)
        for group_of, counts in self._counting:
            group = group_of(row)
            group_before = None if old is None else group_of(old)
            if group != group_before:
                _tick(counts, group, 1)
                _tick(counts, group_before, -1)
        for paired, groups in self._pairing:
            now_paired = paired(row)
            was_paired = () if old is None else paired(old)
            if now_paired != was_paired:
                for group, member in now_paired:
                    _add_member(groups, group, member)
                for group, member in was_paired:
                    _remove_member(groups, group, member)
        for named, groups in self._each:
            now_in = named(row)
            was_in = () if old is None else named(old)
            if now_in != was_in:
                for group in was_in:
                    _leave_every(groups, group, key)
                for group in now_in:
                    _join_every(groups, group, key)
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
            for named, groups in self._each:
                for group in named(old):
                    _leave_every(groups, group, key)
            for at, (places, entries) in enumerate(self._orders):
                if self._unplaced is not None:
                    self._unplaced[at].update((place, key) for place in places(old))
                    continue
                for place in places(old):
                    _unplace(entries, (place, key))
            for amounts, sums in self._tallies:
                _count(sums, None, amounts(old))
            for group_of, counts in self._counting:
                _tick(counts, group_of(old), -1)
            for paired, groups in self._pairing:
                for group, member in paired(old):
                    _remove_member(groups, group, member)

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
            # dict first: a dict passes without the Mapping ABC's slower check
            mapping = isinstance(source, (dict, Mapping))
            pairs = source.items() if mapping else source
            for key, row in pairs:
                self[key] = row
        for name, row in kwargs.items():
            self[name] = row  # type: ignore[index]

    def __ior__(self, other: Any) -> IndexedTable[K, V]:  # type: ignore[override,misc]
        self.update(other)
        return self

    def clear(self) -> None:
        super().clear()
        for unplaced in self._unplaced or ():
            unplaced.clear()
        for groups in self._groups.values():
            groups.clear()
        for every in self._every.values():
            every.clear()
        for entries in self._sorted.values():
            entries.clear()
        for name, sums in self._sums.items():
            sums[:] = self._zero[name]
        for counts in self._counts.values():
            counts.clear()
        for members in self._members.values():
            members.clear()


def _leave(groups: dict[Hashable, dict[Any, None]], group: Hashable | None, key: Any) -> None:
    """Take `key` out of `group`, and the group out of its index once empty."""
    if group is None:
        return
    members = groups.get(group)
    if members is not None:
        members.pop(key, None)
        if not members:
            del groups[group]


_NONE = object()


def _join_every(groups: dict[Hashable, Any], group: Hashable, key: Any) -> None:
    """Put `key` in `group` of an `Each` index: alone, or beside the keys already there."""
    members = groups.get(group, _NONE)
    if members is _NONE:
        groups[group] = key
    elif isinstance(members, dict):
        members[key] = None
    elif members != key:
        groups[group] = {members: None, key: None}


def _leave_every(groups: dict[Hashable, Any], group: Hashable, key: Any) -> None:
    """Take `key` out of `group` of an `Each` index; a group left with one key holds it
    alone again, an empty one goes."""
    members = groups.get(group, _NONE)
    if isinstance(members, dict):
        members.pop(key, None)
        if len(members) == 1:
            groups[group] = next(iter(members))
    elif members is not _NONE and members == key:
        del groups[group]


def _add_member(groups: dict[Hashable, Any], group: Hashable, member: Hashable) -> None:
    """Count `member` once more in `group` of a `Members` index: a member named once is
    held alone; a second naming, or a second member, makes the group a dict of counts."""
    held = groups.get(group, _NONE)
    if held is _NONE:
        groups[group] = member
    elif isinstance(held, dict):
        held[member] = held.get(member, 0) + 1
    else:
        groups[group] = {held: 2} if held == member else {held: 1, member: 1}


def _remove_member(groups: dict[Hashable, Any], group: Hashable, member: Hashable) -> None:
    """Count `member` once less in `group`; a member counted down to nothing leaves, and
    so does an empty group."""
    held = groups.get(group, _NONE)
    if isinstance(held, dict):
        count = held.get(member, 0) - 1
        if count > 0:
            held[member] = count
        else:
            held.pop(member, None)
            if not held:
                del groups[group]
    elif held is not _NONE and held == member:
        del groups[group]


def _place(entry: tuple[Any, Any]) -> Any:
    return entry[0]


def _unplace(entries: list[tuple[Any, Any]], entry: tuple[Any, Any]) -> None:
    """Take `entry` out of a sorted index."""
    at = bisect_left(entries, entry)
    if at < len(entries) and entries[at] == entry:
        del entries[at]


def _take(unplaced: Counter[Any], entry: Any) -> bool:
    """Whether `entry` was taken out while loading (once for each time it was)."""
    if unplaced[entry] <= 0:
        return False
    unplaced[entry] -= 1
    return True


def _count(sums: list[Any], added: tuple[Any, ...] | None, removed: tuple[Any, ...] | None) -> None:
    """Add one row's amounts to a tally and take another's out (None: nothing)."""
    if added is not None:
        for at, amount in enumerate(added):
            sums[at] += amount
    if removed is not None:
        for at, amount in enumerate(removed):
            sums[at] -= amount


def _tick(counts: dict[Hashable, int], group: Hashable | None, by: int) -> None:
    """Move a group's count by `by`; a group counted down to nothing leaves."""
    if group is None:
        return
    count = counts.get(group, 0) + by
    if count:
        counts[group] = count
    else:
        del counts[group]
