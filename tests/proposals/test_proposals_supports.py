"""Supports: one per resident per proposal, at most the cycle's number per resident, given
back on withdrawal during the support phase, refused outside it, refused with a clear
message to unverified residents and residents of another kelurahan; and exact under
concurrency on both databases, with twenty residents supporting at the same moment and one
resident tapping many proposals at once.

The concurrent tests send real requests from threads, each with its own test client (its
own cookies, app context and database session), released together by a barrier."""

from __future__ import annotations

import threading

import pytest
from conftest import act_as, count, enable_plugin
from proposals_helpers import BASE, make_cycle, make_proposal, set_phase, text
from sqlalchemy import select

from app.extensions import db as _db
from plugins.proposals.models import Ballot, Follow, PhaseKind, Support

LIMIT_MESSAGE = "Dukungan Anda di siklus ini sudah habis"
NOT_RESIDENT = "Hanya warga yang sudah diverifikasi sebagai penduduk kelurahan ini"
CLOSED = "Dukungan hanya bisa diberikan atau ditarik pada tahap dukungan."


@pytest.fixture(autouse=True)
def proposals_on(app):
    enable_plugin(app, "proposals", "kauman")
    enable_plugin(app, "proposals", "medono")


@pytest.fixture
def cycle():
    return make_cycle(current=PhaseKind.SUPPORT, per_resident=2, threshold=3)


def ballot_used(cycle, user) -> int:
    return (
        _db.session.scalar(
            select(Ballot.used).where(Ballot.cycle_id == cycle.id, Ballot.user_id == user.id)
        )
        or 0
    )


def supports_of(proposal) -> tuple[int, int]:
    """(the figure on the page, the rows) for a proposal."""
    _db.session.refresh(proposal)
    return proposal.support_count, count(Support, Support.proposal_id == proposal.id)


def test_one_support_per_resident_per_proposal(client, factory, cycle):
    proposal = make_proposal(cycle, factory.user("warga", "kauman", verified=True))
    resident = factory.user("warga", "kauman", verified=True)
    act_as(client, resident)
    assert client.post(f"{BASE}/{proposal.id}/dukung").status_code == 302
    again = client.post(f"{BASE}/{proposal.id}/dukung", follow_redirects=True)
    assert again.status_code == 200
    assert "Anda sudah mendukung usulan ini." in text(again)
    assert supports_of(proposal) == (1, 1)
    assert ballot_used(cycle, resident) == 1  # the second tap used nothing


def test_the_cycles_limit_per_resident_holds(client, factory, cycle):
    author = factory.user("warga", "kauman", verified=True)
    first, second, third = (make_proposal(cycle, author) for _ in range(3))
    resident = factory.user("warga", "kauman", verified=True)
    act_as(client, resident)
    for proposal in (first, second):
        assert client.post(f"{BASE}/{proposal.id}/dukung").status_code == 302
    refused = client.post(f"{BASE}/{third.id}/dukung")
    assert refused.status_code == 409
    assert LIMIT_MESSAGE in text(refused)
    assert supports_of(third) == (0, 0)
    assert count(Support, Support.user_id == resident.id) == 2
    assert ballot_used(cycle, resident) == 2

    # Withdrawing one during the support phase gives it back, and it can go elsewhere.
    withdrawn = client.post(f"{BASE}/{first.id}/tarik-dukungan", follow_redirects=True)
    assert "Dukungan Anda ditarik." in text(withdrawn)
    assert supports_of(first) == (0, 0)
    assert ballot_used(cycle, resident) == 1
    page = text(client.get(f"{BASE}/{third.id}"))
    assert client.post(f"{BASE}/{third.id}/dukung").status_code == 302
    assert supports_of(third) == (1, 1)
    assert ballot_used(cycle, resident) == 2
    assert page  # the proposal page rendered for a resident with one support left


def test_withdrawing_what_was_never_given_changes_nothing(client, factory, cycle):
    proposal = make_proposal(cycle, factory.user("warga", "kauman", verified=True))
    resident = factory.user("warga", "kauman", verified=True)
    act_as(client, resident)
    answer = client.post(f"{BASE}/{proposal.id}/tarik-dukungan", follow_redirects=True)
    assert "Anda belum mendukung usulan ini." in text(answer)
    assert supports_of(proposal) == (0, 0) and ballot_used(cycle, resident) == 0


@pytest.mark.parametrize(
    "phase", [PhaseKind.SUBMIT, PhaseKind.REVIEW, PhaseKind.MEETING, PhaseKind.RESULTS]
)
def test_outside_the_support_phase_neither_support_nor_withdrawal(client, factory, cycle, phase):
    proposal = make_proposal(cycle, factory.user("warga", "kauman", verified=True))
    resident = factory.user("warga", "kauman", verified=True)
    act_as(client, resident)
    assert client.post(f"{BASE}/{proposal.id}/dukung").status_code == 302
    set_phase(cycle, phase)
    refused = client.post(f"{BASE}/{proposal.id}/tarik-dukungan")
    assert refused.status_code == 409 and CLOSED in text(refused)
    other = make_proposal(cycle, factory.user("warga", "kauman", verified=True))
    refused = client.post(f"{BASE}/{other.id}/dukung")
    assert refused.status_code == 409 and CLOSED in text(refused)
    assert supports_of(proposal) == (1, 1) and supports_of(other) == (0, 0)
    assert ballot_used(cycle, resident) == 1


def test_an_unverified_resident_is_told_why(client, factory, cycle):
    proposal = make_proposal(cycle, factory.user("warga", "kauman", verified=True))
    act_as(client, factory.user("warga", "kauman", verified=False))
    refused = client.post(f"{BASE}/{proposal.id}/dukung")
    assert refused.status_code == 403
    assert NOT_RESIDENT in text(refused)
    assert "Minta verifikasi ke petugas kelurahan." in text(refused)
    assert supports_of(proposal) == (0, 0) and count(Ballot) == 0 and count(Follow) == 0


def test_a_visitor_is_sent_to_sign_in(client, factory, cycle):
    proposal = make_proposal(cycle, factory.user("warga", "kauman", verified=True))
    answer = client.post(f"{BASE}/{proposal.id}/dukung")
    assert answer.status_code in (302, 401)
    if answer.status_code == 302:
        assert "/masuk" in answer.headers["Location"]
    assert supports_of(proposal) == (0, 0)


def test_a_verified_resident_of_another_kelurahan_gets_a_clear_message(client, factory, cycle):
    proposal = make_proposal(cycle, factory.user("warga", "kauman", verified=True))
    outsider = factory.user("warga", "medono", verified=True)
    act_as(client, outsider)
    refused = client.post(f"{BASE}/{proposal.id}/dukung")
    assert refused.status_code == 403
    assert NOT_RESIDENT in text(refused)
    assert supports_of(proposal) == (0, 0)
    assert count(Ballot) == 0 and count(Follow) == 0
    # A medono id in a kauman address is not found, not a 500.
    medono_cycle = make_cycle("medono", current=PhaseKind.SUPPORT)
    theirs = make_proposal(medono_cycle, outsider)
    assert client.post(f"{BASE}/{theirs.id}/dukung").status_code == 404
    assert supports_of(theirs) == (0, 0)


# -- concurrency -------------------------------------------------------------------------------


def run_at_once(app, jobs) -> list:
    """Run each (user, path) as a POST from its own thread and test client, all released by
    one barrier; returns the answers' status codes (or the exception) in job order."""
    _db.session.commit()  # the requests see everything the test made
    clients = []
    for user, _path in jobs:
        c = app.test_client()
        act_as(c, user)
        clients.append(c)
    barrier = threading.Barrier(len(jobs))
    answers: list = [None] * len(jobs)

    def work(i: int) -> None:
        try:
            barrier.wait(timeout=60)
            answers[i] = clients[i].post(jobs[i][1]).status_code
        except Exception as error:  # reported by the test
            barrier.abort()
            answers[i] = error

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    _db.session.expire_all()
    return answers


RESIDENTS = 20


def test_twenty_residents_supporting_at_the_same_moment(app, factory, cycle):
    proposal = make_proposal(cycle, factory.user("warga", "kauman", verified=True))
    residents = [factory.user("warga", "kauman", verified=True) for _ in range(RESIDENTS)]
    answers = run_at_once(app, [(r, f"{BASE}/{proposal.id}/dukung") for r in residents])
    assert answers == [302] * RESIDENTS
    assert supports_of(proposal) == (RESIDENTS, RESIDENTS)
    assert all(ballot_used(cycle, r) == 1 for r in residents)
    assert count(Follow, Follow.proposal_id == proposal.id) == RESIDENTS
    # What everyone reads on the page.
    page = text(app.test_client().get(f"{BASE}/{proposal.id}"))
    assert "Masuk agenda musyawarah" in page


@pytest.mark.parametrize("taps", [6])
def test_one_resident_tapping_many_proposals_at_once_gets_the_limit(app, factory, cycle, taps):
    author = factory.user("warga", "kauman", verified=True)
    proposals = [make_proposal(cycle, author) for _ in range(taps)]
    resident = factory.user("warga", "kauman", verified=True)
    answers = run_at_once(app, [(resident, f"{BASE}/{p.id}/dukung") for p in proposals])
    assert sorted(answers) == [302, 302] + [409] * (taps - 2), answers
    assert count(Support, Support.user_id == resident.id) == 2
    assert ballot_used(cycle, resident) == 2
    assert sum(supports_of(p)[0] for p in proposals) == 2
    assert all(figure == rows for figure, rows in map(supports_of, proposals))


def test_one_resident_double_tapping_one_proposal_counts_once(app, factory, cycle):
    proposal = make_proposal(cycle, factory.user("warga", "kauman", verified=True))
    resident = factory.user("warga", "kauman", verified=True)
    answers = run_at_once(app, [(resident, f"{BASE}/{proposal.id}/dukung")] * 5)
    assert answers == [302] * 5  # one "tercatat", the rest "sudah mendukung"
    assert supports_of(proposal) == (1, 1)
    assert ballot_used(cycle, resident) == 1
