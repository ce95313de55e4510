"""The reports plugin in a real browser: a resident files a report with a photo by tapping
the map and finds it on the map; staff find it on "Tugas saya" and close it as fixed; the
resident is notified."""

from __future__ import annotations

import io
import re

import pytest
from conftest import enable_plugin, loaded_width
from PIL import Image
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture
def reports_on(live_server):
    with live_server.data():
        enable_plugin(live_server.app, "reports", "kauman")
    yield
    with live_server.data():
        enable_plugin(live_server.app, "reports", "kauman", enabled=False)


def photo_file(tmp_path):
    path = tmp_path / "saluran.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (90, 120, 80)).save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return path


def test_resident_reports_staff_fix_resident_is_told(
    reports_on, new_page, live_server, sign_in, tmp_path
):
    resident = live_server.user("warga", "kauman", name="Rina Lestari")
    staff = live_server.user("petugas", "kauman", name="Petugas Kauman")
    title = "Saluran tersumbat depan Gang 3"

    # The resident files a report from a phone, setting the place by tapping the map.
    page = new_page()
    sign_in(page, resident["identifier"])
    page.goto("/k/kauman/laporan/baru")
    page.get_by_label("Kategori").select_option("Drainase / banjir")
    picker = page.locator("#report-picker")
    expect(picker.locator(".leaflet-tile-loaded").first).to_be_attached()
    box = picker.bounding_box()
    picker.click(position={"x": box["width"] / 2 + 20, "y": box["height"] / 2 - 10})
    expect(page.get_by_label("Lintang (lat)")).to_have_value(re.compile(r"^-6\.\d+$"))
    expect(page.get_by_label("Bujur (lng)")).to_have_value(re.compile(r"^109\.\d+$"))
    page.get_by_label("Judul singkat").fill(title)
    page.get_by_label("Keterangan").fill("Air meluap ke jalan setiap hujan sejak seminggu.")
    page.get_by_label("Foto (maksimal 3)").set_input_files(str(photo_file(tmp_path)))
    page.get_by_role("button", name="Kirim laporan").click()

    expect(page.get_by_text("Laporan terkirim.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    photo = page.get_by_role("img", name="Foto 1 dari laporan ini")
    expect(photo).to_be_visible()
    # The page shows the thumbnail; a tap opens the full 640 px photo.
    assert loaded_width(page, photo) == 480
    full = page.evaluate("img => img.closest('a').href", photo.element_handle())
    thumb = page.request.get(photo.get_attribute("src")).body()
    assert len(page.request.get(full).body()) > len(thumb)
    report_url = page.url

    # It is on the map, as a marker named after it.
    page.goto("/k/kauman/laporan/")
    expect(page.locator(f'#reports-map .leaflet-marker-icon[title="{title}"]')).to_be_attached()
    expect(page.locator("#report-list")).to_contain_text(title)

    # Staff find it on "Tugas saya", waiting for a first answer, and open it from the queue.
    staff_page = new_page()
    sign_in(staff_page, staff["identifier"])
    staff_page.goto("/k/kauman/tugas/")
    task = staff_page.locator("#task-reports-unanswered")
    expect(task.locator(".count")).to_have_text("1")
    task.get_by_role("link", name="Laporan menunggu tanggapan pertama").click()
    staff_page.get_by_role("link", name=re.compile(re.escape(title))).click()
    expect(staff_page).to_have_url(report_url)

    # Staff close it as fixed, with a public note.
    staff_page.get_by_label("Ubah status menjadi").select_option("selesai")
    staff_page.get_by_label("Catatan untuk publik").fill("Saluran sudah dibersihkan warga dan DPU.")
    staff_page.get_by_role("button", name="Simpan perubahan status").click()
    expect(staff_page.locator(".timeline")).to_contain_text("Saluran sudah dibersihkan")

    # The resident sees the notification.
    page.goto("/k/kauman/")
    expect(page.get_by_role("navigation", name="Akun").locator(".badge")).to_have_text("1")
    page.locator(".account-menu > summary").click()  # the account menu folds on a phone
    page.get_by_role("link", name=re.compile("^Notifikasi")).click()
    expect(page.locator("ul.results")).to_contain_text(title)
    expect(page.locator("ul.results")).to_contain_text("Selesai")
