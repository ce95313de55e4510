"""Who may see and change what. Every lookup goes through the kelurahan scope (another
kelurahan's id is a 404), and a refusal never says whether the object exists.

Destinations and events are written by the active members of their verified Pokdarwis
group, or by staff holding `tourism.review` (who also publish them); the public sees
published ones only."""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.kit import Group, GroupKind, GroupMember, _l, can, db, parse_id

from .models import Destination, DestinationPhoto, Status, TourEvent

REVIEW = "tourism.review"

STATUS_LABELS = {
    Status.PENDING.value: _l("Menunggu tinjauan"),
    Status.PUBLISHED.value: _l("Terbit"),
    Status.RETURNED.value: _l("Perlu perbaikan"),
    Status.HIDDEN.value: _l("Disembunyikan petugas"),
}


def can_review() -> bool:
    return can(REVIEW)


def my_groups(user=None) -> list[Group]:
    """The user's verified Pokdarwis groups in this kelurahan (active membership)."""
    user = user or current_user
    if not user.is_authenticated:
        return []
    return list(
        db.session.execute(
            select(Group)
            .join(GroupMember, GroupMember.group_id == Group.id)
            .where(
                GroupMember.user_id == user.id,
                GroupMember.status == "active",
                Group.kind == GroupKind.POKDARWIS.value,
                Group.verified_at.is_not(None),
            )
            .order_by(Group.name)
        ).scalars()
    )


def may_write() -> bool:
    """Whether the visitor may add destinations and events here at all."""
    return can_review() or bool(my_groups())


def can_edit(item) -> bool:
    """Reviewers edit everything; a group's active members edit their group's items while
    the group stays a verified Pokdarwis group."""
    if not current_user.is_authenticated:
        return False
    if can_review():
        return True
    group = item.group
    return (
        group is not None
        and group.kind == GroupKind.POKDARWIS.value
        and group.verified_at is not None
        and group.is_active_member(current_user)
    )


def _visible_or_404(item, manage: bool):
    if item is None:
        abort(404)
    public = getattr(item, "is_public", item.is_published)
    if (manage or not public) and not can_edit(item):
        abort(404)
    return item


def destination_or_404(destination_id, *, manage: bool = False) -> Destination:
    number = parse_id(destination_id)
    if number is None:
        abort(404)
    destination = db.session.execute(
        select(Destination)
        .where(Destination.id == number)
        .options(
            selectinload(Destination.group).selectinload(Group.members),
            selectinload(Destination.photos).selectinload(DestinationPhoto.media),
            selectinload(Destination.photos).selectinload(DestinationPhoto.thumb),
        )
    ).scalar_one_or_none()
    return _visible_or_404(destination, manage)


def event_or_404(event_id, *, manage: bool = False) -> TourEvent:
    number = parse_id(event_id)
    if number is None:
        abort(404)
    event = db.session.execute(
        select(TourEvent)
        .where(TourEvent.id == number)
        .options(
            selectinload(TourEvent.group).selectinload(Group.members),
            selectinload(TourEvent.destination),
            selectinload(TourEvent.poster),
        )
    ).scalar_one_or_none()
    return _visible_or_404(event, manage)
