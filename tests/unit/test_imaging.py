"""Upload service: what a citizen (or an attacker) would notice."""

import os
import re
import struct
import zlib
from io import BytesIO

import pytest
from flask import Flask
from flask_babel import Babel
from PIL import Image, ImageCms, ImageFile
from werkzeug.datastructures import FileStorage

from app import imaging
from app.imaging import ImageRejected, StoredImage, media_path, store_image

NOT_IMAGE = "Berkas ini bukan gambar. Unggah foto JPG, PNG atau WebP."
TOO_BIG = "Ukuran berkas melebihi 10 MB."
TOO_MANY_PIXELS = "Gambar terlalu besar (resolusinya terlalu tinggi)."
BUSY = "Server sedang sibuk memproses foto lain. Coba kirim lagi sebentar lagi."


@pytest.fixture(autouse=True)
def app_ctx():
    app = Flask(__name__)
    Babel(app, default_locale="id")
    with app.app_context():
        yield


@pytest.fixture
def media(tmp_path):
    return tmp_path / "media"


def encode(img, fmt, **kw):
    buf = BytesIO()
    img.save(buf, fmt, **kw)
    buf.seek(0)
    return buf


def upload(data, filename, content_type="image/jpeg"):
    if isinstance(data, bytes):
        data = BytesIO(data)
    return FileStorage(stream=data, filename=filename, content_type=content_type)


def open_stored(media, stored: StoredImage):
    return Image.open(media / stored.relpath)


def assert_rejected(media, stream, message, **kw):
    with pytest.raises(ImageRejected) as exc:
        store_image(stream, media, **kw)
    assert str(exc.value.message) == message
    assert not media.exists() or not any(media.rglob("*")), "nothing may be written"


def png_bomb(width, height):
    """A real, tiny PNG that would decode to width*height 1-bit pixels."""

    def chunk(kind, body):
        crc = struct.pack(">I", zlib.crc32(kind + body))
        return struct.pack(">I", len(body)) + kind + body + crc

    comp = zlib.compressobj(9)
    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte + packed bits
    idat = b"".join(comp.compress(row * 1000) for _ in range(height // 1000)) + comp.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def test_gps_and_all_metadata_are_removed(media):
    exif = Image.Exif()
    exif[0x010F] = "CanonMake"
    exif[0x0110] = "EOS SecretModel"
    exif[0x8825] = {1: "S", 2: (6.0, 10.0, 30.0), 3: "E", 4: (106.0, 49.0, 0.0)}
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    src = encode(
        Image.new("RGB", (640, 480), (200, 30, 40)),
        "JPEG",
        exif=exif,
        icc_profile=icc,
        comment=b"secret comment",
    )
    assert Image.open(src).getexif().get_ifd(0x8825), "fixture must carry GPS"
    src.seek(0)

    stored = store_image(src, media)

    raw = (media / stored.relpath).read_bytes()
    for marker in (b"Exif", b"CanonMake", b"SecretModel", b"secret comment", b"ICC_PROFILE"):
        assert marker not in raw
    out = open_stored(media, stored)
    assert len(out.getexif()) == 0
    assert not out.getexif().get_ifd(0x8825)
    assert "icc_profile" not in out.info
    r, g, b = out.getpixel((320, 240))
    assert abs(r - 200) < 10 and g < 50 and b < 60, "colours survive the sRGB conversion"


def test_large_photo_is_scaled_keeping_aspect(media):
    stored = store_image(encode(Image.new("RGB", (4000, 3000), "green"), "JPEG"), media)
    assert (stored.width, stored.height) == (2048, 1536)
    assert open_stored(media, stored).size == (2048, 1536)


def test_orientation_6_photo_comes_out_upright(media):
    # Sensor data is landscape: left half red, right half blue.  Orientation 6
    # means "rotate 90 degrees clockwise to view", so red must end up on top.
    img = Image.new("RGB", (200, 100), "blue")
    img.paste((255, 0, 0), (0, 0, 100, 100))
    exif = Image.Exif()
    exif[0x0112] = 6

    stored = store_image(encode(img, "JPEG", exif=exif), media)

    out = open_stored(media, stored).convert("RGB")
    assert out.size == (100, 200)
    top, bottom = out.getpixel((50, 40)), out.getpixel((50, 160))
    assert top[0] > 200 and top[2] < 60
    assert bottom[2] > 200 and bottom[0] < 60


def test_text_file_named_like_a_photo_is_rejected(media):
    assert_rejected(media, upload(b"not really a photo\n" * 50, "photo.jpg"), NOT_IMAGE)


def test_png_named_txt_is_accepted_and_filename_ignored(media):
    png = encode(Image.new("RGB", (30, 20), "white"), "PNG")
    stored = store_image(upload(png, "x.txt", "text/plain"), media, subdir="laporan")

    assert re.fullmatch(r"laporan/\d{4}/\d{2}/[0-9a-f]{32}\.jpg", stored.relpath)
    path = media / stored.relpath
    assert stored.size_bytes == path.stat().st_size
    assert stored.content_type == "image/jpeg"
    out = Image.open(path)
    assert out.format == "JPEG" and out.size == (30, 20) == (stored.width, stored.height)
    assert out.info.get("progressive")
    assert [p.name for p in media.rglob("*") if p.is_file()] == [path.name], "no temp files"


@pytest.mark.parametrize("fmt", ["GIF", "WEBP"])
def test_gif_and_webp_are_accepted(media, fmt):
    stored = store_image(encode(Image.new("RGB", (40, 30), "red"), fmt), media)
    assert open_stored(media, stored).format == "JPEG"


def test_transparency_is_flattened_onto_white(media):
    img = Image.new("RGBA", (20, 20), (0, 0, 0, 0))
    stored = store_image(encode(img, "PNG"), media)
    assert min(open_stored(media, stored).convert("RGB").getpixel((10, 10))) > 245


def test_file_over_10_mb_is_rejected(media):
    assert_rejected(media, upload(os.urandom(10 * 1024 * 1024 + 1), "big.jpg"), TOO_BIG)


def test_oversize_stream_is_not_read_past_the_limit(media):
    class Endless:
        read_total = 0

        def read(self, n=-1):
            assert n > 0, "must never read unbounded"
            self.read_total += n
            return b"\xff" * n

    stream = Endless()
    assert_rejected(media, stream, "Ukuran berkas melebihi 1 MB.", max_bytes=1024 * 1024)
    assert stream.read_total == 1024 * 1024 + 1


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize("size", [(20000, 20000), (7000, 7000), (6000, 6000)])
def test_pixel_flood_is_rejected_before_decoding(media, size, monkeypatch):
    # 20000² and 7000² trip Pillow's own bomb guard (over 2 × 20 MP); 6000², the 105 KB
    # PNG of 36 MP from the security review, only our header check (20 MP).
    decoded = []
    real_load = ImageFile.ImageFile.load
    monkeypatch.setattr(
        ImageFile.ImageFile, "load", lambda im: decoded.append(im.size) or real_load(im)
    )
    before = Image.MAX_IMAGE_PIXELS
    bomb = png_bomb(*size)
    assert len(bomb) < 200_000, "a real bomb: tiny file, huge image"
    assert_rejected(media, upload(bomb, "bomb.png"), TOO_MANY_PIXELS)
    assert decoded == [], "refused from the header: no pixel was decoded"
    assert before == Image.MAX_IMAGE_PIXELS == imaging.MAX_PIXELS, "one limit, Pillow's too"


def test_a_photo_at_the_pixel_limit_is_accepted(media):
    stored = store_image(upload(png_bomb(5000, 4000), "wide.png"), media)  # exactly 20 MP
    assert (stored.width, stored.height) == (2048, 1638)


def test_pillows_own_guard_refuses_what_is_far_over_the_limit():
    with pytest.raises(Image.DecompressionBombError):
        Image.open(BytesIO(png_bomb(7000, 7000)))


def test_upload_is_refused_with_a_message_while_every_decode_slot_is_taken(media, monkeypatch):
    """A burst of uploads waits for a free slot, then gets a form error, never a 500."""
    monkeypatch.setattr(imaging, "BUSY_WAIT_SECONDS", 0)
    held = 0
    while imaging._slots.acquire(blocking=False):  # other uploads being processed
        held += 1
    assert held == imaging.CONCURRENT_IMAGES
    try:
        assert_rejected(media, upload(encode(Image.new("RGB", (5, 5)), "PNG"), "a.png"), BUSY)
    finally:
        for _ in range(held):
            imaging._slots.release()
    assert store_image(upload(encode(Image.new("RGB", (5, 5)), "PNG"), "a.png"), media).width == 5


def test_a_refused_image_frees_its_decode_slot(media):
    for _ in range(imaging.CONCURRENT_IMAGES + 1):
        assert_rejected(media, upload(b"not an image", "x.jpg"), NOT_IMAGE)
    assert store_image(upload(encode(Image.new("RGB", (5, 5)), "PNG"), "a.png"), media).width == 5


def test_truncated_jpeg_is_rejected(media):
    noisy = Image.effect_noise((400, 300), 80).convert("RGB")
    data = encode(noisy, "JPEG").getvalue()
    assert_rejected(media, upload(data[: len(data) // 2], "cut.jpg"), NOT_IMAGE)


def test_corrupt_jpeg_is_rejected(media):
    garbage = b"\xff\xd8\xff\xe0" + os.urandom(5000)
    assert_rejected(media, upload(garbage, "junk.jpg"), NOT_IMAGE)


def test_empty_upload_is_rejected(media):
    assert_rejected(media, upload(b"", "empty.jpg"), NOT_IMAGE)


def test_unsafe_subdir_is_a_programming_error(media):
    png = encode(Image.new("RGB", (5, 5)), "PNG")
    with pytest.raises(ValueError):
        store_image(png, media, subdir="../outside")


def test_media_path_serves_stored_files_only(media):
    stored = store_image(encode(Image.new("RGB", (5, 5)), "PNG"), media)
    assert media_path(media, stored.relpath) == (media / stored.relpath).resolve()

    (media.parent / "secret.txt").write_text("x")
    for bad in [
        "../etc/passwd",
        "../secret.txt",
        "/etc/passwd",
        "a/../../secret.txt",
        "",
        ".",
        "..",
        "a\\..\\b",
        "a//b",
        "2024/01/missing.jpg",
    ]:
        with pytest.raises(FileNotFoundError):
            media_path(media, bad)
