"""/api/v1/kelurahan/<slug>/facilities/: the facilities the directory shows (in use), a
bookable one with the busy times its page shows and never who booked; nothing of another
kelurahan; cursor pages with Link headers and a fixed number of queries per page."""

from __future__ import annotations

import pytest
from conftest import StatementCounter, enable_plugin
from facilities_helpers import at, make_facility, wib_day

from app.extensions import db as _db
from app.models import Media
from app.tenancy import scoped_to
from plugins.facilities.models import Booking, BookingSlot, FacilityPhoto

PUBLIC_URL = "https://kelurahan.pekalongankota.go.id"
PROBLEM = "application/problem+json"
API = "/api/v1/kelurahan/kauman/facilities"


@pytest.fixture
def app_overrides():
    return {"KP_PUBLIC_URL": PUBLIC_URL}


@pytest.fixture(autouse=True)
def facilities_on(app):
    enable_plugin(app, "facilities", "kauman")
    enable_plugin(app, "facilities", "medono")


def ok(response) -> dict:
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def is_problem(response, status: int = 404) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == PROBLEM
    return response.get_json(force=True)


def ids(body) -> list[int]:
    return [item["id"] for item in body["items"]]


def add_photo(place, n: int = 0) -> FacilityPhoto:
    kid = place.kelurahan_id
    with scoped_to(kid):
        full = Media(
            relpath=f"facilities/api-{place.id}-{n}.jpg",
            width=1200,
            height=900,
            content_type="image/jpeg",
            size_bytes=1000,
            kelurahan_id=kid,
        )
        thumb = Media(
            relpath=f"facilities/api-kecil-{place.id}-{n}.jpg",
            width=480,
            height=360,
            content_type="image/jpeg",
            size_bytes=500,
            kelurahan_id=kid,
        )
        photo = FacilityPhoto(
            kelurahan_id=kid, facility_id=place.id, media=full, thumb=thumb, position=n
        )
        _db.session.add(photo)
        _db.session.commit()
    return photo


def book(facility, requester, day, start, end, *, approved=True, purpose="Arisan Bu Tini"):
    with scoped_to(facility.kelurahan_id):
        booking = Booking(
            facility_id=facility.id,
            requester_id=requester.id,
            purpose=purpose,
            status="disetujui" if approved else "menunggu",
        )
        booking.slots.append(
            BookingSlot(
                facility_id=facility.id,
                starts_at=at(day, start),
                ends_at=at(day, end),
                active=approved,
            )
        )
        _db.session.add(booking)
        _db.session.commit()
    return booking


def test_openapi_lists_the_facilities_paths(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    assert "/api/v1/kelurahan/{kelurahan_slug}/facilities/" in paths
    assert "/api/v1/kelurahan/{kelurahan_slug}/facilities/{facility_id}" in paths


def test_list_and_detail_show_facilities_in_use(client, factory):
    balai = make_facility(name="Balai RW 03", rw="003", fee_rupiah=50_000, address="Jl. Kauman")
    add_photo(balai)
    toilet = make_facility(name="Toilet Umum Pasar", kind="toilet_umum", bookable=False)
    gone = make_facility(name="Gedung Lama", active=False)
    foreign = make_facility("medono", name="Balai Medono")

    body = ok(client.get(f"{API}/"))
    assert ids(body) == [toilet.id, balai.id]
    item = body["items"][1]
    assert item["name"] == "Balai RW 03" and item["rw"] == "003" and item["bookable"]
    assert item["fee_rupiah"] == 50_000 and item["capacity"] == 80
    assert item["url"] == f"{PUBLIC_URL}/k/kauman/fasilitas/{balai.id}"
    assert item["photos"][0]["url"] == f"{PUBLIC_URL}/media/facilities/api-{balai.id}-0.jpg"
    assert item["photos"][0]["thumbnail"].endswith(f"/facilities/api-kecil-{balai.id}-0.jpg")
    assert body["items"][0]["fee_rupiah"] is None  # not bookable: no booking terms
    assert ids(ok(client.get(f"{API}/?kind=toilet_umum"))) == [toilet.id]
    is_problem(client.get(f"{API}/?kind=kolam_naga"), 422)

    detail = ok(client.get(f"{API}/{balai.id}"))
    assert detail["address"] == "Jl. Kauman" and detail["busy"] == []
    assert detail["calendar_url"] == f"{PUBLIC_URL}/k/kauman/fasilitas/{balai.id}/kalender.ics"
    assert ok(client.get(f"{API}/{toilet.id}"))["calendar_url"] is None
    for place in (gone, foreign):
        is_problem(client.get(f"{API}/{place.id}"))
    assert client.get(f"/k/kauman/fasilitas/{gone.id}").status_code == 404


def test_busy_times_without_who_booked(client, factory):
    balai = make_facility(manager_name="Pak RW Sutrisno", manager_phone="+6281277778888")
    requester = factory.user("warga", "kauman", name="Bu Tini Pemesan", verified=True)
    day = wib_day(2)
    book(balai, requester, day, 9, 11)
    book(balai, requester, day, 13, 15, approved=False, purpose="Rapat rahasia")
    book(balai, requester, wib_day(30), 9, 11)  # beyond the page's 14 days

    detail = ok(client.get(f"{API}/{balai.id}"))
    assert detail["busy"] == [
        {"starts_at": at(day, 9).isoformat(), "ends_at": at(day, 11).isoformat()}
    ]
    page = client.get(f"/k/kauman/fasilitas/{balai.id}").get_data(as_text=True)
    assert "Terpakai 14 hari ke depan" in page

    answers = "".join(
        client.get(url).get_data(as_text=True) for url in (f"{API}/", f"{API}/{balai.id}")
    )
    for secret in (
        "Bu Tini",
        requester.email,
        "Arisan",
        "Rapat rahasia",
        "Pak RW Sutrisno",
        "81277778888",
        "requester",
        "manager",
    ):
        assert secret not in answers


def test_cursor_pages_follow_the_link_header(client):
    first, second = make_facility(name="Balai A"), make_facility(name="Balai B")
    response = client.get(f"{API}/?limit=1")
    body = ok(response)
    assert ids(body) == [second.id] and body["next_cursor"]
    link = response.headers["Link"]
    assert link.startswith(f"<{PUBLIC_URL}{API}/?") and 'rel="next"' in link
    following = client.get(link[1 : link.index(">")].removeprefix(PUBLIC_URL))
    assert ids(ok(following)) == [first.id] and "Link" not in following.headers


def test_switched_off_answers_404(client, app):
    balai = make_facility()
    enable_plugin(app, "facilities", "kauman", False)
    is_problem(client.get(f"{API}/"))
    is_problem(client.get(f"{API}/{balai.id}"))
    assert ok(client.get("/api/v1/kelurahan/medono/facilities/"))["items"] == []


def test_query_counts_do_not_grow_with_rows(client):
    add_photo(make_facility(name="Balai 0"))

    def statements(url) -> int:
        client.get(url)  # one-off work is not counted
        with StatementCounter() as counter:
            assert client.get(url).status_code == 200
        return counter.n

    few = statements(f"{API}/")
    for n in range(1, 7):
        place = make_facility(name=f"Balai {n}")
        add_photo(place, 0)
        add_photo(place, 1)
    assert statements(f"{API}/") == few
    assert len(ok(client.get(f"{API}/"))["items"]) == 7
