"""The one CSV writer of the platform, and GeoJSON downloads.

Spreadsheets run a cell that begins with `=`, `+`, `-` or `@` (or a tab or carriage return
before one) as a formula, so a report titled `=HYPERLINK(...)` would become a link in the
kelurahan office's Excel. Every text cell starting with one of those is prefixed with `'`,
as OWASP recommends; numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

from flask import Response

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return "" if value is None else value


def csv_text(header: list[str], rows: Iterable[Iterable[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return buffer.getvalue()


def _attachment(filename: str) -> dict:
    safe = "".join(c for c in filename if c.isalnum() or c in "-_.") or "data"
    return {"Content-Disposition": f'attachment; filename="{safe}"'}


def csv_response(filename: str, header: list[str], rows: Iterable[Iterable[Any]]) -> Response:
    """A CSV download in UTF-8."""
    return Response(csv_text(header, rows), mimetype="text/csv", headers=_attachment(filename))


def ics_response(filename: str, body: bytes) -> Response:
    """An iCalendar download (RFC 5545), for calendar apps and open data."""
    return Response(body, mimetype="text/calendar", headers=_attachment(filename))


def geojson_response(filename: str, data: dict) -> Response:
    return Response(
        json.dumps(data, ensure_ascii=False),
        mimetype="application/geo+json",
        headers=_attachment(filename),
    )
