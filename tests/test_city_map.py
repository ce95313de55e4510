"""One map for the city (`/peta`): every public layer of every plugin, for the whole city or
one kelurahan, each layer a switch; city-wide, `/peta/<layer>.geojson` puts each
kelurahan's capped and clustered answer side by side, only where the plugin is on."""

from __future__ import annotations

import json

from conftest import enable_plugin

from app.extensions import db as _db


def text(response) -> str:
    return response.get_data(as_text=True)


def layers_of(page: str) -> list[dict]:
    start = page.index('data-layers="') + len('data-layers="')
    raw = page[start : page.index('"', start)]
    return json.loads(raw.replace("&#34;", '"').replace("&quot;", '"').replace("&amp;", "&"))


def test_the_city_map_merges_each_layer_over_the_kelurahan_where_it_is_on(app, client):
    from tests.facilities.facilities_helpers import make_facility

    enable_plugin(app, "facilities", "kauman")
    enable_plugin(app, "facilities", "medono")
    make_facility("kauman", name="Balai Kauman")
    make_facility("medono", name="Balai Medono")
    make_facility("krapyak", name="Balai Krapyak")  # the plugin is off in Krapyak

    layers = {layer["id"]: layer for layer in layers_of(text(client.get("/peta")))}
    assert layers["facilities-places"]["url"] == "/peta/facilities-places.geojson"
    answer = client.get("/peta/facilities-places.geojson").get_json()
    names = sorted(f["properties"]["name"] for f in answer["features"])
    assert names == ["Balai Kauman", "Balai Medono"] and answer["total"] == 2
    assert client.get("/peta/tidak-ada.geojson").status_code == 404
    assert client.get("/peta/facilities-places.geojson?bbox=x").status_code == 400

    one = layers_of(text(client.get("/peta?kelurahan=medono")))
    url = next(layer["url"] for layer in one if layer["id"] == "facilities-places")
    assert url.startswith("/k/medono/peta/facilities-places.geojson")
    assert client.get("/peta?kelurahan=%3Cscript%3E").status_code == 200


def test_a_kelurahan_with_many_points_is_clustered_in_the_city_answer(app, client):
    from app.maplayers import MAP_LIMIT
    from plugins.facilities.models import Facility
    from tests.facilities.facilities_helpers import kelurahan_row

    enable_plugin(app, "facilities", "kauman")
    k = kelurahan_row("kauman")
    _db.session.add_all(
        Facility(
            kelurahan_id=k.id,
            name=f"Lampu {i}",
            kind="lampu_jalan",
            lat=k.lat + (i % 40) * 0.0002,
            lng=k.lng + (i // 40) * 0.0002,
        )
        for i in range(MAP_LIMIT + 20)
    )
    _db.session.commit()
    answer = client.get("/peta/facilities-places.geojson").get_json()
    assert answer["clustered"] and answer["total"] == MAP_LIMIT + 20
    assert len(answer["features"]) < MAP_LIMIT
