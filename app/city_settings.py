"""City-wide plugin settings: one value for all 27 kelurahan, changed only by the city admin.

A plugin declares one with `Setting(..., scope="city")` in its manifest and reads it with
`kit.city_settings(plugin_id)`. The values live in the `city_setting` table under
`<plugin id>.<key>` (JSON), are read from the plugin host's in-memory snapshot, and a save
moves the `config` stamp after its commit, so every worker sees the new value at once (the
same mechanism as the per-kelurahan plugin settings).

The core keeps a few city-wide settings of its own in the same table and on the same page,
under `core.<key>` (the city's complaint channel, the default office hours), declared by
`CORE_MANIFEST` below; read them with `core_settings()`.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l

from . import audit, caching
from .extensions import db
from .models import CitySetting
from .plugins import CORE_PLUGIN, Manifest, Setting, SettingError, host

# The city's own answer when a phone number is written: digits, "+", spaces, dots, dashes
# and brackets, e.g. "(0285) 421093", "0812-2000-1234" or a short code such as "112".
_PHONE = re.compile(r"^\+?[\d\s.\-()]{3,20}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# Open data: the licence of everything on /data unless the city admin names another.
OPEN_DATA_LICENCE = "CC BY 4.0"
OPEN_DATA_LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"


def check_web_address(value: str) -> None:
    """Refuse anything but an http(s) address (the value becomes a link on public pages)."""
    if not value:
        return
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc or " " in value:
        raise SettingError(
            _l("Isi alamat web lengkap, misalnya https://aduan.pekalongankota.go.id.")
        )


def check_phone(value: str) -> None:
    if value and (not _PHONE.match(value) or sum(ch.isdigit() for ch in value) < 3):
        raise SettingError(_l("Isi nomor telepon, misalnya (0285) 421093 atau 0812-2000-1234."))


def check_email(value: str) -> None:
    if value and not _EMAIL.match(value):
        raise SettingError(_l("Isi alamat e-mail, misalnya data@pekalongankota.go.id."))


def tel_href(phone: str | None) -> str | None:
    """A `tel:` link of a number as people write it, or None when it has no digits."""
    digits = re.sub(r"[^\d+]", "", phone or "")
    return f"tel:{digits}" if any(ch.isdigit() for ch in digits) else None


CORE_MANIFEST = Manifest(
    id=CORE_PLUGIN,
    name=_l("Layanan kota"),
    dimension="governance",
    description=_l("Pengaturan inti yang berlaku untuk semua kelurahan."),
    version="1",
    settings=(
        Setting(
            "complaint_name",
            "str",
            "",
            _l("Nama kanal pengaduan kota"),
            _l(
                "Misalnya layanan aduan Diskominfo. Tampil bersama SP4N-LAPOR! di halaman "
                "kelurahan yang belum mengaktifkan fitur laporan warga, dan di halaman "
                "kebijakan privasi. Kosongkan bila kota belum punya kanal sendiri."
            ),
            max_length=120,
            scope="city",
        ),
        Setting(
            "complaint_url",
            "str",
            "",
            _l("Alamat web kanal pengaduan kota"),
            _l("Diawali https://. Boleh kosong."),
            max_length=300,
            scope="city",
            check=check_web_address,
        ),
        Setting(
            "complaint_phone",
            "str",
            "",
            _l("Telepon kanal pengaduan kota"),
            _l("Boleh kosong."),
            max_length=20,
            scope="city",
            check=check_phone,
        ),
        Setting(
            "office_hours",
            "text",
            "",
            _l("Jam pelayanan umum kantor kelurahan"),
            _l(
                "Tampil di halaman kelurahan yang belum mengisi jam pelayanannya sendiri, "
                "dengan keterangan bahwa ini jam umum dari Pemerintah Kota. Kosongkan agar "
                "tidak tampil."
            ),
            max_length=1000,
            scope="city",
        ),
        Setting(
            "open_data_licence",
            "str",
            OPEN_DATA_LICENCE,
            _l("Lisensi data terbuka"),
            _l(
                "Lisensi semua data di portal data terbuka (/data) dan di catalog.json, "
                "misalnya CC BY 4.0."
            ),
            max_length=80,
            scope="city",
        ),
        Setting(
            "open_data_licence_url",
            "str",
            OPEN_DATA_LICENCE_URL,
            _l("Alamat web teks lisensi data terbuka"),
            _l("Diawali https://, misalnya https://creativecommons.org/licenses/by/4.0/."),
            max_length=300,
            scope="city",
            check=check_web_address,
        ),
        Setting(
            "open_data_contact_email",
            "str",
            "",
            _l("E-mail kontak data terbuka"),
            _l(
                "Alamat e-mail pengelola data (misalnya Diskominfo) di catalog.json, untuk "
                "pertanyaan pemakai data. Boleh kosong."
            ),
            max_length=254,
            scope="city",
            check=check_email,
        ),
    ),
)


def _current(manifest: Manifest) -> dict[str, Any]:
    """Stored values with defaults filled in, for a plugin or the core."""
    if manifest.id != CORE_PLUGIN:
        return host().city_settings(manifest.id)
    values = manifest.city_defaults()
    stored = host().snapshot().city_settings
    for key in values:
        if f"{manifest.id}.{key}" in stored:
            values[key] = stored[f"{manifest.id}.{key}"]
    return values


def core_settings() -> dict[str, Any]:
    """The core's city-wide settings (defaults filled in), from memory."""
    return _current(CORE_MANIFEST)


def city_complaint_channel() -> dict[str, str | None] | None:
    """The city's own complaint channel as the public pages show it, or None when the city
    admin has not named one."""
    values = core_settings()
    name = (values["complaint_name"] or "").strip()
    url = (values["complaint_url"] or "").strip()
    phone = (values["complaint_phone"] or "").strip()
    if not (name or url or phone):
        return None
    return {"name": name, "url": url or None, "phone": phone or None, "tel": tel_href(phone)}


def manifests_with_city_settings() -> list[Manifest]:
    """The core's city settings first, then the plugins that declare some, by name."""
    plugins = sorted(
        (m for m in host().manifests.values() if m.city_settings), key=lambda m: str(m.name)
    )
    return [CORE_MANIFEST, *plugins]


def form_values(manifest: Manifest) -> dict[str, str]:
    """The stored values (defaults filled in) as a form shows them, by setting key."""
    current = _current(manifest)
    return {s.key: s.as_form_value(current[s.key]) for s in manifest.city_settings}


def parse_form(manifest: Manifest, form) -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    """(parsed values, errors, raw values as typed) of one plugin's city settings, from a
    submitted form whose fields are named `<plugin id>.<key>`."""
    parsed: dict[str, Any] = {}
    errors: dict[str, str] = {}
    typed: dict[str, str] = {}
    current = _current(manifest)
    for setting in manifest.city_settings:
        name = f"{manifest.id}.{setting.key}"
        if setting.type != "bool" and name not in form:
            # Not on the submitted page (a form from before the setting existed): unchanged,
            # rather than emptied. An unticked checkbox is absent too, so bools are read.
            parsed[setting.key] = current[setting.key]
            typed[setting.key] = setting.as_form_value(current[setting.key])
            continue
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
    current = _current(manifest)
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
