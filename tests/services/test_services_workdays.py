"""Working days against the 2026 Indonesian holidays as the `holidays` package lists them.

Checked by printing holidays.country_holidays("ID", years=2026): Nyepi Thu 19 March, Idul
Fitri Sat 21 and Sun 22 March, Good Friday 3 April, Labour Day Fri 1 May, Pancasila Day
Mon 1 June, Independence Day Mon 17 August, Maulid Tue 25 August, Christmas Fri 25 December,
New Year Fri 1 January 2027.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from plugins.services.workdays import add_working_days, is_working_day, working_days_between

D = date
# Cuti bersama is decreed separately; the caller passes it in.
LEAVE = frozenset({D(2026, 3, 20), D(2026, 3, 23), D(2026, 3, 24)})


@pytest.mark.parametrize(
    ("day", "leave", "expected"),
    [
        (D(2026, 3, 18), frozenset(), True),  # Wednesday
        (D(2026, 3, 19), frozenset(), False),  # Nyepi
        (D(2026, 3, 20), frozenset(), True),  # Friday, a holiday only by cuti bersama
        (D(2026, 3, 20), LEAVE, False),
        (D(2026, 3, 21), frozenset(), False),  # Idul Fitri on a Saturday
        (D(2026, 8, 17), frozenset(), False),  # Independence Day, a Monday
        (D(2026, 8, 18), frozenset(), True),
        (D(2026, 8, 15), frozenset(), False),  # Saturday
        (D(2026, 8, 16), frozenset(), False),  # Sunday
        (D(2026, 12, 25), frozenset(), False),
        (D(2027, 1, 1), frozenset(), False),
    ],
)
def test_is_working_day(day, leave, expected):
    assert is_working_day(day, leave) is expected


@pytest.mark.parametrize(
    ("start", "end", "leave", "expected"),
    [
        (D(2026, 8, 10), D(2026, 8, 10), frozenset(), 0),  # same day
        (D(2026, 8, 10), D(2026, 8, 11), frozenset(), 1),  # Monday to Tuesday
        (D(2026, 8, 15), D(2026, 8, 18), frozenset(), 0),  # Saturday: clock starts Tuesday
        (D(2026, 8, 14), D(2026, 8, 18), frozenset(), 1),  # Friday, over 17 August
        (D(2026, 8, 14), D(2026, 8, 17), frozenset(), 0),  # ready on the holiday itself
        (D(2026, 8, 7), D(2026, 8, 10), frozenset(), 1),  # Friday to Monday
        (D(2026, 8, 11), D(2026, 8, 10), frozenset(), 0),  # end before start
        (D(2026, 3, 16), D(2026, 3, 27), frozenset(), 8),  # Nyepi week
        (D(2026, 3, 16), D(2026, 3, 27), LEAVE, 5),  # plus three days of cuti bersama
        (D(2026, 3, 19), D(2026, 3, 25), LEAVE, 0),  # filed on Nyepi: clock starts 25 March
        (D(2026, 3, 18), D(2026, 3, 25), LEAVE, 1),
        (D(2026, 12, 24), D(2027, 1, 4), frozenset(), 5),  # across the year boundary
        (D(2026, 12, 31), D(2027, 1, 4), frozenset(), 1),
        (D(2026, 5, 29), D(2026, 6, 2), frozenset(), 1),  # Pancasila Day on Monday
    ],
)
def test_working_days_between(start, end, leave, expected):
    assert working_days_between(start, end, leave) == expected


@pytest.mark.parametrize(
    ("start", "n", "leave", "expected"),
    [
        (D(2026, 8, 10), 0, frozenset(), D(2026, 8, 10)),
        (D(2026, 8, 15), 0, frozenset(), D(2026, 8, 18)),  # Saturday before 17 August
        (D(2026, 8, 13), 3, frozenset(), D(2026, 8, 19)),  # Thu → Fri, Tue, Wed
        (D(2026, 3, 17), 3, frozenset(), D(2026, 3, 23)),  # over Nyepi and Idul Fitri
        (D(2026, 3, 17), 3, LEAVE, D(2026, 3, 26)),
        (D(2026, 12, 23), 3, frozenset(), D(2026, 12, 29)),  # over Christmas
        (D(2026, 12, 30), 2, frozenset(), D(2027, 1, 4)),  # over New Year
    ],
)
def test_add_working_days(start, n, leave, expected):
    assert add_working_days(start, n, leave) == expected


def test_add_and_between_agree():
    start = D(2026, 1, 1)
    for n in range(0, 60, 7):
        assert working_days_between(start, add_working_days(start, n, LEAVE), LEAVE) == n


def test_leave_may_be_a_plain_set():
    assert working_days_between(D(2026, 3, 18), D(2026, 3, 25), set(LEAVE)) == 1


def test_two_years_span_is_quick():
    # 2026 lists 17 holidays, 4 of them on a weekend: 261 weekdays - 13 = 248.
    assert working_days_between(D(2025, 12, 31), D(2026, 12, 31)) == 248
    start = D(2026, 1, 2)
    assert working_days_between(start, start + timedelta(days=730)) > 480
