"""Map arithmetic shared by the core and plugins: bounding boxes, distances, city bounds."""

from __future__ import annotations

import math
from dataclasses import dataclass

EARTH_RADIUS_M = 6_371_000


class BadBBox(ValueError):
    """A bbox parameter that is malformed or inverted; the message is for the API caller."""


@dataclass(frozen=True)
class BBox:
    min_lng: float
    min_lat: float
    max_lng: float
    max_lat: float

    @classmethod
    def parse(cls, raw: str | None) -> BBox | None:
        """`minLng,minLat,maxLng,maxLat` (RFC 7946 order) or None when absent."""
        if raw is None or raw == "":
            return None
        parts = raw.split(",")
        if len(parts) != 4:
            raise BadBBox("bbox must be minLng,minLat,maxLng,maxLat")
        try:
            values = [float(p) for p in parts]
        except ValueError:
            raise BadBBox("bbox values must be numbers") from None
        if not all(math.isfinite(v) for v in values):
            raise BadBBox("bbox values must be finite numbers")
        box = cls(*values)
        if not (-180 <= box.min_lng <= 180 and -180 <= box.max_lng <= 180):
            raise BadBBox("bbox longitudes must be between -180 and 180")
        if not (-90 <= box.min_lat <= 90 and -90 <= box.max_lat <= 90):
            raise BadBBox("bbox latitudes must be between -90 and 90")
        if box.min_lng >= box.max_lng or box.min_lat >= box.max_lat:
            raise BadBBox("bbox is inverted or empty: min must be below max")
        return box


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def degree_box(lat: float, lng: float, radius_m: float) -> tuple[float, float, float, float]:
    """A lat/lng box that contains the circle: a cheap index filter before exact distance."""
    dlat = radius_m / 111_320
    dlng = radius_m / (111_320 * max(math.cos(math.radians(lat)), 1e-6))
    return lat - dlat, lat + dlat, lng - dlng, lng + dlng


def in_bounds(lat: float, lng: float, bounds: dict) -> bool:
    return bounds["south"] <= lat <= bounds["north"] and bounds["west"] <= lng <= bounds["east"]


# -- GeoJSON (RFC 7946) ------------------------------------------------------------------------


def point_feature(lat: float, lng: float, properties: dict, feature_id=None) -> dict:
    """A GeoJSON Point feature. RFC 7946 puts longitude first, which is easy to get wrong."""
    feature = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lng, lat]},
        "properties": properties,
    }
    if feature_id is not None:
        feature["id"] = feature_id
    return feature


def feature_collection(features, **members) -> dict:
    """A FeatureCollection; `members` adds foreign members (e.g. total, clustered)."""
    return {"type": "FeatureCollection", "features": list(features), **members}


def rows_as_features(rows) -> dict:
    """Open-data rows (dicts with "id", "lat" and "lng") as a FeatureCollection of points; the
    other keys become each feature's properties."""
    return feature_collection(
        point_feature(
            row["lat"],
            row["lng"],
            {k: v for k, v in row.items() if k not in ("lat", "lng")},
            feature_id=row["id"],
        )
        for row in rows
    )
