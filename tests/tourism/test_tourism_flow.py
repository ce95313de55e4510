"""The issue's flow over HTTP: a Pokdarwis member adds a destination with hours, ticket,
facilities and a photo; it waits for staff, unseen by the public; staff publish it and it
shows everywhere. Then a weekly event at it goes the same way into the calendar and feeds."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import icalendar
import pytest
from conftest import act_as, count, enable_plugin, notes_for
from sqlalchemy import select
from tourism_helpers import (
    BROWSER,
    destination_data,
    event_data,
    pokdarwis,
    post,
    staff,
    text,
    tomorrow,
    upload,
)

from app.extensions import db as _db
from plugins.tourism.hours import weekday_names
from plugins.tourism.models import Destination, TourEvent

BASE = "/k/kauman/wisata"


@pytest.fixture(autouse=True)
def tourism_on(app):
    enable_plugin(app, "tourism", "kauman")
    enable_plugin(app, "tourism", "medono")


def task_count(client) -> dict[str, str]:
    page = text(client.get("/k/kauman/tugas/"))
    found = {}
    for task_id in ("tourism-destinations-pending", "tourism-events-pending"):
        item = re.search(rf'<li id="task-{task_id}">(.*?)</li>', page, re.S).group(1)
        found[task_id] = re.search(r'<span class="count[^"]*">([^<]*)</span>', item).group(1)
    return found


def public_places(client, name: str) -> dict[str, bool]:
    """Where a visitor finds the destination called `name`."""
    csv_rows = list(
        csv.DictReader(io.StringIO(text(client.get("/k/kauman/data-terbuka/wisata-destinasi.csv"))))
    )
    return {
        "city guide": name in text(client.get("/wisata/")),
        "kelurahan guide": name in text(client.get(f"{BASE}/")),
        "map layer": name in text(client.get("/k/kauman/peta/tourism-destinations.geojson")),
        "city map": name in text(client.get("/wisata/tempat.geojson")),
        "search": name in text(client.get("/k/kauman/cari?q=Museum")),
        "open data csv": any(row["nama"] == name for row in csv_rows),
        "open data geojson": name
        in text(client.get("/k/kauman/data-terbuka/wisata-destinasi.geojson")),
    }


def feed_titles(client, url: str) -> set[str]:
    calendar = icalendar.Calendar.from_ical(client.get(url).get_data())
    return {str(e["SUMMARY"]) for e in calendar.walk("VEVENT")}


def event_places(client, title: str, month: str) -> dict[str, bool]:
    return {
        "calendar list": title in text(client.get(f"{BASE}/acara/")),
        "month grid": title in text(client.get(f"{BASE}/acara/?tampilan=bulan&bulan={month}")),
        "city calendar": title in text(client.get("/wisata/acara/")),
        "kelurahan feed": title in feed_titles(client, f"{BASE}/acara.ics"),
        "city feed": title in feed_titles(client, "/wisata/acara.ics"),
        "open data feed": title in feed_titles(client, "/k/kauman/data-terbuka/wisata-acara.ics"),
        "map layer": title in text(client.get("/k/kauman/peta/tourism-events.geojson")),
        "home widget": title in text(client.get("/k/kauman/")),
    }


def test_a_member_adds_a_destination_and_an_event_that_staff_publish(app, client, factory):
    member, group = pokdarwis(factory, name="Pokdarwis Jetayu")
    reviewer = staff(factory)
    neighbour = factory.user("warga", "kauman")
    visitor = app.test_client()

    # -- the destination, written by the member -------------------------------------------
    act_as(client, member)
    assert client.get(f"{BASE}/tempat/baru").status_code == 200
    response = post(
        client,
        f"{BASE}/tempat/baru",
        photos=[upload("museum.jpg")],
        **destination_data(group, closed_on_holidays="y"),
    )
    assert response.status_code == 302, text(response)
    place = _db.session.execute(select(Destination)).scalar_one()
    assert response.headers["Location"].endswith(f"{BASE}/tempat/{place.id}")
    assert place.status == "pending" and place.group_id == group.id
    assert place.hours[0] is None and place.hours[1] == ["08:00", "16:00"]
    assert place.ticket_price == 5000 and place.closed_on_holidays
    assert place.has_parking and place.has_toilet and not place.has_prayer_room
    assert len(place.photos) == 1
    photo_url = f"/media/{place.photos[0].media.relpath}"
    page_url = f"{BASE}/tempat/{place.id}"

    mine = text(client.get(page_url))
    assert "Belum tampil untuk umum" in mine and "Menunggu tinjauan" in mine
    assert "Rp 5.000" in mine and "Parkir" in mine and "Toilet" in mine
    assert "08.00–16.00" in mine
    assert client.get(photo_url).status_code == 200  # its writers see their photo

    assert visitor.get(page_url).status_code == 404
    assert visitor.get(photo_url).status_code == 404
    act_as(visitor, neighbour)
    assert visitor.get(page_url).status_code == 404
    assert visitor.get(photo_url).status_code == 404
    with visitor.session_transaction() as session:
        session.clear()
    assert not any(public_places(visitor, "Museum Batik Uji").values())

    assert notes_for(reviewer) == ["Destinasi “Museum Batik Uji” menunggu tinjauan."]
    act_as(client, reviewer)
    assert "Museum Batik Uji" in text(client.get(f"{BASE}/tinjau"))
    assert task_count(client)["tourism-destinations-pending"] == "1"

    # -- staff publish it ------------------------------------------------------------------
    response = post(client, f"{BASE}/tinjau/tempat/{place.id}", aksi="publish", note="")
    assert response.status_code == 302
    assert notes_for(member) == ["Destinasi “Museum Batik Uji” diterbitkan petugas kelurahan."]
    assert task_count(client)["tourism-destinations-pending"] == "0"
    public = visitor.get(page_url, headers={"User-Agent": BROWSER})
    assert public.status_code == 200
    assert "Belum tampil untuk umum" not in text(public)
    assert visitor.get(photo_url).status_code == 200
    where = public_places(visitor, "Museum Batik Uji")
    assert where == dict.fromkeys(where, True)

    # -- a weekly event at it --------------------------------------------------------------
    first = tomorrow()
    until = first + timedelta(days=60)
    act_as(client, member)
    response = post(
        client,
        f"{BASE}/acara/baru",
        **event_data(
            group,
            title="Workshop Membatik Mingguan",
            repeat="weekly",
            repeat_until=until.isoformat(),
            destination=str(place.id),
            place_name="",
            lat="",
            lng="",
        ),
    )
    assert response.status_code == 302, text(response)
    event = _db.session.execute(select(TourEvent)).scalar_one()
    assert event.status == "pending" and event.destination_id == place.id
    assert event.rrule.startswith("FREQ=WEEKLY;UNTIL=")
    assert (event.lat, event.lng) == (place.lat, place.lng)
    assert "Belum tampil untuk umum" in text(client.get(f"{BASE}/acara/{event.id}"))
    assert visitor.get(f"{BASE}/acara/{event.id}").status_code == 404
    month = first.strftime("%Y-%m")
    assert not any(event_places(visitor, "Workshop Membatik Mingguan", month).values())
    assert notes_for(reviewer)[-1] == "Acara “Workshop Membatik Mingguan” menunggu tinjauan."

    act_as(client, reviewer)
    assert task_count(client)["tourism-events-pending"] == "1"
    response = post(client, f"{BASE}/tinjau/acara/{event.id}", aksi="publish", note="")
    assert response.status_code == 302
    assert visitor.get(f"{BASE}/acara/{event.id}").status_code == 200
    where = event_places(visitor, "Workshop Membatik Mingguan", month)
    assert where == dict.fromkeys(where, True)
    # The destination's page lists the event with its repeat in words.
    listed = text(visitor.get(page_url))
    day_name = weekday_names("id")[first.weekday()]
    assert "Workshop Membatik Mingguan" in listed and f"Setiap {day_name}, sampai" in listed
    assert count(TourEvent) == 1
