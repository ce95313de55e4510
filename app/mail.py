"""Outgoing messages through a swappable sender (`KP_MAIL_SENDER = "module:Class"`).

The default `OutboxSender` writes every message to the log and to the outbox table, which
the city admin reads at /kota/outbox. `SmtpSender` also delivers e-mail through
`KP_SMTP_URL` (smtp://user:pass@host:587). A sender has one method:
`send(channel, recipient, subject, body)` where channel is "email" or "sms".
"""

from __future__ import annotations

import importlib
import logging
import smtplib
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from flask import current_app

from .extensions import db
from .models import OutboxMessage

log = logging.getLogger(__name__)


class OutboxSender:
    def __init__(self, app):
        self.app = app

    def send(self, channel: str, recipient: str, subject: str, body: str) -> None:
        log.info("outbox %s to %s: %s", channel, recipient, subject)
        db.session.add(
            OutboxMessage(channel=channel, recipient=recipient, subject=subject, body=body)
        )


class SmtpSender(OutboxSender):
    """Delivers e-mail over SMTP (STARTTLS when the port is 587); SMS stays in the outbox."""

    def send(self, channel: str, recipient: str, subject: str, body: str) -> None:
        super().send(channel, recipient, subject, body)
        if channel != "email":
            return
        url = urlsplit(self.app.config["KP_SMTP_URL"])
        message = EmailMessage()
        message["From"] = self.app.config["KP_MAIL_FROM"]
        message["To"] = recipient
        message["Subject"] = subject
        message.set_content(body)
        with smtplib.SMTP(url.hostname, url.port or 587, timeout=10) as smtp:
            if (url.port or 587) == 587:
                smtp.starttls()
            if url.username:
                smtp.login(unquote(url.username), unquote(url.password or ""))
            smtp.send_message(message)


def sender():
    app = current_app._get_current_object()
    if "kp_sender" not in app.extensions:
        module_name, _, class_name = app.config["KP_MAIL_SENDER"].partition(":")
        cls = getattr(importlib.import_module(module_name), class_name)
        app.extensions["kp_sender"] = cls(app)
    return app.extensions["kp_sender"]


def send_to_user(user, subject: str, body: str) -> None:
    """E-mail when the account has one, otherwise a text message to the phone."""
    if user.email:
        sender().send("email", user.email, subject, body)
    elif user.phone:
        sender().send("sms", user.phone, subject, body)
