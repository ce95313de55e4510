"""Smart Branding: the kelurahan's destinations, events and batik tour routes, written by
verified Pokdarwis groups and published by staff, with a city-wide visitors' guide at
/wisata/, an events calendar with iCalendar feeds, and English pages for foreign visitors."""

from __future__ import annotations

from app.kit import Manifest, Permission, _l, hookimpl

PLUGIN_ID = "tourism"


@hookimpl
def kp_plugin_manifest():
    return Manifest(
        id=PLUGIN_ID,
        path="wisata",
        name=_l("Wisata"),
        dimension="branding",
        description=_l(
            "Destinasi, acara dan rute wisata batik kelurahan, ditulis kelompok Pokdarwis dan "
            "diterbitkan petugas; panduan wisata kota, kalender acara dan umpan iCalendar."
        ),
        version="1.0.0",
        icon="camera",
        permissions=(
            Permission(
                "tourism.review",
                _l("Meninjau destinasi dan acara wisata, dan menyusun rute wisata"),
            ),
        ),
        demo_kelurahan=(
            "bendan-kergon",
            "sapuro-kebulen",
            "setono",
            "klego",
            "panjang-wetan",
            "kandang-panjang",
        ),
    )


# The host registers `bp` and `city_bp` right after importing this package, so the view
# modules must have added their routes by then; `migrations/` is found by convention.
from . import views, views_city, views_manage, views_staff  # noqa: E402,F401 - routes
from .admin_hooks import *  # noqa: E402,F403 - switching off, audit sentences
from .api import api_bp  # noqa: E402,F401 - served at /api/v1/kelurahan/<slug>/tourism/
from .blueprint import bp, city_bp  # noqa: E402,F401
from .hooks import *  # noqa: E402,F403 - the page, data and demo hooks live in hooks.py
from .media_access import kp_media_visible  # noqa: E402,F401 - who sees non-public files
