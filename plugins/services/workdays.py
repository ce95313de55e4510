"""Working days for public service times (Mon–Fri, minus holidays and cuti bersama).

Public holidays come from the `holidays` package; "cuti bersama" (collective leave) is
decreed each year by a joint ministerial decree and is not in that package, so the caller
passes those dates in (`leave`).
"""

from __future__ import annotations

import functools
from datetime import date, timedelta

import holidays

_ONE_DAY = timedelta(days=1)


@functools.lru_cache(maxsize=32)
def _public_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("ID", years=year))


def is_working_day(day: date, leave: frozenset[date] = frozenset()) -> bool:
    """True when offices are open on `day`: a weekday, no public holiday, no cuti bersama."""
    if day.weekday() >= 5:
        return False
    return day not in leave and day not in _public_holidays(day.year)


def _clock_start(start: date, leave: frozenset[date]) -> date:
    # A request filed on a weekend or holiday is first handled on the next working day.
    day = start
    while not is_working_day(day, leave):
        day += _ONE_DAY
    return day


def working_days_between(start: date, end: date, leave: frozenset[date] = frozenset()) -> int:
    """Service time of a request submitted on `start` and ready on `end`, in working days.

    The clock starts on the first working day on or after `start`; the result counts the
    working days d with clock_start < d <= end (ready the day it starts counts as 0).
    """
    if end <= start:
        return 0
    leave = frozenset(leave)
    day = _clock_start(start, leave) + _ONE_DAY
    count = 0
    while day <= end:
        if is_working_day(day, leave):
            count += 1
        day += _ONE_DAY
    return count


def add_working_days(start: date, n: int, leave: frozenset[date] = frozenset()) -> date:
    """Due date of a request submitted on `start`: the clock start plus `n` working days."""
    leave = frozenset(leave)
    day = _clock_start(start, leave)
    remaining = max(n, 0)
    while remaining:
        day += _ONE_DAY
        if is_working_day(day, leave):
            remaining -= 1
    return day
