"""The plugin's blueprints. The host mounts `bp` at /k/<slug>/layanan/ and `city_bp` (the
city admin's collective leave days) at /layanan/, from the manifest's path."""

from pathlib import Path

from flask import Blueprint

HERE = Path(__file__).parent

bp = Blueprint(
    "services",
    __name__,
    template_folder=str(HERE / "templates"),
    static_folder=str(HERE / "static"),
)
city_bp = Blueprint("services_city", __name__, template_folder=str(HERE / "templates"))
