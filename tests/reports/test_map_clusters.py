"""The reports map as the core serves it, on both databases: at most 500 points, then grid
clusters computed in SQL over the asked bbox (or the city's bounds) whose counts add up,
with the list filters and moderation applied, at the documented URL and the core's."""

from __future__ import annotations

from conftest import enable_plugin, kelurahan
from sqlalchemy import select

from app.extensions import db as _db
from app.maplayers import GRID_CELLS, MAP_LIMIT
from plugins.reports.models import Report

BBOX = (109.63, -6.93, 109.71, -6.85)  # minLng, minLat, maxLng, maxLat
MAP = "/k/kauman/laporan/map.geojson"


def seed_grid(n_side: int, box=BBOX, **fields):
    """n_side × n_side reports spread evenly over `box`, edges included. Added through the
    ORM, so the test's commit renews cached map answers as a plugin's event would."""
    min_lng, min_lat, max_lng, max_lat = box
    kid = kelurahan("kauman").id
    rows = []
    for i in range(n_side):
        for j in range(n_side):
            rows.append(
                {
                    "kelurahan_id": kid,
                    "category": "Sampah",
                    "title": f"{fields.get('category', 'Sampah')} {i}-{j}",
                    "description": "Tumpukan sampah",
                    "lat": min_lat + (max_lat - min_lat) * i / (n_side - 1),
                    "lng": min_lng + (max_lng - min_lng) * j / (n_side - 1),
                    "status": "baru",
                    "source": "web",
                    "hide_name": False,
                    **fields,
                }
            )
    _db.session.add_all([Report(**row) for row in rows])
    _db.session.commit()
    return len(rows)


def bbox_arg(box=BBOX) -> str:
    return ",".join(str(v) for v in box)


def test_clusters_stay_within_the_grid_and_add_up(app, client):
    enable_plugin(app, "reports", "kauman")
    total = seed_grid(30)  # 900 reports > MAP_LIMIT
    data = client.get(f"{MAP}?bbox={bbox_arg()}").get_json()
    assert data["clustered"] is True and total > MAP_LIMIT
    assert data["total"] == total
    counts = [f["properties"]["count"] for f in data["features"]]
    assert sum(counts) == total
    assert all(f["properties"]["cluster"] for f in data["features"])
    assert len(data["features"]) <= GRID_CELLS * GRID_CELLS
    for feature in data["features"]:
        lng, lat = feature["geometry"]["coordinates"]
        assert BBOX[0] <= lng <= BBOX[2] and BBOX[1] <= lat <= BBOX[3]


def test_without_a_bbox_the_grid_covers_the_city(app, client):
    """Zoomed out over the whole city, a neighbourhood's 900 reports are a handful of
    clusters (the grid spans the city's bounds, not just the reports)."""
    enable_plugin(app, "reports", "kauman")
    bounds = app.config["KP_BOUNDS"]
    total = seed_grid(30, box=(109.670, -6.892, 109.676, -6.886))  # about 650 m square
    data = client.get(MAP).get_json()
    assert data["clustered"] is True and data["total"] == total
    assert sum(f["properties"]["count"] for f in data["features"]) == total
    assert 1 <= len(data["features"]) <= 9
    for feature in data["features"]:
        lng, lat = feature["geometry"]["coordinates"]
        assert bounds["west"] <= lng <= bounds["east"]
        assert bounds["south"] <= lat <= bounds["north"]


def test_up_to_500_reports_are_points_with_what_the_popups_show(app, client):
    enable_plugin(app, "reports", "kauman")
    seed_grid(20)  # 400
    seed_grid(10, box=(109.64, -6.92, 109.70, -6.86), status="selesai")  # 100 more: 500
    data = client.get(MAP).get_json()
    assert data["clustered"] is False and data["total"] == MAP_LIMIT
    assert len(data["features"]) == MAP_LIMIT
    first = data["features"][0]
    props = first["properties"]
    report = _db.session.get(Report, props["id"])
    assert first["id"] == report.id
    assert props["url"] == f"/k/kauman/laporan/{report.id}"
    assert props["title"] == report.title and props["category"] == "Sampah"
    assert props["status"] == "baru" and props["open"] is True
    assert any(f["properties"]["open"] is False for f in data["features"])
    # One more report tips the answer over into clusters.
    seed_grid(2, box=(109.65, -6.90, 109.66, -6.89))
    data = client.get(MAP).get_json()
    assert data["clustered"] is True and data["total"] == MAP_LIMIT + 4


def test_filters_and_moderation_apply_to_the_clusters(app, client):
    enable_plugin(app, "reports", "kauman")
    seed_grid(30)  # 900 Sampah, baru
    seed_grid(25, category="Jalan rusak", status="selesai")  # 625
    hidden = _db.session.execute(select(Report).where(Report.title == "Sampah 0-0")).scalar_one()
    hidden.hidden_at = hidden.created_at
    _db.session.commit()
    both = client.get(f"{MAP}?bbox={bbox_arg()}").get_json()
    assert both["total"] == 900 + 625 - 1  # hidden reports are not on the public map
    rubbish = client.get(f"{MAP}?bbox={bbox_arg()}&category=Sampah").get_json()
    assert rubbish["total"] == 899
    fixed = client.get(f"{MAP}?status=closed&period=30").get_json()
    assert fixed["total"] == 625
    # Unknown values are ignored, never an error.
    odd = client.get(f"{MAP}?bbox={bbox_arg()}&category=Tidak+ada&status=hilang&period=5")
    assert odd.status_code == 200 and odd.get_json()["total"] == 900 + 625 - 1


def test_a_bad_bbox_is_a_400_with_a_reason(app, client):
    enable_plugin(app, "reports", "kauman")
    for raw in ("1,2,3", "a,b,c,d", "109.7,-6.9,109.6,-6.8", "nan,1,2,3"):
        response = client.get(f"{MAP}?bbox={raw}")
        assert response.status_code == 400, raw
        assert response.get_json()["error"]["message"]


def test_the_documented_url_answers_as_the_cores_layer(app, client):
    enable_plugin(app, "reports", "kauman")
    seed_grid(3)
    query = f"?bbox={bbox_arg()}&status=open"
    ours = client.get(MAP + query)
    core = client.get("/k/kauman/peta/reports.geojson" + query)
    assert ours.status_code == core.status_code == 200
    assert ours.mimetype == "application/geo+json"
    assert ours.get_json() == core.get_json()
    assert ours.get_json()["total"] == 9
    # Switched off: neither answers.
    enable_plugin(app, "reports", "kauman", enabled=False)
    assert client.get(MAP).status_code == 404
    assert client.get("/k/kauman/peta/reports.geojson").status_code == 404
