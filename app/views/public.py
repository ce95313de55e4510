"""Pages anyone can see: the city, each kelurahan's home, map data, search, open data."""

from __future__ import annotations

import json

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from .. import maplayers, opendata
from ..city_settings import city_complaint_channel, core_settings, tel_href
from ..dashboard import (
    PERIODS,
    city_grid,
    definitions,
    kelurahan_metrics,
    period_start,
    requested_period,
)
from ..directory import all_kelurahan, by_kecamatan
from ..exports import csv_response, geojson_response, ics_response
from ..extensions import csrf, limiter
from ..geo import feature_collection, point_feature
from ..i18n import LANG_COOKIE
from ..index import weights as index_weights
from ..kelurahan_context import acting_in
from ..pagecache import visitor_page
from ..permissions import viewer_role
from ..plugins import DIMENSIONS, host
from ..template_globals import city_nav_items
from ..urls import safe_next

bp = Blueprint("public", __name__)


@bp.get("/")
def city_home():
    rows = all_kelurahan()
    return render_template(
        "public/city_home.html",
        groups=by_kecamatan(rows),
        count=len(rows),
        city_pages=city_nav_items(),
    )


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


def _render_widgets(plugin: str, widgets: list) -> tuple[list[dict], bool]:
    """A plugin's widgets rendered by the core (a broken template skips its panel)."""
    rendered = []
    for widget in widgets:
        try:
            html = render_template(widget.template, **widget.context)
        except Exception:
            host()._failed(plugin, f"kp_home_widgets ({widget.template})")
            continue
        # The core rendered it from the plugin's template: already escaped.
        markup = Markup(html)  # noqa: S704
        rendered.append(
            {
                "id": widget.id,
                "title": str(widget.title),
                "html": markup,
                "order": widget.order,
                "top": widget.top,
            }
        )
    return rendered, all(w.cache for w in widgets)


@bp.get("/k/<kelurahan_slug>/")
@visitor_page
def kelurahan_home():
    kelurahan = g.kelurahan
    kp = host()
    user = current_user if current_user.is_authenticated else None
    widgets = sorted(
        kp.cached(
            "kp_home_widgets",
            kelurahan,
            viewer_role(current_user, kelurahan),
            _render_widgets,
            kelurahan=kelurahan,
            user=user,
        ),
        key=lambda w: w["order"],
    )
    layers = kp.cached("kp_map_layers", kelurahan, "list", _layer_specs, kelurahan=kelurahan)
    features = [kp.manifests[pid] for pid in kp.enabled_ids(kelurahan)]
    channels = sorted(
        kp.collect("kp_complaint_channels", kelurahan, kelurahan=kelurahan),
        key=lambda item: item.order,
    )
    return render_template(
        "public/kelurahan_home.html",
        kelurahan=kelurahan,
        widgets=[w for w in widgets if not w.get("top")],
        urgent_widgets=[w for w in widgets if w.get("top")],
        layers=layers,
        layers_json=layers,
        features=features,
        dimensions=DIMENSIONS,
        office_tel=tel_href(kelurahan.phone),
        default_hours=(core_settings()["office_hours"] or "").strip(),
        complaint_channels=channels,
        city_channel=city_complaint_channel(),
    )


def _layer_specs(plugin: str, layers: list) -> tuple[list[dict], bool]:
    """What the browser needs of each layer (id, name, URL, icon), cacheable."""
    return [layer.as_json(maplayers.layer_url(layer)) for layer in layers], True


def _kelurahan_layers(kelurahan) -> list[dict]:
    """The kelurahan's layers as its home page lists them (the same cache), with URLs
    built inside it."""
    kept = g.get("kelurahan")
    g.kelurahan = kelurahan  # the layers' URLs point into it
    try:
        return host().cached("kp_map_layers", kelurahan, "list", _layer_specs, kelurahan=kelurahan)
    finally:
        g.kelurahan = kept


@bp.get("/peta")
def city_map():
    """Every public layer of every plugin on one map, for the whole city or one kelurahan
    (`?kelurahan=<slug>`), each with its own switch. City-wide, a layer is served by
    `/peta/<layer id>.geojson`, which puts each kelurahan's capped, clustered answer side
    by side."""
    rows = all_kelurahan()
    chosen = next((k for k in rows if k.slug == request.args.get("kelurahan")), None)
    layers: dict[str, dict] = {}
    for kelurahan in [chosen] if chosen else rows:
        own = f"/k/{kelurahan.slug}/peta/"
        for spec in _kelurahan_layers(kelurahan):
            if spec["id"] == "kelurahan" or spec["id"] in layers:
                continue
            if chosen is not None:
                layers[spec["id"]] = spec
            elif spec["url"].startswith(own):  # served by the core: mergeable
                url = url_for("public.city_map_layer", layer_id=spec["id"])
                layers[spec["id"]] = {**spec, "url": url}
    centre = (chosen.lat, chosen.lng) if chosen and chosen.lat is not None else (-6.8883, 109.6753)
    return render_template(
        "public/city_map.html",
        groups=by_kecamatan(rows),
        chosen=chosen,
        layers=list(layers.values()),
        centre=centre,
    )


@bp.get("/peta/<layer_id>.geojson")
def city_map_layer(layer_id: str):
    """One layer over every kelurahan (`?bbox=` as on a kelurahan's layer)."""
    # The 27 from the plugin host's snapshot: no query for the identities (half the time
    # of a small answer).
    answer = maplayers.city_response(layer_id, host().all_kelurahan())
    if answer is None:
        abort(404)
    return answer


@bp.get("/k/<kelurahan_slug>/peta/<layer_id>.geojson")
def map_layer(layer_id: str):
    """Any plugin's map layer as GeoJSON: ?bbox=minLng,minLat,maxLng,maxLat and the
    layer's own filters; at most 500 points, grid clusters beyond."""
    answer = maplayers.response(g.kelurahan, layer_id)
    if answer is None:
        abort(404)
    return answer


@bp.get("/k/<kelurahan_slug>/cari")
def search():
    query = (request.args.get("q") or "").strip()[:100]
    hits = []
    if query:
        hits = host().collect(
            "kp_search", g.kelurahan, kelurahan=g.kelurahan, query=query, limit=20
        )
    return render_template("public/search.html", query=query, hits=hits)


CITY_HITS_PER_KELURAHAN = 10


@bp.get("/cari")
@limiter.limit("30 per minute")  # it asks every kelurahan's plugins at once
def city_search():
    """One search over every kelurahan's `kp_search`, grouped by kelurahan (in kecamatan
    order) and by kind. Each plugin is asked as on that kelurahan's own search page: in its
    tenant scope, with its URLs; a plugin switched off there is not asked."""
    query = (request.args.get("q") or "").strip()[:100]
    found = []
    total = 0
    if len(query) >= 2:
        kp = host()
        for kelurahan in all_kelurahan():
            with acting_in(kelurahan):  # URLs built by the plugins point into it
                hits = kp.collect(
                    "kp_search",
                    kelurahan,
                    kelurahan=kelurahan,
                    query=query,
                    limit=CITY_HITS_PER_KELURAHAN,
                )[:CITY_HITS_PER_KELURAHAN]
            if not hits:
                continue
            kinds: dict[str, list] = {}
            for hit in hits:
                kinds.setdefault(str(hit.kind or ""), []).append(hit)
            found.append((kelurahan, list(kinds.items())))
            total += len(hits)
    return render_template("public/city_search.html", query=query, found=found, total=total)


@bp.get("/k/<kelurahan_slug>/data-terbuka")
def open_data():
    datasets = host().collect("kp_open_data", g.kelurahan, kelurahan=g.kelurahan)
    return render_template("public/open_data.html", datasets=datasets)


@bp.get("/k/<kelurahan_slug>/data-terbuka/<dataset_id>.<fmt>")
def open_data_download(dataset_id: str, fmt: str):
    datasets = host().collect("kp_open_data", g.kelurahan, kelurahan=g.kelurahan)
    dataset = next((d for d in datasets if d.id == dataset_id), None)
    if dataset is None or fmt not in {"csv", "json", "geojson", "ics"}:
        abort(404)
    filename = f"{g.kelurahan.slug}-{dataset.id}"
    if fmt == "csv" and dataset.csv:
        header, rows = dataset.csv()
        return csv_response(f"{filename}.csv", header, rows)
    if fmt == "json" and dataset.csv:
        header, rows = dataset.csv()
        return opendata.json_response(f"{filename}.json", opendata.table_objects(header, rows))
    if fmt == "geojson" and dataset.geojson:
        return geojson_response(f"{filename}.geojson", dataset.geojson())
    if fmt == "ics" and dataset.ics:
        return ics_response(f"{filename}.ics", dataset.ics())
    abort(404)


@bp.get("/data")
@visitor_page
def data_portal():
    """The city's open data portal: every dataset offered in any kelurahan, its columns,
    licence and last change, with city-wide and per-kelurahan downloads."""
    return render_template(
        "public/data_portal.html", entries=opendata.catalogue(), licence=opendata.licence()
    )


@bp.get("/data/catalog.json")
def data_catalog():
    """The catalogue in the DCAT-US (Project Open Data v1.1) shape harvesters read."""
    response = current_app.response_class(
        json.dumps(opendata.dcat_catalog(), ensure_ascii=False), mimetype="application/json"
    )
    response.cache_control.max_age = 300
    return response


@bp.get("/data/<dataset_id>")
@visitor_page
def data_dataset(dataset_id: str):
    """One dataset: its columns and what they mean, and its downloads."""
    entry = opendata.find(dataset_id)
    if entry is None:
        abort(404)
    return render_template(
        "public/data_dataset.html",
        entry=entry,
        licence=opendata.licence(),
        groups=by_kecamatan([offer.kelurahan for offer in entry.offers]),
        offers={offer.kelurahan.id: offer for offer in entry.offers},
    )


@bp.get("/data/<dataset_id>.<fmt>")
@limiter.limit("60 per minute")  # merges every kelurahan's answer
def data_download(dataset_id: str, fmt: str):
    """A dataset over the whole city: each kelurahan where its plugin is on, merged, with
    the kelurahan first (CSV, JSON, and GeoJSON where it is spatial)."""
    entry = opendata.find(dataset_id) if fmt in opendata.CITY_FORMATS else None
    answer = opendata.city_download(entry, fmt) if entry is not None else None
    if answer is None:
        abort(404)
    return answer


@bp.get("/k/<kelurahan_slug>/dasbor")
def dashboard():
    since = period_start()
    metrics = kelurahan_metrics(g.kelurahan, since)
    by_dimension = {key: [m for m in metrics if m.dimension == key] for key in DIMENSIONS}
    return render_template(
        "public/dashboard.html", by_dimension=by_dimension, dimensions=DIMENSIONS, since=since
    )


@bp.get("/dasbor")
@visitor_page
def city_dashboard():
    """The public grid of the 27 kelurahan × six dimensions, for `?periode=` (bulan,
    3bulan, tahun)."""
    groups, chosen = city_grid(requested_period())
    return render_template(
        "public/city_dashboard.html",
        groups=groups,
        period=chosen,
        periods=PERIODS,
        dimensions=DIMENSIONS,
    )


@bp.get("/dasbor/definisi")
@visitor_page
def metric_definitions():
    """What each dashboard figure counts, by dimension."""
    groups = definitions()
    return render_template(
        "public/metric_definitions.html",
        groups=groups,
        dimensions=DIMENSIONS,
        weights=index_weights([m.key for _, metrics in groups for m in metrics]),
    )


@bp.get("/k/<kelurahan_slug>/dasbor/<dimension>")
def dimension_trends(dimension: str):
    """One dimension of a kelurahan: each figure's last twelve months and the current one."""
    from ..trends import kelurahan_trends

    if dimension not in DIMENSIONS:
        abort(404)
    return render_template(
        "public/dimension_trends.html",
        dimension=dimension,
        dimensions=DIMENSIONS,
        trends=kelurahan_trends(g.kelurahan, dimension),
    )


@bp.get("/dasbor/tren/<metric_key>")
@visitor_page
def metric_trend(metric_key: str):
    """One figure across the 27 kelurahan, month by month, with the city's value as chart."""
    from ..trends import METRIC_KEY, city_trend, city_value_label

    found = city_trend(metric_key) if METRIC_KEY.fullmatch(metric_key) else None
    if found is None:
        abort(404)
    return render_template(
        "public/metric_trend.html",
        city=found,
        value_label=city_value_label(found.trend.unit),
        dimensions=DIMENSIONS,
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


@bp.get("/kebijakan-privasi")
def privacy():
    """What the platform keeps about people, why, who sees it, and how to ask for a copy or
    a deletion (UU PDP No. 27/2022)."""
    return render_template("public/privacy.html", city_channel=city_complaint_channel())


# The colours of static/css/app.css (--green, --bg): the phone's title bar and splash screen.
THEME_COLOUR = "#0b6e4f"
BACKGROUND_COLOUR = "#f5f7f6"


@bp.get("/manifest.webmanifest")
def web_manifest():
    """The web app manifest, so a phone can put the site on its home screen."""
    icon = "icons/icon-{size}.png"
    body = {
        "name": "Kelurahan Pintar",
        "short_name": "Kel. Pintar",
        "description": _("Layanan warga Kelurahan Pintar Kota Pekalongan"),
        "lang": str(get_locale() or "id"),
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "icons": [
            {
                "src": url_for("static", filename=icon.format(size=size)),
                "sizes": f"{size}x{size}",
                "type": "image/png",
                "purpose": "any",
            }
            for size in (192, 512)
        ]
        + [
            {
                "src": url_for("static", filename="icons/icon-maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
            {
                "src": url_for("static", filename="favicon.svg"),
                "sizes": "any",
                "type": "image/svg+xml",
                "purpose": "any",
            },
        ],
    }
    response = current_app.response_class(
        json.dumps(body, ensure_ascii=False), mimetype="application/manifest+json"
    )
    # The description follows the visitor's language (cookie or browser).
    response.cache_control.max_age = 3600
    response.vary.update(("Cookie", "Accept-Language"))
    return response


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico whatever the page says; answer instead of a 404."""
    return send_from_directory(
        current_app.static_folder, "favicon.ico", mimetype="image/vnd.microsoft.icon", max_age=86400
    )


@bp.get("/healthz")
@csrf.exempt
def healthz():
    from sqlalchemy import text

    from ..extensions import db

    db.session.execute(text("SELECT 1"))
    return {"status": "ok", "message": _("Sehat")}
