"""`umkm.review` decides who reviews shops, hides products and works the flag queue: petugas
and admin hold it by default, and the kelurahan admin can take it from a role or give it to
one. Sellers manage their own shop through their group, whatever the grants say."""

from __future__ import annotations

import pytest
from conftest import act_as, enable_plugin, make_user
from umkm_helpers import make_product, make_shop

from app.extensions import db as _db
from app.permissions import set_grant
from plugins.umkm.models import Product, Shop

BASE = "/k/kauman/umkm"
STAFF = f"{BASE}/petugas"


@pytest.fixture(autouse=True)
def umkm_on(app):
    enable_plugin(app, "umkm", "kauman")


def grant(factory, role: str, granted: bool, slug: str = "kauman") -> None:
    set_grant(factory.kelurahan(slug), "umkm.review", role, granted)
    _db.session.commit()


def text(response) -> str:
    return response.get_data(as_text=True)


def test_petugas_without_the_grant_are_refused_the_review_pages(client, factory, login_as):
    pending = make_shop(factory, status="pending", name="Toko Menunggu Tinjauan")
    product = make_product(make_shop(factory), name="Kain Yang Ditandai")
    petugas = login_as("petugas", "kauman", verified=True)
    assert client.get(f"{STAFF}/toko").status_code == 200  # the default grant

    grant(factory, "petugas", False)
    act_as(client, petugas)
    for page in (f"{STAFF}/toko", f"{STAFF}/toko?status=approved", f"{STAFF}/tanda"):
        assert client.get(page).status_code == 403, page
    posts = {
        f"{STAFF}/toko/{pending.id}/setujui": {},
        f"{STAFF}/toko/{pending.id}/tangguhkan": {"reason": "Tanpa izin"},
        f"{STAFF}/produk/{product.id}/sembunyikan": {"reason": "Tanpa izin"},
        f"{STAFF}/produk/{product.id}/tampilkan": {},
        f"{STAFF}/produk/{product.id}/abaikan-tanda": {},
    }
    for url, data in posts.items():
        assert client.post(url, data=data).status_code == 403, url
    _db.session.expire_all()
    assert _db.session.get(Shop, pending.id).status == "pending"
    assert _db.session.get(Product, product.id).staff_hidden_at is None

    # Nothing on the public pages invites them to review, and what is not public stays
    # as hidden from them as from any visitor.
    catalogue = text(client.get(f"{BASE}/"))
    assert "Tinjau toko" not in catalogue and f"{STAFF}/tanda" not in catalogue
    assert "Tindakan petugas" not in text(client.get(f"{BASE}/produk/{product.id}"))
    assert client.get(f"{BASE}/toko/{pending.id}").status_code == 404
    home = text(client.get("/k/kauman/"))
    assert "Tinjau toko" not in home

    # The admin still holds it.
    login_as("admin", "kauman", verified=True)
    assert client.get(f"{STAFF}/toko").status_code == 200


def test_a_resident_granted_review_approves_a_shop(client, factory, login_as):
    shop = make_shop(factory, status="pending", name="Batik Menunggu Warga")
    make_product(shop, name="Kain Tulis Warga")
    reviewer = login_as("warga", "kauman", verified=True)
    assert client.get(f"{STAFF}/toko").status_code == 403

    grant(factory, "warga", True)
    act_as(client, reviewer)
    queue = text(client.get(f"{STAFF}/toko"))
    assert "Batik Menunggu Warga" in queue
    assert "Tinjau toko" in text(client.get(f"{BASE}/"))
    response = client.post(f"{STAFF}/toko/{shop.id}/setujui", data={"reason": ""})
    assert response.status_code == 302
    _db.session.expire_all()
    approved = _db.session.get(Shop, shop.id)
    assert approved.status == "approved" and approved.reviewed_by_id == reviewer.id

    # Now every visitor finds it.
    visitor = client.application.test_client()
    assert "Kain Tulis Warga" in text(visitor.get(f"{BASE}/"))


def test_the_grant_of_one_kelurahan_is_not_another_ones(client, factory, login_as):
    enable_plugin(client.application, "umkm", "medono")
    grant(factory, "warga", True, slug="medono")
    login_as("warga", "kauman", verified=True)
    assert client.get(f"{STAFF}/toko").status_code == 403


def test_sellers_keep_their_shop_when_reviewers_lose_the_grant(client, factory):
    shop = make_shop(factory, status="pending", name="Toko Penjual Sendiri")
    seller = shop.group.members[0].user
    grant(factory, "petugas", False)
    grant(factory, "admin", False)
    act_as(client, seller)
    assert client.get(f"{BASE}/toko/{shop.id}/kelola").status_code == 200
    assert client.get(f"{BASE}/toko/{shop.id}").status_code == 200
    assert client.get(f"{STAFF}/toko").status_code == 403
    outsider = make_user("warga", "kauman")
    act_as(client, outsider)
    assert client.get(f"{BASE}/toko/{shop.id}").status_code == 404
