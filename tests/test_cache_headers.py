"""What caches may keep: a signed-in person's pages are `private, no-store` (a shared phone's
back button, a shared proxy); public pages for visitors and static files are not; the CSP
lists the exact pinned CDN files, not the CDN's whole origin."""

from __future__ import annotations

import pytest
from conftest import make_app

from app.assets import ASSETS, leaflet_image_urls

NO_STORE = "private, no-store"


def cache_control(response) -> str:
    return response.headers.get("Cache-Control") or ""


@pytest.mark.parametrize(
    "role, url",
    [
        ("warga", "/notifikasi"),
        ("warga", "/akun"),
        ("petugas", "/k/kauman/tugas/"),
        ("admin", "/k/kauman/admin/"),
        ("admin", "/k/kauman/admin/warga"),
        ("admin_kota", "/kota/"),
        ("warga", "/k/kauman/"),  # even a public page, once it greets a signed-in person
    ],
)
def test_pages_of_a_signed_in_person_are_no_store(client, login_as, role, url):
    login_as(role, "kauman")
    response = client.get(url)
    assert response.status_code == 200, url
    assert cache_control(response) == NO_STORE
    assert "Expires" not in response.headers


def test_an_anonymous_public_page_is_not_no_store(client):
    for url in ("/", "/k/kauman/"):
        response = client.get(url)
        assert response.status_code == 200
        assert "no-store" not in cache_control(response)
    # Served again from the page cache: still not no-store.
    assert "no-store" not in cache_control(client.get("/k/kauman/"))


def test_static_files_keep_their_cache_for_signed_in_people(client, login_as):
    login_as("warga", "kauman")
    response = client.get("/static/vendor/leaflet-1.9.4/leaflet.js")
    assert response.status_code == 200
    assert "no-store" not in cache_control(response)


def test_a_view_that_asked_for_no_store_keeps_it(client, login_as):
    login_as("admin", "kauman")
    from conftest import enable_plugin

    enable_plugin(client.application, "reports", "kauman")
    response = client.get("/k/kauman/admin/kunci-api")
    assert response.status_code == 200
    assert "no-store" in cache_control(response)


# -- the CSP -----------------------------------------------------------------------------------


def test_csp_lists_each_pinned_cdn_file_and_no_bare_origin(database_urls, tmp_path, backend):
    app = make_app(database_urls(backend), tmp_path, KP_ASSETS="cdn")
    with app.app_context():
        from conftest import _reset

        _reset(app)
    csp = app.test_client().get("/").headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    for name, asset in ASSETS.items():
        kind = "style-src" if name.endswith(".css") else "script-src"
        assert asset.cdn_url in directives[kind].split(), name
    for url in leaflet_image_urls():
        assert url in directives["img-src"].split()
    assert "https://unpkg.com/leaflet@1.9.4/dist/images/marker-icon.png" in directives["img-src"]
    for kind in ("script-src", "style-src", "img-src"):
        sources = directives[kind].split()
        assert "https://unpkg.com" not in sources and "https://unpkg.com/" not in sources
        assert not any(s.startswith("https://unpkg.com") and s.endswith("/") for s in sources)


def test_csp_in_local_mode_allows_only_self_for_scripts(client):
    csp = client.get("/").headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "style-src 'self';" in csp
    assert "unpkg" not in csp
