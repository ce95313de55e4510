"""Hooks through which facilities, bookings, RW schedules and alerts appear on the
kelurahan's menu, home page (alerts first), map, dashboards (Smart Living), search, open
data, staff's "Tugas saya", the audit log and the demo.

Open data holds no one's name or number: facilities without their contact person, and the
alert history as counts and hours per RW and month."""

from __future__ import annotations

from datetime import UTC, datetime, time

from dateutil.relativedelta import relativedelta
from flask import url_for
from sqlalchemy import func, or_, select

from app.kit import (
    AuditObject,
    AuditPhrase,
    Column,
    Dataset,
    MapLayer,
    Metric,
    NavItem,
    OffImpact,
    SearchHit,
    StaffTask,
    _l,
    audit_names,
    can,
    db,
    hookimpl,
    host,
    last_change,
    rows_as_features,
)

from . import alerts, schedules
from .access import BOOKINGS, MANAGE, settings
from .labels import BOOKING_LABELS, CONDITION_LABELS, KIND_LABELS, label
from .models import (
    Booking,
    BookingStatus,
    Condition,
    DamageNote,
    Facility,
    FacilityPhoto,
    Kind,
)
from .places import today_wib

__all__ = [
    "kp_init_app",
    "kp_nav_items",
    "kp_city_nav_items",
    "kp_home_widgets",
    "kp_map_layers",
    "kp_dimension_metrics",
    "kp_search",
    "kp_open_data",
    "kp_staff_tasks",
    "kp_media_visible",
    "kp_demo_data",
    "kp_audit_phrases",
    "kp_plugin_off_impact",
]


@hookimpl
def kp_init_app(app):
    from .cli import facilities_cli

    host(app).add_cli_command(facilities_cli)


@hookimpl
def kp_nav_items(kelurahan, user):
    return [
        NavItem(_l("Fasilitas"), url_for("facilities.index", kelurahan_slug=kelurahan.slug), 40)
    ]


@hookimpl
def kp_city_nav_items(user):
    """Every active alert of the city on one page (public; the city admin's first stop)."""
    return [NavItem(_l("Peringatan aktif"), url_for("facilities_city.alerts"), order=70)]


@hookimpl
def kp_home_widgets(kelurahan, user):
    """Active alerts first (never cached: an alert ends by the clock), then this week's
    RW schedules."""
    found = (alerts.home_widget(kelurahan), schedules.home_widget(kelurahan))
    return [w for w in found if w is not None]


KINDS = frozenset(k.value for k in Kind)


@hookimpl
def kp_map_layers(kelurahan):
    def places(args):
        query = select(Facility).where(Facility.active.is_(True))
        kind = args.get("jenis") if args is not None else None
        if kind in KINDS:
            query = query.where(Facility.kind == kind)
        return query

    return [
        MapLayer(
            "facilities-places",
            _l("Fasilitas umum"),
            query=places,
            columns=(Facility.name, Facility.kind, Facility.condition),
            link="facilities.facility",
            link_arg="facility_id",
            icon="home",
        ),
        alerts.map_layer(kelurahan),
    ]


@hookimpl
def kp_dimension_metrics(kelurahan, since, until):
    counts = dict(
        db.session.execute(
            select(Facility.condition, func.count(Facility.id))
            .where(Facility.kelurahan_id == kelurahan.id, Facility.active.is_(True))
            .group_by(Facility.condition)
        ).all()
    )
    total = sum(counts.values())
    bookings = db.session.scalar(
        select(func.count(Booking.id)).where(
            Booking.kelurahan_id == kelurahan.id,
            Booking.created_at >= since,
            Booking.created_at < until,
            Booking.status == BookingStatus.APPROVED,
        )
    )
    directory = url_for("facilities.index", kelurahan_slug=kelurahan.slug)
    return [
        Metric(
            "living",
            "facilities_good_share",
            _l("Fasilitas umum dalam kondisi baik (%)"),
            round(100 * counts.get(Condition.GOOD.value, 0) / total) if total else 0,
            _l(
                "Dari fasilitas yang masih dipakai, yang kondisinya baik menurut pemeriksaan "
                "terakhir, saat ini."
            ),
            unit="%",
            over_period=False,
            url=directory,
        ),
        Metric(
            "living",
            "facilities_bookings",
            _l("Pemesanan fasilitas disetujui"),
            bookings or 0,
            _l(
                "Pemesanan balai, gedung dan lapangan yang diajukan dalam periode dan "
                "disetujui petugas."
            ),
            higher_is_better=None,
            url=directory,
        ),
        Metric(
            "living",
            "facilities_active_alerts",
            _l("Peringatan aktif"),
            alerts.active_count(kelurahan),
            _l(
                "Peringatan (rob, banjir, pohon tumbang, listrik padam, air PDAM mati) yang "
                "sedang berlaku saat ini."
            ),
            higher_is_better=None,
            over_period=False,
            url=url_for("facilities.alerts", kelurahan_slug=kelurahan.slug),
        ),
    ]


@hookimpl
def kp_search(kelurahan, query, limit):
    needle = f"%{query.lower()}%"
    rows = db.session.execute(
        select(Facility)
        .where(
            Facility.kelurahan_id == kelurahan.id,
            Facility.active.is_(True),
            or_(func.lower(Facility.name).like(needle), func.lower(Facility.address).like(needle)),
        )
        .order_by(Facility.name)
        .limit(limit)
    ).scalars()
    return [
        SearchHit(
            f.name,
            url_for("facilities.facility", kelurahan_slug=kelurahan.slug, facility_id=f.id),
            f"{label(KIND_LABELS, f.kind)} · {label(CONDITION_LABELS, f.condition)}",
            _l("Fasilitas umum"),
        )
        for f in rows
    ]


FACILITY_HEADER = [
    "id",
    "nama",
    "jenis",
    "rw",
    "alamat",
    "kondisi",
    "tanggal_diperiksa",
    "kapasitas",
    "dapat_dipesan",
    "biaya_rupiah",
    "lat",
    "lng",
]

FACILITY_COLUMNS = (
    Column("id", _l("Nomor fasilitas (juga di alamat halamannya)"), "integer"),
    Column("nama", _l("Nama fasilitas")),
    Column("jenis", _l("Jenis fasilitas: %(keys)s", keys=", ".join(Kind))),
    Column("rw", _l("RW tempat fasilitas; kosong bila melayani seluruh kelurahan")),
    Column("alamat", _l("Alamat fasilitas")),
    Column("kondisi", _l("Kondisi terakhir: %(keys)s", keys=", ".join(Condition))),
    Column("tanggal_diperiksa", _l("Tanggal kondisi terakhir diperiksa"), "date"),
    Column("kapasitas", _l("Kapasitas orang; kosong bila tidak berlaku"), "integer"),
    Column("dapat_dipesan", _l("Dapat dipesan warga: ya atau tidak")),
    Column("biaya_rupiah", _l("Biaya per pemesanan dalam rupiah; 0 berarti gratis"), "integer"),
    Column("lat", _l("Garis lintang (WGS 84)"), "number"),
    Column("lng", _l("Garis bujur (WGS 84)"), "number"),
)


def facility_rows(kelurahan) -> list[dict]:
    rows = db.session.execute(
        select(Facility)
        .where(Facility.kelurahan_id == kelurahan.id, Facility.active.is_(True))
        .order_by(Facility.id)
    ).scalars()
    return [
        {
            "id": f.id,
            "nama": f.name,
            "jenis": f.kind,
            "rw": f.rw or "",
            "alamat": f.address,
            "kondisi": f.condition,
            "tanggal_diperiksa": f.checked_on.isoformat() if f.checked_on else "",
            "kapasitas": f.capacity or "",
            "dapat_dipesan": "ya" if f.bookable else "tidak",
            "biaya_rupiah": f.fee_rupiah,
            "lat": f.lat,
            "lng": f.lng,
        }
        for f in rows
    ]


@hookimpl
def kp_open_data(kelurahan):
    return [
        Dataset(
            "fasilitas",
            _l("Fasilitas umum"),
            _l(
                "Fasilitas umum kelurahan: nama, jenis (%(keys)s), RW, alamat, kondisi (baik, "
                "rusak_ringan, rusak_berat) dan tanggal diperiksa, kapasitas, dapat dipesan, "
                "biaya per pemesanan dalam rupiah, dan lokasi. Tanpa nama dan nomor "
                "penanggung jawab.",
                keys=", ".join(sorted(KINDS)),
            ),
            csv=lambda: (
                FACILITY_HEADER,
                [[row[key] for key in FACILITY_HEADER] for row in facility_rows(kelurahan)],
            ),
            geojson=lambda: rows_as_features(facility_rows(kelurahan)),
            columns=FACILITY_COLUMNS,
            updated=lambda: last_change(Facility.updated_at),
        ),
        alerts.history_dataset(kelurahan),
    ]


def stale_cutoff(kelurahan=None):
    """Facilities last checked before this day (or never) are due a check."""
    return today_wib() - relativedelta(months=int(settings(kelurahan)["check_months"]))


@hookimpl
def kp_staff_tasks(kelurahan, user):
    tasks = []
    if can(BOOKINGS, user=user, kelurahan=kelurahan):
        count, oldest = db.session.execute(
            select(func.count(Booking.id), func.min(Booking.created_at)).where(
                Booking.kelurahan_id == kelurahan.id, Booking.status == BookingStatus.PENDING
            )
        ).one()
        tasks.append(
            StaffTask(
                "facilities-bookings",
                _l("Pemesanan fasilitas menunggu keputusan"),
                count or 0,
                url_for("facilities.booking_queue", kelurahan_slug=kelurahan.slug),
                oldest,
                order=30,
            )
        )
    if can(MANAGE, user=user, kelurahan=kelurahan):
        cutoff = stale_cutoff(kelurahan)
        count, oldest_day = db.session.execute(
            select(func.count(Facility.id), func.min(Facility.checked_on)).where(
                Facility.kelurahan_id == kelurahan.id,
                Facility.active.is_(True),
                or_(Facility.checked_on.is_(None), Facility.checked_on < cutoff),
            )
        ).one()
        manage = url_for("facilities.manage", kelurahan_slug=kelurahan.slug)
        tasks.append(
            StaffTask(
                "facilities-unchecked",
                _l(
                    "Fasilitas belum diperiksa lebih dari %(n)s bulan",
                    n=settings(kelurahan)["check_months"],
                ),
                count or 0,
                manage,
                datetime.combine(oldest_day, time(0), UTC) if oldest_day else None,
                order=60,
            )
        )
        notes, oldest_note = db.session.execute(
            select(func.count(DamageNote.id), func.min(DamageNote.created_at)).where(
                DamageNote.kelurahan_id == kelurahan.id, DamageNote.handled_at.is_(None)
            )
        ).one()
        tasks.append(
            StaffTask(
                "facilities-damage",
                _l("Laporan kerusakan fasilitas dari warga"),
                notes or 0,
                manage,
                oldest_note,
                order=31,
            )
        )
    return tasks


@hookimpl
def kp_media_visible(media, kelurahan, user):
    """Photos of a facility no longer in use are hidden from the public; those who manage
    facilities still see them."""
    found = db.session.scalar(
        select(FacilityPhoto.id).where(
            or_(FacilityPhoto.media_id == media.id, FacilityPhoto.thumb_id == media.id)
        )
    )
    if found is None:
        return None
    return bool(user is not None and can(MANAGE, user=user, kelurahan=kelurahan))


@hookimpl
def kp_demo_data(kelurahan):
    from .demo import seed_demo_facilities

    seed_demo_facilities(kelurahan)


@hookimpl
def kp_plugin_off_impact(kelurahan):
    waiting = db.session.scalar(
        select(func.count(Booking.id)).where(
            Booking.kelurahan_id == kelurahan.id,
            Booking.status.in_([BookingStatus.PENDING.value, BookingStatus.APPROVED.value]),
        )
    )
    return [
        OffImpact(
            _l(
                "Daftar fasilitas, jadwal RW dan peringatan tidak tampil; %(n)s pemesanan yang "
                "menunggu atau disetujui tidak dapat dilihat, dan warga tidak menerima "
                "pengingat jadwal. Data tidak dihapus dan kembali saat dinyalakan lagi.",
                n=waiting or 0,
            )
        )
    ]


def _booking_moved(before, after):
    if after.get("note"):
        return _l("%(actor)s mengubah %(object)s menjadi “%(status)s”: %(note)s")
    return _l("%(actor)s mengubah %(object)s menjadi “%(status)s”")


def _booking_values(before, after):
    return {"status": label(BOOKING_LABELS, after.get("status")), "note": after.get("note", "")}


@hookimpl
def kp_audit_phrases():
    phrases = [
        AuditObject("facilities_facility", _l("fasilitas “%(name)s”"), audit_names(Facility.name)),
        AuditObject("facilities_booking", _l("pemesanan fasilitas #%(id)s")),
        AuditPhrase("facilities.facility_added", _l("%(actor)s menambah %(object)s")),
        AuditPhrase("facilities.facility_changed", _l("%(actor)s mengubah %(object)s")),
        AuditPhrase("facilities.photo_deleted", _l("%(actor)s menghapus foto %(object)s")),
        AuditPhrase("facilities.damage_reported", _l("%(actor)s melaporkan kerusakan %(object)s")),
        AuditPhrase(
            "facilities.damage_handled",
            _l("%(actor)s menandai laporan kerusakan %(object)s sudah ditangani"),
        ),
        AuditPhrase("facilities.booking_requested", _l("%(actor)s mengajukan %(object)s")),
    ]
    for action in ("approved", "refused", "cancelled"):
        phrases.append(
            AuditPhrase(f"facilities.booking_{action}", _booking_moved, values=_booking_values)
        )
    return [
        *phrases,
        *schedules.AUDIT_OBJECTS,
        *schedules.AUDIT_PHRASES,
        *alerts.AUDIT_OBJECTS,
        *alerts.AUDIT_PHRASES,
    ]
