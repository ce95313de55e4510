"""The staff workflow: which status a report may move to next, and when a public note is
required. Pure rules, shared by the status form and the staff views."""

from __future__ import annotations

from .models import CLOSED, Status

# From each status, the statuses a report may move to next. A closed report can only be
# reopened, back to `diproses`, with a note.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "baru": (
        "diverifikasi",
        "diproses",
        "selesai",
        "ditolak",
        "tidak_dapat_ditangani",
        "duplikat",
    ),
    "diverifikasi": ("diproses", "selesai", "ditolak", "tidak_dapat_ditangani", "duplikat"),
    "diproses": ("selesai", "tidak_dapat_ditangani", "duplikat"),
    "selesai": ("diproses",),
    "ditolak": ("diproses",),
    "tidak_dapat_ditangani": ("diproses",),
    "duplikat": ("diproses",),
}


def is_closed(status: str) -> bool:
    return Status(status) in CLOSED


def allowed_next(status: str) -> tuple[str, ...]:
    return TRANSITIONS.get(status, ())


def note_required(from_status: str, to_status: str) -> bool:
    """Closing a report and reopening one both need a public explanation."""
    return is_closed(to_status) or is_closed(from_status)
