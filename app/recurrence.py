"""Repeat rules (events, bookings, schedules), their occurrences, and iCalendar feeds.

A rule is the RFC 5545 RRULE value without the "RRULE:" prefix and without
DTSTART, e.g. ``FREQ=WEEKLY;UNTIL=20270130T165959Z;BYDAY=SA``. It is always
interpreted in WIB local time, with the event's ``starts_at`` as DTSTART, so
"every Saturday 06:00 WIB" stays on Saturday although that is Friday in UTC.
Kept free of Flask so it can be used (and tested) on its own.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from babel.dates import format_date, get_day_names
from dateutil.relativedelta import relativedelta
from dateutil.rrule import rrulestr
from icalendar import Calendar, Event, Timezone, vRecur

WIB = ZoneInfo("Asia/Jakarta")
FREQUENCIES = ("none", "daily", "weekly", "monthly")
# Also accepted by `make_rule`: every month on the same weekday of the same week as the
# first time (a posyandu on the second Tuesday; the last one when it falls in week five).
MONTHLY_WEEKDAY = "monthly_weekday"
MAX_YEARS = 2
MAX_OCCURRENCES = 750

_MAX_RULE_LENGTH = 200
_DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_KEYS = frozenset({"FREQ", "INTERVAL", "BYDAY", "UNTIL", "COUNT"})
_MAX_INTERVAL = 99
# ASCII only: str.isdigit() and \d also accept other scripts' digits.
_NUMBER = re.compile(r"[0-9]{1,4}")
_UNTIL = re.compile(r"([0-9]{8})(?:T([0-9]{6})(Z?))?")
_ORDINAL_DAY = re.compile(r"(-1|[1-4])?(MO|TU|WE|TH|FR|SA|SU)")


class RuleError(ValueError):
    """A repeat rule that cannot be stored; ``code`` says why."""

    def __init__(self, code: str, message: str = ""):
        super().__init__(message or f"invalid repeat rule ({code})")
        self.code = code


@dataclass(frozen=True)
class _Parts:
    freq: str
    interval: int
    weekdays: tuple[int, ...]
    until: datetime | None  # aware UTC
    count: int | None
    ordinal: int | None = None  # MONTHLY on the nth (1–4) or last (-1) of `weekdays[0]`

    def text(self) -> str:
        # icalendar's own serialisation, so the feed repeats this text exactly.
        values: dict = {"FREQ": self.freq}
        if self.until is not None:
            values["UNTIL"] = self.until
        if self.count is not None:
            values["COUNT"] = self.count
        if self.interval != 1:
            values["INTERVAL"] = self.interval
        if self.weekdays:
            prefix = str(self.ordinal) if self.ordinal else ""
            values["BYDAY"] = [prefix + _DAY_CODES[d] for d in self.weekdays]
        return vRecur(values).to_ical().decode("ascii")


def _invalid(why: str) -> RuleError:
    return RuleError("invalid", f"invalid repeat rule: {why}")


def _parse_until(value: str) -> datetime:
    match = _UNTIL.fullmatch(value)
    if not match:
        raise _invalid("UNTIL")
    day_text, time_text, zulu = match.groups()
    try:
        day = datetime.strptime(day_text, "%Y%m%d").date()
        if time_text is None:
            # A bare date means "through that whole day" in WIB.
            return datetime.combine(day, time(23, 59, 59), WIB).astimezone(UTC)
        clock = datetime.strptime(time_text, "%H%M%S").time()
    except ValueError:
        raise _invalid("UNTIL") from None
    return datetime.combine(day, clock, UTC if zulu else WIB).astimezone(UTC)


def _parse(rule) -> _Parts:
    """Structural parse; no expansion and nothing that depends on DTSTART."""
    if not isinstance(rule, str) or len(rule) > _MAX_RULE_LENGTH:
        raise _invalid("not a short text")
    text = rule.strip().upper()
    if text.startswith("RRULE:"):
        text = text[len("RRULE:") :]
    if not text:
        raise _invalid("empty")
    values: dict[str, str] = {}
    for part in text.split(";"):
        key, sep, value = part.partition("=")
        if not sep or key not in _KEYS or key in values or not value:
            raise _invalid(f"part {part[:20]!r}")
        values[key] = value
    freq = values.get("FREQ")
    if freq not in ("DAILY", "WEEKLY", "MONTHLY"):
        raise _invalid("FREQ")
    interval = 1
    if "INTERVAL" in values:
        if not _NUMBER.fullmatch(values["INTERVAL"]):
            raise _invalid("INTERVAL")
        interval = int(values["INTERVAL"])
        if not 1 <= interval <= _MAX_INTERVAL:
            raise _invalid("INTERVAL")
    weekdays: tuple[int, ...] = ()
    ordinal = None
    if "BYDAY" in values:
        found = [_ORDINAL_DAY.fullmatch(code) for code in values["BYDAY"].split(",")]
        if not all(found):
            raise _invalid("BYDAY")
        codes = [m.group(2) for m in found]
        ordinals = {m.group(1) for m in found}
        if len(set(codes)) != len(codes):
            raise _invalid("BYDAY")
        if ordinals != {None}:
            # "2TU": one weekday of a monthly rule only (the forms make nothing else).
            if freq != "MONTHLY" or len(codes) != 1:
                raise _invalid("BYDAY")
            ordinal = int(found[0].group(1))
        weekdays = tuple(sorted(_DAY_CODES.index(code) for code in codes))
    if "UNTIL" in values and "COUNT" in values:
        raise _invalid("both UNTIL and COUNT")
    until = _parse_until(values["UNTIL"]) if "UNTIL" in values else None
    count = None
    if "COUNT" in values:
        # Any length here (the text is short); check_rule judges the size.
        if not re.fullmatch(r"[0-9]+", values["COUNT"]):
            raise _invalid("COUNT")
        count = int(values["COUNT"])
        if count < 1:
            raise _invalid("COUNT")
    return _Parts(freq, interval, weekdays, until, count, ordinal)


def _require_aware(value: datetime, name: str) -> None:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime")


def _limit(starts_at: datetime) -> datetime:
    """Latest allowed instant of a series: end of the WIB day MAX_YEARS on."""
    last_day = starts_at.astimezone(WIB).date() + relativedelta(years=MAX_YEARS)
    return datetime.combine(last_day, time(23, 59, 59), WIB)


def _expand(text: str, starts_at: datetime):
    return rrulestr(text, dtstart=starts_at.astimezone(WIB))


def check_rule(rule: str, starts_at: datetime) -> str:
    """Validate a rule text (form, import, anything hostile); return it canonical."""
    _require_aware(starts_at, "starts_at")
    parts = _parse(rule)
    if parts.until is None and parts.count is None:
        raise RuleError("no_end", "a repeating event needs an end date or a count")
    if parts.count is not None and parts.count > MAX_OCCURRENCES:
        raise RuleError("too_long")
    start_day = starts_at.astimezone(WIB).date()
    if parts.until is not None:
        if parts.until.astimezone(WIB).date() < start_day:
            raise RuleError("before_start", "the repeat ends before the event starts")
        if parts.until > _limit(starts_at):
            raise RuleError("too_long")
    text = parts.text()
    try:
        rule_set = _expand(text, starts_at)
    except (ValueError, TypeError):
        raise _invalid("rejected by the expander") from None
    # The rule is bounded by now, but still never take more than needed.
    starts = list(itertools.islice(iter(rule_set), MAX_OCCURRENCES + 1))
    if not starts:
        raise RuleError("before_start", "the repeat has no occurrence")
    if len(starts) > MAX_OCCURRENCES or starts[-1] > _limit(starts_at):
        raise RuleError("too_long")
    return text


def make_rule(
    freq: str,
    until: date | None,
    starts_at: datetime,
    weekdays: list[int] | None = None,
) -> str | None:
    """Build a rule from an edit form's choices; "none" means no repeat. MONTHLY_WEEKDAY
    repeats on the weekday and week of the month of `starts_at` (the second Tuesday)."""
    if freq not in FREQUENCIES and freq != MONTHLY_WEEKDAY:
        raise _invalid("frequency")
    if freq == "none":
        return None
    if until is None:
        raise RuleError("no_end", "a repeating event needs an end date")
    _require_aware(starts_at, "starts_at")
    if freq == MONTHLY_WEEKDAY:
        local = starts_at.astimezone(WIB)
        week = (local.day - 1) // 7 + 1
        end = datetime.combine(until, time(23, 59, 59), WIB).astimezone(UTC)
        parts = _Parts("MONTHLY", 1, (local.weekday(),), end, None, week if week <= 4 else -1)
        return check_rule(parts.text(), starts_at)
    if weekdays and freq != "weekly":
        raise _invalid("weekdays only apply to a weekly repeat")
    if freq == "weekly":
        if not weekdays:
            weekdays = [starts_at.astimezone(WIB).weekday()]
        if any(not isinstance(d, int) or not 0 <= d < 7 for d in weekdays):
            raise _invalid("weekday")
    days = tuple(sorted(set(weekdays or ())))
    end = datetime.combine(until, time(23, 59, 59), WIB).astimezone(UTC)
    return check_rule(_Parts(freq.upper(), 1, days, end, None).text(), starts_at)


def rule_parts(
    rule: str | None, *, starts_at: datetime | None = None
) -> tuple[str, date | None, list[int]]:
    """(frequency, last day in WIB, weekdays) for an edit form.

    For a COUNT rule the last day is only known with ``starts_at``.
    """
    if not rule:
        return ("none", None, [])
    parts = _parse(rule)
    freq = MONTHLY_WEEKDAY if parts.ordinal else parts.freq.lower()
    until: date | None = None
    if parts.until is not None:
        until = parts.until.astimezone(WIB).date()
    elif parts.count is not None and starts_at is not None:
        last = _last_start(check_rule(rule, starts_at), starts_at)
        until = last.astimezone(WIB).date() if last else None
    return (freq, until, list(parts.weekdays))


@functools.lru_cache(maxsize=256)
def _starts(rule: str, starts_at: datetime) -> tuple[datetime, ...]:
    # A checked rule has at most MAX_OCCURRENCES starts: cheap to keep whole.
    text = check_rule(rule, starts_at)
    return tuple(_expand(text, starts_at))


def _last_start(rule: str, starts_at: datetime) -> datetime | None:
    starts = _starts(rule, starts_at)
    return starts[-1] if starts else None


@dataclass(frozen=True)
class Occurrence:
    start: datetime  # aware UTC
    end: datetime  # aware UTC


def _overlaps(start: datetime, end: datetime, window_start: datetime, window_end: datetime):
    if end > start:
        return start < window_end and end > window_start
    # A zero-length event counts where its instant falls.
    return window_start <= start < window_end


def occurrences(
    starts_at: datetime,
    ends_at: datetime,
    rule: str | None,
    window_start: datetime,
    window_end: datetime,
) -> list[Occurrence]:
    """Occurrences overlapping [window_start, window_end), in order.

    Each lasts as long as the first; one that began before the window but is
    still running inside it is included.
    """
    for value, name in ((starts_at, "starts_at"), (ends_at, "ends_at")):
        _require_aware(value, name)
    duration = ends_at - starts_at
    starts = _starts(rule, starts_at) if rule else (starts_at,)
    result = []
    for start in starts:
        start = start.astimezone(UTC)
        if start >= window_end:
            break
        end = start + duration
        if _overlaps(start, end, window_start, window_end):
            result.append(Occurrence(start, end))
    return result


def series_end(starts_at: datetime, ends_at: datetime, rule: str | None) -> datetime:
    """End (UTC) of the last occurrence."""
    _require_aware(starts_at, "starts_at")
    _require_aware(ends_at, "ends_at")
    last = _last_start(rule, starts_at) if rule else None
    if last is None:
        return ends_at.astimezone(UTC)
    return (last + (ends_at - starts_at)).astimezone(UTC)


_WORDS = {
    "id": {
        "DAILY": ("Setiap hari", "Setiap {n} hari"),
        "WEEKLY": ("Setiap minggu", "Setiap {n} minggu"),
        "MONTHLY": ("Setiap bulan", "Setiap {n} bulan"),
        "every_days": "Setiap {days}",
        "on_days": "{base} pada {days}",
        "until": "sampai {date}",
        "count": ("{n} kali", "{n} kali"),
        "nth": "Setiap {day} {ordinal} tiap bulan",
        "ordinals": {1: "pertama", 2: "kedua", 3: "ketiga", 4: "keempat", -1: "terakhir"},
    },
    "en": {
        "DAILY": ("Every day", "Every {n} days"),
        "WEEKLY": ("Every week", "Every {n} weeks"),
        "MONTHLY": ("Every month", "Every {n} months"),
        "every_days": "Every {days}",
        "on_days": "{base} on {days}",
        "until": "until {date}",
        "count": ("once", "{n} times"),
        "nth": "Every {ordinal} {day} of the month",
        "ordinals": {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"},
    },
}


def describe(rule: str | None, locale: str) -> str:
    """Human sentence for a rule, in Indonesian ("id") or English (otherwise)."""
    if not rule:
        return ""
    parts = _parse(rule)
    language = "id" if str(locale).lower().startswith("id") else "en"
    babel_locale = "id" if language == "id" else "en"
    words = _WORDS[language]
    single, plural = words[parts.freq]
    base = single if parts.interval == 1 else plural.format(n=parts.interval)
    if parts.ordinal and parts.interval == 1:
        day = get_day_names("wide", locale=babel_locale)[parts.weekdays[0]]
        base = words["nth"].format(day=day, ordinal=words["ordinals"][parts.ordinal])
    elif parts.weekdays:
        names = get_day_names("wide", locale=babel_locale)
        days = ", ".join(names[d] for d in parts.weekdays)
        # BYDAY every week (or every month: each such weekday) reads as "Every Saturday".
        if parts.interval == 1 and parts.freq in ("WEEKLY", "MONTHLY", "DAILY"):
            base = words["every_days"].format(days=days)
        else:
            base = words["on_days"].format(base=base, days=days)
    if parts.until is not None:
        last_day = parts.until.astimezone(WIB).date()
        when = format_date(last_day, "d MMMM yyyy", locale=babel_locale)
        return f"{base}, {words['until'].format(date=when)}"
    if parts.count is not None:
        one, many = words["count"]
        return f"{base}, {(one if parts.count == 1 else many).format(n=parts.count)}"
    return base


@dataclass(frozen=True)
class FeedEvent:
    uid: str
    title: str
    description: str
    starts_at: datetime
    ends_at: datetime
    rule: str | None
    location: str
    lat: float | None
    lng: float | None
    url: str
    stamp: datetime  # last modified, aware UTC
    image_url: str = ""


@functools.lru_cache(maxsize=1)
def _wib_vtimezone() -> bytes:
    # Generating a VTIMEZONE is slow; keep its text and parse a fresh copy per feed.
    return Timezone.from_tzid("Asia/Jakarta").to_ical()


def calendar_ics(
    events: Iterable[FeedEvent],
    *,
    name: str,
    description: str = "",
    product: str = "-//Kelurahan Pintar//ID",
) -> bytes:
    """An RFC 5545 calendar (METHOD:PUBLISH) of the given events."""
    calendar = Calendar()
    calendar.add("version", "2.0")
    calendar.add("prodid", product)
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Asia/Jakarta")
    if description:
        calendar.add("x-wr-caldesc", description)
    calendar.add_component(Timezone.from_ical(_wib_vtimezone()))
    for item in events:
        event = Event()
        event.add("uid", item.uid)
        event.add("dtstamp", item.stamp.astimezone(UTC))
        event.add("last-modified", item.stamp.astimezone(UTC))
        event.add("dtstart", item.starts_at.astimezone(WIB))
        event.add("dtend", item.ends_at.astimezone(WIB))
        if item.rule:
            event.add("rrule", vRecur.from_ical(check_rule(item.rule, item.starts_at)))
        event.add("summary", item.title)
        if item.description:
            event.add("description", item.description)
        if item.location:
            event.add("location", item.location)
        if item.lat is not None and item.lng is not None:
            event.add("geo", (item.lat, item.lng))
        if item.url:
            event.add("url", item.url)
        if item.image_url:
            # RFC 7986 IMAGE; clients that do not know it ignore it.
            event.add("image", item.image_url, parameters={"VALUE": "URI"})
        calendar.add_component(event)
    return calendar.to_ical()
