"""The map endpoint's grid clusters on both databases: never more than the grid's cells,
counts that add up, and points on the box's edges kept."""

from __future__ import annotations

from conftest import enable_plugin, kelurahan
from sqlalchemy import insert

from app.extensions import db as _db
from plugins.reports.models import Report
from plugins.reports.queries import GRID_CELLS, MAP_LIMIT

BBOX = (109.63, -6.93, 109.71, -6.85)  # minLng, minLat, maxLng, maxLat


def seed_grid(n_side: int):
    """n_side × n_side reports spread evenly over BBOX, edges included."""
    min_lng, min_lat, max_lng, max_lat = BBOX
    kid = kelurahan("kauman").id
    rows = []
    for i in range(n_side):
        for j in range(n_side):
            rows.append(
                {
                    "kelurahan_id": kid,
                    "category": "Sampah",
                    "title": f"Sampah {i}-{j}",
                    "description": "Tumpukan sampah",
                    "lat": min_lat + (max_lat - min_lat) * i / (n_side - 1),
                    "lng": min_lng + (max_lng - min_lng) * j / (n_side - 1),
                    "status": "baru",
                    "source": "web",
                    "hide_name": False,
                }
            )
    _db.session.execute(insert(Report), rows)
    _db.session.commit()
    return len(rows)


def test_clusters_stay_within_the_grid_and_add_up(app, client):
    enable_plugin(app, "reports", "kauman")
    total = seed_grid(30)  # 900 reports > MAP_LIMIT
    bbox = ",".join(str(v) for v in BBOX)
    data = client.get(f"/k/kauman/reports/map.geojson?bbox={bbox}").get_json()
    assert data["clustered"] is True and total > MAP_LIMIT
    counts = [f["properties"]["count"] for f in data["features"]]
    assert sum(counts) == total
    assert len(data["features"]) <= GRID_CELLS * GRID_CELLS
    for feature in data["features"]:
        lng, lat = feature["geometry"]["coordinates"]
        assert BBOX[0] <= lng <= BBOX[2] and BBOX[1] <= lat <= BBOX[3]
