"""The staff form that posts an alert. Every message is Indonesian (translated through the
plugin's catalogue); a refused form keeps what was typed."""

from __future__ import annotations

from datetime import timedelta

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from app.kit import (
    INVALID_CHOICE,
    REQUIRED,
    WIB,
    IdempotentForm,
    IndonesianDateField,
    IndonesianTimeField,
    WholeNumberField,
    _l,
    select_choices,
    strip,
    utcnow,
)

from .access import rw_choices
from .alerts import MAX_DAYS
from .labels import ALERT_LABELS, SEVERITY_LABELS
from .places import instant, read_point

KIND_CHOICES = [(kind.value, text) for kind, text in ALERT_LABELS.items()]
SEVERITY_CHOICES = [(level.value, text) for level, text in SEVERITY_LABELS.items()]
NO_RW = _l("Pilih minimal satu RW yang terdampak.")


class AlertForm(IdempotentForm, FlaskForm):
    kind = SelectField(
        _l("Jenis peringatan"),
        choices=select_choices(KIND_CHOICES),
        validate_choice=False,
        validators=[InputRequired(REQUIRED)],
    )
    severity = SelectField(
        _l("Tingkat"),
        choices=select_choices(SEVERITY_CHOICES),
        validate_choice=False,
        description=_l(
            "Waspada: bersiap. Siaga: kejadian sudah dekat atau sedang terjadi. "
            "Awas: bahaya, ikuti arahan petugas."
        ),
        validators=[InputRequired(REQUIRED)],
    )
    all_rw = BooleanField(_l("Semua RW"))
    # Rendered by hand as checkboxes (alert_form.html); the choices are the kelurahan's RWs.
    rws = SelectMultipleField(_l("RW yang terdampak"), choices=[], validate_choice=False)
    message = TextAreaField(
        _l("Pesan untuk warga"),
        filters=[strip],
        description=_l(
            "Boleh kosong. Misalnya: apa yang terjadi, jalan yang ditutup, lokasi posko."
        ),
        validators=[Optional(), Length(max=1000, message=_l("Paling banyak 1000 karakter."))],
        render_kw={"rows": 4, "maxlength": 1000},
    )
    start_day = IndonesianDateField(_l("Tanggal mulai"), validators=[InputRequired(REQUIRED)])
    start_time = IndonesianTimeField(_l("Jam mulai (WIB)"), validators=[InputRequired(REQUIRED)])
    end_day = IndonesianDateField(
        _l("Perkiraan tanggal selesai"), validators=[InputRequired(REQUIRED)]
    )
    end_time = IndonesianTimeField(
        _l("Perkiraan jam selesai (WIB)"), validators=[InputRequired(REQUIRED)]
    )
    water_cm = WholeNumberField(
        _l("Tinggi air (cm)"),
        description=_l("Untuk banjir dan rob, bila diukur. Boleh kosong."),
        validators=[
            Optional(),
            NumberRange(0, 500, message=_l("Tulis tinggi air antara 0 dan 500 cm.")),
        ],
        render_kw={"inputmode": "numeric"},
    )
    lat = StringField(_l("Lintang (lat)"), filters=[strip])
    lng = StringField(_l("Bujur (lng)"), filters=[strip])

    # Set by validate(): what the view stores.
    chosen_rws: list[str]
    starts_at = None
    expected_end_at = None
    point: tuple[float, float] | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.rw_options = rw_choices()
        self.rws.choices = select_choices((rw, f"RW {rw}") for rw in self.rw_options)
        self.chosen_rws = []

    def fill_defaults(self) -> None:
        """A new form starts now (WIB, to the minute)."""
        now = utcnow().astimezone(WIB).replace(second=0, microsecond=0)
        self.start_day.data, self.start_time.data = now.date(), now.time()

    def validate_kind(self, field):
        if field.data not in {value for value, _ in KIND_CHOICES}:
            raise ValidationError(INVALID_CHOICE)

    def validate_severity(self, field):
        if field.data not in {value for value, _ in SEVERITY_CHOICES}:
            raise ValidationError(INVALID_CHOICE)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        valid = self._check_rws() and valid
        valid = self._check_times() and valid
        self.point = read_point(self)
        return valid and self.point is not None

    def _check_rws(self) -> bool:
        if self.all_rw.data:
            self.chosen_rws = list(self.rw_options)
            return True
        posted = [rw for rw in (self.rws.data or []) if rw]
        unknown = sorted(set(posted) - set(self.rw_options))
        if unknown:
            self.rws.errors = [
                *self.rws.errors,
                _l("RW %(rw)s tidak ada di kelurahan ini.", rw=", ".join(unknown)[:40]),
            ]
            return False
        if not posted:
            self.rws.errors = [*self.rws.errors, NO_RW]
            return False
        self.chosen_rws = sorted(set(posted))
        return True

    def _check_times(self) -> bool:
        parts = (self.start_day.data, self.start_time.data, self.end_day.data, self.end_time.data)
        if any(part is None for part in parts):
            return False  # the field itself says what is missing
        self.starts_at = instant(self.start_day.data, self.start_time.data)
        self.expected_end_at = instant(self.end_day.data, self.end_time.data)
        problem = None
        if self.expected_end_at <= self.starts_at:
            problem = _l("Perkiraan selesai harus setelah waktu mulai.")
        elif self.expected_end_at - self.starts_at > timedelta(days=MAX_DAYS):
            problem = _l(
                "Peringatan paling lama %(days)s hari sejak mulai. Bila masih berlangsung, "
                "terbitkan peringatan baru setelahnya.",
                days=MAX_DAYS,
            )
        elif self.expected_end_at <= utcnow():
            problem = _l(
                "Perkiraan selesai sudah lewat. Peringatan hanya untuk kejadian yang sedang "
                "atau akan berlangsung."
            )
        if problem is not None:
            self.end_day.errors = [*self.end_day.errors, problem]
            return False
        return True
