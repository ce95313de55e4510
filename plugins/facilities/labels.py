"""What residents and staff read for each kind, condition, status, schedule and alert."""

from __future__ import annotations

from app.kit import _l

from .models import AlertKind, BookingStatus, Condition, Kind, ScheduleKind, Severity

KIND_LABELS = {
    Kind.BALAI: _l("Balai warga"),
    Kind.HALL: _l("Gedung serbaguna"),
    Kind.FIELD: _l("Lapangan olahraga"),
    Kind.POSYANDU: _l("Posyandu"),
    Kind.PAUD: _l("PAUD"),
    Kind.MUSALA: _l("Musala"),
    Kind.TOILET: _l("Toilet umum"),
    Kind.PARK: _l("Taman"),
    Kind.WELL: _l("Sumur / pompa air"),
    Kind.STREET_LIGHT: _l("Lampu jalan"),
    Kind.CCTV: _l("Titik CCTV"),
    Kind.OTHER: _l("Lainnya"),
}

CONDITION_LABELS = {
    Condition.GOOD: _l("Baik"),
    Condition.MINOR_DAMAGE: _l("Rusak ringan"),
    Condition.MAJOR_DAMAGE: _l("Rusak berat"),
}

BOOKING_LABELS = {
    BookingStatus.PENDING: _l("Menunggu persetujuan"),
    BookingStatus.APPROVED: _l("Disetujui"),
    BookingStatus.REFUSED: _l("Ditolak"),
    BookingStatus.CANCELLED: _l("Dibatalkan"),
}

SCHEDULE_LABELS = {
    ScheduleKind.POSYANDU: _l("Posyandu"),
    ScheduleKind.TRASH: _l("Angkut sampah"),
    ScheduleKind.KERJA_BAKTI: _l("Kerja bakti"),
    ScheduleKind.WASTE_BANK: _l("Bank sampah"),
    ScheduleKind.OTHER: _l("Kegiatan lain"),
}

ALERT_LABELS = {
    AlertKind.TIDAL_FLOOD: _l("Banjir rob"),
    AlertKind.FLOOD: _l("Banjir"),
    AlertKind.FALLEN_TREE: _l("Pohon tumbang"),
    AlertKind.POWER_CUT: _l("Listrik padam"),
    AlertKind.WATER_CUT: _l("Air PDAM mati"),
}

SEVERITY_LABELS = {
    Severity.WATCH: _l("Waspada"),
    Severity.WARNING: _l("Siaga"),
    Severity.DANGER: _l("Awas"),
}


def label(labels: dict, value: str | None) -> str:
    """The label of a stored value; the value itself when it is not (or no longer) known."""
    for key, text in labels.items():
        if key.value == value:
            return str(text)
    return value or ""


def rw_label(rw: str | None) -> str:
    """ "003" → "RW 003"; None (the whole kelurahan) → "Semua RW"."""
    return f"RW {rw}" if rw else str(_l("Semua RW"))
