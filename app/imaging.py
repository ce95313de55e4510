"""Image upload service shared by every plugin (no database, testable alone).

Every upload is checked by *content*, bounded in bytes and pixels, turned
upright, scaled down and re-encoded from pixel data only, so no metadata from
the citizen's phone (GPS position, camera serial, XMP, comments) survives.

Decisions:
- Output is always JPEG (quality 85, optimized, progressive): every browser
  and chat app shows it.  Transparent areas are flattened onto white.
- Embedded ICC profiles are converted to sRGB before being dropped, so
  wide-gamut phone photos (Display P3) keep their colours.
- Paths are ``<subdir>/<yyyy>/<mm>/<uuid4 hex>.jpg`` (UTC date); the
  uploaded filename is never used.
- At most ``MAX_PIXELS`` (20 MP) per image, read from the header before any
  pixel is decoded.  Phones send 12 MP by default (4032×3024; 48/50/108 MP
  sensors bin down to it unless a "full resolution" mode is on), older ones
  16 MP, compact cameras 20 MP; we keep at most 2048 px a side anyway.  A tiny
  PNG of 36 MP cost 1.3 s of CPU and 360 MB to decode; 20 MP is bounded at
  ~80 MB.  Pillow's own guard (``Image.MAX_IMAGE_PIXELS``) is set to the same
  number, so its DecompressionBombError backs ours up.
- At most ``CONCURRENT_IMAGES`` decodes run at once in a process; an upload
  that waits longer than ``BUSY_WAIT_SECONDS`` is refused ("server sibuk", a
  form error), so a burst of uploads cannot take all memory and CPU.
"""

from __future__ import annotations

import contextlib
import re
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path, PurePosixPath
from typing import IO

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageCms, ImageOps

from .storage import LocalStorage, Storage, safe_parts

ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
_CHUNK = 64 * 1024
_SRGB = ImageCms.createProfile("sRGB")

MAX_PIXELS = 20_000_000
# Process-wide on purpose: nothing in this app opens images bigger than an upload may be,
# and Pillow then refuses more than 2 × MAX_PIXELS even where our check is not in the path.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

CONCURRENT_IMAGES = 2  # per worker process: each decode may hold ~80 MB
BUSY_WAIT_SECONDS = 5.0
_slots = threading.BoundedSemaphore(CONCURRENT_IMAGES)


class ImageRejected(ValueError):
    """The upload is not an acceptable image; ``.message`` is shown to the user."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class StoredImage:
    relpath: str  # forward slashes, relative to media_root
    width: int
    height: int
    content_type: str
    size_bytes: int


def _not_an_image() -> ImageRejected:
    return ImageRejected(_l("Berkas ini bukan gambar. Unggah foto JPG, PNG atau WebP."))


def _too_many_pixels() -> ImageRejected:
    return ImageRejected(_l("Gambar terlalu besar (resolusinya terlalu tinggi)."))


def _busy() -> ImageRejected:
    return ImageRejected(
        _l("Server sedang sibuk memproses foto lain. Coba kirim lagi sebentar lagi.")
    )


def store_image(
    stream: IO[bytes],  # a binary stream or a werkzeug FileStorage (it proxies .read)
    media_root: str | Path | Storage,  # a folder, or the app's storage (app.storage)
    *,
    max_bytes: int = 10 * 1024 * 1024,
    max_side: int = 2048,
    max_pixels: int = MAX_PIXELS,
    subdir: str = "",
) -> StoredImage:
    """Validate, sanitize and store an uploaded image; raise ImageRejected if unfit."""
    prefix = _safe_parts(subdir) if subdir else ()  # caller bug -> ValueError
    data = _read_limited(stream, max_bytes)
    if not _slots.acquire(timeout=BUSY_WAIT_SECONDS):
        raise _busy()
    try:
        image = _decode(data, max_side=max_side, max_pixels=max_pixels)
        # Encode in memory first: any failure happens before we touch the disk.
        out = BytesIO()
        image.save(out, "JPEG", quality=85, optimize=True, progressive=True)
        encoded = out.getvalue()
    finally:
        _slots.release()

    now = datetime.now(UTC)
    rel = PurePosixPath(*prefix, f"{now:%Y}", f"{now:%m}", f"{uuid.uuid4().hex}.jpg")
    _as_storage(media_root).save(str(rel), encoded, "image/jpeg")
    return StoredImage(str(rel), image.width, image.height, "image/jpeg", len(encoded))


def store_document(
    data: bytes,
    media_root: str | Path | Storage,
    *,
    content_type: str,
    suffix: str,
    subdir: str = "",
) -> StoredImage:
    """Store a document the caller already checked (a PDF rewritten by its checker); its
    width and height are 0."""
    prefix = _safe_parts(subdir) if subdir else ()
    if not re.fullmatch(r"[a-z0-9]{1,8}", suffix):
        raise ValueError(f"unsafe suffix {suffix!r}")
    now = datetime.now(UTC)
    rel = PurePosixPath(*prefix, f"{now:%Y}", f"{now:%m}", f"{uuid.uuid4().hex}.{suffix}")
    _as_storage(media_root).save(str(rel), data, content_type)
    return StoredImage(str(rel), 0, 0, content_type, len(data))


def media_path(media_root: str | Path, relpath: str) -> Path:
    """Resolve a stored relpath for serving; anything unsafe or missing -> FileNotFoundError."""
    return LocalStorage(media_root).path(relpath)


def _as_storage(target: str | Path | Storage) -> Storage:
    return LocalStorage(target) if isinstance(target, str | Path) else target


def _safe_parts(relpath: str) -> tuple[str, ...]:
    return safe_parts(relpath)


def _read_limited(stream: IO[bytes], max_bytes: int) -> BytesIO:
    # Read at most max_bytes + 1: enough to know it is too big, never more.
    buf = BytesIO()
    while buf.tell() <= max_bytes:
        chunk = stream.read(min(_CHUNK, max_bytes + 1 - buf.tell()))
        if not chunk:
            break
        buf.write(chunk)
    if buf.tell() > max_bytes:
        limit = f"{max_bytes / (1024 * 1024):g}".replace(".", ",")
        raise ImageRejected(_l("Ukuran berkas melebihi %(limit)s MB.", limit=limit))
    return buf


def _decode(data: BytesIO, *, max_side: int, max_pixels: int) -> Image.Image:
    # Pillow only warns between MAX_IMAGE_PIXELS and twice that: refuse from the
    # header ourselves (flipping the warning to an error with catch_warnings is
    # process-global and not thread-safe).
    limit = min(max_pixels, Image.MAX_IMAGE_PIXELS or max_pixels)
    try:
        data.seek(0)
        with Image.open(data, formats=ACCEPTED_FORMATS) as probe:
            width, height = probe.size  # header only: no pixel data decoded yet
            if width * height > limit:
                raise _too_many_pixels()
            probe.verify()  # structural check (e.g. PNG CRCs); leaves probe unusable
        data.seek(0)
        with Image.open(data, formats=ACCEPTED_FORMATS) as im:
            im.draft(None, (max_side, max_side))  # JPEG: decode at reduced scale
            im.load()  # first frame only (GIF/WebP); truncated data raises here
            return _sanitize(im, max_side)
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _too_many_pixels() from exc
    except Exception as exc:  # any parser failure on untrusted bytes = not an image
        raise _not_an_image() from exc


def _sanitize(im: Image.Image, max_side: int) -> Image.Image:
    im = ImageOps.exif_transpose(im)  # photos come out upright
    im = im.convert("RGBA") if im.has_transparency_data else _to_srgb(im)
    im.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    # Fresh image from pixels only: no EXIF/GPS, XMP, ICC or comments can leak.
    clean = Image.new("RGB", im.size, "white")
    clean.paste(im, mask=im.getchannel("A") if im.mode == "RGBA" else None)
    return clean


def _to_srgb(im: Image.Image) -> Image.Image:
    icc = im.info.get("icc_profile")
    if icc and im.mode in ("RGB", "CMYK", "L"):
        with contextlib.suppress(ImageCms.PyCMSError, OSError, ValueError):
            src = ImageCms.ImageCmsProfile(BytesIO(icc))
            return ImageCms.profileToProfile(im, src, _SRGB, outputMode="RGB")
    return im.convert("RGB")
