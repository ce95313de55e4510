"""Staff of the kelurahan: the work queue, status changes, moderation. (Open311 API keys are
the core's: the kelurahan admin issues them at /k/<slug>/admin/kunci-api.)

Each page needs the plugin's permission (`reports.handle`, `reports.moderate`), granted to
roles by the manifest and the kelurahan admin. Objects of
another kelurahan answer 404, never 403: every lookup goes through the kelurahan-scoped
session (`lookups.get_report`, `get_or_404`).
"""

from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from app.kit import (
    EmptyForm,
    ImageRejected,
    audit,
    db,
    emit,
    get_or_404,
    page_number,
    permission_required,
    remove_media_files,
    safe_next,
    utcnow,
)

from .blueprint import bp
from .forms import FLAG_REASONS, HideForm, StatusForm
from .labels import STATUS_LABELS
from .lookups import get_report, page_context
from .loop import past_target
from .models import STATUS_VALUES, Report, ReportComment, ReportFlag, ReportUpdate
from .notices import notify_status_change
from .pages import render_report_page
from .photos import attach_photos
from .queries import apply_filters, categories, settings, support_counts, unreviewed_flags
from .workflow import is_closed

QUEUE_PER_PAGE = 25
MODERATION_LIMIT = 100

# Age filter of the work queue: reports older than N days.
AGES = {"3": 3, "7": 7, "30": 30}
AGE_LABELS = {
    "3": _l("Lebih dari 3 hari"),
    "7": _l("Lebih dari 7 hari"),
    "30": _l("Lebih dari 30 hari"),
}


def _report_page_with(report_id: int, **forms):
    """The report page again with the submitted staff form and its errors: 422, nothing
    saved."""
    report = get_report(report_id, allow_hidden=True)
    return render_report_page(report, 422, staff_forms=forms)


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
    mine = "1" if args.get("mine") == "1" else ""
    return {"status": status, "category": category, "age": age, "mine": mine}


@bp.get("/kelola")
@permission_required("reports.handle")
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
    if filters["mine"]:
        query = query.where(Report.assignee_id == current_user.id)
    # Joined, not selected in: a page with no assignee at all costs the same statements.
    query = query.options(selectinload(Report.reporter), joinedload(Report.assignee)).order_by(
        case((Report.first_response_at.is_(None), 0), else_=1),
        Report.created_at,
        Report.id,
    )
    pagination = db.paginate(query, page=page, per_page=QUEUE_PER_PAGE, error_out=False)
    ids = [r.id for r in pagination.items]
    flags = {report_id: len(rows) for report_id, rows in unreviewed_flags("report", ids).items()}
    return render_template(
        "reports/staff_queue.html",
        pagination=pagination,
        supports=support_counts(ids),
        flags=flags,
        now=utcnow(),
        target_days=settings()["target_days"],
        past_target=past_target,
        age_labels=AGE_LABELS,
        **page_context(filters=filters),
    )


# -- status changes ----------------------------------------------------------------------------


@bp.post("/<int:report_id>/status")
@permission_required("reports.handle")
def change_status(report_id: int):
    report = get_report(report_id)
    form = StatusForm(report)
    if not form.validate_on_submit():
        return _report_page_with(report_id, status=form)
    before, target = report.status, form.to_status.data
    note = (form.note.data or "").strip()
    now = utcnow()
    update = ReportUpdate(
        actor_id=current_user.id,
        from_status=before,
        to_status=target,
        note=note,
    )
    report.updates.append(update)
    try:
        stored = attach_photos(update, form.photo_files())
    except ImageRejected as exc:
        db.session.rollback()
        form.photos.errors = [*form.photos.errors, exc.message]
        return _report_page_with(report_id, status=form)
    report.status = target
    if report.first_response_at is None:
        report.first_response_at = now
    report.closed_at = now if is_closed(target) else None
    report.duplicate_of_id = form.original.id if form.original is not None else None
    after = {"status": target, "note": note}
    if form.original is not None:
        after["duplicate_of"] = form.original.id
    if stored:
        after["photos"] = len(stored) // 2  # each photo is stored in two sizes
    audit(
        "report.status_changed",
        "report",
        report.id,
        kelurahan=g.kelurahan,
        before={"status": before},
        after=after,
    )
    notify_status_change(report, target, note)
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        remove_media_files(stored)
        raise
    emit("reports.status_changed", {"report_id": report.id, "from": before, "to": target})
    flash(_("Status laporan diubah menjadi %(status)s.", status=STATUS_LABELS[target]), "success")
    return redirect(url_for("reports.show", report_id=report.id))


# -- moderation --------------------------------------------------------------------------------


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
    audit(
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
    audit(
        f"{AUDIT_TYPES[target_type]}.restored",
        AUDIT_TYPES[target_type],
        item.id,
        kelurahan=g.kelurahan,
        before=before,
        after={**_hidden_state(item), "flags_reviewed": reviewed},
    )


@bp.post("/<int:report_id>/sembunyikan")
@permission_required("reports.moderate")
def hide_report(report_id: int):
    report = get_report(report_id)
    form = HideForm()
    if not _hide(report, "report", form):
        if form.origin.data == "moderasi":
            return _moderation_page_with({("report", report.id): form})
        return _report_page_with(report_id, hide=form)
    db.session.commit()
    emit("reports.hidden", {"report_id": report.id, "by": "staff"})
    flash(_("Laporan disembunyikan dari publik."), "success")
    return redirect(safe_next(url_for("reports.show", report_id=report.id)))


@bp.post("/<int:report_id>/tampilkan")
@permission_required("reports.moderate")
def restore_report(report_id: int):
    report = get_report(report_id)
    _restore(report, "report")
    db.session.commit()
    emit("reports.restored", {"report_id": report.id})
    flash(_("Laporan ditampilkan lagi untuk publik."), "success")
    return redirect(safe_next(url_for("reports.show", report_id=report.id)))


@bp.post("/komentar/<int:comment_id>/sembunyikan")
@permission_required("reports.moderate")
def hide_comment(comment_id: int):
    comment = get_or_404(ReportComment, comment_id)
    form = HideForm()
    if not _hide(comment, "comment", form):
        if form.origin.data == "moderasi":
            return _moderation_page_with({("comment", comment.id): form})
        return _report_page_with(comment.report_id, comment_hide=(comment.id, form))
    db.session.commit()
    flash(_("Komentar disembunyikan dari publik."), "success")
    return redirect(safe_next(_comment_url(comment)))


@bp.post("/komentar/<int:comment_id>/tampilkan")
@permission_required("reports.moderate")
def restore_comment(comment_id: int):
    comment = get_or_404(ReportComment, comment_id)
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
@permission_required("reports.moderate")
def moderation():
    return render_template("reports/staff_moderation.html", **_moderation_context())


def _moderation_page_with(errors: dict):
    return render_template("reports/staff_moderation.html", **_moderation_context(errors)), 422
