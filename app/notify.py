"""Notifications: in-app, plus a message through the swappable sender."""

from __future__ import annotations

from flask import current_app

from .extensions import db
from .mail import send_to_user
from .models import Notification


def notify(user, message: str, *, url: str | None = None, kelurahan=None, send: bool = True):
    """Tell `user` something. Added to the session; committed with the change it reports."""
    note = Notification(
        user_id=user.id, kelurahan_id=getattr(kelurahan, "id", None), message=message, url=url
    )
    db.session.add(note)
    if send:
        link = ""
        if url:
            base = current_app.config.get("KP_PUBLIC_URL") or ""
            link = f"\n\n{base}{url}"
        send_to_user(user, message[:120], f"{message}{link}")
    return note
