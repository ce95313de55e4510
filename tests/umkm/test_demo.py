"""Demo data of the marketplace (`flask kp seed --demo`): believable shops and products in
Kauman and two other kelurahan, photos on disk, a few months of counts, one shop waiting for
staff, and nothing doubled when the seed runs again."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import count, enable_plugin
from sqlalchemy import func, select

from app.extensions import db as _db
from app.models import Group, GroupMember, Media
from plugins.umkm.demo import DEMO
from plugins.umkm.models import Product, ProductFlag, ProductMonthlyStat, ProductPhoto, Shop
from plugins.umkm.queries import month_start

DEMO_KELURAHAN = ("kauman", "bendan-kergon", "krapyak")


@pytest.fixture(autouse=True)
def umkm_on(app):
    for slug in (*DEMO_KELURAHAN, "medono"):
        enable_plugin(app, "umkm", slug)


def seed(app) -> None:
    result = app.test_cli_runner().invoke(args=["kp", "seed", "--demo"])
    assert result.exit_code == 0, result.output


def per_kelurahan(factory, model) -> dict[str, int]:
    return {
        slug: count(model, model.kelurahan_id == factory.kelurahan(slug).id)
        for slug in (*DEMO_KELURAHAN, "medono")
    }


def test_demo_slugs_are_real_kelurahan(factory):
    assert set(DEMO) == set(DEMO_KELURAHAN)
    for slug in DEMO:
        assert factory.kelurahan(slug).lat is not None


def test_demo_seeds_three_kelurahan_and_is_idempotent(app, factory):
    seed(app)
    shops = per_kelurahan(factory, Shop)
    assert shops == {"kauman": 3, "bendan-kergon": 2, "krapyak": 2, "medono": 0}
    products = per_kelurahan(factory, Product)
    assert all(products[slug] >= 8 for slug in DEMO_KELURAHAN) and products["medono"] == 0
    statuses = dict(
        _db.session.execute(select(Shop.status, func.count()).group_by(Shop.status)).all()
    )
    assert statuses == {"approved": 6, "pending": 1}  # Kauman's staff have one to review
    pending = _db.session.execute(select(Shop).where(Shop.status == "pending")).scalar_one()
    assert pending.kelurahan_id == factory.kelurahan("kauman").id
    for shop in _db.session.execute(select(Shop)).scalars():
        assert 4 <= len(shop.products) <= 8
        assert shop.whatsapp.startswith("+628") and shop.logo_id is not None
        kelurahan = _db.session.get(type(factory.kelurahan("kauman")), shop.kelurahan_id)
        assert abs(shop.lat - kelurahan.lat) < 0.01 and abs(shop.lng - kelurahan.lng) < 0.01
        group = shop.group
        assert group.kind == "umkm" and group.verified_at is not None
        assert group.kelurahan_id == shop.kelurahan_id
        assert any(m.role == "ketua" and m.status == "active" for m in group.members)
        if shop.status == "approved":
            assert shop.reviewed_at is not None
    # Kauman's batik shop belongs to the core demo's group, led by the demo resident.
    batik = _db.session.execute(
        select(Shop).where(Shop.name == "Griya Batik Kauman Lestari")
    ).scalar_one()
    assert batik.group.name == "Batik Tulis Kauman Lestari"
    assert "warga@demo.kelurahan-pintar.id" in {m.user.email for m in batik.group.members}

    products = _db.session.execute(select(Product)).scalars().all()
    assert {p.category for p in products} >= {"Batik tulis", "Batik cap", "Kuliner", "Kerajinan"}
    assert {p.stock for p in products} == {"tersedia", "preorder", "habis"}
    assert any(p.price_max for p in products) and any(p.discount_price for p in products)
    assert all(p.price > 0 and p.description and p.photos for p in products)
    names = " ".join(p.name.lower() for p in products)
    for dish in ("megono", "garang asem", "tauto", "lopis", "jlamprang"):
        assert dish in names, dish

    # Photos: a full size and a thumbnail per photo, both on disk.
    root = Path(app.config["KP_MEDIA_ROOT"])
    photos = _db.session.execute(select(ProductPhoto)).scalars().all()
    assert len(photos) >= len(products)
    for photo in photos:
        for media in (photo.media, photo.thumb):
            assert (root / media.relpath).is_file(), media.relpath
            assert media.relpath.startswith("umkm/") and media.kelurahan_id == photo.kelurahan_id
        assert max(photo.thumb.width, photo.thumb.height) <= 480
        assert photo.media.width > photo.thumb.width

    # Counts for this month and earlier ones, for approved shops' products only.
    stats = _db.session.execute(select(ProductMonthlyStat)).scalars().all()
    assert any(s.month == month_start() for s in stats)
    assert any(s.month < month_start() for s in stats)
    assert sum(s.wa_clicks for s in stats) > 0
    pending_ids = {p.id for p in pending.products}
    assert not any(s.product_id in pending_ids for s in stats)
    # One flagged product waits in Kauman's queue.
    assert count(ProductFlag, ProductFlag.resolved_at.is_(None)) == 1

    counts = {
        model.__name__: count(model)
        for model in (Shop, Product, ProductPhoto, ProductMonthlyStat, ProductFlag, Media)
    }
    counts["Group"], counts["GroupMember"] = count(Group), count(GroupMember)
    files = sorted(p for p in root.rglob("*") if p.is_file())
    seed(app)
    again = {
        model.__name__: count(model)
        for model in (Shop, Product, ProductPhoto, ProductMonthlyStat, ProductFlag, Media)
    }
    again["Group"], again["GroupMember"] = count(Group), count(GroupMember)
    assert again == counts
    assert sorted(p for p in root.rglob("*") if p.is_file()) == files


def test_demo_shows_on_the_public_and_staff_pages(app, client, login_as):
    seed(app)
    page = client.get("/k/kauman/").get_data(as_text=True)
    widget = page[page.index('id="widget-umkm-products"') :]
    assert widget.count('loading="lazy"') >= 4
    page = client.get("/k/bendan-kergon/cari", query_string={"q": "pesindon"}).get_data(
        as_text=True
    )
    assert "Batik Pesindon Sekar Jagad" in page
    dashboard = client.get("/k/krapyak/dasbor").get_data(as_text=True)
    assert "<dt>Toko UMKM aktif</dt><dd>2</dd>" in dashboard
    login_as("petugas", "kauman")
    page = client.get("/k/kauman/umkm/petugas/toko").get_data(as_text=True)
    assert "Canting &amp; Cap Batik Pak Slamet" in page
    page = client.get("/k/kauman/umkm/petugas/tanda").get_data(as_text=True)
    assert "Kerupuk usek pasir 500 gram" in page and "Kategori salah" in page


def test_demo_skips_a_group_that_already_has_a_shop(app, factory):
    """A shop someone opened for a demo group before the seed ran is left as it was."""
    from app import tenancy
    from app.kit import slugify
    from plugins.umkm.demo import seed_demo_umkm

    krapyak = factory.kelurahan("krapyak")
    leader = factory.user("warga", "krapyak")
    group = factory.group("krapyak", leader=leader, name="UMKM Lopis Krapyak")
    group.slug = slugify("UMKM Lopis Krapyak")
    _db.session.add(
        Shop(
            kelurahan_id=krapyak.id,
            group_id=group.id,
            name="Lopis Buatan Sendiri",
            whatsapp="+6281234567890",
            address="Krapyak",
            lat=krapyak.lat,
            lng=krapyak.lng,
        )
    )
    _db.session.commit()
    with app.test_request_context(), tenancy.scoped_to(krapyak.id):
        assert seed_demo_umkm(krapyak) == 1  # only the fish smokers' shop
        _db.session.commit()
    names = set(
        _db.session.execute(select(Shop.name).where(Shop.kelurahan_id == krapyak.id)).scalars()
    )
    assert names == {"Lopis Buatan Sendiri", "Ikan Asap & Pindang Krapyak"}
