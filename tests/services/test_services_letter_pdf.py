from __future__ import annotations

import io

import pypdfium2
import pytest
import segno
import zxingcpp
from pypdf import PdfReader

from plugins.services.letter_pdf import LetterContent, Letterhead, drawable, render_pdf

VERIFY_URL = "https://kelurahanpintar.example.id/k/kauman/layanan/cek/7Q4XK2M9PB"

BODY = """Yang bertanda tangan di bawah ini, Lurah Kauman Kecamatan Pekalongan Timur, \
menerangkan dengan sebenarnya bahwa:

Nama             : Siti <b>& Aminah 😀
NIK              : 3375014508900001
Tempat/Tgl Lahir : Pekalongan, 5 Agustus 1990
Alamat           : Jl. Merdeka No. 5
                   RT 001 RW 002

adalah benar warga Kelurahan Kauman yang berdomisili di alamat tersebut di atas.
Surat keterangan ini berlaku selama 3 (tiga) bulan.

Demikian surat keterangan ini dibuat untuk dipergunakan sebagaimana mestinya."""


def _content(**changes) -> LetterContent:
    values = {
        "title": "SURAT KETERANGAN DOMISILI",
        "number": "470/015/KEL-KAUMAN/XI/2026",
        "body": BODY,
        "place_and_date": "Pekalongan, 30 November 2026",
        "signer_title": "Lurah Kauman",
        "signer_name": "Drs. Ahmad Fauzi",
        "signer_nip": "19700101 199003 1 001",
        "verify_url": VERIFY_URL,
        "verify_hint": "Pindai untuk memeriksa keaslian surat ini",
        "footer_note": "Dokumen ini diterbitkan melalui Kelurahan Pintar.",
    }
    values.update(changes)
    return LetterContent(**values)


def _head(**changes) -> Letterhead:
    values = {
        "city_line": "PEMERINTAH KOTA PEKALONGAN",
        "kecamatan_line": "KECAMATAN PEKALONGAN TIMUR",
        "kelurahan_line": "KELURAHAN KAUMAN",
        "address": "Jl. Kauman No. 1, Pekalongan 51128",
        "logo": None,
    }
    values.update(changes)
    return Letterhead(**values)


def _logo_png() -> bytes:
    buffer = io.BytesIO()
    segno.make("logo").save(buffer, kind="png", scale=6)  # any small PNG will do
    return buffer.getvalue()


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return render_pdf(_head(logo=_logo_png()), _content())


def _text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_text_and_metadata(pdf):
    assert pdf.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    text = _text(pdf)
    for expected in (
        "SURAT KETERANGAN DOMISILI",
        "470/015/KEL-KAUMAN/XI/2026",
        "KELURAHAN KAUMAN",
        "3375014508900001",
        "Pekalongan, 5 Agustus 1990",
        "RT 001 RW 002",
        "Lurah Kauman",
        "Drs. Ahmad Fauzi",
        "NIP. 19700101 199003 1 001",
        "Pindai untuk memeriksa keaslian surat ini",
        "Dokumen ini diterbitkan melalui Kelurahan Pintar.",
    ):
        assert expected in text, expected
    assert reader.metadata.title == "SURAT KETERANGAN DOMISILI"
    assert reader.metadata.author == "KELURAHAN KAUMAN"


def test_resident_markup_and_emoji_render_as_text(pdf):
    text = _text(pdf)
    assert "Siti <b>& Aminah ?" in text


def test_qr_code_reads_back_as_the_verify_url(pdf):
    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[0].render(scale=3).to_pil()
    finally:
        document.close()
    decoded = [result.text for result in zxingcpp.read_barcodes(image)]
    assert VERIFY_URL in decoded


def test_same_letter_same_bytes(pdf):
    assert render_pdf(_head(logo=_logo_png()), _content()) == pdf


def test_hostile_values_everywhere():
    hostile = "<para><font name='x'>&amp; </b>\u202e\u200b\x00 🚀 中文 Ā"
    data = render_pdf(
        _head(city_line=hostile, address="", logo=b"not an image"),
        _content(
            title=hostile,
            number=hostile,
            body=f"{hostile}\n\nLabel : {hostile}",
            signer_name="",
            signer_nip="",
            verify_hint=hostile,
            footer_note=hostile,
        ),
    )
    text = _text(data)
    assert "<para><font name='x'>&amp; </b>" in text
    assert "NIP." not in text


def test_long_body_flows_onto_a_second_page():
    body = "\n\n".join(f"Paragraf {i}: " + "isi surat " * 40 for i in range(12))
    data = render_pdf(_head(), _content(body=body))
    assert len(PdfReader(io.BytesIO(data)).pages) >= 2
    assert "Drs. Ahmad Fauzi" in _text(data)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Siti Aminah", "Siti Aminah"),
        ("Jum’at “pagi” – café", 'Jum\'at "pagi" – café'),
        ("emoji 😀!", "emoji ?!"),
        ("zero\u200bwidth", "zerowidth"),
    ],
)
def test_drawable(value, expected):
    assert drawable(value) == expected
