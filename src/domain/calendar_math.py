"""Calendar arithmetic by whole months, clamped to the target month's last day.

JavaScript's `setMonth` rolls over (31 Jan + 1 month = 3 Mar), so a subscription paid on
the 31st lost days or gained them; here the day is clamped instead, never carried.
"""

from __future__ import annotations

import calendar
from datetime import datetime


def days_in_month(year: int, month: int) -> int:
    """28 to 31: how many days `month` (1 to 12) of `year` has."""
    return calendar.monthrange(year, month)[1]


def add_months(moment: datetime, months: int) -> datetime:
    """`moment` moved by `months` calendar months (negative goes back), same wall time.

    The day becomes min(day, days in the target month): 31 Jan + 1 = 28/29 Feb and
    29 Feb 2024 + 12 = 28 Feb 2025. Time of day, tzinfo and fold are kept as they are;
    the result is a wall-clock date, so across a DST change its UTC offset may differ.
    Raises OverflowError when the result falls outside years 1 to 9999.
    """
    if isinstance(months, bool) or not isinstance(months, int):
        raise TypeError("months must be an int")
    index = moment.year * 12 + (moment.month - 1) + months
    year, month_index = divmod(index, 12)
    if not 1 <= year <= 9999:
        raise OverflowError(f"{months} months from {moment.isoformat()} is out of range")
    month = month_index + 1
    return moment.replace(year=year, month=month, day=min(moment.day, days_in_month(year, month)))
