"""Staff pages: the facility register (add, edit with photos, condition and check date,
retire), the booking queue, and residents' damage notes when no reports plugin is on.

A facility's photos are public while it is in use; retiring it hides them (kit
`set_media_public`), and only those who manage facilities still see them."""

from __future__ import annotations

from dateutil.relativedelta import relativedelta
from flask import abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from app.kit import (
    EmptyForm,
    Media,
    PhotoUploads,
    already_done,
    audit,
    db,
    emit,
    form_status,
    get_or_404,
    limiter,
    permission_required,
    remember_result,
    remove_media_files,
    saved_response,
    select_choices,
    set_media_public,
    user_key,
    utcnow,
)

from .access import BOOKINGS, MANAGE, rw_choices, settings
from .blueprint import bp
from .forms import MAX_PHOTOS, FacilityForm
from .models import Booking, BookingSlot, BookingStatus, DamageNote, Facility, FacilityPhoto
from .places import read_point, today_wib
from .queries import facilities

THUMB_SIDE = 480
AUDITED = (
    "name",
    "kind",
    "rw",
    "capacity",
    "condition",
    "checked_on",
    "bookable",
    "max_hours",
    "fee_rupiah",
    "active",
)


def _snapshot(place: Facility) -> dict:
    return {
        key: (str(getattr(place, key)) if key == "checked_on" else getattr(place, key))
        for key in AUDITED
    }


@bp.get("/kelola")
@permission_required(MANAGE)
def manage():
    months = int(settings()["check_months"])
    notes = list(
        db.session.execute(
            select(DamageNote)
            .options(selectinload(DamageNote.facility), selectinload(DamageNote.author))
            .where(DamageNote.handled_at.is_(None))
            .order_by(DamageNote.created_at)
            .limit(100)
        ).scalars()
    )
    return render_template(
        "facilities/manage.html",
        facilities=facilities(with_inactive=True),
        notes=notes,
        stale_before=today_wib() - relativedelta(months=months),
        months=months,
        action_form=EmptyForm(),
    )


def _form(place: Facility | None) -> FacilityForm:
    form = FacilityForm(obj=place)
    form.rw.choices = select_choices(
        [("", _("Seluruh kelurahan"))] + [(rw, f"RW {rw}") for rw in rw_choices()]
    )
    form.existing_photos = len(place.photos) if place is not None else 0
    if place is not None and not form.is_submitted():
        form.rw.data = place.rw or ""
        form.fee.data = str(place.fee_rupiah) if place.fee_rupiah else ""
        form.manager_phone.data = place.manager_phone or ""
        form.lat.data, form.lng.data = str(place.lat), str(place.lng)
    return form


def _uploads(form: FacilityForm, key: str) -> PhotoUploads:
    return PhotoUploads(
        form.photos,
        key,
        max_count=MAX_PHOTOS - form.existing_photos,
        subdir="facilities",
        too_many=form.too_many_photos,
    )


def _fill(place: Facility, form: FacilityForm, point) -> None:
    place.name = form.name.data
    place.kind = form.kind.data
    place.description = form.description.data or ""
    place.address = form.address.data or ""
    place.rw = form.rw.data or None
    place.lat, place.lng = point
    place.capacity = form.capacity.data
    place.manager_name = form.manager_name.data or ""
    place.manager_phone = form.manager_phone.normalized
    place.condition = form.condition.data
    place.checked_on = form.checked_on.data
    place.condition_note = form.condition_note.data or ""
    place.bookable = bool(form.bookable.data)
    place.max_hours = form.max_hours.data
    place.fee_rupiah = form.fee.amount or 0
    place.fee_note = form.fee_note.data or ""
    place.active = bool(form.active.data)


def _attach(place: Facility, photos: PhotoUploads, stored: list[Media]) -> bool:
    def add(full: Media, thumb: Media, position: int) -> None:
        place.photos.append(FacilityPhoto(media=full, thumb=thumb, position=position))

    return photos.attach(add, start=len(place.photos), thumb_side=THUMB_SIDE, stored=stored)


def _show_photos(place: Facility) -> None:
    media = [m for p in place.photos for m in (p.media, p.thumb)]
    set_media_public(media, place.active)


def _commit_or_clean(stored: list[Media]) -> None:
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        remove_media_files(stored)
        raise


@bp.route("/kelola/baru", methods=["GET", "POST"])
@permission_required(MANAGE)
@limiter.limit("60 per hour", key_func=user_key, methods=["POST"], deduct_when=saved_response)
def new_facility():
    form = _form(None)
    photos = _uploads(form, "facilities.new")
    if (done := already_done(form)) is not None:
        return done
    if not form.is_submitted():
        form.lat.data = str(g.kelurahan.lat or "")
        form.lng.data = str(g.kelurahan.lng or "")
    valid = form.validate_on_submit()
    point = read_point(form) if form.is_submitted() else None
    if photos.receive(form) and valid and point is not None:
        place = Facility()
        _fill(place, form, point)
        stored: list[Media] = []
        if _attach(place, photos, stored):
            db.session.add(place)
            db.session.flush()
            _show_photos(place)
            audit(
                "facilities.facility_added", "facilities_facility", place.id, after=_snapshot(place)
            )
            remember_result(form, url_for("facilities.facility", facility_id=place.id))
            _commit_or_clean(stored)
            emit("facilities.facility_changed", {"facility_id": place.id})
            flash(_("Fasilitas %(name)s disimpan.", name=place.name), "success")
            return redirect(url_for("facilities.facility", facility_id=place.id))
        db.session.rollback()
        remove_media_files(stored)
    return render_template(
        "facilities/facility_form.html", form=form, place=None, max_photos=MAX_PHOTOS
    ), form_status()


@bp.route("/kelola/<int:facility_id>", methods=["GET", "POST"])
@permission_required(MANAGE)
@limiter.limit("120 per hour", key_func=user_key, methods=["POST"], deduct_when=saved_response)
def edit_facility(facility_id: int):
    place = get_or_404(Facility, facility_id)
    form = _form(place)
    photos = _uploads(form, f"facilities.{place.id}")
    valid = form.validate_on_submit()
    point = read_point(form) if form.is_submitted() else None
    if photos.receive(form) and valid and point is not None:
        before = _snapshot(place)
        _fill(place, form, point)
        stored: list[Media] = []
        if _attach(place, photos, stored):
            _show_photos(place)
            audit(
                "facilities.facility_changed",
                "facilities_facility",
                place.id,
                before=before,
                after=_snapshot(place),
            )
            _commit_or_clean(stored)
            emit("facilities.facility_changed", {"facility_id": place.id})
            flash(_("Fasilitas disimpan."), "success")
            return redirect(url_for("facilities.facility", facility_id=place.id))
        db.session.rollback()
        remove_media_files(stored)
        place = get_or_404(Facility, facility_id)
    return render_template(
        "facilities/facility_form.html",
        form=form,
        place=place,
        max_photos=MAX_PHOTOS,
        action_form=EmptyForm(),
    ), form_status()


@bp.post("/kelola/<int:facility_id>/foto/<int:photo_id>/hapus")
@permission_required(MANAGE)
def delete_photo(facility_id: int, photo_id: int):
    place = get_or_404(Facility, facility_id)
    photo = next((p for p in place.photos if p.id == photo_id), None)
    if photo is None:
        abort(404)
    EmptyForm().validate_on_submit() or abort(400)
    images = [m for m in (photo.media, photo.thumb) if m is not None]
    place.photos.remove(photo)
    for position, rest in enumerate(place.photos):
        rest.position = position
    db.session.flush()  # the photo row first: it references both images
    for media in images:
        db.session.delete(media)
    audit("facilities.photo_deleted", "facilities_facility", place.id)
    db.session.commit()
    remove_media_files(images)
    emit("facilities.facility_changed", {"facility_id": place.id})
    flash(_("Foto dihapus."), "success")
    return redirect(url_for("facilities.edit_facility", facility_id=place.id))


@bp.post("/kelola/kerusakan/<int:note_id>/selesai")
@permission_required(MANAGE)
def damage_handled(note_id: int):
    note = get_or_404(DamageNote, note_id)
    EmptyForm().validate_on_submit() or abort(400)
    changed = db.session.execute(
        update(DamageNote)
        .where(DamageNote.id == note.id, DamageNote.handled_at.is_(None))
        .values(handled_at=utcnow(), handled_by_id=current_user.id)
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount == 1:
        audit("facilities.damage_handled", "facilities_facility", note.facility_id)
    db.session.commit()
    emit("facilities.damage_handled", {"facility_id": note.facility_id})
    flash(_("Laporan kerusakan ditandai sudah ditangani."), "success")
    return redirect(url_for("facilities.manage"))


@bp.get("/kelola/pemesanan")
@permission_required(BOOKINGS)
def booking_queue():
    """Requests waiting for a decision (oldest first), then approved ones still to come."""
    now = utcnow()
    options = (
        selectinload(Booking.facility),
        selectinload(Booking.slots),
        selectinload(Booking.requester),
        selectinload(Booking.group),
    )
    waiting = list(
        db.session.execute(
            select(Booking)
            .options(*options)
            .where(Booking.status == BookingStatus.PENDING)
            .order_by(Booking.created_at)
            .limit(200)
        ).scalars()
    )
    coming = select(BookingSlot.booking_id).where(
        BookingSlot.active.is_(True), BookingSlot.ends_at > now
    )
    approved = list(
        db.session.execute(
            select(Booking)
            .options(*options)
            .where(Booking.status == BookingStatus.APPROVED, Booking.id.in_(coming))
            .order_by(Booking.id.desc())
            .limit(100)
        ).scalars()
    )
    return render_template("facilities/queue.html", waiting=waiting, approved=approved, now=now)
