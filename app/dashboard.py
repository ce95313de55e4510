"""The city's grid: the 27 kelurahan (by kecamatan) × the six dimensions. Each cell names
the plugins switched on there and the dimension's figures of the last 30 days (the same
figures as the kelurahan's own dashboard, from the same cache), each beside last month's
kept value (`flask kp metrics snapshot`) when there is one. Every dimension has its
column even where no plugin serves it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy import select

from .directory import all_kelurahan, by_kecamatan
from .extensions import db
from .formatting import WIB
from .kelurahan_context import acting_in
from .metrics import month_of
from .models import MetricSnapshot
from .plugins import CORE_PLUGIN as CORE
from .plugins import DIMENSIONS, Metric, host


@dataclass
class Figure:
    label: str
    value: int
    before: int | None  # last month's kept value, when a snapshot has it
    metric: Metric | None = None

    @property
    def change(self) -> int | None:
        return None if self.before is None else self.value - self.before


@dataclass
class Cell:
    plugins: list = field(default_factory=list)  # manifests switched on, of this dimension
    figures: list[Figure] = field(default_factory=list)


def period_start(days: int = 30, now: datetime | None = None) -> datetime:
    """The start of the day (WIB) `days` days ago: the same all day, so cached figures
    for a period can be shared."""
    local = (now or datetime.now(WIB)).astimezone(WIB) - timedelta(days=days)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def plain_metrics(plugin: str, metrics: list) -> tuple[list, bool]:
    """Metrics with their labels as text: what the per-kelurahan cache keeps."""
    return [
        replace(m, label=str(m.label), definition=str(m.definition), unit=str(m.unit))
        for m in metrics
    ], True


def kelurahan_metrics(kelurahan, since: datetime) -> list[Metric]:
    return host().cached(
        "kp_dimension_metrics",
        kelurahan,
        since.date().isoformat(),
        plain_metrics,
        kelurahan=kelurahan,
        since=since,
    )


def city_grid(now: datetime | None = None):
    """(kecamatan → [(kelurahan, {dimension: Cell})], since): one query for last month's
    snapshots; each kelurahan's figures from the dashboard cache."""
    kp = host()
    since = period_start(now=now)
    last_month = (month_of(now) - timedelta(days=1)).replace(day=1)
    before = {
        (row.kelurahan_id, row.key): row.value
        for row in db.session.execute(
            select(MetricSnapshot).where(MetricSnapshot.month == last_month)
        ).scalars()
    }
    rows = []
    for kelurahan in all_kelurahan():
        cells = {key: Cell() for key in DIMENSIONS}
        for plugin_id in kp.enabled_ids(kelurahan):
            manifest = kp.manifests.get(plugin_id)
            if manifest is not None:
                cells[manifest.dimension].plugins.append(manifest)
        with acting_in(kelurahan):  # links built by the plugins point into it
            metrics = kelurahan_metrics(kelurahan, since)
        for metric in metrics:
            if metric.dimension in cells:
                cells[metric.dimension].figures.append(
                    Figure(
                        metric.label,
                        metric.value,
                        before.get((kelurahan.id, metric.key)),
                        metric,
                    )
                )
        rows.append((kelurahan, cells))
    grouped = by_kecamatan([k for k, _ in rows])
    cells_of = {k.id: cells for k, cells in rows}
    return (
        {name: [(k, cells_of[k.id]) for k in members] for name, members in grouped.items()},
        since,
    )


def definitions() -> list[tuple[str, list[Metric]]]:
    """Every figure the dashboards show, by dimension: label, definition, unit, which way is
    better, and whether it counts over the period. Read from the first kelurahan where each
    plugin is switched on (the same cached answers); the values are not shown."""
    kp = host()
    seen: dict[str, Metric] = {}
    wanted = {CORE} | {pid for pid in kp.manifests if kp.enabled_kelurahan_ids(pid)}
    since = period_start()
    for kelurahan in all_kelurahan():
        if not wanted:
            break
        on = {CORE, *kp.enabled_ids(kelurahan)} & wanted
        if not on:
            continue
        with acting_in(kelurahan):
            for metric in kelurahan_metrics(kelurahan, since):
                seen.setdefault(metric.key, metric)
        wanted -= on
    return [
        (key, sorted((m for m in seen.values() if m.dimension == key), key=lambda m: m.label))
        for key in DIMENSIONS
    ]
