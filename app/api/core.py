"""The core's endpoints: the kelurahan, the plugins switched on in each, their figures and
their open datasets."""

from __future__ import annotations

from datetime import datetime, timedelta

import marshmallow as ma
from flask import current_app, g, url_for
from flask_babel import force_locale
from sqlalchemy import select

from ..formatting import WIB
from ..models import Kelurahan
from ..plugins import CORE_PLUGIN, DIMENSIONS, host
from ..urls import public_base
from .contract import ApiBlueprint, PageArgs, cursor_page, list_page, page_schema

bp = ApiBlueprint(
    "core-api",
    __name__,
    description="Kelurahan, their plugins, figures and open datasets.",
)


class PluginSchema(ma.Schema):
    id = ma.fields.String(required=True, metadata={"example": "reports"})
    name = ma.fields.String(required=True, metadata={"description": "In Indonesian."})
    dimension = ma.fields.String(
        required=True, metadata={"enum": list(DIMENSIONS), "description": "Smart dimension."}
    )
    description = ma.fields.String()
    api = ma.fields.String(
        allow_none=True,
        metadata={"description": "Base URL of the plugin's endpoints here, if it has any."},
    )


class KelurahanSchema(ma.Schema):
    slug = ma.fields.String(required=True, metadata={"example": "kauman"})
    code = ma.fields.String(required=True, metadata={"description": "Kemendagri code."})
    name = ma.fields.String(required=True)
    kecamatan = ma.fields.String(required=True)
    postal_code = ma.fields.String(allow_none=True)
    lat = ma.fields.Float(allow_none=True)
    lng = ma.fields.Float(allow_none=True)
    url = ma.fields.String(required=True, metadata={"description": "Its public home page."})
    api = ma.fields.String(required=True, metadata={"description": "Its API resource."})


class KelurahanDetailSchema(KelurahanSchema):
    address = ma.fields.String(allow_none=True)
    phone = ma.fields.String(allow_none=True)
    email = ma.fields.String(allow_none=True)
    plugins = ma.fields.List(ma.fields.Nested(PluginSchema), required=True)


class MetricSchema(ma.Schema):
    dimension = ma.fields.String(required=True, metadata={"enum": list(DIMENSIONS)})
    key = ma.fields.String(required=True)
    label = ma.fields.String(required=True)
    value = ma.fields.Integer(required=True)
    definition = ma.fields.String()
    unit = ma.fields.String()
    higher_is_better = ma.fields.Boolean(allow_none=True)
    over_period = ma.fields.Boolean()
    url = ma.fields.String(allow_none=True, metadata={"description": "The rows behind it."})


class MetricsSchema(ma.Schema):
    period = ma.fields.String(required=True)
    since = ma.fields.DateTime(required=True)
    until = ma.fields.DateTime(required=True)
    metrics = ma.fields.List(ma.fields.Nested(MetricSchema), required=True)


class PeriodArgs(ma.Schema):
    period = ma.fields.String(
        load_default="month",
        validate=ma.validate.OneOf(["month", "3months", "year"]),
        metadata={"description": "This month, the last 3 months or this year (WIB)."},
    )


class DownloadSchema(ma.Schema):
    format = ma.fields.String(required=True, metadata={"enum": ["csv", "geojson", "ics", "json"]})
    url = ma.fields.String(required=True)


class ColumnSchema(ma.Schema):
    name = ma.fields.String(required=True)
    meaning = ma.fields.String(required=True)
    type = ma.fields.String(required=True, metadata={"description": "Table Schema type."})


class DatasetSchema(ma.Schema):
    id = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    description = ma.fields.String()
    updated = ma.fields.DateTime(allow_none=True, metadata={"description": "Last change."})
    columns = ma.fields.List(ma.fields.Nested(ColumnSchema), required=True)
    downloads = ma.fields.List(ma.fields.Nested(DownloadSchema), required=True)
    portal = ma.fields.String(required=True, metadata={"description": "The city-wide page."})


def absolute(endpoint: str, **values) -> str:
    return public_base() + url_for(endpoint, **values)


def plugin_api_url(kelurahan, plugin_id: str) -> str | None:
    if plugin_id not in current_app.extensions.get("kp_api_plugins", ()):
        return None
    return f"{public_base()}/api/v1/kelurahan/{kelurahan.slug}/{plugin_id}/"


def kelurahan_row(kelurahan) -> dict:
    return {
        "slug": kelurahan.slug,
        "code": kelurahan.code,
        "name": kelurahan.name,
        "kecamatan": kelurahan.kecamatan_name,
        "postal_code": kelurahan.postal_code,
        "lat": kelurahan.lat,
        "lng": kelurahan.lng,
        "url": absolute("public.kelurahan_home", kelurahan_slug=kelurahan.slug),
        "api": f"{public_base()}/api/v1/kelurahan/{kelurahan.slug}",
    }


def plugins_of(kelurahan) -> list[dict]:
    kp = host()
    rows = []
    for plugin_id in kp.enabled_ids(kelurahan):
        manifest = kp.manifests.get(plugin_id)
        if manifest is None or plugin_id == CORE_PLUGIN:
            continue
        rows.append(
            {
                "id": manifest.id,
                "name": str(manifest.name),
                "dimension": manifest.dimension,
                "description": str(manifest.description),
                "api": plugin_api_url(kelurahan, plugin_id),
            }
        )
    return sorted(rows, key=lambda row: row["id"])


@bp.route("/kelurahan")
@bp.arguments(PageArgs, location="query")
@bp.response(200, page_schema(KelurahanSchema))
def kelurahan_list(args):
    """The kelurahan of the city, by id."""
    rows, next_cursor = cursor_page(select(Kelurahan), Kelurahan.id, args, newest_first=False)
    return list_page([kelurahan_row(k) for k in rows], next_cursor)


@bp.route("/kelurahan/<kelurahan_slug>")
@bp.response(200, KelurahanDetailSchema)
def kelurahan_detail():
    """One kelurahan, with the plugins switched on there."""
    kelurahan = g.kelurahan
    with force_locale("id"):
        return {
            **kelurahan_row(kelurahan),
            "address": kelurahan.address,
            "phone": kelurahan.phone,
            "email": kelurahan.email,
            "plugins": plugins_of(kelurahan),
        }


@bp.route("/kelurahan/<kelurahan_slug>/plugins")
@bp.response(200, PluginSchema(many=True))
def kelurahan_plugins():
    """The plugins switched on in a kelurahan, each with its API base when it has one."""
    with force_locale("id"):
        return plugins_of(g.kelurahan)


def period_bounds(period: str, now: datetime | None = None) -> tuple[datetime, datetime]:
    local = (now or datetime.now(WIB)).astimezone(WIB)
    month = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if period == "3months":
        start = month
        for _ in range(2):
            start = (start - timedelta(days=1)).replace(day=1)
    elif period == "year":
        start = month.replace(month=1)
    else:
        start = month
    return start, local


@bp.route("/kelurahan/<kelurahan_slug>/metrics")
@bp.arguments(PeriodArgs, location="query")
@bp.response(200, MetricsSchema)
def kelurahan_metrics(args):
    """The kelurahan's dashboard figures for a period, each with its definition and the
    URL of the rows behind it (the same figures as /k/<slug>/dasbor)."""
    from ..dashboard import kelurahan_metrics as figures

    since, until = period_bounds(args["period"])
    with force_locale("id"):
        metrics = figures(g.kelurahan, since)
        rows = [
            {
                "dimension": m.dimension,
                "key": m.key,
                "label": str(m.label),
                "value": int(m.value),
                "definition": str(m.definition),
                "unit": str(m.unit),
                "higher_is_better": m.higher_is_better,
                "over_period": m.over_period,
                "url": (public_base() + m.url) if m.url and m.url.startswith("/") else m.url,
            }
            for m in metrics
        ]
    return {"period": args["period"], "since": since, "until": until, "metrics": rows}


@bp.route("/kelurahan/<kelurahan_slug>/datasets")
@bp.response(200, DatasetSchema(many=True))
def kelurahan_datasets():
    """The kelurahan's open datasets, with their download URLs."""
    kelurahan = g.kelurahan
    with force_locale("id"):
        datasets = host().collect("kp_open_data", kelurahan, kelurahan=kelurahan)
        rows = []
        for dataset in datasets:
            formats = {
                "csv": dataset.csv,
                "json": dataset.csv,  # the CSV's rows as objects
                "geojson": dataset.geojson,
                "ics": dataset.ics,
            }
            downloads = [
                {
                    "format": fmt,
                    "url": absolute("public.open_data_download", dataset_id=dataset.id, fmt=fmt),
                }
                for fmt, exporter in formats.items()
                if exporter is not None
            ]
            rows.append(
                {
                    "id": dataset.id,
                    "title": str(dataset.title),
                    "description": str(dataset.description or ""),
                    "updated": dataset.updated() if dataset.updated else None,
                    "columns": [
                        {"name": c.name, "meaning": str(c.meaning), "type": c.type}
                        for c in dataset.columns
                    ],
                    "downloads": downloads,
                    "portal": absolute("public.data_dataset", dataset_id=dataset.id),
                }
            )
    return rows
