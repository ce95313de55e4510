"""Who hears of a change to a report: the reporter and followers of a status change (with
the staff's public note), staff when the reporter reopens one. Shared by the staff views
and the reporter's answers (view modules do not import each other)."""

from __future__ import annotations

from flask import g, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.kit import db, notify

from .labels import STATUS_LABELS
from .models import Report, ReportFollow, Status
from .queries import settings

NOTE_IN_MESSAGE = 300  # characters of the note a notification carries; the page has it all


def _clip(note: str) -> str:
    return note if len(note) <= NOTE_IN_MESSAGE else note[:NOTE_IN_MESSAGE] + "…"


def status_message(report: Report, target: str, note: str = "", *, by_reporter: bool = False):
    """The notification of a status change, as a lazy string."""
    if by_reporter:
        return _l(
            "Pelapor membuka kembali laporan #%(id)s \u201c%(title)s\u201d: masih rusak. "
            "Catatan pelapor: %(note)s",
            id=report.id,
            title=report.title,
            note=_clip(note),
        )
    if note:
        return _l(
            "Laporan #%(id)s \u201c%(title)s\u201d kini berstatus %(status)s. "
            "Catatan petugas: %(note)s",
            id=report.id,
            title=report.title,
            status=STATUS_LABELS[target],
            note=_clip(note),
        )
    return _l(
        "Laporan #%(id)s \u201c%(title)s\u201d kini berstatus %(status)s.",
        id=report.id,
        title=report.title,
        status=STATUS_LABELS[target],
    )


def notify_status_change(
    report: Report, target: str, note: str = "", *, by_reporter: bool = False
) -> set[int]:
    """Tell the reporter and every follower once each, but not the person acting, with the
    public note: "Selesai" alone does not say what was done. A reporter told their report
    is fixed is also asked "Sudah beres?" (answered on the report's page). Returns the ids
    of those told."""
    recipients = {}
    if report.reporter is not None:
        recipients[report.reporter.id] = report.reporter
    follows = db.session.execute(
        select(ReportFollow)
        .where(ReportFollow.report_id == report.id)
        .options(selectinload(ReportFollow.user))
        .order_by(ReportFollow.id)
    ).scalars()
    for follow in follows:
        recipients.setdefault(follow.user_id, follow.user)
    recipients.pop(current_user.id, None)
    url = url_for("reports.show", report_id=report.id)
    message = status_message(report, target, note, by_reporter=by_reporter)
    told = set()
    for user in recipients.values():
        if not user.is_active_account:
            continue
        told.add(user.id)
        text = message
        if target == Status.SELESAI.value and user.id == report.reporter_id:
            text = _l(
                "%(message)s Sudah beres? Jawab di halaman laporan dalam %(days)s hari.",
                message=message,
                days=settings()["confirm_days"],
            )
        notify(user, text, url=url, kelurahan=g.kelurahan)
    return told
