"""The staff form of a neighbourhood schedule. Every message is Indonesian (through the
catalogue), a refused form keeps what was typed, and nothing is stored until all of it is
valid: an end before the start, a repeat without an end date (or longer than two years)
and an RW the kelurahan does not have are refused here."""

from __future__ import annotations

from datetime import datetime, time

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from app.kit import (
    INVALID_CHOICE,
    REQUIRED,
    WIB,
    CheckboxListField,
    IdempotentForm,
    IndonesianDateField,
    IndonesianTimeField,
    _l,
    recurrence,
    select_choices,
    strip,
)

from .labels import SCHEDULE_LABELS
from .models import ScheduleKind

ALL_RWS = ""  # the RW select's value for "the whole kelurahan"

REPEAT_LABELS = {
    "none": _l("Tidak berulang (sekali saja)"),
    "weekly": _l("Setiap minggu"),
    "monthly": _l("Setiap bulan (tanggal yang sama)"),
    recurrence.MONTHLY_WEEKDAY: _l("Setiap bulan (hari yang sama, misalnya Selasa kedua)"),
}

EVERY_LABELS = {
    "1": _l("Setiap minggu / setiap bulan"),
    "2": _l("Dua minggu / dua bulan sekali"),
    "3": _l("Tiga minggu / tiga bulan sekali"),
    "4": _l("Empat minggu / empat bulan sekali"),
}

WEEKDAY_LABELS = (
    _l("Senin"),
    _l("Selasa"),
    _l("Rabu"),
    _l("Kamis"),
    _l("Jumat"),
    _l("Sabtu"),
    _l("Minggu"),
)

RULE_MESSAGES = {
    "no_end": _l("Jadwal berulang harus punya tanggal akhir pengulangan."),
    "too_long": _l("Pengulangan paling lama 2 tahun sejak tanggal pertama."),
    "before_start": _l("Tanggal akhir pengulangan harus sesudah tanggal pertama."),
    "invalid": _l("Aturan pengulangan tidak dapat dibaca."),
}


def _minute(value: time) -> time:
    return value.replace(second=0, microsecond=0)


class ScheduleForm(FlaskForm):
    kind = SelectField(_l("Jenis kegiatan"), invalid_choice_message=INVALID_CHOICE)
    title = StringField(
        _l("Nama kegiatan"),
        filters=[strip],
        validators=[
            DataRequired(REQUIRED),
            Length(3, 120, _l("Nama kegiatan harus 3–120 karakter.")),
        ],
        description=_l("Misalnya: Posyandu Melati RW 03."),
    )
    rw = SelectField(_l("Untuk RW"), invalid_choice_message=INVALID_CHOICE)
    place = StringField(
        _l("Tempat"),
        filters=[strip],
        validators=[Length(max=200, message=_l("Paling banyak 200 karakter."))],
        description=_l("Misalnya: Pos ronda RW 05. Boleh kosong bila memilih fasilitas."),
    )
    facility = SelectField(_l("Fasilitas (opsional)"), validate_choice=False)
    first_day = IndonesianDateField(
        _l("Tanggal pertama"),
        # InputRequired, not DataRequired: that one would hide the "write it as ..." error.
        validators=[InputRequired(_l("Isi tanggal pertama, misalnya 2027-01-12."))],
    )
    start_time = IndonesianTimeField(
        _l("Jam mulai (WIB)"), validators=[InputRequired(_l("Isi jam mulai, misalnya 08:00."))]
    )
    end_time = IndonesianTimeField(
        _l("Jam selesai (WIB)"), validators=[InputRequired(_l("Isi jam selesai, misalnya 11:00."))]
    )
    repeat = SelectField(
        _l("Berulang"),
        choices=select_choices(REPEAT_LABELS.items()),
        default="none",
        invalid_choice_message=INVALID_CHOICE,
    )
    repeat_every = SelectField(
        _l("Selang pengulangan"),
        choices=select_choices(EVERY_LABELS.items()),
        default="1",
        invalid_choice_message=INVALID_CHOICE,
    )
    repeat_days = CheckboxListField(
        _l("Pada hari (untuk jadwal mingguan)"),
        choices=select_choices((str(i), label) for i, label in enumerate(WEEKDAY_LABELS)),
        invalid_choice_message=INVALID_CHOICE,
        description=_l("Bila tidak dipilih: hari yang sama dengan tanggal pertama."),
    )
    repeat_until = IndonesianDateField(
        _l("Berulang sampai tanggal"),
        validators=[Optional()],
        description=_l("Wajib untuk jadwal berulang; paling lama 2 tahun."),
    )
    notes = TextAreaField(
        _l("Catatan (opsional)"),
        filters=[strip],
        validators=[Length(max=2000, message=_l("Paling banyak 2000 karakter."))],
        description=_l("Misalnya: bawa buku KIA, sampah dipilah."),
    )

    def __init__(self, *args, kinds=(), rws=(), facilities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = select_choices(
            (k.value, SCHEDULE_LABELS[k]) for k in ScheduleKind if k.value in kinds
        )
        self.rw.choices = select_choices(
            [(ALL_RWS, _l("Semua RW"))] + [(rw, f"RW {rw}") for rw in rws]
        )
        self.facilities = {str(f.id): f for f in facilities}
        self.facility.choices = select_choices(
            [("", _l("— tidak di fasilitas terdaftar —"))]
            + [(str(f.id), f.name) for f in facilities]
        )
        self.starts_at = self.ends_at = None
        self.rule = None

    def validate_facility(self, field):
        if field.data and field.data not in self.facilities:
            raise ValidationError(INVALID_CHOICE)

    @property
    def chosen_facility(self):
        return self.facilities.get(self.facility.data or "")

    @property
    def chosen_rw(self) -> str | None:
        return self.rw.data or None

    def _read_times(self) -> bool:
        if None in (self.first_day.data, self.start_time.data, self.end_time.data):
            return False
        start = datetime.combine(self.first_day.data, _minute(self.start_time.data), WIB)
        end = datetime.combine(self.first_day.data, _minute(self.end_time.data), WIB)
        if end <= start:
            self.end_time.errors = [
                *self.end_time.errors,
                _l("Jam selesai harus sesudah jam mulai."),
            ]
            return False
        self.starts_at, self.ends_at = start, end
        return True

    def _read_rule(self) -> bool:
        freq = self.repeat.data or "none"
        if freq == "none":
            self.rule = None
            return True
        if self.repeat_until.data is None:
            if not self.repeat_until.errors:
                self.repeat_until.errors = [RULE_MESSAGES["no_end"]]
            return False
        days = [int(d) for d in self.repeat_days.data or []] if freq == "weekly" else None
        try:
            rule = recurrence.make_rule(freq, self.repeat_until.data, self.starts_at, days)
            every = int(self.repeat_every.data or "1")
            if rule is not None and every > 1:
                rule = recurrence.check_rule(f"{rule};INTERVAL={every}", self.starts_at)
        except recurrence.RuleError as exc:
            message = RULE_MESSAGES.get(exc.code, RULE_MESSAGES["invalid"])
            self.repeat_until.errors = [*self.repeat_until.errors, message]
            return False
        self.rule = rule
        return True

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        times = self._read_times()
        ok = times and ok
        if times:
            ok = self._read_rule() and ok
        if not self.place.data and self.chosen_facility is None and not self.facility.errors:
            self.place.errors = [
                *self.place.errors,
                _l("Tulis tempatnya, atau pilih salah satu fasilitas."),
            ]
            ok = False
        return ok


class NewScheduleForm(IdempotentForm, ScheduleForm):
    """Adding a schedule: the same form sent twice adds it once."""
