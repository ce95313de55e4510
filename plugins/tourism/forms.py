"""Forms of the tourism plugin. Every message is Indonesian (translated through the
catalogue), a refused form keeps what was typed, and nothing is saved until all of it is
valid: times that close before they open, an event that ends before it starts, a repeat
without an end and a point outside the city are all refused here."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, MultipleFileField
from wtforms import (
    BooleanField,
    DateField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import URL, DataRequired, Length, Optional, ValidationError

from app.kit import (
    INVALID_CHOICE,
    REQUIRED,
    WIB,
    CheckboxListField,
    IndonesianPhone,
    MissingLocation,
    RupiahField,
    _l,
    read_location,
    recurrence,
    select_choices,
    strip,
)

from . import hours as opening

MAX_PHOTOS = 8
MAX_TICKET = 10_000_000  # Rp 10 juta: beyond any ticket here
MAX_STOPS = 10
MAX_DURATION = timedelta(days=31)  # one sitting of an event; longer runs repeat

CATEGORY_LABELS = {
    "museum": _l("Museum"),
    "kampung_batik": _l("Kampung batik"),
    "religi": _l("Wisata religi dan cagar budaya"),
    "alam": _l("Wisata alam"),
    "pantai": _l("Pantai"),
    "kuliner": _l("Kuliner"),
    "pasar": _l("Pasar dan belanja"),
    "landmark": _l("Ikon kota dan taman"),
    "lainnya": _l("Lainnya"),
}

FACILITY_LABELS = {
    "has_parking": _l("Parkir"),
    "has_toilet": _l("Toilet"),
    "has_prayer_room": _l("Musala"),
    "wheelchair_access": _l("Akses kursi roda"),
}

REPEAT_LABELS = {
    "none": _l("Tidak berulang"),
    "daily": _l("Setiap hari"),
    "weekly": _l("Setiap minggu"),
    "monthly": _l("Setiap bulan (tanggal yang sama)"),
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

NO_GROUP = ""  # staff writing for the kelurahan itself


def _group_field():
    return SelectField(_l("Ditulis atas nama"), validate_choice=False)


class _GroupChoice:
    """A new item names the Pokdarwis group it is written for: one of the writer's own
    groups, or (staff only) none. A posted id outside those is refused."""

    def setup_groups(self, groups, allow_none: bool) -> None:
        self.allowed_groups = {str(g.id): g for g in groups}
        options = [(str(g.id), g.name) for g in groups]
        if allow_none:
            options.insert(0, (NO_GROUP, _l("Kelurahan (petugas)")))
        self.group.choices = select_choices(options)
        self.allow_no_group = allow_none
        if self.group.data is None and options:
            self.group.data = options[0][0]

    def validate_group(self, field):
        value = field.data or ""
        if value == NO_GROUP and self.allow_no_group:
            return
        if value not in self.allowed_groups:
            raise ValidationError(_l("Pilih kelompok Pokdarwis Anda yang sudah diverifikasi."))

    @property
    def chosen_group(self):
        return self.allowed_groups.get(self.group.data or "")


def _location(form, message) -> bool:
    """Read the map picker's point into `form.location`; False with the field error when
    it is missing, unreadable or outside the city."""
    form.location = None
    try:
        form.location = read_location(form.lat, form.lng)
    except MissingLocation:
        form.lat.errors = [*form.lat.errors, message]
        return False
    except ValueError:
        return False
    return True


# -- destinations ------------------------------------------------------------------------------


class DestinationForm(_GroupChoice, FlaskForm):
    group = _group_field()
    name = StringField(
        _l("Nama destinasi"),
        filters=[strip],
        validators=[DataRequired(REQUIRED), Length(3, 120, _l("Nama harus 3–120 karakter."))],
    )
    category = SelectField(
        _l("Kategori"),
        choices=select_choices([("", _l("— pilih kategori —")), *CATEGORY_LABELS.items()]),
        validators=[DataRequired(REQUIRED)],
        invalid_choice_message=INVALID_CHOICE,
    )
    description = TextAreaField(
        _l("Keterangan (Bahasa Indonesia)"),
        filters=[strip],
        validators=[
            DataRequired(REQUIRED),
            Length(max=5000, message=_l("Paling banyak 5000 karakter.")),
        ],
        description=_l("Sejarah, yang bisa dilihat dan dilakukan, tips berkunjung."),
    )
    description_en = TextAreaField(
        _l("Keterangan dalam bahasa Inggris (opsional)"),
        filters=[strip],
        validators=[Length(max=5000, message=_l("Paling banyak 5000 karakter."))],
        description=_l(
            "Untuk wisatawan asing. Bila kosong, halaman bahasa Inggris memakai keterangan "
            "Bahasa Indonesia."
        ),
    )
    address = StringField(
        _l("Alamat"),
        filters=[strip],
        validators=[Length(max=300, message=_l("Paling banyak 300 karakter."))],
    )
    lat = StringField(_l("Lintang (lat)"))
    lng = StringField(_l("Bujur (lng)"))
    closed_on_holidays = BooleanField(_l("Tutup pada hari libur nasional"))
    ticket_price = RupiahField(
        _l("Harga tiket masuk (Rp)"),
        maximum=MAX_TICKET,
        negative_message=_l("Harga tiket tidak boleh negatif."),
        format_message=_l("Tulis harga tiket sebagai angka rupiah, misalnya 5000 atau 5.000."),
        too_large_message=_l("Harga tiket terlalu besar."),
        description=_l("Tulis 0 bila gratis."),
    )
    ticket_note = StringField(
        _l("Keterangan tiket (opsional)"),
        filters=[strip],
        validators=[Length(max=200, message=_l("Paling banyak 200 karakter."))],
        description=_l("Misalnya: anak-anak Rp 3.000, rombongan pesan dulu."),
    )
    has_parking = BooleanField(FACILITY_LABELS["has_parking"])
    has_toilet = BooleanField(FACILITY_LABELS["has_toilet"])
    has_prayer_room = BooleanField(FACILITY_LABELS["has_prayer_room"])
    wheelchair_access = BooleanField(FACILITY_LABELS["wheelchair_access"])
    phone = StringField(
        _l("Nomor HP kontak (opsional)"),
        filters=[strip],
        validators=[IndonesianPhone()],
        description=_l("Nomor HP pengelola, misalnya 0812-3456-7890."),
        render_kw={"inputmode": "tel", "autocomplete": "tel"},
    )
    phone_has_whatsapp = BooleanField(_l("Nomor ini bisa dihubungi lewat WhatsApp"))
    photos = MultipleFileField(
        _l("Foto (maksimal 8, foto pertama jadi sampul)"), description=_l("JPG, PNG atau WebP.")
    )

    def __init__(self, *args, existing_photos: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.existing_photos = existing_photos
        self.hours = []

    def day_fields(self):
        """(label, opens, closes) of each weekday, Monday first, for the template."""
        return [(WEEKDAY_LABELS[i], self[f"opens_{i}"], self[f"closes_{i}"]) for i in range(7)]

    def too_many_photos(self, room: int):
        if room <= 0:
            return _l("Paling banyak 8 foto. Destinasi ini sudah punya 8 foto; hapus satu dulu.")
        return _l("Paling banyak 8 foto per destinasi; Anda masih bisa menambah %(n)s.", n=room)

    def _read_hours(self) -> bool:
        days = []
        ok = True
        for i in range(7):
            opens, closes = self[f"opens_{i}"], self[f"closes_{i}"]
            a, b = (opens.data or "").strip(), (closes.data or "").strip()
            if not a and not b:
                days.append(None)
            elif not a or not b:
                opens.errors = [
                    *opens.errors,
                    _l("Isi jam buka dan jam tutup, atau kosongkan keduanya bila tutup."),
                ]
                ok = False
                days.append(None)
            else:
                days.append((a, b))
        if not ok:
            return False
        try:
            self.hours = opening.validate(days)
        except opening.HoursError as exc:
            field = self[f"opens_{exc.day if exc.day is not None else 0}"]
            if exc.code == "order":
                message = _l("Jam tutup harus setelah jam buka.")
            else:
                message = _l("Tulis jam sebagai JJ:MM, misalnya 08:00 atau 16:30.")
            field.errors = [*field.errors, message]
            return False
        return True

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        ok = self._read_hours() and ok
        if self.ticket_price.amount is None and not self.ticket_price.errors:
            self.ticket_price.errors = [*self.ticket_price.errors, REQUIRED]
            ok = False
        return _location(self, _l("Tandai lokasi destinasi di peta.")) and ok


for _day in range(7):
    setattr(
        DestinationForm,
        f"opens_{_day}",
        StringField(_l("Buka"), filters=[strip], render_kw={"type": "time"}),
    )
    setattr(
        DestinationForm,
        f"closes_{_day}",
        StringField(_l("Tutup"), filters=[strip], render_kw={"type": "time"}),
    )


# -- events ------------------------------------------------------------------------------------


class EventForm(_GroupChoice, FlaskForm):
    group = _group_field()
    title = StringField(
        _l("Nama acara"),
        filters=[strip],
        validators=[DataRequired(REQUIRED), Length(3, 160, _l("Nama acara harus 3–160 karakter."))],
    )
    description = TextAreaField(
        _l("Keterangan"),
        filters=[strip],
        validators=[
            DataRequired(REQUIRED),
            Length(max=5000, message=_l("Paling banyak 5000 karakter.")),
        ],
    )
    start_date = DateField(
        _l("Tanggal mulai"),
        validators=[DataRequired(_l("Isi tanggal mulai, misalnya 2027-01-16."))],
    )
    start_time = TimeField(
        _l("Jam mulai (WIB)"), validators=[DataRequired(_l("Isi jam mulai, misalnya 08:00."))]
    )
    end_date = DateField(
        _l("Tanggal selesai"),
        validators=[DataRequired(_l("Isi tanggal selesai, misalnya 2027-01-16."))],
    )
    end_time = TimeField(
        _l("Jam selesai (WIB)"),
        validators=[DataRequired(_l("Isi jam selesai, misalnya 12:00."))],
    )
    repeat = SelectField(
        _l("Berulang"),
        choices=select_choices(REPEAT_LABELS.items()),
        default="none",
        invalid_choice_message=INVALID_CHOICE,
    )
    repeat_days = CheckboxListField(
        _l("Pada hari (untuk acara mingguan)"),
        choices=select_choices((str(i), label) for i, label in enumerate(WEEKDAY_LABELS)),
        invalid_choice_message=INVALID_CHOICE,
        description=_l("Bila tidak dipilih: hari yang sama dengan tanggal mulai."),
    )
    repeat_until = DateField(
        _l("Berulang sampai tanggal"),
        validators=[Optional()],
        description=_l("Wajib untuk acara berulang; paling lama 2 tahun."),
    )
    destination = SelectField(_l("Tempat"), validate_choice=False)
    place_name = StringField(
        _l("Nama tempat lain"),
        filters=[strip],
        validators=[Length(max=200, message=_l("Paling banyak 200 karakter."))],
        description=_l(
            "Bila acara tidak di salah satu destinasi: nama tempat dan titiknya di peta."
        ),
    )
    lat = StringField(_l("Lintang (lat)"))
    lng = StringField(_l("Bujur (lng)"))
    poster = FileField(_l("Poster (opsional)"), description=_l("JPG, PNG atau WebP."))
    registration_url = StringField(
        _l("Tautan pendaftaran (opsional)"),
        filters=[strip],
        validators=[
            Optional(),
            Length(max=500, message=_l("Paling banyak 500 karakter.")),
            URL(
                require_tld=True, message=_l("Tulis tautan lengkap, misalnya https://s.id/daftar.")
            ),
        ],
        render_kw={"inputmode": "url"},
    )

    def __init__(self, *args, destinations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.places = {str(d.id): d for d in destinations}
        self.destination.choices = select_choices(
            [("", _l("— tempat lain (isi di bawah) —"))]
            + [(str(d.id), d.name) for d in destinations]
        )
        self.starts_at = self.ends_at = None
        self.rule = None

    def validate_registration_url(self, field):
        if field.data and not field.data.lower().startswith(("https://", "http://")):
            raise ValidationError(_l("Tautan harus diawali https:// atau http://."))

    def validate_destination(self, field):
        if field.data and field.data not in self.places:
            raise ValidationError(INVALID_CHOICE)

    @property
    def chosen_destination(self):
        return self.places.get(self.destination.data or "")

    def _read_times(self) -> bool:
        if None in (self.start_date.data, self.start_time.data, self.end_date.data):
            return False
        if self.end_time.data is None:
            return False
        start = datetime.combine(self.start_date.data, _minute(self.start_time.data), WIB)
        end = datetime.combine(self.end_date.data, _minute(self.end_time.data), WIB)
        if end <= start:
            self.end_date.errors = [
                *self.end_date.errors,
                _l("Acara harus selesai setelah mulai. Periksa tanggal dan jam selesai."),
            ]
            return False
        if end - start > MAX_DURATION:
            self.end_date.errors = [
                *self.end_date.errors,
                _l("Satu acara paling lama 31 hari. Untuk acara rutin, pakai pengulangan."),
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
                self.repeat_until.errors = [
                    _l("Acara berulang harus punya tanggal akhir pengulangan.")
                ]
            return False
        days = [int(d) for d in self.repeat_days.data or []] if freq == "weekly" else None
        try:
            self.rule = recurrence.make_rule(freq, self.repeat_until.data, self.starts_at, days)
        except recurrence.RuleError as exc:
            self.repeat_until.errors = [*self.repeat_until.errors, RULE_MESSAGES[exc.code]]
            return False
        return True

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        times = self._read_times()
        ok = times and ok
        if times:
            ok = self._read_rule() and ok
        if self.chosen_destination is None:
            if not self.place_name.data:
                self.place_name.errors = [
                    *self.place_name.errors,
                    _l("Pilih destinasi, atau tulis nama tempat acara."),
                ]
                ok = False
            ok = _location(self, _l("Tandai lokasi acara di peta.")) and ok
        else:
            self.location = None
        return ok


def _minute(value: time) -> time:
    return value.replace(second=0, microsecond=0)


RULE_MESSAGES = {
    "no_end": _l("Acara berulang harus punya tanggal akhir pengulangan."),
    "too_long": _l("Pengulangan paling lama 2 tahun sejak acara pertama."),
    "before_start": _l("Tanggal akhir pengulangan harus setelah tanggal mulai."),
    "invalid": _l("Aturan pengulangan tidak dapat dibaca."),
}


# -- review and routes -------------------------------------------------------------------------


class ReviewForm(FlaskForm):
    """Staff: publish (note optional), send back for changes or hide (note required,
    checked by the view)."""

    note = TextAreaField(
        _l("Catatan untuk penulis"),
        filters=[strip],
        validators=[Length(max=500, message=_l("Paling banyak 500 karakter."))],
        render_kw={"rows": 2, "maxlength": 500},
    )


class RouteForm(FlaskForm):
    name = StringField(
        _l("Nama rute"),
        filters=[strip],
        validators=[DataRequired(REQUIRED), Length(3, 120, _l("Nama harus 3–120 karakter."))],
    )
    description = TextAreaField(
        _l("Keterangan (Bahasa Indonesia)"),
        filters=[strip],
        validators=[Length(max=4000, message=_l("Paling banyak 4000 karakter."))],
    )
    description_en = TextAreaField(
        _l("Keterangan dalam bahasa Inggris (opsional)"),
        filters=[strip],
        validators=[Length(max=4000, message=_l("Paling banyak 4000 karakter."))],
    )
    published = BooleanField(_l("Tampilkan untuk umum"), default=True)

    def __init__(self, *args, destinations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.places = {str(d.id): d for d in destinations}
        options = select_choices(
            [("", _l("— tidak ada —"))] + [(str(d.id), d.name) for d in destinations]
        )
        for i in range(MAX_STOPS):
            self[f"stop_{i}"].choices = options
        self.chosen = []

    def stop_fields(self):
        return [self[f"stop_{i}"] for i in range(MAX_STOPS)]

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        chosen = []
        for field in self.stop_fields():
            if not field.data:
                continue
            if field.data not in self.places:
                field.errors = [*field.errors, INVALID_CHOICE]
                ok = False
            elif self.places[field.data] in chosen:
                field.errors = [*field.errors, _l("Destinasi ini sudah ada di rute.")]
                ok = False
            else:
                chosen.append(self.places[field.data])
        if ok and len(chosen) < 2:
            self.stop_0.errors = [*self.stop_0.errors, _l("Pilih paling sedikit 2 destinasi.")]
            ok = False
        self.chosen = chosen
        return ok


for _stop in range(MAX_STOPS):
    setattr(
        RouteForm,
        f"stop_{_stop}",
        SelectField(_l("Perhentian %(n)s", n=_stop + 1), validate_choice=False),
    )
