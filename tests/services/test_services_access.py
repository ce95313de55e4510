"""Who may open a request's private documents: only the requester and Kauman's office staff
holding `services.handle`. Everybody else is told nothing exists (404), a visitor is sent to
sign in, the core's /media route never serves them, and every staff view is on the record."""

from __future__ import annotations

import pytest
from conftest import act_as, count, enable_plugin, make_user
from services_helpers import BASE, make_type, request_data, text
from sqlalchemy import select

from app.extensions import db as _db
from app.models import AuditEntry
from app.permissions import set_grant
from plugins.services.models import Request, RequestDocument

MEDONO = "/k/medono/layanan"
PEOPLE = (
    "anonymous",
    "other_resident",
    "requester",
    "petugas",
    "admin",
    "admin_kota",
    "medono_warga",
    "medono_petugas",
    "medono_admin",
)
MAY_OPEN = {"requester", "petugas", "admin"}


@pytest.fixture(autouse=True)
def services_on(app):
    enable_plugin(app, "services", "kauman")
    enable_plugin(app, "services", "medono")


def person(factory, who: str):
    if who == "anonymous":
        return None
    if who == "admin_kota":
        return make_user(None, "kauman", city_admin=True)
    if who.startswith("medono_"):
        return factory.user(who.removeprefix("medono_"), "medono", verified=True)
    role = "warga" if who == "other_resident" else who
    return factory.user(role, "kauman", verified=True)


@pytest.fixture
def sent(app, factory):
    """A request with two uploaded documents, sent by a verified resident through the form."""
    letter_type = make_type()
    requester = factory.user("warga", "kauman", verified=True, name="Siti Aminah")
    c = app.test_client()
    act_as(c, requester)
    response = c.post(
        f"{BASE}/ajukan/domisili",
        data=request_data(letter_type),
        content_type="multipart/form-data",
    )
    assert response.status_code == 303, text(response)
    req = _db.session.execute(select(Request)).scalar_one()
    docs = list(_db.session.execute(select(RequestDocument)).scalars())
    assert len(docs) == 2
    return req, docs, requester


def viewed_audits() -> int:
    return count(AuditEntry, AuditEntry.action == "services.document_viewed")


@pytest.mark.parametrize("who", PEOPLE)
def test_who_may_open_a_private_document(app, factory, sent, who):
    req, docs, requester = sent
    user = requester if who == "requester" else person(factory, who)
    c = app.test_client()
    if user is not None:
        act_as(c, user)
    doc = docs[0]
    response = c.get(f"{BASE}/permohonan/{req.id}/dokumen/{doc.id}")
    elsewhere = c.get(f"{MEDONO}/permohonan/{req.id}/dokumen/{doc.id}")
    if who == "anonymous":
        for answer in (response, elsewhere):
            assert answer.status_code in (302, 303)
            assert "/masuk" in answer.headers["Location"]
        return
    if who in MAY_OPEN:
        assert response.status_code == 200
        assert response.data[:2] == b"\xff\xd8"  # the (re-encoded) photo itself
        assert response.headers["Cache-Control"] == "private, no-store"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    else:
        assert response.status_code == 404, f"{who} opened a resident's KTP"
        assert response.data[:2] != b"\xff\xd8"
    # The same ids through another kelurahan's address find nothing, for everyone.
    assert elsewhere.status_code == 404
    assert elsewhere.data[:2] != b"\xff\xd8"


@pytest.mark.parametrize("who", ["requester", "petugas", "admin", "other_resident"])
def test_the_core_media_route_never_serves_a_document(app, factory, sent, who):
    req, docs, requester = sent
    user = requester if who == "requester" else person(factory, who)
    c = app.test_client()
    act_as(c, user)
    for doc in docs:
        response = c.get(f"/media/{doc.media.relpath}")
        assert response.status_code == 404
        assert response.data[:2] != b"\xff\xd8"
    # Nor to a visitor.
    assert app.test_client().get(f"/media/{docs[0].media.relpath}").status_code == 404


def test_a_staff_view_is_audited_and_the_requesters_own_is_not(app, factory, sent):
    req, docs, requester = sent
    c = app.test_client()
    act_as(c, requester)
    assert c.get(f"{BASE}/permohonan/{req.id}/dokumen/{docs[0].id}").status_code == 200
    assert viewed_audits() == 0

    staff = factory.user("petugas", "kauman", verified=True)
    act_as(c, staff)
    assert c.get(f"{BASE}/permohonan/{req.id}/dokumen/{docs[1].id}").status_code == 200
    entry = _db.session.execute(
        select(AuditEntry).where(AuditEntry.action == "services.document_viewed")
    ).scalar_one()
    assert entry.actor_id == staff.id
    assert entry.object_id == str(req.id)
    assert entry.after == {"document": docs[1].name}

    # A refused look is not a view.
    act_as(c, person(factory, "other_resident"))
    c.get(f"{BASE}/permohonan/{req.id}/dokumen/{docs[0].id}")
    assert viewed_audits() == 1


def test_another_residents_request_page_is_not_found(app, factory, sent):
    req, docs, requester = sent
    c = app.test_client()
    act_as(c, person(factory, "other_resident"))
    response = c.get(f"{BASE}/permohonan/{req.id}")
    assert response.status_code == 404
    assert req.code not in text(response) and "Siti Aminah" not in text(response)
    act_as(c, requester)
    own = c.get(f"{BASE}/permohonan/{req.id}")
    assert own.status_code == 200 and req.code in text(own)


def test_a_document_of_another_request_is_not_reached_through_ones_own(app, factory, sent):
    """The requester of one request asks for a document id of another resident's request
    under their own request's address."""
    req, docs, requester = sent
    other = factory.user("warga", "kauman", verified=True)
    letter_type = req.letter_type
    c = app.test_client()
    act_as(c, other)
    response = c.post(
        f"{BASE}/ajukan/domisili",
        data=request_data(letter_type, full_name="Budi Santoso"),
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    theirs = _db.session.execute(
        select(Request).where(Request.requester_id == other.id)
    ).scalar_one()
    answer = c.get(f"{BASE}/permohonan/{theirs.id}/dokumen/{docs[0].id}")
    assert answer.status_code == 404


def test_a_petugas_whose_handle_grant_is_taken_away_cannot_open_documents(app, factory, sent):
    req, docs, requester = sent
    staff = factory.user("petugas", "kauman", verified=True)
    c = app.test_client()
    act_as(c, staff)
    url = f"{BASE}/permohonan/{req.id}/dokumen/{docs[0].id}"
    assert c.get(url).status_code == 200

    set_grant(factory.kelurahan("kauman"), "services.handle", "petugas", False)
    _db.session.commit()
    refused = c.get(url)
    assert refused.status_code == 404
    assert refused.data[:2] != b"\xff\xd8"
    assert c.get(f"{BASE}/permohonan/{req.id}").status_code == 404
    assert viewed_audits() == 1  # only the view made while the grant held
