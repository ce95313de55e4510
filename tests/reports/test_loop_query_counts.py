"""The loop's additions keep page costs flat: the staff's report page (internal notes,
assignee, forwards, photos on status updates), the reporter's page with "Sudah beres?" and
the work queue (assignees, "Lewat target", "Tugas saya") run the same number of SQL
statements with a little data as with a lot."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from conftest import StatementCounter, act_as, enable_plugin, make_user
from sqlalchemy import insert

from app import caching
from app.extensions import db as _db
from app.models import Media, utcnow
from plugins.reports.models import Report, ReportForward, ReportNote, ReportUpdate, UpdatePhoto

BASE = "/k/kauman/laporan"
_serial = itertools.count()


@pytest.fixture(autouse=True)
def reports_on(app):
    enable_plugin(app, "reports", "kauman")


def statements(client, url: str) -> int:
    assert client.get(url).status_code == 200, url  # warm-up
    caching.cache.clear()
    with StatementCounter(_db.engine) as counter:
        response = client.get(url)
    assert response.status_code == 200, url
    return counter.n


def many_reports(kelurahan_id: int, n: int, people: list) -> None:
    now = utcnow()
    rows = [
        {
            "kelurahan_id": kelurahan_id,
            "category": "Sampah",
            "title": f"Laporan massal {i}",
            "description": "Sampah menumpuk.",
            "lat": -6.8899,
            "lng": 109.6728,
            "status": ["baru", "diproses", "selesai"][i % 3],
            "reporter_id": people[i % len(people)].id,
            "assignee_id": people[i % len(people)].id if i % 2 else None,
            "hide_name": False,
            "source": "web",
            "created_at": now - timedelta(days=i % 40),
            "updated_at": now,
        }
        for i in range(n)
    ]
    _db.session.execute(insert(Report), rows)
    _db.session.commit()


def grow(report: Report, staff: list, n: int) -> None:
    """Give `report` n more internal notes, forwards and photographed status updates."""
    kid = report.kelurahan_id
    for _ in range(n):
        i = next(_serial)
        author = staff[i % len(staff)]
        _db.session.add(
            ReportNote(kelurahan_id=kid, report_id=report.id, author_id=author.id, body=f"N{i}")
        )
        report.forwards.append(
            ReportForward(kelurahan_id=kid, agency=f"Dinas {i}", email=f"d{i}@contoh.id", note="")
        )
        update = ReportUpdate(
            kelurahan_id=kid, actor_id=None, from_status="selesai", to_status="selesai"
        )
        media, thumb = (
            Media(
                relpath=f"reports/u{report.id}-{i}-{side}.jpg",
                width=side,
                height=side,
                content_type="image/jpeg",
                size_bytes=1,
                kelurahan_id=kid,
            )
            for side in (800, 480)
        )
        update.photos.append(UpdatePhoto(kelurahan_id=kid, media=media, thumb=thumb, position=0))
        report.updates.append(update)
    _db.session.commit()


def test_loop_pages_cost_the_same_with_more_data(client, factory):
    staff = [make_user("petugas", "kauman", name=f"Petugas {i}") for i in range(6)]
    reporter = make_user("warga", "kauman")
    now = utcnow()
    report = Report(
        kelurahan_id=staff[0].home_kelurahan_id,
        category="Sampah",
        title="Sampah di pasar",
        description="Menumpuk.",
        lat=-6.8899,
        lng=109.6728,
        status="selesai",
        reporter_id=reporter.id,
        assignee_id=staff[1].id,
        created_at=now - timedelta(days=10),
        first_response_at=now - timedelta(days=9),
        closed_at=now - timedelta(days=1),
    )
    _db.session.add(report)
    _db.session.commit()
    many_reports(report.kelurahan_id, 5, staff[:2])
    grow(report, staff[:1], 1)

    def measure() -> dict[str, int]:
        act_as(client, staff[0])
        counts = {
            "staff report page": statements(client, f"{BASE}/{report.id}"),
            "work queue": statements(client, f"{BASE}/kelola?status=all"),
            "my tasks": statements(client, f"{BASE}/kelola?mine=1&status=all"),
        }
        act_as(client, reporter)
        page = client.get(f"{BASE}/{report.id}").get_data(as_text=True)
        assert "Sudah beres?" in page
        counts["reporter's page"] = statements(client, f"{BASE}/{report.id}")
        return counts

    small = measure()
    many_reports(report.kelurahan_id, 300, staff)
    # Notes by people who no longer handle reports (not loaded for the assignee list).
    grow(report, [make_user("warga", "kauman") for _ in range(6)], 12)
    large = measure()
    page = client.get(f"{BASE}/{report.id}").get_data(as_text=True)
    assert page.count("Diteruskan ke Dinas") == 13 and page.count("tindak lanjut Selesai") == 13
    assert large == small, f"{small} with little data, {large} with more"
