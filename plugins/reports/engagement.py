"""What the report page shows of residents taking part: support (+1), follow, the comments
the viewer may see, their own flags, and the share link. A fixed number of queries."""

from __future__ import annotations

from urllib.parse import quote

from flask_login import current_user
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from app.kit import can, db, public_url

from .forms import FLAG_REASONS, CommentForm
from .models import ReportComment, ReportFlag, ReportFollow, ReportSupport


def exists(model, *where) -> bool:
    return bool(db.session.scalar(select(func.count()).select_from(model).where(*where)))


def is_reporter(report) -> bool:
    return current_user.is_authenticated and report.reporter_id == current_user.id


def has_supported(report) -> bool:
    return current_user.is_authenticated and exists(
        ReportSupport,
        ReportSupport.report_id == report.id,
        ReportSupport.user_id == current_user.id,
    )


def is_following(report) -> bool:
    return current_user.is_authenticated and exists(
        ReportFollow, ReportFollow.report_id == report.id, ReportFollow.user_id == current_user.id
    )


def support_state(report) -> dict:
    count = db.session.scalar(
        select(func.count()).select_from(ReportSupport).where(ReportSupport.report_id == report.id)
    )
    return {
        "support_count": count or 0,
        "supported": bool(has_supported(report)),
        "is_reporter": is_reporter(report),
    }


def follow_state(report) -> dict:
    return {"following": bool(is_following(report))}


def comments_state(report, form: CommentForm | None = None) -> dict:
    """The comments the viewer may see (moderators also see hidden ones, marked) and which
    of them (and whether the report) the viewer has already flagged."""
    moderator = can("reports.moderate")
    query = (
        select(ReportComment)
        .where(ReportComment.report_id == report.id)
        .options(selectinload(ReportComment.user))
        .order_by(ReportComment.created_at, ReportComment.id)
    )
    if not moderator:
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
        "can_moderate": moderator,
    }


def whatsapp_url(report) -> str:
    # Read outside the site: the configured public address, not the request's Host.
    link = public_url("reports.show", report_id=report.id)
    return "https://wa.me/?text=" + quote(f"{report.title} {link}", safe="")


def engagement_context(report, *, comment_form: CommentForm | None = None) -> dict:
    """What the report page needs for its support, follow, share, comment and flag parts."""
    return {
        **support_state(report),
        **follow_state(report),
        **comments_state(report, comment_form),
        "whatsapp_url": whatsapp_url(report),
    }
