"""Group members add and edit products: prices in whole rupiah, up to five photos stored
twice (full size and thumbnail, without EXIF), the cover, hiding and showing; the answers
to bad input; and that nobody outside the group can post or change anything."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from conftest import act_as, count, enable_plugin
from PIL import ExifTags, Image
from sqlalchemy import select
from umkm_helpers import jpeg_bytes, make_product, make_shop, upload

from app.extensions import db as _db
from app.models import GroupMember, Media, PendingUpload, utcnow
from plugins.umkm.models import Product, ProductPhoto

BASE = "/k/kauman/umkm"


@pytest.fixture(autouse=True)
def umkm_on(app):
    enable_plugin(app, "umkm", "kauman")
    enable_plugin(app, "umkm", "medono")


@pytest.fixture
def seller(factory, login_as):
    """A signed-in member (not the leader) of a group with an approved shop."""
    shop = make_shop(factory, status="approved")
    user = login_as("warga", "kauman", name="Bu Sekar")
    add_member(shop.group, user)
    return shop, user


# -- helpers -----------------------------------------------------------------------------------


def text(response) -> str:
    return response.get_data(as_text=True)


def add_member(group, user, status="active") -> None:
    _db.session.add(
        GroupMember(
            kelurahan_id=group.kelurahan_id,
            group_id=group.id,
            user_id=user.id,
            role="anggota",
            status=status,
        )
    )
    _db.session.commit()


def product_data(**overrides) -> dict:
    data = {
        "name": "Kain batik tulis motif jlamprang",
        "category": "Batik tulis",
        "price": "350.000",
        "price_max": "",
        "discount_price": "",
        "unit": "lembar",
        "stock": "tersedia",
        "description": "Katun primisima 2 x 1,15 m, pewarna alam, dikerjakan dua minggu.",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def post_product(client, url, photos=None, **overrides):
    data = product_data(**overrides)
    if photos is not None:
        data["photos"] = photos
    return client.post(url, data=data, content_type="multipart/form-data")


def new_url(shop) -> str:
    return f"{BASE}/toko/{shop.id}/produk/baru"


def jpeg_with_gps(size=(1200, 900)) -> bytes:
    image = Image.new("RGB", size, (120, 40, 20))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "TestPhone"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "S"
    gps[ExifTags.GPS.GPSLatitude] = (6.0, 53.0, 24.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (109.0, 40.0, 22.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    data = out.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    return data


def stored_files(app) -> list[Path]:
    root = Path(app.config["KP_MEDIA_ROOT"])
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def file_of(app, media: Media) -> Path:
    return Path(app.config["KP_MEDIA_ROOT"]) / media.relpath


def photos_of(product) -> list[ProductPhoto]:
    return list(
        _db.session.execute(
            select(ProductPhoto)
            .where(ProductPhoto.product_id == product.id)
            .order_by(ProductPhoto.position)
        ).scalars()
    )


def product_with_photos(shop, n: int, client) -> Product:
    """A product of `shop` with `n` photos added through the form (as its member)."""
    photos = [upload(f"f{i}.jpg", jpeg_bytes(size=(60 + i, 40))) for i in range(n)]
    response = post_product(client, new_url(shop), photos=photos)
    assert response.status_code == 302
    return _db.session.execute(select(Product).order_by(Product.id.desc())).scalars().first()


# -- adding a product ----------------------------------------------------------------------------


def test_a_member_adds_a_product_with_photos(client, app, seller):
    shop, _user = seller
    first = jpeg_with_gps(size=(1200, 900))
    second = jpeg_bytes(size=(300, 200))
    response = post_product(
        client,
        new_url(shop),
        photos=[upload("depan.jpg", first), upload("motif.jpg", second)],
        price="Rp 350.000",
        price_max="450000",
        discount_price="300.000",
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{BASE}/toko/{shop.id}/kelola")
    product = _db.session.execute(select(Product)).scalar_one()
    assert (product.shop_id, product.kelurahan_id) == (shop.id, shop.kelurahan_id)
    assert (product.price, product.price_max, product.discount_price) == (350_000, 450_000, 300_000)
    assert (product.category, product.unit, product.stock) == ("Batik tulis", "lembar", "tersedia")

    photos = photos_of(product)
    assert [p.position for p in photos] == [0, 1]
    assert count(Media) == 4  # each photo full size and as a thumbnail
    assert len(stored_files(app)) == 4
    cover = photos[0]
    assert (cover.media.width, cover.media.height) == (1200, 900)  # the first one is the cover
    assert max(cover.thumb.width, cover.thumb.height) <= 480
    assert (photos[1].media.width, photos[1].media.height) == (300, 200)
    for photo in photos:
        for media in (photo.media, photo.thumb):
            data = file_of(app, media).read_bytes()
            image = Image.open(io.BytesIO(data))
            assert max(image.size) == max(media.width, media.height)
            assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
            assert len(image.getexif()) == 0
            assert b"TestPhone" not in data
        assert max(Image.open(file_of(app, photo.thumb)).size) <= 480

    page = text(client.get(response.headers["Location"]))
    assert "Produk Kain batik tulis motif jlamprang ditambahkan." in page
    assert "Rp 350.000" in page and "Rp 300.000" in page and "Rp 450.000" in page
    assert f"/media/{cover.thumb.relpath}" in page


def test_a_pending_shop_may_add_products_that_wait(client, factory, login_as):
    user = login_as("warga", "kauman")
    shop = make_shop(factory, group=factory.group("kauman", leader=user), status="pending")
    form = text(client.get(new_url(shop)))
    assert "belum tampil untuk umum" in form
    response = post_product(client, new_url(shop))
    assert response.status_code == 302
    page = text(client.get(response.headers["Location"]))
    assert "tampil untuk umum setelah toko disetujui" in page
    assert "Menunggu toko disetujui" in page
    assert count(Product) == 1


def test_the_form_offers_the_kelurahan_categories_and_units(client, seller):
    shop, _user = seller
    body = text(client.get(new_url(shop)))
    for word in ("Batik tulis", "Tekstil motif batik (printing)", "Kuliner", "lembar", "kg"):
        assert word in body
    assert "Pre-order" in body


BAD_INPUT = {
    "negative price": ({"price": "-5000"}, "Harga tidak boleh negatif."),
    "price not a number": ({"price": "abc"}, "Tulis harga sebagai angka rupiah tanpa desimal"),
    "price with decimals": (
        {"price": "15000,50"},
        "Tulis harga sebagai angka rupiah tanpa desimal",
    ),
    "no price": ({"price": ""}, "Wajib diisi."),
    "range minimum above maximum": (
        {"price": "200000", "price_max": "150000"},
        "Harga tertinggi harus lebih besar dari harga terendah.",
    ),
    "discount equal to the price": (
        {"price": "350000", "discount_price": "350.000"},
        "Harga diskon harus lebih rendah dari harga.",
    ),
    "discount above the price": (
        {"discount_price": "400000"},
        "Harga diskon harus lebih rendah dari harga.",
    ),
    "negative discount": ({"discount_price": "-1"}, "Harga tidak boleh negatif."),
    "unknown category": ({"category": "Senjata"}, "Pilih salah satu pilihan yang tersedia."),
    "unknown unit": ({"unit": "ton"}, "Pilih salah satu pilihan yang tersedia."),
    "unknown stock": ({"stock": "banyak"}, "Pilih salah satu pilihan yang tersedia."),
    "short name": ({"name": "Ab"}, "Nama produk harus 3–120 karakter."),
    "six photos": ("six", "Paling banyak 5 foto per produk"),
    "not an image": ("text", "Berkas ini bukan gambar"),
    "second photo not an image": ("second", "Berkas ini bukan gambar"),
}


def _photos_for(kind):
    if kind == "six":
        return [upload(f"f{n}.jpg") for n in range(6)]
    if kind == "text":
        return [upload("surat.jpg", b"Ini bukan gambar, hanya teks.\n")]
    if kind == "second":
        return [upload("a.jpg"), upload("b.jpg", b"%PDF-1.4 bukan gambar")]
    return None


@pytest.mark.parametrize("case", BAD_INPUT.keys())
def test_bad_input_answers_422_keeps_values_and_saves_nothing(client, app, seller, case):
    shop, _user = seller
    overrides, message = BAD_INPUT[case]
    photos = _photos_for(overrides) if isinstance(overrides, str) else None
    fields = {} if isinstance(overrides, str) else overrides
    before = (count(Product), count(ProductPhoto), count(Media))
    response = post_product(client, new_url(shop), photos=photos, **fields)
    assert response.status_code == 422
    body = text(response)
    assert message in body
    assert "Periksa kembali isian yang ditandai." in body
    typed = product_data(**fields)
    assert f'value="{typed["name"]}"' in body
    assert typed["description"] in body
    if typed["price"]:
        assert f'value="{typed["price"]}"' in body
    assert (count(Product), count(ProductPhoto)) == before[:2]
    # Photos that are images are kept for the next try: pending, not public, shown again.
    kept = _db.session.execute(select(PendingUpload)).scalars().all()
    assert count(Media) == before[2] + len(kept)
    assert len(stored_files(app)) == len(kept)
    assert not any(row.media.public for row in kept)
    for row in kept:
        assert f'name="photos-pending" value="{row.id}"' in body
    if overrides == "second":
        assert len(kept) == 1 and "b.jpg: Berkas ini bukan gambar" in body


def _outsider(case, factory, shop):
    if case == "member of another group":
        other = make_shop(factory)
        return other.group.members[0].user
    if case == "resident":
        return factory.user("warga", "kauman")
    if case == "staff":
        return factory.user("petugas", "kauman")
    if case == "admin":
        return factory.user("admin", "kauman")
    if case == "invited, not yet joined":
        user = factory.user("warga", "kauman")
        add_member(shop.group, user, status="invited")
        return user
    if case == "another kelurahan":
        return make_shop(factory, "medono").group.members[0].user
    raise AssertionError(case)


OUTSIDERS = [
    "member of another group",
    "resident",
    "staff",
    "admin",
    "invited, not yet joined",
    "another kelurahan",
]


@pytest.mark.parametrize("case", OUTSIDERS)
def test_a_product_posted_by_a_non_member_is_404_and_changes_nothing(client, app, factory, case):
    shop = make_shop(factory)
    act_as(client, _outsider(case, factory, shop))
    before = (count(Product), count(ProductPhoto), count(Media))
    assert client.get(new_url(shop)).status_code == 404
    response = post_product(client, new_url(shop), photos=[upload()])
    assert response.status_code == 404
    assert (count(Product), count(ProductPhoto), count(Media)) == before
    assert stored_files(app) == []


def test_a_shop_of_another_kelurahan_takes_no_products_through_this_one(client, factory):
    shop = make_shop(factory, "medono")
    act_as(client, shop.group.members[0].user)
    response = post_product(client, new_url(shop))
    assert response.status_code == 404
    assert count(Product) == 0
    # Through its own kelurahan it works.
    ok = post_product(client, f"/k/medono/umkm/toko/{shop.id}/produk/baru")
    assert ok.status_code == 302
    assert count(Product) == 1


def test_signed_out_visitors_are_sent_to_sign_in(client, factory):
    shop = make_shop(factory)
    response = post_product(client, new_url(shop))
    assert response.status_code == 302
    assert "/masuk" in response.headers["Location"]
    assert count(Product) == 0


def test_posting_products_is_rate_limited(client, seller):
    shop, _user = seller
    for n in range(30):
        assert post_product(client, new_url(shop), name=f"Produk {n:02d}").status_code == 302, n
    response = post_product(client, new_url(shop), name="Produk ke-31")
    assert response.status_code == 429
    assert count(Product) == 30


def test_forms_sent_back_do_not_count_towards_the_limit(client, seller):
    shop, _user = seller
    for _ in range(32):
        assert post_product(client, new_url(shop), price="abc").status_code == 422
    assert post_product(client, new_url(shop)).status_code == 302


# -- editing a product ---------------------------------------------------------------------------


def test_edit_shows_plain_digits_and_saves(client, seller):
    shop, _user = seller
    product = make_product(shop, price=350_000, price_max=500_000, discount_price=None)
    form = client.get(f"{BASE}/produk/{product.id}/ubah")
    assert form.status_code == 200
    body = text(form)
    assert 'value="350000"' in body and 'value="500000"' in body
    assert f'value="{product.name}"' in body
    response = post_product(
        client,
        f"{BASE}/produk/{product.id}/ubah",
        name="Kain batik cap kawung",
        category="Batik cap",
        price="125.000",
        price_max="",
        discount_price="99000",
        stock="preorder",
    )
    assert response.status_code == 302
    _db.session.refresh(product)
    assert product.name == "Kain batik cap kawung"
    assert (product.price, product.price_max, product.discount_price) == (125_000, None, 99_000)
    assert (product.category, product.stock) == ("Batik cap", "preorder")


def test_edit_keeps_a_category_the_kelurahan_no_longer_lists(client, seller):
    shop, _user = seller
    product = make_product(shop, category="Batik lama")
    body = text(client.get(f"{BASE}/produk/{product.id}/ubah"))
    assert "Batik lama" in body
    response = post_product(client, f"{BASE}/produk/{product.id}/ubah", category="Batik lama")
    assert response.status_code == 302


def test_edit_with_bad_input_changes_nothing(client, seller):
    shop, _user = seller
    product = make_product(shop, name="Nama lama", price=350_000)
    response = post_product(
        client, f"{BASE}/produk/{product.id}/ubah", name="Nama baru", price="15000,50"
    )
    assert response.status_code == 422
    body = text(response)
    assert "Tulis harga sebagai angka rupiah tanpa desimal" in body
    assert 'value="Nama baru"' in body and 'value="15000,50"' in body
    _db.session.refresh(product)
    assert (product.name, product.price) == ("Nama lama", 350_000)


def test_a_refused_photo_on_edit_keeps_the_product_as_it_was(client, app, seller):
    shop, _user = seller
    product = product_with_photos(shop, 1, client)
    media_before = count(Media)
    response = post_product(
        client,
        f"{BASE}/produk/{product.id}/ubah",
        photos=[upload("ok.jpg"), upload("bad.jpg", b"bukan gambar")],
        name="Nama yang tidak tersimpan",
    )
    assert response.status_code == 422
    assert "Berkas ini bukan gambar" in text(response)
    _db.session.refresh(product)
    assert product.name == "Kain batik tulis motif jlamprang"
    assert len(photos_of(product)) == 1
    # ok.jpg is kept for the next try (pending), bad.jpg is not stored.
    assert count(PendingUpload) == 1
    assert count(Media) == media_before + 1
    assert len(stored_files(app)) == media_before + 1


@pytest.mark.parametrize("case", OUTSIDERS)
def test_edit_by_a_non_member_is_404(client, factory, case):
    shop = make_shop(factory)
    product = make_product(shop, price=350_000)
    act_as(client, _outsider(case, factory, shop))
    assert client.get(f"{BASE}/produk/{product.id}/ubah").status_code == 404
    response = post_product(client, f"{BASE}/produk/{product.id}/ubah", name="Diubah orang lain")
    assert response.status_code == 404
    _db.session.refresh(product)
    assert product.name != "Diubah orang lain"


def test_photos_can_be_added_up_to_five(client, seller):
    shop, _user = seller
    product = product_with_photos(shop, 3, client)
    body = text(client.get(f"{BASE}/produk/{product.id}/ubah"))
    assert "Anda masih bisa menambah 2 foto" in body
    url = f"{BASE}/produk/{product.id}/ubah"
    too_many = post_product(client, url, photos=[upload(f"n{i}.jpg") for i in range(3)])
    assert too_many.status_code == 422
    assert "Anda masih bisa menambah 2." in text(too_many)
    assert len(photos_of(product)) == 3
    ok = post_product(client, url, photos=[upload("n1.jpg"), upload("n2.jpg")])
    assert ok.status_code == 302
    assert [p.position for p in photos_of(product)] == [0, 1, 2, 3, 4]
    full = post_product(client, url, photos=[upload("n6.jpg")])
    assert full.status_code == 422
    assert "Produk ini sudah punya 5 foto; hapus satu dulu." in text(full)
    assert len(photos_of(product)) == 5


# -- cover and deleting photos -------------------------------------------------------------------


def test_set_cover_keeps_the_others_in_order(client, seller):
    shop, _user = seller
    product = product_with_photos(shop, 4, client)
    a, b, c, d = (p.id for p in photos_of(product))
    response = client.post(f"{BASE}/produk/{product.id}/foto/{c}/sampul")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{BASE}/produk/{product.id}/ubah")
    assert [p.id for p in photos_of(product)] == [c, a, b, d]
    assert [p.position for p in photos_of(product)] == [0, 1, 2, 3]
    page = text(client.get(f"{BASE}/toko/{shop.id}/kelola"))
    cover = photos_of(product)[0]
    assert f"/media/{cover.thumb.relpath}" in page


def test_delete_photo_renumbers_and_removes_the_picture(client, app, seller):
    shop, _user = seller
    product = product_with_photos(shop, 3, client)
    first = photos_of(product)[0]
    a, b, c = (p.id for p in photos_of(product))
    images = [first.media, first.thumb]
    relpaths, ids = [m.relpath for m in images], [m.id for m in images]
    paths = [Path(app.config["KP_MEDIA_ROOT"]) / relpath for relpath in relpaths]
    assert all(path.exists() for path in paths)
    response = client.post(f"{BASE}/produk/{product.id}/foto/{a}/hapus")
    assert response.status_code == 302
    assert [(p.id, p.position) for p in photos_of(product)] == [(b, 0), (c, 1)]
    assert "Foto dihapus." in text(client.get(response.headers["Location"]))
    # Gone for good: no row and no file, so its old address answers 404.
    assert count(Media, Media.id.in_(ids)) == 0
    assert not any(path.exists() for path in paths)
    assert client.get(f"/media/{relpaths[0]}").status_code == 404


def test_a_photo_of_another_product_is_404(client, seller):
    shop, _user = seller
    one = product_with_photos(shop, 1, client)
    other = product_with_photos(shop, 2, client)
    foreign = photos_of(other)[1].id
    assert client.post(f"{BASE}/produk/{one.id}/foto/{foreign}/sampul").status_code == 404
    assert client.post(f"{BASE}/produk/{one.id}/foto/{foreign}/hapus").status_code == 404
    assert len(photos_of(other)) == 2 and photos_of(other)[1].id == foreign


def test_non_members_cannot_touch_photos(client, factory, seller):
    shop, _user = seller
    product = product_with_photos(shop, 2, client)
    second = photos_of(product)[1].id
    act_as(client, factory.user("petugas", "kauman"))
    assert client.post(f"{BASE}/produk/{product.id}/foto/{second}/sampul").status_code == 404
    assert client.post(f"{BASE}/produk/{product.id}/foto/{second}/hapus").status_code == 404
    assert [p.id for p in photos_of(product)][1] == second


# -- hiding and showing --------------------------------------------------------------------------


def test_seller_hides_and_shows_a_product(client, seller):
    shop, _user = seller
    product = make_product(shop)
    response = client.post(f"{BASE}/produk/{product.id}/sembunyikan")
    assert response.status_code == 302
    _db.session.refresh(product)
    assert product.hidden_at is not None
    page = text(client.get(f"{BASE}/toko/{shop.id}/kelola"))
    assert "Disembunyikan penjual" in page
    assert f'action="{BASE}/produk/{product.id}/tampilkan"' in page

    response = client.post(f"{BASE}/produk/{product.id}/tampilkan")
    assert response.status_code == 302
    _db.session.refresh(product)
    assert product.hidden_at is None
    assert "ditampilkan lagi" in text(client.get(response.headers["Location"]))


def test_a_product_hidden_by_staff_stays_hidden(client, seller):
    shop, _user = seller
    product = make_product(
        shop,
        hidden_at=utcnow(),
        staff_hidden_at=utcnow(),
        staff_hidden_reason="Foto diambil dari toko lain",
    )
    page = text(client.get(f"{BASE}/toko/{shop.id}/kelola"))
    assert "Disembunyikan petugas" in page
    assert "Foto diambil dari toko lain" in page
    response = client.post(f"{BASE}/produk/{product.id}/tampilkan", follow_redirects=True)
    body = text(response)
    assert "Hanya petugas yang dapat menampilkannya lagi" in body
    assert "Foto diambil dari toko lain" in body
    _db.session.refresh(product)
    assert product.staff_hidden_at is not None
    assert product.hidden_at is not None


@pytest.mark.parametrize("case", ["resident", "staff", "member of another group"])
def test_non_members_cannot_hide_or_show(client, factory, case):
    shop = make_shop(factory)
    shown = make_product(shop)
    hidden = make_product(shop, hidden_at=utcnow())
    act_as(client, _outsider(case, factory, shop))
    assert client.post(f"{BASE}/produk/{shown.id}/sembunyikan").status_code == 404
    assert client.post(f"{BASE}/produk/{hidden.id}/tampilkan").status_code == 404
    _db.session.refresh(shown)
    _db.session.refresh(hidden)
    assert shown.hidden_at is None and hidden.hidden_at is not None
