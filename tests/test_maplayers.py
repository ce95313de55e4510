"""The core serves every plugin's map layer: RFC 7946 GeoJSON, the bbox, at most 500 points,
grid clusters counted in SQL beyond that. The example plugin's layer (notices) stands in
for any plugin's; the reports plugin's filters are tested with it."""

from __future__ import annotations

import json

import pytest
from conftest import StatementCounter, enable_plugin, kelurahan
from kp_notices import Notice
from sqlalchemy import insert

from app.extensions import db as _db
from app.maplayers import GRID_CELLS, MAP_LIMIT
from app.models import utcnow

URL = "/k/kauman/peta/notices.geojson"
# Kota Pekalongan's bounds (config KP_BOUNDS): south -6.94, north -6.83, west 109.62, east 109.72
CITY = (109.62, -6.94, 109.72, -6.83)


def add_notices(slug: str, points) -> None:
    kid = kelurahan(slug).id
    rows = [
        {
            "kelurahan_id": kid,
            "title": f"Titik {i}",
            "body": "...",
            "lat": lat,
            "lng": lng,
            "created_at": utcnow(),
        }
        for i, (lat, lng) in enumerate(points)
    ]
    _db.session.execute(insert(Notice), rows)
    _db.session.commit()


def grid_points(n: int, box=CITY):
    """n points spread evenly over the box."""
    west, south, east, north = box
    side = int(n**0.5) + 1
    return [
        (
            south + (north - south) * ((i // side) + 0.5) / side,
            west + (east - west) * ((i % side) + 0.5) / side,
        )
        for i in range(n)
    ]


@pytest.fixture
def notices_on(app):
    enable_plugin(app, "notices", "kauman")


def get(client, url=URL, **params):
    response = client.get(url, query_string=params)
    return response


def test_few_points_come_as_points_with_their_properties(app, client, notices_on):
    add_notices("kauman", [(-6.889, 109.673), (-6.890, 109.674)])
    add_notices("medono", [(-6.880, 109.660)])  # another kelurahan's
    response = get(client)
    assert response.mimetype == "application/geo+json"
    data = response.get_json()
    assert data["type"] == "FeatureCollection" and data["clustered"] is False
    assert data["total"] == 2
    first = data["features"][0]
    assert first["geometry"] == {"type": "Point", "coordinates": [109.673, -6.889]}  # lng, lat
    assert first["properties"]["title"] == "Titik 0" and first["properties"]["id"] == first["id"]


def test_a_bbox_narrows_the_answer(app, client, notices_on):
    add_notices("kauman", [(-6.889, 109.673), (-6.920, 109.700)])
    data = get(client, bbox="109.67,-6.89,109.68,-6.88").get_json()
    assert [f["properties"]["title"] for f in data["features"]] == ["Titik 0"]


def test_beyond_500_points_come_as_clusters_that_count_them_all(app, client, notices_on):
    add_notices("kauman", grid_points(MAP_LIMIT + 100))
    data = get(client).get_json()
    assert data["clustered"] is True and data["total"] == MAP_LIMIT + 100
    assert len(data["features"]) <= GRID_CELLS * GRID_CELLS
    assert sum(f["properties"]["count"] for f in data["features"]) == MAP_LIMIT + 100
    for feature in data["features"]:
        lng, lat = feature["geometry"]["coordinates"]
        assert CITY[0] <= lng <= CITY[2] and CITY[1] <= lat <= CITY[3]
        assert feature["properties"]["cluster"] is True


def test_clusters_stay_inside_the_bbox_and_count_only_it(app, client, notices_on):
    west_half = (109.62, -6.94, 109.67, -6.83)
    add_notices("kauman", grid_points(1600))
    data = get(client, bbox=",".join(map(str, west_half))).get_json()
    inside = sum(1 for lat, lng in grid_points(1600) if lng <= 109.67)
    assert data["clustered"] is True and data["total"] == inside
    assert all(f["geometry"]["coordinates"][0] <= 109.67 for f in data["features"])


def test_points_on_the_far_edge_are_counted(app, client, notices_on):
    west, south, east, north = CITY
    add_notices("kauman", [(north, east)] * 300 + [(south, west)] * 300)
    data = get(client, bbox=",".join(map(str, CITY))).get_json()
    assert data["total"] == 600 and len(data["features"]) == 2


def test_a_city_of_clusters_stays_small(app, client, notices_on):
    add_notices("kauman", grid_points(5000))
    body = get(client).get_data()
    assert len(body) < 100 * 1024
    assert json.loads(body)["total"] == 5000


def test_the_answer_is_two_statements_whatever_the_size(app, client, notices_on):
    add_notices("kauman", grid_points(50))
    with StatementCounter() as small:
        get(client, bbox="109.62,-6.94,109.72,-6.83")
    add_notices("kauman", grid_points(3000))
    with StatementCounter() as large:
        get(client, bbox="109.620001,-6.94,109.72,-6.83")  # another bbox: not from the cache
    # The grid alone for thousands; the grid, then the points, for a few.
    assert len([s for s in large.statements if "notices_notice" in s]) == 1
    assert len([s for s in small.statements if "notices_notice" in s]) == 2


@pytest.mark.parametrize(
    "bbox",
    [
        "1,2,3",
        "a,b,c,d",
        "nan,-6.9,109.7,-6.8",
        "inf,-6.9,109.7,-6.8",
        "109.7,-6.9,109.6,-6.8",  # inverted
        "200,-6.9,210,-6.8",
        "1e400,-6.9,109.7,-6.8",
    ],
)
def test_a_hostile_bbox_is_a_400_not_a_500(app, client, notices_on, bbox):
    response = get(client, bbox=bbox)
    assert response.status_code == 400
    assert "bbox" in response.get_json()["error"]["message"]


def test_unknown_layers_and_switched_off_plugins_answer_404(app, client, notices_on):
    assert get(client, "/k/kauman/peta/tidak-ada.geojson").status_code == 404
    assert get(client, "/k/medono/peta/notices.geojson").status_code == 404
    # The core's own office layer is a plain URL, not a query the core serves here.
    assert get(client, "/k/kauman/peta/kelurahan-office.geojson").status_code == 404


def test_the_home_map_fetches_each_layer_from_the_core(app, client, notices_on):
    page = client.get("/k/kauman/").get_data(as_text=True)
    assert "/k/kauman/peta/notices.geojson" in page
    assert "/kelurahan.geojson?only=kauman" in page
