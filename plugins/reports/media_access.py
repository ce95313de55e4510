"""Who may see a report's photos (its own and those staff attach to status updates). A
hidden report's photos are not public files: the core
serves them only to those who may open the report (its reporter, staff who handle or
moderate reports there) and answers 404 to everyone else.

`sync_photos_public(report)` is the one place that sets the flag from the report's
visibility. A `before_flush` listener calls it for every report that is new or whose
`hidden_at` changed, so no code path that hides or shows a report (staff, flags, scripts)
can forget it.
"""

from __future__ import annotations

from sqlalchemy import event, inspect, or_, select
from sqlalchemy.orm import Session

from app.kit import can, db, hookimpl, scoped_to, set_media_public

from .models import Report, ReportPhoto, ReportUpdate, UpdatePhoto


def photos_public(report: Report) -> bool:
    """The photos are public exactly when the report is (hidden reports are not)."""
    return report.hidden_at is None


def _photo_files(report: Report):
    """Every stored size of every photo, the updates' too: a thumbnail is as public as its
    photo."""
    photos = [*report.photos, *(p for update in report.updates for p in update.photos)]
    return [media for photo in photos for media in photo.files()]


def sync_photos_public(report: Report) -> None:
    """Set the public flag of the report's photo files from its visibility."""
    if report.kelurahan_id is None:  # new, in the current kelurahan: its photos are in memory
        set_media_public(_photo_files(report), photos_public(report))
        return
    with scoped_to(report.kelurahan_id):  # loading the photos works from a script too
        set_media_public(_photo_files(report), photos_public(report))


def _visibility_changed(report: Report) -> bool:
    state = inspect(report)
    return state.pending or state.attrs.hidden_at.history.has_changes()


@event.listens_for(Session, "before_flush")
def _sync_before_flush(session, flush_context, instances) -> None:
    reports = {obj for obj in session.new if isinstance(obj, Report)}
    reports |= {obj for obj in session.dirty if isinstance(obj, Report)}
    # A photo added to a report that is already hidden is not public either.
    reports |= {obj.report for obj in session.new if isinstance(obj, ReportPhoto) and obj.report}
    reports |= {
        obj.update.report
        for obj in session.new
        if isinstance(obj, UpdatePhoto) and obj.update is not None and obj.update.report
    }
    for report in reports:
        if _visibility_changed(report) or not photos_public(report):
            sync_photos_public(report)


@hookimpl
def kp_media_visible(media, kelurahan, user):
    """A report photo is visible to whoever may open the report's page."""
    report = db.session.execute(
        select(Report)
        .join(ReportPhoto, ReportPhoto.report_id == Report.id)
        .where(or_(ReportPhoto.media_id == media.id, ReportPhoto.thumb_id == media.id))
    ).scalar_one_or_none()
    if report is None:
        report = db.session.execute(
            select(Report)
            .join(ReportUpdate, ReportUpdate.report_id == Report.id)
            .join(UpdatePhoto, UpdatePhoto.update_id == ReportUpdate.id)
            .where(or_(UpdatePhoto.media_id == media.id, UpdatePhoto.thumb_id == media.id))
        ).scalar_one_or_none()
    if report is None:
        return None
    if photos_public(report):
        return True
    if user is None:
        return False
    return (
        report.reporter_id == user.id
        or can("reports.handle", user=user, kelurahan=kelurahan)
        or can("reports.moderate", user=user, kelurahan=kelurahan)
    )
