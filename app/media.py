"""Upload service for the core and plugins: store an image (app.imaging) and record it."""

from __future__ import annotations

from flask import has_request_context
from flask_login import current_user

from .extensions import db
from .imaging import ImageRejected, store_document, store_image
from .models import Media
from .storage import storage

__all__ = ["ImageRejected", "save_document", "save_upload"]


def save_upload(
    file_storage, *, kelurahan=None, subdir: str = "", max_side: int | None = None
) -> Media:
    """Re-encode an uploaded image without metadata and add its Media row to the session.

    `max_side` makes a smaller copy (a thumbnail); call again with the same file after
    `file_storage.seek(0)` to keep both sizes. Raises ImageRejected with a message for the
    form field when the file is refused.
    """
    # Seeds and scripts store images too, outside any request and with nobody signed in.
    signed_in = has_request_context() and current_user.is_authenticated
    options = {"max_side": max_side} if max_side else {}
    stored = store_image(file_storage, storage(), subdir=subdir, **options)
    media = Media(
        relpath=stored.relpath,
        width=stored.width,
        height=stored.height,
        content_type=stored.content_type,
        size_bytes=stored.size_bytes,
        kelurahan_id=getattr(kelurahan, "id", None),
        uploaded_by_id=current_user.id if signed_in else None,
    )
    db.session.add(media)
    return media


def save_document(data: bytes, *, content_type: str, suffix: str, kelurahan=None, subdir: str = ""):
    """Store a checked non-image document (a PDF) as a non-public Media row in the session:
    served only through the plugin that owns it."""
    signed_in = has_request_context() and current_user.is_authenticated
    stored = store_document(
        data,
        storage(),
        content_type=content_type,
        suffix=suffix,
        subdir=subdir,
    )
    media = Media(
        relpath=stored.relpath,
        width=0,
        height=0,
        content_type=content_type,
        size_bytes=stored.size_bytes,
        kelurahan_id=getattr(kelurahan, "id", None),
        uploaded_by_id=current_user.id if signed_in else None,
        public=False,
    )
    db.session.add(media)
    return media
