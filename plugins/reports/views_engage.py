"""Residents taking part: support (+1, "saya juga"), follow, comments and flags.

Every action is a plain POST that redirects back to the report with a flash message, so it
works without JavaScript; with htmx the same URL answers with the small fragment it
replaces (_support.html, _follow.html, _comments.html) and the message inside it.
"""

from __future__ import annotations

import logging
from urllib.parse import quote

from flask import abort, flash, g, redirect, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from limits import parse as parse_limit
from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app import audit, tenancy
from app.auth import is_staff, login_required
from app.extensions import db, htmx, limiter
from app.forms import EmptyForm
from app.models import utcnow

from .blueprint import bp
from .forms import FLAG_REASONS, CommentForm, FlagForm
from .models import Report, ReportComment, ReportFlag, ReportFollow, ReportSupport
from .queries import settings

log = logging.getLogger(__name__)

# Comments per account; counted only when a comment is actually posted.
COMMENT_LIMIT = parse_limit("20 per hour")
COMMENT_LIMIT_SCOPE = "reports-comment"


# -- what the report page shows --------------------------------------------------------------


def _exists(model, *where) -> bool:
    return bool(db.session.scalar(select(func.count()).select_from(model).where(*where)))


def support_state(report) -> dict:
    count = db.session.scalar(
        select(func.count()).select_from(ReportSupport).where(ReportSupport.report_id == report.id)
    )
    supported = current_user.is_authenticated and _exists(
        ReportSupport,
        ReportSupport.report_id == report.id,
        ReportSupport.user_id == current_user.id,
    )
    return {
        "support_count": count or 0,
        "supported": bool(supported),
        "is_reporter": is_reporter(report),
    }


def follow_state(report) -> dict:
    following = current_user.is_authenticated and _exists(
        ReportFollow, ReportFollow.report_id == report.id, ReportFollow.user_id == current_user.id
    )
    return {"following": bool(following)}


def comments_state(report, form: CommentForm | None = None) -> dict:
    """The comments the viewer may see (staff also see hidden ones, marked) and which of them
    (and whether the report) the viewer has already flagged. A fixed number of queries."""
    staff = is_staff()
    query = (
        select(ReportComment)
        .where(ReportComment.report_id == report.id)
        .options(selectinload(ReportComment.user))
        .order_by(ReportComment.created_at, ReportComment.id)
    )
    if not staff:
        query = query.where(ReportComment.hidden_at.is_(None))
    comments = list(db.session.execute(query).scalars())
    flagged_report, flagged_comments = False, set()
    if current_user.is_authenticated:
        targets = [and_(ReportFlag.target_type == "report", ReportFlag.target_id == report.id)]
        if comments:
            targets.append(
                and_(
                    ReportFlag.target_type == "comment",
                    ReportFlag.target_id.in_([c.id for c in comments]),
                )
            )
        rows = db.session.execute(
            select(ReportFlag.target_type, ReportFlag.target_id).where(
                ReportFlag.user_id == current_user.id, or_(*targets)
            )
        ).all()
        flagged_report = any(kind == "report" for kind, _id in rows)
        flagged_comments = {target for kind, target in rows if kind == "comment"}
    return {
        "comments": comments,
        "comment_form": form or CommentForm(formdata=None),
        "flag_reasons": FLAG_REASONS,
        "flagged_report": flagged_report,
        "flagged_comments": flagged_comments,
        "can_moderate": staff,
    }


def whatsapp_url(report) -> str:
    link = url_for("reports.show", report_id=report.id, _external=True)
    return "https://wa.me/?text=" + quote(f"{report.title} {link}", safe="")


def engagement_context(report, *, comment_form: CommentForm | None = None) -> dict:
    """What the report page needs for its support, follow, share, comment and flag parts."""
    return {
        **support_state(report),
        **follow_state(report),
        **comments_state(report, comment_form),
        "whatsapp_url": whatsapp_url(report),
    }


def is_reporter(report) -> bool:
    return current_user.is_authenticated and report.reporter_id == current_user.id


def _report_or_404(report_id: int) -> Report:
    from .views import get_report

    return get_report(report_id)


def _back(report, anchor: str = ""):
    return redirect(url_for("reports.show", report_id=report.id) + anchor)


def _check_csrf() -> None:
    if not EmptyForm().validate_on_submit():
        abort(400)


# -- support (+1) ----------------------------------------------------------------------------


@bp.post("/<int:report_id>/dukung")
@login_required
def support(report_id: int):
    report = _report_or_404(report_id)
    _check_csrf()
    category = "success"
    if is_reporter(report):
        message, category = _("Ini laporan Anda sendiri; dukungan datang dari warga lain."), "info"
    elif _exists(
        ReportSupport,
        ReportSupport.report_id == report.id,
        ReportSupport.user_id == current_user.id,
    ):
        message, category = _("Anda sudah mendukung laporan ini."), "info"
    else:
        db.session.add(ReportSupport(report_id=report.id, user_id=current_user.id))
        # Someone with the same problem wants to know when it is fixed.
        if not _exists(
            ReportFollow,
            ReportFollow.report_id == report.id,
            ReportFollow.user_id == current_user.id,
        ):
            db.session.add(ReportFollow(report_id=report.id, user_id=current_user.id))
        try:
            db.session.commit()
            message = _(
                "Dukungan Anda tercatat. Anda akan diberi tahu setiap ada perubahan status."
            )
        except IntegrityError:  # a double click raced us: the support is there already
            db.session.rollback()
            message, category = _("Anda sudah mendukung laporan ini."), "info"
    if htmx:
        return render_template(
            "reports/_support.html",
            report=report,
            support_message=message,
            support_message_category=category,
            **support_state(report),
        )
    flash(message, category)
    return _back(report)


# -- follow ----------------------------------------------------------------------------------


@bp.post("/<int:report_id>/ikuti")
@login_required
def follow(report_id: int):
    """Follow or stop following (a toggle): followers are notified of status changes."""
    report = _report_or_404(report_id)
    _check_csrf()
    row = db.session.execute(
        select(ReportFollow).where(
            ReportFollow.report_id == report.id, ReportFollow.user_id == current_user.id
        )
    ).scalar_one_or_none()
    if row is not None:
        db.session.delete(row)
        message = _("Anda berhenti mengikuti laporan ini.")
    else:
        db.session.add(ReportFollow(report_id=report.id, user_id=current_user.id))
        message = _("Anda mengikuti laporan ini dan akan diberi tahu setiap perubahan status.")
    try:
        db.session.commit()
    except IntegrityError:  # a double click raced us
        db.session.rollback()
    if htmx:
        return render_template(
            "reports/_follow.html", report=report, follow_message=message, **follow_state(report)
        )
    flash(message, "success")
    return _back(report)


# -- comments --------------------------------------------------------------------------------


def _comment_limit_reached() -> bool:
    if not (limiter.enabled and limiter.initialized):
        return False
    try:
        return not limiter.limiter.test(COMMENT_LIMIT, COMMENT_LIMIT_SCOPE, str(current_user.id))
    except Exception:  # the limiter's storage is down: do not block residents for it
        log.warning("rate-limit storage failed", exc_info=True)
        return False


def _count_comment() -> None:
    if not (limiter.enabled and limiter.initialized):
        return
    try:
        limiter.limiter.hit(COMMENT_LIMIT, COMMENT_LIMIT_SCOPE, str(current_user.id))
    except Exception:
        log.warning("rate-limit storage failed", exc_info=True)


def _render_comments(report, *, form=None, message=None, category="success", status=200):
    """htmx: the comments fragment. Without JS: the whole report page (errors keep the text)."""
    if htmx:
        # htmx swaps only 2xx answers; the message inside the fragment tells what happened.
        return render_template(
            "reports/_comments.html",
            report=report,
            comment_message=message,
            comment_message_category=category,
            **comments_state(report, form),
        )
    from .views import page_context

    return (
        render_template(
            "reports/show.html",
            report=report,
            comment_message=message,
            comment_message_category=category,
            **page_context(**engagement_context(report, comment_form=form)),
        ),
        status,
    )


@bp.get("/<int:report_id>/komentar")
def comments(report_id: int):
    report = _report_or_404(report_id)
    if htmx:
        return _render_comments(report)
    return _back(report, "#komentar")


@bp.post("/<int:report_id>/komentar")
@login_required
def comment(report_id: int):
    report = _report_or_404(report_id)
    form = CommentForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        return _render_comments(
            report,
            form=form,
            message=_("Komentar belum terkirim. Periksa isiannya."),
            category="error",
            status=422,
        )
    if _comment_limit_reached():
        return _render_comments(
            report,
            form=form,
            message=_("Terlalu banyak komentar dalam satu jam. Silakan coba lagi nanti."),
            category="error",
            status=429,
        )
    db.session.add(ReportComment(report_id=report.id, user_id=current_user.id, body=form.body.data))
    db.session.commit()
    _count_comment()
    message = _("Komentar Anda terkirim.")
    if htmx:
        return _render_comments(report, message=message)
    flash(message, "success")
    return _back(report, "#komentar")


# -- flags -----------------------------------------------------------------------------------


def _flag_key() -> str:
    return f"reports-flag:{getattr(current_user, 'id', 'anon')}"


def _hide_after_flags(target_type: str, target) -> bool:
    """Hide `target` once enough different residents flagged it since staff last reviewed
    it. Returns True when this flag hid it."""
    if target.hidden_at is not None:
        return False
    threshold = int(settings()["flag_threshold"])
    flaggers = db.session.scalar(
        select(func.count(func.distinct(ReportFlag.user_id))).where(
            ReportFlag.target_type == target_type,
            ReportFlag.target_id == target.id,
            ReportFlag.reviewed_at.is_(None),
        )
    )
    if flaggers < threshold:
        return False
    target.hidden_at = utcnow()
    with force_locale("id"):  # stored once, in the platform's own language
        target.hidden_reason = _(
            "Disembunyikan otomatis setelah %(n)s tanda dari warga", n=flaggers
        )
    entry = audit.record(
        "report.auto_hidden",
        "report" if target_type == "report" else "report_comment",
        target.id,
        kelurahan=g.kelurahan,
        before={"hidden": False},
        after={"hidden": True, "flags": flaggers, "threshold": threshold},
    )
    entry.actor_id = None  # the system hid it, not the last resident who flagged it
    return True


def _add_flag(target_type: str, target, owner_id: int | None, form: FlagForm):
    """(message, category, hidden) for a resident's flag on a report or a comment."""
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        return _("Pilih alasan menandai."), "error", False
    if owner_id == current_user.id:
        return _("Anda tidak dapat menandai tulisan Anda sendiri."), "info", False
    already = _("Anda sudah menandai ini. Petugas akan meninjaunya."), "info", False
    if _exists(
        ReportFlag,
        ReportFlag.target_type == target_type,
        ReportFlag.target_id == target.id,
        ReportFlag.user_id == current_user.id,
    ):
        return already
    db.session.add(
        ReportFlag(
            target_type=target_type,
            target_id=target.id,
            user_id=current_user.id,
            reason=form.reason.data,
        )
    )
    try:
        db.session.flush()
    except IntegrityError:  # a double click raced us
        db.session.rollback()
        return already
    hidden = _hide_after_flags(target_type, target)
    db.session.commit()
    if hidden:
        return (
            _("Terima kasih. Tulisan ini disembunyikan sampai ditinjau petugas."),
            "success",
            True,
        )
    return _("Terima kasih. Petugas akan meninjau tanda dari Anda."), "success", False


@bp.post("/<int:report_id>/tandai")
@login_required
@limiter.limit("30 per hour", key_func=_flag_key)
def flag_report(report_id: int):
    report = _report_or_404(report_id)
    message, category, hidden = _add_flag("report", report, report.reporter_id, FlagForm())
    flash(message, category)
    if hidden and not is_staff():
        return redirect(url_for("reports.index"))
    return _back(report)


@bp.post("/komentar/<int:comment_id>/tandai")
@login_required
@limiter.limit("30 per hour", key_func=_flag_key)
def flag_comment(comment_id: int):
    comment = tenancy.get_or_404(ReportComment, comment_id)
    report = _report_or_404(comment.report_id)
    if comment.is_hidden and not is_staff():
        abort(404)
    message, category, _hidden = _add_flag("comment", comment, comment.user_id, FlagForm())
    if htmx:
        return _render_comments(report, message=message, category=category)
    flash(message, category)
    return _back(report, "#komentar")
