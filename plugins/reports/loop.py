"""Closing the loop with the reporter: when a report is `selesai`, its reporter is asked
"Sudah beres?" for `confirm_days` days. Pure rules, shared by the page and the views."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_login import current_user

from app.kit import utcnow

from .models import Report, Status
from .queries import settings


def answer_deadline(report: Report) -> datetime | None:
    """Until when the reporter may answer the latest closing (None: no question)."""
    if report.status != Status.SELESAI.value or report.closed_at is None:
        return None
    return report.closed_at + timedelta(days=settings()["confirm_days"])


def awaits_answer(report: Report, now: datetime | None = None) -> bool:
    """The question is open: fixed, within the window, not yet answered for this closing.
    Without an answer by the deadline nothing changes: the report stays closed."""
    deadline = answer_deadline(report)
    if deadline is None or (now or utcnow()) >= deadline:
        return False
    return report.confirmed_at is None or report.confirmed_at < report.closed_at


def asks_viewer(report: Report) -> bool:
    """Whether the person looking at the page is the reporter to ask."""
    return (
        current_user.is_authenticated
        and report.reporter_id == current_user.id
        and awaits_answer(report)
    )


def past_target(report: Report, target_days: int, now: datetime) -> bool:
    """An open report older than the kelurahan's target response time."""
    return not report.state.is_closed and now - report.created_at > timedelta(days=target_days)
