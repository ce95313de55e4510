"""Pages anyone can see: the city, each kelurahan's home, map data, search, open data."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from ..directory import all_kelurahan, by_kecamatan
from ..extensions import csrf
from ..geo import feature_collection, point_feature
from ..i18n import LANG_COOKIE
from ..plugins import DIMENSIONS, host
from ..urls import safe_next

bp = Blueprint("public", __name__)


@bp.get("/")
def city_home():
    rows = all_kelurahan()
    return render_template("public/city_home.html", groups=by_kecamatan(rows), count=len(rows))


@bp.get("/kelurahan.geojson")
def kelurahan_geojson():
    """The 27 kelurahan as points (RFC 7946: lng, lat); `?only=<slug>` for one."""
    only = request.args.get("only")
    features = [
        point_feature(
            k.lat,
            k.lng,
            {
                "name": k.name,
                "kecamatan": k.kecamatan_name,
                "url": url_for("public.kelurahan_home", kelurahan_slug=k.slug),
                "approximate": k.centre_is_approximate,
            },
        )
        for k in all_kelurahan()
        if k.lat is not None and k.lng is not None and (not only or k.slug == only)
    ]
    return jsonify(feature_collection(features))


@bp.get("/k/<kelurahan_slug>/")
def kelurahan_home():
    kelurahan = g.kelurahan
    kp = host()
    user = current_user if current_user.is_authenticated else None
    widgets = sorted(
        kp.collect("kp_home_widgets", kelurahan, kelurahan=kelurahan, user=user),
        key=lambda w: w.order,
    )
    layers = kp.collect("kp_map_layers", kelurahan, kelurahan=kelurahan)
    features = [kp.manifests[pid] for pid in kp.enabled_ids(kelurahan)]
    return render_template(
        "public/kelurahan_home.html",
        kelurahan=kelurahan,
        widgets=widgets,
        layers=layers,
        layers_json=[layer.as_json() for layer in layers],
        features=features,
        dimensions=DIMENSIONS,
    )


@bp.get("/k/<kelurahan_slug>/cari")
def search():
    query = (request.args.get("q") or "").strip()[:100]
    hits = []
    if query:
        hits = host().collect(
            "kp_search", g.kelurahan, kelurahan=g.kelurahan, query=query, limit=20
        )
    return render_template("public/search.html", query=query, hits=hits)


@bp.get("/k/<kelurahan_slug>/data-terbuka")
def open_data():
    datasets = host().collect("kp_open_data", g.kelurahan, kelurahan=g.kelurahan)
    return render_template("public/open_data.html", datasets=datasets)


@bp.get("/k/<kelurahan_slug>/data-terbuka/<dataset_id>.<fmt>")
def open_data_download(dataset_id: str, fmt: str):
    datasets = host().collect("kp_open_data", g.kelurahan, kelurahan=g.kelurahan)
    dataset = next((d for d in datasets if d.id == dataset_id), None)
    if dataset is None or fmt not in {"csv", "geojson"}:
        abort(404)
    filename = f"{g.kelurahan.slug}-{dataset.id}"
    if fmt == "csv" and dataset.csv:
        header, rows = dataset.csv()
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        writer.writerows(rows)
        return Response(
            buffer.getvalue(),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'},
        )
    if fmt == "geojson" and dataset.geojson:
        return Response(
            json.dumps(dataset.geojson(), ensure_ascii=False),
            mimetype="application/geo+json",
            headers={"Content-Disposition": f'attachment; filename="{filename}.geojson"'},
        )
    abort(404)


@bp.get("/k/<kelurahan_slug>/dasbor")
def dashboard():
    since = datetime.now(UTC) - timedelta(days=30)
    metrics = host().collect(
        "kp_dimension_metrics", g.kelurahan, kelurahan=g.kelurahan, since=since
    )
    by_dimension = {key: [m for m in metrics if m.dimension == key] for key in DIMENSIONS}
    return render_template(
        "public/dashboard.html", by_dimension=by_dimension, dimensions=DIMENSIONS, since=since
    )


@bp.post("/bahasa")
def set_language():
    code = request.form.get("lang", "id")
    if code not in current_app.config["KP_LANGUAGES"]:
        code = "id"
    response = make_response(redirect(safe_next(url_for("public.city_home"))))
    response.set_cookie(LANG_COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    if current_user.is_authenticated:
        from ..extensions import db

        current_user.locale = code
        db.session.commit()
    return response


@bp.get("/healthz")
@csrf.exempt
def healthz():
    from sqlalchemy import text

    from ..extensions import db

    db.session.execute(text("SELECT 1"))
    return {"status": "ok", "message": _("Sehat")}
