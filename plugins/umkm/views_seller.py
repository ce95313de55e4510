"""Seller pages: my shops, opening and editing a shop, the dashboard with monthly counts,
and adding, editing, hiding and showing products with their photos.

Only active members of the shop's group reach these pages; anyone else (staff included)
gets a 404, so a refusal never tells whether the shop exists. Every form saves all or
nothing: an upload refused halfway rolls back the rows and removes the files stored so far.
"""

from __future__ import annotations

from datetime import date

from babel.dates import format_date
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from wtforms import SelectField
from wtforms.validators import ValidationError

from app.kit import (
    REQUIRED,
    EmptyForm,
    Group,
    IdempotentForm,
    InvalidPhone,
    Media,
    PhotoUploads,
    _l,
    already_done,
    db,
    emit,
    form_status,
    format_phone,
    limiter,
    login_required,
    notify_holders,
    remember_result,
    remove_media_files,
    saved_response,
    select_choices,
    user_key,
    utcnow,
)

from . import queries
from .access import (
    REVIEW,
    SHOP_STATUS_LABELS,
    groups_that_may_open_shop,
    my_shops,
    product_or_404,
)
from .access import shop_or_404 as _shop_or_404
from .blueprint import bp
from .forms import MAX_PHOTOS, STOCK_LABELS, CloseShopForm, ProductForm, ShopForm
from .models import Product, ProductMonthlyStat, ProductPhoto, Shop, ShopStatus

LOGO_SIDE = 512
THUMB_SIDE = 480
CHART_MONTHS = 12
CHART_COLOURS = {"views": "#2f5f8f", "wa_clicks": "#0b6e4f"}


# -- small helpers -----------------------------------------------------------------------------


def _manage_shop(shop_id: int) -> Shop:
    return _shop_or_404(shop_id, manage=True)


def _discard(media_rows: list[Media]) -> None:
    """Delete images nobody will show again (a replaced logo, a deleted photo). Their files
    go with remove_media_files() after the commit, so a failed save loses nothing."""
    for media in media_rows:
        db.session.delete(media)


def _commit_or_clean(stored: list[Media], form=None, result_url: str = "") -> None:
    """Commit, or roll back and delete the files just stored. A create form's token is
    recorded with what it created, in the same transaction."""
    try:
        if form is not None:
            remember_result(form, result_url)
        db.session.commit()
    except Exception:
        db.session.rollback()
        remove_media_files(stored)
        raise


def _changed(what: str, **payload) -> None:
    """After a commit: the widget, the map layer and the figures show it at once."""
    emit(f"umkm.{what}", payload)


def _notify_reviewers_of(shop: Shop) -> None:
    """A shop waits for review: tell whoever holds umkm.review in the kelurahan."""
    notify_holders(
        REVIEW,
        _l("Toko %(name)s menunggu persetujuan.", name=shop.name),
        url=url_for("umkm.staff_shops", status=ShopStatus.PENDING.value),
    )


def _national(e164: str | None) -> str:
    if not e164:
        return ""
    try:
        return format_phone(e164)
    except InvalidPhone:
        return e164


def _digits(amount: int | None) -> str:
    return "" if amount is None else str(amount)


# -- my shops ----------------------------------------------------------------------------------


@bp.get("/toko-saya")
@login_required
def mine():
    shops = my_shops(current_user)
    if shops:  # groups and logos in one query each; shop.group/.logo then need none
        db.session.execute(select(Group).where(Group.id.in_({s.group_id for s in shops}))).all()
        logos = {s.logo_id for s in shops if s.logo_id}
        if logos:
            db.session.execute(select(Media).where(Media.id.in_(logos))).all()
    return render_template(
        "umkm/mine.html",
        shops=shops,
        groups=groups_that_may_open_shop(current_user),
        status_labels=SHOP_STATUS_LABELS,
    )


# -- opening and editing a shop ----------------------------------------------------------------


class OpenShopForm(IdempotentForm, ShopForm):
    group = SelectField(_l("Kelompok UMKM"), validate_choice=False)

    def __init__(self, *args, groups=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.allowed_groups = {str(group.id): group for group in groups}
        self.group.choices = select_choices((group.id, group.name) for group in groups)

    def validate_group(self, field):
        if not field.data:
            raise ValidationError(REQUIRED)
        if field.data not in self.allowed_groups:
            raise ValidationError(
                _l(
                    "Pilih kelompok UMKM Anda yang sudah diverifikasi kelurahan dan "
                    "belum punya toko."
                )
            )

    @property
    def chosen_group(self) -> Group | None:
        return self.allowed_groups.get(self.group.data or "")


def _logo_uploads(form: ShopForm, form_key: str) -> PhotoUploads:
    """The shop's logo, kept across a refused POST (pending) until the shop is saved."""
    return PhotoUploads(form.logo, form_key, max_count=1, subdir="umkm", max_side=LOGO_SIDE)


def _save_logo(shop: Shop, logo: PhotoUploads, replaced: list[Media] | None = None) -> None:
    """Put a newly chosen logo (stored already) on the shop. The logo it replaces goes
    into `replaced`, for _discard() once the change is saved."""
    if not logo.media:
        return
    if shop.logo is not None and replaced is not None:
        replaced.append(shop.logo)
    shop.logo = logo.media[0]
    logo.used()


def _fill_shop(shop: Shop, form: ShopForm) -> None:
    shop.name = form.name.data
    shop.description = form.description.data or ""
    shop.whatsapp = form.whatsapp_e164
    shop.address = form.address.data
    shop.lat, shop.lng = form.location
    shop.opening_hours = form.opening_hours.data or ""
    shop.nib = form.nib.data or None
    shop.halal_number = form.halal_number.data or None


def _added(shop: Shop, form: OpenShopForm) -> bool:
    """Insert the new shop; False when another member opened the group's shop meanwhile."""
    try:
        with db.session.begin_nested():
            db.session.add(shop)
    except IntegrityError:  # umkm_shop.group_id is unique
        form.group.errors = [*form.group.errors, _("Kelompok ini sudah punya toko.")]
        return False
    return True


@bp.route("/toko/buka", methods=["GET", "POST"])
@login_required
@limiter.limit("10 per hour", key_func=user_key, methods=["POST"], deduct_when=saved_response)
def open_shop():
    groups = groups_that_may_open_shop(current_user)
    form = OpenShopForm(groups=groups)
    logo = _logo_uploads(form, "umkm.shop.new")
    if (done := already_done(form)) is not None:
        return done  # the same form sent again: the shop is open already
    valid = request.method == "POST" and form.validate_on_submit()
    if request.method == "GET":
        wanted = request.args.get("group")
        if wanted is not None:
            if wanted not in form.allowed_groups:
                abort(404)  # not theirs, not verified UMKM, or it has a shop already
            form.group.data = wanted
        elif len(groups) == 1:
            form.group.data = str(groups[0].id)
        elif not groups:
            flash(
                _("Belum ada kelompok UMKM terverifikasi yang dapat membuka toko."),
                "info",
            )
            return redirect(url_for("umkm.mine"))
        chosen = form.chosen_group
        if chosen is not None:
            form.name.data = chosen.name
            form.whatsapp.data = _national(chosen.contact_whatsapp)
    elif logo.receive(form) and valid:
        group = form.chosen_group
        shop = Shop(group_id=group.id, status=ShopStatus.PENDING.value)
        _fill_shop(shop, form)
        _save_logo(shop, logo)  # a pending upload: a failure below keeps it for the form
        if _added(shop, form):
            _notify_reviewers_of(shop)
            _commit_or_clean([], form, url_for("umkm.dashboard", shop_id=shop.id))
            _changed("shop_opened", shop_id=shop.id)
            flash(
                _(
                    "Toko dibuka dan menunggu persetujuan petugas kelurahan. Anda sudah bisa "
                    "menambah produk; produk tampil untuk umum setelah toko disetujui."
                ),
                "success",
            )
            return redirect(url_for("umkm.dashboard", shop_id=shop.id))
        db.session.rollback()
    return render_template(
        "umkm/shop_form.html", form=form, shop=None, groups=groups
    ), form_status()


@bp.route("/toko/<int:shop_id>/ubah", methods=["GET", "POST"])
@login_required
@limiter.limit("30 per hour", key_func=user_key, methods=["POST"], deduct_when=saved_response)
def edit_shop(shop_id: int):
    shop = _manage_shop(shop_id)
    if request.method == "GET":
        form = ShopForm(
            data={
                "name": shop.name,
                "description": shop.description,
                "whatsapp": _national(shop.whatsapp),
                "address": shop.address,
                "lat": str(shop.lat),
                "lng": str(shop.lng),
                "opening_hours": shop.opening_hours,
                "nib": shop.nib or "",
                "halal_number": shop.halal_number or "",
            }
        )
    else:
        form = ShopForm()
    logo = _logo_uploads(form, f"umkm.shop.{shop.id}")
    valid = form.validate_on_submit()
    if logo.receive(form) and valid:  # before the shop changes: it commits
        _fill_shop(shop, form)
        replaced: list[Media] = []
        _save_logo(shop, logo, replaced)
        resubmitted = shop.status == ShopStatus.SUSPENDED.value
        if resubmitted:
            # A suspended shop asks for review again; the old reason no longer applies.
            shop.status, shop.status_reason = ShopStatus.PENDING.value, None
            _notify_reviewers_of(shop)
        _discard(replaced)
        _commit_or_clean([])  # the new logo is a pending upload: a failure keeps it
        remove_media_files(replaced)
        _changed("shop_edited", shop_id=shop.id, resubmitted=resubmitted)
        flash(
            _("Profil toko disimpan dan diajukan ulang ke petugas kelurahan.")
            if resubmitted
            else _("Profil toko disimpan."),
            "success",
        )
        return redirect(url_for("umkm.dashboard", shop_id=shop.id))
    return render_template("umkm/shop_form.html", form=form, shop=shop, groups=[]), form_status()


# -- the dashboard -----------------------------------------------------------------------------


def chart_months(count: int = CHART_MONTHS) -> list[date]:
    """The first days of the last `count` WIB months, oldest first."""
    current = queries.month_start()
    index = current.year * 12 + current.month - 1
    months = []
    for back in range(count - 1, -1, -1):
        year, month0 = divmod(index - back, 12)
        months.append(date(year, month0 + 1, 1))
    return months


def _month_label(month: date) -> str:
    try:
        locale = str(get_locale() or "id")
    except (KeyError, RuntimeError):
        locale = "id"
    return format_date(month, "MMM yyyy", locale=locale)


def monthly_counts(shop: Shop, months: list[date], product_id: int | None) -> list[dict]:
    """Views and WhatsApp clicks per month of one product or all the shop's products (one
    query); months without a row count 0."""
    query = (
        select(
            ProductMonthlyStat.month,
            func.sum(ProductMonthlyStat.views),
            func.sum(ProductMonthlyStat.wa_clicks),
        )
        .join(Product, Product.id == ProductMonthlyStat.product_id)
        .where(Product.shop_id == shop.id, ProductMonthlyStat.month >= months[0])
        .group_by(ProductMonthlyStat.month)
    )
    if product_id is not None:
        query = query.where(ProductMonthlyStat.product_id == product_id)
    found = {
        (month if isinstance(month, date) else date.fromisoformat(str(month))): (
            int(views or 0),
            int(clicks or 0),
        )
        for month, views, clicks in db.session.execute(query)
    }
    rows = [
        {
            "month": month,
            "label": _month_label(month),
            "views": found.get(month, (0, 0))[0],
            "wa_clicks": found.get(month, (0, 0))[1],
        }
        for month in months
    ]
    return rows


def product_totals(shop: Shop, since: date) -> dict[int, tuple[int, int]]:
    """{product id: (views, WhatsApp clicks)} since `since`, in one query."""
    rows = db.session.execute(
        select(
            ProductMonthlyStat.product_id,
            func.sum(ProductMonthlyStat.views),
            func.sum(ProductMonthlyStat.wa_clicks),
        )
        .join(Product, Product.id == ProductMonthlyStat.product_id)
        .where(Product.shop_id == shop.id, ProductMonthlyStat.month >= since)
        .group_by(ProductMonthlyStat.product_id)
    )
    return {pid: (int(v or 0), int(c or 0)) for pid, v, c in rows}


@bp.get("/toko/<int:shop_id>/kelola")
@login_required
def dashboard(shop_id: int, close_form: CloseShopForm | None = None):
    shop = _manage_shop(shop_id)
    products = list(
        db.session.execute(
            select(Product)
            .where(Product.shop_id == shop.id)
            .options(selectinload(Product.photos).selectinload(ProductPhoto.thumb))
            .order_by(Product.created_at.desc(), Product.id.desc())
        ).scalars()
    )
    selected = None
    wanted = request.args.get("product", type=int)
    if wanted is not None:
        selected = next((p for p in products if p.id == wanted), None)
    months = chart_months()
    chart = monthly_counts(shop, months, selected.id if selected else None)
    return render_template(
        "umkm/dashboard.html",
        shop=shop,
        products=products,
        selected=selected,
        chart=chart,
        chart_total={
            "views": sum(r["views"] for r in chart),
            "wa_clicks": sum(r["wa_clicks"] for r in chart),
        },
        totals=product_totals(shop, months[0]),
        colours=CHART_COLOURS,
        status_labels=SHOP_STATUS_LABELS,
        stock_labels=STOCK_LABELS,
        form=EmptyForm(),
        close_form=close_form or CloseShopForm(formdata=None),
    ), (422 if close_form is not None else 200)


@bp.post("/toko/<int:shop_id>/tutup")
@login_required
def close_shop(shop_id: int):
    """The group closes its approved shop for a while: its products leave the catalogue."""
    shop = _manage_shop(shop_id)
    form = CloseShopForm()
    if not form.validate_on_submit():
        return dashboard(shop_id, close_form=form)
    if not shop.is_approved or shop.is_closed:
        flash(_("Hanya toko yang disetujui dan sedang buka yang dapat ditutup."), "info")
        return redirect(url_for("umkm.dashboard", shop_id=shop.id))
    shop.closed_at, shop.closed_note = utcnow(), form.note.data or None
    db.session.commit()
    _changed("shop_closed", shop_id=shop.id)
    flash(_("Toko ditutup sementara. Produknya tidak tampil sampai toko dibuka lagi."), "success")
    return redirect(url_for("umkm.dashboard", shop_id=shop.id))


@bp.post("/toko/<int:shop_id>/buka-lagi")
@login_required
def reopen_shop(shop_id: int):
    shop = _manage_shop(shop_id)
    _check_post()
    if shop.is_closed:
        shop.closed_at, shop.closed_note = None, None
        db.session.commit()
        _changed("shop_reopened", shop_id=shop.id)
        flash(_("Toko buka lagi. Produknya tampil kembali di katalog."), "success")
    return redirect(url_for("umkm.dashboard", shop_id=shop.id))


# -- products ----------------------------------------------------------------------------------


def _product_form(product: Product | None = None) -> ProductForm:
    categories, units = queries.categories(), queries.units()
    if product is not None:
        # A value saved before the kelurahan edited its lists stays valid for this product.
        if product.category not in categories:
            categories.append(product.category)
        if product.unit not in units:
            units.append(product.unit)
    options = {
        "categories": categories,
        "units": units,
        "existing_photos": len(product.photos) if product else 0,
    }
    if request.method == "GET" and product is not None:
        options["data"] = {
            "name": product.name,
            "category": product.category,
            "price": _digits(product.price),
            "price_max": _digits(product.price_max),
            "discount_price": _digits(product.discount_price),
            "unit": product.unit,
            "stock": product.stock,
            "description": product.description,
        }
    return (ProductForm if product else NewProductForm)(**options)


class NewProductForm(IdempotentForm, ProductForm):
    """Adding a product: the same form sent twice adds it once."""


def _fill_product(product: Product, form: ProductForm) -> None:
    product.name = form.name.data
    product.category = form.category.data
    product.price = form.price.amount
    product.price_max = form.price_max.amount
    product.discount_price = form.discount_price.amount
    product.unit = form.unit.data
    product.stock = form.stock.data
    product.description = form.description.data or ""


def _photo_uploads(form: ProductForm, form_key: str) -> PhotoUploads:
    """The form's photos, kept across a refused POST (pending) until the product is saved."""
    return PhotoUploads(
        form.photos,
        form_key,
        max_count=MAX_PHOTOS - form.existing_photos,
        subdir="umkm",
        too_many=form.too_many_photos,
    )


def _add_photos(product: Product, photos: PhotoUploads, stored: list[Media]) -> bool:
    """Attach the chosen photos after the existing ones, each with a thumbnail; False (with
    the field error) when one is refused."""

    def add(full: Media, thumb: Media, position: int) -> None:
        product.photos.append(ProductPhoto(media=full, thumb=thumb, position=position))

    return photos.attach(add, start=len(product.photos), thumb_side=THUMB_SIDE, stored=stored)


@bp.route("/toko/<int:shop_id>/produk/baru", methods=["GET", "POST"])
@login_required
@limiter.limit("30 per hour", key_func=user_key, methods=["POST"], deduct_when=saved_response)
def new_product(shop_id: int):
    shop = _manage_shop(shop_id)
    form = _product_form()
    photos = _photo_uploads(form, f"umkm.product.new.{shop.id}")
    if (done := already_done(form)) is not None:
        return done  # the same product sent again: it is on the dashboard already
    valid = form.validate_on_submit()
    if photos.receive(form) and valid:
        product = Product(shop_id=shop.id)
        _fill_product(product, form)
        stored: list[Media] = []
        if _add_photos(product, photos, stored):
            db.session.add(product)
            _commit_or_clean(stored, form, url_for("umkm.dashboard", shop_id=shop.id))
            _changed("product_added", product_id=product.id)
            if shop.is_approved:
                message = _("Produk %(name)s ditambahkan.", name=product.name)
            else:
                message = _(
                    "Produk %(name)s ditambahkan. Produk tampil untuk umum setelah toko "
                    "disetujui petugas kelurahan.",
                    name=product.name,
                )
            flash(message, "success")
            return redirect(url_for("umkm.dashboard", shop_id=shop.id))
        db.session.rollback()
        remove_media_files(stored)
    return render_template(
        "umkm/product_form.html",
        form=form,
        shop=shop,
        product=None,
        max_photos=MAX_PHOTOS,
    ), form_status()


@bp.route("/produk/<int:product_id>/ubah", methods=["GET", "POST"])
@login_required
@limiter.limit("60 per hour", key_func=user_key, methods=["POST"], deduct_when=saved_response)
def edit_product(product_id: int):
    product = product_or_404(product_id, manage=True)
    form = _product_form(product)
    photos = _photo_uploads(form, f"umkm.product.{product.id}")
    valid = form.validate_on_submit()
    if photos.receive(form) and valid:  # before the product changes: it commits
        _fill_product(product, form)
        stored: list[Media] = []
        if _add_photos(product, photos, stored):
            _commit_or_clean(stored)
            _changed("product_edited", product_id=product.id)
            flash(_("Produk %(name)s disimpan.", name=product.name), "success")
            return redirect(url_for("umkm.dashboard", shop_id=product.shop_id))
        db.session.rollback()
        remove_media_files(stored)
        product = product_or_404(product_id, manage=True)
    return render_template(
        "umkm/product_form.html",
        form=form,
        shop=product.shop,
        product=product,
        max_photos=MAX_PHOTOS,
        action_form=EmptyForm(),
    ), form_status()


def _check_post() -> None:
    EmptyForm().validate_on_submit() or abort(400)


@bp.post("/produk/<int:product_id>/sembunyikan")
@login_required
def hide_product(product_id: int):
    product = product_or_404(product_id, manage=True)
    _check_post()
    if product.hidden_at is None:
        product.hidden_at = utcnow()
        db.session.commit()
        _changed("product_hidden", product_id=product.id, by="seller")
    flash(_("Produk %(name)s disembunyikan dari pembeli.", name=product.name), "success")
    return redirect(url_for("umkm.dashboard", shop_id=product.shop_id))


@bp.post("/produk/<int:product_id>/tampilkan")
@login_required
def show_product(product_id: int):
    product = product_or_404(product_id, manage=True)
    _check_post()
    if product.staff_hidden_at is not None:
        flash(
            _(
                "Produk %(name)s disembunyikan oleh petugas kelurahan dengan alasan: %(reason)s. "
                "Hanya petugas yang dapat menampilkannya lagi; hubungi kantor kelurahan.",
                name=product.name,
                reason=product.staff_hidden_reason or _("tidak disebutkan"),
            ),
            "error",
        )
    else:
        if product.hidden_at is not None:
            product.hidden_at = None
            db.session.commit()
            _changed("product_shown", product_id=product.id, by="seller")
        flash(_("Produk %(name)s ditampilkan lagi.", name=product.name), "success")
    return redirect(url_for("umkm.dashboard", shop_id=product.shop_id))


def _photo_of(product: Product, photo_id: int) -> ProductPhoto:
    photo = next((p for p in product.photos if p.id == photo_id), None)
    if photo is None:
        abort(404)
    return photo


def _renumber(photos: list[ProductPhoto]) -> None:
    for position, photo in enumerate(photos):
        photo.position = position


@bp.post("/produk/<int:product_id>/foto/<int:photo_id>/hapus")
@login_required
def delete_photo(product_id: int, photo_id: int):
    product = product_or_404(product_id, manage=True)
    photo = _photo_of(product, photo_id)
    _check_post()
    # The seller wants the picture gone, not only unlinked: its rows and both files go too.
    images = [photo.media, photo.thumb]
    product.photos.remove(photo)
    _renumber(product.photos)
    db.session.flush()  # the photo row first: it references both images
    _discard(images)
    db.session.commit()
    remove_media_files(images)
    _changed("photo_deleted", product_id=product.id)
    flash(_("Foto dihapus."), "success")
    return redirect(url_for("umkm.edit_product", product_id=product.id))


@bp.post("/produk/<int:product_id>/foto/<int:photo_id>/sampul")
@login_required
def cover_photo(product_id: int, photo_id: int):
    product = product_or_404(product_id, manage=True)
    photo = _photo_of(product, photo_id)
    _check_post()
    _renumber([photo, *(p for p in product.photos if p is not photo)])
    db.session.commit()
    _changed("photo_cover_changed", product_id=product.id)
    flash(_("Sampul produk diganti."), "success")
    return redirect(url_for("umkm.edit_product", product_id=product.id))
