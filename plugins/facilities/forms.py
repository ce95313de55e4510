"""Forms of the facility directory and of bookings. Every message is Indonesian, a refused
form keeps what was typed (photos included), and nothing is stored until all of it is valid:
a booking that ends before it starts or lies in the past, one longer than the facility
allows, one for a facility that cannot be booked, a repeat that collides with an approved
booking, and a place outside the kelurahan are refused here or by the view."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from app.kit import (
    INVALID_CHOICE,
    REQUIRED,
    IdempotentForm,
    IndonesianDateField,
    IndonesianPhone,
    IndonesianTimeField,
    RupiahField,
    WholeNumberField,
    _l,
    recurrence,
    select_choices,
    strip,
)

from .labels import CONDITION_LABELS, KIND_LABELS
from .places import instant, today_wib

MAX_PHOTOS = 6
MAX_FEE = 50_000_000  # Rp 50 juta: beyond any hall's fee
MAX_REPEATS = 52  # a weekly booking for a year at most; longer ones are asked for again


class FacilityForm(IdempotentForm, FlaskForm):
    name = StringField(
        _l("Nama fasilitas"),
        filters=[strip],
        validators=[DataRequired(REQUIRED), Length(3, 120, _l("Nama harus 3–120 karakter."))],
        description=_l("Misalnya: Balai RW 03, Lapangan Voli Krapyak, Lampu jalan Gg. 5."),
    )
    kind = SelectField(
        _l("Jenis"),
        choices=select_choices([(k.value, label) for k, label in KIND_LABELS.items()]),
        validators=[DataRequired(REQUIRED)],
        invalid_choice_message=INVALID_CHOICE,
    )
    description = TextAreaField(
        _l("Keterangan"),
        filters=[strip],
        validators=[Length(max=2000, message=_l("Keterangan paling banyak 2000 karakter."))],
    )
    address = StringField(
        _l("Alamat atau patokan"),
        filters=[strip],
        validators=[Length(max=300, message=_l("Paling banyak 300 karakter."))],
    )
    rw = SelectField(_l("RW"), invalid_choice_message=INVALID_CHOICE)
    lat = StringField(_l("Lintang (lat)"))
    lng = StringField(_l("Bujur (lng)"))
    capacity = WholeNumberField(
        _l("Kapasitas (orang)"),
        validators=[Optional(), NumberRange(1, 100_000, _l("Kapasitas 1–100.000 orang."))],
    )
    manager_name = StringField(
        _l("Penanggung jawab"),
        filters=[strip],
        validators=[Length(max=120, message=_l("Paling banyak 120 karakter."))],
    )
    manager_phone = StringField(
        _l("Nomor HP penanggung jawab"),
        validators=[IndonesianPhone()],
        description=_l("Ditampilkan di halaman fasilitas agar warga dapat menghubungi."),
    )
    condition = SelectField(
        _l("Kondisi"),
        choices=select_choices([(c.value, label) for c, label in CONDITION_LABELS.items()]),
        validators=[DataRequired(REQUIRED)],
        invalid_choice_message=INVALID_CHOICE,
    )
    checked_on = IndonesianDateField(
        _l("Tanggal diperiksa"), validators=[Optional()], description=_l("Kapan kondisi dicek.")
    )
    condition_note = StringField(
        _l("Catatan kondisi"),
        filters=[strip],
        validators=[Length(max=300, message=_l("Paling banyak 300 karakter."))],
    )
    bookable = BooleanField(_l("Dapat dipesan warga dan kelompok"))
    max_hours = WholeNumberField(
        _l("Lama pemesanan paling panjang (jam)"),
        default=4,
        validators=[DataRequired(REQUIRED), NumberRange(1, 24, _l("Antara 1 dan 24 jam."))],
    )
    fee = RupiahField(
        _l("Biaya per pemesanan (Rp)"),
        maximum=MAX_FEE,
        description=_l("Kosongkan bila gratis. Pembayaran tidak dilakukan lewat situs ini."),
    )
    fee_note = StringField(
        _l("Keterangan biaya"),
        filters=[strip],
        validators=[Length(max=200, message=_l("Paling banyak 200 karakter."))],
        description=_l("Misalnya: untuk kebersihan dan listrik; gratis untuk posyandu."),
    )
    active = BooleanField(_l("Masih ada dan dipakai"), default=True)
    photos = MultipleFileField(_l("Foto"), description=_l("JPG, PNG atau WebP."))

    def validate_checked_on(self, field):
        if field.data and field.data > today_wib():
            raise ValidationError(_l("Tanggal pemeriksaan tidak boleh di masa depan."))

    def too_many_photos(self, room: int):
        if room <= 0:
            return _l("Paling banyak 6 foto. Hapus satu foto dulu.")
        return _l("Paling banyak 6 foto; Anda masih bisa menambah %(n)s.", n=room)


REPEAT_LABELS = {
    "none": _l("Sekali saja"),
    "weekly": _l("Setiap minggu, hari yang sama"),
    "monthly": _l("Setiap bulan, tanggal yang sama"),
}


class BookingForm(IdempotentForm, FlaskForm):
    """`facility` lists the bookable ones; a facility that cannot be booked posted by hand
    is named in the message (the choice is checked here, not by WTForms)."""

    facility = SelectField(_l("Fasilitas"), validate_choice=False)
    group = SelectField(_l("Atas nama"), validate_choice=False)
    purpose = StringField(
        _l("Keperluan"),
        filters=[strip],
        validators=[DataRequired(REQUIRED), Length(5, 200, _l("Keperluan harus 5–200 karakter."))],
        description=_l("Misalnya: rapat karang taruna, latihan rebana, posyandu."),
    )
    attendees = WholeNumberField(
        _l("Perkiraan jumlah peserta"),
        validators=[Optional(), NumberRange(1, 100_000, _l("Jumlah peserta 1–100.000."))],
    )
    day = IndonesianDateField(_l("Tanggal"), validators=[DataRequired(REQUIRED)])
    start = IndonesianTimeField(_l("Mulai (WIB)"), validators=[DataRequired(REQUIRED)])
    end = IndonesianTimeField(_l("Selesai (WIB)"), validators=[DataRequired(REQUIRED)])
    repeat = SelectField(
        _l("Berulang"),
        choices=select_choices(list(REPEAT_LABELS.items())),
        default="none",
        invalid_choice_message=INVALID_CHOICE,
    )
    until = IndonesianDateField(
        _l("Berulang sampai tanggal"),
        validators=[Optional()],
        description=_l("Wajib bila berulang. Paling banyak 52 kali."),
    )

    def check(self, facilities: dict, groups: dict, *, days_ahead: int, now: datetime) -> bool:
        """Every rule that needs the kelurahan's facilities and the person's groups; sets
        `.chosen`, `.chosen_group` and `.windows` (the slots as (start, end) in UTC)."""
        self.chosen = self.chosen_group = None
        self.windows: list[tuple[datetime, datetime]] = []
        ok = True
        facility = facilities.get(self.facility.data or "")
        if facility is None:
            self.facility.errors = [*self.facility.errors, INVALID_CHOICE]
            ok = False
        elif not facility.bookable or not facility.active:
            self.facility.errors = [
                *self.facility.errors,
                _l(
                    "%(name)s tidak dapat dipesan. Pilih fasilitas lain atau hubungi kantor "
                    "kelurahan.",
                    name=facility.name,
                ),
            ]
            ok = False
        else:
            self.chosen = facility
        if self.group.data:
            self.chosen_group = groups.get(self.group.data)
            if self.chosen_group is None:
                self.group.errors = [*self.group.errors, INVALID_CHOICE]
                ok = False
        if not (self.day.data and self.start.data and self.end.data) or self.errors:
            return False
        starts, ends = (
            instant(self.day.data, self.start.data),
            instant(self.day.data, self.end.data),
        )
        if ends <= starts:
            self.end.errors = [*self.end.errors, _l("Jam selesai harus setelah jam mulai.")]
            return False
        if starts <= now:
            self.day.errors = [
                *self.day.errors,
                _l("Waktu ini sudah lewat. Pilih tanggal dan jam yang akan datang."),
            ]
            return False
        if self.day.data > today_wib() + timedelta(days=days_ahead):
            self.day.errors = [
                *self.day.errors,
                _l("Pemesanan paling jauh %(days)s hari ke depan.", days=days_ahead),
            ]
            return False
        if self.chosen is not None and ends - starts > timedelta(hours=self.chosen.max_hours):
            self.end.errors = [
                *self.end.errors,
                _l(
                    "Paling lama %(hours)s jam untuk %(name)s.",
                    hours=self.chosen.max_hours,
                    name=self.chosen.name,
                ),
            ]
            return False
        self.windows = self._repeat(starts, ends, days_ahead)
        return ok and bool(self.windows)

    def _repeat(self, starts: datetime, ends: datetime, days_ahead: int):
        if self.repeat.data == "none":
            if self.until.data:
                self.until.errors = [
                    *self.until.errors,
                    _l("Pilih cara berulang, atau kosongkan tanggal ini."),
                ]
                return []
            return [(starts, ends)]
        if self.until.data is None:
            self.until.errors = [*self.until.errors, _l("Isi sampai tanggal berapa berulang.")]
            return []
        if self.until.data < self.day.data:
            self.until.errors = [
                *self.until.errors,
                _l("Tanggal akhir harus sama atau setelah tanggal pertama."),
            ]
            return []
        last: date = today_wib() + timedelta(days=days_ahead)
        if self.until.data > last:
            self.until.errors = [
                *self.until.errors,
                _l("Pemesanan paling jauh %(days)s hari ke depan.", days=days_ahead),
            ]
            return []
        try:
            self.rule = recurrence.make_rule(self.repeat.data, self.until.data, starts)
        except recurrence.RuleError:
            self.until.errors = [*self.until.errors, _l("Pengulangan ini tidak dapat dibaca.")]
            return []
        found = recurrence.occurrences(
            starts, ends, self.rule, starts, instant(self.until.data, ends.time()) + timedelta(1)
        )
        if len(found) > MAX_REPEATS:
            self.until.errors = [
                *self.until.errors,
                _l("Paling banyak 52 kali dalam satu pemesanan. Majukan tanggal akhirnya."),
            ]
            return []
        return [(o.start, o.end) for o in found]

    rule: str | None = None


class DecisionForm(FlaskForm):
    """Staff's approve/refuse/cancel buttons; the note is the reason a resident reads."""

    note = TextAreaField(
        _l("Catatan untuk pemesan"),
        filters=[strip],
        validators=[Length(max=500, message=_l("Paling banyak 500 karakter."))],
    )


class DamageForm(IdempotentForm, FlaskForm):
    body = TextAreaField(
        _l("Apa yang rusak?"),
        filters=[strip],
        validators=[DataRequired(REQUIRED), Length(10, 2000, _l("Tulis 10–2000 karakter."))],
        description=_l("Misalnya: atap bocor di sisi timur, lampu mati sejak Senin."),
    )
