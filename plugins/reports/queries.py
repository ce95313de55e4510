"""Reads shared by the report pages, the map layer, Open311 and the hooks. Each one is a
fixed number of queries whatever the number of reports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from app.kit import BBox, db, degree_box, distance_m, plugin_settings

from .models import CLOSED, STATUS_VALUES, Report, ReportFlag, ReportSupport

DUPLICATE_RADIUS_M = 250
PERIODS = {"7": 7, "30": 30, "90": 90, "365": 365}


def settings(kelurahan=None) -> dict:
    return plugin_settings("reports", kelurahan)


def categories(kelurahan=None) -> list[str]:
    return list(settings(kelurahan)["categories"])


def read_filters(args) -> dict:
    """The list/map filters from a query string, each ignored when not recognised."""
    filters = {"category": "", "status": "", "period": ""}
    category = (args.get("category") or "").strip()
    if category in categories():
        filters["category"] = category
    status = args.get("status") or ""
    if status in ("open", "closed", *STATUS_VALUES):
        filters["status"] = status
    period = args.get("period") or ""
    if period in PERIODS:
        filters["period"] = period
    return filters


def apply_filters(query, filters: dict):
    if filters.get("category"):
        query = query.where(Report.category == filters["category"])
    status = filters.get("status")
    closed = [s.value for s in CLOSED]
    if status == "open":
        query = query.where(Report.status.not_in(closed))
    elif status == "closed":
        query = query.where(Report.status.in_(closed))
    elif status:
        query = query.where(Report.status == status)
    if filters.get("period"):
        since = datetime.now(UTC) - timedelta(days=PERIODS[filters["period"]])
        query = query.where(Report.created_at >= since)
    return query


def public_reports():
    """Reports the public may see (moderated ones are hidden until staff review them)."""
    return select(Report).where(Report.hidden_at.is_(None))


def map_query(args):
    """The map layer's rows for a query string: public reports through the list filters
    (the core adds the bbox, the cap and the clustering)."""
    return apply_filters(public_reports(), read_filters(args))


def in_bbox(query, bbox: BBox | None):
    if bbox is None:
        return query
    return query.where(
        Report.lng >= bbox.min_lng,
        Report.lng <= bbox.max_lng,
        Report.lat >= bbox.min_lat,
        Report.lat <= bbox.max_lat,
    )


def support_counts(report_ids) -> dict[int, int]:
    if not report_ids:
        return {}
    rows = db.session.execute(
        select(ReportSupport.report_id, func.count())
        .where(ReportSupport.report_id.in_(report_ids))
        .group_by(ReportSupport.report_id)
    ).all()
    return dict(rows)


def unreviewed_flags(target_type: str, ids) -> dict[int, list[ReportFlag]]:
    """Flags not yet reviewed by staff, per target id (one query)."""
    ids = list(ids)
    if not ids:
        return {}
    grouped: dict[int, list[ReportFlag]] = {}
    rows = db.session.execute(
        select(ReportFlag)
        .where(
            ReportFlag.target_type == target_type,
            ReportFlag.target_id.in_(ids),
            ReportFlag.reviewed_at.is_(None),
        )
        .order_by(ReportFlag.created_at, ReportFlag.id)
    ).scalars()
    for flag in rows:
        grouped.setdefault(flag.target_id, []).append(flag)
    return grouped


def nearby_open(category: str, lat: float, lng: float, radius_m: int = DUPLICATE_RADIUS_M):
    """Open, visible reports of `category` within `radius_m`, nearest first."""
    south, north, west, east = degree_box(lat, lng, radius_m)
    candidates = db.session.execute(
        public_reports()
        .where(
            Report.category == category,
            Report.status.not_in([s.value for s in CLOSED]),
            Report.lat.between(south, north),
            Report.lng.between(west, east),
        )
        .limit(200)
    ).scalars()
    hits = [(distance_m(lat, lng, r.lat, r.lng), r) for r in candidates]
    return [(round(d), r) for d, r in sorted(hits, key=lambda pair: pair[0]) if d <= radius_m]
