"""The UMKM marketplace in a real browser: a group member opens a shop; staff find it on
"Tugas saya" and approve it; the member adds a product with a photo; a visitor sees it on
the kelurahan's home page at once, finds it by search, and its "Pesan via WhatsApp" link
carries the shop's number and a message naming the product and its page."""

from __future__ import annotations

import io
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import enable_plugin, loaded_width, make_group
from PIL import Image
from playwright.sync_api import expect

from app.extensions import db
from app.models import User

from .test_accessibility import assert_accessible

pytestmark = pytest.mark.browser


@pytest.fixture
def umkm_on(live_server):
    with live_server.data():
        enable_plugin(live_server.app, "umkm", "kauman")
    yield
    with live_server.data():
        enable_plugin(live_server.app, "umkm", "kauman", enabled=False)


def photo_file(tmp_path):
    path = tmp_path / "batik.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (120, 60, 30)).save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return path


def test_member_opens_shop_staff_approve_visitor_orders_by_whatsapp(
    umkm_on, new_page, live_server, sign_in, tmp_path
):
    member = live_server.user("warga", "kauman", name="Bu Siti Batik")
    staff = live_server.user("petugas", "kauman", name="Petugas Kauman")
    with live_server.data():
        make_group("kauman", leader=db.session.get(User, member["id"]), name="Batik Sekar Jagad")

    # The member opens the group's shop, tapping the map for its place.
    page = new_page()
    sign_in(page, member["identifier"])
    page.goto("/k/kauman/umkm/toko-saya")
    assert_accessible(page)
    page.locator("#may-open").get_by_role("link", name="Buka toko").click()
    page.get_by_label("Nama toko").fill("Batik Sekar Jagad Kauman")
    page.get_by_label("Cerita dan keterangan usaha").fill("Batik tulis warna alam sejak 1985.")
    page.get_by_label("Nomor WhatsApp").fill("0812-3456-7890")
    page.get_by_label("Alamat", exact=True).fill("Jl. Hayam Wuruk Gg. 3, Kauman")
    picker = page.locator("#shop-picker")
    expect(picker.locator(".leaflet-tile-loaded").first).to_be_attached()
    box = picker.bounding_box()
    picker.click(position={"x": box["width"] / 2 + 15, "y": box["height"] / 2 - 10})
    expect(page.get_by_label("Lintang (lat)")).to_have_value(re.compile(r"^-6\.\d+$"))
    assert_accessible(page)
    page.get_by_role("button", name="Buka toko").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Batik Sekar Jagad Kauman")
    expect(page.locator("main")).to_contain_text("Menunggu persetujuan")

    # Staff land on "Tugas saya", where the shop waits, and approve it from its queue.
    staff_page = new_page()
    sign_in(staff_page, staff["identifier"])
    expect(staff_page).to_have_url(re.compile(r"/k/kauman/tugas/$"))
    task = staff_page.locator("#task-umkm-shops-pending")
    expect(task.locator(".count")).to_have_text("1")
    assert_accessible(staff_page)
    task.get_by_role("link", name="Toko UMKM menunggu persetujuan").click()
    expect(staff_page).to_have_url(re.compile(r"/k/kauman/umkm/petugas/toko\?status=pending$"))
    assert_accessible(staff_page)
    card = staff_page.locator("li", has_text="Batik Sekar Jagad Kauman").first
    card.get_by_role("button", name="Setujui").click()
    expect(staff_page.locator(".flash")).to_contain_text("disetujui")

    # A visitor looks at the kelurahan's home page before there is anything to buy.
    visitor = new_page()
    visitor.goto("/k/kauman/")
    expect(visitor.locator("#widget-umkm-products")).to_contain_text("Belum ada produk UMKM.")

    # The member adds a product with a photo.
    page.goto("/k/kauman/umkm/toko-saya")
    page.get_by_role("link", name="Kelola toko").click()
    page.get_by_role("link", name="Tambah produk").first.click()
    page.get_by_label("Nama produk").fill("Kain batik tulis motif Jlamprang")
    page.get_by_label("Kategori").select_option("Batik tulis")
    page.get_by_label("Harga (Rp)").fill("350.000")
    page.get_by_label("Satuan").select_option("lembar")
    page.get_by_label("Keterangan").fill("Katun primisima 2 × 1,15 m, pewarna alam.")
    page.get_by_label("Foto (maksimal 5, foto pertama jadi sampul)").set_input_files(
        str(photo_file(tmp_path))
    )
    assert_accessible(page)
    page.get_by_role("button", name="Simpan produk").click()
    expect(page.locator("main")).to_contain_text("Kain batik tulis motif Jlamprang")
    assert_accessible(page)  # the dashboard, with its chart

    # The visitor, not signed in, sees the new product on the home page at once (its cached
    # panel was renewed), then searches the catalogue and opens the product.
    visitor.goto("/k/kauman/")
    widget = visitor.locator("#widget-umkm-products")
    expect(widget.get_by_role("link", name="Kain batik tulis motif Jlamprang")).to_be_visible()
    visitor.goto("/k/kauman/umkm/")
    visitor.get_by_label("Cari produk").fill("jlamprang")
    visitor.get_by_label("Cari produk").press("Enter")
    assert_accessible(visitor)
    visitor.get_by_role("link", name=re.compile("Kain batik tulis motif Jlamprang")).first.click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Kain batik tulis motif Jlamprang")
    expect(visitor.locator("main")).to_contain_text("Rp 350.000")
    cover = visitor.locator("main img").first
    expect(cover).to_be_visible()
    assert loaded_width(visitor, cover) > 0

    assert_accessible(visitor)
    order = visitor.get_by_role("link", name="Pesan via WhatsApp")
    href = order.get_attribute("href")
    parts = urlsplit(href)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "wa.me", "/6281234567890")
    message = parse_qs(parts.query)["text"][0]
    assert "Kain batik tulis motif Jlamprang" in message
    assert visitor.url.split("?")[0] in message
