"""Closing the loop in a real browser: staff close a report as fixed with a photo of the
repair; its reporter is asked "Sudah beres?" and either confirms it, or says "Masih rusak"
with a note, which reopens the report for staff."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from conftest import enable_plugin, kelurahan, loaded_width
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models import utcnow
from plugins.reports.models import Report

pytestmark = pytest.mark.browser


CREATED: list[int] = []


@pytest.fixture
def reports_on(live_server):
    # A kelurahan of its own: the shared live server keeps every report, and the main
    # report flow counts what waits in Kauman.
    with live_server.data():
        enable_plugin(live_server.app, "reports", "klego")
    yield
    with live_server.data():
        # The server is shared by the session: keep these off other tests' maps.
        for report in db.session.execute(select(Report).where(Report.id.in_(CREATED))).scalars():
            report.hidden_at = report.hidden_at or utcnow()
        db.session.commit()
        enable_plugin(live_server.app, "reports", "klego", enabled=False)


def report_of(live_server, reporter: dict, title: str, **fields) -> int:
    with live_server.data():
        created = utcnow() - timedelta(days=2)
        values = {
            "category": "Jalan rusak",
            "description": "Lubang besar di tengah jalan, berbahaya untuk motor.",
            "lat": -6.8899,
            "lng": 109.6728,
            "status": "diproses",
            "source": "web",
            "created_at": created,
            "first_response_at": created + timedelta(hours=2),
            **fields,
        }
        report = Report(
            kelurahan_id=kelurahan("klego").id, title=title, reporter_id=reporter["id"], **values
        )
        db.session.add(report)
        db.session.commit()
        CREATED.append(report.id)
        return report.id


def fits_the_screen(page) -> bool:
    """Nothing wider than a 360 px phone: no sideways scrolling."""
    page.set_viewport_size({"width": 360, "height": 740})
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def repair_photo(tmp_path):
    path = tmp_path / "perbaikan.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (120, 120, 120)).save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return path


def test_staff_fix_with_photo_and_the_reporter_confirms(
    reports_on, new_page, live_server, sign_in, tmp_path
):
    reporter = live_server.user("warga", "klego", name="Budi Santoso")
    staff = live_server.user("petugas", "klego", name="Petugas Jalan")
    report_id = report_of(live_server, reporter, "Jalan berlubang di Jl. Hayam Wuruk")
    url = f"/k/klego/laporan/{report_id}"

    staff_page = new_page()
    sign_in(staff_page, staff["identifier"])
    staff_page.goto(url)
    assert fits_the_screen(staff_page)  # the staff panel with all its tools, on a phone
    staff_page.get_by_label("Ubah status menjadi").select_option("selesai")
    staff_page.get_by_label("Catatan untuk publik").fill("Lubang sudah ditambal aspal.")
    staff_page.get_by_label("Foto tindak lanjut (maksimal 3)").set_input_files(
        str(repair_photo(tmp_path))
    )
    staff_page.get_by_role("button", name="Simpan perubahan status").click()
    expect(staff_page.locator(".timeline")).to_contain_text("Lubang sudah ditambal aspal.")
    # The repair photo is in the public history, as a re-encoded thumbnail.
    photo = staff_page.get_by_role("img", name="Foto 1 tindak lanjut Selesai")
    expect(photo).to_be_visible()
    assert loaded_width(staff_page, photo) == 480
    expect(staff_page.get_by_role("heading", name="Sudah beres?")).to_have_count(0)

    page = new_page()
    sign_in(page, reporter["identifier"])
    page.goto(url)
    question = page.get_by_role("region", name="Sudah beres?")
    expect(question).to_be_visible()
    assert fits_the_screen(page)
    question.get_by_role("button", name="Sudah beres").click()

    expect(page.get_by_text("Terima kasih! Laporan tercatat sudah beres.")).to_be_visible()
    expect(page.get_by_role("region", name="Sudah beres?")).to_have_count(0)
    expect(page.locator(".timeline")).to_contain_text("Pelapor: sudah beres")
    expect(page.locator(".report .badge").first).to_have_text("Selesai")

    # A visitor sees the same history; nobody else is asked.
    visitor = new_page()
    visitor.goto(url)
    expect(visitor.locator(".timeline")).to_contain_text("Pelapor: sudah beres")
    expect(visitor.get_by_role("region", name="Sudah beres?")).to_have_count(0)


def test_reporter_says_still_broken_and_staff_see_it_reopened(
    reports_on, new_page, live_server, sign_in
):
    reporter = live_server.user("warga", "klego", name="Sri Wahyuni")
    staff = live_server.user("petugas", "klego", name="Petugas Drainase")
    closed = utcnow() - timedelta(days=1)
    report_id = report_of(
        live_server,
        reporter,
        "Lampu jalan mati di Gang Melati",
        status="selesai",
        closed_at=closed,
    )
    url = f"/k/klego/laporan/{report_id}"

    page = new_page()
    sign_in(page, reporter["identifier"])
    page.goto(url)
    question = page.get_by_role("region", name="Sudah beres?")
    # Without a note the report is not reopened, and the reporter is told why.
    question.get_by_role("button", name="Masih rusak").click()
    expect(page.get_by_text("Ceritakan apa yang masih rusak")).to_be_visible()
    expect(page.locator(".report .badge").first).to_have_text("Selesai")
    # The refused form answers 422, which the browser logs as a failed load: expected here.
    assert all("422" in m for m in page.guard.console_errors)
    page.guard.clear()

    page.get_by_label("Apa yang masih rusak?").fill("Lampu menyala semalam lalu mati lagi.")
    page.get_by_role("button", name="Masih rusak").click()
    expect(page.get_by_text("Laporan dibuka kembali.")).to_be_visible()
    expect(page.locator(".report .badge").first).to_have_text("Diproses")
    timeline = page.locator(".timeline")
    expect(timeline).to_contain_text("dibuka kembali oleh pelapor: masih rusak")
    expect(timeline).to_contain_text("Lampu menyala semalam lalu mati lagi.")
    expect(page.get_by_role("region", name="Sudah beres?")).to_have_count(0)

    # Staff are told, and find the report open again with the reporter's note.
    staff_page = new_page()
    sign_in(staff_page, staff["identifier"])
    staff_page.goto("/notifikasi")
    note = staff_page.get_by_role("link", name=re.compile("Pelapor membuka kembali laporan"))
    expect(note).to_be_visible()
    note.click()
    expect(staff_page).to_have_url(re.compile(f"{url}$"))
    expect(staff_page.locator(".report .badge").first).to_have_text("Diproses")
    expect(staff_page.get_by_label("Ubah status menjadi")).to_be_visible()
