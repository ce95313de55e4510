"""Smart Society: community reports (laporan warga) on a map, with a public staff workflow
and an Open311 GeoReport v2 endpoint. The loop closes with the reporter: a fixed report asks
them "Sudah beres?" and "Masih rusak" reopens it.

The host serves `bp` at /k/<slug>/laporan/ (old /k/<slug>/reports/ URLs redirect there) and
finds migrations/ and translations/ by convention; kp_init_app adds the unusual parts, the
city-wide Open311 endpoint and the CLI group. Importing the view modules below registers
their routes on `bp` before the host registers it.
"""

from __future__ import annotations

from app.kit import ApiScope, Manifest, Permission, Setting, _l, hookimpl, host

from . import open311, stats, views, views_engage, views_loop, views_staff  # noqa: F401 - routes
from .agencies import check_agencies
from .api import api_bp  # noqa: F401 - served at /api/v1/kelurahan/<slug>/reports/
from .blueprint import bp, open311_bp  # noqa: F401 - `bp` is served by convention
from .cli import reports_cli
from .geocoding import check_geocoder_url
from .models import WRITE_SCOPE

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
        path="laporan",
        former_paths=("reports",),
        name=_l("Laporan warga"),
        dimension="society",
        description=_l(
            "Warga melaporkan jalan rusak, banjir, sampah atau lampu mati di peta; "
            "petugas menindaklanjuti secara terbuka."
        ),
        version="1.1.0",
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
                "flag_min_account_days",
                "int",
                0,
                _l("Umur akun minimal (hari) agar tandanya ikut menyembunyikan"),
                help=_l(
                    "Tanda dari warga terverifikasi kelurahan ini dan petugas selalu dihitung. "
                    "0 = hanya mereka; misalnya 30 = akun lain yang berumur 30 hari atau lebih "
                    "juga dihitung. Tanda lain tetap tercatat untuk moderator."
                ),
                min=0,
                max=365,
            ),
            Setting(
                "geocoder_url",
                "str",
                "https://nominatim.openstreetmap.org/search",
                _l("Alamat layanan pencarian lokasi (kompatibel Nominatim)"),
                help=_l(
                    "Server memanggil alamat ini untuk mencari alamat yang diketik warga: "
                    "hanya https ke layanan publik. Kosongkan untuk hanya mencari "
                    "tempat-tempat penting kelurahan."
                ),
                scope="city",  # the server calls it: only the city admin may change it
                check=check_geocoder_url,
            ),
            Setting(
                "confirm_days",
                "int",
                14,
                _l("Berapa hari pelapor dapat menjawab \u201cSudah beres?\u201d"),
                help=_l(
                    "Setelah laporan selesai, pelapor ditanya apakah masalahnya sudah beres. "
                    "Tanpa jawaban sampai batas ini, laporan tetap selesai."
                ),
                min=1,
                max=90,
            ),
            Setting(
                "target_days",
                "int",
                7,
                _l("Target waktu penanganan (hari)"),
                help=_l(
                    "Laporan terbuka yang lebih tua dari ini ditandai \u201cLewat target\u201d "
                    "di antrean kerja."
                ),
                min=1,
                max=365,
            ),
            Setting(
                "agencies",
                "text",  # not "lines": an empty list (no forwarding) must be saveable
                "",
                _l("OPD tujuan penerusan laporan"),
                help=_l(
                    "Satu OPD per baris: nama lalu alamat e-mail dalam kurung sudut, misalnya "
                    "Dinas Pekerjaan Umum <dpu@pekalongankota.go.id>."
                ),
                max_length=4000,
                scope="city",  # the server e-mails these addresses: only the city admin
                check=check_agencies,
            ),
        ),
        permissions=(
            Permission("reports.handle", _l("Menangani laporan: antrean kerja dan status")),
            Permission("reports.moderate", _l("Memoderasi laporan dan komentar")),
        ),
        api_scopes=(ApiScope(WRITE_SCOPE, _l("Mengirim laporan warga (Open311 dan API)")),),
    )


@hookimpl
def kp_init_app(app):
    app.register_blueprint(open311_bp, url_prefix="/open311/v2")
    host(app).add_cli_command(reports_cli)


from .admin_hooks import *  # noqa: E402,F403 - switching off, audit sentences
from .hooks import *  # noqa: E402,F403 - the page, data, task and event hooks live in hooks.py
from .media_access import kp_media_visible  # noqa: E402,F401 - who sees non-public files
