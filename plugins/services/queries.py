"""Reading letter types, a resident's requests and the service-time figures."""

from __future__ import annotations

from datetime import datetime

from flask_login import current_user
from sqlalchemy import select

from app.kit import WIB, cache, db, utcnow

from .models import LeaveDay, LetterType, Request
from .stats import ServiceTime, service_times


def letter_types() -> list[LetterType]:
    return list(
        db.session.execute(
            select(LetterType).order_by(LetterType.position, LetterType.name)
        ).scalars()
    )


def type_by_slug(slug: str) -> LetterType | None:
    if len(slug) > 60:
        return None
    return db.session.execute(
        select(LetterType).where(LetterType.slug == slug)
    ).scalar_one_or_none()


def my_requests(limit: int = 20) -> list[Request]:
    return list(
        db.session.execute(
            select(Request)
            .where(Request.requester_id == current_user.id)
            .order_by(Request.created_at.desc(), Request.id.desc())
            .limit(limit)
        ).scalars()
    )


def leave_days() -> frozenset:
    """The city's collective leave days, cached: every figure of every page needs them."""
    found = cache.get("services:leave")
    if found is None:
        found = frozenset(db.session.execute(select(LeaveDay.day)).scalars())
        cache.set("services:leave", found, timeout=3600)
    return found


def forget_leave_days() -> None:
    cache.delete("services:leave")


def service_times_for(types: list[LetterType], months: int = 3) -> dict[int, list[ServiceTime]]:
    """Each type's figures for the last `months` months (by the month the letter was ready),
    newest first; one query for all types."""
    since = month_start(months - 1)
    rows = db.session.execute(
        select(Request.letter_type_id, Request.complete_at, Request.ready_at).where(
            Request.ready_at >= since, Request.complete_at.is_not(None)
        )
    ).all()
    targets = {t.id: t.target_days for t in types}
    local = [
        (type_id, _day(complete), _day(ready))
        for type_id, complete, ready in rows
        if type_id in targets
    ]
    found: dict[int, list[ServiceTime]] = {t.id: [] for t in types}
    for figure in service_times(local, targets, leave_days()):
        found[figure.letter_type_id].append(figure)
    return found


def month_start(months_back: int) -> datetime:
    """Midnight WIB on the first day of the month `months_back` months before this one."""
    now = utcnow().astimezone(WIB)
    year, month = now.year, now.month - months_back
    while month <= 0:
        month += 12
        year -= 1
    return datetime(year, month, 1, tzinfo=WIB)


def _day(moment: datetime):
    return moment.astimezone(WIB).date()
