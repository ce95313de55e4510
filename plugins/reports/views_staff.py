"""Staff of the kelurahan: the work queue, status changes, moderation, API keys.

Staff means petugas or admin of the current kelurahan (`staff_required`); the API keys page
is for its admin only. Objects of another kelurahan answer 404: every lookup goes through
the kelurahan-scoped session (`views.get_report`, `tenancy.get_or_404`).
"""

from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import selectinload
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from app import audit, tenancy
from app.auth import admin_required, staff_required
from app.extensions import db
from app.forms import INVALID_CHOICE, REQUIRED, EmptyForm
from app.models import utcnow
from app.notify import notify
from app.paging import page_number
from app.urls import safe_next

from .blueprint import bp
from .forms import FLAG_REASONS
from .labels import STATUS_LABELS
from .models import (
    CLOSED,
    STATUS_VALUES,
    Report,
    ReportComment,
    ReportFlag,
    ReportFollow,
    ReportUpdate,
    Status,
)
from .queries import apply_filters, categories, support_counts

QUEUE_PER_PAGE = 25
MODERATION_LIMIT = 100
MAX_NOTE = 2000
MAX_REASON = 300

# The staff workflow: from each status, the statuses a report may move to next. A closed
# report can only be reopened, back to `diproses`, with a note.
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

# Age filter of the work queue: reports older than N days.
AGES = {"3": 3, "7": 7, "30": 30}
AGE_LABELS = {
    "3": _l("Lebih dari 3 hari"),
    "7": _l("Lebih dari 7 hari"),
    "30": _l("Lebih dari 30 hari"),
}


def is_closed(status: str) -> bool:
    return Status(status) in CLOSED


def allowed_next(status: str) -> tuple[str, ...]:
    return TRANSITIONS.get(status, ())


def note_required(from_status: str, to_status: str) -> bool:
    """Closing a report and reopening one both need a public explanation."""
    return is_closed(to_status) or is_closed(from_status)


# -- forms -------------------------------------------------------------------------------------


class StatusForm(FlaskForm):
    """A status change of one report; validated against the transition table."""

    to_status = SelectField(
        _l("Ubah status menjadi"),
        id="staff-to-status",
        validators=[DataRequired(REQUIRED)],
        validate_choice=False,  # checked in validate() with a message that names both states
    )
    note = TextAreaField(
        _l("Catatan untuk publik"),
        id="staff-note",
        validators=[
            Length(max=MAX_NOTE, message=_l("Catatan paling banyak 2000 karakter.")),
        ],
        description=_l(
            "Tampil di riwayat status laporan. Wajib diisi saat menutup atau membuka kembali "
            "laporan."
        ),
    )
    duplicate_of = StringField(
        _l("Nomor laporan asli"),
        id="staff-duplicate-of",
        description=_l("Hanya untuk status Duplikat: nomor (#) laporan asli di kelurahan ini."),
    )

    def __init__(self, report: Report, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.report = report
        self.original: Report | None = None
        self.to_status.choices = [("", _("— Pilih status —"))] + [
            (value, STATUS_LABELS[value]) for value in allowed_next(report.status)
        ]

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        report, target = self.report, self.to_status.data or ""
        if target and target not in STATUS_VALUES:
            self.to_status.errors.append(INVALID_CHOICE)
            return False
        if target and target not in allowed_next(report.status):
            self.to_status.errors.append(
                _(
                    "Laporan berstatus %(current)s tidak dapat diubah menjadi %(target)s.",
                    current=STATUS_LABELS[report.status],
                    target=STATUS_LABELS[target],
                )
            )
            return False
        if not ok:
            return False
        if note_required(report.status, target) and not (self.note.data or "").strip():
            self.note.errors.append(
                _("Catatan wajib diisi saat menutup atau membuka kembali laporan.")
            )
            ok = False
        if target == Status.DUPLIKAT.value:
            self.original = self._find_original()
            ok = ok and self.original is not None
        return ok

    def _find_original(self) -> Report | None:
        """The report this one duplicates: another visible report of this kelurahan that
        does not (through a chain of duplicates) point back here."""
        raw = (self.duplicate_of.data or "").strip().lstrip("#").strip()
        errors = self.duplicate_of.errors
        if not raw:
            errors.append(_("Isi nomor laporan asli untuk status Duplikat."))
            return None
        if not raw.isdigit():
            errors.append(_("Isi dengan nomor laporan, misalnya 12."))
            return None
        original_id = int(raw)
        if original_id == self.report.id:
            errors.append(_("Laporan tidak dapat menjadi duplikat dari dirinya sendiri."))
            return None
        # The session is scoped to this kelurahan: another kelurahan's report is not found.
        original = db.session.execute(
            select(Report).where(Report.id == original_id)
        ).scalar_one_or_none()
        if original is None:
            errors.append(_("Laporan #%(id)s tidak ada di kelurahan ini.", id=original_id))
            return None
        if original.is_hidden:
            errors.append(
                _("Laporan #%(id)s disembunyikan dari publik; pilih laporan lain.", id=original_id)
            )
            return None
        seen, node = {self.report.id}, original
        while node is not None:
            if node.id in seen:
                errors.append(
                    _(
                        "Laporan #%(id)s sudah tercatat sebagai duplikat dari laporan ini.",
                        id=original_id,
                    )
                )
                return None
            seen.add(node.id)
            node = node.duplicate_of
        return original


class HideForm(FlaskForm):
    """Hide a report or comment from the public. The reason may stay empty only when the item
    is already hidden ("keep hidden" keeps the old reason)."""

    reason = StringField(
        _l("Alasan disembunyikan"),
        id="staff-hide-reason",
        validators=[Length(max=MAX_REASON, message=_l("Alasan paling banyak 300 karakter."))],
        description=_l("Dicatat di log audit dan terlihat oleh petugas."),
    )
    origin = HiddenField()
    next = HiddenField()


class ApiKeyForm(FlaskForm):
    label = StringField(
        _l("Nama kunci"),
        validators=[
            DataRequired(REQUIRED),
            Length(max=120, message=_l("Paling banyak 120 karakter.")),
        ],
        description=_l("Misalnya nama aplikasi atau mitra yang memakai kunci ini."),
    )


def _blank(form_class, *args):
    """A form that does not read the current POST (forms of the panel not being submitted)."""
    return form_class(*args, formdata=None)


# -- the staff panel on the report page --------------------------------------------------------


@bp.context_processor
def _staff_panel_global():
    return {"staff_panel": staff_panel}


def staff_panel(report: Report) -> dict:
    """What reports/_staff_panel.html shows; called by the template for staff only. A form
    submitted with errors (this request) comes back with what was typed."""
    submitted = g.get("reports_staff_forms", {})
    return {
        "status_form": submitted.get("status") or _blank(StatusForm, report),
        "hide_form": submitted.get("hide") or _blank(HideForm),
        "allowed": allowed_next(report.status),
        "flags": unreviewed_flags("report", [report.id]).get(report.id, []),
    }


def _report_page_with(report_id: int, **forms):
    """Re-render the report page, through its own view, with the submitted staff form and
    its errors: 422, nothing saved."""
    from .views import show

    g.reports_staff_forms = forms
    return show(report_id), 422


# -- the work queue ----------------------------------------------------------------------------


def read_queue_filters(args) -> dict:
    status = args.get("status") or "open"
    if status not in ("open", "closed", "all", *STATUS_VALUES):
        status = "open"
    category = (args.get("category") or "").strip()
    if category not in categories():
        category = ""
    age = args.get("age") or ""
    if age not in AGES:
        age = ""
    return {"status": status, "category": category, "age": age}


@bp.get("/kelola")
@staff_required
def work_queue():
    filters = read_queue_filters(request.args)
    page = page_number()
    query = apply_filters(
        select(Report).where(Report.hidden_at.is_(None)),
        {
            "category": filters["category"],
            "status": "" if filters["status"] == "all" else filters["status"],
        },
    )
    if filters["age"]:
        query = query.where(Report.created_at < utcnow() - timedelta(days=AGES[filters["age"]]))
    query = query.options(selectinload(Report.reporter)).order_by(
        case((Report.first_response_at.is_(None), 0), else_=1),
        Report.created_at,
        Report.id,
    )
    pagination = db.paginate(query, page=page, per_page=QUEUE_PER_PAGE, error_out=False)
    ids = [r.id for r in pagination.items]
    flags = {report_id: len(rows) for report_id, rows in unreviewed_flags("report", ids).items()}
    from .views import page_context

    return render_template(
        "reports/staff_queue.html",
        pagination=pagination,
        supports=support_counts(ids),
        flags=flags,
        now=utcnow(),
        age_labels=AGE_LABELS,
        **page_context(filters=filters),
    )


# -- status changes ----------------------------------------------------------------------------


@bp.post("/<int:report_id>/status")
@staff_required
def change_status(report_id: int):
    from .views import get_report

    report = get_report(report_id)
    form = StatusForm(report)
    if not form.validate_on_submit():
        return _report_page_with(report_id, status=form)
    before, target = report.status, form.to_status.data
    note = (form.note.data or "").strip()
    now = utcnow()
    report.status = target
    db.session.add(
        ReportUpdate(
            report_id=report.id,
            actor_id=current_user.id,
            from_status=before,
            to_status=target,
            note=note,
        )
    )
    if report.first_response_at is None:
        report.first_response_at = now
    report.closed_at = now if is_closed(target) else None
    report.duplicate_of_id = form.original.id if form.original is not None else None
    after = {"status": target, "note": note}
    if form.original is not None:
        after["duplicate_of"] = form.original.id
    audit.record(
        "report.status_changed",
        "report",
        report.id,
        kelurahan=g.kelurahan,
        before={"status": before},
        after=after,
    )
    notify_status_change(report, target)
    db.session.commit()
    flash(_("Status laporan diubah menjadi %(status)s.", status=STATUS_LABELS[target]), "success")
    return redirect(url_for("reports.show", report_id=report.id))


def notify_status_change(report: Report, target: str) -> None:
    """Tell the reporter and every follower once each, but not the staff member acting."""
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
    for user in recipients.values():
        if not user.is_active_account:
            continue
        notify(
            user,
            _l(
                "Laporan #%(id)s \u201c%(title)s\u201d kini berstatus %(status)s.",
                id=report.id,
                title=report.title,
                status=STATUS_LABELS[target],
            ),
            url=url,
            kelurahan=g.kelurahan,
        )


# -- moderation --------------------------------------------------------------------------------


def unreviewed_flags(target_type: str, ids) -> dict[int, list[ReportFlag]]:
    """Flags not yet reviewed by staff, per target id (one query)."""
    ids = list(ids)
    if not ids:
        return {}
    grouped: dict[int, list[ReportFlag]] = {}
    rows = db.session.execute(
        select(ReportFlag)
        .where(
            ReportFlag.target_type == target_type,
            ReportFlag.target_id.in_(ids),
            ReportFlag.reviewed_at.is_(None),
        )
        .order_by(ReportFlag.created_at, ReportFlag.id)
    ).scalars()
    for flag in rows:
        grouped.setdefault(flag.target_id, []).append(flag)
    return grouped


def _review_flags(target_type: str, target_id: int, now) -> int:
    rows = db.session.execute(
        select(ReportFlag).where(
            ReportFlag.target_type == target_type,
            ReportFlag.target_id == target_id,
            ReportFlag.reviewed_at.is_(None),
        )
    ).scalars()
    n = 0
    for flag in rows:
        flag.reviewed_at = now
        n += 1
    return n


# Flag target types and the object types the audit log knows them by.
AUDIT_TYPES = {"report": "report", "comment": "report_comment"}


def _hidden_state(item) -> dict:
    return {"hidden": item.is_hidden, "reason": item.hidden_reason}


def _hide(item, target_type: str, form: HideForm) -> bool:
    """Hide `item` (or keep it hidden) and mark its flags reviewed; False on bad input."""
    if not form.validate_on_submit():
        return False
    reason = (form.reason.data or "").strip()
    if not reason and not item.is_hidden:
        form.reason.errors.append(_("Alasan wajib diisi."))
        return False
    before, now = _hidden_state(item), utcnow()
    if not item.is_hidden:
        item.hidden_at = now
    if reason:
        item.hidden_reason = reason
    reviewed = _review_flags(target_type, item.id, now)
    audit.record(
        f"{AUDIT_TYPES[target_type]}.hidden",
        AUDIT_TYPES[target_type],
        item.id,
        kelurahan=g.kelurahan,
        before=before,
        after={**_hidden_state(item), "flags_reviewed": reviewed},
    )
    return True


def _restore(item, target_type: str) -> None:
    """Show `item` to the public again and mark its flags reviewed."""
    EmptyForm().validate_on_submit() or abort(400)
    before, now = _hidden_state(item), utcnow()
    item.hidden_at = None
    item.hidden_reason = None
    reviewed = _review_flags(target_type, item.id, now)
    audit.record(
        f"{AUDIT_TYPES[target_type]}.restored",
        AUDIT_TYPES[target_type],
        item.id,
        kelurahan=g.kelurahan,
        before=before,
        after={**_hidden_state(item), "flags_reviewed": reviewed},
    )


@bp.post("/<int:report_id>/sembunyikan")
@staff_required
def hide_report(report_id: int):
    from .views import get_report

    report = get_report(report_id)
    form = HideForm()
    if not _hide(report, "report", form):
        if form.origin.data == "moderasi":
            return _moderation_page_with({("report", report.id): form})
        return _report_page_with(report_id, hide=form)
    db.session.commit()
    flash(_("Laporan disembunyikan dari publik."), "success")
    return redirect(safe_next(url_for("reports.show", report_id=report.id)))


@bp.post("/<int:report_id>/tampilkan")
@staff_required
def restore_report(report_id: int):
    from .views import get_report

    report = get_report(report_id)
    _restore(report, "report")
    db.session.commit()
    flash(_("Laporan ditampilkan lagi untuk publik."), "success")
    return redirect(safe_next(url_for("reports.show", report_id=report.id)))


@bp.post("/komentar/<int:comment_id>/sembunyikan")
@staff_required
def hide_comment(comment_id: int):
    comment = tenancy.get_or_404(ReportComment, comment_id)
    form = HideForm()
    if not _hide(comment, "comment", form):
        if form.origin.data == "moderasi":
            return _moderation_page_with({("comment", comment.id): form})
        return _report_page_with(comment.report_id, comment_hide=(comment.id, form))
    db.session.commit()
    flash(_("Komentar disembunyikan dari publik."), "success")
    return redirect(safe_next(_comment_url(comment)))


@bp.post("/komentar/<int:comment_id>/tampilkan")
@staff_required
def restore_comment(comment_id: int):
    comment = tenancy.get_or_404(ReportComment, comment_id)
    _restore(comment, "comment")
    db.session.commit()
    flash(_("Komentar ditampilkan lagi untuk publik."), "success")
    return redirect(safe_next(_comment_url(comment)))


def _comment_url(comment: ReportComment) -> str:
    return url_for("reports.show", report_id=comment.report_id, _anchor=f"komentar-{comment.id}")


def _flagged_ids(target_type: str):
    return select(ReportFlag.target_id).where(
        ReportFlag.target_type == target_type, ReportFlag.reviewed_at.is_(None)
    )


def _moderation_items(model, target_type: str, *options) -> tuple[list, int]:
    """Hidden items and items with unreviewed flags; those awaiting review first."""
    flagged = _flagged_ids(target_type)
    condition = or_(model.hidden_at.is_not(None), model.id.in_(flagged))
    total = db.session.scalar(select(func.count()).select_from(model).where(condition))
    items = list(
        db.session.execute(
            select(model)
            .where(condition)
            .options(*options)
            .order_by(
                case((model.id.in_(flagged), 0), else_=1),
                model.id.desc(),
            )
            .limit(MODERATION_LIMIT)
        ).scalars()
    )
    return items, total


def _moderation_context(errors: dict | None = None) -> dict:
    reports, reports_total = _moderation_items(Report, "report")
    comments, comments_total = _moderation_items(
        ReportComment, "comment", selectinload(ReportComment.user)
    )
    report_ids = {c.report_id for c in comments}
    titles = dict(
        db.session.execute(select(Report.id, Report.title).where(Report.id.in_(report_ids))).all()
        if report_ids
        else []
    )
    return {
        "reports": reports,
        "reports_total": reports_total,
        "comments": comments,
        "comments_total": comments_total,
        "report_titles": titles,
        "report_flags": unreviewed_flags("report", [r.id for r in reports]),
        "comment_flags": unreviewed_flags("comment", [c.id for c in comments]),
        "errors": errors or {},
        "limit": MODERATION_LIMIT,
        "status_labels": STATUS_LABELS,
        "flag_reasons": FLAG_REASONS,
    }


@bp.get("/moderasi")
@staff_required
def moderation():
    return render_template("reports/staff_moderation.html", **_moderation_context())


def _moderation_page_with(errors: dict):
    return render_template("reports/staff_moderation.html", **_moderation_context(errors)), 422


# -- Open311 API keys --------------------------------------------------------------------------
# Issuing, revoking and their audit entries are in apikeys.py (shared with the CLI).


def _api_keys_page(form: ApiKeyForm, *, plaintext: str | None = None, status: int = 200):
    from .apikeys import keys_of

    response = make_response(
        render_template(
            "reports/staff_api_keys.html",
            form=form,
            keys=keys_of(g.kelurahan),
            plaintext=plaintext,
        ),
        status,
    )
    # The plaintext key is shown once: keep it out of every cache.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/kunci-api", methods=["GET", "POST"])
@admin_required
def api_keys():
    from .apikeys import issue_key

    form = ApiKeyForm()
    if not form.validate_on_submit():
        return _api_keys_page(form, status=422 if request.method == "POST" else 200)
    _key, plaintext = issue_key(g.kelurahan, form.label.data.strip(), actor=current_user)
    db.session.commit()
    return _api_keys_page(ApiKeyForm(formdata=None), plaintext=plaintext)


@bp.post("/kunci-api/<int:key_id>/cabut")
@admin_required
def revoke_api_key(key_id: int):
    from .apikeys import get_key, revoke_key

    key = get_key(g.kelurahan, key_id)
    if key is None:
        abort(404)
    EmptyForm().validate_on_submit() or abort(400)
    if revoke_key(key, actor=current_user):
        db.session.commit()
        flash(_("Kunci %(prefix)s… dicabut.", prefix=key.prefix), "success")
    return redirect(url_for("reports.api_keys"))
