"""Who may do what, and finding cycles and proposals. Every lookup goes through the
kelurahan scope, so another kelurahan's id answers 404.

Proposals are public from the moment they are submitted (Musrenbang is a public process).
Verified residents of the kelurahan, and active members of its verified groups, submit;
only verified residents support. Staff holding `proposals.review` verify proposals, run
the meeting and moderate comments; admins holding `proposals.manage` run the cycles."""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.kit import (
    Group,
    GroupMember,
    can,
    db,
    get_or_404,
    is_verified_resident,
    parse_id,
    plugin_settings,
)

from .models import Cycle, Proposal
from .phases import state_of

PLUGIN_ID = "proposals"
REVIEW = "proposals.review"
MANAGE = "proposals.manage"


def settings() -> dict:
    return plugin_settings(PLUGIN_ID)


def can_review(user=None) -> bool:
    return can(REVIEW, user=user) if user is not None else can(REVIEW)


def can_manage() -> bool:
    return can(MANAGE)


def my_groups(user=None) -> list[Group]:
    """The user's verified groups in this kelurahan (active membership): a group may
    submit a proposal under its own name."""
    user = user or current_user
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        db.session.execute(
            select(Group)
            .join(GroupMember, GroupMember.group_id == Group.id)
            .where(
                GroupMember.user_id == user.id,
                GroupMember.status == "active",
                Group.verified_at.is_not(None),
            )
            .order_by(Group.name)
        ).scalars()
    )


def may_submit() -> bool:
    return is_verified_resident() or bool(my_groups())


def cycle_or_404(cycle_id) -> Cycle:
    return get_or_404(Cycle, cycle_id)


def proposal_or_404(proposal_id) -> Proposal:
    found = db.session.execute(
        select(Proposal)
        .where(Proposal.id == proposal_id)
        .options(
            selectinload(Proposal.photos),
            selectinload(Proposal.cycle).selectinload(Cycle.phases),
        )
    ).scalar_one_or_none()
    if found is None:
        abort(404)
    return found


def id_or_404(raw) -> int:
    value = parse_id(raw)
    if value is None:
        abort(404)
    return value


def cycles() -> list[Cycle]:
    """The kelurahan's cycles, newest first, with their phases."""
    return list(
        db.session.execute(
            select(Cycle)
            .options(selectinload(Cycle.phases))
            .order_by(Cycle.created_at.desc(), Cycle.id.desc())
        ).scalars()
    )


def current_cycle(all_cycles: list[Cycle] | None = None) -> Cycle | None:
    """The cycle residents take part in now: the newest that is not closed, else the
    newest."""
    found = all_cycles if all_cycles is not None else cycles()
    for cycle in found:
        if state_of(cycle).stage != "closed":
            return cycle
    return found[0] if found else None


def is_author(proposal: Proposal, user=None) -> bool:
    """The resident who submitted it, or an active member of the group it was submitted for."""
    user = user or current_user
    if not getattr(user, "is_authenticated", False):
        return False
    if proposal.author_id == user.id:
        return True
    return proposal.group is not None and proposal.group.is_active_member(user)
