"""Security headers, cookies, the secret key rule, and pinned front-end assets."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import pytest
from conftest import PRODUCTION_SERVICES, make_app

from app import create_app
from app.assets import ASSETS
from app.config import ConfigError

STATIC = Path(__file__).resolve().parent.parent / "static" / "vendor"


@pytest.mark.parametrize("name", sorted(ASSETS))
def test_local_copy_matches_the_pinned_sri(name):
    """KP_ASSETS=local serves exactly the bytes the CDN tag's integrity hash allows."""
    asset = ASSETS[name]
    digest = hashlib.sha384((STATIC / asset.local).read_bytes()).digest()
    assert asset.sri == "sha384-" + base64.b64encode(digest).decode()


def test_cdn_mode_uses_pinned_urls_with_integrity(database_urls, tmp_path, backend):
    app = make_app(database_urls(backend), tmp_path, KP_ASSETS="cdn")
    with app.app_context():
        from conftest import _reset

        _reset(app)
    page = app.test_client().get("/").get_data(as_text=True)
    assert 'src="https://unpkg.com/leaflet@1.9.4/dist/leaflet.js"' in page
    assert ASSETS["leaflet.js"].sri in page and 'crossorigin="anonymous"' in page
    assert "https://unpkg.com/htmx.org@2.0.4/dist/htmx.min.js" in page
    csp = app.test_client().get("/").headers["Content-Security-Policy"]
    # The exact pinned files, not the whole CDN (more in tests/test_cache_headers.py).
    assert "script-src 'self' https://unpkg.com/leaflet@1.9.4/dist/leaflet.js " in csp
    assert "https://unpkg.com " not in csp and "https://unpkg.com;" not in csp


def test_local_mode_serves_assets_from_the_app(client):
    page = client.get("/").get_data(as_text=True)
    assert "unpkg.com" not in page
    assert "/static/vendor/leaflet-1.9.4/leaflet.js" in page
    assert client.get("/static/vendor/leaflet-1.9.4/leaflet.js").status_code == 200


def test_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self';" in csp  # no inline script, no other host in local mode
    assert "img-src 'self' data: https://tile.openstreetmap.org" in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_session_cookie_is_httponly_and_samesite(client, factory):
    from conftest import PASSWORD

    factory.user("warga", "kauman", email="kuki@contoh.id")
    response = client.post("/masuk", data={"identifier": "kuki@contoh.id", "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_secure_cookies_and_secret_key_outside_development(monkeypatch, tmp_path):
    monkeypatch.setenv("KP_ENV", "production")
    monkeypatch.setenv("KP_PUBLIC_URL", "https://kelurahanpintar.pekalongankota.go.id")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY must be set"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})
    monkeypatch.setenv("SECRET_KEY", "a-real-secret-from-the-environment")
    app = create_app(PRODUCTION_SERVICES)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True


def test_development_cookies_work_over_plain_http(monkeypatch, tmp_path):
    monkeypatch.setenv("KP_ENV", "development")
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})
    assert app.config["SESSION_COOKIE_SECURE"] is False


def test_database_url_from_environment_uses_psycopg3(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgres://kp@db.internal/kp")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://kp@db.internal/kp"


def test_redis_url_switches_rate_limit_storage(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/3")
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    app = create_app()
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/3"


def test_app_start_does_not_touch_the_database(tmp_path):
    """create_app() never migrates or connects: the file is not even created."""
    target = tmp_path / "untouched.db"
    create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{target}"})
    assert not target.exists()


def test_behind_a_load_balancer_the_client_address_is_the_residents(
    database_urls, tmp_path, backend
):
    """With KP_PROXY_COUNT=1, per-address limits count the resident's address from
    X-Forwarded-For; without it, a spoofed header is ignored."""
    from flask import request

    from app.extensions import client_ip

    for hops, expected in ((1, "203.0.113.7"), (0, "10.0.0.2")):
        app = make_app(database_urls(backend), tmp_path / str(hops), KP_PROXY_COUNT=hops)
        seen = {}

        @app.get("/_ip")
        def ip(seen=seen):
            seen["ip"] = client_ip()
            seen["scheme"] = request.scheme
            return "ok"

        app.test_client().get(
            "/_ip",
            headers={"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"},
            environ_base={"REMOTE_ADDR": "10.0.0.2"},
        )
        assert seen["ip"] == expected
        assert seen["scheme"] == ("https" if hops else "http")


@pytest.mark.parametrize(
    ("kp_env", "expected"), [("development", "local"), ("production", "cdn"), ("testing", "cdn")]
)
def test_assets_default_to_local_only_in_development(monkeypatch, tmp_path, kp_env, expected):
    """`make run` (development) works without internet; deployments keep the CDN."""
    from app.config import load

    monkeypatch.setenv("KP_ENV", kp_env)
    monkeypatch.delenv("KP_ASSETS", raising=False)
    assert load(str(tmp_path))["KP_ASSETS"] == expected
    monkeypatch.setenv("KP_ASSETS", "cdn" if expected == "local" else "local")
    assert load(str(tmp_path))["KP_ASSETS"] != expected  # the environment still decides


def test_cdn_tags_are_followed_by_a_same_origin_local_fallback(tmp_path):
    """Each CDN file names its local copy to a 'self' script; no inline script is needed."""
    import re

    app = make_app(f"sqlite:///{tmp_path}/x.db", tmp_path, KP_ASSETS="cdn")
    with app.app_context():
        from app.extensions import db

        db.create_all()
        from app.seed import seed_kelurahan

        seed_kelurahan()
    client = app.test_client()
    response = client.get("/")
    page = response.get_data(as_text=True)
    for name in ("leaflet.js", "markercluster.js", "htmx.js", "leaflet.css"):
        asset = ASSETS[name]
        tag = re.search(
            re.escape(asset.cdn_url) + r'"[^>]*>(?:</script>)?\s*<script src="([^"]+)"'
            r' data-local="([^"]+)"',
            page,
        )
        assert tag, name
        assert tag.group(1) == "/static/js/asset-fallback.js"
        assert tag.group(2) == f"/static/vendor/{asset.local}"
        assert client.get(tag.group(2)).status_code == 200
    # The CDN scripts are parser-blocking so the fallback can write its tag in their place.
    assert re.search(
        r'<script src="https://unpkg\.com/leaflet@1\.9\.4/dist/leaflet\.js"[^>]*>', page
    )
    assert " defer" not in re.search(r"<script src=\"https://unpkg[^>]*>", page).group(0)
    assert client.get("/static/js/asset-fallback.js").status_code == 200
    assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>", page)  # no inline script
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]


def test_the_map_box_says_in_advance_when_it_cannot_load(client):
    """Rendered inside the map's box, so it shows with no JavaScript or no Leaflet."""
    page = client.get("/").get_data(as_text=True)
    box = page.split('id="city-map"', 1)[1].split("</div>", 1)[0]
    assert "Peta tidak dapat dimuat." in box and "data-map-unavailable" in box


def test_the_report_form_map_names_the_other_ways_to_set_the_place(app, client, login_as):
    from conftest import enable_plugin

    enable_plugin(app, "reports", "kauman")
    login_as("warga", "kauman")
    page = client.get("/k/kauman/laporan/baru").get_data(as_text=True)
    box = page.split('id="report-picker"', 1)[1].split("</div>", 1)[0]
    assert (
        "Peta tidak dapat dimuat. Anda tetap bisa mengisi lokasi dengan tombol GPS, memilih "
        "tempat penting, atau menulis alamat."
    ) in box
