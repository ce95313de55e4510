"""Residents taking part: support (+1), follow, comments and flags."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from app.auth import login_required
from app.extensions import db
from app.forms import EmptyForm

from .blueprint import bp
from .models import ReportFollow, ReportSupport


def engagement_context(report) -> dict:
    """What the report page needs for its support, follow, comment and flag parts."""
    count = db.session.scalar(
        select(func.count()).select_from(ReportSupport).where(ReportSupport.report_id == report.id)
    )
    supported = following = False
    if current_user.is_authenticated:
        supported = (
            db.session.scalar(
                select(func.count())
                .select_from(ReportSupport)
                .where(
                    ReportSupport.report_id == report.id, ReportSupport.user_id == current_user.id
                )
            )
            > 0
        )
        following = (
            db.session.scalar(
                select(func.count())
                .select_from(ReportFollow)
                .where(ReportFollow.report_id == report.id, ReportFollow.user_id == current_user.id)
            )
            > 0
        )
    return {"support_count": count, "supported": supported, "following": following}


@bp.post("/<int:report_id>/dukung")
@login_required
def support(report_id: int):
    from .views import get_report

    report = get_report(report_id)
    EmptyForm().validate_on_submit() or abort(400)
    exists = db.session.scalar(
        select(func.count())
        .select_from(ReportSupport)
        .where(ReportSupport.report_id == report.id, ReportSupport.user_id == current_user.id)
    )
    if not exists:
        db.session.add(ReportSupport(report_id=report.id, user_id=current_user.id))
        db.session.commit()
        flash(_("Dukungan Anda tercatat."), "success")
    return redirect(url_for("reports.show", report_id=report.id))
