"""The finished letter as an A4 PDF: letterhead, title and number, body, signature, QR code.

Built in memory with ReportLab's platypus. Every text that reaches a Paragraph is escaped
(Paragraph markup is XML-like and the values come from residents) and reduced to what the
standard PDF fonts can draw (Windows-1252), so unusual input never breaks a letter.
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass
from xml.sax.saxutils import escape

import segno
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    HRFlowable,
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from .templating import parse_body

FONT = "Times-Roman"
FONT_BOLD = "Times-Bold"
FONT_ITALIC = "Times-Italic"
MARGIN_X = 22 * mm
MARGIN_TOP = 15 * mm
MARGIN_BOTTOM = 20 * mm
QR_SIZE = 30 * mm
LOGO_HEIGHT = 24 * mm

# Typographic characters outside Latin-1 that Indonesian text often carries; the rest of
# Windows-1252 is drawable by the standard fonts as is.
_ASCII_FOR = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


@dataclass
class Letterhead:
    city_line: str  # "PEMERINTAH KOTA PEKALONGAN"
    kecamatan_line: str  # "KECAMATAN PEKALONGAN TIMUR"
    kelurahan_line: str  # "KELURAHAN KAUMAN"
    address: str = ""
    logo: bytes | None = None  # PNG or JPEG, drawn at the left of the letterhead


@dataclass
class LetterContent:
    title: str
    number: str
    body: str  # rendered template text, see templating.parse_body
    place_and_date: str
    signer_title: str
    signer_name: str
    signer_nip: str
    verify_url: str
    verify_hint: str
    footer_note: str = ""


def drawable(text: str) -> str:
    """`text` with every character the standard PDF fonts cannot draw replaced by "?"."""
    text = unicodedata.normalize("NFC", str(text)).translate(_ASCII_FOR)
    out = []
    for char in text:
        if char in "\n\t":
            out.append(char)
        elif unicodedata.category(char).startswith("C"):
            continue  # control and format characters (zero-width joiners, BOM)
        else:
            try:
                char.encode("cp1252")
            except UnicodeEncodeError:
                char = "?"
            out.append(char)
    return "".join(out)


def _markup(text: str) -> str:
    """Plain text as Paragraph markup: escaped, drawable, line breaks kept."""
    return "<br/>".join(escape(drawable(line)) for line in str(text).split("\n"))


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=FONT, fontSize=12, leading=15, alignment=TA_LEFT)
    return {
        "head": ParagraphStyle(
            "head", base, fontName=FONT_BOLD, fontSize=13, leading=16, alignment=TA_CENTER
        ),
        "head_big": ParagraphStyle(
            "head_big", base, fontName=FONT_BOLD, fontSize=16, leading=19, alignment=TA_CENTER
        ),
        "address": ParagraphStyle("address", base, fontSize=10, leading=12, alignment=TA_CENTER),
        "title": ParagraphStyle(
            "title", base, fontName=FONT_BOLD, fontSize=13, leading=16, alignment=TA_CENTER
        ),
        "number": ParagraphStyle("number", base, alignment=TA_CENTER),
        "body": ParagraphStyle("body", base, alignment=TA_JUSTIFY, spaceAfter=8),
        "cell": base,
        "sign": ParagraphStyle("sign", base, alignment=TA_CENTER),
        "sign_name": ParagraphStyle("sign_name", base, fontName=FONT_BOLD, alignment=TA_CENTER),
        "small": ParagraphStyle("small", base, fontSize=8, leading=10),
    }


def _logo(data: bytes | None) -> Image | None:
    if not data:
        return None
    try:
        width, height = ImageReader(io.BytesIO(data)).getSize()
    except Exception:  # a broken logo must not stop the letter
        return None
    if not width or not height:
        return None
    return Image(io.BytesIO(data), width=LOGO_HEIGHT * width / height, height=LOGO_HEIGHT)


def _letterhead(head: Letterhead, styles, width: float) -> list:
    lines = [
        Paragraph(_markup(head.city_line), styles["head"]),
        Paragraph(_markup(head.kecamatan_line), styles["head"]),
        Paragraph(_markup(head.kelurahan_line), styles["head_big"]),
    ]
    if head.address.strip():
        lines.append(Paragraph(_markup(head.address), styles["address"]))
    logo = _logo(head.logo)
    if logo is None:
        block = Table([[lines]], colWidths=[width])
    else:
        # The text stays centred on the page: an empty column on the right balances the logo.
        side = min(max(logo.drawWidth, LOGO_HEIGHT) + 2 * mm, width / 4)
        block = Table([[logo, lines, ""]], colWidths=[side, width - 2 * side, side])
    block.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return [
        block,
        Spacer(1, 2 * mm),
        HRFlowable(width="100%", thickness=2, color=colors.black, spaceAfter=1),
        HRFlowable(width="100%", thickness=0.6, color=colors.black, spaceAfter=6 * mm),
    ]


def _table(rows: list[tuple[str, str]], styles, width: float) -> Table:
    labels = [drawable(label) for label, _ in rows]
    label_width = max(stringWidth(label, FONT, 12) for label in labels) + 4 * mm
    label_width = min(label_width, width * 0.42)
    colon_width = 4 * mm
    data = [
        [
            Paragraph(escape(label), styles["cell"]),
            Paragraph(":", styles["cell"]),
            Paragraph(_markup(value), styles["cell"]),
        ]
        for label, (_, value) in zip(labels, rows, strict=True)
    ]
    table = Table(
        data,
        colWidths=[label_width, colon_width, width - label_width - colon_width],
        hAlign="LEFT",
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 2),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    return table


def _qr(url: str) -> Image:
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=4, border=2)
    buffer.seek(0)
    return Image(buffer, width=QR_SIZE, height=QR_SIZE)


def _signature(content: LetterContent, styles, width: float) -> KeepTogether:
    left = [
        _qr(content.verify_url),
        Paragraph(_markup(content.verify_hint), styles["small"]),
        Paragraph(_markup(content.verify_url), styles["small"]),
    ]
    right = [
        Paragraph(_markup(content.place_and_date), styles["sign"]),
        Paragraph(_markup(content.signer_title), styles["sign"]),
        Spacer(1, 24 * mm),  # room for the signature and the stamp
    ]
    if content.signer_name.strip():
        right.append(Paragraph(f"<u>{_markup(content.signer_name)}</u>", styles["sign_name"]))
    else:
        right.append(Paragraph("(" + "&nbsp;" * 40 + ")", styles["sign"]))
    if content.signer_nip.strip():
        right.append(Paragraph("NIP. " + _markup(content.signer_nip), styles["sign"]))
    half = width / 2
    table = Table([[left, right]], colWidths=[half, half])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (0, 0), "BOTTOM"),
                ("VALIGN", (1, 0), (1, 0), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (0, 0), 10 * mm),
            ]
        )
    )
    return KeepTogether([Spacer(1, 8 * mm), table])


def render_pdf(head: Letterhead, content: LetterContent) -> bytes:
    """The letter as the bytes of an A4 PDF."""
    styles = _styles()
    buffer = io.BytesIO()
    footer = drawable(content.footer_note).replace("\n", " ").strip()

    def on_page(canvas, doc) -> None:
        if footer:
            canvas.saveState()
            canvas.setFont(FONT_ITALIC, 8)
            canvas.setFillColor(colors.grey)
            canvas.drawCentredString(A4[0] / 2, 10 * mm, footer)
            canvas.restoreState()

    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=drawable(content.title),
        author=drawable(head.kelurahan_line),
        creator="Kelurahan Pintar",
        invariant=1,  # same letter, same bytes: no creation time or random document id
    )
    width = doc.width
    story: list = _letterhead(head, styles, width)
    story += [
        Paragraph(f"<u>{_markup(content.title)}</u>", styles["title"]),
        # The letter is an official Indonesian document in any UI language: not translated.
        Paragraph("Nomor: " + _markup(content.number), styles["number"]),
        Spacer(1, 8 * mm),
    ]
    for block in parse_body(content.body):
        if block.kind == "table":
            story += [_table(block.rows, styles, width), Spacer(1, 8)]
        else:
            story.append(Paragraph("<br/>".join(map(_markup, block.lines)), styles["body"]))
    story.append(_signature(content, styles, width))
    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buffer.getvalue()
