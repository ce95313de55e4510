"""Reads shared by the catalogue, the shop and product pages, the staff pages and the hooks.
Each is a fixed number of queries whatever the number of products.

A product is public when its shop is approved and open and neither the seller nor staff hid
it; every public read goes through `public_products()` (and `public_shops()`) so no page,
search, map or export forgets it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import exc, func, or_, select, update
from sqlalchemy.orm import contains_eager, selectinload

from app.kit import WIB, db, parse_rupiah, plugin_settings

from .models import Product, ProductMonthlyStat, ProductPhoto, Shop, ShopStatus, Stock

PER_PAGE = 24
SORTS = ("newest", "price_asc", "price_desc", "popular")
POPULAR_DAYS = 90
WA_CLICK_WEIGHT = 5  # a click towards an order says more than a look


def settings(kelurahan=None) -> dict:
    return plugin_settings("umkm", kelurahan)


def categories(kelurahan=None) -> list[str]:
    return list(settings(kelurahan)["categories"])


def units(kelurahan=None) -> list[str]:
    return list(settings(kelurahan)["units"])


def month_start(moment: datetime | None = None) -> date:
    """The first day of the month, in Pekalongan's time zone."""
    local = (moment or datetime.now(UTC)).astimezone(WIB)
    return date(local.year, local.month, 1)


def public_products():
    """Products anyone may see, with their shop loaded (one query, no lazy loads)."""
    return (
        select(Product)
        .join(Product.shop)
        .options(
            contains_eager(Product.shop),
            selectinload(Product.photos).selectinload(ProductPhoto.thumb),
        )
        .where(
            shop_is_public(),
            Product.hidden_at.is_(None),
            Product.staff_hidden_at.is_(None),
        )
    )


def shop_is_public():
    """SQL for Shop.is_public: approved by staff and not closed by its group."""
    return (Shop.status == ShopStatus.APPROVED.value) & Shop.closed_at.is_(None)


def public_shops():
    return select(Shop).where(shop_is_public())


def read_filters(args, known_categories: list[str] | None) -> dict:
    """Catalogue filters from a query string; anything unrecognised is ignored, not an error.
    `known_categories` None (the city catalogue) accepts any category name. Prices are held
    within what a product can cost: twenty digits would not fit the database's integers."""
    from .forms import MAX_PRICE

    filters: dict = {"q": "", "category": "", "min": None, "max": None, "stock": "", "sort": ""}
    filters["q"] = (args.get("q") or "").strip()[:100]
    category = (args.get("category") or "").strip()
    if category and (known_categories is None or category in known_categories):
        filters["category"] = category
    for key in ("min", "max"):
        try:
            amount = parse_rupiah(args.get(key))
        except ValueError:
            amount = None
        if amount is not None:
            amount = min(amount, MAX_PRICE + 1 if key == "min" else MAX_PRICE)
        filters[key] = amount
    stock = args.get("stock") or ""
    if stock in {s.value for s in Stock}:
        filters["stock"] = stock
    sort = args.get("sort") or "newest"
    filters["sort"] = sort if sort in SORTS else "newest"
    return filters


def popularity():
    """Views plus weighted WhatsApp clicks per product over the last 90 days (a subquery)."""
    since = month_start(datetime.now(UTC) - timedelta(days=POPULAR_DAYS))
    return (
        select(
            ProductMonthlyStat.product_id,
            func.sum(
                ProductMonthlyStat.views + WA_CLICK_WEIGHT * ProductMonthlyStat.wa_clicks
            ).label("score"),
        )
        .where(ProductMonthlyStat.month >= since)
        .group_by(ProductMonthlyStat.product_id)
        .subquery()
    )


def apply_filters(query, filters: dict):
    price = func.coalesce(Product.discount_price, Product.price)
    if filters.get("q"):
        needle = filters["q"].lower()
        query = query.where(
            or_(
                func.lower(Product.name).contains(needle, autoescape=True),
                func.lower(Product.description).contains(needle, autoescape=True),
            )
        )
    if filters.get("category"):
        query = query.where(Product.category == filters["category"])
    if filters.get("min") is not None:
        # A range product matches when any of its prices is in the wanted range.
        query = query.where(func.coalesce(Product.price_max, price) >= filters["min"])
    if filters.get("max") is not None:
        query = query.where(price <= filters["max"])
    if filters.get("stock"):
        query = query.where(Product.stock == filters["stock"])
    sort = filters.get("sort") or "newest"
    if sort == "price_asc":
        query = query.order_by(price.asc(), Product.id.desc())
    elif sort == "price_desc":
        query = query.order_by(func.coalesce(Product.price_max, price).desc(), Product.id.desc())
    elif sort == "popular":
        scores = popularity()
        query = query.outerjoin(scores, scores.c.product_id == Product.id).order_by(
            func.coalesce(scores.c.score, 0).desc(), Product.created_at.desc(), Product.id.desc()
        )
    else:
        query = query.order_by(Product.created_at.desc(), Product.id.desc())
    return query


# Declared bots, link-preview fetchers and scripts: their requests are not people looking.
# Products one visitor's views (and, apart, clicks) count for in a day.
VISITOR_DAILY_CAP = 50


def count_event(product: Product, field: str) -> None:
    """Add one view or WhatsApp click to the product's counts for this month. Only the
    number is kept. Safe when two requests create the month's row at once."""
    assert field in ("views", "wa_clicks")
    month = month_start()
    column = getattr(ProductMonthlyStat, field)
    where = (ProductMonthlyStat.product_id == product.id, ProductMonthlyStat.month == month)
    done = db.session.execute(update(ProductMonthlyStat).where(*where).values({column: column + 1}))
    if done.rowcount:
        return
    try:
        with db.session.begin_nested():
            db.session.add(
                ProductMonthlyStat(
                    kelurahan_id=product.kelurahan_id,
                    product_id=product.id,
                    month=month,
                    **{"views": 0, "wa_clicks": 0, field: 1},
                )
            )
    except exc.IntegrityError:  # the other request inserted it first
        db.session.execute(update(ProductMonthlyStat).where(*where).values({column: column + 1}))
