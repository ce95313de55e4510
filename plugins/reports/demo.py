"""Believable demo reports around each kelurahan's centre (`flask kp seed --demo`).

Each kelurahan gets 8–12 reports of mixed categories and statuses, with their status history
and staff notes, spread over the last five months so the statistics page has something to
show. Reporters and supporters are residents of that kelurahan when the demo has any; other
reports carry a resident's name only. Deterministic per kelurahan, and idempotent: a
kelurahan that already has reports gets nothing.
"""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import func, select

from app.kit import RoleAssignment, User, db, point_near, utcnow

from .models import Report, ReportFollow, ReportSupport, ReportUpdate, Status
from .queries import categories

LANDMARKS = [
    "mushola Al-Ikhlas",
    "Masjid Jami'",
    "SD Negeri {sd}",
    "pos ronda RW {rw}",
    "balai RW {rw}",
    "posyandu Melati",
    "lapangan voli RT {rt}",
    "warung Bu Darsih",
    "TK Pertiwi",
    "makam umum",
]

# category: [(title, description)], placeholders {gang}, {rt}, {rw}, {place}.
TEMPLATES = {
    "Jalan rusak": [
        (
            "Jalan berlubang di Gang {gang}",
            "Lubangnya cukup dalam di tengah jalan dan tertutup air kalau hujan. Minggu ini "
            "sudah dua pengendara motor terjatuh.",
        ),
        (
            "Aspal mengelupas dekat {place}",
            "Aspal rusak sepanjang kira-kira 20 meter, kerikil berserakan dan licin untuk "
            "anak-anak yang bersepeda ke sekolah.",
        ),
        (
            "Paving blok ambles di RT {rt}/RW {rw}",
            "Paving turun sekitar 10 cm setelah galian pipa PDAM bulan lalu tidak dirapikan.",
        ),
    ],
    "Drainase / banjir": [
        (
            "Saluran air tersumbat di Gang {gang}",
            "Saluran penuh lumpur dan sampah plastik. Setiap hujan deras air meluap ke jalan "
            "dan masuk ke teras rumah warga.",
        ),
        (
            "Genangan air tidak surut di depan {place}",
            "Sudah tiga hari air setinggi mata kaki tidak surut, mulai berbau dan banyak nyamuk.",
        ),
        (
            "Tutup gorong-gorong pecah di RT {rt}",
            "Tutup beton pecah di tengah, lubangnya berbahaya untuk pejalan kaki pada malam hari.",
        ),
    ],
    "Sampah": [
        (
            "Sampah menumpuk di pinggir sungai dekat {place}",
            "Tumpukan sampah rumah tangga makin tinggi dan terbawa arus kalau air naik.",
        ),
        (
            "Sampah RT {rt} belum diangkut seminggu",
            "Bak sampah sudah penuh sejak Senin, sampah meluber ke jalan dan dikerumuni lalat.",
        ),
        (
            "Pembuangan sampah liar di lahan kosong Gang {gang}",
            "Ada orang dari luar kampung membuang sampah pada malam hari. Mohon dipasang papan "
            "larangan.",
        ),
    ],
    "Penerangan jalan": [
        (
            "Lampu PJU mati depan {place}",
            "Lampu penerangan jalan mati sudah dua minggu, jalan gelap sekali selepas isya.",
        ),
        (
            "Lampu jalan Gang {gang} berkedip-kedip",
            "Lampu menyala lalu mati terus-menerus sejak hujan angin kemarin.",
        ),
        (
            "Tiang lampu miring di RT {rt}/RW {rw}",
            "Tiang lampu miring setelah tersenggol truk, khawatir roboh menimpa rumah warga.",
        ),
    ],
    "Fasilitas umum": [
        (
            "Atap pos ronda RW {rw} bocor",
            "Seng atap berlubang, kalau hujan petugas ronda kehujanan di dalam pos.",
        ),
        (
            "Papan nama Gang {gang} hilang",
            "Papan nama gang roboh dan hilang, tamu dan kurir sering tersesat.",
        ),
        (
            "Bangku di {place} patah",
            "Bangku kayu patah di bagian sandaran, sering dipakai lansia menunggu angkot.",
        ),
    ],
    "Keamanan & ketertiban": [
        (
            "Parkir liar menutup jalan di depan {place}",
            "Mobil parkir di kedua sisi jalan saat jam ramai, motor pun sulit lewat.",
        ),
        (
            "Balap motor tiap malam di Gang {gang}",
            "Anak-anak muda balapan setelah pukul 23.00, suaranya sangat bising dan berbahaya.",
        ),
    ],
    "Lainnya": [
        (
            "Pohon tumbang menghalangi Gang {gang}",
            "Pohon mangga tumbang setelah hujan angin, batangnya melintang di jalan.",
        ),
        (
            "Kabel menjuntai rendah di RT {rt}",
            "Kabel telepon menjuntai sampai setinggi kepala orang dewasa di mulut gang.",
        ),
    ],
}

NAMES = [
    "Pak Darto",
    "Bu Sulastri",
    "Mas Fajar",
    "Mbak Rina",
    "Pak Haji Mahmud",
    "Bu Tutik",
    "Mas Ilham",
    "Bu Endang",
    "Pak Slamet",
    "Mbak Nurul",
]

# The steps each final status went through, from `baru`.
PATHS = {
    Status.BARU: [],
    Status.DIVERIFIKASI: [Status.DIVERIFIKASI],
    Status.DIPROSES: [Status.DIVERIFIKASI, Status.DIPROSES],
    Status.SELESAI: [Status.DIVERIFIKASI, Status.DIPROSES, Status.SELESAI],
    Status.DITOLAK: [Status.DITOLAK],
    Status.TIDAK_DAPAT_DITANGANI: [Status.DIVERIFIKASI, Status.TIDAK_DAPAT_DITANGANI],
    Status.DUPLIKAT: [Status.DUPLIKAT],
}

STATUS_MIX = [
    Status.SELESAI,
    Status.DIPROSES,
    Status.BARU,
    Status.SELESAI,
    Status.DIVERIFIKASI,
    Status.DUPLIKAT,
    Status.SELESAI,
    Status.DITOLAK,
    Status.DIPROSES,
    Status.TIDAK_DAPAT_DITANGANI,
    Status.BARU,
    Status.SELESAI,
]

PROCESS_NOTES = {
    "Jalan rusak": "Diteruskan ke Dinas Pekerjaan Umum; penambalan dijadwalkan minggu depan.",
    "Drainase / banjir": "Kerja bakti membersihkan saluran bersama warga dijadwalkan Minggu pagi.",
    "Sampah": "Diteruskan ke Dinas Lingkungan Hidup untuk pengangkutan.",
    "Penerangan jalan": "Diteruskan ke Dinas Perhubungan bagian penerangan jalan umum.",
    "Keamanan & ketertiban": "Sudah dikoordinasikan dengan Bhabinkamtibmas dan ketua RW.",
}

NOTES = {
    Status.DIVERIFIKASI: "Sudah dicek petugas di lokasi, laporan sesuai keadaan.",
    Status.DIPROSES: "Sedang ditangani bersama ketua RT setempat.",
    Status.SELESAI: "Sudah diperbaiki dan dicek kembali. Terima kasih atas laporannya.",
    Status.DITOLAK: "Lokasi berada di lahan pribadi, bukan kewenangan kelurahan. "
    "Silakan dibicarakan dengan pemilik lahan.",
    Status.TIDAK_DAPAT_DITANGANI: "Perbaikan membutuhkan anggaran kota; sudah diusulkan "
    "melalui Musrenbang tahun depan.",
}


def _fill(text: str, rng: random.Random) -> str:
    place = rng.choice(LANDMARKS)
    values = {
        "gang": rng.randint(1, 12),
        "rt": f"{rng.randint(1, 9):02d}",
        "rw": f"{rng.randint(1, 6):02d}",
        "sd": rng.randint(1, 20),
    }
    values["place"] = place.format(**values)
    return text.format(**values)


def seed_demo_reports(kelurahan) -> int:
    """Add demo reports to `kelurahan` unless it already has reports; returns how many."""
    existing = db.session.scalar(
        select(func.count()).select_from(Report).where(Report.kelurahan_id == kelurahan.id)
    )
    if existing or kelurahan.lat is None or kelurahan.lng is None:
        return 0
    rng = random.Random(f"reports-demo-{kelurahan.code}")
    residents = list(
        db.session.execute(
            select(User).where(User.home_kelurahan_id == kelurahan.id).order_by(User.id).limit(8)
        ).scalars()
    )
    staff = db.session.execute(
        select(User)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(
            RoleAssignment.kelurahan_id == kelurahan.id,
            RoleAssignment.role.in_(("petugas", "admin")),
        )
        .order_by(RoleAssignment.role.desc(), User.id)  # petugas before admin
        .limit(1)
    ).scalar_one_or_none()
    configured = categories(kelurahan)
    usable = [c for c in TEMPLATES if c in configured] or [configured[0]]
    count = rng.randint(8, 12)
    statuses = STATUS_MIX[:count]
    rng.shuffle(statuses)
    now = utcnow()
    ages = sorted((rng.uniform(1, 150) for _ in range(count)), reverse=True)  # oldest first
    created: list[Report] = []
    for i, (status, age) in enumerate(zip(statuses, ages, strict=True)):
        category = usable[i % len(usable)] if i < len(usable) else rng.choice(usable)
        title, description = rng.choice(TEMPLATES.get(category, TEMPLATES["Lainnya"]))
        lat, lng = point_near(kelurahan.lat, kelurahan.lng, rng)
        created_at = now - timedelta(days=age)
        reporter = rng.choice(residents) if residents and rng.random() < 0.6 else None
        report = Report(
            kelurahan_id=kelurahan.id,
            category=category,
            title=_fill(title, rng),
            description=_fill(description, rng),
            lat=lat,
            lng=lng,
            status=Status.BARU.value,
            reporter_id=reporter.id if reporter else None,
            reporter_name=None if reporter else rng.choice(NAMES),
            hide_name=rng.random() < 0.15,
            source="web",
            created_at=created_at,
            updated_at=created_at,
        )
        report.updates.append(
            ReportUpdate(
                kelurahan_id=kelurahan.id,
                actor_id=reporter.id if reporter else None,
                from_status=None,
                to_status=Status.BARU.value,
                note="",
                created_at=created_at,
            )
        )
        if status is Status.DUPLIKAT and not created:
            status = Status.SELESAI  # nothing earlier to be a duplicate of
        steps = PATHS[status]
        # Step gaps in days; squeezed to fit between the report and now.
        gaps = [rng.uniform(0.2, 3) if n == 0 else rng.uniform(1, 12) for n in range(len(steps))]
        squeeze = min(1.0, (age * 0.9) / sum(gaps)) if gaps else 1.0
        at, previous = created_at, Status.BARU
        for step, gap in zip(steps, gaps, strict=True):
            at = at + timedelta(days=gap * squeeze)
            if step is Status.DUPLIKAT:
                original = next((r for r in created if r.category == category), created[0])
                report.duplicate_of = original
                note = f"Sudah dilaporkan sebelumnya di laporan #{original.id}: {original.title}."
            elif step is Status.DIPROSES:
                note = PROCESS_NOTES.get(category, NOTES[Status.DIPROSES])
            else:
                note = NOTES.get(step, "")
            report.updates.append(
                ReportUpdate(
                    kelurahan_id=kelurahan.id,
                    actor_id=staff.id if staff else None,
                    from_status=previous.value,
                    to_status=step.value,
                    note=note,
                    created_at=at,
                )
            )
            if report.first_response_at is None:
                report.first_response_at = at
            if step.is_closed:
                report.closed_at = at
            report.status, report.updated_at, previous = step.value, at, step
        db.session.add(report)
        db.session.flush()  # a later duplicate's note names this report's id
        created.append(report)
    for report in created:
        if report.reporter_id:
            db.session.add(
                ReportFollow(
                    kelurahan_id=kelurahan.id, report_id=report.id, user_id=report.reporter_id
                )
            )
        others = [u for u in residents if u.id != report.reporter_id]
        for supporter in rng.sample(others, k=min(len(others), rng.randint(0, 3))):
            db.session.add(
                ReportSupport(
                    kelurahan_id=kelurahan.id,
                    report_id=report.id,
                    user_id=supporter.id,
                    created_at=min(now, report.created_at + timedelta(hours=rng.uniform(1, 48))),
                )
            )
    db.session.flush()
    return len(created)
