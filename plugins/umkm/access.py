"""Who may see and change what. Every lookup goes through the kelurahan scope (another
kelurahan's id is a 404), and a refusal never says whether the object exists."""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.kit import Group, GroupKind, GroupMember, _l, can, db, get_or_404

from .models import Product, ProductPhoto, Shop

SHOP_STATUS_LABELS = {
    "pending": _l("Menunggu persetujuan"),
    "approved": _l("Disetujui"),
    "suspended": _l("Ditangguhkan"),
}


REVIEW = "umkm.review"


def can_review() -> bool:
    """Whoever holds `umkm.review` here (petugas and admin by default) reviews shops, hides
    products and sees what the public does not."""
    return can(REVIEW)


def can_manage(shop: Shop) -> bool:
    """Active members of the shop's group manage it (reviewers review it, they do not edit
    it): group membership, not a permission."""
    return current_user.is_authenticated and shop.managed_by(current_user)


def can_see_shop(shop: Shop) -> bool:
    return shop.is_approved or can_manage(shop) or can_review()


def shop_or_404(shop_id, *, manage: bool = False) -> Shop:
    """A shop of the current kelurahan that the visitor may see (or manage), else 404.
    A pending or suspended shop is as absent as a missing one to the public."""
    shop = get_or_404(Shop, shop_id)
    if manage and not can_manage(shop):
        abort(404)
    if not can_see_shop(shop):
        abort(404)
    return shop


def product_or_404(product_id, *, manage: bool = False) -> Product:
    """A product the visitor may see (public, or theirs to manage, or staff), else 404."""
    try:
        product_id = int(product_id)
    except (TypeError, ValueError):
        abort(404)
    product = db.session.execute(
        select(Product)
        .where(Product.id == product_id)
        .options(
            selectinload(Product.shop).selectinload(Shop.group).selectinload(Group.members),
            selectinload(Product.photos).selectinload(ProductPhoto.media),
            selectinload(Product.photos).selectinload(ProductPhoto.thumb),
        )
    ).scalar_one_or_none()
    if product is None:
        abort(404)
    if manage:
        if not can_manage(product.shop):
            abort(404)
    elif not (product.is_public or can_manage(product.shop) or can_review()):
        abort(404)
    return product


def groups_that_may_open_shop(user) -> list[Group]:
    """The user's verified UMKM groups (active membership) that have no shop yet."""
    if not user.is_authenticated:
        return []
    has_shop = select(Shop.group_id)
    return list(
        db.session.execute(
            select(Group)
            .join(GroupMember, GroupMember.group_id == Group.id)
            .where(
                GroupMember.user_id == user.id,
                GroupMember.status == "active",
                Group.kind == GroupKind.UMKM.value,
                Group.verified_at.is_not(None),
                Group.id.not_in(has_shop),
            )
            .order_by(Group.name)
        ).scalars()
    )


def my_shops(user) -> list[Shop]:
    """Shops of the groups the user is an active member of, in this kelurahan."""
    if not user.is_authenticated:
        return []
    return list(
        db.session.execute(
            select(Shop)
            .join(GroupMember, GroupMember.group_id == Shop.group_id)
            .where(GroupMember.user_id == user.id, GroupMember.status == "active")
            .order_by(Shop.name)
        ).scalars()
    )
