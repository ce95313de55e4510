"""Reads about kelurahan that several pages need, each in a fixed number of queries."""

from __future__ import annotations

from collections import OrderedDict

from sqlalchemy import select

from .extensions import db
from .models import Kelurahan


def all_kelurahan() -> list[Kelurahan]:
    return list(
        db.session.execute(
            select(Kelurahan).order_by(Kelurahan.kecamatan_code, Kelurahan.name)
        ).scalars()
    )


def by_kecamatan(rows: list[Kelurahan]) -> OrderedDict[str, list[Kelurahan]]:
    grouped: OrderedDict[str, list[Kelurahan]] = OrderedDict()
    for row in rows:
        grouped.setdefault(row.kecamatan_name, []).append(row)
    return grouped


def kelurahan_choices() -> list[tuple[str, str]]:
    return [(str(k.id), f"{k.name} ({k.kecamatan_name})") for k in all_kelurahan()]
