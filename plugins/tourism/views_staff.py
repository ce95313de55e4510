"""Staff of the kelurahan (holders of `tourism.review`): the review queue of destinations
and events, publishing, returning with a note, hiding, and the batik tour routes.

Each decision is audited and told to the writers (the group's active members, or the
account that wrote it); what the public sees changes, so an event renews the caches."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.kit import (
    GroupMember,
    User,
    _l,
    audit,
    db,
    emit,
    notify,
    permission_required,
    safe_next,
    utcnow,
)

from .access import REVIEW, destination_or_404, event_or_404
from .blueprint import bp
from .forms import ReviewForm, RouteForm
from .models import Destination, RouteStop, Status, TourEvent, TourRoute

QUEUE_LIMIT = 100
ACTIONS = {"publish", "return", "hide"}


def _writers(item) -> list[User]:
    """Who wrote the item: its group's active members, else the account that wrote it."""
    if item.group_id is not None:
        return list(
            db.session.execute(
                select(User)
                .join(GroupMember, GroupMember.user_id == User.id)
                .where(GroupMember.group_id == item.group_id, GroupMember.status == "active")
                .order_by(User.id)
            ).scalars()
        )
    if item.created_by_id is not None:
        return list(db.session.execute(select(User).where(User.id == item.created_by_id)).scalars())
    return []


def _tell_writers(item, message, url: str) -> None:
    for user in _writers(item):
        if user.id != current_user.id and user.is_active_account:
            notify(user, message, url=url, kelurahan=g.kelurahan)


def queue_items():
    destinations = list(
        db.session.execute(
            select(Destination)
            .where(Destination.status == Status.PENDING.value)
            .options(selectinload(Destination.group), selectinload(Destination.photos))
            .order_by(Destination.updated_at, Destination.id)
            .limit(QUEUE_LIMIT)
        ).scalars()
    )
    events = list(
        db.session.execute(
            select(TourEvent)
            .where(TourEvent.status == Status.PENDING.value)
            .options(selectinload(TourEvent.group), selectinload(TourEvent.destination))
            .order_by(TourEvent.updated_at, TourEvent.id)
            .limit(QUEUE_LIMIT)
        ).scalars()
    )
    return destinations, events


@bp.get("/tinjau")
@permission_required(REVIEW)
def review(errors: dict | None = None, code: int = 200):
    destinations, events = queue_items()
    routes = list(db.session.execute(select(TourRoute).order_by(TourRoute.name)).scalars())
    return render_template(
        "tourism/review.html",
        destinations=destinations,
        events=events,
        routes=routes,
        errors=errors or {},
    ), code


def _decide(item, kind: str, label, url: str):
    """Apply the posted decision to a destination or event; the queue again with the
    error when a note is missing."""
    form = ReviewForm()
    action = request.form.get("aksi", "")
    if not form.validate_on_submit() or action not in ACTIONS:
        abort(400)
    note = (form.note.data or "").strip()
    if action in ("return", "hide") and not note:
        message = _(
            "Tulis catatan untuk penulis: apa yang perlu diperbaiki atau mengapa disembunyikan."
        )
        if item.status != Status.PENDING.value:  # decided from the item's own page
            flash(message, "error")
            return redirect(safe_next(request.form.get("next")) or url)
        form.note.errors = [*form.note.errors, message]
        return review(errors={f"{kind}-{item.id}": form}, code=422)
    before = {"status": item.status}
    now = utcnow()
    item.status = {
        "publish": Status.PUBLISHED.value,
        "return": Status.RETURNED.value,
        "hide": Status.HIDDEN.value,
    }[action]
    item.status_note = note or None
    item.reviewed_at, item.reviewed_by_id = now, current_user.id
    if action == "publish" and item.published_at is None:
        item.published_at = now
    name = getattr(item, "name", None) or item.title
    messages = {
        "publish": _l("%(kind)s “%(name)s” diterbitkan petugas kelurahan.", kind=label, name=name),
        "return": _l(
            "%(kind)s “%(name)s” perlu perbaikan: %(note)s", kind=label, name=name, note=note
        ),
        "hide": _l(
            "%(kind)s “%(name)s” disembunyikan petugas: %(note)s", kind=label, name=name, note=note
        ),
    }
    _tell_writers(item, messages[action], url)
    audit(
        {"publish": "tourism.published", "return": "tourism.returned", "hide": "tourism.hidden"}[
            action
        ],
        f"tourism_{kind}",
        item.id,
        kelurahan=g.kelurahan,
        before=before,
        after={"status": item.status, "note": note},
    )
    db.session.commit()
    emit(f"tourism.{kind}_{action}", {f"{kind}_id": item.id})
    flash(
        {
            "publish": _("“%(name)s” diterbitkan.", name=name),
            "return": _("“%(name)s” dikembalikan ke penulis untuk diperbaiki.", name=name),
            "hide": _("“%(name)s” disembunyikan dari umum.", name=name),
        }[action],
        "success",
    )
    return redirect(safe_next(request.form.get("next")) or url_for("tourism.review"))


@bp.post("/tinjau/tempat/<int:destination_id>")
@permission_required(REVIEW)
def review_destination(destination_id: int):
    place = destination_or_404(destination_id)
    return _decide(
        place,
        "destination",
        _l("Destinasi"),
        url_for("tourism.destination", destination_id=place.id),
    )


@bp.post("/tinjau/acara/<int:event_id>")
@permission_required(REVIEW)
def review_event(event_id: int):
    event = event_or_404(event_id)
    return _decide(event, "event", _l("Acara"), url_for("tourism.event", event_id=event.id))


# -- routes ------------------------------------------------------------------------------------


def _published_destinations():
    return list(
        db.session.execute(
            select(Destination)
            .where(Destination.status == Status.PUBLISHED.value)
            .order_by(Destination.name)
        ).scalars()
    )


@bp.route("/rute/baru", methods=["GET", "POST"], endpoint="new_route")
@bp.route("/rute/<int:route_id>/ubah", methods=["GET", "POST"], endpoint="edit_route")
@permission_required(REVIEW)
def route_form(route_id: int | None = None):
    route = None
    if route_id is not None:
        route = db.session.execute(
            select(TourRoute)
            .where(TourRoute.id == route_id)
            .options(selectinload(TourRoute.stops).selectinload(RouteStop.destination))
        ).scalar_one_or_none()
        if route is None:
            abort(404)
    places = _published_destinations()
    if route is not None:
        places += [s.destination for s in route.stops if s.destination not in places]
    data = None
    if request.method == "GET" and route is not None:
        data = {
            "name": route.name,
            "description": route.description,
            "description_en": route.description_en,
            "published": route.published,
            **{f"stop_{i}": str(s.destination_id) for i, s in enumerate(route.stops)},
        }
    form = RouteForm(data=data, destinations=places)
    if form.validate_on_submit():
        if route is None:
            route = TourRoute()
            db.session.add(route)
        route.name = form.name.data
        route.description = form.description.data or ""
        route.description_en = form.description_en.data or ""
        route.published = bool(form.published.data)
        route.stops.clear()
        db.session.flush()  # the old stops go before the new ones take their positions
        route.stops.extend(
            RouteStop(destination_id=place.id, position=i) for i, place in enumerate(form.chosen)
        )
        db.session.flush()
        audit("tourism.route_saved", "tourism_route", route.id, kelurahan=g.kelurahan)
        db.session.commit()
        emit("tourism.route_saved", {"route_id": route.id})
        flash(_("Rute %(name)s disimpan.", name=route.name), "success")
        return redirect(url_for("tourism.route", route_id=route.id))
    status = 422 if request.method == "POST" else 200
    return render_template("tourism/route_form.html", form=form, route=route), status
