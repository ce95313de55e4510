"""Hooks through which reports appear on the kelurahan's pages, maps, dashboards, search,
open data and demo content. Every query names the kelurahan explicitly and leaves hidden
(moderated) reports out; each hook is a fixed number of queries whatever the data size."""

from __future__ import annotations

from flask import render_template, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from app.extensions import db
from app.formatting import snippet
from app.geo import rows_as_features
from app.models import User
from app.plugins import Dataset, HomeWidget, MapLayer, Metric, NavItem, SearchHit, hookimpl

from .labels import STATUS_LABELS
from .models import Report, ReportSupport

__all__ = [
    "kp_nav_items",
    "kp_map_layers",
    "kp_dimension_metrics",
    "kp_home_widgets",
    "kp_search",
    "kp_open_data",
    "kp_demo_data",
]


@hookimpl
def kp_nav_items(kelurahan, user):
    return [NavItem(_l("Laporan"), url_for("reports.index", kelurahan_slug=kelurahan.slug), 20)]


@hookimpl
def kp_map_layers(kelurahan):
    return [
        MapLayer(
            "reports",
            _l("Laporan warga"),
            url_for("reports.map_geojson", kelurahan_slug=kelurahan.slug, status="open"),
            "megaphone",
        )
    ]


def _public(kelurahan):
    return select(Report).where(Report.kelurahan_id == kelurahan.id, Report.hidden_at.is_(None))


def _count(query) -> int:
    return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0


@hookimpl
def kp_dimension_metrics(kelurahan, since):
    from .stats import counts_by_category, medians

    by_category = counts_by_category(kelurahan.id, since=since)
    received = sum(v["total"] for v in by_category.values())
    open_now = sum(v["open"] for v in by_category.values())
    fixed = _count(_public(kelurahan).where(Report.status == "selesai", Report.closed_at >= since))
    metrics = [
        Metric("society", "reports_received", _l("Laporan warga masuk"), received),
        Metric("society", "reports_open", _l("Laporan warga masih terbuka"), open_now),
        Metric("society", "reports_fixed", _l("Laporan warga selesai"), fixed),
    ]
    median = medians(kelurahan.id, "response", since=since).get(("all", ""))
    if median is not None:  # no response in the period: no figure rather than a false 0
        metrics.append(
            Metric(
                "society",
                "reports_median_response_days",
                _l("Median hari sampai laporan ditanggapi"),
                round(median),
            )
        )
    return metrics


@hookimpl
def kp_home_widgets(kelurahan, user):
    from .stats import this_month

    latest = (
        db.session.execute(
            _public(kelurahan).order_by(Report.created_at.desc(), Report.id.desc()).limit(5)
        )
        .scalars()
        .all()
    )
    start, end = this_month()
    received = _count(_public(kelurahan).where(Report.created_at >= start, Report.created_at < end))
    fixed = _count(
        _public(kelurahan).where(
            Report.status == "selesai", Report.closed_at >= start, Report.closed_at < end
        )
    )
    html = render_template(
        "reports/_widget.html",
        reports=latest,
        received=received,
        fixed=fixed,
        status_labels=STATUS_LABELS,
    )
    return [HomeWidget("reports-latest", _l("Laporan warga terbaru"), html, order=30)]


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
        )
    ]


@hookimpl
def kp_demo_data(kelurahan):
    from .demo import seed_demo_reports

    seed_demo_reports(kelurahan)
