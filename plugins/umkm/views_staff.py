"""Reviewers of the kelurahan: review shops (approve, suspend), hide and show products, and
the queue of products flagged by residents.

A reviewer holds `umkm.review` in the current kelurahan (petugas and admin unless the
kelurahan admin changed the grants; others get 403, visitors go to the sign-in page).
Objects of another kelurahan answer 404: every lookup goes through the kelurahan-scoped
session (`get_or_404`). Each change is written to the audit log and told to the active
members of the shop's group; what the public sees changes, so an event renews the caches.
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.kit import (
    EmptyForm,
    User,
    _l,
    audit,
    db,
    emit,
    get_or_404,
    page_number,
    permission_required,
    safe_next,
    utcnow,
)

from .access import REVIEW, SHOP_STATUS_LABELS
from .blueprint import bp
from .forms import FLAG_LABELS, ReasonForm
from .models import Product, ProductFlag, ProductPhoto, Shop, ShopStatus
from .notifications import notify_group

SHOPS_PER_PAGE = 25
QUEUE_LIMIT = 100
STATUSES = tuple(s.value for s in ShopStatus)


# -- shared helpers ----------------------------------------------------------------------------


def nav_counts() -> dict:
    """Shops per status and products with open flags, for the staff sub-nav (two queries)."""
    counts = dict.fromkeys(STATUSES, 0)
    counts.update(db.session.execute(select(Shop.status, func.count()).group_by(Shop.status)).all())
    counts["flagged"] = (
        db.session.scalar(
            select(func.count(func.distinct(ProductFlag.product_id))).where(
                ProductFlag.resolved_at.is_(None)
            )
        )
        or 0
    )
    return counts


def _reason_required(form: ReasonForm) -> str | None:
    """The trimmed reason, or None with an error on the field when it is empty."""
    reason = (form.reason.data or "").strip()
    if not reason:
        form.reason.errors = [*form.reason.errors, _("Alasan wajib diisi.")]
        return None
    return reason


def _open_flags(product_id: int) -> list[ProductFlag]:
    return list(
        db.session.execute(
            select(ProductFlag).where(
                ProductFlag.product_id == product_id, ProductFlag.resolved_at.is_(None)
            )
        ).scalars()
    )


def _resolve_flags(product_id: int, resolution: str, now) -> int:
    flags = _open_flags(product_id)
    for flag in flags:
        flag.resolved_at, flag.resolved_by_id, flag.resolution = now, current_user.id, resolution
    return len(flags)


# -- shops -------------------------------------------------------------------------------------


def _shops_page(status: str, *, errors: dict | None = None, code: int = 200):
    """The review list of one status. `errors` ({shop_id: (action, form)}) re-renders a
    refused form with what was typed; that shop is listed even when on another page."""
    errors = errors or {}
    page = page_number()
    query = select(Shop).where(Shop.status == status).options(selectinload(Shop.group))
    if status == ShopStatus.PENDING.value:
        query = query.order_by(Shop.created_at, Shop.id)  # the longest waiting first
    else:
        query = query.order_by(Shop.reviewed_at.desc(), Shop.id.desc())
    pagination = db.paginate(query, page=page, per_page=SHOPS_PER_PAGE, error_out=False)
    shops = list(pagination.items)
    missing = [shop_id for shop_id in errors if shop_id not in {s.id for s in shops}]
    if missing:
        shops = [
            *db.session.execute(
                select(Shop).where(Shop.id.in_(missing)).options(selectinload(Shop.group))
            ).scalars(),
            *shops,
        ]
    ids = [s.id for s in shops]
    product_counts = (
        dict(
            db.session.execute(
                select(Product.shop_id, func.count())
                .where(Product.shop_id.in_(ids))
                .group_by(Product.shop_id)
            ).all()
        )
        if ids
        else {}
    )
    reviewer_ids = {s.reviewed_by_id for s in shops if s.reviewed_by_id}
    reviewers = (
        dict(
            db.session.execute(
                select(User.id, User.display_name).where(User.id.in_(reviewer_ids))
            ).all()
        )
        if reviewer_ids
        else {}
    )
    next_args = {"status": status}
    if pagination.page > 1:
        next_args["page"] = pagination.page
    return (
        render_template(
            "umkm/staff_shops.html",
            status=status,
            shops=shops,
            pagination=pagination,
            product_counts=product_counts,
            reviewers=reviewers,
            errors=errors,
            counts=nav_counts(),
            current=status,
            status_labels=SHOP_STATUS_LABELS,
            next_url=url_for("umkm.staff_shops", **next_args),
        ),
        code,
    )


@bp.get("/petugas/toko")
@permission_required(REVIEW)
def staff_shops():
    status = request.args.get("status") or ShopStatus.PENDING.value
    if status not in STATUSES:
        status = ShopStatus.PENDING.value
    return _shops_page(status)


def _shop_state(shop: Shop) -> dict:
    return {"status": shop.status, "reason": shop.status_reason}


def _review(shop: Shop, target: str, reason: str | None) -> None:
    before = _shop_state(shop)
    shop.status = target
    shop.status_reason = reason or None
    shop.reviewed_at = utcnow()
    shop.reviewed_by_id = current_user.id
    audit(
        f"umkm.shop_{'approved' if target == ShopStatus.APPROVED.value else 'suspended'}",
        "umkm_shop",
        shop.id,
        kelurahan=g.kelurahan,
        before=before,
        after=_shop_state(shop),
    )


@bp.post("/petugas/toko/<int:shop_id>/setujui")
@permission_required(REVIEW)
def approve_shop(shop_id: int):
    shop = get_or_404(Shop, shop_id)
    before = shop.status
    if shop.status == ShopStatus.APPROVED.value:  # (the CSRF token is checked app-wide)
        flash(_("Toko “%(name)s” sudah disetujui.", name=shop.name), "info")
        return redirect(safe_next(url_for("umkm.staff_shops", status=before)))
    form = ReasonForm()
    if not form.validate_on_submit():
        return _shops_page(shop.status, errors={shop.id: ("approve", form)}, code=422)
    reason = (form.reason.data or "").strip()
    _review(shop, ShopStatus.APPROVED.value, reason)
    if reason:
        message = _l(
            "Toko “%(name)s” disetujui petugas dan kini tampil untuk publik. "
            "Catatan petugas: %(reason)s",
            name=shop.name,
            reason=reason,
        )
    else:
        message = _l(
            "Toko “%(name)s” disetujui petugas dan kini tampil untuk publik.", name=shop.name
        )
    notify_group(shop, message)
    db.session.commit()
    emit("umkm.shop_approved", {"shop_id": shop.id})
    flash(_("Toko “%(name)s” disetujui dan kini tampil untuk publik.", name=shop.name), "success")
    return redirect(safe_next(url_for("umkm.staff_shops", status=before)))


@bp.post("/petugas/toko/<int:shop_id>/tangguhkan")
@permission_required(REVIEW)
def suspend_shop(shop_id: int):
    shop = get_or_404(Shop, shop_id)
    before = shop.status
    if shop.status == ShopStatus.SUSPENDED.value:
        flash(_("Toko “%(name)s” sudah ditangguhkan.", name=shop.name), "info")
        return redirect(safe_next(url_for("umkm.staff_shops", status=before)))
    form = ReasonForm()
    reason = _reason_required(form) if form.validate_on_submit() else None
    if reason is None:
        return _shops_page(shop.status, errors={shop.id: ("suspend", form)}, code=422)
    _review(shop, ShopStatus.SUSPENDED.value, reason)
    notify_group(
        shop,
        _l(
            "Toko “%(name)s” ditangguhkan petugas dan tidak tampil untuk publik. "
            "Alasan: %(reason)s",
            name=shop.name,
            reason=reason,
        ),
    )
    db.session.commit()
    emit("umkm.shop_suspended", {"shop_id": shop.id})
    flash(_("Toko “%(name)s” ditangguhkan.", name=shop.name), "success")
    return redirect(safe_next(url_for("umkm.staff_shops", status=before)))


# -- products ----------------------------------------------------------------------------------


def _product_state(product: Product) -> dict:
    return {
        "staff_hidden": product.staff_hidden_at is not None,
        "reason": product.staff_hidden_reason,
    }


def _flags_context(errors: dict | None = None) -> dict:
    """Products with open flags, newest flag first, with their flags (fixed queries), and
    the products staff hid. `errors` ({product_id: form}) re-renders a refused hide form;
    a product not in either list is shown on its own above them."""
    errors = errors or {}
    open_flags = (
        select(
            ProductFlag.product_id,
            func.count().label("n"),
            func.max(ProductFlag.created_at).label("newest"),
        )
        .where(ProductFlag.resolved_at.is_(None))
        .group_by(ProductFlag.product_id)
        .subquery()
    )
    product_options = (
        selectinload(Product.shop),
        selectinload(Product.photos).selectinload(ProductPhoto.thumb),
    )
    total = db.session.scalar(select(func.count()).select_from(open_flags)) or 0
    rows = db.session.execute(
        select(Product, open_flags.c.n, open_flags.c.newest)
        .join(open_flags, open_flags.c.product_id == Product.id)
        .options(*product_options)
        .order_by(open_flags.c.newest.desc(), Product.id.desc())
        .limit(QUEUE_LIMIT)
    ).all()
    flagged = [row.Product for row in rows]
    newest = {row.Product.id: row.newest for row in rows}
    flags: dict[int, list[ProductFlag]] = {}
    if flagged:
        for flag in db.session.execute(
            select(ProductFlag)
            .where(
                ProductFlag.product_id.in_([p.id for p in flagged]),
                ProductFlag.resolved_at.is_(None),
            )
            .options(selectinload(ProductFlag.user))
            .order_by(ProductFlag.created_at.desc(), ProductFlag.id.desc())
        ).scalars():
            flags.setdefault(flag.product_id, []).append(flag)
    reasons = {
        product_id: {
            key: sum(1 for f in items if f.reason == key)
            for key in FLAG_LABELS
            if any(f.reason == key for f in items)
        }
        for product_id, items in flags.items()
    }
    hidden_total = (
        db.session.scalar(
            select(func.count()).select_from(Product).where(Product.staff_hidden_at.is_not(None))
        )
        or 0
    )
    hidden = list(
        db.session.execute(
            select(Product)
            .where(Product.staff_hidden_at.is_not(None))
            .options(*product_options)
            .order_by(Product.staff_hidden_at.desc(), Product.id.desc())
            .limit(QUEUE_LIMIT)
        ).scalars()
    )
    listed = {p.id for p in flagged} | {p.id for p in hidden}
    loose_ids = [product_id for product_id in errors if product_id not in listed]
    loose = (
        list(
            db.session.execute(
                select(Product).where(Product.id.in_(loose_ids)).options(*product_options)
            ).scalars()
        )
        if loose_ids
        else []
    )
    return {
        "flagged": flagged,
        "flagged_total": total,
        "flags": flags,
        "reasons": reasons,
        "newest": newest,
        "hidden": hidden,
        "hidden_total": hidden_total,
        "loose": loose,
        "errors": errors,
        "limit": QUEUE_LIMIT,
        "flag_labels": FLAG_LABELS,
        "counts": nav_counts(),
        "current": "flags",
        "next_url": url_for("umkm.staff_flags"),
    }


@bp.get("/petugas/tanda")
@permission_required(REVIEW)
def staff_flags():
    return render_template("umkm/staff_flags.html", **_flags_context())


@bp.post("/petugas/produk/<int:product_id>/sembunyikan")
@permission_required(REVIEW)
def staff_hide_product(product_id: int):
    product = get_or_404(Product, product_id)
    if product.staff_hidden_at is not None:
        flash(_("Produk “%(name)s” sudah disembunyikan petugas.", name=product.name), "info")
        return redirect(safe_next(url_for("umkm.staff_flags")))
    form = ReasonForm()
    reason = _reason_required(form) if form.validate_on_submit() else None
    if reason is None:
        context = _flags_context({product.id: form})
        return render_template("umkm/staff_flags.html", **context), 422
    before, now = _product_state(product), utcnow()
    product.staff_hidden_at, product.staff_hidden_reason = now, reason
    resolved = _resolve_flags(product.id, "hidden", now)
    audit(
        "umkm.product_hidden",
        "umkm_product",
        product.id,
        kelurahan=g.kelurahan,
        before=before,
        after={**_product_state(product), "flags_resolved": resolved},
    )
    notify_group(
        product.shop,
        _l(
            "Produk “%(product)s” dari toko “%(shop)s” disembunyikan petugas dan tidak tampil "
            "untuk publik. Alasan: %(reason)s",
            product=product.name,
            shop=product.shop.name,
            reason=reason,
        ),
    )
    db.session.commit()
    emit("umkm.product_hidden", {"product_id": product.id, "by": "staff"})
    flash(_("Produk “%(name)s” disembunyikan dari publik.", name=product.name), "success")
    return redirect(safe_next(url_for("umkm.staff_flags")))


@bp.post("/petugas/produk/<int:product_id>/tampilkan")
@permission_required(REVIEW)
def staff_show_product(product_id: int):
    product = get_or_404(Product, product_id)
    EmptyForm().validate_on_submit() or abort(400)
    if product.staff_hidden_at is None:
        flash(_("Produk “%(name)s” tidak sedang disembunyikan petugas.", name=product.name), "info")
        return redirect(safe_next(url_for("umkm.staff_flags")))
    before = _product_state(product)
    product.staff_hidden_at, product.staff_hidden_reason = None, None
    audit(
        "umkm.product_shown",
        "umkm_product",
        product.id,
        kelurahan=g.kelurahan,
        before=before,
        after=_product_state(product),
    )
    notify_group(
        product.shop,
        _l(
            "Produk “%(product)s” dari toko “%(shop)s” ditampilkan lagi oleh petugas.",
            product=product.name,
            shop=product.shop.name,
        ),
    )
    db.session.commit()
    emit("umkm.product_shown", {"product_id": product.id, "by": "staff"})
    flash(_("Produk “%(name)s” ditampilkan lagi.", name=product.name), "success")
    return redirect(safe_next(url_for("umkm.staff_flags")))


@bp.post("/petugas/produk/<int:product_id>/abaikan-tanda")
@permission_required(REVIEW)
def dismiss_flags(product_id: int):
    product = get_or_404(Product, product_id)
    EmptyForm().validate_on_submit() or abort(400)
    resolved = _resolve_flags(product.id, "dismissed", utcnow())
    if not resolved:
        flash(_("Tidak ada tanda yang perlu ditinjau untuk produk ini."), "info")
        return redirect(safe_next(url_for("umkm.staff_flags")))
    audit(
        "umkm.flags_dismissed",
        "umkm_product",
        product.id,
        kelurahan=g.kelurahan,
        before={"open_flags": resolved},
        after={"open_flags": 0, "resolution": "dismissed"},
    )
    db.session.commit()
    flash(
        _("%(n)s tanda pada produk “%(name)s” diabaikan.", n=resolved, name=product.name),
        "success",
    )
    return redirect(safe_next(url_for("umkm.staff_flags")))
