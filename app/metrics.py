"""Monthly snapshots of every kelurahan's dashboard figures (`flask kp metrics snapshot`).

Each run asks every kelurahan's switched-on plugins for their `kp_dimension_metrics` since
the first day of the current month (WIB), and stores each figure for that month, replacing
what an earlier run of the same month stored. Run it daily from cron: the month's last run
is its record, and later changes to the data (a report reopened, a plugin switched off) do
not rewrite past months."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from flask_babel import force_locale
from sqlalchemy import select

from .directory import all_kelurahan
from .extensions import db
from .formatting import WIB
from .kelurahan_context import acting_in
from .models import MetricSnapshot, utcnow
from .plugins import host


def month_of(now: datetime | None = None) -> date:
    """The first day of the current month in WIB."""
    return (now or utcnow()).astimezone(WIB).date().replace(day=1)


def snapshot(now: datetime | None = None) -> int:
    """Store this month's figures of every kelurahan; how many figures were stored."""
    now = now or utcnow()
    month = month_of(now)
    since = datetime.combine(month, time(0), WIB).astimezone(UTC)
    kp = host()
    stored = 0
    for kelurahan in all_kelurahan():
        with force_locale("id"), acting_in(kelurahan):
            answers = [
                (plugin, metric.dimension, metric.key, str(metric.label), int(metric.value))
                for plugin, metrics in kp.collect_by_plugin(
                    "kp_dimension_metrics", kelurahan, kelurahan=kelurahan, since=since
                )
                for metric in metrics
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
