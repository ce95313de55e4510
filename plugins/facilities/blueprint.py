"""The plugin's blueprints. The host mounts `bp` at /k/<slug>/fasilitas/ and `city_bp`
(every active alert in the city) at /fasilitas/, from the manifest's path."""

from pathlib import Path

from flask import Blueprint

HERE = Path(__file__).parent

bp = Blueprint(
    "facilities",
    __name__,
    template_folder=str(HERE / "templates"),
    static_folder=str(HERE / "static"),
)
city_bp = Blueprint(
    "facilities_city",
    __name__,
    template_folder=str(HERE / "templates"),
    static_folder=str(HERE / "static"),
)
