"""Hooks through which letter services appear on the kelurahan's menu, home page,
dashboards, search, open data, staff's "Tugas saya", the audit log and the demo.

Nothing personal leaves the plugin: the figures and the open data are counts and working
days per letter type and month; documents are never served by the core's media route."""

from __future__ import annotations

from statistics import median as _median

from flask import url_for
from sqlalchemy import func, or_, select

from app.kit import (
    WIB,
    AuditObject,
    AuditPhrase,
    Column,
    ConfigError,
    Dataset,
    HomeWidget,
    Metric,
    NavItem,
    SearchHit,
    StaffTask,
    _l,
    audit_names,
    can,
    db,
    hookimpl,
    host,
    last_change,
    utcnow,
)

from .access import HANDLE
from .labels import status_label
from .models import OFFICE_QUEUE, OPEN_STATUSES, LetterType, Request, RequestDocument, Status
from .queries import leave_days, month_start, service_times_for
from .stats import service_times
from .workdays import working_days_between

__all__ = [
    "kp_init_app",
    "kp_nav_items",
    "kp_city_nav_items",
    "kp_home_widgets",
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
    from . import personal
    from .cli import services_cli

    host(app).add_cli_command(services_cli)
    if app.config.get("KP_ENV") not in ("development", "testing"):
        with app.app_context():  # refuse to start without the keys, not at the first request
            try:
                personal.check_config()
            except RuntimeError as exc:  # one line, as the core's own refusals
                raise ConfigError(str(exc)) from None


@hookimpl
def kp_nav_items(kelurahan, user):
    # Menus are cached per role: an RT head's own queue is linked from the plugin's page.
    return [
        NavItem(_l("Layanan surat"), url_for("services.index", kelurahan_slug=kelurahan.slug), 30)
    ]


@hookimpl
def kp_city_nav_items(user):
    """The city admin keeps the collective leave days every kelurahan's figures skip."""
    if user is None or not getattr(user, "is_city_admin", False):
        return []
    return [NavItem(_l("Cuti bersama"), url_for("services_city.leave_days"), order=80)]


@hookimpl
def kp_home_widgets(kelurahan, user):
    since = month_start(2)  # the most requested letters of the last three months
    popular = db.session.execute(
        select(Request.letter_type_id, func.count(Request.id))
        .where(Request.kelurahan_id == kelurahan.id, Request.created_at >= since)
        .group_by(Request.letter_type_id)
        .order_by(func.count(Request.id).desc())
        .limit(3)
    ).all()
    types = {
        t.id: t
        for t in db.session.execute(
            select(LetterType).where(LetterType.active.is_(True), LetterType.online.is_(True))
        ).scalars()
    }
    if not types:
        return []
    chosen = [types[i] for i, _ in popular if i in types] or list(types.values())[:3]
    times = service_times_for(chosen)
    rows = []
    for letter_type in chosen:
        figures = times.get(letter_type.id) or []
        rows.append((letter_type, figures[0] if figures else None))
    return [
        HomeWidget(
            "services-letters",
            _l("Layanan surat daring"),
            "services/_widget.html",
            {"rows": rows, "kelurahan": kelurahan},
            order=25,
        )
    ]


def _ready_days(kelurahan, since, until) -> tuple[list[int], list[bool]]:
    rows = db.session.execute(
        select(Request.complete_at, Request.ready_at, LetterType.target_days)
        .join(LetterType, LetterType.id == Request.letter_type_id)
        .where(
            Request.kelurahan_id == kelurahan.id,
            Request.ready_at >= since,
            Request.ready_at < until,
            Request.complete_at.is_not(None),
        )
    ).all()
    leave = leave_days()
    days, within = [], []
    for complete, ready, target in rows:
        n = working_days_between(
            complete.astimezone(WIB).date(), ready.astimezone(WIB).date(), leave
        )
        days.append(n)
        within.append(n <= target)
    return days, within


@hookimpl
def kp_dimension_metrics(kelurahan, since, until):
    requests = db.session.scalar(
        select(func.count(Request.id)).where(
            Request.kelurahan_id == kelurahan.id,
            Request.created_at >= since,
            Request.created_at < until,
        )
    )
    days, within = _ready_days(kelurahan, since, until)
    times = url_for("services.service_times", kelurahan_slug=kelurahan.slug)
    return [
        Metric(
            "governance",
            "services_requests",
            _l("Permohonan surat daring"),
            requests or 0,
            _l("Permohonan surat yang diajukan warga secara daring dalam periode."),
            higher_is_better=None,
            url=times,
        ),
        Metric(
            "governance",
            "services_within_target",
            _l("Surat selesai tepat waktu (%)"),
            round(100 * sum(within) / len(within)) if within else 0,
            _l("Dari surat yang siap dalam periode, yang siap dalam target hari kerja jenisnya."),
            unit="%",
            url=times,
        ),
        Metric(
            "governance",
            "services_median_days",
            _l("Median waktu layanan surat (hari kerja)"),
            round(_median(days)) if days else 0,
            _l(
                "Median hari kerja dari permohonan lengkap sampai surat siap, untuk surat yang "
                "siap dalam periode."
            ),
            unit=_l("hari kerja"),
            higher_is_better=False,
            url=times,
        ),
    ]


@hookimpl
def kp_search(kelurahan, query, limit):
    needle = f"%{query.lower()}%"
    rows = db.session.execute(
        select(LetterType)
        .where(
            LetterType.kelurahan_id == kelurahan.id,
            LetterType.active.is_(True),
            or_(
                func.lower(LetterType.name).like(needle),
                func.lower(LetterType.description).like(needle),
            ),
        )
        .order_by(LetterType.position, LetterType.name)
        .limit(limit)
    ).scalars()
    return [
        SearchHit(
            t.name,
            url_for("services.index", kelurahan_slug=kelurahan.slug) + f"#jenis-{t.slug}",
            t.description,
            _l("Layanan surat"),
        )
        for t in rows
    ]


SERVICE_TIME_HEADER = [
    "bulan",
    "jenis_surat",
    "jumlah_surat",
    "median_hari_kerja",
    "p90_hari_kerja",
    "persen_tepat_waktu",
    "target_hari_kerja",
]

SERVICE_TIME_COLUMNS = (
    Column("bulan", _l("Bulan surat siap (WIB)"), "yearmonth"),
    Column("jenis_surat", _l("Jenis surat")),
    Column("jumlah_surat", _l("Jumlah surat yang siap pada bulan itu"), "integer"),
    Column(
        "median_hari_kerja",
        _l("Median hari kerja dari permohonan lengkap sampai surat siap"),
        "number",
    ),
    Column("p90_hari_kerja", _l("Persentil ke-90 hari kerja yang sama"), "number"),
    Column(
        "persen_tepat_waktu",
        _l("Persentase surat yang siap dalam target (0–100); kosong bila tidak dihitung"),
        "integer",
    ),
    Column("target_hari_kerja", _l("Target hari kerja jenis surat itu"), "integer"),
)


@hookimpl
def kp_open_data(kelurahan):
    def service_times_csv():
        types = {
            t.id: t
            for t in db.session.execute(
                select(LetterType).where(LetterType.kelurahan_id == kelurahan.id)
            ).scalars()
        }
        rows = db.session.execute(
            select(Request.letter_type_id, Request.complete_at, Request.ready_at).where(
                Request.kelurahan_id == kelurahan.id,
                Request.ready_at.is_not(None),
                Request.complete_at.is_not(None),
            )
        ).all()
        local = [
            (t, c.astimezone(WIB).date(), r.astimezone(WIB).date())
            for t, c, r in rows
            if t in types
        ]
        figures = service_times(local, {i: t.target_days for i, t in types.items()}, leave_days())
        return SERVICE_TIME_HEADER, [
            [
                f.month,
                types[f.letter_type_id].name,
                f.count,
                _num(f.median_days),
                _num(f.p90_days),
                "" if f.within_target is None else round(100 * f.within_target),
                f.target_days,
            ]
            for f in figures
        ]

    return [
        Dataset(
            "waktu-layanan-surat",
            _l("Waktu layanan surat"),
            _l(
                "Per jenis surat dan bulan: jumlah surat selesai, median dan persentil ke-90 "
                "hari kerja dari permohonan lengkap sampai surat siap, dan persentase yang "
                "selesai dalam target. Hanya angka gabungan, tanpa data pemohon."
            ),
            csv=service_times_csv,
            columns=SERVICE_TIME_COLUMNS,
            updated=lambda: last_change(
                select(func.max(Request.ready_at)).where(Request.complete_at.is_not(None)),
                LetterType.updated_at,
            ),
        )
    ]


def _num(value):
    if value is None:
        return ""
    return int(value) if float(value).is_integer() else round(value, 1)


@hookimpl
def kp_staff_tasks(kelurahan, user):
    tasks = []
    if can(HANDLE, user=user, kelurahan=kelurahan):
        rows = db.session.execute(
            select(Request.complete_at, LetterType.target_days)
            .join(LetterType, LetterType.id == Request.letter_type_id)
            .where(
                Request.kelurahan_id == kelurahan.id,
                Request.status.in_([s.value for s in OFFICE_QUEUE]),
            )
            .order_by(Request.complete_at)
            .limit(5000)
        ).all()
        leave, today = leave_days(), utcnow().astimezone(WIB).date()
        late = [
            at
            for at, target in rows
            if at is not None
            and working_days_between(at.astimezone(WIB).date(), today, leave) > target
        ]
        url = url_for("services.queue", kelurahan_slug=kelurahan.slug)
        oldest = rows[0][0] if rows else None
        tasks.append(
            StaffTask(
                "services-waiting",
                _l("Permohonan surat menunggu"),
                len(rows),
                url,
                oldest,
                order=20,
            )
        )
        tasks.append(
            StaffTask(
                "services-late",
                _l("Permohonan surat melewati target waktu layanan"),
                len(late),
                url,
                late[0] if late else None,
                order=19,
            )
        )
    return tasks


@hookimpl
def kp_media_visible(media, kelurahan, user):
    """Documents are opened only through the plugin's own page, which checks who asks and
    writes staff views to the audit log: never through the core's /media route."""
    found = db.session.scalar(
        select(RequestDocument.id).where(RequestDocument.media_id == media.id)
    )
    return False if found is not None else None


@hookimpl
def kp_demo_data(kelurahan):
    from .demo import seed_demo_services

    seed_demo_services(kelurahan)


@hookimpl
def kp_plugin_off_impact(kelurahan):
    waiting = db.session.scalar(
        select(func.count(Request.id)).where(
            Request.kelurahan_id == kelurahan.id,
            Request.status.in_([s.value for s in OPEN_STATUSES]),
        )
    )
    return [
        _l(
            "%(n)s permohonan surat yang masih berjalan tidak dapat dilihat atau diproses; "
            "warga tidak dapat mengajukan surat daring. Data tidak dihapus dan kembali saat "
            "dinyalakan lagi.",
            n=waiting or 0,
        )
    ]


def _moved(before, after):
    if after.get("status") in (Status.NEEDS_FIX.value, Status.REFUSED.value):
        return _l("%(actor)s mengubah %(object)s menjadi “%(status)s”: %(note)s")
    return _l("%(actor)s mengubah %(object)s menjadi “%(status)s”")


@hookimpl
def kp_audit_phrases():
    return [
        AuditObject("services_request", _l("permohonan surat %(name)s"), audit_names(Request.code)),
        AuditObject(
            "services_letter_type", _l("jenis surat “%(name)s”"), audit_names(LetterType.name)
        ),
        AuditObject("services_rt_head", _l("ketua RT/RW #%(id)s")),
        AuditObject("services_leave_day", _l("cuti bersama %(id)s")),
        AuditPhrase("services.requested", _l("%(actor)s mengajukan %(object)s")),
        AuditPhrase(
            "services.moved",
            _moved,
            values=lambda before, after: {
                "status": status_label(after.get("status", "")),
                "note": after.get("note", ""),
            },
        ),
        AuditPhrase("services.resubmitted", _l("%(actor)s mengirim perbaikan %(object)s")),
        AuditPhrase(
            "services.document_viewed",
            _l("%(actor)s membuka dokumen “%(document)s” dari %(object)s"),
            values=lambda before, after: {"document": after.get("document", "")},
            details=False,
        ),
        AuditPhrase(
            "services.purged", _l("%(actor)s menghapus data pribadi %(object)s (masa simpan habis)")
        ),
        AuditPhrase("services.type_created", _l("%(actor)s membuat %(object)s")),
        AuditPhrase("services.type_changed", _l("%(actor)s mengubah %(object)s")),
        AuditPhrase("services.head_added", _l("%(actor)s mendaftarkan %(object)s")),
        AuditPhrase("services.head_removed", _l("%(actor)s menghapus %(object)s")),
        AuditPhrase("services.leave_added", _l("%(actor)s menambah %(object)s")),
        AuditPhrase("services.leave_removed", _l("%(actor)s menghapus %(object)s")),
    ]
