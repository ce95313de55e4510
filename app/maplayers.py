"""The core serves every plugin's map layer (`MapLayer`) as RFC 7946 GeoJSON.

One request is at most two statements. The first groups the matching points inside the bbox
into a GRID_CELLS × GRID_CELLS grid over the bbox (or the city's bounds) in SQL: when more
than MAP_LIMIT match, the answer is one feature per non-empty cell with its `count` and the
mean position of its points, so a zoomed-out map of a million reports stays under 100 KB.
Otherwise the second selects the points, each written as GeoJSON by the database itself.

The statements of a layer are built once per shape of request (its filters, with or without
a bbox) and reused with new bbox values; answers are cached per kelurahan and query string
until the plugin's stamp moves.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import orjson
from flask import current_app, jsonify, request, url_for
from sqlalchemy import (
    Boolean,
    Exists,
    Float,
    FromClause,
    Integer,
    Join,
    Select,
    String,
    Subquery,
    Text,
    bindparam,
    case,
    cast,
    func,
    literal,
)
from sqlalchemy.sql import visitors
from sqlalchemy.sql.selectable import ScalarSelect, TableClause

from . import caching
from .extensions import db
from .geo import BadBBox, BBox

MAP_LIMIT = 500
GRID_CELLS = 20  # 20 × 20 cells at most: a clustered answer stays under MAP_LIMIT features
LINK_PLACEHOLDER = 987654321
STATEMENT_SECONDS = 60


def layer_model(query):
    """The mapped class a layer's `select(Model)` reads."""
    return query.column_descriptions[0]["entity"]


def _one_table(statement, model) -> bool:
    """True when the statement reads the model's table alone: no join, no subquery, no
    other table (a walk of the statement, far cheaper than asking for its FROM list)."""
    table = model.__table__
    for element in visitors.iterate(statement):
        if element is statement:
            continue
        if isinstance(element, Select | ScalarSelect | Subquery | Join | Exists):
            return False
        source = element if isinstance(element, FromClause) else getattr(element, "table", None)
        if not isinstance(source, FromClause):
            continue
        # The ORM hands the table over annotated: the same table under its own name.
        if not (isinstance(source, TableClause) and source.name == table.name):
            return False
    return True


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


def _feature_json(model, layer):
    """SQL for one point as a GeoJSON Feature (json_object on SQLite, json_build_object on
    PostgreSQL): the database writes the points, Python only joins them."""
    postgres = db.engine.dialect.name == "postgresql"
    obj = func.json_build_object if postgres else func.json_object
    array = func.json_build_array if postgres else func.json_array
    properties = []
    for column in layer.columns:
        value = column
        if not postgres and isinstance(column.type, Boolean):  # SQLite has no booleans
            value = func.json(case((column, "true"), else_="false"))
        properties += [column.key, value]
    properties += ["id", model.id]
    link = _link_template(layer)
    if link is not None:
        properties += ["url", literal(link[0]) + cast(model.id, String) + literal(link[1])]
    feature = obj(
        "type",
        "Feature",
        "id",
        model.id,
        "geometry",
        obj("type", "Point", "coordinates", array(model.lng, model.lat)),
        "properties",
        obj(*properties),
    )
    return cast(feature, Text) if postgres else feature


@dataclass
class _Prepared:
    """A layer's two statements for one shape of request, bbox values left as parameters.
    Built once and reused: building and keying a statement costs more than a
    neighbourhood's query."""

    cells: Any  # the grid's cells, with how many points each holds
    points: Any  # the points, as GeoJSON (or their columns)
    direct: bool  # reads the model's table alone: run on the connection, kelurahan stated
    made: float

    def run(self, statement, params: dict) -> list:
        if self.direct:
            return db.session.connection().execute(statement, params).all()
        return db.session.execute(statement, params).all()


def _prepare(layer, args, kelurahan, with_bbox: bool) -> _Prepared:
    from .models import TenantMixin

    query = layer.query(args) if callable(layer.query) else layer.query
    model = layer_model(query)
    lat, lng = model.lat, model.lng
    west, south = bindparam("kp_west", type_=Float), bindparam("kp_south", type_=Float)
    query = query.where(lat.is_not(None), lng.is_not(None))
    if with_bbox:
        east, north = bindparam("kp_east", type_=Float), bindparam("kp_north", type_=Float)
        query = query.where(lng >= west, lng <= east, lat >= south, lat <= north)
    # A statement on the model's table alone gets the kelurahan stated in it, which is
    # exactly the session's filter, and runs on the connection (no ORM per request);
    # anything with a join or a subquery goes through the session and its filter.
    direct = issubclass(model, TenantMixin) and _one_table(query, model)
    if direct:
        query = query.where(model.kelurahan_id == kelurahan.id)
    points = query.with_only_columns(model.id, _feature_json(model, layer))
    points = points.limit(MAP_LIMIT + 1)
    col = _cell_index((lng - west) / bindparam("kp_cell_lng", type_=Float)).label("col")
    row = _cell_index((lat - south) / bindparam("kp_cell_lat", type_=Float)).label("row")
    cells = query.with_only_columns(col, row, func.count(), func.avg(lat), func.avg(lng))
    return _Prepared(cells.group_by(col, row), points, direct, time.monotonic())


def _prepared(layer, args, kelurahan, with_bbox: bool, plugin: str) -> _Prepared:
    """The layer's statements for this shape of request, from the worker's memory. Renewed
    with the plugin's or the kelurahan's stamps, and after STATEMENT_SECONDS at most, since
    a filter such as "the last 7 days" is fixed when the statement is built."""
    store = current_app.extensions.setdefault("kp_layer_statements", {})
    tokens = caching.read(
        caching.CONFIG,
        caching.kelurahan_stamp(kelurahan.id),
        caching.plugin_stamp(kelurahan.id, plugin),
    )
    items = args.items(multi=True) if hasattr(args, "getlist") else args.items()
    shape = tuple(sorted((k, v) for k, v in items if k != "bbox"))
    key = (kelurahan.id, plugin, layer.id, shape, with_bbox, tokens)
    prepared = store.get(key)
    if prepared is None or time.monotonic() - prepared.made > STATEMENT_SECONDS:
        if len(store) > 1000:  # bounded: shapes are few, but query strings are anyone's
            store.clear()
        prepared = store[key] = _prepare(layer, args, kelurahan, with_bbox)
    return prepared


def answer(layer, args, bounds: dict, *, plugin: str = "", kelurahan=None) -> dict:
    """The GeoJSON of `layer` for query arguments `args` (bbox and the layer's filters).
    Raises BadBBox for a malformed bbox."""
    return orjson.loads(answer_body(layer, args, bounds, plugin=plugin, kelurahan=kelurahan))


def answer_body(layer, args, bounds: dict, *, plugin: str = "", kelurahan=None) -> bytes:
    """`answer`, encoded as the endpoint sends it."""
    from flask import g

    bbox = BBox.parse(args.get("bbox"))
    kelurahan = kelurahan or g.kelurahan
    prepared = _prepared(layer, args, kelurahan, bbox is not None, plugin)
    box = bbox or BBox(bounds["west"], bounds["south"], bounds["east"], bounds["north"])
    params = {
        "kp_west": box.min_lng,
        "kp_south": box.min_lat,
        "kp_cell_lng": (box.max_lng - box.min_lng) / GRID_CELLS or 1e-9,
        "kp_cell_lat": (box.max_lat - box.min_lat) / GRID_CELLS or 1e-9,
    }
    if bbox is not None:
        params.update(kp_east=bbox.max_lng, kp_north=bbox.max_lat)
    # The grid first: it counts the matches, and when they are too many it is the answer
    # (a zoomed-out map of a million reports is this one statement). Only a few points are
    # then written out, by the second.
    cells = prepared.run(prepared.cells, params)
    if sum(cell[2] for cell in cells) <= MAP_LIMIT:
        rows = prepared.run(prepared.points, params) if cells else []
        rows.sort(key=lambda row: row[0])
        head = b'{"type":"FeatureCollection","features":['
        tail = f'],"total":{len(rows)},"clustered":false}}'.encode()
        return head + ",".join(row[1] for row in rows).encode() + tail
    return orjson.dumps(_clusters(cells))


def _clusters(cells) -> dict:
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


def layer_url(layer) -> str:
    """Where the browser fetches a layer: its own `url`, or the core's endpoint."""
    if layer.url:
        return layer.url
    return url_for("public.map_layer", layer_id=layer.id, **layer.params)


def find(kelurahan, layer_id: str, config_token=None):
    """(plugin name, layer) of a layer served by the core in this kelurahan, or None.
    Plugins are asked in turn until one has it; the answer is kept in the worker's memory
    until a stamp of the kelurahan moves (a plugin switched, a setting changed). A caller
    asking for many kelurahan passes the config stamp it read once (one cache round trip
    instead of 27)."""
    from .plugins import host

    store = current_app.extensions.setdefault("kp_layer_owners", {})
    if config_token is None:
        config_token = caching.read(caching.CONFIG)[0]
    key = (kelurahan.id, layer_id, config_token)
    if key not in store:
        if len(store) > 1000:
            store.clear()
        store[key] = _find(host(), kelurahan, layer_id)
    return store[key]


def _find(kp, kelurahan, layer_id: str):
    for impl in kp._impls("kp_map_layers", kelurahan):
        try:
            layers = kp.call_one(impl, {"kelurahan": kelurahan}) or []
        except Exception:
            kp._failed(impl.plugin_name, "kp_map_layers")
            continue
        for layer in layers:
            if layer.id == layer_id and layer.query is not None:
                return impl.plugin_name, layer
    return None


def _body(kelurahan, plugin: str, layer, args) -> bytes:
    """One kelurahan's answer for `layer`, from the cache when it has it (raises BadBBox)."""
    key_args = json.dumps(sorted(args.items(multi=True)), ensure_ascii=False)
    kelurahan_token, plugin_token = caching.read(
        caching.kelurahan_stamp(kelurahan.id), caching.plugin_stamp(kelurahan.id, plugin)
    )
    key = f"layer:{kelurahan.id}:{layer.id}:{kelurahan_token}:{plugin_token}:{key_args}"
    body = caching.cache.get(key)
    if body is None:
        bounds = current_app.config["KP_BOUNDS"]
        body = answer_body(layer, args, bounds, plugin=plugin, kelurahan=kelurahan)
        caching.cache.set(key, body)
    return body


def response(kelurahan, layer_id: str):
    """The HTTP answer for one layer with the request's arguments: GeoJSON, a 400 for a
    bad bbox, or None when the kelurahan has no such layer (the caller answers 404)."""
    found = find(kelurahan, layer_id)
    if found is None:
        return None
    plugin, layer = found
    try:
        body = _body(kelurahan, plugin, layer, request.args)
    except BadBBox as exc:
        return jsonify(error={"code": 400, "message": str(exc)}), 400
    return current_app.response_class(body, mimetype="application/geo+json")


def city_response(layer_id: str, kelurahan_rows: list):
    """One layer over the whole city: each kelurahan's own answer (capped and clustered as
    there, and cached the same), side by side. Kelurahan do not overlap, so neither do
    their clusters. None when no kelurahan has the layer."""
    from .kelurahan_context import acting_in

    features: list = []
    total, clustered, found_any = 0, False, False
    config_token = caching.read(caching.CONFIG)[0]
    for kelurahan in kelurahan_rows:
        found = find(kelurahan, layer_id, config_token)
        if found is None:
            continue
        found_any = True
        plugin, layer = found
        try:
            with acting_in(kelurahan):
                data = orjson.loads(_body(kelurahan, plugin, layer, request.args))
        except BadBBox as exc:
            return jsonify(error={"code": 400, "message": str(exc)}), 400
        features.extend(data["features"])
        total += data.get("total", len(data["features"]))
        clustered = clustered or bool(data.get("clustered"))
    if not found_any:
        return None
    body = orjson.dumps(
        {"type": "FeatureCollection", "features": features, "total": total, "clustered": clustered}
    )
    return current_app.response_class(body, mimetype="application/geo+json")
