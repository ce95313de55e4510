"""Words the marketplace writes about a product outside its pages: the price in a WhatsApp
message or a search result, and full links for messages and downloaded files."""

from __future__ import annotations

from flask import current_app, url_for

from app.formatting import rupiah

from .models import Product


def price_text(product: Product) -> str:
    """What a buyer pays: "Rp 15.000", or "Rp 15.000 – Rp 25.000" for a range (the
    discount price, when there is one, is the lowest)."""
    low = rupiah(product.effective_price)
    return f"{low} – {rupiah(product.price_max)}" if product.price_max else low


def public_url(endpoint: str, **values) -> str:
    """A full URL for text read outside the site (WhatsApp, CSV): the configured public
    address when there is one, since behind a proxy the request's host may be internal."""
    base = (current_app.config.get("KP_PUBLIC_URL") or "").rstrip("/")
    if base:
        return base + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)
