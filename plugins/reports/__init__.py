"""Smart Society: community reports (laporan warga) on a map, with a public staff workflow
and an Open311 GeoReport v2 endpoint."""

from __future__ import annotations

from pathlib import Path

from flask_babel import lazy_gettext as _l

from app.plugins import Manifest, Setting, hookimpl

PLUGIN_ID = "reports"

DEFAULT_CATEGORIES = [
    "Jalan rusak",
    "Drainase / banjir",
    "Sampah",
    "Penerangan jalan",
    "Fasilitas umum",
    "Keamanan & ketertiban",
    "Lainnya",
]


@hookimpl
def kp_plugin_manifest():
    return Manifest(
        id=PLUGIN_ID,
        name=_l("Laporan warga"),
        dimension="society",
        description=_l(
            "Warga melaporkan jalan rusak, banjir, sampah atau lampu mati di peta; "
            "petugas menindaklanjuti secara terbuka."
        ),
        version="1.0.0",
        icon="megaphone",
        settings=(
            Setting(
                "categories",
                "lines",
                DEFAULT_CATEGORIES,
                _l("Kategori laporan"),
                help=_l("Satu kategori per baris."),
            ),
            Setting(
                "flag_threshold",
                "int",
                3,
                _l("Jumlah warga berbeda yang menandai sebelum disembunyikan"),
                min=1,
                max=50,
            ),
            Setting(
                "geocoder_url",
                "str",
                "https://nominatim.openstreetmap.org/search",
                _l("Alamat layanan pencarian lokasi (kompatibel Nominatim)"),
                help=_l("Kosongkan untuk hanya mencari tempat-tempat penting kelurahan."),
            ),
        ),
        permissions=("reports.manage", "reports.moderate", "reports.api_keys"),
    )


@hookimpl
def kp_init_app(app):
    from app.plugins import host

    from . import cli, views  # noqa: F401 - views register their routes on the blueprints
    from .blueprint import bp, open311_bp

    app.register_blueprint(bp)
    app.register_blueprint(open311_bp)
    host(app).add_cli_command(cli.reports_cli)


@hookimpl
def kp_migration_dirs():
    return [str(Path(__file__).parent / "migrations")]


from .hooks import *  # noqa: E402,F403 - the page, data and event hooks live in hooks.py
