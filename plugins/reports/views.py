"""Resident pages: the map and list, filing a report, a report's page, my reports.

Staff pages live in views_staff.py, support/follow/comments/flags in views_engage.py,
statistics in stats.py and Open311 in open311.py. View modules never import each other:
what they share lives below them (lookups, pages, engagement, geocoding, queries).
"""

from __future__ import annotations

from flask import abort, current_app, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.kit import (
    BadBBox,
    BBox,
    ImageRejected,
    PhotoUploads,
    already_done,
    db,
    emit,
    htmx,
    in_bounds,
    limiter,
    login_required,
    map_layer_response,
    open_media,
    page_number,
    remember_result,
    remove_media_files,
    save_upload,
    saved_response,
    select_choices,
    user_key,
    visitor_page,
)

from .blueprint import bp
from .forms import MAX_PHOTOS, ReportForm
from .geocoding import geocode
from .lookups import can_see_hidden, get_report, page_context
from .models import THUMB_SIDE, Report, ReportFollow, ReportPhoto, ReportUpdate, Status
from .pages import render_report_page
from .queries import (
    apply_filters,
    categories,
    in_bbox,
    nearby_open,
    public_reports,
    read_filters,
    support_counts,
)

PER_PAGE = 20


# -- map and list ----------------------------------------------------------------------------


@bp.get("/")
@visitor_page  # the most read page of the plugin; visitors get it from the cache
def index():
    filters = read_filters(request.args)
    try:
        bbox = BBox.parse(request.args.get("bbox"))
    except BadBBox:
        bbox = None
    page = page_number()
    query = in_bbox(apply_filters(public_reports(), filters), bbox)
    query = query.order_by(Report.created_at.desc(), Report.id.desc())
    pagination = db.paginate(query, page=page, per_page=PER_PAGE, error_out=False)
    supports = support_counts([r.id for r in pagination.items])
    context = page_context(pagination=pagination, filters=filters, supports=supports, bbox=bbox)
    if htmx:
        return render_template("reports/_list.html", **context)
    return render_template("reports/index.html", **context)


@bp.get("/map.geojson")
def map_geojson():
    """The documented URL of the reports map: the core's answer for the layer (bbox, list
    filters, at most 500 points, grid clusters beyond)."""
    return map_layer_response("reports")


# -- filing a report -------------------------------------------------------------------------


@bp.get("/lokasi")
@login_required  # it relays queries to an outside geocoder: only for people filing reports
@limiter.limit("30 per minute", key_func=user_key)
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
    return user_key("reports-post")


@bp.route("/baru", methods=["GET", "POST"])
@login_required
@limiter.limit("10 per hour", key_func=_post_key, methods=["POST"], deduct_when=saved_response)
def new():
    form = ReportForm()
    form.category.choices = select_choices(
        [("", _("— Pilih kategori —"))] + [(c, c) for c in categories()]
    )
    # Photos of a refused POST are kept (pending) and come back with the form.
    photos = PhotoUploads(form.photos, "reports.new", max_count=MAX_PHOTOS, subdir="reports")
    nearby = []
    if (done := already_done(form)) is not None:
        return done  # the same report sent again (a lost answer): show the first one
    if request.method == "GET":
        _prefill(form, request.args)
    valid = form.validate_on_submit()
    if photos.receive(form) and valid:
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
                report = _create(form, location, photos)
                if report is not None:
                    emit("reports.filed", {"report_id": report.id, "source": "web"})
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


def _prefill(form: ReportForm, args) -> None:
    """A link from another plugin's page (kp_report_link: a facility) fills in what it
    knows; anything unusable in it is left out rather than refused."""
    title = (args.get("title") or "").strip()
    if title:
        form.title.data = title[:120]
    address = (args.get("address") or "").strip()
    if address:
        form.address.data = address[:300]
    try:
        lat, lng = float(args.get("lat", "")), float(args.get("lng", ""))
    except ValueError:
        return
    if in_bounds(lat, lng, current_app.config["KP_BOUNDS"]):
        form.lat.data, form.lng.data = f"{lat:.6f}", f"{lng:.6f}"


def _create(form: ReportForm, location, photos: PhotoUploads) -> Report | None:
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
    # The photos are stored already (pending); only their thumbnails are written here, so a
    # refusal or a failed commit removes those and keeps the photos for the next try.
    stored = []
    try:
        for position, media in enumerate(photos.media):
            with open_media(media) as original:
                thumb = save_upload(
                    original, kelurahan=g.kelurahan, subdir="reports", max_side=THUMB_SIDE
                )
            stored.append(thumb)
            report.photos.append(ReportPhoto(media=media, thumb=thumb, position=position))
    except ImageRejected as exc:  # the server is busy with other photos
        db.session.rollback()
        remove_media_files(stored)
        form.photos.errors = [*form.photos.errors, exc.message]
        return None
    photos.used()
    report.updates.append(
        ReportUpdate(
            actor_id=current_user.id, from_status=None, to_status=Status.BARU.value, note=""
        )
    )
    db.session.add(report)
    db.session.flush()
    db.session.add(ReportFollow(report_id=report.id, user_id=current_user.id))
    try:
        remember_result(form, url_for("reports.show", report_id=report.id))
        db.session.commit()
    except Exception:
        db.session.rollback()
        remove_media_files(stored)
        raise
    return report


# -- a report's page and my reports ----------------------------------------------------------


@bp.get("/<int:report_id>")
def show(report_id: int):
    report = get_report(report_id, allow_hidden=True)
    own = current_user.is_authenticated and report.reporter_id == current_user.id
    if report.is_hidden and not (own or can_see_hidden()):
        abort(404)  # hidden until staff review it; its reporter may still look at it
    return render_report_page(report)


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
