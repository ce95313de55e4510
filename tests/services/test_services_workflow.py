"""The workflow, walked exhaustively over HTTP: every (source status, target status, person)
is tried through `/permohonan/<id>/langkah`. What may happen is written out below as its own
table (not read back from `workflow.MOVES`), so a change to the plugin's table that lets
someone do more, or less, than this shows up here as a failure."""

from __future__ import annotations

import pytest
from conftest import act_as, count, enable_plugin
from services_helpers import BASE, NIK_WOMAN, kelurahan_row, make_type, text
from sqlalchemy import select, update

from app.extensions import db as _db
from app.models import AuditEntry, PluginState
from app.tenancy import scoped_to
from plugins.services import personal
from plugins.services.changes import new_code
from plugins.services.models import Request, RtHead, Status, Step

S = Status
ALL = list(Status)
PEOPLE = ("requester", "rt_head", "handler", "approver", "other_resident", "anonymous")

# Who may take a request from where to where with a button: the workflow as the residents
# and the office are told it. The approver is an admin, who also holds services.handle by
# default. A fixed request goes back (to the office, or to the RT head) only through the fix
# form, with its corrections (test_services_flow), never by a bare move.
REQUESTER_MOVES = {
    (S.WAITING_RT, S.CANCELLED),
    (S.SUBMITTED, S.CANCELLED),
    (S.CHECKING, S.CANCELLED),
    (S.NEEDS_FIX, S.CANCELLED),
    (S.SENT, S.DONE),
}
RT_HEAD_MOVES = {
    (S.WAITING_RT, S.SUBMITTED),
    (S.WAITING_RT, S.NEEDS_FIX),
}
HANDLER_MOVES = {
    (S.SUBMITTED, S.CHECKING),
    (S.SUBMITTED, S.NEEDS_FIX),
    (S.SUBMITTED, S.REFUSED),
    (S.CHECKING, S.NEEDS_FIX),
    (S.CHECKING, S.REFUSED),
    (S.APPROVED, S.READY),
    (S.APPROVED, S.SENT),
    (S.READY, S.DONE),
    (S.SENT, S.DONE),
}
APPROVER_MOVES = HANDLER_MOVES | {(S.CHECKING, S.APPROVED)}
ALLOWED = {
    "requester": REQUESTER_MOVES,
    "rt_head": RT_HEAD_MOVES,
    "handler": HANDLER_MOVES,
    "approver": APPROVER_MOVES,
    "other_resident": set(),
    "anonymous": set(),
}


@pytest.fixture(autouse=True)
def services_on(app):
    enable_plugin(app, "services", "kauman")
    enable_plugin(app, "services", "medono")


def set_settings(slug="kauman", **values) -> None:
    state = _db.session.execute(
        select(PluginState).where(
            PluginState.kelurahan_id == kelurahan_row(slug).id,
            PluginState.plugin_id == "services",
        )
    ).scalar_one()
    state.settings = {**(state.settings or {}), **values}
    _db.session.commit()


def make_request(letter_type, requester, status: Status, *, rt="003", rw="002") -> Request:
    k = kelurahan_row("kauman")
    with scoped_to(k.id):
        req = Request(
            kelurahan_id=k.id,
            code=new_code(),
            letter_type_id=letter_type.id,
            requester_id=requester.id,
            status=status.value,
            delivery="unduh",
            full_name="Siti Aminah",
            nik_token=personal.encrypt(NIK_WOMAN),
            nik_hash=personal.lookup_hash(NIK_WOMAN),
            birth_place="Pekalongan",
            sex="P",
            address="Jl. Hayam Wuruk, Gang Kauman",
            rt=rt,
            rw=rw,
            purpose="Melamar pekerjaan",
            values={"sejak_tahun": 2015},
        )
        _db.session.add(req)
        _db.session.commit()
        return req


@pytest.fixture
def cast(app, factory):
    """A letter type, the six people, an RT head registered for RT 003/RW 002 and the
    kelurahan asking for the RT head's approval first."""
    letter_type = make_type()
    people = {
        "requester": factory.user("warga", "kauman", verified=True, name="Siti Aminah"),
        "rt_head": factory.user("warga", "kauman", verified=True, name="Pak RT"),
        "handler": factory.user("petugas", "kauman", verified=True),
        "approver": factory.user("admin", "kauman", verified=True),
        "other_resident": factory.user("warga", "kauman", verified=True),
        "anonymous": None,
    }
    k = kelurahan_row("kauman")
    with scoped_to(k.id):
        _db.session.add(RtHead(kelurahan_id=k.id, user_id=people["rt_head"].id, rw="002", rt="003"))
        _db.session.commit()
    set_settings(rt_approval=True)
    return letter_type, people


def status_of(req: Request) -> str:
    _db.session.expire_all()
    return _db.session.scalar(select(Request.status).where(Request.id == req.id))


def reset(req: Request, source: Status) -> None:
    _db.session.execute(
        update(Request)
        .where(Request.id == req.id)
        .values(
            status=source.value,
            rt_approved_at=None,
            number=None,
            number_year=None,
            number_seq=None,
            verify_token=None,
            approved_at=None,
            letter_body=None,
        )
    )
    _db.session.commit()


def try_move(client, req, target: Status):
    return client.post(
        f"{BASE}/permohonan/{req.id}/langkah",
        data={"target": target.value, "note": "Catatan untuk pemohon."},
    )


def check_grid(app, cast, source: Status, person: str) -> None:
    letter_type, people = cast
    req = make_request(letter_type, people["requester"], source)
    client = app.test_client()
    if people[person] is not None:
        act_as(client, people[person])
    problems = []
    for target in ALL:
        reset(req, source)
        steps_before = count(Step, Step.request_id == req.id)
        response = try_move(client, req, target)
        after = status_of(req)
        allowed = (source, target) in ALLOWED[person]
        where = f"{source.value} -> {target.value} by {person}"
        if allowed:
            if response.status_code != 303 or after != target.value:
                problems.append(
                    f"{where}: expected 303 and moved, got {response.status_code}/{after}"
                )
            elif count(Step, Step.request_id == req.id) != steps_before + 1:
                problems.append(f"{where}: moved without a history step")
            continue
        if after != source.value:
            problems.append(f"{where}: refused move changed the status to {after}")
        if count(Step, Step.request_id == req.id) != steps_before:
            problems.append(f"{where}: refused move wrote a history step")
        if person == "anonymous":
            if response.status_code not in (302, 303) or "/masuk" not in response.headers.get(
                "Location", ""
            ):
                problems.append(
                    f"{where}: expected a redirect to /masuk, got {response.status_code}"
                )
        elif person == "other_resident":
            if response.status_code != 404:
                problems.append(f"{where}: expected 404, got {response.status_code}")
        elif response.status_code != 422:
            problems.append(f"{where}: expected 422, got {response.status_code}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
@pytest.mark.parametrize("person", PEOPLE)
@pytest.mark.parametrize("source", ALL, ids=[s.value for s in ALL])
def test_every_move_by_every_person(app, cast, source, person):
    check_grid(app, cast, source, person)


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
@pytest.mark.parametrize(
    ("source", "person"),
    [(S.CHECKING, "approver"), (S.WAITING_RT, "rt_head"), (S.CHECKING, "requester")],
)
def test_spot_check_of_the_grid_on_postgresql(app, cast, source, person):
    check_grid(app, cast, source, person)


def test_an_approved_request_cannot_be_cancelled(app, client, cast):
    letter_type, people = cast
    req = make_request(letter_type, people["requester"], S.CHECKING)
    act_as(client, people["approver"])
    assert try_move(client, req, S.APPROVED).status_code == 303
    _db.session.refresh(req)
    number, steps, audits = req.number, count(Step), count(AuditEntry)
    assert number

    act_as(client, people["requester"])
    refused = client.post(
        f"{BASE}/permohonan/{req.id}/langkah", data={"target": "dibatalkan", "note": "Batal"}
    )
    assert refused.status_code == 422
    assert "tidak dapat dibatalkan" in text(refused)
    _db.session.refresh(req)
    assert req.status == "disetujui" and req.number == number and req.closed_at is None
    assert count(Step) == steps and count(AuditEntry) == audits


def test_a_note_is_required_to_send_back_or_refuse(app, client, cast):
    letter_type, people = cast
    req = make_request(letter_type, people["requester"], S.SUBMITTED)
    act_as(client, people["handler"])
    for target in ("perlu_perbaikan", "ditolak"):
        refused = client.post(f"{BASE}/permohonan/{req.id}/langkah", data={"target": target})
        assert refused.status_code == 422
        assert "Tulis catatan untuk pemohon" in text(refused)
        assert status_of(req) == "diajukan"


def test_the_resident_cannot_skip_the_rt_heads_approval(app, client, cast):
    """The RT head sends a request back for a fix; the resident must not be able to put it at
    the office (`diajukan`) without the RT head's approval by posting that target to
    /langkah: the fix form sends it back to the RT head (entry_status), /langkah must not
    offer a way round it."""
    letter_type, people = cast
    req = make_request(letter_type, people["requester"], S.WAITING_RT)
    act_as(client, people["rt_head"])
    assert try_move(client, req, S.NEEDS_FIX).status_code == 303
    _db.session.refresh(req)
    assert req.rt_approved_at is None

    act_as(client, people["requester"])
    client.post(f"{BASE}/permohonan/{req.id}/langkah", data={"target": "diajukan"})
    _db.session.refresh(req)
    assert req.status != "diajukan", "reached the office without the RT head's approval"


def test_a_request_is_not_parked_with_an_rt_head_who_does_not_exist(app, client, factory):
    """Without the RT approval setting (and no RT head registered), a resident posting
    `menunggu_rt` from `perlu_perbaikan` would leave the request where nobody can move it
    on: the office has no move from there."""
    letter_type = make_type()
    resident = factory.user("warga", "kauman", verified=True)
    req = make_request(letter_type, resident, S.NEEDS_FIX)
    act_as(client, resident)
    client.post(f"{BASE}/permohonan/{req.id}/langkah", data={"target": "menunggu_rt"})
    assert status_of(req) != "menunggu_rt", "waiting for an RT head who does not exist"


@pytest.mark.parametrize("source", [S.REFUSED, S.CANCELLED], ids=["ditolak", "dibatalkan"])
def test_cancelling_a_closed_unapproved_request_does_not_claim_it_was_approved(
    app, client, cast, source
):
    """A refused (or already cancelled) request was never approved: the refusal must not tell
    the resident "Permohonan yang sudah disetujui tidak dapat dibatalkan"."""
    letter_type, people = cast
    req = make_request(letter_type, people["requester"], source)
    act_as(client, people["requester"])
    refused = try_move(client, req, S.CANCELLED)
    assert refused.status_code == 422
    assert status_of(req) == source.value
    assert "sudah disetujui" not in text(refused)
