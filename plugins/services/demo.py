"""Demo data of letter services (`flask kp seed --demo`), in Kauman only.

* Six letter types with believable templates: surat keterangan domisili, SKTM, surat
  pengantar SKCK, surat keterangan usaha, surat keterangan kehilangan and surat keterangan
  belum menikah, each with its fields, required documents and target in working days.
* About 90 finished requests over the last four months, so the public service times have
  figures (most within target, some late, a few refused or cancelled). They carry no
  uploaded documents, to keep seeding light.
* Open requests in every step of the workflow. The core demo resident
  (`warga@demo.kelurahan-pintar.id`, Siti Aminah) has a domisili request sent back for a fix
  (its RT letter photo was blurred) and an SKCK letter whose PDF she can download and verify
  by its QR code; `petugas@demo…` handles the queue and `admin@demo…` (the lurah) approves.
* Slamet Riyadi (`warga.slamet@demo…`) is registered as head of RT 005/RW 002 (the RT/RW
  approval setting stays off until the admin switches it on).
* The city's 2026 collective leave days (SKB 3 Menteri), when none are set.

Deterministic (a seeded random) and idempotent: a kelurahan with letter types is left alone.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from io import BytesIO

from PIL import Image, ImageDraw
from sqlalchemy import func, select

from app.kit import WIB, db, demo_user, save_upload, set_media_public, utcnow

from . import personal
from .changes import approve, new_code
from .models import (
    Delivery,
    FieldKind,
    LeaveDay,
    LetterField,
    LetterType,
    Request,
    RequestDocument,
    RequiredDocument,
    RtHead,
    Status,
    Step,
)
from .workdays import add_working_days, is_working_day

MAIL = "{}@demo.kelurahan-pintar.id"
SEED = 2026
PENGANTAR = "Surat pengantar RT/RW"

IDENTITY = (
    "Yang bertanda tangan di bawah ini {{ penanda_tangan }}, Kecamatan {{ kecamatan }}, "
    "{{ kota }}, menerangkan bahwa:\n"
    "\n"
    "Nama : {{ nama }}\n"
    "NIK : {{ nik }}\n"
    "Tempat, tanggal lahir : {{ tempat_lahir }}, {{ tanggal_lahir|tanggal }}\n"
    "Jenis kelamin : {{ jenis_kelamin }}\n"
    "Alamat : {{ alamat }} RT {{ rt }} RW {{ rw }}\n"
)
CLOSING = """
Surat keterangan ini dibuat untuk keperluan {{ keperluan|lower }}.

Demikian surat keterangan ini dibuat dengan sebenarnya untuk dipergunakan sebagaimana mestinya."""

TYPES = [
    dict(
        slug="domisili",
        name="Surat keterangan domisili",
        title="SURAT KETERANGAN DOMISILI",
        code="470",
        target=2,
        description="Keterangan tempat tinggal, untuk melamar kerja, membuka rekening atau "
        "mendaftar sekolah.",
        fields=[
            ("sejak_tahun", "Tinggal di alamat ini sejak tahun", FieldKind.NUMBER, True, ""),
            (
                "status_tinggal",
                "Status tempat tinggal",
                FieldKind.CHOICE,
                True,
                "Milik sendiri\nMilik orang tua\nSewa/kontrak\nKos\nMenumpang keluarga",
            ),
        ],
        documents=[(PENGANTAR, True), ("KTP", True), ("Kartu Keluarga", True)],
        body="Adalah benar penduduk yang berdomisili di alamat tersebut di atas di wilayah "
        "Kelurahan {{ kelurahan }} sejak tahun {{ sejak_tahun }}, dengan status tempat "
        "tinggal {{ status_tinggal|lower }}.\n",
    ),
    dict(
        slug="sktm",
        name="Surat keterangan tidak mampu (SKTM)",
        title="SURAT KETERANGAN TIDAK MAMPU",
        code="400.9",
        target=3,
        description="Untuk keringanan biaya sekolah atau berobat dan pendaftaran bantuan sosial.",
        fields=[
            ("penghasilan", "Penghasilan keluarga per bulan (rupiah)", FieldKind.NUMBER, True, ""),
            ("tanggungan", "Jumlah tanggungan keluarga", FieldKind.NUMBER, True, ""),
            (
                "untuk",
                "Dipakai untuk",
                FieldKind.CHOICE,
                True,
                "Pendidikan\nKesehatan\nBantuan sosial",
            ),
        ],
        documents=[
            (PENGANTAR, True),
            ("KTP", True),
            ("Kartu Keluarga", True),
            ("Foto rumah tampak depan", False),
        ],
        body="Berdasarkan surat pengantar Ketua RT {{ rt }} RW {{ rw }}, yang bersangkutan "
        "adalah benar warga Kelurahan {{ kelurahan }} dari keluarga kurang mampu, dengan "
        "penghasilan keluarga sekitar Rp {{ penghasilan }} per bulan dan {{ tanggungan }} "
        "orang tanggungan. Keterangan ini untuk keperluan {{ untuk|lower }}.\n",
    ),
    dict(
        slug="pengantar-skck",
        name="Surat pengantar SKCK",
        title="SURAT PENGANTAR",
        code="300",
        target=1,
        description="Pengantar ke Polres Pekalongan Kota untuk membuat SKCK.",
        fields=[],
        documents=[
            (PENGANTAR, True),
            ("KTP", True),
            ("Kartu Keluarga", True),
            ("Akta kelahiran", False),
        ],
        body="Adalah benar warga Kelurahan {{ kelurahan }} yang berkelakuan baik dan sepanjang "
        "pengetahuan kami tidak pernah tersangkut perkara pidana. Surat ini diberikan sebagai "
        "pengantar untuk mengurus Surat Keterangan Catatan Kepolisian (SKCK) di Polres "
        "Pekalongan Kota.\n",
    ),
    dict(
        slug="usaha",
        name="Surat keterangan usaha",
        title="SURAT KETERANGAN USAHA",
        code="500",
        target=3,
        description="Untuk pengajuan KUR, NIB atau bantuan modal UMKM.",
        fields=[
            ("nama_usaha", "Nama usaha", FieldKind.TEXT, True, ""),
            ("jenis_usaha", "Jenis usaha", FieldKind.TEXT, True, ""),
            ("alamat_usaha", "Alamat usaha", FieldKind.TEXT, True, ""),
            ("mulai_usaha", "Usaha berjalan sejak", FieldKind.DATE, True, ""),
        ],
        documents=[(PENGANTAR, True), ("KTP", True), ("Foto tempat usaha", True)],
        body="Adalah benar memiliki usaha sebagai berikut:\n\n"
        "Nama usaha : {{ nama_usaha }}\nJenis usaha : {{ jenis_usaha }}\n"
        "Alamat usaha : {{ alamat_usaha }}\nBerjalan sejak : {{ mulai_usaha|tanggal }}\n",
    ),
    dict(
        slug="kehilangan",
        name="Surat keterangan kehilangan",
        title="SURAT KETERANGAN KEHILANGAN",
        code="300.1",
        target=1,
        description="Keterangan kehilangan dokumen atau barang, sebelum melapor ke polisi.",
        fields=[
            ("barang", "Barang atau dokumen yang hilang", FieldKind.TEXT, True, ""),
            ("tanggal_hilang", "Tanggal hilang", FieldKind.DATE, True, ""),
            ("tempat_hilang", "Perkiraan tempat hilang", FieldKind.TEXT, True, ""),
        ],
        documents=[(PENGANTAR, True), ("KTP atau Kartu Keluarga", True)],
        body="Menurut keterangan yang bersangkutan, telah kehilangan {{ barang }} pada tanggal "
        "{{ tanggal_hilang|tanggal }} di sekitar {{ tempat_hilang }}.\n",
    ),
    dict(
        slug="belum-menikah",
        name="Surat keterangan belum menikah",
        title="SURAT KETERANGAN BELUM PERNAH MENIKAH",
        code="474.2",
        target=2,
        description="Untuk melamar kerja, mendaftar TNI/Polri atau persyaratan menikah.",
        fields=[],
        documents=[(PENGANTAR, True), ("KTP", True), ("Kartu Keluarga", True)],
        body="Sepanjang pengetahuan kami dan menurut pengantar Ketua RT {{ rt }} RW {{ rw }}, "
        "yang bersangkutan sampai saat ini belum pernah menikah.\n",
    ),
]

# (day, name) of 2026's collective leave, from the joint ministerial decree (SKB 3 Menteri).
LEAVE_2026 = [
    (date(2026, 2, 16), "Cuti bersama Tahun Baru Imlek"),
    (date(2026, 3, 18), "Cuti bersama Hari Suci Nyepi"),
    (date(2026, 3, 20), "Cuti bersama Idulfitri"),
    (date(2026, 3, 23), "Cuti bersama Idulfitri"),
    (date(2026, 3, 24), "Cuti bersama Idulfitri"),
    (date(2026, 5, 15), "Cuti bersama Kenaikan Yesus Kristus"),
    (date(2026, 5, 28), "Cuti bersama Iduladha"),
    (date(2026, 12, 24), "Cuti bersama Natal"),
]

PEOPLE = [  # (account key, name, sex, birth date, birth place, RT, RW)
    ("warga", "Siti Aminah", "P", date(1990, 7, 1), "Pekalongan", "003", "002"),
    ("warga.ahmadfauzi", "Ahmad Fauzi", "L", date(1985, 2, 14), "Pekalongan", "001", "001"),
    ("warga.khotimah", "Khotimah", "P", date(1979, 11, 3), "Batang", "004", "002"),
    ("warga.rizki", "Rizki Maulana", "L", date(2001, 5, 22), "Pekalongan", "002", "003"),
    ("warga.slamet", "Slamet Riyadi", "L", date(1968, 9, 9), "Pemalang", "005", "002"),
    ("warga.nurhidayah", "Nur Hidayah", "P", date(1998, 1, 30), "Pekalongan", "001", "003"),
]
NAMES = ["Dewi Lestari", "Agus Prasetyo", "Umi Kulsum", "Teguh Santoso", "Fatimah Zahra",
         "Wahyu Nugroho", "Endang Sulistyowati", "Joko Susilo", "Aisyah Rahma",
         "Hadi Mulyono", "Yuni Astuti", "Zaenal Arifin", "Rohmah Hidayati", "Budi Setiawan",
         "Eko Saputro"]  # fmt: skip
TYPE_WEIGHTS = {"domisili": 30, "sktm": 20, "pengantar-skck": 18, "usaha": 12,
                "kehilangan": 8, "belum-menikah": 12}  # fmt: skip


def seed_demo_services(kelurahan) -> None:
    if kelurahan.slug != "kauman":
        return
    if db.session.scalar(select(func.count(LetterType.id))):
        return
    rng = random.Random(SEED)
    types = _letter_types()
    _leave_days()
    accounts = {key: demo_user(MAIL.format(key), label, kelurahan) for key, label in _accounts()}
    db.session.add(RtHead(user_id=accounts["warga.slamet"].id, rw="002", rt="005"))
    db.session.flush()
    now = utcnow()
    _history(kelurahan, types, accounts, rng, now)
    _open_requests(kelurahan, types, accounts, rng, now)
    db.session.flush()


def _accounts():
    return [
        ("warga", "Siti Aminah (warga)"),
        ("warga.ahmadfauzi", "Ahmad Fauzi"),
        ("warga.khotimah", "Khotimah (kader posyandu)"),
        ("warga.rizki", "Rizki Maulana (Karang Taruna)"),
        ("warga.slamet", "Slamet Riyadi (ketua RT 005)"),
        ("warga.nurhidayah", "Nur Hidayah"),
    ]


def _letter_types() -> dict[str, LetterType]:
    found = {}
    for position, spec in enumerate(TYPES):
        letter_type = LetterType(
            slug=spec["slug"],
            name=spec["name"],
            title=spec["title"],
            code=spec["code"],
            description=spec["description"],
            template=IDENTITY + "\n" + spec["body"] + CLOSING,
            target_days=spec["target"],
            online=True,
            active=True,
            position=position,
        )
        for i, (key, label, kind, required, choices) in enumerate(spec["fields"]):
            letter_type.fields.append(
                LetterField(
                    key=key,
                    label=label,
                    kind=kind.value,
                    required=required,
                    choices=choices,
                    position=i,
                )
            )
        for i, (name, required) in enumerate(spec["documents"]):
            letter_type.documents.append(RequiredDocument(name=name, required=required, position=i))
        db.session.add(letter_type)
        found[spec["slug"]] = letter_type
    db.session.flush()
    return found


def _leave_days() -> None:
    if db.session.scalar(select(func.count()).select_from(LeaveDay)):
        return
    for day, name in LEAVE_2026:
        db.session.add(LeaveDay(day=day, name=name))
    db.session.flush()


def _nik(sex: str, born: date, rng: random.Random) -> str:
    day = born.day + (40 if sex == "P" else 0)
    return f"337502{day:02d}{born.month:02d}{born.year % 100:02d}{rng.randint(1, 9999):04d}"


def _values(slug: str, rng: random.Random) -> dict:
    return {
        "domisili": lambda: {
            "sejak_tahun": rng.choice([2005, 2012, 2016, 2019, 2021]),
            "status_tinggal": rng.choice(["Milik sendiri", "Milik orang tua", "Sewa/kontrak"]),
        },
        "sktm": lambda: {
            "penghasilan": rng.choice([900_000, 1_200_000, 1_500_000]),
            "tanggungan": rng.randint(2, 5),
            "untuk": rng.choice(["Pendidikan", "Kesehatan", "Bantuan sosial"]),
        },
        "usaha": lambda: {
            "nama_usaha": rng.choice(
                ["Batik Tulis Bu Umi", "Warung Nasi Megono Berkah", "Konveksi Sarung Jaya"]
            ),
            "jenis_usaha": rng.choice(["Batik tulis", "Kuliner", "Konveksi"]),
            "alamat_usaha": "Gang Kauman RT 003 RW 002",
            "mulai_usaha": "2019-03-01",
        },
        "kehilangan": lambda: {
            "barang": rng.choice(["KTP", "STNK sepeda motor", "dompet berisi KTP dan ATM"]),
            "tanggal_hilang": "2026-10-12",
            "tempat_hilang": rng.choice(["Pasar Banjarsari", "Alun-alun Pekalongan"]),
        },
    }.get(slug, lambda: {})()


PURPOSES = {
    "domisili": ["Melamar pekerjaan", "Membuka rekening bank", "Mendaftar sekolah anak"],
    "sktm": ["Keringanan biaya sekolah", "Berobat di RSUD Bendan"],
    "pengantar-skck": ["Melamar pekerjaan"],
    "usaha": ["Pengajuan KUR", "Pengurusan NIB"],
    "kehilangan": ["Melapor kehilangan ke polisi"],
    "belum-menikah": ["Melamar pekerjaan", "Persyaratan menikah"],
}


def _request(letter_type, person, account, rng, *, status, delivery=Delivery.PICKUP) -> Request:
    _, name, sex, born, place, rt, rw = person
    nik = _nik(sex, born, rng)
    req = Request(
        code=new_code(),
        letter_type_id=letter_type.id,
        requester_id=account.id if account is not None else None,
        status=status.value,
        delivery=delivery.value,
        full_name=name,
        nik_token=personal.encrypt(nik),
        nik_hash=personal.lookup_hash(nik),
        birth_place=place,
        birth_date=born,
        sex=sex,
        address="Jl. Hayam Wuruk, Gang Kauman",
        rt=rt,
        rw=rw,
        purpose=rng.choice(PURPOSES[letter_type.slug]),
        values=_values(letter_type.slug, rng),
    )
    req.letter_type = letter_type
    return req


def _at(day: date, rng: random.Random, first: int = 8, last: int = 14) -> datetime:
    local = datetime.combine(day, time(rng.randint(first, last), rng.randint(0, 59)), WIB)
    return local.astimezone(UTC)


def _history(kelurahan, types, accounts, rng, now) -> None:
    """Finished requests of the last four months, approved in date order (so the numbers
    run in order), through the same approval code as the office's."""
    today = now.astimezone(WIB).date()
    slugs = list(TYPE_WEIGHTS)
    weights = [TYPE_WEIGHTS[s] for s in slugs]
    planned = []
    for _ in range(90):
        letter_type = types[rng.choices(slugs, weights)[0]]
        day = today - timedelta(days=rng.randint(6, 120))
        while not is_working_day(day):
            day -= timedelta(days=1)
        target = letter_type.target_days
        took = rng.choices([0, target - 1, target, target + 1, target + 3], [3, 5, 6, 2, 1])[0]
        planned.append((day, max(took, 0), letter_type))
    planned.sort(key=lambda p: p[0])
    people = PEOPLE + [
        ("", n, "P" if n.split()[0] in {"Dewi", "Umi", "Fatimah", "Endang", "Aisyah", "Yuni",
                                          "Rohmah"} else "L",
         date(rng.randint(1960, 2004), rng.randint(1, 12), rng.randint(1, 28)), "Pekalongan",
         f"{rng.randint(1, 6):03d}", f"{rng.randint(1, 4):03d}")
        for n in NAMES
    ]  # fmt: skip
    for day, took, letter_type in planned:
        person = rng.choice(people)
        account = accounts.get(person[0]) or accounts["warga.nurhidayah"]
        fate = rng.random()
        complete = _at(day, rng)
        if fate < 0.05:
            req = _request(letter_type, person, account, rng, status=Status.CANCELLED)
            _save(req, [(Status.SUBMITTED, complete, "")], closed=complete + timedelta(hours=3))
            continue
        if fate < 0.10:
            req = _request(letter_type, person, account, rng, status=Status.REFUSED)
            refused = complete + timedelta(days=1)
            note = "Surat pengantar RT/RW tidak dilampirkan dan alamat di luar Kelurahan Kauman."
            req.note = note
            _save(
                req,
                [(Status.SUBMITTED, complete, ""), (Status.REFUSED, refused, note)],
                closed=refused,
            )
            continue
        ready_day = add_working_days(day, took)
        ready = _at(ready_day, rng, 10, 15)
        if ready <= complete:
            ready = complete + timedelta(hours=2)
        approved = ready - timedelta(minutes=40)
        delivery = Delivery.DOWNLOAD if rng.random() < 0.4 else Delivery.PICKUP
        req = _request(letter_type, person, account, rng, status=Status.DONE, delivery=delivery)
        db.session.add(req)
        db.session.flush()
        approve(req, kelurahan=kelurahan, now=approved)
        ready_status = Status.SENT if delivery == Delivery.DOWNLOAD else Status.READY
        done = ready + timedelta(days=rng.randint(0, 3), hours=1)
        _save(
            req,
            [
                (Status.SUBMITTED, complete, ""),
                (Status.CHECKING, complete + timedelta(hours=1), ""),
                (Status.APPROVED, approved, ""),
                (ready_status, ready, ""),
                (Status.DONE, done, ""),
            ],
            closed=done,
        )


def _save(req: Request, steps, *, closed=None) -> None:
    db.session.add(req)
    db.session.flush()
    first = steps[0][1]
    req.created_at = first
    req.complete_at = first
    for status, at, note in steps:
        db.session.add(Step(request_id=req.id, status=status.value, note=note, created_at=at))
        if status in (Status.READY, Status.SENT):
            req.ready_at = at
    req.closed_at = closed


def _document_image(label: str, name: str) -> BytesIO:
    """A plain card that says what it stands for: demo documents are not real scans."""
    image = Image.new("RGB", (640, 400), (232, 240, 250))
    draw = ImageDraw.Draw(image)
    draw.rectangle((12, 12, 628, 388), outline=(40, 70, 120), width=4)
    draw.text((40, 40), "CONTOH DOKUMEN DEMO", fill=(40, 70, 120))
    draw.text((40, 90), label.upper(), fill=(20, 20, 20))
    draw.text((40, 140), name, fill=(20, 20, 20))
    out = BytesIO()
    image.save(out, "PNG")
    out.seek(0)
    return out


def _documents(kelurahan, req: Request, letter_type: LetterType) -> None:
    for position, doc in enumerate(letter_type.documents):
        if not doc.required:
            continue
        media = save_upload(
            _document_image(doc.name, req.full_name or ""), kelurahan=kelurahan, subdir="services"
        )
        set_media_public([media], False)
        db.session.flush()
        req.documents.append(
            RequestDocument(
                request_id=req.id,
                required_document_id=doc.id,
                name=doc.name,
                media_id=media.id,
                media=media,
                position=position,
            )
        )


def _open_requests(kelurahan, types, accounts, rng, now) -> None:
    today = now.astimezone(WIB).date()

    def working_days_ago(n: int) -> date:
        day = today
        while n > 0 or not is_working_day(day):
            day -= timedelta(days=1)
            if is_working_day(day):
                n -= 1
        return day

    siti, ahmad, khotimah, rizki, slamet, nur = PEOPLE
    # Siti's domisili letter: sent back for a better photo of the RT letter.
    req = _request(types["domisili"], siti, accounts["warga"], rng, status=Status.NEEDS_FIX)
    note = "Foto surat pengantar RT buram dan terpotong. Mohon foto ulang di tempat yang terang."
    req.note = note
    sent = _at(working_days_ago(1), rng)
    _save(req, [(Status.SUBMITTED, sent, ""), (Status.NEEDS_FIX, sent + timedelta(hours=3), note)])
    _documents(kelurahan, req, types["domisili"])

    # Siti's SKCK pengantar: approved and sent as a PDF she can download and verify.
    req = _request(
        types["pengantar-skck"],
        siti,
        accounts["warga"],
        rng,
        status=Status.SENT,
        delivery=Delivery.DOWNLOAD,
    )
    db.session.add(req)
    db.session.flush()
    sent = _at(working_days_ago(2), rng)
    approved = sent + timedelta(hours=20)
    approve(req, kelurahan=kelurahan, now=min(approved, now))
    _save(
        req,
        [
            (Status.SUBMITTED, sent, ""),
            (Status.CHECKING, sent + timedelta(hours=2), ""),
            (Status.APPROVED, min(approved, now), ""),
            (Status.SENT, min(approved + timedelta(minutes=30), now), ""),
        ],
    )
    _documents(kelurahan, req, types["pengantar-skck"])

    queue = [
        (types["usaha"], ahmad, "warga.ahmadfauzi", Status.SUBMITTED, 0),
        (types["sktm"], khotimah, "warga.khotimah", Status.CHECKING, 2),
        (types["domisili"], slamet, "warga.slamet", Status.SUBMITTED, 4),
        (types["kehilangan"], rizki, "warga.rizki", Status.APPROVED, 1),
        (types["belum-menikah"], nur, "warga.nurhidayah", Status.READY, 1),
    ]
    for letter_type, person, key, status, age in queue:
        req = _request(letter_type, person, accounts[key], rng, status=status)
        db.session.add(req)
        db.session.flush()
        sent = _at(working_days_ago(age), rng)
        steps = [(Status.SUBMITTED, sent, "")]
        if status in (Status.CHECKING, Status.APPROVED, Status.READY):
            steps.append((Status.CHECKING, min(sent + timedelta(hours=1), now), ""))
        if status in (Status.APPROVED, Status.READY):
            approved = min(sent + timedelta(hours=5), now)
            approve(req, kelurahan=kelurahan, now=approved)
            steps.append((Status.APPROVED, approved, ""))
        if status == Status.READY:
            steps.append((Status.READY, min(sent + timedelta(hours=6), now), ""))
        _save(req, steps)
        _documents(kelurahan, req, letter_type)
