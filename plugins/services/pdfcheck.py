"""Checking a resident's uploaded PDF (a scanned KTP, KK or surat pengantar) before it is kept.

A scan needs pages and nothing else, so anything that can act when the file is opened
(JavaScript, launching programs, embedded files, forms that submit or import, Flash/XFA) is
refused, and what is accepted is re-written page by page: the stored file has none of the
original's document-level objects (metadata, outlines, names, forms, actions).

Two looks, because either alone can be fooled: every object pypdf can reach (including those
inside compressed object streams, whose raw bytes show nothing), and the raw bytes outside
stream data with `#xx` escapes in names decoded (objects pypdf does not reach, such as those
left behind by an incremental update). Stream data itself is not scanned: a JPEG scan holds
random bytes that would, now and then, spell a forbidden name.
"""

from __future__ import annotations

import contextlib
import contextvars
import io
import logging
import math
import re
import sys
import warnings

from flask_babel import lazy_gettext as _l
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

MAX_PAGES = 20
MAX_OBJECTS = 200_000  # more than any scan needs; a bound on work for a hostile file
MEGABYTE = 1024 * 1024

# Names that mean the document can act on its own. /OpenAction and /AA are not listed: they
# are harmless unless they lead to one of these, which the walk then finds.
FORBIDDEN_NAMES = frozenset(
    {
        "/JS",
        "/JavaScript",
        "/Launch",
        "/EmbeddedFile",
        "/EmbeddedFiles",
        "/RichMedia",
        "/XFA",
        "/SubmitForm",
        "/ImportData",
        "/GoToE",  # opens a document embedded in this one
        "/GoToR",  # opens another file on the reader's machine
    }
)
_FORBIDDEN_RAW = frozenset(name.encode() for name in FORBIDDEN_NAMES)

# A name runs until PDF whitespace or a delimiter.
_RAW_NAME = re.compile(rb"/[^\x00\t\n\x0c\r /\[\]()<>{}%]*")
_HEX_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
# "endstream" also ends in "stream": without the look-behind the end of one stream would be
# taken for the start of another.
_STREAM_START = re.compile(rb"(?<!end)stream(?:\r\n|\n|\r)")

_PAGE_KEYS_DROPPED = ("/Metadata", "/PieceInfo", "/AA")


class DocumentRejected(ValueError):
    """An upload that is not kept; str(error) is the message for the resident."""

    def __init__(self, message) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


def _damaged() -> DocumentRejected:
    return DocumentRejected(_l("Berkas PDF rusak atau terkunci sandi."))


def _active() -> DocumentRejected:
    return DocumentRejected(
        _l(
            "PDF ini berisi skrip atau lampiran; unggah hasil pindaian biasa "
            "(foto atau PDF tanpa skrip)."
        )
    )


def _megabytes(size: int) -> str:
    """Two significant digits at most, with the Indonesian decimal comma: "5", "2,5"."""
    mb = size / MEGABYTE
    if mb <= 0:
        return "0"
    decimals = max(0, 1 - math.floor(math.log10(mb)))
    text = f"{round(mb, decimals):.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


# pypdf logs a warning for each flaw it works around in strict=False mode, which on hostile
# or sloppy uploads floods the log. Only its warnings raised inside clean_pdf() are dropped:
# a context variable marks them, so other threads and other pypdf users still log.
_quiet = contextvars.ContextVar("pdfcheck_quiet", default=False)


class _QuietFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not _quiet.get()


_QUIET_FILTER = _QuietFilter()
_filtered_loggers: set[str] = set()


def _filter_pypdf_loggers() -> None:
    # A logger's filter does not see records propagated from its children, and pypdf logs
    # under each module's name, so every pypdf module's logger gets the filter.
    for name in [n for n in sys.modules if n == "pypdf" or n.startswith("pypdf.")]:
        if name not in _filtered_loggers:
            logging.getLogger(name).addFilter(_QUIET_FILTER)
            _filtered_loggers.add(name)


@contextlib.contextmanager
def _pypdf_quiet():
    _filter_pypdf_loggers()
    token = _quiet.set(True)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", module=r"pypdf(\.|$)")
            yield
    finally:
        _quiet.reset(token)


def _outside_streams(data: bytes) -> bytes:
    # A loop rather than one regex: "stream" a million times with no "endstream" would make
    # a regex scan to the end from each of them.
    parts = []
    position = 0
    while start := _STREAM_START.search(data, position):
        end = data.find(b"endstream", start.end())
        if end < 0:
            break
        parts.append(data[position : start.start()])
        position = end + len(b"endstream")
    parts.append(data[position:])
    return b" ".join(parts)


def _raw_names_forbidden(data: bytes) -> bool:
    # Each distinct name once: a hostile file can repeat one name millions of times.
    for name in set(_RAW_NAME.findall(_outside_streams(data))):
        if b"#" in name:
            name = _HEX_ESCAPE.sub(lambda m: bytes([int(m[1], 16)]), name)
        if name in _FORBIDDEN_RAW:
            return True
    return False


def _objects_forbidden(reader: PdfReader) -> bool:
    stack: list = [reader.trailer]
    # Objects in the cross-reference tables too, not only those the trailer leads to.
    for generation, numbers in getattr(reader, "xref", {}).items():
        stack.extend(IndirectObject(number, generation, reader) for number in numbers)
    stack.extend(IndirectObject(number, 0, reader) for number in getattr(reader, "xref_objStm", {}))
    visited: set[tuple[int, int]] = set()
    steps = 0
    while stack:
        steps += 1
        if steps > MAX_OBJECTS:
            raise _damaged()
        node = stack.pop()
        if isinstance(node, IndirectObject):
            key = (node.idnum, node.generation)
            if key in visited:
                continue
            visited.add(key)
            node = node.get_object()
        if isinstance(node, DictionaryObject):  # stream objects too (their dictionary)
            children = [*node.keys(), *node.values()]
        elif isinstance(node, ArrayObject):
            children = list(node)
        else:
            children = [node]
        for child in children:
            if isinstance(child, NameObject):
                if child in FORBIDDEN_NAMES:
                    return True
            elif isinstance(child, IndirectObject | DictionaryObject | ArrayObject):
                # Numbers and strings are not stacked: a font's long /W array stays cheap.
                stack.append(child)
    return False


def clean_pdf(data: bytes, *, max_bytes: int) -> bytes:
    """The upload re-written with its pages only, or DocumentRejected saying why not."""
    if len(data) > max_bytes:
        raise DocumentRejected(_l("Berkas PDF lebih dari %(mb)s MB.", mb=_megabytes(max_bytes)))
    if not data.startswith(b"%PDF-"):
        raise DocumentRejected(_l("Berkas ini bukan PDF."))
    if _raw_names_forbidden(data):
        raise _active()
    with _pypdf_quiet():
        try:
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                raise _damaged()
            pages = len(reader.pages)
            if pages == 0:
                raise DocumentRejected(_l("PDF ini tidak berisi halaman."))
            if pages > MAX_PAGES:
                raise DocumentRejected(_l("PDF ini lebih dari %(max)d halaman.", max=MAX_PAGES))
            if _objects_forbidden(reader):
                raise _active()
            writer = PdfWriter()
            for page in reader.pages:
                writer.add_page(page, excluded_keys=_PAGE_KEYS_DROPPED)
            writer.metadata = None  # no /Info, not even pypdf's own /Producer
            out = io.BytesIO()
            writer.write(out)
        except DocumentRejected:
            raise
        except Exception:
            # pypdf raises many kinds of errors (and RecursionError on deep nesting) for a
            # broken file; for the resident they all mean the same.
            raise _damaged() from None
    return out.getvalue()
