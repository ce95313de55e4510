"""The marketplace on staff's "Tugas saya" page (shops waiting for review, products flagged
by residents) and on the city's pages (a link to the city-wide catalogue)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from conftest import enable_plugin, make_user
from umkm_helpers import make_product, make_shop

from app.extensions import db as _db
from app.models import utcnow
from app.permissions import set_grant
from plugins.umkm.models import ProductFlag

TASKS = "/k/kauman/tugas/"


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def flag(product, *, days_ago: float = 0, resolved: bool = False) -> None:
    user = make_user("warga", "kauman")
    _db.session.add(
        ProductFlag(
            kelurahan_id=product.kelurahan_id,
            product_id=product.id,
            user_id=user.id,
            reason="penipuan",
            created_at=utcnow() - timedelta(days=days_ago),
            resolved_at=utcnow() if resolved else None,
        )
    )
    _db.session.commit()


def task(page: str, task_id: str) -> str:
    match = re.search(rf'<li id="task-{task_id}">(.*?)</li>', page, re.S)
    assert match, f"no task {task_id}"
    return match.group(1)


def count_of(item: str) -> str:
    return re.search(r'<span class="count[^"]*">([^<]*)</span>', item).group(1)


@pytest.fixture
def queues(app, factory):
    """In Kauman: two pending shops (the older opened five days ago), one approved, and two
    products with open flags (three flags, the oldest three days old) besides a resolved
    one. In Medono: more of each, which Kauman's staff never count."""
    enable_plugin(app, "umkm", "kauman")
    enable_plugin(app, "umkm", "medono")
    now = utcnow()
    make_shop(factory, status="pending", created_at=now - timedelta(days=5))
    make_shop(factory, status="pending", created_at=now - timedelta(days=1))
    shop = make_shop(factory)
    first, second, calm = (make_product(shop) for _ in range(3))
    flag(first, days_ago=3)
    flag(first, days_ago=1)
    flag(second, days_ago=2)
    flag(calm, days_ago=10, resolved=True)
    for _ in range(3):
        make_shop(factory, "medono", status="pending", created_at=now - timedelta(days=30))
    flag(make_product(make_shop(factory, "medono")), days_ago=40)


def test_staff_tasks_list_both_queues_with_counts_and_links(client, login_as, queues):
    login_as("petugas", "kauman", verified=True)
    page = text(client.get(TASKS))
    shops = task(page, "umkm-shops-pending")
    assert "Toko UMKM menunggu persetujuan" in shops and count_of(shops) == "2"
    assert 'href="/k/kauman/umkm/petugas/toko?status=pending"' in shops
    assert "5 hari" in shops  # the shop opened five days ago, not Medono's month-old ones
    flagged = task(page, "umkm-flagged-products")
    assert "Produk UMKM ditandai warga" in flagged and count_of(flagged) == "2"
    assert 'href="/k/kauman/umkm/petugas/tanda"' in flagged
    assert "3 hari" in flagged
    # The links lead to the queues themselves.
    assert text(client.get("/k/kauman/umkm/petugas/toko?status=pending")).count("Batik Sekar") >= 2


def test_staff_of_another_kelurahan_see_only_theirs(client, login_as, queues):
    login_as("petugas", "medono", verified=True)
    page = text(client.get("/k/medono/tugas/"))
    assert count_of(task(page, "umkm-shops-pending")) == "3"
    assert count_of(task(page, "umkm-flagged-products")) == "1"
    assert "/k/kauman/" not in page


def test_empty_queues_say_nothing_waits(client, login_as, app):
    enable_plugin(app, "umkm", "kauman")
    login_as("petugas", "kauman", verified=True)
    page = text(client.get(TASKS))
    assert count_of(task(page, "umkm-shops-pending")) == "0"
    assert count_of(task(page, "umkm-flagged-products")) == "0"


def test_no_umkm_tasks_without_the_review_permission(client, login_as, factory, queues):
    set_grant(factory.kelurahan("kauman"), "umkm.review", "petugas", False)
    _db.session.commit()
    login_as("petugas", "kauman", verified=True)
    page = text(client.get(TASKS))
    assert 'id="task-umkm-' not in page


def test_no_umkm_tasks_where_the_plugin_is_off(client, login_as):
    login_as("petugas", "kauman", verified=True)
    assert 'id="task-umkm-' not in text(client.get(TASKS))


# -- the city ----------------------------------------------------------------------------------


def test_city_home_links_to_the_catalogue_once_a_kelurahan_has_the_plugin(app, client):
    assert 'href="/umkm/"' not in text(client.get("/"))
    enable_plugin(app, "umkm", "medono")
    home = text(client.get("/"))
    assert re.search(r'<a href="/umkm/"[^>]*>Katalog UMKM</a>', home)
    # The city header on the catalogue itself marks where the visitor is.
    catalogue = text(client.get("/umkm/"))
    assert re.search(r'<a href="/umkm/" aria-current="page">Katalog UMKM</a>', catalogue)
    enable_plugin(app, "umkm", "medono", enabled=False)
    assert 'href="/umkm/"' not in text(client.get("/"))
