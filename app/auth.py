"""Sign-in plumbing and the permission checks every view uses."""

from __future__ import annotations

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
        try:
            return db.session.get(User, int(user_id))
        except (TypeError, ValueError):
            return None


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
