"""Resident pages: the map and list, filing a report, a report's page, my reports.

Staff pages live in views_staff.py, support/follow/comments/flags in views_engage.py,
statistics in stats.py and Open311 in open311.py; importing this module registers them all.
"""

from __future__ import annotations

import json
import logging
from urllib.parse import urlencode
from urllib.request import Request, urlopen

from flask import abort, current_app, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app import tenancy
from app.auth import is_staff, login_required
from app.extensions import db, htmx, limiter
from app.geo import BadBBox, BBox, in_bounds
from app.imaging import media_path
from app.media import ImageRejected, save_upload
from app.paging import page_number
from app.seed import load_reference

from .blueprint import bp
from .forms import ReportForm
from .labels import ANONYMOUS, PERIOD_LABELS, STATUS_LABELS
from .models import Report, ReportFollow, ReportPhoto, ReportUpdate, Status
from .queries import (
    apply_filters,
    categories,
    map_features,
    nearby_open,
    public_reports,
    read_filters,
    settings,
    support_counts,
)

log = logging.getLogger(__name__)
PER_PAGE = 20


def _user_key() -> str:
    return f"user:{current_user.id}" if current_user.is_authenticated else "anon"


def get_report(report_id: int, *, allow_hidden: bool = False) -> Report:
    """A report of the current kelurahan, or 404. Hidden ones only for staff (or on request)."""
    report = tenancy.get_or_404(Report, report_id)
    if report.is_hidden and not (allow_hidden or is_staff()):
        abort(404)
    return report


def page_context(**extra):
    return {
        "status_labels": STATUS_LABELS,
        "period_labels": PERIOD_LABELS,
        "anonymous_label": ANONYMOUS,
        "categories": categories(),
        **extra,
    }


# -- map and list ----------------------------------------------------------------------------


@bp.get("/")
def index():
    filters = read_filters(request.args)
    try:
        bbox = BBox.parse(request.args.get("bbox"))
    except BadBBox:
        bbox = None
    page = page_number()
    query = apply_filters(public_reports(), filters)
    if bbox is not None:
        from .queries import in_bbox

        query = in_bbox(query, bbox)
    query = query.order_by(Report.created_at.desc(), Report.id.desc())
    pagination = db.paginate(query, page=page, per_page=PER_PAGE, error_out=False)
    supports = support_counts([r.id for r in pagination.items])
    context = page_context(pagination=pagination, filters=filters, supports=supports, bbox=bbox)
    if htmx:
        return render_template("reports/_list.html", **context)
    return render_template("reports/index.html", **context)


@bp.get("/map.geojson")
def map_geojson():
    try:
        bbox = BBox.parse(request.args.get("bbox"))
    except BadBBox as exc:
        return jsonify(error={"code": 400, "message": str(exc)}), 400
    data = map_features(read_filters(request.args), bbox)
    response = current_app.response_class(json.dumps(data), mimetype="application/geo+json")
    return response


# -- filing a report -------------------------------------------------------------------------


def landmark_matches(query: str, limit: int = 5) -> list[dict]:
    """The city's landmarks and the kelurahan office, searchable without the network."""
    needle = query.lower()
    places = [
        {"name": p["name"], "lat": p["at"][0], "lng": p["at"][1]}
        for p in load_reference().get("places", [])
    ]
    kelurahan = g.kelurahan
    if kelurahan.lat is not None:
        places.insert(
            0,
            {
                "name": _("Kantor Kelurahan %(name)s", name=kelurahan.name),
                "lat": kelurahan.lat,
                "lng": kelurahan.lng,
            },
        )
    return [p for p in places if needle in p["name"].lower()][:limit]


def geocode(query: str, limit: int = 5) -> list[dict]:
    """Landmarks first, then the configured Nominatim-compatible geocoder, inside the city."""
    results = landmark_matches(query, limit)
    url = settings()["geocoder_url"]
    if url and len(results) < limit:
        bounds = current_app.config["KP_BOUNDS"]
        params = urlencode(
            {
                "q": query,
                "format": "jsonv2",
                "limit": limit,
                "bounded": 1,
                "viewbox": f"{bounds['west']},{bounds['north']},{bounds['east']},{bounds['south']}",
            }
        )
        try:
            req = Request(f"{url}?{params}", headers={"User-Agent": "KelurahanPintar/1.0"})  # noqa: S310
            with urlopen(req, timeout=4) as response:  # noqa: S310 - an admin-set https URL
                for item in json.load(response):
                    lat, lng = float(item["lat"]), float(item["lon"])
                    if in_bounds(lat, lng, bounds):
                        results.append(
                            {"name": item.get("display_name", query), "lat": lat, "lng": lng}
                        )
        except Exception:  # the geocoder is a convenience: without it, tap the map
            log.warning("geocoder %s failed for %r", url, query, exc_info=True)
    return results[:limit]


@bp.get("/lokasi")
@login_required  # it relays queries to an outside geocoder: only for people filing reports
@limiter.limit("30 per minute", key_func=_user_key)
def locate():
    query = (request.args.get("q") or "").strip()[:200]
    return jsonify(results=geocode(query) if len(query) >= 3 else [])


@bp.get("/dekat")
def nearby():
    """htmx: open reports of the chosen category near the chosen point, while typing."""
    category = request.args.get("category") or ""
    try:
        lat, lng = float(request.args["lat"]), float(request.args["lng"])
    except (KeyError, ValueError):
        return ""
    if category not in categories() or not in_bounds(lat, lng, current_app.config["KP_BOUNDS"]):
        return ""  # also keeps inf/nan away from the distance arithmetic
    return render_template(
        "reports/_nearby.html", nearby=nearby_open(category, lat, lng), **page_context()
    )


def _post_key() -> str:
    return f"reports-post:{_user_key()}"


def _filed(response) -> bool:
    """Only reports actually filed count towards the limit, not forms sent back to fix."""
    return current_user.is_authenticated and response.status_code in (302, 303)


@bp.route("/baru", methods=["GET", "POST"])
@login_required
@limiter.limit("10 per hour", key_func=_post_key, methods=["POST"], deduct_when=_filed)
def new():
    form = ReportForm()
    form.category.choices = [("", _("— Pilih kategori —"))] + [(c, c) for c in categories()]
    nearby = []
    if form.validate_on_submit():
        location = form.location
        if location is None and (form.address.data or "").strip():
            found = geocode(form.address.data.strip(), limit=1)
            if found:
                location = (found[0]["lat"], found[0]["lng"])
        if location is None:
            form.lat.errors = [
                _("Lokasi belum dipilih. Ketuk peta, pakai lokasi Anda, atau ketik alamat/patokan.")
            ]
        else:
            nearby = [] if form.confirm_new.data else nearby_open(form.category.data, *location)
            if not nearby:
                report = _create(form, location)
                if report is not None:
                    flash(
                        _(
                            "Laporan terkirim. Terima kasih! Anda akan diberi tahu setiap "
                            "ada perubahan status."
                        ),
                        "success",
                    )
                    return redirect(url_for("reports.show", report_id=report.id))
            else:
                form.lat.data, form.lng.data = str(location[0]), str(location[1])
    status = 422 if request.method == "POST" else 200
    return render_template("reports/new.html", form=form, nearby=nearby, **page_context()), status


def _create(form: ReportForm, location) -> Report | None:
    """Save the report with its photos, or put the photo error on the form; all or nothing."""
    report = Report(
        category=form.category.data,
        title=form.title.data.strip(),
        description=form.description.data.strip(),
        lat=location[0],
        lng=location[1],
        address=(form.address.data or "").strip() or None,
        hide_name=bool(form.hide_name.data),
        reporter_id=current_user.id,
        source="web",
        status=Status.BARU.value,
    )
    try:
        for position, upload in enumerate(form.photo_files()):
            media = save_upload(upload, kelurahan=g.kelurahan, subdir="reports")
            report.photos.append(ReportPhoto(media=media, position=position))
    except ImageRejected as exc:
        db.session.rollback()
        _remove_files(report)  # photos stored before the rejected one
        form.photos.errors = [*form.photos.errors, exc.message]
        return None
    report.updates.append(
        ReportUpdate(
            actor_id=current_user.id, from_status=None, to_status=Status.BARU.value, note=""
        )
    )
    db.session.add(report)
    db.session.flush()
    db.session.add(ReportFollow(report_id=report.id, user_id=current_user.id))
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        _remove_files(report)
        raise
    return report


def _remove_files(report: Report) -> None:
    """Delete the stored photo files of a report that was not saved."""
    root = current_app.config["KP_MEDIA_ROOT"]
    for photo in report.photos:
        try:
            media_path(root, photo.media.relpath).unlink()
        except Exception:  # cleanup must not hide the error that brought us here
            log.warning("could not remove a photo of an unsaved report", exc_info=True)


# -- a report's page and my reports ----------------------------------------------------------


@bp.get("/<int:report_id>")
def show(report_id: int):
    report = get_report(report_id, allow_hidden=True)
    own = current_user.is_authenticated and report.reporter_id == current_user.id
    if report.is_hidden and not (own or is_staff()):
        abort(404)  # hidden until staff review it; its reporter may still look at it
    db.session.execute(
        select(Report)
        .where(Report.id == report.id)
        .options(
            selectinload(Report.photos).selectinload(ReportPhoto.media),
            selectinload(Report.updates).selectinload(ReportUpdate.actor),
            selectinload(Report.reporter),
        )
    ).scalar_one()
    from .views_engage import engagement_context

    return render_template(
        "reports/show.html", report=report, **page_context(**engagement_context(report))
    )


@bp.get("/saya")
@login_required
def mine():
    page = page_number()
    query = (
        select(Report)
        .where(Report.reporter_id == current_user.id)
        .order_by(Report.created_at.desc(), Report.id.desc())
    )
    pagination = db.paginate(query, page=page, per_page=PER_PAGE, error_out=False)
    supports = support_counts([r.id for r in pagination.items])
    return render_template(
        "reports/mine.html", pagination=pagination, supports=supports, **page_context()
    )


from . import open311, stats, views_engage, views_staff  # noqa: E402,F401 - register routes
