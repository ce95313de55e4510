"""Smart Economy: a marketplace where verified UMKM groups show their products. Orders go
to the seller's WhatsApp; the platform handles no payments and keeps no buyer data."""

from __future__ import annotations

from app.kit import Manifest, Permission, Setting, _l, hookimpl

PLUGIN_ID = "umkm"

DEFAULT_CATEGORIES = [
    "Batik tulis",
    "Batik cap",
    "Batik kombinasi",
    "Tekstil motif batik (printing)",
    "Kuliner",
    "Kerajinan",
    "Fashion",
    "Jasa",
    "Lainnya",
]

DEFAULT_UNITS = ["pcs", "lembar", "potong", "meter", "kg", "gram", "paket", "porsi", "bungkus"]


@hookimpl
def kp_plugin_manifest():
    return Manifest(
        id=PLUGIN_ID,
        path="umkm",
        name=_l("Pasar UMKM"),
        dimension="economy",
        description=_l(
            "Etalase produk batik, kuliner dan kerajinan kelompok UMKM kelurahan. "
            "Pembeli memesan langsung lewat WhatsApp penjual."
        ),
        version="1.0.0",
        icon="shop",
        settings=(
            Setting(
                "categories",
                "lines",
                DEFAULT_CATEGORIES,
                _l("Kategori produk"),
                help=_l("Satu kategori per baris."),
            ),
            Setting(
                "units",
                "lines",
                DEFAULT_UNITS,
                _l("Satuan produk"),
                help=_l("Satu satuan per baris, misalnya pcs, lembar, kg, paket."),
            ),
        ),
        permissions=(Permission("umkm.review", _l("Meninjau toko, produk dan tanda dari warga")),),
        demo_kelurahan=("bendan-kergon", "krapyak"),
    )


# The host registers `bp` and `city_bp` right after importing this package, so the view
# modules must have added their routes by then; `migrations/` is found by convention.
from . import views, views_seller, views_staff  # noqa: E402,F401 - they register their routes
from .admin_hooks import *  # noqa: E402,F403 - switching off, audit sentences
from .api import api_bp  # noqa: E402,F401 - served at /api/v1/kelurahan/<slug>/umkm/
from .blueprint import bp, city_bp  # noqa: E402,F401
from .hooks import *  # noqa: E402,F403 - the page, data and demo hooks live in hooks.py
from .media_access import kp_media_visible  # noqa: E402,F401 - who sees non-public files
