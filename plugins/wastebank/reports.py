"""The figures of the waste bank's reports: kg collected per month and type, active members,
cash flow and margin, for one unit (its operators) or every unit of the kelurahan (staff).

Months are WIB calendar months. A correction counts in the month and under the kind of the
entry it reverses, so a reversed deposit simply drops out of its month. Each report is a
fixed number of aggregate queries whatever the size of the ledger; every query names the
kelurahan (and the unit) itself, so the hooks can call it for any kelurahan.

Margin of a sale = what the collector paid − what the unit paid its members for the same
kg, at the buying price of each type on the day of the sale.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from babel.dates import format_date
from flask_babel import get_locale
from sqlalchemy import and_, case, func, literal, select, union_all
from sqlalchemy.orm import aliased

from app.kit import WIB, db

from .models import Entry, EntryLine, Member, PricePeriod, Unit, WasteType
from .pricing import line_value

MONTHS = 12
ACTIVE_DAYS = 90


# -- time buckets ------------------------------------------------------------------------------


def month_starts(now: datetime | None = None, months: int = MONTHS) -> list[datetime]:
    """UTC instants where the last `months` WIB calendar months begin, oldest first, plus
    the start of next month as the end of the last one (months + 1 values)."""
    local = (now or datetime.now(UTC)).astimezone(WIB)
    starts = []
    for back in range(months - 1, -2, -1):
        y, m = divmod((local.year * 12 + local.month - 1) - back, 12)
        starts.append(datetime(y, m + 1, 1, tzinfo=WIB).astimezone(UTC))
    return starts


def this_month(now: datetime | None = None) -> tuple[datetime, datetime]:
    """The current WIB month as a UTC [start, end) pair."""
    starts = month_starts(now, months=1)
    return starts[0], starts[1]


def month_bucket(column, starts: list[datetime]):
    """SQL: the index (0 = oldest) of the month `column` falls in, NULL outside them all.
    Plain comparisons, the same on SQLite and PostgreSQL."""
    return case(
        *[(and_(column >= starts[i], column < starts[i + 1]), i) for i in range(len(starts) - 1)],
        else_=None,
    )


def _locale() -> str:
    try:
        return str(get_locale() or "id")
    except (KeyError, RuntimeError):
        return "id"


def month_label(start_utc: datetime, locale: str | None = None) -> str:
    return format_date(start_utc.astimezone(WIB).date(), "MMM yyyy", locale=locale or _locale())


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


# -- the ledger as the reports read it -----------------------------------------------------------


def _where(kelurahan_id: int, unit_id: int | None) -> list:
    where = [Entry.kelurahan_id == kelurahan_id]
    if unit_id is not None:
        where.append(Entry.unit_id == unit_id)
    return where


def effective_entries(columns, kinds, start, end, where, lines=False):
    """The entries of `kinds` in [start, end) and the corrections of such entries, as one
    UNION ALL subquery of `columns(kind, at)`: a correction counts under the kind and the time
    of the entry it reverses. Two halves rather than one outer join on every row: the big
    half scans the ledger alone, the corrections' half is small."""
    halves = []
    for of_corrections in (False, True):
        original = aliased(Entry) if of_corrections else Entry
        kind, at = original.kind, original.created_at
        half = select(*columns(kind, at))
        if lines:
            half = half.select_from(EntryLine).join(Entry, Entry.id == EntryLine.entry_id)
        else:
            half = half.select_from(Entry)
        if of_corrections:
            half = half.join(original, original.id == Entry.reverses_id).where(
                Entry.kind == "correction"
            )
        halves.append(
            half.where(
                *where,
                kind.in_(kinds),
                at >= start,
                at < end,
                Entry.created_at >= start,  # implied (a correction follows its entry); indexed
            )
        )
    return union_all(*halves).subquery()


def _not_reversed(kelurahan_id: int, unit_id: int | None):
    """SQL: the entry has not been reversed by a correction (an uncorrelated NOT IN over the
    few corrections, which both databases answer with one hashed lookup per row)."""
    reversed_ids = select(Entry.reverses_id).where(
        *_where(kelurahan_id, unit_id), Entry.reverses_id.is_not(None)
    )
    return Entry.id.not_in(reversed_ids)


def kg_by_month_and_type(kelurahan_id, unit_id, starts) -> dict[tuple[str, int, int], int]:
    """{(effective kind, month index, type id): net grams}: grams in for deposits (their
    corrections subtract), grams out for sales (positive). One query."""
    lines = effective_entries(
        lambda kind, at: (
            kind.label("kind"),
            month_bucket(at, starts).label("month"),
            EntryLine.waste_type_id.label("type_id"),
            (EntryLine.grams * EntryLine.direction).label("grams"),
        ),
        ("deposit", "sale"),
        starts[0],
        starts[-1],
        _where(kelurahan_id, unit_id),
        lines=True,
    )
    # Grouped outside the subquery: PostgreSQL would not match a GROUP BY expression that
    # carries bound parameters (the month bounds) with the same one in the select list.
    rows = db.session.execute(
        select(lines.c.kind, lines.c.month, lines.c.type_id, func.sum(lines.c.grams)).group_by(
            lines.c.kind, lines.c.month, lines.c.type_id
        )
    ).all()
    result = {}
    for k, month, type_id, grams in rows:
        if month is None:
            continue
        grams = int(grams or 0)
        result[(k, int(month), type_id)] = grams if k == "deposit" else -grams
    return result


def cash_by_month(kelurahan_id, unit_id, starts) -> dict[tuple[str, int], int]:
    """{(effective kind, month index): rupiah}, signed as the ledger signs them (deposits
    and sales +, withdrawals −), corrections netted in. One query."""
    entries = effective_entries(
        lambda kind, at: (
            kind.label("kind"),
            month_bucket(at, starts).label("month"),
            Entry.amount.label("amount"),
        ),
        ("deposit", "withdrawal", "sale"),
        starts[0],
        starts[-1],
        _where(kelurahan_id, unit_id),
    )
    rows = db.session.execute(
        select(entries.c.kind, entries.c.month, func.sum(entries.c.amount)).group_by(
            entries.c.kind, entries.c.month
        )
    ).all()
    return {(k, int(month)): int(total or 0) for k, month, total in rows if month is not None}


def active_members_by_month(kelurahan_id, unit_id, starts, now) -> tuple[dict[int, int], int]:
    """({month index: members who made a deposit that month}, members with a deposit in the
    last 90 days); deposits that were reversed do not count. One query."""
    since = now - timedelta(days=ACTIVE_DAYS)
    deposits = [
        *_where(kelurahan_id, unit_id),
        Entry.kind == "deposit",
        _not_reversed(kelurahan_id, unit_id),
    ]
    by_month = select(
        literal("m").label("what"),
        month_bucket(Entry.created_at, starts).label("month"),
        Entry.member_id.label("member_id"),
    ).where(*deposits, Entry.created_at >= starts[0], Entry.created_at < starts[-1])
    recent = select(literal("r").label("what"), literal(-1).label("month"), Entry.member_id).where(
        *deposits, Entry.created_at >= since, Entry.created_at <= now
    )
    both = by_month.union_all(recent).subquery()
    rows = db.session.execute(
        select(both.c.what, both.c.month, func.count(func.distinct(both.c.member_id))).group_by(
            both.c.what, both.c.month
        )
    ).all()
    months, active = {}, 0
    for what, month, n in rows:
        if what == "r":
            active = int(n)
        elif month is not None:
            months[int(month)] = int(n)
    return months, active


def sale_lines(kelurahan_id, unit_id, starts) -> list:
    """Net grams sold and their sale value per (sale time, unit, type) in the window: a
    sale's corrections net out under the sale's own time. One query; its rows grow with
    the number of sales in the window only."""
    lines = effective_entries(
        lambda kind, at: (
            at.label("at"),
            Entry.unit_id.label("unit_id"),
            EntryLine.waste_type_id.label("type_id"),
            (-EntryLine.grams * EntryLine.direction).label("grams"),
            (-EntryLine.value * EntryLine.direction).label("value"),
        ),
        ("sale",),
        starts[0],
        starts[-1],
        _where(kelurahan_id, unit_id),
        lines=True,
    )
    return db.session.execute(
        select(
            lines.c.at,
            lines.c.unit_id,
            lines.c.type_id,
            func.sum(lines.c.grams),
            func.sum(lines.c.value),
        ).group_by(lines.c.at, lines.c.unit_id, lines.c.type_id)
    ).all()


def buy_prices(kelurahan_id, unit_id) -> dict[int, list[tuple[date, int]]]:
    """{type id: [(valid_from, buy_per_kg), ...] oldest first}. One query (a small table:
    one row per price change)."""
    where = [PricePeriod.kelurahan_id == kelurahan_id]
    if unit_id is not None:
        where.append(WasteType.unit_id == unit_id)
    rows = db.session.execute(
        select(PricePeriod.waste_type_id, PricePeriod.valid_from, PricePeriod.buy_per_kg)
        .join(WasteType, WasteType.id == PricePeriod.waste_type_id)
        .where(*where)
        .order_by(PricePeriod.waste_type_id, PricePeriod.valid_from)
    ).all()
    prices: dict[int, list[tuple[date, int]]] = {}
    for type_id, valid_from, buy in rows:
        prices.setdefault(type_id, []).append((valid_from, int(buy)))
    return prices


def buy_price_on(prices: list[tuple[date, int]], day: date) -> int:
    """The buying price in force on `day` (periods never overlap; the latest start on or
    before the day); 0 when none had started, so no cost is invented."""
    index = bisect.bisect_right([start for start, _ in prices], day) - 1
    return prices[index][1] if index >= 0 else 0


def types_of(kelurahan_id, unit_id) -> list:
    """The waste types (id, name, unit id) in catalogue order. One query."""
    where = [WasteType.kelurahan_id == kelurahan_id]
    if unit_id is not None:
        where.append(WasteType.unit_id == unit_id)
    return db.session.execute(
        select(WasteType.id, WasteType.name, WasteType.unit_id)
        .where(*where)
        .order_by(WasteType.unit_id, WasteType.position, WasteType.id)
    ).all()


# -- the report -------------------------------------------------------------------------------


@dataclass
class Month:
    start: datetime
    label: str
    grams_in: int = 0
    grams_sold: int = 0
    deposits: int = 0  # rupiah credited to members
    withdrawals: int = 0  # rupiah paid out (positive)
    sales: int = 0  # rupiah received from collectors
    sold_buy_value: int = 0  # what those kg cost at the buying price of the sale day
    active_members: int = 0
    grams_by_type: dict[int, int] = field(default_factory=dict)

    @property
    def margin(self) -> int:
        return self.sales - self.sold_buy_value


@dataclass
class TypeRow:
    id: int
    name: str
    grams: int = 0


@dataclass
class Report:
    months: list[Month]
    types: list[TypeRow]
    active_members: int
    members: int
    units: int

    @property
    def total(self) -> Month:
        total = Month(start=self.months[0].start, label="")
        for m in self.months:
            for key in (
                "grams_in",
                "grams_sold",
                "deposits",
                "withdrawals",
                "sales",
                "sold_buy_value",
            ):
                setattr(total, key, getattr(total, key) + getattr(m, key))
        return total

    @property
    def max_grams(self) -> int:
        return max((m.grams_in for m in self.months), default=0)

    @property
    def max_cash(self) -> int:
        return max(
            (max(m.deposits, m.withdrawals, m.sales) for m in self.months),
            default=0,
        )


def compute(kelurahan, unit=None, now: datetime | None = None, months: int = MONTHS) -> Report:
    """Everything a report page shows, in eight queries whatever the ledger's size."""
    now = _aware(now or datetime.now(UTC))
    kelurahan_id = kelurahan.id
    unit_id = unit.id if unit is not None else None
    starts = month_starts(now, months)
    locale = _locale()
    result = [Month(start=starts[i], label=month_label(starts[i], locale)) for i in range(months)]

    type_rows = types_of(kelurahan_id, unit_id)
    # Across units, types of the same name make one row.
    key_of: dict[int, int] = {}
    rows_by_key: dict[int, TypeRow] = {}
    by_name: dict[str, int] = {}
    for type_id, name, _unit in type_rows:
        key = by_name.setdefault(name, type_id) if unit_id is None else type_id
        key_of[type_id] = key
        rows_by_key.setdefault(key, TypeRow(id=key, name=name))

    for (kind, month, type_id), grams in kg_by_month_and_type(
        kelurahan_id, unit_id, starts
    ).items():
        m = result[month]
        if kind == "deposit":
            m.grams_in += grams
            key = key_of.get(type_id, type_id)
            m.grams_by_type[key] = m.grams_by_type.get(key, 0) + grams
            if key in rows_by_key:
                rows_by_key[key].grams += grams
        else:
            m.grams_sold += grams

    for (kind, month), amount in cash_by_month(kelurahan_id, unit_id, starts).items():
        m = result[month]
        if kind == "deposit":
            m.deposits += amount
        elif kind == "withdrawal":
            m.withdrawals += -amount
        elif kind == "sale":
            m.sales += amount

    per_month, active = active_members_by_month(kelurahan_id, unit_id, starts, now)
    for month, n in per_month.items():
        result[month].active_members = n

    prices = buy_prices(kelurahan_id, unit_id)
    for at, _unit, type_id, grams, _value in sale_lines(kelurahan_id, unit_id, starts):
        at = _aware(at)
        month = bisect.bisect_right(starts, at) - 1
        if not 0 <= month < months:
            continue
        day = at.astimezone(WIB).date()
        price = buy_price_on(prices.get(type_id, []), day)
        cost = line_value(max(int(grams or 0), 0), price)  # a reversed sale nets to 0
        result[month].sold_buy_value += cost

    member_where = [Member.kelurahan_id == kelurahan_id, Member.active.is_(True)]
    unit_where = [Unit.kelurahan_id == kelurahan_id]
    if unit_id is not None:
        member_where.append(Member.unit_id == unit_id)
        unit_where.append(Unit.id == unit_id)
    members, units = db.session.execute(
        select(
            select(func.count(Member.id)).where(*member_where).scalar_subquery(),
            select(func.count(Unit.id)).where(*unit_where).scalar_subquery(),
        )
    ).one()
    return Report(
        months=result,
        types=list(rows_by_key.values()),
        active_members=active,
        members=int(members or 0),
        units=int(units or 0),
    )


def grams_diverted(kelurahan_id: int, start: datetime, end: datetime) -> int:
    """Net grams deposited in [start, end) across the kelurahan's units (corrections of
    those deposits subtracted). One query; for the home widget and the dashboards."""
    lines = effective_entries(
        lambda kind, at: ((EntryLine.grams * EntryLine.direction).label("grams"),),
        ("deposit",),
        start,
        end,
        [Entry.kelurahan_id == kelurahan_id],
        lines=True,
    )
    return int(db.session.scalar(select(func.coalesce(func.sum(lines.c.grams), 0))) or 0)


# -- charts: HTML labels and numbers, one small inline SVG per row stretched to its width
# (viewBox 0..100, preserveAspectRatio="none"), sized by presentation attributes because the
# CSP forbids style attributes, as the reports plugin's statistics do. Widths are percentages
# of the largest value; the tables under the charts carry the same figures.

COLOURS = {
    "grams_in": "#0b6e4f",
    "grams_sold": "#7d8a85",
    "deposits": "#2f5f8f",
    "withdrawals": "#b26b00",
    "sales": "#0b6e4f",
}


# -- CSV ---------------------------------------------------------------------------------------

MONTHLY_HEADER = [
    "bulan",
    "kg_setoran",
    "kg_terjual",
    "nasabah_aktif",
    "setoran_rp",
    "penarikan_rp",
    "penjualan_rp",
    "nilai_beli_terjual_rp",
    "margin_rp",
]


def kg_number(grams: int) -> str:
    """Grams as kg with a decimal point for spreadsheets: 1500 -> '1.5'."""
    sign = "-" if grams < 0 else ""
    whole, rest = divmod(abs(grams), 1000)
    fraction = f"{rest:03d}".rstrip("0")
    return f"{sign}{whole}" + (f".{fraction}" if fraction else "")


def monthly_rows(report: Report) -> tuple[list[str], list[list]]:
    """The monthly table with a column per waste type (kg), oldest month first."""
    header = MONTHLY_HEADER + [f"kg_{t.name}" for t in report.types]
    rows = []
    for m in report.months:
        rows.append(
            [
                m.start.astimezone(WIB).strftime("%Y-%m"),
                kg_number(m.grams_in),
                kg_number(m.grams_sold),
                m.active_members,
                m.deposits,
                m.withdrawals,
                m.sales,
                m.sold_buy_value,
                m.margin,
                *[kg_number(m.grams_by_type.get(t.id, 0)) for t in report.types],
            ]
        )
    return header, rows


__all__ = [
    "ACTIVE_DAYS",
    "COLOURS",
    "MONTHS",
    "Month",
    "Report",
    "compute",
    "effective_entries",
    "grams_diverted",
    "kg_number",
    "month_starts",
    "monthly_rows",
    "this_month",
]
