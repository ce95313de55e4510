"""Reads shared by the pages and the hooks; each a constant number of queries."""

from __future__ import annotations

from datetime import datetime

from flask import abort
from flask_login import current_user
from sqlalchemy import and_, func, select
from sqlalchemy.orm import selectinload

from app.kit import Group, GroupMember, db, get_or_404, is_staff, is_verified_resident

from .access import can_decide_bookings, can_manage
from .models import Booking, BookingSlot, BookingStatus, Facility, FacilityPhoto, Kind


def facilities(kind: str | None = None, *, with_inactive: bool = False) -> list[Facility]:
    """The directory, by kind then name, with each first photo's thumbnail (two queries)."""
    query = (
        select(Facility)
        .options(selectinload(Facility.photos).selectinload(FacilityPhoto.thumb))
        .order_by(Facility.kind, Facility.name, Facility.id)
    )
    if not with_inactive:
        query = query.where(Facility.active.is_(True))
    if kind in {k.value for k in Kind}:
        query = query.where(Facility.kind == kind)
    return list(db.session.execute(query).scalars())


def bookable_facilities() -> list[Facility]:
    query = (
        select(Facility)
        .where(Facility.active.is_(True), Facility.bookable.is_(True))
        .order_by(Facility.name)
    )
    return list(db.session.execute(query).scalars())


def facility_or_404(facility_id) -> Facility:
    """A facility of this kelurahan; one no longer in use only for those who manage them."""
    facility = get_or_404(Facility, facility_id)
    if not facility.active and not can_manage():
        abort(404)
    return facility


def busy(facility_id: int, start: datetime, end: datetime, limit: int = 500) -> list[BookingSlot]:
    """Approved slots of the facility overlapping [start, end), in order: what the public
    calendar shows (times only)."""
    query = (
        select(BookingSlot)
        .where(
            BookingSlot.facility_id == facility_id,
            BookingSlot.active.is_(True),
            and_(BookingSlot.starts_at < end, BookingSlot.ends_at > start),
        )
        .order_by(BookingSlot.starts_at)
        .limit(limit)
    )
    return list(db.session.execute(query).scalars())


def my_groups(user=None) -> list[Group]:
    """Verified groups of this kelurahan the person is an active member of: whom they may
    book for."""
    user = user or current_user
    if not getattr(user, "is_authenticated", False):
        return []
    query = (
        select(Group)
        .join(GroupMember, GroupMember.group_id == Group.id)
        .where(
            GroupMember.user_id == user.id,
            GroupMember.status == "active",
            Group.verified_at.is_not(None),
        )
        .order_by(Group.name)
    )
    return list(db.session.execute(query).scalars())


def may_book() -> bool:
    """Verified residents, members of a verified group here, and staff request bookings."""
    if not current_user.is_authenticated:
        return False
    return is_verified_resident() or is_staff() or bool(my_groups())


def booking_or_404(booking_id) -> Booking:
    """A booking its requester or the staff who decide may open; 404 for anyone else."""
    booking = get_or_404(Booking, booking_id)
    mine = current_user.is_authenticated and booking.requester_id == current_user.id
    if not mine and not can_decide_bookings():
        abort(404)
    return booking


def pending_count() -> int:
    return db.session.scalar(
        select(func.count()).select_from(Booking).where(Booking.status == BookingStatus.PENDING)
    )
