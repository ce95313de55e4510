"""What a kelurahan admin still has to fill in before the kelurahan's page is complete.

Shown on the admin home (Kelola) until every item is done; each item links to the place
where it is fixed. It reads only the kelurahan row and the plugin switches in memory, so it
costs no query.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from flask_babel import lazy_gettext as _l

from .plugins import host


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    label: object
    done: bool
    url: str


@dataclass(frozen=True)
class Checklist:
    items: tuple[ChecklistItem, ...]

    @property
    def done_count(self) -> int:
        return sum(item.done for item in self.items)

    @property
    def complete(self) -> bool:
        return all(item.done for item in self.items)


def setup_checklist(kelurahan) -> Checklist:
    """The identity and plugin items of `kelurahan`, in the order an admin would do them."""
    slug = kelurahan.slug

    def identity(anchor: str) -> str:
        return url_for("admin.identity", kelurahan_slug=slug, _anchor=anchor)

    located = (
        kelurahan.lat is not None
        and kelurahan.lng is not None
        and not kelurahan.centre_is_approximate
    )
    items = (
        ChecklistItem("address", _l("Alamat kantor"), bool(kelurahan.address), identity("address")),
        ChecklistItem(
            "contact",
            _l("Telepon atau WhatsApp kantor"),
            bool(kelurahan.phone or kelurahan.whatsapp),
            identity("phone"),
        ),
        ChecklistItem(
            "hours", _l("Jam pelayanan"), bool(kelurahan.opening_hours), identity("opening_hours")
        ),
        ChecklistItem("location", _l("Lokasi kantor di peta"), located, identity("centre-picker")),
        ChecklistItem(
            "logo", _l("Logo kelurahan"), kelurahan.logo_id is not None, identity("logo")
        ),
        ChecklistItem(
            "description",
            _l("Deskripsi singkat kelurahan"),
            bool(kelurahan.description),
            identity("description"),
        ),
        ChecklistItem(
            "plugin",
            _l("Minimal satu fitur (plugin) aktif"),
            bool(host().enabled_ids(kelurahan)),
            url_for("admin.plugins", kelurahan_slug=slug),
        ),
    )
    return Checklist(items)
