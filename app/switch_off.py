"""Switching a plugin off in one kelurahan: what disappears, and who is told.

The admin first reads the plugin's impact on a confirmation page (what the core knows of
every plugin: its pages, menu entries, map layers and widgets; what the plugin says of its
own live data through `kp_plugin_off_impact`), then confirms; the people named there are
notified in the same transaction as the switch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .extensions import db
from .models import GroupMember, Role, User


@dataclass(frozen=True)
class OffImpact:
    """One thing residents lose when the plugin is switched off (`text`, a short
    Indonesian sentence), and the community groups it concerns: their leaders are told
    when the admin confirms (the shops whose catalogue disappears)."""

    text: Any
    groups: tuple = ()


@dataclass
class Impact:
    """The confirmation page's content for one plugin in one kelurahan."""

    pages_url: str | None
    nav: list[str] = field(default_factory=list)
    layers: list[str] = field(default_factory=list)
    widgets: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    groups: list = field(default_factory=list)
    staff: list[User] = field(default_factory=list)
    city_admins: list[User] = field(default_factory=list)
    leaders: list[User] = field(default_factory=list)

    @property
    def recipients(self) -> list[User]:
        seen: dict[int, User] = {}
        for user in (*self.staff, *self.city_admins, *self.leaders):
            seen.setdefault(user.id, user)
        return list(seen.values())


def _staff(kelurahan, manifest, actor) -> list[User]:
    """The kelurahan's admins, and its petugas when they work with the plugin (hold one
    of its permissions); never the admin switching it off."""
    from .permissions import active_accounts_with_roles, is_granted

    roles = [Role.ADMIN.value]
    if any(is_granted(kelurahan, p.key, Role.PETUGAS.value) for p in manifest.permissions):
        roles.append(Role.PETUGAS.value)
    return active_accounts_with_roles(kelurahan, roles, except_id=getattr(actor, "id", None))


def _city_admins(actor) -> list[User]:
    return list(
        db.session.execute(
            select(User)
            .where(
                User.is_city_admin.is_(True),
                User.is_active_account.is_(True),
                User.id != getattr(actor, "id", None),
            )
            .order_by(User.display_name, User.id)
        ).scalars()
    )


def _leaders(groups: list, actor) -> list[User]:
    ids = sorted({group.id for group in groups})
    if not ids:
        return []
    return list(
        db.session.execute(
            select(User)
            .join(GroupMember, GroupMember.user_id == User.id)
            .where(
                GroupMember.group_id.in_(ids),
                GroupMember.role == "ketua",
                GroupMember.status == "active",
                User.is_active_account.is_(True),
                User.id != getattr(actor, "id", None),
            )
            .order_by(User.display_name, User.id)
        ).scalars()
    )


def impact(kelurahan, plugin_id: str, user, *, pages: bool = True) -> Impact:
    """What switching `plugin_id` off in `kelurahan` takes away, and whom it tells. Asks
    the plugin itself (it is still on); a plugin hook that fails is left out. With
    `pages=False` only who is told (the confirmed switch needs no more)."""
    from .plugins import host

    kp = host()
    manifest = kp.manifests[plugin_id]
    prefix = f"/k/<kelurahan_slug>/{manifest.url_path}/"
    has_pages = any(r.rule.startswith(prefix) for r in current_app.url_map.iter_rules())
    result = Impact(f"/k/{kelurahan.slug}/{manifest.url_path}/" if has_pages else None)
    if pages:
        _what_disappears(result, kp, kelurahan, plugin_id, user)
    for item in kp.collect_from(plugin_id, "kp_plugin_off_impact", kelurahan, kelurahan=kelurahan):
        if isinstance(item, OffImpact):
            result.lines.append(str(item.text))
            result.groups.extend(g for g in item.groups if g.kelurahan_id == kelurahan.id)
        else:
            result.lines.append(str(item))
    result.staff = _staff(kelurahan, manifest, user)
    result.city_admins = _city_admins(user)
    result.leaders = _leaders(result.groups, user)
    return result


def _what_disappears(result: Impact, kp, kelurahan, plugin_id: str, user) -> None:
    result.nav = [
        str(item.label)
        for item in kp.collect_from(
            plugin_id, "kp_nav_items", kelurahan, kelurahan=kelurahan, user=user
        )
    ]
    result.layers = [
        str(layer.name)
        for layer in kp.collect_from(plugin_id, "kp_map_layers", kelurahan, kelurahan=kelurahan)
    ]
    result.widgets = [
        str(widget.title)
        for widget in kp.collect_from(
            plugin_id, "kp_home_widgets", kelurahan, kelurahan=kelurahan, user=user
        )
    ]


def notify_switched_off(kelurahan, plugin_id: str, actor, who: Impact) -> int:
    """Tell the people on the confirmation page; added to the session, committed with the
    switch. Returns how many were told."""
    from .notify import notify
    from .plugins import host

    name = host().manifests[plugin_id].name
    actor_name = getattr(actor, "display_name", "")
    staff_message = _l(
        "%(actor)s mematikan fitur %(plugin)s di Kelurahan %(k)s. Datanya tidak dihapus "
        "dan kembali saat fitur dinyalakan lagi.",
        actor=actor_name,
        plugin=name,
        k=kelurahan.name,
    )
    url = url_for("admin.plugins", kelurahan_slug=kelurahan.slug)
    told = set()
    for user in (*who.staff, *who.city_admins):
        if user.id not in told:
            notify(user, staff_message, url=url, kelurahan=kelurahan)
            told.add(user.id)
    group_message = _l(
        "Kelurahan %(k)s mematikan fitur %(plugin)s. Isi kelompok Anda di fitur itu tidak "
        "tampil untuk sementara; tidak ada yang dihapus.",
        plugin=name,
        k=kelurahan.name,
    )
    for user in who.leaders:
        if user.id not in told:
            notify(user, group_message, kelurahan=kelurahan)
            told.add(user.id)
    return len(told)
