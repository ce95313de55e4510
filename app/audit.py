"""The audit log: every staff action that changes state, with who, what, when, before/after.

Entries are stored as data (`action`, object, `before`/`after`) and read as sentences in the
reader's language: "Admin Siti mematikan Laporan warga". The core phrases its own actions
here; plugins phrase theirs with `kp_audit_phrases` (AuditPhrase, AuditObject from the kit).
An action nobody phrased still reads as a sentence, never as raw JSON.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from flask import has_request_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .extensions import db
from .models import AuditEntry, Group, User

log = logging.getLogger(__name__)


def record(
    action: str,
    obj_type: str,
    obj_id: Any = None,
    *,
    kelurahan=None,
    before: dict | None = None,
    after: dict | None = None,
    actor=None,
) -> AuditEntry:
    """Add an entry to the session; it is committed with the change it describes."""
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        kelurahan_id=getattr(kelurahan, "id", None),
        action=action,
        object_type=obj_type,
        object_id=None if obj_id is None else str(obj_id),
        before=before,
        after=after,
    )
    db.session.add(entry)
    return entry


# --------------------------------------------------------------------------------------------
# Phrasing: the vocabulary plugins extend
# --------------------------------------------------------------------------------------------

Details = dict[str, Any]


@dataclass(frozen=True)
class AuditPhrase:
    """How the audit log says one action, as a sentence in the reader's language.

    `text` is a lazy string (`_l`) with the placeholders `%(actor)s` (who: "Admin Siti",
    "Sistem") and `%(object)s` (what the entry is about: "laporan #12"), plus any that
    `values(before, after)` returns (a status label, a count). `text` may instead be a
    function of (before, after) returning the lazy string, for an action said differently
    depending on its details. `refs(before, after)` names more objects by placeholder,
    `{"group": ("group", 7)}`: they are looked up with every other row's at once.
    `details=False` hides the before/after disclosure when the sentence says it all.
    """

    action: str
    text: Any
    values: Callable[[Details, Details], dict] | None = None
    refs: Callable[[Details, Details], dict[str, tuple[str, Any]]] | None = None
    details: bool = True


@dataclass(frozen=True)
class AuditObject:
    """How the audit log names objects of one type (the `obj_type` given to `record`).

    `label` is a lazy string with `%(id)s` and `%(name)s`. `names(ids)` returns
    `{id: name}` for a list of ids (strings), in one query for the whole page, run across
    every kelurahan (the rows were already chosen); an id it does not know shows as `#id`.
    """

    type: str
    label: Any
    names: Callable[[list[str]], dict[str, str]] | None = None


def names_of(column) -> Callable[[list[str]], dict[str, str]]:
    """`AuditObject.names` for rows named by `column` (`Shop.name`, `TourEvent.title`): one
    query for the ids of a page of entries."""
    model = column.class_

    def names(ids: list[str]) -> dict[str, str]:
        numbers = row_ids(ids)
        rows = db.session.execute(select(model.id, column).where(model.id.in_(numbers)))
        return {str(row_id): str(name) for row_id, name in rows}

    return names


@dataclass
class AuditLine:
    """One entry as the audit pages show it."""

    entry: AuditEntry
    sentence: str
    details: list[tuple[str, str, str]] = field(default_factory=list)


def _role_label(role: str | None) -> str:
    from .forms import ROLE_LABELS
    from .permissions import GROUP_PREFIX

    if not role:
        return _("tanpa peran")
    if role.startswith(GROUP_PREFIX):
        name = _group_role_label(role[len(GROUP_PREFIX) :])
        return _("anggota kelompok dengan peran %(role)s", role=name)
    return str(ROLE_LABELS.get(role, role))


def _group_role_label(role: str | None) -> str:
    from .forms import GROUP_ROLE_LABELS
    from .plugins import host

    declared = {r.key: r.label for r in host().group_roles()}
    return str(declared.get(role) or GROUP_ROLE_LABELS.get(role, role or "—"))


def row_ids(ids: list[str]) -> list[int]:
    """The ids an `AuditObject.names` may query: row ids within the database's integer
    (an entry's object id is any string; a bad one must not fail the page's statement)."""
    from .input_guard import parse_id

    return [n for n in (parse_id(i) for i in ids) if n is not None]


def _user_names(ids: list[str]) -> dict[str, str]:
    numbers = row_ids(ids)
    rows = db.session.execute(select(User.id, User.display_name).where(User.id.in_(numbers)))
    return {str(uid): name for uid, name in rows}


def _group_names(ids: list[str]) -> dict[str, str]:
    numbers = row_ids(ids)
    rows = db.session.execute(select(Group.id, Group.name).where(Group.id.in_(numbers)))
    return {str(gid): name for gid, name in rows}


def _plugin_names(ids: list[str]) -> dict[str, str]:
    from .plugins import host

    manifests = host().manifests
    return {i: str(manifests[i].name) for i in ids if i in manifests}


def _permission_names(ids: list[str]) -> dict[str, str]:
    from .plugins import host

    known = host().permissions()
    return {i: str(known[i].label) for i in ids if i in known}


def _kelurahan_names(ids: list[str]) -> dict[str, str]:
    from .plugins import host

    return {str(k.id): k.name for k in host().all_kelurahan() if str(k.id) in ids}


def _role_change_text(before: Details, after: Details):
    if before.get("role") is None:
        return _l("%(actor)s menjadikan %(object)s %(after)s")
    return _l("%(actor)s mengubah peran %(object)s dari %(before)s menjadi %(after)s")


def _roles(before: Details, after: Details) -> dict:
    return {"before": _role_label(before.get("role")), "after": _role_label(after.get("role"))}


def _changed_count(before: Details, after: Details) -> dict:
    keys = [k for k in sorted({*before, *after}) if before.get(k) != after.get(k)]
    return {"n": len(keys)}  # which ones, and how: behind the disclosure


CORE_OBJECTS: tuple[AuditObject, ...] = (
    AuditObject("user", "%(name)s", _user_names),
    AuditObject("group", _l("kelompok “%(name)s”"), _group_names),
    AuditObject("group_member", _l("anggota kelompok #%(id)s")),
    AuditObject("plugin", "%(name)s", _plugin_names),
    AuditObject("permission", _l("izin “%(name)s”"), _permission_names),
    AuditObject("kelurahan", _l("Kelurahan %(name)s"), _kelurahan_names),
    AuditObject("api_key", _l("kunci API #%(id)s")),
)

CORE_PHRASES: tuple[AuditPhrase, ...] = (
    AuditPhrase("plugin.enabled", _l("%(actor)s menyalakan %(object)s"), details=False),
    AuditPhrase("plugin.disabled", _l("%(actor)s mematikan %(object)s"), details=False),
    AuditPhrase(
        "plugin.settings_changed",
        _l("%(actor)s mengubah %(n)s pengaturan %(object)s"),
        _changed_count,
    ),
    AuditPhrase(
        "city.settings_changed",
        _l("%(actor)s mengubah %(n)s pengaturan kota untuk %(object)s"),
        _changed_count,
    ),
    AuditPhrase(
        "city.index_weights_changed",
        _l("%(actor)s mengubah %(n)s bobot indeks Kelurahan Pintar"),
        _changed_count,
    ),
    AuditPhrase(
        "kelurahan.identity_updated",
        _l("%(actor)s memperbarui %(n)s isian identitas kelurahan"),
        _changed_count,
    ),
    AuditPhrase(
        "resident.verified",
        _l("%(actor)s memverifikasi %(object)s sebagai warga"),
        details=False,
    ),
    AuditPhrase(
        "resident.unverified",
        _l("%(actor)s mencabut verifikasi warga %(object)s"),
        details=False,
    ),
    AuditPhrase("role.changed", _role_change_text, _roles, details=False),
    AuditPhrase(
        "account.deactivated", _l("%(actor)s menonaktifkan akun %(object)s"), details=False
    ),
    AuditPhrase(
        "account.reactivated", _l("%(actor)s mengaktifkan kembali akun %(object)s"), details=False
    ),
    AuditPhrase(
        "account.reset_link_issued",
        _l("%(actor)s membuat tautan ganti kata sandi untuk %(object)s"),
    ),
    AuditPhrase("group.verified", _l("%(actor)s memverifikasi %(object)s"), details=False),
    AuditPhrase("group.unverified", _l("%(actor)s mencabut verifikasi %(object)s"), details=False),
    AuditPhrase(
        "group.member_role_changed",
        _l("%(actor)s menjadikan %(member)s %(role)s di %(group)s"),
        lambda before, after: {"role": _group_role_label(after.get("role"))},
        lambda before, after: {
            "member": ("user", after.get("user_id")),
            "group": ("group", after.get("group_id")),
        },
    ),
    AuditPhrase(
        "permission.granted",
        _l("%(actor)s memberi %(object)s kepada %(role)s"),
        lambda before, after: {"role": _role_label(after.get("role"))},
        details=False,
    ),
    AuditPhrase(
        "permission.revoked",
        _l("%(actor)s mencabut %(object)s dari %(role)s"),
        lambda before, after: {"role": _role_label(after.get("role"))},
        details=False,
    ),
    AuditPhrase(
        "core.api_key.issue",
        _l("%(actor)s membuat kunci API “%(label)s” (%(prefix)s…)"),
        lambda before, after: {"label": after.get("label", ""), "prefix": after.get("prefix")},
    ),
    AuditPhrase(
        "core.api_key.revoke",
        _l("%(actor)s mencabut kunci API “%(label)s” (%(prefix)s…)"),
        lambda before, after: {
            "label": after.get("label") or before.get("label", ""),
            "prefix": after.get("prefix") or before.get("prefix"),
        },
        details=False,
    ),
    # The gazetteer's places: named from the entry, as a deleted place is gone.
    AuditPhrase(
        "place.created",
        _l("%(actor)s menambahkan tempat “%(name)s” ke daftar rujukan"),
        lambda before, after: {"name": after.get("name", "—")},
    ),
    AuditPhrase(
        "place.updated",
        _l("%(actor)s mengubah tempat “%(name)s” di daftar rujukan"),
        lambda before, after: {"name": after.get("name", "—")},
    ),
    AuditPhrase(
        "place.deleted",
        _l("%(actor)s menghapus tempat “%(name)s” dari daftar rujukan"),
        lambda before, after: {"name": before.get("name", "—")},
    ),
)


def vocabulary() -> tuple[dict[str, AuditPhrase], dict[str, AuditObject]]:
    """Every phrase and object naming known to this app: the core's, then the plugins'
    (every installed plugin: the log keeps entries of plugins switched off since). The
    core's own win when a plugin phrases an action of the same name."""
    from .plugins import host

    phrases = {p.action: p for p in CORE_PHRASES}
    objects = {o.type: o for o in CORE_OBJECTS}
    for item in host().collect("kp_audit_phrases", None):
        if isinstance(item, AuditPhrase):
            phrases.setdefault(item.action, item)
        elif isinstance(item, AuditObject):
            objects.setdefault(item.type, item)
    return phrases, objects


# --------------------------------------------------------------------------------------------
# Reading: entries to sentences
# --------------------------------------------------------------------------------------------


def query_options():
    """Loader options for a page of entries: the actor and their roles, in two queries
    for the whole page (the sentence names the actor's role in the entry's kelurahan)."""
    return (selectinload(AuditEntry.actor).selectinload(User.roles),)


def _actor(entry: AuditEntry) -> str:
    user = entry.actor
    if user is None:
        return _("Sistem")
    if user.is_city_admin:
        return _("Admin kota %(name)s", name=user.display_name)
    role = next((r.role for r in user.roles if r.kelurahan_id == entry.kelurahan_id), None)
    if role == "admin":
        return _("Admin %(name)s", name=user.display_name)
    if role == "petugas":
        return _("Petugas %(name)s", name=user.display_name)
    if role == "warga":
        return _("Warga %(name)s", name=user.display_name)
    return user.display_name


def _refs(entry: AuditEntry, phrase: AuditPhrase | None) -> dict[str, tuple[str, str | None]]:
    refs: dict[str, tuple[str, str | None]] = {"object": (entry.object_type, entry.object_id)}
    if phrase is not None and phrase.refs is not None:
        try:
            extra = phrase.refs(entry.before or {}, entry.after or {})
        except Exception:
            log.exception("audit phrase refs failed for %s", entry.action)
            extra = {}
        for key, (obj_type, obj_id) in extra.items():
            refs[key] = (obj_type, None if obj_id is None else str(obj_id))
    return refs


def _load_names(
    wanted: dict[str, set[str]], objects: dict[str, AuditObject]
) -> dict[tuple[str, str], str]:
    """One lookup per object type on the page, whatever the number of rows."""
    from . import tenancy

    names: dict[tuple[str, str], str] = {}
    for obj_type, ids in wanted.items():
        spec = objects.get(obj_type)
        if spec is None or spec.names is None or not ids:
            continue
        try:
            with tenancy.all_kelurahan():
                found = spec.names(sorted(ids))
        except Exception:
            log.exception("audit object names failed for %s", obj_type)
            continue
        for obj_id, name in (found or {}).items():
            names[(obj_type, str(obj_id))] = str(name)
    return names


def _object_text(
    obj_type: str, obj_id: str | None, objects: dict[str, AuditObject], names: dict
) -> str:
    spec = objects.get(obj_type)
    shown_id = obj_id or ""
    name = names.get((obj_type, shown_id), f"#{shown_id}" if shown_id else "")
    if spec is None:
        if not shown_id:
            return obj_type
        return _("%(type)s #%(id)s", type=obj_type.replace("_", " "), id=shown_id)
    try:
        return str(spec.label) % {"id": shown_id, "name": name}
    except (KeyError, ValueError, TypeError):
        log.exception("audit object label failed for %s", obj_type)
        return f"{obj_type} #{shown_id}"


def _show(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("ya") if value else _("tidak")
    if isinstance(value, list | tuple):
        text = ", ".join(_show(v) for v in value)
    elif isinstance(value, dict):
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    else:
        text = str(value)
    return text if len(text) <= 300 else text[:299] + "…"


def _details(entry: AuditEntry) -> list[tuple[str, str, str]]:
    """Field, before, after: what changed, for the disclosure under the sentence."""
    before = entry.before if isinstance(entry.before, dict) else {}
    after = entry.after if isinstance(entry.after, dict) else {}
    rows = []
    for key in sorted({*before, *after}):
        if key in before and key in after and before[key] == after[key]:
            continue
        rows.append(
            (
                str(key),
                _show(before.get(key)) if key in before else "—",
                _show(after.get(key)) if key in after else "—",
            )
        )
    return rows


def _sentence(entry, phrase, values: dict) -> str:
    if phrase is not None:
        try:
            text = phrase.text
            if callable(text):
                text = text(entry.before or {}, entry.after or {})
            extra = phrase.values(entry.before or {}, entry.after or {}) if phrase.values else {}
            return str(text) % {**{k: str(v) for k, v in extra.items()}, **values}
        except Exception:
            log.exception("audit phrase failed for %s", entry.action)
    return _(
        "%(actor)s mencatat tindakan “%(action)s” pada %(object)s",
        actor=values["actor"],
        action=entry.action,
        object=values["object"],
    )


def describe(entries: Iterable[AuditEntry]) -> list[AuditLine]:
    """The entries as sentences, with their details. Load them with `query_options()`;
    every name they mention is fetched in one query per kind of object for the page."""
    entries = list(entries)
    phrases, objects = vocabulary()
    refs = [_refs(e, phrases.get(e.action)) for e in entries]
    wanted: dict[str, set[str]] = {}
    for entry_refs in refs:
        for obj_type, obj_id in entry_refs.values():
            if obj_id is not None:
                wanted.setdefault(obj_type, set()).add(obj_id)
    names = _load_names(wanted, objects)
    lines = []
    for entry, entry_refs in zip(entries, refs, strict=True):
        values = {
            key: _object_text(obj_type, obj_id, objects, names)
            for key, (obj_type, obj_id) in entry_refs.items()
        }
        values["actor"] = _actor(entry)
        phrase = phrases.get(entry.action)
        details = _details(entry) if phrase is None or phrase.details else []
        lines.append(AuditLine(entry, _sentence(entry, phrase, values), details))
    return lines
