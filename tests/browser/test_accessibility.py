"""axe-core finds no serious or critical accessibility problem on the main pages, on a phone.

Pages with a map are checked after the map has built and its markers arrived, so Leaflet's
controls and markers are checked too.
"""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

BLOCKING = {"serious", "critical"}


def blocking_violations(page) -> list[dict]:
    results = Axe().run(page)
    return [v for v in results.response["violations"] if v.get("impact") in BLOCKING]


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} [{v.get('helpUrl', '')}]")
        for node in v["nodes"]:
            lines.append(
                f"    {' '.join(map(str, node['target']))}: {node.get('failureSummary', '')}"
            )
    return "\n".join(lines)


def assert_accessible(page) -> None:
    violations = blocking_violations(page)
    assert not violations, f"axe on {page.url}:\n{describe(violations)}"


def wait_for_map(page, selector: str) -> None:
    expect(page.locator(f"{selector}.leaflet-container")).to_be_visible()
    expect(page.locator(f"{selector} .leaflet-marker-icon").first).to_be_visible()


def test_city_home(page):
    page.goto("/")
    wait_for_map(page, "#city-map")
    assert_accessible(page)


def test_kelurahan_home(page):
    page.goto("/k/kauman/")
    wait_for_map(page, "#kelurahan-map")
    assert_accessible(page)


def test_a_kelurahan_page_nobody_has_filled_in_yet(page):
    page.goto("/k/medono/")
    expect(page.get_by_role("heading", name="Ke mana mengadu")).to_be_visible()
    wait_for_map(page, "#kelurahan-map")
    assert_accessible(page)


def test_privacy_page(page):
    page.goto("/kebijakan-privasi")
    expect(page.get_by_role("heading", level=1)).to_have_text("Kebijakan privasi")
    assert_accessible(page)


def test_admin_home_with_its_setup_checklist(new_page, live_server, sign_in):
    admin = live_server.user("admin", "medono", email="admin.medono@contoh.id", name="Pak Lurah")
    page = new_page()
    sign_in(page, admin["identifier"])
    page.goto("/k/medono/admin/")
    expect(page.get_by_role("heading", name="Lengkapi halaman kelurahan")).to_be_visible()
    assert_accessible(page)


def test_signup_form_also_with_errors(page):
    page.goto("/daftar")
    expect(page.get_by_role("heading", level=1)).to_have_text("Daftar akun warga")
    assert_accessible(page)

    page.get_by_role("button", name="Daftar", exact=True).click()
    expect(page.get_by_role("alert")).to_have_text("Periksa kembali isian yang ditandai.")
    expect(page.get_by_label("Nama tampilan")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)


def test_admin_plugins_page(new_page, live_server, sign_in):
    admin = live_server.user("admin", "kauman", email="admin.a11y@contoh.id", name="Bu Lurah")
    page = new_page()
    sign_in(page, admin["identifier"])
    page.goto("/k/kauman/admin/plugin")
    expect(page.locator("#plugin-notices")).to_contain_text("Papan pengumuman")
    assert_accessible(page)


def test_the_check_can_fail(page):
    """A control without a name is reported: the assertion above is not vacuous."""
    page.goto("/daftar")
    page.evaluate(
        "() => { const b = document.createElement('button');"
        " document.querySelector('main').appendChild(b); }"
    )
    ids = {v["id"] for v in blocking_violations(page)}
    assert "button-name" in ids
