"""Staff answers to a proposal: merging it into another (its supports move, a resident who
supported both counts once and gets the other support back, its followers follow the
target, both pages link to each other, it takes no more supports, audited and told), and
accepting or declining it (declining needs a public reason)."""

from __future__ import annotations

import pytest
from conftest import act_as, count, enable_plugin, notes_for
from proposals_helpers import BASE, make_cycle, make_proposal, set_phase, text
from sqlalchemy import select

from app.extensions import db as _db
from app.models import AuditEntry
from plugins.proposals.models import Ballot, Follow, PhaseKind, Proposal, Support


@pytest.fixture(autouse=True)
def proposals_on(app):
    enable_plugin(app, "proposals", "kauman")


def used(cycle, user) -> int:
    return _db.session.scalar(
        select(Ballot.used).where(Ballot.cycle_id == cycle.id, Ballot.user_id == user.id)
    )


def supporters(proposal) -> set[int]:
    return set(
        _db.session.execute(
            select(Support.user_id).where(Support.proposal_id == proposal.id)
        ).scalars()
    )


def followers(proposal) -> set[int]:
    return set(
        _db.session.execute(
            select(Follow.user_id).where(Follow.proposal_id == proposal.id)
        ).scalars()
    )


def test_merging_moves_supports_once_per_resident(client, factory):
    cycle = make_cycle(current=PhaseKind.SUPPORT, per_resident=3, threshold=10)
    source_author = factory.user("warga", "kauman", verified=True, name="Bu Sumber")
    target_author = factory.user("warga", "kauman", verified=True, name="Pak Tujuan")
    source = make_proposal(cycle, source_author, title="Perbaikan drainase Jalan Kauman")
    target = make_proposal(cycle, target_author, title="Saluran air Gang Kauman III")
    only_source, both, only_target, watcher = (
        factory.user("warga", "kauman", verified=True) for _ in range(4)
    )
    for resident, proposals in (
        (only_source, [source]),
        (both, [source, target]),
        (only_target, [target]),
    ):
        act_as(client, resident)
        for proposal in proposals:
            assert client.post(f"{BASE}/{proposal.id}/dukung").status_code == 302
    act_as(client, watcher)
    assert client.post(f"{BASE}/{source.id}/ikuti").status_code == 302
    assert used(cycle, both) == 2

    set_phase(cycle, PhaseKind.REVIEW)
    staff = factory.user("petugas", "kauman", verified=True)
    act_as(client, staff)
    sent = client.post(
        f"{BASE}/{source.id}/tinjau",
        data={"decision": "merge", "merge_into": str(target.id), "reason": "Lokasinya sama."},
    )
    assert sent.status_code == 302, text(sent)
    _db.session.refresh(source)
    _db.session.refresh(target)
    assert (source.status, source.merged_into_id) == ("digabung", target.id)

    # Supports moved, the resident who supported both counted once.
    assert supporters(target) == {only_source.id, both.id, only_target.id}
    assert supporters(source) == set()
    assert target.support_count == 3 == count(Support, Support.proposal_id == target.id)
    assert source.support_count == 0
    assert count(Support) == 3
    # The doubled support went back to that resident's ballot; the others keep theirs.
    assert (used(cycle, both), used(cycle, only_source), used(cycle, only_target)) == (1, 1, 1)

    # Followers of the source follow the target.
    assert {only_source.id, both.id, watcher.id} <= followers(target)

    # Both pages show the link, for anyone.
    client.get("/keluar")
    act_as(client, factory.user(None, "kauman"))
    source_page = text(client.get(f"{BASE}/{source.id}"))
    assert "Usulan ini digabung ke" in source_page
    assert f'href="{BASE}/{target.id}"' in source_page
    assert "Saluran air Gang Kauman III" in source_page and "Lokasinya sama." in source_page
    target_page = text(client.get(f"{BASE}/{target.id}"))
    assert f'href="{BASE}/{source.id}"' in target_page
    assert "Perbaikan drainase Jalan Kauman" in target_page

    # The merged proposal takes no more supports, even in the support phase.
    set_phase(cycle, PhaseKind.SUPPORT)
    late = factory.user("warga", "kauman", verified=True)
    act_as(client, late)
    refused = client.post(f"{BASE}/{source.id}/dukung")
    assert refused.status_code == 409
    assert "Usulan ini tidak lagi menerima dukungan." in text(refused)
    assert count(Support, Support.user_id == late.id) == 0 and used(cycle, late) is None

    # Audited, with what moved.
    entry = _db.session.execute(
        select(AuditEntry).where(AuditEntry.action == "proposals.merged")
    ).scalar_one()
    assert entry.actor_id == staff.id and entry.object_id == str(source.id)
    assert entry.after["into"] == target.id
    assert (entry.after["moved"], entry.after["refunded"]) == (1, 1)

    # The author and the followers are told, on both sides.
    for person in (source_author, only_source, watcher, both):
        assert any("digabung ke usulan" in n for n in notes_for(person)), person.display_name
    assert any("Perbaikan drainase Jalan Kauman" in n for n in notes_for(target_author))
    assert any("digabung" in n for n in notes_for(only_target))


def test_a_merged_proposal_cannot_be_merged_or_decided_again(client, factory):
    cycle = make_cycle(current=PhaseKind.REVIEW)
    author = factory.user("warga", "kauman", verified=True)
    source, target, other = (make_proposal(cycle, author) for _ in range(3))
    act_as(client, factory.user("petugas", "kauman", verified=True))
    assert (
        client.post(
            f"{BASE}/{source.id}/tinjau",
            data={"decision": "merge", "merge_into": str(target.id), "reason": ""},
        ).status_code
        == 302
    )
    again = client.post(f"{BASE}/{source.id}/tinjau", data={"decision": "accept", "reason": ""})
    assert again.status_code == 409
    assert "keputusannya tidak bisa diubah" in text(again)
    # Nothing can be merged into a merged proposal either.
    refused = client.post(
        f"{BASE}/{other.id}/tinjau",
        data={"decision": "merge", "merge_into": str(source.id), "reason": ""},
    )
    assert refused.status_code == 422
    assert "Pilih usulan tujuan yang masih dalam proses." in text(refused)
    _db.session.refresh(other)
    assert other.status == "diajukan" and other.merged_into_id is None


@pytest.mark.parametrize("target", ["", "999999", "abc"])
def test_merging_without_a_real_target_changes_nothing(client, factory, target):
    cycle = make_cycle(current=PhaseKind.REVIEW)
    proposal = make_proposal(cycle, factory.user("warga", "kauman", verified=True))
    act_as(client, factory.user("petugas", "kauman", verified=True))
    refused = client.post(
        f"{BASE}/{proposal.id}/tinjau",
        data={"decision": "merge", "merge_into": target, "reason": ""},
    )
    assert refused.status_code == 422
    body = text(refused)
    assert "Pilih usulan tujuan" in body
    _db.session.refresh(proposal)
    assert (proposal.status, proposal.merged_into_id) == ("diajukan", None)
    assert count(AuditEntry, AuditEntry.action == "proposals.merged") == 0


def test_declining_needs_a_public_reason(client, factory):
    cycle = make_cycle(current=PhaseKind.REVIEW)
    author = factory.user("warga", "kauman", verified=True)
    proposal = make_proposal(cycle, author, title="Gapura kampung batik")
    act_as(client, factory.user("petugas", "kauman", verified=True))
    refused = client.post(f"{BASE}/{proposal.id}/tinjau", data={"decision": "reject", "reason": ""})
    assert refused.status_code == 422
    assert "Tulis alasan usulan tidak diterima: warga berhak tahu." in text(refused)
    _db.session.refresh(proposal)
    assert (proposal.status, proposal.status_reason) == ("diajukan", "")
    assert count(AuditEntry, AuditEntry.action == "proposals.rejected") == 0
    assert notes_for(author) == []

    reason = "Sudah dianggarkan Dinas PUPR tahun 2027."
    sent = client.post(
        f"{BASE}/{proposal.id}/tinjau", data={"decision": "reject", "reason": reason}
    )
    assert sent.status_code == 302
    _db.session.refresh(proposal)
    assert (proposal.status, proposal.status_reason) == ("tidak_diterima", reason)
    assert count(AuditEntry, AuditEntry.action == "proposals.rejected") == 1
    assert any(reason in n for n in notes_for(author))
    # The reason is public: a visitor reads it on the proposal and in the report.
    client.get("/keluar")
    page = text(client.get(f"{BASE}/{proposal.id}"))
    assert "Alasan tidak diterima:" in page and reason in page
    assert "Tidak diterima" in text(client.get(f"{BASE}/siklus/{cycle.id}"))


def test_accepting_puts_it_on_the_agenda(client, factory):
    cycle = make_cycle(current=PhaseKind.REVIEW, threshold=50)
    author = factory.user("warga", "kauman", verified=True)
    proposal = make_proposal(cycle, author, title="Posyandu lansia RW 02")
    act_as(client, factory.user("petugas", "kauman", verified=True))
    sent = client.post(f"{BASE}/{proposal.id}/tinjau", data={"decision": "accept", "reason": ""})
    assert sent.status_code == 302
    _db.session.refresh(proposal)
    assert proposal.status == "diterima"
    assert count(AuditEntry, AuditEntry.action == "proposals.accepted") == 1
    assert any("diterima untuk agenda musyawarah" in n for n in notes_for(author))
    agenda = text(client.get(f"{BASE}/siklus/{cycle.id}/musyawarah"))
    assert "Posyandu lansia RW 02" in agenda


def test_residents_cannot_review(client, factory):
    cycle = make_cycle(current=PhaseKind.REVIEW)
    author = factory.user("warga", "kauman", verified=True)
    proposal = make_proposal(cycle, author)
    act_as(client, author)
    answer = client.post(f"{BASE}/{proposal.id}/tinjau", data={"decision": "accept", "reason": ""})
    assert answer.status_code == 404
    assert _db.session.get(Proposal, proposal.id).status == "diajukan"
