"""/api/v1/kelurahan/<slug>/umkm/: the products and shops the public catalogue shows, and
nothing else (no pending, suspended or closed shop, no hidden product, nothing of another
kelurahan), cursor pages with Link headers, and a fixed number of queries per page."""

from __future__ import annotations

import pytest
from conftest import StatementCounter, enable_plugin, make_user
from umkm_helpers import make_product, make_shop

from app.extensions import db as _db
from app.models import Media, utcnow
from plugins.umkm.models import ProductPhoto

PUBLIC_URL = "https://kelurahan.pekalongankota.go.id"
PROBLEM = "application/problem+json"
API = "/api/v1/kelurahan/kauman/umkm"


@pytest.fixture
def app_overrides():
    return {"KP_PUBLIC_URL": PUBLIC_URL}


@pytest.fixture(autouse=True)
def umkm_on(app):
    enable_plugin(app, "umkm", "kauman")
    enable_plugin(app, "umkm", "medono")


def ok(response) -> dict:
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def is_problem(response, status: int = 404) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == PROBLEM
    return response.get_json(force=True)


def add_photo(product, n: int = 0) -> ProductPhoto:
    kid = product.kelurahan_id
    full = Media(
        relpath=f"umkm/api-{product.id}-{n}.jpg",
        width=1200,
        height=900,
        content_type="image/jpeg",
        size_bytes=1000,
        kelurahan_id=kid,
    )
    thumb = Media(
        relpath=f"umkm/api-kecil-{product.id}-{n}.jpg",
        width=480,
        height=360,
        content_type="image/jpeg",
        size_bytes=500,
        kelurahan_id=kid,
    )
    photo = ProductPhoto(kelurahan_id=kid, product=product, media=full, thumb=thumb, position=n)
    _db.session.add(photo)
    _db.session.commit()
    return photo


def ids(body) -> list[int]:
    return [item["id"] for item in body["items"]]


def test_openapi_lists_the_umkm_paths(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    for path in ("", "products/", "products/{product_id}", "shops/", "shops/{shop_id}"):
        assert f"/api/v1/kelurahan/{{kelurahan_slug}}/umkm/{path}" in paths


def test_the_advertised_address_links_to_the_lists(client):
    kauman = ok(client.get("/api/v1/kelurahan/kauman"))
    umkm = next(p for p in kauman["plugins"] if p["id"] == "umkm")
    index = ok(client.get(umkm["api"].removeprefix(PUBLIC_URL)))
    assert index == {
        "products": f"{PUBLIC_URL}{API}/products/",
        "shops": f"{PUBLIC_URL}{API}/shops/",
    }


def test_products_are_what_the_catalogue_shows(client, factory):
    shop = make_shop(factory, name="Batik Sekar Jagad")
    shown = make_product(shop, name="Kain Jlamprang", price=150_000, discount_price=120_000)
    add_photo(shown)
    hidden = make_product(shop, name="Disembunyikan Penjual", hidden_at=utcnow())
    staff_hidden = make_product(
        shop, name="Disembunyikan Petugas", staff_hidden_at=utcnow(), staff_hidden_reason="Palsu"
    )
    pending = make_product(make_shop(factory, status="pending"), name="Toko Menunggu")
    suspended = make_product(make_shop(factory, status="suspended"), name="Toko Ditangguhkan")
    closed = make_product(make_shop(factory, closed_at=utcnow()), name="Toko Tutup")
    foreign = make_product(make_shop(factory, "medono"), name="Produk Medono")

    body = ok(client.get(f"{API}/products/"))
    assert ids(body) == [shown.id] and body["next_cursor"] is None
    item = body["items"][0]
    assert item["name"] == "Kain Jlamprang"
    assert item["price"] == 150_000 and item["discount_price"] == 120_000
    assert item["effective_price"] == 120_000 and isinstance(item["price"], int)
    assert item["url"] == f"{PUBLIC_URL}/k/kauman/umkm/produk/{shown.id}"
    assert item["shop"] == {
        "id": shop.id,
        "name": "Batik Sekar Jagad",
        "url": f"{PUBLIC_URL}/k/kauman/umkm/toko/{shop.id}",
    }
    photo = item["photos"][0]
    assert photo["url"] == f"{PUBLIC_URL}/media/umkm/api-{shown.id}-0.jpg"
    assert photo["thumbnail"].endswith(f"/umkm/api-kecil-{shown.id}-0.jpg")
    # The catalogue page agrees.
    page = client.get("/k/kauman/umkm/").get_data(as_text=True)
    assert "Kain Jlamprang" in page and "Disembunyikan" not in page

    assert ok(client.get(f"{API}/products/{shown.id}"))["name"] == "Kain Jlamprang"
    for product in (hidden, staff_hidden, pending, suspended, closed, foreign):
        body = is_problem(client.get(f"{API}/products/{product.id}"))
        assert body["status"] == 404


def test_product_filters_follow_the_catalogue(client, factory):
    shop = make_shop(factory)
    cheap = make_product(shop, category="Kuliner", price=15_000, stock="habis")
    dear = make_product(shop, category="Batik tulis", price=900_000, name="Kain sutra")
    assert ids(ok(client.get(f"{API}/products/?category=Kuliner"))) == [cheap.id]
    assert ids(ok(client.get(f"{API}/products/?stock=habis"))) == [cheap.id]
    assert ids(ok(client.get(f"{API}/products/?min=100000"))) == [dear.id]
    assert ids(ok(client.get(f"{API}/products/?max=20000"))) == [cheap.id]
    assert ids(ok(client.get(f"{API}/products/?q=SUTRA"))) == [dear.id]
    assert ids(ok(client.get(f"{API}/products/?category=Naga"))) == []
    assert ids(ok(client.get(f"{API}/products/?shop_id={shop.id}"))) == [dear.id, cheap.id]
    for bad in ("stock=banyak", "min=-1", "max=abc", "shop_id=0", "limit=0"):
        is_problem(client.get(f"{API}/products/?{bad}"), 422)


def test_shops_list_and_detail(client, factory):
    shop = make_shop(factory, name="Batik Pesisir", nib="1234567890123")
    products = [make_product(shop) for _ in range(3)]
    make_product(shop, hidden_at=utcnow())
    pending = make_shop(factory, status="pending")
    suspended = make_shop(factory, status="suspended", status_reason="Menipu")
    closed = make_shop(factory, closed_at=utcnow())
    foreign = make_shop(factory, "medono")

    body = ok(client.get(f"{API}/shops/"))
    assert ids(body) == [shop.id]
    item = body["items"][0]
    assert item["products_count"] == 3 and item["nib"] == "1234567890123"
    assert item["url"] == f"{PUBLIC_URL}/k/kauman/umkm/toko/{shop.id}"
    # The public shop page shows the business WhatsApp: so may the API.
    assert item["whatsapp"] == "+6281234567890"
    assert ok(client.get(item["products_url"].removeprefix(PUBLIC_URL)))["items"]

    detail = ok(client.get(f"{API}/shops/{shop.id}"))
    assert detail["product_ids"] == [p.id for p in reversed(products)]
    assert detail["products_count"] == 3
    for other in (pending, suspended, closed, foreign):
        is_problem(client.get(f"{API}/shops/{other.id}"))


def test_no_personal_or_staff_data_in_any_answer(client, factory):
    leader = make_user("warga", "kauman", name="Ibu Siti Penjual", email="siti@contoh.id")
    group = factory.group("kauman", leader=leader, name="KUB Batik")
    shop = make_shop(factory, group=group, status_reason="Catatan petugas rahasia")
    product = make_product(shop)
    answers = "".join(
        client.get(url).get_data(as_text=True)
        for url in (
            f"{API}/products/",
            f"{API}/products/{product.id}",
            f"{API}/shops/",
            f"{API}/shops/{shop.id}",
        )
    )
    for secret in ("Ibu Siti", "siti@contoh.id", "Catatan petugas", "KUB Batik", "reviewed"):
        assert secret not in answers


def test_cursor_pages_follow_the_link_header(client, factory):
    shop = make_shop(factory)
    first, second = make_product(shop), make_product(shop)
    response = client.get(f"{API}/products/?limit=1")
    body = ok(response)
    assert ids(body) == [second.id] and body["next_cursor"]
    link = response.headers["Link"]
    assert link.startswith(f"<{PUBLIC_URL}{API}/products/?") and 'rel="next"' in link
    following = client.get(link[1 : link.index(">")].removeprefix(PUBLIC_URL))
    body = ok(following)
    assert ids(body) == [first.id] and body["next_cursor"] is None
    assert "Link" not in following.headers

    other = make_shop(factory)
    response = client.get(f"{API}/shops/?limit=1")
    assert ids(ok(response)) == [other.id]
    link = response.headers["Link"]
    assert ids(ok(client.get(link[1 : link.index(">")].removeprefix(PUBLIC_URL)))) == [shop.id]
    is_problem(client.get(f"{API}/products/?cursor=bukan-kursor"), 400)


def test_switched_off_answers_404(client, app, factory):
    product = make_product(make_shop(factory))
    enable_plugin(app, "umkm", "kauman", False)
    for url in (f"{API}/products/", f"{API}/products/{product.id}", f"{API}/shops/"):
        is_problem(client.get(url))
    # Still on in Medono.
    assert ok(client.get("/api/v1/kelurahan/medono/umkm/products/"))["items"] == []


def test_query_counts_do_not_grow_with_rows(client, factory):
    shops = [make_shop(factory)]
    for _ in range(2):
        add_photo(make_product(shops[0]))

    def statements(url) -> int:
        client.get(url)  # one-off work is not counted
        with StatementCounter() as counter:
            assert client.get(url).status_code == 200
        return counter.n

    urls = [f"{API}/products/", f"{API}/shops/", f"{API}/shops/{shops[0].id}"]
    few = {url: statements(url) for url in urls}
    for _ in range(4):
        shop = make_shop(factory)
        shops.append(shop)
        for _ in range(2):
            product = make_product(shop)
            add_photo(product, 0)
            add_photo(product, 1)
    make_product(shops[0])
    many = {url: statements(url) for url in urls}
    assert many == few
    assert len(ok(client.get(f"{API}/products/"))["items"]) == 11


@pytest.mark.parametrize("query", ["q=%00", "category=%00", "category=%F0%9F%8E%A8", "q=%25_"])
def test_hostile_filters_are_not_a_500(client, factory, query):
    make_product(make_shop(factory))
    response = client.get(f"{API}/products/?{query}")
    assert response.status_code in (200, 400, 422)
    if response.status_code == 200:  # LIKE wildcards are read as text, not as patterns
        assert response.get_json()["items"] == []
