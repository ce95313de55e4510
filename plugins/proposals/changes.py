"""Recording what happens to a proposal: its public history, the audit log, and telling
the author and followers. Everything is added to the session and committed with the change
it describes; `emit` runs after the commit."""

from __future__ import annotations

from flask import g, url_for
from sqlalchemy import select

from app.kit import User, audit, db, emit, notify

from .models import Follow, HistoryEntry, Proposal

# History kinds, shown on the proposal's page (views.HISTORY_LABELS).
SUBMITTED = "submitted"
EDITED = "edited"
ACCEPTED = "accepted"
REJECTED = "rejected"
MERGED = "merged"
MERGED_IN = "merged_in"
RESULT = "result"
CARRIED_OVER = "carried_over"
CARRIED_FROM = "carried_from"
WITHDRAWN = "withdrawn"


def history(proposal: Proposal, kind: str, note: str = "") -> None:
    db.session.add(HistoryEntry(proposal_id=proposal.id, kind=kind, note=note[:1000]))


def audited(action: str, proposal: Proposal, *, before=None, after=None) -> None:
    audit(
        f"proposals.{action}",
        "proposals_proposal",
        proposal.id,
        kelurahan=g.kelurahan,
        before=before,
        after=after,
    )


def people_to_tell(proposal: Proposal, *, except_id: int | None = None) -> list[User]:
    """The author and every follower, once each (one query)."""
    followers = select(Follow.user_id).where(Follow.proposal_id == proposal.id)
    users = db.session.execute(
        select(User).where(
            (User.id == proposal.author_id) | User.id.in_(followers),
            User.is_active_account.is_(True),
        )
    ).scalars()
    return [u for u in users if u.id != except_id]


def tell(proposal: Proposal, message, *, except_id: int | None = None) -> None:
    """Notify the author and followers (in each one's language): `message` is lazy."""
    url = url_for("proposals.proposal", proposal_id=proposal.id)
    for user in people_to_tell(proposal, except_id=except_id):
        notify(user, message, url=url, kelurahan=g.kelurahan)


def changed(what: str, **payload) -> None:
    """After a commit: lists, map layers and widgets show it at once."""
    emit(f"proposals.{what}", payload)
