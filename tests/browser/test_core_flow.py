"""The platform in a real browser: a resident signs up (confirming by the link sent to their
e-mail), signs in and creates a group; the
kelurahan admin switches the example plugin off and on and its menu entry follows; the city
map builds from the vendored Leaflet under the Content Security Policy."""

from __future__ import annotations

import re

import pytest
from conftest import PASSWORD
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect
from sqlalchemy import select
from test_accounts import CaptureSender, signup_link

from app.extensions import db
from app.models import Group, GroupMember, User

pytestmark = pytest.mark.browser


def kelurahan_menu(page):
    return page.get_by_role("navigation", name="Menu kelurahan")


def test_resident_signs_up_signs_in_and_creates_a_group(page, live_server, sign_in, monkeypatch):
    # What the resident's mailbox receives (the outbox keeps the link's secret masked).
    monkeypatch.setitem(live_server.app.extensions, "kp_sender", CaptureSender(live_server.app))
    page.goto("/daftar")
    page.get_by_label("E-mail atau nomor HP").fill("sari.rahayu@contoh.id")
    page.get_by_label("Nama tampilan").fill("Sari Rahayu")
    page.get_by_label("Kelurahan tempat tinggal").select_option(label="Kauman (Pekalongan Timur)")
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Daftar", exact=True).click()

    expect(page).to_have_url(re.compile(r"/daftar/periksa$"))
    expect(page.get_by_text("Kami sudah mengirim tautan ke s•••@contoh.id.")).to_be_visible()
    with live_server.data():
        query = select(User).where(User.email == "sari.rahayu@contoh.id")
        assert db.session.execute(query).scalar_one_or_none() is None  # not before the link

    page.goto(signup_link(live_server.app))
    expect(page.get_by_role("heading", level=1)).to_have_text("Selesaikan pendaftaran")
    page.get_by_role("button", name="Aktifkan akun saya").click()

    expect(page.get_by_text("Akun Anda sudah dibuat. Selamat bergabung!")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/k/kauman/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Kelurahan Kauman")
    expect(page.get_by_role("navigation", name="Akun")).to_contain_text("Sari Rahayu")

    page.locator(".account-menu > summary").click()  # the account menu folds on a phone
    page.get_by_role("button", name="Keluar", exact=True).click()
    expect(page.get_by_text("Anda sudah keluar.")).to_be_visible()
    expect(page.get_by_role("link", name="Masuk", exact=True)).to_be_visible()

    sign_in(page, "sari.rahayu@contoh.id")
    expect(page.get_by_text("Selamat datang, Sari Rahayu.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/k/kauman/$"))

    kelurahan_menu(page).get_by_role("link", name="Kelompok", exact=True).click()
    page.get_by_role("link", name="Buat kelompok").click()
    page.get_by_label("Nama kelompok").fill("Batik Tulis Kauman")
    page.get_by_label("Jenis kelompok").select_option(label="UMKM")
    page.get_by_label("Deskripsi").fill("Perajin batik tulis di Kampung Batik Kauman.")
    page.get_by_role("button", name="Simpan").click()

    expect(
        page.get_by_text("Kelompok dibuat. Petugas kelurahan akan memverifikasinya.")
    ).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Batik Tulis Kauman")
    expect(page.get_by_text("Anda ketua kelompok ini.")).to_be_visible()

    kelurahan_menu(page).get_by_role("link", name="Kelompok", exact=True).click()
    card = page.get_by_role("listitem").filter(has_text="Batik Tulis Kauman")
    expect(card).to_contain_text("UMKM")
    expect(card).to_contain_text("Belum diverifikasi")

    with live_server.data():
        user = db.session.execute(
            select(User).where(User.email == "sari.rahayu@contoh.id")
        ).scalar_one()
        assert user.home_kelurahan.slug == "kauman"
        group = db.session.execute(
            select(Group).where(Group.name == "Batik Tulis Kauman")
        ).scalar_one()
        assert group.kelurahan_id == user.home_kelurahan_id
        assert group.verified_at is None
        leader = db.session.execute(
            select(GroupMember).where(GroupMember.group_id == group.id)
        ).scalar_one()
        assert (leader.user_id, leader.role, leader.status) == (user.id, "ketua", "active")


def test_admin_switches_the_example_plugin_and_its_menu_entry_follows(
    new_page, live_server, sign_in
):
    admin = live_server.user("admin", "kauman", email="lurah.kauman@contoh.id", name="Lurah")
    page = new_page()
    sign_in(page, admin["identifier"])

    page.goto("/k/kauman/admin/plugin")
    plugin = page.locator("#plugin-notices")
    state = plugin.get_by_role("heading", name="Papan pengumuman")
    expect(state).to_have_text(re.compile(r"^Papan pengumuman\s+Nonaktif$"))
    page.get_by_role("button", name="Aktifkan Papan pengumuman").click()

    expect(page.get_by_text("Papan pengumuman diaktifkan.")).to_be_visible()
    expect(state).to_have_text(re.compile(r"^Papan pengumuman\s+Aktif$"))
    expect(plugin.get_by_role("link", name="Matikan Papan pengumuman")).to_be_visible()

    page.goto("/k/kauman/")
    entry = kelurahan_menu(page).get_by_role("link", name="Pengumuman", exact=True)
    expect(entry).to_be_visible()
    expect(page.get_by_role("heading", name="Pengumuman terbaru")).to_be_visible()
    entry.click()
    expect(page).to_have_url(re.compile(r"/k/kauman/pengumuman/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Papan pengumuman")

    page.goto("/k/medono/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Kelurahan Medono")
    expect(kelurahan_menu(page).get_by_role("link", name="Kelompok", exact=True)).to_be_visible()
    expect(kelurahan_menu(page).get_by_role("link", name="Pengumuman")).to_have_count(0)

    page.goto("/k/kauman/admin/plugin")
    page.get_by_role("link", name="Matikan Papan pengumuman").click()
    # First what disappears and who is told; only the confirmation switches it off.
    expect(page.get_by_role("heading", level=1)).to_have_text("Matikan Papan pengumuman?")
    expect(page.get_by_text("Menu: Pengumuman.")).to_be_visible()
    page.get_by_role("button", name="Ya, matikan Papan pengumuman").click()
    expect(page.get_by_text("Papan pengumuman dimatikan.")).to_be_visible()
    expect(state).to_have_text(re.compile(r"^Papan pengumuman\s+Nonaktif$"))

    page.goto("/k/kauman/")
    expect(kelurahan_menu(page).get_by_role("link", name="Kelompok", exact=True)).to_be_visible()
    expect(kelurahan_menu(page).get_by_role("link", name="Pengumuman")).to_have_count(0)
    expect(page.get_by_role("heading", name="Pengumuman terbaru")).to_have_count(0)


def test_city_map_builds_from_local_assets_under_the_csp(page, live_server):
    page.goto("/")
    scripts = page.locator("script[src]")
    expect(scripts.first).to_be_attached()
    for src in scripts.evaluate_all("nodes => nodes.map(n => n.getAttribute('src'))"):
        assert src.startswith("/static/"), src

    city_map = page.get_by_role("region", name="Peta kelurahan di Kota Pekalongan")
    expect(city_map).to_have_class(re.compile(r"\bleaflet-container\b"))
    expect(city_map.locator(".leaflet-tile-loaded").first).to_be_visible()
    expect(city_map.get_by_role("button", name="Perbesar")).to_be_visible()
    expect(city_map.get_by_role("link", name="OpenStreetMap")).to_be_visible()

    # The 27 kelurahan arrive as GeoJSON and show as named markers or "n lokasi" clusters.
    expect(city_map.get_by_role("button", name=re.compile(r"^\d+ lokasi$")).first).to_be_visible()
    page.wait_for_function(
        """() => [...document.querySelectorAll('#city-map .leaflet-marker-icon')]
            .map(n => n.classList.contains('marker-cluster') ? parseInt(n.textContent, 10) : 1)
            .reduce((a, b) => a + b, 0) === 27"""
    )

    marker = city_map.locator(".leaflet-marker-icon:not(.marker-cluster)").first
    name = marker.get_attribute("alt")
    assert name
    marker.press("Enter")  # markers are keyboard buttons; a tap may land on a control
    popup = city_map.locator(".leaflet-popup-content")
    expect(popup).to_contain_text(name)
    popup.get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Kelurahan {name}")


def test_the_guard_notices_csp_violations_and_outside_requests(page, live_server):
    """The browser tests can fail: an inline script is refused by the CSP and reported, and
    a request to another host is blocked and reported."""
    page.goto("/daftar")
    with page.expect_console_message(lambda m: "Content Security Policy" in m.text):
        page.evaluate(
            "() => { const s = document.createElement('script');"
            " s.textContent = 'window.inlineRan = true'; document.head.appendChild(s); }"
        )
    assert page.evaluate("() => window.inlineRan === undefined")
    assert page.guard.csp_violations

    with pytest.raises(PlaywrightError, match="ERR_BLOCKED_BY_CLIENT"):
        page.goto("https://unpkg.com/leaflet@1.9.4/dist/leaflet.js")
    assert page.guard.external == ["https://unpkg.com/leaflet@1.9.4/dist/leaflet.js"]
    page.guard.clear()
