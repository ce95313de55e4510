"""The reports plugin's part of /api/v1: /api/v1/kelurahan/<slug>/reports/.

* GET  /                 public reports, newest first (status, category filters)
* GET  /<id>             one public report with its public history
* GET  /categories       the kelurahan's categories
* POST /                 file a report (API key with `reports.write`)

Answers carry what the public report page shows, without the reporter's name: a hidden
(moderated) report is a 404 here as there. Open311 at /open311/v2/ serves the same reports.
"""

from __future__ import annotations

import math
import secrets

import marshmallow as ma
from flask import current_app, g
from sqlalchemy.orm import selectinload

from app.kit import (
    API_KEY,
    ApiBlueprint,
    ApiPhotoSchema,
    PageArgs,
    api_abort,
    api_photos,
    current_key,
    cursor_page,
    db,
    emit,
    in_bounds,
    limiter,
    list_page,
    page_schema,
    public_url,
    require_api_key,
    scoped_to,
)

from .labels import STATUS_LABELS
from .models import WRITE_SCOPE, Report, ReportUpdate, Status
from .open311 import title_from
from .queries import categories, public_reports

api_bp = ApiBlueprint("reports-api", __name__, description="Laporan warga / community reports.")

MAX_TITLE = 120
MAX_DESCRIPTION = 4000
MAX_ADDRESS = 300
MAX_NAME = 120


class HistorySchema(ma.Schema):
    status = ma.fields.String(required=True)
    note = ma.fields.String()
    at = ma.fields.DateTime(required=True)


class ReportSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    description = ma.fields.String(required=True)
    category = ma.fields.String(required=True)
    status = ma.fields.String(required=True, metadata={"enum": [s.value for s in Status]})
    status_label = ma.fields.String(required=True)
    closed = ma.fields.Boolean(required=True)
    lat = ma.fields.Float(required=True)
    lng = ma.fields.Float(required=True)
    address = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime(required=True)
    updated_at = ma.fields.DateTime(required=True)
    url = ma.fields.String(required=True, metadata={"description": "The public page."})
    photos = ma.fields.List(ma.fields.Nested(ApiPhotoSchema), required=True)


class ReportDetailSchema(ReportSchema):
    history = ma.fields.List(ma.fields.Nested(HistorySchema), required=True)


class ReportListArgs(PageArgs):
    status = ma.fields.String(validate=ma.validate.OneOf([s.value for s in Status]))
    category = ma.fields.String(validate=ma.validate.Length(max=120))


class CategorySchema(ma.Schema):
    name = ma.fields.String(required=True)


class NewReportSchema(ma.Schema):
    category = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=1, max=120),
        metadata={"description": "One of GET categories."},
    )
    title = ma.fields.String(validate=ma.validate.Length(max=MAX_TITLE))
    description = ma.fields.String(
        required=True, validate=ma.validate.Length(min=10, max=MAX_DESCRIPTION)
    )
    lat = ma.fields.Float(required=True, allow_nan=False)
    lng = ma.fields.Float(required=True, allow_nan=False)
    address = ma.fields.String(validate=ma.validate.Length(max=MAX_ADDRESS))
    reporter_name = ma.fields.String(
        validate=ma.validate.Length(max=MAX_NAME),
        metadata={"description": "Kept for staff; never published."},
    )

    class Meta:
        unknown = ma.RAISE


class FiledSchema(ReportSchema):
    token = ma.fields.String(
        required=True, metadata={"description": "Also readable at Open311 tokens/{token}."}
    )


def report_row(report: Report) -> dict:
    return {
        "id": report.id,
        "title": report.title,
        "description": report.description,
        "category": report.category,
        "status": report.status,
        "status_label": str(STATUS_LABELS.get(report.status, report.status)),
        "closed": Status(report.status).is_closed,
        "lat": report.lat,
        "lng": report.lng,
        "address": report.address,
        "created_at": report.created_at,
        "updated_at": report.updated_at,
        "url": public_url("reports.show", report_id=report.id),
        "photos": api_photos(report.photos),
    }


@api_bp.route("/")
@api_bp.arguments(ReportListArgs, location="query")
@api_bp.response(200, page_schema(ReportSchema))
def report_list(args):
    """Public reports of the kelurahan, newest first."""
    query = public_reports().options(selectinload(Report.photos))
    if args.get("status"):
        query = query.where(Report.status == args["status"])
    if args.get("category"):
        query = query.where(Report.category == args["category"])
    rows, next_cursor = cursor_page(query, Report.id, args)
    return list_page([report_row(r) for r in rows], next_cursor)


@api_bp.route("/<int:report_id>")
@api_bp.response(200, ReportDetailSchema)
def report_detail(report_id: int):
    """One public report with its public status history."""
    report = db.session.execute(
        public_reports()
        .where(Report.id == report_id)
        .options(selectinload(Report.photos), selectinload(Report.updates))
    ).scalar_one_or_none()
    if report is None:
        api_abort(404, "Laporan tidak ditemukan di kelurahan ini.")
    return {
        **report_row(report),
        "history": [
            {"status": u.to_status, "note": u.note or "", "at": u.created_at}
            for u in report.updates
        ],
    }


@api_bp.route("/categories")
@api_bp.response(200, CategorySchema(many=True))
def category_list():
    """The categories a report may take here."""
    return [{"name": name} for name in categories(g.kelurahan)]


def _write_limit() -> str:
    return current_app.config["KP_API_WRITE_LIMIT"]


def _key_bucket() -> str:
    key = current_key()
    return f"api-write:key:{key.id}" if key is not None else "api-write:nokey"


@api_bp.route("/", methods=["POST"])
@require_api_key(WRITE_SCOPE)
@limiter.limit(_write_limit, key_func=_key_bucket, override_defaults=False)
@api_bp.arguments(NewReportSchema)
@api_bp.response(201, FiledSchema)
@api_bp.doc(security=API_KEY)
def file_report(data):
    """File a report for the kelurahan (API key with `reports.write`)."""
    kelurahan = g.kelurahan
    category = data["category"].strip()
    if category not in categories(kelurahan):
        api_abort(422, "Kategori tidak dikenal di kelurahan ini.", errors={"category": ["?"]})
    lat, lng = data["lat"], data["lng"]
    if not (math.isfinite(lat) and math.isfinite(lng)) or not in_bounds(
        lat, lng, current_app.config["KP_BOUNDS"]
    ):
        api_abort(
            422,
            "Lokasi berada di luar Kota Pekalongan.",
            errors={"lat": ["Di luar Kota Pekalongan."], "lng": ["Di luar Kota Pekalongan."]},
        )
    description = data["description"].strip()
    title = (data.get("title") or "").strip() or title_from(description, category)
    key = current_key()
    with scoped_to(kelurahan.id):
        report = Report(
            kelurahan_id=kelurahan.id,
            category=category,
            title=title[:MAX_TITLE],
            description=description,
            lat=lat,
            lng=lng,
            address=(data.get("address") or "").strip() or None,
            status=Status.BARU.value,
            reporter_name=(data.get("reporter_name") or "").strip() or None,
            hide_name=True,
            source="api",
            api_key_id=key.id,
            token=secrets.token_hex(16),
        )
        report.updates.append(
            ReportUpdate(
                kelurahan_id=kelurahan.id, from_status=None, to_status=Status.BARU.value, note=""
            )
        )
        db.session.add(report)
        db.session.commit()
        body = {**report_row(report), "token": report.token}
    emit("reports.filed", {"report_id": report.id, "source": "api"})
    return body, 201, {"Location": public_url("reports-api.report_detail", report_id=report.id)}
