"""A resident files a report: the form, its bad-input answers, the duplicate check, photos,
hidden names, the map data endpoint and the list filters."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import act_as, count, enable_plugin
from PIL import ExifTags, Image
from reports_helpers import KAUMAN, fake_geocoder, make_report, set_city_settings
from sqlalchemy import insert, select

from app.extensions import db as _db
from app.models import Media, PendingUpload, utcnow
from plugins.reports.models import (
    Report,
    ReportFollow,
    ReportPhoto,
    ReportUpdate,
)

BASE = "/k/kauman/laporan"
METRES_PER_DEGREE_LAT = 6_371_000 * 3.141592653589793 / 180  # as geo.distance_m measures it


@pytest.fixture(autouse=True)
def reports_on(app):
    enable_plugin(app, "reports", "kauman")
    enable_plugin(app, "reports", "medono")


# -- helpers -----------------------------------------------------------------------------------


def text(response) -> str:
    return response.get_data(as_text=True)


def form_data(**overrides) -> dict:
    data = {
        "category": "Drainase / banjir",
        "title": "Saluran mampet di gang",
        "description": "Air meluap ke jalan setiap hujan.",
        "lat": str(KAUMAN[0]),
        "lng": str(KAUMAN[1]),
        "address": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def jpeg(color=(40, 120, 200), size=(64, 48), gps: bool = False) -> bytes:
    image = Image.new("RGB", size, color)
    exif = Image.Exif()
    if gps:
        exif[ExifTags.Base.Make] = "TestPhone"
        info = exif.get_ifd(ExifTags.IFD.GPSInfo)
        info[ExifTags.GPS.GPSLatitudeRef] = "S"
        info[ExifTags.GPS.GPSLatitude] = (6.0, 53.0, 24.0)
        info[ExifTags.GPS.GPSLongitudeRef] = "E"
        info[ExifTags.GPS.GPSLongitude] = (109.0, 40.0, 22.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    data = out.getvalue()
    if gps:
        assert Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    return data


def photo(name="foto.jpg", data=None):
    return (io.BytesIO(data if data is not None else jpeg()), name)


def file_report(client, **overrides):
    photos = overrides.pop("photos", None)
    data = form_data(**overrides)
    if photos is not None:
        data["photos"] = photos
    return client.post(f"{BASE}/baru", data=data, content_type="multipart/form-data")


def stored_files(app) -> list[Path]:
    root = Path(app.config["KP_MEDIA_ROOT"])
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def north_of(lat: float, metres: float) -> float:
    return lat + metres / METRES_PER_DEGREE_LAT


# -- filing ------------------------------------------------------------------------------------


def test_file_a_report_by_tapping_the_map(client, app, factory, login_as):
    resident = login_as("warga", "kauman", name="Bu Wati")
    response = file_report(client, photos=[photo()])
    assert response.status_code == 302
    report = _db.session.execute(select(Report)).scalar_one()
    assert response.headers["Location"].endswith(f"{BASE}/{report.id}")
    assert (report.lat, report.lng) == KAUMAN
    assert report.reporter_id == resident.id
    assert report.kelurahan_id == factory.kelurahan("kauman").id
    assert (report.status, report.source, report.hide_name) == ("baru", "web", False)
    assert count(ReportUpdate, ReportUpdate.report_id == report.id) == 1
    # The reporter follows their own report automatically.
    assert count(ReportFollow, ReportFollow.user_id == resident.id) == 1
    assert count(ReportPhoto) == 1
    assert count(Media) == len(stored_files(app)) == 2  # full size and thumbnail

    page = client.get(response.headers["Location"])
    body = text(page)
    assert "Laporan terkirim" in body
    assert "Saluran mampet di gang" in body
    assert "Bu Wati" in body
    assert "/media/reports/" in body


def test_the_form_needs_an_account(client):
    response = client.get(f"{BASE}/baru")
    assert response.status_code == 302
    assert "/masuk" in response.headers["Location"]


def test_the_form_in_indonesian_offers_map_and_address(client, login_as):
    login_as("warga", "kauman")
    body = text(client.get(f"{BASE}/baru"))
    for words in ("Buat laporan", "Alamat atau patokan", "Sembunyikan nama saya dari publik"):
        assert words in body
    for category in ("Jalan rusak", "Drainase / banjir", "Penerangan jalan", "Lainnya"):
        assert category in body


def test_file_with_an_address_through_the_geocoder(client, factory, login_as, monkeypatch):
    answer = [{"lat": "-6.8870", "lon": "109.6700", "display_name": "Jl. Hayam Wuruk"}]
    asked = fake_geocoder(monkeypatch, answer)
    login_as("warga", "kauman")
    response = file_report(client, lat="", lng="", address="Jl. Hayam Wuruk 12")
    assert response.status_code == 302
    report = _db.session.execute(select(Report)).scalar_one()
    assert (report.lat, report.lng) == (-6.887, 109.67)
    assert report.address == "Jl. Hayam Wuruk 12"
    assert len(asked) == 1 and "Hayam+Wuruk" in asked[0]["path"]


def test_file_with_a_landmark_name_offline(client, factory, login_as, monkeypatch):
    set_city_settings(geocoder_url="")
    asked = fake_geocoder(monkeypatch)
    login_as("warga", "kauman")
    response = file_report(client, lat="", lng="", address="Kampung Batik Kauman")
    assert response.status_code == 302
    report = _db.session.execute(select(Report)).scalar_one()
    assert report.lat == pytest.approx(-6.88993)
    assert report.lng == pytest.approx(109.67281)
    assert asked == [], "the geocoder must not be called"


def test_landmark_search_answers_json(client, factory, login_as):
    set_city_settings(geocoder_url="")
    login_as("warga", "kauman")
    found = client.get(f"{BASE}/lokasi?q=batik kauman").get_json()
    assert found["results"][0]["name"] == "Kampung Batik Kauman"
    assert client.get(f"{BASE}/lokasi?q=ab").get_json() == {"results": []}


# -- bad input: 422, in Indonesian, keeps what was typed, stores nothing ------------------------


BAD_INPUT = {
    "missing location": (
        {"lat": "", "lng": ""},
        "Lokasi belum dipilih",
    ),
    "address not found": (
        {"lat": "", "lng": "", "address": "Tempat yang tidak ada di mana pun"},
        "Lokasi belum dipilih",
    ),
    "outside the city": (
        {"lat": "-7.0500", "lng": "110.4200"},
        "Lokasi berada di luar Kota Pekalongan",
    ),
    "coordinates not numbers": (
        {"lat": "utara", "lng": "timur"},
        "Koordinat harus berupa angka",
    ),
    "four photos": (
        {"photos": [photo(f"f{n}.jpg") for n in range(4)]},
        "Paling banyak 3 foto.",
    ),
    "not an image": (
        {"photos": [photo("surat.jpg", b"Ini bukan gambar, hanya teks.\n")]},
        "Berkas ini bukan gambar",
    ),
    "second photo not an image": (
        {"photos": [photo("a.jpg"), photo("b.jpg", b"%PDF-1.4 bukan gambar")]},
        "Berkas ini bukan gambar",
    ),
    "description too long": (
        {"description": "panjang " * 501},
        "Keterangan paling banyak 4000 karakter.",
    ),
    "title too short": (
        {"title": "Got"},
        "Judul harus 5–120 karakter.",
    ),
    "no category": (
        {"category": ""},
        "Wajib diisi.",
    ),
    "unknown category": (
        {"category": "Bukan kategori"},
        "Pilih salah satu pilihan yang tersedia.",
    ),
}


@pytest.mark.parametrize("case", BAD_INPUT.keys())
def test_bad_input_answers_422_and_stores_nothing(
    client, app, factory, login_as, case, monkeypatch
):
    overrides, message = BAD_INPUT[case]
    fake_geocoder(monkeypatch, [])  # the geocoder knows no such place
    overrides = dict(overrides)
    if "photos" in overrides:  # fresh streams for each backend's run
        overrides["photos"] = [
            (io.BytesIO(stream.getvalue()), name) for stream, name in overrides["photos"]
        ]
    login_as("warga", "kauman")
    response = file_report(client, **overrides)
    assert response.status_code == 422
    body = text(response)
    assert message in body
    assert "Periksa kembali isian yang ditandai." in body or "Lokasi" in message
    # What was typed comes back.
    typed = form_data(**{k: v for k, v in overrides.items() if k != "photos"})
    if len(typed["title"]) >= 3:
        assert f'value="{typed["title"]}"' in body
    assert typed["description"].strip()[:40] in body
    if typed.get("address"):
        assert typed["address"] in body
    # No report. Photos that are images are kept for the next try (pending, not public);
    # nothing else is stored.
    assert count(Report) == 0
    assert count(ReportPhoto) == 0
    kept = _db.session.execute(select(Media)).scalars().all()
    assert count(PendingUpload) == len(kept)
    assert not any(media.public for media in kept)
    assert len(stored_files(app)) == len(kept)


def test_three_photos_are_fine(client, app, login_as):
    login_as("warga", "kauman")
    response = file_report(
        client, photos=[photo(f"f{n}.jpg", jpeg((n * 60, 10, 10))) for n in range(3)]
    )
    assert response.status_code == 302
    assert count(ReportPhoto) == 3
    assert len(stored_files(app)) == 6  # each full size and as a thumbnail


def test_stored_photo_has_no_gps_or_exif(client, app, login_as):
    login_as("warga", "kauman")
    original = jpeg(size=(200, 150), gps=True)
    assert b"TestPhone" in original
    response = file_report(client, photos=[photo("hp.jpg", original)])
    assert response.status_code == 302
    media = _db.session.execute(select(ReportPhoto)).scalar_one().media
    path = Path(app.config["KP_MEDIA_ROOT"]) / media.relpath
    data = path.read_bytes()
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG" and image.size == (200, 150)
    assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert len(image.getexif()) == 0
    assert b"Exif" not in data and b"TestPhone" not in data


def test_posting_is_rate_limited_per_account(client, factory, login_as):
    login_as("warga", "kauman")
    for n in range(10):
        response = file_report(client, title=f"Laporan nomor {n}", confirm_new="1")
        assert response.status_code == 302, n
    response = file_report(client, title="Laporan kesebelas", confirm_new="1")
    assert response.status_code == 429
    assert "Terlalu banyak" in text(response)
    assert count(Report) == 10
    # Another resident may still post.
    act_as(client, factory.user("warga", "kauman"))
    assert file_report(client, title="Laporan tetangga", confirm_new="1").status_code == 302


def test_forms_sent_back_do_not_count_towards_the_limit(client, login_as):
    login_as("warga", "kauman")
    for _ in range(12):
        assert file_report(client, title="Got").status_code == 422
    assert file_report(client).status_code == 302


# -- duplicate suggestion ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("metres", "category", "status", "offered"),
    [
        (200, "Drainase / banjir", "baru", True),
        (200, "Drainase / banjir", "diproses", True),
        (300, "Drainase / banjir", "baru", False),
        (200, "Sampah", "baru", False),
        (200, "Drainase / banjir", "selesai", False),
        (200, "Drainase / banjir", "ditolak", False),
    ],
)
def test_duplicate_suggestion_radius(client, factory, login_as, metres, category, status, offered):
    existing = make_report(
        factory,
        category=category,
        status=status,
        title="Got mampet dekat masjid",
        lat=north_of(KAUMAN[0], metres),
        lng=KAUMAN[1],
    )
    login_as("warga", "kauman")
    response = file_report(client)
    if offered:
        assert response.status_code == 422
        body = text(response)
        assert "Mungkin sudah dilaporkan" in body
        assert "Got mampet dekat masjid" in body
        assert f"{metres} m dari titik Anda" in body
        assert f'action="{BASE}/{existing.id}/dukung"' in body
        assert 'name="confirm_new" value="1"' in body
        assert 'value="Saluran mampet di gang"' in body  # what was typed is kept
        assert count(Report) == 1
    else:
        assert response.status_code == 302
        assert count(Report) == 2


def test_duplicate_suggestion_while_typing(client, factory, login_as):
    make_report(factory, category="Sampah", title="Sampah di tepi sungai")
    login_as("warga", "kauman")
    near = client.get(f"{BASE}/dekat?category=Sampah&lat={KAUMAN[0]}&lng={KAUMAN[1]}")
    assert "Sampah di tepi sungai" in text(near)
    other = client.get(f"{BASE}/dekat?category=Lainnya&lat={KAUMAN[0]}&lng={KAUMAN[1]}")
    assert "Sampah di tepi sungai" not in text(other)


def test_file_anyway_after_the_suggestion(client, factory, login_as):
    make_report(factory, category="Drainase / banjir")
    login_as("warga", "kauman")
    assert file_report(client).status_code == 422
    response = file_report(client, confirm_new="1")
    assert response.status_code == 302
    assert count(Report) == 2


# -- hidden names ------------------------------------------------------------------------------


def test_hidden_name_stays_off_page_list_map_and_search(client, factory, login_as):
    login_as("warga", "kauman", name="Pak Sukarman Rahasia")
    response = file_report(client, title="Lampu jalan mati total", hide_name="y")
    assert response.status_code == 302
    report = _db.session.execute(select(Report)).scalar_one()
    assert report.hide_name is True

    act_as(client, factory.user("warga", "kauman"))
    page = text(client.get(f"{BASE}/{report.id}"))
    assert "Lampu jalan mati total" in page
    assert "Warga (nama disembunyikan)" in page
    listing = text(client.get(f"{BASE}/"))
    geojson = text(client.get(f"{BASE}/map.geojson"))
    search = text(client.get("/k/kauman/cari?q=Lampu jalan"))
    assert "Lampu jalan mati total" in listing
    assert "Lampu jalan mati total" in geojson
    assert "Lampu jalan mati total" in search
    for body in (page, listing, geojson, search):
        assert "Sukarman" not in body


def test_name_shown_when_not_hidden(client, factory, login_as):
    login_as("warga", "kauman", name="Bu Terbuka")
    file_report(client)
    report = _db.session.execute(select(Report)).scalar_one()
    assert "Bu Terbuka" in text(client.get(f"{BASE}/{report.id}"))


# -- boundaries ----------------------------------------------------------------------------------


def test_report_of_another_kelurahan_is_404(client, factory, login_as):
    report = make_report(factory, slug="medono")
    assert client.get(f"/k/medono/laporan/{report.id}").status_code == 200
    assert client.get(f"{BASE}/{report.id}").status_code == 404
    login_as("petugas", "kauman")
    assert client.get(f"{BASE}/{report.id}").status_code == 404


def test_pages_404_when_the_plugin_is_off(client, app, factory, login_as):
    report = make_report(factory)
    enable_plugin(app, "reports", "kauman", enabled=False)
    login_as("warga", "kauman")
    for url in ("/", "/baru", f"/{report.id}", "/map.geojson", "/saya", "/lokasi?q=batik"):
        assert client.get(f"{BASE}{url}").status_code == 404, url
    assert file_report(client).status_code == 404
    assert count(Report) == 1


def test_html_in_title_and_description_is_shown_as_text(client, factory, login_as):
    login_as("warga", "kauman")
    response = file_report(
        client,
        title="<script>alert(1)</script>",
        description="<b>tebal</b><img src=x onerror=alert(2)>",
    )
    assert response.status_code == 302
    act_as(client, factory.user("warga", "kauman"))
    report = _db.session.execute(select(Report)).scalar_one()
    for url in (f"{BASE}/{report.id}", f"{BASE}/"):
        body = text(client.get(url))
        assert "<script>alert(1)</script>" not in body
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    page = text(client.get(f"{BASE}/{report.id}"))
    assert "<img src=x" not in page
    assert "&lt;b&gt;tebal&lt;/b&gt;" in page


def test_my_report_hidden_by_flags_is_still_visible_to_me(client, factory):
    reporter = factory.user("warga", "kauman")
    report = make_report(factory, reporter, title="Laporan saya yang ditandai")
    report.hidden_at, report.hidden_reason = utcnow(), "Disembunyikan otomatis"
    _db.session.commit()
    act_as(client, reporter)
    assert "Laporan saya yang ditandai" in text(client.get(f"{BASE}/saya"))
    page = client.get(f"{BASE}/{report.id}")
    assert page.status_code == 200
    assert "Disembunyikan otomatis" in text(page)
    act_as(client, factory.user("warga", "kauman"))
    assert client.get(f"{BASE}/{report.id}").status_code == 404


# -- map data endpoint ----------------------------------------------------------------------------


def bulk_reports(factory, n: int, **fields) -> None:
    kelurahan_id = factory.kelurahan("kauman").id
    reporter_id = factory.user("warga", "kauman").id
    now = utcnow()
    rows = [
        {
            "kelurahan_id": kelurahan_id,
            "reporter_id": reporter_id,
            "category": "Sampah",
            "title": f"Laporan massal {i}",
            "description": "Dibuat untuk uji peta.",
            "lat": KAUMAN[0] + (i % 25) * 0.0004,
            "lng": KAUMAN[1] + (i // 25) * 0.0004,
            "status": "baru",
            "source": "web",
            "hide_name": False,
            "created_at": now,
            "updated_at": now,
            **fields,
        }
        for i in range(n)
    ]
    _db.session.execute(insert(Report), rows)
    _db.session.commit()


def test_map_returns_clusters_above_500(client, factory):
    bulk_reports(factory, 501)
    response = client.get(f"{BASE}/map.geojson")
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    data = response.get_json()
    assert data["type"] == "FeatureCollection"
    assert 0 < len(data["features"]) <= 500
    assert sum(f["properties"]["count"] for f in data["features"]) == 501
    for feature in data["features"]:
        assert feature["type"] == "Feature"
        assert feature["geometry"]["type"] == "Point"
        lng, lat = feature["geometry"]["coordinates"]
        assert 109.6 < lng < 109.8 and -7.0 < lat < -6.8


def test_map_returns_points_up_to_500(client, factory):
    bulk_reports(factory, 500)
    data = client.get(f"{BASE}/map.geojson").get_json()
    assert len(data["features"]) == 500
    assert not any("count" in f["properties"] for f in data["features"])
    first = next(f for f in data["features"] if f["properties"]["title"] == "Laporan massal 0")
    assert first["geometry"] == {"type": "Point", "coordinates": [KAUMAN[1], KAUMAN[0]]}


def test_map_bbox_selects_points(client, factory):
    near = make_report(factory, title="Di dalam kotak")
    make_report(factory, title="Di luar kotak", lat=-6.92, lng=109.70)
    lat, lng = near.lat, near.lng
    bbox = f"{lng - 0.001},{lat - 0.001},{lng + 0.001},{lat + 0.001}"
    titles = [
        f["properties"]["title"]
        for f in client.get(f"{BASE}/map.geojson?bbox={bbox}").get_json()["features"]
    ]
    assert titles == ["Di dalam kotak"]


@pytest.mark.parametrize(
    "bbox",
    [
        "109.6,-6.9,109.7",  # three numbers
        "a,b,c,d",
        "109.7,-6.9,109.6,-6.8",  # min lng above max lng
        "109.6,-6.8,109.7,-6.9",  # min lat above max lat
        "109.6,-6.9,109.6,-6.8",  # empty
        "nan,-6.9,109.7,-6.8",
        "200,-6.9,210,-6.8",
    ],
)
def test_map_bad_bbox_answers_400_json(client, bbox):
    response = client.get(f"{BASE}/map.geojson?bbox={bbox}")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == 400
    assert "bbox" in error["message"]


# -- filters ---------------------------------------------------------------------------------------


def test_filters_apply_to_list_and_map(client, factory):
    make_report(factory, title="Sampah baru sekali", category="Sampah", status="baru")
    make_report(factory, title="Jalan sudah diperbaiki", category="Jalan rusak", status="selesai")
    old = make_report(factory, title="Sampah lama sekali", category="Sampah", status="diproses")
    old.created_at = utcnow() - timedelta(days=100)
    _db.session.commit()

    def listed(query: str) -> set[str]:
        body = text(client.get(f"{BASE}/?{query}"))
        titles = {"Sampah baru sekali", "Jalan sudah diperbaiki", "Sampah lama sekali"}
        return {t for t in titles if t in body}

    def mapped(query: str) -> set[str]:
        data = client.get(f"{BASE}/map.geojson?{query}").get_json()
        return {f["properties"]["title"] for f in data["features"]}

    cases = {
        "category=Sampah": {"Sampah baru sekali", "Sampah lama sekali"},
        "status=closed": {"Jalan sudah diperbaiki"},
        "status=open": {"Sampah baru sekali", "Sampah lama sekali"},
        "status=diproses": {"Sampah lama sekali"},
        "period=30": {"Sampah baru sekali", "Jalan sudah diperbaiki"},
        "category=Sampah&period=30": {"Sampah baru sekali"},
        "": {"Sampah baru sekali", "Jalan sudah diperbaiki", "Sampah lama sekali"},
    }
    for query, expected in cases.items():
        assert listed(query) == expected, query
        assert mapped(query) == expected, query


def test_list_is_paginated_without_js(client, factory):
    bulk_reports(factory, 25)
    first = text(client.get(f"{BASE}/"))
    assert "Halaman 1 dari 2" in first
    assert "Laporan massal 24" in first
    second = text(client.get(f"{BASE}/?page=2"))
    assert "Laporan massal 0" in second


@pytest.mark.parametrize(
    "point", ["lat=inf&lng=109.67", "lat=nan&lng=109.67", "lat=-7.5&lng=110.4", "lat=x&lng=1"]
)
def test_duplicate_check_ignores_points_outside_the_city(client, factory, login_as, point):
    make_report(factory, category="Sampah", title="Sampah di tepi sungai")
    login_as("warga", "kauman")
    response = client.get(f"{BASE}/dekat?category=Sampah&{point}")
    assert response.status_code == 200
    assert "Sampah di tepi sungai" not in text(response)
