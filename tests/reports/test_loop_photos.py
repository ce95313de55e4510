"""Staff attach photos to a status update (the repair done): stored re-encoded without
metadata in two sizes, shown in the public history, as private as the report when it is
hidden, and refused as a whole (nothing saved) when a file is not an image."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from conftest import act_as, count, enable_plugin, make_user
from PIL import ExifTags, Image
from reports_helpers import make_report
from sqlalchemy import select

from app.extensions import db as _db
from app.models import AuditEntry, Media, utcnow
from plugins.reports.models import THUMB_SIDE, Report, ReportUpdate, UpdatePhoto

BASE = "/k/kauman/laporan"
HISTORY_PHOTO = re.compile(
    r'<a href="(/media/reports/[^"]+)"><img src="(/media/reports/[^"]+)" '
    r'alt="Foto (\d) tindak lanjut Selesai"'
)


@pytest.fixture(autouse=True)
def reports_on(app):
    enable_plugin(app, "reports", "kauman")


def jpeg(size=(1200, 900), make: str | None = None) -> bytes:
    image = Image.effect_mandelbrot(size, (-2.0, -1.2, 1.0, 1.2), 40).convert("RGB")
    exif = Image.Exif()
    if make:
        exif[ExifTags.Base.Make] = make
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def close_with(client, report: Report, photos, note="Sudah diperbaiki, lihat foto."):
    return client.post(
        f"{BASE}/{report.id}/status",
        data={
            "to_status": "selesai",
            "note": note,
            "photos": [(io.BytesIO(data), name) for name, data in photos],
        },
        content_type="multipart/form-data",
    )


def media_files(app) -> list[Path]:
    root = Path(app.config["KP_MEDIA_ROOT"])
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_photos_are_shown_in_the_public_history(app, client, factory, login_as):
    report = make_report(factory, status="diproses")
    login_as("petugas")
    original = jpeg(make="TestPhone")
    response = close_with(client, report, [("a.jpg", original), ("b.jpg", jpeg((600, 800)))])
    assert response.status_code == 302

    update = _db.session.execute(
        select(ReportUpdate).where(ReportUpdate.to_status == "selesai")
    ).scalar_one()
    assert [p.position for p in update.photos] == [0, 1]
    audited = _db.session.execute(
        select(AuditEntry).where(AuditEntry.action == "report.status_changed")
    ).scalar_one()
    assert audited.after["photos"] == 2
    first = update.photos[0]
    assert max(first.thumb.width, first.thumb.height) == THUMB_SIDE
    assert (first.media.width, first.media.height) == (1200, 900)
    stored = (Path(app.config["KP_MEDIA_ROOT"]) / first.media.relpath).read_bytes()
    assert b"TestPhone" not in stored  # re-encoded by the core, metadata gone

    with client.session_transaction() as session:
        session.clear()
    page = client.get(f"{BASE}/{report.id}").get_data(as_text=True)
    links = HISTORY_PHOTO.findall(page)
    assert [(full, thumb, n) for full, thumb, n in links] == [
        (f"/media/{p.media.relpath}", f"/media/{p.thumb.relpath}", str(i))
        for i, p in enumerate(update.photos, start=1)
    ]
    for full, thumb, _n in links:
        assert client.get(full).status_code == 200
        assert client.get(thumb).status_code == 200


def test_a_file_that_is_not_an_image_saves_nothing(app, client, factory, login_as):
    report = make_report(factory, status="diproses")
    login_as("petugas")
    before = count(Media)
    response = close_with(
        client, report, [("a.jpg", jpeg()), ("virus.jpg", b"MZ this is not an image")]
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'id="staff-photos-error"' in body
    assert "Sudah diperbaiki, lihat foto." in body  # the note typed is kept
    _db.session.expire_all()
    assert _db.session.get(Report, report.id).status == "diproses"
    assert count(ReportUpdate) == 0 and count(UpdatePhoto) == 0 and count(Media) == before
    assert media_files(app) == []  # the first, accepted photo was removed again


def test_more_than_three_photos_are_refused(client, factory, login_as):
    report = make_report(factory, status="diproses")
    login_as("petugas")
    response = close_with(client, report, [(f"{i}.jpg", jpeg((80, 60))) for i in range(4)])
    assert response.status_code == 422
    assert "Paling banyak 3 foto." in response.get_data(as_text=True)
    assert count(ReportUpdate) == 0 and count(Media) == 0


def test_photos_of_a_hidden_report_are_not_public(client, factory, login_as):
    reporter = make_user("warga", "kauman")
    report = make_report(factory, reporter, status="diproses")
    staff = login_as("petugas")
    assert close_with(client, report, [("a.jpg", jpeg((300, 200)))]).status_code == 302
    photo = _db.session.execute(select(UpdatePhoto)).scalar_one()
    urls = [f"/media/{photo.media.relpath}", f"/media/{photo.thumb.relpath}"]

    # Hidden after the photos were added: both sizes become private.
    report = _db.session.get(Report, report.id)
    report.hidden_at, report.hidden_reason = utcnow(), "Memuat data pribadi"
    _db.session.commit()
    for url in urls:
        with client.session_transaction() as session:
            session.clear()
        assert client.get(url).status_code == 404
        act_as(client, make_user("warga", "kauman"))
        assert client.get(url).status_code == 404
        act_as(client, reporter)
        assert client.get(url).status_code == 200
        act_as(client, staff)
        assert client.get(url).status_code == 200


def test_photos_added_to_an_already_hidden_report_are_private(client, factory, login_as):
    report = make_report(factory, status="diproses", hidden_at=utcnow(), hidden_reason="Spam")
    login_as("petugas")
    assert close_with(client, report, [("a.jpg", jpeg((300, 200)))]).status_code == 302
    photo = _db.session.execute(select(UpdatePhoto)).scalar_one()
    assert not photo.media.public and not photo.thumb.public
    with client.session_transaction() as session:
        session.clear()
    assert client.get(f"/media/{photo.thumb.relpath}").status_code == 404
