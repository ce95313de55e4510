"""Smart Environment: bank sampah. A KSM group's waste-bank unit weighs the sorted waste its
members bring, credits its value to their savings book, pays out withdrawals and sells the
collected waste to a collector. Every figure comes from an append-only ledger."""

from __future__ import annotations

from app.kit import GroupKind, GroupRole, Manifest, Permission, Setting, _l, hookimpl

PLUGIN_ID = "wastebank"
OPERATE = "wastebank.operate"
VIEW = "wastebank.view"

DEFAULT_CO2E_SOURCE = (
    "Perkiraan konservatif 1 kg CO₂e per kg sampah terpilah yang didaur ulang, berpedoman "
    "pada US EPA WARM (Waste Reduction Model); bukan angka resmi untuk Indonesia."
)


@hookimpl
def kp_plugin_manifest():
    return Manifest(
        id=PLUGIN_ID,
        path="bank-sampah",
        name=_l("Bank sampah"),
        dimension="environment",
        description=_l(
            "Bank sampah kelompok KSM: setoran sampah terpilah ditimbang, dihargai per kg "
            "dan ditabung di buku nasabah."
        ),
        version="1.0.0",
        icon="recycle",
        settings=(
            Setting(
                "co2e_per_kg",
                "str",
                "1,0",
                _l("Faktor emisi (kg CO₂e yang dihindari per kg sampah)"),
                help=_l(
                    "Angka desimal, misalnya 1,0. Kosongkan bila tidak ingin ditampilkan. "
                    "Bawaan 1,0 adalah perkiraan yang sengaja rendah untuk campuran sampah "
                    "terpilah, bukan angka resmi: faktor daur ulang US EPA WARM (Waste "
                    "Reduction Model) lebih besar untuk kertas, kardus dan logam, sekitar 1 "
                    "untuk plastik dan lebih kecil untuk kaca. Bila memakai faktor lain, tulis "
                    "sumbernya di bawah."
                ),
            ),
            Setting(
                "co2e_source",
                "str",
                DEFAULT_CO2E_SOURCE,
                _l("Sumber faktor emisi"),
                help=_l("Ditampilkan kepada nasabah di samping perkiraan dampaknya."),
                max_length=300,
            ),
            Setting(
                "days_price_lapse_warning",
                "int",
                7,
                _l("Peringatan harga akan berakhir (hari)"),
                min=1,
                max=90,
            ),
        ),
        permissions=(
            # Held by the unit's own group only: its operators (and its leader, whose group
            # role is `ketua`, so they can run the unit they opened).
            Permission(
                OPERATE,
                _l("Menjalankan bank sampah kelompoknya"),
                roles=(),
                group_roles=("operator", "ketua"),
            ),
            Permission(VIEW, _l("Melihat rekap bank sampah kelurahan")),
        ),
        group_roles=(
            GroupRole(
                "operator", _l("Operator bank sampah"), kinds=(GroupKind.KSM_BANK_SAMPAH.value,)
            ),
        ),
        # Besides Kauman (every built-in plugin's demo), a coastal kelurahan no other demo uses.
        demo_kelurahan=("panjang-wetan",),
    )


# The host registers `bp` right after importing this package, so the view modules must have
# added their routes by then; `migrations/` is found by convention.
from . import models, views, views_member, views_operator, views_reports  # noqa: E402,F401
from .admin_hooks import *  # noqa: E402,F403 - switching off, audit sentences
from .blueprint import bp  # noqa: E402,F401
from .hooks import *  # noqa: E402,F403 - the page, data and demo hooks live in hooks.py
