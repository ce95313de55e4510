"""Uploads in an S3-compatible bucket (KP_STORAGE=s3), as several app hosts share them: a
photo filed through the app lands in the bucket and not on this host's disk, is served
from it, stays private while its item is hidden, and is never readable from the bucket
without a signature. `flask kp media migrate --to s3` moves an existing folder there."""

from __future__ import annotations

import io
import sys
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from conftest import enable_plugin
from PIL import Image
from sqlalchemy import select

from app.extensions import db as _db
from app.media_gc import find_orphans
from app.models import Media, utcnow
from app.storage import Delivery, LocalStorage, safe_parts, storage

sys.path.insert(0, str(Path(__file__).parent / "reports"))

from reports_helpers import KAUMAN  # noqa: E402

from plugins.reports.models import Report  # noqa: E402

BASE = "/k/kauman/laporan"


@pytest.fixture
def app_overrides(s3_bucket):
    return s3_bucket


@pytest.fixture(autouse=True)
def reports_on(app):
    enable_plugin(app, "reports", "kauman")


def jpeg(colour=(40, 120, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, "JPEG")
    return out.getvalue()


def bucket_objects(app) -> dict[str, bytes]:
    client = boto3.client(
        "s3", endpoint_url=app.config["KP_S3_ENDPOINT_URL"], region_name="us-east-1"
    )
    bucket = app.config["KP_S3_BUCKET"]
    keys = [o["Key"] for o in client.list_objects_v2(Bucket=bucket).get("Contents", [])]
    return {k: client.get_object(Bucket=bucket, Key=k)["Body"].read() for k in keys}


def file_report(client) -> Report:
    data = {
        "category": "Drainase / banjir",
        "title": "Saluran mampet di gang",
        "description": "Air meluap ke jalan setiap hujan.",
        "lat": str(KAUMAN[0]),
        "lng": str(KAUMAN[1]),
        "photos": [(io.BytesIO(jpeg()), "foto.jpg")],
    }
    response = client.post(f"{BASE}/baru", data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return _db.session.execute(select(Report)).scalar_one()


def test_a_photo_filed_through_the_app_lands_in_the_bucket_and_is_served_from_it(
    app, client, login_as
):
    login_as("warga", "kauman")
    report = file_report(client)
    relpaths = {m.relpath for m in _db.session.execute(select(Media)).scalars()}
    assert relpaths and relpaths == set(bucket_objects(app))  # photo and thumbnail
    media_root = Path(app.config["KP_MEDIA_ROOT"])
    assert not media_root.exists() or not any(p.is_file() for p in media_root.rglob("*"))

    page = client.get(f"{BASE}/{report.id}").get_data(as_text=True)
    shown = next(r for r in relpaths if f"/media/{r}" in page)
    answer = client.get(f"/media/{shown}")
    assert answer.status_code == 200
    assert answer.data == bucket_objects(app)[shown]
    assert Image.open(io.BytesIO(answer.data)).format == "JPEG"
    assert answer.headers["Cache-Control"] == "public, max-age=2592000"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"


def test_a_hidden_items_photo_is_not_public_and_the_bucket_refuses_unsigned_reads(
    app, client, login_as
):
    login_as("warga", "kauman")
    report = file_report(client)
    media = _db.session.execute(select(Media)).scalars().first()
    report.hidden_at, report.hidden_reason = utcnow(), "data pribadi"
    media.public = False  # what staff hiding the report does (kit.set_media_public)
    _db.session.commit()
    visitor = app.test_client()
    assert visitor.get(f"/media/{media.relpath}").status_code == 404

    bucket = app.config["KP_S3_BUCKET"]
    unsigned = f"{app.config['KP_S3_ENDPOINT_URL']}/{bucket}/{media.relpath}"
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(unsigned)  # noqa: S310 - loopback test server
    assert refused.value.code == 403


def test_behind_nginx_the_app_only_signs_and_nginx_fetches(app, client, login_as):
    """With KP_MEDIA_ACCEL the answer is an X-Accel-Redirect to a signed URL of a few
    minutes, carrying the headers the store must answer with; the URL works once signed."""
    login_as("warga", "kauman")
    file_report(client)
    media = _db.session.execute(select(Media)).scalars().first()
    app.config["KP_MEDIA_ACCEL"] = "/_s3/"
    app.extensions["kp_storage"].accel = "/_s3/"

    answer = client.get(f"/media/{media.relpath}")
    assert answer.status_code == 200 and answer.data == b""
    target = answer.headers["X-Accel-Redirect"]
    bucket = app.config["KP_S3_BUCKET"]
    assert target.startswith(f"/_s3/{bucket}/{media.relpath}?")
    query = parse_qs(urlsplit(target).query)
    assert query["response-cache-control"] == ["public, max-age=2592000"]
    assert query["response-content-type"] == ["image/jpeg"]
    signed = app.config["KP_S3_ENDPOINT_URL"] + target.removeprefix("/_s3")
    with urllib.request.urlopen(signed) as fetched:  # noqa: S310 - loopback test server
        assert fetched.read() == bucket_objects(app)[media.relpath]
        assert fetched.headers["Cache-Control"] == "public, max-age=2592000"


def test_private_documents_are_signed_for_no_store(app):
    store = storage(app)
    store.save("layanan/2026/12/surat.pdf", b"%PDF-1.4 uji", "application/pdf")
    url = store.signed_url("layanan/2026/12/surat.pdf", Delivery("application/pdf", public=False))
    with urllib.request.urlopen(url) as fetched:  # noqa: S310 - loopback test server
        assert fetched.read() == b"%PDF-1.4 uji"
        assert fetched.headers["Cache-Control"] == "private, no-store"
        assert fetched.headers["Content-Disposition"].startswith("attachment;")
    assert parse_qs(urlsplit(url).query).get("X-Amz-Expires") == ["300"]


def test_listing_reading_and_deleting_in_the_bucket(app):
    store = storage(app)
    store.save("reports/2026/12/a.jpg", b"satu", "image/jpeg")
    store.save("reports/2026/12/b.jpg", b"dua", "image/jpeg")
    assert [(f.relpath, f.size_bytes) for f in store.files()] == [
        ("reports/2026/12/a.jpg", 4),
        ("reports/2026/12/b.jpg", 3),
    ]
    with store.open("reports/2026/12/b.jpg") as f:
        assert f.read() == b"dua"
    # Media gc sees the bucket's files: b has no row, so it is an orphan.
    orphans = find_orphans(store, {"reports/2026/12/a.jpg"}, older_than_s=-60)
    assert [o.relpath for o in orphans] == ["reports/2026/12/b.jpg"]
    store.delete("reports/2026/12/b.jpg")
    assert not store.exists("reports/2026/12/b.jpg")
    with pytest.raises(FileNotFoundError):
        store.open("reports/2026/12/b.jpg").__enter__()
    for hostile in ("../etc/passwd", "a//b.jpg", ".hidden/x.jpg", "a/b\x00.jpg"):
        assert not store.exists(hostile)
        with pytest.raises(ValueError):
            safe_parts(hostile)


def test_media_migrate_to_s3_copies_every_file_once(app):
    local = LocalStorage(app.config["KP_MEDIA_ROOT"])
    local.save("reports/2026/11/lama.jpg", jpeg((1, 2, 3)), "image/jpeg")
    local.save("services/2026/11/surat.pdf", b"%PDF-1.4 lama", "application/pdf")
    runner = app.test_cli_runner()

    first = runner.invoke(args=["kp", "media", "migrate", "--to", "s3"])
    assert first.exit_code == 0, first.output
    assert "2 file(s) copied to s3, 0 already there" in first.output
    objects = bucket_objects(app)
    assert objects["services/2026/11/surat.pdf"] == b"%PDF-1.4 lama"
    assert objects["reports/2026/11/lama.jpg"] == jpeg((1, 2, 3))
    assert local.exists("reports/2026/11/lama.jpg")  # the source stays until the switch

    again = runner.invoke(args=["kp", "media", "migrate", "--to", "s3"])
    assert "0 file(s) copied to s3, 2 already there" in again.output
