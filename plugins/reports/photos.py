"""Photos staff attach to a status update, stored like a report's own: re-encoded by the
core (no metadata), in two sizes."""

from __future__ import annotations

from flask import g

from app.kit import ImageRejected, Media, remove_media_files, save_upload

from .models import THUMB_SIDE, ReportUpdate, UpdatePhoto


def attach_photos(update: ReportUpdate, uploads) -> list[Media]:
    """Store `uploads` on `update` and return every file written. When one is refused,
    the files already written are removed and ImageRejected is raised: the caller rolls
    the session back (nothing half-saved)."""
    stored: list[Media] = []
    try:
        for position, upload in enumerate(uploads):
            media = save_upload(upload, kelurahan=g.kelurahan, subdir="reports")
            stored.append(media)
            upload.seek(0)
            thumb = save_upload(
                upload, kelurahan=g.kelurahan, subdir="reports", max_side=THUMB_SIDE
            )
            stored.append(thumb)
            update.photos.append(UpdatePhoto(media=media, thumb=thumb, position=position))
    except ImageRejected:
        remove_media_files(stored)
        raise
    return stored
