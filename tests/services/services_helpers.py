"""Small factories shared by the services tests (imported by name: pytest puts this folder
on sys.path for the test modules in it)."""

from __future__ import annotations

import io
from datetime import date

from PIL import Image

from app.extensions import db as _db
from app.models import Kelurahan
from app.tenancy import scoped_to
from plugins.services.models import FieldKind, LetterField, LetterType, RequiredDocument

BASE = "/k/kauman/layanan"
# A valid Kota Pekalongan NIK of a woman born 1 July 1990 (day + 40), and of a man.
NIK_WOMAN = "3375024107900012"
NIK_MAN = "3375011402850007"

TEMPLATE = (
    "Yang bertanda tangan di bawah ini {{ penanda_tangan }} menerangkan bahwa:\n"
    "\n"
    "Nama : {{ nama }}\n"
    "NIK : {{ nik }}\n"
    "Alamat : {{ alamat }} RT {{ rt }} RW {{ rw }}\n"
    "\n"
    "Benar berdomisili di Kelurahan {{ kelurahan }} sejak tahun {{ sejak_tahun }}, untuk "
    "keperluan {{ keperluan|lower }}.\n"
)


def text(response) -> str:
    return response.get_data(as_text=True)


def jpeg_bytes(size=(64, 48), colour=(40, 120, 60)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG")
    return out.getvalue()


def upload(name="ktp.jpg", data: bytes | None = None):
    return (io.BytesIO(jpeg_bytes() if data is None else data), name)


def kelurahan_row(slug="kauman") -> Kelurahan:
    return _db.session.execute(_db.select(Kelurahan).where(Kelurahan.slug == slug)).scalar_one()


def make_type(
    slug_kelurahan: str = "kauman",
    *,
    slug: str = "domisili",
    target_days: int = 2,
    template: str = TEMPLATE,
    documents=(("Surat pengantar RT/RW", True), ("KTP", True)),
    code: str = "470",
) -> LetterType:
    k = kelurahan_row(slug_kelurahan)
    with scoped_to(k.id):
        letter_type = LetterType(
            kelurahan_id=k.id,
            slug=slug,
            name=f"Surat keterangan {slug}",
            title=f"SURAT KETERANGAN {slug.upper()}",
            code=code,
            template=template,
            target_days=target_days,
        )
        letter_type.fields.append(
            LetterField(
                kelurahan_id=k.id,
                key="sejak_tahun",
                label="Tinggal sejak tahun",
                kind=FieldKind.NUMBER.value,
            )
        )
        for i, (name, required) in enumerate(documents):
            letter_type.documents.append(
                RequiredDocument(kelurahan_id=k.id, name=name, required=required, position=i)
            )
        _db.session.add(letter_type)
        _db.session.commit()
        return letter_type


def request_data(letter_type: LetterType | None = None, *, with_documents=True, **overrides):
    data = {
        "full_name": "Siti Aminah",
        "nik": NIK_WOMAN,
        "birth_place": "Pekalongan",
        "birth_date": date(1990, 7, 1).isoformat(),
        "sex": "P",
        "address": "Jl. Hayam Wuruk, Gang Kauman",
        "rt": "3",
        "rw": "2",
        "purpose": "Melamar pekerjaan",
        "delivery": "unduh",
        "confirm": "y",
        "f_sejak_tahun": "2015",
    }
    if letter_type is not None and with_documents:
        for doc in letter_type.documents:
            data[f"doc_{doc.id}"] = upload(f"dokumen-{doc.id}.jpg")
    data.update(overrides)
    return data
