"""Small factories shared by the marketplace tests (imported by name: pytest puts this folder
on sys.path for the test modules in it)."""

from __future__ import annotations

import io
import itertools

from PIL import Image

from app.extensions import db as _db
from app.models import utcnow
from plugins.umkm.models import Product, Shop

KAUMAN = (-6.8899, 109.6728)  # Kampung Batik Kauman, inside the city bounds

_seq = itertools.count(1)


def make_shop(factory, slug="kauman", *, group=None, status="approved", **fields) -> Shop:
    """A committed shop of a new verified UMKM group in `slug` (or of `group`)."""
    n = next(_seq)
    group = group or factory.group(slug, name=f"UMKM Batik {n}")
    values = {
        "name": f"Batik Sekar {n}",
        "description": "Batik tulis warna alam dari Kauman.",
        "whatsapp": "+6281234567890",
        "address": f"Jl. Kauman No. {n}",
        "lat": KAUMAN[0],
        "lng": KAUMAN[1],
        "opening_hours": "Senin–Sabtu 08.00–16.00",
        "status": status,
        **fields,
    }
    if status != "pending":
        values.setdefault("reviewed_at", utcnow())
    shop = Shop(kelurahan_id=group.kelurahan_id, group_id=group.id, **values)
    _db.session.add(shop)
    _db.session.commit()
    return shop


def make_product(shop: Shop, **fields) -> Product:
    """A committed public product of `shop` (unless fields say otherwise)."""
    n = next(_seq)
    values = {
        "name": f"Kain batik tulis motif jlamprang {n}",
        "category": "Batik tulis",
        "price": 350_000,
        "unit": "lembar",
        "stock": "tersedia",
        "description": "Katun primisima, 2 × 1,15 m, pewarna alam.",
        **fields,
    }
    product = Product(kelurahan_id=shop.kelurahan_id, shop_id=shop.id, **values)
    _db.session.add(product)
    _db.session.commit()
    return product


def jpeg_bytes(size=(64, 48), colour=(150, 60, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG")
    return out.getvalue()


def upload(name="foto.jpg", data: bytes | None = None):
    """A (stream, filename) pair for a multipart form field."""
    return (io.BytesIO(jpeg_bytes() if data is None else data), name)
