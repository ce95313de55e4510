"""Small reads several pages and plugins need, each one statement."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from sqlalchemy import func, select

from .extensions import db


def count_rows(query) -> int:
    """How many rows a select returns, in one COUNT."""
    return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0


def count_and_oldest(query, column) -> tuple[int, Any]:
    """(count, smallest `column`) of a select, in one statement: a staff queue's size and
    the time of its oldest item."""
    sub = query.with_only_columns(column.label("at")).subquery()
    count, oldest = db.session.execute(select(func.count(), func.min(sub.c.at))).one()
    if oldest is not None and getattr(oldest, "tzinfo", True) is None:
        oldest = oldest.replace(tzinfo=UTC)  # SQLite forgets the zone of an aggregate
    return count or 0, oldest


def latest(model, limit: int, *where, order_by=None) -> list:
    """The newest rows of a model (by `created_at`, then id)."""
    order = order_by if order_by is not None else (model.created_at.desc(), model.id.desc())
    order = order if isinstance(order, tuple) else (order,)
    return list(
        db.session.execute(select(model).where(*where).order_by(*order).limit(limit)).scalars()
    )
