"""The city's open data portal (`/data`): every dataset the plugins offer in any kelurahan
(`kp_open_data`), described once (title, description, columns and their meaning, licence,
when it last changed) and downloadable for the whole city, merged from every kelurahan
where its plugin is switched on, with a leading `kelurahan` column (CSV, JSON) or
property (GeoJSON). `/data/catalog.json` lists the same in the DCAT-US (Project Open Data
v1.1) shape that CKAN and data.gov harvest.

Each kelurahan's answer (the description, and the rows of a download) comes from the
host's per-kelurahan cache (`PluginHost.cached`), renewed when the plugin announces a
change there, so a city page asks the plugins again only for what changed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from flask import Response
from flask_babel import gettext as _
from sqlalchemy import Select, func, select

from .city_settings import OPEN_DATA_LICENCE, OPEN_DATA_LICENCE_URL, core_settings
from .directory import all_kelurahan
from .exports import _attachment, csv_response, geojson_response
from .extensions import db
from .geo import feature_collection
from .kelurahan_context import acting_in
from .plugins import DIMENSIONS, host
from .urls import public_url

PUBLISHER = "Pemerintah Kota Pekalongan"
SPATIAL = "Kota Pekalongan, Jawa Tengah, Indonesia"
DCAT_SCHEMA = "https://project-open-data.cio.gov/v1.1/schema"
CITY_FORMATS = ("csv", "json", "geojson")  # merged over the city
KELURAHAN_FORMATS = ("csv", "json", "geojson", "ics")
MEDIA_TYPES = {
    "csv": "text/csv",
    "json": "application/json",
    "geojson": "application/geo+json",
    "ics": "text/calendar",
}
FORMAT_NAMES = {"csv": "CSV", "json": "JSON", "geojson": "GeoJSON", "ics": "iCalendar"}
KELURAHAN_KEY = "kelurahan"


# -- for plugins: when the data last changed ---------------------------------------------------


def _aware(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):  # SQLite hands back an aggregate of timestamps as text
        value = datetime.fromisoformat(value)
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day, tzinfo=UTC)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def last_change(*parts) -> datetime | None:
    """The newest of several timestamps in one query, for `Dataset.updated`: each part is a
    column (its newest value among the current kelurahan's rows, e.g. `Report.updated_at`)
    or a scalar select (`select(func.max(Shop.updated_at)).where(Shop.status == "ok")`).
    None when no row has one."""
    subqueries = [
        (part if isinstance(part, Select) else select(func.max(part))).scalar_subquery()
        for part in parts
    ]
    values = db.session.execute(select(*subqueries)).one()
    found = [v for v in (_aware(value) for value in values) if v is not None]
    return max(found, default=None)


# -- plain values --------------------------------------------------------------------------


def plain(value: Any) -> Any:
    """A cell as JSON carries it (and the cache keeps it): numbers, text, true/false, null."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return str(value)


def json_response(filename: str, data: Any) -> Response:
    return Response(
        json.dumps(data, ensure_ascii=False),
        mimetype="application/json",
        headers=_attachment(filename),
    )


def dataset_formats(dataset) -> list[str]:
    """The downloads one kelurahan's dataset offers, in KELURAHAN_FORMATS order."""
    has = {
        "csv": dataset.csv is not None,
        "json": dataset.csv is not None,
        "geojson": dataset.geojson is not None,
        "ics": dataset.ics is not None,
    }
    return [fmt for fmt in KELURAHAN_FORMATS if has[fmt]]


def table_objects(header: list[str], rows) -> list[dict]:
    """CSV rows as JSON objects keyed by column name."""
    names = [str(name) for name in header]
    return [dict(zip(names, (plain(cell) for cell in row), strict=False)) for row in rows]


# -- the catalogue ---------------------------------------------------------------------------


@dataclass
class Offer:
    """One kelurahan's copy of a dataset."""

    kelurahan: Any
    formats: list[str]
    updated: datetime | None


@dataclass
class Entry:
    """A dataset id as the city offers it."""

    id: str
    plugin: str
    title: str
    description: str
    columns: list[dict]
    offers: list[Offer] = field(default_factory=list)

    @property
    def updated(self) -> datetime | None:
        return max((o.updated for o in self.offers if o.updated is not None), default=None)

    @property
    def formats(self) -> list[str]:
        """The city-wide merged downloads: CSV and JSON from any kelurahan's table, GeoJSON
        where it is spatial."""
        offered = {fmt for offer in self.offers for fmt in offer.formats}
        return [fmt for fmt in CITY_FORMATS if fmt in offered]

    @property
    def keywords(self) -> list[str]:
        manifest = host().manifests.get(self.plugin)
        words = [str(manifest.name)] if manifest is not None else []
        if manifest is not None and manifest.dimension in DIMENSIONS:
            words.append(DIMENSIONS[manifest.dimension])
        return [*words, "kelurahan", "Kota Pekalongan", "data terbuka"]


def _describe(plugin: str, datasets: list) -> tuple[list[dict], bool]:
    """A plugin's datasets in one kelurahan as plain, cacheable values (`updated` asked now,
    inside the kelurahan's scope)."""
    described = []
    for d in datasets:
        try:
            updated = _aware(d.updated()) if d.updated is not None else None
        except Exception:  # the dataset is still offered, without its date
            host()._failed(plugin, f"kp_open_data ({d.id}.updated)")
            updated = None
        described.append(
            {
                "plugin": plugin,
                "id": d.id,
                "title": str(d.title),
                "description": str(d.description or ""),
                "columns": [
                    {"name": c.name, "meaning": str(c.meaning), "type": c.type} for c in d.columns
                ],
                "formats": dataset_formats(d),
                "updated": updated.isoformat() if updated else None,
            }
        )
    return described, True


def catalogue() -> list[Entry]:
    """Every dataset id offered in any kelurahan, by title; each with the kelurahan that
    offer it (in kecamatan order). A dataset id two plugins claim stays the first one's."""
    kp = host()
    entries: dict[str, Entry] = {}
    for kelurahan in all_kelurahan():
        with acting_in(kelurahan):
            described = kp.cached(
                "kp_open_data", kelurahan, "portal", _describe, kelurahan=kelurahan
            )
        for item in described:
            entry = entries.get(item["id"])
            if entry is None:
                entry = entries[item["id"]] = Entry(
                    item["id"],
                    item["plugin"],
                    item["title"],
                    item["description"],
                    item["columns"],
                )
            elif entry.plugin != item["plugin"]:
                continue
            updated = datetime.fromisoformat(item["updated"]) if item["updated"] else None
            entry.offers.append(Offer(kelurahan, item["formats"], updated))
    return sorted(entries.values(), key=lambda e: (e.title.lower(), e.id))


def find(dataset_id: str) -> Entry | None:
    return next((e for e in catalogue() if e.id == dataset_id), None)


def licence() -> dict[str, str]:
    values = core_settings()
    return {
        "name": (values.get("open_data_licence") or "").strip() or OPEN_DATA_LICENCE,
        "url": (values.get("open_data_licence_url") or "").strip() or OPEN_DATA_LICENCE_URL,
    }


# -- city-wide downloads -----------------------------------------------------------------------


def _rows_of(dataset_id: str, kind: str):
    """`compute` for the host's cache: one kelurahan's table (header and rows) or features
    of `dataset_id`, as plain values."""

    def compute(plugin: str, datasets: list) -> tuple[list[dict], bool]:
        for d in datasets:
            if d.id != dataset_id:
                continue
            if kind == "table" and d.csv is not None:
                header, rows = d.csv()
                return [
                    {
                        "header": [str(h) for h in header],
                        "rows": [[plain(c) for c in row] for row in rows],
                    }
                ], True
            if kind == "geojson" and d.geojson is not None:
                return [{"features": plain(d.geojson().get("features", []))}], True
        return [], True

    return compute


def _each_kelurahan(entry: Entry, kind: str):
    """(kelurahan, table or features) for every kelurahan offering the dataset."""
    kp = host()
    for offer in entry.offers:
        kelurahan = offer.kelurahan
        with acting_in(kelurahan):
            answers = kp.cached(
                "kp_open_data",
                kelurahan,
                f"portal:{entry.id}:{kind}",
                _rows_of(entry.id, kind),
                kelurahan=kelurahan,
            )
        for answer in answers[:1]:
            yield kelurahan, answer


def merged_table(entry: Entry) -> tuple[list[str], list[list]]:
    """The dataset over the city: `kelurahan` first, then the columns (every kelurahan's
    header is the same plugin's; a column one lacks is left empty)."""
    parts = list(_each_kelurahan(entry, "table"))
    names: list[str] = []
    for _kelurahan, table in parts:
        names += [name for name in table["header"] if name not in names]
    rows = []
    for kelurahan, table in parts:
        if table["header"] == names:
            rows += [[kelurahan.name, *row] for row in table["rows"]]
        else:
            for row in table["rows"]:
                cells = dict(zip(table["header"], row, strict=False))
                rows.append([kelurahan.name, *(cells.get(name, "") for name in names)])
    return [KELURAHAN_KEY, *names], rows


def merged_features(entry: Entry) -> dict:
    features = []
    for kelurahan, part in _each_kelurahan(entry, "geojson"):
        for feature in part["features"]:
            properties = {KELURAHAN_KEY: kelurahan.name, **(feature.get("properties") or {})}
            features.append({**feature, "properties": properties})
    return feature_collection(features)


def city_download(entry: Entry, fmt: str) -> Response | None:
    """The merged download, or None for a format the dataset does not offer city-wide."""
    if fmt not in entry.formats:
        return None
    filename = f"kota-pekalongan-{entry.id}.{fmt}"
    if fmt == "geojson":
        return geojson_response(filename, merged_features(entry))
    header, rows = merged_table(entry)
    if fmt == "csv":
        return csv_response(filename, header, rows)
    return json_response(filename, table_objects(header, rows))


# -- DCAT-US catalog.json ----------------------------------------------------------------------


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat(timespec="seconds") if moment else None


def dcat_catalog() -> dict:
    """The catalogue as a Project Open Data v1.1 (DCAT-US) data.json: absolute URLs from
    KP_PUBLIC_URL, the city's licence on every dataset."""
    terms = licence()
    contact = (core_settings().get("open_data_contact_email") or "").strip()
    contact_point: dict[str, str] = {"@type": "vcard:Contact", "fn": PUBLISHER}
    if contact:
        contact_point["hasEmail"] = f"mailto:{contact}"
    datasets = []
    for entry in catalogue():
        page = public_url("public.data_dataset", dataset_id=entry.id)
        distributions = [
            {
                "@type": "dcat:Distribution",
                "title": _("%(format)s seluruh kota", format=FORMAT_NAMES[fmt]),
                "downloadURL": public_url("public.data_download", dataset_id=entry.id, fmt=fmt),
                "mediaType": MEDIA_TYPES[fmt],
                "format": FORMAT_NAMES[fmt],
            }
            for fmt in entry.formats
        ]
        if not distributions:  # an iCalendar feed per kelurahan only
            distributions = [
                {
                    "@type": "dcat:Distribution",
                    "title": f"{FORMAT_NAMES[fmt]} {offer.kelurahan.name}",
                    "downloadURL": public_url(
                        "public.open_data_download",
                        kelurahan_slug=offer.kelurahan.slug,
                        dataset_id=entry.id,
                        fmt=fmt,
                    ),
                    "mediaType": MEDIA_TYPES[fmt],
                    "format": FORMAT_NAMES[fmt],
                }
                for offer in entry.offers
                for fmt in offer.formats
            ]
        dataset = {
            "@type": "dcat:Dataset",
            "title": entry.title,
            "description": entry.description or entry.title,
            "keyword": entry.keywords,
            "identifier": page,
            "accessLevel": "public",
            "publisher": {"@type": "org:Organization", "name": PUBLISHER},
            "contactPoint": contact_point,
            "license": terms["url"],
            "rights": terms["name"],
            "spatial": SPATIAL,
            "language": ["id"],
            "landingPage": page,
            "describedBy": page,
            "describedByType": "text/html",
            "distribution": distributions,
        }
        modified = _iso(entry.updated)
        if modified:
            dataset["modified"] = modified
        datasets.append(dataset)
    return {
        "@context": f"{DCAT_SCHEMA}/catalog.jsonld",
        "@id": public_url("public.data_catalog"),
        "@type": "dcat:Catalog",
        "conformsTo": DCAT_SCHEMA,
        "describedBy": f"{DCAT_SCHEMA}/catalog.json",
        "dataset": datasets,
    }
