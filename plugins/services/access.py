"""Who may see and do what with a request. Every lookup goes through the kelurahan scope,
so another kelurahan's id answers 404, and a request someone may not see answers 404 too
(not 403: its existence is nobody else's business).

A request and its documents are private: the requester sees their own; handlers
(`services.handle`) see the kelurahan's; an approver (`services.approve`) sees the request
but opens documents only if they also handle; an RT/RW head sees the requests of their area
that the kelurahan's setting sends to them, without the documents."""

from __future__ import annotations

from flask import abort, g
from flask_login import current_user
from sqlalchemy import or_, select

from app.kit import can, db, get_or_404, parse_id, plugin_settings

from .models import Request, RtHead
from .workflow import Actor

PLUGIN_ID = "services"
HANDLE = "services.handle"
APPROVE = "services.approve"
MANAGE = "services.manage"


def settings(kelurahan=None) -> dict:
    return plugin_settings(PLUGIN_ID, kelurahan)


def signed_in(user=None) -> bool:
    user = user or current_user
    return bool(getattr(user, "is_authenticated", False))


def can_handle(user=None) -> bool:
    return signed_in(user) and can(HANDLE, user=user or current_user)


def can_approve(user=None) -> bool:
    return signed_in(user) and can(APPROVE, user=user or current_user)


def can_manage(user=None) -> bool:
    return signed_in(user) and can(MANAGE, user=user or current_user)


def heads_area(user=None) -> list[RtHead]:
    """The RT/RW areas this account heads here."""
    user = user or current_user
    if not signed_in(user):
        return []
    return list(db.session.execute(select(RtHead).where(RtHead.user_id == user.id)).scalars())


def area_filter(areas: list[RtHead]):
    """A WHERE clause for the requests of these areas (an RW head covers all its RTs)."""
    clauses = []
    for area in areas:
        if area.rt:
            clauses.append((Request.rw == area.rw) & (Request.rt == area.rt))
        else:
            clauses.append(Request.rw == area.rw)
    return or_(*clauses) if clauses else None


def head_for(rw: str | None, rt: str | None) -> RtHead | None:
    """The head who approves a request from this RT/RW: the RT's own, else the RW's."""
    if not rw:
        return None
    found = db.session.execute(
        select(RtHead).where(RtHead.rw == rw, RtHead.rt.in_([rt or "", ""]))
    ).scalars()
    by_rt = {h.rt: h for h in found}
    return by_rt.get(rt or "") or by_rt.get("")


def actors(request: Request, user=None) -> set[Actor]:
    user = user or current_user
    if not signed_in(user):
        return set()
    found: set[Actor] = set()
    if request.requester_id == user.id:
        found.add(Actor.REQUESTER)
    if can_handle(user):
        found.add(Actor.HANDLER)
    if can_approve(user):
        found.add(Actor.APPROVER)
    # An RT head sees their area's requests only while the kelurahan asks for their approval
    # (or one is still waiting for it after the setting was switched off).
    if request.purged_at is None and (
        request.status == "menunggu_rt" or settings().get("rt_approval")
    ):
        head = head_for(request.rw, request.rt)
        if head is not None and head.user_id == user.id:
            found.add(Actor.RT_HEAD)
    return found


def may_open_documents(request: Request, user=None) -> bool:
    """The requester, and the handlers of this kelurahan's office: not the city admin, who
    holds every kelurahan's admin permissions but is not its staff (UU PDP: the fewest people
    who need a resident's KTP)."""
    user = user or current_user
    if not signed_in(user):
        return False
    if request.requester_id == user.id:
        return True
    return user.role_in(g.kelurahan) is not None and can_handle(user)


def request_or_404(raw_id, user=None) -> tuple[Request, set[Actor]]:
    """The request with this id that the user may see, and what they are to it."""
    request_id = parse_id(raw_id)
    if request_id is None:
        abort(404)
    found = get_or_404(Request, request_id)
    who = actors(found, user)
    if not who:
        abort(404)
    return found, who
