"""Uploads of hidden or unreviewed items: a hidden report's photos, a pending or suspended
shop's logo and its products' photos, a hidden product's photos. They are served only to
those who may open the item's page, never from a shared cache, and answer 404 (not 403) to
everyone else; public files keep their long public cache."""

from __future__ import annotations

import io
import itertools
import sys
from pathlib import Path

import pytest
from conftest import act_as, enable_plugin
from PIL import Image

from app.extensions import db as _db
from app.models import GroupMember, Media, User, utcnow

sys.path.insert(0, str(Path(__file__).parent / "reports"))
sys.path.insert(0, str(Path(__file__).parent / "umkm"))

from reports_helpers import make_report  # noqa: E402
from umkm_helpers import make_product, make_shop  # noqa: E402

from plugins.reports.models import ReportPhoto  # noqa: E402
from plugins.umkm.models import ProductPhoto  # noqa: E402

PUBLIC_CACHE = "public, max-age=2592000"
_seq = itertools.count(1)


@pytest.fixture(autouse=True)
def plugins_on(app):
    for plugin_id in ("reports", "umkm"):
        enable_plugin(app, plugin_id, "kauman")
        enable_plugin(app, plugin_id, "medono")


def stored_media(app, kelurahan_id: int, folder: str = "uji") -> Media:
    """A JPEG file under the media root and its row (not yet committed)."""
    relpath = f"{folder}/foto-{next(_seq)}.jpg"
    path = Path(app.config["KP_MEDIA_ROOT"]) / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 120, 60)).save(out, "JPEG")
    path.write_bytes(out.getvalue())
    media = Media(
        relpath=relpath,
        width=8,
        height=8,
        content_type="image/jpeg",
        size_bytes=len(out.getvalue()),
        kelurahan_id=kelurahan_id,
    )
    _db.session.add(media)
    return media


def report_with_photo(app, factory, **fields):
    report = make_report(factory, **fields)
    media = stored_media(app, report.kelurahan_id, "reports")
    _db.session.add(ReportPhoto(kelurahan_id=report.kelurahan_id, report=report, media=media))
    _db.session.commit()
    return report, media


def product_with_photo(app, shop, **fields):
    product = make_product(shop, **fields)
    full = stored_media(app, shop.kelurahan_id, "umkm")
    thumb = stored_media(app, shop.kelurahan_id, "umkm")
    _db.session.add(
        ProductPhoto(kelurahan_id=shop.kelurahan_id, product=product, media=full, thumb=thumb)
    )
    _db.session.commit()
    return product, full, thumb


def get(client, media: Media):
    return client.get(f"/media/{media.relpath}")


def assert_private(response):
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "public" not in response.headers["Cache-Control"]


# -- reports -----------------------------------------------------------------------------------


def test_a_visible_reports_photo_is_public_with_a_long_cache(app, client, factory):
    _report, media = report_with_photo(app, factory)
    response = get(client, media)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == PUBLIC_CACHE
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_report_hidden_by_staff_hides_its_photos_until_restored(app, client, factory):
    reporter = factory.user("warga", "kauman")
    report, media = report_with_photo(app, factory, reporter=reporter)
    act_as(client, factory.user("petugas", "kauman"))
    hide = client.post(
        f"/k/kauman/laporan/{report.id}/sembunyikan", data={"reason": "Data pribadi"}
    )
    assert hide.status_code == 302
    _db.session.refresh(media)
    assert media.public is False

    # Staff who moderate here and the reporter still see it, never from a shared cache.
    assert_private(get(client, media))
    act_as(client, reporter)
    assert_private(get(client, media))
    # Everyone else: as if there were no such file.
    act_as(client, factory.user("warga", "kauman"))
    assert get(client, media).status_code == 404
    act_as(client, factory.user("petugas", "medono"))  # staff of another kelurahan
    assert get(client, media).status_code == 404
    anonymous = app.test_client()
    assert get(anonymous, media).status_code == 404

    act_as(client, factory.user("petugas", "kauman"))
    shown = client.post(f"/k/kauman/laporan/{report.id}/tampilkan")
    assert shown.status_code == 302
    _db.session.refresh(media)
    assert media.public is True
    response = get(anonymous, media)
    assert response.status_code == 200 and response.headers["Cache-Control"] == PUBLIC_CACHE


def test_a_photo_added_to_a_hidden_report_is_not_public(app, client, factory):
    _report, media = report_with_photo(app, factory, hidden_at=utcnow(), hidden_reason="x")
    assert media.public is False
    assert get(client, media).status_code == 404


# -- umkm --------------------------------------------------------------------------------------


def test_a_pending_shops_logo_and_photos_only_for_its_group_and_reviewers(app, client, factory):
    shop = make_shop(factory, status="pending")
    shop.logo = stored_media(app, shop.kelurahan_id, "umkm")
    _db.session.commit()
    product, full, thumb = product_with_photo(app, shop)
    files = (shop.logo, full, thumb)
    assert [m.public for m in files] == [False, False, False]

    for media in files:
        assert get(client, media).status_code == 404  # a visitor
    act_as(client, factory.user("warga", "kauman"))
    for media in files:
        assert get(client, media).status_code == 404  # another resident
    act_as(client, factory.user("petugas", "medono"))
    assert get(client, full).status_code == 404  # a reviewer of another kelurahan
    member_id = _db.session.execute(
        _db.select(GroupMember.user_id).where(GroupMember.group_id == shop.group_id)
    ).scalar_one()
    act_as(client, _db.session.get(User, member_id))  # the group's leader
    for media in files:
        assert_private(get(client, media))
    act_as(client, factory.user("petugas", "kauman"))
    for media in files:
        assert_private(get(client, media))

    # Approved by a reviewer: public, with the long cache, for everybody.
    assert client.post(f"/k/kauman/umkm/petugas/toko/{shop.id}/setujui").status_code == 302
    visitor = app.test_client()
    for media in files:
        _db.session.refresh(media)
        assert media.public is True
        response = get(visitor, media)
        assert response.status_code == 200 and response.headers["Cache-Control"] == PUBLIC_CACHE
    assert product.id


def test_a_product_hidden_by_staff_or_its_seller_hides_its_photos(app, client, factory):
    shop = make_shop(factory)
    product, full, thumb = product_with_photo(app, shop)
    assert full.public is True and thumb.public is True
    act_as(client, factory.user("petugas", "kauman"))
    hide = client.post(
        f"/k/kauman/umkm/petugas/produk/{product.id}/sembunyikan", data={"reason": "Palsu"}
    )
    assert hide.status_code == 302
    visitor = app.test_client()
    for media in (full, thumb):
        _db.session.refresh(media)
        assert media.public is False
        assert get(visitor, media).status_code == 404
        assert_private(get(client, media))  # the reviewer
    # The shop's logo is not affected by one product.
    assert client.post(f"/k/kauman/umkm/petugas/produk/{product.id}/tampilkan").status_code == 302
    _db.session.refresh(full)
    assert full.public is True

    # Hidden by its seller (a plain attribute change anywhere keeps the flag in step).
    product.hidden_at = utcnow()
    _db.session.commit()
    _db.session.refresh(thumb)
    assert thumb.public is False
    assert get(visitor, thumb).status_code == 404


def test_a_suspended_or_closed_shop(app, client, factory):
    shop = make_shop(factory)
    shop.logo = stored_media(app, shop.kelurahan_id, "umkm")
    _db.session.commit()
    _product, full, _thumb = product_with_photo(app, shop)
    logo = shop.logo

    shop.closed_at = utcnow()  # closed for a while: its page stays, products do not show
    _db.session.commit()
    _db.session.refresh(full), _db.session.refresh(logo)
    assert (logo.public, full.public) == (True, False)

    shop.closed_at, shop.status = None, "suspended"
    _db.session.commit()
    _db.session.refresh(full), _db.session.refresh(logo)
    assert (logo.public, full.public) == (False, False)
    assert get(client, logo).status_code == 404


def test_a_file_of_no_plugin_that_is_not_public_is_404(app, client, factory, login_as):
    media = stored_media(app, factory.kelurahan("kauman").id)
    media.public = False
    _db.session.commit()
    login_as("admin", "kauman")
    assert get(client, media).status_code == 404
