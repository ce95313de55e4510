"""Monthly snapshots of every kelurahan's dashboard figures (`flask kp metrics snapshot`).

Each run asks every kelurahan's switched-on plugins for their `kp_dimension_metrics` over
one month (WIB; since its first day, until the next month's first day) and stores each
figure for that month, replacing what an earlier run for the same month stored. Run it
daily from cron: the month's last run is its record, and later changes to the data (a
report reopened, a plugin switched off) do not rewrite past months.

A past month can be asked again (`--month YYYY-MM`, and the demo seed's backfill): the
figures counted over the period are recomputed from the rows' dates, but a state figure
(`over_period=False`, such as the reports open now) says how things are today, not how
they were then, so a past month's run never writes one and keeps any it already has."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time

from flask_babel import force_locale
from sqlalchemy import select

from .directory import all_kelurahan
from .extensions import db
from .formatting import WIB
from .kelurahan_context import acting_in
from .models import MetricSnapshot, utcnow
from .plugins import host

MONTH_PATTERN = re.compile(r"(\d{4})-(\d{2})", re.ASCII)


def month_of(now: datetime | None = None) -> date:
    """The first day of the current month in WIB."""
    return (now or utcnow()).astimezone(WIB).date().replace(day=1)


def add_months(month: date, n: int) -> date:
    """The first day of the month `n` months after (before, when negative) `month`."""
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def month_start(month: date) -> datetime:
    """The month's first instant, WIB, as an aware UTC datetime."""
    return datetime.combine(month.replace(day=1), time(0), WIB).astimezone(UTC)


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """(since, until) of a month for `kp_dimension_metrics`: its first instant and the next
    month's (WIB, as UTC)."""
    return month_start(month), month_start(add_months(month, 1))


def parse_month(text: str | None) -> date | None:
    """ "2026-11" -> date(2026, 11, 1); None for anything else (ASCII digits only, a real
    month, years 2000-2999)."""
    found = MONTH_PATTERN.fullmatch(text or "")
    if not found:
        return None
    year, month = int(found[1]), int(found[2])
    if not (2000 <= year <= 2999 and 1 <= month <= 12):
        return None
    return date(year, month, 1)


def snapshot(now: datetime | None = None, month: date | None = None) -> int:
    """Store the figures of every kelurahan for `month` (default: the current month); how
    many figures were stored. A past month gets only its figures counted over the period;
    a month after the current one is refused (ValueError)."""
    now = now or utcnow()
    current = month_of(now)
    month = (month or current).replace(day=1)
    if month > current:
        raise ValueError(f"{month:%Y-%m} has not started yet")
    past = month < current
    since, until = month_bounds(month)
    kp = host()
    stored = 0
    for kelurahan in all_kelurahan():
        with force_locale("id"), acting_in(kelurahan):
            answers = [
                (plugin, metric.dimension, metric.key, str(metric.label), int(metric.value))
                for plugin, metrics in kp.collect_by_plugin(
                    "kp_dimension_metrics",
                    kelurahan,
                    kelurahan=kelurahan,
                    since=since,
                    until=until,
                )
                for metric in metrics
                if metric.over_period or not past
            ]
        kept = {
            row.key: row
            for row in db.session.execute(
                select(MetricSnapshot).where(
                    MetricSnapshot.kelurahan_id == kelurahan.id, MetricSnapshot.month == month
                )
            ).scalars()
        }
        for plugin, dimension, key, label, value in answers:
            row = kept.get(key) or MetricSnapshot(kelurahan_id=kelurahan.id, month=month, key=key)
            row.plugin_id, row.dimension, row.label = plugin, dimension, label[:200]
            row.value, row.taken_at = value, now
            db.session.add(row)
            stored += 1
        db.session.commit()
    return stored


def backfill(months: int = 12, now: datetime | None = None) -> int:
    """Snapshots of the last `months` complete months (figures over the period only) and of
    the current month: the demo's trends. How many figures were stored."""
    current = month_of(now)
    stored = 0
    for n in range(months, 0, -1):
        stored += snapshot(now, add_months(current, -n))
    return stored + snapshot(now)
