"""The core's forms. Every validator carries an Indonesian message (translated to English
through the catalog), and fields re-render with what the user typed."""

from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TelField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from .idempotency import IdempotentForm
from .models import GroupKind, Role
from .passwords import password_problem
from .phone import InvalidPhone, looks_like_phone, normalize_phone

REQUIRED = _l("Wajib diisi.")
# WTForms has no Indonesian catalog: its own "Not a valid choice." would show in English.
INVALID_CHOICE = _l("Pilih salah satu pilihan yang tersedia.")

GROUP_KIND_LABELS = {
    GroupKind.UMKM.value: _l("UMKM"),
    GroupKind.POKDARWIS.value: _l("Pokdarwis (kelompok sadar wisata)"),
    GroupKind.KSM_BANK_SAMPAH.value: _l("KSM bank sampah"),
    GroupKind.PKK.value: _l("PKK"),
    GroupKind.KARANG_TARUNA.value: _l("Karang taruna"),
    GroupKind.LAINNYA.value: _l("Lainnya"),
}

GROUP_ROLE_LABELS = {"ketua": _l("ketua"), "anggota": _l("anggota")}

ROLE_LABELS = {
    Role.WARGA.value: _l("warga"),
    Role.PETUGAS.value: _l("petugas"),
    Role.ADMIN.value: _l("admin kelurahan"),
}


def choices(pairs) -> list[SelectChoice]:
    """A select field's options from (value, label) pairs, in WTForms' current form (plain
    tuples are deprecated there)."""
    return [SelectChoice(str(value), label) for value, label in pairs]


class MissingLocation(Exception):
    """Neither coordinate was given (the caller decides whether that is an error)."""


def read_location(lat_field, lng_field) -> tuple[float, float]:
    """The point of a map picker's two text fields, inside the city's bounds. Adds an
    Indonesian error to `lat_field` and raises ValueError when it cannot be used; raises
    MissingLocation when a field is empty. Accepts a decimal comma (phones type one)."""
    from .geo import in_bounds

    # str(): a field left out of the POST keeps its object's value (a float).
    lat_raw, lng_raw = str(lat_field.data or "").strip(), str(lng_field.data or "").strip()
    if not lat_raw or not lng_raw:
        raise MissingLocation
    try:
        lat, lng = float(lat_raw.replace(",", ".")), float(lng_raw.replace(",", "."))
    except ValueError:
        lat_field.errors = [*lat_field.errors, _l("Koordinat harus berupa angka.")]
        raise
    if not in_bounds(lat, lng, current_app.config["KP_BOUNDS"]):
        lat_field.errors = [
            *lat_field.errors,
            _l("Lokasi berada di luar Kota Pekalongan. Pilih titik di dalam kota."),
        ]
        raise ValueError("outside the city")
    return lat, lng


def normalize_email(raw: str) -> str:
    """Validated, lower-cased e-mail; raises ValidationError with an Indonesian message."""
    try:
        result = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError:
        raise ValidationError(_l("Alamat e-mail tidak valid. Contoh: nama@contoh.id")) from None
    return result.normalized.lower()


class PhoneOrEmail:
    """Validator for one identifier field: an e-mail address or an Indonesian mobile number.
    Leaves the normalized value on `field.normalized` and the kind on `field.kind`."""

    def __call__(self, form, field):
        raw = (field.data or "").strip()
        if not raw:
            raise ValidationError(REQUIRED)
        if "@" in raw:
            field.kind, field.normalized = "email", normalize_email(raw)
        elif looks_like_phone(raw):
            try:
                field.kind, field.normalized = "phone", normalize_phone(raw)
            except InvalidPhone as exc:
                raise ValidationError(exc.message) from None
        else:
            raise ValidationError(
                _l("Isi dengan alamat e-mail atau nomor HP (08…, 628… atau +628…).")
            )


MAX_RUPIAH = 1_000_000_000  # Rp 1 milyar: beyond any price or payout here, safe for INTEGER


def parse_rupiah(raw: str | None) -> int | None:
    """'15000', '15.000', 'Rp 15.000' or '15,000' → 15000; '' → None. Raises ValueError
    for anything else: decimals, letters, a minus sign."""
    text = (raw or "").strip()
    if not text:
        return None
    text = re.sub(r"^rp\.?\s*", "", text, flags=re.IGNORECASE)
    if text.startswith("-"):
        raise ValueError("negative")
    # ASCII digits only: int() would also take "١٢٣".
    if not re.fullmatch(r"[0-9]{1,3}([.,][0-9]{3})+|[0-9]+", text):
        raise ValueError("not a whole number of rupiah")
    return int(re.sub(r"[.,]", "", text))


class RupiahField(StringField):
    """A whole-rupiah amount typed as text, as people write it (15.000), validated into
    `.amount` (None when empty), at most `maximum`. The messages can name what is asked
    for ("Harga …")."""

    def __init__(
        self,
        label=None,
        validators=None,
        *,
        maximum: int = MAX_RUPIAH,
        negative_message=None,
        format_message=None,
        too_large_message=None,
        **kwargs,
    ):
        kwargs.setdefault("render_kw", {"inputmode": "numeric", "autocomplete": "off"})
        super().__init__(label, validators, **kwargs)
        self.maximum = maximum
        self.negative_message = negative_message or _l("Jumlah tidak boleh negatif.")
        self.format_message = format_message or _l(
            "Tulis jumlah rupiah tanpa desimal, misalnya 15000 atau 15.000."
        )
        self.too_large_message = too_large_message or _l("Jumlah terlalu besar.")
        self.amount: int | None = None

    def pre_validate(self, form):
        self.amount = None
        try:
            self.amount = parse_rupiah(self.data)
        except ValueError:
            negative = (self.data or "").strip().startswith("-")
            raise ValidationError(
                self.negative_message if negative else self.format_message
            ) from None
        if self.amount is not None and self.amount > self.maximum:
            raise ValidationError(self.too_large_message)


class IndonesianPhone:
    def __call__(self, form, field):
        if not (field.data or "").strip():
            field.normalized = None
            return
        try:
            field.normalized = normalize_phone(field.data)
        except InvalidPhone as exc:
            raise ValidationError(exc.message) from None


def check_new_password(form, field, context=()):
    problem = password_problem(field.data or "", context=context)
    if problem:
        raise ValidationError(problem)


# An e-mail or a phone number: app.js switches the phone's keyboard to digits (inputmode
# "tel") once the field starts with a digit or "+".
CONTACT_FIELD = {"autocomplete": "username", "inputmode": "email", "data-contact-field": ""}


class SignupForm(FlaskForm):
    identifier = StringField(
        _l("E-mail atau nomor HP"),
        validators=[PhoneOrEmail()],
        description=_l("Contoh: nama@contoh.id atau 0812-3456-7890"),
        render_kw=CONTACT_FIELD,
    )
    display_name = StringField(
        _l("Nama tampilan"),
        validators=[DataRequired(REQUIRED), Length(2, 80, _l("Nama harus 2–80 karakter."))],
        render_kw={"autocomplete": "name"},
    )
    home_kelurahan = SelectField(
        _l("Kelurahan tempat tinggal"),
        validators=[DataRequired(REQUIRED)],
        invalid_choice_message=INVALID_CHOICE,
    )
    password = PasswordField(
        _l("Kata sandi"),
        validators=[DataRequired(REQUIRED)],
        description=_l("Minimal 8 karakter dan sulit ditebak, misalnya tiga kata acak dan angka."),
        render_kw={"autocomplete": "new-password"},
    )

    def validate_password(self, field):
        check_new_password(self, field, context=[self.identifier.data, self.display_name.data])


class LoginForm(FlaskForm):
    identifier = StringField(
        _l("E-mail atau nomor HP"), validators=[DataRequired(REQUIRED)], render_kw=CONTACT_FIELD
    )
    password = PasswordField(
        _l("Kata sandi"),
        validators=[DataRequired(REQUIRED)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Ingat saya di perangkat ini"))


class CheckboxListField(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes (weekdays, RWs), easier on a phone
    than a multi-select; `data` is the list of the values ticked."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def neighbourhood_number(text: str | None) -> str:
    """An RT or RW number as three digits ("3" → "003", "RW 05" → "005"); empty stays
    empty. Raises ValidationError (Indonesian) for anything else."""
    value = (text or "").strip().upper().removeprefix("RW").removeprefix("RT").strip()
    if not value:
        return ""
    if not value.isascii() or not value.isdigit() or len(value) > 3 or int(value) == 0:
        raise ValidationError(_l("Tulis nomor RT/RW sebagai angka 1–999, misalnya 003."))
    return value.zfill(3)


class NeighbourhoodField(StringField):
    """An RT or RW number, optional unless a validator says so: `data` is "" or three digits
    ("003"), the form the core stores on a resident's profile (`User.rt`, `User.rw`)."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": "numeric", "maxlength": 6, "size": 6})
        super().__init__(label, validators, **kwargs)

    def pre_validate(self, form):
        self.data = neighbourhood_number(self.data)


class ProfileForm(FlaskForm):
    display_name = StringField(
        _l("Nama tampilan"),
        validators=[DataRequired(REQUIRED), Length(2, 80, _l("Nama harus 2–80 karakter."))],
    )
    email = EmailField(_l("E-mail"))  # validate_email accepts blank and sets `normalized`
    phone = TelField(_l("Nomor HP"), validators=[IndonesianPhone()])
    home_kelurahan = SelectField(
        _l("Kelurahan tempat tinggal"),
        validators=[DataRequired(REQUIRED)],
        invalid_choice_message=INVALID_CHOICE,
    )
    # Optional: where schedules and alerts for one RW (posyandu, rob) reach the resident.
    rt = NeighbourhoodField(_l("RT"), description=_l("Boleh dikosongkan. Contoh: 003."))
    rw = NeighbourhoodField(
        _l("RW"),
        description=_l(
            "Boleh dikosongkan. Diisi agar Anda melihat jadwal dan menerima peringatan "
            "(misalnya banjir rob) untuk RW Anda."
        ),
    )
    locale = SelectField(
        _l("Bahasa"),
        choices=choices([("id", "Bahasa Indonesia"), ("en", "English")]),
        default="id",
        invalid_choice_message=INVALID_CHOICE,
    )
    # Checked by the view only when the e-mail or phone changes: whoever holds a session
    # (a shared phone, a stolen cookie) must not take over the account's reset address.
    current_password = PasswordField(
        _l("Kata sandi sekarang"),
        description=_l("Wajib diisi bila Anda mengganti e-mail atau nomor HP."),
        render_kw={"autocomplete": "current-password"},
    )

    def validate_email(self, field):
        field.normalized = normalize_email(field.data) if (field.data or "").strip() else None

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if ok and self.rt.data and not self.rw.data:
            self.rw.errors.append(_l("Isi juga RW tempat RT Anda berada."))
            return False
        if ok and not (self.email.normalized or self.phone.normalized):
            self.email.errors.append(_l("Isi e-mail atau nomor HP, minimal salah satu."))
            return False
        return ok


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(
        _l("Kata sandi sekarang"),
        validators=[DataRequired(REQUIRED)],
        render_kw={"autocomplete": "current-password"},
    )
    password = PasswordField(
        _l("Kata sandi baru"),
        validators=[DataRequired(REQUIRED)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Ulangi kata sandi baru"),
        validators=[DataRequired(REQUIRED), EqualTo("password", _l("Kata sandi tidak sama."))],
        render_kw={"autocomplete": "new-password"},
    )

    # The account's e-mail, phone and name, set by the view: a password must not contain them.
    personal: tuple[str | None, ...] = ()

    def validate_password(self, field):
        check_new_password(self, field, context=self.personal)


class ResetRequestForm(FlaskForm):
    identifier = StringField(
        _l("E-mail atau nomor HP"), validators=[PhoneOrEmail()], render_kw=CONTACT_FIELD
    )


class ResetForm(FlaskForm):
    password = PasswordField(
        _l("Kata sandi baru"),
        validators=[DataRequired(REQUIRED)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Ulangi kata sandi baru"),
        validators=[DataRequired(REQUIRED), EqualTo("password", _l("Kata sandi tidak sama."))],
    )

    # The account's e-mail, phone and name, set by the view: a password must not contain them.
    personal: tuple[str | None, ...] = ()

    def validate_password(self, field):
        check_new_password(self, field, context=self.personal)


class GroupForm(FlaskForm):
    name = StringField(
        _l("Nama kelompok"),
        validators=[DataRequired(REQUIRED), Length(3, 120, _l("Nama harus 3–120 karakter."))],
    )
    kind = SelectField(
        _l("Jenis kelompok"),
        choices=choices(GROUP_KIND_LABELS.items()),
        validators=[DataRequired(REQUIRED)],
        invalid_choice_message=INVALID_CHOICE,
    )
    description = TextAreaField(
        _l("Deskripsi"),
        validators=[Optional(), Length(max=2000, message=_l("Paling banyak 2000 karakter."))],
    )
    contact_whatsapp = TelField(_l("WhatsApp kelompok"), validators=[IndonesianPhone()])


class NewGroupForm(IdempotentForm, GroupForm):
    """Creating a group: a retried POST does not create a second one."""


class InviteForm(FlaskForm):
    identifier = StringField(_l("E-mail atau nomor HP warga"), validators=[PhoneOrEmail()])


class IdentityForm(FlaskForm):
    description = TextAreaField(
        _l("Deskripsi"),
        validators=[Optional(), Length(max=4000, message=_l("Paling banyak 4000 karakter."))],
    )
    address = StringField(
        _l("Alamat kantor"),
        validators=[Optional(), Length(max=300, message=_l("Paling banyak 300 karakter."))],
    )
    phone = TelField(
        _l("Telepon kantor"),
        validators=[Optional(), Length(max=20, message=_l("Paling banyak 20 karakter."))],
    )
    whatsapp = TelField(_l("WhatsApp"), validators=[IndonesianPhone()])
    email = EmailField(_l("E-mail"))  # validate_email accepts blank and sets `normalized`
    opening_hours = TextAreaField(
        _l("Jam pelayanan"),
        validators=[Optional(), Length(max=1000, message=_l("Paling banyak 1000 karakter."))],
        description=_l("Contoh: Senin–Kamis 08.00–15.00, Jumat 08.00–11.00"),
    )
    lat = StringField(_l("Lintang (lat)"), validators=[Optional()])
    lng = StringField(_l("Bujur (lng)"), validators=[Optional()])
    logo = FileField(_l("Logo"), description=_l("Gambar JPG, PNG atau WebP."))

    def validate_email(self, field):
        field.normalized = normalize_email(field.data) if (field.data or "").strip() else None

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        self.centre = None
        # str(): a field left out of the POST keeps the kelurahan's value (a float).
        lat_raw, lng_raw = str(self.lat.data or "").strip(), str(self.lng.data or "").strip()
        if not lat_raw and not lng_raw:
            return ok
        try:
            lat, lng = float(lat_raw.replace(",", ".")), float(lng_raw.replace(",", "."))
        except ValueError:
            self.lat.errors.append(_l("Koordinat harus berupa angka, misalnya -6.8898."))
            return False
        bounds = current_app.config["KP_BOUNDS"]
        if not (
            bounds["south"] <= lat <= bounds["north"] and bounds["west"] <= lng <= bounds["east"]
        ):
            self.lat.errors.append(
                _l("Titik peta berada di luar Kota Pekalongan. Pilih lokasi di dalam kota.")
            )
            return False
        self.centre = (lat, lng)
        return ok


class RoleForm(FlaskForm):
    role = SelectField(
        _l("Peran"), choices=choices(ROLE_LABELS.items()), invalid_choice_message=INVALID_CHOICE
    )


class AppointAdminForm(FlaskForm):
    identifier = StringField(_l("E-mail atau nomor HP"), validators=[PhoneOrEmail()])
    kelurahan = SelectField(
        _l("Kelurahan"), validators=[DataRequired(REQUIRED)], invalid_choice_message=INVALID_CHOICE
    )


class IndonesianDateField(DateField):
    """A date field whose parse error is Indonesian (WTForms has no Indonesian catalogue)."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_l("Tulis tanggal sebagai TTTT-BB-HH, misalnya 2027-01-15.")) from None


class WholeNumberField(IntegerField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_l("Tulis sebagai bilangan bulat, misalnya 25.")) from None


class IndonesianTimeField(TimeField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_l("Tulis jam sebagai JJ:MM, misalnya 08:30.")) from None


class EmptyForm(FlaskForm):
    """For buttons that POST: carries only the CSRF token."""

    next = HiddenField()
