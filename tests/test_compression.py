"""Text answers (pages, scripts, styles) are sent gzip- or brotli-compressed to browsers that
accept it, with `Vary: Accept-Encoding`; photos are not, and KP_COMPRESS=0 leaves it to nginx."""

from __future__ import annotations

import gzip
import io
import re
from pathlib import Path

import brotli
import pytest
from conftest import enable_plugin, make_app
from PIL import Image

from app.extensions import db as _db
from app.models import Media

MAP_PAGE = "/k/kauman/laporan/"
SCRIPT = re.compile(r'<script[^>]*\ssrc="(/[^"]+\.js)"')
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
GZIP = {"Accept-Encoding": "gzip"}


@pytest.fixture(autouse=True)
def reports_on(app):
    enable_plugin(app, "reports", "kauman")


def test_the_map_page_and_its_scripts_come_gzipped(client):
    plain = client.get(MAP_PAGE)
    assert "Content-Encoding" not in plain.headers
    page = client.get(MAP_PAGE, headers=GZIP)
    assert page.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in page.headers["Vary"]
    assert int(page.headers["Content-Length"]) == len(page.data) < len(plain.data)
    assert gzip.decompress(page.data) == plain.data
    scripts = SCRIPT.findall(plain.get_data(as_text=True))
    assert any("leaflet" in s for s in scripts) and any("reports.js" in s for s in scripts)
    for url in scripts:
        raw = client.get(url)
        assert raw.status_code == 200 and "Content-Encoding" not in raw.headers, url
        if len(raw.data) < 500:  # too small to be worth it
            continue
        packed = client.get(url, headers=GZIP)
        assert packed.headers["Content-Encoding"] == "gzip", url
        assert "Accept-Encoding" in packed.headers["Vary"]
        assert gzip.decompress(packed.data) == raw.data, url


def test_brotli_when_the_browser_prefers_it(client):
    plain = client.get(MAP_PAGE)
    page = client.get(MAP_PAGE, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert page.headers["Content-Encoding"] == "br"
    assert brotli.decompress(page.data) == plain.data


def test_a_photo_is_not_compressed(app, client, factory):
    out = io.BytesIO()
    Image.new("RGB", (300, 200), (10, 120, 60)).save(out, "JPEG")
    path = Path(app.config["KP_MEDIA_ROOT"]) / "uji" / "foto.jpg"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(out.getvalue())
    _db.session.add(
        Media(
            relpath="uji/foto.jpg",
            width=300,
            height=200,
            content_type="image/jpeg",
            size_bytes=len(out.getvalue()),
            kelurahan_id=factory.kelurahan("kauman").id,
        )
    )
    _db.session.commit()
    response = client.get("/media/uji/foto.jpg", headers=GZIP)
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert "Content-Encoding" not in response.headers
    assert response.data == out.getvalue()


def test_a_cached_visitor_page_keeps_a_working_csrf_token(app):
    first, second = app.test_client(), app.test_client()
    first.get("/k/kauman/", headers=GZIP)  # now in the page cache
    response = second.get("/k/kauman/", headers=GZIP)
    assert response.headers["Content-Encoding"] == "gzip"
    html = gzip.decompress(response.data).decode()
    assert "__kp_csrf_token_placeholder__" not in html
    (token,) = set(TOKEN.findall(html))
    app.config["WTF_CSRF_ENABLED"] = True
    answer = second.post("/bahasa", data={"lang": "en", "csrf_token": token, "next": "/"})
    assert answer.status_code == 302


def test_kp_compress_0_leaves_answers_alone(database_urls, tmp_path):
    app = make_app(database_urls("sqlite"), tmp_path, KP_COMPRESS=False)
    response = app.test_client().get("/static/js/map.js", headers=GZIP)
    assert response.status_code == 200
    assert "Content-Encoding" not in response.headers
    assert response.data == (Path(app.static_folder) / "js" / "map.js").read_bytes()


def test_kp_compress_from_the_environment(database_urls, tmp_path, monkeypatch):
    monkeypatch.setenv("KP_COMPRESS", "0")
    off = make_app(database_urls("sqlite"), tmp_path / "off")
    answer = off.test_client().get("/static/js/map.js", headers=GZIP)
    assert "Content-Encoding" not in answer.headers
    monkeypatch.setenv("KP_COMPRESS", "1")
    on = make_app(database_urls("sqlite"), tmp_path / "on")
    assert on.test_client().get("/static/js/map.js", headers=GZIP).headers["Content-Encoding"]
