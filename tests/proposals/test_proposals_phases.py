"""The phase × action matrix, as an exhaustive table: for each phase of a cycle (and before
it, between two phases and after it) which of submit, support, comment and edit are open.
Each cell is checked twice: on `phases.state_of(...)` and over HTTP on the real endpoints,
where a refused action answers in Indonesian and stores nothing. An admin's own settings per
phase are obeyed, and a phase pinned by hand wins over the dates, is audited and can be
released; only admins may pin."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from conftest import act_as, count, enable_plugin
from proposals_helpers import (
    BASE,
    day,
    make_cycle,
    make_proposal,
    post,
    proposal_data,
    text,
)
from sqlalchemy import select

from app.extensions import db as _db
from app.models import AuditEntry
from plugins.proposals.models import (
    PHASE_ORDER,
    Action,
    Comment,
    Cycle,
    PhaseKind,
    Proposal,
    Support,
)
from plugins.proposals.phases import CLOSED_MESSAGES, default_phase, phase_problems, state_of

STATES = ("upcoming", *(k.value for k in PHASE_ORDER), "between", "closed")
ACTIONS = tuple(a.value for a in Action)

# The table (Decidim's default step settings): True = allowed.
EXPECTED = {
    #              submit  support  comment  edit
    "upcoming": dict(submit=False, support=False, comment=False, edit=False),
    "pengajuan": dict(submit=True, support=False, comment=True, edit=True),
    "dukungan": dict(submit=False, support=True, comment=True, edit=False),
    "verifikasi": dict(submit=False, support=False, comment=True, edit=False),
    "musyawarah": dict(submit=False, support=False, comment=False, edit=False),
    "hasil": dict(submit=False, support=False, comment=True, edit=False),
    "between": dict(submit=False, support=False, comment=False, edit=False),
    "closed": dict(submit=False, support=False, comment=False, edit=False),
}

# What a refused resident reads (plain ASCII: no HTML escaping in the way).
REFUSAL = {a.value: str(CLOSED_MESSAGES[a]) for a in Action}


@pytest.fixture(autouse=True)
def proposals_on(app):
    enable_plugin(app, "proposals", "kauman")


# -- state_of, with no database ----------------------------------------------------------------


def dated_cycle(today: date, state: str) -> Cycle:
    """A transient cycle of five 10-day phases, with a one-day gap after pengajuan, placed
    so that `today` falls in `state`."""
    starts = {}
    first = date(2027, 1, 1)
    cursor = first
    for kind in PHASE_ORDER:
        starts[kind] = cursor
        cursor += timedelta(days=10 if kind is not PhaseKind.SUBMIT else 11)  # the gap
    if state == "upcoming":
        shift = today + timedelta(days=5) - first  # the first phase starts in 5 days
    elif state == "closed":
        shift = today - (starts[PhaseKind.RESULTS] + timedelta(days=12))
    elif state == "between":
        shift = today - (starts[PhaseKind.SUBMIT] + timedelta(days=10))  # the gap day
    else:
        shift = today - (starts[PhaseKind(state)] + timedelta(days=3))
    cycle = Cycle(title="Uji", support_threshold=3, supports_per_resident=2, categories=[])
    for kind in PHASE_ORDER:
        begin = starts[kind] + shift
        cycle.phases.append(default_phase(kind, begin, begin + timedelta(days=9)))
    return cycle


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
@pytest.mark.parametrize("state", STATES)
def test_state_of_follows_the_table(app, state):
    today = date(2027, 3, 15)
    cycle = dated_cycle(today, state)
    found = state_of(cycle, today)
    if state in ("upcoming", "between", "closed"):
        assert (found.stage, found.phase) == (state, None)
    else:
        assert (found.stage, found.kind) == ("open", PhaseKind(state))
    assert {a: found.allows(Action(a)) for a in ACTIONS} == EXPECTED[state]
    assert found.pinned is False


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
@pytest.mark.parametrize("pinned", [k.value for k in PHASE_ORDER])
@pytest.mark.parametrize("by_dates", ["upcoming", "pengajuan", "between", "closed"])
def test_a_pinned_phase_wins_over_the_dates(app, pinned, by_dates):
    today = date(2027, 3, 15)
    cycle = dated_cycle(today, by_dates)
    cycle.manual_phase = pinned
    found = state_of(cycle, today)
    assert (found.stage, found.kind, found.pinned) == ("open", PhaseKind(pinned), True)
    assert {a: found.allows(Action(a)) for a in ACTIONS} == EXPECTED[pinned]


# -- the same table over HTTP ------------------------------------------------------------------


def cycle_in(state: str) -> Cycle:
    """A committed Kauman cycle whose dates put today in `state`."""
    if state == "upcoming":
        return make_cycle(current=None)
    if state == "closed":
        return make_cycle(current="closed")
    if state == "between":
        cycle = make_cycle(current=PhaseKind.SUBMIT)
        phases = {p.kind: p for p in cycle.phases}
        phases["pengajuan"].ends_on = day(-1)
        phases["dukungan"].starts_on = day(1)
        _db.session.commit()
        return cycle
    return make_cycle(current=PhaseKind(state))


def try_everything(client, factory, cycle) -> tuple[dict, dict]:
    """Each action tried by someone entitled to it, apart from the phase: returns
    (allowed per action, the response bodies of refusals)."""
    author = factory.user("warga", "kauman", verified=True, name="Pak Pengusul")
    proposal = make_proposal(cycle, author, title="Lampu jalan Gang Kauman II")
    neighbour = factory.user("warga", "kauman", verified=True)
    allowed, bodies = {}, {}

    # submit: the form, then a POST
    act_as(client, neighbour)
    before = count(Proposal)
    page = client.get(f"{BASE}/baru")
    sent = post(client, f"{BASE}/baru", **proposal_data(title="Taman baca di balai RW 05"))
    if sent.status_code == 302:
        assert page.status_code == 200
        assert count(Proposal) == before + 1
        allowed["submit"] = True
    else:
        assert (page.status_code, sent.status_code) == (403, 403)
        assert REFUSAL["submit"] in text(page)
        bodies["submit"] = text(sent)
        assert count(Proposal) == before
        allowed["submit"] = False

    # support
    sent = client.post(f"{BASE}/{proposal.id}/dukung")
    rows = count(Support, Support.proposal_id == proposal.id)
    _db.session.refresh(proposal)
    if sent.status_code == 302:
        assert rows == 1 == proposal.support_count
        allowed["support"] = True
    else:
        assert sent.status_code == 409
        assert rows == 0 == proposal.support_count
        bodies["support"] = text(sent)
        allowed["support"] = False

    # comment
    sent = client.post(f"{BASE}/{proposal.id}/komentar", data={"body": "Setuju, gang itu gelap."})
    rows = count(Comment, Comment.proposal_id == proposal.id)
    if sent.status_code == 302:
        assert rows == 1
        allowed["comment"] = True
    else:
        assert sent.status_code == 409 and rows == 0
        bodies["comment"] = text(sent)
        assert "Setuju, gang itu gelap." not in text(client.get(f"{BASE}/{proposal.id}"))
        allowed["comment"] = False

    # edit: the author opens the form, and a POST changes the title or not
    act_as(client, author)
    page = client.get(f"{BASE}/{proposal.id}/ubah")
    sent = post(
        client,
        f"{BASE}/{proposal.id}/ubah",
        **{k: v for k, v in proposal_data(title="Lampu jalan diubah").items() if k != "group"},
    )
    _db.session.refresh(proposal)
    if page.status_code == 200:
        assert sent.status_code == 302, text(sent)
        assert proposal.title == "Lampu jalan diubah"
        allowed["edit"] = True
    else:
        assert (page.status_code, sent.status_code) == (409, 409)
        assert proposal.title == "Lampu jalan Gang Kauman II"
        bodies["edit"] = text(page)
        allowed["edit"] = False
    return allowed, bodies


@pytest.mark.parametrize("state", STATES)
def test_the_phase_action_matrix_over_http(client, factory, state):
    cycle = cycle_in(state)
    assert state_of(cycle).stage == (
        "open" if state in EXPECTED and state not in ("upcoming", "between", "closed") else state
    )
    allowed, bodies = try_everything(client, factory, cycle)
    assert allowed == EXPECTED[state]
    for action, body in bodies.items():
        assert REFUSAL[action] in body, (state, action)


# -- the admin's settings per phase ------------------------------------------------------------


def cycle_form_of(cycle: Cycle, **overrides) -> dict:
    data = {
        "title": cycle.title,
        "description": "",
        "support_threshold": str(cycle.support_threshold),
        "supports_per_resident": str(cycle.supports_per_resident),
        "categories": list(cycle.categories),
        "budget": str(cycle.budget),
    }
    for phase in cycle.phases:
        data[f"{phase.kind}_starts"] = phase.starts_on.isoformat()
        data[f"{phase.kind}_ends"] = phase.ends_on.isoformat()
        for action in Action:
            if phase.allows(action):
                data[f"{phase.kind}_allow_{action.value}"] = "y"
    for key, value in overrides.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def test_comments_switched_off_in_dukungan_are_refused(client, factory):
    cycle = make_cycle(current=PhaseKind.SUPPORT)
    proposal = make_proposal(cycle, factory.user("warga", "kauman", verified=True))
    act_as(client, factory.user("admin", "kauman", verified=True))
    sent = client.post(
        f"{BASE}/kelola/siklus/{cycle.id}/ubah",
        data=cycle_form_of(cycle, dukungan_allow_comment=None),
    )
    assert sent.status_code == 302, text(sent)
    _db.session.refresh(cycle)
    assert not state_of(cycle).allows(Action.COMMENT)
    assert state_of(cycle).allows(Action.SUPPORT)

    act_as(client, factory.user("warga", "kauman", verified=True))
    refused = client.post(f"{BASE}/{proposal.id}/komentar", data={"body": "Bagus sekali."})
    assert refused.status_code == 409
    assert REFUSAL["comment"] in text(refused)
    assert count(Comment) == 0
    # Supporting, still on in that phase, works.
    assert client.post(f"{BASE}/{proposal.id}/dukung").status_code == 302
    assert count(Support) == 1


def test_comments_switched_on_in_musyawarah_are_taken(client, factory):
    cycle = make_cycle(current=PhaseKind.MEETING)
    proposal = make_proposal(cycle, factory.user("warga", "kauman", verified=True))
    act_as(client, factory.user("admin", "kauman", verified=True))
    sent = client.post(
        f"{BASE}/kelola/siklus/{cycle.id}/ubah",
        data=cycle_form_of(cycle, musyawarah_allow_comment="y"),
    )
    assert sent.status_code == 302, text(sent)
    act_as(client, factory.user("warga", "kauman", verified=True))
    sent = client.post(f"{BASE}/{proposal.id}/komentar", data={"body": "Semoga disepakati."})
    assert sent.status_code == 302
    assert "Semoga disepakati." in text(client.get(f"{BASE}/{proposal.id}"))


# -- pinning the phase by hand -----------------------------------------------------------------


def moves(cycle) -> list[AuditEntry]:
    return list(
        _db.session.execute(
            select(AuditEntry)
            .where(AuditEntry.action == "proposals.phase_moved")
            .order_by(AuditEntry.id)
        ).scalars()
    )


def test_a_pinned_phase_overrides_the_dates_is_audited_and_can_be_released(client, factory):
    cycle = make_cycle(current=PhaseKind.SUBMIT)  # by the dates: pengajuan
    author = factory.user("warga", "kauman", verified=True)
    proposal = make_proposal(cycle, author)
    admin = factory.user("admin", "kauman", verified=True)
    resident = factory.user("warga", "kauman", verified=True)

    act_as(client, admin)
    sent = client.post(f"{BASE}/kelola/siklus/{cycle.id}/tahap", data={"phase": "dukungan"})
    assert sent.status_code == 302
    assert "Tahap sekarang: Dukungan warga." in text(client.get(f"{BASE}/kelola"))
    _db.session.refresh(cycle)
    assert cycle.manual_phase == "dukungan"
    state = state_of(cycle)
    assert (state.kind, state.pinned) == (PhaseKind.SUPPORT, True)
    [entry] = moves(cycle)
    assert entry.actor_id == admin.id and entry.object_id == str(cycle.id)
    assert entry.after == {"phase": "dukungan", "pinned": True}
    assert entry.before == {"phase": "pengajuan", "pinned": False}

    # The pinned phase rules: supports open, submitting and editing closed.
    act_as(client, resident)
    assert client.post(f"{BASE}/{proposal.id}/dukung").status_code == 302
    refused = post(client, f"{BASE}/baru", **proposal_data())
    assert refused.status_code == 403 and REFUSAL["submit"] in text(refused)
    act_as(client, author)
    assert client.get(f"{BASE}/{proposal.id}/ubah").status_code == 409

    # Released: the dates decide again (pengajuan), and that is audited too.
    act_as(client, admin)
    sent = client.post(f"{BASE}/kelola/siklus/{cycle.id}/tahap", data={"phase": ""})
    assert sent.status_code == 302
    assert "Tahap kembali mengikuti tanggal." in text(client.get(f"{BASE}/kelola"))
    _db.session.refresh(cycle)
    assert cycle.manual_phase is None
    assert (state_of(cycle).kind, state_of(cycle).pinned) == (PhaseKind.SUBMIT, False)
    assert [e.after for e in moves(cycle)] == [
        {"phase": "dukungan", "pinned": True},
        {"phase": "dates", "pinned": False},
    ]
    act_as(client, resident)
    assert client.get(f"{BASE}/baru").status_code == 200
    refused = client.post(f"{BASE}/{proposal.id}/tarik-dukungan")
    assert refused.status_code == 409 and REFUSAL["support"] in text(refused)
    assert count(Support) == 1


def test_an_unknown_phase_is_refused_and_changes_nothing(client, factory):
    cycle = make_cycle(current=PhaseKind.SUBMIT)
    act_as(client, factory.user("admin", "kauman", verified=True))
    sent = client.post(f"{BASE}/kelola/siklus/{cycle.id}/tahap", data={"phase": "lebaran"})
    assert sent.status_code == 422
    assert "Pilih tahap yang tersedia." in text(sent)
    _db.session.refresh(cycle)
    assert cycle.manual_phase is None and moves(cycle) == []


@pytest.mark.parametrize("role", ["petugas", "warga"])
def test_only_admins_may_pin_a_phase(client, factory, role):
    cycle = make_cycle(current=PhaseKind.SUBMIT)
    act_as(client, factory.user(role, "kauman", verified=True))
    assert (
        client.post(f"{BASE}/kelola/siklus/{cycle.id}/tahap", data={"phase": "hasil"}).status_code
        == 404
    )
    assert client.get(f"{BASE}/kelola").status_code == 404
    _db.session.refresh(cycle)
    assert cycle.manual_phase is None and moves(cycle) == []
    assert state_of(cycle).kind == PhaseKind.SUBMIT


def test_an_admin_of_another_kelurahan_cannot_pin_kaumans_phase(client, factory):
    enable_plugin(client.application, "proposals", "medono")
    cycle = make_cycle(current=PhaseKind.SUBMIT)
    act_as(client, factory.user("admin", "medono", verified=True))
    sent = client.post(f"{BASE}/kelola/siklus/{cycle.id}/tahap", data={"phase": "hasil"})
    assert sent.status_code == 404
    _db.session.refresh(cycle)
    assert cycle.manual_phase is None


# -- phase_problems ----------------------------------------------------------------------------


def spans(*pairs):
    return [(kind, s, e) for kind, (s, e) in zip(PHASE_ORDER, pairs, strict=False)]


D = date(2027, 1, 1)


def d(n: int) -> date:
    return D + timedelta(days=n)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_phase_problems(app):
    ok = spans((d(0), d(9)), (d(10), d(19)), (d(20), d(29)), (d(30), d(30)), (d(31), d(40)))
    assert phase_problems(ok) == {}

    # A phase that ends before it starts.
    backwards = spans((d(0), d(9)), (d(19), d(10)), (d(20), d(29)), (d(30), d(39)), (d(40), d(49)))
    problems = phase_problems(backwards)
    assert list(problems) == [PhaseKind.SUPPORT]
    assert str(problems[PhaseKind.SUPPORT]) == "Tahap ini berakhir sebelum dimulai."

    # Overlapping: verifikasi starts inside dukungan.
    overlap = spans((d(0), d(9)), (d(10), d(19)), (d(15), d(29)), (d(30), d(39)), (d(40), d(49)))
    problems = phase_problems(overlap)
    assert list(problems) == [PhaseKind.REVIEW]
    assert "bertumpang tindih dengan tahap Dukungan warga" in str(problems[PhaseKind.REVIEW])

    # Touching days: the dates are inclusive, so starting on the day the previous one ends
    # overlaps, and starting the next day does not.
    touching = spans((d(0), d(9)), (d(9), d(19)), (d(20), d(29)), (d(30), d(39)), (d(40), d(49)))
    assert list(phase_problems(touching)) == [PhaseKind.SUPPORT]
    next_day = spans((d(0), d(9)), (d(10), d(10)), (d(11), d(11)), (d(12), d(12)), (d(13), d(13)))
    assert phase_problems(next_day) == {}

    # A one-day phase (start == end) is fine; a missing date is named.
    missing = spans((d(0), d(9)), (None, d(19)), (d(20), d(29)), (d(30), d(39)), (d(40), d(49)))
    problems = phase_problems(missing)
    assert list(problems) == [PhaseKind.SUPPORT]
    assert str(problems[PhaseKind.SUPPORT]) == "Isi tanggal mulai dan selesai tahap ini."

    # Out of order entirely: a later phase before an earlier one is an overlap.
    reversed_order = spans(
        (d(20), d(29)), (d(0), d(9)), (d(30), d(39)), (d(40), d(49)), (d(50), d(59))
    )
    assert PhaseKind.SUPPORT in phase_problems(reversed_order)
