"""A filed report's page shows each photo as a small thumbnail that links to the full photo;
the thumbnail is as private as the photo when the report is hidden."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from conftest import act_as, enable_plugin
from PIL import Image
from reports_helpers import KAUMAN, make_report
from sqlalchemy import select

from app.extensions import db as _db
from app.models import Media, utcnow
from plugins.reports.models import THUMB_SIDE, Report, ReportPhoto

BASE = "/k/kauman/laporan"
PHOTO_LINK = re.compile(
    r'<a href="(/media/reports/[^"]+)"><img src="(/media/reports/[^"]+)"([^>]*)>'
)


@pytest.fixture(autouse=True)
def reports_on(app):
    enable_plugin(app, "reports", "kauman")


def big_photo(seed: int) -> bytes:
    """A detailed 1600×1200 JPEG, like a phone's (a flat colour would compress to nothing)."""
    image = Image.effect_mandelbrot((1600, 1200), (-2.0 + seed / 10, -1.2, 1.0, 1.2), 80)
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=90)
    return out.getvalue()


def file_with_photos(client, login_as, n: int = 2):
    reporter = login_as("warga", "kauman")
    data = {
        "category": "Drainase / banjir",
        "title": "Saluran mampet di gang",
        "description": "Air meluap ke jalan setiap hujan.",
        "lat": str(KAUMAN[0]),
        "lng": str(KAUMAN[1]),
        "photos": [(io.BytesIO(big_photo(i)), f"foto{i}.jpg") for i in range(n)],
    }
    response = client.post(f"{BASE}/baru", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    return _db.session.execute(select(Report)).scalar_one(), reporter


def file_size(app, url: str) -> int:
    return (Path(app.config["KP_MEDIA_ROOT"]) / url.removeprefix("/media/")).stat().st_size


def test_the_page_shows_thumbnails_linking_to_the_full_photos(app, client, login_as):
    report, _reporter = file_with_photos(client, login_as)
    photos = report.photos
    assert all(p.thumb is not None and p.thumb.id != p.media.id for p in photos)
    page = client.get(f"{BASE}/{report.id}").get_data(as_text=True)
    shown = PHOTO_LINK.findall(page)
    assert len(shown) == 2
    for photo, (full_url, thumb_url, attributes) in zip(photos, shown, strict=True):
        assert full_url == f"/media/{photo.media.relpath}"
        assert thumb_url == f"/media/{photo.thumb.relpath}"
        assert file_size(app, thumb_url) < file_size(app, full_url) / 3
        assert 'loading="lazy"' in attributes
        assert f'width="{photo.thumb.width}"' in attributes
        assert f'height="{photo.thumb.height}"' in attributes
        assert max(photo.thumb.width, photo.thumb.height) == THUMB_SIDE
        assert (photo.media.width, photo.media.height) == (1600, 1200)
        for url in (full_url, thumb_url):
            response = client.get(url)
            assert response.status_code == 200 and response.mimetype == "image/jpeg"


def test_a_hidden_reports_thumbnail_is_404_for_visitors(app, client, login_as):
    report, reporter = file_with_photos(client, login_as, n=1)
    photo = report.photos[0]
    full, thumb = f"/media/{photo.media.relpath}", f"/media/{photo.thumb.relpath}"
    visitor = app.test_client()
    assert visitor.get(thumb).status_code == 200
    report.hidden_at, report.hidden_reason = utcnow(), "Disembunyikan otomatis"
    _db.session.commit()
    assert _db.session.get(Media, photo.thumb_id).public is False
    assert visitor.get(thumb).status_code == 404
    assert visitor.get(full).status_code == 404
    act_as(client, reporter)  # the reporter still sees their own report, thumbnail and all
    assert client.get(thumb).status_code == 200
    assert thumb in client.get(f"{BASE}/{report.id}").get_data(as_text=True)
    report.hidden_at = None
    _db.session.commit()
    assert visitor.get(thumb).status_code == 200


def test_a_photo_stored_before_thumbnails_shows_the_full_image(app, client, factory):
    report = make_report(factory)
    media = Media(
        relpath="reports/lama.jpg",
        width=800,
        height=600,
        content_type="image/jpeg",
        size_bytes=1000,
        kelurahan_id=report.kelurahan_id,
    )
    _db.session.add(ReportPhoto(kelurahan_id=report.kelurahan_id, report=report, media=media))
    _db.session.commit()
    page = client.get(f"{BASE}/{report.id}").get_data(as_text=True)
    ((full_url, thumb_url, attributes),) = PHOTO_LINK.findall(page)
    assert full_url == thumb_url == "/media/reports/lama.jpg"
    assert 'width="800" height="600"' in attributes
