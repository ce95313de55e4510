"""Who may write and who may publish: only members of a verified Pokdarwis group (and
staff) reach the writers' pages; members edit their own group's items only and never
publish; a return needs a note; a returned item fixed by its writers waits again."""

from __future__ import annotations

import pytest
from conftest import act_as, count, enable_plugin, notes_for
from sqlalchemy import select
from tourism_helpers import (
    destination_data,
    event_data,
    make_destination,
    make_event,
    pokdarwis,
    post,
    staff,
    text,
)

from app.extensions import db as _db
from plugins.tourism.models import Destination, TourEvent

BASE = "/k/kauman/wisata"
WRITERS_PAGES = ("/tempat/baru", "/acara/baru", "/kelola")


@pytest.fixture(autouse=True)
def tourism_on(app):
    enable_plugin(app, "tourism", "kauman")


def _outsider(case, factory):
    if case == "resident":
        return factory.user("warga", "kauman")
    if case == "unverified pokdarwis":
        return pokdarwis(factory, verified=False)[0]
    if case == "verified group of another kind":
        user = factory.user("warga", "kauman")
        factory.group("kauman", leader=user, kind="umkm")
        return user
    raise AssertionError(case)


def test_only_verified_pokdarwis_members_reach_the_writers_pages(client, factory):
    for case in ("resident", "unverified pokdarwis", "verified group of another kind"):
        act_as(client, _outsider(case, factory))
        for page in WRITERS_PAGES:
            assert client.get(f"{BASE}{page}").status_code == 404, (case, page)
        refused = post(client, f"{BASE}/tempat/baru", **destination_data())
        assert refused.status_code == 404, case
        assert "Kelola destinasi dan acara" not in text(client.get(f"{BASE}/")), case
    assert count(Destination) == 0


def test_a_member_reaches_the_writers_pages(client, factory):
    member, _group = pokdarwis(factory)
    act_as(client, member)
    for page in WRITERS_PAGES:
        assert client.get(f"{BASE}{page}").status_code == 200, page
    assert "Kelola destinasi dan acara" in text(client.get(f"{BASE}/"))


def test_a_member_edits_their_groups_items_but_not_another_groups(client, factory):
    member, group = pokdarwis(factory)
    _other_member, other_group = pokdarwis(factory)
    mine = make_destination(group, name="Kebun Kami")
    theirs = make_destination(other_group, name="Kebun Mereka", status="pending")
    their_event = make_event(other_group, title="Festival Mereka")
    act_as(client, member)

    edited = post(client, f"{BASE}/tempat/{mine.id}/ubah", **destination_data(name="Kebun Baru"))
    assert edited.status_code == 302
    _db.session.refresh(mine)
    assert mine.name == "Kebun Baru" and mine.status == "published"

    assert client.get(f"{BASE}/tempat/{theirs.id}").status_code == 404
    assert client.get(f"{BASE}/tempat/{theirs.id}/ubah").status_code == 404
    refused = post(client, f"{BASE}/tempat/{theirs.id}/ubah", **destination_data(name="Diambil"))
    assert refused.status_code == 404
    assert client.get(f"{BASE}/acara/{their_event.id}/ubah").status_code == 404
    refused = post(client, f"{BASE}/acara/{their_event.id}/ubah", **event_data(title="Diambil"))
    assert refused.status_code == 404
    _db.session.refresh(theirs)
    _db.session.refresh(their_event)
    assert (theirs.name, their_event.title) == ("Kebun Mereka", "Festival Mereka")


def test_a_member_cannot_publish(client, factory):
    member, group = pokdarwis(factory)
    place = make_destination(group, status="pending")
    event = make_event(group, status="pending")
    act_as(client, member)
    assert client.get(f"{BASE}/tinjau").status_code in (403, 404)
    for url in (f"{BASE}/tinjau/tempat/{place.id}", f"{BASE}/tinjau/acara/{event.id}"):
        response = post(client, url, aksi="publish", note="")
        assert response.status_code in (302, 403, 404)
        assert "/tinjau" not in response.headers.get("Location", "")
    _db.session.refresh(place)
    _db.session.refresh(event)
    assert (place.status, event.status) == ("pending", "pending")
    visitor = client.application.test_client()
    assert visitor.get(f"{BASE}/tempat/{place.id}").status_code == 404


def test_returning_needs_a_note_then_the_fixed_item_waits_again(client, factory):
    member, group = pokdarwis(factory)
    reviewer = staff(factory)
    place = make_destination(group, name="Kebun Kami", status="pending")
    act_as(client, reviewer)

    refused = post(client, f"{BASE}/tinjau/tempat/{place.id}", aksi="return", note="  ")
    assert refused.status_code == 422
    assert "Tulis catatan untuk penulis" in text(refused)
    _db.session.refresh(place)
    assert place.status == "pending" and place.status_note is None
    assert notes_for(member) == []

    returned = post(
        client, f"{BASE}/tinjau/tempat/{place.id}", aksi="return", note="Tambahkan foto gapura."
    )
    assert returned.status_code == 302
    assert notes_for(member) == ["Destinasi “Kebun Kami” perlu perbaikan: Tambahkan foto gapura."]
    assert "Destinasi menunggu tinjauan (0)" in text(client.get(f"{BASE}/tinjau"))

    act_as(client, member)
    page = text(client.get(f"{BASE}/tempat/{place.id}"))
    assert "Perlu perbaikan" in page and "Tambahkan foto gapura." in page
    fixed = post(client, f"{BASE}/tempat/{place.id}/ubah", **destination_data(name="Kebun Kami"))
    assert fixed.status_code == 302
    _db.session.refresh(place)
    assert place.status == "pending" and place.status_note is None
    assert notes_for(reviewer)[-1] == "Destinasi “Kebun Kami” menunggu tinjauan."
    act_as(client, reviewer)
    queue = text(client.get(f"{BASE}/tinjau"))
    assert "Destinasi menunggu tinjauan (1)" in queue and "Kebun Kami" in queue


def test_a_member_places_an_event_at_their_own_pending_destination(client, factory):
    """Both can be written before staff review: the event waits for its place, and shows
    once staff have published both. Another group's pending destination is not offered."""
    member, group = pokdarwis(factory)
    _other, other_group = pokdarwis(factory)
    ours = make_destination(group, name="Galeri Kami", status="pending")
    theirs = make_destination(other_group, name="Galeri Mereka", status="pending")
    act_as(client, member)
    form = text(client.get(f"{BASE}/acara/baru?tempat={ours.id}"))
    assert f'<option selected value="{ours.id}">' in form or f'value="{ours.id}" selected' in form
    assert "Galeri Mereka" not in form
    refused = post(client, f"{BASE}/acara/baru", **event_data(group, destination=str(theirs.id)))
    assert refused.status_code == 422
    saved = post(client, f"{BASE}/acara/baru", **event_data(group, destination=str(ours.id)))
    assert saved.status_code == 302
    event = _db.session.execute(select(TourEvent)).scalar_one()
    assert event.destination_id == ours.id

    event.status = "published"
    _db.session.commit()
    visitor = client.application.test_client()
    assert visitor.get(f"{BASE}/acara/{event.id}").status_code == 404  # its place waits
    ours.status = "published"
    _db.session.commit()
    assert visitor.get(f"{BASE}/acara/{event.id}").status_code == 200
