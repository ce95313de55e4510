"""Hooks through which the marketplace appears on the kelurahan's menu, home page, map,
dashboards, search, open data, staff's "Tugas saya", the city's pages and demo content.

Only public data leaves through here: products are read through `queries.public_products()`
(approved, open shop; not hidden by the seller or staff) and shops through `public_shops()`.
The host runs each hook inside its kelurahan's tenant scope; the queries still name the
kelurahan, because open data exporters run after the hook has returned. Each hook is a fixed
number of queries whatever the data size.
"""

from __future__ import annotations

from flask import url_for
from sqlalchemy import func, or_, select

from app.kit import (
    Column,
    Dataset,
    HomeWidget,
    MapLayer,
    Metric,
    NavItem,
    SearchHit,
    StaffTask,
    _l,
    can,
    count_and_oldest,
    count_rows,
    db,
    hookimpl,
    last_change,
    public_url,
    rows_as_features,
    snippet,
)

from .access import REVIEW
from .models import Product, ProductFlag, ProductMonthlyStat, Shop, ShopStatus, Stock
from .queries import month_start, public_products, public_shops, shop_is_public
from .text import price_text

__all__ = [
    "kp_nav_items",
    "kp_map_layers",
    "kp_home_widgets",
    "kp_dimension_metrics",
    "kp_search",
    "kp_open_data",
    "kp_staff_tasks",
    "kp_city_nav_items",
    "kp_demo_data",
]

WIDGET_PRODUCTS = 6


def _products(kelurahan):
    """Public products of `kelurahan`, shop and cover thumbnails eager-loaded."""
    return public_products().where(
        Product.kelurahan_id == kelurahan.id, Shop.kelurahan_id == kelurahan.id
    )


def _shops(kelurahan):
    return public_shops().where(Shop.kelurahan_id == kelurahan.id)


def _public_ids(kelurahan):
    """The ids of the kelurahan's public products, as a subquery for counts and joins."""
    public = _products(kelurahan).subquery()
    return select(public.c.id)


# -- pages -------------------------------------------------------------------------------------


@hookimpl
def kp_nav_items(kelurahan, user):
    # Reviewers reach their pages from "Tugas saya", the catalogue and the home widget:
    # the main menu stays the same for everyone.
    return [NavItem(_l("UMKM"), url_for("umkm.catalogue", kelurahan_slug=kelurahan.slug), 30)]


def shop_layer(kelurahan) -> MapLayer:
    """Approved, open shops, each with its count of shown products (a correlated subquery,
    so the core's one statement stays one). Served at /k/<slug>/peta/umkm-shops.geojson."""
    shown = (
        select(func.count(Product.id))
        .where(
            Product.shop_id == Shop.id,
            Product.hidden_at.is_(None),
            Product.staff_hidden_at.is_(None),
        )
        .correlate(Shop)
        .scalar_subquery()
        .label("products")
    )
    return MapLayer(
        "umkm-shops",
        _l("Toko UMKM"),
        query=_shops(kelurahan),
        columns=(Shop.name, Shop.address, shown),
        link="umkm.shop",
        link_arg="shop_id",
        icon="shop",
    )


@hookimpl
def kp_map_layers(kelurahan):
    return [shop_layer(kelurahan)]


@hookimpl
def kp_home_widgets(kelurahan, user):
    products = list(
        db.session.execute(
            _products(kelurahan)
            .order_by(Product.created_at.desc(), Product.id.desc())
            .limit(WIDGET_PRODUCTS)
        ).scalars()
    )
    # The panel is cached per role; whether a role holds umkm.review is the same for all
    # who have it in this kelurahan, so the reviewers' line may be cached too.
    pending = None
    if user is not None and can(REVIEW, user=user, kelurahan=kelurahan):
        pending = count_rows(
            select(Shop.id).where(
                Shop.kelurahan_id == kelurahan.id, Shop.status == ShopStatus.PENDING.value
            )
        )
    context = {"products": products, "kelurahan": kelurahan, "pending": pending}
    title, template = _l("Produk UMKM terbaru"), "umkm/_widget.html"
    return [HomeWidget("umkm-products", title, template, context, order=40)]


# -- dashboards --------------------------------------------------------------------------------


@hookimpl
def kp_dimension_metrics(kelurahan, since, until):
    # Shops and products are counted as they stand now; clicks per calendar month (WIB),
    # the unit the counts are kept in, so `since` does not apply to them.
    clicks = db.session.scalar(
        select(func.coalesce(func.sum(ProductMonthlyStat.wa_clicks), 0)).where(
            ProductMonthlyStat.kelurahan_id == kelurahan.id,
            ProductMonthlyStat.month == month_start(),
            ProductMonthlyStat.product_id.in_(_public_ids(kelurahan)),
        )
    )
    catalogue = url_for("umkm.catalogue", kelurahan_slug=kelurahan.slug)
    return [
        Metric(
            "economy",
            "umkm_shops",
            _l("Toko UMKM aktif"),
            count_rows(_shops(kelurahan)),
            _l("Toko kelompok UMKM yang buka dan disetujui kelurahan, saat ini."),
            over_period=False,
            url=catalogue,
        ),
        Metric(
            "economy",
            "umkm_products",
            _l("Produk UMKM yang tampil"),
            count_rows(_public_ids(kelurahan)),
            _l("Produk yang tampil di katalog saat ini (toko buka, produk disetujui)."),
            over_period=False,
            url=catalogue,
        ),
        Metric(
            "economy",
            "umkm_wa_clicks_month",
            _l("Klik Pesan via WhatsApp bulan ini"),
            int(clicks or 0),
            _l(
                "Klik tombol Pesan via WhatsApp pada produk bulan ini, sekali per pengunjung per "
                "produk per hari."
            ),
            over_period=False,
            url=catalogue,
        ),
    ]


# -- search ------------------------------------------------------------------------------------


@hookimpl
def kp_search(kelurahan, query, limit):
    needle = query.lower()
    shops = db.session.execute(
        _shops(kelurahan)
        .where(
            or_(
                func.lower(Shop.name).contains(needle, autoescape=True),
                func.lower(Shop.description).contains(needle, autoescape=True),
            )
        )
        .order_by(Shop.name, Shop.id)
        .limit(limit)
    ).scalars()
    hits = [
        SearchHit(
            shop.name,
            url_for("umkm.shop", kelurahan_slug=kelurahan.slug, shop_id=shop.id),
            snippet(shop.description),
            _l("Toko UMKM"),
        )
        for shop in shops
    ]
    products = (
        db.session.execute(
            _products(kelurahan)
            .where(
                or_(
                    func.lower(Product.name).contains(needle, autoescape=True),
                    func.lower(Product.description).contains(needle, autoescape=True),
                )
            )
            .order_by(Product.created_at.desc(), Product.id.desc())
            .limit(max(limit - len(hits), 0))
        ).scalars()
        if len(hits) < limit
        else []
    )
    hits += [
        SearchHit(
            product.name,
            url_for("umkm.product", kelurahan_slug=kelurahan.slug, product_id=product.id),
            snippet(f"{price_text(product)} · {product.shop.name} · {product.description}"),
            _l("Produk UMKM"),
        )
        for product in products
    ]
    return hits[:limit]


# -- open data ---------------------------------------------------------------------------------

SHOP_HEADER = [
    "id",
    "nama",
    "keterangan",
    "alamat",
    "lat",
    "lng",
    "whatsapp",
    "jam_buka",
    "nib",
    "sertifikat_halal",
    "jumlah_produk",
    "url",
]

PRODUCT_HEADER = [
    "id",
    "toko_id",
    "toko",
    "nama",
    "kategori",
    "harga",
    "harga_maks",
    "harga_diskon",
    "satuan",
    "ketersediaan",
    "keterangan",
    "url",
]

SHOP_COLUMNS = (
    Column("id", _l("Nomor toko (juga di alamat halamannya)"), "integer"),
    Column("nama", _l("Nama toko atau usaha")),
    Column("keterangan", _l("Keterangan toko")),
    Column("alamat", _l("Alamat usaha yang dicantumkan toko")),
    Column("lat", _l("Garis lintang lokasi toko (WGS 84)"), "number"),
    Column("lng", _l("Garis bujur lokasi toko (WGS 84)"), "number"),
    Column(
        "whatsapp",
        _l("Nomor WhatsApp usaha yang dicantumkan toko untuk pesanan (E.164)"),
    ),
    Column("jam_buka", _l("Jam buka, seperti ditulis toko")),
    Column("nib", _l("Nomor Induk Berusaha (OSS); kosong bila belum ada")),
    Column("sertifikat_halal", _l("Nomor sertifikat halal; kosong bila belum ada")),
    Column("jumlah_produk", _l("Jumlah produk toko yang tampil di katalog"), "integer"),
    Column("url", _l("Alamat halaman toko")),
)
PRODUCT_COLUMNS = (
    Column("id", _l("Nomor produk (juga di alamat halamannya)"), "integer"),
    Column("toko_id", _l("Nomor toko penjual (kolom id data toko)"), "integer"),
    Column("toko", _l("Nama toko penjual")),
    Column("nama", _l("Nama produk")),
    Column("kategori", _l("Kategori produk")),
    Column("harga", _l("Harga dalam rupiah (harga terendah bila berupa rentang)"), "integer"),
    Column("harga_maks", _l("Harga tertinggi dalam rupiah bila berupa rentang"), "integer"),
    Column("harga_diskon", _l("Harga diskon dalam rupiah; kosong bila tidak ada"), "integer"),
    Column("satuan", _l("Satuan jual, misalnya lembar atau kg")),
    Column("ketersediaan", _l("Ketersediaan: %(keys)s", keys=", ".join(Stock))),
    Column("keterangan", _l("Keterangan produk")),
    Column("url", _l("Alamat halaman produk")),
)


def shop_rows(kelurahan) -> list[dict]:
    """What each approved shop published on its profile, with its count of public
    products (two queries). Nothing about the group or its members is selected."""
    shops = db.session.execute(
        select(
            Shop.id,
            Shop.name,
            Shop.description,
            Shop.address,
            Shop.lat,
            Shop.lng,
            Shop.whatsapp,
            Shop.opening_hours,
            Shop.nib,
            Shop.halal_number,
        )
        .where(Shop.kelurahan_id == kelurahan.id, shop_is_public())
        .order_by(Shop.id)
    ).all()
    counts = dict(
        db.session.execute(
            select(Product.shop_id, func.count())
            .where(Product.kelurahan_id == kelurahan.id, Product.id.in_(_public_ids(kelurahan)))
            .group_by(Product.shop_id)
        ).all()
    )
    return [
        {
            "id": row.id,
            "nama": row.name,
            "keterangan": row.description or "",
            "alamat": row.address,
            "lat": row.lat,
            "lng": row.lng,
            "whatsapp": row.whatsapp,
            "jam_buka": row.opening_hours or "",
            "nib": row.nib or "",
            "sertifikat_halal": row.halal_number or "",
            "jumlah_produk": counts.get(row.id, 0),
            "url": public_url("umkm.shop", kelurahan_slug=kelurahan.slug, shop_id=row.id),
        }
        for row in shops
    ]


def product_rows(kelurahan) -> list[dict]:
    """The public products and their listed fields (one query)."""
    rows = db.session.execute(
        select(
            Product.id,
            Product.shop_id,
            Shop.name.label("shop_name"),
            Product.name,
            Product.category,
            Product.price,
            Product.price_max,
            Product.discount_price,
            Product.unit,
            Product.stock,
            Product.description,
        )
        .join(Shop, Shop.id == Product.shop_id)
        .where(Product.kelurahan_id == kelurahan.id, Product.id.in_(_public_ids(kelurahan)))
        .order_by(Product.id)
    ).all()
    return [
        {
            "id": row.id,
            "toko_id": row.shop_id,
            "toko": row.shop_name,
            "nama": row.name,
            "kategori": row.category,
            "harga": row.price,
            "harga_maks": "" if row.price_max is None else row.price_max,
            "harga_diskon": "" if row.discount_price is None else row.discount_price,
            "satuan": row.unit,
            "ketersediaan": row.stock,
            "keterangan": row.description or "",
            "url": public_url("umkm.product", kelurahan_slug=kelurahan.slug, product_id=row.id),
        }
        for row in rows
    ]


@hookimpl
def kp_open_data(kelurahan):
    def shops_csv():
        return SHOP_HEADER, [[row[key] for key in SHOP_HEADER] for row in shop_rows(kelurahan)]

    def shops_geojson():
        return rows_as_features(shop_rows(kelurahan))

    def products_csv():
        return PRODUCT_HEADER, [
            [row[key] for key in PRODUCT_HEADER] for row in product_rows(kelurahan)
        ]

    return [
        Dataset(
            "umkm-toko",
            _l("Toko UMKM"),
            _l(
                "Toko kelompok UMKM yang disetujui petugas: nama, keterangan, alamat, lokasi, "
                "nomor WhatsApp usaha, jam buka, NIB, nomor sertifikat halal dan jumlah "
                "produk. Hanya yang dipublikasikan toko sendiri; tanpa nama anggota kelompok "
                "atau e-mail."
            ),
            csv=shops_csv,
            geojson=shops_geojson,
            columns=SHOP_COLUMNS,
            updated=lambda: last_change(Shop.updated_at, Shop.reviewed_at, Product.updated_at),
        ),
        Dataset(
            "umkm-produk",
            _l("Produk UMKM"),
            _l(
                "Produk yang tampil di katalog UMKM: toko, nama, kategori, harga (rupiah), "
                "harga diskon, satuan, ketersediaan dan keterangan. Tanpa data pembeli, "
                "anggota kelompok atau produk yang disembunyikan."
            ),
            csv=products_csv,
            columns=PRODUCT_COLUMNS,
            updated=lambda: last_change(Product.updated_at, Shop.updated_at, Shop.reviewed_at),
        ),
    ]


# -- staff and the city -----------------------------------------------------------------------


@hookimpl
def kp_staff_tasks(kelurahan, user):
    if not can(REVIEW, user=user, kelurahan=kelurahan):
        return []
    # A shop waits from the day it was opened (the review page lists them in that order).
    shops, oldest_shop = count_and_oldest(
        select(Shop).where(
            Shop.kelurahan_id == kelurahan.id, Shop.status == ShopStatus.PENDING.value
        ),
        Shop.created_at,
    )
    # One row per flagged product, at the time of its oldest open flag.
    products, oldest_flag = count_and_oldest(
        select(ProductFlag.product_id)
        .where(ProductFlag.kelurahan_id == kelurahan.id, ProductFlag.resolved_at.is_(None))
        .group_by(ProductFlag.product_id),
        func.min(ProductFlag.created_at),
    )
    return [
        StaffTask(
            "umkm-shops-pending",
            _l("Toko UMKM menunggu persetujuan"),
            shops,
            url_for("umkm.staff_shops", status=ShopStatus.PENDING.value),
            oldest_shop,
            order=40,
        ),
        StaffTask(
            "umkm-flagged-products",
            _l("Produk UMKM ditandai warga"),
            products,
            url_for("umkm.staff_flags"),
            oldest_flag,
            order=41,
        ),
    ]


@hookimpl
def kp_city_nav_items(user):
    return [NavItem(_l("Katalog UMKM"), url_for("umkm_city.catalogue"), order=30)]


# -- demo --------------------------------------------------------------------------------------


@hookimpl
def kp_demo_data(kelurahan):
    from .demo import seed_demo_umkm

    seed_demo_umkm(kelurahan)
