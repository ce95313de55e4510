"""Public statistics per kelurahan: open and fixed counts, median days to the first response
and to resolution, by category and by month (WIB months), with server-rendered SVG charts.

Every figure comes from a fixed number of aggregate queries whatever the number of reports
(four for the whole page). Medians are computed in SQL with window functions (row_number and
count over each group, then the average of the one or two middle rows), so no per-report rows
travel to Python. Hidden (moderated) reports are left out, as everywhere the public looks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from babel.dates import format_date
from babel.numbers import format_decimal
from flask import g, render_template
from flask_babel import get_locale
from sqlalchemy import (
    String,
    and_,
    case,
    cast,
    extract,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
)

from app.kit import WIB, db

from .blueprint import bp
from .models import CLOSED, Report, Status
from .queries import categories

MONTHS = 12
CLOSED_VALUES = tuple(s.value for s in CLOSED)
FIXED = Status.SELESAI.value


# -- time buckets ------------------------------------------------------------------------------


def month_starts(now: datetime | None = None, months: int = MONTHS) -> list[datetime]:
    """UTC instants where the last `months` WIB calendar months begin, oldest first, plus
    the start of next month as the end of the last bucket (months + 1 values)."""
    local = (now or datetime.now(UTC)).astimezone(WIB)
    year, month = local.year, local.month
    starts = []
    for back in range(months - 1, -2, -1):  # months-1 months ago ... next month
        y, m = divmod((year * 12 + month - 1) - back, 12)
        starts.append(datetime(y, m + 1, 1, tzinfo=WIB).astimezone(UTC))
    return starts


def this_month(now: datetime | None = None) -> tuple[datetime, datetime]:
    """The current WIB month as a UTC [start, end) pair."""
    starts = month_starts(now, months=1)
    return starts[0], starts[1]


def month_bucket(column, starts: list[datetime]):
    """SQL: the index (0 = oldest) of the month `column` falls in, NULL outside them all.
    Plain comparisons, so it is the same on SQLite and PostgreSQL and uses no time zone
    support of the database."""
    return case(
        *[(and_(column >= starts[i], column < starts[i + 1]), i) for i in range(len(starts) - 1)],
        else_=None,
    )


def duration_days(start, end):
    """SQL: days from `start` to `end` as a fractional number."""
    if db.session.get_bind().dialect.name == "sqlite":
        # UTC timestamps are stored as text; julianday() reads them.
        return func.julianday(end) - func.julianday(start)
    return extract("epoch", end - start) / 86400.0


# -- queries -----------------------------------------------------------------------------------


def _visible(kelurahan_id: int):
    """WHERE clauses for the public's reports of one kelurahan. The kelurahan is named
    explicitly (besides the session's scope) so hooks can run for any kelurahan."""
    return (Report.kelurahan_id == kelurahan_id, Report.hidden_at.is_(None))


def _is_open():
    return Report.status.not_in(CLOSED_VALUES)


def counts_by_category(
    kelurahan_id: int, since: datetime | None = None, until: datetime | None = None
) -> dict[str, dict]:
    """{category: {total, open, fixed, closed}}: one GROUP BY query. With `since` (and
    `until`, excluded), `total` counts only reports received then (open stays "open now")."""
    received = Report.created_at >= since if since is not None else true()
    if until is not None:
        received = and_(received, Report.created_at < until)
    rows = db.session.execute(
        select(
            Report.category,
            func.sum(case((received, 1), else_=0)),
            func.sum(case((_is_open(), 1), else_=0)),
            func.sum(case((Report.status == FIXED, 1), else_=0)),
            func.sum(case((Report.status.in_(CLOSED_VALUES), 1), else_=0)),
        )
        .where(*_visible(kelurahan_id))
        .group_by(Report.category)
    ).all()
    return {
        category: {
            "total": int(total or 0),
            "open": int(open_ or 0),
            "fixed": int(fixed or 0),
            "closed": int(closed or 0),
        }
        for category, total, open_, fixed, closed in rows
    }


def counts_by_month(kelurahan_id: int, starts: list[datetime]) -> dict[int, dict]:
    """{month index: {received, fixed}}: reports received in each month (by created_at) and
    reports fixed in each month (by closed_at, status selesai); one query."""
    received = month_bucket(Report.created_at, starts)
    fixed = month_bucket(Report.closed_at, starts)
    in_window = and_(Report.created_at >= starts[0], Report.created_at < starts[-1])
    fixed_in_window = and_(
        Report.status == FIXED, Report.closed_at >= starts[0], Report.closed_at < starts[-1]
    )
    events = union_all(
        select(literal("received").label("kind"), received.label("month")).where(
            *_visible(kelurahan_id), in_window
        ),
        select(literal("fixed").label("kind"), fixed.label("month")).where(
            *_visible(kelurahan_id), fixed_in_window
        ),
    ).subquery()
    rows = db.session.execute(
        select(events.c.kind, events.c.month, func.count()).group_by(events.c.kind, events.c.month)
    ).all()
    result = {i: {"received": 0, "fixed": 0} for i in range(len(starts) - 1)}
    for kind, month, n in rows:
        if month is not None:
            result[int(month)][kind] = int(n)
    return result


def medians(
    kelurahan_id: int,
    measure: str,
    starts: list[datetime] | None = None,
    since=None,
    until=None,
) -> dict[tuple[str, str], float]:
    """Median days for `measure` ("response": created → first response; "resolution":
    created → closed, fixed reports only), keyed ("all", ""), ("category", name) and
    ("month", index), the month being the one the response or the fix happened in.
    With `since` (and `until`, excluded), only responses/fixes then count. One query,
    computed in SQL."""
    if measure == "response":
        event = Report.first_response_at
        where = [*_visible(kelurahan_id), event.is_not(None)]
    elif measure == "resolution":
        event = Report.closed_at
        where = [*_visible(kelurahan_id), Report.status == FIXED, event.is_not(None)]
    else:
        raise ValueError(f"unknown measure {measure!r}")
    if since is not None:
        where.append(event >= since)
    if until is not None:
        where.append(event < until)
    days = duration_days(Report.created_at, event)
    parts = [
        select(literal("all").label("kind"), literal("").label("key"), days.label("days")).where(
            *where
        ),
        select(literal("category"), Report.category, days).where(*where),
    ]
    if starts:
        bucket = month_bucket(event, starts)
        parts.append(
            select(literal("month"), cast(bucket, String), days).where(
                *where, event >= starts[0], event < starts[-1]
            )
        )
    keyed = union_all(*parts).subquery()
    group = (keyed.c.kind, keyed.c.key)
    ranked = select(
        keyed.c.kind,
        keyed.c.key,
        keyed.c.days,
        func.row_number().over(partition_by=group, order_by=keyed.c.days).label("rn"),
        func.count().over(partition_by=group).label("n"),
    ).subquery()
    # The middle row (odd n) or the two middle rows (even n): rows (n+1)//2 and (n+2)//2.
    middle = or_(ranked.c.rn == (ranked.c.n + 1) // 2, ranked.c.rn == (ranked.c.n + 2) // 2)
    rows = db.session.execute(
        select(ranked.c.kind, ranked.c.key, func.avg(ranked.c.days))
        .where(middle)
        .group_by(ranked.c.kind, ranked.c.key)
    ).all()
    return {(kind, str(key)): float(value) for kind, key, value in rows if value is not None}


# -- the page ----------------------------------------------------------------------------------


@dataclass
class Row:
    label: str
    total: int = 0
    open: int = 0
    fixed: int = 0
    closed: int = 0
    received: int = 0
    median_response: float | None = None
    median_resolution: float | None = None

    @property
    def closed_other(self) -> int:
        return max(self.closed - self.fixed, 0)


@dataclass
class Statistics:
    summary: Row
    categories: list[Row] = field(default_factory=list)
    months: list[Row] = field(default_factory=list)

    @property
    def max_category_total(self) -> int:
        return max((r.total for r in self.categories), default=0)

    @property
    def max_month_count(self) -> int:
        return max((max(r.received, r.fixed) for r in self.months), default=0)


def _locale() -> str:
    try:
        return str(get_locale() or "id")
    except (KeyError, RuntimeError):
        return "id"


def month_label(start_utc: datetime, locale: str | None = None) -> str:
    return format_date(start_utc.astimezone(WIB).date(), "MMM yyyy", locale=locale or _locale())


def compute(kelurahan, now: datetime | None = None) -> Statistics:
    """Everything the statistics page shows, in four queries."""
    starts = month_starts(now)
    by_category = counts_by_category(kelurahan.id)
    by_month = counts_by_month(kelurahan.id, starts)
    response = medians(kelurahan.id, "response", starts)
    resolution = medians(kelurahan.id, "resolution", starts)

    summary = Row(label="")
    for values in by_category.values():
        for key in ("total", "open", "fixed", "closed"):
            setattr(summary, key, getattr(summary, key) + values[key])
    summary.median_response = response.get(("all", ""))
    summary.median_resolution = resolution.get(("all", ""))

    # The configured categories in their order (even with no reports yet), then any
    # category a report still carries after an admin removed it from the list.
    names = list(categories(kelurahan))
    names += sorted(c for c in by_category if c not in names)
    rows = []
    for name in names:
        values = by_category.get(name, {"total": 0, "open": 0, "fixed": 0, "closed": 0})
        rows.append(
            Row(
                label=name,
                **values,
                median_response=response.get(("category", name)),
                median_resolution=resolution.get(("category", name)),
            )
        )
    months = []
    locale = _locale()
    for i in range(len(starts) - 1):
        months.append(
            Row(
                label=month_label(starts[i], locale),
                received=by_month[i]["received"],
                fixed=by_month[i]["fixed"],
                median_response=response.get(("month", str(i))),
                median_resolution=resolution.get(("month", str(i))),
            )
        )
    return Statistics(summary=summary, categories=rows, months=months)


def days(value: float | None) -> str:
    """A median in days for people: one decimal at most, '—' when there is none yet."""
    if value is None:
        return "—"
    return format_decimal(round(value, 1), format="#,##0.#", locale=_locale())


# -- charts: drawn by the core's macros/chart.html; the colours of their series.

COLOURS = {"fixed": "#0b6e4f", "open": "#b26b00", "other": "#7d8a85", "received": "#2f5f8f"}


@bp.get("/statistik")
def statistics():
    data = compute(g.kelurahan)
    return render_template(
        "reports/statistics.html",
        stats=data,
        days=days,
        colours=COLOURS,
    )
