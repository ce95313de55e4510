"""The city's grid: the 27 kelurahan (by kecamatan) × the six dimensions. Each cell names
the plugins switched on there, the dimension's index (app/index.py) and its figures for the
chosen period (`?periode=`: this month, the last three calendar months or this year, in
WIB), each beside the value of the period before it: counted again over that period for a
figure that counts over the period, the kept monthly value (`flask kp metrics snapshot`) of
the previous period's last month for a state figure, when there is one. The figures come
from the same cache as the kelurahan's own dashboard. Every dimension has its column even
where no plugin serves it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .directory import all_kelurahan, by_kecamatan
from .extensions import db
from .formatting import WIB
from .kelurahan_context import acting_in
from .models import MetricSnapshot
from .plugins import CORE_PLUGIN as CORE
from .plugins import DIMENSIONS, Metric, host

# `?periode=` values of the city dashboards, in the order of the switch.
PERIODS = {
    "bulan": _l("Bulan ini"),
    "3bulan": _l("3 bulan terakhir"),
    "tahun": _l("Tahun ini"),
}
DEFAULT_PERIOD = "bulan"

# What the previous period is, as the page says it.
BEFORE_LABELS = {
    "bulan": _l("bulan lalu"),
    "3bulan": _l("3 bulan sebelumnya"),
    "tahun": _l("tahun lalu sampai tanggal yang sama"),
}


@dataclass(frozen=True)
class Period:
    """A period of the city dashboards and the one before it. Times are aware (WIB), each
    a day's start; `until` and `before_until` are excluded. `snapshot_month` is the month
    whose kept values stand for the state figures at the end of the previous period."""

    key: str
    since: datetime
    until: datetime
    before_since: datetime
    before_until: datetime
    snapshot_month: date

    @property
    def label(self):
        return PERIODS[self.key]

    @property
    def before_label(self):
        return BEFORE_LABELS[self.key]

    @property
    def last_day(self) -> datetime:
        """The period's last day so far (today for the running period)."""
        return min(self.until, day_end()) - timedelta(days=1)

    @property
    def before_last_day(self) -> datetime:
        return self.before_until - timedelta(days=1)


def requested_period() -> str:
    """The `?periode=` of the request: the default when absent or empty, 400 when unknown."""
    from flask import abort, request

    key = request.args.get("periode", "") or DEFAULT_PERIOD
    if key not in PERIODS:
        abort(400)
    return key


def _month_start(year: int, month: int) -> datetime:
    """The first day of a month (WIB); months past 12 or below 1 roll into other years."""
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return datetime(year, month, 1, tzinfo=WIB)


def _a_year_before(day: datetime) -> datetime:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February: the 28th, a year before
        return day.replace(year=day.year - 1, day=28)


def period(key: str | None = None, now: datetime | None = None) -> Period:
    """The period named `key` (one of PERIODS; the default when None) as of `now`."""
    key = key or DEFAULT_PERIOD
    if key not in PERIODS:
        raise ValueError(f"unknown period {key!r}")
    today = (now or datetime.now(WIB)).astimezone(WIB)
    y, m = today.year, today.month
    if key == "bulan":
        since, until = _month_start(y, m), _month_start(y, m + 1)
        before_since, before_until = _month_start(y, m - 1), since
    elif key == "3bulan":
        since, until = _month_start(y, m - 2), _month_start(y, m + 1)
        before_since, before_until = _month_start(y, m - 5), since
    else:
        since, until = _month_start(y, 1), _month_start(y + 1, 1)
        before_since = _month_start(y - 1, 1)
        before_until = _a_year_before(day_end(today))
    last_before = before_until - timedelta(days=1)
    return Period(key, since, until, before_since, before_until, last_before.date().replace(day=1))


@dataclass
class Figure:
    label: str
    value: int
    before: int | None  # the previous period's value, when there is one
    metric: Metric | None = None

    @property
    def change(self) -> int | None:
        return None if self.before is None else self.value - self.before

    @property
    def verdict(self) -> str | None:
        """ "good", "bad" or None (no change, no comparison, or no way is better)."""
        change, better = self.change, getattr(self.metric, "higher_is_better", None)
        if not change or better is None:
            return None
        return "good" if (change > 0) == better else "bad"


@dataclass
class Cell:
    plugins: list = field(default_factory=list)  # manifests switched on, of this dimension
    figures: list[Figure] = field(default_factory=list)
    score: float | None = None  # the dimension's index (app/index.py), None: no score


def period_start(days: int = 30, now: datetime | None = None) -> datetime:
    """The start of the day (WIB) `days` days ago: the same all day, so cached figures
    for a period can be shared."""
    local = (now or datetime.now(WIB)).astimezone(WIB) - timedelta(days=days)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def day_end(now: datetime | None = None) -> datetime:
    """The start of tomorrow (WIB): the end (excluded) of a period running up to today."""
    local = (now or datetime.now(WIB)).astimezone(WIB) + timedelta(days=1)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def plain_metrics(plugin: str, metrics: list) -> tuple[list, bool]:
    """Metrics with their labels as text: what the per-kelurahan cache keeps."""
    return [
        replace(m, label=str(m.label), definition=str(m.definition), unit=str(m.unit))
        for m in metrics
    ], True


def kelurahan_metrics(kelurahan, since: datetime, until: datetime | None = None) -> list[Metric]:
    """The kelurahan's figures for [since, until) (until: the end of today, WIB), cached
    per period."""
    until = until or day_end()
    return host().cached(
        "kp_dimension_metrics",
        kelurahan,
        f"{since.astimezone(UTC).isoformat()}/{until.astimezone(UTC).isoformat()}",
        plain_metrics,
        kelurahan=kelurahan,
        since=since,
        until=until,
    )


def snapshot_values(month: date) -> dict[tuple[int, str], int]:
    """{(kelurahan id, metric key): value} kept for `month`: one query."""
    return {
        (row.kelurahan_id, row.key): row.value
        for row in db.session.execute(
            select(MetricSnapshot).where(MetricSnapshot.month == month)
        ).scalars()
    }


def city_grid(key: str | None = None, now: datetime | None = None):
    """(kecamatan → [(kelurahan, {dimension: Cell})], Period): each kelurahan's figures for
    the period and the one before from the dashboard cache, one query for the kept values,
    and the index of each dimension computed over the 27 the same way (app/index.py)."""
    from . import index

    kp = host()
    chosen = period(key, now)
    kept = snapshot_values(chosen.snapshot_month)
    rows, figures_of = [], {}
    for kelurahan in all_kelurahan():
        cells = {dim: Cell() for dim in DIMENSIONS}
        for plugin_id in kp.enabled_ids(kelurahan):
            manifest = kp.manifests.get(plugin_id)
            if manifest is not None:
                cells[manifest.dimension].plugins.append(manifest)
        with acting_in(kelurahan):  # links built by the plugins point into it
            metrics = kelurahan_metrics(kelurahan, chosen.since, chosen.until)
            earlier = {
                m.key: m.value
                for m in kelurahan_metrics(kelurahan, chosen.before_since, chosen.before_until)
                if m.over_period
            }
        figures_of[kelurahan.id] = metrics
        for metric in metrics:
            if metric.dimension in cells:
                before = (
                    earlier.get(metric.key)
                    if metric.over_period
                    else kept.get((kelurahan.id, metric.key))
                )
                cells[metric.dimension].figures.append(
                    Figure(metric.label, metric.value, before, metric)
                )
        rows.append((kelurahan, cells))
    scores = index.compute(figures_of)
    for kelurahan, cells in rows:
        for dim, cell in cells.items():
            cell.score = scores.get(kelurahan.id, {}).get(dim)
    grouped = by_kecamatan([k for k, _ in rows])
    cells_of = {k.id: cells for k, cells in rows}
    return (
        {name: [(k, cells_of[k.id]) for k in members] for name, members in grouped.items()},
        chosen,
    )


def definitions() -> list[tuple[str, list[Metric]]]:
    """Every figure the dashboards show, by dimension: label, definition, unit, which way is
    better, and whether it counts over the period. Read from the first kelurahan where each
    plugin is switched on (the same cached answers); the values are not shown."""
    kp = host()
    seen: dict[str, Metric] = {}
    wanted = {CORE} | {pid for pid in kp.manifests if kp.enabled_kelurahan_ids(pid)}
    chosen = period()
    for kelurahan in all_kelurahan():
        if not wanted:
            break
        on = {CORE, *kp.enabled_ids(kelurahan)} & wanted
        if not on:
            continue
        with acting_in(kelurahan):
            for metric in kelurahan_metrics(kelurahan, chosen.since, chosen.until):
                seen.setdefault(metric.key, metric)
        wanted -= on
    return [
        (key, sorted((m for m in seen.values() if m.dimension == key), key=lambda m: m.label))
        for key in DIMENSIONS
    ]
