"""Forms of the reports plugin (residents' and staff's); messages in Indonesian, translated
through the plugin's catalogue."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from sqlalchemy import select
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.kit import (
    INVALID_CHOICE,
    REQUIRED,
    IdempotentForm,
    MissingLocation,
    db,
    read_location,
    select_choices,
    strip,
)

from .labels import STATUS_LABELS
from .models import STATUS_VALUES, Report, Status
from .workflow import allowed_next, note_required

MAX_PHOTOS = 3
MAX_DESCRIPTION = 4000


class ReportForm(IdempotentForm, FlaskForm):
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
    photos = MultipleFileField(_l("Foto (maksimal 3)"), description=_l("JPG, PNG atau WebP."))
    hide_name = BooleanField(_l("Sembunyikan nama saya dari publik"))
    confirm_new = HiddenField()

    def validate(self, extra_validators=None):
        # The photos (how many, which are images) are checked by kit.PhotoUploads in the view.
        ok = super().validate(extra_validators)
        self.location = None
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


class CommentForm(IdempotentForm, FlaskForm):
    body = TextAreaField(
        _l("Komentar"),
        filters=[strip],
        validators=[
            DataRequired(REQUIRED),
            Length(1, MAX_COMMENT, _l("Komentar paling banyak 2000 karakter.")),
        ],
        render_kw={"rows": 3, "maxlength": MAX_COMMENT},
    )


class FlagForm(FlaskForm):
    reason = SelectField(
        _l("Alasan"),
        choices=select_choices(FLAG_REASONS.items()),
        validators=[DataRequired(REQUIRED)],
        invalid_choice_message=INVALID_CHOICE,
    )


# -- staff -------------------------------------------------------------------------------------

MAX_NOTE = 2000
MAX_REASON = 300


class StatusForm(FlaskForm):
    """A status change of one report; validated against the transition table."""

    to_status = SelectField(
        _l("Ubah status menjadi"),
        id="staff-to-status",
        validators=[DataRequired(REQUIRED)],
        validate_choice=False,  # checked in validate() with a message that names both states
    )
    note = TextAreaField(
        _l("Catatan untuk publik"),
        id="staff-note",
        validators=[
            Length(max=MAX_NOTE, message=_l("Catatan paling banyak 2000 karakter.")),
        ],
        description=_l(
            "Tampil di riwayat status laporan. Wajib diisi saat menutup atau membuka kembali "
            "laporan."
        ),
    )
    duplicate_of = StringField(
        _l("Nomor laporan asli"),
        id="staff-duplicate-of",
        description=_l("Hanya untuk status Duplikat: nomor (#) laporan asli di kelurahan ini."),
    )
    photos = MultipleFileField(
        _l("Foto tindak lanjut (maksimal 3)"),
        id="staff-photos",
        description=_l(
            "Misalnya foto hasil perbaikan. Tampil di riwayat status. JPG, PNG atau WebP, "
            "masing-masing paling besar 10 MB."
        ),
    )

    def photo_files(self):
        return [f for f in (self.photos.data or []) if getattr(f, "filename", "")]

    def __init__(self, report: Report, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.report = report
        self.original: Report | None = None
        self.to_status.choices = select_choices(
            [("", _("— Pilih status —"))]
            + [(value, STATUS_LABELS[value]) for value in allowed_next(report.status)]
        )

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        report, target = self.report, self.to_status.data or ""
        if target and target not in STATUS_VALUES:
            self.to_status.errors.append(INVALID_CHOICE)
            return False
        if target and target not in allowed_next(report.status):
            self.to_status.errors.append(
                _(
                    "Laporan berstatus %(current)s tidak dapat diubah menjadi %(target)s.",
                    current=STATUS_LABELS[report.status],
                    target=STATUS_LABELS[target],
                )
            )
            return False
        if len(self.photo_files()) > MAX_PHOTOS:
            self.photos.errors = [*self.photos.errors, _("Paling banyak 3 foto.")]
            ok = False
        if not ok:
            return False
        if note_required(report.status, target) and not (self.note.data or "").strip():
            self.note.errors.append(
                _("Catatan wajib diisi saat menutup atau membuka kembali laporan.")
            )
            ok = False
        if target == Status.DUPLIKAT.value:
            self.original = self._find_original()
            ok = ok and self.original is not None
        return ok

    def _find_original(self) -> Report | None:
        """The report this one duplicates: another visible report of this kelurahan that
        does not (through a chain of duplicates) point back here."""
        raw = (self.duplicate_of.data or "").strip().lstrip("#").strip()
        errors = self.duplicate_of.errors
        if not raw:
            errors.append(_("Isi nomor laporan asli untuk status Duplikat."))
            return None
        if not raw.isdigit():
            errors.append(_("Isi dengan nomor laporan, misalnya 12."))
            return None
        original_id = int(raw)
        if original_id == self.report.id:
            errors.append(_("Laporan tidak dapat menjadi duplikat dari dirinya sendiri."))
            return None
        # The session is scoped to this kelurahan: another kelurahan's report is not found.
        original = db.session.execute(
            select(Report).where(Report.id == original_id)
        ).scalar_one_or_none()
        if original is None:
            errors.append(_("Laporan #%(id)s tidak ada di kelurahan ini.", id=original_id))
            return None
        if original.is_hidden:
            errors.append(
                _("Laporan #%(id)s disembunyikan dari publik; pilih laporan lain.", id=original_id)
            )
            return None
        seen, node = {self.report.id}, original
        while node is not None:
            if node.id in seen:
                errors.append(
                    _(
                        "Laporan #%(id)s sudah tercatat sebagai duplikat dari laporan ini.",
                        id=original_id,
                    )
                )
                return None
            seen.add(node.id)
            node = node.duplicate_of
        return original


class ReopenForm(FlaskForm):
    """The reporter's "Masih rusak": the report goes back to `diproses` with their note."""

    note = TextAreaField(
        _l("Apa yang masih rusak?"),
        id="reopen-note",
        filters=[strip],
        validators=[
            DataRequired(_l("Ceritakan apa yang masih rusak agar petugas dapat menindaklanjuti.")),
            Length(max=MAX_NOTE, message=_l("Catatan paling banyak 2000 karakter.")),
        ],
        description=_l("Tampil di riwayat status laporan dan dikirim ke petugas."),
        render_kw={"rows": 3, "maxlength": MAX_NOTE},
    )


class InternalNoteForm(IdempotentForm, FlaskForm):
    body = TextAreaField(
        _l("Catatan internal"),
        id="internal-note",
        filters=[strip],
        validators=[
            DataRequired(REQUIRED),
            Length(max=MAX_NOTE, message=_l("Catatan paling banyak 2000 karakter.")),
        ],
        description=_l("Hanya terlihat oleh petugas; tidak pernah tampil untuk warga."),
        render_kw={"rows": 3, "maxlength": MAX_NOTE},
    )


class AssignForm(FlaskForm):
    """Who handles the report: a staff member of this kelurahan who may handle reports, or
    nobody. Choices are set by the view from those who hold `reports.handle` here."""

    assignee = SelectField(
        _l("Ditangani oleh"),
        id="assignee",
        validate_choice=False,  # checked by the view: an outsider answers 404
    )


class ForwardForm(FlaskForm):
    agency = SelectField(
        _l("Teruskan ke OPD"),
        id="forward-agency",
        validators=[DataRequired(REQUIRED)],
        invalid_choice_message=INVALID_CHOICE,
    )
    note = TextAreaField(
        _l("Catatan untuk OPD"),
        id="forward-note",
        filters=[strip],
        validators=[
            DataRequired(REQUIRED),
            Length(max=MAX_NOTE, message=_l("Catatan paling banyak 2000 karakter.")),
        ],
        description=_l("Dikirim lewat e-mail bersama tautan laporan; tidak tampil untuk publik."),
        render_kw={"rows": 3, "maxlength": MAX_NOTE},
    )


class HideForm(FlaskForm):
    """Hide a report or comment from the public. The reason may stay empty only when the item
    is already hidden ("keep hidden" keeps the old reason)."""

    reason = StringField(
        _l("Alasan disembunyikan"),
        id="staff-hide-reason",
        validators=[Length(max=MAX_REASON, message=_l("Alasan paling banyak 300 karakter."))],
        description=_l("Dicatat di log audit dan terlihat oleh petugas."),
    )
    origin = HiddenField()
    next = HiddenField()
