"""The audit log: every staff action that changes state, with who, what, when, before/after."""

from __future__ import annotations

from typing import Any

from flask import has_request_context
from flask_login import current_user

from .extensions import db
from .models import AuditEntry


def record(
    action: str,
    obj_type: str,
    obj_id: Any = None,
    *,
    kelurahan=None,
    before: dict | None = None,
    after: dict | None = None,
    actor=None,
) -> AuditEntry:
    """Add an entry to the session; it is committed with the change it describes."""
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        kelurahan_id=getattr(kelurahan, "id", None),
        action=action,
        object_type=obj_type,
        object_id=None if obj_id is None else str(obj_id),
        before=before,
        after=after,
    )
    db.session.add(entry)
    return entry
