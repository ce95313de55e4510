"""Lookups every report page shares: a report of the current kelurahan (404 otherwise),
who may see hidden ones, and the labels the templates need."""

from __future__ import annotations

from flask import abort

from app.kit import can, get_or_404

from .labels import ANONYMOUS, PERIOD_LABELS, STATUS_LABELS
from .models import Report
from .queries import categories


def can_see_hidden() -> bool:
    """Staff who handle or moderate reports see hidden ones (marked as such)."""
    return can("reports.handle") or can("reports.moderate")


def get_report(report_id: int, *, allow_hidden: bool = False) -> Report:
    """A report of the current kelurahan, or 404 (another kelurahan's too). Hidden ones
    only for staff who may see them, or when the caller checks on its own."""
    report = get_or_404(Report, report_id)
    if report.is_hidden and not (allow_hidden or can_see_hidden()):
        abort(404)
    return report


def page_context(**extra):
    return {
        "status_labels": STATUS_LABELS,
        "period_labels": PERIOD_LABELS,
        "anonymous_label": ANONYMOUS,
        "categories": categories(),
        **extra,
    }
