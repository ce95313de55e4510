"""The monthly report for the Wali Kota (`/kota/laporan?bulan=YYYY-MM`), printable on A4.

The trends, movers and worst moves are read from the month's snapshots (`flask kp metrics
snapshot`), so they read the same whenever the report is printed; the index comes from
`app.index.scores(since, until)` for the month:

* the grid summary: each kelurahan's index per dimension for the month, and the mean of
  its dimensions that have one;
* the city trends of the main figures: per dimension, the figure most kelurahan kept that
  month, the city's value (total of a count, median of a share) over twelve months;
* the top movers: kelurahan × figure with the biggest change against the month before,
  good and bad according to `higher_is_better` (figures with no better direction are left
  out), ranked by the change relative to the month before;
* "kelurahan yang perlu dibantu": the lowest index overall and per dimension, and the worst
  moves, each with its reason in words."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import format_number
from flask_babel import gettext as _
from sqlalchemy import func, select

from . import index as city_index
from .directory import all_kelurahan
from .extensions import db
from .metrics import add_months, month_bounds, month_of
from .models import Kelurahan, MetricSnapshot
from .plugins import DIMENSIONS, Metric
from .trends import CityTrend, Point, city_trend, known_metrics

TOP_MOVERS = 10  # good and bad each
LOWEST = 3  # kelurahan named for the lowest overall index
MOST_HELP = 8  # kelurahan listed as needing help


def default_month(now: datetime | None = None) -> date:
    """The last complete month (WIB)."""
    return add_months(month_of(now), -1)


def shown(value: int, unit: str = "") -> str:
    """A figure as the report writes it in a sentence: "1.250", "40%", "3 hari"."""
    number = format_number(value)
    if unit == "%":
        return f"{number}%"
    return f"{number} {unit}" if unit else number


@dataclass(frozen=True)
class Move:
    """One figure of one kelurahan, this month against the month before."""

    kelurahan: Kelurahan
    key: str
    label: str
    unit: str
    before: int
    after: int
    higher_is_better: bool

    @property
    def change(self) -> int:
        return self.after - self.before

    @property
    def relative(self) -> float:
        """The change as a share of the month before (of 1 when it was 0)."""
        return self.change / max(abs(self.before), 1)

    @property
    def good(self) -> bool:
        return (self.change > 0) == self.higher_is_better

    @property
    def percent(self) -> str:
        """The change in percent ("+125%"), or "dari nol" when the month before was 0."""
        if self.before == 0:
            return _("dari nol")
        return f"{'+' if self.change > 0 else '−'}{round(abs(self.relative) * 100)}%"

    def sentence(self) -> str:
        values = {
            "label": self.label,
            "before": shown(self.before, self.unit),
            "after": shown(self.after, self.unit),
        }
        if self.change > 0:
            return _("%(label)s naik dari %(before)s menjadi %(after)s", **values)
        return _("%(label)s turun dari %(before)s menjadi %(after)s", **values)


def moves(month: date, known: dict[str, Metric], everyone: list[Kelurahan]) -> list[Move]:
    """Every figure that changed between the month before and `month`, in a kelurahan that
    kept it both months, whose better direction is known (one query)."""
    previous = add_months(month, -1)
    by_pair: dict[tuple[int, str], dict[date, MetricSnapshot]] = {}
    for row in db.session.execute(
        select(MetricSnapshot).where(MetricSnapshot.month.in_([previous, month]))
    ).scalars():
        by_pair.setdefault((row.kelurahan_id, row.key), {})[row.month] = row
    places = {k.id: k for k in everyone}
    found = []
    for (kelurahan_id, key), months in by_pair.items():
        metric = known.get(key)
        if metric is None or metric.higher_is_better is None or kelurahan_id not in places:
            continue
        if previous not in months or month not in months:
            continue
        before, after = months[previous].value, months[month].value
        if before == after:
            continue
        found.append(
            Move(
                places[kelurahan_id],
                key,
                str(metric.label),
                str(metric.unit),
                before,
                after,
                bool(metric.higher_is_better),
            )
        )
    return found


def ranked(found: list[Move]) -> list[Move]:
    """Biggest change first (relative to the month before, then in units), then by name."""
    return sorted(
        found, key=lambda m: (-abs(m.relative), -abs(m.change), m.kelurahan.name, m.label)
    )


def movers(
    month: date,
    known: dict[str, Metric],
    everyone: list[Kelurahan] | None = None,
    limit: int = TOP_MOVERS,
) -> tuple[list[Move], list[Move]]:
    """(the biggest moves for the better, the biggest moves for the worse)."""
    found = ranked(moves(month, known, all_kelurahan() if everyone is None else everyone))
    return [m for m in found if m.good][:limit], [m for m in found if not m.good][:limit]


def overall(scores: dict[str, float | None]) -> float | None:
    """A kelurahan's overall index: the mean of its dimensions that have one."""
    values = [v for v in scores.values() if v is not None and not math.isnan(v)]
    return sum(values) / len(values) if values else None


@dataclass
class Help:
    kelurahan: Kelurahan
    overall: float | None
    reasons: list[str] = field(default_factory=list)


def needing_help(
    scores: dict[int, dict[str, float | None]] | None,
    bad: list[Move],
    everyone: list[Kelurahan] | None = None,
    limit: int = MOST_HELP,
) -> list[Help]:
    """Kelurahan with the lowest index (overall: the `LOWEST` lowest; per dimension: the
    lowest) and those with the worst moves, each with why in words; most reasons first."""
    places = {k.id: k for k in (all_kelurahan() if everyone is None else everyone)}
    helps: dict[int, Help] = {}

    def entry(kelurahan_id: int) -> Help:
        if kelurahan_id not in helps:
            mean = overall(scores.get(kelurahan_id, {})) if scores else None
            helps[kelurahan_id] = Help(places[kelurahan_id], mean)
        return helps[kelurahan_id]

    if scores:
        means = {kid: overall(dims) for kid, dims in scores.items() if kid in places}
        rated = sorted(
            ((mean, places[kid].name, kid) for kid, mean in means.items() if mean is not None)
        )
        for mean, _name, kid in rated[:LOWEST]:
            entry(kid).reasons.append(
                _(
                    "Indeks rata-rata %(score)s, termasuk %(n)s terendah di kota",
                    score=round(mean),
                    n=LOWEST,
                )
            )
        for dimension, label in DIMENSIONS.items():
            values = [
                (dims[dimension], places[kid].name, kid)
                for kid, dims in scores.items()
                if kid in places and dims.get(dimension) is not None
            ]
            if len(values) < 2:
                continue
            lowest = min(values)
            entry(lowest[2]).reasons.append(
                _(
                    "Indeks %(dimension)s %(score)s, terendah di kota",
                    dimension=label,
                    score=round(lowest[0]),
                )
            )
    for move in bad:
        entry(move.kelurahan.id).reasons.append(move.sentence())
    return sorted(
        helps.values(),
        key=lambda h: (
            -len(h.reasons),
            h.overall if h.overall is not None else math.inf,
            h.kelurahan.name,
        ),
    )[:limit]


def main_keys(month: date) -> list[str]:
    """Per dimension, the figure most kelurahan kept in `month` (one query)."""
    best: dict[str, tuple[int, str]] = {}
    for dimension, key, kept in db.session.execute(
        select(MetricSnapshot.dimension, MetricSnapshot.key, func.count())
        .where(MetricSnapshot.month == month)
        .group_by(MetricSnapshot.dimension, MetricSnapshot.key)
    ):
        if dimension not in best or (-kept, key) < (-best[dimension][0], best[dimension][1]):
            best[dimension] = (kept, key)
    return [best[d][1] for d in DIMENSIONS if d in best]


@dataclass
class MonthlyReport:
    month: date
    previous: date
    scores: dict[int, dict[str, float | None]]
    kelurahan: list[Kelurahan]
    trends: list[CityTrend]
    good: list[Move]
    bad: list[Move]
    help: list[Help]

    @property
    def label(self) -> str:
        return Point(self.month, None).label

    @property
    def previous_label(self) -> str:
        return Point(self.previous, None).label

    @property
    def latest(self) -> date:
        return month_of()

    @property
    def next(self) -> date | None:
        following = add_months(self.month, 1)
        return following if following <= month_of() else None

    def score(self, kelurahan: Kelurahan, dimension: str) -> float | None:
        if not self.scores:
            return None
        return self.scores.get(kelurahan.id, {}).get(dimension)

    def overall(self, kelurahan: Kelurahan) -> float | None:
        return overall(self.scores.get(kelurahan.id, {})) if self.scores else None


def monthly_report(month: date) -> MonthlyReport:
    known = known_metrics()
    everyone = all_kelurahan()
    since, until = month_bounds(month)
    scores = city_index.scores(since, until)
    good, bad = movers(month, known, everyone)
    trends = [
        found
        for key in main_keys(month)
        if (found := city_trend(key, until_month=month, live=False, known=known, places=everyone))
        is not None
    ]
    return MonthlyReport(
        month=month,
        previous=add_months(month, -1),
        scores=scores,
        kelurahan=everyone,
        trends=trends,
        good=good,
        bad=bad,
        help=needing_help(scores, bad, everyone),
    )
