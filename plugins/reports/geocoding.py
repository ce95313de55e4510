"""Finding a place by name: the city's landmarks and the kelurahan office first (no network),
then the configured Nominatim-compatible geocoder, always inside the city's bounds. Used by
the report form and by Open311's address_string."""

from __future__ import annotations

import json
import logging
from urllib.parse import urlencode
from urllib.request import Request, urlopen

from flask import current_app, g
from flask_babel import gettext as _

from app.kit import in_bounds, load_reference

from .queries import settings

log = logging.getLogger(__name__)


def landmark_matches(query: str, limit: int = 5) -> list[dict]:
    """The city's landmarks and the kelurahan office, searchable without the network."""
    needle = query.lower()
    places = [
        {"name": p["name"], "lat": p["at"][0], "lng": p["at"][1]}
        for p in load_reference().get("places", [])
    ]
    kelurahan = g.kelurahan
    if kelurahan.lat is not None:
        places.insert(
            0,
            {
                "name": _("Kantor Kelurahan %(name)s", name=kelurahan.name),
                "lat": kelurahan.lat,
                "lng": kelurahan.lng,
            },
        )
    return [p for p in places if needle in p["name"].lower()][:limit]


def geocode(query: str, limit: int = 5) -> list[dict]:
    """Landmarks first, then the configured Nominatim-compatible geocoder, inside the city."""
    results = landmark_matches(query, limit)
    url = settings()["geocoder_url"]
    if url and len(results) < limit:
        bounds = current_app.config["KP_BOUNDS"]
        params = urlencode(
            {
                "q": query,
                "format": "jsonv2",
                "limit": limit,
                "bounded": 1,
                "viewbox": f"{bounds['west']},{bounds['north']},{bounds['east']},{bounds['south']}",
            }
        )
        try:
            req = Request(f"{url}?{params}", headers={"User-Agent": "KelurahanPintar/1.0"})  # noqa: S310
            with urlopen(req, timeout=4) as response:  # noqa: S310 - an admin-set https URL
                for item in json.load(response):
                    lat, lng = float(item["lat"]), float(item["lon"])
                    if in_bounds(lat, lng, bounds):
                        results.append(
                            {"name": item.get("display_name", query), "lat": lat, "lng": lng}
                        )
        except Exception:  # the geocoder is a convenience: without it, tap the map
            log.warning("geocoder %s failed for %r", url, query, exc_info=True)
    return results[:limit]
