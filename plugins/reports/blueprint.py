"""The plugin's blueprints. The host serves `bp` at /k/<slug>/laporan/ (the manifest's
path) by convention; the city-wide Open311 endpoint is mounted at /open311/v2/ by
kp_init_app."""

from pathlib import Path

from flask import Blueprint

bp = Blueprint(
    "reports",
    __name__,
    template_folder=str(Path(__file__).parent / "templates"),
    static_folder=str(Path(__file__).parent / "static"),
)

open311_bp = Blueprint("open311", __name__)
