"""The map without the internet: in CDN mode a CDN that cannot be reached falls back to the
vendored copies (CSP intact); when Leaflet or the tiles cannot load at all, the map's box
says so in Indonesian and points to the other ways of setting a location."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from conftest import enable_plugin, make_app
from playwright.sync_api import expect
from werkzeug.serving import make_server

from app.extensions import db
from browser.conftest import PHONE, Guard, LiveServer

pytestmark = pytest.mark.browser

REPORT_MESSAGE = (
    "Peta tidak dapat dimuat. Anda tetap bisa mengisi lokasi dengan tombol GPS, memilih "
    "tempat penting, atau menulis alamat."
)


@pytest.fixture(scope="module")
def cdn_server(tmp_path_factory) -> Iterator[LiveServer]:
    """A second, small live server in production's asset mode (KP_ASSETS=cdn)."""
    from app.seed import seed_kelurahan

    root = tmp_path_factory.mktemp("cdn")
    app = make_app(f"sqlite:///{root / 'cdn.db'}", root, KP_ASSETS="cdn")
    with app.app_context():
        db.create_all()
        seed_kelurahan()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="cdn-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", app)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def cdn_page(browser, cdn_server):
    """A page on the CDN-mode server with the CDN unreachable (as offline)."""
    context = browser.new_context(locale="id-ID", viewport=PHONE, base_url=cdn_server.url)
    guard = Guard(cdn_server.url)
    context.route("**/*", guard.route)  # everything but the app (and stubbed tiles) fails
    page = context.new_page()
    page.on("console", guard.on_console)
    page.on("pageerror", guard.on_page_error)
    page.guard = guard
    yield page
    context.close()


def test_cdn_unreachable_falls_back_to_the_local_copies(cdn_page):
    page = cdn_page
    page.goto("/")
    city_map = page.locator("#city-map")
    expect(city_map).to_have_class(re.compile(r"leaflet-container"))
    expect(city_map.locator(".leaflet-tile-loaded").first).to_be_attached()
    expect(city_map.locator(".leaflet-marker-icon").first).to_be_visible()
    assert page.evaluate("typeof window.L.markerClusterGroup") == "function"
    assert page.evaluate("typeof window.htmx") == "object"
    # Leaflet's stylesheet came from the fallback too: its rules apply.
    assert city_map.evaluate("el => getComputedStyle(el).overflow") == "hidden"
    expect(city_map.get_by_text("Peta tidak dapat dimuat.")).to_be_hidden()
    # The CDN was tried (and failed), the CSP refused nothing and no script broke.
    assert {urlsplit(u).hostname for u in page.guard.external} == {"unpkg.com"}
    assert page.guard.csp_violations == []
    assert page.guard.page_errors == []


@pytest.fixture
def reports_on(live_server):
    with live_server.data():
        enable_plugin(live_server.app, "reports", "kauman")
    yield
    with live_server.data():
        enable_plugin(live_server.app, "reports", "kauman", enabled=False)


def test_without_leaflet_the_report_form_says_how_else_to_set_the_place(
    reports_on, page, live_server, sign_in
):
    resident = live_server.user("warga", "kauman")
    sign_in(page, resident["identifier"])
    # Neither the CDN (the guard blocks every outside host) nor the local copies load.
    page.route("**/static/vendor/**", lambda route: route.abort())
    page.goto("/k/kauman/laporan/baru")
    picker = page.locator("#report-picker")
    expect(picker.get_by_text(REPORT_MESSAGE)).to_be_visible()
    # The ways it names are there: the GPS button, the address/landmark field and search.
    expect(page.get_by_role("button", name="Pakai lokasi saya")).to_be_attached()
    expect(page.get_by_label("Alamat atau patokan")).to_be_visible()
    expect(page.get_by_role("button", name="Cari lokasi")).to_be_visible()
    assert page.evaluate("typeof window.L") == "undefined"
    assert page.guard.csp_violations == [] and page.guard.page_errors == []
    page.guard.clear()  # the refused vendor files were logged as failed loads


def test_when_tiles_fail_the_map_says_so(page):
    page.route("https://tile.openstreetmap.org/**", lambda route: route.abort())
    page.goto("/")
    city_map = page.locator("#city-map")
    expect(city_map).to_have_class(re.compile(r"leaflet-container"))
    expect(city_map.get_by_text("Peta tidak dapat dimuat.")).to_be_visible()
    assert page.guard.csp_violations == [] and page.guard.page_errors == []
    page.guard.clear()


def test_with_a_working_map_the_message_is_hidden(page):
    page.goto("/")
    city_map = page.locator("#city-map")
    expect(city_map.locator(".leaflet-tile-loaded").first).to_be_attached()
    expect(city_map.get_by_text("Peta tidak dapat dimuat.")).to_be_hidden()
