"""The plugin's blueprints: kelurahan pages under /k/<slug>/reports/ and the city-wide
Open311 endpoint at /open311/v2/."""

from pathlib import Path

from flask import Blueprint

bp = Blueprint(
    "reports",
    __name__,
    url_prefix="/k/<kelurahan_slug>/reports",
    template_folder=str(Path(__file__).parent / "templates"),
    static_folder=str(Path(__file__).parent / "static"),
)

open311_bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
