"""Photos in a real browser (static/js/photos.js, macros/photos.html): a big phone photo is
shrunk to 1600 px before it is sent, and a form error keeps it: the form comes back with the
photo shown and the next submit files the report with it."""

from __future__ import annotations

import pytest
from conftest import enable_plugin, loaded_width
from PIL import Image, ImageDraw
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models import Media, PendingUpload

pytestmark = pytest.mark.browser


@pytest.fixture
def reports_on(live_server):
    # A kelurahan of its own: the shared live server keeps every report, and the main
    # report flow counts what waits in Kauman.
    with live_server.data():
        enable_plugin(live_server.app, "reports", "poncol")
    yield
    with live_server.data():
        enable_plugin(live_server.app, "reports", "poncol", enabled=False)


def big_photo(tmp_path):
    """A 4000 × 3000 JPEG, as a phone camera makes (with detail, so it is megabytes)."""
    image = Image.linear_gradient("L").resize((4000, 3000)).convert("RGB")
    draw = ImageDraw.Draw(image)
    for x in range(0, 4000, 37):
        draw.line([(x, 0), (4000 - x, 3000)], fill=(x % 255, 90, 160), width=3)
    path = tmp_path / "IMG_20261130_091500.jpg"
    image.save(path, "JPEG", quality=92)
    return path


def expected_422(page) -> None:
    """The refused form answers 422, which the browser logs as a failed load: expected."""
    assert all("422" in m for m in page.guard.console_errors), page.guard.console_errors
    page.guard.clear()


def test_a_big_photo_is_shrunk_before_upload_and_survives_a_form_error(
    reports_on, page, live_server, sign_in, tmp_path
):
    resident = live_server.user("warga", "poncol", name="Dewi Anggraini")
    photo = big_photo(tmp_path)
    sign_in(page, resident["identifier"])
    page.goto("/k/poncol/laporan/baru")
    field = page.get_by_label("Foto (maksimal 3)")
    assert field.get_attribute("accept") == "image/*"

    # Everything but the title: the form will come back.
    page.get_by_label("Kategori").select_option("Fasilitas umum")
    page.get_by_label("Lintang (lat)").fill("-6.8861")
    page.get_by_label("Bujur (lng)").fill("109.6702")
    page.get_by_label("Keterangan").fill("Bangku taman patah, paku mencuat di sandaran.")
    sizes = []
    page.on(
        "request",
        lambda r: sizes.append(len(r.post_data_buffer or b"")) if r.method == "POST" else None,
    )
    field.set_input_files(str(photo))
    expect(page.locator("[data-photo-previews] img")).to_have_count(1)  # shrunk and previewed
    page.get_by_role("button", name="Kirim laporan").click()

    expect(page.get_by_text("Wajib diisi.")).to_be_visible()
    expected_422(page)
    kept = page.get_by_role("img", name="Foto tersimpan 1")
    expect(kept).to_be_visible()
    assert loaded_width(page, kept) == 1600
    assert sizes and sizes[-1] < photo.stat().st_size / 2  # the upload was the small copy
    with live_server.data():
        row = db.session.execute(
            select(PendingUpload).where(PendingUpload.user_id == resident["id"])
        ).scalar_one()
        assert (row.media.width, row.media.height) == (1600, 1200)  # the server got 1600 px
        assert row.media.public is False

    # Only the title is added; the photo is not chosen again.
    page.get_by_label("Judul singkat").fill("Bangku taman patah")
    page.get_by_role("button", name="Kirim laporan").click()
    expect(page.get_by_text("Laporan terkirim.")).to_be_visible()
    expect(page.get_by_role("img", name="Foto 1 dari laporan ini")).to_be_visible()
    with live_server.data():
        mine = PendingUpload.user_id == resident["id"]
        assert db.session.execute(select(PendingUpload).where(mine)).first() is None
        widths = db.session.execute(
            select(Media.width).where(Media.uploaded_by_id == resident["id"])
        ).scalars()
        assert max(widths) == 1600  # the photo (and its smaller thumbnail)


def test_a_kept_photo_is_removed_in_place(reports_on, page, live_server, sign_in, tmp_path):
    resident = live_server.user("warga", "poncol")
    small = tmp_path / "kecil.jpg"
    Image.new("RGB", (320, 240), (10, 120, 60)).save(small, "JPEG")
    sign_in(page, resident["identifier"])
    page.goto("/k/poncol/laporan/baru")
    page.get_by_label("Foto (maksimal 3)").set_input_files(str(small))
    expect(page.locator("[data-photo-previews] img")).to_have_count(1)
    page.get_by_role("button", name="Kirim laporan").click()
    kept = page.get_by_role("img", name="Foto tersimpan 1")
    expect(kept).to_be_visible()
    expected_422(page)
    page.wait_for_load_state()  # photos.js is deferred: ticked earlier, the box is the no-JS path
    page.get_by_label("Hapus foto ini").check()
    expect(kept).to_be_hidden()
    page.get_by_role("button", name="Kirim laporan").click()
    expect(page.get_by_text("Wajib diisi.").first).to_be_visible()
    expect(page.get_by_role("img", name="Foto tersimpan 1")).to_have_count(0)
    expected_422(page)
    with live_server.data():
        mine = db.session.execute(
            select(PendingUpload).where(PendingUpload.user_id == resident["id"])
        ).first()
        assert mine is None
