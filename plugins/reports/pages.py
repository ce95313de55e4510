"""The report page, rendered for its own view and again by the views whose form failed
(a status change, a hide, a comment without JavaScript), so they can answer with the page
and the errors in place. Also what the plugin's templates may ask: `can(...)` and the
staff panel of a report."""

from __future__ import annotations

from flask import g, render_template
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.kit import db

from .blueprint import bp
from .engagement import engagement_context
from .forms import CommentForm, HideForm, StatusForm
from .lookups import page_context
from .models import Report, ReportPhoto, ReportUpdate
from .queries import unreviewed_flags
from .workflow import allowed_next


def render_report_page(
    report: Report,
    status: int = 200,
    *,
    comment_form: CommentForm | None = None,
    staff_forms: dict | None = None,
    **extra,
):
    """The whole page of `report` (already checked visible to the viewer). `staff_forms`
    are submitted staff forms shown with their errors instead of blank ones."""
    if staff_forms is not None:
        g.reports_staff_forms = staff_forms
    db.session.execute(
        select(Report)
        .where(Report.id == report.id)
        .options(
            selectinload(Report.photos).selectinload(ReportPhoto.media),
            selectinload(Report.photos).selectinload(ReportPhoto.thumb),
            selectinload(Report.updates).selectinload(ReportUpdate.actor),
            selectinload(Report.reporter),
        )
    ).scalar_one()
    context = page_context(**engagement_context(report, comment_form=comment_form), **extra)
    return render_template("reports/show.html", report=report, **context), status


def _blank(form_class, *args):
    """A form that does not read the current POST (forms of the panel not being submitted)."""
    return form_class(*args, formdata=None)


def staff_panel(report: Report) -> dict:
    """What reports/_staff_panel.html shows to those who handle or moderate reports. A form
    submitted with errors (this request) comes back with what was typed."""
    submitted = g.get("reports_staff_forms", {})
    return {
        "status_form": submitted.get("status") or _blank(StatusForm, report),
        "hide_form": submitted.get("hide") or _blank(HideForm),
        "allowed": allowed_next(report.status),
        "flags": unreviewed_flags("report", [report.id]).get(report.id, []),
    }


@bp.context_processor
def _template_helpers():
    return {"staff_panel": staff_panel}
