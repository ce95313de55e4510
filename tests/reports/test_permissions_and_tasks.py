"""The plugin's permissions decide, not fixed roles: a kelurahan admin who takes
`reports.handle` from petugas takes the work queue and status changes with it, and a
resident given it can do both. Staff's "Tugas saya" page lists the reports queues of their
own kelurahan: reports awaiting a first answer and items flagged by residents."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from conftest import enable_plugin, kelurahan, make_user
from reports_helpers import make_report

from app.extensions import db as _db
from app.models import utcnow
from app.permissions import set_grant
from plugins.reports.models import ReportComment, ReportFlag

BASE = "/k/kauman/laporan"


@pytest.fixture(autouse=True)
def reports_on(app):
    enable_plugin(app, "reports", "kauman")
    enable_plugin(app, "reports", "medono")


def grant(app, permission: str, role: str, granted: bool, slug: str = "kauman") -> None:
    """As the kelurahan admin does on the plugin's permission grid."""
    with app.test_request_context():
        set_grant(kelurahan(slug), permission, role, granted)
        _db.session.commit()


def change_status(client, report, to_status="diverifikasi"):
    return client.post(f"{BASE}/{report.id}/status", data={"to_status": to_status, "note": ""})


# -- reports.handle and reports.moderate ------------------------------------------------------


def test_petugas_without_the_handle_grant_cannot_work_reports(app, client, factory, login_as):
    report = make_report(factory, title="Lubang di Gang 2")
    login_as("petugas", "kauman")
    assert client.get(f"{BASE}/kelola").status_code == 200
    grant(app, "reports.handle", "petugas", False)

    assert client.get(f"{BASE}/kelola").status_code == 403
    assert change_status(client, report).status_code == 403
    _db.session.refresh(report)
    assert report.status == "baru" and report.first_response_at is None
    # The report page no longer offers the status form; moderation stays theirs.
    page = client.get(f"{BASE}/{report.id}").get_data(as_text=True)
    assert "Simpan perubahan status" not in page and "Antrean kerja" not in page
    assert "Sembunyikan dari publik" in page


def test_resident_granted_handle_works_the_queue_and_changes_status(app, client, factory, login_as):
    report = make_report(factory, title="Sampah menumpuk di RT 03")
    login_as("warga", "kauman")
    assert client.get(f"{BASE}/kelola").status_code == 403
    assert change_status(client, report).status_code == 403
    grant(app, "reports.handle", "warga", True)

    queue = client.get(f"{BASE}/kelola")
    assert queue.status_code == 200 and "Sampah menumpuk di RT 03" in queue.get_data(as_text=True)
    response = change_status(client, report)
    assert response.status_code == 302
    _db.session.refresh(report)
    assert report.status == "diverifikasi"
    page = client.get(f"{BASE}/{report.id}").get_data(as_text=True)
    assert "Simpan perubahan status" in page
    # Handling is not moderating.
    assert "Sembunyikan dari publik" not in page
    assert client.get(f"{BASE}/moderasi").status_code == 403


def test_grants_are_per_kelurahan(app, client, factory, login_as):
    grant(app, "reports.handle", "petugas", False, slug="medono")
    login_as("petugas", "kauman")
    assert client.get(f"{BASE}/kelola").status_code == 200


def test_petugas_without_the_moderate_grant_cannot_hide_or_see_hidden(
    app, client, factory, login_as
):
    report = make_report(factory, title="Laporan biasa")
    hidden = make_report(factory, title="Laporan disembunyikan", hidden_at=utcnow())
    login_as("petugas", "kauman")
    grant(app, "reports.moderate", "petugas", False)

    assert client.get(f"{BASE}/moderasi").status_code == 403
    response = client.post(f"{BASE}/{report.id}/sembunyikan", data={"reason": "spam"})
    assert response.status_code == 403
    _db.session.refresh(report)
    assert report.hidden_at is None
    page = client.get(f"{BASE}/{report.id}").get_data(as_text=True)
    assert "Simpan perubahan status" in page and "Sembunyikan dari publik" not in page
    # Still a handler: a hidden report is reachable (marked), e.g. from a notification.
    assert client.get(f"{BASE}/{hidden.id}").status_code == 200


def test_a_handler_never_reaches_another_kelurahans_report(app, client, factory, login_as):
    other = make_report(factory, slug="medono", title="Laporan Medono")
    grant(app, "reports.handle", "warga", True)
    login_as("warga", "kauman")
    assert change_status(client, other).status_code == 404
    _db.session.refresh(other)
    assert other.status == "baru"


def test_api_keys_are_the_kelurahan_admins_in_the_core(app, client, login_as):
    """Keys moved to the core's admin pages: the staff menu links there for the admin only,
    and the plugin's former page is gone."""
    login_as("petugas", "kauman")
    grant(app, "reports.handle", "petugas", True)
    staff_page = client.get(f"{BASE}/kelola").get_data(as_text=True)
    assert "/k/kauman/admin/kunci-api" not in staff_page
    assert client.get("/k/kauman/admin/kunci-api").status_code == 403
    login_as("admin", "kauman")
    staff_page = client.get(f"{BASE}/kelola").get_data(as_text=True)
    assert 'href="/k/kauman/admin/kunci-api"' in staff_page
    page = client.get("/k/kauman/admin/kunci-api")
    assert page.status_code == 200 and "Mengirim laporan warga" in page.get_data(as_text=True)
    assert client.get(f"{BASE}/kunci-api").status_code == 404


# -- "Tugas saya" ----------------------------------------------------------------------------------


def queue(page: str, task_id: str) -> tuple[int, str, str]:
    """(count, link, text) of one queue on the "Tugas saya" page."""
    item = page.split(f'id="task-{task_id}"')[1].split("</li>")[0]
    count = int(re.search(r'<span class="count[^"]*">([\d.]+)</span>', item).group(1))
    link = re.search(r'<a href="([^"]+)">', item).group(1)
    return count, link, re.sub(r"<[^>]+>", " ", item)


def flag(target_type: str, target_id: int, slug="kauman", *, days_ago: float = 0, **extra):
    user = make_user("warga", slug)
    _db.session.add(
        ReportFlag(
            kelurahan_id=kelurahan(slug).id,
            target_type=target_type,
            target_id=target_id,
            user_id=user.id,
            reason="spam",
            created_at=utcnow() - timedelta(days=days_ago),
            **extra,
        )
    )
    _db.session.commit()


def seed_queues(factory):
    now = utcnow()
    oldest = make_report(factory, title="Belum dijawab lama", created_at=now - timedelta(days=5))
    make_report(factory, title="Belum dijawab baru", created_at=now - timedelta(hours=2))
    make_report(factory, title="Sudah dijawab", status="diproses", first_response_at=now)
    make_report(factory, title="Tersembunyi", hidden_at=now, created_at=now - timedelta(days=9))
    comment = ReportComment(
        kelurahan_id=oldest.kelurahan_id, report_id=oldest.id, user_id=oldest.reporter_id, body="x"
    )
    _db.session.add(comment)
    _db.session.commit()
    flag("report", oldest.id, days_ago=3)
    flag("report", oldest.id, days_ago=1)  # the same report twice: one item
    flag("comment", comment.id, days_ago=2)
    flag("comment", comment.id, days_ago=6, reviewed_at=now)  # reviewed: not waiting
    # Medono's work is Medono's.
    for i in range(4):
        other = make_report(factory, slug="medono", title=f"Medono {i}")
        flag("report", other.id, slug="medono", days_ago=10)


def test_staff_see_both_reports_queues_of_their_kelurahan(client, factory, login_as):
    seed_queues(factory)
    login_as("petugas", "kauman")
    page = client.get("/k/kauman/tugas/").get_data(as_text=True)
    count, link, text = queue(page, "reports-unanswered")
    assert count == 2 and link == f"{BASE}/kelola"
    assert "Laporan menunggu tanggapan pertama" in text and "5 hari" in text
    count, link, text = queue(page, "reports-flagged")
    assert count == 2 and link == f"{BASE}/moderasi"
    assert "Laporan dan komentar ditandai warga" in text and "3 hari" in text
    # Each link leads to the work.
    assert "Belum dijawab lama" in client.get(link).get_data(as_text=True)


def test_medono_staff_see_only_medono(client, factory, login_as):
    seed_queues(factory)
    login_as("petugas", "medono")
    page = client.get("/k/medono/tugas/").get_data(as_text=True)
    assert queue(page, "reports-unanswered")[:2] == (4, "/k/medono/laporan/kelola")
    assert queue(page, "reports-flagged")[0] == 4
    assert "Belum dijawab" not in page


def test_queues_follow_the_permissions(app, client, factory, login_as):
    seed_queues(factory)
    login_as("petugas", "kauman")
    grant(app, "reports.moderate", "petugas", False)
    page = client.get("/k/kauman/tugas/").get_data(as_text=True)
    assert "task-reports-unanswered" in page and "task-reports-flagged" not in page
    grant(app, "reports.handle", "petugas", False)
    page = client.get("/k/kauman/tugas/").get_data(as_text=True)
    assert "task-reports-" not in page


def test_empty_queues_show_zero(client, login_as):
    login_as("admin", "kauman")
    page = client.get("/k/kauman/tugas/").get_data(as_text=True)
    assert queue(page, "reports-unanswered")[0] == 0
    assert queue(page, "reports-flagged")[0] == 0


def test_queues_speak_english_from_the_plugins_own_catalogue(client, login_as):
    # These titles are in the plugin's translations/ only, not in the core's catalogue.
    login_as("petugas", "kauman")
    client.set_cookie("kp_lang", "en")
    page = client.get("/k/kauman/tugas/").get_data(as_text=True)
    assert "Reports awaiting a first response" in page
    assert "Reports and comments flagged by residents" in page
