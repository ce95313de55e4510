"""Who may see what. Operators (the `operator` group role, and the group's leader) run
their own group's unit only; a member sees only their own book; kelurahan staff with
`wastebank.view` see aggregates, never one member's book. Anything else is a 404, so a
refusal never says whether the unit, member or entry exists."""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app.kit import Group, GroupKind, GroupMember, can, db, parse_id

from . import OPERATE, VIEW
from .models import Entry, Member, Unit


def may_operate(unit: Unit) -> bool:
    """The kit's group-scoped check: `wastebank.operate` held through this unit's group."""
    return can(OPERATE, unit.group)


def may_view_aggregates() -> bool:
    return can(VIEW)


def unit_or_404(unit_id) -> Unit:
    """A unit of the current kelurahan that the signed-in user operates, else 404."""
    unit_id = parse_id(str(unit_id))
    if unit_id is None:
        abort(404)
    # One query for the unit, its group and the group's members: every operator page
    # starts here.
    unit = (
        db.session.execute(
            select(Unit)
            .where(Unit.id == unit_id)
            .options(joinedload(Unit.group).joinedload(Group.members))
        )
        .unique()
        .scalar_one_or_none()
    )
    if unit is None or not current_user.is_authenticated or not may_operate(unit):
        abort(404)
    return unit


def member_or_404(unit: Unit, member_id) -> Member:
    """A member of this unit (another unit's member is as absent as a missing one)."""
    member_id = parse_id(str(member_id))
    if member_id is None:
        abort(404)
    member = db.session.execute(
        select(Member).where(Member.id == member_id, Member.unit_id == unit.id)
    ).scalar_one_or_none()
    if member is None:
        abort(404)
    return member


def entry_of_unit_or_404(unit: Unit, entry_id) -> Entry:
    entry_id = parse_id(str(entry_id))
    if entry_id is None:
        abort(404)
    entry = db.session.execute(
        select(Entry).where(Entry.id == entry_id, Entry.unit_id == unit.id)
    ).scalar_one_or_none()
    if entry is None:
        abort(404)
    return entry


def operated_units(user) -> list[Unit]:
    """The units of this kelurahan the user operates (active member of the unit's group
    whose role holds `wastebank.operate`)."""
    if not user.is_authenticated:
        return []
    units = db.session.execute(
        select(Unit)
        .join(GroupMember, GroupMember.group_id == Unit.group_id)
        .where(GroupMember.user_id == user.id, GroupMember.status == "active")
        .options(selectinload(Unit.group).selectinload(Group.members))
        .order_by(Unit.name)
    ).scalars()
    return [unit for unit in units if may_operate(unit)]


def groups_that_may_open_unit(user) -> list[Group]:
    """Verified KSM bank sampah groups the user leads (or operates) that have no unit yet."""
    if not user.is_authenticated:
        return []
    has_unit = select(Unit.group_id)
    groups = db.session.execute(
        select(Group)
        .join(GroupMember, GroupMember.group_id == Group.id)
        .where(
            GroupMember.user_id == user.id,
            GroupMember.status == "active",
            GroupMember.role.in_(("ketua", "operator")),
            Group.kind == GroupKind.KSM_BANK_SAMPAH.value,
            Group.verified_at.is_not(None),
            Group.id.not_in(has_unit),
        )
        .options(selectinload(Group.members))
        .order_by(Group.name)
    ).scalars()
    return [group for group in groups if can(OPERATE, group)]


def my_memberships(user) -> list[Member]:
    """The member books linked to the user's account, in this kelurahan."""
    if not user.is_authenticated:
        return []
    return list(
        db.session.execute(
            select(Member)
            .where(Member.user_id == user.id, Member.active.is_(True))
            .options(selectinload(Member.unit))
            .order_by(Member.id)
        ).scalars()
    )
