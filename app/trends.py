"""Monthly trends of the dashboard figures, read from the snapshots (`flask kp metrics
snapshot`, app/metrics.py): the last twelve months as they were kept, and the current month
live from the plugins (marked as running: an over-the-period figure still grows until the
month ends).

Two views of them: one kelurahan's figures of one dimension (`kelurahan_trends`), and one
figure across the 27 kelurahan with the city's total (`city_trend`). Each costs one query of
snapshots however many months or kelurahan it covers; the live month comes from the same
per-kelurahan cache as the dashboards."""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from babel.dates import format_date
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .dashboard import definitions, kelurahan_metrics
from .directory import all_kelurahan
from .extensions import db
from .kelurahan_context import acting_in
from .metrics import add_months, month_bounds, month_of
from .models import Kelurahan, MetricSnapshot
from .plugins import Metric

MONTHS = 12  # complete months shown before the current one
METRIC_KEY = re.compile(r"[a-z0-9_]{1,80}", re.ASCII)  # what plugins name their figures


def _locale() -> str:
    try:
        return str(get_locale() or "id")
    except (KeyError, RuntimeError):
        return "id"


@dataclass(frozen=True)
class Point:
    """One month of a figure: None where no value was kept. `live` marks the running month."""

    month: date
    value: int | None
    live: bool = False

    @property
    def label(self) -> str:
        return format_date(self.month, "MMM yyyy", locale=_locale())

    @property
    def short(self) -> str:
        return format_date(self.month, "MMM", locale=_locale())

    @property
    def year(self) -> int:
        return self.month.year


@dataclass
class Trend:
    """A figure's months, oldest first, with what the dashboards say about it. A figure no
    plugin gives any more (switched off) keeps its kept label and nothing else."""

    key: str
    label: str
    points: list[Point]
    dimension: str = ""
    definition: str = ""
    unit: str = ""
    higher_is_better: bool | None = True
    over_period: bool = True
    url: str | None = None

    @classmethod
    def of(cls, key: str, label: str, points: list[Point], metric: Metric | None) -> Trend:
        if metric is None:
            return cls(key, label, points)
        return cls(
            key,
            str(metric.label),
            points,
            metric.dimension,
            str(metric.definition),
            str(metric.unit),
            metric.higher_is_better,
            metric.over_period,
            metric.url,
        )


def window(current: date, months: int = MONTHS) -> list[date]:
    """The `months` months before `current`, then `current`: oldest first."""
    return [add_months(current, n) for n in range(-months, 1)]


def live_metrics(kelurahan: Kelurahan, month: date) -> list[Metric]:
    """The kelurahan's figures for the running month, from the dashboards' cache."""
    since, until = month_bounds(month)
    with acting_in(kelurahan):  # links built by the plugins point into it
        return kelurahan_metrics(kelurahan, since, until)


def kelurahan_trends(kelurahan: Kelurahan, dimension: str, now: datetime | None = None) -> list:
    """Every figure of one dimension in one kelurahan over the last twelve months and the
    current one: the figures the plugins give now first (in their order), then those only
    the snapshots remember."""
    current = month_of(now)
    months = window(current)
    live = [m for m in live_metrics(kelurahan, current) if m.dimension == dimension]
    kept: dict[tuple[str, date], int] = {}
    labels: dict[str, str] = {}
    for row in db.session.execute(
        select(MetricSnapshot)
        .where(
            MetricSnapshot.kelurahan_id == kelurahan.id,
            MetricSnapshot.dimension == dimension,
            MetricSnapshot.month >= months[0],
            MetricSnapshot.month < current,
        )
        .order_by(MetricSnapshot.month)
    ).scalars():
        kept[row.key, row.month] = row.value
        labels[row.key] = row.label  # the latest month's wording wins
    trends = []
    for metric in live:
        points = [Point(m, kept.get((metric.key, m))) for m in months[:-1]]
        points.append(Point(current, metric.value, live=True))
        trends.append(Trend.of(metric.key, str(metric.label), points, metric))
    given = {m.key for m in live}
    for key in sorted(set(labels) - given, key=lambda k: labels[k]):
        points = [Point(m, kept.get((key, m))) for m in months[:-1]]
        trends.append(Trend.of(key, labels[key], [*points, Point(current, None, live=True)], None))
    return trends


# -- one figure across the city ------------------------------------------------------------------


def known_metrics() -> dict[str, Metric]:
    """Every figure the dashboards show now, by key (label, definition, unit, direction)."""
    return {m.key: m for _, metrics in definitions() for m in metrics}


def city_value(values: Iterable[int], unit: str) -> int | None:
    """The city's figure of a month from its kelurahan's: the total of a count, the median
    of a share or a duration (adding percentages says nothing); None without any value."""
    values = list(values)
    if not values:
        return None
    return sum(values) if not unit else round(statistics.median(values))


def city_value_label(unit: str):
    return _l("Jumlah kota") if not unit else _l("Median kelurahan")


@dataclass
class CityTrend:
    key: str
    label: str
    trend: Trend  # the city's value per month
    rows: list[tuple[Kelurahan, list[Point]]] = field(default_factory=list)

    @property
    def months(self) -> list[Point]:
        return self.trend.points

    @property
    def value_label(self):
        return city_value_label(self.trend.unit)


def city_trend(
    key: str,
    now: datetime | None = None,
    *,
    until_month: date | None = None,
    live: bool = True,
    known: dict[str, Metric] | None = None,
    places: list[Kelurahan] | None = None,
) -> CityTrend | None:
    """One figure of every kelurahan over the twelve months before `until_month` (default:
    the current month) and that month, live when it is the current month and `live`; the
    city's value per month. None when neither a plugin nor a snapshot knows the key."""
    current = month_of(now)
    last = until_month or current
    months = window(last)
    known = known_metrics() if known is None else known
    metric = known.get(key)
    with_live = live and last == current
    kept: dict[tuple[int, date], int] = {}
    label = dimension = None
    for row in db.session.execute(
        select(MetricSnapshot)
        .where(
            MetricSnapshot.key == key,
            MetricSnapshot.month >= months[0],
            MetricSnapshot.month <= last,
            *([MetricSnapshot.month < current] if with_live else []),
        )
        .order_by(MetricSnapshot.month)
    ).scalars():
        kept[row.kelurahan_id, row.month] = row.value
        label, dimension = row.label, row.dimension
    if metric is None and label is None:
        return None
    everyone = all_kelurahan() if places is None else places
    if with_live:
        for kelurahan in everyone:
            for m in live_metrics(kelurahan, current):
                if m.key == key:
                    kept[kelurahan.id, current] = m.value
    rows = [
        (k, [Point(m, kept.get((k.id, m)), live=with_live and m == current) for m in months])
        for k in everyone
    ]
    unit = str(metric.unit) if metric else ""
    totals = []
    for i, m in enumerate(months):
        values = [points[i].value for _, points in rows if points[i].value is not None]
        totals.append(Point(m, city_value(values, unit), live=with_live and m == current))
    trend = Trend.of(key, label or key, totals, metric)
    trend.dimension = trend.dimension or dimension or ""
    return CityTrend(key, trend.label, trend, rows)
