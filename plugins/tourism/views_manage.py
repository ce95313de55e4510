"""Writers' pages: the list of what my Pokdarwis group (or, for staff, the kelurahan) has
written, and adding and editing destinations (with up to 8 photos) and events (with a
poster). A new item, and a returned one once fixed, waits for staff review; anyone but its
group's active members and staff gets a 404.

Every form saves all or nothing: a refused POST keeps what was typed and the photos chosen
(kit.PhotoUploads), and stores no row."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.kit import (
    WIB,
    EmptyForm,
    IdempotentForm,
    InvalidPhone,
    Media,
    PhotoUploads,
    _l,
    already_done,
    audit,
    db,
    emit,
    form_status,
    format_phone,
    limiter,
    login_required,
    notify_holders,
    recurrence,
    remember_result,
    remove_media_files,
    saved_response,
    user_key,
)

from .access import (
    REVIEW,
    can_review,
    destination_or_404,
    event_or_404,
    may_write,
    my_groups,
)
from .blueprint import bp
from .forms import MAX_PHOTOS, DestinationForm, EventForm
from .models import Destination, DestinationPhoto, Status, TourEvent

THUMB_SIDE = 480
POSTER_SIDE = 1600


def _changed(what: str, **payload) -> None:
    """After a commit: the guide, map layers and widgets show it at once."""
    emit(f"tourism.{what}", payload)


def _commit_or_clean(stored: list[Media], form=None, result_url: str = "") -> None:
    try:
        if form is not None:
            remember_result(form, result_url)
        db.session.commit()
    except Exception:
        db.session.rollback()
        remove_media_files(stored)
        raise


def _ask_review(kind, name: str) -> None:
    notify_holders(
        REVIEW,
        _l("%(kind)s “%(name)s” menunggu tinjauan.", kind=kind, name=name),
        url=url_for("tourism.review"),
    )


def _resubmitted(item) -> bool:
    """A returned item that its writers saved goes back to the queue; a published one
    edited by its group stays published (staff see the change in the audit log)."""
    if item.status == Status.RETURNED.value and not can_review():
        item.status, item.status_note = Status.PENDING.value, None
        return True
    return False


def _national(e164: str | None) -> str:
    if not e164:
        return ""
    try:
        return format_phone(e164)
    except InvalidPhone:
        return e164


def _writable_destinations():
    """The places an event may be held at: published destinations, and the writer's own
    group's (or, for staff, any) not yet published. An event at a place that is not
    published waits for it: it shows once both are published (TourEvent.is_public)."""
    mine = Destination.status == Status.PUBLISHED.value
    if can_review():
        mine = Destination.status != Status.HIDDEN.value
    else:
        groups = [group.id for group in my_groups()]
        mine = mine | (
            Destination.group_id.in_(groups) & (Destination.status != Status.HIDDEN.value)
        )
    return list(
        db.session.execute(select(Destination).where(mine).order_by(Destination.name)).scalars()
    )


# -- my items ----------------------------------------------------------------------------------


@bp.get("/kelola")
@login_required
def manage():
    groups = my_groups()
    staff = can_review()
    if not groups and not staff:
        abort(404)
    group_ids = [group.id for group in groups]
    mine = (lambda model: model.group_id.in_(group_ids)) if not staff else (lambda model: True)
    destinations = list(
        db.session.execute(
            select(Destination)
            .where(mine(Destination))
            .options(selectinload(Destination.group))
            .order_by(Destination.updated_at.desc(), Destination.id.desc())
        ).scalars()
    )
    events = list(
        db.session.execute(
            select(TourEvent)
            .where(mine(TourEvent))
            .options(selectinload(TourEvent.group), selectinload(TourEvent.destination))
            .order_by(TourEvent.starts_at.desc(), TourEvent.id.desc())
            .limit(200)
        ).scalars()
    )
    return render_template(
        "tourism/manage.html",
        destinations=destinations,
        events=events,
        groups=groups,
        staff=staff,
    )


# -- destinations ------------------------------------------------------------------------------


class NewDestinationForm(IdempotentForm, DestinationForm):
    """Adding a destination: the same form sent twice adds it once."""


def _destination_form(place: Destination | None) -> DestinationForm:
    options = {"existing_photos": len(place.photos) if place else 0}
    if request.method == "GET" and place is not None:
        data = {
            "name": place.name,
            "category": place.category,
            "description": place.description,
            "description_en": place.description_en,
            "address": place.address,
            "lat": str(place.lat),
            "lng": str(place.lng),
            "closed_on_holidays": place.closed_on_holidays,
            "ticket_price": str(place.ticket_price),
            "ticket_note": place.ticket_note,
            "has_parking": place.has_parking,
            "has_toilet": place.has_toilet,
            "has_prayer_room": place.has_prayer_room,
            "wheelchair_access": place.wheelchair_access,
            "phone": _national(place.phone),
            "phone_has_whatsapp": place.phone_has_whatsapp,
        }
        for day, hours in enumerate(place.hours or [None] * 7):
            data[f"opens_{day}"], data[f"closes_{day}"] = hours or ("", "")
        options["data"] = data
    form = (DestinationForm if place else NewDestinationForm)(**options)
    if place is None:
        form.setup_groups(my_groups(), allow_none=can_review())
    else:
        del form.group  # an item stays with the group that wrote it
    return form


def _fill_destination(place: Destination, form: DestinationForm) -> None:
    place.name = form.name.data
    place.category = form.category.data
    place.description = form.description.data
    place.description_en = form.description_en.data or ""
    place.address = form.address.data or ""
    place.lat, place.lng = form.location
    place.hours = form.hours
    place.closed_on_holidays = form.closed_on_holidays.data
    place.ticket_price = form.ticket_price.amount
    place.ticket_note = form.ticket_note.data or ""
    for key in ("has_parking", "has_toilet", "has_prayer_room", "wheelchair_access"):
        setattr(place, key, bool(form[key].data))
    place.phone = form.phone.normalized
    place.phone_has_whatsapp = bool(form.phone_has_whatsapp.data and form.phone.normalized)


def _photo_uploads(form: DestinationForm, form_key: str) -> PhotoUploads:
    return PhotoUploads(
        form.photos,
        form_key,
        max_count=MAX_PHOTOS - form.existing_photos,
        subdir="tourism",
        too_many=form.too_many_photos,
    )


def _add_photos(place: Destination, photos: PhotoUploads, stored: list[Media]) -> bool:
    """Attach the chosen photos after the existing ones, each with a thumbnail; False (with
    the field error) when one is refused."""

    def add(full: Media, thumb: Media, position: int) -> None:
        place.photos.append(DestinationPhoto(media=full, thumb=thumb, position=position))

    return photos.attach(add, start=len(place.photos), thumb_side=THUMB_SIDE, stored=stored)


@bp.route("/tempat/baru", methods=["GET", "POST"])
@login_required
@limiter.limit("20 per hour", key_func=user_key, methods=["POST"], deduct_when=saved_response)
def new_destination():
    if not may_write():
        abort(404)
    form = _destination_form(None)
    photos = _photo_uploads(form, "tourism.destination.new")
    if (done := already_done(form)) is not None:
        return done
    valid = form.validate_on_submit()
    if photos.receive(form) and valid:
        group = form.chosen_group
        staff = can_review() and group is None
        place = Destination(
            group_id=group.id if group else None,
            created_by_id=current_user.id,
            status=Status.PENDING.value,
        )
        _fill_destination(place, form)
        stored: list[Media] = []
        if _add_photos(place, photos, stored):
            db.session.add(place)
            db.session.flush()
            audit(
                "tourism.destination_added", "tourism_destination", place.id, kelurahan=g.kelurahan
            )
            if not staff:
                _ask_review(_l("Destinasi"), place.name)
            _commit_or_clean(stored, form, url_for("tourism.destination", destination_id=place.id))
            _changed("destination_added", destination_id=place.id)
            flash(
                _(
                    "Destinasi %(name)s disimpan. Terbit setelah ditinjau petugas kelurahan.",
                    name=place.name,
                )
                if not can_review()
                else _(
                    "Destinasi %(name)s disimpan. Terbitkan dari halaman tinjauan.", name=place.name
                ),
                "success",
            )
            return redirect(url_for("tourism.destination", destination_id=place.id))
        db.session.rollback()
        remove_media_files(stored)
    return render_template(
        "tourism/destination_form.html", form=form, place=None, max_photos=MAX_PHOTOS
    ), form_status()


@bp.route("/tempat/<int:destination_id>/ubah", methods=["GET", "POST"])
@login_required
@limiter.limit("60 per hour", key_func=user_key, methods=["POST"], deduct_when=saved_response)
def edit_destination(destination_id: int):
    place = destination_or_404(destination_id, manage=True)
    form = _destination_form(place)
    photos = _photo_uploads(form, f"tourism.destination.{place.id}")
    valid = form.validate_on_submit()
    if photos.receive(form) and valid:
        _fill_destination(place, form)
        stored: list[Media] = []
        if _add_photos(place, photos, stored):
            resubmitted = _resubmitted(place)
            audit(
                "tourism.destination_edited", "tourism_destination", place.id, kelurahan=g.kelurahan
            )
            if resubmitted:
                _ask_review(_l("Destinasi"), place.name)
            _commit_or_clean(stored)
            _changed("destination_edited", destination_id=place.id)
            flash(
                _("Destinasi disimpan dan diajukan ulang ke petugas kelurahan.")
                if resubmitted
                else _("Destinasi disimpan."),
                "success",
            )
            return redirect(url_for("tourism.destination", destination_id=place.id))
        db.session.rollback()
        remove_media_files(stored)
        place = destination_or_404(destination_id, manage=True)
    return render_template(
        "tourism/destination_form.html",
        form=form,
        place=place,
        max_photos=MAX_PHOTOS,
        action_form=EmptyForm(),
    ), form_status()


def _photo_of(place: Destination, photo_id: int) -> DestinationPhoto:
    photo = next((p for p in place.photos if p.id == photo_id), None)
    if photo is None:
        abort(404)
    return photo


def _renumber(photos) -> None:
    for position, photo in enumerate(photos):
        photo.position = position


@bp.post("/tempat/<int:destination_id>/foto/<int:photo_id>/hapus")
@login_required
def delete_photo(destination_id: int, photo_id: int):
    place = destination_or_404(destination_id, manage=True)
    photo = _photo_of(place, photo_id)
    EmptyForm().validate_on_submit() or abort(400)
    images = [photo.media, photo.thumb]
    place.photos.remove(photo)
    _renumber(place.photos)
    db.session.flush()  # the photo row first: it references both images
    for media in images:
        db.session.delete(media)
    db.session.commit()
    remove_media_files(images)
    _changed("photo_deleted", destination_id=place.id)
    flash(_("Foto dihapus."), "success")
    return redirect(url_for("tourism.edit_destination", destination_id=place.id))


@bp.post("/tempat/<int:destination_id>/foto/<int:photo_id>/sampul")
@login_required
def cover_photo(destination_id: int, photo_id: int):
    place = destination_or_404(destination_id, manage=True)
    photo = _photo_of(place, photo_id)
    EmptyForm().validate_on_submit() or abort(400)
    _renumber([photo, *(p for p in place.photos if p is not photo)])
    db.session.commit()
    _changed("photo_cover_changed", destination_id=place.id)
    flash(_("Sampul diganti."), "success")
    return redirect(url_for("tourism.edit_destination", destination_id=place.id))


# -- events ------------------------------------------------------------------------------------


class NewEventForm(IdempotentForm, EventForm):
    """Adding an event: the same form sent twice adds it once."""


def _event_form(event: TourEvent | None) -> EventForm:
    places = _writable_destinations()
    if event is not None and event.destination is not None and event.destination not in places:
        places.append(event.destination)  # its place was hidden since: still its value
    options = {"destinations": places}
    if request.method == "GET":
        wanted = request.args.get("tempat")
        if event is not None:
            start, end = event.starts_at.astimezone(WIB), event.ends_at.astimezone(WIB)
            freq, until, days = recurrence.rule_parts(event.rrule, starts_at=event.starts_at)
            options["data"] = {
                "title": event.title,
                "description": event.description,
                "start_date": start.date(),
                "start_time": start.time(),
                "end_date": end.date(),
                "end_time": end.time(),
                "repeat": freq,
                "repeat_until": until,
                "repeat_days": [str(d) for d in days],
                "destination": str(event.destination_id or ""),
                "place_name": event.place_name,
                "lat": "" if event.destination_id else str(event.lat),
                "lng": "" if event.destination_id else str(event.lng),
                "registration_url": event.registration_url or "",
            }
        elif wanted and any(str(p.id) == wanted for p in places):
            options["data"] = {"destination": wanted}
    form = (EventForm if event else NewEventForm)(**options)
    if event is None:
        form.setup_groups(my_groups(), allow_none=can_review())
    else:
        del form.group  # an item stays with the group that wrote it
    return form


def _fill_event(event: TourEvent, form: EventForm) -> None:
    event.title = form.title.data
    event.description = form.description.data
    event.starts_at, event.ends_at = form.starts_at, form.ends_at
    event.rrule = form.rule
    event.series_ends_at = recurrence.series_end(form.starts_at, form.ends_at, form.rule)
    place = form.chosen_destination
    if place is not None:
        event.destination_id, event.place_name = place.id, ""
        event.lat, event.lng = place.lat, place.lng
    else:
        event.destination_id = None
        event.place_name = form.place_name.data
        event.lat, event.lng = form.location
    event.registration_url = form.registration_url.data or None


def _poster_uploads(form: EventForm, form_key: str) -> PhotoUploads:
    return PhotoUploads(form.poster, form_key, max_count=1, subdir="tourism", max_side=POSTER_SIDE)


@bp.route("/acara/baru", methods=["GET", "POST"])
@login_required
@limiter.limit("20 per hour", key_func=user_key, methods=["POST"], deduct_when=saved_response)
def new_event():
    if not may_write():
        abort(404)
    form = _event_form(None)
    poster = _poster_uploads(form, "tourism.event.new")
    if (done := already_done(form)) is not None:
        return done
    valid = form.validate_on_submit()
    if poster.receive(form) and valid:
        group = form.chosen_group
        event = TourEvent(
            group_id=group.id if group else None,
            created_by_id=current_user.id,
            status=Status.PENDING.value,
        )
        _fill_event(event, form)
        if poster.media:
            event.poster = poster.media[0]
            poster.used()
        db.session.add(event)
        db.session.flush()
        audit("tourism.event_added", "tourism_event", event.id, kelurahan=g.kelurahan)
        if not can_review():
            _ask_review(_l("Acara"), event.title)
        _commit_or_clean([], form, url_for("tourism.event", event_id=event.id))
        _changed("event_added", event_id=event.id)
        flash(
            _(
                "Acara %(title)s disimpan. Terbit setelah ditinjau petugas kelurahan.",
                title=event.title,
            )
            if not can_review()
            else _("Acara %(title)s disimpan. Terbitkan dari halaman tinjauan.", title=event.title),
            "success",
        )
        return redirect(url_for("tourism.event", event_id=event.id))
    return render_template("tourism/event_form.html", form=form, event=None), form_status()


@bp.route("/acara/<int:event_id>/ubah", methods=["GET", "POST"])
@login_required
@limiter.limit("60 per hour", key_func=user_key, methods=["POST"], deduct_when=saved_response)
def edit_event(event_id: int):
    event = event_or_404(event_id, manage=True)
    form = _event_form(event)
    poster = _poster_uploads(form, f"tourism.event.{event.id}")
    valid = form.validate_on_submit()
    if poster.receive(form) and valid:
        _fill_event(event, form)
        replaced = []
        if poster.media:
            if event.poster is not None:
                replaced.append(event.poster)
            event.poster = poster.media[0]
            poster.used()
        resubmitted = _resubmitted(event)
        audit("tourism.event_edited", "tourism_event", event.id, kelurahan=g.kelurahan)
        if resubmitted:
            _ask_review(_l("Acara"), event.title)
        db.session.flush()
        for media in replaced:
            db.session.delete(media)
        _commit_or_clean([])
        remove_media_files(replaced)
        _changed("event_edited", event_id=event.id)
        flash(
            _("Acara disimpan dan diajukan ulang ke petugas kelurahan.")
            if resubmitted
            else _("Acara disimpan."),
            "success",
        )
        return redirect(url_for("tourism.event", event_id=event.id))
    return render_template("tourism/event_form.html", form=form, event=event), form_status()
