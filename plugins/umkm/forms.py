"""Forms of the marketplace. Every message is Indonesian (translated through the catalog),
and a form that fails keeps what the seller typed."""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, MultipleFileField
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.kit import (
    INVALID_CHOICE,
    REQUIRED,
    InvalidPhone,
    MissingLocation,
    RupiahField,
    _l,
    normalize_phone,
    read_location,
    select_choices,
    strip,
)

from .models import FlagReason, Stock

MAX_PHOTOS = 5
MAX_PRICE = 1_000_000_000  # Rp 1 milyar: beyond any product here, and safe for INTEGER

STOCK_LABELS = {
    Stock.AVAILABLE.value: _l("Tersedia"),
    Stock.PREORDER.value: _l("Pre-order"),
    Stock.SOLD_OUT.value: _l("Habis"),
}

FLAG_LABELS = {
    FlagReason.FRAUD.value: _l("Penipuan"),
    FlagReason.WRONG_CATEGORY.value: _l("Kategori salah"),
    FlagReason.PROHIBITED.value: _l("Barang terlarang"),
}

_NIB = re.compile(r"^\d{13}$")


def price_field(label, validators=None, **kwargs) -> RupiahField:
    """A price in whole rupiah, with messages that say "harga"."""
    return RupiahField(
        label,
        validators,
        maximum=MAX_PRICE,
        negative_message=_l("Harga tidak boleh negatif."),
        format_message=_l(
            "Tulis harga sebagai angka rupiah tanpa desimal, misalnya 15000 atau 15.000."
        ),
        too_large_message=_l("Harga terlalu besar."),
        **kwargs,
    )


class ShopForm(FlaskForm):
    name = StringField(
        _l("Nama toko"),
        filters=[strip],
        validators=[DataRequired(REQUIRED), Length(3, 120, _l("Nama toko harus 3–120 karakter."))],
    )
    description = TextAreaField(
        _l("Cerita dan keterangan usaha"),
        filters=[strip],
        validators=[Length(max=4000, message=_l("Paling banyak 4000 karakter."))],
        description=_l("Siapa pembuatnya, sejak kapan, apa yang istimewa."),
    )
    logo = FileField(_l("Logo"), description=_l("JPG, PNG atau WebP."))
    whatsapp = StringField(
        _l("Nomor WhatsApp"),
        filters=[strip],
        validators=[DataRequired(REQUIRED)],
        description=_l("Pembeli memesan ke nomor ini. Contoh: 0812-3456-7890."),
        render_kw={"inputmode": "tel", "autocomplete": "tel"},
    )
    address = StringField(
        _l("Alamat"),
        filters=[strip],
        validators=[
            DataRequired(REQUIRED),
            Length(max=300, message=_l("Paling banyak 300 karakter.")),
        ],
    )
    lat = StringField(_l("Lintang (lat)"))
    lng = StringField(_l("Bujur (lng)"))
    opening_hours = StringField(
        _l("Jam buka"),
        filters=[strip],
        validators=[Length(max=300, message=_l("Paling banyak 300 karakter."))],
        description=_l("Contoh: Senin–Sabtu 08.00–16.00"),
    )
    nib = StringField(
        _l("NIB (opsional)"),
        filters=[strip],
        validators=[Optional()],
        description=_l("Nomor Induk Berusaha dari OSS, 13 angka."),
        render_kw={"inputmode": "numeric"},
    )
    halal_number = StringField(
        _l("Nomor sertifikat halal (opsional)"),
        filters=[strip],
        validators=[Optional(), Length(max=40, message=_l("Paling banyak 40 karakter."))],
    )

    def validate_whatsapp(self, field):
        try:
            self.whatsapp_e164 = normalize_phone(field.data)
        except InvalidPhone:
            raise ValidationError(
                _l("Nomor WhatsApp tidak valid. Tulis nomor HP Indonesia, misalnya 0812-3456-7890.")
            ) from None

    def validate_nib(self, field):
        if field.data and not _NIB.match(field.data):
            raise ValidationError(_l("NIB terdiri dari 13 angka."))

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        self.location = None
        try:
            self.location = read_location(self.lat, self.lng)
        except MissingLocation:
            self.lat.errors = [*self.lat.errors, _l("Tandai lokasi toko di peta.")]
            return False
        except ValueError:
            return False
        return ok


class ProductForm(FlaskForm):
    name = StringField(
        _l("Nama produk"),
        filters=[strip],
        validators=[
            DataRequired(REQUIRED),
            Length(3, 120, _l("Nama produk harus 3–120 karakter.")),
        ],
    )
    category = SelectField(
        _l("Kategori"), validators=[DataRequired(REQUIRED)], invalid_choice_message=INVALID_CHOICE
    )
    price = price_field(
        _l("Harga (Rp)"),
        validators=[DataRequired(REQUIRED)],
        description=_l("Dalam rupiah tanpa desimal, misalnya 150000."),
    )
    price_max = price_field(
        _l("Harga tertinggi (Rp, opsional)"),
        description=_l("Isi bila harganya berkisar, misalnya ukuran atau motif berbeda."),
    )
    discount_price = price_field(
        _l("Harga diskon (Rp, opsional)"),
        description=_l("Harus lebih rendah dari harga."),
    )
    unit = SelectField(
        _l("Satuan"), validators=[DataRequired(REQUIRED)], invalid_choice_message=INVALID_CHOICE
    )
    stock = SelectField(
        _l("Ketersediaan"),
        choices=select_choices(STOCK_LABELS.items()),
        validators=[DataRequired(REQUIRED)],
        invalid_choice_message=INVALID_CHOICE,
    )
    description = TextAreaField(
        _l("Keterangan"),
        filters=[strip],
        validators=[Length(max=4000, message=_l("Paling banyak 4000 karakter."))],
        description=_l("Bahan, ukuran, motif, cara pesan, lama pre-order."),
    )
    photos = MultipleFileField(
        _l("Foto (maksimal 5, foto pertama jadi sampul)"), description=_l("JPG, PNG atau WebP.")
    )

    def __init__(self, *args, categories=(), units=(), existing_photos: int = 0, **kwargs):
        """`categories`/`units`: the kelurahan's lists, plus (when editing) the product's own
        value if the kelurahan removed it since; anything else posted is refused."""
        super().__init__(*args, **kwargs)
        self.category.choices = select_choices(
            [("", _l("— pilih kategori —"))] + [(c, c) for c in categories]
        )
        self.unit.choices = select_choices((u, u) for u in units)
        self.existing_photos = existing_photos

    def too_many_photos(self, room: int):
        """The error when more photos were chosen than the product has room for (the
        view's kit.PhotoUploads checks the count, kept photos included)."""
        if room <= 0:
            return _l("Paling banyak 5 foto. Produk ini sudah punya 5 foto; hapus satu dulu.")
        return _l("Paling banyak 5 foto per produk; Anda masih bisa menambah %(n)s.", n=room)

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        price, top, discount = self.price.amount, self.price_max.amount, self.discount_price.amount
        if price is not None and top is not None and top <= price:
            self.price_max.errors = [
                *self.price_max.errors,
                _l("Harga tertinggi harus lebih besar dari harga terendah."),
            ]
            ok = False
        if price is not None and discount is not None and discount >= price:
            self.discount_price.errors = [
                *self.discount_price.errors,
                _l("Harga diskon harus lebih rendah dari harga."),
            ]
            ok = False
        return ok


class ReasonForm(FlaskForm):
    """Staff: approve (reason optional) or suspend/hide (reason required, checked by the view)."""

    reason = TextAreaField(
        _l("Alasan"),
        filters=[strip],
        validators=[Length(max=500, message=_l("Paling banyak 500 karakter."))],
        render_kw={"rows": 2, "maxlength": 500},
    )


class CloseShopForm(FlaskForm):
    note = TextAreaField(
        _l("Catatan untuk pembeli (opsional)"),
        filters=[strip],
        validators=[Length(max=300, message=_l("Paling banyak 300 karakter."))],
        description=_l("Contoh: Libur Lebaran, buka lagi 20 April."),
        render_kw={"rows": 2, "maxlength": 300},
    )


class FlagForm(FlaskForm):
    reason = SelectField(
        _l("Alasan"),
        choices=select_choices(FLAG_LABELS.items()),
        validators=[DataRequired(REQUIRED)],
        invalid_choice_message=INVALID_CHOICE,
    )
    note = TextAreaField(
        _l("Keterangan (opsional)"),
        filters=[strip],
        validators=[Length(max=500, message=_l("Paling banyak 500 karakter."))],
        render_kw={"rows": 2, "maxlength": 500},
    )
