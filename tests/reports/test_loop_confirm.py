"""Closing the loop with the reporter: once staff mark a report `selesai`, only its reporter
is asked "Sudah beres?" for `confirm_days` days. "Sudah beres" records the answer in the
public history; "Masih rusak" needs a note, reopens the report to `diproses` and tells
staff. Without an answer nothing changes and the question goes away."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import act_as, count, enable_plugin, make_user, notes_for
from reports_helpers import make_report, set_settings
from sqlalchemy import select

from app.extensions import db as _db
from app.models import AuditEntry, utcnow
from plugins.reports.models import Report, ReportFollow, ReportUpdate

BASE = "/k/kauman/laporan"
QUESTION = "Sudah beres?"


@pytest.fixture(autouse=True)
def reports_on(app):
    enable_plugin(app, "reports", "kauman")


def fixed_report(factory, reporter, *, days_ago: float = 1, **fields) -> Report:
    """A report of `reporter` that staff closed as fixed `days_ago` days ago."""
    closed = utcnow() - timedelta(days=days_ago)
    return make_report(
        factory,
        reporter,
        status="selesai",
        created_at=closed - timedelta(days=3),
        first_response_at=closed - timedelta(days=2),
        closed_at=closed,
        **fields,
    )


def reload(report: Report) -> Report:
    _db.session.expire_all()
    return _db.session.get(Report, report.id)


def updates_of(report: Report) -> list[ReportUpdate]:
    return list(
        _db.session.execute(
            select(ReportUpdate)
            .where(ReportUpdate.report_id == report.id)
            .order_by(ReportUpdate.id)
        ).scalars()
    )


def text(response) -> str:
    return response.get_data(as_text=True)


def test_staff_closing_asks_only_the_reporter(client, factory, login_as):
    reporter = login_as("warga")
    report = make_report(factory, reporter, status="diproses")
    staff = make_user("petugas", "kauman")
    act_as(client, staff)
    response = client.post(
        f"{BASE}/{report.id}/status",
        data={"to_status": "selesai", "note": "Sampah sudah diangkut truk DLH."},
    )
    assert response.status_code == 302
    # The reporter's notice asks the question too.
    [told] = notes_for(reporter)
    assert "Sampah sudah diangkut" in told and "Sudah beres? Jawab di halaman laporan" in told
    assert QUESTION not in text(client.get(f"{BASE}/{report.id}"))  # not to staff

    act_as(client, reporter)
    page = text(client.get(f"{BASE}/{report.id}"))
    assert QUESTION in page and "Sudah beres</button>" in page and "Masih rusak</button>" in page

    act_as(client, make_user("warga", "kauman"))
    assert QUESTION not in text(client.get(f"{BASE}/{report.id}"))
    with client.session_transaction() as session:
        session.clear()
    assert QUESTION not in text(client.get(f"{BASE}/{report.id}"))


@pytest.mark.parametrize("status", ["baru", "diproses", "ditolak", "duplikat"])
def test_no_question_unless_fixed(client, factory, login_as, status):
    reporter = login_as("warga")
    report = make_report(factory, reporter, status=status, closed_at=utcnow())
    assert QUESTION not in text(client.get(f"{BASE}/{report.id}"))


def test_sudah_beres_is_recorded_once_and_shown_publicly(client, factory, login_as):
    reporter = login_as("warga")
    report = fixed_report(factory, reporter)
    response = client.post(f"{BASE}/{report.id}/sudah-beres", follow_redirects=True)
    page = text(response)
    assert "Terima kasih! Laporan tercatat sudah beres." in page
    assert QUESTION not in page
    report = reload(report)
    assert report.status == "selesai" and report.confirmed_at is not None
    assert [(u.to_status, u.by_reporter) for u in updates_of(report)] == [("selesai", True)]
    entry = _db.session.execute(
        select(AuditEntry).where(AuditEntry.action == "report.confirmed_fixed")
    ).scalar_one()
    assert entry.actor_id == reporter.id and entry.object_id == str(report.id)

    # A second tap (a retry, the back button) changes nothing and says so.
    again = client.post(f"{BASE}/{report.id}/sudah-beres", follow_redirects=True)
    assert "Jawaban Anda sudah tercatat." in text(again)
    assert len(updates_of(report)) == 1

    with client.session_transaction() as session:
        session.clear()
    assert "Pelapor: sudah beres" in text(client.get(f"{BASE}/{report.id}"))


def test_masih_rusak_needs_a_note_and_keeps_nothing_without_it(client, factory, login_as):
    reporter = login_as("warga")
    report = fixed_report(factory, reporter)
    response = client.post(f"{BASE}/{report.id}/masih-rusak", data={"note": "   "})
    assert response.status_code == 422
    assert "Ceritakan apa yang masih rusak" in text(response)
    assert reload(report).status == "selesai" and updates_of(report) == []

    too_long = "x" * 2001
    response = client.post(f"{BASE}/{report.id}/masih-rusak", data={"note": too_long})
    assert response.status_code == 422
    assert "Catatan paling banyak 2000 karakter." in text(response)
    assert too_long in text(response)  # what was typed is still there
    assert reload(report).status == "selesai"


def test_masih_rusak_reopens_tells_staff_and_followers_not_the_reporter(client, factory, login_as):
    reporter = login_as("warga")
    staff = make_user("petugas", "kauman")
    follower = make_user("warga", "kauman")
    other_staff = make_user("petugas", "medono")
    report = fixed_report(factory, reporter)
    _db.session.add(
        ReportFollow(kelurahan_id=report.kelurahan_id, report_id=report.id, user_id=follower.id)
    )
    _db.session.commit()

    note = "Sampah <b>menumpuk</b> lagi sejak kemarin sore."
    response = client.post(f"{BASE}/{report.id}/masih-rusak", data={"note": note})
    assert response.status_code == 303
    page = text(client.get(response.location))
    assert "Petugas sudah diberi tahu" in page
    assert "dibuka kembali oleh pelapor: masih rusak" in page
    assert "Sampah &lt;b&gt;menumpuk&lt;/b&gt; lagi" in page
    assert QUESTION not in page

    report = reload(report)
    assert report.status == "diproses" and report.closed_at is None
    [update] = updates_of(report)
    assert (update.from_status, update.to_status, update.by_reporter) == (
        "selesai",
        "diproses",
        True,
    )
    [told_staff] = notes_for(staff)
    assert "Pelapor membuka kembali laporan" in told_staff and "menumpuk" in told_staff
    [told_follower] = notes_for(follower)
    assert "masih rusak" in told_follower and "Catatan pelapor" in told_follower
    assert notes_for(reporter) == [] and notes_for(other_staff) == []
    assert count(AuditEntry, AuditEntry.action == "report.reopened_by_reporter") == 1

    # Sent twice: the report is no longer waiting for an answer; nothing more happens.
    again = client.post(
        f"{BASE}/{report.id}/masih-rusak", data={"note": note}, follow_redirects=True
    )
    assert "Jawaban Anda sudah tercatat." in text(again)
    assert len(updates_of(report)) == 1

    # Anyone reading the report sees the reporter's note in the history.
    with client.session_transaction() as session:
        session.clear()
    assert "dibuka kembali oleh pelapor" in text(client.get(f"{BASE}/{report.id}"))


def test_closed_again_asks_again(client, factory, login_as):
    reporter = login_as("warga")
    report = fixed_report(factory, reporter, days_ago=5)
    report.confirmed_at = utcnow() - timedelta(days=4)  # answered the earlier closing
    report.closed_at = utcnow() - timedelta(days=1)  # closed again since
    _db.session.commit()
    assert QUESTION in text(client.get(f"{BASE}/{report.id}"))


def test_after_confirm_days_nothing_changes_and_the_question_is_gone(client, factory, login_as):
    set_settings(factory, confirm_days=3)
    reporter = login_as("warga")
    late = fixed_report(factory, reporter, days_ago=3.1)
    recent = fixed_report(factory, reporter, days_ago=2.9)
    assert QUESTION in text(client.get(f"{BASE}/{recent.id}"))
    assert QUESTION not in text(client.get(f"{BASE}/{late.id}"))

    for action, data in (("sudah-beres", {}), ("masih-rusak", {"note": "Masih rusak."})):
        response = client.post(f"{BASE}/{late.id}/{action}", data=data, follow_redirects=True)
        assert "Laporan ini tidak lagi menunggu jawaban Anda." in text(response)
    late = reload(late)
    assert late.status == "selesai" and late.confirmed_at is None and updates_of(late) == []


def test_only_the_reporter_may_answer(app, client, factory, login_as):
    reporter = make_user("warga", "kauman")
    report = fixed_report(factory, reporter)
    login_as("warga")
    assert client.post(f"{BASE}/{report.id}/sudah-beres").status_code == 403
    assert client.post(f"{BASE}/{report.id}/masih-rusak", data={"note": "x"}).status_code == 403
    login_as("petugas")  # staff do not answer for the reporter either
    assert client.post(f"{BASE}/{report.id}/sudah-beres").status_code == 403
    with client.session_transaction() as session:
        session.clear()
    response = client.post(f"{BASE}/{report.id}/sudah-beres")
    assert response.status_code == 302 and "/masuk" in response.location
    assert reload(report).confirmed_at is None and updates_of(report) == []


def test_another_kelurahans_report_is_not_found(app, client, factory):
    enable_plugin(app, "reports", "medono")
    reporter = make_user("warga", "kauman")
    report = fixed_report(factory, reporter)
    act_as(client, reporter)
    response = client.post(f"/k/medono/laporan/{report.id}/sudah-beres")
    assert response.status_code == 404
    assert reload(report).confirmed_at is None


def test_hidden_report_of_someone_else_is_not_found(client, factory, login_as):
    reporter = make_user("warga", "kauman")
    report = fixed_report(factory, reporter, hidden_at=utcnow(), hidden_reason="Spam")
    login_as("warga")
    assert client.post(f"{BASE}/{report.id}/sudah-beres").status_code == 404
    # Its reporter may still answer on their own hidden report.
    act_as(client, reporter)
    assert client.post(f"{BASE}/{report.id}/sudah-beres").status_code == 303


def test_a_late_empty_answer_is_still_answered_kindly(client, factory, login_as):
    reporter = login_as("warga")
    report = make_report(factory, reporter, status="diproses")
    response = client.post(f"{BASE}/{report.id}/masih-rusak", data={"note": ""})
    assert response.status_code == 303
    assert updates_of(report) == []


@pytest.mark.parametrize("action", ["sudah-beres", "masih-rusak"])
def test_answers_need_the_csrf_token(app, client, factory, login_as, action):
    app.config["WTF_CSRF_ENABLED"] = True
    reporter = login_as("warga")
    report = fixed_report(factory, reporter)
    response = client.post(f"{BASE}/{report.id}/{action}", data={"note": "Masih rusak."})
    assert response.status_code == 400
    report = reload(report)
    assert report.status == "selesai" and report.confirmed_at is None
