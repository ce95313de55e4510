"""The seller dashboard: members only, the shop's status and reason, every product including
hidden ones, and the monthly views and WhatsApp clicks (counts only) with a fixed number of
queries whatever the number of products."""

from __future__ import annotations

import re
from datetime import date

import pytest
from conftest import StatementCounter, act_as, enable_plugin
from sqlalchemy import insert
from umkm_helpers import make_product, make_shop

from app.extensions import db as _db
from app.models import GroupMember, Media, utcnow
from plugins.umkm.models import ProductMonthlyStat, ProductPhoto
from plugins.umkm.queries import month_start

BASE = "/k/kauman/umkm"


@pytest.fixture(autouse=True)
def umkm_on(app):
    enable_plugin(app, "umkm", "kauman")
    enable_plugin(app, "umkm", "medono")


# -- helpers -----------------------------------------------------------------------------------


def text(response) -> str:
    return response.get_data(as_text=True)


def months_back(n: int) -> date:
    current = month_start()
    year, month0 = divmod(current.year * 12 + current.month - 1 - n, 12)
    return date(year, month0 + 1, 1)


def add_stat(product, month: date, views: int, wa_clicks: int) -> None:
    _db.session.add(
        ProductMonthlyStat(
            kelurahan_id=product.kelurahan_id,
            product_id=product.id,
            month=month,
            views=views,
            wa_clicks=wa_clicks,
        )
    )
    _db.session.commit()


def table(body: str) -> dict[date, tuple[int, int]]:
    """The chart's table: {month: (views, WhatsApp clicks)}."""
    rows = re.findall(
        r'<tr data-month="([\d-]+)">.*?<td class="views">([\d.,]+)</td>\s*'
        r'<td class="wa-clicks">([\d.,]+)</td>',
        body,
        flags=re.S,
    )
    return {
        date.fromisoformat(m): (int(re.sub(r"[.,]", "", v)), int(re.sub(r"[.,]", "", c)))
        for m, v, c in rows
    }


def dashboard_url(shop, product=None) -> str:
    url = f"{BASE}/toko/{shop.id}/kelola"
    return f"{url}?product={product.id}" if product is not None else url


def as_leader(client, shop) -> None:
    act_as(client, shop.group.members[0].user)


# -- who sees it -------------------------------------------------------------------------------


def test_a_member_sees_the_dashboard(client, factory, login_as):
    shop = make_shop(factory, status="approved", name="Batik Sekar")
    user = login_as("warga", "kauman")
    _db.session.add(
        GroupMember(kelurahan_id=shop.kelurahan_id, group_id=shop.group_id, user_id=user.id)
    )
    _db.session.commit()
    response = client.get(dashboard_url(shop))
    assert response.status_code == 200
    body = text(response)
    assert "Kelola toko Batik Sekar" in body
    assert "Disetujui" in body
    assert f'href="{BASE}/toko/{shop.id}"' in body  # the public page, once approved
    assert f'href="{BASE}/toko/{shop.id}/produk/baru"' in body
    assert "Belum ada produk" in body
    assert "tidak ada data pembeli yang disimpan" in body


def test_signed_out_visitors_are_sent_to_sign_in(client, factory):
    shop = make_shop(factory)
    response = client.get(dashboard_url(shop))
    assert response.status_code == 302
    assert "/masuk" in response.headers["Location"]


@pytest.mark.parametrize("who", ["resident", "petugas", "admin", "member of another group"])
def test_the_dashboard_is_members_only(client, factory, who):
    shop = make_shop(factory)
    if who == "member of another group":
        user = make_shop(factory).group.members[0].user
    else:
        user = factory.user("warga" if who == "resident" else who, "kauman")
    act_as(client, user)
    assert client.get(dashboard_url(shop)).status_code == 404


def test_a_shop_of_another_kelurahan_is_404(client, factory):
    shop = make_shop(factory, "medono")
    as_leader(client, shop)
    assert client.get(f"/k/medono/umkm/toko/{shop.id}/kelola").status_code == 200
    assert client.get(dashboard_url(shop)).status_code == 404


def test_status_and_reasons_are_shown(client, factory):
    shop = make_shop(factory, status="suspended", status_reason="Nomor WhatsApp tidak aktif")
    make_product(shop, name="Sarung batik pekalongan")
    make_product(shop, name="Kemeja batik lengan panjang", hidden_at=utcnow())
    make_product(
        shop,
        name="Batik printing murah",
        staff_hidden_at=utcnow(),
        staff_hidden_reason="Diakui batik tulis padahal printing",
    )
    as_leader(client, shop)
    body = text(client.get(dashboard_url(shop)))
    assert "Ditangguhkan" in body
    assert "Nomor WhatsApp tidak aktif" in body
    assert f'href="{BASE}/toko/{shop.id}"' not in body  # no public page while suspended
    for name in ("Sarung batik pekalongan", "Kemeja batik lengan panjang", "Batik printing murah"):
        assert name in body
    assert "Disembunyikan penjual" in body
    assert "Disembunyikan petugas" in body
    assert "Diakui batik tulis padahal printing" in body


def test_pending_shop_says_products_wait(client, factory):
    shop = make_shop(factory, status="pending")
    make_product(shop)
    as_leader(client, shop)
    body = text(client.get(dashboard_url(shop)))
    assert "Menunggu persetujuan" in body
    assert "belum tampil untuk umum" in body
    assert "Menunggu toko disetujui" in body


# -- the chart ---------------------------------------------------------------------------------


def test_monthly_counts_per_product_and_for_the_shop(client, factory):
    shop = make_shop(factory)
    batik = make_product(shop, name="Kain batik jlamprang")
    sarung = make_product(shop, name="Sarung tenun")
    other_shop = make_shop(factory)
    elsewhere = make_product(other_shop, name="Produk toko lain")
    this_month, last_month = months_back(0), months_back(1)
    add_stat(batik, this_month, views=7, wa_clicks=2)
    add_stat(batik, last_month, views=5, wa_clicks=1)
    add_stat(batik, months_back(12), views=900, wa_clicks=900)  # older than the 12 months
    add_stat(sarung, this_month, views=3, wa_clicks=4)
    add_stat(elsewhere, this_month, views=100, wa_clicks=50)
    medono = make_product(make_shop(factory, "medono"))
    add_stat(medono, this_month, views=1000, wa_clicks=500)
    as_leader(client, shop)

    body = text(client.get(dashboard_url(shop)))
    counts = table(body)
    assert len(counts) == 12
    assert counts[this_month] == (10, 6)  # both products, nothing of the other shops
    assert counts[last_month] == (5, 1)
    assert months_back(12) not in counts
    assert all(counts[months_back(n)] == (0, 0) for n in range(2, 12))
    assert "15 kali dilihat dan 7 klik" in body

    only_batik = table(text(client.get(dashboard_url(shop, batik))))
    assert only_batik[this_month] == (7, 2)
    assert only_batik[last_month] == (5, 1)

    only_sarung = table(text(client.get(dashboard_url(shop, sarung))))
    assert only_sarung[this_month] == (3, 4)
    assert only_sarung[last_month] == (0, 0)

    # Another shop's product id is ignored: the shop's own totals, never the other's numbers.
    foreign = text(client.get(dashboard_url(shop, elsewhere)))
    assert table(foreign)[this_month] == (10, 6)
    assert "Produk toko lain" not in foreign


def test_the_other_shop_sees_only_its_own_numbers(client, factory):
    shop = make_shop(factory)
    add_stat(make_product(shop), months_back(0), views=9, wa_clicks=3)
    other = make_shop(factory)
    add_stat(make_product(other), months_back(0), views=2, wa_clicks=1)
    as_leader(client, other)
    assert table(text(client.get(dashboard_url(other))))[months_back(0)] == (2, 1)


def test_the_chart_has_a_bar_per_month_with_its_numbers(client, factory):
    shop = make_shop(factory)
    add_stat(make_product(shop), months_back(0), views=40, wa_clicks=10)
    as_leader(client, shop)
    body = text(client.get(dashboard_url(shop)))
    assert body.count('<svg width="100%" height="22"') == 12
    assert 'width="100.0"' in body or 'width="100"' in body  # the largest value is full width
    assert "40 dilihat, 10 klik WhatsApp" in body
    assert 'width="25.0"' in body  # 10 of 40


# -- query counts --------------------------------------------------------------------------------


def add_products(shop, n: int) -> None:
    """`n` products, each with two photos and counts in three months."""
    for _ in range(n):
        product = make_product(shop)
        medias = []
        for i in range(4):
            media = Media(
                relpath=f"umkm/test/{product.id}-{i}.jpg",
                width=100,
                height=100,
                content_type="image/jpeg",
                size_bytes=1000,
                kelurahan_id=shop.kelurahan_id,
            )
            _db.session.add(media)
            medias.append(media)
        _db.session.flush()
        _db.session.execute(
            insert(ProductPhoto),
            [
                {
                    "kelurahan_id": shop.kelurahan_id,
                    "product_id": product.id,
                    "media_id": medias[2 * i].id,
                    "thumb_id": medias[2 * i + 1].id,
                    "position": i,
                }
                for i in range(2)
            ],
        )
        for back in range(3):
            _db.session.add(
                ProductMonthlyStat(
                    kelurahan_id=shop.kelurahan_id,
                    product_id=product.id,
                    month=months_back(back),
                    views=back + 1,
                    wa_clicks=1,
                )
            )
        _db.session.commit()


def statements_for(client, url: str) -> int:
    client.get(url)  # warm up: first connection, caches
    with StatementCounter() as counter:
        response = client.get(url)
    assert response.status_code == 200
    return len(counter.statements)


def test_queries_do_not_grow_with_products(client, factory):
    shop = make_shop(factory, logo=None)
    as_leader(client, shop)
    add_products(shop, 2)
    small = statements_for(client, dashboard_url(shop))
    add_products(shop, 25)
    large = statements_for(client, dashboard_url(shop))
    assert large == small


def test_large_counts_are_grouped_the_way_the_reader_writes_numbers(client, factory):
    shop = make_shop(factory)
    product = make_product(shop)
    add_stat(product, months_back(0), 12_345, 1_024)
    as_leader(client, shop)
    body = text(client.get(dashboard_url(shop)))
    assert '<td class="views">12.345</td>' in body  # Indonesian: a dot between thousands
    assert "12.345 kali dilihat dan 1.024 klik" in body
    client.post("/bahasa", data={"lang": "en"})
    assert '<td class="views">12,345</td>' in text(client.get(dashboard_url(shop)))
