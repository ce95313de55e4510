"""What the public never sees: pending, returned and hidden destinations and events stay
off every public page, map, search result, open data file and feed; another kelurahan's
items are a 404 under this kelurahan's addresses, and its writers cannot change ours."""

from __future__ import annotations

import csv
import io

import icalendar
import pytest
from conftest import act_as, enable_plugin
from tourism_helpers import (
    MEDONO,
    destination_data,
    make_destination,
    make_event,
    pokdarwis,
    post,
    text,
)

from app.extensions import db as _db

BASE = "/k/kauman/wisata"


@pytest.fixture(autouse=True)
def tourism_on(app):
    enable_plugin(app, "tourism", "kauman")
    enable_plugin(app, "tourism", "medono")


def destination_places(client) -> dict[str, str]:
    """The text of every public place a destination could show up in."""
    rows = csv.DictReader(
        io.StringIO(text(client.get("/k/kauman/data-terbuka/wisata-destinasi.csv")))
    )
    return {
        "kelurahan guide": text(client.get(f"{BASE}/")),
        "city guide": text(client.get("/wisata/")),
        "city guide, open now": text(client.get("/wisata/?buka=1")),
        "core map layer": text(client.get("/k/kauman/peta/tourism-destinations.geojson")),
        "plugin map layer": text(client.get(f"{BASE}/tempat.geojson")),
        "city map": text(client.get("/wisata/tempat.geojson")),
        "search": text(client.get("/k/kauman/cari?q=Kebun")),
        "open data csv": " ".join(row["nama"] for row in rows),
        "open data geojson": text(client.get("/k/kauman/data-terbuka/wisata-destinasi.geojson")),
    }


def feed_titles(client, url: str) -> str:
    calendar = icalendar.Calendar.from_ical(client.get(url).get_data())
    return " ".join(str(e["SUMMARY"]) for e in calendar.walk("VEVENT"))


def event_places(client) -> dict[str, str]:
    return {
        "calendar": text(client.get(f"{BASE}/acara/")),
        "city calendar": text(client.get("/wisata/acara/")),
        "kelurahan guide": text(client.get(f"{BASE}/")),
        "home widget": text(client.get("/k/kauman/")),
        "map layer": text(client.get("/k/kauman/peta/tourism-events.geojson")),
        "kelurahan feed": feed_titles(client, f"{BASE}/acara.ics"),
        "city feed": feed_titles(client, "/wisata/acara.ics"),
        "open data feed": feed_titles(client, "/k/kauman/data-terbuka/wisata-acara.ics"),
        "search": text(client.get("/k/kauman/cari?q=Festival")),
    }


STATUSES = ("pending", "returned", "hidden")


def test_unpublished_items_stay_out_of_every_public_place(app, client, factory):
    _member, group = pokdarwis(factory)
    always = [["00:00", "24:00"]] * 7
    shown = make_destination(group, name="Kebun Terbuka", hours=always)
    make_event(group, title="Festival Terbuka", destination=shown)
    unseen = {}
    for status in STATUSES:
        place = make_destination(
            group, name=f"Kebun Tertutup {status}", status=status, hours=always
        )
        # An event of its own status, at the unpublished place.
        event = make_event(
            group, title=f"Festival Tertutup {status}", status=status, destination=place
        )
        unseen[status] = (place, event)

    for place, event in unseen.values():
        assert client.get(f"{BASE}/tempat/{place.id}").status_code == 404
        assert client.get(f"{BASE}/acara/{event.id}").status_code == 404
    for where, body in destination_places(client).items():
        assert "Kebun Terbuka" in body, where
        assert "Kebun Tertutup" not in body, where
    for where, body in event_places(client).items():
        assert "Festival Terbuka" in body, where
        assert "Festival Tertutup" not in body, where


def test_a_hidden_destination_leaves_the_city_guide_at_once(client, factory):
    """Staff hide a published destination: the next visitor of the city guide (served
    before from the cache) no longer finds it."""
    _member, group = pokdarwis(factory)
    place = make_destination(group, name="Kebun Terbuka")
    staff_user = factory.user("petugas", "kauman", verified=True)
    visitor = client.application.test_client()
    assert "Kebun Terbuka" in text(visitor.get("/wisata/"))
    assert "Kebun Terbuka" in text(visitor.get(f"{BASE}/"))
    act_as(client, staff_user)
    hidden = post(client, f"{BASE}/tinjau/tempat/{place.id}", aksi="hide", note="Foto tidak pantas")
    assert hidden.status_code == 302
    assert "Kebun Terbuka" not in text(visitor.get("/wisata/"))
    assert "Kebun Terbuka" not in text(visitor.get(f"{BASE}/"))
    assert visitor.get(f"{BASE}/tempat/{place.id}").status_code == 404


def test_another_kelurahans_items_are_404_here(client, factory):
    _kauman_member, kauman_group = pokdarwis(factory, "kauman")
    medono_member, medono_group = pokdarwis(factory, "medono")
    ours = make_destination(kauman_group, name="Kebun Kauman")
    theirs = make_destination(medono_group, name="Kebun Medono", at=MEDONO)
    their_event = make_event(medono_group, title="Festival Medono", destination=theirs)

    assert client.get(f"/k/medono/wisata/tempat/{theirs.id}").status_code == 200
    assert client.get(f"{BASE}/tempat/{theirs.id}").status_code == 404
    assert client.get(f"{BASE}/acara/{their_event.id}").status_code == 404
    assert "Kebun Medono" not in text(client.get(f"{BASE}/"))
    assert "Kebun Medono" not in text(client.get("/k/kauman/peta/tourism-destinations.geojson"))

    # Medono's writer cannot edit Kauman's destination, nor reach their own under Kauman.
    act_as(client, medono_member)
    assert client.get(f"{BASE}/tempat/{ours.id}/ubah").status_code == 404
    response = post(client, f"{BASE}/tempat/{ours.id}/ubah", **destination_data(name="Diambil"))
    assert response.status_code == 404
    assert client.get(f"{BASE}/tempat/{theirs.id}/ubah").status_code == 404
    assert client.get(f"/k/medono/wisata/tempat/{theirs.id}/ubah").status_code == 200
    assert client.get(f"{BASE}/tempat/baru").status_code == 404  # no Pokdarwis group here
    _db.session.refresh(ours)
    assert ours.name == "Kebun Kauman"


def test_a_published_event_leaves_with_its_hidden_destination(client, factory):
    """Staff hide a destination: its published events go with it (their page would send
    visitors to a place that answers 404), and come back when it is published again."""
    member, group = pokdarwis(factory)
    place = make_destination(group, name="Kebun Terbuka")
    event = make_event(group, title="Festival Terbuka", destination=place)
    place.status = "hidden"
    _db.session.commit()
    assert client.get(f"{BASE}/acara/{event.id}").status_code == 404
    for where, body in event_places(client).items():
        assert "Festival Terbuka" not in body, where
    act_as(client, member)  # its writers still reach it, and read why it is not shown
    page = text(client.get(f"{BASE}/acara/{event.id}"))
    assert "Belum tampil untuk umum" in page and "Kebun Terbuka" in page

    place.status = "published"
    _db.session.commit()
    visitor = client.application.test_client()
    assert visitor.get(f"{BASE}/acara/{event.id}").status_code == 200
    assert "Festival Terbuka" in feed_titles(visitor, "/wisata/acara.ics")
