"""City-wide plugin settings: one value for all 27 kelurahan, changed only by the city admin.

A plugin declares one with `Setting(..., scope="city")` in its manifest and reads it with
`kit.city_settings(plugin_id)`. The values live in the `city_setting` table under
`<plugin id>.<key>` (JSON), are read from the plugin host's in-memory snapshot, and a save
moves the `config` stamp after its commit, so every worker sees the new value at once (the
same mechanism as the per-kelurahan plugin settings).
"""

from __future__ import annotations

from typing import Any

from . import audit, caching
from .extensions import db
from .models import CitySetting
from .plugins import Manifest, SettingError, host


def manifests_with_city_settings() -> list[Manifest]:
    """The plugins that declare city-wide settings, by name."""
    return sorted(
        (m for m in host().manifests.values() if m.city_settings), key=lambda m: str(m.name)
    )


def form_values(manifest: Manifest) -> dict[str, str]:
    """The stored values (defaults filled in) as a form shows them, by setting key."""
    current = host().city_settings(manifest.id)
    return {s.key: s.as_form_value(current[s.key]) for s in manifest.city_settings}


def parse_form(manifest: Manifest, form) -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    """(parsed values, errors, raw values as typed) of one plugin's city settings, from a
    submitted form whose fields are named `<plugin id>.<key>`."""
    parsed: dict[str, Any] = {}
    errors: dict[str, str] = {}
    typed: dict[str, str] = {}
    current = host().city_settings(manifest.id)
    for setting in manifest.city_settings:
        name = f"{manifest.id}.{setting.key}"
        raw = form.get(name) if setting.type != "bool" else ("1" if form.get(name) else "")
        typed[setting.key] = raw or ""
        try:
            value = setting.parse(raw, checked=False)
            # A value saved before is not checked again (no outside lookup for a setting
            # the admin did not touch); the plugin re-checks what it uses when it uses it.
            if value != current[setting.key]:
                setting.parse(raw)
            parsed[setting.key] = value
        except SettingError as exc:
            errors[setting.key] = exc.message
    return parsed, errors, typed


def save(manifest: Manifest, values: dict[str, Any], actor=None) -> bool:
    """Store a plugin's city settings, audited (before/after of what changed); not
    committed. Every worker reloads them once the caller commits. Returns whether anything
    changed."""
    current = host().city_settings(manifest.id)
    changed = {k: v for k, v in values.items() if current.get(k) != v}
    if not changed:
        return False
    for key, value in changed.items():
        full_key = f"{manifest.id}.{key}"
        row = db.session.get(CitySetting, full_key)
        if row is None:
            db.session.add(CitySetting(key=full_key, value=value))
        else:
            row.value = value
    audit.record(
        "city.settings_changed",
        "plugin",
        manifest.id,
        before={k: current.get(k) for k in changed},
        after=changed,
        actor=actor,
    )
    caching.bump_after_commit(db.session, caching.CONFIG)
    return True
