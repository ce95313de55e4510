"""Residents taking part: support (+1, "saya juga"), follow, comments and flags.

Every action is a plain POST that redirects back to the report with a flash message, so it
works without JavaScript; with htmx the same URL answers with the small fragment it
replaces (_support.html, _follow.html, _comments.html) and the message inside it.
"""

from __future__ import annotations

import logging

from flask import abort, flash, g, redirect, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from limits import parse as parse_limit
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.kit import (
    EmptyForm,
    audit,
    can,
    db,
    emit,
    get_or_404,
    htmx,
    limiter,
    login_required,
    user_key,
    utcnow,
)

from .blueprint import bp
from .engagement import (
    comments_state,
    exists,
    follow_state,
    has_supported,
    is_following,
    is_reporter,
    support_state,
)
from .forms import CommentForm, FlagForm
from .lookups import can_see_hidden, get_report
from .models import ReportComment, ReportFlag, ReportFollow, ReportSupport
from .pages import render_report_page
from .queries import settings

log = logging.getLogger(__name__)

# Comments per account; counted only when a comment is actually posted.
COMMENT_LIMIT = parse_limit("20 per hour")
COMMENT_LIMIT_SCOPE = "reports-comment"


def _back(report, anchor: str = ""):
    return redirect(url_for("reports.show", report_id=report.id) + anchor)


def _check_csrf() -> None:
    if not EmptyForm().validate_on_submit():
        abort(400)


# -- support (+1) ----------------------------------------------------------------------------


@bp.post("/<int:report_id>/dukung")
@login_required
def support(report_id: int):
    report = get_report(report_id)
    _check_csrf()
    category = "success"
    if is_reporter(report):
        message, category = _("Ini laporan Anda sendiri; dukungan datang dari warga lain."), "info"
    elif has_supported(report):
        message, category = _("Anda sudah mendukung laporan ini."), "info"
    else:
        db.session.add(ReportSupport(report_id=report.id, user_id=current_user.id))
        # Someone with the same problem wants to know when it is fixed.
        if not is_following(report):
            db.session.add(ReportFollow(report_id=report.id, user_id=current_user.id))
        try:
            db.session.commit()
            emit("reports.supported", {"report_id": report.id})
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
    report = get_report(report_id)
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
    return render_report_page(
        report,
        status,
        comment_form=form,
        comment_message=message,
        comment_message_category=category,
    )


@bp.get("/<int:report_id>/komentar")
def comments(report_id: int):
    report = get_report(report_id)
    if htmx:
        return _render_comments(report)
    return _back(report, "#komentar")


@bp.post("/<int:report_id>/komentar")
@login_required
def comment(report_id: int):
    report = get_report(report_id)
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
    return user_key("reports-flag")


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
    entry = audit(
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
    if exists(
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
    if hidden and target_type == "report":
        emit("reports.hidden", {"report_id": target.id, "by": "flags"})
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
    report = get_report(report_id)
    message, category, hidden = _add_flag("report", report, report.reporter_id, FlagForm())
    flash(message, category)
    if hidden and not can_see_hidden():
        return redirect(url_for("reports.index"))
    return _back(report)


@bp.post("/komentar/<int:comment_id>/tandai")
@login_required
@limiter.limit("30 per hour", key_func=_flag_key)
def flag_comment(comment_id: int):
    comment = get_or_404(ReportComment, comment_id)
    report = get_report(comment.report_id)
    if comment.is_hidden and not can("reports.moderate"):
        abort(404)
    message, category, _hidden = _add_flag("comment", comment, comment.user_id, FlagForm())
    if htmx:
        return _render_comments(report, message=message, category=category)
    flash(message, category)
    return _back(report, "#komentar")
