"""The plugin's blueprints. The host mounts `bp` at /k/<slug>/wisata/ and `city_bp` (the
city guide and calendar) at /wisata/, from the manifest's path."""

from pathlib import Path

from flask import Blueprint

HERE = Path(__file__).parent

bp = Blueprint(
    "tourism",
    __name__,
    template_folder=str(HERE / "templates"),
    static_folder=str(HERE / "static"),
)

# Holds the static files too: /wisata/static/ serves pages outside any kelurahan as well.
city_bp = Blueprint("tourism_city", __name__, static_folder=str(HERE / "static"))
