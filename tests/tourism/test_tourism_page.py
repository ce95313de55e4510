"""A destination's page as visitors meet it: shared on WhatsApp (Open Graph tags and the
share link, from the configured public address), in English, counted once per visitor and
day, and the guide's "open now" filter."""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import quote

import pytest
from conftest import act_as, enable_plugin
from sqlalchemy import select
from tourism_helpers import BROWSER, WIB, make_destination, month_start, pokdarwis, text

from app.extensions import db as _db
from app.models import Media
from plugins.tourism.guide import guide_context
from plugins.tourism.models import DestinationPhoto, PageViews

BASE = "/k/kauman/wisata"
PUBLIC = "https://kelurahanpintar.pekalongankota.go.id"
ALWAYS = [["00:00", "24:00"]] * 7


@pytest.fixture
def app_overrides():
    return {"KP_PUBLIC_URL": PUBLIC}


@pytest.fixture(autouse=True)
def tourism_on(app):
    enable_plugin(app, "tourism", "kauman")


@pytest.fixture
def group(factory):
    return pokdarwis(factory)[1]


def meta(page: str, prop: str) -> str:
    found = re.search(rf'<meta property="{re.escape(prop)}" content="([^"]*)">', page)
    assert found, prop
    return found.group(1)


def with_photo(place) -> Media:
    full, thumb = (
        Media(
            relpath=f"tourism/sampul-{place.id}-{size}.jpg",
            width=w,
            height=h,
            content_type="image/jpeg",
            size_bytes=1000,
            kelurahan_id=place.kelurahan_id,
        )
        for size, w, h in (("full", 1200, 800), ("thumb", 480, 320))
    )
    _db.session.add(
        DestinationPhoto(
            kelurahan_id=place.kelurahan_id, destination=place, media=full, thumb=thumb
        )
    )
    _db.session.commit()
    return full


def test_share_tags_and_link_use_the_public_address_whatever_the_host(client, group):
    place = make_destination(group, name="Museum Batik", category="museum")
    photo = with_photo(place)
    page_url = f"{PUBLIC}/k/kauman/wisata/tempat/{place.id}"
    response = client.get(f"{BASE}/tempat/{place.id}", headers={"Host": "evil.example"})
    assert response.status_code == 200
    page = text(response)
    assert meta(page, "og:title") == "Museum Batik · Museum"
    assert meta(page, "og:url") == page_url
    assert meta(page, "og:image") == f"{PUBLIC}/media/{photo.relpath}"
    assert "evil.example" not in page
    share = re.search(r'href="(https://wa\.me/\?text=[^"]*)"', page).group(1)
    assert quote(page_url, safe="") in share
    assert share.startswith("https://wa.me/?text=" + quote("Museum Batik", safe=""))


def test_english_page_shows_the_english_description_or_falls_back(client, group):
    both = make_destination(
        group,
        description="Museum dengan ribuan kain batik.",
        description_en="A museum of thousands of batik cloths.",
    )
    indonesian_only = make_destination(group, description="Klenteng tua di dekat Jetayu.")

    english = text(client.get(f"{BASE}/tempat/{both.id}?lang=en"))
    assert '<html lang="en"' in english
    assert "A museum of thousands of batik cloths." in english
    assert "Museum dengan ribuan kain batik." not in english
    assert "Opening hours (WIB)" in english
    indonesian = text(client.get(f"{BASE}/tempat/{both.id}?lang=id"))
    assert "Museum dengan ribuan kain batik." in indonesian and "Jam buka (WIB)" in indonesian

    fallback = text(client.get(f"{BASE}/tempat/{indonesian_only.id}?lang=en"))
    assert "Klenteng tua di dekat Jetayu." in fallback

    guide = text(client.get("/wisata/?lang=en"))
    assert '<html lang="en"' in guide
    assert "Visit Pekalongan, the Batik City" in guide
    assert "Wisata Kota Batik Pekalongan</h1>" not in guide


def views_this_month(place) -> int:
    return (
        _db.session.scalar(
            select(PageViews.views).where(
                PageViews.page == f"destination:{place.id}", PageViews.month == month_start()
            )
        )
        or 0
    )


def test_a_page_view_counts_once_per_visitor_and_day_and_previews_not_at_all(
    app, client, factory, group
):
    place = make_destination(group)
    url = f"{BASE}/tempat/{place.id}"
    preview = client.get(url, headers={"User-Agent": "WhatsApp/2.23.20.0"})
    assert preview.status_code == 200 and views_this_month(place) == 0
    for _ in range(2):
        assert client.get(url, headers={"User-Agent": BROWSER}).status_code == 200
    assert views_this_month(place) == 1
    other = app.test_client()
    act_as(other, factory.user("warga", "kauman"))
    assert other.get(url, headers={"User-Agent": BROWSER}).status_code == 200
    assert views_this_month(place) == 2

    act_as(other, factory.user("petugas", "kauman", verified=True))
    dashboard = text(other.get("/k/kauman/dasbor"))
    figure = re.search(r"<dt>Kunjungan halaman wisata bulan ini</dt><dd>([^<]*)</dd>", dashboard)
    assert figure and figure.group(1) == "2"


def test_open_now_lists_what_is_open_all_day_and_not_what_is_closed(client, group):
    make_destination(group, name="Tugu Selalu Buka", hours=ALWAYS)
    make_destination(group, name="Gedung Selalu Tutup", hours=[None] * 7)
    for url in ("/wisata/?buka=1", f"{BASE}/?buka=1"):
        page = text(client.get(url))
        assert "Tugu Selalu Buka" in page, url
        assert "Gedung Selalu Tutup" not in page, url
    everything = text(client.get("/wisata/"))
    assert "Tugu Selalu Buka" in everything and "Gedung Selalu Tutup" in everything


def test_open_now_on_independence_day_leaves_out_places_closed_on_holidays(app, group):
    open_anyway = make_destination(group, name="Tugu Selalu Buka", hours=ALWAYS)
    make_destination(group, name="Museum Libur", hours=ALWAYS, closed_on_holidays=True)
    holiday = datetime(2026, 8, 17, 10, 0, tzinfo=WIB)
    ordinary = datetime(2026, 8, 18, 10, 0, tzinfo=WIB)
    with app.test_request_context("/wisata/?buka=1"):
        on_holiday = guide_context([group.kelurahan_id], moment=holiday)
        next_day = guide_context([group.kelurahan_id], moment=ordinary)
    assert [p.name for p in on_holiday["pagination"].items] == [open_anyway.name]
    assert sorted(p.name for p in next_day["pagination"].items) == [
        "Museum Libur",
        "Tugu Selalu Buka",
    ]
