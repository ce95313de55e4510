"""Bookings: the state machine, a request's slots, and the rule against double booking.

Who may move a booking from which status to which is one table (`MOVES`), shared by the
views, the buttons and the tests, which walk it exhaustively. Every move is a conditional
UPDATE on the status the actor saw, so two staff pressing at once cannot both win.

No double booking. A slot is `active` while its booking is approved. Approval takes the
write lock first on SQLite (`begin_write`: BEGIN IMMEDIATE, so concurrent approvals queue
and each sees the one before it), then checks that no active slot of the facility overlaps,
then activates the slots. On PostgreSQL the same check runs, and the exclusion constraint
on the time range settles the race the check cannot see: the second of two concurrent
approvals waits for the first and fails with an IntegrityError, told as a clash.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

from flask import g, url_for
from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError

from app.kit import _l, audit, begin_write, db, emit, notify, notify_holders, utcnow, wib_range

from .access import BOOKINGS
from .models import Booking, BookingSlot, BookingStatus


class Actor(enum.StrEnum):
    REQUESTER = "pemesan"
    STAFF = "petugas"  # holds facilities.bookings


@dataclass(frozen=True)
class Move:
    source: BookingStatus
    target: BookingStatus
    actor: Actor
    note_required: bool = False  # a refusal or a staff cancellation says why


S, A = BookingStatus, Actor
MOVES: tuple[Move, ...] = (
    Move(S.PENDING, S.APPROVED, A.STAFF),
    Move(S.PENDING, S.REFUSED, A.STAFF, note_required=True),
    Move(S.PENDING, S.CANCELLED, A.REQUESTER),
    Move(S.APPROVED, S.CANCELLED, A.REQUESTER),
    Move(S.APPROVED, S.CANCELLED, A.STAFF, note_required=True),
)


def find(source: str, target: str, actors: set[Actor]) -> Move | None:
    for move in MOVES:
        if move.source == source and move.target == target and move.actor in actors:
            return move
    return None


def targets(source: str, actors: set[Actor]) -> list[BookingStatus]:
    found: list[BookingStatus] = []
    for move in MOVES:
        if move.source == source and move.actor in actors and move.target not in found:
            found.append(move.target)
    return found


@dataclass
class Outcome:
    ok: bool
    message: object = None
    clashes: list = field(default_factory=list)  # (start, end) of the slots in the way


AUDIT_ACTIONS = {
    S.APPROVED: "facilities.booking_approved",
    S.REFUSED: "facilities.booking_refused",
    S.CANCELLED: "facilities.booking_cancelled",
}

CLASH = _l(
    "Bentrok dengan pemesanan lain yang sudah disetujui. Fasilitas ini sudah terpakai pada "
    "waktu tersebut; tolak pemesanan ini atau minta pemesan memilih waktu lain."
)
CHANGED = _l("Pemesanan ini baru saja diubah orang lain. Periksa lagi statusnya.")
STARTED = _l("Waktu pemesanan ini sudah lewat atau sedang berlangsung: tidak dapat disetujui.")


# -- overlaps ----------------------------------------------------------------------------------


def overlapping(facility_id: int, windows: list[tuple[datetime, datetime]], *, skip_booking=None):
    """Active slots of the facility that overlap any of `windows` ([start, end): a booking
    that ends at 10.00 and one that starts at 10.00 do not clash). One query."""
    if not windows:
        return []
    query = (
        select(BookingSlot)
        .where(
            BookingSlot.facility_id == facility_id,
            BookingSlot.active.is_(True),
            or_(
                *(
                    and_(BookingSlot.starts_at < end, BookingSlot.ends_at > start)
                    for start, end in windows
                )
            ),
        )
        .order_by(BookingSlot.starts_at)
        .limit(20)
    )
    if skip_booking is not None:
        query = query.where(BookingSlot.booking_id != skip_booking)
    return list(db.session.execute(query).scalars())


def describe_slots(slots) -> str:
    """ "Jumat, 4 Desember 2026, 19.00–21.00 WIB; ..." for a message (at most five)."""
    shown = [wib_range(s.starts_at, s.ends_at) for s in slots[:5]]
    more = len(slots) - len(shown)
    return "; ".join(shown) + (f" (+{more})" if more > 0 else "")


# -- moves -------------------------------------------------------------------------------------


def move(booking: Booking, target: BookingStatus, who: set[Actor], note: str, actor) -> Outcome:
    """Make one move and commit, or roll back and say why not."""
    step = find(booking.status, target, who)
    if step is None:
        if booking.status in (S.REFUSED, S.CANCELLED):
            return Outcome(False, _l("Pemesanan ini sudah ditutup."))
        return Outcome(False, _l("Langkah ini tidak dapat dilakukan pada status sekarang."))
    if step.note_required and not note:
        return Outcome(False, _l("Tulis alasannya untuk pemesan."))
    now = utcnow()
    if target == S.APPROVED and booking.slots and booking.slots[0].starts_at <= now:
        return Outcome(False, STARTED)
    finished = booking.slots and booking.slots[-1].ends_at <= now
    if target == S.CANCELLED and booking.status == S.APPROVED and finished:
        return Outcome(False, _l("Pemesanan yang sudah lewat tidak dapat dibatalkan."))
    begin_write()  # SQLite: the write lock before the overlap check, so approvals queue
    source = booking.status
    if target == S.APPROVED:
        windows = [(s.starts_at, s.ends_at) for s in booking.slots]
        in_the_way = overlapping(booking.facility_id, windows, skip_booking=booking.id)
        if in_the_way:
            db.session.rollback()
            return Outcome(False, CLASH, [(s.starts_at, s.ends_at) for s in in_the_way])
    values = {"status": target.value, "decision_note": note or Booking.decision_note}
    if step.actor == A.STAFF:
        values.update(decided_by_id=actor.id, decided_at=now)
    changed = db.session.execute(
        update(Booking)
        .where(Booking.id == booking.id, Booking.status == source)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:
        db.session.rollback()
        return Outcome(False, CHANGED)
    audit(
        AUDIT_ACTIONS[target],
        "facilities_booking",
        booking.id,
        before={"status": source},
        after={"status": target.value, **({"note": note} if note else {})},
    )
    _tell(booking, target, note, actor)
    try:
        db.session.execute(
            update(BookingSlot)
            .where(BookingSlot.booking_id == booking.id)
            .values(active=target == S.APPROVED)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
    except IntegrityError:
        # PostgreSQL's exclusion constraint: a concurrent approval of an overlapping slot
        # committed first (this UPDATE waited for it). Nothing of this move is kept.
        db.session.rollback()
        return Outcome(False, CLASH)
    db.session.refresh(booking)
    emit("facilities.booking_moved", {"booking_id": booking.id, "status": target.value})
    return Outcome(True)


def _tell(booking: Booking, target: BookingStatus, note: str, actor) -> None:
    url = url_for("facilities.booking", booking_id=booking.id)
    facility = booking.facility.name
    if getattr(actor, "id", None) != booking.requester_id:
        messages = {
            S.APPROVED: _l("Pemesanan %(facility)s disetujui.", facility=facility),
            S.REFUSED: _l("Pemesanan %(facility)s ditolak: %(note)s", facility=facility, note=note),
            S.CANCELLED: _l(
                "Pemesanan %(facility)s dibatalkan petugas: %(note)s", facility=facility, note=note
            ),
        }
        if target in messages:
            notify(booking.requester, messages[target], url=url, kelurahan=g.kelurahan)
    elif target == S.CANCELLED:
        notify_holders(
            BOOKINGS,
            _l("Pemesanan %(facility)s dibatalkan oleh pemesan.", facility=facility),
            url=url,
        )


def requested(booking: Booking) -> None:
    """Tell the staff who decide that a request arrived (before the commit)."""
    notify_holders(
        BOOKINGS,
        _l(
            "Pemesanan baru: %(facility)s untuk %(purpose)s.",
            facility=booking.facility.name,
            purpose=booking.purpose,
        ),
        url=url_for("facilities.booking", booking_id=booking.id),
    )
