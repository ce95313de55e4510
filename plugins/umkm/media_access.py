"""Who may see a shop's logo and a product's photos. While a shop waits for review or is
suspended, its logo and its products' photos are not public files; so are the photos of a
product hidden by its seller or by staff, or of a shop its group closed for a while. The
core serves them only to those who may open the shop's or product's page (the group's
active members, reviewers of the kelurahan) and answers 404 to everyone else.

`sync_media_public(shop)` is the one place that sets the flags from the shop's and its
products' visibility. A `before_flush` listener calls it whenever a shop, a product or a
photo is new or changed, so no path (review, seller, closing, demo data) can forget it.
"""

from __future__ import annotations

from contextlib import nullcontext

from sqlalchemy import event, inspect, or_, select
from sqlalchemy.orm import Session

from app.kit import can, db, hookimpl, scoped_to, set_media_public

from .access import REVIEW
from .models import Product, ProductPhoto, Shop

# Changing one of these changes who may see the files.
SHOP_FIELDS = ("status", "closed_at", "logo_id", "logo")
PRODUCT_FIELDS = ("hidden_at", "staff_hidden_at")


def _photo_files(product: Product):
    for photo in product.photos:
        yield photo.media
        yield photo.thumb


def _sync(shop: Shop, products) -> None:
    set_media_public([shop.logo], shop.is_approved)  # the shop page: approved, open or not
    for product in products:  # Product.is_public, with the shop of a new product known
        set_media_public(_photo_files(product), shop.is_public and not product.is_hidden)


def _scope(kelurahan_id):
    """Loads from a script work too; a new row of the current kelurahan needs no scope."""
    return nullcontext() if kelurahan_id is None else scoped_to(kelurahan_id)


def sync_media_public(shop: Shop, products=None) -> None:
    """Set the public flag of the shop's logo and of its products' photos (all of them, or
    only `products`) from what the public may see."""
    with _scope(shop.kelurahan_id):
        _sync(shop, shop.products if products is None else products)


def _shop_of(session, product: Product) -> Shop | None:
    if product.shop is not None or product.shop_id is None:
        return product.shop
    # A new product made with `shop_id` only: its `shop` is not loaded yet.
    with _scope(product.kelurahan_id):
        return session.execute(select(Shop).where(Shop.id == product.shop_id)).scalar_one()


def _changed(obj, fields) -> bool:
    state = inspect(obj)
    return state.pending or any(state.attrs[f].history.has_changes() for f in fields)


@event.listens_for(Session, "before_flush")
def _sync_before_flush(session, flush_context, instances) -> None:
    touched = list(session.new) + list(session.dirty)
    shops = {o for o in touched if isinstance(o, Shop) and _changed(o, SHOP_FIELDS)}
    products = {o for o in touched if isinstance(o, Product) and _changed(o, PRODUCT_FIELDS)}
    # A photo added to a product that is not public is not public either.
    products |= {o.product for o in session.new if isinstance(o, ProductPhoto) and o.product}
    for shop in shops:
        sync_media_public(shop)
    for product in products:
        shop = _shop_of(session, product)
        if shop is not None and shop not in shops:
            sync_media_public(shop, [product])


@hookimpl
def kp_media_visible(media, kelurahan, user):
    """A logo or product photo is visible to whoever may open its shop's or product's page."""
    shop = db.session.execute(select(Shop).where(Shop.logo_id == media.id)).scalar_one_or_none()
    product = None
    if shop is None:
        product = db.session.execute(
            select(Product)
            .join(ProductPhoto, ProductPhoto.product_id == Product.id)
            .where(or_(ProductPhoto.media_id == media.id, ProductPhoto.thumb_id == media.id))
        ).scalar_one_or_none()
        if product is None:
            return None
        shop = product.shop
        if product.is_public:
            return True
    elif shop.is_approved:
        return True
    if user is None:
        return False
    return shop.managed_by(user) or can(REVIEW, user=user, kelurahan=kelurahan)
