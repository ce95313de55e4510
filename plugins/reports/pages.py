"""The report page, rendered for its own view and again by the views whose form failed
(a status change, a hide, a comment without JavaScript), so they can answer with the page
and the errors in place. Also what the plugin's templates may ask: `can(...)` and the
staff panel of a report."""

from __future__ import annotations

from flask import g, render_template
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.kit import EmptyForm, db, holders_of

from .agencies import city_agencies
from .blueprint import bp
from .engagement import engagement_context
from .forms import (
    AssignForm,
    CommentForm,
    ForwardForm,
    HideForm,
    InternalNoteForm,
    ReopenForm,
    StatusForm,
)
from .lookups import page_context
from .loop import answer_deadline, asks_viewer
from .models import Report, ReportNote, ReportPhoto, ReportUpdate, UpdatePhoto
from .queries import unreviewed_flags
from .workflow import allowed_next


def render_report_page(
    report: Report,
    status: int = 200,
    *,
    comment_form: CommentForm | None = None,
    staff_forms: dict | None = None,
    reopen_form: ReopenForm | None = None,
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
            selectinload(Report.updates)
            .selectinload(ReportUpdate.photos)
            .selectinload(UpdatePhoto.media),
            selectinload(Report.updates)
            .selectinload(ReportUpdate.photos)
            .selectinload(UpdatePhoto.thumb),
            selectinload(Report.forwards),
            selectinload(Report.reporter),
            selectinload(Report.assignee),
        )
    ).scalar_one()
    question = None
    if asks_viewer(report):
        question = {
            "deadline": answer_deadline(report),
            "confirm_form": EmptyForm(formdata=None),
            "reopen_form": reopen_form or ReopenForm(formdata=None),
        }
    context = page_context(
        **engagement_context(report, comment_form=comment_form), question=question, **extra
    )
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


def handler_panel(report: Report) -> dict:
    """The parts only those who handle reports see: internal notes, who handles the report
    and forwarding to a city agency. A fixed number of queries."""
    submitted = g.get("reports_staff_forms", {})
    notes = list(
        db.session.execute(
            select(ReportNote)
            .where(ReportNote.report_id == report.id)
            .options(selectinload(ReportNote.author))
            .order_by(ReportNote.created_at, ReportNote.id)
        ).scalars()
    )
    assign_form = _blank(AssignForm)
    people = sorted(holders_of("reports.handle"), key=lambda u: (u.display_name.casefold(), u.id))
    assign_form.assignee.choices = [("", _("— Belum ditugaskan —"))] + [
        (str(u.id), u.display_name) for u in people
    ]
    assign_form.assignee.data = str(report.assignee_id or "")
    forward_form = submitted.get("forward") or _blank(ForwardForm)
    agencies = city_agencies()
    forward_form.agency.choices = [("", _("— Pilih OPD —"))] + [(a.name, a.name) for a in agencies]
    return {
        "notes": notes,
        "note_form": submitted.get("note") or InternalNoteForm(formdata=None),
        "assign_form": assign_form,
        "forward_form": forward_form,
        "agencies": agencies,
    }


@bp.context_processor
def _template_helpers():
    return {"staff_panel": staff_panel, "handler_panel": handler_panel}
