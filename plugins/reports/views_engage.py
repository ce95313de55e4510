"""Residents taking part: support (+1, "saya juga"), follow, comments and flags.

Every action is a plain POST that redirects back to the report with a flash message, so it
works without JavaScript; with htmx the same URL answers with the small fragment it
replaces (_support.html, _follow.html, _comments.html) and the message inside it.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import abort, flash, g, redirect, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from limits import parse as parse_limit
from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from app.kit import (
    EmptyForm,
    RoleAssignment,
    User,
    already_done,
    audit,
    can,
    db,
    emit,
    get_or_404,
    htmx,
    limiter,
    login_required,
    remember_result,
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
# Flags per account (reports and comments together); counted when a flag is recorded.
FLAG_LIMIT = parse_limit("10 per hour")
FLAG_LIMIT_SCOPE = "reports-flag"


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


def _limit_reached(limit, scope: str) -> bool:
    if not (limiter.enabled and limiter.initialized):
        return False
    try:
        return not limiter.limiter.test(limit, scope, str(current_user.id))
    except Exception:  # the limiter's storage is down: do not block residents for it
        log.warning("rate-limit storage failed", exc_info=True)
        return False


def _count_towards(limit, scope: str) -> None:
    if not (limiter.enabled and limiter.initialized):
        return
    try:
        limiter.limiter.hit(limit, scope, str(current_user.id))
    except Exception:
        log.warning("rate-limit storage failed", exc_info=True)


def _comment_limit_reached() -> bool:
    return _limit_reached(COMMENT_LIMIT, COMMENT_LIMIT_SCOPE)


def _count_comment() -> None:
    _count_towards(COMMENT_LIMIT, COMMENT_LIMIT_SCOPE)


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
    if (done := already_done(form, flash_message=not htmx)) is not None:
        if htmx:  # the fragment, not the whole page swapped into the comments
            return _render_comments(report, message=_("Komentar Anda sudah terkirim."))
        return done  # the same comment sent again: it is there already
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
    remember_result(form, url_for("reports.show", report_id=report.id) + "#komentar")
    db.session.commit()
    _count_comment()
    message = _("Komentar Anda terkirim.")
    if htmx:
        return _render_comments(report, message=message)
    flash(message, "success")
    return _back(report, "#komentar")


# -- flags -----------------------------------------------------------------------------------


FLAG_LIMIT_MESSAGE = _l(
    "Anda sudah terlalu banyak menandai dalam satu jam. Silakan coba lagi nanti; "
    "tanda Anda sebelumnya tetap tercatat."
)


def _counting_flaggers(target_type: str, target_id: int) -> int:
    """Different people whose unreviewed flags count towards hiding `target`: verified
    residents of this kelurahan and its staff (and the city admin); with the setting
    `flag_min_account_days` above 0, also accounts at least that many days old. Other
    flags are kept for moderators but hide nothing, so throw-away accounts from elsewhere
    cannot take a report down."""
    role = aliased(RoleAssignment)
    qualified = [
        role.verified_at.is_not(None),
        role.role.in_(("petugas", "admin")),
        User.is_city_admin.is_(True),
    ]
    days = int(settings().get("flag_min_account_days") or 0)
    if days > 0:
        qualified.append(User.created_at <= utcnow() - timedelta(days=days))
    return db.session.scalar(
        select(func.count(func.distinct(ReportFlag.user_id)))
        .join(User, User.id == ReportFlag.user_id)
        .outerjoin(role, and_(role.user_id == User.id, role.kelurahan_id == g.kelurahan.id))
        .where(
            ReportFlag.target_type == target_type,
            ReportFlag.target_id == target_id,
            ReportFlag.reviewed_at.is_(None),
            or_(*qualified),
        )
    )


def _hide_after_flags(target_type: str, target) -> bool:
    """Hide `target` once enough different residents who count (`_counting_flaggers`)
    flagged it since staff last reviewed it. Returns True when this flag hid it."""
    if target.hidden_at is not None:
        return False
    threshold = int(settings()["flag_threshold"])
    flaggers = _counting_flaggers(target_type, target.id)
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
    _count_towards(FLAG_LIMIT, FLAG_LIMIT_SCOPE)
    if hidden and target_type == "report":
        emit("reports.hidden", {"report_id": target.id, "by": "flags"})
    if hidden:
        return (
            _("Terima kasih. Tulisan ini disembunyikan sampai ditinjau petugas."),
            "success",
            True,
        )
    return _("Terima kasih. Petugas akan meninjau tanda dari Anda."), "success", False


def _flag_limit_page(report):
    """Too many flags from this account: the report page with the message, 429."""
    flash(str(FLAG_LIMIT_MESSAGE), "error")
    return render_report_page(report, 429)


@bp.post("/<int:report_id>/tandai")
@login_required
def flag_report(report_id: int):
    report = get_report(report_id)
    if _limit_reached(FLAG_LIMIT, FLAG_LIMIT_SCOPE):
        return _flag_limit_page(report)
    message, category, hidden = _add_flag("report", report, report.reporter_id, FlagForm())
    flash(message, category)
    if hidden and not can_see_hidden():
        return redirect(url_for("reports.index"))
    return _back(report)


@bp.post("/komentar/<int:comment_id>/tandai")
@login_required
def flag_comment(comment_id: int):
    comment = get_or_404(ReportComment, comment_id)
    report = get_report(comment.report_id)
    if comment.is_hidden and not can("reports.moderate"):
        abort(404)
    if _limit_reached(FLAG_LIMIT, FLAG_LIMIT_SCOPE):
        if htmx:  # htmx swaps only 2xx answers: the message goes inside the fragment
            return _render_comments(report, message=str(FLAG_LIMIT_MESSAGE), category="error")
        return _flag_limit_page(report)
    message, category, _hidden = _add_flag("comment", comment, comment.user_id, FlagForm())
    if htmx:
        return _render_comments(report, message=message, category=category)
    flash(message, category)
    return _back(report, "#komentar")
