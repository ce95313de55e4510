"""The site can be put on a phone's home screen (a web app manifest whose icons exist and
are served, a favicon), and a privacy page tells people what is kept about them and how to
get a copy or have it deleted (UU PDP No. 27/2022), linked from every page and from sign-up."""

from __future__ import annotations

import html
import io
import json

from PIL import Image

from app import city_settings
from app.extensions import db as _db

PRIVACY = "/kebijakan-privasi"


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_the_manifest_names_the_app_and_its_icons_are_served(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    manifest = json.loads(response.get_data(as_text=True))
    assert manifest["name"] == "Kelurahan Pintar" and manifest["short_name"]
    assert manifest["start_url"] == "/" and manifest["display"] == "standalone"
    # The colours of the stylesheet's header and page background.
    css = client.get("/static/css/app.css").get_data(as_text=True)
    assert f"--green: {manifest['theme_color']}" in css
    assert f"--bg: {manifest['background_color']}" in css

    sizes = set()
    for icon in manifest["icons"]:
        served = client.get(icon["src"])
        assert served.status_code == 200, icon["src"]
        assert served.mimetype == icon["type"], icon["src"]
        if icon["type"] == "image/png":
            image = Image.open(io.BytesIO(served.get_data()))
            assert f"{image.width}x{image.height}" == icon["sizes"], icon["src"]
            sizes.add(icon["sizes"])
    # What Android asks for before it offers "Add to home screen".
    assert {"192x192", "512x512"} <= sizes


def test_every_page_links_the_icons_the_manifest_and_the_theme_colour(client):
    page = client.get("/k/kauman/").get_data(as_text=True)
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page
    assert '<meta name="theme-color" content="#0b6e4f">' in page
    for href in ("/favicon.ico", "/static/favicon.svg", "/static/icons/apple-touch-icon.png"):
        assert f'href="{href}"' in page
        assert client.get(href).status_code == 200, href


def test_the_favicon_answers_where_browsers_look_for_it(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype == "image/vnd.microsoft.icon"
    assert Image.open(io.BytesIO(response.get_data())).format == "ICO"
    svg = client.get("/static/favicon.svg")
    assert svg.mimetype == "image/svg+xml" and b"<svg" in svg.get_data()


def test_the_content_security_policy_lets_the_manifest_load(client):
    csp = client.get("/").headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    # manifest-src falls back to default-src.
    assert directives.get("manifest-src", directives["default-src"]) == "'self'"


def test_the_privacy_page_says_what_is_kept_and_how_to_ask(client):
    response = client.get(PRIVACY)
    assert response.status_code == 200
    page = text(response)
    assert "Kebijakan privasi" in page
    assert "UU PDP" in page and "27 Tahun 2022" in page
    for promise in (
        "Argon2id",  # app/passwords.py
        "posisi GPS",  # app/imaging.py re-encodes photos from pixels only
        "tidak meminta NIK",
        "tidak disimpan di basis data",  # IP addresses only in rate-limit counters
    ):
        assert promise in page, promise
    for right in ("Mengakses", "Memperbaiki", "Menghapus", "Menarik persetujuan"):
        assert right in page, right
    assert "Diskominfo" in page  # who to ask while the city has named no channel


def test_the_privacy_page_names_the_city_channel_once_set(app, client):
    with app.test_request_context():
        city_settings.save(
            city_settings.CORE_MANIFEST,
            {
                "complaint_name": "Aduan Diskominfo Kota Pekalongan",
                "complaint_url": "https://aduan.pekalongankota.go.id/",
                "complaint_phone": "(0285) 421093",
            },
        )
        _db.session.commit()
    page = text(client.get(PRIVACY))
    assert "Aduan Diskominfo Kota Pekalongan" in page
    assert 'href="https://aduan.pekalongankota.go.id/"' in page
    assert 'href="tel:0285421093"' in page


def test_the_privacy_page_is_linked_from_the_footer_and_from_sign_up(client, login_as):
    link = f'href="{PRIVACY}"'
    for path in ("/", "/k/kauman/", "/masuk"):
        page = client.get(path).get_data(as_text=True)
        footer = page[page.index('<footer class="site-footer">') :]
        assert link in footer, path
    signup = client.get("/daftar").get_data(as_text=True)
    form_card = signup[signup.index("<main") : signup.index("</main>")]
    assert link in form_card
    login_as("warga", "kauman")
    assert link in client.get("/akun").get_data(as_text=True)
