"""What every template can use: filters, the kelurahan menu, unread notifications."""

from __future__ import annotations

from flask import Flask, current_app, g, request
from flask_babel import format_number, get_locale
from flask_login import current_user
from sqlalchemy import func, select

from .auth import is_admin, is_staff
from .extensions import db
from .formatting import kg, rupiah, wib, wib_range
from .models import Notification
from .permissions import can, viewer_role
from .phone import InvalidPhone, format_phone, wa_me_url
from .plugins import DIMENSIONS, NavItem, host


def _wib(value, fmt: str = "datetime") -> str:
    return "" if value is None else wib(value, fmt)


def _phone(value) -> str:
    if not value:
        return ""
    try:
        return format_phone(value)
    except InvalidPhone:
        return value


def _wa_me(value, text: str | None = None) -> str:
    try:
        return wa_me_url(value, text)
    except InvalidPhone:
        return ""


def _plain_items(plugin: str, items: list) -> tuple[list, bool]:
    plain = [NavItem(str(i.label), i.url, i.order, i.icon, i.cache) for i in items]
    return plain, all(i.cache for i in items)


def nav_items():
    """The kelurahan's menu: every switched-on plugin's entries, cached per role."""
    kelurahan = g.get("kelurahan")
    if kelurahan is None:
        return []
    if "kp.nav" not in request.environ:  # the header and the page may both ask
        user = current_user if current_user.is_authenticated else None
        items = host().cached(
            "kp_nav_items",
            kelurahan,
            viewer_role(current_user, kelurahan),
            _plain_items,
            kelurahan=kelurahan,
            user=user,
        )
        request.environ["kp.nav"] = sorted(items, key=lambda item: item.order)
    return request.environ["kp.nav"]


def city_nav_items() -> list:
    """Links to the plugins' city-wide pages (the UMKM catalogue, the tourism guide), for
    the city home and the header outside a kelurahan."""
    user = current_user if current_user.is_authenticated else None
    return sorted(host().city_collect("kp_city_nav_items", user=user), key=lambda i: i.order)


def unread_notifications() -> int:
    if not current_user.is_authenticated:
        return 0
    if "_kp_unread" not in g:
        g._kp_unread = db.session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == current_user.id, Notification.read_at.is_(None))
        )
    return g._kp_unread


def _wib_range(start, end) -> str:
    return "" if start is None or end is None else wib_range(start, end)


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        rupiah=rupiah,
        wib=_wib,
        wib_range=_wib_range,
        kg=kg,
        phone=_phone,
        wa_me=_wa_me,
        number=format_number,
    )
    app.jinja_env.globals.update(
        nav_items=nav_items,
        city_nav_items=city_nav_items,
        unread_notifications=unread_notifications,
        dimension_labels=DIMENSIONS,
        is_admin=is_admin,
        is_staff=is_staff,
        can=can,
    )

    @app.context_processor
    def _context():
        return {
            "current_kelurahan": g.get("kelurahan"),
            "locale": str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"]),
            "tile_url": current_app.config["KP_TILE_URL"],
            "tile_attribution": current_app.config["KP_TILE_ATTRIBUTION"],
            "current_path": request.full_path.rstrip("?") if request else "/",
        }
