"""Words the marketplace writes about a product outside its pages: the price in a WhatsApp
message or a search result."""

from __future__ import annotations

from app.kit import rupiah

from .models import Product


def price_text(product: Product) -> str:
    """What a buyer pays: "Rp 15.000", or "Rp 15.000 – Rp 25.000" for a range (the
    discount price, when there is one, is the lowest)."""
    low = rupiah(product.effective_price)
    return f"{low} – {rupiah(product.price_max)}" if product.price_max else low
