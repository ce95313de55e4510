"""Display helpers for Rupiah, WIB times, weights and slugs (most are Jinja filters)."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import flask_babel
from babel import Locale
from babel.dates import format_date

WIB = ZoneInfo("Asia/Jakarta")
DEFAULT_LOCALE = "id"
_FORMATS = ("datetime", "date", "time")


def _require_int(value, name: str) -> int:
    # bool is an int subclass but never a meaningful amount.
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    return value


def _group_thousands(n: int) -> str:
    """Indonesian digit grouping: 1500000 -> '1.500.000'."""
    return f"{n:,}".replace(",", ".")


def rupiah(amount: int) -> str:
    """Format whole Rupiah: 15000 -> 'Rp 15.000', -15000 -> '-Rp 15.000'."""
    amount = _require_int(amount, "amount")
    sign = "-" if amount < 0 else ""
    return f"{sign}Rp {_group_thousands(abs(amount))}"


def snippet(text: str | None, length: int = 160) -> str:
    """One line of at most `length` characters, cut at a word with "…" (search results)."""
    text = " ".join((text or "").split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def slugify(text: str, fallback: str = "") -> str:
    """A URL-safe slug: 'Drainase / banjir' -> 'drainase-banjir', 'Kopi Ésa' -> 'kopi-esa'."""
    ascii_text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or fallback


def kg(grams: int) -> str:
    """Show grams as kilograms with a decimal comma: 1500 -> '1,5 kg', 2000 -> '2 kg'."""
    grams = _require_int(grams, "grams")
    sign = "-" if grams < 0 else ""
    whole, rest = divmod(abs(grams), 1000)
    fraction = f"{rest:03d}".rstrip("0")
    number = _group_thousands(whole) + (f",{fraction}" if fraction else "")
    return f"{sign}{number} kg"


def _current_locale() -> Locale:
    """The Flask-Babel locale of the current request/app, or Indonesian outside one."""
    try:
        locale = flask_babel.get_locale()
    except (KeyError, RuntimeError):  # app without Babel, or selector needing a request
        locale = None
    return locale or Locale.parse(DEFAULT_LOCALE)


def wib(dt: datetime, fmt: str = "datetime", *, locale: str | Locale | None = None) -> str:
    """Show a UTC datetime in Western Indonesian Time, e.g. '28 Nov 2026 22.05 WIB'.

    Naive datetimes are taken as UTC. ``fmt`` is "datetime", "date" or "time".
    """
    if not isinstance(dt, datetime):
        raise TypeError(f"dt must be a datetime, got {type(dt).__name__}")
    if fmt not in _FORMATS:
        raise ValueError(f"fmt must be one of {_FORMATS}, got {fmt!r}")
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    local = dt.astimezone(WIB)
    loc = Locale.parse(locale) if locale is not None else _current_locale()

    date_part = format_date(local.date(), "d MMM yyyy", locale=loc)
    separator = "." if loc.language == "id" else ":"
    time_part = f"{local:%H}{separator}{local:%M} WIB"
    if fmt == "date":
        return date_part
    if fmt == "time":
        return time_part
    return f"{date_part} {time_part}"


def wib_range(start: datetime, end: datetime, *, locale: str | Locale | None = None) -> str:
    """A span in WIB with its weekday, the end's day only when it differs: 'Jumat, 4
    Desember 2026, 19.00–21.00 WIB' (filter `wib_range`: `start|wib_range(end)`)."""
    from babel.dates import format_datetime, format_time

    loc = Locale.parse(locale) if locale is not None else _current_locale()
    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    if end.tzinfo is None:
        end = end.replace(tzinfo=UTC)
    a, b = start.astimezone(WIB), end.astimezone(WIB)
    first = format_datetime(a, "EEEE, d MMMM yyyy, HH.mm", locale=loc)
    if a.date() == b.date():
        return f"{first}–{format_time(b, 'HH.mm', locale=loc)} WIB"
    return f"{first} – {format_datetime(b, 'd MMMM yyyy, HH.mm', locale=loc)} WIB"
