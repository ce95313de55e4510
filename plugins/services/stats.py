"""Service-time figures per letter type and month: median, 90th percentile, share on time."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from .workdays import working_days_between


def median(values: list[int | float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[middle])
    return (ordered[middle - 1] + ordered[middle]) / 2


def percentile(values: list[int | float], p: float) -> float | None:
    # Nearest-rank method: the smallest value with at least p% of the values at or below
    # it, i.e. the value at rank ceil(p/100 * n); p90 of 10 values is the 9th smallest.
    # It is always an observed value, which reads better than an interpolated "2.7 days".
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return float(ordered[min(rank, len(ordered)) - 1])


def share_within(values: list[int | float], target: int | float) -> float | None:
    """Fraction (0..1) of the values that are at or below `target`."""
    if not values:
        return None
    return sum(1 for value in values if value <= target) / len(values)


@dataclass(frozen=True)
class ServiceTime:
    letter_type_id: int
    month: str  # "YYYY-MM" of the ready date
    count: int
    median_days: float | None
    p90_days: float | None
    within_target: float | None
    target_days: int


def service_times(
    rows: Iterable[tuple[int, date, date]],
    targets: dict[int, int],
    leave: frozenset[date] = frozenset(),
) -> list[ServiceTime]:
    """Figures from (letter_type_id, complete_date, ready_date) rows, in working days.

    Grouped by letter type and the month of the ready date; newest month first, then by
    type id. A type without a target gets target 0 (only same-day letters are on time).
    """
    leave = frozenset(leave)
    groups: dict[tuple[str, int], list[int]] = defaultdict(list)
    for type_id, complete, ready in rows:
        month = f"{ready.year:04d}-{ready.month:02d}"
        groups[(month, type_id)].append(working_days_between(complete, ready, leave))
    result = []
    for (month, type_id), days in groups.items():
        target = targets.get(type_id, 0)
        result.append(
            ServiceTime(
                letter_type_id=type_id,
                month=month,
                count=len(days),
                median_days=median(days),
                p90_days=percentile(days, 90),
                within_target=share_within(days, target),
                target_days=target,
            )
        )
    result.sort(key=lambda item: item.letter_type_id)
    result.sort(key=lambda item: item.month, reverse=True)
    return result
