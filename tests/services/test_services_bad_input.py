"""What a resident sees when a request cannot be sent: a 422 page in Bahasa Indonesia that
names the problem, with everything they typed still there and nothing stored; a photo
already chosen is kept for the next try. Also the public pages given a forged verification
token or an unknown tracking code."""

from __future__ import annotations

import io
import re

import pytest
from conftest import act_as, count, enable_plugin
from pypdf import PdfWriter
from pypdf.actions import JavaScript
from services_helpers import BASE, NIK_WOMAN, kelurahan_row, make_type, request_data, text
from sqlalchemy import select

from app.extensions import db as _db
from app.models import PluginState
from plugins.services.models import Request, RequestDocument

NAME = "Siti Aminah Rahayu"
PURPOSE = "Mendaftar beasiswa kuliah"


@pytest.fixture(autouse=True)
def services_on(app):
    enable_plugin(app, "services", "kauman")
    enable_plugin(app, "services", "medono")


@pytest.fixture
def letter_type(app):
    return make_type()


@pytest.fixture
def resident(app, client, factory):
    user = factory.user("warga", "kauman", verified=True, name="Siti")
    act_as(client, user)
    return user


def set_settings(slug="kauman", **values) -> None:
    state = _db.session.execute(
        select(PluginState).where(
            PluginState.kelurahan_id == kelurahan_row(slug).id,
            PluginState.plugin_id == "services",
        )
    ).scalar_one()
    state.settings = {**(state.settings or {}), **values}
    _db.session.commit()


def post(client, data):
    return client.post(f"{BASE}/ajukan/domisili", data=data, content_type="multipart/form-data")


def pdf_bytes(*, javascript: bool = False, padding: int = 0) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    if javascript:
        writer.add_open_action(JavaScript("app.alert('hadiah');"))
    if padding:
        # A large but harmless stream: the document stays a valid one-page PDF.
        writer.add_metadata({"/Subject": "x" * 10})
        page = writer.pages[0]
        from pypdf.generic import DecodedStreamObject, NameObject

        stream = DecodedStreamObject()
        stream.set_data(b"% " + b"0" * padding + b"\n")
        page[NameObject("/Contents")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def with_document(letter_type, name: str, data: bytes, **overrides) -> dict:
    form = request_data(letter_type, full_name=NAME, purpose=PURPOSE, **overrides)
    form[f"doc_{letter_type.documents[1].id}"] = (io.BytesIO(data), name)
    return form


def assert_refused(response, *phrases):
    page = text(response)
    assert response.status_code == 422, page[:500]
    for phrase in phrases:
        assert phrase in page, phrase
    assert NAME in page and PURPOSE in page  # what they typed is still there
    assert count(Request) == 0 and count(RequestDocument) == 0


def test_a_missing_required_document(client, letter_type, resident):
    data = request_data(letter_type, full_name=NAME, purpose=PURPOSE)
    del data[f"doc_{letter_type.documents[1].id}"]
    assert_refused(post(client, data), "Unggah KTP: foto dari kamera atau berkas PDF.")


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("catatan.txt", b"ini bukan foto KTP\n" * 20),
        ("ktp.jpg", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 400),
        ("setup.exe", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 400),
    ],
)
def test_a_document_that_is_neither_a_photo_nor_a_pdf(client, letter_type, resident, name, data):
    assert_refused(post(client, with_document(letter_type, name, data)), "bukan gambar")


def test_a_pdf_with_javascript(client, letter_type, resident):
    response = post(client, with_document(letter_type, "ktp.pdf", pdf_bytes(javascript=True)))
    assert_refused(response, "PDF ini berisi skrip atau lampiran")


def test_a_pdf_over_the_size_limit(client, letter_type, resident):
    set_settings(max_document_mb=1)
    big = pdf_bytes(padding=1_250_000)
    assert 1_200_000 < len(big) < 1_400_000
    response = post(client, with_document(letter_type, "ktp.pdf", big))
    assert_refused(response, "lebih dari 1 MB")
    # The same PDF, small, is accepted: the size was the only problem.
    ok = post(client, with_document(letter_type, "ktp.pdf", pdf_bytes()))
    assert ok.status_code == 303, text(ok)[:500]


@pytest.mark.parametrize(
    ("overrides", "phrase"),
    [
        ({"nik": "33750241079000"}, "harus 16 angka"),  # 14 digits
        ({"nik": "33750241079000121"}, "harus 16 angka"),  # 17 digits
        ({"nik": "3375O24107900012"}, "harus 16 angka"),  # a letter O for a zero
        (
            {"nik": "3374024107900012"},
            "bukan NIK Kota Pekalongan (kode wilayah 3375)",
        ),  # Kota Semarang
        (
            {"birth_date": "1991-07-01"},
            "Tanggal lahir tidak sesuai dengan NIK",
        ),  # the NIK says 1 July 1990
    ],
    ids=["short", "long", "letter", "other-city", "birth-date"],
)
def test_a_nik_that_cannot_be_right(client, letter_type, resident, overrides, phrase):
    response = post(client, request_data(letter_type, full_name=NAME, purpose=PURPOSE, **overrides))
    assert_refused(response, phrase)


def test_a_resident_who_is_not_verified_is_told_what_to_do(client, factory, letter_type):
    act_as(client, factory.user("warga", "kauman", verified=False))
    for response in (
        client.get(f"{BASE}/ajukan/domisili"),
        post(client, request_data(letter_type)),
    ):
        assert response.status_code == 403
        page = text(response)
        assert "Datang ke kantor kelurahan dengan KTP atau KK" in page
        assert "minta verifikasi di halaman akun" in page
    assert count(Request) == 0 and count(RequestDocument) == 0


def test_a_photo_chosen_in_a_refused_post_is_kept_for_the_next_try(client, letter_type, resident):
    refused = post(
        client, request_data(letter_type, full_name=NAME, purpose=PURPOSE, nik="3374024107900012")
    )
    assert_refused(refused, "bukan NIK Kota Pekalongan")
    page = text(refused)
    kept = {}
    for doc in letter_type.documents:
        found = re.search(rf'name="doc_{doc.id}-pending"[^>]*value="(\d+)"', page) or re.search(
            rf'value="(\d+)"[^>]*name="doc_{doc.id}-pending"', page
        )
        assert found, f"the photo for {doc.name} was not kept"
        kept[f"doc_{doc.id}-pending"] = found.group(1)

    # Corrected, without choosing the photos again.
    data = request_data(letter_type, with_documents=False, full_name=NAME, purpose=PURPOSE)
    data.update(kept)
    sent = post(client, data)
    assert sent.status_code == 303, text(sent)[:800]
    req = _db.session.execute(select(Request)).scalar_one()
    assert req.full_name == NAME
    assert count(RequestDocument, RequestDocument.request_id == req.id) == 2


def test_someone_elses_kept_photo_cannot_be_claimed(client, factory, letter_type, resident):
    refused = post(
        client, request_data(letter_type, full_name=NAME, purpose=PURPOSE, nik="3374024107900012")
    )
    ids = re.findall(r'name="doc_(\d+)-pending"[^>]*value="(\d+)"', text(refused)) or [
        (b, a) for a, b in re.findall(r'value="(\d+)"[^>]*name="doc_(\d+)-pending"', text(refused))
    ]
    assert ids
    act_as(client, factory.user("warga", "kauman", verified=True))
    data = request_data(letter_type, with_documents=False, full_name="Orang Lain", purpose=PURPOSE)
    data.update({f"doc_{doc}-pending": pending for doc, pending in ids})
    response = post(client, data)
    assert response.status_code == 422
    assert count(Request) == 0


# -- public pages given nonsense -----------------------------------------------------------------


@pytest.mark.parametrize(
    "token", ["AAAAAAAAAAAAAAAAAAAAAAAA", "abc%27%3B--%20DROP", "x" * 41, "%3Cscript%3Ealert(1)"]
)
def test_a_forged_verification_token_is_not_found(app, token):
    response = app.test_client().get(f"{BASE}/verifikasi/{token}")
    assert response.status_code == 404
    page = text(response)
    assert "TIDAK DITEMUKAN" in page and "ASLI" not in page.replace("TIDAK", "")
    assert "<script>alert(1)" not in page


def test_an_unknown_tracking_code_says_so_and_leaks_nothing(app, client, letter_type, resident):
    sent = post(client, request_data(letter_type, full_name=NAME, purpose=PURPOSE))
    assert sent.status_code == 303
    req = _db.session.execute(select(Request)).scalar_one()
    visitor = app.test_client()
    known = visitor.get(f"{BASE}/lacak?kode={req.code}")
    assert known.status_code == 200 and req.code in text(known)

    unknown = visitor.get(f"{BASE}/lacak?kode=ZZZZ9999")
    page = text(unknown)
    assert unknown.status_code == 404
    assert "tidak ditemukan di kelurahan ini" in page
    assert req.code not in page and NAME not in page and PURPOSE not in page
    assert NIK_WOMAN not in page and "Surat keterangan domisili" not in page

    # A real code tracked through another kelurahan's page is unknown there.
    elsewhere = visitor.get(f"/k/medono/layanan/lacak?kode={req.code}")
    assert elsewhere.status_code == 404
    assert NAME not in text(elsewhere) and "Surat keterangan domisili" not in text(elsewhere)
