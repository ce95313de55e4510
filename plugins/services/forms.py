"""Forms: a resident's request (built per letter type: the standard identity fields, the
type's own fields and one upload per required document), staff moves with their notes, and
the letter type editor with its fields, documents and template."""

from __future__ import annotations

import re
from datetime import date

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from app.kit import (
    INVALID_CHOICE,
    REQUIRED,
    IdempotentForm,
    IndonesianDateField,
    WholeNumberField,
    _l,
    select_choices,
    strip,
)

from . import nik as nik_rules
from .models import Delivery, FieldKind, LetterType
from .templating import TemplateProblem, check_template

SEX_CHOICES = (("L", _l("Laki-laki")), ("P", _l("Perempuan")))
DELIVERY_CHOICES = (
    (Delivery.PICKUP.value, _l("Diambil di kantor kelurahan")),
    (Delivery.DOWNLOAD.value, _l("Diunduh sebagai PDF")),
)
FIELD_KIND_CHOICES = (
    (FieldKind.TEXT.value, _l("Teks singkat")),
    (FieldKind.LONG_TEXT.value, _l("Paragraf")),
    (FieldKind.DATE.value, _l("Tanggal")),
    (FieldKind.CHOICE.value, _l("Pilihan")),
    (FieldKind.NUMBER.value, _l("Angka")),
)
# The names every template may use; a type's own fields add their keys.
STANDARD_NAMES = {
    "nama": _l("nama lengkap pemohon"),
    "nik": _l("NIK pemohon (lengkap, hanya di surat)"),
    "tempat_lahir": _l("tempat lahir"),
    "tanggal_lahir": _l("tanggal lahir (pakai |tanggal)"),
    "jenis_kelamin": _l("Laki-laki atau Perempuan"),
    "alamat": _l("alamat"),
    "rt": _l("RT, tiga angka"),
    "rw": _l("RW, tiga angka"),
    "keperluan": _l("keperluan surat"),
    "nomor": _l("nomor surat"),
    "tanggal_surat": _l("tanggal surat (pakai |tanggal)"),
    "kelurahan": _l("nama kelurahan"),
    "kecamatan": _l("nama kecamatan"),
    "kota": _l("Kota Pekalongan"),
    "penanda_tangan": _l("jabatan penanda tangan"),
}
KEY_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,39}")
AREA_PATTERN = re.compile(r"[0-9]{1,3}")


def area_code(value: str | None) -> str:
    """RT/RW as stored and compared: "3" and "03" are both "003"."""
    return value.zfill(3) if value else ""


def _area(field) -> None:
    if field.data and not AREA_PATTERN.fullmatch(field.data):
        raise ValidationError(_l("Tulis dengan angka saja, misalnya 003."))


class RequestFormBase(IdempotentForm, FlaskForm):
    full_name = StringField(
        _l("Nama lengkap (sesuai KTP)"),
        filters=[strip],
        validators=[InputRequired(REQUIRED), Length(max=120)],
    )
    nik = StringField(
        _l("NIK"),
        filters=[strip],
        description=_l("16 angka, tertulis di KTP atau KK."),
        validators=[InputRequired(REQUIRED), Length(max=40)],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    birth_place = StringField(
        _l("Tempat lahir"), filters=[strip], validators=[InputRequired(REQUIRED), Length(max=80)]
    )
    birth_date = IndonesianDateField(_l("Tanggal lahir"), validators=[InputRequired(REQUIRED)])
    sex = SelectField(
        _l("Jenis kelamin"),
        choices=select_choices(SEX_CHOICES),
        validate_choice=False,
        validators=[InputRequired(REQUIRED)],
    )
    address = TextAreaField(
        _l("Alamat"),
        filters=[strip],
        validators=[InputRequired(REQUIRED), Length(max=300)],
        render_kw={"rows": 2},
    )
    rt = StringField(
        _l("RT"),
        filters=[strip],
        validators=[InputRequired(REQUIRED), Length(max=3)],
        render_kw={"inputmode": "numeric", "size": 4},
    )
    rw = StringField(
        _l("RW"),
        filters=[strip],
        validators=[InputRequired(REQUIRED), Length(max=3)],
        render_kw={"inputmode": "numeric", "size": 4},
    )
    purpose = StringField(
        _l("Keperluan"),
        filters=[strip],
        description=_l("Untuk apa surat ini, misalnya: melamar pekerjaan, membuka rekening."),
        validators=[InputRequired(REQUIRED), Length(max=300)],
    )
    delivery = SelectField(
        _l("Surat diterima dengan cara"),
        choices=select_choices(DELIVERY_CHOICES),
        validate_choice=False,
        default=Delivery.PICKUP.value,
    )
    confirm = BooleanField(
        _l("Data yang saya isi benar dan dokumen yang saya unggah milik saya."),
        validators=[InputRequired(_l("Centang pernyataan ini untuk mengirim permohonan."))],
    )

    def validate_sex(self, field):
        if field.data not in ("L", "P"):
            raise ValidationError(INVALID_CHOICE)

    def validate_delivery(self, field):
        if field.data not in (Delivery.PICKUP.value, Delivery.DOWNLOAD.value):
            raise ValidationError(INVALID_CHOICE)

    def validate_rt(self, field):
        _area(field)

    def validate_rw(self, field):
        _area(field)

    # On a fix, the NIK already stored (never shown back in full): an empty field keeps it.
    kept_nik: str | None = None

    def validate_nik(self, field):
        if not field.data and self.kept_nik:
            return
        try:
            field.data = nik_rules.check(field.data or "")
        except nik_rules.NikError as exc:
            raise ValidationError(exc.message) from None

    def validate_birth_date(self, field):
        born = field.data
        if born is None:
            return
        today = date.today()
        if born > today or born.year < 1900:
            raise ValidationError(_l("Tanggal lahir tidak mungkin."))
        nik = self.nik.data or self.kept_nik
        if self.nik.errors or not nik or len(nik) != 16:
            return
        for message in nik_rules.check_agrees(nik, born, self.sex.data or None, today):
            raise ValidationError(message)

    def type_values(self) -> dict:
        """The letter type's own fields, by key (dates as ISO text, as stored in JSON)."""
        found = {}
        for name, field in self._fields.items():
            if name.startswith("f_"):
                value = field.data
                if isinstance(value, date):
                    value = value.isoformat()
                found[name[2:]] = value if value is not None else ""
        return found


def build_request_form(
    letter_type: LetterType, *, document_required: dict[int, bool], kept_nik_masked: str = ""
):
    """A form class for this letter type. `document_required` tells, per required document,
    whether an upload must still come with this POST (on a fix, those already sent may
    stay); `kept_nik_masked` makes the NIK optional (a fix keeps the stored one)."""

    class RequestForm(RequestFormBase):
        pass

    if kept_nik_masked:
        RequestForm.nik = StringField(
            _l("NIK"),
            filters=[strip],
            description=_l(
                "Tersimpan: %(nik)s. Kosongkan bila tidak berubah.", nik=kept_nik_masked
            ),
            validators=[Length(max=40)],
            render_kw={"inputmode": "numeric", "autocomplete": "off"},
        )

    for spec in letter_type.fields:
        validators = [InputRequired(REQUIRED)] if spec.required else [Optional()]
        label, help_text = spec.label, spec.help
        if spec.kind == FieldKind.DATE:
            field = IndonesianDateField(label, description=help_text, validators=validators)
        elif spec.kind == FieldKind.NUMBER:
            field = WholeNumberField(
                label,
                description=help_text,
                validators=[*validators, NumberRange(min=0, max=10**12)],
            )
        elif spec.kind == FieldKind.CHOICE:
            options = spec.choice_list()
            field = SelectField(
                label,
                description=help_text,
                choices=select_choices([("", "—")] + [(o, o) for o in options]),
                validators=[*validators, _one_of(options)],
                validate_choice=False,
            )
        elif spec.kind == FieldKind.LONG_TEXT:
            field = TextAreaField(
                label,
                description=help_text,
                filters=[strip],
                validators=[*validators, Length(max=spec.max_length)],
                render_kw={"rows": 3},
            )
        else:
            field = StringField(
                label,
                description=help_text,
                filters=[strip],
                validators=[*validators, Length(max=spec.max_length)],
            )
        setattr(RequestForm, f"f_{spec.key}", field)
    for doc in letter_type.documents:
        setattr(
            RequestForm,
            f"doc_{doc.id}",
            FileField(
                doc.name,
                description=_l("Foto dari kamera ponsel atau berkas PDF.")
                if document_required.get(doc.id)
                else _l("Tidak wajib, atau sudah terkirim: unggah baru hanya untuk mengganti."),
            ),
        )
    return RequestForm


def _one_of(options: list[str]):
    def check(form, field):
        if field.data and field.data not in options:
            raise ValidationError(INVALID_CHOICE)

    return check


class MoveForm(FlaskForm):
    target = HiddenField()
    note = TextAreaField(
        _l("Catatan untuk pemohon"),
        filters=[strip],
        validators=[Length(max=1000)],
        render_kw={"rows": 3},
    )


# -- letter types -------------------------------------------------------------------------------


class FieldRow(Form):
    key = StringField(_l("Kunci"), filters=[strip], validators=[Optional(), Length(max=40)])
    label = StringField(_l("Label"), filters=[strip], validators=[Optional(), Length(max=120)])
    kind = SelectField(
        _l("Jenis isian"), choices=select_choices(FIELD_KIND_CHOICES), validate_choice=False
    )
    required = BooleanField(_l("Wajib"), default=True)
    choices = TextAreaField(
        _l("Pilihan (satu per baris)"),
        filters=[strip],
        validators=[Length(max=1000)],
        render_kw={"rows": 2},
    )
    help = StringField(_l("Petunjuk"), filters=[strip], validators=[Length(max=300)])


class DocumentRow(Form):
    name = StringField(
        _l("Nama dokumen"), filters=[strip], validators=[Optional(), Length(max=120)]
    )
    required = BooleanField(_l("Wajib"), default=True)


class LetterTypeForm(FlaskForm):
    name = StringField(
        _l("Nama layanan"), filters=[strip], validators=[InputRequired(REQUIRED), Length(max=120)]
    )
    title = StringField(
        _l("Judul pada surat"),
        filters=[strip],
        description=_l("Misalnya SURAT KETERANGAN DOMISILI."),
        validators=[InputRequired(REQUIRED), Length(max=120)],
    )
    code = StringField(
        _l("Kode klasifikasi"),
        filters=[strip],
        description=_l("Bagian pertama nomor surat, misalnya 470."),
        validators=[InputRequired(REQUIRED), Length(max=20)],
    )
    description = TextAreaField(
        _l("Keterangan untuk warga"),
        filters=[strip],
        validators=[Length(max=500)],
        render_kw={"rows": 2},
    )
    target_days = WholeNumberField(
        _l("Target waktu layanan (hari kerja)"),
        default=3,
        validators=[
            InputRequired(REQUIRED),
            NumberRange(min=1, max=60, message=_l("Antara 1 dan 60 hari kerja.")),
        ],
    )
    online = BooleanField(_l("Dapat diajukan daring"), default=True)
    active = BooleanField(_l("Aktif"), default=True)
    template = TextAreaField(
        _l("Templat isi surat"),
        validators=[InputRequired(REQUIRED), Length(max=20_000)],
        render_kw={"rows": 16, "spellcheck": "false"},
    )
    fields = FieldList(FormField(FieldRow), min_entries=1, max_entries=30)
    documents = FieldList(FormField(DocumentRow), min_entries=1, max_entries=10)

    def validate_code(self, field):
        if field.data and not re.fullmatch(r"[0-9A-Za-z./-]{1,20}", field.data):
            raise ValidationError(_l("Hanya angka, huruf, titik, garis miring dan tanda hubung."))

    def field_specs(self) -> list[dict]:
        """The filled rows (a row without a key and a label is left out)."""
        return [
            row.data for row in self.fields.entries if (row.form.key.data or row.form.label.data)
        ]

    def document_specs(self) -> list[dict]:
        return [row.data for row in self.documents.entries if row.form.name.data]

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        seen: set[str] = set()
        for row in self.fields.entries:
            form = row.form
            if not (form.key.data or form.label.data):
                continue
            key = (form.key.data or "").lower()
            form.key.data = key
            if not KEY_PATTERN.fullmatch(key):
                form.key.errors.append(
                    _l("Huruf kecil, angka dan garis bawah, diawali huruf: misalnya nama_usaha.")
                )
                ok = False
            elif key in STANDARD_NAMES or key in seen:
                form.key.errors.append(_l("Kunci ini sudah dipakai."))
                ok = False
            seen.add(key)
            if not form.label.data:
                form.label.errors.append(REQUIRED)
                ok = False
            if form.kind.data not in {k for k, _ in FIELD_KIND_CHOICES}:
                form.kind.errors.append(INVALID_CHOICE)
                ok = False
            elif form.kind.data == FieldKind.CHOICE and not (form.choices.data or "").strip():
                form.choices.errors.append(_l("Tulis pilihannya, satu per baris."))
                ok = False
        if self.template.data and ok:
            try:
                check_template(self.template.data, set(STANDARD_NAMES) | seen)
            except TemplateProblem as exc:
                self.template.errors.append(exc.message)
                ok = False
        return ok


class RtHeadForm(FlaskForm):
    account = SelectField(_l("Akun"), validate_choice=False, validators=[InputRequired(REQUIRED)])
    rw = StringField(_l("RW"), filters=[strip], validators=[InputRequired(REQUIRED), Length(max=3)])
    rt = StringField(
        _l("RT"),
        filters=[strip],
        description=_l("Kosongkan untuk ketua RW: semua RT di RW itu."),
        validators=[Length(max=3)],
    )

    def validate_rt(self, field):
        _area(field)

    def validate_rw(self, field):
        _area(field)


class LeaveDayForm(FlaskForm):
    day = IndonesianDateField(_l("Tanggal"), validators=[InputRequired(REQUIRED)])
    name = StringField(
        _l("Keterangan"),
        filters=[strip],
        description=_l("Misalnya: Cuti bersama Idulfitri."),
        validators=[InputRequired(REQUIRED), Length(max=120)],
    )
