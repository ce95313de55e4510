"""Supports: giving, withdrawing and moving them when proposals merge.

Exact under concurrency without counting rows on every page:
* a `Support` row is unique per (proposal, resident): a second tap is refused;
* the resident's `Ballot.used` is raised only by `UPDATE ... WHERE used < limit`, so the
  cycle's limit holds even when two phones support two proposals at the same moment;
* `Proposal.support_count` moves by one in an UPDATE that also requires the proposal to be
  still open, so a support cannot land on a proposal that was just merged or rejected.
On SQLite the write lock is taken before the first read (`begin_write`): a deferred
transaction that reads and then writes would fail rather than wait for another writer.
"""

from __future__ import annotations

import enum

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from app.kit import begin_write, db

from .models import OPEN_STATUSES, Ballot, Follow, Proposal, Support


class Outcome(enum.StrEnum):
    ADDED = "added"
    ALREADY = "already"  # this resident already supports it
    LIMIT = "limit"  # the cycle's supports per resident are used up
    CLOSED = "closed"  # the proposal left the running meanwhile
    REMOVED = "removed"
    NOT_SUPPORTED = "not_supported"


def _open_count_change(proposal_id: int, delta: int) -> bool:
    result = db.session.execute(
        update(Proposal)
        .where(Proposal.id == proposal_id, Proposal.status.in_(OPEN_STATUSES))
        .values(support_count=Proposal.support_count + delta)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _ensure_ballot(cycle_id: int, user_id: int) -> None:
    exists = db.session.scalar(
        select(Ballot.id).where(Ballot.cycle_id == cycle_id, Ballot.user_id == user_id)
    )
    if exists is None:
        try:
            with db.session.begin_nested():
                db.session.add(Ballot(cycle_id=cycle_id, user_id=user_id, used=0))
        except IntegrityError:  # created by a concurrent request of the same resident
            pass


def follow(proposal_id: int, user_id: int) -> bool:
    """Follow quietly (supporting or commenting follows); False when already following."""
    if db.session.scalar(
        select(Follow.id).where(Follow.proposal_id == proposal_id, Follow.user_id == user_id)
    ):
        return False
    try:
        with db.session.begin_nested():
            db.session.add(Follow(proposal_id=proposal_id, user_id=user_id))
    except IntegrityError:
        return False
    return True


def add_support(proposal: Proposal, user_id: int, limit: int) -> Outcome:
    """Record a support and commit, or roll back and say why not. The caller checked the
    phase and that the resident may support at all."""
    begin_write()
    proposal_id, cycle_id = proposal.id, proposal.cycle_id
    try:
        if db.session.scalar(
            select(Support.id).where(Support.proposal_id == proposal_id, Support.user_id == user_id)
        ):
            db.session.rollback()
            return Outcome.ALREADY
        _ensure_ballot(cycle_id, user_id)
        raised = db.session.execute(
            update(Ballot)
            .where(Ballot.cycle_id == cycle_id, Ballot.user_id == user_id, Ballot.used < limit)
            .values(used=Ballot.used + 1)
            .execution_options(synchronize_session=False)
        )
        if raised.rowcount != 1:
            db.session.rollback()
            return Outcome.LIMIT
        try:
            with db.session.begin_nested():
                db.session.add(Support(proposal_id=proposal_id, user_id=user_id))
        except IntegrityError:  # a double tap of the same resident won the race
            db.session.rollback()
            return Outcome.ALREADY
        if not _open_count_change(proposal_id, +1):
            db.session.rollback()
            return Outcome.CLOSED
        follow(proposal_id, user_id)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    db.session.refresh(proposal)
    return Outcome.ADDED


def withdraw_support(proposal: Proposal, user_id: int) -> Outcome:
    begin_write()
    proposal_id, cycle_id = proposal.id, proposal.cycle_id
    try:
        removed = db.session.execute(
            delete(Support)
            .where(Support.proposal_id == proposal_id, Support.user_id == user_id)
            .execution_options(synchronize_session=False)
        )
        if removed.rowcount != 1:
            db.session.rollback()
            return Outcome.NOT_SUPPORTED
        db.session.execute(
            update(Ballot)
            .where(Ballot.cycle_id == cycle_id, Ballot.user_id == user_id, Ballot.used > 0)
            .values(used=Ballot.used - 1)
            .execution_options(synchronize_session=False)
        )
        if not _open_count_change(proposal_id, -1):
            db.session.rollback()
            return Outcome.CLOSED
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    db.session.refresh(proposal)
    return Outcome.REMOVED


def merge_supports(source: Proposal, target: Proposal) -> tuple[int, int]:
    """Move `source`'s supports to `target` inside the caller's transaction (the caller
    took the write lock, marked `source` merged and commits). A resident who supported
    both keeps one support, and gets the other back on their ballot. Returns (moved,
    refunded); both counts are recomputed from the rows."""
    both = select(Support.user_id).where(Support.proposal_id == target.id)
    doubled = list(
        db.session.execute(
            select(Support.user_id).where(
                Support.proposal_id == source.id, Support.user_id.in_(both)
            )
        ).scalars()
    )
    if doubled:
        db.session.execute(
            delete(Support)
            .where(Support.proposal_id == source.id, Support.user_id.in_(doubled))
            .execution_options(synchronize_session=False)
        )
        db.session.execute(
            update(Ballot)
            .where(
                Ballot.cycle_id == source.cycle_id,
                Ballot.user_id.in_(doubled),
                Ballot.used > 0,
            )
            .values(used=Ballot.used - 1)
            .execution_options(synchronize_session=False)
        )
    moved = db.session.execute(
        update(Support)
        .where(Support.proposal_id == source.id)
        .values(proposal_id=target.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    # Followers of the merged proposal follow the one it went into.
    already = select(Follow.user_id).where(Follow.proposal_id == target.id)
    followers = db.session.execute(
        select(Follow.user_id).where(
            Follow.proposal_id == source.id, Follow.user_id.not_in(already)
        )
    ).scalars()
    db.session.add_all(Follow(proposal_id=target.id, user_id=uid) for uid in followers)
    for proposal in (source, target):
        proposal.support_count = db.session.scalar(
            select(func.count(Support.id)).where(Support.proposal_id == proposal.id)
        )
    return moved, len(doubled)
