"""Serves stored uploads. Files were re-encoded on the way in; nosniff keeps browsers from
guessing another type anyway.

A public file (a photo of a visible report, a logo) is cached by everyone for 30 days. A
file whose row says `public = False` (its item is hidden or awaiting review) is served only
to those the owning plugin lets see it (`kp_media_visible`), never from a shared cache, and
answers 404 to everybody else, as if it did not exist.
"""

from flask import Blueprint, abort
from flask_login import current_user
from sqlalchemy import select

from ..extensions import db
from ..models import Media
from ..plugins import host
from ..storage import Delivery, safe_parts, storage

bp = Blueprint("media", __name__)


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
        safe_parts(relpath)
    except ValueError:
        abort(404)
    media = db.session.execute(select(Media).where(Media.relpath == relpath)).scalar_one_or_none()
    # A file without a row has nothing marking it private (the row holds the flag).
    public = media is None or media.public
    if not public and not may_see(media):
        abort(404)  # not 403: do not tell a visitor that the file exists
    delivery = Delivery(media.content_type if media is not None else "image/jpeg", public=public)
    try:
        response = storage().serve(relpath, delivery)
    except FileNotFoundError:
        abort(404)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
