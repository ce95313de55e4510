"""Who may do what. Lookups go through the kelurahan scope (`get_or_404`), so another
kelurahan's id answers 404."""

from __future__ import annotations

from flask_login import current_user

from app.kit import can, plugin_settings

PLUGIN_ID = "facilities"
MANAGE = "facilities.manage"
BOOKINGS = "facilities.bookings"
ALERTS = "facilities.alerts"


def settings(kelurahan=None) -> dict:
    return plugin_settings(PLUGIN_ID, kelurahan)


def signed_in(user=None) -> bool:
    return bool(getattr(user or current_user, "is_authenticated", False))


def can_manage(user=None) -> bool:
    return signed_in(user) and can(MANAGE, user=user or current_user)


def can_decide_bookings(user=None) -> bool:
    return signed_in(user) and can(BOOKINGS, user=user or current_user)


def can_post_alerts(user=None) -> bool:
    return signed_in(user) and can(ALERTS, user=user or current_user)


def rw_choices(kelurahan=None) -> list[str]:
    """The kelurahan's RWs, "001" up to its `rw_count` setting."""
    return [f"{n:03d}" for n in range(1, int(settings(kelurahan)["rw_count"]) + 1)]
