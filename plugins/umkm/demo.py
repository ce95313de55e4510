"""Believable demo shops and products (`flask kp seed --demo`).

Three kelurahan get a marketplace: Kauman (the old batik village: batik tulis and cap,
megono and garang asem, and one shop of canting makers still waiting for staff review),
Bendan Kergon (Kampung Batik Pesindon: batik and batik crafts) and Krapyak (lopis of the
Syawalan festival, smoked fish from the coast). Other kelurahan get nothing.

Each shop belongs to a verified UMKM group. Kauman's batik group is the one the core demo
creates (led by the demo resident); the other groups are led by demo residents created here,
who sign in with the demo resident's password. Products get photos drawn with Pillow (batik
patterns, plates of food, crafts; no text) stored like uploads, full size and thumbnail, and
a few months of view and WhatsApp-click counts so dashboards and "popular" sorting show
something. Deterministic, and idempotent: a group that already has a shop is left alone.
"""

from __future__ import annotations

import io
import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from PIL import Image, ImageDraw
from sqlalchemy import select

from app.kit import (
    Group,
    GroupMember,
    Media,
    RoleAssignment,
    User,
    db,
    demo_user,
    normalize_phone,
    point_near,
    save_upload,
    slugify,
    utcnow,
)

from .models import Product, ProductFlag, ProductMonthlyStat, ProductPhoto, Shop, ShopStatus
from .queries import categories, month_start, units

PHOTO_SIZE = 720
THUMB_SIDE = 480
STAT_MONTHS = 4  # this month and the three before it


@dataclass(frozen=True)
class P:
    """A demo product: name, category, price, unit and description, and how to draw it."""

    name: str
    category: str
    price: int
    unit: str
    description: str
    look: str  # batik-<motif>, food-<dish>, craft-<thing>
    price_max: int | None = None
    discount: int | None = None
    stock: str = "tersedia"


@dataclass(frozen=True)
class S:
    """A demo shop with its group and the group's leader."""

    group: str
    group_description: str
    leader: tuple[str, str] | None  # (e-mail local part, name); None: the core demo resident
    name: str
    description: str
    whatsapp: str
    address: str
    opening_hours: str
    palette: tuple[tuple[int, int, int], ...]
    products: tuple[P, ...]
    nib: str | None = None
    halal: str | None = None
    status: str = ShopStatus.APPROVED.value
    members: tuple[tuple[str, str], ...] = field(default_factory=tuple)


SOGAN = ((92, 52, 28), (196, 150, 90), (245, 232, 205), (40, 30, 25))
PESISIR = ((18, 98, 110), (236, 110, 80), (250, 240, 220), (250, 190, 60))
INDIGO = ((28, 44, 92), (235, 235, 240), (120, 150, 200), (200, 60, 60))
MEGONO = ((120, 80, 45), (240, 235, 220), (90, 140, 60), (210, 160, 70))
COAST = ((70, 120, 150), (235, 225, 205), (200, 120, 60), (120, 85, 50))
CRAFT = ((150, 95, 60), (180, 40, 40), (230, 215, 190), (60, 90, 70))

DEMO: dict[str, tuple[S, ...]] = {
    "kauman": (
        S(
            group="Batik Tulis Kauman Lestari",
            group_description="Perajin batik tulis motif Jlamprang dan Buketan dari gang-gang "
            "Kauman.",
            leader=None,
            name="Griya Batik Kauman Lestari",
            description="Batik tulis dan cap buatan ibu-ibu perajin Kampung Batik Kauman sejak "
            "1985. Setiap lembar dibatik tangan di rumah kami di Gang 7, diwarnai naphtol atau "
            "pewarna alam dari kulit mahoni dan daun indigo. Pengunjung boleh melihat proses "
            "membatik setiap hari kerja.",
            whatsapp="0812-2760-1985",
            address="Kampung Batik Kauman Gang 7 No. 12, Jl. Hayam Wuruk, Kauman",
            opening_hours="Senin–Sabtu 08.00–16.00, Minggu dengan janji",
            palette=SOGAN,
            nib="9120201851234",
            members=(("khadijah.batik", "Bu Khadijah (perajin batik)"),),
            products=(
                P(
                    "Kain batik tulis motif Jlamprang",
                    "Batik tulis",
                    850_000,
                    "lembar",
                    "Motif Jlamprang khas Pekalongan di atas katun primisima, 2 × 1,15 m. "
                    "Dibatik tulis dua sisi, pewarna naphtol, dikerjakan sekitar tiga minggu.",
                    "batik-jlamprang",
                ),
                P(
                    "Batik tulis Buketan pewarna alam",
                    "Batik tulis",
                    1_250_000,
                    "lembar",
                    "Buketan bunga dan kupu-kupu, warna dari kulit mahoni, tingi dan indigo. "
                    "Harga tergantung bahan: katun primisima atau sutra ATBM.",
                    "batik-buketan",
                    price_max=1_750_000,
                ),
                P(
                    "Kain batik cap motif Semen Rante",
                    "Batik cap",
                    185_000,
                    "lembar",
                    "Batik cap katun prima 2 × 1,15 m, warna sogan. Cocok untuk kemeja dan "
                    "seragam kantor.",
                    "batik-parang",
                    discount=165_000,
                ),
                P(
                    "Selendang batik tulis sutra motif Liong",
                    "Batik tulis",
                    650_000,
                    "lembar",
                    "Selendang sutra 2 × 0,5 m dengan naga (liong) gaya pesisiran, cocok untuk "
                    "kado dan acara resmi.",
                    "batik-kawung",
                ),
                P(
                    "Kemeja batik kombinasi lengan panjang",
                    "Batik kombinasi",
                    275_000,
                    "pcs",
                    "Kemeja pria dari kain kombinasi tulis dan cap, furing katun. Ukuran M, L, "
                    "XL; ukuran lain dijahit sesuai pesanan (pre-order 7 hari).",
                    "batik-jlamprang",
                    stock="preorder",
                ),
                P(
                    "Paket kain batik cap seragam (10 lembar)",
                    "Batik cap",
                    1_600_000,
                    "paket",
                    "Sepuluh lembar kain cap satu motif dan warna untuk seragam keluarga, "
                    "kantor atau paguyuban. Pengerjaan dua sampai tiga minggu.",
                    "batik-parang",
                    stock="preorder",
                ),
            ),
        ),
        S(
            group="Dapur Kauman Rasa",
            group_description="Ibu-ibu PKK Kauman yang memasak megono, garang asem dan tauto "
            "untuk warung dan pesanan.",
            leader=("ratna.megono", "Bu Ratna Wulandari"),
            name="Megono & Garang Asem Bu Ratna",
            description="Masakan rumahan khas Pekalongan dari dapur Bu Ratna di belakang Masjid "
            "Jami' Kauman. Megono dimasak tiap subuh dari nangka muda dan kelapa parut; pesan "
            "sebelum jam 09.00 untuk diantar siang hari di sekitar Pekalongan Timur.",
            whatsapp="0813-2577-4410",
            address="Jl. Kauman Gang 3 No. 4, belakang Masjid Jami' Kauman",
            opening_hours="Setiap hari 05.30–14.00",
            palette=MEGONO,
            nib="9120304412345",
            halal="ID33110000872310823",
            products=(
                P(
                    "Nasi megono bungkus daun jati",
                    "Kuliner",
                    7_000,
                    "bungkus",
                    "Nasi hangat dengan megono nangka muda, dibungkus daun jati. Tambah tempe "
                    "mendoan Rp 2.000 per potong.",
                    "food-megono",
                ),
                P(
                    "Garang asem ayam kampung",
                    "Kuliner",
                    25_000,
                    "porsi",
                    "Ayam kampung dimasak daun pisang dengan belimbing wuluh, tomat hijau dan "
                    "cabai rawit utuh. Kuahnya segar, asam dan pedas.",
                    "food-garang-asem",
                ),
                P(
                    "Soto tauto Pekalongan",
                    "Kuliner",
                    18_000,
                    "porsi",
                    "Tauto daging sapi dengan kuah tauco, bihun dan taburan bawang goreng. "
                    "Nasi atau lontong sudah termasuk.",
                    "food-tauto",
                ),
                P(
                    "Pindang tetel",
                    "Kuliner",
                    22_000,
                    "porsi",
                    "Tetelan sapi berkuah hitam kluwak, disantap dengan kerupuk usek. Hanya "
                    "Jumat dan Sabtu.",
                    "food-tauto",
                ),
                P(
                    "Nasi megono tumpeng kecil",
                    "Kuliner",
                    150_000,
                    "paket",
                    "Tumpeng megono untuk 8–10 orang dengan ayam goreng, telur pindang dan "
                    "urap. Pesan paling lambat H-2.",
                    "food-megono",
                    stock="preorder",
                ),
                P(
                    "Kerupuk usek pasir 500 gram",
                    "Lainnya",
                    20_000,
                    "bungkus",
                    "Kerupuk tapioka yang digoreng dengan pasir, tanpa minyak. Teman tauto dan "
                    "pindang tetel.",
                    "food-kerupuk",
                ),
            ),
        ),
        S(
            group="Perajin Canting Kauman",
            group_description="Pembuat canting tulis dan cap tembaga untuk perajin batik.",
            leader=("slamet.canting", "Pak Slamet Riyadi"),
            name="Canting & Cap Batik Pak Slamet",
            description="Canting tulis dan cap batik tembaga buatan tangan, dipakai perajin "
            "Kauman dan Pesindon sejak tahun 1990-an. Menerima pesanan motif cap sendiri.",
            whatsapp="0857-4201-3366",
            address="Jl. Hayam Wuruk Gang 1 No. 9, Kauman",
            opening_hours="Senin–Jumat 08.00–15.00",
            palette=CRAFT,
            status=ShopStatus.PENDING.value,
            products=(
                P(
                    "Canting tulis tembaga isi 5",
                    "Kerajinan",
                    75_000,
                    "paket",
                    "Lima canting tulis dengan cucuk berbeda (klowong, isen-isen, tembok), "
                    "gagang bambu.",
                    "craft-canting",
                ),
                P(
                    "Cap batik tembaga motif parang",
                    "Kerajinan",
                    450_000,
                    "pcs",
                    "Cap tembaga 20 × 20 cm motif parang rusak, dikerjakan tangan. Motif lain "
                    "sesuai gambar dari pembeli.",
                    "craft-cap",
                    stock="preorder",
                ),
                P(
                    "Malam batik klowong 1 kg",
                    "Kerajinan",
                    60_000,
                    "kg",
                    "Lilin batik untuk klowongan, meleleh rata dan tidak mudah retak.",
                    "craft-malam",
                ),
                P(
                    "Set wajan dan kompor mini membatik",
                    "Kerajinan",
                    120_000,
                    "paket",
                    "Wajan kecil dan kompor minyak untuk belajar membatik di rumah atau sekolah.",
                    "craft-canting",
                ),
            ),
        ),
    ),
    "bendan-kergon": (
        S(
            group="Paguyuban Batik Pesindon",
            group_description="Perajin dan pedagang batik Kampung Batik Pesindon.",
            leader=("sekarjagad.pesindon", "Bu Endang Sekarwati"),
            name="Batik Pesindon Sekar Jagad",
            description="Galeri batik di Kampung Batik Pesindon: batik tulis, cap, kombinasi "
            "dan printing dari perajin sekampung. Warna-warna cerah pesisiran yang menjadi ciri "
            "batik Pekalongan.",
            whatsapp="0812-2855-3107",
            address="Kampung Batik Pesindon Gang 2 No. 15, Jl. Hayam Wuruk",
            opening_hours="Setiap hari 08.30–20.00",
            palette=PESISIR,
            nib="9120105559876",
            members=(("wahyu.pesindon", "Mas Wahyu Pratama"),),
            products=(
                P(
                    "Batik tulis Pesindon motif Jlamprang toska",
                    "Batik tulis",
                    900_000,
                    "lembar",
                    "Jlamprang dengan warna toska dan jingga khas pesisiran, katun primisima "
                    "2,5 × 1,15 m.",
                    "batik-jlamprang",
                ),
                P(
                    "Kain batik kombinasi motif Buketan",
                    "Batik kombinasi",
                    375_000,
                    "lembar",
                    "Dasar cap dengan isen-isen tulis tangan. Bunga buketan merah muda di atas "
                    "dasar biru laut.",
                    "batik-buketan",
                ),
                P(
                    "Sarung batik cap Pekalongan",
                    "Batik cap",
                    125_000,
                    "lembar",
                    "Sarung katun siap pakai, motif kotak dan bunga, jahitan rapi.",
                    "batik-parang",
                ),
                P(
                    "Kain printing motif batik Tujuh Rupa",
                    "Tekstil motif batik (printing)",
                    35_000,
                    "meter",
                    "Tekstil printing motif Tujuh Rupa, rayon lebar 1,15 m. Bukan batik tulis "
                    "atau cap; cocok untuk daster dan seragam murah.",
                    "batik-kawung",
                ),
                P(
                    "Daster batik cap katun rayon",
                    "Fashion",
                    85_000,
                    "pcs",
                    "Daster longgar all size, adem dipakai di rumah. Tersedia warna biru, "
                    "hijau dan merah bata.",
                    "batik-buketan",
                    discount=75_000,
                ),
            ),
        ),
        S(
            group="Kriya Perca Pesindon",
            group_description="Pemuda Pesindon yang mengolah perca batik menjadi tas dan suvenir.",
            leader=("kriya.pesindon", "Mbak Nurul Hidayah"),
            name="Tas & Suvenir Batik Pesindon",
            description="Perca dan sisa kain dari perajin Pesindon kami jahit menjadi tas, "
            "dompet dan suvenir. Menerima pesanan suvenir pernikahan dan seminar.",
            whatsapp="0878-3312-0909",
            address="Jl. Pesindon Gang 4 No. 3",
            opening_hours="Senin–Sabtu 09.00–17.00",
            palette=INDIGO,
            products=(
                P(
                    "Tas jinjing perca batik",
                    "Kerajinan",
                    95_000,
                    "pcs",
                    "Tas jinjing 35 × 30 cm dari perca batik cap, dalamnya kain blacu dengan "
                    "saku kecil.",
                    "craft-bag",
                ),
                P(
                    "Dompet batik tulis mini",
                    "Kerajinan",
                    35_000,
                    "pcs",
                    "Dompet koin beresleting dengan potongan batik tulis, motif berbeda-beda.",
                    "craft-bag",
                ),
                P(
                    "Kipas batik suvenir (isi 50)",
                    "Kerajinan",
                    250_000,
                    "paket",
                    "Kipas lipat kayu berlapis kain batik untuk suvenir pernikahan. Bisa "
                    "diberi pita dan kartu ucapan.",
                    "craft-fan",
                    stock="preorder",
                ),
                P(
                    "Blangkon batik Pekalongan",
                    "Fashion",
                    60_000,
                    "pcs",
                    "Blangkon gaya Pekalongan, lingkar kepala 54–58 cm.",
                    "craft-bag",
                    stock="habis",
                ),
                P(
                    "Hiasan dinding batik bingkai kayu",
                    "Kerajinan",
                    175_000,
                    "pcs",
                    "Potongan batik tulis 30 × 40 cm dalam bingkai kayu jati belanda.",
                    "craft-frame",
                ),
            ),
        ),
    ),
    "krapyak": (
        S(
            group="UMKM Lopis Krapyak",
            group_description="Pembuat lopis dan jajanan pasar Krapyak, kampung tradisi "
            "Syawalan lopis raksasa.",
            leader=("lopis.krapyak", "Mbok Sarmi"),
            name="Lopis Krapyak Mbok Sarmi",
            description="Lopis ketan yang direbus semalam dalam daun pisang, disiram juruh gula "
            "aren dan parutan kelapa. Dari Krapyak, kampung tradisi Syawalan lopis raksasa.",
            whatsapp="0815-4890-2277",
            address="Jl. Jlamprang Krapyak Lor Gang 5 No. 21",
            opening_hours="Setiap hari 06.00–11.00",
            palette=MEGONO,
            halal="ID33110000934560124",
            products=(
                P(
                    "Lopis ketan siram juruh",
                    "Kuliner",
                    10_000,
                    "porsi",
                    "Lopis ketan dengan juruh gula aren dan kelapa parut. Dimakan di tempat "
                    "atau dibungkus.",
                    "food-lopis",
                ),
                P(
                    "Lopis ketan besar untuk oleh-oleh",
                    "Kuliner",
                    35_000,
                    "pcs",
                    "Lopis utuh sekitar 1 kg, tahan dua hari. Juruh dan kelapa dikemas terpisah.",
                    "food-lopis",
                ),
                P(
                    "Paket klepon dan cenil arisan",
                    "Kuliner",
                    50_000,
                    "paket",
                    "Klepon, cenil dan gatot untuk 15 orang, dalam tampah daun pisang.",
                    "food-klepon",
                    stock="preorder",
                ),
                P(
                    "Juruh gula aren botol 250 ml",
                    "Kuliner",
                    15_000,
                    "pcs",
                    "Sirup gula aren kental dengan daun pandan, untuk lopis, serabi dan es.",
                    "food-klepon",
                ),
                P(
                    "Bumbu megono nangka muda 1 kg",
                    "Kuliner",
                    30_000,
                    "kg",
                    "Nangka muda cacah dengan kelapa dan bumbu, tinggal dikukus 30 menit.",
                    "food-megono",
                ),
            ),
        ),
        S(
            group="Pengolah Ikan Krapyak",
            group_description="Kelompok pengolah ikan asap dan pindang di Pekalongan Utara.",
            leader=("ikanasap.krapyak", "Pak Darto Wiyono"),
            name="Ikan Asap & Pindang Krapyak",
            description="Ikan segar dari TPI Pekalongan kami asap dengan sabut kelapa atau "
            "pindang dengan garam dan daun salam. Dikirim dalam kemasan vakum.",
            whatsapp="0858-6601-4512",
            address="Jl. Krapyak Kidul Gang 2 No. 8",
            opening_hours="Senin–Sabtu 07.00–16.00",
            palette=COAST,
            nib="9120407778899",
            products=(
                P(
                    "Ikan pari asap",
                    "Kuliner",
                    70_000,
                    "kg",
                    "Pari diasap dengan sabut kelapa, dipotong-potong. Enak dimangut atau "
                    "dibalado.",
                    "food-fish",
                ),
                P(
                    "Ikan tongkol asap",
                    "Kuliner",
                    55_000,
                    "kg",
                    "Tongkol utuh asap, tahan tiga hari di kulkas.",
                    "food-fish",
                ),
                P(
                    "Bandeng presto isi 4 ekor",
                    "Kuliner",
                    45_000,
                    "paket",
                    "Bandeng presto lunak sampai tulangnya, tinggal digoreng.",
                    "food-fish",
                ),
                P(
                    "Kerupuk ikan tenggiri 250 gram",
                    "Kuliner",
                    18_000,
                    "bungkus",
                    "Kerupuk mentah dari ikan tenggiri, gurih dan renyah.",
                    "food-kerupuk",
                    discount=15_000,
                ),
                P(
                    "Abon ikan tuna 100 gram",
                    "Kuliner",
                    28_000,
                    "bungkus",
                    "Abon tuna manis pedas dalam standing pouch.",
                    "food-kerupuk",
                ),
            ),
        ),
    ),
}

# Kauman's queue of flagged products has one example: a resident points out a category.
DEMO_FLAG = {
    "kauman": (
        "Kerupuk usek pasir 500 gram",
        "salah_kategori",
        "Kerupuk usek masuk kategori Kuliner, bukan Lainnya.",
    )
}


def seed_demo_umkm(kelurahan) -> int:
    """Add the demo shops of `kelurahan` whose group has no shop yet; returns how many."""
    specs = DEMO.get(kelurahan.slug)
    if not specs or kelurahan.lat is None or kelurahan.lng is None:
        return 0
    rng = random.Random(f"umkm-demo-{kelurahan.code}")
    known_categories, known_units = categories(kelurahan), units(kelurahan)
    reviewer = _staff(kelurahan)
    created = 0
    for index, spec in enumerate(specs):
        group = _group(kelurahan, spec, reviewer)
        has_shop = db.session.execute(
            select(Shop.id).where(Shop.kelurahan_id == kelurahan.id, Shop.group_id == group.id)
        ).first()
        if has_shop:
            continue
        shop = _shop(kelurahan, spec, group, reviewer, index, rng)
        for position, item in enumerate(spec.products):
            _product(kelurahan, shop, spec, item, position, rng, known_categories, known_units)
        created += 1
    db.session.flush()
    _flag(kelurahan)
    return created


# -- people and groups ------------------------------------------------------------------------


def _staff(kelurahan) -> User | None:
    return db.session.execute(
        select(User)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(
            RoleAssignment.kelurahan_id == kelurahan.id,
            RoleAssignment.role.in_(("petugas", "admin")),
        )
        .order_by(RoleAssignment.role.desc(), User.id)  # petugas before admin
        .limit(1)
    ).scalar_one_or_none()


def _resident(kelurahan, local_part: str, name: str) -> User:
    """A verified resident of `kelurahan`, created once (found again by e-mail)."""
    user = demo_user(f"{local_part}@demo.kelurahan-pintar.id", name, kelurahan, "warga")
    db.session.flush()  # its id is needed for the group's membership
    return user


def _core_demo_resident(kelurahan) -> User | None:
    return db.session.execute(
        select(User).where(
            User.email == "warga@demo.kelurahan-pintar.id", User.home_kelurahan_id == kelurahan.id
        )
    ).scalar_one_or_none()


def _group(kelurahan, spec: S, reviewer: User | None) -> Group:
    """The spec's verified UMKM group, found by slug or created with its leader and
    members."""
    slug = slugify(spec.group)
    group = db.session.execute(
        select(Group).where(Group.kelurahan_id == kelurahan.id, Group.slug == slug)
    ).scalar_one_or_none()
    if group is not None:
        return group
    leader = None
    if spec.leader is None:
        leader = _core_demo_resident(kelurahan)
    if leader is None:
        local, name = spec.leader or (f"umkm.{slug}", f"Ketua {spec.group}")
        leader = _resident(kelurahan, local, name)
    group = Group(
        kelurahan_id=kelurahan.id,
        name=spec.group,
        slug=slug,
        kind="umkm",
        description=spec.group_description,
        contact_whatsapp=normalize_phone(spec.whatsapp),
        created_by_id=leader.id,
        verified_at=utcnow(),
        verified_by_id=reviewer.id if reviewer else None,
    )
    group.members.append(
        GroupMember(kelurahan_id=kelurahan.id, user_id=leader.id, role="ketua", status="active")
    )
    for local, name in spec.members:
        member = _resident(kelurahan, local, name)
        group.members.append(
            GroupMember(
                kelurahan_id=kelurahan.id, user_id=member.id, role="anggota", status="active"
            )
        )
    db.session.add(group)
    db.session.flush()
    return group


# -- shops and products ------------------------------------------------------------------------


def _shop(kelurahan, spec: S, group: Group, reviewer, index: int, rng) -> Shop:
    lat, lng = point_near(kelurahan.lat, kelurahan.lng, rng, radius_m=350)
    now = utcnow()
    created_at = now - timedelta(days=150 - 20 * index)
    reviewed = spec.status != ShopStatus.PENDING.value
    if not reviewed:
        created_at = now - timedelta(days=2)
    shop = Shop(
        kelurahan_id=kelurahan.id,
        group_id=group.id,
        name=spec.name,
        description=spec.description,
        logo=_media(kelurahan, _logo(spec.palette, rng), THUMB_SIDE),
        whatsapp=normalize_phone(spec.whatsapp),
        address=spec.address,
        lat=lat,
        lng=lng,
        opening_hours=spec.opening_hours,
        nib=spec.nib,
        halal_number=spec.halal,
        status=spec.status,
        reviewed_at=created_at + timedelta(days=1) if reviewed else None,
        reviewed_by_id=reviewer.id if reviewed and reviewer else None,
        created_at=created_at,
        updated_at=created_at,
    )
    db.session.add(shop)
    db.session.flush()
    return shop


def _product(kelurahan, shop, spec, item: P, position, rng, known_categories, known_units):
    category = item.category if item.category in known_categories else known_categories[-1]
    unit = item.unit if item.unit in known_units else known_units[0]
    age = max(1.0, (utcnow() - shop.created_at).days - 3 - position * rng.uniform(4, 12))
    created_at = utcnow() - timedelta(days=age, hours=rng.uniform(0, 12))
    product = Product(
        kelurahan_id=kelurahan.id,
        shop_id=shop.id,
        name=item.name,
        category=category,
        price=item.price,
        price_max=item.price_max,
        discount_price=item.discount,
        unit=unit,
        stock=item.stock,
        description=item.description,
        created_at=created_at,
        updated_at=created_at,
    )
    # The first products get a second photo: a close-up in the other colours.
    for n in range(2 if position < 2 else 1):
        data = _photo(item.look, spec.palette, random.Random(f"{kelurahan.code}-{item.name}-{n}"))
        product.photos.append(
            ProductPhoto(
                kelurahan_id=kelurahan.id,
                media=_media(kelurahan, data),
                thumb=_media(kelurahan, data, THUMB_SIDE),
                position=n,
            )
        )
    db.session.add(product)
    db.session.flush()
    if shop.status == ShopStatus.APPROVED.value:
        _stats(kelurahan, product, rng)
    return product


def _months_back(n: int) -> list[date]:
    """The first days of this month and the `n - 1` months before it, oldest first."""
    current = month_start()
    months = []
    year, month = current.year, current.month
    for _ in range(n):
        months.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def _stats(kelurahan, product: Product, rng: random.Random) -> None:
    created = month_start(product.created_at)
    popular = rng.uniform(0.3, 1.6)  # some products sell better than others
    for month in _months_back(STAT_MONTHS):
        if month < created:
            continue
        share = 0.4 if month == month_start() else 1.0  # this month is not over yet
        views = int(rng.randint(40, 260) * popular * share)
        clicks = int(views * rng.uniform(0.04, 0.14))
        db.session.add(
            ProductMonthlyStat(
                kelurahan_id=kelurahan.id,
                product_id=product.id,
                month=month,
                views=views,
                wa_clicks=clicks,
            )
        )


def _flag(kelurahan) -> None:
    spec = DEMO_FLAG.get(kelurahan.slug)
    flagger = _core_demo_resident(kelurahan)
    if spec is None or flagger is None:
        return
    name, reason, note = spec
    product = (
        db.session.execute(
            select(Product)
            .where(Product.kelurahan_id == kelurahan.id, Product.name == name)
            .order_by(Product.id)
            .limit(1)
        )
        .scalars()
        .first()
    )
    if product is None or product.shop.group.is_active_member(flagger):
        return
    exists = db.session.execute(
        select(ProductFlag.id).where(
            ProductFlag.product_id == product.id, ProductFlag.user_id == flagger.id
        )
    ).first()
    if not exists:
        db.session.add(
            ProductFlag(
                kelurahan_id=kelurahan.id,
                product_id=product.id,
                user_id=flagger.id,
                reason=reason,
                note=note,
                created_at=utcnow() - timedelta(days=1),
            )
        )


# -- photos ------------------------------------------------------------------------------------


def _media(kelurahan, data: bytes, max_side: int | None = None) -> Media:
    """Store `data` as an upload would be (re-encoded, in umkm/yyyy/mm/), with its Media row."""
    return save_upload(io.BytesIO(data), kelurahan=kelurahan, subdir="umkm", max_side=max_side)


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88)
    return out.getvalue()


def _shade(colour, factor: float):
    return tuple(max(0, min(255, int(c * factor))) for c in colour)


def _photo(look: str, palette, rng: random.Random) -> bytes:
    kind, _, motif = look.partition("-")
    size = PHOTO_SIZE
    if kind == "batik":
        image = _batik(motif, palette, rng, size)
    elif kind == "food":
        image = _food(motif, palette, rng, size)
    else:
        image = _craft(motif, palette, rng, size)
    return _jpeg(image)


def _batik(motif: str, palette, rng: random.Random, size: int) -> Image.Image:
    """A cloth filling the frame with a repeated motif, slightly irregular like hand work."""
    colours = list(palette)
    rng.shuffle(colours)
    ground, main, accent, line = colours
    image = Image.new("RGB", (size, size), ground)
    draw = ImageDraw.Draw(image)
    step = rng.choice((90, 110, 120))
    jitter = lambda: rng.uniform(-3, 3)  # noqa: E731 - a hand-drawn wobble
    if motif == "parang":
        for offset in range(-size, size * 2, step // 2):
            band = [(offset, 0), (offset + step // 3, 0), (offset + step // 3 - size, size)]
            band.append((offset - size, size))
            draw.polygon(band, fill=main)
            for y in range(0, size, step // 2):
                x = offset - y + step // 6
                draw.ellipse((x - 9 + jitter(), y - 9, x + 9, y + 9), fill=accent, outline=line)
    elif motif == "kawung":
        for y in range(0, size + step, step):
            for x in range(0, size + step, step):
                r = step * 0.32
                for dx, dy in ((-1, 0), (1, 0), (0, -1), (0, 1)):
                    cx, cy = x + dx * r * 0.9 + jitter(), y + dy * r * 0.9 + jitter()
                    w, h = (r, r * 0.55) if dx else (r * 0.55, r)
                    draw.ellipse((cx - w, cy - h, cx + w, cy + h), fill=main, outline=line, width=3)
                draw.ellipse((x - 6, y - 6, x + 6, y + 6), fill=accent)
    elif motif == "buketan":
        for _ in range(rng.randint(14, 20)):
            x, y, r = rng.uniform(0, size), rng.uniform(0, size), rng.uniform(25, 60)
            for k in range(6):  # petals
                a = k * math.pi / 3 + rng.uniform(-0.2, 0.2)
                px, py = x + math.cos(a) * r * 0.7, y + math.sin(a) * r * 0.7
                draw.ellipse(
                    (px - r * 0.45, py - r * 0.45, px + r * 0.45, py + r * 0.45), fill=main
                )
            draw.ellipse((x - r * 0.3, y - r * 0.3, x + r * 0.3, y + r * 0.3), fill=accent)
            leaf = [(x + r, y), (x + r * 1.9, y - r * 0.4), (x + r * 1.5, y + r * 0.3)]
            draw.polygon(leaf, fill=line)
        for _ in range(400):  # isen-isen: small dots
            x, y = rng.uniform(0, size), rng.uniform(0, size)
            draw.ellipse((x - 2, y - 2, x + 2, y + 2), fill=line)
    else:  # jlamprang: a grid of eight-pointed stars in circles
        for y in range(step // 2, size + step, step):
            for x in range(step // 2, size + step, step):
                r = step * 0.42
                draw.ellipse((x - r, y - r, x + r, y + r), outline=line, width=4)
                points = []
                for k in range(16):
                    a = k * math.pi / 8
                    rr = r * (0.85 if k % 2 == 0 else 0.4)
                    points.append((x + math.cos(a) * rr + jitter(), y + math.sin(a) * rr))
                draw.polygon(points, fill=main, outline=line)
                draw.ellipse((x - 7, y - 7, x + 7, y + 7), fill=accent)
    # A fold across the cloth, as in a photo of a folded kain.
    fold = rng.randint(size // 3, 2 * size // 3)
    draw.rectangle((0, fold - 4, size, fold + 4), fill=_shade(ground, 0.8))
    return image


def _food(dish: str, palette, rng: random.Random, size: int) -> Image.Image:
    """A dish seen from above on a wooden table, often on a banana leaf."""
    table = (132 + rng.randint(-10, 10), 92, 60)
    image = Image.new("RGB", (size, size), table)
    draw = ImageDraw.Draw(image)
    for y in range(0, size, 36):  # planks
        draw.line((0, y, size, y + rng.randint(-6, 6)), fill=_shade(table, 0.8), width=3)
    c = size / 2
    if dish in ("megono", "lopis"):
        leaf = [(c - 300, c - 40), (c - 60, c - 290), (c + 300, c + 40), (c + 60, c + 290)]
        draw.polygon(leaf, fill=(60, 130, 55))
        draw.line((c - 300, c - 40, c + 300, c + 40), fill=(110, 170, 90), width=5)
    else:
        draw.ellipse((c - 280, c - 280, c + 280, c + 280), fill=(245, 245, 240))  # plate
        draw.ellipse((c - 230, c - 230, c + 230, c + 230), outline=(220, 220, 215), width=4)
    if dish == "megono":
        draw.ellipse((c - 150, c - 120, c + 130, c + 140), fill=(248, 246, 238))  # rice
        for _ in range(220):
            x, y = c + rng.uniform(-120, 120), c + rng.uniform(-90, 110)
            draw.ellipse(
                (x - 6, y - 4, x + 6, y + 4), fill=rng.choice(((150, 110, 60), (230, 220, 190)))
            )
    elif dish == "lopis":
        for k in range(3):
            x = c - 140 + k * 140
            draw.polygon([(x - 60, c + 60), (x, c - 80), (x + 60, c + 60)], fill=(235, 230, 210))
            draw.line((x - 40, c + 10, x + 40, c + 10), fill=(160, 100, 40), width=10)
        for _ in range(160):
            x, y = c + rng.uniform(-220, 220), c + rng.uniform(-40, 90)
            draw.line((x, y, x + 8, y + 3), fill=(250, 250, 245), width=3)  # grated coconut
    elif dish == "klepon":
        for _ in range(14):
            x, y = c + rng.uniform(-200, 200), c + rng.uniform(-160, 160)
            draw.ellipse(
                (x - 32, y - 32, x + 32, y + 32), fill=(70, 150, 60), outline=(40, 100, 40)
            )
            for _ in range(12):
                dx, dy = rng.uniform(-28, 28), rng.uniform(-28, 28)
                draw.point((x + dx, y + dy), fill=(255, 255, 255))
    elif dish == "fish":
        for k in range(3):
            y = c - 140 + k * 140
            draw.ellipse(
                (c - 200, y - 45, c + 150, y + 45), fill=(170, 110, 55), outline=(110, 70, 35)
            )
            draw.polygon([(c + 140, y), (c + 220, y - 50), (c + 220, y + 50)], fill=(150, 95, 45))
            draw.ellipse((c - 170, y - 12, c - 150, y + 8), fill=(40, 30, 25))
    elif dish == "kerupuk":
        for _ in range(11):
            x, y, r = c + rng.uniform(-170, 170), c + rng.uniform(-170, 170), rng.uniform(50, 80)
            draw.ellipse(
                (x - r, y - r * 0.8, x + r, y + r * 0.8),
                fill=(246, 226, 180),
                outline=(220, 190, 140),
            )
    else:  # soups: a bowl with broth and toppings
        broth = (120, 80, 40) if dish == "tauto" else (200, 150, 70)
        draw.ellipse((c - 200, c - 200, c + 200, c + 200), fill=broth)
        for _ in range(40):
            x, y = c + rng.uniform(-150, 150), c + rng.uniform(-150, 150)
            colour = rng.choice(((90, 150, 60), (220, 80, 50), (245, 235, 200), (180, 120, 70)))
            draw.ellipse((x - 12, y - 9, x + 12, y + 9), fill=colour)
    return image


def _craft(thing: str, palette, rng: random.Random, size: int) -> Image.Image:
    ground, main, accent, line = palette[2], palette[0], palette[1], palette[3]
    image = Image.new("RGB", (size, size), ground)
    draw = ImageDraw.Draw(image)
    c = size / 2
    if thing == "canting":
        for k in range(5):
            x = 160 + k * 100
            draw.rectangle((x - 10, 180, x + 10, 560), fill=(190, 150, 90))  # bamboo handle
            draw.ellipse((x - 32, 130, x + 32, 190), fill=(184, 115, 51), outline=line, width=3)
            draw.line((x + 25, 150, x + 55, 120 - k * 4), fill=(184, 115, 51), width=6)
    elif thing == "cap":
        copper = (184, 115, 51)
        hatch = Image.new("RGB", (440, 440), ground)
        lines = ImageDraw.Draw(hatch)
        for offset in range(-440, 440, 60):  # the parang pattern, clipped to the plate
            lines.line((offset, 440, offset + 440, 0), fill=copper, width=8)
        image.paste(hatch, (int(c - 220), int(c - 220)))
        draw.rectangle((c - 220, c - 220, c + 220, c + 220), outline=copper, width=14)
        draw.rectangle((c - 30, c - 300, c + 30, c - 220), fill=(120, 80, 50))
    elif thing == "malam":
        for _ in range(9):
            x, y = c + rng.uniform(-200, 200), c + rng.uniform(-200, 200)
            draw.rounded_rectangle(
                (x - 70, y - 45, x + 70, y + 45),
                18,
                fill=(205, 170, 90),
                outline=(160, 120, 60),
                width=4,
            )
    elif thing == "fan":
        for k in range(11):
            a = math.pi + k * math.pi / 10
            draw.line(
                (c, c + 150, c + math.cos(a) * 300, c + 150 + math.sin(a) * 300), fill=line, width=6
            )
        draw.pieslice(
            (c - 300, c - 150, c + 300, c + 450), 180, 360, fill=main, outline=line, width=4
        )
        for _ in range(60):
            a, r = rng.uniform(math.pi, 2 * math.pi), rng.uniform(160, 280)
            x, y = c + math.cos(a) * r, c + 150 + math.sin(a) * r
            draw.ellipse((x - 8, y - 8, x + 8, y + 8), fill=accent)
    elif thing == "frame":
        draw.rectangle((c - 230, c - 290, c + 230, c + 290), fill=(110, 70, 40))
        inner = _batik("kawung", palette, rng, 400)
        image.paste(inner.resize((380, 500)), (int(c - 190), int(c - 250)))
    else:  # bags, purses, blangkon: a bag of batik patchwork
        draw.arc((c - 120, c - 300, c + 120, c - 60), 180, 360, fill=line, width=14)
        draw.rounded_rectangle((c - 240, c - 180, c + 240, c + 260), 30, fill=main)
        for y in range(int(c - 180), int(c + 260), 88):
            for x in range(int(c - 240), int(c + 240), 96):
                if rng.random() < 0.5:
                    draw.rectangle((x + 4, y + 4, x + 92, y + 84), fill=accent)
                draw.ellipse((x + 30, y + 24, x + 62, y + 56), outline=line, width=3)
    return image


def _logo(palette, rng: random.Random) -> bytes:
    image = Image.new("RGB", (400, 400), palette[2])
    draw = ImageDraw.Draw(image)
    draw.ellipse((30, 30, 370, 370), fill=palette[0])
    for k in range(8):
        a = k * math.pi / 4 + rng.uniform(-0.1, 0.1)
        x, y = 200 + math.cos(a) * 95, 200 + math.sin(a) * 95
        draw.ellipse((x - 38, y - 38, x + 38, y + 38), fill=palette[1])
    draw.ellipse((160, 160, 240, 240), fill=palette[3])
    return _jpeg(image)
