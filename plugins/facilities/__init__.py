"""Smart Living: the kelurahan's shared places and the life around them. Staff keep a
directory of facilities (balai, lapangan, posyandu, toilets, wells, street lights, CCTV)
with their condition and when it was checked, on the map; residents report damage from a
facility's page (to the reports plugin when it is on, else to staff). Residents and groups
book the bookable ones; staff approve, and the database refuses two approved bookings that
overlap. Neighbourhood schedules per RW (posyandu, trash collection, kerja bakti, the waste
bank) with reminders, and alerts for some RWs (rob, banjir, pohon tumbang, listrik padam,
air PDAM mati) that reach the residents of those RWs and stay as a public history."""

from __future__ import annotations

from app.kit import Manifest, Permission, Setting, _l, hookimpl

PLUGIN_ID = "facilities"


@hookimpl
def kp_plugin_manifest():
    return Manifest(
        id=PLUGIN_ID,
        path="fasilitas",
        name=_l("Fasilitas & lingkungan"),
        dimension="living",
        description=_l(
            "Daftar fasilitas umum dan kondisinya, pemesanan balai dan lapangan tanpa "
            "bentrok, jadwal posyandu dan angkut sampah per RW, serta peringatan banjir rob "
            "untuk warga RW yang terdampak."
        ),
        version="1.0.0",
        icon="home",
        scheduled=("remind",),
        settings=(
            Setting(
                "rw_count",
                "int",
                12,
                _l("Jumlah RW di kelurahan"),
                help=_l("Pilihan RW pada jadwal, peringatan dan fasilitas: RW 001 sampai ini."),
                min=1,
                max=60,
            ),
            Setting(
                "area_radius_m",
                "int",
                2500,
                _l("Jarak terjauh lokasi dari pusat kelurahan (meter)"),
                help=_l(
                    "Lokasi fasilitas dan peringatan di luar jarak ini ditolak sebagai di luar "
                    "wilayah kelurahan. Pusatnya adalah titik pusat peta di Identitas kelurahan."
                ),
                min=300,
                max=10000,
            ),
            Setting(
                "booking_days_ahead",
                "int",
                90,
                _l("Pemesanan paling jauh berapa hari ke depan"),
                min=7,
                max=365,
            ),
            Setting(
                "check_months",
                "int",
                6,
                _l("Fasilitas perlu diperiksa ulang setiap (bulan)"),
                help=_l("Fasilitas yang lebih lama tidak diperiksa masuk Tugas saya."),
                min=1,
                max=24,
            ),
        ),
        permissions=(
            Permission(
                "facilities.manage",
                _l("Mengelola data fasilitas, kondisinya dan jadwal RW"),
            ),
            Permission(
                "facilities.bookings",
                _l("Menyetujui atau menolak pemesanan fasilitas"),
            ),
            Permission(
                "facilities.alerts",
                _l("Menerbitkan dan menutup peringatan (banjir, rob, listrik padam)"),
            ),
        ),
        demo_kelurahan=("krapyak", "kauman"),
    )


# The host registers `bp` and `city_bp` right after importing this package, so the view
# modules must have added their routes by then; `migrations/` is found by convention.
from . import views, views_alerts, views_manage, views_schedules  # noqa: E402,F401 - routes
from .api import api_bp  # noqa: E402,F401 - served at /api/v1/kelurahan/<slug>/facilities/
from .blueprint import bp, city_bp  # noqa: E402,F401
from .hooks import *  # noqa: E402,F403 - the page, data and demo hooks live in hooks.py
