"""IndexedTable: whatever writes a table, each index names exactly the rows in each group."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from adapters.store.indexed_table import Counted, Each, IndexedTable, Members, Sorted, Tally


def table() -> IndexedTable[str, tuple[str, int]]:
    """Rows (owner, amount): by owner, the positive ones apart, under each of the amounts
    from zero to its own (a row in several groups), the non-zero ones by amount, each
    positive one once per unit of its amount, the count and sum of the non-zero, and how
    many are negative and how many positive, and the owners of each sign and of any row."""
    return IndexedTable(
        owner=lambda row: row[0],
        reaches=Each(_reached),
        positive=lambda row: True if row[1] > 0 else None,
        by_amount=Sorted(lambda row: (row[1],) if row[1] != 0 else ()),
        units=Sorted(lambda row: tuple(range(row[1]))),
        sums=Tally(lambda row: (1, row[1]) if row[1] else None, (0, 0)),
        signs=Counted(lambda row: (row[1] > 0) - (row[1] < 0) or None),
        owners=Members(_owners),
    )


def _owners(row: tuple[str, int]) -> tuple[tuple[Hashable, str], ...]:
    return ((row[1] > 0) - (row[1] < 0), row[0]), ("any", row[0])


def _reached(row: tuple[str, int]) -> tuple[int, ...]:
    step = 1 if row[1] >= 0 else -1
    return tuple(range(0, row[1] + step, step))


def recomputed(rows: IndexedTable[str, Any], index: str) -> dict[Hashable, set[str]]:
    groups: dict[Hashable, set[str]] = {}
    for key, row in rows.items():
        group = rows.group_of(index, row)
        if group is not None:
            groups.setdefault(group, set()).add(key)
    return groups


def assert_indexes_true(rows: IndexedTable[str, Any]) -> None:
    for index in ("owner", "positive"):
        expected = recomputed(rows, index)
        for group, keys in expected.items():
            assert set(rows.keys_in(index, group)) == keys
            assert rows.count_in(index, group) == len(keys)
            assert sorted(rows.rows_in(index, group)) == sorted(rows[k] for k in keys)
        # and no group emptied by a write is kept (it would grow with every key ever seen)
        assert {g: set(keys) for g, keys in rows._groups[index].items()} == expected
    reached: dict[Hashable, set[str]] = {}
    for key, row in rows.items():
        for group in _reached(row):
            reached.setdefault(group, set()).add(key)
    kept = rows._every["reaches"]
    assert set(kept) == set(reached), "no group emptied by a write is kept"
    for group, keys in reached.items():
        assert set(rows.keys_in("reaches", group)) == keys
        assert rows.count_in("reaches", group) == len(keys)
        assert isinstance(kept[group], dict) == (len(keys) > 1), "one key is kept alone"
    assert list(rows.keys_in("reaches", 99)) == []
    ranked = sorted((row[1], key) for key, row in rows.items() if row[1] != 0)
    assert list(rows.in_order("by_amount")) == ranked
    assert list(rows.in_order("by_amount", reverse=True)) == ranked[::-1]
    for place in (-2, 0, 1, 2):
        assert list(rows.after("by_amount", place)) == [e for e in ranked if e[0] > place]
    assert rows.size_of("by_amount") == len(ranked)
    units = sorted((unit, key) for key, row in rows.items() for unit in range(row[1]))
    assert list(rows.in_order("units")) == units
    non_zero = [row[1] for row in rows.values() if row[1]]
    assert rows.total("sums") == (len(non_zero), sum(non_zero))
    signs = [(row[1] > 0) - (row[1] < 0) for row in rows.values()]
    assert rows.counts("signs") == {s: signs.count(s) for s in (-1, 1) if s in signs}
    named: dict[Hashable, Counter[str]] = {}
    for row in rows.values():
        for group, member in _owners(row):
            named.setdefault(group, Counter())[member] += 1
    held = rows._members["owners"]
    assert set(held) == set(named), "no group emptied by a write is kept"
    for group, counts in named.items():
        assert sorted(rows.members_in("owners", group)) == sorted(counts)
        kept = held[group]
        if isinstance(kept, dict):
            assert kept == dict(counts)
        else:
            assert counts == Counter({kept: 1}), "a member held alone is named once"
    assert list(rows.members_in("owners", "none")) == []


def test_every_way_of_writing_a_dict_keeps_the_indexes() -> None:
    rows = table()
    rows["a"] = ("ann", 5)
    rows.setdefault("b", ("bob", 0))
    rows.setdefault("a", ("bob", 9))  # present: no write
    rows.update({"c": ("ann", -1)}, [("d", ("cat", 2))], e=("bob", 3))
    assert_indexes_true(rows)
    assert set(rows.keys_in("owner", "ann")) == {"a", "c"}
    assert set(rows.keys_in("positive", True)) == {"a", "d", "e"}
    assert list(rows.in_order("by_amount")) == [(-1, "c"), (2, "d"), (3, "e"), (5, "a")]
    assert set(rows.keys_in("reaches", 3)) == {"a", "e"}
    assert set(rows.keys_in("reaches", 0)) == {"a", "b", "c", "d", "e"}
    assert sorted(rows.members_in("owners", "any")) == ["ann", "bob", "cat"]
    assert sorted(rows.members_in("owners", 1)) == ["ann", "bob", "cat"]

    rows |= {"a": ("bob", -5)}  # a row that changes group leaves the old one
    rows.pop("d")
    rows.pop("missing", None)
    del rows["e"]
    assert_indexes_true(rows)
    assert set(rows.keys_in("owner", "ann")) == {"c"}
    assert rows.count_in("positive", True) == 0
    assert list(rows.keys_in("owner", "cat")) == []
    assert sorted(rows.members_in("owners", "any")) == ["ann", "bob"]
    assert list(rows.members_in("owners", 1)) == []

    key, row = rows.popitem()
    assert (key, row) == ("c", ("ann", -1))
    assert_indexes_true(rows)
    rows.clear()
    assert not rows and rows.count_in("owner", "bob") == 0
    assert_indexes_true(rows)


_KEYS = st.sampled_from("abcdef")
_ROWS = st.tuples(st.sampled_from(["ann", "bob", "cat"]), st.integers(-2, 2))
_WRITES = st.one_of(
    st.tuples(st.just("set"), _KEYS, _ROWS),
    st.tuples(st.just("setdefault"), _KEYS, _ROWS),
    st.tuples(st.just("update"), _KEYS, _ROWS),
    st.tuples(st.just("or"), _KEYS, _ROWS),
    st.tuples(st.just("pop"), _KEYS, st.none()),
    st.tuples(st.just("del"), _KEYS, st.none()),
    st.tuples(st.just("popitem"), st.none(), st.none()),
    st.tuples(st.just("clear"), st.none(), st.none()),
)


def _write(
    rows: IndexedTable[str, Any], plain: dict[str, Any], write: tuple[str, Any, Any]
) -> None:
    """One write to the table and the same to a plain dict."""
    op, key, row = write
    if op == "set":
        rows[key] = plain[key] = row
    elif op == "setdefault":
        assert rows.setdefault(key, row) == plain.setdefault(key, row)
    elif op == "update":
        rows.update([(key, row)])
        plain.update([(key, row)])
    elif op == "or":
        rows |= {key: row}
        plain |= {key: row}
    elif op == "pop":
        assert rows.pop(key, None) == plain.pop(key, None)
    elif op == "del" and key in plain:
        del rows[key]
        del plain[key]
    elif op == "popitem" and plain:
        assert rows.popitem() == plain.popitem()
    elif op == "clear":
        rows.clear()
        plain.clear()


@given(st.lists(_WRITES, max_size=40))
def test_indexes_match_the_rows_after_any_writes(writes: list[tuple[str, Any, Any]]) -> None:
    rows = table()
    plain: dict[str, Any] = {}
    for write in writes:
        _write(rows, plain, write)
        assert dict(rows) == plain
        assert_indexes_true(rows)


@given(st.lists(_WRITES, max_size=20), st.lists(_WRITES, max_size=60))
def test_writes_while_loading_leave_the_indexes_as_one_at_a_time_would(
    before: list[tuple[str, Any, Any]], loaded: list[tuple[str, Any, Any]]
) -> None:
    rows = table()
    plain: dict[str, Any] = {}
    for write in before:
        _write(rows, plain, write)
    with rows.loading():
        for write in loaded:
            _write(rows, plain, write)
            assert dict(rows) == plain
    assert_indexes_true(rows)
    rows["z"] = ("ann", 1)  # and written one at a time again afterwards
    plain["z"] = ("ann", 1)
    assert_indexes_true(rows)


def test_loading_sorts_rows_that_came_in_no_order() -> None:
    rows = table()
    with rows.loading():
        for key, amount in (("c", 2), ("a", -1), ("b", 2), ("d", 1)):
            rows[key] = ("ann", amount)
        rows["b"] = ("ann", 0)  # out of by_amount again, while loading
    assert list(rows.in_order("by_amount")) == [(-1, "a"), (1, "d"), (2, "c")]


def test_a_clear_while_loading_forgets_what_was_taken_out_before_it() -> None:
    rows = table()
    with rows.loading():
        rows["a"] = ("ann", 1)
        rows["a"] = ("ann", 0)
        rows.clear()  # a store reading its files again from the start
        rows["a"] = ("ann", 1)
    assert list(rows.in_order("by_amount")) == [(1, "a")]
