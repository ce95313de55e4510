"""Structured weekly opening hours and the "open now" check.

Stored as a list of 7 items, Monday first (like ``date.weekday()``); each item is
``None`` (closed) or ``["HH:MM", "HH:MM"]`` with open < close on the same day.
Kept free of Flask so it can be used (and tested) on its own.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

import holidays
from babel.dates import get_day_names

WEEKDAYS = 7
WIB = ZoneInfo("Asia/Jakarta")

# [0-9] rather than \d: \d also matches full-width and other Unicode digits.
_TIME = re.compile(r"([0-9]{1,2})[:.]([0-9]{2})")


class HoursError(ValueError):
    """A weekly schedule that cannot be stored; ``day`` is the weekday index or None."""

    def __init__(self, day: int | None, code: str):
        super().__init__(f"invalid opening hours (day={day}, code={code})")
        self.day = day
        self.code = code


def parse_time(text: str, *, closing: bool = False) -> str:
    """Read "8:00", "08:00" or "08.00" and return canonical "HH:MM".

    "24:00" is only meaningful as a closing time (end of the day).
    """
    if not isinstance(text, str):
        raise ValueError("time must be text")
    match = _TIME.fullmatch(text.strip())
    if not match:
        raise ValueError(f"unreadable time: {text!r}")
    hour, minute = int(match.group(1)), int(match.group(2))
    if closing and hour == 24 and minute == 0:
        return "24:00"
    if hour > 23 or minute > 59:
        raise ValueError(f"time out of range: {text!r}")
    return f"{hour:02d}:{minute:02d}"


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def validate(hours) -> list:
    """Return the canonical 7-item list or raise HoursError."""
    if not isinstance(hours, list | tuple) or len(hours) != WEEKDAYS:
        raise HoursError(None, "format")
    result: list = []
    for day, item in enumerate(hours):
        if item is None:
            result.append(None)
            continue
        if isinstance(item, str) or not isinstance(item, Sequence) or len(item) != 2:
            raise HoursError(day, "format")
        opens, closes = item
        # A form row with both boxes left empty means "closed".
        if _is_blank(opens) and _is_blank(closes):
            result.append(None)
            continue
        try:
            opens = parse_time(opens)
            closes = parse_time(closes, closing=True)
        except ValueError:
            raise HoursError(day, "format") from None
        # Canonical "HH:MM" strings sort like times, "24:00" included.
        if closes <= opens:
            raise HoursError(day, "order")
        result.append([opens, closes])
    return result


def load(value) -> list:
    """Tolerant reader for a stored value; never raises.

    Anything that is not a 7-item list reads as closed all week; a single
    unreadable day reads as closed without hiding the other days.
    """
    if isinstance(value, str | bytes):
        try:
            value = json.loads(value)
        except ValueError:
            return [None] * WEEKDAYS
    if not isinstance(value, list | tuple) or len(value) != WEEKDAYS:
        return [None] * WEEKDAYS
    result: list = []
    for item in value:
        try:
            result.append(validate([item] + [None] * (WEEKDAYS - 1))[0])
        except (HoursError, TypeError):
            result.append(None)
    return result


@functools.lru_cache(maxsize=16)
def _holidays_for(year: int, language: str):
    # The library's default language follows the process locale; pin it.
    return holidays.country_holidays("ID", years=year, language=language)


def is_holiday(day: date, *, language: str = "id") -> str | None:
    """Name of the Indonesian public holiday on ``day``, else None."""
    if isinstance(day, datetime):
        day = day.date()
    return _holidays_for(day.year, language).get(day)


def is_open(hours, closed_on_holidays: bool, at: datetime) -> bool:
    """Whether the place is open at ``at`` (aware, any zone), judged in WIB."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("at must be timezone-aware")
    local = at.astimezone(WIB)
    if closed_on_holidays and is_holiday(local.date()):
        return False
    today = load(hours)[local.weekday()]
    if today is None:
        return False
    opens, closes = today
    now = f"{local.hour:02d}:{local.minute:02d}"
    return opens <= now < closes


def _display(value: str) -> str:
    # Indonesian style: 08.00 rather than 08:00.
    return value.replace(":", ".")


def open_days(hours) -> list[tuple[int, str | None]]:
    """(weekday index, "08.00–16.00" or None when closed) for display."""
    return [
        (day, None if item is None else f"{_display(item[0])}\u2013{_display(item[1])}")
        for day, item in enumerate(load(hours))
    ]


def weekday_names(locale: str) -> list[str]:
    """Wide weekday names, Monday first ("Senin" for "id", "Monday" for "en")."""
    names = get_day_names("wide", locale=locale)
    return [names[i] for i in range(WEEKDAYS)]


def all_closed(hours) -> bool:
    return all(item is None for item in load(hours))
