"""Layanan surat in a real browser, on a 360 px phone: a verified resident requests a
domisili letter with photos of the documents (a first try with a 15-digit NIK is refused and
keeps what was typed and the photos); staff check it, the lurah approves it, staff release
the PDF; the resident downloads it, and the QR code on it opens a page that says "ASLI"."""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import pypdfium2
import pytest
import zxingcpp
from conftest import enable_plugin
from PIL import Image
from playwright.sync_api import expect

from .test_tourism_visit import checked, phone

pytestmark = pytest.mark.browser

LAYANAN = "/k/kauman/layanan"


@pytest.fixture
def letter_type(live_server):
    from tests.services.services_helpers import make_type

    with live_server.data():
        enable_plugin(live_server.app, "services", "kauman")
        found = make_type("kauman", slug="domisili-uji")
        name = found.name
    yield name
    with live_server.data():
        enable_plugin(live_server.app, "services", "kauman", enabled=False)


def document_photo(tmp_path, name: str):
    path = tmp_path / name
    buffer = io.BytesIO()
    Image.new("RGB", (900, 600), (230, 230, 210)).save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return path


def qr_of(pdf: bytes) -> str:
    image = pypdfium2.PdfDocument(pdf)[0].render(scale=3).to_pil()
    found = zxingcpp.read_barcodes(image)
    assert found, "no QR code on the letter"
    return found[0].text


def test_resident_requests_staff_approve_pdf_arrives_and_its_qr_verifies(
    letter_type, new_page, live_server, sign_in, tmp_path
):
    resident = live_server.user("warga", "kauman", name="Siti Aminah", verified=True)
    staff = live_server.user("petugas", "kauman", name="Petugas Layanan", verified=True)
    lurah = live_server.user("admin", "kauman", name="Lurah Kauman", verified=True)

    # -- The resident requests; a 15-digit NIK is refused, the form keeps it all.
    page = phone(new_page)
    sign_in(page, resident["identifier"])
    page.goto(f"{LAYANAN}/")
    checked(page)
    page.get_by_role("link", name=f"Ajukan {letter_type}").click()
    page.get_by_label("Nama lengkap (sesuai KTP)").fill("Siti Aminah")
    page.get_by_label("NIK").fill("337502410790001")
    page.get_by_label("Tempat lahir").fill("Pekalongan")
    page.get_by_label("Tanggal lahir").fill("1990-07-01")
    page.get_by_label("Jenis kelamin").select_option("P")
    page.get_by_label("Alamat").fill("Jl. Hayam Wuruk, Gang Kauman")
    page.get_by_label("RT", exact=True).fill("3")
    page.get_by_label("RW", exact=True).fill("2")
    page.get_by_label("Keperluan").fill("Melamar pekerjaan")
    page.get_by_label("Tinggal sejak tahun").fill("2015")
    page.get_by_label("Surat diterima dengan cara").select_option("unduh")
    page.get_by_label("Surat pengantar RT/RW").set_input_files(
        str(document_photo(tmp_path, "pengantar.jpg"))
    )
    page.get_by_label("KTP", exact=True).set_input_files(str(document_photo(tmp_path, "ktp.jpg")))
    page.get_by_label("Data yang saya isi benar").check()
    checked(page)
    page.get_by_role("button", name="Kirim permohonan").click()

    nik = page.get_by_label("NIK")
    expect(nik).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("NIK harus 16 angka.")).to_be_visible()
    expect(page.get_by_label("Keperluan")).to_have_value("Melamar pekerjaan")
    expect(page.locator(".pending-photos img")).to_have_count(2)
    page.guard.clear()  # the refused form answered 422, which chromium logs as an error
    checked(page)
    nik.fill("3375024107900012")
    page.get_by_label("Data yang saya isi benar").check()
    page.get_by_role("button", name="Kirim permohonan").click()
    expect(page.get_by_text("Permohonan terkirim.")).to_be_visible()
    expect(page.get_by_text("3375••••••••••12")).to_be_visible()
    request_url = page.url
    checked(page)

    # -- Staff check it, the lurah approves it (the number), staff release the PDF.
    desk = phone(new_page)
    sign_in(desk, staff["identifier"])
    desk.goto(f"{LAYANAN}/antrean")
    checked(desk)
    desk.goto(request_url)
    desk.get_by_role("button", name="Mulai periksa").click()
    expect(desk.get_by_text("Status permohonan: Diperiksa.")).to_be_visible()
    expect(desk.get_by_role("button", name="Setujui dan beri nomor")).to_have_count(0)

    office = phone(new_page)
    sign_in(office, lurah["identifier"])
    office.goto(request_url)
    office.get_by_role("button", name="Setujui dan beri nomor").click()
    expect(office.get_by_text("Status permohonan: Disetujui.")).to_be_visible()
    number = office.locator("p", has_text="Nomor surat:").locator("strong").inner_text()
    assert number.startswith("470/001/KEL-KAUMAN/")
    checked(office)

    desk.goto(request_url)
    desk.get_by_role("button", name="Kirim PDF ke pemohon").click()
    expect(desk.get_by_text("Status permohonan: Dikirim.")).to_be_visible()

    # -- The resident downloads the letter; its QR opens the verification page.
    page.goto(request_url)
    link = page.get_by_role("link", name="Unduh surat (PDF)")
    expect(link).to_be_visible()
    answer = page.request.get(link.get_attribute("href"))
    assert answer.ok and answer.headers["content-type"] == "application/pdf"
    target = urlsplit(qr_of(answer.body()))
    assert target.path.startswith(f"{LAYANAN}/verifikasi/")

    visitor = phone(new_page)
    visitor.goto(target.path)
    expect(visitor.locator(".verify-status")).to_have_text("ASLI")
    expect(visitor.get_by_text(number)).to_be_visible()
    expect(visitor.get_by_text("S*** A*****")).to_be_visible()
    assert "3375024107900012" not in visitor.content()
    checked(visitor)
