"""Notifications: in-app, plus a message through the swappable sender."""

from __future__ import annotations

from flask import current_app
from flask_babel import force_locale

from .extensions import db
from .mail import send_to_user
from .models import Notification
from .urls import public_base


def notify(user, message, *, url: str | None = None, kelurahan=None, send: bool = True):
    """Tell `user` something. Added to the session; committed with the change it reports.

    Pass `message` as a lazy string (`lazy_gettext(..., name=...)`): it is rendered in the
    recipient's language, not in the language of whoever caused it.
    """
    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        text = str(message)
    note = Notification(
        user_id=user.id, kelurahan_id=getattr(kelurahan, "id", None), message=text[:500], url=url
    )
    db.session.add(note)
    if send:
        link = ""
        if url:
            # KP_PUBLIC_URL (a fixed local address in development), never the Host header.
            link = f"\n\n{public_base()}{url}"
        send_to_user(user, text[:120], f"{text}{link}")
    return note
