"""Smart Governance: letters from the kelurahan office, requested online. Staff configure
letter types (fields, required documents, a Jinja template with a preview, a target in
working days); verified residents request a letter with photos or PDFs of their documents,
which only they and the office's handlers can open; the request moves through a audited
workflow, optionally approved first by the RT/RW head; the approved letter gets a number
that is never reused and a PDF with a QR code that points to a public verification page.
Public service times per letter type and month are the programme's promised transparency."""

from __future__ import annotations

from app.kit import Manifest, Permission, Setting, SettingError, _l, hookimpl

PLUGIN_ID = "services"

NUMBER_FIELDS = ("kode", "nomor", "kelurahan", "bulan", "tahun")


def check_number_format(value: str) -> None:
    import string

    try:
        names = [name for _, name, _, _ in string.Formatter().parse(value) if name is not None]
    except ValueError as exc:
        raise SettingError(
            _l("Format nomor tidak dapat dibaca: kurung kurawal tidak lengkap.")
        ) from exc
    unknown = [n for n in names if n not in NUMBER_FIELDS]
    if unknown:
        raise SettingError(
            _l(
                "Bagian %(name)s tidak dikenal. Yang dapat dipakai: %(known)s.",
                name="{" + unknown[0] + "}",
                known=", ".join(f"{{{n}}}" for n in NUMBER_FIELDS),
            )
        )
    if "nomor" not in names:
        raise SettingError(_l("Format nomor harus memuat {nomor}."))


@hookimpl
def kp_plugin_manifest():
    return Manifest(
        id=PLUGIN_ID,
        path="layanan",
        name=_l("Layanan surat"),
        dimension="governance",
        description=_l(
            "Permohonan surat keterangan secara daring: dokumen pribadi yang aman, surat "
            "bernomor dengan kode QR yang dapat diperiksa, dan waktu layanan yang terbuka."
        ),
        version="1.0.0",
        icon="file-text",
        scheduled=("purge",),
        settings=(
            Setting(
                "rt_approval",
                "bool",
                False,
                _l("Permohonan disetujui ketua RT/RW lebih dulu"),
                help=_l(
                    "Permohonan warga masuk ke akun ketua RT/RW wilayahnya sebelum diperiksa "
                    "kantor. Wilayah tanpa ketua terdaftar langsung masuk ke kantor."
                ),
            ),
            Setting(
                "number_format",
                "str",
                "{kode}/{nomor}/KEL-{kelurahan}/{bulan}/{tahun}",
                _l("Format nomor surat"),
                help=_l(
                    "{kode} kode klasifikasi jenis surat, {nomor} nomor urut tiga angka per "
                    "jenis dan tahun, {kelurahan} nama kelurahan, {bulan} bulan dalam angka "
                    "Romawi, {tahun} tahun."
                ),
                max_length=120,
                check=check_number_format,
            ),
            Setting(
                "signer_title", "str", "Lurah", _l("Jabatan penanda tangan surat"), max_length=120
            ),
            Setting("signer_name", "str", "", _l("Nama penanda tangan surat"), max_length=120),
            Setting("signer_nip", "str", "", _l("NIP penanda tangan surat"), max_length=30),
            Setting(
                "office_address",
                "str",
                "",
                _l("Alamat kantor kelurahan pada kop surat"),
                max_length=200,
            ),
            Setting(
                "retention_days",
                "int",
                365,
                _l("Hapus dokumen dan data pribadi permohonan yang selesai setelah (hari)"),
                help=_l(
                    "Dijalankan oleh `flask kp services purge`. Nomor surat, tanggal dan "
                    "catatan verifikasi tetap disimpan; angka waktu layanan tidak berubah."
                ),
                min=30,
                max=3650,
            ),
            Setting(
                "max_document_mb",
                "int",
                5,
                _l("Ukuran terbesar satu dokumen unggahan (MB)"),
                min=1,
                max=10,
            ),
        ),
        permissions=(
            Permission(
                "services.handle",
                _l("Memeriksa permohonan surat, membuka dokumennya dan menyiapkan suratnya"),
            ),
            Permission(
                "services.approve",
                _l("Menyetujui surat dan memberinya nomor (lurah atau pejabat yang ditunjuk)"),
                roles=("admin",),
            ),
            Permission(
                "services.manage",
                _l("Mengatur jenis surat, templatnya dan ketua RT/RW"),
                roles=("admin",),
            ),
        ),
        demo_kelurahan=("kauman",),
    )


# The host registers `bp` and `city_bp` right after importing this package, so the view
# modules must have added their routes by then; `migrations/` is found by convention.
from . import views, views_manage, views_staff  # noqa: E402,F401 - routes
from .blueprint import bp, city_bp  # noqa: E402,F401
from .hooks import *  # noqa: E402,F403 - the page, data and demo hooks live in hooks.py
