"""Who may move a request from which status to which: the whole workflow as one table,
shared by the views, the pages' buttons and the tests (tests/services walk it exhaustively).

Actors are what the person is to this request, not their role: the requester, the head of
the request's RT/RW (when the kelurahan asks for that approval), a handler holding
`services.handle` and an approver holding `services.approve` (the lurah, or an official the
lurah authorised). Someone may be several at once (an admin usually handles and approves).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from .models import Delivery, Status


class Actor(enum.StrEnum):
    REQUESTER = "pemohon"
    RT_HEAD = "ketua_rt"
    HANDLER = "petugas"
    APPROVER = "penyetuju"


@dataclass(frozen=True)
class Move:
    source: Status
    target: Status
    actor: Actor
    note_required: bool = False  # a fix note or a refusal reason, shown to the resident
    # Made only by the fix form, which sends the corrections and picks the next stop itself
    # (the RT head when they have not approved yet): never a bare button.
    form_only: bool = False


S, A = Status, Actor
MOVES: tuple[Move, ...] = (
    # The RT/RW head approves first, or sends it back to the resident.
    Move(S.WAITING_RT, S.SUBMITTED, A.RT_HEAD),
    Move(S.WAITING_RT, S.NEEDS_FIX, A.RT_HEAD, note_required=True),
    # The office checks it.
    Move(S.SUBMITTED, S.CHECKING, A.HANDLER),
    Move(S.SUBMITTED, S.NEEDS_FIX, A.HANDLER, note_required=True),
    Move(S.SUBMITTED, S.REFUSED, A.HANDLER, note_required=True),
    Move(S.CHECKING, S.NEEDS_FIX, A.HANDLER, note_required=True),
    Move(S.CHECKING, S.REFUSED, A.HANDLER, note_required=True),
    Move(S.CHECKING, S.APPROVED, A.APPROVER),
    # The resident fixes and sends it again (to the RT head when they have not approved).
    Move(S.NEEDS_FIX, S.SUBMITTED, A.REQUESTER, form_only=True),
    Move(S.NEEDS_FIX, S.WAITING_RT, A.REQUESTER, form_only=True),
    # The approved letter is printed for pickup, or its PDF is released for download.
    Move(S.APPROVED, S.READY, A.HANDLER),
    Move(S.APPROVED, S.SENT, A.HANDLER),
    Move(S.READY, S.DONE, A.HANDLER),
    Move(S.SENT, S.DONE, A.HANDLER),
    Move(S.SENT, S.DONE, A.REQUESTER),
    # Cancelling is the resident's, and only before approval.
    Move(S.WAITING_RT, S.CANCELLED, A.REQUESTER),
    Move(S.SUBMITTED, S.CANCELLED, A.REQUESTER),
    Move(S.CHECKING, S.CANCELLED, A.REQUESTER),
    Move(S.NEEDS_FIX, S.CANCELLED, A.REQUESTER),
)


def find(source: str, target: str, actors: set[Actor]) -> Move | None:
    """The move from `source` to `target` that one of `actors` may make, or None."""
    for move in MOVES:
        if move.source == source and move.target == target and move.actor in actors:
            return move
    return None


def targets(source: str, actors: set[Actor], delivery: str | None = None) -> list[Status]:
    """Where these actors may take a request in `source`; a resubmission (a form of its own)
    is left out, and after approval only the step that fits the delivery chosen."""
    found: list[Status] = []
    for move in MOVES:
        if move.source != source or move.actor not in actors or move.target in found:
            continue
        if move.form_only:
            continue
        if move.source == S.APPROVED and delivery is not None:
            wanted = S.READY if delivery == Delivery.PICKUP else S.SENT
            if move.target != wanted:
                continue
        found.append(move.target)
    return found
