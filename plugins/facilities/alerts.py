"""Alerts (peringatan) for some RWs: rob, banjir, pohon tumbang, listrik padam, air PDAM mati.

An alert is *active* while it is open (`closed_at IS NULL`) and `starts_at <= now <
expected_end_at`; *upcoming* while open and not started; past otherwise. It ends by itself
at `expected_end_at` (every query compares with "now", nothing has to run) or when staff
close it. Past alerts stay as a public archive and as the flood history per RW.

Here: the queries, posting and closing, and what hooks.py hands to the core (home widget,
map layer, the Smart Living count, the open dataset, the demo and the audit vocabulary).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import g, url_for
from sqlalchemy import and_, case, func, literal, or_, select, update
from sqlalchemy.orm import selectinload

from app.kit import (
    WIB,
    AuditObject,
    AuditPhrase,
    Column,
    Dataset,
    HomeWidget,
    MapLayer,
    _l,
    audit,
    audit_row_ids,
    current_user,
    db,
    force_locale,
    last_change,
    notify,
    point_near,
    residents_of_rw,
    utcnow,
    wib,
)

from .labels import ALERT_LABELS, SEVERITY_LABELS, label
from .models import Alert, AlertArea, AlertKind, Severity

FLOOD_KINDS = (AlertKind.TIDAL_FLOOD.value, AlertKind.FLOOD.value)
HISTORY_YEARS = 3
ARCHIVE_PAGE = 20
WIDGET_ALERTS = 5
MAX_DAYS = 14  # longest expected duration staff may give


# -- what "now" means for an alert ------------------------------------------------------------


def is_open(now: datetime):
    """Not closed and not past its expected end: active or upcoming."""
    return and_(Alert.closed_at.is_(None), Alert.expected_end_at > now)


def is_active(now: datetime):
    return and_(is_open(now), Alert.starts_at <= now)


def is_past(now: datetime):
    return or_(Alert.closed_at.is_not(None), Alert.expected_end_at <= now)


def status_of(alert: Alert, now: datetime | None = None) -> str:
    """ "active", "upcoming", "closed" (by staff) or "ended" (by itself)."""
    now = now or utcnow()
    if alert.closed_at is not None:
        return "closed"
    if alert.expected_end_at <= now:
        return "ended"
    return "upcoming" if alert.starts_at > now else "active"


def hours_of(alert_start: datetime, ended: datetime, now: datetime) -> float:
    """Hours an alert lasted (so far): from its start to its end or now, never negative
    (an upcoming alert closed before it started lasted nothing)."""
    seconds = (min(ended, now) - alert_start).total_seconds()
    return max(seconds, 0) / 3600


def _ended(expected_end: datetime, closed: datetime | None) -> datetime:
    """`Alert.ended_at` for a row read as columns."""
    return closed if closed is not None and closed < expected_end else expected_end


# -- reading ----------------------------------------------------------------------------------


def current_alerts(kelurahan_ids: list[int] | None = None, now: datetime | None = None):
    """Active and upcoming alerts, soonest first: of the current kelurahan, or (inside
    `all_kelurahan()`) of the kelurahan in `kelurahan_ids`. Two queries, areas included."""
    now = now or utcnow()
    query = select(Alert).where(is_open(now)).options(selectinload(Alert.areas))
    if kelurahan_ids is not None:
        query = query.where(Alert.kelurahan_id.in_(kelurahan_ids or [0]))
    query = query.order_by(Alert.starts_at, Alert.id)
    return list(db.session.execute(query).scalars())


def archive(page: int, rw: str | None = None, now: datetime | None = None):
    """Past alerts, newest first, one page (Flask-SQLAlchemy's Pagination); `rw` keeps
    those that reached that RW."""
    now = now or utcnow()
    query = select(Alert).where(is_past(now)).options(selectinload(Alert.areas))
    if rw:
        query = query.where(Alert.id.in_(select(AlertArea.alert_id).where(AlertArea.rw == rw)))
    query = query.order_by(Alert.starts_at.desc(), Alert.id.desc())
    return db.paginate(query, page=page, per_page=ARCHIVE_PAGE, error_out=False)


@dataclass
class HistoryRow:
    rw: str
    years: list[tuple[int, float]]  # (alerts, hours) per year of `History.years`


@dataclass
class History:
    years: list[int]  # this year first
    rows: list[HistoryRow]


def flood_history(kelurahan_id: int, now: datetime | None = None) -> History:
    """Rob and banjir alerts per RW and calendar year (WIB) of the last HISTORY_YEARS years:
    how many, and their hours from start to end (to now for one still running). One query;
    the sums are made here because a duration in SQL differs between the two databases."""
    now = now or utcnow()
    this_year = now.astimezone(WIB).year
    years = list(range(this_year, this_year - HISTORY_YEARS, -1))
    first = datetime(years[-1], 1, 1, tzinfo=WIB)
    rows = db.session.execute(
        select(AlertArea.rw, Alert.starts_at, Alert.expected_end_at, Alert.closed_at)
        .join(Alert, AlertArea.alert_id == Alert.id)
        .where(
            Alert.kelurahan_id == kelurahan_id,
            Alert.kind.in_(FLOOD_KINDS),
            Alert.starts_at >= first,
            Alert.starts_at <= now,
        )
    ).all()
    sums: dict[str, dict[int, list]] = defaultdict(lambda: {y: [0, 0.0] for y in years})
    for rw, start, expected_end, closed in rows:
        year = start.astimezone(WIB).year
        if year not in years:
            continue
        cell = sums[rw][year]
        cell[0] += 1
        cell[1] += hours_of(start, _ended(expected_end, closed), now)
    return History(
        years,
        [
            HistoryRow(rw, [(sums[rw][y][0], round(sums[rw][y][1], 1)) for y in years])
            for rw in sorted(sums)
        ],
    )


# -- texts ------------------------------------------------------------------------------------


def rws_text(rws: list[str], all_rws: list[str] | None = None):
    """ "RW 003, RW 004", or "semua RW" when every RW of the kelurahan is named."""
    if all_rws and set(rws) >= set(all_rws):
        return _l("semua RW")
    return ", ".join(f"RW {rw}" for rw in rws)


class _Later:
    """A text made when it is shown (str()), in the language of that moment: a notification
    is rendered in each recipient's language, dates and labels included."""

    def __init__(self, make):
        self.make = make

    def __str__(self) -> str:
        return str(self.make())


def alert_message(alert: Alert, rws, now: datetime | None = None) -> _Later:
    """What residents receive: kind, severity, RWs and time first (an SMS keeps the first
    120 characters), then the depth and the staff's own words."""
    now = now or utcnow()
    kind, severity = alert.kind, alert.severity
    start, end, water, words = alert.starts_at, alert.expected_end_at, alert.water_cm, alert.message

    def make() -> str:
        names = {
            "kind": label(ALERT_LABELS, kind),
            "severity": label(SEVERITY_LABELS, severity),
            "rws": str(rws),
        }
        if start > now:
            head = _l(
                "Peringatan %(kind)s (%(severity)s) untuk %(rws)s, mulai %(start)s sampai "
                "sekitar %(until)s.",
                start=wib(start),
                until=wib(end),
                **names,
            )
        else:
            head = _l(
                "Peringatan %(kind)s (%(severity)s) untuk %(rws)s, berlaku sampai sekitar "
                "%(until)s.",
                until=wib(end),
                **names,
            )
        parts = [str(head)]
        if water is not None:
            parts.append(str(_l("Tinggi air sekitar %(cm)s cm.", cm=water)))
        if words:
            parts.append(words)
        return " ".join(parts)

    return _Later(make)


# -- posting and closing ----------------------------------------------------------------------


def store_alert(
    *,
    kind: str,
    severity: str,
    rws: list[str],
    message: str,
    starts_at: datetime,
    expected_end_at: datetime,
    lat: float,
    lng: float,
    water_cm: int | None,
) -> Alert:
    """Add an alert and its RWs to the session (flushed: it has an id). Not committed."""
    alert = Alert(
        kind=kind,
        severity=severity,
        message=message,
        lat=lat,
        lng=lng,
        water_cm=water_cm,
        starts_at=starts_at,
        expected_end_at=expected_end_at,
        created_by_id=current_user.id if current_user.is_authenticated else None,
        notified=0,
    )
    alert.areas = [AlertArea(rw=rw) for rw in sorted(set(rws))]
    db.session.add(alert)
    db.session.flush()
    return alert


def tell_residents(alert: Alert, rws_words) -> int:
    """Notify each resident of the alert's RWs once (in-app, and by e-mail or SMS through
    the outbox), not the staff member who posts it; audit; return how many. Not committed."""
    me = current_user.id if current_user.is_authenticated else None
    message = alert_message(alert, rws_words)
    url = url_for("facilities.alert", alert_id=alert.id)  # notify() puts the public address
    told = 0
    for user in residents_of_rw(alert.rws):
        if user.id == me:
            continue
        notify(user, message, url=url, kelurahan=g.kelurahan)
        told += 1
    alert.notified = told
    audit(
        "facilities.alert_posted",
        "facilities_alert",
        alert.id,
        kelurahan=g.kelurahan,
        after={
            "kind": alert.kind,
            "severity": alert.severity,
            "rws": alert.rws,
            "starts_at": alert.starts_at.isoformat(),
            "expected_end_at": alert.expected_end_at.isoformat(),
            "water_cm": alert.water_cm,
            "notified": told,
        },
    )
    return told


def close(alert: Alert) -> bool:
    """Close an open alert now: a conditional UPDATE, so a second press (or a colleague's at
    the same moment, or an alert that has just ended by itself) changes nothing. Audited
    when it changed; not committed."""
    now = utcnow()
    changed = db.session.execute(
        update(Alert)
        .where(Alert.id == alert.id, is_open(now))
        .values(closed_at=now, closed_by_id=current_user.id)
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:
        return False
    audit(
        "facilities.alert_closed",
        "facilities_alert",
        alert.id,
        kelurahan=g.kelurahan,
        before={"expected_end_at": alert.expected_end_at.isoformat()},
        after={"closed_at": now.isoformat()},
    )
    return True


# -- for hooks.py -----------------------------------------------------------------------------


def _kelurahan(kelurahan):
    return kelurahan if kelurahan is not None else g.kelurahan


def widget_items(kelurahan, now: datetime | None = None) -> list[dict]:
    now = now or utcnow()
    found = current_alerts([kelurahan.id], now)
    return [
        {
            "id": a.id,
            "kind": label(ALERT_LABELS, a.kind),
            "severity": a.severity,
            "severity_label": label(SEVERITY_LABELS, a.severity),
            "rws": ", ".join(a.rws),
            "upcoming": a.starts_at > now,
            "starts_at": a.starts_at,
            "expected_end_at": a.expected_end_at,
            "water_cm": a.water_cm,
            "url": url_for("facilities.alert", kelurahan_slug=kelurahan.slug, alert_id=a.id),
        }
        for a in found[:WIDGET_ALERTS]
    ] + ([{"more": len(found) - WIDGET_ALERTS}] if len(found) > WIDGET_ALERTS else [])


def home_widget(kelurahan=None) -> HomeWidget | None:
    """The alerts panel, first on the kelurahan's home page (order 0: the core sorts panels
    by order, and the others start at 20), or None when nothing is active or upcoming.
    Not cached (`cache=False`): it must vanish when an alert ends by itself."""
    kelurahan = _kelurahan(kelurahan)
    items = widget_items(kelurahan)
    if not items:
        return None
    return HomeWidget(
        "facilities-alerts",
        _l("Peringatan"),
        "facilities/_alert_widget.html",
        {"items": items, "kelurahan": kelurahan},
        order=0,
        cache=False,
        top=True,  # above everything on the kelurahan home: a warning, not news
    )


def _name_column():
    """The popup's title, "Banjir rob · Siaga", in Indonesian: layer answers are cached per
    kelurahan, not per language."""
    with force_locale("id"):
        whens = [
            (
                and_(Alert.kind == kind.value, Alert.severity == level.value),
                literal(f"{ALERT_LABELS[kind]} · {SEVERITY_LABELS[level]}"),
            )
            for kind in AlertKind
            for level in Severity
        ]
    return case(*whens, else_=Alert.kind).label("name")


def map_layer(kelurahan) -> MapLayer:
    """Active alerts on the kelurahan map (not upcoming ones: the map shows what is
    happening). "Now" is read when the core builds the statement, so an alert leaves the
    map by itself once it ends: within the core's statement and answer caching (a minute
    for the statement, KP_CACHE_SECONDS for the answer), since no event marks the end."""

    def active(args):
        return select(Alert).where(Alert.kelurahan_id == kelurahan.id, is_active(utcnow()))

    return MapLayer(
        "facilities-alerts",
        _l("Peringatan aktif"),
        query=active,
        columns=(_name_column(), Alert.kind, Alert.severity, Alert.water_cm),
        link="facilities.alert",
        link_arg="alert_id",
        icon="warning",
    )


def active_count(kelurahan=None) -> int:
    """Alerts active right now (the Smart Living metric)."""
    kelurahan = _kelurahan(kelurahan)
    return int(
        db.session.scalar(
            select(func.count(Alert.id)).where(
                Alert.kelurahan_id == kelurahan.id, is_active(utcnow())
            )
        )
        or 0
    )


HISTORY_HEADER = ["tahun", "bulan", "rw", "jenis", "jumlah", "total_jam"]


def history_rows(kelurahan, now: datetime | None = None) -> list[list]:
    """Started alerts per month (WIB), RW and kind, with their hours: figures only, never
    who posted them or their free-text message. One query."""
    now = now or utcnow()
    rows = db.session.execute(
        select(AlertArea.rw, Alert.kind, Alert.starts_at, Alert.expected_end_at, Alert.closed_at)
        .join(Alert, AlertArea.alert_id == Alert.id)
        .where(Alert.kelurahan_id == kelurahan.id, Alert.starts_at <= now)
    ).all()
    sums: dict[tuple, list] = defaultdict(lambda: [0, 0.0])
    for rw, kind, start, expected_end, closed in rows:
        local = start.astimezone(WIB)
        cell = sums[(local.year, local.month, rw, kind)]
        cell[0] += 1
        cell[1] += hours_of(start, _ended(expected_end, closed), now)
    return [
        [year, month, rw, kind, n, round(hours, 1)]
        for (year, month, rw, kind), (n, hours) in sorted(sums.items())
    ]


def history_dataset(kelurahan=None) -> Dataset:
    kelurahan = _kelurahan(kelurahan)
    return Dataset(
        "peringatan",
        _l("Riwayat peringatan per RW"),
        _l(
            "Jumlah peringatan (rob, banjir, pohon tumbang, listrik padam, air PDAM mati) per "
            "bulan (WIB), RW dan jenis, dengan total jam berlakunya. Hanya angka: tanpa nama "
            "petugas dan tanpa isi pesan."
        ),
        csv=lambda: (HISTORY_HEADER, history_rows(kelurahan)),
        columns=(
            Column("tahun", _l("Tahun peringatan mulai (WIB)"), "integer"),
            Column("bulan", _l("Bulan peringatan mulai (1–12, WIB)"), "integer"),
            Column("rw", _l("RW yang terkena")),
            Column("jenis", _l("Jenis peringatan: %(keys)s", keys=", ".join(AlertKind))),
            Column("jumlah", _l("Jumlah peringatan"), "integer"),
            Column("total_jam", _l("Total jam berlakunya peringatan itu"), "number"),
        ),
        updated=lambda: last_change(Alert.created_at, Alert.closed_at),
    )


def _alert_names(ids: list[str]) -> dict[str, str]:
    """ "banjir rob #12" for the audit log: one query for a page of entries."""
    numbers = audit_row_ids(ids)
    rows = db.session.execute(select(Alert.id, Alert.kind).where(Alert.id.in_(numbers or [0])))
    return {str(i): f"{label(ALERT_LABELS, kind).lower()} #{i}" for i, kind in rows}


AUDIT_OBJECTS = [AuditObject("facilities_alert", _l("peringatan %(name)s"), _alert_names)]
AUDIT_PHRASES = [
    AuditPhrase(
        "facilities.alert_posted",
        _l("%(actor)s menerbitkan %(object)s untuk RW %(rws)s (%(notified)s warga diberi tahu)"),
        values=lambda before, after: {
            "rws": ", ".join((after or {}).get("rws") or []),
            "notified": (after or {}).get("notified", 0),
        },
    ),
    AuditPhrase("facilities.alert_closed", _l("%(actor)s menutup %(object)s")),
]


# -- demo -------------------------------------------------------------------------------------

# Krapyak (Pekalongan Utara) lies by the coast and the Loji river mouth: rob comes often.
DEMO_TIDE = (
    "Air laut pasang masuk permukiman. Simpan dokumen dan barang elektronik di tempat tinggi, "
    "matikan listrik bila air masuk rumah. Posko di balai RW 003."
)


def seed_demo(kelurahan, rng, staff=None) -> None:
    """Demo alerts, inside the kelurahan's scope: in Krapyak an active rob alert for RW
    002–004 and a year and a half of past rob and banjir for the history; elsewhere a
    fallen tree and a power cut. Nobody is notified (`notified` stays 0). Runs once."""
    if db.session.scalar(select(func.count(Alert.id))):
        return
    now = utcnow()
    today = now.astimezone(WIB).replace(hour=0, minute=0, second=0, microsecond=0)
    centre = (kelurahan.lat or -6.8883, kelurahan.lng or 109.6753)
    staff_id = getattr(staff, "id", None)

    def add(kind, severity, rws, start, end, *, water=None, message="", closed_after=None):
        lat, lng = point_near(*centre, rng, radius_m=600)
        closed = start + timedelta(hours=closed_after) if closed_after else None
        alert = Alert(
            kind=kind,
            severity=severity,
            message=message,
            lat=lat,
            lng=lng,
            water_cm=water,
            starts_at=start,
            expected_end_at=end,
            closed_at=closed,
            closed_by_id=staff_id if closed else None,
            created_by_id=staff_id,
            notified=0,
        )
        alert.areas = [AlertArea(rw=rw) for rw in rws]
        db.session.add(alert)

    if kelurahan.slug == "krapyak":
        add(
            AlertKind.TIDAL_FLOOD.value,
            Severity.WARNING.value,
            ["002", "003", "004"],
            min(today + timedelta(hours=6), now - timedelta(minutes=30)),  # this morning
            today + timedelta(days=1, hours=18),  # tomorrow evening
            water=30,
            message=DEMO_TIDE,
        )
        for _ in range(12):
            start = (
                today
                - timedelta(days=rng.randint(7, 540))
                + timedelta(hours=rng.choice((5, 14, 17)))
            )
            kind = rng.choice(FLOOD_KINDS + (AlertKind.TIDAL_FLOOD.value,))  # rob more often
            rws = sorted(rng.sample(["001", "002", "003", "004", "005", "006"], rng.randint(1, 3)))
            hours = rng.choice((6, 12, 24, 36, 48))
            add(
                kind,
                rng.choice([s.value for s in Severity]),
                rws,
                start,
                start + timedelta(hours=hours),
                water=rng.choice((10, 20, 25, 40, 60)),
                closed_after=hours - 3 if rng.random() < 0.3 else None,
            )
    else:
        start = today - timedelta(days=rng.randint(20, 60)) + timedelta(hours=15)
        add(
            AlertKind.FALLEN_TREE.value,
            Severity.WATCH.value,
            ["001"],
            start,
            start + timedelta(hours=5),
            message="Pohon angsana tumbang menutup jalan setelah hujan angin; lewat jalan lain.",
            closed_after=3,
        )
        start = today - timedelta(days=rng.randint(70, 150)) + timedelta(hours=9)
        add(
            AlertKind.POWER_CUT.value,
            Severity.WATCH.value,
            ["002", "003"],
            start,
            start + timedelta(hours=4),
            message="Pemeliharaan jaringan PLN.",
        )
