"""Smart Governance: residents' proposals toward the Musrenbang Kelurahan. An admin opens a
yearly cycle with dated phases (pengajuan, dukungan, verifikasi, musyawarah, hasil) that
switch submitting, supporting, commenting and editing on and off; verified residents submit
and support proposals within the cycle's limits; staff accept, merge or decline them, run
the meeting and record what became of each, on a public cycle report."""

from __future__ import annotations

from app.kit import Manifest, Permission, Setting, _l, hookimpl

PLUGIN_ID = "proposals"


@hookimpl
def kp_plugin_manifest():
    return Manifest(
        id=PLUGIN_ID,
        path="usulan",
        name=_l("Usulan warga"),
        dimension="governance",
        description=_l(
            "Usulan warga menuju Musrenbang Kelurahan: tahap pengajuan, dukungan, verifikasi, "
            "musyawarah dan hasil, dengan laporan terbuka tentang nasib setiap usulan."
        ),
        version="1.0.0",
        icon="megaphone",
        settings=(
            Setting(
                "area_radius_m",
                "int",
                2500,
                _l("Jarak terjauh lokasi usulan dari pusat kelurahan (meter)"),
                help=_l(
                    "Usulan di luar jarak ini ditolak sebagai di luar wilayah kelurahan. Pusat "
                    "kelurahan adalah titik pusat peta di Identitas kelurahan."
                ),
                min=300,
                max=10_000,
            ),
            Setting(
                "comment_flag_threshold",
                "int",
                3,
                _l("Komentar disembunyikan setelah ditandai oleh sekian warga"),
                min=1,
                max=50,
            ),
        ),
        permissions=(
            Permission(
                "proposals.review",
                _l("Memverifikasi usulan, mencatat musyawarah dan hasilnya, memoderasi komentar"),
            ),
            Permission(
                "proposals.manage",
                _l("Membuka siklus Musrenbang dan mengatur tahapnya"),
                roles=("admin",),
            ),
        ),
        demo_kelurahan=("kauman",),
    )


# The host registers `bp` right after importing this package, so the view modules must
# have added their routes by then; `migrations/` is found by convention.
from . import views, views_engage, views_manage, views_staff  # noqa: E402,F401 - routes
from .api import api_bp  # noqa: E402,F401 - served at /api/v1/kelurahan/<slug>/proposals/
from .blueprint import bp  # noqa: E402,F401
from .hooks import *  # noqa: E402,F403 - the page, data and demo hooks live in hooks.py
