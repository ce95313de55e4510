"""Flagging a product: only signed-in people, one flag per person per product, a clear
message for a bad reason (keeping the note), only public products, CSRF and a rate limit."""

from __future__ import annotations

import pytest
from conftest import count, enable_plugin, make_user, notes_for
from sqlalchemy import select
from umkm_helpers import make_product, make_shop

from app.models import utcnow
from plugins.umkm.models import ProductFlag

BASE = "/k/kauman/umkm"


@pytest.fixture(autouse=True)
def umkm_on(app):
    enable_plugin(app, "umkm", "kauman")
    enable_plugin(app, "umkm", "medono")


@pytest.fixture
def product(factory):
    return make_product(make_shop(factory), name="Kain Batik Murah Sekali")


def flag_url(product) -> str:
    return f"{BASE}/produk/{product.id}/laporkan"


def test_anonymous_visitors_are_sent_to_sign_in(client, product):
    for response in (
        client.get(flag_url(product)),
        client.post(flag_url(product), data={"reason": "penipuan"}),
    ):
        assert response.status_code == 302
        assert "/masuk?next=" in response.headers["Location"]
    assert count(ProductFlag) == 0


def test_flag_form_lists_the_reasons(client, product, login_as):
    login_as("warga", "kauman")
    page = client.get(flag_url(product)).get_data(as_text=True)
    assert "Laporkan produk" in page and "Kain Batik Murah Sekali" in page
    for label in ("Penipuan", "Kategori salah", "Barang terlarang"):
        assert label in page
    assert '<label for="reason">Alasan</label>' in page
    assert 'name="note"' in page


def test_signed_in_resident_flags_a_product_once(client, db, product, login_as):
    user = login_as("warga", "kauman")
    response = client.post(
        flag_url(product),
        data={"reason": "penipuan", "note": "Minta transfer dulu lalu menghilang."},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert response.request.path == f"{BASE}/produk/{product.id}"
    assert "Terima kasih. Petugas kelurahan akan memeriksa produk ini." in response.get_data(
        as_text=True
    )
    flag = db.session.execute(select(ProductFlag)).scalar_one()
    assert (flag.product_id, flag.user_id, flag.reason) == (product.id, user.id, "penipuan")
    assert flag.note == "Minta transfer dulu lalu menghilang."
    assert flag.kelurahan_id == product.kelurahan_id and flag.resolved_at is None

    again = client.post(flag_url(product), data={"reason": "terlarang"}, follow_redirects=True)
    assert "Anda sudah melaporkan produk ini." in again.get_data(as_text=True)
    assert count(ProductFlag) == 1
    shown = client.get(flag_url(product), follow_redirects=True)
    assert "Anda sudah melaporkan produk ini." in shown.get_data(as_text=True)


def test_another_person_may_flag_the_same_product(client, product, login_as):
    login_as("warga", "kauman")
    client.post(flag_url(product), data={"reason": "penipuan"})
    login_as("warga", "medono")  # anyone signed in, from any kelurahan
    client.post(flag_url(product), data={"reason": "salah_kategori"})
    assert count(ProductFlag, ProductFlag.product_id == product.id) == 2


def test_staff_hear_of_a_flagged_product_once(client, product, login_as):
    petugas, admin = make_user("petugas", "kauman"), make_user("admin", "kauman")
    elsewhere = make_user("petugas", "medono")
    login_as("warga", "kauman")
    client.post(flag_url(product), data={"reason": "penipuan"})
    login_as("warga", "kauman")
    client.post(flag_url(product), data={"reason": "terlarang"})
    expected = "Produk “Kain Batik Murah Sekali” ditandai warga (Penipuan). Periksa antrean tanda."
    assert notes_for(petugas) == [expected] and notes_for(admin) == [expected]
    assert notes_for(elsewhere) == []


def test_invalid_reason_is_422_and_keeps_the_note(client, product, login_as):
    login_as("warga", "kauman")
    response = client.post(
        flag_url(product), data={"reason": "tidak-suka", "note": "Harganya aneh sekali."}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Periksa kembali isian yang ditandai." in page
    assert 'class="error" id="reason-error"' in page
    assert "Harganya aneh sekali." in page
    assert count(ProductFlag) == 0


def test_too_long_note_is_refused_and_kept(client, product, login_as):
    login_as("warga", "kauman")
    note = "x" * 501
    response = client.post(flag_url(product), data={"reason": "penipuan", "note": note})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Paling banyak 500 karakter." in page and note in page
    assert count(ProductFlag) == 0


def test_only_public_products_can_be_flagged(client, factory, login_as):
    hidden = make_product(make_shop(factory), hidden_at=utcnow())
    pending = make_product(make_shop(factory, status="pending"))
    login_as("petugas", "kauman", verified=True)  # staff can see them, but not flag them
    for product in (hidden, pending):
        assert client.get(flag_url(product)).status_code == 404
        assert client.post(flag_url(product), data={"reason": "penipuan"}).status_code == 404
    assert client.get(f"{BASE}/produk/999999/laporkan").status_code == 404
    assert count(ProductFlag) == 0


def test_flag_needs_the_csrf_token(app, client, product, login_as):
    login_as("warga", "kauman")
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post(flag_url(product), data={"reason": "penipuan"})
    assert response.status_code == 400
    assert count(ProductFlag) == 0


def test_flagging_is_rate_limited(client, factory, login_as):
    login_as("warga", "kauman")
    shop = make_shop(factory)
    products = [make_product(shop) for _ in range(11)]
    codes = [client.post(flag_url(p), data={"reason": "penipuan"}).status_code for p in products]
    assert codes[:10] == [302] * 10 and codes[10] == 429
    assert count(ProductFlag) == 10
