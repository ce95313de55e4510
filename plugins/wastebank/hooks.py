"""Hooks through which the waste bank appears on the kelurahan's menu, home page, map,
dashboards, open data, staff's "Tugas saya" and demo content.

Only aggregates leave through here: kg per month and type, member counts, the units'
public address and opening days; never a member's name, number or balance. The host runs
each hook inside its kelurahan's scope; the queries still name the kelurahan, because open
data exporters run after the hook has returned and the city dashboards call them too. Each
hook is a fixed number of queries whatever the size of the ledger; the host caches widgets,
metrics and map layers until the ledger emits an event (`wastebank.*`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import url_for
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import aliased

from app.kit import (
    WIB,
    Column,
    Dataset,
    GroupMember,
    HomeWidget,
    MapLayer,
    Metric,
    NavItem,
    StaffTask,
    _l,
    can,
    count_and_oldest,
    count_rows,
    db,
    hookimpl,
    last_change,
    plugin_settings,
    rows_as_features,
)

from . import OPERATE, PLUGIN_ID, VIEW
from .models import Entry, EntryLine, Member, PricePeriod, Unit, WasteType, WithdrawalRequest
from .reports import (
    ACTIVE_DAYS,
    effective_entries,
    grams_diverted,
    kg_number,
    month_bucket,
    month_starts,
    this_month,
)

__all__ = [
    "kp_nav_items",
    "kp_map_layers",
    "kp_home_widgets",
    "kp_dimension_metrics",
    "kp_open_data",
    "kp_staff_tasks",
    "kp_demo_data",
]

OPEN_DATA_MONTHS = 24


def _kg(grams: int) -> int:
    """Whole kg for a dashboard figure (metrics are integers), rounded half-up."""
    return (grams + 500) // 1000


# -- pages -------------------------------------------------------------------------------------


@hookimpl
def kp_nav_items(kelurahan, user):
    return [
        NavItem(_l("Bank sampah"), url_for("wastebank.index", kelurahan_slug=kelurahan.slug), 60)
    ]


def unit_layer(kelurahan) -> MapLayer:
    """Every unit with a location: name, address and opening days (public on the unit's
    sign anyway); nothing about its members. Capped and clustered by the core."""
    return MapLayer(
        "wastebank-units",
        _l("Bank sampah"),
        query=select(Unit).where(Unit.kelurahan_id == kelurahan.id),
        columns=(Unit.name, Unit.address, Unit.opening_days),
        icon="recycle",
    )


@hookimpl
def kp_map_layers(kelurahan):
    return [unit_layer(kelurahan)]


@hookimpl
def kp_home_widgets(kelurahan, user):
    units = count_rows(select(Unit.id).where(Unit.kelurahan_id == kelurahan.id))
    if not units:  # nothing to tell residents until a group opens a unit
        return []
    start, end = this_month()
    grams = grams_diverted(kelurahan.id, start, end)
    context = {
        "kelurahan": kelurahan,
        "grams": grams,
        "units": units,
        "month": start.astimezone(WIB).date(),
    }
    return [
        HomeWidget(
            "wastebank-month",
            _l("Bank sampah bulan ini"),
            "wastebank/report_widget.html",
            context,
            order=60,
        )
    ]


# -- dashboards --------------------------------------------------------------------------------


def active_members(kelurahan_id: int, now: datetime) -> int:
    """Members with a deposit (not reversed) in the last 90 days, in one query."""
    correction = aliased(Entry)
    return (
        db.session.scalar(
            select(func.count(func.distinct(Entry.member_id))).where(
                Entry.kelurahan_id == kelurahan_id,
                Entry.kind == "deposit",
                Entry.created_at >= now - timedelta(days=ACTIVE_DAYS),
                ~select(correction.id).where(correction.reverses_id == Entry.id).exists(),
            )
        )
        or 0
    )


@hookimpl
def kp_dimension_metrics(kelurahan, since, until):
    # Kg per WIB calendar month, the unit the reports use; [since, until) bounds the second
    # figure.
    now = datetime.now(UTC)
    start, end = this_month(now)
    units = url_for("wastebank.index", kelurahan_slug=kelurahan.slug)
    return [
        Metric(
            "environment",
            "wastebank_kg_month",
            _l("Kg sampah terpilah ditabung bulan ini"),
            _kg(grams_diverted(kelurahan.id, start, end)),
            _l(
                "Berat sampah terpilah yang ditabung nasabah di semua unit bulan kalender ini "
                "(WIB), dikurangi koreksi."
            ),
            unit="kg",
            over_period=False,
            url=units,
        ),
        Metric(
            "environment",
            "wastebank_kg_since",
            _l("Kg sampah terpilah ditabung dalam periode"),
            _kg(grams_diverted(kelurahan.id, since, until)),
            _l("Berat sampah terpilah yang ditabung nasabah di semua unit dalam periode."),
            unit="kg",
            url=units,
        ),
        Metric(
            "environment",
            "wastebank_active_members",
            _l("Nasabah bank sampah aktif (90 hari)"),
            int(active_members(kelurahan.id, now)),
            _l("Nasabah yang menabung paling sedikit sekali dalam 90 hari terakhir."),
            over_period=False,
            url=units,
        ),
        Metric(
            "environment",
            "wastebank_units",
            _l("Unit bank sampah"),
            count_rows(select(Unit.id).where(Unit.kelurahan_id == kelurahan.id)),
            _l("Unit bank sampah yang dikelola kelompok (KSM) di kelurahan, saat ini."),
            over_period=False,
            url=units,
        ),
    ]


# -- open data ---------------------------------------------------------------------------------

MONTHLY_HEADER = ["bulan", "unit_id", "unit", "jenis_sampah", "kg_disetor", "kg_dijual"]
UNIT_HEADER = [
    "id",
    "nama",
    "alamat",
    "lat",
    "lng",
    "hari_buka",
    "nasabah_terdaftar",
    "nasabah_aktif_90_hari",
]

MONTHLY_COLUMNS = (
    Column("bulan", _l("Bulan (WIB)"), "yearmonth"),
    Column("unit_id", _l("Nomor unit bank sampah (kolom id data unit)"), "integer"),
    Column("unit", _l("Nama unit bank sampah")),
    Column("jenis_sampah", _l("Jenis sampah terpilah, menurut daftar harga unit")),
    Column("kg_disetor", _l("Kg yang disetor semua nasabah, setelah koreksi"), "number"),
    Column("kg_dijual", _l("Kg yang dijual unit ke pengepul"), "number"),
)
UNIT_COLUMNS = (
    Column("id", _l("Nomor unit bank sampah"), "integer"),
    Column("nama", _l("Nama unit bank sampah (bukan nama orang)")),
    Column("alamat", _l("Alamat tempat unit menerima setoran")),
    Column("lat", _l("Garis lintang lokasi unit (WGS 84)"), "number"),
    Column("lng", _l("Garis bujur lokasi unit (WGS 84)"), "number"),
    Column("hari_buka", _l("Hari dan jam unit menerima setoran")),
    Column("nasabah_terdaftar", _l("Jumlah nasabah aktif yang terdaftar di unit"), "integer"),
    Column(
        "nasabah_aktif_90_hari",
        _l("Jumlah nasabah yang menyetor dalam 90 hari terakhir"),
        "integer",
    ),
)


def monthly_rows(kelurahan, now: datetime | None = None) -> list[dict]:
    """Kg deposited (net of corrections) and sold per unit, month and type over the last
    24 months, in one query. Sums over every member of a unit; nothing per member."""
    now = now or datetime.now(UTC)
    starts = month_starts(now, OPEN_DATA_MONTHS)
    signed = EntryLine.grams * EntryLine.direction
    lines = effective_entries(
        lambda kind, at: (
            month_bucket(at, starts).label("month"),
            Entry.unit_id.label("unit_id"),
            EntryLine.waste_type_id.label("type_id"),
            case_when(kind == "deposit", signed).label("deposited"),
            case_when(kind == "sale", -signed).label("sold"),
        ),
        ("deposit", "sale"),
        starts[0],
        starts[-1],
        [Entry.kelurahan_id == kelurahan.id],
        lines=True,
    )
    # Grouped outside the subquery: PostgreSQL would not match a GROUP BY expression that
    # carries bound parameters (the month bounds) with the same one in the select list.
    keys = (lines.c.month, Unit.id, Unit.name, WasteType.name)
    rows = db.session.execute(
        select(*keys, func.sum(lines.c.deposited), func.sum(lines.c.sold))
        .select_from(lines)
        .join(Unit, Unit.id == lines.c.unit_id)
        .join(WasteType, WasteType.id == lines.c.type_id)
        .group_by(*keys)
        .order_by(*keys)
    ).all()
    return [
        {
            "bulan": starts[int(month)].astimezone(WIB).strftime("%Y-%m"),
            "unit_id": unit_id,
            "unit": unit_name,
            "jenis_sampah": type_name,
            "kg_disetor": kg_number(int(deposited or 0)),
            "kg_dijual": kg_number(int(sold or 0)),
        }
        for month, unit_id, unit_name, type_name, deposited, sold in rows
        if month is not None and (deposited or sold)
    ]


def case_when(condition, value):
    return case((condition, value), else_=0)


def unit_rows(kelurahan, now: datetime | None = None) -> list[dict]:
    """Each unit's public facts and member counts, in one query."""
    now = now or datetime.now(UTC)
    correction = aliased(Entry)
    registered = (
        select(func.count(Member.id))
        .where(Member.unit_id == Unit.id, Member.active.is_(True))
        .correlate(Unit)
        .scalar_subquery()
    )
    active = (
        select(func.count(func.distinct(Entry.member_id)))
        .where(
            Entry.unit_id == Unit.id,
            Entry.kind == "deposit",
            Entry.created_at >= now - timedelta(days=ACTIVE_DAYS),
            ~select(correction.id).where(correction.reverses_id == Entry.id).exists(),
        )
        .correlate(Unit)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(
            Unit.id,
            Unit.name,
            Unit.address,
            Unit.lat,
            Unit.lng,
            Unit.opening_days,
            registered,
            active,
        )
        .where(Unit.kelurahan_id == kelurahan.id)
        .order_by(Unit.id)
    ).all()
    return [
        {
            "id": row[0],
            "nama": row[1],
            "alamat": row[2] or "",
            "lat": row[3],
            "lng": row[4],
            "hari_buka": row[5] or "",
            "nasabah_terdaftar": int(row[6] or 0),
            "nasabah_aktif_90_hari": int(row[7] or 0),
        }
        for row in rows
    ]


@hookimpl
def kp_open_data(kelurahan):
    def monthly_csv():
        return MONTHLY_HEADER, [[r[k] for k in MONTHLY_HEADER] for r in monthly_rows(kelurahan)]

    def units_csv():
        return UNIT_HEADER, [[r[k] for k in UNIT_HEADER] for r in unit_rows(kelurahan)]

    def units_geojson():
        return rows_as_features([r for r in unit_rows(kelurahan) if r["lat"] is not None])

    return [
        Dataset(
            "bank-sampah-bulanan",
            _l("Bank sampah: kg per bulan"),
            _l(
                "Kg sampah terpilah yang disetor nasabah (setelah koreksi) dan yang dijual ke "
                "pengepul, per unit, bulan (WIB) dan jenis sampah, 24 bulan terakhir. Hanya "
                "jumlah per unit: tanpa nama, nomor atau saldo nasabah."
            ),
            csv=monthly_csv,
            columns=MONTHLY_COLUMNS,
            updated=lambda: last_change(Entry.created_at),
        ),
        Dataset(
            "bank-sampah-unit",
            _l("Unit bank sampah"),
            _l(
                "Nama, alamat, lokasi dan hari buka setiap unit bank sampah, dengan jumlah "
                "nasabah terdaftar dan yang aktif menabung dalam 90 hari terakhir."
            ),
            csv=units_csv,
            geojson=units_geojson,
            columns=UNIT_COLUMNS,
            updated=lambda: last_change(Unit.created_at, Member.created_at, Entry.created_at),
        ),
    ]


# -- staff -------------------------------------------------------------------------------------


def _units_for(user, kelurahan) -> list[int] | None:
    """The ids of the units the user works on; None for staff, who oversee them all."""
    if can(VIEW, user=user, kelurahan=kelurahan):
        return None
    rows = db.session.execute(
        select(Unit)
        .join(GroupMember, GroupMember.group_id == Unit.group_id)
        .where(
            Unit.kelurahan_id == kelurahan.id,
            GroupMember.user_id == user.id,
            GroupMember.status == "active",
        )
    ).scalars()
    return [u.id for u in rows if can(OPERATE, u.group, user=user, kelurahan=kelurahan)]


def types_needing_a_price(kelurahan, unit_ids, today, warn_days: int):
    """Active types with no price today, or whose price ends within `warn_days` with no
    next period set: a select of their ids."""
    period = aliased(PricePeriod)
    following = aliased(PricePeriod)
    in_force = and_(
        period.waste_type_id == WasteType.id,
        period.valid_from <= today,
        or_(period.valid_until.is_(None), period.valid_until > today),
    )
    priced = select(period.id).where(in_force).exists()
    lapsing = (
        select(period.id)
        .where(
            in_force,
            period.valid_until.is_not(None),
            period.valid_until <= today + timedelta(days=warn_days),
            ~select(following.id)
            .where(
                following.waste_type_id == WasteType.id,
                following.valid_from >= period.valid_until,
            )
            .exists(),
        )
        .exists()
    )
    query = select(WasteType.id).where(
        WasteType.kelurahan_id == kelurahan.id,
        WasteType.active.is_(True),
        or_(~priced, lapsing),
    )
    if unit_ids is not None:
        query = query.where(WasteType.unit_id.in_(unit_ids))
    return query


@hookimpl
def kp_staff_tasks(kelurahan, user):
    unit_ids = _units_for(user, kelurahan)
    if unit_ids is not None and not unit_ids:
        return []
    requests = select(WithdrawalRequest).where(
        WithdrawalRequest.kelurahan_id == kelurahan.id, WithdrawalRequest.status == "diminta"
    )
    if unit_ids is not None:
        requests = requests.join(Member, Member.id == WithdrawalRequest.member_id).where(
            Member.unit_id.in_(unit_ids)
        )
    waiting, oldest = count_and_oldest(requests, WithdrawalRequest.created_at)
    today = datetime.now(WIB).date()
    warn_days = int(plugin_settings(PLUGIN_ID, kelurahan).get("days_price_lapse_warning") or 7)
    unpriced = count_rows(types_needing_a_price(kelurahan, unit_ids, today, warn_days))
    # An operator of one unit goes straight to its queue; staff and several units to reports.
    if unit_ids is not None and len(unit_ids) == 1:
        slug, unit_id = kelurahan.slug, unit_ids[0]
        requests_url = url_for("wastebank.requests", kelurahan_slug=slug, unit_id=unit_id)
        prices_url = url_for("wastebank.waste_types", kelurahan_slug=slug, unit_id=unit_id)
    else:
        requests_url = prices_url = url_for("wastebank.reports", kelurahan_slug=kelurahan.slug)
    return [
        StaffTask(
            "wastebank-withdrawals",
            _l("Permintaan penarikan tabungan sampah menunggu dibayar"),
            waiting,
            requests_url,
            oldest,
            order=60,
        ),
        StaffTask(
            "wastebank-prices",
            _l("Jenis sampah tanpa harga hari ini atau harganya segera berakhir"),
            unpriced,
            prices_url,
            None,
            order=61,
        ),
    ]


# -- demo --------------------------------------------------------------------------------------


@hookimpl
def kp_demo_data(kelurahan):
    from .demo import seed_demo_wastebank

    seed_demo_wastebank(kelurahan)
