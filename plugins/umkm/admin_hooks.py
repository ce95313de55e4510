"""What the kelurahan admin reads about the UMKM marketplace: the impact of switching the
plugin off (the shops' groups are told), and the audit log's sentences for staff reviews."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.kit import (
    AuditObject,
    AuditPhrase,
    OffImpact,
    _l,
    audit_names,
    count_rows,
    db,
    hookimpl,
)

from .models import Product, Shop, ShopStatus
from .queries import public_products

__all__ = ["kp_audit_phrases", "kp_plugin_off_impact"]


@hookimpl
def kp_plugin_off_impact(kelurahan):
    shops = list(
        db.session.execute(
            select(Shop)
            .where(Shop.status == ShopStatus.APPROVED.value)
            .options(selectinload(Shop.group))
        ).scalars()
    )
    products = count_rows(public_products().with_only_columns(Product.id))
    return [
        OffImpact(
            _l(
                "%(shops)s toko dan %(products)s produk tidak lagi tampil di katalog kelurahan "
                "maupun katalog kota; data tidak dihapus dan kembali saat dinyalakan lagi.",
                shops=len(shops),
                products=products,
            ),
            groups=tuple(shop.group for shop in shops),
        ),
        _l("Kelompok tidak dapat membuka toko baru atau mengubah produknya selama fitur mati."),
    ]


@hookimpl
def kp_audit_phrases():
    return [
        AuditObject("umkm_shop", _l("toko “%(name)s”"), audit_names(Shop.name)),
        AuditObject("umkm_product", _l("produk “%(name)s”"), audit_names(Product.name)),
        AuditPhrase("umkm.shop_approved", _l("%(actor)s menyetujui %(object)s")),
        AuditPhrase("umkm.shop_suspended", _l("%(actor)s menangguhkan %(object)s")),
        AuditPhrase("umkm.product_hidden", _l("%(actor)s menyembunyikan %(object)s")),
        AuditPhrase("umkm.product_shown", _l("%(actor)s menampilkan lagi %(object)s")),
        AuditPhrase(
            "umkm.flags_dismissed",
            _l("%(actor)s mengabaikan %(n)s tanda dari warga pada %(object)s"),
            lambda before, after: {"n": before.get("open_flags", "?")},
        ),
    ]
