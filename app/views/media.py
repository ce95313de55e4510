"""Serves stored uploads. Files were re-encoded on the way in; nosniff keeps browsers from
guessing another type anyway.

A public file (a photo of a visible report, a logo) is cached by everyone for 30 days. A
file whose row says `public = False` (its item is hidden or awaiting review) is served only
to those the owning plugin lets see it (`kp_media_visible`), never from a shared cache, and
answers 404 to everybody else, as if it did not exist.
"""

from flask import Blueprint, abort, current_app, send_file
from flask_login import current_user
from sqlalchemy import select

from ..extensions import db
from ..imaging import media_path
from ..models import Media
from ..plugins import host

bp = Blueprint("media", __name__)

PUBLIC_MAX_AGE = 30 * 24 * 3600


def may_see(media: Media) -> bool:
    """Whether the current user may see a non-public file: one plugin must say so."""
    if media.kelurahan_id is None:
        return False  # no kelurahan, no plugin to vouch for it
    kelurahan = next((k for k in host().all_kelurahan() if k.id == media.kelurahan_id), None)
    if kelurahan is None:
        return False
    kelurahan = db.session.merge(kelurahan, load=False)
    user = current_user._get_current_object() if current_user.is_authenticated else None
    answers = host().collect(
        "kp_media_visible", kelurahan, media=media, kelurahan=kelurahan, user=user
    )
    return any(answer is True for answer in answers)


@bp.get("/media/<path:relpath>")
def serve(relpath: str):
    try:
        path = media_path(current_app.config["KP_MEDIA_ROOT"], relpath)
    except FileNotFoundError:
        abort(404)
    media = db.session.execute(select(Media).where(Media.relpath == relpath)).scalar_one_or_none()
    # A file without a row has nothing marking it private (the row holds the flag).
    public = media is None or media.public
    if not public and not may_see(media):
        abort(404)  # not 403: do not tell a visitor that the file exists
    mimetype = media.content_type if media is not None else "image/jpeg"
    response = send_file(
        path,
        mimetype=mimetype,
        as_attachment=mimetype != "image/jpeg",  # a kept PDF is downloaded, never shown inline
        max_age=PUBLIC_MAX_AGE if public else 0,
    )
    if public:
        response.headers["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE}"
    else:
        response.headers["Cache-Control"] = "private, no-store"
        response.headers.pop("Expires", None)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
