from flask import Blueprint, render_template
from sqlalchemy import select

from app.extensions import db

from .models import Notice

bp = Blueprint(
    "notices", __name__, url_prefix="/k/<kelurahan_slug>/notices", template_folder="templates"
)


@bp.get("/")
def index():
    notices = db.session.execute(select(Notice).order_by(Notice.created_at.desc())).scalars()
    return render_template("notices/index.html", notices=list(notices))


@bp.get("/map.geojson")
def geojson():
    rows = db.session.execute(
        select(Notice).where(Notice.lat.is_not(None)).order_by(Notice.id).limit(500)
    ).scalars()
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [n.lng, n.lat]},
                "properties": {"name": n.title},
            }
            for n in rows
        ],
    }
