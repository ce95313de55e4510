"""Issue 10 in a real browser: the kelurahan admin lists a street with a point picked on the
map ("Tempat & jalan"); a resident filing a report types it, taps "Cari lokasi" and the
street's point is set, without any outside geocoder."""

from __future__ import annotations

import re

import pytest
from conftest import enable_plugin
from playwright.sync_api import expect
from sqlalchemy import delete

from app.extensions import db
from app.models import Place

pytestmark = pytest.mark.browser

STREET = "Jl. Hayam Wuruk Uji Peta"


@pytest.fixture
def reports_on(live_server):
    with live_server.data():
        enable_plugin(live_server.app, "reports", "kauman")
    yield
    with live_server.data():
        enable_plugin(live_server.app, "reports", "kauman", enabled=False)
        db.session.execute(delete(Place).where(Place.name == STREET))
        db.session.commit()


def test_a_street_the_admin_lists_is_found_by_the_report_form(
    reports_on, new_page, live_server, sign_in
):
    admin = live_server.user("admin", "kauman")
    page = new_page()
    sign_in(page, admin["identifier"])
    page.goto("/k/kauman/admin/")
    page.get_by_role("link", name="Tempat & jalan").click()
    page.get_by_label("Jenis").first.select_option("jalan")
    page.get_by_label("Nama").first.fill(STREET)
    picker = page.locator("#place-picker")
    expect(picker.locator(".leaflet-tile-loaded").first).to_be_attached()
    box = picker.bounding_box()
    picker.click(position={"x": box["width"] / 2 + 15, "y": box["height"] / 2 - 15})
    lat_field, lng_field = page.get_by_label("Lintang (lat)"), page.get_by_label("Bujur (lng)")
    expect(lat_field).to_have_value(re.compile(r"^-6\.\d+$"))
    lat, lng = lat_field.input_value(), lng_field.input_value()
    page.get_by_role("button", name="Tambah").click()
    expect(page.get_by_text(f"{STREET} ditambahkan.")).to_be_visible()
    expect(page.locator("table")).to_contain_text(STREET)

    resident = live_server.user("warga", "kauman")
    form_page = new_page()
    sign_in(form_page, resident["identifier"])
    form_page.goto("/k/kauman/laporan/baru")
    form_page.get_by_label("Alamat atau patokan").fill("jalan hayam wuruk uji")
    form_page.get_by_role("button", name="Cari lokasi").click()
    form_page.get_by_role("button", name=STREET).click()
    assert float(form_page.get_by_label("Lintang (lat)").input_value()) == pytest.approx(
        float(lat), abs=1e-6
    )
    assert float(form_page.get_by_label("Bujur (lng)").input_value()) == pytest.approx(
        float(lng), abs=1e-6
    )
