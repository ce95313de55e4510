"""Who hears about what: a shop's group about what staff decided. (Staff hear about shops
and flags waiting for them through `notify_holders("umkm.review", ...)` from the kit.)
Messages are lazy strings, rendered in each recipient's language; the person acting is never
told about their own action."""

from __future__ import annotations

from flask import g, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.kit import GroupMember, db, notify

from .models import Shop


def notify_group(shop: Shop, message) -> None:
    """Tell every active member of the shop's group, with a link to its dashboard."""
    members = db.session.execute(
        select(GroupMember)
        .where(GroupMember.group_id == shop.group_id, GroupMember.status == "active")
        .options(selectinload(GroupMember.user))
        .order_by(GroupMember.id)
    ).scalars()
    url = url_for("umkm.dashboard", shop_id=shop.id)
    for member in members:
        if member.user_id == current_user.id or not member.user.is_active_account:
            continue
        notify(member.user, message, url=url, kelurahan=g.kelurahan)
