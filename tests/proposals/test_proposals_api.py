"""/api/v1/kelurahan/<slug>/proposals/: the proposals the public pages show (all but
withdrawn ones), without the resident who submitted them, supporters or comments; nothing
of another kelurahan; cursor pages with Link headers and a fixed number of queries."""

from __future__ import annotations

import pytest
from conftest import StatementCounter, enable_plugin
from proposals_helpers import make_cycle, make_proposal

from app.extensions import db as _db
from app.models import Media
from plugins.proposals.models import Comment, ProposalPhoto, Status, Support

PUBLIC_URL = "https://kelurahan.pekalongankota.go.id"
PROBLEM = "application/problem+json"
API = "/api/v1/kelurahan/kauman/proposals"


@pytest.fixture
def app_overrides():
    return {"KP_PUBLIC_URL": PUBLIC_URL}


@pytest.fixture(autouse=True)
def proposals_on(app):
    enable_plugin(app, "proposals", "kauman")
    enable_plugin(app, "proposals", "medono")


def ok(response) -> dict:
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def is_problem(response, status: int = 404) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == PROBLEM
    return response.get_json(force=True)


def ids(body) -> list[int]:
    return [item["id"] for item in body["items"]]


def add_photo(proposal, n: int = 0) -> ProposalPhoto:
    kid = proposal.kelurahan_id
    full = Media(
        relpath=f"proposals/api-{proposal.id}-{n}.jpg",
        width=1200,
        height=900,
        content_type="image/jpeg",
        size_bytes=1000,
        kelurahan_id=kid,
    )
    thumb = Media(
        relpath=f"proposals/api-kecil-{proposal.id}-{n}.jpg",
        width=480,
        height=360,
        content_type="image/jpeg",
        size_bytes=500,
        kelurahan_id=kid,
    )
    photo = ProposalPhoto(kelurahan_id=kid, proposal=proposal, media=full, thumb=thumb, position=n)
    _db.session.add(photo)
    _db.session.commit()
    return photo


def test_openapi_lists_the_proposals_paths(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    assert "/api/v1/kelurahan/{kelurahan_slug}/proposals/" in paths
    assert "/api/v1/kelurahan/{kelurahan_slug}/proposals/{proposal_id}" in paths


def test_list_and_detail_show_public_proposals_only(client, factory):
    cycle = make_cycle(threshold=1)
    author = factory.user("warga", "kauman", verified=True)
    shown = make_proposal(cycle, author, title="Saluran Gang Kauman", support_count=2)
    add_photo(shown)
    rejected = make_proposal(
        cycle, author, status=Status.REJECTED, status_reason="Di luar kewenangan kelurahan"
    )
    withdrawn = make_proposal(cycle, author, status=Status.WITHDRAWN)
    foreign = make_proposal(make_cycle("medono"), factory.user("warga", "medono"))

    body = ok(client.get(f"{API}/"))
    assert ids(body) == [rejected.id, shown.id]
    item = body["items"][1]
    assert item["title"] == "Saluran Gang Kauman" and item["estimated_cost"] == 25_000_000
    assert item["on_agenda"] is True and item["support_count"] == 2
    assert item["cycle"]["id"] == cycle.id
    assert item["cycle"]["url"] == f"{PUBLIC_URL}/k/kauman/usulan/siklus/{cycle.id}"
    assert item["url"] == f"{PUBLIC_URL}/k/kauman/usulan/{shown.id}"
    assert item["photos"][0]["url"] == f"{PUBLIC_URL}/media/proposals/api-{shown.id}-0.jpg"
    assert item["group_name"] is None
    # The reason the page shows for a rejected proposal is public here too.
    assert body["items"][0]["status_reason"] == "Di luar kewenangan kelurahan"
    assert client.get(f"/k/kauman/usulan/{shown.id}").status_code == 200

    assert ok(client.get(f"{API}/{shown.id}"))["problem"].startswith("Saluran air")
    is_problem(client.get(f"{API}/{withdrawn.id}"))
    is_problem(client.get(f"{API}/{foreign.id}"))
    is_problem(client.get(f"{API}/999999"))


def test_filters(client, factory):
    first, second = make_cycle(), make_cycle()
    author = factory.user("warga", "kauman", verified=True)
    drain = make_proposal(first, author, category="infrastruktur", rw="005")
    clinic = make_proposal(second, author, category="kesehatan", rw="002")
    accepted = make_proposal(second, author, status=Status.ACCEPTED, rw="002")
    assert ids(ok(client.get(f"{API}/?cycle_id={first.id}"))) == [drain.id]
    assert ids(ok(client.get(f"{API}/?category=kesehatan"))) == [clinic.id]
    assert ids(ok(client.get(f"{API}/?status=diterima"))) == [accepted.id]
    assert ids(ok(client.get(f"{API}/?rw=2"))) == [accepted.id, clinic.id]
    for bad in ("status=ditarik", "category=naga", "rw=abcd", "cycle_id=-1"):
        is_problem(client.get(f"{API}/?{bad}"), 422)


def test_no_personal_data_in_any_answer(client, factory):
    author = factory.user("warga", "kauman", name="Pak Darmo Pengusul", verified=True)
    supporter = factory.user("warga", "kauman", name="Bu Ani Pendukung", verified=True)
    cycle = make_cycle()
    mine = make_proposal(cycle, author)
    group = factory.group("kauman", leader=author, name="Karang Taruna RW 5", kind="lainnya")
    for_group = make_proposal(cycle, author, group_id=group.id)
    _db.session.add(
        Support(kelurahan_id=cycle.kelurahan_id, proposal_id=mine.id, user_id=supporter.id)
    )
    _db.session.add(
        Comment(
            kelurahan_id=cycle.kelurahan_id,
            proposal_id=mine.id,
            user_id=supporter.id,
            body="Komentar Bu Ani",
        )
    )
    _db.session.commit()
    answers = "".join(
        client.get(url).get_data(as_text=True)
        for url in (f"{API}/", f"{API}/{mine.id}", f"{API}/{for_group.id}")
    )
    for secret in ("Pak Darmo", "Bu Ani", author.email, supporter.email, "author"):
        assert secret not in answers
    # A group's name is the public author of what it submitted.
    assert ok(client.get(f"{API}/{for_group.id}"))["group_name"] == "Karang Taruna RW 5"


def test_cursor_pages_follow_the_link_header(client, factory):
    cycle = make_cycle()
    author = factory.user("warga", "kauman", verified=True)
    first, second = make_proposal(cycle, author), make_proposal(cycle, author)
    response = client.get(f"{API}/?limit=1")
    body = ok(response)
    assert ids(body) == [second.id] and body["next_cursor"]
    link = response.headers["Link"]
    assert link.startswith(f"<{PUBLIC_URL}{API}/?") and 'rel="next"' in link
    following = client.get(link[1 : link.index(">")].removeprefix(PUBLIC_URL))
    assert ids(ok(following)) == [first.id] and "Link" not in following.headers


def test_switched_off_answers_404(client, app, factory):
    proposal = make_proposal(make_cycle(), factory.user("warga", "kauman"))
    enable_plugin(app, "proposals", "kauman", False)
    is_problem(client.get(f"{API}/"))
    is_problem(client.get(f"{API}/{proposal.id}"))
    assert ok(client.get("/api/v1/kelurahan/medono/proposals/"))["items"] == []


def test_query_counts_do_not_grow_with_rows(client, factory):
    cycle = make_cycle()
    author = factory.user("warga", "kauman", verified=True)
    group = factory.group("kauman", leader=author)
    add_photo(make_proposal(cycle, author, group_id=group.id))

    def statements(url) -> int:
        client.get(url)  # one-off work is not counted
        with StatementCounter() as counter:
            assert client.get(url).status_code == 200
        return counter.n

    few = statements(f"{API}/")
    other_cycle = make_cycle()
    for n in range(6):
        proposal = make_proposal(
            other_cycle if n % 2 else cycle, author, group_id=group.id if n % 3 else None
        )
        add_photo(proposal, 0)
        add_photo(proposal, 1)
    assert statements(f"{API}/") == few
    assert len(ok(client.get(f"{API}/"))["items"]) == 7
