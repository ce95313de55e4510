"""/api/docs: the interactive documentation of /api/v1 (Swagger UI, served from
static/vendor/ like every other library, started by a 'self' script under the CSP)."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("api_docs", __name__)


@bp.get("/api/docs")
def page():
    return render_template("api/docs.html")
