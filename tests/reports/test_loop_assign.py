"""Staff assign a report to someone who may handle reports in that kelurahan ("Ditangani
oleh ..."), filter the work queue to their own ("Tugas saya saja"), and see open reports past
the kelurahan's target time marked "Lewat target" (a text badge, not colour alone)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from conftest import act_as, count, enable_plugin, make_user, notes_for
from reports_helpers import make_report, set_settings

from app.extensions import db as _db
from app.models import AuditEntry, utcnow
from plugins.reports.models import Report

BASE = "/k/kauman/laporan"


@pytest.fixture(autouse=True)
def reports_on(app):
    enable_plugin(app, "reports", "kauman")


def text(response) -> str:
    return response.get_data(as_text=True)


def assignee_of(report) -> int | None:
    _db.session.expire_all()
    return _db.session.get(Report, report.id).assignee_id


def queue_row(page: str, report) -> str:
    match = re.search(rf'<tr id="laporan-{report.id}"[^>]*>.*?</tr>', page, re.S)
    assert match, f"#{report.id} not in the queue"
    return match.group(0)


def test_assign_to_a_colleague_who_is_told(client, factory, login_as):
    report = make_report(factory)
    colleague = make_user("petugas", "kauman", name="Petugas Andi")
    me = login_as("admin", name="Lurah Kauman")
    page = text(client.get(f"{BASE}/{report.id}"))
    assert "Belum ditugaskan kepada petugas." in page
    assert f'<option value="{colleague.id}">Petugas Andi</option>' in page

    response = client.post(f"{BASE}/{report.id}/tugaskan", data={"assignee": str(colleague.id)})
    assert response.status_code == 303
    assert assignee_of(report) == colleague.id
    assert "Ditangani oleh Petugas Andi" in text(client.get(f"{BASE}/{report.id}"))
    assert any("Anda ditugaskan menangani laporan" in n for n in notes_for(colleague))
    assert notes_for(me) == []
    assert count(AuditEntry, AuditEntry.action == "report.assigned") == 1

    # Residents never see who handles it.
    act_as(client, make_user("warga", "kauman"))
    assert "Petugas Andi" not in text(client.get(f"{BASE}/{report.id}"))

    # Unassigning.
    act_as(client, me)
    client.post(f"{BASE}/{report.id}/tugaskan", data={"assignee": ""})
    assert assignee_of(report) is None


@pytest.mark.parametrize("who", ["resident", "other kelurahan staff", "unknown", "hostile"])
def test_only_handlers_of_this_kelurahan_may_be_assigned(client, factory, login_as, who):
    report = make_report(factory)
    login_as("petugas")
    value = {
        "resident": lambda: str(make_user("warga", "kauman").id),
        "other kelurahan staff": lambda: str(make_user("petugas", "medono").id),
        "unknown": lambda: "999999",
        "hostile": lambda: "1 OR 1=1",
    }[who]()
    response = client.post(f"{BASE}/{report.id}/tugaskan", data={"assignee": value})
    assert response.status_code == 404
    assert assignee_of(report) is None


def test_residents_may_not_assign_and_other_kelurahan_answers_404(app, client, factory, login_as):
    enable_plugin(app, "reports", "medono")
    report = make_report(factory)
    staff = make_user("petugas", "kauman")
    login_as("warga")
    assert (
        client.post(f"{BASE}/{report.id}/tugaskan", data={"assignee": staff.id}).status_code == 403
    )
    login_as("petugas", "medono")
    response = client.post(f"/k/medono/laporan/{report.id}/tugaskan", data={"assignee": ""})
    assert response.status_code == 404
    assert assignee_of(report) is None


def test_queue_shows_who_handles_and_filters_my_tasks(client, factory, login_as):
    me = login_as("petugas", name="Petugas Saya")
    colleague = make_user("petugas", "kauman", name="Petugas Lain")
    mine = make_report(factory, title="Laporan untuk saya", assignee_id=me.id)
    theirs = make_report(factory, title="Laporan untuk rekan", assignee_id=colleague.id)
    nobody = make_report(factory, title="Laporan tanpa petugas")

    page = text(client.get(f"{BASE}/kelola"))
    assert "Petugas Saya" in queue_row(page, mine)
    assert "Petugas Lain" in queue_row(page, theirs)
    assert "Belum ditugaskan" in queue_row(page, nobody)

    page = text(client.get(f"{BASE}/kelola?mine=1"))
    assert "Laporan untuk saya" in page
    assert "Laporan untuk rekan" not in page and "Laporan tanpa petugas" not in page
    assert 'name="mine" value="1" checked' in page


def test_queue_marks_open_reports_past_the_target(client, factory, login_as):
    set_settings(factory, target_days=5)
    login_as("petugas")
    now = utcnow()
    late = make_report(factory, title="Sudah lama", created_at=now - timedelta(days=6))
    fresh = make_report(factory, title="Masih baru", created_at=now - timedelta(days=4))
    closed_late = make_report(
        factory,
        title="Lama tapi selesai",
        status="selesai",
        created_at=now - timedelta(days=30),
        closed_at=now - timedelta(days=1),
    )
    page = text(client.get(f"{BASE}/kelola?status=all"))
    assert "Target penanganan: 5 hari." in page
    assert 'class="past-target"' in queue_row(page, late)
    assert "Lewat target" in queue_row(page, late)
    assert "Lewat target" not in queue_row(page, fresh)
    assert "Lewat target" not in queue_row(page, closed_late)

    set_settings(factory, target_days=3)
    page = text(client.get(f"{BASE}/kelola?status=all"))
    assert "Lewat target" in queue_row(page, fresh)


def test_tugas_saya_counts_open_reports_assigned_to_me(client, factory, login_as):
    me = login_as("petugas")
    colleague = make_user("petugas", "kauman")
    now = utcnow()
    make_report(factory, assignee_id=me.id, created_at=now - timedelta(days=4))
    make_report(factory, assignee_id=me.id, status="diproses")
    make_report(factory, assignee_id=me.id, status="selesai", closed_at=now)  # closed
    make_report(factory, assignee_id=colleague.id)  # someone else's
    page = client.get("/k/kauman/tugas/").get_data(as_text=True)
    item = page.split('id="task-reports-assigned"')[1].split("</li>")[0]
    assert re.search(r'<span class="count[^"]*">2</span>', item)
    assert "Laporan terbuka yang ditugaskan kepada saya" in item and "4 hari" in item
    link = re.search(r'<a href="([^"]+)">', item).group(1)
    assert link == f"{BASE}/kelola?mine=1"
    assert client.get(link).get_data(as_text=True).count('<tr id="laporan-') == 2
