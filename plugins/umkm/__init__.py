"""Smart Economy: a marketplace where verified UMKM groups show their products. Orders go
to the seller's WhatsApp; the platform handles no payments and keeps no buyer data."""

from __future__ import annotations

from pathlib import Path

from flask_babel import lazy_gettext as _l

from app.plugins import Manifest, Setting, hookimpl

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
        permissions=("umkm.review",),
        demo_kelurahan=("bendan-kergon", "krapyak"),
    )


@hookimpl
def kp_init_app(app):
    from . import views, views_seller, views_staff  # noqa: F401 - register their routes
    from .blueprint import bp, city_bp

    app.register_blueprint(bp)
    app.register_blueprint(city_bp)


@hookimpl
def kp_migration_dirs():
    return [str(Path(__file__).parent / "migrations")]


from .hooks import *  # noqa: E402,F403 - the page, data and demo hooks live in hooks.py
