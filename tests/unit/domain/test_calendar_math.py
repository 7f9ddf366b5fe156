from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.calendar_math import add_months, days_in_month

IST = timezone(timedelta(hours=5, minutes=30))

moments = st.datetimes(
    min_value=datetime(1900, 1, 1), max_value=datetime(2400, 12, 31, 23, 59, 59, 999999)
)
month_counts = st.integers(min_value=-1200, max_value=1200)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (datetime(2025, 1, 31), 1, datetime(2025, 2, 28)),
        (datetime(2024, 1, 31), 1, datetime(2024, 2, 29)),
        (datetime(2024, 2, 29), 12, datetime(2025, 2, 28)),
        (datetime(2024, 2, 29), 48, datetime(2028, 2, 29)),
        (datetime(2025, 3, 31), 1, datetime(2025, 4, 30)),
        (datetime(2025, 8, 31), 6, datetime(2026, 2, 28)),
        (datetime(2025, 11, 30), 3, datetime(2026, 2, 28)),
        (datetime(2025, 12, 15), 1, datetime(2026, 1, 15)),
        (datetime(2025, 1, 15), 0, datetime(2025, 1, 15)),
        (datetime(2025, 3, 31), -1, datetime(2025, 2, 28)),
        (datetime(2025, 1, 31), -2, datetime(2024, 11, 30)),
    ],
)
def test_months_are_added_with_the_day_clamped(
    start: datetime, months: int, expected: datetime
) -> None:
    assert add_months(start, months) == expected


def test_time_of_day_and_tzinfo_are_kept() -> None:
    start = datetime(2025, 1, 31, 23, 59, 58, 123456, tzinfo=IST)
    result = add_months(start, 1)
    assert result == datetime(2025, 2, 28, 23, 59, 58, 123456, tzinfo=IST)
    assert result.tzinfo is IST


def test_the_seeds_overflow_does_not_happen() -> None:
    assert add_months(datetime(2025, 1, 31, tzinfo=UTC), 1).month == 2


def test_out_of_range_years_raise_overflow() -> None:
    with pytest.raises(OverflowError):
        add_months(datetime(9999, 12, 1), 1)
    with pytest.raises(OverflowError):
        add_months(datetime(1, 1, 1), -1)


@pytest.mark.parametrize("months", [1.0, True, "1"])
def test_months_must_be_an_int(months: object) -> None:
    with pytest.raises(TypeError):
        add_months(datetime(2025, 1, 1), months)  # type: ignore[arg-type]


def test_days_in_month() -> None:
    assert [days_in_month(2024, m) for m in range(1, 13)] == [
        31,
        29,
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ]
    assert days_in_month(2100, 2) == 28
    assert days_in_month(2000, 2) == 29


@given(moments, month_counts)
def test_the_result_is_in_the_target_month_with_the_day_clamped(
    moment: datetime, months: int
) -> None:
    result = add_months(moment, months)
    index = moment.year * 12 + moment.month - 1 + months
    year, month_index = divmod(index, 12)
    assert (result.year, result.month) == (year, month_index + 1)
    assert result.day == min(moment.day, days_in_month(result.year, result.month))
    assert result.time() == moment.time()
    assert result.tzinfo is moment.tzinfo


@given(moments, month_counts, month_counts)
def test_adding_more_months_never_gives_an_earlier_moment(moment: datetime, a: int, b: int) -> None:
    low, high = sorted((a, b))
    assert add_months(moment, low) <= add_months(moment, high)
    if low < high:
        assert add_months(moment, low) < add_months(moment, high)


@given(moments, month_counts)
def test_the_result_never_spills_into_the_next_month(moment: datetime, months: int) -> None:
    result = add_months(moment, months)
    assert result.day <= moment.day
    first_of_next = add_months(result.replace(day=1), 1)
    assert result < first_of_next
    assert (first_of_next - result.replace(day=1)).days == days_in_month(result.year, result.month)


@given(moments, st.integers(min_value=0, max_value=600), st.integers(min_value=0, max_value=600))
def test_adding_in_steps_never_exceeds_adding_at_once(moment: datetime, a: int, b: int) -> None:
    assert add_months(add_months(moment, a), b) <= add_months(moment, a + b)


@given(moments.map(lambda m: m.replace(day=min(m.day, 28))), month_counts)
def test_days_up_to_the_28th_round_trip(moment: datetime, months: int) -> None:
    assert add_months(add_months(moment, months), -months) == moment
