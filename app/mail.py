"""Outgoing messages: every message is kept in the outbox, then handed to a swappable sender
(`KP_MAIL_SENDER = "module:Class"`).

The city admin reads the outbox at /kota/outbox. The default `OutboxSender` delivers nothing:
the outbox is the whole of it. `SmtpSender` also delivers e-mail through `KP_SMTP_URL`
(smtp://user:pass@host:587). `HttpGatewaySender` adds text messages through an HTTP SMS
gateway (`KP_SMS_GATEWAY_URL`), so phone-only residents are reached too. `ConsoleSender`,
the default in development (`make run`), prints each message on the terminal, so sign-up and
reset links can be followed without a mail server; it is refused in production. A sender's
`deliver(channel, recipient, subject, body)`, where channel is "email" or "sms", returns True
when it delivered and raises on failure. `delivers(channel)` says whether it can deliver that
channel at all, so a page never claims a text message went out when nothing can send one.

Two rules hold for every message, whoever sends it:
- headers never carry line breaks: subjects are built from user text (a report title, a shop
  name), and a CR or LF there would break the SMTP header;
- a failed delivery never fails the action that caused it. The message stays in the outbox
  with its error, and `flask kp outbox retry` sends it again.

A message carrying a one-time secret (a reset link) is delivered with it, but the outbox row
and the log keep it masked, so neither holds a live secret; such a message cannot be retried.
"""

from __future__ import annotations

import importlib
import json
import logging
import re
import smtplib
import sys
import urllib.request
from email.message import EmailMessage
from urllib.parse import unquote, urlencode, urlsplit

from flask import current_app
from sqlalchemy import select

from .extensions import db
from .models import OutboxMessage, utcnow

log = logging.getLogger(__name__)

SUBJECT_MAX = 200
SECRET_MASK = "••••••"  # noqa: S105 - the mask, not a secret
# Line and paragraph separators too: mail clients and SMTP libraries treat some as breaks.
_HEADER_BREAKS = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")


def header_text(value: str, limit: int = SUBJECT_MAX) -> str:
    """User text made safe for a message header: one line, no control characters."""
    return " ".join(_HEADER_BREAKS.sub(" ", str(value)).split())[:limit]


def mask(text: str, secret: str | None) -> str:
    return text.replace(secret, SECRET_MASK) if secret else text


class OutboxSender:
    """Keeps messages in the outbox only (tests, and cities without a mail server)."""

    def __init__(self, app):
        self.app = app

    def deliver(self, channel: str, recipient: str, subject: str, body: str) -> bool:
        return False

    def delivers(self, channel: str) -> bool:
        """Whether this sender can deliver `channel` at all. A custom sender that overrides
        only `deliver` (written before this method existed) is taken at its word: everything."""
        return type(self).deliver is not OutboxSender.deliver


# Everything but line breaks and tabs: a display name typed at sign-up must not drive the
# developer's terminal (escape sequences).
_TERMINAL_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class ConsoleSender(OutboxSender):
    """Development: prints every message, links included, on the terminal running the app."""

    def deliver(self, channel: str, recipient: str, subject: str, body: str) -> bool:
        text = _TERMINAL_CONTROL.sub("", body)
        print(
            f"\n----- {channel} to {recipient} -----\n{subject}\n\n{text}\n-----",
            file=sys.stderr,
            flush=True,
        )
        return True


class SmtpSender(OutboxSender):
    """Delivers e-mail over SMTP (STARTTLS when the port is 587); SMS stays in the outbox."""

    def delivers(self, channel: str) -> bool:
        return channel == "email" and bool(self.app.config.get("KP_SMTP_URL"))

    def deliver(self, channel: str, recipient: str, subject: str, body: str) -> bool:
        if channel != "email":
            return False
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
        return True


GATEWAY_BODY = '{"to": "{to}", "message": "{message}"}'
_PLACEHOLDER = re.compile(r"\{(to|message)\}")


def _fill(template, values: dict[str, str]):
    """The JSON template with the placeholders replaced inside its strings (keys and values):
    the template is parsed first and dumped after, so any text is escaped, never spliced."""
    if isinstance(template, str):
        return _PLACEHOLDER.sub(lambda m: values[m.group(1)], template)
    if isinstance(template, dict):
        return {_fill(key, values): _fill(value, values) for key, value in template.items()}
    if isinstance(template, list):
        return [_fill(item, values) for item in template]
    return template


def gateway_number(phone: str, number_format: str) -> str:
    """E.164 (+62812...) as kept, or the local form (0812...) some gateways want."""
    if number_format == "local" and phone.startswith("+62"):
        return "0" + phone[3:]
    return phone


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirect would resend the bearer token and the message elsewhere: a 3xx is a failure.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class HttpGatewaySender(SmtpSender):
    """Delivers text messages through an HTTP SMS gateway (`KP_SMS_GATEWAY_URL`, a bearer
    `KP_SMS_GATEWAY_TOKEN`, a JSON body template `KP_SMS_GATEWAY_BODY`, form-encoded with
    `KP_SMS_GATEWAY_FORM=1`); e-mail still goes by SMTP when `KP_SMTP_URL` is set. Any answer
    but 2xx raises, so the outbox keeps the error and `flask kp outbox retry` tries again."""

    TIMEOUT_SECONDS = 10

    def delivers(self, channel: str) -> bool:
        if channel == "sms":
            return bool(self.app.config.get("KP_SMS_GATEWAY_URL"))
        return super().delivers(channel)

    def deliver(self, channel: str, recipient: str, subject: str, body: str) -> bool:
        if not self.delivers(channel):
            return False
        if channel == "email":
            return super().deliver(channel, recipient, subject, body)
        config = self.app.config
        message = f"{subject}\n{body}" if subject else body
        values = {
            "to": gateway_number(recipient, config.get("KP_SMS_GATEWAY_NUMBER_FORMAT", "e164")),
            "message": message,
        }
        filled = _fill(json.loads(config.get("KP_SMS_GATEWAY_BODY") or GATEWAY_BODY), values)
        if config.get("KP_SMS_GATEWAY_FORM"):
            data = urlencode(filled).encode()
            content_type = "application/x-www-form-urlencoded"
        else:
            data = json.dumps(filled).encode()
            content_type = "application/json"
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked at start-up
            config["KP_SMS_GATEWAY_URL"],
            data=data,
            method="POST",
            headers={"Content-Type": content_type, "Accept": "application/json"},
        )
        token = config.get("KP_SMS_GATEWAY_TOKEN")
        if token:
            # Unredirected: never copied onto another request, never part of an error text.
            request.add_unredirected_header("Authorization", f"Bearer {token}")
        opener = urllib.request.build_opener(_NoRedirect)
        # HTTPError (any 4xx/5xx, and a 3xx not followed) says only the status, never the
        # body: a gateway may echo the message, reset link included.
        with opener.open(request, timeout=self.TIMEOUT_SECONDS) as response:
            if not 200 <= response.status < 300:
                raise RuntimeError(f"SMS gateway answered HTTP {response.status}")
        return True


def sender():
    app = current_app._get_current_object()
    if "kp_sender" not in app.extensions:
        module_name, _, class_name = app.config["KP_MAIL_SENDER"].partition(":")
        cls = getattr(importlib.import_module(module_name), class_name)
        app.extensions["kp_sender"] = cls(app)
    return app.extensions["kp_sender"]


def _attempt(message: OutboxMessage, body: str) -> None:
    """Hand one message to the sender, recording the outcome on its outbox row."""
    message.attempts = (message.attempts or 0) + 1
    try:
        delivered = sender().deliver(message.channel, message.recipient, message.subject, body)
    except Exception as exc:  # noqa: BLE001 - any sender failure is recorded, never raised
        message.error = f"{type(exc).__name__}: {exc}"[:1000]
        log.warning("outbox %s to %s not delivered: %s", message.channel, message.recipient, exc)
        return
    message.error = None
    if delivered:
        message.sent_at = utcnow()


def send_message(
    channel: str, recipient: str, subject: str, body: str, *, secret: str | None = None
) -> OutboxMessage:
    """Keep a message in the outbox and deliver it. Added to the session: it is committed with
    the change it reports. `secret` (a one-time token inside `body`) is delivered but masked in
    the outbox and the log."""
    message = OutboxMessage(
        channel=channel,
        recipient=header_text(recipient, 254),
        subject=header_text(subject),
        body=mask(body, secret),
        secret_masked=bool(secret),
    )
    db.session.add(message)
    log.info("outbox %s to %s: %s", message.channel, message.recipient, message.subject)
    _attempt(message, body)
    return message


def send_to_user(user, subject: str, body: str, *, secret: str | None = None) -> None:
    """E-mail when the account has one, otherwise a text message to the phone."""
    if user.email:
        send_message("email", user.email, subject, body, secret=secret)
    elif user.phone:
        send_message("sms", user.phone, subject, body, secret=secret)


def retry_failed(max_attempts: int = 5) -> tuple[int, int, int]:
    """Send again every kept message whose delivery failed. Returns (delivered, still failing,
    not retryable: their one-time secret was masked, the user must ask again)."""
    failed = db.session.execute(
        select(OutboxMessage)
        .where(OutboxMessage.error.is_not(None), OutboxMessage.sent_at.is_(None))
        .order_by(OutboxMessage.id)
    ).scalars()
    delivered = failing = skipped = 0
    for message in failed:
        if message.secret_masked or message.attempts >= max_attempts:
            skipped += 1
            continue
        _attempt(message, message.body)
        db.session.commit()
        if message.error is None:
            delivered += 1
        else:
            failing += 1
    return delivered, failing, skipped
