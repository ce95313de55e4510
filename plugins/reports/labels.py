"""Words shown to people for the plugin's codes."""

from flask_babel import lazy_gettext as _l

STATUS_LABELS = {
    "baru": _l("Baru"),
    "diverifikasi": _l("Diverifikasi"),
    "diproses": _l("Diproses"),
    "selesai": _l("Selesai"),
    "ditolak": _l("Ditolak"),
    "tidak_dapat_ditangani": _l("Tidak dapat ditangani"),
    "duplikat": _l("Duplikat"),
}

PERIOD_LABELS = {
    "7": _l("7 hari terakhir"),
    "30": _l("30 hari terakhir"),
    "90": _l("3 bulan terakhir"),
    "365": _l("12 bulan terakhir"),
}

ANONYMOUS = _l("Warga (nama disembunyikan)")
