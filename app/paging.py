"""The `?page=` of a paginated list, read the same way everywhere."""

from __future__ import annotations

from flask import request

# Far beyond any list here; keeps the SQL OFFSET an integer every database accepts
# (a 20-digit page overflowed SQLite's 64-bit integers into a 500).
MAX_PAGE = 100_000


def page_number() -> int:
    """The requested page: 1 when missing or not a number, clamped to 1..MAX_PAGE."""
    return min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE)
