"""The core serves every plugin's map layer (`MapLayer`) as RFC 7946 GeoJSON.

One request is at most two statements. The first selects matching points inside the bbox,
one more than the cap: when at most MAP_LIMIT match, they are the answer. Otherwise
the second groups them into a GRID_CELLS × GRID_CELLS grid over the bbox (or the city's
bounds) in SQL, and the answer is one feature per non-empty cell with its `count` and the
mean position of its points, so a zoomed-out map of a million reports stays under 100 KB.

Answers are cached per kelurahan and query string until the plugin's stamp moves.
"""

from __future__ import annotations

import json

from flask import current_app, jsonify, request, url_for
from sqlalchemy import Integer, cast, func

from . import caching
from .extensions import db
from .geo import BadBBox, BBox

MAP_LIMIT = 500
GRID_CELLS = 20  # 20 × 20 cells at most: a clustered answer stays under MAP_LIMIT features
LINK_PLACEHOLDER = 987654321


def layer_model(query):
    """The mapped class a layer's `select(Model)` reads."""
    return query.column_descriptions[0]["entity"]


def _cell_index(offset):
    """floor() of a non-negative offset as an integer on both databases: SQLite's CAST
    truncates (floor for offsets >= 0), PostgreSQL's rounds, so it gets an explicit floor."""
    if db.engine.dialect.name == "postgresql":
        return cast(func.floor(offset), Integer)
    return cast(offset, Integer)


def _link_template(layer) -> tuple[str, str] | None:
    if not layer.link:
        return None
    url = url_for(layer.link, **{layer.link_arg: LINK_PLACEHOLDER})
    prefix, _, suffix = url.partition(str(LINK_PLACEHOLDER))
    return prefix, suffix


def answer(layer, args, bounds: dict) -> dict:
    """The GeoJSON of `layer` for query arguments `args` (bbox and the layer's filters).
    Raises BadBBox for a malformed bbox."""
    bbox = BBox.parse(args.get("bbox"))
    query = layer.query(args) if callable(layer.query) else layer.query
    model = layer_model(query)
    lat, lng = model.lat, model.lng
    query = query.where(lat.is_not(None), lng.is_not(None))
    if bbox is not None:
        query = query.where(
            lng >= bbox.min_lng, lng <= bbox.max_lng, lat >= bbox.min_lat, lat <= bbox.max_lat
        )
    columns = [model.id, lat, lng, *layer.columns]
    # Any MAP_LIMIT + 1 rows tell points from clusters; ordering them in SQL would sort
    # every match first (a million, zoomed out), so the few points are sorted here.
    rows = db.session.execute(query.with_only_columns(*columns).limit(MAP_LIMIT + 1)).all()
    if len(rows) <= MAP_LIMIT:
        return _points(layer, sorted(rows, key=lambda row: row[0]))
    box = bbox or BBox(bounds["west"], bounds["south"], bounds["east"], bounds["north"])
    cell_lng = (box.max_lng - box.min_lng) / GRID_CELLS or 1e-9
    cell_lat = (box.max_lat - box.min_lat) / GRID_CELLS or 1e-9
    col = _cell_index((lng - box.min_lng) / cell_lng).label("col")
    row = _cell_index((lat - box.min_lat) / cell_lat).label("row")
    cells = db.session.execute(
        query.with_only_columns(col, row, func.count(), func.avg(lat), func.avg(lng)).group_by(
            col, row
        )
    ).all()
    # Points on the max edge (or, without a bbox, just outside the city's bounds) fall in
    # cells beyond the grid: fold them into the nearest cell.
    merged: dict[tuple[int, int], list[float]] = {}
    last = GRID_CELLS - 1
    for c, r, count, mean_lat, mean_lng in cells:
        key = (min(max(int(c), 0), last), min(max(int(r), 0), last))
        acc = merged.setdefault(key, [0, 0.0, 0.0])
        acc[0] += count
        acc[1] += float(mean_lat) * count
        acc[2] += float(mean_lng) * count
    features = [
        {
            "type": "Feature",
            "geometry": {
                "type": "Point",
                "coordinates": [round(lng_sum / n, 6), round(lat_sum / n, 6)],
            },
            "properties": {"cluster": True, "count": n},
        }
        for n, lat_sum, lng_sum in merged.values()
    ]
    total = sum(acc[0] for acc in merged.values())
    return {"type": "FeatureCollection", "features": features, "total": total, "clustered": True}


def _points(layer, rows) -> dict:
    link = _link_template(layer)
    names = [c.key for c in layer.columns]
    features = []
    for row in rows:
        if layer.properties is not None:
            properties = dict(layer.properties(row))
        else:
            properties = dict(zip(names, row[3:], strict=True))
        properties["id"] = row[0]
        if link is not None:
            properties["url"] = f"{link[0]}{row[0]}{link[1]}"
        features.append(
            {
                "type": "Feature",
                "id": row[0],
                "geometry": {"type": "Point", "coordinates": [row[2], row[1]]},
                "properties": properties,
            }
        )
    return {
        "type": "FeatureCollection",
        "features": features,
        "total": len(features),
        "clustered": False,
    }


def layer_url(layer) -> str:
    """Where the browser fetches a layer: its own `url`, or the core's endpoint."""
    if layer.url:
        return layer.url
    return url_for("public.map_layer", layer_id=layer.id, **layer.params)


def find(kelurahan, layer_id: str):
    """(plugin name, layer) of a layer served by the core in this kelurahan, or None."""
    from .plugins import host

    for plugin, layers in host().collect_by_plugin("kp_map_layers", kelurahan, kelurahan=kelurahan):
        for layer in layers:
            if layer.id == layer_id and layer.query is not None:
                return plugin, layer
    return None


def response(kelurahan, layer_id: str):
    """The HTTP answer for one layer with the request's arguments: GeoJSON, a 400 for a
    bad bbox, or None when the kelurahan has no such layer (the caller answers 404)."""
    found = find(kelurahan, layer_id)
    if found is None:
        return None
    plugin, layer = found
    args = request.args
    key_args = json.dumps(sorted(args.items(multi=True)), ensure_ascii=False)
    kelurahan_token, plugin_token = caching.read(
        caching.kelurahan_stamp(kelurahan.id), caching.plugin_stamp(kelurahan.id, plugin)
    )
    key = f"layer:{kelurahan.id}:{layer_id}:{kelurahan_token}:{plugin_token}:{key_args}"
    body = caching.cache.get(key)
    if body is None:
        try:
            data = answer(layer, args, current_app.config["KP_BOUNDS"])
        except BadBBox as exc:
            return jsonify(error={"code": 400, "message": str(exc)}), 400
        body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        caching.cache.set(key, body)
    return current_app.response_class(body, mimetype="application/geo+json")
