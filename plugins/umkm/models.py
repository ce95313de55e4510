"""The marketplace: a group's shop, its products and their photos, monthly view and
WhatsApp-click counts (numbers only, no buyer data), and residents' flags on products."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.kit import Group, Media, TenantMixin, User, UTCDateTime, db, utcnow


class ShopStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for staff; visible to its group and staff only
    APPROVED = "approved"  # public
    SUSPENDED = "suspended"  # taken down by staff, with a reason


class Stock(enum.StrEnum):
    AVAILABLE = "tersedia"
    PREORDER = "preorder"
    SOLD_OUT = "habis"


class FlagReason(enum.StrEnum):
    FRAUD = "penipuan"
    WRONG_CATEGORY = "salah_kategori"
    PROHIBITED = "terlarang"


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(str(v)) for v in values)})"


class Shop(TenantMixin, db.Model):
    """One shop per UMKM group; every active member of the group may manage it."""

    __tablename__ = "umkm_shop"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("community_group.id"), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    logo_id: Mapped[int | None] = mapped_column(ForeignKey("media.id"))
    whatsapp: Mapped[str] = mapped_column(String(20))  # E.164, +628…
    address: Mapped[str] = mapped_column(String(300))
    lat: Mapped[float] = mapped_column(Float)
    lng: Mapped[float] = mapped_column(Float)
    opening_hours: Mapped[str] = mapped_column(String(300), default="")
    nib: Mapped[str | None] = mapped_column(String(13))  # Nomor Induk Berusaha (OSS)
    halal_number: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16), default=ShopStatus.PENDING.value, index=True)
    status_reason: Mapped[str | None] = mapped_column(String(500))
    # Closed for a while by its own group (holiday, Lebaran): approved, but takes no orders.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_note: Mapped[str | None] = mapped_column(String(300))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    group: Mapped[Group] = relationship()
    logo: Mapped[Media | None] = relationship(foreign_keys=[logo_id])
    products: Mapped[list[Product]] = relationship(back_populates="shop")

    __table_args__ = (CheckConstraint(_in("status", ShopStatus), name="status_known"),)

    @property
    def is_approved(self) -> bool:
        return self.status == ShopStatus.APPROVED

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    @property
    def is_public(self) -> bool:
        """Approved by staff and not closed by its group: its products show and sell."""
        return self.is_approved and not self.is_closed

    def managed_by(self, user) -> bool:
        return self.group.is_active_member(user)


class Product(TenantMixin, db.Model):
    """A product in whole rupiah: one price, or a range when `price_max` is set."""

    __tablename__ = "umkm_product"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("umkm_shop.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    category: Mapped[str] = mapped_column(String(120))
    price: Mapped[int] = mapped_column(Integer)
    price_max: Mapped[int | None] = mapped_column(Integer)
    discount_price: Mapped[int | None] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(40))
    stock: Mapped[str] = mapped_column(String(16), default=Stock.AVAILABLE.value)
    description: Mapped[str] = mapped_column(Text, default="")
    # Hidden by the seller (shown again at will) or by staff (only staff show it again).
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    staff_hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    staff_hidden_reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    shop: Mapped[Shop] = relationship(back_populates="products")
    photos: Mapped[list[ProductPhoto]] = relationship(
        back_populates="product", order_by="ProductPhoto.position", cascade="all, delete-orphan"
    )

    __table_args__ = (
        CheckConstraint(_in("stock", Stock), name="stock_known"),
        CheckConstraint("price >= 0", name="price_not_negative"),
        CheckConstraint("price_max IS NULL OR price_max > price", name="range_ordered"),
        CheckConstraint(
            "discount_price IS NULL OR (discount_price >= 0 AND discount_price < price)",
            name="discount_below_price",
        ),
        Index("ix_umkm_product_kelurahan_created", "kelurahan_id", "created_at"),
    )

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None or self.staff_hidden_at is not None

    @property
    def is_public(self) -> bool:
        return not self.is_hidden and self.shop.is_public

    @property
    def cover(self) -> ProductPhoto | None:
        return self.photos[0] if self.photos else None

    @property
    def effective_price(self) -> int:
        """What the buyer pays at the least: the discount price when there is one."""
        return self.discount_price if self.discount_price is not None else self.price


class ProductPhoto(TenantMixin, db.Model):
    """Up to five per product; the lowest `position` is the cover."""

    __tablename__ = "umkm_product_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("umkm_product.id"), index=True)
    media_id: Mapped[int] = mapped_column(ForeignKey("media.id"))
    thumb_id: Mapped[int] = mapped_column(ForeignKey("media.id"))
    position: Mapped[int] = mapped_column(Integer, default=0)

    product: Mapped[Product] = relationship(back_populates="photos")
    media: Mapped[Media] = relationship(foreign_keys=[media_id])
    thumb: Mapped[Media] = relationship(foreign_keys=[thumb_id])


class ProductMonthlyStat(TenantMixin, db.Model):
    """Counts for one product in one calendar month (WIB). Nothing about who viewed or
    clicked is stored."""

    __tablename__ = "umkm_product_stat"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("umkm_product.id"), index=True)
    month: Mapped[date] = mapped_column(Date)  # the first day of the month
    views: Mapped[int] = mapped_column(Integer, default=0)
    wa_clicks: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (UniqueConstraint("product_id", "month"),)


class ProductFlag(TenantMixin, db.Model):
    """A signed-in person's flag on a product, one per person, until staff resolve it."""

    __tablename__ = "umkm_flag"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("umkm_product.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    reason: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # "hidden" when staff hid the product over it, "dismissed" when they kept it up.
    resolution: Mapped[str | None] = mapped_column(String(16))

    product: Mapped[Product] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])

    __table_args__ = (
        UniqueConstraint("product_id", "user_id"),
        CheckConstraint(_in("reason", FlagReason), name="reason_known"),
        CheckConstraint(
            "resolution IS NULL OR resolution IN ('hidden', 'dismissed')", name="resolution_known"
        ),
    )
