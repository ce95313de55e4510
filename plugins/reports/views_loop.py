"""Closing the loop: the reporter's answer to a fixed report ("Sudah beres" / "Masih
rusak"), and the staff's tools around a report: internal notes, who handles it, and
forwarding it to a city agency (OPD).

Every action is a POST with CSRF that redirects back to the report page; a form with
errors comes back on that page (422, nothing saved). A second submit of an answer already
recorded changes nothing and says so.
"""

from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.kit import (
    EmptyForm,
    already_done,
    audit,
    db,
    emit,
    force_locale,
    holders_of,
    login_required,
    notify,
    parse_id,
    permission_required,
    public_url,
    remember_result,
    send_email,
    utcnow,
    wib,
)

from .agencies import city_agencies
from .blueprint import bp
from .forms import AssignForm, ForwardForm, InternalNoteForm, ReopenForm
from .lookups import can_see_hidden, get_report
from .loop import awaits_answer
from .models import Report, ReportForward, ReportNote, ReportUpdate, Status
from .notices import notify_status_change, status_message
from .pages import render_report_page


def _back(report: Report, anchor: str = ""):
    return redirect(url_for("reports.show", report_id=report.id) + anchor, code=303)


# -- the reporter's answer -------------------------------------------------------------------


def _own_report(report_id: int) -> Report:
    """The signed-in reporter's own report; anyone else may not answer for them."""
    report = get_report(report_id, allow_hidden=True)
    if report.reporter_id != current_user.id:
        abort(404 if report.is_hidden and not can_see_hidden() else 403)
    return report


def _not_asked(report: Report):
    """The question is closed: answered already (a second tap) or too late."""
    last = report.updates[-1] if report.updates else None
    if last is not None and last.by_reporter and last.actor_id == current_user.id:
        flash(_("Jawaban Anda sudah tercatat."), "info")
    else:
        flash(_("Laporan ini tidak lagi menunggu jawaban Anda."), "info")
    return _back(report)


@bp.post("/<int:report_id>/sudah-beres")
@login_required
def confirm_fixed(report_id: int):
    report = _own_report(report_id)
    EmptyForm().validate_on_submit() or abort(400)
    if not awaits_answer(report):
        return _not_asked(report)
    report.confirmed_at = utcnow()
    report.updates.append(
        ReportUpdate(
            actor_id=current_user.id,
            from_status=report.status,
            to_status=report.status,
            note="",
            by_reporter=True,
        )
    )
    audit(
        "report.confirmed_fixed",
        "report",
        report.id,
        kelurahan=g.kelurahan,
        after={"status": report.status},
    )
    db.session.commit()
    emit("reports.confirmed", {"report_id": report.id})
    flash(_("Terima kasih! Laporan tercatat sudah beres."), "success")
    return _back(report)


@bp.post("/<int:report_id>/masih-rusak")
@login_required
def reopen(report_id: int):
    report = _own_report(report_id)
    form = ReopenForm()
    if not awaits_answer(report):
        EmptyForm().validate_on_submit() or abort(400)  # CSRF first, then the friendly answer
        return _not_asked(report)
    if not form.validate_on_submit():
        return render_report_page(report, 422, reopen_form=form)
    before, target = report.status, Status.DIPROSES.value
    report.status = target
    report.closed_at = None
    report.updates.append(
        ReportUpdate(
            actor_id=current_user.id,
            from_status=before,
            to_status=target,
            note=form.note.data,
            by_reporter=True,
        )
    )
    audit(
        "report.reopened_by_reporter",
        "report",
        report.id,
        kelurahan=g.kelurahan,
        before={"status": before},
        after={"status": target, "note": form.note.data},
    )
    # Followers (not the reporter, who is acting) and everyone who handles reports here.
    told = notify_status_change(report, target, form.note.data, by_reporter=True)
    message = status_message(report, target, form.note.data, by_reporter=True)
    for user in holders_of("reports.handle"):
        if user.id not in told and user.id != current_user.id:
            notify(
                user,
                message,
                url=url_for("reports.show", report_id=report.id),
                kelurahan=g.kelurahan,
            )
    db.session.commit()
    emit("reports.status_changed", {"report_id": report.id, "from": before, "to": target})
    flash(
        _("Laporan dibuka kembali. Petugas sudah diberi tahu bahwa masalahnya masih ada."),
        "success",
    )
    return _back(report)


# -- staff: internal notes ---------------------------------------------------------------------


@bp.post("/<int:report_id>/catatan-internal")
@permission_required("reports.handle")
def add_internal_note(report_id: int):
    report = get_report(report_id)
    form = InternalNoteForm()
    if (done := already_done(form)) is not None:
        return done
    if not form.validate_on_submit():
        return render_report_page(report, 422, staff_forms={"note": form})
    note = ReportNote(report_id=report.id, author_id=current_user.id, body=form.body.data)
    db.session.add(note)
    db.session.flush()
    # The audit entry names the note, never its text: the log is read more widely.
    audit(
        "report.internal_note", "report", report.id, kelurahan=g.kelurahan, after={"note": note.id}
    )
    remember_result(form, url_for("reports.show", report_id=report.id, _anchor="catatan-internal"))
    db.session.commit()
    flash(_("Catatan internal disimpan."), "success")
    return _back(report, "#catatan-internal")


# -- staff: who handles it ---------------------------------------------------------------------


def handlers() -> list:
    """Accounts that may handle reports in this kelurahan, by name."""
    return sorted(holders_of("reports.handle"), key=lambda u: (u.display_name.casefold(), u.id))


@bp.post("/<int:report_id>/tugaskan")
@permission_required("reports.handle")
def assign(report_id: int):
    report = get_report(report_id)
    form = AssignForm()
    form.validate_on_submit() or abort(400)
    raw = (form.assignee.data or "").strip()
    assignee = None
    if raw:
        wanted = parse_id(raw)
        assignee = next((u for u in handlers() if u.id == wanted), None)
        if assignee is None:
            abort(404)  # not someone who handles reports here (another kelurahan's, say)
    before = report.assignee_id
    if before == (assignee.id if assignee else None):
        return _back(report, "#kelola")
    report.assignee_id = assignee.id if assignee else None
    audit(
        "report.assigned",
        "report",
        report.id,
        kelurahan=g.kelurahan,
        before={"assignee": before},
        after={"assignee": report.assignee_id},
    )
    if assignee is not None and assignee.id != current_user.id:
        notify(
            assignee,
            _l(
                "Anda ditugaskan menangani laporan #%(id)s \u201c%(title)s\u201d.",
                id=report.id,
                title=report.title,
            ),
            url=url_for("reports.show", report_id=report.id),
            kelurahan=g.kelurahan,
        )
    db.session.commit()
    if assignee is None:
        flash(_("Laporan tidak lagi ditugaskan kepada siapa pun."), "success")
    else:
        flash(_("Laporan ditugaskan kepada %(name)s.", name=assignee.display_name), "success")
    return _back(report, "#kelola")


# -- staff: forwarding to a city agency --------------------------------------------------------


def forward_form() -> ForwardForm:
    """The submitted forward form, its choices the city admin's agencies of this moment."""
    form = ForwardForm()
    form.agency.choices = [("", _("— Pilih OPD —"))] + [(a.name, a.name) for a in city_agencies()]
    return form


def _forward_body(report: Report, note: str) -> str:
    lines = [
        _("Kelurahan %(name)s meneruskan laporan warga berikut.", name=g.kelurahan.name),
        "",
        f"#{report.id} {report.title}",
        _("Kategori: %(category)s", category=report.category),
        _("Dilaporkan: %(when)s", when=wib(report.created_at)),
    ]
    if report.address:
        lines.append(_("Lokasi: %(address)s", address=report.address))
    lines.append(f"{report.lat:.6f}, {report.lng:.6f}")
    lines += ["", report.description, "", _("Catatan petugas kelurahan:"), note, ""]
    lines.append(public_url("reports.show", report_id=report.id))
    return "\n".join(lines)


@bp.post("/<int:report_id>/teruskan")
@permission_required("reports.handle")
def forward(report_id: int):
    report = get_report(report_id)
    form = forward_form()
    if not form.validate_on_submit():
        return render_report_page(report, 422, staff_forms={"forward": form})
    agency = next(a for a in city_agencies() if a.name == form.agency.data)
    if any(f.agency == agency.name for f in report.forwards):
        flash(_("Laporan ini sudah diteruskan ke %(agency)s.", agency=agency.name), "info")
        return _back(report, "#kelola")
    report.forwards.append(
        ReportForward(
            agency=agency.name, email=agency.email, note=form.note.data, actor_id=current_user.id
        )
    )
    # In the city's language, whatever language the staff member reads the site in.
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        send_email(
            agency.email,
            _("Laporan warga #%(id)s: %(title)s", id=report.id, title=report.title),
            _forward_body(report, form.note.data),
        )
    audit(
        "report.forwarded",
        "report",
        report.id,
        kelurahan=g.kelurahan,
        after={"agency": agency.name, "email": agency.email},
    )
    db.session.commit()
    emit("reports.forwarded", {"report_id": report.id})
    flash(_("Laporan diteruskan ke %(agency)s.", agency=agency.name), "success")
    return _back(report, "#kelola")
