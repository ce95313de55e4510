"""Forms of the operator's and the member's pages. Every message is Indonesian, and a form
that fails keeps what was typed (weights stay as the operator wrote them, "1,250")."""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.kit import (
    INVALID_CHOICE,
    REQUIRED,
    IdempotentForm,
    InvalidPhone,
    MissingLocation,
    RupiahField,
    _l,
    normalize_phone,
    read_location,
    strip,
)

LINE_ROWS = 6  # empty rows of a deposit or sale form without JavaScript
MORE_ROWS = 3  # added by "Tambah baris"
MAX_ROWS = 30
_NUMBER = re.compile(r"^[0-9A-Za-z][0-9A-Za-z./-]{0,19}$")


# -- the unit -----------------------------------------------------------------------------------


class UnitForm(FlaskForm):
    name = StringField(
        _l("Nama unit bank sampah"),
        filters=[strip],
        validators=[DataRequired(REQUIRED), Length(3, 120, _l("Nama harus 3–120 karakter."))],
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
    opening_days = StringField(
        _l("Hari buka"),
        filters=[strip],
        validators=[Length(max=120, message=_l("Paling banyak 120 karakter."))],
        description=_l("Contoh: Selasa dan Sabtu 07.00–10.00"),
    )

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        self.location = None
        try:
            self.location = read_location(self.lat, self.lng)
        except MissingLocation:
            self.lat.errors = [*self.lat.errors, _l("Tandai lokasi unit di peta.")]
            return False
        except ValueError:
            return False
        return ok


class NewUnitForm(IdempotentForm, UnitForm):
    group = SelectField(_l("Kelompok KSM bank sampah"), validate_choice=False)

    def __init__(self, *args, groups=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.allowed_groups = {str(group.id): group for group in groups}
        self.group.choices = [("", _l("— pilih —"))] + [
            (str(group.id), group.name) for group in groups
        ]

    def validate_group(self, field):
        if field.data not in self.allowed_groups:
            raise ValidationError(
                _l("Pilih kelompok KSM bank sampah Anda yang terverifikasi dan belum punya unit.")
            )


# -- waste types and prices ---------------------------------------------------------------------


class WasteTypeForm(FlaskForm):
    name = StringField(
        _l("Jenis sampah baru"),
        filters=[strip],
        validators=[DataRequired(REQUIRED), Length(2, 80, _l("Nama jenis harus 2–80 karakter."))],
        description=_l("Misalnya Kertas / kardus, Plastik PET, Logam / kaleng."),
    )


class PriceForm(FlaskForm):
    buy_per_kg = RupiahField(_l("Harga beli per kg (Rp)"), validators=[DataRequired(REQUIRED)])
    sell_per_kg = RupiahField(_l("Harga jual per kg (Rp)"), validators=[DataRequired(REQUIRED)])
    valid_from = StringField(
        _l("Berlaku mulai"),
        validators=[DataRequired(REQUIRED)],
        render_kw={"type": "date"},
    )

    def validate_valid_from(self, field):
        from datetime import date

        try:
            self.start = date.fromisoformat((field.data or "").strip())
        except ValueError:
            raise ValidationError(_l("Tulis tanggal seperti 2026-12-01.")) from None


# -- members ------------------------------------------------------------------------------------


class MemberForm(FlaskForm):
    phone_e164: str | None = None  # set by validate_phone; an empty phone skips it
    number = StringField(
        _l("Nomor nasabah"),
        filters=[strip],
        validators=[DataRequired(REQUIRED)],
        description=_l("Unik di unit ini, misalnya 017 atau A-017."),
        render_kw={"autocomplete": "off"},
    )
    name = StringField(
        _l("Nama"),
        filters=[strip],
        validators=[DataRequired(REQUIRED), Length(2, 120, _l("Nama harus 2–120 karakter."))],
    )
    phone = StringField(
        _l("Nomor HP (opsional)"),
        filters=[strip],
        validators=[Optional()],
        render_kw={"inputmode": "tel", "autocomplete": "off"},
    )
    account = StringField(
        _l("Akun warga (opsional)"),
        filters=[strip],
        validators=[Optional(), Length(max=254)],
        description=_l(
            "E-mail atau nomor HP akun warga di kelurahan ini, agar nasabah bisa melihat "
            "bukunya sendiri."
        ),
        render_kw={"autocomplete": "off"},
    )

    def validate_number(self, field):
        if not _NUMBER.match(field.data or ""):
            raise ValidationError(
                _l("Nomor nasabah 1–20 huruf atau angka (boleh memakai - . /), tanpa spasi.")
            )

    def validate_phone(self, field):
        self.phone_e164 = None
        if field.data:
            try:
                self.phone_e164 = normalize_phone(field.data)
            except InvalidPhone:
                raise ValidationError(
                    _l("Nomor HP tidak valid. Tulis nomor HP Indonesia, misalnya 0812-3456-7890.")
                ) from None


class NewMemberForm(IdempotentForm, MemberForm):
    pass


# -- deposits and sales -------------------------------------------------------------------------


class LineForm(Form):
    """One row: a waste type and a weight in kg ("1,250"). Both empty: the row is skipped."""

    waste_type = SelectField(_l("Jenis"), validate_choice=False)
    kg = StringField(
        _l("Berat (kg)"),
        filters=[strip],
        render_kw={"inputmode": "decimal", "autocomplete": "off", "placeholder": "0,000"},
    )


class LinesForm(IdempotentForm, FlaskForm):
    lines = FieldList(FormField(LineForm), min_entries=LINE_ROWS, max_entries=MAX_ROWS)
    add_rows = SubmitField(_l("Tambah baris"))

    def set_types(self, types) -> None:
        """The unit's active types, as the choices of every row."""
        self.types = {str(t.id): t for t in types}
        choices = [("", _l("— jenis —"))] + [(str(t.id), t.name) for t in types]
        for row in self.lines:
            row.waste_type.choices = choices

    def more_rows(self) -> None:
        for _ in range(MORE_ROWS):
            if len(self.lines) >= MAX_ROWS:
                break
            self.lines.append_entry()

    def validate_lines(self, field):
        """Each filled row parsed into (WasteType, grams) in `self.parsed`; errors per row."""
        from .pricing import parse_kg

        self.parsed = []
        self.lines_error = None
        bad = False
        for row in field:
            type_id, text = row.waste_type.data or "", row.kg.data or ""
            if not type_id and not text:
                continue
            waste_type = self.types.get(type_id)
            if waste_type is None:
                row.waste_type.errors = [
                    _l("Pilih jenis sampah.") if not type_id else INVALID_CHOICE
                ]
                bad = True
            grams = None
            if not text:
                row.kg.errors = [_l("Isi beratnya, misalnya 1,250.")]
            else:
                try:
                    grams = parse_kg(text)
                except ValueError as error:
                    row.kg.errors = [error.args[0] if error.args else _l("Berat tidak valid.")]
            if grams is None or waste_type is None:
                bad = True
                continue
            self.parsed.append((waste_type, grams))
        if bad:
            self.lines_error = _l("Periksa baris yang ditandai.")
        elif not self.parsed:
            self.lines_error = _l("Isi paling sedikit satu baris: jenis dan beratnya.")
        if self.lines_error:
            raise ValidationError(self.lines_error)


class DepositForm(LinesForm):
    pass


class SaleForm(LinesForm):
    collector = StringField(
        _l("Nama pengepul"),
        filters=[strip],
        validators=[
            DataRequired(REQUIRED),
            Length(max=120, message=_l("Paling banyak 120 karakter.")),
        ],
    )


class WithdrawalForm(IdempotentForm, FlaskForm):
    amount = RupiahField(_l("Jumlah penarikan (Rp)"), validators=[DataRequired(REQUIRED)])

    def validate_amount(self, field):
        if field.amount is not None and field.amount <= 0:
            raise ValidationError(_l("Jumlah harus lebih dari 0."))


class CorrectionForm(IdempotentForm, FlaskForm):
    reason = TextAreaField(
        _l("Alasan koreksi"),
        filters=[strip],
        validators=[
            DataRequired(_l("Tulis alasan koreksi.")),
            Length(5, 500, _l("Alasan 5–500 karakter.")),
        ],
        description=_l(
            "Transaksi ini dibatalkan dengan transaksi pembalik; keduanya tetap tercatat."
        ),
    )
    confirm = BooleanField(_l("Saya yakin transaksi ini salah catat"))

    def validate_confirm(self, field):
        if not field.data:
            raise ValidationError(_l("Centang untuk menegaskan koreksi."))
