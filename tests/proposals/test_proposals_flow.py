"""The issue's whole cycle over HTTP: an admin opens a cycle, a verified resident submits a
proposal with a photo, neighbours support it past the threshold, staff accept it, the
meeting is recorded with its result, and a visitor reads what became of it on the cycle
report, its CSV and the open data."""

from __future__ import annotations

import csv
import io

import pytest
from conftest import act_as, count, enable_plugin, notes_for
from proposals_helpers import BASE, day, make_cycle, post, proposal_data, set_phase, text, upload
from sqlalchemy import select

from app.extensions import db as _db
from app.models import AuditEntry
from plugins.proposals.models import Cycle, PhaseKind, Proposal, ProposalPhoto, Support


@pytest.fixture(autouse=True)
def proposals_on(app):
    enable_plugin(app, "proposals", "kauman")
    enable_plugin(app, "proposals", "medono")


def cycle_form(**overrides) -> dict:
    data = {
        "title": "Musrenbang Kelurahan 2027",
        "description": "Usulan untuk RKPD 2028.",
        "support_threshold": "2",
        "supports_per_resident": "3",
        "categories": ["infrastruktur", "lingkungan"],
        "budget": "350.000.000",
    }
    for i, kind in enumerate(("pengajuan", "dukungan", "verifikasi", "musyawarah", "hasil")):
        data[f"{kind}_starts"] = day(-1 + 10 * i).isoformat()
        data[f"{kind}_ends"] = day(8 + 10 * i).isoformat()
    data["pengajuan_allow_submit"] = "y"
    data["pengajuan_allow_edit"] = "y"
    data["pengajuan_allow_comment"] = "y"
    data["dukungan_allow_support"] = "y"
    data["dukungan_allow_comment"] = "y"
    data.update(overrides)
    return data


def test_a_whole_cycle_from_opening_to_results(client, factory):
    admin = factory.user("admin", "kauman", verified=True)
    act_as(client, admin)
    response = client.post(f"{BASE}/kelola/siklus/baru", data=cycle_form())
    assert response.status_code == 302, text(response)
    cycle = _db.session.execute(select(Cycle)).scalar_one()
    assert len(cycle.phases) == 5
    assert "Musrenbang Kelurahan 2027" in text(client.get(f"{BASE}/"))

    author = factory.user("warga", "kauman", verified=True, name="Bu Siti")
    act_as(client, author)
    response = post(client, f"{BASE}/baru", **proposal_data(photos=[upload()]))
    assert response.status_code == 302, text(response)
    proposal = _db.session.execute(select(Proposal)).scalar_one()
    assert proposal.estimated_cost == 35_000_000 and (proposal.rt, proposal.rw) == ("003", "005")
    assert _db.session.scalar(select(ProposalPhoto.id)) is not None
    page = text(client.get(f"{BASE}/{proposal.id}"))
    assert "Perbaikan saluran air Gang Kauman III" in page and "Bu Siti" in page

    # The support phase: editing stops, supports open.
    set_phase(cycle, PhaseKind.SUPPORT)
    assert client.get(f"{BASE}/{proposal.id}/ubah").status_code == 409
    neighbours = [factory.user("warga", "kauman", verified=True) for _ in range(2)]
    for neighbour in neighbours:
        act_as(client, neighbour)
        assert client.post(f"{BASE}/{proposal.id}/dukung").status_code == 302
    _db.session.refresh(proposal)
    assert proposal.support_count == 2 == count(Support, Support.proposal_id == proposal.id)
    assert "Masuk agenda musyawarah" in text(client.get(f"{BASE}/{proposal.id}"))

    # Staff accept it; the author and the supporters (who follow it) are told.
    set_phase(cycle, PhaseKind.REVIEW)
    staff = factory.user("petugas", "kauman", verified=True)
    act_as(client, staff)
    response = client.post(
        f"{BASE}/{proposal.id}/tinjau", data={"decision": "accept", "reason": ""}
    )
    assert response.status_code == 302
    assert any("diterima untuk agenda musyawarah" in n for n in notes_for(author))
    assert any("diterima untuk agenda musyawarah" in n for n in notes_for(neighbours[0]))

    # The meeting, then the result.
    set_phase(cycle, PhaseKind.MEETING)
    response = client.post(
        f"{BASE}/siklus/{cycle.id}/musyawarah/ubah",
        data={
            "day": day(25).isoformat(),
            "time": "09:00",
            "place_name": "Aula Kelurahan Kauman",
            "lat": "-6.8890",
            "lng": "109.6730",
            "attendees": "84",
            "women_attendees": "35",
            "minutes": "Musyawarah dibuka oleh Lurah.",
        },
    )
    assert response.status_code == 302, text(response)
    response = client.post(
        f"{BASE}/{proposal.id}/hasil",
        data={"result": "prioritas", "rank": "1", "amount": "30.000.000", "note": ""},
    )
    assert response.status_code == 302, text(response)
    actions = set(_db.session.execute(select(AuditEntry.action)).scalars())
    assert {"proposals.cycle_opened", "proposals.submitted", "proposals.accepted"} <= actions
    assert {"proposals.meeting_saved", "proposals.result"} <= actions

    # A visitor sees what became of it.
    client.get("/keluar")
    act_as(client, factory.user(None, "medono"))
    report = text(client.get(f"{BASE}/siklus/{cycle.id}"))
    assert "Prioritas ke-1" in report and "Rp" in report
    meeting = text(client.get(f"{BASE}/siklus/{cycle.id}/musyawarah"))
    assert "Aula Kelurahan Kauman" in meeting and "42%" in meeting
    rows = list(csv.DictReader(io.StringIO(text(client.get(f"{BASE}/siklus/{cycle.id}.csv")))))
    assert rows[0]["hasil"] == "prioritas" and rows[0]["dukungan"] == "2"
    assert rows[0]["pengusul"] == "Bu Siti"
    printed = text(client.get(f"{BASE}/siklus/{cycle.id}/cetak"))
    assert "Perbaikan saluran air Gang Kauman III" in printed


def test_the_proposal_form_offers_similar_proposals(client, factory):
    cycle = make_cycle()
    from proposals_helpers import make_proposal

    make_proposal(
        cycle, factory.user("warga", "kauman", verified=True), title="Perbaikan saluran air RT 03"
    )
    act_as(client, factory.user("warga", "kauman", verified=True))
    found = text(client.get(f"{BASE}/mirip", query_string={"title": "saluran mampet"}))
    assert "Perbaikan saluran air RT 03" in found
    assert "Perbaikan saluran" not in text(
        client.get(f"{BASE}/mirip", query_string={"title": "lampu jalan"})
    )
