"""Reads shared by the report pages, the map endpoint, Open311 and the hooks. Each one is a
fixed number of queries whatever the number of reports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import g, url_for
from sqlalchemy import Integer, cast, func, select

from app.extensions import db
from app.geo import BBox, degree_box, distance_m, feature_collection, point_feature
from app.plugins import host

from .models import CLOSED, STATUS_VALUES, Report, ReportSupport, Status

MAP_LIMIT = 500
GRID_CELLS = 20  # 20 × 20 cells at most: a clustered answer stays under MAP_LIMIT features
DUPLICATE_RADIUS_M = 250
PERIODS = {"7": 7, "30": 30, "90": 90, "365": 365}


def settings(kelurahan=None) -> dict:
    return host().settings(kelurahan or g.kelurahan, "reports")


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


def map_features(filters: dict, bbox: BBox | None) -> dict:
    """GeoJSON (RFC 7946, lng/lat) of the matching reports: points when at most MAP_LIMIT
    match, otherwise grid clusters with a `count`, so a zoomed-out map stays light."""
    base = in_bbox(apply_filters(public_reports(), filters), bbox)
    total = db.session.scalar(select(func.count()).select_from(base.subquery()))
    if total <= MAP_LIMIT:
        report_url = url_for("reports.show", report_id=0)[:-1]  # one url_for, not 500
        rows = db.session.execute(
            base.with_only_columns(
                Report.id, Report.lat, Report.lng, Report.title, Report.category, Report.status
            ).order_by(Report.id)
        ).all()
        features = (
            point_feature(
                row.lat,
                row.lng,
                {
                    "id": row.id,
                    "url": f"{report_url}{row.id}",
                    "title": row.title,
                    "category": row.category,
                    "status": row.status,
                    "open": not Status(row.status).is_closed,
                },
                feature_id=row.id,
            )
            for row in rows
        )
        return feature_collection(features, total=total, clustered=False)
    box = bbox or _extent(base)
    cell_lng = (box.max_lng - box.min_lng) / GRID_CELLS or 1e-9
    cell_lat = (box.max_lat - box.min_lat) / GRID_CELLS or 1e-9
    col = _cell_index((Report.lng - box.min_lng) / cell_lng).label("col")
    row_ = _cell_index((Report.lat - box.min_lat) / cell_lat).label("row")
    sub = base.with_only_columns(Report.lat, Report.lng, col, row_).subquery()
    cells = db.session.execute(
        select(sub.c.col, sub.c.row, func.count(), func.avg(sub.c.lat), func.avg(sub.c.lng))
        .group_by(sub.c.col, sub.c.row)
        .order_by(sub.c.col, sub.c.row)
    ).all()
    # Points exactly on the max edge land in cell GRID_CELLS: fold them into the last cell.
    merged: dict[tuple[int, int], list[float]] = {}
    for c, r, count, lat, lng in cells:
        key = (min(int(c), GRID_CELLS - 1), min(int(r), GRID_CELLS - 1))
        acc = merged.setdefault(key, [0, 0.0, 0.0])
        acc[0] += count
        acc[1] += float(lat) * count
        acc[2] += float(lng) * count
    features = (
        point_feature(lat_sum / count, lng_sum / count, {"cluster": True, "count": count})
        for (count, lat_sum, lng_sum) in merged.values()
    )
    return feature_collection(features, total=total, clustered=True)


def _cell_index(offset):
    """floor() of a non-negative offset as an integer on both databases: SQLite's CAST
    truncates (floor for offsets >= 0), PostgreSQL's rounds, so it gets an explicit floor."""
    if db.engine.dialect.name == "postgresql":
        return cast(func.floor(offset), Integer)
    return cast(offset, Integer)


def _extent(query) -> BBox:
    sub = query.with_only_columns(Report.lat, Report.lng).subquery()
    min_lat, max_lat, min_lng, max_lng = db.session.execute(
        select(func.min(sub.c.lat), func.max(sub.c.lat), func.min(sub.c.lng), func.max(sub.c.lng))
    ).one()
    return BBox(min_lng, min_lat, max_lng + 1e-9, max_lat + 1e-9)


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
