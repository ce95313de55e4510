"""Hooks through which reports appear on the kelurahan's pages, maps, dashboards, search,
open data, staff's "Tugas saya" and demo content. Every query names the kelurahan
explicitly and leaves hidden (moderated) reports out; each hook is a fixed number of
queries whatever the data size."""

from __future__ import annotations

from flask import url_for
from sqlalchemy import func, or_, select

from app.kit import (
    Column,
    Dataset,
    HomeWidget,
    MapLayer,
    Metric,
    NavItem,
    SearchHit,
    StaffTask,
    User,
    _l,
    can,
    count_and_oldest,
    count_rows,
    db,
    hookimpl,
    last_change,
    latest,
    rows_as_features,
    snippet,
)

from .demo import seed_demo_reports
from .labels import STATUS_LABELS
from .models import CLOSED, STATUS_VALUES, Report, ReportFlag, ReportSupport
from .queries import map_query
from .stats import counts_by_category, medians, this_month

__all__ = [
    "kp_nav_items",
    "kp_complaint_channels",
    "kp_report_link",
    "kp_map_layers",
    "kp_dimension_metrics",
    "kp_home_widgets",
    "kp_search",
    "kp_open_data",
    "kp_staff_tasks",
    "kp_demo_data",
]


@hookimpl
def kp_nav_items(kelurahan, user):
    return [NavItem(_l("Laporan"), url_for("reports.index", kelurahan_slug=kelurahan.slug), 20)]


@hookimpl
def kp_complaint_channels(kelurahan):
    new_report = url_for("reports.new", kelurahan_slug=kelurahan.slug)
    return [NavItem(_l("Buat laporan warga"), new_report, 10)]


@hookimpl
def kp_report_link(kelurahan, place):
    """Another plugin's thing (a facility): our form, prefilled with its name and point; the
    resident still picks the category and says what is wrong."""
    args = {"title": place.title, "address": place.address}
    if place.lat is not None and place.lng is not None:
        args.update(lat=f"{place.lat:.6f}", lng=f"{place.lng:.6f}")
    return url_for(
        "reports.new", kelurahan_slug=kelurahan.slug, **{k: v for k, v in args.items() if v}
    )


CLOSED_VALUES = tuple(sorted(s.value for s in CLOSED))


@hookimpl
def kp_map_layers(kelurahan):
    return [
        MapLayer(
            "reports",
            _l("Laporan warga"),
            query=map_query,
            columns=(
                Report.title,
                Report.category,
                Report.status,
                Report.status.not_in(CLOSED_VALUES).label("open"),
            ),
            link="reports.show",
            link_arg="report_id",
            params={"status": "open"},
            icon="megaphone",
        )
    ]


def _public(kelurahan):
    return select(Report).where(Report.kelurahan_id == kelurahan.id, Report.hidden_at.is_(None))


@hookimpl
def kp_dimension_metrics(kelurahan, since, until):
    by_category = counts_by_category(kelurahan.id, since=since, until=until)
    received = sum(v["total"] for v in by_category.values())
    open_now = sum(v["open"] for v in by_category.values())
    fixed = count_rows(
        _public(kelurahan).where(
            Report.status == "selesai", Report.closed_at >= since, Report.closed_at < until
        )
    )
    listing = url_for("reports.index", kelurahan_slug=kelurahan.slug)
    figures = url_for("reports.statistics", kelurahan_slug=kelurahan.slug)
    metrics = [
        Metric(
            "society",
            "reports_received",
            _l("Laporan warga masuk"),
            received,
            _l(
                "Laporan yang masuk dalam periode, dari situs dan dari Open311, tanpa yang "
                "disembunyikan moderasi."
            ),
            higher_is_better=None,
            url=listing,
        ),
        Metric(
            "society",
            "reports_open",
            _l("Laporan warga masih terbuka"),
            open_now,
            _l(
                "Laporan yang saat ini belum selesai, belum ditolak dan belum dinyatakan tidak "
                "dapat ditangani."
            ),
            higher_is_better=False,
            over_period=False,
            url=listing,
        ),
        Metric(
            "society",
            "reports_fixed",
            _l("Laporan warga selesai"),
            fixed,
            _l("Laporan yang ditandai selesai dalam periode."),
            url=figures,
        ),
    ]
    median = medians(kelurahan.id, "response", since=since, until=until).get(("all", ""))
    if median is not None:  # no response in the period: no figure rather than a false 0
        metrics.append(
            Metric(
                "society",
                "reports_median_response_days",
                _l("Median hari sampai laporan ditanggapi"),
                round(median),
                _l(
                    "Median hari dari laporan masuk sampai tanggapan pertama petugas, untuk "
                    "laporan yang ditanggapi dalam periode."
                ),
                unit=_l("hari"),
                higher_is_better=False,
                url=figures,
            )
        )
    return metrics


@hookimpl
def kp_home_widgets(kelurahan, user):
    start, end = this_month()
    public = _public(kelurahan)
    received = count_rows(public.where(Report.created_at >= start, Report.created_at < end))
    fixed = count_rows(
        public.where(Report.status == "selesai", Report.closed_at >= start, Report.closed_at < end)
    )
    context = {
        "reports": latest(
            Report, 5, Report.kelurahan_id == kelurahan.id, Report.hidden_at.is_(None)
        ),
        "received": received,
        "fixed": fixed,
        "status_labels": STATUS_LABELS,
    }
    return [
        HomeWidget(
            "reports-latest",
            _l("Laporan warga terbaru"),
            "reports/_widget.html",
            context,
            order=30,
        )
    ]


@hookimpl
def kp_staff_tasks(kelurahan, user):
    tasks = []
    if can("reports.handle", user=user, kelurahan=kelurahan):
        count, oldest = count_and_oldest(
            _public(kelurahan).where(Report.first_response_at.is_(None)),
            Report.created_at,
        )
        tasks.append(
            StaffTask(
                "reports-unanswered",
                _l("Laporan menunggu tanggapan pertama"),
                count,
                url_for("reports.work_queue", kelurahan_slug=kelurahan.slug),
                oldest,
                order=20,
            )
        )
        count, oldest = count_and_oldest(
            _public(kelurahan).where(
                Report.assignee_id == user.id, Report.status.not_in(CLOSED_VALUES)
            ),
            Report.created_at,
        )
        tasks.append(
            StaffTask(
                "reports-assigned",
                _l("Laporan terbuka yang ditugaskan kepada saya"),
                count,
                url_for("reports.work_queue", kelurahan_slug=kelurahan.slug, mine="1"),
                oldest,
                order=21,
            )
        )
    if can("reports.moderate", user=user, kelurahan=kelurahan):
        # One row per flagged report or comment, dated by its first unreviewed flag.
        flagged = (
            select(ReportFlag)
            .where(ReportFlag.kelurahan_id == kelurahan.id, ReportFlag.reviewed_at.is_(None))
            .group_by(ReportFlag.target_type, ReportFlag.target_id)
        )
        count, oldest = count_and_oldest(flagged, func.min(ReportFlag.created_at))
        tasks.append(
            StaffTask(
                "reports-flagged",
                _l("Laporan dan komentar ditandai warga"),
                count,
                url_for("reports.moderation", kelurahan_slug=kelurahan.slug),
                oldest,
                order=25,
            )
        )
    return tasks


@hookimpl
def kp_search(kelurahan, query, limit):
    needle = query.lower()
    rows = db.session.execute(
        _public(kelurahan)
        .where(
            or_(
                func.lower(Report.title).contains(needle, autoescape=True),
                func.lower(Report.description).contains(needle, autoescape=True),
            )
        )
        .order_by(Report.created_at.desc(), Report.id.desc())
        .limit(limit)
    ).scalars()
    return [
        SearchHit(
            r.title,
            url_for("reports.show", kelurahan_slug=kelurahan.slug, report_id=r.id),
            snippet(r.description),
            _l("Laporan"),
        )
        for r in rows
    ]


# -- open data ---------------------------------------------------------------------------------

OPEN_DATA_HEADER = [
    "id",
    "kategori",
    "judul",
    "keterangan",
    "status",
    "dibuat",
    "diperbarui",
    "lat",
    "lng",
    "dukungan",
    "pelapor",
]


OPEN_DATA_COLUMNS = (
    Column("id", _l("Nomor laporan (juga di alamat halamannya)"), "integer"),
    Column("kategori", _l("Kategori masalah yang dipilih pelapor")),
    Column("judul", _l("Judul laporan")),
    Column("keterangan", _l("Uraian masalah yang ditulis pelapor")),
    Column("status", _l("Status penanganan: %(keys)s", keys=", ".join(STATUS_VALUES))),
    Column("dibuat", _l("Waktu laporan dikirim (ISO 8601)"), "datetime"),
    Column("diperbarui", _l("Waktu laporan terakhir berubah (ISO 8601)"), "datetime"),
    Column("lat", _l("Garis lintang lokasi masalah (WGS 84)"), "number"),
    Column("lng", _l("Garis bujur lokasi masalah (WGS 84)"), "number"),
    Column("dukungan", _l("Jumlah warga yang mendukung laporan"), "integer"),
    Column(
        "pelapor",
        _l("Nama tampilan pelapor; kosong bila pelapor memilih menyembunyikan namanya"),
    ),
)


def open_data_rows(kelurahan) -> list[dict]:
    """Public fields of the kelurahan's visible reports, in one query. The reporter's
    e-mail and phone are never selected; the name is left empty when it was hidden."""
    supports = (
        select(ReportSupport.report_id, func.count().label("n"))
        .where(ReportSupport.kelurahan_id == kelurahan.id)
        .group_by(ReportSupport.report_id)
        .subquery()
    )
    rows = db.session.execute(
        select(
            Report.id,
            Report.category,
            Report.title,
            Report.description,
            Report.status,
            Report.created_at,
            Report.updated_at,
            Report.lat,
            Report.lng,
            func.coalesce(supports.c.n, 0).label("supports"),
            Report.hide_name,
            Report.reporter_name,
            User.display_name,
        )
        .outerjoin(User, User.id == Report.reporter_id)
        .outerjoin(supports, supports.c.report_id == Report.id)
        .where(Report.kelurahan_id == kelurahan.id, Report.hidden_at.is_(None))
        .order_by(Report.id)
    ).all()
    return [
        {
            "id": row.id,
            "kategori": row.category,
            "judul": row.title,
            "keterangan": row.description,
            "status": row.status,
            "dibuat": row.created_at.isoformat(),
            "diperbarui": row.updated_at.isoformat() if row.updated_at else "",
            "lat": row.lat,
            "lng": row.lng,
            "dukungan": int(row.supports),
            "pelapor": "" if row.hide_name else (row.display_name or row.reporter_name or ""),
        }
        for row in rows
    ]


@hookimpl
def kp_open_data(kelurahan):
    def csv():
        return OPEN_DATA_HEADER, [
            [row[key] for key in OPEN_DATA_HEADER] for row in open_data_rows(kelurahan)
        ]

    def geojson():
        return rows_as_features(open_data_rows(kelurahan))

    return [
        Dataset(
            "laporan",
            _l("Laporan warga"),
            _l(
                "Kategori, judul, keterangan, status, waktu, lokasi dan jumlah dukungan setiap "
                "laporan yang tampil untuk publik. Nama pelapor hanya bila tidak disembunyikan; "
                "tanpa e-mail atau nomor telepon."
            ),
            csv=csv,
            geojson=geojson,
            columns=OPEN_DATA_COLUMNS,
            updated=lambda: last_change(Report.updated_at, ReportSupport.created_at),
        )
    ]


@hookimpl
def kp_demo_data(kelurahan):
    seed_demo_reports(kelurahan)
