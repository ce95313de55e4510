"""The plugin's blueprints: kelurahan pages under /k/<slug>/umkm/ and the city-wide
catalogue at /umkm/."""

from pathlib import Path

from flask import Blueprint

bp = Blueprint(
    "umkm",
    __name__,
    url_prefix="/k/<kelurahan_slug>/umkm",
    template_folder=str(Path(__file__).parent / "templates"),
    static_folder=str(Path(__file__).parent / "static"),
)

# Holds the static files too: /umkm/static/ serves pages outside any kelurahan as well.
city_bp = Blueprint(
    "umkm_city",
    __name__,
    url_prefix="/umkm",
    static_folder=str(Path(__file__).parent / "static"),
)
