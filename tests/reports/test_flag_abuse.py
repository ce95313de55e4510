"""Flag abuse: throw-away accounts from another kelurahan must not hide a report. Only flags
of verified residents of the report's kelurahan and its staff (or, with the setting
`flag_min_account_days`, of accounts old enough) count towards hiding; every flag is still
recorded for moderators; flagging is rate-limited per account."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import act_as, count, enable_plugin
from reports_helpers import make_report, set_settings

from app.extensions import db as _db
from app.models import utcnow
from plugins.reports.models import ReportComment, ReportFlag

BASE = "/k/kauman/laporan"
HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def reports_on(app):
    enable_plugin(app, "reports", "kauman")
    enable_plugin(app, "reports", "medono")


def flag(client, report, reason="spam"):
    return client.post(f"{BASE}/{report.id}/tandai", data={"reason": reason})


def test_three_fresh_accounts_of_another_kelurahan_do_not_hide_a_report(app, client, factory):
    """The reported attack: three new accounts of Medono flag a Kauman report at once."""
    report = make_report(factory, title="Jalan berlubang depan masjid")
    for _ in range(3):
        act_as(client, factory.user("warga", "medono"))
        assert flag(client, report).status_code == 302
    _db.session.refresh(report)
    assert report.hidden_at is None
    visitor = app.test_client()
    assert visitor.get(f"{BASE}/{report.id}").status_code == 200
    assert "Jalan berlubang depan masjid" in visitor.get(f"{BASE}/").get_data(as_text=True)

    # Recorded for the moderators all the same.
    assert count(ReportFlag, ReportFlag.target_id == report.id) == 3
    act_as(client, factory.user("petugas", "kauman"))
    queue = client.get(f"{BASE}/moderasi").get_data(as_text=True)
    assert "Jalan berlubang depan masjid" in queue
    assert "3 tanda belum ditinjau" in queue


def test_unverified_residents_of_the_kelurahan_do_not_hide_either(client, factory):
    report = make_report(factory)
    for _ in range(3):
        act_as(client, factory.user("warga", "kauman"))  # not verified by staff
        flag(client, report)
    _db.session.refresh(report)
    assert report.hidden_at is None


def test_three_verified_residents_hide_it(app, client, factory):
    report = make_report(factory)
    for _ in range(3):
        act_as(client, factory.user("warga", "kauman", verified=True))
        assert flag(client, report).status_code == 302
    _db.session.refresh(report)
    assert report.hidden_at is not None
    assert report.hidden_reason == "Disembunyikan otomatis setelah 3 tanda dari warga"
    assert app.test_client().get(f"{BASE}/{report.id}").status_code == 404


def test_staff_flags_count_and_outsiders_do_not_add_up(client, factory):
    report = make_report(factory)
    act_as(client, factory.user("warga", "medono"))
    flag(client, report)
    act_as(client, factory.user("petugas", "kauman"))
    flag(client, report)
    act_as(client, factory.user("warga", "kauman", verified=True))
    flag(client, report)
    _db.session.refresh(report)
    assert report.hidden_at is None  # two that count, one that does not: below three
    act_as(client, factory.user("warga", "kauman", verified=True))
    flag(client, report)
    _db.session.refresh(report)
    assert report.hidden_at is not None


def test_old_enough_accounts_count_when_the_setting_allows(client, factory):
    set_settings(factory, flag_min_account_days=30)
    report = make_report(factory)
    old = []
    for _ in range(3):
        user = factory.user("warga", "medono")
        user.created_at = utcnow() - timedelta(days=31)
        old.append(user)
    fresh = factory.user("warga", "medono")
    _db.session.commit()
    act_as(client, fresh)
    flag(client, report)
    for user in old[:2]:
        act_as(client, user)
        flag(client, report)
    _db.session.refresh(report)
    assert report.hidden_at is None  # the fresh account does not count
    act_as(client, old[2])
    flag(client, report)
    _db.session.refresh(report)
    assert report.hidden_at is not None


def test_comment_flags_follow_the_same_rule(client, factory):
    report = make_report(factory)
    comment = ReportComment(
        kelurahan_id=report.kelurahan_id,
        report_id=report.id,
        user_id=report.reporter_id,
        body="Komentar biasa saja",
    )
    _db.session.add(comment)
    _db.session.commit()
    for _ in range(3):
        act_as(client, factory.user("warga", "medono"))
        client.post(f"{BASE}/komentar/{comment.id}/tandai", data={"reason": "kasar"})
    _db.session.refresh(comment)
    assert comment.hidden_at is None


def test_flagging_is_rate_limited_per_account(client, factory):
    reports = [make_report(factory) for _ in range(11)]
    act_as(client, factory.user("warga", "kauman"))
    for report in reports[:10]:
        assert flag(client, report).status_code == 302
    response = flag(client, reports[10])
    assert response.status_code == 429
    assert "terlalu banyak menandai" in response.get_data(as_text=True)
    assert count(ReportFlag) == 10

    # On htmx (a comment's flag), the comments fragment carries the message.
    comment = ReportComment(
        kelurahan_id=reports[0].kelurahan_id,
        report_id=reports[0].id,
        user_id=reports[0].reporter_id,
        body="Komentar",
    )
    _db.session.add(comment)
    _db.session.commit()
    fragment = client.post(
        f"{BASE}/komentar/{comment.id}/tandai", data={"reason": "spam"}, headers=HTMX
    )
    body = fragment.get_data(as_text=True)
    assert "terlalu banyak menandai" in body and "<html" not in body
    assert count(ReportFlag) == 10

    # Another account is not affected.
    act_as(client, factory.user("warga", "kauman"))
    assert flag(client, reports[10]).status_code == 302
    assert count(ReportFlag) == 11
