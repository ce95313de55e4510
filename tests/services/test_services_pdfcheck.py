"""Uploaded PDFs: a plain scan is kept (re-written, without metadata), anything that can act
on its own, anything broken or locked, and anything that is not a PDF is refused."""

from __future__ import annotations

import io
import logging
import re
import zlib

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.actions import JavaScript
from reportlab.pdfgen import canvas

from plugins.services import pdfcheck
from plugins.services.pdfcheck import DocumentRejected, clean_pdf

LIMIT = 5 * 1024 * 1024
ACTIVE = (
    "PDF ini berisi skrip atau lampiran; unggah hasil pindaian biasa (foto atau PDF tanpa skrip)."
)
DAMAGED = "Berkas PDF rusak atau terkunci sandi."
NOT_PDF = "Berkas ini bukan PDF."
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
    b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7"
    b"5\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)


def scan_pdf(pages: int = 1, author: str = "Siti Aminah") -> bytes:
    """What a phone's scanner app makes: pages, and metadata about who made it."""
    out = io.BytesIO()
    drawing = canvas.Canvas(out)
    drawing.setAuthor(author)
    drawing.setTitle("KTP Siti Aminah")
    for number in range(1, pages + 1):
        drawing.drawString(72, 720, f"Surat pengantar RT halaman {number}")
        drawing.showPage()
    drawing.save()
    return out.getvalue()


def written(writer: PdfWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def hand_made(objects: dict[int, bytes], *, root: int = 1, unlisted: bytes = b"") -> bytes:
    """A PDF 1.4 file from object bodies, with a correct xref table; `unlisted` objects are
    written into the file but left out of the table (as an incremental update leaves them)."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, objects[number])
    out += unlisted
    xref_at = len(out)
    size = max(objects) + 1
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for number in range(1, size):
        out += (
            b"%010d 00000 n \n" % offsets[number] if number in offsets else b"0000000000 65535 f \n"
        )
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, root, xref_at)
    return bytes(out)


PAGE_OBJECTS = {
    2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>",
    4: b"<< /Length 24 >>\nstream\nBT /F1 12 Tf (Hai) Tj ET\nendstream",
}


def refusal(data: bytes, max_bytes: int = LIMIT) -> str:
    with pytest.raises(DocumentRejected) as caught:
        clean_pdf(data, max_bytes=max_bytes)
    return str(caught.value)


# -- accepted ---------------------------------------------------------------------------------


def test_plain_scan_is_kept_rewritten_without_metadata():
    original = scan_pdf(pages=2)
    assert b"Siti Aminah" in original

    kept = clean_pdf(original, max_bytes=LIMIT)

    reader = PdfReader(io.BytesIO(kept))
    assert len(reader.pages) == 2
    assert "Surat pengantar RT halaman 2" in reader.pages[1].extract_text()
    assert reader.metadata is None
    assert "/Info" not in reader.trailer
    assert b"Siti Aminah" not in kept
    assert b"ReportLab" not in kept


def test_harmless_open_action_and_xmp_metadata_are_dropped_not_refused():
    # Scanner apps often open on the first page, and some add XMP: both are fine but not kept.
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R /OpenAction [3 0 R /Fit] /Metadata 5 0 R >>",
        **PAGE_OBJECTS,
        5: b"<< /Type /Metadata /Subtype /XML /Length 17 >>\nstream\n<x>Siti Aminah</x>\nendstream",
    }
    kept = clean_pdf(hand_made(objects), max_bytes=LIMIT)
    assert b"Siti Aminah" not in kept
    assert b"/OpenAction" not in kept
    assert b"/Metadata" not in kept
    assert len(PdfReader(io.BytesIO(kept)).pages) == 1


def test_reference_cycles_do_not_hang_the_check():
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R /Loop 5 0 R >>",
        **PAGE_OBJECTS,
        5: b"<< /Next 6 0 R >>",
        6: b"<< /Next 5 0 R /Back [5 0 R 6 0 R 1 0 R] >>",
    }
    assert len(PdfReader(io.BytesIO(clean_pdf(hand_made(objects), max_bytes=LIMIT))).pages) == 1


def test_twenty_pages_are_accepted():
    assert len(PdfReader(io.BytesIO(clean_pdf(scan_pdf(pages=20), max_bytes=LIMIT))).pages) == 20


# -- active content ---------------------------------------------------------------------------


def test_open_action_javascript_is_refused():
    # pypdf 7 removed PdfWriter.add_js; add_open_action(JavaScript(...)) is its replacement.
    writer = PdfWriter(clone_from=io.BytesIO(scan_pdf()))
    writer.add_open_action(JavaScript("app.alert('hai');"))
    assert refusal(written(writer)) == ACTIVE


def test_javascript_name_written_with_hex_escapes_is_refused():
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R /OpenAction 5 0 R >>",
        **PAGE_OBJECTS,
        5: b"<< /Type /Action /S /J#61vaScript /J#53 (app.alert\\(1\\)) >>",
    }
    data = hand_made(objects)
    assert b"/JavaScript" not in data and b"/JS" not in data
    assert refusal(data) == ACTIVE


def test_javascript_left_outside_the_xref_table_is_refused():
    # Not reachable by pypdf, but a lenient viewer that rebuilds the table would find it.
    unlisted = b"9 0 obj\n<< /S /J#61vaScript /J#53 (app.alert\\(1\\)) >>\nendobj\n"
    data = hand_made({1: b"<< /Type /Catalog /Pages 2 0 R >>", **PAGE_OBJECTS}, unlisted=unlisted)
    assert pdfcheck._objects_forbidden(PdfReader(io.BytesIO(data))) is False
    assert refusal(data) == ACTIVE


def test_javascript_inside_a_compressed_object_stream_is_refused():
    # The raw bytes show only "/OpenAction 5 0 R"; the action itself is deflated inside
    # object stream 4, so only the walk through pypdf's objects finds it.
    action = b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>"
    header = b"5 0 "
    packed = zlib.compress(header + action)
    body = [
        (1, b"<< /Type /Catalog /Pages 2 0 R /OpenAction 5 0 R >>"),
        (2, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"),
        (3, b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>"),
        (
            4,
            b"<< /Type /ObjStm /N 1 /First %d /Filter /FlateDecode /Length %d >>\nstream\n"
            % (len(header), len(packed))
            + packed
            + b"\nendstream",
        ),
    ]
    out = bytearray(b"%PDF-1.5\n")
    offsets = {}
    for number, text in body:
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, text)
    xref_at = len(out)
    rows = b"\x00\x00\x00\x00\x00\xff\xff"  # object 0: free
    for number in (1, 2, 3, 4):
        rows += b"\x01" + offsets[number].to_bytes(4, "big") + b"\x00\x00"
    rows += b"\x02" + (4).to_bytes(4, "big") + b"\x00\x00"  # object 5: in stream 4, index 0
    rows += b"\x01" + xref_at.to_bytes(4, "big") + b"\x00\x00"  # object 6: this xref stream
    out += (
        b"6 0 obj\n<< /Type /XRef /Size 7 /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n"
        % len(rows)
        + rows
        + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref_at
    )
    data = bytes(out)
    assert b"JavaScript" not in data
    assert pdfcheck._raw_names_forbidden(data) is False
    assert refusal(data) == ACTIVE


def test_embedded_file_is_refused():
    writer = PdfWriter(clone_from=io.BytesIO(scan_pdf()))
    writer.add_attachment("virus.exe", b"MZ\x90\x00")
    assert refusal(written(writer)) == ACTIVE


@pytest.mark.parametrize(
    "action",
    [
        b"<< /S /Launch /F (calc.exe) >>",
        b"<< /S /SubmitForm /F (https://contoh.invalid/) >>",
        b"<< /S /ImportData /F (data.fdf) >>",
        b"<< /S /GoToR /F (lain.pdf) /D [0 /Fit] >>",
    ],
)
def test_actions_that_reach_outside_the_document_are_refused(action):
    objects = {1: b"<< /Type /Catalog /Pages 2 0 R /OpenAction 5 0 R >>", **PAGE_OBJECTS}
    objects[5] = action
    assert refusal(hand_made(objects)) == ACTIVE


def test_page_additional_action_with_javascript_is_refused():
    objects = {1: b"<< /Type /Catalog /Pages 2 0 R >>", **PAGE_OBJECTS}
    objects[3] = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /AA << /O 5 0 R >> >>"
    objects[5] = b"<< /S /JavaScript /JS 6 0 R >>"
    objects[6] = b"<< /Length 12 >>\nstream\napp.alert(1)\nendstream"
    assert refusal(hand_made(objects)) == ACTIVE


def test_xfa_form_is_refused():
    objects = {1: b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /XFA 5 0 R >> >>"}
    objects |= PAGE_OBJECTS
    objects[5] = b"<< /Length 5 >>\nstream\n<xdp>\nendstream"
    assert refusal(hand_made(objects)) == ACTIVE


# -- not a PDF, broken, locked, too big -------------------------------------------------------


def test_png_is_not_a_pdf():
    assert refusal(PNG) == NOT_PDF


def test_pdf_header_must_be_at_the_very_start():
    assert refusal(b"junk\n" + scan_pdf()) == NOT_PDF
    assert refusal(b"") == NOT_PDF


@pytest.mark.parametrize("cut", [0.5, 0.9])
def test_truncated_pdf_is_damaged(cut):
    data = scan_pdf()
    assert refusal(data[: int(len(data) * cut)]) == DAMAGED


def test_garbage_after_the_header_is_damaged():
    assert refusal(b"%PDF-1.7\n" + bytes(range(256)) * 20) == DAMAGED


def test_repaired_pdf_is_kept_without_flooding_the_log(caplog):
    # A wrong startxref is repaired by pypdf, which logs a warning for it: not during the check.
    sloppy = re.sub(rb"startxref\n\d+", b"startxref\n12", scan_pdf())
    with caplog.at_level(logging.DEBUG):
        assert len(PdfReader(io.BytesIO(clean_pdf(sloppy, max_bytes=LIMIT))).pages) == 1
    assert [r for r in caplog.records if r.name.startswith("pypdf")] == []
    # Only the check is quiet: pypdf used elsewhere still logs.
    with caplog.at_level(logging.DEBUG):
        assert len(PdfReader(io.BytesIO(sloppy)).pages) == 1
    assert [r for r in caplog.records if r.name.startswith("pypdf")] != []


def test_page_tree_that_contains_itself_is_damaged():
    objects = {1: b"<< /Type /Catalog /Pages 2 0 R >>", **PAGE_OBJECTS}
    objects[2] = b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>"
    assert refusal(hand_made(objects)) == DAMAGED


def test_deeply_nested_arrays_are_damaged_not_a_crash():
    objects = {1: b"<< /Type /Catalog /Pages 2 0 R /X 5 0 R >>", **PAGE_OBJECTS}
    objects[5] = b"[" * 100_000 + b"]" * 100_000
    assert refusal(hand_made(objects)) == DAMAGED


def test_stream_keywords_without_end_are_not_mistaken_for_a_pdf():
    assert refusal(b"%PDF-1.4\n" + b"stream\n" * 10_000) == DAMAGED


@pytest.mark.parametrize("user_password", ["x", ""])
def test_encrypted_pdf_is_refused(user_password):
    writer = PdfWriter(clone_from=io.BytesIO(scan_pdf()))
    writer.encrypt(user_password, owner_password="pemilik")
    assert refusal(written(writer)) == DAMAGED


def test_oversize_pdf_is_refused_with_the_limit_in_megabytes():
    data = b"%PDF-1.4\n" + b"0" * LIMIT
    assert refusal(data) == "Berkas PDF lebih dari 5 MB."
    assert refusal(data, max_bytes=int(2.5 * 1024 * 1024)) == "Berkas PDF lebih dari 2,5 MB."


def test_limit_is_inclusive():
    data = scan_pdf()
    assert clean_pdf(data, max_bytes=len(data))


@pytest.mark.parametrize(
    ("size", "text"),
    [(5 * 1024 * 1024, "5"), (int(2.5 * 1024 * 1024), "2,5"), (20 * 1024 * 1024, "20")],
)
def test_megabytes_read_naturally(size, text):
    assert pdfcheck._megabytes(size) == text


def test_too_many_pages_are_refused():
    assert refusal(scan_pdf(pages=21)) == "PDF ini lebih dari 20 halaman."


def test_pdf_without_pages_is_refused():
    assert refusal(written(PdfWriter())) == "PDF ini tidak berisi halaman."


def test_too_many_objects_is_damaged(monkeypatch):
    monkeypatch.setattr(pdfcheck, "MAX_OBJECTS", 5)
    assert refusal(scan_pdf()) == DAMAGED
