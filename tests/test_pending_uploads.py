"""A form error never loses an uploaded photo (app.uploads): the photos of a refused POST
are kept as pending, non-public uploads of their uploader, shown again with a remove box,
and attached when the form is finally saved. Only the uploader may claim or see them, and
`flask kp media gc` removes those left behind for a day."""

from __future__ import annotations

import io
import re
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import act_as, count, enable_plugin
from PIL import Image
from sqlalchemy import select

from app.extensions import db as _db
from app.models import GroupMember, Media, PendingUpload, utcnow

sys.path.insert(0, str(Path(__file__).parent / "reports"))
sys.path.insert(0, str(Path(__file__).parent / "umkm"))

from reports_helpers import KAUMAN, make_report  # noqa: E402
from umkm_helpers import make_shop  # noqa: E402

from plugins.reports.models import Report, ReportPhoto  # noqa: E402
from plugins.umkm.models import Product, ProductPhoto, Shop  # noqa: E402

REPORTS = "/k/kauman/laporan/baru"


@pytest.fixture(autouse=True)
def plugins_on(app):
    for plugin_id in ("reports", "umkm"):
        enable_plugin(app, plugin_id, "kauman")
        enable_plugin(app, plugin_id, "medono")


# -- helpers -----------------------------------------------------------------------------------


def jpeg(colour=(40, 120, 200), size=(64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG")
    return out.getvalue()


def photo(name="foto.jpg", data=None):
    return (io.BytesIO(jpeg() if data is None else data), name)


def report_data(**overrides) -> dict:
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


def post(client, url, data: dict, photos=None, keep=(), remove=()):
    data = dict(data)
    if photos is not None:
        data["photos"] = photos
    if keep:
        data["photos-pending"] = [str(i) for i in keep]
    if remove:
        data["photos-remove"] = [str(i) for i in remove]
    return client.post(url, data=data, content_type="multipart/form-data")


def text(response) -> str:
    return response.get_data(as_text=True)


def kept_ids(response) -> list[int]:
    """The pending photos the form shown again carries, in order."""
    return [int(i) for i in re.findall(r'name="photos-pending" value="(\d+)"', text(response))]


def pending_rows() -> list[PendingUpload]:
    return list(_db.session.execute(select(PendingUpload).order_by(PendingUpload.id)).scalars())


def stored_files(app) -> set[str]:
    root = Path(app.config["KP_MEDIA_ROOT"])
    if not root.exists():
        return set()
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def media_url(media: Media) -> str:
    return f"/media/{media.relpath}"


# -- the report form ---------------------------------------------------------------------------


def test_a_missing_title_keeps_the_photo_for_the_next_try(client, app, login_as):
    user = login_as("warga", "kauman")
    refused = post(client, REPORTS, report_data(title=""), photos=[photo("jalan.jpg")])
    assert refused.status_code == 422
    assert "Wajib diisi." in text(refused)
    [row] = pending_rows()
    assert kept_ids(refused) == [row.id]
    assert media_url(row.media) in text(refused)  # its thumbnail is shown
    assert 'accept="image/*"' in text(refused)
    assert (row.user_id, row.media.uploaded_by_id, row.media.public) == (user.id, user.id, False)
    assert count(Report) == 0
    media_id = row.media_id

    # Only the title is filled in; no photo is chosen again.
    saved = post(client, REPORTS, report_data(), keep=kept_ids(refused))
    assert saved.status_code == 302
    report = _db.session.execute(select(Report)).scalar_one()
    [attached] = _db.session.execute(select(ReportPhoto)).scalars().all()
    assert attached.report_id == report.id and attached.media_id == media_id
    assert attached.thumb is not None and max(attached.thumb.width, attached.thumb.height) <= 400
    assert count(PendingUpload) == 0
    assert attached.media.public is True  # the report is public, so are its photos
    assert client.get(media_url(attached.media)).status_code == 200


def test_a_missing_location_keeps_the_photos_too(client, login_as):
    login_as("warga", "kauman")
    refused = post(
        client,
        REPORTS,
        report_data(lat="", lng=""),
        photos=[photo("a.jpg"), photo("b.jpg", jpeg((200, 10, 10)))],
    )
    assert refused.status_code == 422
    assert "Lokasi belum dipilih" in text(refused)
    kept = kept_ids(refused)
    media_ids = [_db.session.get(PendingUpload, i).media_id for i in kept]
    assert len(kept) == 2
    saved = post(client, REPORTS, report_data(), keep=kept)
    assert saved.status_code == 302
    photos = _db.session.execute(select(ReportPhoto).order_by(ReportPhoto.position)).scalars()
    assert [p.media_id for p in photos] == media_ids  # in the order chosen
    assert count(PendingUpload) == 0


def test_a_similar_report_nearby_keeps_the_photo_while_the_resident_decides(
    client, factory, login_as
):
    make_report(factory, category="Drainase / banjir")  # open, at the same spot
    login_as("warga", "kauman")
    asked = post(client, REPORTS, report_data(), photos=[photo()])
    assert asked.status_code == 422
    assert "Kirim laporan baru" in text(asked)
    [kept] = kept_ids(asked)
    saved = post(client, REPORTS, report_data(confirm_new="1"), keep=[kept])
    assert saved.status_code == 302
    assert count(ReportPhoto) == 1 and count(PendingUpload) == 0


def test_remove_drops_a_kept_photo_with_its_file(client, app, login_as):
    login_as("warga", "kauman")
    refused = post(client, REPORTS, report_data(title=""), photos=[photo("a.jpg"), photo("b.jpg")])
    first, second = kept_ids(refused)
    gone = _db.session.execute(select(PendingUpload).where(PendingUpload.id == first)).scalar_one()
    gone_path, gone_media = gone.media.relpath, gone.media_id
    assert gone_path in stored_files(app)

    again = post(client, REPORTS, report_data(title=""), keep=[first, second], remove=[first])
    assert again.status_code == 422
    assert kept_ids(again) == [second]
    assert gone_path not in stored_files(app)
    assert _db.session.get(Media, gone_media) is None

    saved = post(client, REPORTS, report_data(), keep=kept_ids(again))
    assert saved.status_code == 302
    assert count(ReportPhoto) == 1


def test_another_residents_kept_photo_cannot_be_claimed(client, factory, login_as):
    owner = login_as("warga", "kauman")
    refused = post(client, REPORTS, report_data(title=""), photos=[photo()])
    [theirs] = kept_ids(refused)

    login_as("warga", "kauman")  # someone else, who copies the id into their own POST
    stolen = post(client, REPORTS, report_data(title=""), keep=[theirs])
    assert kept_ids(stolen) == []
    saved = post(client, REPORTS, report_data(), keep=[theirs])
    assert saved.status_code == 302
    assert count(ReportPhoto) == 0
    row = _db.session.get(PendingUpload, theirs)
    assert row is not None and row.user_id == owner.id  # still the owner's, untouched
    # Nor can they remove it.
    post(client, REPORTS, report_data(title=""), keep=[theirs], remove=[theirs])
    assert _db.session.get(PendingUpload, theirs) is not None


def test_a_kept_photo_is_not_claimed_in_another_kelurahan(client, factory):
    user = factory.user("warga", "kauman")
    act_as(client, user)
    refused = post(client, REPORTS, report_data(title=""), photos=[photo()])
    [kept] = kept_ids(refused)
    other = post(client, "/k/medono/laporan/baru", report_data(title=""), keep=[kept])
    assert other.status_code == 422
    assert kept_ids(other) == []


def test_kept_photos_are_seen_by_their_uploader_only(client, factory, login_as):
    login_as("warga", "kauman")
    post(client, REPORTS, report_data(title=""), photos=[photo()])
    [row] = pending_rows()
    url = media_url(row.media)
    mine = client.get(url)
    assert mine.status_code == 200
    assert "no-store" in mine.headers["Cache-Control"]

    act_as(client, factory.user("petugas", "kauman"))
    assert client.get(url).status_code == 404
    with client.session_transaction() as session:  # signed out
        session.clear()
    assert client.get(url).status_code == 404


def test_at_most_three_photos_across_kept_and_new(client, login_as):
    login_as("warga", "kauman")
    refused = post(client, REPORTS, report_data(title=""), photos=[photo("a.jpg"), photo("b.jpg")])
    assert len(kept_ids(refused)) == 2
    over = post(
        client,
        REPORTS,
        report_data(title=""),
        photos=[photo("c.jpg"), photo("d.jpg")],
        keep=kept_ids(refused),
    )
    assert over.status_code == 422
    assert "Paling banyak 3 foto." in text(over)
    kept = kept_ids(over)
    assert kept[:2] == kept_ids(refused) and len(kept) == 3  # c.jpg fits, d.jpg does not
    assert count(PendingUpload) == 3

    # A valid form with three kept photos and one more chosen is refused as well.
    still_over = post(client, REPORTS, report_data(), photos=[photo("e.jpg")], keep=kept)
    assert still_over.status_code == 422 and count(Report) == 0
    saved = post(client, REPORTS, report_data(), keep=kept_ids(still_over))
    assert saved.status_code == 302
    assert count(ReportPhoto) == 3


def test_a_refused_file_is_named_and_the_others_are_kept(client, login_as):
    login_as("warga", "kauman")
    response = post(
        client,
        REPORTS,
        report_data(),
        photos=[photo("bagus.jpg"), photo("surat.pdf", b"%PDF-1.4 bukan gambar")],
    )
    assert response.status_code == 422
    assert "surat.pdf: Berkas ini bukan gambar" in text(response)
    assert len(kept_ids(response)) == 1
    assert count(Report) == 0
    saved = post(client, REPORTS, report_data(), keep=kept_ids(response))
    assert saved.status_code == 302 and count(ReportPhoto) == 1


def test_hostile_ids_are_ignored(client, login_as):
    login_as("warga", "kauman")
    response = client.post(
        REPORTS,
        data={**report_data(title=""), "photos-pending": ["abc", "-1", "9" * 30, "١٢"]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert kept_ids(response) == []


def test_gc_removes_pending_uploads_older_than_a_day(client, app, login_as):
    login_as("warga", "kauman")
    post(client, REPORTS, report_data(title=""), photos=[photo("lama.jpg")])
    post(client, REPORTS, report_data(title=""), photos=[photo("baru.jpg")])
    old, fresh = pending_rows()
    old.created_at = utcnow() - timedelta(hours=25)
    old_path, old_media = old.media.relpath, old.media_id
    fresh_path = fresh.media.relpath
    _db.session.commit()

    result = app.test_cli_runner().invoke(args=["kp", "media", "gc"])
    assert result.exit_code == 0, result.output
    assert "1 pending upload(s) older than a day removed" in result.output
    assert [row.id for row in pending_rows()] == [fresh.id]
    assert _db.session.get(Media, old_media) is None
    assert old_path not in stored_files(app)
    assert fresh_path in stored_files(app)


# -- the product form of a shop ----------------------------------------------------------------


@pytest.fixture
def seller(factory, login_as):
    shop = make_shop(factory, status="approved")
    user = login_as("warga", "kauman")
    _db.session.add(
        GroupMember(
            kelurahan_id=shop.kelurahan_id, group_id=shop.group_id, user_id=user.id, role="anggota"
        )
    )
    _db.session.commit()
    return shop, user


def product_data(**overrides) -> dict:
    data = {
        "name": "Kain batik tulis motif jlamprang",
        "category": "Batik tulis",
        "price": "350.000",
        "unit": "lembar",
        "stock": "tersedia",
        "description": "Katun primisima, pewarna alam.",
    }
    data.update(overrides)
    return data


def test_a_refused_product_keeps_its_photos_in_order(client, seller):
    shop, user = seller
    url = f"/k/kauman/umkm/toko/{shop.id}/produk/baru"
    refused = post(
        client,
        url,
        product_data(name="", price="mahal"),
        photos=[photo("sampul.jpg"), photo("motif.jpg", jpeg((200, 10, 10)))],
    )
    assert refused.status_code == 422
    kept = kept_ids(refused)
    assert len(kept) == 2
    assert not any(row.media.public for row in pending_rows())

    saved = post(client, url, product_data(), keep=kept)
    assert saved.status_code == 302
    product = _db.session.execute(select(Product)).scalar_one()
    photos = (
        _db.session.execute(
            select(ProductPhoto)
            .where(ProductPhoto.product_id == product.id)
            .order_by(ProductPhoto.position)
        )
        .scalars()
        .all()
    )
    assert count(PendingUpload) == 0  # used up
    assert len(photos) == 2 and all(p.media.public for p in photos)
    assert photos[0].thumb is not None


def test_a_busy_server_at_the_thumbnail_keeps_the_photo_and_saves_nothing(
    client, seller, monkeypatch
):
    """PhotoUploads.attach: when the thumbnail is refused (the server is busy with other
    photos), the form says so, no product is half-saved and the photo is still kept."""
    import app.uploads as uploads
    from app.imaging import ImageRejected

    shop, _user = seller
    url = f"/k/kauman/umkm/toko/{shop.id}/produk/baru"
    real = uploads.save_upload

    def busy_for_thumbnails(*args, max_side=None, **kwargs):
        if max_side == 480:  # the product's thumbnail, not the photo itself
            raise ImageRejected("Server sedang sibuk memproses foto lain.")
        return real(*args, max_side=max_side, **kwargs)

    monkeypatch.setattr(uploads, "save_upload", busy_for_thumbnails)
    refused = post(client, url, product_data(), photos=[photo("sampul.jpg")])
    assert refused.status_code == 422
    assert "Server sedang sibuk memproses foto lain." in text(refused)
    assert count(Product) == 0 and count(ProductPhoto) == 0
    kept = kept_ids(refused)
    assert len(kept) == 1

    monkeypatch.setattr(uploads, "save_upload", real)
    assert post(client, url, product_data(), keep=kept).status_code == 302
    assert count(ProductPhoto) == 1 and count(PendingUpload) == 0


def test_product_photos_across_kept_and_new_stop_at_five(client, seller):
    shop, _user = seller
    url = f"/k/kauman/umkm/toko/{shop.id}/produk/baru"
    refused = post(client, url, product_data(name=""), photos=[photo(f"{n}.jpg") for n in range(4)])
    over = post(
        client,
        url,
        product_data(name=""),
        photos=[photo("x.jpg"), photo("y.jpg")],
        keep=kept_ids(refused),
    )
    assert "Paling banyak 5 foto per produk; Anda masih bisa menambah 1." in text(over)
    assert len(kept_ids(over)) == 5
    saved = post(client, url, product_data(), keep=kept_ids(over))
    assert saved.status_code == 302
    assert count(ProductPhoto) == 5


def test_photos_kept_for_one_product_do_not_go_to_another(client, seller):
    shop, _user = seller
    url = f"/k/kauman/umkm/toko/{shop.id}/produk/baru"
    for name in ("Satu", "Dua"):
        assert post(client, url, product_data(name=f"Produk {name}")).status_code == 302
    one, two = _db.session.execute(select(Product).order_by(Product.id)).scalars().all()
    refused = post(
        client, f"/k/kauman/umkm/produk/{one.id}/ubah", product_data(name=""), photos=[photo()]
    )
    [kept] = kept_ids(refused)
    other = post(client, f"/k/kauman/umkm/produk/{two.id}/ubah", product_data(), keep=[kept])
    assert other.status_code == 302
    assert count(ProductPhoto) == 0
    saved = post(client, f"/k/kauman/umkm/produk/{one.id}/ubah", product_data(), keep=[kept])
    assert saved.status_code == 302
    assert [p.product_id for p in _db.session.execute(select(ProductPhoto)).scalars()] == [one.id]


# -- the kelurahan's logo ----------------------------------------------------------------------

IDENTITY = "/k/kauman/admin/identitas"


def identity_data(**overrides) -> dict:
    data = {"description": "Kampung batik.", "email": "kauman@contoh.id", "whatsapp": ""}
    data.update(overrides)
    return data


def logo_ids(response) -> list[int]:
    return [int(i) for i in re.findall(r'name="logo-pending" value="(\d+)"', text(response))]


def test_a_refused_identity_form_keeps_the_new_logo(client, factory, login_as):
    login_as("admin", "kauman")
    refused = client.post(
        IDENTITY,
        data={**identity_data(email="bukan e-mail"), "logo": photo("logo.png")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422
    [kept] = logo_ids(refused)
    media_id = _db.session.get(PendingUpload, kept).media_id
    assert factory.kelurahan("kauman").logo_id is None

    # A second refusal with another file: the new one replaces the kept one.
    again = client.post(
        IDENTITY,
        data={**identity_data(email="bukan"), "logo": photo("baru.png"), "logo-pending": kept},
        content_type="multipart/form-data",
    )
    [replacement] = logo_ids(again)
    assert replacement != kept and _db.session.get(Media, media_id) is None
    media_id = _db.session.get(PendingUpload, replacement).media_id

    saved = client.post(
        IDENTITY,
        data={**identity_data(), "logo-pending": replacement},
        content_type="multipart/form-data",
    )
    assert saved.status_code == 302
    _db.session.expire_all()
    k = factory.kelurahan("kauman")
    assert k.logo_id == media_id and k.logo.public is True
    assert count(PendingUpload) == 0


def test_a_refused_shop_form_keeps_its_logo_private_until_the_shop_is_approved(
    client, factory, login_as
):
    user = login_as("warga", "kauman")
    group = factory.group("kauman", leader=user)
    data = {
        "group": str(group.id),
        "name": "Batik Sekar Jagad",
        "whatsapp": "12345",  # refused
        "address": "Jl. Hayam Wuruk Gg. 3 No. 12",
        "lat": str(KAUMAN[0]),
        "lng": str(KAUMAN[1]),
    }
    refused = client.post(
        "/k/kauman/umkm/toko/buka",
        data={**data, "logo": photo("logo.png")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422
    [kept] = logo_ids(refused)
    saved = client.post(
        "/k/kauman/umkm/toko/buka",
        data={**data, "whatsapp": "0812-3456-7890", "logo-pending": kept},
        content_type="multipart/form-data",
    )
    assert saved.status_code == 302
    shop = _db.session.execute(select(Shop)).scalar_one()
    assert shop.logo is not None and shop.logo.public is False  # awaiting review
    assert count(PendingUpload) == 0
    assert client.get(media_url(shop.logo)).status_code == 200  # the group sees it
    with client.session_transaction() as session:
        session.clear()
    assert client.get(media_url(shop.logo)).status_code == 404
