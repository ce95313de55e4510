"""A group closes its shop for a while (Lebaran, a long order): its products leave every
public list and cannot be ordered, the shop page says why, and opening it again brings
everything back. Only the group's active members may do either."""

from __future__ import annotations

import pytest
from conftest import act_as, enable_plugin
from umkm_helpers import make_product, make_shop

from app.extensions import db as _db

BASE = "/k/kauman/umkm"
NOTE = "Libur Lebaran, buka lagi 20 April."


@pytest.fixture(autouse=True)
def umkm_on(app):
    enable_plugin(app, "umkm", "kauman")
    enable_plugin(app, "umkm", "medono")


@pytest.fixture
def shop(factory):
    shop = make_shop(factory, name="Batik Tutup Sebentar")
    make_product(shop, name="Kain jlamprang tutup")
    return shop


def text(response) -> str:
    return response.get_data(as_text=True)


def leader(shop):
    return shop.group.members[0].user


def public_views(client, shop, product_id) -> dict[str, bool]:
    """Where a visitor (not signed in) finds the shop or its product."""
    with client.session_transaction() as session:
        session.clear()
    return {
        "catalogue": "Kain jlamprang tutup" in text(client.get(f"{BASE}/")),
        "city": "Kain jlamprang tutup" in text(client.get("/umkm/")),
        "search": "Kain jlamprang tutup" in text(client.get("/k/kauman/cari?q=jlamprang")),
        "map": "Batik Tutup Sebentar" in text(client.get(f"{BASE}/toko.geojson")),
        "product": client.get(f"{BASE}/produk/{product_id}").status_code == 200,
        "order": "wa.me/6281234567890" in text(client.get(f"{BASE}/toko/{shop.id}")),
    }


def test_closing_takes_the_products_off_and_reopening_brings_them_back(client, shop):
    product_id = shop.products[0].id
    assert all(public_views(client, shop, product_id).values())

    act_as(client, leader(shop))
    response = client.post(f"{BASE}/toko/{shop.id}/tutup", data={"note": NOTE})
    assert response.status_code == 302
    dashboard = text(client.get(response.headers["Location"]))
    assert "Toko tutup sementara sejak" in dashboard and NOTE in dashboard
    assert "Sedang tutup" in dashboard and "Sedang tutup" in text(client.get(f"{BASE}/toko-saya"))

    assert not any(public_views(client, shop, product_id).values())
    page = text(client.get(f"{BASE}/toko/{shop.id}"))
    assert "Toko tutup sementara sejak" in page and NOTE in page
    assert "Kain jlamprang tutup" not in page

    act_as(client, leader(shop))
    # The group still sees its products, with the reason they are not public.
    assert "sedang tutup sementara" in text(client.get(f"{BASE}/produk/{product_id}"))
    assert client.post(f"{BASE}/toko/{shop.id}/buka-lagi").status_code == 302
    assert all(public_views(client, shop, product_id).values())


@pytest.mark.parametrize("who", ["resident", "petugas", "member of another group", "medono"])
def test_only_the_group_closes_or_reopens_its_shop(client, factory, shop, who):
    if who == "member of another group":
        user = leader(make_shop(factory))
    elif who == "medono":
        user = leader(make_shop(factory, "medono"))
    else:
        user = factory.user("warga" if who == "resident" else who, "kauman")
    act_as(client, user)
    assert client.post(f"{BASE}/toko/{shop.id}/tutup", data={"note": NOTE}).status_code == 404
    _db.session.refresh(shop)
    assert shop.closed_at is None
    act_as(client, leader(shop))
    client.post(f"{BASE}/toko/{shop.id}/tutup", data={"note": NOTE})
    act_as(client, user)
    assert client.post(f"{BASE}/toko/{shop.id}/buka-lagi").status_code == 404
    _db.session.refresh(shop)
    assert shop.closed_at is not None


def test_a_too_long_note_is_refused_and_kept(client, shop):
    act_as(client, leader(shop))
    note = "Tutup. " * 60
    response = client.post(f"{BASE}/toko/{shop.id}/tutup", data={"note": note})
    assert response.status_code == 422
    assert "Paling banyak 300 karakter." in text(response)
    assert note.strip() in text(response)
    _db.session.refresh(shop)
    assert shop.closed_at is None


def test_a_shop_waiting_for_approval_cannot_be_closed(client, factory):
    pending = make_shop(factory, status="pending")
    act_as(client, leader(pending))
    response = client.post(f"{BASE}/toko/{pending.id}/tutup", data={}, follow_redirects=True)
    assert "Hanya toko yang disetujui dan sedang buka yang dapat ditutup." in text(response)
    _db.session.refresh(pending)
    assert pending.closed_at is None
