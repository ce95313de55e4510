"""The core's content flags (app/flags.py, through app.kit): what a resident who flags a
plugin's comment, and the staff who review it, notice. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from flask import current_app, render_template_string
from flask_login import login_user
from sqlalchemy import func, select
from werkzeug.exceptions import BadRequest

import app.flags as flags_module
from app import kit
from app.extensions import limiter
from app.models import ContentFlag
from app.tenancy import scoped_to
from tests.conftest import StatementCounter, kelurahan, make_user

PLUGIN = "proposals"


@pytest.fixture(autouse=True)
def fresh_limits(app):
    """Each test starts with no flags counted against any account."""
    limiter.reset()


@contextmanager
def posting_as(user, slug: str = "kauman", reason: str | None = "spam"):
    """A POST of the flag form by `user` inside kelurahan `slug`."""
    data = {} if reason is None else {"reason": reason}
    with current_app.test_request_context("/tandai", method="POST", data=data):
        login_user(user)
        with scoped_to(kelurahan(slug).id):
            yield


def flag(user, target_id: int = 1, *, owner_id=None, threshold=3, slug="kauman", **kwargs):
    """`user` flags comment `target_id` of the proposals plugin; committed as a view would."""
    plugin = kwargs.pop("plugin", PLUGIN)
    with posting_as(user, slug, **kwargs):
        outcome = kit.add_flag(plugin, "comment", target_id, owner_id=owner_id, threshold=threshold)
        kit.db.session.commit()
    return outcome


def flags_on(target_id: int, slug: str = "kauman") -> list[ContentFlag]:
    return list(
        kit.db.session.execute(
            select(ContentFlag).where(
                ContentFlag.target_id == target_id,
                ContentFlag.kelurahan_id == kelurahan(slug).id,
            )
        ).scalars()
    )


def resident(slug: str = "kauman"):
    return make_user("warga", slug, verified=True)


def test_a_residents_flag_is_recorded_once(db):
    budi = resident()
    first = flag(budi, 7, reason="kasar")
    assert (first.status, first.flaggers, first.reached) == ("added", 1, False)
    assert first.category == "success"
    assert first.message == "Terima kasih. Petugas akan meninjau tanda dari Anda."
    [row] = flags_on(7)
    assert (row.plugin_id, row.target_type, row.user_id, row.reason) == (
        PLUGIN,
        "comment",
        budi.id,
        "kasar",
    )
    assert row.reviewed_at is None and row.created_at.tzinfo is not None

    again = flag(budi, 7, reason="spam")
    assert again.status == "already" and again.category == "info"
    assert again.message == "Anda sudah menandai ini. Petugas akan meninjaunya."
    assert len(flags_on(7)) == 1


def test_a_double_click_that_races_the_first_flag_says_already(db, monkeypatch):
    budi = resident()
    flag(budi, 7)
    # The second click's check ran before the first click's insert was committed.
    monkeypatch.setattr(flags_module, "_has_flagged", lambda *args: False)
    with posting_as(budi):
        caller_row = kit.Group(
            kelurahan_id=kelurahan("kauman").id,
            name="Dibuat oleh pemanggil",
            slug="dibuat-pemanggil",
            kind="lainnya",
            created_by_id=budi.id,
        )
        kit.db.session.add(caller_row)
        outcome = kit.add_flag(PLUGIN, "comment", 7, owner_id=None, threshold=3)
        assert outcome.status == "already"
        kit.db.session.commit()  # what the caller added before is not lost with the flag
    assert len(flags_on(7)) == 1
    assert kit.db.session.scalar(select(func.count()).select_from(kit.Group)) == 1


def test_own_comment_cannot_be_flagged(db):
    budi = resident()
    outcome = flag(budi, 7, owner_id=budi.id)
    assert outcome.status == "own" and outcome.category == "info"
    assert outcome.message == "Anda tidak dapat menandai tulisan Anda sendiri."
    assert flags_on(7) == []


@pytest.mark.parametrize("reason", [None, "", "bukan-alasan"])
def test_a_flag_needs_a_reason_from_the_list(db, reason):
    outcome = flag(resident(), 7, reason=reason)
    assert outcome.status == "invalid" and outcome.category == "error"
    assert outcome.message == "Pilih alasan menandai."
    assert flags_on(7) == []


def test_a_form_without_its_csrf_token_is_refused(db):
    with posting_as(resident()):
        form = kit.FlagForm(meta={"csrf": True})
        with pytest.raises(BadRequest):
            kit.add_flag(PLUGIN, "comment", 7, owner_id=None, threshold=3, form=form)
    assert flags_on(7) == []


def test_only_verified_residents_and_staff_count_towards_hiding(db):
    unverified = make_user("warga", "kauman", verified=False)
    outsider = resident("medono")  # verified, but in another kelurahan
    outcome = flag(unverified, 7, threshold=2)
    assert (outcome.status, outcome.flaggers, outcome.reached) == ("added", 0, False)
    outcome = flag(outsider, 7, threshold=2)
    assert (outcome.status, outcome.flaggers, outcome.reached) == ("added", 0, False)

    outcome = flag(resident(), 7, threshold=2)
    assert (outcome.flaggers, outcome.reached) == (1, False)
    outcome = flag(make_user("petugas", "kauman"), 7, threshold=2)
    assert (outcome.flaggers, outcome.reached) == (2, True)
    assert outcome.message == "Terima kasih. Tulisan ini disembunyikan sampai ditinjau petugas."
    # The city admin counts too; every flag is kept for the moderators.
    outcome = flag(make_user(None, "kauman", city_admin=True), 7, threshold=2)
    assert outcome.flaggers == 3
    assert len(flags_on(7)) == 5
    with scoped_to(kelurahan("kauman").id):
        assert len(kit.unreviewed_flags(PLUGIN, "comment", [7])[7]) == 5


def test_the_eleventh_flag_in_an_hour_is_refused_in_every_plugin(db):
    budi = resident()
    for target_id in range(1, 11):
        assert flag(budi, target_id).status == "added"
    outcome = flag(budi, 11)
    assert outcome.status == "limited" and outcome.category == "error"
    assert "terlalu banyak menandai" in outcome.message
    assert flag(budi, 12, plugin="reports_extra").status == "limited"
    with scoped_to(kelurahan("kauman").id):
        assert kit.db.session.scalar(select(func.count(ContentFlag.id))) == 10
    # Someone else is not held back by Budi's flags.
    assert flag(resident(), 11).status == "added"


def test_review_clears_the_staff_queue_and_flags_start_over(db):
    first, second, third = resident(), resident(), resident()
    staff = make_user("petugas", "kauman")
    flag(first, 7)
    flag(second, 7)
    flag(first, 8)
    with scoped_to(kelurahan("kauman").id):
        count, oldest = kit.flag_queue(PLUGIN)
        assert count == 2 and oldest == min(f.created_at for f in flags_on(7) + flags_on(8))
        assert kit.flag_queue("other") == (0, None)
        assert kit.review_flags(PLUGIN, "comment", 7, reviewer_id=staff.id) == 2
        kit.db.session.commit()
        assert kit.flag_queue(PLUGIN)[0] == 1
        assert set(kit.unreviewed_flags(PLUGIN, "comment", [7, 8])) == {8}
        assert kit.review_flags(PLUGIN, "comment", 7, reviewer_id=staff.id) == 0
    assert all(f.reviewed_by_id == staff.id for f in flags_on(7))
    # Reviewed flags no longer count, but their authors cannot flag the item again.
    assert flag(first, 7).status == "already"
    assert (flag(third, 7).flaggers, flag(second, 8).flaggers) == (1, 2)
    with scoped_to(kelurahan("kauman").id):
        assert kit.flag_queue(PLUGIN)[0] == 2


def test_list_pages_read_many_comments_flags_in_one_query(db):
    budi, sari = resident(), resident()
    budi_id, sari_id = budi.id, sari.id
    flag(budi, 7, reason="kasar")
    flag(sari, 7, reason="spam")
    flag(budi, 9)
    with scoped_to(kelurahan("kauman").id):
        with StatementCounter() as counter:
            found = kit.unreviewed_flags(PLUGIN, "comment", [7, 8, 9])
        assert counter.n == 1
        assert set(found) == {7, 9}
        assert [f.reason for f in found[7]] == ["kasar", "spam"]
        with StatementCounter() as counter:
            assert kit.flagged_by(budi_id, PLUGIN, "comment", [7, 8, 9]) == {7, 9}
        assert counter.n == 1
        assert kit.flagged_by(sari_id, PLUGIN, "comment", [7, 8, 9]) == {7}
        assert kit.flagged_by(sari_id, PLUGIN, "proposal", [7]) == set()
        with StatementCounter() as counter:
            assert kit.flagged_by(None, PLUGIN, "comment", [7]) == set()
            assert kit.unreviewed_flags(PLUGIN, "comment", []) == {}
        assert counter.n == 0


def test_another_kelurahans_flags_are_not_seen(db):
    flag(resident("kauman"), 7)
    flag(resident("kauman"), 7)
    neighbour = resident("medono")
    staff = make_user("petugas", "medono")
    with scoped_to(kelurahan("medono").id):
        assert kit.flag_queue(PLUGIN) == (0, None)
        assert kit.unreviewed_flags(PLUGIN, "comment", [7]) == {}
        assert kit.review_flags(PLUGIN, "comment", 7, reviewer_id=staff.id) == 0
        kit.db.session.commit()
    # Comment 7 of Medono is another comment: its count starts at one.
    outcome = flag(neighbour, 7, slug="medono")
    assert (outcome.status, outcome.flaggers) == ("added", 1)
    assert len(flags_on(7, "kauman")) == 2 and len(flags_on(7, "medono")) == 1
    assert all(f.reviewed_at is None for f in flags_on(7, "kauman"))
    with scoped_to(kelurahan("kauman").id):
        assert kit.flag_queue(PLUGIN)[0] == 1
        assert len(kit.unreviewed_flags(PLUGIN, "comment", [7])[7]) == 2


MACRO = """{% from "macros/flags.html" import flag_control %}
{{ flag_control(form, "/k/kauman/usulan/komentar/5/tandai", "Tandai tidak pantas",
                what="komentar Budi") }}"""


def test_the_flag_control_is_an_accessible_form_with_csrf(app):
    with app.test_request_context("/"):
        html = render_template_string(MACRO, form=kit.FlagForm())
    assert "<details" in html and "<summary>Tandai tidak pantas" in html
    assert '<span class="visually-hidden"> komentar Budi</span>' in html
    assert 'method="post" action="/k/kauman/usulan/komentar/5/tandai"' in html
    assert 'name="csrf_token" value="' in html
    field_id = "flag-k-kauman-usulan-komentar-5-tandai-reason"
    assert f'<label for="{field_id}">Alasan</label>' in html
    assert f'id="{field_id}"' in html and 'name="reason"' in html and "required" in html
    assert html.count("<option") == len(kit.FLAG_REASONS) == 5
    assert "Spam atau iklan" in html and "Kirim tanda</button>" in html
    assert '<details class="flag">' in html  # closed until opened


def test_a_refused_flag_form_opens_with_its_error(app):
    with app.test_request_context("/tandai", method="POST", data={"reason": "x"}):
        form = kit.FlagForm()
        assert not form.validate_on_submit()
        html = render_template_string(MACRO, form=form)
    assert '<details class="flag" open>' in html
    assert 'aria-invalid="true"' in html and 'class="error"' in html
