"""Reading proposals for pages, exports and hooks: each a fixed number of queries."""

from __future__ import annotations

from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from app.kit import db, degree_box, distance_m, snippet

from .models import Ballot, Cycle, Proposal, Status, Support

FILTER_STATUSES = {
    "diajukan": (Status.SUBMITTED.value,),
    "diterima": (Status.ACCEPTED.value,),
    "agenda": (Status.SUBMITTED.value, Status.ACCEPTED.value),  # over the threshold, below
    "tidak_diterima": (Status.REJECTED.value,),
    "digabung": (Status.MERGED.value,),
}


def _with_people(query):
    return query.options(
        selectinload(Proposal.author), selectinload(Proposal.group), selectinload(Proposal.photos)
    )


def filtered(cycle: Cycle, *, category: str = "", rw: str = "", rt: str = "", status: str = ""):
    """The statement for a cycle's proposals under the report's filters."""
    query = select(Proposal).where(Proposal.cycle_id == cycle.id)
    if category:
        query = query.where(Proposal.category == category)
    if rw:
        query = query.where(Proposal.rw == rw)
    if rt:
        query = query.where(Proposal.rt == rt)
    if status in FILTER_STATUSES:
        query = query.where(Proposal.status.in_(FILTER_STATUSES[status]))
        if status == "agenda":
            query = query.where(Proposal.support_count >= cycle.support_threshold)
    return query


def report_rows(cycle: Cycle, **filters) -> list[Proposal]:
    """Ranked first (by rank), then by supports, newest last."""
    query = filtered(cycle, **filters).order_by(
        Proposal.result_rank.is_(None),
        Proposal.result_rank,
        Proposal.support_count.desc(),
        Proposal.id,
    )
    return list(db.session.execute(_with_people(query)).scalars())


def supported_ids(proposal_ids) -> set[int]:
    if not current_user.is_authenticated or not proposal_ids:
        return set()
    return set(
        db.session.execute(
            select(Support.proposal_id).where(
                Support.user_id == current_user.id, Support.proposal_id.in_(list(proposal_ids))
            )
        ).scalars()
    )


def supports_used(cycle: Cycle, user=None) -> int:
    user = user or current_user
    if not getattr(user, "is_authenticated", False):
        return 0
    return int(
        db.session.scalar(
            select(Ballot.used).where(Ballot.cycle_id == cycle.id, Ballot.user_id == user.id)
        )
        or 0
    )


def rw_values(cycle: Cycle) -> list[str]:
    return list(
        db.session.execute(
            select(Proposal.rw)
            .where(Proposal.cycle_id == cycle.id, Proposal.rw != "")
            .distinct()
            .order_by(Proposal.rw)
        ).scalars()
    )


def counts(cycle: Cycle) -> dict:
    """Figures for the cycle's head: proposals, supports, residents who supported, and how
    many reached the threshold, were accepted and were prioritised."""
    open_ = Proposal.status.in_((Status.SUBMITTED.value, Status.ACCEPTED.value))
    row = db.session.execute(
        select(
            func.count(Proposal.id),
            func.coalesce(func.sum(Proposal.support_count), 0),
            func.count(Proposal.id).filter(
                open_, Proposal.support_count >= cycle.support_threshold
            ),
            func.count(Proposal.id).filter(Proposal.status == Status.ACCEPTED.value),
            func.count(Proposal.id).filter(
                Proposal.result.in_(("prioritas", "rkpd", "diteruskan"))
            ),
        ).where(Proposal.cycle_id == cycle.id)
    ).one()
    supporters = db.session.scalar(
        select(func.count(Ballot.id)).where(Ballot.cycle_id == cycle.id, Ballot.used > 0)
    )
    return {
        "proposals": row[0],
        "supports": int(row[1]),
        "over_threshold": row[2],
        "accepted": row[3],
        "chosen": row[4],
        "supporters": int(supporters or 0),
    }


SIMILAR_RADIUS_M = 250
STOPWORDS = {"yang", "untuk", "dan", "dengan", "di", "ke", "dari", "pada", "rt", "rw", "jalan"}


def similar(cycle: Cycle, title: str, point: tuple[float, float] | None, *, except_id=None):
    """Up to 5 proposals of the cycle sharing a word (4+ letters) of the title, or within
    250 m of the point: what the resident might support instead of submitting twice."""
    words = [
        w
        for w in {w.strip(".,;:!?()\"'").lower() for w in (title or "").split()}
        if len(w) >= 4 and w not in STOPWORDS
    ][:6]
    conditions = [func.lower(Proposal.title).contains(w, autoescape=True) for w in words]
    if point is not None:
        south, north, west, east = degree_box(point[0], point[1], SIMILAR_RADIUS_M)
        conditions.append((Proposal.lat.between(south, north)) & (Proposal.lng.between(west, east)))
    if not conditions:
        return []
    query = select(Proposal).where(
        Proposal.cycle_id == cycle.id,
        Proposal.status.in_((Status.SUBMITTED.value, Status.ACCEPTED.value)),
        or_(*conditions),
    )
    if except_id is not None:
        query = query.where(Proposal.id != except_id)
    found = list(
        db.session.execute(query.order_by(Proposal.support_count.desc()).limit(40)).scalars()
    )

    def score(p: Proposal):
        shared = sum(1 for w in words if w in p.title.lower())
        near = (
            point is not None and distance_m(point[0], point[1], p.lat, p.lng) <= SIMILAR_RADIUS_M
        )
        return (-(shared + (2 if near else 0)), -p.support_count, p.id)

    found = [
        p
        for p in found
        if any(w in p.title.lower() for w in words)
        or (point is not None and distance_m(point[0], point[1], p.lat, p.lng) <= SIMILAR_RADIUS_M)
    ]
    return [
        {"proposal": p, "snippet": snippet(p.problem, 120)} for p in sorted(found, key=score)[:5]
    ]
