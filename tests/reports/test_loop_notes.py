"""Staff's internal notes on a report: seen by those who handle reports there, and never by
residents: not on the public page (not even the reporter's), not in Open311, not in any
notification, not in the open-data CSV/GeoJSON."""

from __future__ import annotations

import pytest
from conftest import act_as, count, enable_plugin, make_user
from reports_helpers import make_report
from sqlalchemy import select

from app.extensions import db as _db
from app.models import AuditEntry, Notification, OutboxMessage
from plugins.reports.models import ReportFollow, ReportNote

BASE = "/k/kauman/laporan"
SECRET = "Pelapor tetangga pemilik gudang, hati-hati"


@pytest.fixture(autouse=True)
def reports_on(app):
    enable_plugin(app, "reports", "kauman")


def text(response) -> str:
    return response.get_data(as_text=True)


def add_note(client, report, body=SECRET, **extra):
    return client.post(f"{BASE}/{report.id}/catatan-internal", data={"body": body, **extra})


def test_staff_keep_notes_that_residents_never_see(app, client, factory, login_as):
    reporter = make_user("warga", "kauman")
    follower = make_user("warga", "kauman")
    report = make_report(factory, reporter, status="diproses")
    _db.session.add(
        ReportFollow(kelurahan_id=report.kelurahan_id, report_id=report.id, user_id=follower.id)
    )
    _db.session.commit()
    staff = login_as("petugas", name="Petugas Sari")

    response = add_note(client, report)
    assert response.status_code == 303 and response.location.endswith("#catatan-internal")
    page = text(client.get(f"{BASE}/{report.id}"))
    assert SECRET in page and "Petugas Sari" in page
    note = _db.session.execute(select(ReportNote)).scalar_one()
    assert (note.author_id, note.kelurahan_id) == (staff.id, report.kelurahan_id)
    # Audited, without the note's words (the audit log is read more widely).
    entry = _db.session.execute(
        select(AuditEntry).where(AuditEntry.action == "report.internal_note")
    ).scalar_one()
    assert SECRET not in str(entry.after) and entry.after == {"note": note.id}

    # Staff also change the status: the public note goes out, the internal one never.
    client.post(f"{BASE}/{report.id}/status", data={"to_status": "selesai", "note": "Selesai."})

    for viewer in (reporter, follower, make_user("warga", "kauman")):
        act_as(client, viewer)
        assert SECRET not in text(client.get(f"{BASE}/{report.id}"))
        assert SECRET not in text(client.get(f"{BASE}/"))
    with client.session_transaction() as session:
        session.clear()
    outside = [
        f"{BASE}/{report.id}",
        f"/open311/v2/requests/{report.id}.json?jurisdiction_id=kauman",
        "/open311/v2/requests.json?jurisdiction_id=kauman",
        "/open311/v2/requests.xml?jurisdiction_id=kauman",
        "/k/kauman/data-terbuka/laporan.csv",
        "/k/kauman/data-terbuka/laporan.geojson",
    ]
    for url in outside:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Pelapor tetangga" not in text(response), url
    messages = _db.session.execute(select(Notification.message)).scalars().all()
    bodies = _db.session.execute(select(OutboxMessage.body)).scalars().all()
    assert messages and not any("Pelapor tetangga" in m for m in [*messages, *bodies])


def test_residents_may_not_write_or_read_notes(client, factory, login_as):
    reporter = login_as("warga")
    report = make_report(factory, reporter)
    assert add_note(client, report).status_code == 403
    assert "Catatan internal" not in text(client.get(f"{BASE}/{report.id}"))
    assert count(ReportNote) == 0


def test_another_kelurahans_report_answers_404(app, client, factory, login_as):
    enable_plugin(app, "reports", "medono")
    report = make_report(factory)
    login_as("petugas", "medono")
    response = client.post(f"/k/medono/laporan/{report.id}/catatan-internal", data={"body": "x"})
    assert response.status_code == 404 and count(ReportNote) == 0


@pytest.mark.parametrize(
    "body, message",
    [("   ", "Wajib diisi."), ("x" * 2001, "Catatan paling banyak 2000 karakter.")],
)
def test_bad_note_is_refused_and_kept(client, factory, login_as, body, message):
    report = make_report(factory)
    login_as("petugas")
    response = add_note(client, report, body)
    assert response.status_code == 422
    assert message in text(response)
    if body.strip():
        assert body in text(response)
    assert count(ReportNote) == 0


def test_the_same_note_sent_twice_is_saved_once(client, factory, login_as):
    report = make_report(factory)
    login_as("petugas")
    token = "tok_" + "a" * 24
    assert add_note(client, report, submission_token=token).status_code == 303
    again = add_note(client, report, submission_token=token)
    assert again.status_code in (302, 303)
    assert count(ReportNote) == 1
