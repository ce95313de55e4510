"""Demo data of resident proposals (`flask kp seed --demo`): in Kauman, a finished 2026
cycle with its meeting and results, and an open 2027 cycle in the support phase, where the
core demo resident still has supports to give; nothing doubled when the seed runs again."""

from __future__ import annotations

from collections import Counter

from conftest import count, enable_plugin, kelurahan
from proposals_helpers import text
from sqlalchemy import func, select

from app import tenancy
from app.extensions import db as _db
from app.models import AuditEntry, User
from plugins.proposals import PLUGIN_ID, kp_plugin_manifest
from plugins.proposals.demo import PAST
from plugins.proposals.hooks import kp_demo_data
from plugins.proposals.models import (
    Ballot,
    Comment,
    Cycle,
    Follow,
    HistoryEntry,
    Meeting,
    Proposal,
    Support,
)
from plugins.proposals.phases import state_of

MODELS = (Cycle, Proposal, Support, Ballot, Follow, Comment, HistoryEntry, Meeting, User)
BASE = "/k/kauman/usulan"


def seed_proposals_demo(app) -> None:
    """What `flask kp seed --demo` does for this plugin (app/seed.py seed_plugin_demos): its
    `kp_demo_data` hook in each kelurahan where it is on, in that kelurahan's scope."""
    for slug in ("kauman", *kp_plugin_manifest().demo_kelurahan):
        enable_plugin(app, PLUGIN_ID, slug)
        place = kelurahan(slug)
        with tenancy.scoped_to(place.id):
            kp_demo_data(place)
            _db.session.commit()


def counts() -> dict[str, int]:
    numbers = {model.__name__: count(model) for model in MODELS}
    # The plugin's own entries (switching the plugin on is audited by the host each time).
    numbers["AuditEntry"] = count(AuditEntry, AuditEntry.action.startswith("proposals."))
    return numbers


def test_demo_has_a_finished_and_an_open_cycle_that_add_up_and_seeding_twice_adds_nothing(
    app, client
):
    seed_proposals_demo(app)
    kauman = kelurahan("kauman")
    cycles = {c.title: c for c in _db.session.execute(select(Cycle)).scalars()}
    assert set(cycles) == {"Musrenbang Kelurahan 2026", "Musrenbang Kelurahan 2027"}
    past, current = cycles["Musrenbang Kelurahan 2026"], cycles["Musrenbang Kelurahan 2027"]
    assert {c.kelurahan_id for c in cycles.values()} == {kauman.id}
    assert state_of(past).stage == "closed"
    assert state_of(current).kind == "dukungan"

    # The visitor lands on the open cycle, in its support phase.
    home = text(client.get(f"{BASE}/"))
    assert "Musrenbang Kelurahan 2027" in home and "Dukungan warga" in home

    # Every proposal's count is its rows; every ballot is its rows, within the limit.
    proposals = list(_db.session.execute(select(Proposal)).scalars())
    rows = Counter(_db.session.execute(select(Support.proposal_id)).scalars())
    for p in proposals:
        assert p.support_count == rows[p.id], p.title
        assert p.kelurahan_id == kauman.id
        assert p.rt.isdigit() and len(p.rt) == 3 and len(p.rw) == 3
        assert abs(p.lat - kauman.lat) < 0.007 and abs(p.lng - kauman.lng) < 0.007
    for cycle in (past, current):
        given = dict(
            _db.session.execute(
                select(Support.user_id, func.count(Support.id))
                .join(Proposal, Proposal.id == Support.proposal_id)
                .where(Proposal.cycle_id == cycle.id)
                .group_by(Support.user_id)
            ).all()
        )
        ballots = {
            b.user_id: b.used
            for b in _db.session.execute(
                select(Ballot).where(Ballot.cycle_id == cycle.id)
            ).scalars()
        }
        assert given and all(used <= cycle.supports_per_resident for used in ballots.values())
        assert {u: n for u, n in ballots.items() if n} == given
        supporters = _db.session.execute(select(User).where(User.id.in_(given))).scalars()
        for user in supporters:
            role = user.role_in(kauman)
            assert role is not None and role.verified_at is not None, user.email

    # 2026: each proposal with its status or result on the public report.
    by_title = {p.title: p for p in proposals if p.cycle_id == past.id}
    assert len(by_title) == len(PAST)
    report = text(client.get(f"{BASE}/siklus/{past.id}"))
    for title in by_title:
        assert title in report, title
    results = Counter(p.result for p in by_title.values())
    assert results == {"prioritas": 4, "diteruskan": 1, "rkpd": 1, "tidak_terpilih": 2, None: 2}
    ranks = sorted(p.result_rank for p in by_title.values() if p.result_rank)
    assert ranks == [1, 2, 3, 4]
    assert sum(p.result_amount for p in by_title.values() if p.result_rank) <= past.budget
    for n in ranks:
        assert f"Prioritas ke-{n}" in report
    assert "Tidak terpilih" in report and "Masuk RKPD" in report
    merged = next(p for p in by_title.values() if p.status == "digabung")
    assert merged.merged_into_id and merged.support_count == 0 and merged.status_reason
    rejected = next(p for p in by_title.values() if p.status == "tidak_diterima")
    assert rejected.status_reason and rejected.status_reason[:40] in text(
        client.get(f"{BASE}/{rejected.id}")
    )
    kinds = Counter(_db.session.execute(select(HistoryEntry.kind)).scalars())
    assert kinds["merged"] == kinds["merged_in"] == 1
    assert kinds["carried_over"] == kinds["carried_from"] == 1 and kinds["result"] == 8

    # The meeting page gives the women's share (34 of 86 is 40%) and the minutes.
    meeting_page = text(client.get(f"{BASE}/siklus/{past.id}/musyawarah"))
    assert "Aula Kantor Kelurahan Kauman" in meeting_page
    assert "34 perempuan (40%)" in meeting_page and "BERITA ACARA" in meeting_page

    # 2027: some over the threshold and some under; one carried over from 2026.
    open_ = [p for p in proposals if p.cycle_id == current.id]
    assert 6 <= len(open_) <= 8
    assert any(p.support_count >= current.support_threshold for p in open_)
    assert any(p.support_count < current.support_threshold for p in open_)
    carried = next(p for p in open_ if p.carried_from_id)
    assert by_title[carried.title].result == "tidak_terpilih"
    assert count(Comment, Comment.parent_id.is_not(None)) >= 2

    # The core demo resident can still support in 2027.
    siti = _db.session.execute(
        select(User).where(User.email == "warga@demo.kelurahan-pintar.id")
    ).scalar_one()
    used = _db.session.scalar(
        select(Ballot.used).where(Ballot.cycle_id == current.id, Ballot.user_id == siti.id)
    )
    assert used is not None and used < current.supports_per_resident

    before = counts()
    seed_proposals_demo(app)
    assert counts() == before
