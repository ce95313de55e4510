"""The kelurahan admin's "Tempat & jalan": the streets, RT/RW areas and public places of the
offline gazetteer (app.gazetteer) that address search finds before any outside geocoder.

The `place` table is not a tenant model (city-wide reference places have no kelurahan), so
every query here names the kelurahan by hand; another kelurahan's entry answers 404.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from wtforms import SelectField, StringField

from .. import audit, gazetteer
from ..auth import admin_required
from ..extensions import db
from ..forms import INVALID_CHOICE, EmptyForm, choices
from ..geo import in_bounds
from ..idempotency import IdempotentForm, already_done, remember_result
from ..input_guard import parse_id
from ..models import PLACE_KINDS, Place
from ..paging import page_number

bp = Blueprint("places", __name__, url_prefix="/k/<kelurahan_slug>/admin/tempat")

PER_PAGE = 50


class PlaceForm(FlaskForm):
    kind = SelectField(
        _l("Jenis"),
        choices=choices(gazetteer.KIND_LABELS.items()),
        invalid_choice_message=INVALID_CHOICE,
    )
    name = StringField(
        _l("Nama"),
        description=_l(
            'Contoh: "Jl. Hayam Wuruk", "Gg. Kenanga", "RT 03 / RW 05", "Masjid Al-Ikhlas".'
        ),
    )
    lat = StringField(_l("Lintang (lat)"))
    lng = StringField(_l("Bujur (lng)"))

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        self.clean = None
        if not ok:
            return False
        try:
            self.clean = gazetteer.check_place(
                self.name.data, self.kind.data, self.lat.data, self.lng.data
            )
        except gazetteer.PlaceProblem as problem:
            field = getattr(self, problem.field)
            field.errors = [*field.errors, problem.message]
            return False
        return True


class NewPlaceForm(IdempotentForm, PlaceForm):
    pass


@bp.context_processor
def _template_helpers():
    return {"map_centre": map_centre}


def map_centre(form: PlaceForm) -> tuple[float, float]:
    """Where the picker opens: the typed point when it is usable (a refused form keeps
    it), else the kelurahan's centre, else the city's."""
    bounds = current_app.config["KP_BOUNDS"]
    try:
        lat = float(str(form.lat.data).replace(",", "."))
        lng = float(str(form.lng.data).replace(",", "."))
        if in_bounds(lat, lng, bounds):
            return lat, lng
    except (TypeError, ValueError):
        pass
    if g.kelurahan.lat is not None and g.kelurahan.lng is not None:
        return g.kelurahan.lat, g.kelurahan.lng
    return (bounds["south"] + bounds["north"]) / 2, (bounds["west"] + bounds["east"]) / 2


def _own_place(place_id) -> Place:
    """An entry of the current kelurahan, or 404 (city-wide and other kelurahan's too)."""
    place_id = parse_id(place_id)
    row = None
    if place_id is not None:
        row = db.session.execute(
            select(Place).where(Place.id == place_id, Place.kelurahan_id == g.kelurahan.id)
        ).scalar_one_or_none()
    if row is None:
        abort(404)
    return row


def _refuse_duplicate(form: PlaceForm, except_id: int | None = None) -> bool:
    twin = gazetteer.duplicate_of(g.kelurahan.id, form.clean, except_id=except_id)
    if twin is None:
        return False
    form.name.errors = [
        *form.name.errors,
        _("Sudah ada di daftar: %(name)s.", name=twin.name),
    ]
    return True


def _listing(form: PlaceForm, status: int = 200):
    q = (request.args.get("q") or "").strip()[:200]
    kind = request.args.get("jenis") or ""
    query = select(Place).where(Place.kelurahan_id == g.kelurahan.id)
    key = gazetteer.query_key(q) if q else ""
    if key:
        query = query.where((" " + Place.search_key).like(f"% {key}%"))
    if kind in PLACE_KINDS:
        query = query.where(Place.kind == kind)
    else:
        kind = ""
    query = query.order_by(Place.kind, Place.name, Place.id)
    pagination = db.paginate(query, page=page_number(), per_page=PER_PAGE, error_out=False)
    city_wide = db.session.scalar(
        select(func.count()).select_from(Place).where(Place.kelurahan_id.is_(None))
    )
    return (
        render_template(
            "admin/places.html",
            form=form,
            pagination=pagination,
            q=q,
            kind=kind,
            kinds=gazetteer.KIND_LABELS,
            sources=gazetteer.SOURCE_LABELS,
            city_wide=city_wide,
            delete_form=EmptyForm(),
        ),
        status,
    )


@bp.route("/", methods=["GET", "POST"])
@admin_required
def index():
    form = NewPlaceForm()
    if (done := already_done(form)) is not None:
        return done
    if not form.validate_on_submit():
        return _listing(form, 422 if request.method == "POST" else 200)
    if _refuse_duplicate(form):
        return _listing(form, 422)
    clean = form.clean
    place = Place(
        kelurahan_id=g.kelurahan.id,
        kind=clean.kind,
        name=clean.name,
        search_key=clean.search_key,
        lat=clean.lat,
        lng=clean.lng,
        source="staff",
        created_by_id=current_user.id,
    )
    db.session.add(place)
    try:
        db.session.flush()
    except IntegrityError:  # the same entry saved a moment ago by someone else
        db.session.rollback()
        _refuse_duplicate(form)
        return _listing(form, 422)
    audit.record(
        "place.created",
        "place",
        place.id,
        kelurahan=g.kelurahan,
        after=gazetteer.snapshot(place),
    )
    remember_result(form, url_for("places.index"))
    db.session.commit()
    flash(_("%(name)s ditambahkan.", name=place.name), "success")
    return redirect(url_for("places.index"))


@bp.route("/<int:place_id>/ubah", methods=["GET", "POST"])
@admin_required
def edit(place_id: int):
    place = _own_place(place_id)
    form = PlaceForm(obj=place)
    if request.method == "GET":
        form.lat.data = "" if place.lat is None else f"{place.lat:.6f}"
        form.lng.data = "" if place.lng is None else f"{place.lng:.6f}"
    if form.validate_on_submit() and not _refuse_duplicate(form, except_id=place.id):
        before = gazetteer.snapshot(place)
        clean = form.clean
        place.kind, place.name, place.search_key = clean.kind, clean.name, clean.search_key
        place.lat, place.lng = clean.lat, clean.lng
        try:
            db.session.flush()
        except IntegrityError:
            db.session.rollback()
            place = _own_place(place_id)
            _refuse_duplicate(form, except_id=place.id)
            return render_template("admin/place_edit.html", form=form, place=place), 422
        audit.record(
            "place.updated",
            "place",
            place.id,
            kelurahan=g.kelurahan,
            before=before,
            after=gazetteer.snapshot(place),
        )
        db.session.commit()
        flash(_("%(name)s disimpan.", name=place.name), "success")
        return redirect(url_for("places.index"))
    status = 422 if request.method == "POST" else 200
    return render_template("admin/place_edit.html", form=form, place=place), status


@bp.post("/<int:place_id>/hapus")
@admin_required
def delete(place_id: int):
    place = _own_place(place_id)
    EmptyForm().validate_on_submit() or abort(400)
    audit.record(
        "place.deleted",
        "place",
        place.id,
        kelurahan=g.kelurahan,
        before=gazetteer.snapshot(place),
    )
    name = place.name
    db.session.delete(place)
    db.session.commit()
    flash(_("%(name)s dihapus dari daftar.", name=name), "success")
    return redirect(url_for("places.index"))
