from __future__ import annotations

from datetime import date

import pytest

from plugins.services.stats import ServiceTime, median, percentile, service_times, share_within


def test_empty_input_gives_none():
    assert median([]) is None
    assert percentile([], 90) is None
    assert share_within([], 3) is None


def test_median():
    assert median([3]) == 3.0
    assert median([5, 1, 3]) == 3.0
    assert median([4, 1, 3, 2]) == 2.5


@pytest.mark.parametrize(
    ("values", "p", "expected"),
    [
        (list(range(1, 11)), 90, 9.0),  # p90 of 10 values is the 9th smallest
        (list(range(10, 0, -1)), 90, 9.0),  # order does not matter
        (list(range(1, 11)), 91, 10.0),
        (list(range(1, 11)), 50, 5.0),
        ([7], 90, 7.0),
        ([1, 2], 90, 2.0),
        ([1, 2, 3], 0, 1.0),
        ([1, 2, 3], 100, 3.0),
    ],
)
def test_percentile_nearest_rank(values, p, expected):
    assert percentile(values, p) == expected


def test_share_within():
    assert share_within([0, 1, 3, 4], 3) == 0.75
    assert share_within([5, 6], 3) == 0.0


def test_service_times_groups_by_type_and_ready_month():
    rows = [
        # Type 1, ready in August 2026: 0, 1 and 4 working days (17 August is a holiday).
        (1, date(2026, 8, 10), date(2026, 8, 10)),
        (1, date(2026, 8, 14), date(2026, 8, 18)),
        (1, date(2026, 8, 10), date(2026, 8, 14)),
        # Type 2 in August, and type 1 again in July.
        (2, date(2026, 8, 3), date(2026, 8, 5)),
        (1, date(2026, 7, 30), date(2026, 7, 31)),
        # Submitted in July, ready in September: counted in September.
        (2, date(2026, 7, 31), date(2026, 9, 1)),
    ]
    result = service_times(rows, {1: 3, 2: 2}, frozenset())
    assert [(s.month, s.letter_type_id) for s in result] == [
        ("2026-09", 2),
        ("2026-08", 1),
        ("2026-08", 2),
        ("2026-07", 1),
    ]
    august = result[1]
    assert august == ServiceTime(
        letter_type_id=1,
        month="2026-08",
        count=3,
        median_days=1.0,
        p90_days=4.0,
        within_target=2 / 3,
        target_days=3,
    )
    assert result[2].median_days == 2.0 and result[2].within_target == 1.0


def test_service_times_counts_leave_and_missing_target():
    rows = [(5, date(2026, 3, 18), date(2026, 3, 25))]
    leave = frozenset({date(2026, 3, 20), date(2026, 3, 23), date(2026, 3, 24)})
    (with_leave,) = service_times(rows, {}, leave)
    (without,) = service_times(rows, {}, frozenset())
    assert with_leave.median_days == 1.0
    assert without.median_days == 4.0
    assert with_leave.target_days == 0 and with_leave.within_target == 0.0
    assert service_times([], {1: 3}, frozenset()) == []
