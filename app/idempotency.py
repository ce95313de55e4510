"""Idempotent create forms: a POST sent twice (a lost answer retried, a double tap, the back
button) creates one row, and the second answer goes to the first result.

A create form mixes in `IdempotentForm`, which adds a hidden `submission_token` field holding
a fresh random token each time the form is shown (the template renders it with the
`submission_token(form)` macro of macros/ui.html). The view:

    form = ShopForm()
    if (done := kit.already_done(form)) is not None:
        return done  # this token already created something: go and see it
    if form.validate_on_submit():
        shop = Shop(...)
        db.session.add(shop)
        db.session.flush()  # the id, for the URL
        kit.remember_result(form, url_for("umkm.dashboard", shop_id=shop.id))
        db.session.commit()

`remember_result` writes a `SubmissionToken` in the same transaction as the created row. When
a concurrent duplicate was first, the token's unique constraint refuses the second: the
transaction is rolled back and the request is answered with a redirect to the stored result
(`AlreadySubmitted`). A token held by another account is refused by the form's validation:
the form comes back with a message and a fresh token. A POST without a (well-formed) token,
say from an old page or a script, is simply not idempotent.
"""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

from flask import Flask, flash, redirect
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException
from wtforms import HiddenField, ValidationError

from .extensions import db
from .models import SubmissionToken, utcnow

TOKEN_FIELD = "submission_token"  # noqa: S105 - a form field name, not a secret
_WELL_FORMED = re.compile(r"[A-Za-z0-9_-]{16,64}")  # what new_token() makes; fits the column
KEEP = timedelta(days=1)


def new_token() -> str:
    return secrets.token_urlsafe(24)


class IdempotentForm:
    """Mixin for a FlaskForm that creates something (`class ShopForm(IdempotentForm,
    FlaskForm)`): adds the hidden token and refuses another account's token."""

    submission_token = HiddenField(default=new_token)

    def validate_submission_token(self, field):
        found = _stored(self)
        if found is not None and found.user_id != _user_id():
            field.data = new_token()
            raise ValidationError(
                _l("Formulir ini tidak bisa dipakai lagi. Periksa isinya lalu kirim ulang.")
            )


class AlreadySubmitted(HTTPException):
    """Raised by remember_result when a concurrent duplicate created the result first."""

    code = 303

    def __init__(self, url: str):
        super().__init__()
        self.url = url


def _user_id() -> int | None:
    return current_user.id if current_user.is_authenticated else None


def token_of(form) -> str | None:
    """The form's token when it is one of ours (anything else is ignored)."""
    field = getattr(form, TOKEN_FIELD, None)
    if field is None or (form.is_submitted() and not field.raw_data):
        return None  # posted without one: the default made up just now proves nothing
    value = field.data
    return value if isinstance(value, str) and _WELL_FORMED.fullmatch(value) else None


def _stored(form) -> SubmissionToken | None:
    """The stored row of the form's token, looked up once per form."""
    if not hasattr(form, "_kp_stored_token"):
        token = token_of(form)
        form._kp_stored_token = (
            db.session.execute(
                select(SubmissionToken).where(SubmissionToken.token == token)
            ).scalar_one_or_none()
            if token
            else None
        )
    return form._kp_stored_token


def _go_to_result(url: str, flash_message: bool = True):
    if flash_message:
        flash(_("Formulir ini sudah terkirim sebelumnya. Ini hasilnya."), "info")
    return redirect(url, 303)


def already_done(form, *, flash_message: bool = True):
    """On a POST whose token already created something for this account: a redirect to
    that result (with a message, unless `flash_message` is False: an htmx view answers
    with its fragment instead); otherwise None and the view goes on."""
    if not form.is_submitted():
        return None
    found = _stored(form)
    if found is None or found.user_id != _user_id() or not found.result_url:
        return None
    return _go_to_result(found.result_url, flash_message)


def remember_result(form, url: str) -> None:
    """Record that the form's token created the thing at `url`, in the current transaction
    (call it after adding and flushing the new row, before the commit). Raises
    AlreadySubmitted, after a rollback, when a concurrent duplicate was first."""
    token = token_of(form)
    if token is None:
        return
    db.session.add(SubmissionToken(token=token, user_id=_user_id(), result_url=url))
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        first = db.session.execute(
            select(SubmissionToken).where(SubmissionToken.token == token)
        ).scalar_one_or_none()
        if first is None or first.user_id != _user_id() or not first.result_url:
            raise
        raise AlreadySubmitted(first.result_url) from None


def prune(older_than: timedelta = KEEP) -> int:
    """Delete tokens older than `older_than` (a day: nobody retries a form later); returns
    how many. Run daily by `flask kp submissions prune`; the caller commits."""
    result = db.session.execute(
        delete(SubmissionToken).where(SubmissionToken.created_at < utcnow() - older_than)
    )
    return result.rowcount or 0


def init_app(app: Flask) -> None:
    app.register_error_handler(AlreadySubmitted, lambda exc: _go_to_result(exc.url))
