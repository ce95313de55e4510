"""/api/v1/kelurahan/<slug>/tourism/: published destinations and public events, as the
guide, the calendar and their pages show them; nothing pending, returned or hidden, no
event at an unpublished destination, nothing of another kelurahan; cursor pages with Link
headers and a fixed number of queries per page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import StatementCounter, enable_plugin
from tourism_helpers import (
    ALWAYS,
    MEDONO,
    make_destination,
    make_event,
    pokdarwis,
    tomorrow,
)

from app.extensions import db as _db
from app.models import Media
from plugins.tourism.models import DestinationPhoto

PUBLIC_URL = "https://kelurahan.pekalongankota.go.id"
PROBLEM = "application/problem+json"
API = "/api/v1/kelurahan/kauman/tourism"


@pytest.fixture
def app_overrides():
    return {"KP_PUBLIC_URL": PUBLIC_URL}


@pytest.fixture(autouse=True)
def tourism_on(app):
    enable_plugin(app, "tourism", "kauman")
    enable_plugin(app, "tourism", "medono")


def ok(response) -> dict:
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def is_problem(response, status: int = 404) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == PROBLEM
    return response.get_json(force=True)


def ids(body) -> list[int]:
    return [item["id"] for item in body["items"]]


def add_photo(place, n: int = 0) -> DestinationPhoto:
    kid = place.kelurahan_id
    full = Media(
        relpath=f"tourism/api-{place.id}-{n}.jpg",
        width=1200,
        height=900,
        content_type="image/jpeg",
        size_bytes=1000,
        kelurahan_id=kid,
    )
    thumb = Media(
        relpath=f"tourism/api-kecil-{place.id}-{n}.jpg",
        width=480,
        height=360,
        content_type="image/jpeg",
        size_bytes=500,
        kelurahan_id=kid,
    )
    photo = DestinationPhoto(
        kelurahan_id=kid, destination=place, media=full, thumb=thumb, position=n
    )
    _db.session.add(photo)
    _db.session.commit()
    return photo


def test_openapi_lists_the_tourism_paths(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    for path in (
        "",
        "destinations/",
        "destinations/{destination_id}",
        "events/",
        "events/{event_id}",
    ):
        assert f"/api/v1/kelurahan/{{kelurahan_slug}}/tourism/{path}" in paths


def test_the_advertised_address_links_to_the_lists(client):
    kauman = ok(client.get("/api/v1/kelurahan/kauman"))
    tourism = next(p for p in kauman["plugins"] if p["id"] == "tourism")
    index = ok(client.get(tourism["api"].removeprefix(PUBLIC_URL)))
    assert index == {
        "destinations": f"{PUBLIC_URL}{API}/destinations/",
        "events": f"{PUBLIC_URL}{API}/events/",
    }


def test_destinations_are_the_published_ones(client, factory):
    _, group = pokdarwis(factory)
    shown = make_destination(
        group,
        name="Museum Batik",
        category="museum",
        hours=ALWAYS,
        ticket_price=5_000,
        has_toilet=True,
        address="Jl. Jetayu 1",
    )
    add_photo(shown)
    others = [make_destination(group, status=s) for s in ("pending", "returned", "hidden")]
    _, medono_group = pokdarwis(factory, "medono")
    foreign = make_destination(medono_group, at=MEDONO)

    body = ok(client.get(f"{API}/destinations/"))
    assert ids(body) == [shown.id]
    item = body["items"][0]
    assert item["name"] == "Museum Batik" and item["category"] == "museum"
    assert item["ticket_price"] == 5_000 and item["facilities"] == ["has_toilet"]
    assert item["open_now"] is True and item["hours"][0] == ["00:00", "24:00"]
    assert item["url"] == f"{PUBLIC_URL}/k/kauman/wisata/tempat/{shown.id}"
    assert item["photos"][0]["url"] == f"{PUBLIC_URL}/media/tourism/api-{shown.id}-0.jpg"
    assert item["photos"][0]["thumbnail"].endswith(f"/tourism/api-kecil-{shown.id}-0.jpg")
    # The page shows the same destination.
    assert client.get(f"/k/kauman/wisata/tempat/{shown.id}").status_code == 200

    assert ok(client.get(f"{API}/destinations/{shown.id}"))["address"] == "Jl. Jetayu 1"
    for place in (*others, foreign):
        is_problem(client.get(f"{API}/destinations/{place.id}"))
        assert client.get(f"/k/kauman/wisata/tempat/{place.id}").status_code == 404
    assert ids(ok(client.get(f"{API}/destinations/?category=museum"))) == [shown.id]
    assert ids(ok(client.get(f"{API}/destinations/?category=pantai"))) == []
    is_problem(client.get(f"{API}/destinations/?category=naga"), 422)


def test_events_are_the_upcoming_public_ones(client, factory):
    _, group = pokdarwis(factory)
    place = make_destination(group, name="Kampung Batik")
    unpublished_place = make_destination(group, status="hidden")
    at_place = make_event(group, destination=place, title="Workshop Membatik")
    weekly = make_event(group, until=tomorrow() + timedelta(days=21), title="Pasar Malam")
    past = make_event(group, day=tomorrow() - timedelta(days=10), title="Kirab Lalu")
    pending = make_event(group, status="pending")
    hidden = make_event(group, status="hidden")
    at_hidden_place = make_event(group, destination=unpublished_place)
    _, medono_group = pokdarwis(factory, "medono")
    foreign = make_event(medono_group, at=MEDONO)

    body = ok(client.get(f"{API}/events/"))
    assert ids(body) == [weekly.id, at_place.id]
    by_id = {item["id"]: item for item in body["items"]}
    assert by_id[at_place.id]["place"] == {
        "name": "Kampung Batik",
        "destination_id": place.id,
        "destination_url": f"{PUBLIC_URL}/k/kauman/wisata/tempat/{place.id}",
    }
    assert by_id[weekly.id]["rrule"] and by_id[weekly.id]["next"]["starts_at"]
    assert by_id[weekly.id]["place"]["name"] == "Balai RW 3"
    assert by_id[weekly.id]["url"] == f"{PUBLIC_URL}/k/kauman/wisata/acara/{weekly.id}"

    # A past public event still has its page, so it still has its detail (nothing next).
    detail = ok(client.get(f"{API}/events/{past.id}"))
    assert detail["title"] == "Kirab Lalu" and detail["next"] is None
    for event in (pending, hidden, at_hidden_place, foreign):
        is_problem(client.get(f"{API}/events/{event.id}"))


def test_no_personal_or_staff_data_in_any_answer(client, factory):
    writer, group = pokdarwis(factory, name="Pokdarwis Rahasia")
    place = make_destination(
        group, phone="+6281299990000", status_note="Catatan petugas", address="Jl. Uji"
    )
    event = make_event(group, destination=place)
    answers = "".join(
        client.get(url).get_data(as_text=True)
        for url in (
            f"{API}/destinations/",
            f"{API}/destinations/{place.id}",
            f"{API}/events/",
            f"{API}/events/{event.id}",
        )
    )
    for secret in (
        writer.display_name,
        writer.email,
        "Pokdarwis Rahasia",
        "81299990000",
        "Catatan petugas",
        "reviewed",
    ):
        assert secret not in answers


def test_cursor_pages_follow_the_link_header(client, factory):
    _, group = pokdarwis(factory)
    first, second = make_destination(group), make_destination(group)
    response = client.get(f"{API}/destinations/?limit=1")
    body = ok(response)
    assert ids(body) == [second.id] and body["next_cursor"]
    link = response.headers["Link"]
    assert link.startswith(f"<{PUBLIC_URL}{API}/destinations/?") and 'rel="next"' in link
    following = client.get(link[1 : link.index(">")].removeprefix(PUBLIC_URL))
    assert ids(ok(following)) == [first.id] and "Link" not in following.headers

    early, late = make_event(group), make_event(group)
    response = client.get(f"{API}/events/?limit=1")
    assert ids(ok(response)) == [late.id]
    link = response.headers["Link"]
    assert ids(ok(client.get(link[1 : link.index(">")].removeprefix(PUBLIC_URL)))) == [early.id]


def test_switched_off_answers_404(client, app, factory):
    _, group = pokdarwis(factory)
    place = make_destination(group)
    enable_plugin(app, "tourism", "kauman", False)
    for url in (f"{API}/destinations/", f"{API}/destinations/{place.id}", f"{API}/events/"):
        is_problem(client.get(url))
    assert ok(client.get("/api/v1/kelurahan/medono/tourism/events/"))["items"] == []


def test_query_counts_do_not_grow_with_rows(client, factory):
    _, group = pokdarwis(factory)
    place = make_destination(group)
    add_photo(place)
    make_event(group, destination=place)

    def statements(url) -> int:
        client.get(url)  # one-off work is not counted
        with StatementCounter() as counter:
            assert client.get(url).status_code == 200
        return counter.n

    urls = [f"{API}/destinations/", f"{API}/events/"]
    few = {url: statements(url) for url in urls}
    for _ in range(5):
        more = make_destination(group)
        add_photo(more, 0)
        add_photo(more, 1)
        make_event(group, destination=more, until=tomorrow() + timedelta(days=14))
    assert {url: statements(url) for url in urls} == few
    assert len(ok(client.get(f"{API}/events/"))["items"]) == 6
