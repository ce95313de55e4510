"""The marketplace's part of /api/v1: /api/v1/kelurahan/<slug>/umkm/.

* GET /                     links to the two lists below
* GET /products/            public products, newest first (category, stock, q, min, max)
* GET /products/<id>        one public product
* GET /shops/               public shops (approved and open), newest first
* GET /shops/<id>           one public shop with the ids of its public products

Everything reads through `queries.public_products()` / `public_shops()`, the catalogue's own
reads: a product of a pending, suspended or closed shop, or one hidden by its seller or by
staff, is absent from the lists and a 404 here. A shop answers with what its public page
shows, its WhatsApp number included (the business contact it publishes for orders, also in
the open data); never its group's members, its review or staff notes. A shop its group
closed for a while is left out, as from the map and the open data. Prices are whole rupiah.
"""

from __future__ import annotations

import marshmallow as ma
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.kit import (
    ApiBlueprint,
    ApiId,
    ApiPhotoSchema,
    PageArgs,
    api_abort,
    api_photos,
    cursor_page,
    db,
    list_page,
    page_schema,
    public_url,
)

from .forms import MAX_PRICE, STOCK_LABELS
from .models import Product, ProductPhoto, Shop, Stock
from .queries import apply_filters, public_products, public_shops

api_bp = ApiBlueprint(
    "umkm-api", __name__, description="Pasar UMKM: produk dan toko / local shops and products."
)

SHOP_PRODUCT_IDS_CAP = 500  # a shop page lists them 24 at a time; the API names them all


class ShopRefSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    url = ma.fields.String(required=True, metadata={"description": "The shop's public page."})


class ProductSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    category = ma.fields.String(required=True)
    price = ma.fields.Integer(
        required=True, metadata={"description": "Rupiah; the lowest price of a range."}
    )
    price_max = ma.fields.Integer(
        allow_none=True, metadata={"description": "Rupiah; the highest price of a range."}
    )
    discount_price = ma.fields.Integer(allow_none=True, metadata={"description": "Rupiah."})
    effective_price = ma.fields.Integer(
        required=True,
        metadata={"description": "What a buyer pays at the least (rupiah): discount or price."},
    )
    unit = ma.fields.String(required=True)
    stock = ma.fields.String(required=True, metadata={"enum": [s.value for s in Stock]})
    stock_label = ma.fields.String(required=True)
    description = ma.fields.String(required=True)
    created_at = ma.fields.DateTime(required=True)
    updated_at = ma.fields.DateTime(required=True)
    shop = ma.fields.Nested(ShopRefSchema, required=True)
    url = ma.fields.String(required=True, metadata={"description": "The public page."})
    photos = ma.fields.List(ma.fields.Nested(ApiPhotoSchema), required=True)


class ProductListArgs(PageArgs):
    category = ma.fields.String(validate=ma.validate.Length(max=120))
    stock = ma.fields.String(validate=ma.validate.OneOf([s.value for s in Stock]))
    q = ma.fields.String(
        validate=ma.validate.Length(max=100),
        metadata={"description": "Words in the name or description."},
    )
    min = ma.fields.Integer(
        validate=ma.validate.Range(min=0, max=MAX_PRICE),
        metadata={"description": "Lowest price in rupiah."},
    )
    max = ma.fields.Integer(
        validate=ma.validate.Range(min=0, max=MAX_PRICE),
        metadata={"description": "Highest price in rupiah."},
    )
    shop_id = ApiId()


class ShopSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    description = ma.fields.String(required=True)
    address = ma.fields.String(required=True)
    lat = ma.fields.Float(required=True)
    lng = ma.fields.Float(required=True)
    opening_hours = ma.fields.String(required=True)
    whatsapp = ma.fields.String(
        required=True,
        metadata={"description": "The business number the shop publishes for orders (E.164)."},
    )
    nib = ma.fields.String(allow_none=True, metadata={"description": "Nomor Induk Berusaha."})
    halal_number = ma.fields.String(allow_none=True)
    logo = ma.fields.String(allow_none=True)
    products_count = ma.fields.Integer(
        required=True, metadata={"description": "Its products shown in the catalogue."}
    )
    products_url = ma.fields.String(
        required=True, metadata={"description": "Its products in this API."}
    )
    url = ma.fields.String(required=True, metadata={"description": "The public page."})


class ShopDetailSchema(ShopSchema):
    product_ids = ma.fields.List(
        ma.fields.Integer(),
        required=True,
        metadata={
            "description": f"Its public products, newest first (at most {SHOP_PRODUCT_IDS_CAP})."
        },
    )


class IndexSchema(ma.Schema):
    products = ma.fields.String(required=True)
    shops = ma.fields.String(required=True)


@api_bp.route("/")
@api_bp.response(200, IndexSchema)
def index():
    """Daftar yang tersedia / the lists this part of the API serves."""
    return {
        "products": public_url("umkm-api.product_list"),
        "shops": public_url("umkm-api.shop_list"),
    }


def product_row(product: Product) -> dict:
    shop = product.shop
    return {
        "id": product.id,
        "name": product.name,
        "category": product.category,
        "price": product.price,
        "price_max": product.price_max,
        "discount_price": product.discount_price,
        "effective_price": product.effective_price,
        "unit": product.unit,
        "stock": product.stock,
        "stock_label": str(STOCK_LABELS.get(product.stock, product.stock)),
        "description": product.description,
        "created_at": product.created_at,
        "updated_at": product.updated_at,
        "shop": {
            "id": shop.id,
            "name": shop.name,
            "url": public_url("umkm.shop", shop_id=shop.id),
        },
        "url": public_url("umkm.product", product_id=product.id),
        "photos": api_photos(product.photos),
    }


def _with_media(query):
    return query.options(selectinload(Product.photos).selectinload(ProductPhoto.media))


@api_bp.route("/products/")
@api_bp.arguments(ProductListArgs, location="query")
@api_bp.response(200, page_schema(ProductSchema))
def product_list(args):
    """Produk yang tampil di katalog / products the public catalogue shows, newest first."""
    filters = {
        "q": (args.get("q") or "").strip(),
        "category": (args.get("category") or "").strip(),
        "min": args.get("min"),
        "max": args.get("max"),
        "stock": args.get("stock") or "",
        "sort": "newest",
    }
    # The catalogue's own filters; pages follow the id, not the catalogue's sort.
    query = apply_filters(_with_media(public_products()), filters).order_by(None)
    if args.get("shop_id"):
        query = query.where(Product.shop_id == args["shop_id"])
    rows, next_cursor = cursor_page(query, Product.id, args)
    return list_page([product_row(p) for p in rows], next_cursor)


@api_bp.route("/products/<int:product_id>")
@api_bp.response(200, ProductSchema)
def product_detail(product_id: int):
    """Satu produk yang tampil / one public product."""
    product = db.session.execute(
        _with_media(public_products()).where(Product.id == product_id)
    ).scalar_one_or_none()
    if product is None:
        api_abort(404, "Produk tidak ditemukan di kelurahan ini.")
    return product_row(product)


def _counts(shop_ids: list[int]) -> dict[int, int]:
    """Public products per shop, in one query."""
    if not shop_ids:
        return {}
    public = public_products().where(Product.shop_id.in_(shop_ids)).subquery()
    return dict(
        db.session.execute(select(public.c.shop_id, func.count()).group_by(public.c.shop_id)).all()
    )


def shop_row(shop: Shop, products: int) -> dict:
    return {
        "id": shop.id,
        "name": shop.name,
        "description": shop.description,
        "address": shop.address,
        "lat": shop.lat,
        "lng": shop.lng,
        "opening_hours": shop.opening_hours,
        "whatsapp": shop.whatsapp,
        "nib": shop.nib,
        "halal_number": shop.halal_number,
        "logo": public_url("media.serve", relpath=shop.logo.relpath) if shop.logo else None,
        "products_count": products,
        "products_url": public_url("umkm-api.product_list", shop_id=shop.id),
        "url": public_url("umkm.shop", shop_id=shop.id),
    }


def _with_logo(query):
    return query.options(selectinload(Shop.logo))


@api_bp.route("/shops/")
@api_bp.arguments(PageArgs, location="query")
@api_bp.response(200, page_schema(ShopSchema))
def shop_list(args):
    """Toko yang tampil / shops whose products the catalogue shows, newest first."""
    rows, next_cursor = cursor_page(_with_logo(public_shops()), Shop.id, args)
    counts = _counts([s.id for s in rows])
    return list_page([shop_row(s, counts.get(s.id, 0)) for s in rows], next_cursor)


@api_bp.route("/shops/<int:shop_id>")
@api_bp.response(200, ShopDetailSchema)
def shop_detail(shop_id: int):
    """Satu toko dengan produknya yang tampil / one shop with its public products' ids."""
    shop = db.session.execute(
        _with_logo(public_shops()).where(Shop.id == shop_id)
    ).scalar_one_or_none()
    if shop is None:
        api_abort(404, "Toko tidak ditemukan di kelurahan ini.")
    public = public_products().where(Product.shop_id == shop.id).subquery()
    ids = list(
        db.session.execute(
            select(public.c.id)
            .order_by(public.c.created_at.desc(), public.c.id.desc())
            .limit(SHOP_PRODUCT_IDS_CAP)
        ).scalars()
    )
    count = len(ids) if len(ids) < SHOP_PRODUCT_IDS_CAP else _counts([shop.id])[shop.id]
    return {**shop_row(shop, count), "product_ids": ids}
