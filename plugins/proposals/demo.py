"""Demo data of resident proposals (`flask kp seed --demo`), in Kauman only.

* **Musrenbang Kelurahan 2026**, finished: pengajuan Nov–Dec 2025, the meeting on Thursday
  15 January 2026 in the Aula Kantor Kelurahan Kauman (86 present, 34 of them women, with its
  berita acara), results until February 2026. Ten proposals of a batik kampung by the coast:
  drainage against rob, solar street lights, paving, posyandu equipment, a batik class for
  the youth (by the verified group "Batik Tulis Kauman Lestari"), a communal batik
  wastewater plant, bank sampah equipment, a PAUD, and a city road that is not the
  kelurahan's to fix. One is merged into another (its supports moved, a resident who
  supported both counted once), one is not accepted with a public reason; four are
  prioritised (ranks 1–4, within the Rp 350.000.000 pagu), one is forwarded to the
  kecamatan, one is in the RKPD and two were not chosen.
* **Musrenbang Kelurahan 2027**, open: its dates follow today (WIB) so the demo is in the
  dukungan phase (pengajuan ended four days ago, support runs two more weeks; the
  meeting is in January 2027 when the calendar allows). Seven proposals, some over the
  threshold of 10 supports and some under, one carried over from 2026's not-chosen bank
  sampah proposal.

Accounts, all with the shared demo resident password `DEMO_PASSWORDS["warga"]` (app/seed.py)
and verified as residents of Kauman:

* `warga@demo.kelurahan-pintar.id` (Siti Aminah, the core demo resident): wrote the group's
  2026 proposal and has used 1 of her 3 supports in 2027, so a visitor signed in as her can
  support two more proposals (or withdraw hers).
* five authors, `warga.<name>@demo.kelurahan-pintar.id`: ahmadfauzi, khotimah, rizki,
  slamet, nurhidayah;
* 36 supporting neighbours, `warga.<first>.<last>@demo.kelurahan-pintar.id`. Only the first
  account is hashed (Argon2 is slow on purpose); the others reuse its hash, which holds the
  same password.

Every support is a Support row on a resident's Ballot within the cycle's limit, and each
proposal's `support_count` is its rows. Deterministic (a seeded random) and idempotent: a
kelurahan that has any cycle is left alone.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from app.kit import (
    WIB,
    Group,
    GroupKind,
    GroupMember,
    RoleAssignment,
    User,
    audit,
    db,
    demo_user,
    point_near,
    rupiah,
    slugify,
    utcnow,
)

from . import changes
from .models import (
    PHASE_ORDER,
    Ballot,
    Comment,
    Cycle,
    Follow,
    HistoryEntry,
    Meeting,
    Proposal,
    Result,
    Status,
    Support,
)
from .phases import default_phase, today_wib

MAIL = "{}@demo.kelurahan-pintar.id"
CORE_RESIDENT = ("warga", "Siti Aminah (warga)")
AUTHORS = {
    "ahmad": ("warga.ahmadfauzi", "Ahmad Fauzi"),
    "khotimah": ("warga.khotimah", "Khotimah (kader posyandu)"),
    "rizki": ("warga.rizki", "Rizki Maulana (Karang Taruna)"),
    "slamet": ("warga.slamet", "Slamet Riyadi (ketua RT 005)"),
    "nur": ("warga.nurhidayah", "Nur Hidayah"),
}
FIRST = ["Siti", "Dewi", "Umi", "Fatimah", "Rohmah", "Lestari", "Endang", "Yuni", "Agus",
         "Budi", "Joko", "Wahyu", "Teguh", "Eko", "Hadi", "Darmin", "Aisyah", "Zaenal"]  # fmt: skip
LAST = ["Rahayu", "Sholihah", "Mukaromah", "Hidayat", "Santoso", "Prasetyo", "Nugroho",
        "Setiawan", "Mubarok", "Kurniasih"]  # fmt: skip
NEIGHBOURS = 36
GROUP = ("Batik Tulis Kauman Lestari", "Perajin batik tulis motif Jlamprang dan Buketan dari "
         "gang-gang Kauman.")  # fmt: skip
PLACE = "Aula Kantor Kelurahan Kauman"
SEED = 2026


@dataclass(frozen=True)
class P:
    """A demo proposal: what it says, and what became of it."""

    key: str
    title: str
    problem: str
    solution: str
    category: str
    rt: str
    rw: str
    cost: int
    beneficiaries: str
    author: str  # a key of AUTHORS, or "siti"
    supports: int  # its supporters (for a merged one: before the merge)
    group: bool = False
    status: str = Status.ACCEPTED.value
    reason: str = ""
    merged_into: str = ""
    result: str | None = None
    rank: int | None = None
    amount: int | None = None
    note: str = ""


PAST = [
    P(
        "drainase",
        "Normalisasi saluran dan pintu air Gang 3–5 untuk menahan rob",
        "Setiap pasang naik air rob masuk dari saluran Gang 3 sampai Gang 5 dan menggenang "
        "20–40 cm sampai dua hari. Saluran dangkal, penuh sedimen, dan tidak punya pintu air, "
        "sehingga kain batik yang dijemur dan rumah produksi ikut terendam.",
        "Mengeruk dan meninggikan dinding saluran sepanjang ±350 m, memasang dua pintu air "
        "sorong di muara ke Kali Loji, dan menutup saluran dengan plat beton yang bisa dibuka.",
        "infrastruktur",
        "003",
        "002",
        185_000_000,
        "±140 KK di RT 002–004 RW 002 dan 11 rumah produksi batik",
        "ahmad",
        12,
        reason="Memenuhi ambang dukungan; lokasi dicek bersama ketua RW 002.",
        result=Result.PRIORITISED.value,
        rank=1,
        amount=150_000_000,
        note="Pintu air dikerjakan lebih dulu; pengerukan sisa saluran lewat swadaya.",
    ),
    P(
        "gorong",
        "Pengerukan gorong-gorong Gang 4 yang tersumbat",
        "Gorong-gorong di mulut Gang 4 tersumbat lumpur dan sampah plastik, sehingga air hujan "
        "dan rob tidak bisa keluar.",
        "Mengeruk gorong-gorong dan memasang saringan sampah di ujungnya.",
        "infrastruktur",
        "004",
        "002",
        40_000_000,
        "Warga Gang 4, ±45 KK",
        "nur",
        7,
        status=Status.MERGED.value,
        reason="Lokasi dan masalahnya sama dengan usulan normalisasi saluran Gang 3–5: "
        "digabung menjadi satu paket pekerjaan drainase.",
        merged_into="drainase",
    ),
    P(
        "lampu",
        "Lampu penerangan jalan tenaga surya di gang-gang kampung batik",
        "Gang-gang Kauman gelap selepas magrib. Wisatawan yang ikut tur malam dan ibu-ibu "
        "pulang pengajian mengeluh, dan dua kali ada jemuran kain yang hilang.",
        "Memasang 12 titik lampu PJU tenaga surya 40 W di tiang besi, di gang yang belum "
        "terjangkau jaringan PJU kota.",
        "infrastruktur",
        "001",
        "001",
        72_000_000,
        "Warga RW 001 dan wisatawan kampung batik",
        "rizki",
        11,
        reason="Memenuhi ambang dukungan.",
        result=Result.PRIORITISED.value,
        rank=2,
        amount=60_000_000,
        note="10 titik lampu; dua titik lain masuk jaringan PJU kota.",
    ),
    P(
        "paving",
        "Paving blok Gang Kauman 7 yang becek saat hujan",
        "Gang 7 masih tanah dan batu: becek dan licin saat hujan, gerobak kain sulit lewat, "
        "dan lansia pernah terjatuh.",
        "Memasang paving blok K-300 tebal 8 cm seluas ±420 m² dengan saluran tepi.",
        "infrastruktur",
        "005",
        "003",
        58_000_000,
        "±60 KK di RT 005 RW 003",
        "slamet",
        10,
        reason="Memenuhi ambang dukungan.",
        result=Result.PRIORITISED.value,
        rank=3,
        amount=55_000_000,
    ),
    P(
        "posyandu",
        "Alat ukur baru untuk Posyandu Melati",
        "Timbangan dacin dan alat ukur tinggi badan Posyandu Melati sudah tua, sehingga hasil "
        "penimbangan balita tidak akurat untuk memantau stunting.",
        "Membeli timbangan bayi digital, alat ukur panjang dan tinggi badan (infantometer dan "
        "stadiometer), tensimeter digital dan pita LILA untuk ibu hamil.",
        "kesehatan",
        "002",
        "003",
        18_500_000,
        "±95 balita dan ibu hamil di RW 003",
        "khotimah",
        10,
        reason="Memenuhi ambang dukungan; selaras dengan program penurunan stunting.",
        result=Result.PRIORITISED.value,
        rank=4,
        amount=18_500_000,
    ),
    P(
        "pelatihan",
        "Pelatihan membatik tulis untuk pemuda Kauman",
        "Perajin batik tulis Kauman menua; anak muda lebih memilih kerja pabrik, sehingga "
        "motif Jlamprang dan Buketan terancam tidak ada penerusnya.",
        "Kelas membatik tulis 12 pertemuan untuk 25 pemuda, dari mencanting sampai mewarna "
        "alam, dengan perajin kelompok sebagai pengajar dan pameran hasil di Pekan Batik.",
        "ekonomi",
        "003",
        "001",
        35_000_000,
        "25 pemuda usia 16–25 tahun, dan perajin yang butuh penerus",
        "siti",
        11,
        group=True,
        reason="Memenuhi ambang dukungan.",
        result=Result.RKPD.value,
        note="Masuk program pelatihan IKM batik Dinas Perindustrian dan Tenaga Kerja.",
    ),
    P(
        "ipal",
        "IPAL komunal untuk limbah cair batik",
        "Limbah pewarna dari rumah produksi batik dibuang langsung ke saluran, sehingga air "
        "berwarna dan berbau, terutama saat rob membalikkan aliran.",
        "Membangun instalasi pengolahan air limbah komunal berkapasitas 20 m³/hari untuk "
        "±15 rumah produksi, dengan jaringan pipa tersendiri.",
        "lingkungan",
        "002",
        "001",
        450_000_000,
        "15 rumah produksi batik dan seluruh warga di hilir saluran",
        "ahmad",
        8,
        reason="Diterima petugas walau di bawah ambang: menyangkut kesehatan lingkungan "
        "seluruh kampung batik.",
        result=Result.FORWARDED.value,
        note="Biaya di atas kewenangan kelurahan; dibawa ke Musrenbang Kecamatan.",
    ),
    P(
        "banksampah",
        "Sarana Bank Sampah Kauman Asri: timbangan, rak pilah dan gerobak",
        "Bank sampah menimbang dengan timbangan pinjaman dan menumpuk sampah pilahan di "
        "teras musala, sehingga nasabah baru ditolak.",
        "Membeli timbangan gantung digital, rak pilah tiga susun, dua gerobak sampah dan "
        "terpal penutup.",
        "lingkungan",
        "004",
        "002",
        15_000_000,
        "30 nasabah bank sampah dan warga yang ingin bergabung",
        "nur",
        6,
        reason="Diterima untuk agenda musyawarah.",
        result=Result.NOT_CHOSEN.value,
        note="Kalah prioritas tahun ini; disarankan diajukan lagi tahun depan.",
    ),
    P(
        "paud",
        "Alat permainan edukatif dan rak buku PAUD Melati",
        "PAUD Melati punya 38 murid tapi alat permainannya rusak dan buku cerita sedikit.",
        "Membeli alat permainan edukatif, rak buku anak dan 150 buku cerita bergambar.",
        "pendidikan",
        "001",
        "003",
        12_500_000,
        "38 murid PAUD Melati",
        "khotimah",
        5,
        reason="Diterima untuk agenda musyawarah.",
        result=Result.NOT_CHOSEN.value,
        note="Disarankan diajukan ke dana BOP PAUD Dinas Pendidikan.",
    ),
    P(
        "aspal",
        "Pengaspalan ulang Jalan Hayam Wuruk depan kampung batik",
        "Aspal Jalan Hayam Wuruk di depan gapura kampung berlubang dan tergenang saat rob.",
        "Mengaspal ulang ±200 m dan meninggikan badan jalan.",
        "infrastruktur",
        "001",
        "001",
        260_000_000,
        "Pengguna jalan dan wisatawan",
        "slamet",
        4,
        status=Status.REJECTED.value,
        reason="Jalan Hayam Wuruk adalah jalan kota: perbaikannya kewenangan Dinas PUPR, "
        "bukan kelurahan. Petugas sudah meneruskannya sebagai laporan kerusakan jalan.",
    ),
]

OPEN = [
    P(
        "pompa",
        "Pompa air dan rumah pompa untuk genangan rob RW 003",
        "Saat rob, air di RW 003 baru surut setelah dua hari karena salurannya lebih rendah "
        "dari muara. Anak-anak ke sekolah lewat genangan.",
        "Membangun rumah pompa kecil dengan satu pompa 10 HP dan satu pompa portabel "
        "cadangan, dikelola pokmas RW 003.",
        "infrastruktur",
        "005",
        "003",
        120_000_000,
        "±110 KK di RW 003",
        "slamet",
        14,
        status=Status.SUBMITTED.value,
    ),
    P(
        "resapan",
        "Sumur resapan di halaman masjid dan musala",
        "Air hujan dari atap masjid dan musala langsung ke saluran yang sudah penuh saat rob.",
        "Membuat 8 sumur resapan di halaman Masjid Jami' dan tiga musala.",
        "lingkungan",
        "003",
        "002",
        45_000_000,
        "Jemaah dan warga sekitar empat tempat ibadah",
        "ahmad",
        11,
        status=Status.SUBMITTED.value,
    ),
    P(
        "pmt",
        "Makanan tambahan dan kelas ibu hamil di Posyandu Melati",
        "Masih ada 9 balita dengan berat badan di bawah garis merah di RW 003.",
        "PMT lokal dua kali sepekan selama enam bulan dan kelas ibu hamil bulanan bersama "
        "bidan puskesmas.",
        "kesehatan",
        "002",
        "003",
        24_000_000,
        "9 balita, ±20 ibu hamil setiap tahun",
        "khotimah",
        8,
        status=Status.SUBMITTED.value,
    ),
    P(
        "inggris",
        "Kelas bahasa Inggris untuk pemandu wisata kampung batik",
        "Makin banyak wisatawan asing ikut tur kampung batik, tapi pemandu Pokdarwis belum "
        "bisa menjelaskan proses membatik dalam bahasa Inggris.",
        "Kursus 3 bulan untuk 15 pemandu dan perajin, dengan materi istilah batik.",
        "pendidikan",
        "001",
        "001",
        20_000_000,
        "15 pemandu dan perajin",
        "rizki",
        7,
        status=Status.SUBMITTED.value,
    ),
    P(
        "cctv",
        "CCTV di mulut gang dan pos ronda",
        "Dua motor hilang tahun ini dari gang yang gelap.",
        "Memasang 6 kamera CCTV dengan perekam di pos ronda RW 002.",
        "pemerintahan",
        "004",
        "002",
        30_000_000,
        "Warga RW 002",
        "rizki",
        5,
        status=Status.SUBMITTED.value,
    ),
    P(
        "galeri",
        "Galeri batik bersama di balai RW 001",
        "Perajin kecil tidak punya tempat memajang kain untuk wisatawan.",
        "Menata balai RW 001 menjadi galeri bersama dengan rak gantung dan pencahayaan.",
        "ekonomi",
        "002",
        "001",
        85_000_000,
        "±20 perajin batik kecil",
        "nur",
        3,
        status=Status.SUBMITTED.value,
    ),
]
CARRIED_SUPPORTS = 6  # the 2026 bank sampah proposal, carried over


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A WIB moment on `day`, as UTC (as it is stored)."""
    return datetime.combine(day, time(hour, minute), tzinfo=WIB).astimezone(UTC)


def seed_demo_proposals(kelurahan) -> int:
    """Kauman's two demo cycles, once; returns the proposals added."""
    if kelurahan.slug != "kauman" or kelurahan.lat is None:
        return 0
    if db.session.scalar(select(Cycle.id).where(Cycle.kelurahan_id == kelurahan.id).limit(1)):
        return 0  # seeded already (or the kelurahan runs its own cycles)
    rng = random.Random(SEED)
    people, neighbours = _residents(kelurahan, rng)
    group = _group(kelurahan, people["siti"])
    staff = _staff(kelurahan)
    demo = _Demo(kelurahan, rng, people, neighbours, group, staff)
    demo.past_cycle()
    demo.open_cycle()
    db.session.flush()
    return demo.added


def _residents(kelurahan, rng: random.Random) -> tuple[dict[str, User], list[User]]:
    """The authors and neighbours, verified residents of the kelurahan. demo_user hashes the
    shared password once; the others take that hash instead of hashing it again."""
    first = demo_user(MAIL.format(AUTHORS["ahmad"][0]), AUTHORS["ahmad"][1], kelurahan)
    siti = demo_user(MAIL.format(CORE_RESIDENT[0]), CORE_RESIDENT[1], kelurahan)
    db.session.flush()
    names = sorted({f"{first_name} {last}" for first_name in FIRST for last in LAST})
    rng.shuffle(names)
    wanted = {MAIL.format(local): name for local, name in list(AUTHORS.values())[1:]}
    for name in names[:NEIGHBOURS]:
        wanted[MAIL.format("warga." + slugify(name).replace("-", "."))] = name
    found = {
        u.email: u for u in db.session.execute(select(User).where(User.email.in_(wanted))).scalars()
    }
    verified = utcnow() - timedelta(days=400)
    for email, name in wanted.items():
        user = found.get(email)
        if user is None:
            user = User(
                email=email,
                display_name=name,
                password_hash=first.password_hash,
                home_kelurahan_id=kelurahan.id,
            )
            db.session.add(user)
            found[email] = user
        if not any(r.kelurahan_id == kelurahan.id for r in user.roles):
            user.roles.append(
                RoleAssignment(kelurahan_id=kelurahan.id, role="warga", verified_at=verified)
            )
    db.session.flush()
    people = {"ahmad": first, "siti": siti}
    for key, (local, _name) in list(AUTHORS.items())[1:]:
        people[key] = found[MAIL.format(local)]
    neighbours = [found[e] for e in list(wanted)[len(AUTHORS) - 1 :]]
    return people, neighbours


def _group(kelurahan, leader: User) -> Group:
    """The verified batik group of the core demo (made here when the core demo did not)."""
    name, description = GROUP
    group = db.session.execute(
        select(Group).where(Group.kelurahan_id == kelurahan.id, Group.slug == slugify(name))
    ).scalar_one_or_none()
    if group is None:
        group = Group(
            kelurahan_id=kelurahan.id,
            name=name,
            slug=slugify(name),
            kind=GroupKind.UMKM.value,
            description=description,
            created_by_id=leader.id,
            verified_at=utcnow(),
        )
        group.members.append(
            GroupMember(kelurahan_id=kelurahan.id, user_id=leader.id, role="ketua", status="active")
        )
        db.session.add(group)
        db.session.flush()
    return group


def _staff(kelurahan) -> User | None:
    """Who reviewed the demo proposals in the audit log: the kelurahan's petugas, if any."""
    return db.session.execute(
        select(User)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(
            RoleAssignment.kelurahan_id == kelurahan.id,
            RoleAssignment.role.in_(("petugas", "admin")),
        )
        .order_by(RoleAssignment.role.desc(), User.id)
        .limit(1)
    ).scalar_one_or_none()


class _Demo:
    def __init__(self, kelurahan, rng, people, neighbours, group, staff):
        self.k = kelurahan
        self.rng = rng
        self.people = people
        self.neighbours = neighbours
        self.group = group
        self.staff = staff
        self.added = 0

    # -- helpers ---------------------------------------------------------------------------

    def add(self, row):
        row.kelurahan_id = self.k.id
        db.session.add(row)
        return row

    def audit(self, action: str, proposal: Proposal, when: datetime, actor, **kw) -> None:
        entry = audit(
            f"proposals.{action}",
            "proposals_proposal",
            proposal.id,
            kelurahan=self.k,
            actor=actor,
            **kw,
        )
        entry.created_at = when

    def history(self, proposal: Proposal, kind: str, when: datetime, note: str = "") -> None:
        self.add(HistoryEntry(proposal_id=proposal.id, kind=kind, note=note, created_at=when))

    def cycle(self, title, description, spans, created, budget) -> Cycle:
        cycle = self.add(
            Cycle(
                title=title,
                description=description,
                support_threshold=10,
                supports_per_resident=3,
                categories=[
                    "infrastruktur",
                    "ekonomi",
                    "sosial_budaya",
                    "lingkungan",
                    "kesehatan",
                    "pendidikan",
                    "pemerintahan",
                ],
                budget=budget,
                created_by_id=self.staff.id if self.staff else None,
                created_at=created,
            )
        )
        for kind, (first, last) in zip(PHASE_ORDER, spans, strict=True):
            phase = default_phase(kind, first, last)
            phase.kelurahan_id = self.k.id
            cycle.phases.append(phase)
        db.session.flush()
        entry = audit(
            "proposals.cycle_opened",
            "proposals_cycle",
            cycle.id,
            kelurahan=self.k,
            actor=self.staff,
        )
        entry.created_at = created
        return cycle

    def proposals(self, cycle: Cycle, specs: list[P], first: date, last: date) -> dict:
        made = {}
        span = (last - first).days
        for spec in specs:
            lat, lng = point_near(self.k.lat, self.k.lng, self.rng, radius_m=550)
            day = first + timedelta(days=self.rng.randint(0, span))
            made[spec.key] = self.add(
                Proposal(
                    cycle_id=cycle.id,
                    title=spec.title,
                    problem=spec.problem,
                    solution=spec.solution,
                    category=spec.category,
                    lat=lat,
                    lng=lng,
                    rt=spec.rt,
                    rw=spec.rw,
                    estimated_cost=spec.cost,
                    beneficiaries=spec.beneficiaries,
                    author_id=self.people[spec.author].id,
                    group_id=self.group.id if spec.group else None,
                    status=Status.SUBMITTED.value,
                    created_at=at(day, self.rng.randint(7, 21), self.rng.randint(0, 59)),
                )
            )
        db.session.flush()
        self.added += len(made)
        for spec in specs:
            p = made[spec.key]
            p.updated_at = p.created_at
            if p.carried_from_id is None:
                self.history(p, changes.SUBMITTED, p.created_at)
                self.audit("submitted", p, p.created_at, self.people[spec.author])
        return made

    def supporters(self, made: dict, targets: dict[str, int], limit: int, used: dict) -> dict:
        """Who supports what: each proposal's number of distinct residents, none over the
        cycle's limit (the neighbours with the most supports left go first)."""
        chosen: dict[str, list[User]] = {}
        order = sorted(targets, key=lambda key: -targets[key])
        for key in order:
            pool = [u for u in self.neighbours if used.get(u.id, 0) < limit]
            pool.sort(key=lambda u: (used.get(u.id, 0), self.rng.random()))
            picked = pool[: targets[key]]
            assert len(picked) == targets[key], f"not enough demo residents for {key}"
            for user in picked:
                used[user.id] = used.get(user.id, 0) + 1
            chosen[key] = picked
        return chosen

    def supports(self, cycle: Cycle, made: dict, chosen: dict, first: datetime, last: datetime):
        """The Support and Follow rows (authors follow their own), the ballots, and each
        proposal's count from its rows."""
        seconds = int((last - first).total_seconds())
        per_user: dict[int, int] = {}
        for key, users in chosen.items():
            p = made[key]
            for user in users:
                when = first + timedelta(seconds=self.rng.randint(0, seconds))
                self.add(Support(proposal_id=p.id, user_id=user.id, created_at=when))
                self.add(Follow(proposal_id=p.id, user_id=user.id, created_at=when))
                per_user[user.id] = per_user.get(user.id, 0) + 1
            p.support_count = len(users)
        for key, p in made.items():
            if all(u.id != p.author_id for u in chosen.get(key, [])):
                self.add(Follow(proposal_id=p.id, user_id=p.author_id, created_at=p.created_at))
        for user_id, n in per_user.items():
            self.add(Ballot(cycle_id=cycle.id, user_id=user_id, used=n))

    def comment(self, proposal, user, body, when, parent=None) -> Comment:
        row = self.add(
            Comment(
                proposal_id=proposal.id,
                parent_id=parent.id if parent is not None else None,
                user_id=user.id,
                body=body,
                created_at=when,
            )
        )
        if parent is None:
            db.session.flush()
        return row

    # -- 2026: finished ----------------------------------------------------------------------

    def past_cycle(self) -> None:
        spans = [
            (date(2025, 11, 3), date(2025, 12, 5)),
            (date(2025, 12, 8), date(2025, 12, 28)),
            (date(2025, 12, 29), date(2026, 1, 11)),
            (date(2026, 1, 12), date(2026, 1, 17)),
            (date(2026, 1, 19), date(2026, 2, 27)),
        ]
        cycle = self.cycle(
            "Musrenbang Kelurahan 2026",
            "Usulan warga Kauman untuk Musrenbang Kelurahan 2026: pembangunan tahun anggaran "
            "2027. Usulan dengan 10 dukungan atau lebih masuk agenda musyawarah.",
            spans,
            at(date(2025, 10, 27), 9),
            350_000_000,
        )
        self.past = cycle
        made = self.proposals(cycle, PAST, spans[0][0], spans[0][1])
        self.past_made = made
        specs = {s.key: s for s in PAST}
        limit = cycle.supports_per_resident
        targets = {s.key: s.supports for s in PAST if s.key != "gorong"}
        used: dict[int, int] = {}
        chosen = self.supporters(made, targets, limit, used)
        # The gorong-gorong proposal's supporters, within their limit before the merge: two
        # also supported the drainage one, so after the merge they count once there and get
        # that support back on their ballot; the other five move with the merge.
        both = [u for u in chosen["drainase"] if used[u.id] < limit][:2]
        others = [
            u for u in self.neighbours if used.get(u.id, 0) < limit and u not in chosen["drainase"]
        ]
        others.sort(key=lambda u: (used.get(u.id, 0), self.rng.random()))
        moved = others[: specs["gorong"].supports - len(both)]
        merged, target = made["gorong"], made["drainase"]
        chosen["drainase"] = [*chosen["drainase"], *moved]
        moved_n, refunded = len(moved), len(both)
        self.supports(cycle, made, chosen, at(spans[1][0], 6), at(spans[1][1], 21))
        reviewer = self.staff
        review_day = spans[2][0]
        for i, spec in enumerate(PAST):
            p = made[spec.key]
            when = at(review_day + timedelta(days=i // 3), 9 + i % 3, 15)
            p.status, p.status_reason, p.updated_at = spec.status, spec.reason, when
            if spec.status == Status.ACCEPTED.value:
                self.history(p, changes.ACCEPTED, when, spec.reason)
                self.audit(
                    "accepted",
                    p,
                    when,
                    reviewer,
                    before={"status": "diajukan"},
                    after={"status": p.status},
                )
            elif spec.status == Status.REJECTED.value:
                self.history(p, changes.REJECTED, when, spec.reason)
                self.audit(
                    "rejected",
                    p,
                    when,
                    reviewer,
                    before={"status": "diajukan"},
                    after={"status": p.status, "reason": p.status_reason},
                )
            else:
                p.merged_into_id = target.id
                self.history(p, changes.MERGED, when, f"#{target.id} {target.title}")
                self.history(target, changes.MERGED_IN, when, f"#{p.id} {p.title}")
                self.audit(
                    "merged",
                    p,
                    when,
                    reviewer,
                    before={"status": "diajukan"},
                    after={
                        "status": p.status,
                        "into": target.id,
                        "moved": moved_n,
                        "refunded": refunded,
                    },
                )
        # The merged proposal's author follows the one it went into (as merging does).
        self.add(Follow(proposal_id=target.id, user_id=merged.author_id, created_at=when))

        meeting_at = at(date(2026, 1, 15), 8, 30)
        lat, lng = point_near(self.k.lat, self.k.lng, self.rng, radius_m=120)
        result_day = date(2026, 1, 16)
        for spec in PAST:
            if spec.result is None:
                continue
            p = made[spec.key]
            p.result, p.result_rank, p.result_amount = spec.result, spec.rank, spec.amount
            p.result_note = spec.note
            if spec.result == Result.FORWARDED.value:
                p.result_note = f"{spec.note} {self.k.kecamatan_name}."
            when = at(result_day, 10, self.rng.randint(0, 59))
            p.updated_at = when
            label = {
                Result.PRIORITISED.value: f"prioritas ke-{spec.rank}, {rupiah(spec.amount or 0)}",
                Result.FORWARDED.value: "Diteruskan ke Musrenbang Kecamatan",
                Result.RKPD.value: "Masuk RKPD",
                Result.NOT_CHOSEN.value: "Tidak terpilih",
            }[spec.result]
            self.history(p, changes.RESULT, when, label)
            self.audit(
                "result",
                p,
                when,
                reviewer,
                before={"result": None, "rank": None, "amount": None},
                after={"result": p.result, "rank": p.result_rank, "amount": p.result_amount},
            )
        ranked = sorted((s for s in PAST if s.rank), key=lambda s: s.rank)
        lines = "\n".join(f"{s.rank}. {s.title} ({rupiah(s.amount or 0)})" for s in ranked)
        total = sum(s.amount or 0 for s in ranked)
        minutes = (
            "BERITA ACARA MUSYAWARAH PERENCANAAN PEMBANGUNAN (MUSRENBANG) KELURAHAN KAUMAN\n"
            f"Kecamatan {self.k.kecamatan_name}, Kota Pekalongan\n\n"
            "Pada hari Kamis, 15 Januari 2026, pukul 08.30–12.15 WIB, bertempat di Aula Kantor "
            "Kelurahan Kauman, telah dilaksanakan Musrenbang Kelurahan Kauman Tahun 2026 "
            "untuk tahun anggaran 2027, dihadiri 86 peserta (34 perempuan): Lurah Kauman, "
            "perwakilan Kecamatan, Bapperida, ketua RT/RW, LPMK, TP PKK, Karang Taruna, kader "
            "posyandu, Pokdarwis, perajin batik dan warga pengusul.\n\n"
            "Musyawarah membahas 8 usulan yang masuk agenda (satu usulan telah digabung dan "
            "satu tidak diterima karena bukan kewenangan kelurahan) dan menyepakati daftar "
            f"prioritas dalam pagu indikatif {rupiah(350_000_000)}:\n"
            f"{lines}\n"
            f"Jumlah: {rupiah(total)}.\n\n"
            "Usulan IPAL komunal limbah batik diteruskan ke Musrenbang Kecamatan; usulan "
            "pelatihan membatik untuk pemuda masuk program Dinas Perindustrian dan Tenaga "
            "Kerja dalam RKPD. Usulan sarana bank sampah dan PAUD belum terpilih dan dapat "
            "diajukan kembali.\n\n"
            "Delegasi ke Musrenbang Kecamatan: Ketua LPMK, satu perwakilan perempuan (TP PKK) "
            "dan satu perwakilan pemuda (Karang Taruna).\n\n"
            "Demikian berita acara ini dibuat untuk dipergunakan sebagaimana mestinya."
        )
        meeting = self.add(
            Meeting(
                cycle_id=cycle.id,
                starts_at=meeting_at,
                place_name=PLACE,
                lat=lat,
                lng=lng,
                minutes=minutes,
                attendees=86,
                women_attendees=34,
                updated_at=at(result_day, 15),
            )
        )
        self.meeting_point = (lat, lng)
        db.session.flush()
        entry = audit(
            "proposals.meeting_saved",
            "proposals_meeting",
            meeting.id,
            kelurahan=self.k,
            actor=reviewer,
        )
        entry.created_at = at(result_day, 15)

        # Comments, one with a reply thread.
        n = self.neighbours
        c = self.comment(
            target,
            n[0],
            "Gang 4 juga tergenang tiap rob, apalagi kalau bulan purnama. Semoga pintu airnya "
            "dipasang sebelum musim hujan.",
            at(date(2025, 12, 10), 19, 12),
        )
        self.comment(
            target,
            self.people["ahmad"],
            "Betul, usulan gorong-gorong Gang 4 sudah digabung ke sini supaya dikerjakan "
            "sekaligus.",
            at(date(2026, 1, 2), 20, 5),
            parent=c,
        )
        self.comment(
            target,
            self.people["nur"],
            "Terima kasih. Warga Gang 4 siap kerja bakti untuk pengerukan sisanya.",
            at(date(2026, 1, 3), 7, 40),
            parent=c,
        )
        self.comment(
            made["posyandu"],
            n[1],
            "Timbangan dacin kami sudah sering macet, hasilnya beda-beda tiap ditimbang ulang.",
            at(date(2025, 12, 14), 16, 30),
        )
        self.comment(
            made["banksampah"],
            n[2],
            "Sayang belum terpilih. Tahun depan diajukan lagi ya Bu, saya dukung.",
            at(date(2026, 1, 20), 19, 45),
        )

    # -- 2027: open, in the support phase ------------------------------------------------------

    def open_cycle(self) -> None:
        today = today_wib()
        submit = (today - timedelta(days=38), today - timedelta(days=4))
        support = (today - timedelta(days=3), today + timedelta(days=14))
        review_start, review_end = today + timedelta(days=15), today + timedelta(days=28)
        meeting_day = date(2027, 1, 11)
        if review_end < meeting_day and (meeting_day - review_end).days <= 45:
            review_end = meeting_day - timedelta(days=1)
        else:
            meeting_day = review_end + timedelta(days=1)
        meeting_end = meeting_day + timedelta(days=6)
        spans = [
            submit,
            support,
            (review_start, review_end),
            (meeting_day, meeting_end),
            (meeting_end + timedelta(days=1), meeting_end + timedelta(days=42)),
        ]
        cycle = self.cycle(
            "Musrenbang Kelurahan 2027",
            "Ajukan dan dukung usulan pembangunan Kauman untuk Musrenbang Kelurahan 2027. "
            "Setiap warga terverifikasi punya 3 dukungan; usulan dengan 10 dukungan masuk "
            "agenda musyawarah.",
            spans,
            at(submit[0] - timedelta(days=7), 9),
            375_000_000,
        )
        made = self.proposals(cycle, OPEN, submit[0], submit[1])
        # Carried over from 2026: the bank sampah proposal that was not chosen.
        source = self.past_made["banksampah"]
        when = at(submit[0] + timedelta(days=2), 19, 20)
        copy = self.add(
            Proposal(
                cycle_id=cycle.id,
                author_id=source.author_id,
                group_id=source.group_id,
                title=source.title,
                problem=source.problem,
                solution=source.solution,
                category=source.category,
                lat=source.lat,
                lng=source.lng,
                rt=source.rt,
                rw=source.rw,
                estimated_cost=source.estimated_cost,
                beneficiaries=source.beneficiaries,
                carried_from_id=source.id,
                status=Status.SUBMITTED.value,
                created_at=when,
                updated_at=when,
            )
        )
        db.session.flush()
        self.added += 1
        made["banksampah"] = copy
        self.history(copy, changes.CARRIED_FROM, when, self.past.title)
        self.history(source, changes.CARRIED_OVER, when, cycle.title)
        self.audit(
            "carried_over",
            source,
            when,
            self.people["nur"],
            after={"to": copy.id, "cycle": cycle.id},
        )

        targets = {s.key: s.supports for s in OPEN}
        targets["banksampah"] = CARRIED_SUPPORTS
        used: dict[int, int] = {}
        chosen = self.supporters(made, targets, cycle.supports_per_resident, used)
        # The core demo resident used one of her three supports: two are left to try.
        chosen["pmt"] = [*chosen["pmt"], self.people["siti"]]
        now = utcnow()
        self.supports(cycle, made, chosen, at(support[0], 6), now - timedelta(minutes=30))

        meeting_at = at(meeting_day + timedelta(days=(3 - meeting_day.weekday()) % 7), 8, 30)
        lat, lng = self.meeting_point
        self.add(
            Meeting(cycle_id=cycle.id, starts_at=meeting_at, place_name=PLACE, lat=lat, lng=lng)
        )

        n = self.neighbours
        start = at(support[0], 7)
        c = self.comment(
            made["pompa"],
            n[5],
            "Pompanya nanti siapa yang bayar listriknya? Jangan sampai sudah dibangun lalu "
            "mangkrak.",
            start + timedelta(hours=5),
        )
        self.comment(
            made["pompa"],
            self.people["slamet"],
            "Sudah dibicarakan di rapat RW: listrik dan perawatan ditanggung iuran pokmas, "
            "Rp 5.000 per KK per bulan.",
            start + timedelta(hours=9),
            parent=c,
        )
        self.comment(
            made["banksampah"],
            n[2],
            "Sudah saya dukung lagi. Nasabah sekarang 42 orang, timbangannya makin perlu.",
            start + timedelta(hours=14),
        )
        self.comment(
            made["cctv"],
            n[7],
            "Setuju, tapi rekamannya siapa yang boleh lihat? Perlu aturan yang jelas.",
            start + timedelta(days=1, hours=3),
        )
