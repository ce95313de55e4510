"""Forms of the proposals plugin. Every message is Indonesian (translated through the
catalogue), a refused form keeps what was typed, and nothing is saved until all of it is
valid: a negative or non-numeric cost, a point outside the kelurahan, a phase that ends
before it starts and phases that overlap are all refused here."""

from __future__ import annotations

from datetime import date, datetime

from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from app.kit import (
    INVALID_CHOICE,
    REQUIRED,
    CheckboxListField,
    IdempotentForm,
    IndonesianDateField,
    IndonesianTimeField,
    MissingLocation,
    RupiahField,
    WholeNumberField,
    _l,
    distance_m,
    neighbourhood_number,
    read_location,
    select_choices,
    strip,
)

from .models import PHASE_ORDER, Action, PhaseKind, Result
from .phases import ACTION_LABELS, PHASE_LABELS, phase_problems

MAX_PHOTOS = 3
MAX_COST = 100_000_000_000  # Rp 100 miliar: beyond any kelurahan proposal
MAX_BUDGET = 1_000_000_000_000

CATEGORIES = {
    "infrastruktur": _l("Infrastruktur"),
    "ekonomi": _l("Ekonomi"),
    "sosial_budaya": _l("Sosial budaya"),
    "lingkungan": _l("Lingkungan"),
    "kesehatan": _l("Kesehatan"),
    "pendidikan": _l("Pendidikan"),
    "pemerintahan": _l("Pemerintahan dan pelayanan"),
}

RESULT_LABELS = {
    Result.PRIORITISED: _l("Diprioritaskan"),
    Result.FORWARDED: _l("Diteruskan ke Musrenbang Kecamatan"),
    Result.RKPD: _l("Masuk RKPD"),
    Result.NOT_CHOSEN: _l("Tidak terpilih"),
}

NO_GROUP = ""  # the resident writes for themself


def _count(label, maximum: int, message):
    return WholeNumberField(
        label,
        validators=[
            # InputRequired, not DataRequired: a typed 0 is answered with the range message.
            InputRequired(REQUIRED),
            NumberRange(1, maximum, message),
        ],
        render_kw={"inputmode": "numeric"},
    )


# -- cycles ------------------------------------------------------------------------------------


class CycleForm(IdempotentForm, FlaskForm):
    title = StringField(
        _l("Nama siklus"),
        filters=[strip],
        validators=[DataRequired(REQUIRED), Length(3, 120, _l("Nama harus 3–120 karakter."))],
        description=_l("Misalnya: Musrenbang Kelurahan 2027."),
    )
    description = TextAreaField(
        _l("Keterangan untuk warga"),
        filters=[strip],
        validators=[Length(max=3000, message=_l("Paling banyak 3000 karakter."))],
    )
    support_threshold = _count(
        _l("Ambang dukungan untuk masuk agenda musyawarah"),
        10_000,
        _l("Ambang dukungan harus 1–10.000."),
    )
    supports_per_resident = _count(
        _l("Dukungan per warga"), 100, _l("Dukungan per warga harus 1–100.")
    )
    categories = CheckboxListField(
        _l("Kategori usulan"), choices=select_choices(CATEGORIES.items())
    )
    budget = RupiahField(
        _l("Pagu indikatif (Rp)"),
        maximum=MAX_BUDGET,
        negative_message=_l("Pagu indikatif tidak boleh negatif."),
        format_message=_l("Tulis pagu sebagai angka rupiah, misalnya 350000000 atau 350.000.000."),
        too_large_message=_l("Pagu indikatif terlalu besar."),
    )

    def phase_fields(self):
        """(kind, label, starts, ends, [allow fields]) per phase, in order, for the template."""
        return [
            (
                kind,
                PHASE_LABELS[kind],
                self[f"{kind.value}_starts"],
                self[f"{kind.value}_ends"],
                [self[f"{kind.value}_allow_{a.value}"] for a in Action],
            )
            for kind in PHASE_ORDER
        ]

    def spans(self) -> list[tuple[PhaseKind, date | None, date | None]]:
        return [
            (kind, self[f"{kind.value}_starts"].data, self[f"{kind.value}_ends"].data)
            for kind in PHASE_ORDER
        ]

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if not self.categories.data:
            self.categories.errors = [
                *self.categories.errors,
                _l("Pilih paling sedikit satu kategori."),
            ]
            ok = False
        if self.budget.amount is None and not self.budget.errors:
            self.budget.errors = [*self.budget.errors, REQUIRED]
            ok = False
        parsed = [(k, s, e) for k, s, e in self.spans()]
        for kind, problem in phase_problems(parsed).items():
            field = self[f"{kind.value}_starts"]
            if not field.errors:
                field.errors = [*field.errors, problem]
            ok = False
        return ok


for _kind in PHASE_ORDER:
    setattr(
        CycleForm,
        f"{_kind.value}_starts",
        IndonesianDateField(_l("Tanggal mulai"), validators=[Optional()]),
    )
    setattr(
        CycleForm,
        f"{_kind.value}_ends",
        IndonesianDateField(_l("Tanggal selesai"), validators=[Optional()]),
    )
    for _action in Action:
        setattr(
            CycleForm,
            f"{_kind.value}_allow_{_action.value}",
            BooleanField(ACTION_LABELS[_action]),
        )


class PhaseForm(FlaskForm):
    """The admin pins the current phase by hand, or lets the dates decide again."""

    phase = SelectField(
        _l("Tahap sekarang"),
        choices=select_choices(
            [("", _l("Ikuti tanggal")), *((k.value, PHASE_LABELS[k]) for k in PHASE_ORDER)]
        ),
        invalid_choice_message=INVALID_CHOICE,
    )


# -- proposals ---------------------------------------------------------------------------------


class ProposalForm(IdempotentForm, FlaskForm):
    group = SelectField(_l("Diajukan atas nama"), validate_choice=False)
    title = StringField(
        _l("Judul usulan"),
        filters=[strip],
        validators=[DataRequired(REQUIRED), Length(5, 150, _l("Judul harus 5–150 karakter."))],
        description=_l("Singkat dan jelas, misalnya: Perbaikan saluran air RT 03/RW 05."),
        render_kw={"autocomplete": "off"},
    )
    category = SelectField(
        _l("Kategori"), validators=[DataRequired(REQUIRED)], invalid_choice_message=INVALID_CHOICE
    )
    problem = TextAreaField(
        _l("Masalahnya"),
        filters=[strip],
        validators=[
            DataRequired(REQUIRED),
            Length(10, 3000, _l("Ceritakan masalahnya dalam 10–3000 karakter.")),
        ],
        description=_l("Apa yang terjadi, di mana, sejak kapan, siapa yang terdampak."),
    )
    solution = TextAreaField(
        _l("Usulan penyelesaian"),
        filters=[strip],
        validators=[
            DataRequired(REQUIRED),
            Length(10, 3000, _l("Tulis usulan penyelesaian dalam 10–3000 karakter.")),
        ],
    )
    beneficiaries = StringField(
        _l("Penerima manfaat"),
        filters=[strip],
        validators=[
            DataRequired(REQUIRED),
            Length(max=300, message=_l("Paling banyak 300 karakter.")),
        ],
        description=_l("Misalnya: 60 KK di RT 03 dan RT 04, anak-anak PAUD."),
    )
    estimated_cost = RupiahField(
        _l("Perkiraan biaya (Rp)"),
        maximum=MAX_COST,
        negative_message=_l("Perkiraan biaya tidak boleh negatif."),
        format_message=_l(
            "Tulis perkiraan biaya sebagai angka rupiah, misalnya 25000000 atau 25.000.000."
        ),
        too_large_message=_l("Perkiraan biaya terlalu besar."),
    )
    rt = StringField(_l("RT"), filters=[strip], render_kw={"inputmode": "numeric", "maxlength": 3})
    rw = StringField(_l("RW"), filters=[strip], render_kw={"inputmode": "numeric", "maxlength": 3})
    lat = StringField(_l("Lintang (lat)"))
    lng = StringField(_l("Bujur (lng)"))
    photos = MultipleFileField(
        _l("Foto (maksimal 3, foto pertama jadi sampul)"), description=_l("JPG, PNG atau WebP.")
    )

    def __init__(self, *args, existing_photos: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.existing_photos = existing_photos
        self.location = None
        self.allowed_groups: dict = {}
        self.allow_self = True

    def setup(self, categories: list[str], groups, allow_self: bool) -> None:
        keys = [k for k in categories if k in CATEGORIES] or list(CATEGORIES)
        self.category.choices = select_choices(
            [("", _l("— pilih kategori —")), *((k, CATEGORIES[k]) for k in keys)]
        )
        self.allowed_groups = {str(g.id): g for g in groups}
        options = [(str(g.id), g.name) for g in groups]
        if allow_self:
            options.insert(0, (NO_GROUP, _l("Saya sendiri")))
        self.allow_self = allow_self
        self.group.choices = select_choices(options)
        if self.group.data is None and options:
            self.group.data = options[0][0]

    def validate_group(self, field):
        value = field.data or ""
        if value == NO_GROUP and self.allow_self:
            return
        if value not in self.allowed_groups:
            raise ValidationError(_l("Pilih diri Anda atau kelompok Anda yang sudah diverifikasi."))

    @property
    def chosen_group(self):
        return self.allowed_groups.get(self.group.data or "")

    def validate_rt(self, field):
        self.rt_value = neighbourhood_number(field.data)

    def validate_rw(self, field):
        self.rw_value = neighbourhood_number(field.data)

    def too_many_photos(self, room: int):
        if room <= 0:
            return _l("Paling banyak 3 foto. Usulan ini sudah punya 3 foto; hapus satu dulu.")
        return _l("Paling banyak 3 foto per usulan; Anda masih bisa menambah %(n)s.", n=room)

    def check_area(self, centre: tuple[float, float] | None, radius_m: int) -> bool:
        """Read the point; False with the field error when it is missing, outside the city,
        or farther than `radius_m` from the kelurahan's centre."""
        try:
            self.location = read_location(self.lat, self.lng)
        except MissingLocation:
            self.lat.errors = [*self.lat.errors, _l("Tandai lokasi usulan di peta.")]
            return False
        except ValueError:
            return False
        if centre is not None and distance_m(*centre, *self.location) > radius_m:
            self.lat.errors = [
                *self.lat.errors,
                _l(
                    "Lokasi ini di luar wilayah kelurahan. Usulan Musrenbang Kelurahan hanya "
                    "untuk wilayah kelurahan sendiri: pilih titik di dalamnya."
                ),
            ]
            self.location = None
            return False
        return True

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if self.estimated_cost.amount is None and not self.estimated_cost.errors:
            self.estimated_cost.errors = [*self.estimated_cost.errors, REQUIRED]
            ok = False
        return ok


class CommentForm(IdempotentForm, FlaskForm):
    body = TextAreaField(
        _l("Komentar"),
        filters=[strip],
        validators=[
            DataRequired(_l("Tulis komentar Anda dulu.")),
            Length(max=2000, message=_l("Paling banyak 2000 karakter.")),
        ],
    )
    parent_id = HiddenField()


class ReviewForm(FlaskForm):
    decision = SelectField(
        _l("Keputusan"),
        choices=select_choices(
            [
                ("accept", _l("Diterima untuk agenda musyawarah")),
                ("reject", _l("Tidak diterima")),
                ("merge", _l("Digabung ke usulan lain")),
            ]
        ),
        invalid_choice_message=INVALID_CHOICE,
    )
    reason = TextAreaField(
        _l("Alasan (tampil untuk umum)"),
        filters=[strip],
        validators=[Length(max=1000, message=_l("Paling banyak 1000 karakter."))],
    )
    merge_into = SelectField(_l("Gabungkan ke usulan"), validate_choice=False, choices=[])

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if self.decision.data == "reject" and not self.reason.data:
            self.reason.errors = [
                *self.reason.errors,
                _l("Tulis alasan usulan tidak diterima: warga berhak tahu."),
            ]
            ok = False
        if self.decision.data == "merge" and not (self.merge_into.data or "").strip():
            self.merge_into.errors = [
                *self.merge_into.errors,
                _l("Pilih usulan tujuan penggabungan."),
            ]
            ok = False
        return ok


class ResultForm(FlaskForm):
    result = SelectField(
        _l("Hasil musyawarah"),
        choices=select_choices(RESULT_LABELS.items()),
        invalid_choice_message=INVALID_CHOICE,
    )
    rank = WholeNumberField(
        _l("Peringkat prioritas"),
        validators=[Optional(), NumberRange(1, 999, _l("Peringkat harus 1–999."))],
        render_kw={"inputmode": "numeric"},
    )
    amount = RupiahField(
        _l("Anggaran yang disepakati (Rp)"),
        maximum=MAX_COST,
        negative_message=_l("Anggaran tidak boleh negatif."),
        too_large_message=_l("Anggaran terlalu besar."),
    )
    note = TextAreaField(
        _l("Catatan (tampil untuk umum)"),
        filters=[strip],
        validators=[Length(max=1000, message=_l("Paling banyak 1000 karakter."))],
    )

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if self.result.data == Result.PRIORITISED.value:
            if self.rank.data is None and not self.rank.errors:
                self.rank.errors = [*self.rank.errors, _l("Isi peringkat usulan prioritas.")]
                ok = False
            if self.amount.amount is None and not self.amount.errors:
                self.amount.errors = [
                    *self.amount.errors,
                    _l("Isi anggaran yang disepakati untuk usulan prioritas."),
                ]
                ok = False
        return ok


class MeetingForm(FlaskForm):
    day = IndonesianDateField(_l("Tanggal"), validators=[DataRequired(REQUIRED)])
    time = IndonesianTimeField(_l("Jam mulai (WIB)"), validators=[DataRequired(REQUIRED)])
    place_name = StringField(
        _l("Tempat"),
        filters=[strip],
        validators=[
            DataRequired(REQUIRED),
            Length(max=200, message=_l("Paling banyak 200 karakter.")),
        ],
        description=_l("Misalnya: Aula Kantor Kelurahan Kauman."),
    )
    lat = StringField(_l("Lintang (lat)"))
    lng = StringField(_l("Bujur (lng)"))
    minutes = TextAreaField(
        _l("Berita acara"),
        filters=[strip],
        validators=[Length(max=20000, message=_l("Paling banyak 20.000 karakter."))],
        description=_l("Diisi setelah musyawarah: jalannya acara, kesepakatan, tanda tangan."),
    )
    attendees = WholeNumberField(
        _l("Jumlah peserta hadir"),
        validators=[Optional(), NumberRange(0, 100_000, _l("Jumlah peserta harus 0–100.000."))],
        render_kw={"inputmode": "numeric"},
    )
    women_attendees = WholeNumberField(
        _l("Di antaranya perempuan"),
        validators=[Optional(), NumberRange(0, 100_000, _l("Jumlah harus 0–100.000."))],
        render_kw={"inputmode": "numeric"},
    )

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        self.location = None
        try:
            self.location = read_location(self.lat, self.lng)
        except MissingLocation:
            self.lat.errors = [*self.lat.errors, _l("Tandai tempat musyawarah di peta.")]
            ok = False
        except ValueError:
            ok = False
        women, total = self.women_attendees.data, self.attendees.data
        if women is not None and not self.women_attendees.errors:
            if total is None:
                self.attendees.errors = [
                    *self.attendees.errors,
                    _l("Isi jumlah peserta hadir bila mengisi jumlah perempuan."),
                ]
                ok = False
            elif women > total:
                self.women_attendees.errors = [
                    *self.women_attendees.errors,
                    _l("Jumlah perempuan tidak boleh melebihi jumlah peserta."),
                ]
                ok = False
        return ok

    def starts_at(self) -> datetime:
        from app.kit import WIB

        return datetime.combine(self.day.data, self.time.data, tzinfo=WIB)
