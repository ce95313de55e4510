"""Forms of the reports plugin; messages in Indonesian, translated through the catalog."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.forms import INVALID_CHOICE, REQUIRED, MissingLocation, read_location

MAX_PHOTOS = 3
MAX_DESCRIPTION = 4000


class ReportForm(FlaskForm):
    category = SelectField(
        _l("Kategori"), validators=[DataRequired(REQUIRED)], invalid_choice_message=INVALID_CHOICE
    )
    title = StringField(
        _l("Judul singkat"),
        validators=[DataRequired(REQUIRED), Length(5, 120, _l("Judul harus 5–120 karakter."))],
        description=_l("Contoh: Lampu jalan mati di depan masjid"),
    )
    description = TextAreaField(
        _l("Keterangan"),
        validators=[
            DataRequired(REQUIRED),
            Length(max=MAX_DESCRIPTION, message=_l("Keterangan paling banyak 4000 karakter.")),
        ],
        description=_l("Apa masalahnya, sejak kapan, seberapa parah."),
    )
    address = StringField(
        _l("Alamat atau patokan"),
        validators=[Length(max=300, message=_l("Paling banyak 300 karakter."))],
        description=_l("Ketuk peta, pakai lokasi Anda, atau ketik alamat/patokan lalu cari."),
    )
    lat = StringField(_l("Lintang (lat)"))
    lng = StringField(_l("Bujur (lng)"))
    photos = MultipleFileField(
        _l("Foto (maksimal 3)"),
        description=_l("JPG, PNG atau WebP, masing-masing paling besar 10 MB."),
    )
    hide_name = BooleanField(_l("Sembunyikan nama saya dari publik"))
    confirm_new = HiddenField()

    def photo_files(self):
        return [f for f in (self.photos.data or []) if getattr(f, "filename", "")]

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        self.location = None
        if len(self.photo_files()) > MAX_PHOTOS:
            self.photos.errors = [*self.photos.errors, _l("Paling banyak 3 foto.")]
            ok = False
        try:
            self.location = read_location(self.lat, self.lng)
        except MissingLocation:
            return ok  # the view may still geocode the address; it reports a missing location
        except ValueError:
            return False
        return ok


MAX_COMMENT = 2000

# Why a resident flags a report or a comment; the key is stored in ReportFlag.reason.
FLAG_REASONS = {
    "spam": _l("Spam atau iklan"),
    "kasar": _l("Kasar atau menyinggung"),
    "data_pribadi": _l("Memuat data pribadi"),
    "tidak_pantas": _l("Tidak pantas"),
    "lainnya": _l("Lainnya"),
}


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class CommentForm(FlaskForm):
    body = TextAreaField(
        _l("Komentar"),
        filters=[_strip],
        validators=[
            DataRequired(REQUIRED),
            Length(1, MAX_COMMENT, _l("Komentar paling banyak 2000 karakter.")),
        ],
        render_kw={"rows": 3, "maxlength": MAX_COMMENT},
    )


class FlagForm(FlaskForm):
    reason = SelectField(
        _l("Alasan"),
        choices=list(FLAG_REASONS.items()),
        validators=[DataRequired(REQUIRED)],
        invalid_choice_message=INVALID_CHOICE,
    )
