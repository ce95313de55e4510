"""What residents and staff read for each status and move."""

from __future__ import annotations

from app.kit import _l

from .models import Status

STATUS_LABELS = {
    Status.WAITING_RT: _l("Menunggu persetujuan RT/RW"),
    Status.SUBMITTED: _l("Diajukan"),
    Status.CHECKING: _l("Diperiksa"),
    Status.NEEDS_FIX: _l("Perlu perbaikan"),
    Status.APPROVED: _l("Disetujui"),
    Status.READY: _l("Siap diambil"),
    Status.SENT: _l("Dikirim"),
    Status.DONE: _l("Selesai"),
    Status.REFUSED: _l("Ditolak"),
    Status.CANCELLED: _l("Dibatalkan"),
}

# The button that makes each move, from the actor's side.
MOVE_LABELS = {
    Status.SUBMITTED: _l("Setujui sebagai ketua RT/RW"),
    Status.CHECKING: _l("Mulai periksa"),
    Status.NEEDS_FIX: _l("Minta perbaikan"),
    Status.APPROVED: _l("Setujui dan beri nomor"),
    Status.READY: _l("Surat siap diambil"),
    Status.SENT: _l("Kirim PDF ke pemohon"),
    Status.DONE: _l("Tandai selesai"),
    Status.REFUSED: _l("Tolak"),
    Status.CANCELLED: _l("Batalkan permohonan"),
}


# What the resident is told (in their own language) when their request moves: lazy strings
# with their values, rendered in the recipient's language by `notify`.
def notice(status: Status, **v):
    messages = {
        Status.WAITING_RT: lambda: _l(
            "Permohonan %(code)s (%(type)s) menunggu persetujuan ketua RT/RW.", **v
        ),
        Status.SUBMITTED: lambda: _l(
            "Permohonan %(code)s (%(type)s) sudah masuk ke kantor kelurahan.", **v
        ),
        Status.CHECKING: lambda: _l(
            "Permohonan %(code)s (%(type)s) sedang diperiksa petugas.", **v
        ),
        Status.NEEDS_FIX: lambda: _l(
            "Permohonan %(code)s (%(type)s) perlu perbaikan: %(note)s", **v
        ),
        Status.APPROVED: lambda: _l(
            "Permohonan %(code)s (%(type)s) disetujui, nomor surat %(number)s.", **v
        ),
        Status.READY: lambda: _l(
            "Surat %(type)s (%(code)s) siap diambil di kantor kelurahan.", **v
        ),
        Status.SENT: lambda: _l("Surat %(type)s (%(code)s) sudah dapat diunduh.", **v),
        Status.DONE: lambda: _l("Permohonan %(code)s (%(type)s) selesai.", **v),
        Status.REFUSED: lambda: _l("Permohonan %(code)s (%(type)s) ditolak: %(note)s", **v),
        Status.CANCELLED: lambda: _l("Permohonan %(code)s (%(type)s) dibatalkan.", **v),
    }
    return messages[status]()


def status_label(status: str):
    try:
        return STATUS_LABELS[Status(status)]
    except ValueError:
        return status
