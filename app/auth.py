"""Sign-in plumbing and the permission checks every view uses."""

from __future__ import annotations

import re
from functools import wraps

from flask import abort, g
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user

from .extensions import db
from .models import Role, User


def configure_login(login_manager: LoginManager) -> None:
    login_manager.login_view = "account.login"
    login_manager.login_message = _l("Silakan masuk terlebih dahulu.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        return user_for_session(user_id)


SESSION_ID = re.compile(r"(\d{1,18})(?::(\d{1,9}))?")


def user_for_session(session_id: str) -> User | None:
    """The account a session or remember-me cookie names ("<id>:<session version>"), or None
    when its version is no longer current, the account is deactivated, or the value is
    malformed. A bare "<id>" (sessions made before versions existed) counts as version 0, so it
    ends with the first sign-out, new password or deactivation."""
    match = SESSION_ID.fullmatch(session_id) if isinstance(session_id, str) else None
    if match is None:
        return None
    user = db.session.get(User, int(match.group(1)))
    version = int(match.group(2) or 0)
    if user is None or (user.session_version or 0) != version or not user.is_active:
        return None
    return user


def end_sessions(user: User) -> None:
    """End every session and remember-me cookie of `user` (committed by the caller). One
    UPDATE ... SET v = v + 1, so two at once both count."""
    user.session_version = User.session_version + 1


def login_required(view):
    """Flask-Login's check, re-exported so views import permissions from one place."""
    from flask_login import login_required as _required

    return _required(view)


def role_required(minimum: Role):
    """The signed-in user must hold `minimum` or higher in the current kelurahan."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            from flask import current_app

            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()
            if not current_user.has_role(g.kelurahan, minimum):
                abort(403)
            return view(*args, **kwargs)

        wrapped.kp_role = minimum.value  # read by the generated route tests
        return wrapped

    return decorator


staff_required = role_required(Role.PETUGAS)
admin_required = role_required(Role.ADMIN)


def city_admin_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        from flask import current_app

        if not current_user.is_authenticated:
            return current_app.login_manager.unauthorized()
        if not current_user.is_city_admin:
            abort(403)
        return view(*args, **kwargs)

    wrapped.kp_role = "admin_kota"
    return wrapped


def is_staff(kelurahan=None) -> bool:
    kelurahan = kelurahan or g.get("kelurahan")
    return current_user.is_authenticated and current_user.has_role(kelurahan, Role.PETUGAS)


def is_admin(kelurahan=None) -> bool:
    kelurahan = kelurahan or g.get("kelurahan")
    return current_user.is_authenticated and current_user.has_role(kelurahan, Role.ADMIN)
