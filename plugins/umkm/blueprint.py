"""The plugin's blueprints. The host mounts `bp` at /k/<slug>/umkm/ and `city_bp` (the
city-wide catalogue) at /umkm/, from the manifest's path."""

from pathlib import Path

from flask import Blueprint

HERE = Path(__file__).parent

bp = Blueprint(
    "umkm",
    __name__,
    template_folder=str(HERE / "templates"),
    static_folder=str(HERE / "static"),
)

# Holds the static files too: /umkm/static/ serves pages outside any kelurahan as well.
city_bp = Blueprint("umkm_city", __name__, static_folder=str(HERE / "static"))
