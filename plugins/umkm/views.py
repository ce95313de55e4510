"""Public pages of the marketplace: the kelurahan catalogue, a product's page (with its
"Pesan via WhatsApp" link), a shop's page, flagging a product, and the city-wide catalogue
at /umkm/. (The shops map layer is served by the core; `toko.geojson` is its old address.)

Every public list reads through `queries.public_products()`, so a product of a pending or
suspended shop, or one hidden by its seller or by staff, shows nowhere public. Each page runs
a fixed number of queries whatever the number of products (eager loads, grouped counts).
"""

from __future__ import annotations

import secrets
from urllib.parse import quote

from flask import abort, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.kit import (
    InvalidPhone,
    _l,
    all_kelurahan,
    count_today,
    db,
    enabled_kelurahan,
    form_status,
    htmx,
    is_counted_request,
    limiter,
    link_args,
    login_required,
    map_layer_response,
    notify_holders,
    once_per_day,
    page_number,
    public_url,
    user_key,
    wa_me_url,
)

from .access import (
    REVIEW,
    SHOP_STATUS_LABELS,
    can_manage,
    can_review,
    product_or_404,
    shop_or_404,
)
from .blueprint import bp, city_bp
from .forms import FLAG_LABELS, STOCK_LABELS, FlagForm
from .models import Product, ProductFlag, ProductPhoto, ShopStatus
from .queries import (
    PER_PAGE,
    VISITOR_DAILY_CAP,
    apply_filters,
    categories,
    count_event,
    public_products,
    read_filters,
    shop_is_public,
)
from .text import price_text

PLUGIN_ID = "umkm"
# A random id in the session says "the same visitor" for counting; nothing else is kept.
VISITOR_KEY = "umkm_visitor"


# -- shared helpers ----------------------------------------------------------------------------


def page_url(page: int) -> str:
    """This page's URL with the same filters, on another page (links work without JS)."""
    # link_args: an unexpected ?endpoint=x collided with url_for's own argument (a 500).
    return url_for(request.endpoint, **{**link_args(page=page), **(request.view_args or {})})


def _static_url(filename: str) -> str:
    """Served from /umkm/static/ so the city catalogue, outside any kelurahan, has them too."""
    return url_for("umkm_city.static", filename=filename)


def _template_context() -> dict:
    return {
        "umkm_static": _static_url,
        "stock_labels": STOCK_LABELS,
        "shop_status_labels": SHOP_STATUS_LABELS,
        "page_url": page_url,
        "can_review": can_review,
    }


bp.context_processor(_template_context)
city_bp.context_processor(_template_context)


def _filters_active(filters: dict) -> bool:
    return any(
        [
            filters["q"],
            filters["category"],
            filters["min"] is not None,
            filters["max"] is not None,
            filters["stock"],
        ]
    )


def _price_errors(filters: dict) -> dict:
    """Filter prices that were typed but could not be read: said next to the field."""
    errors = {}
    for key in ("min", "max"):
        if (request.args.get(key) or "").strip() and filters[key] is None:
            errors[key] = _("Tulis harga sebagai angka rupiah, misalnya 15.000.")
    return errors


# -- the kelurahan catalogue -------------------------------------------------------------------


@bp.get("/")
def catalogue():
    known = categories()
    filters = read_filters(request.args, known)
    query = apply_filters(public_products(), filters)
    pagination = db.paginate(query, page=page_number(), per_page=PER_PAGE, error_out=False)
    context = {
        "pagination": pagination,
        "filters": filters,
        "filters_active": _filters_active(filters),
        "price_errors": _price_errors(filters),
        "categories": known,
        "filter_action": url_for("umkm.catalogue"),
    }
    if htmx:
        return render_template("umkm/_products.html", **context)
    return render_template("umkm/catalogue.html", **context)


# -- a product's page --------------------------------------------------------------------------


def _not_public_reasons(product: Product) -> list[str]:
    """Why a product only its group and staff can reach is not shown to the public."""
    shop = product.shop
    reasons = []
    if shop.status == ShopStatus.PENDING:
        reasons.append(
            _("Toko %(name)s masih menunggu persetujuan petugas kelurahan.", name=shop.name)
        )
    elif shop.status == ShopStatus.SUSPENDED:
        if shop.status_reason:
            reasons.append(
                _(
                    "Toko %(name)s ditangguhkan oleh petugas. Alasan: %(reason)s",
                    name=shop.name,
                    reason=shop.status_reason,
                )
            )
        else:
            reasons.append(_("Toko %(name)s ditangguhkan oleh petugas.", name=shop.name))
    elif shop.is_closed:
        reasons.append(_("Toko %(name)s sedang tutup sementara.", name=shop.name))
    if product.staff_hidden_at is not None:
        if product.staff_hidden_reason:
            reasons.append(
                _(
                    "Produk ini disembunyikan oleh petugas. Alasan: %(reason)s",
                    reason=product.staff_hidden_reason,
                )
            )
        else:
            reasons.append(_("Produk ini disembunyikan oleh petugas."))
    if product.hidden_at is not None:
        reasons.append(_("Produk ini disembunyikan oleh penjual."))
    return reasons


def order_message(product: Product, product_url: str) -> str:
    """The WhatsApp message to the seller. Always Indonesian: the seller reads it, whatever
    language the buyer browses in."""
    return (
        f"Halo {product.shop.name}, saya ingin memesan {product.name} "
        f"({price_text(product)} per {product.unit}) yang saya lihat di Kelurahan Pintar: "
        f"{product_url}"
    )


# -- counting views and clicks -----------------------------------------------------------------
# A product's view and WhatsApp-click figures must mean people: each counts once per
# visitor, product and day (WIB), at most VISITOR_DAILY_CAP products a day per visitor, and
# never for declared bots, prefetches or a request that brought no cookie (a visitor is
# the signed-in account, else the random id their session carried in). The dedupe keys live
# in the app cache, so every worker (and host, with Redis) agrees.


@bp.before_request
def _remember_visitor():
    """Give a visitor who is not signed in a random id on a page view; it counts from
    their next request on (a client that keeps no cookie never counts)."""
    if request.method != "GET" or current_user.is_authenticated or session.get(VISITOR_KEY):
        return
    session[VISITOR_KEY] = secrets.token_urlsafe(12)
    g.umkm_new_visitor = True


def _visitor() -> str | None:
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    visitor = session.get(VISITOR_KEY)
    if not visitor or g.get("umkm_new_visitor"):
        return None  # came without a cookie: no one to count as
    return f"visitor:{visitor}"


def counts_for(product: Product, field: str) -> bool:
    """Whether this request adds one to the product's `field` ("views" or "wa_clicks")."""
    if not is_counted_request(request):
        return False
    visitor = _visitor()
    if visitor is None or not once_per_day(f"umkm:{field}:{visitor}:{product.id}"):
        return False
    return count_today(f"umkm:{field}-cap:{visitor}") <= VISITOR_DAILY_CAP


def _count_view_once(product: Product) -> None:
    if counts_for(product, "views"):
        count_event(product, "views")
        db.session.commit()


@bp.get("/produk/<int:product_id>")
def product(product_id: int):
    product = product_or_404(product_id)
    shop = product.shop
    manager = can_manage(shop)
    public = product.is_public
    product_url = public_url("umkm.product", product_id=product.id)
    order_url = None
    if public:
        try:
            order_url = wa_me_url(shop.whatsapp, order_message(product, product_url))
        except InvalidPhone:  # a number saved before validation: no link rather than a 500
            order_url = None
    page = render_template(
        "umkm/product.html",
        product=product,
        shop=shop,
        manager=manager,
        public=public,
        not_public_reasons=[] if public else _not_public_reasons(product),
        product_url=product_url,
        order_url=order_url,
        share_url="https://wa.me/?text=" + quote(product_url, safe=""),
    )
    # Counted after rendering: the commit expires what the page reads from the session.
    if public and not manager and request.method == "GET" and not htmx:
        _count_view_once(product)
    return page


@bp.post("/produk/<int:product_id>/klik-wa")
@limiter.limit("30 per minute")
def count_whatsapp(product_id: int):
    """A click on "Pesan via WhatsApp", sent by umkm.js as a beacon. Only the number is kept."""
    product = product_or_404(product_id)
    if not product.is_public:
        abort(404)
    if counts_for(product, "wa_clicks"):
        count_event(product, "wa_clicks")
        db.session.commit()
    # No event: a click changes nothing its visitor sees, and renewing every cached answer
    # on each click would undo the cache. The dashboard's click figure catches up with the
    # plugin's next event, or within KP_CACHE_SECONDS.
    return "", 204


# -- a shop's page and the shops map layer -----------------------------------------------------


@bp.get("/toko/<int:shop_id>")
def shop(shop_id: int):
    shop = shop_or_404(shop_id)
    if shop.is_public or not (can_manage(shop) or can_review()):
        # The public sees public products only: none while the group has the shop closed.
        query = public_products().where(Product.shop_id == shop.id)
    else:
        # Its group and staff see what will show once the shop is approved or open again.
        query = (
            select(Product)
            .where(
                Product.shop_id == shop.id,
                Product.hidden_at.is_(None),
                Product.staff_hidden_at.is_(None),
            )
            .options(selectinload(Product.photos).selectinload(ProductPhoto.thumb))
        )
    query = query.order_by(Product.created_at.desc(), Product.id.desc())
    pagination = db.paginate(query, page=page_number(), per_page=PER_PAGE, error_out=False)
    context = {"pagination": pagination, "shop": shop}
    if htmx:
        return render_template("umkm/_products.html", **context)
    chat_url = None
    if shop.is_public:
        try:
            chat_url = wa_me_url(
                shop.whatsapp,
                f"Halo {shop.name}, saya melihat toko Anda di Kelurahan Pintar dan ingin bertanya.",
            )
        except InvalidPhone:
            chat_url = None
    return render_template("umkm/shop.html", manager=can_manage(shop), chat_url=chat_url, **context)


@bp.get("/toko.geojson")
def shops_geojson():
    """The shops map layer at its former address (the shop page's small map uses it too)."""
    return map_layer_response("umkm-shops")


# -- flagging a product ------------------------------------------------------------------------


@bp.route("/produk/<int:product_id>/laporkan", methods=["GET", "POST"])
@login_required
@limiter.limit("10 per hour", key_func=lambda: user_key("umkm-flag"), methods=["POST"])
def flag(product_id: int):
    product = product_or_404(product_id)
    if not product.is_public:
        abort(404)  # staff already see it; a hidden product needs no flag
    back = url_for("umkm.product", product_id=product.id)
    already = db.session.scalar(
        select(func.count())
        .select_from(ProductFlag)
        .where(ProductFlag.product_id == product.id, ProductFlag.user_id == current_user.id)
    )
    if already:
        flash(_("Anda sudah melaporkan produk ini."), "info")
        return redirect(back)
    form = FlagForm()
    if form.validate_on_submit():
        waiting = db.session.scalar(
            select(func.count())
            .select_from(ProductFlag)
            .where(ProductFlag.product_id == product.id, ProductFlag.resolved_at.is_(None))
        )
        db.session.add(
            ProductFlag(
                product_id=product.id,
                user_id=current_user.id,
                reason=form.reason.data,
                note=form.note.data or "",
            )
        )
        if not waiting:  # staff hear of a product once, not of every further flag
            notify_holders(
                REVIEW,
                _l(
                    "Produk “%(name)s” ditandai warga (%(reason)s). Periksa antrean tanda.",
                    name=product.name,
                    reason=FLAG_LABELS[form.reason.data],
                ),
                url=url_for("umkm.staff_flags"),
            )
        try:
            db.session.commit()
        except IntegrityError:  # a double click: the first one counted
            db.session.rollback()
            flash(_("Anda sudah melaporkan produk ini."), "info")
            return redirect(back)
        flash(
            _("Terima kasih. Petugas kelurahan akan memeriksa produk ini."),
            "success",
        )
        return redirect(back)
    return render_template(
        "umkm/flag.html", form=form, product=product, flag_labels=FLAG_LABELS
    ), form_status()


# -- the city-wide catalogue -------------------------------------------------------------------


@city_bp.get("/", endpoint="catalogue")
def city_catalogue():
    places = enabled_kelurahan(PLUGIN_ID)
    slugs = {place.id: place.slug for place in places}
    names = {place.id: place.name for place in places}
    filters = read_filters(request.args, None)
    chosen = (request.args.get("kelurahan") or "").strip()
    ids = [place.id for place in places if not chosen or place.slug == chosen] or list(slugs)
    if chosen not in set(slugs.values()):
        chosen = ""
    # The one page that reads every kelurahan's products, of the kelurahan where it is on.
    with all_kelurahan():
        base = public_products().where(Product.kelurahan_id.in_(ids))
        known = list(
            db.session.execute(
                select(Product.category)
                .distinct()
                .join(Product.shop)
                .where(
                    Product.kelurahan_id.in_(list(slugs)),
                    shop_is_public(),
                    Product.hidden_at.is_(None),
                    Product.staff_hidden_at.is_(None),
                )
                .order_by(Product.category)
            ).scalars()
        )
        pagination = db.paginate(
            apply_filters(base, filters), page=page_number(), per_page=PER_PAGE, error_out=False
        )
        context = {
            "pagination": pagination,
            "filters": filters,
            "filters_active": _filters_active(filters) or bool(chosen),
            "price_errors": _price_errors(filters),
            "categories": known,
            "places": places,
            "chosen_kelurahan": chosen,
            "kelurahan_slugs": slugs,
            "kelurahan_names": names,
            "filter_action": url_for("umkm_city.catalogue"),
        }
        if htmx:
            return render_template("umkm/_products.html", **context)
        return render_template("umkm/city_catalogue.html", **context)
