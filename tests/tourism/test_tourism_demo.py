"""Demo data of tourism (`flask kp seed --demo`): the city's sourced places published at
their reference coordinates, Kauman's weekly workshop and one event waiting for staff, and
the Kauman batik walking route with its distance on foot."""

from __future__ import annotations

import re

import pytest
from conftest import enable_plugin, kelurahan
from sqlalchemy import select
from tourism_helpers import text

from app import tenancy
from app.extensions import db as _db
from app.kit import load_reference
from plugins.tourism import PLUGIN_ID, kp_plugin_manifest
from plugins.tourism.hooks import kp_demo_data
from plugins.tourism.models import Destination, TourEvent, TourRoute


def seed_tourism_demo(app) -> None:
    """What `flask kp seed --demo` does for this plugin (app/seed.py seed_plugin_demos): its
    `kp_demo_data` hook in each kelurahan where it is on, in that kelurahan's scope. The
    whole demo seeds every plugin and takes over a minute; this is the plugin's part."""
    for slug in ("kauman", *kp_plugin_manifest().demo_kelurahan):
        enable_plugin(app, PLUGIN_ID, slug)
        place = kelurahan(slug)
        with tenancy.scoped_to(place.id):
            kp_demo_data(place)
            _db.session.commit()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # slow: it draws 20 photos
def test_demo_publishes_the_citys_places_a_workshop_and_the_kauman_route(app, client, factory):
    seed_tourism_demo(app)

    reference = {p["name"]: tuple(p["at"]) for p in load_reference()["places"]}
    places = {d.name: d for d in _db.session.execute(select(Destination)).scalars()}
    assert set(places) == set(reference) - {"Kawasan Budaya Jetayu"}
    for name, place in places.items():
        assert (place.lat, place.lng) == reference[name], name
        assert place.status == "published" and len(place.photos) == 2, name

    kauman = factory.kelurahan("kauman").id
    events = list(_db.session.execute(select(TourEvent)).scalars())
    workshop = next(e for e in events if e.title == "Workshop Membatik Tulis untuk Wisatawan")
    assert workshop.kelurahan_id == kauman and workshop.status == "published"
    assert workshop.rrule.startswith("FREQ=WEEKLY;")
    pending = [e for e in events if e.status == "pending"]
    assert [(e.title, e.kelurahan_id) for e in pending] == [("Syawalan Kauman", kauman)]

    route = _db.session.execute(select(TourRoute)).scalar_one()
    assert route.kelurahan_id == kauman
    assert [s.destination.name for s in route.stops] == [
        "Museum Batik",
        "Klenteng Po An Thian",
        "Kampung Batik Kauman",
    ]
    page = text(client.get(f"/k/kauman/wisata/rute/{route.id}"))
    distance = re.search(r"Jarak jalan kaki ±([0-9]+(?:[.,][0-9]+)?) km", page)
    assert distance, "no walking distance on the route page"
    assert 1.0 <= float(distance.group(1).replace(",", ".")) <= 2.5
    # The public sees the workshop in Kauman's calendar, not the event waiting for staff.
    calendar = text(client.get("/k/kauman/wisata/acara/"))
    assert "Workshop Membatik Tulis untuk Wisatawan" in calendar
    assert "Syawalan Kauman" not in calendar
