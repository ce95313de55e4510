"""Serves stored uploads. Files were re-encoded on the way in; nosniff keeps browsers from
guessing another type anyway."""

from flask import Blueprint, abort, current_app, send_file

from ..imaging import media_path

bp = Blueprint("media", __name__)


@bp.get("/media/<path:relpath>")
def serve(relpath: str):
    try:
        path = media_path(current_app.config["KP_MEDIA_ROOT"], relpath)
    except FileNotFoundError:
        abort(404)
    response = send_file(path, mimetype="image/jpeg", max_age=30 * 24 * 3600)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
