"""Weights, prices and the value of a weighed line.

Weights are integer grams, typed as kg with up to 3 decimals ("1,25" or "1.25"). A line's
value is grams × price per kg / 1000, rounded half-up to whole rupiah, once per line, in
integers (no floats anywhere). Prices live in periods that never overlap: `set_price` only
ever starts a period after the latest one, closing that one the day before.
"""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import or_, select

from app.kit import Kelurahan, _l, audit, db

from .models import PricePeriod, WasteType

MAX_GRAMS = 10_000_000  # 10 000 kg on one line: beyond any scale a bank sampah has
MAX_PRICE_PER_KG = 100_000_000  # Rp 100 juta per kg: a typo, not a price

_KG = re.compile(r"^([+-]?)([0-9]*)(?:[.,]([0-9]*))?$")


class WeightError(ValueError):
    """A weight that cannot be read; `message` is an Indonesian (lazy) text for the form."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


def parse_kg(text: str) -> int:
    """Grams from a weight typed in kg: "1,25", "1.25", "0,005", "3" (optionally "kg").
    Raises WeightError (a ValueError) for 0, negative, more than 3 decimals, garbage or
    more than 10 000 kg."""
    cleaned = (text or "").strip().lower().removesuffix("kg").strip().replace(" ", "")
    match = _KG.match(cleaned) if len(cleaned) <= 20 else None
    if not match or not (match.group(2) or match.group(3)):
        raise WeightError(_l("Tulis berat dalam kg, misalnya 1,25."))
    sign, whole, decimals = match.group(1), match.group(2) or "0", match.group(3) or ""
    if len(decimals) > 3:
        raise WeightError(_l("Berat paling banyak 3 angka di belakang koma (1 gram)."))
    grams = int(whole) * 1000 + int(decimals.ljust(3, "0"))
    if sign == "-" and grams:
        raise WeightError(_l("Berat tidak boleh negatif."))
    if grams == 0:
        raise WeightError(_l("Berat harus lebih dari 0 kg."))
    if grams > MAX_GRAMS:
        raise WeightError(_l("Berat paling banyak 10.000 kg per baris."))
    return grams


def format_kg(grams: int) -> str:
    """The input form of a weight ("1,25"): what `parse_kg` reads back to the same grams."""
    whole, rest = divmod(int(grams), 1000)
    return f"{whole},{rest:03d}".rstrip("0").rstrip(",") if rest else str(whole)


def line_value(grams: int, price_per_kg: int) -> int:
    """Whole rupiah for `grams` at `price_per_kg`: grams × price / 1000, half-up."""
    if grams < 0 or price_per_kg < 0:
        raise ValueError("weights and prices are never negative")
    return (grams * price_per_kg + 500) // 1000


def price_on(waste_type: WasteType, day: date) -> PricePeriod | None:
    """The period of `waste_type` in force on `day`, if any."""
    return db.session.execute(
        select(PricePeriod).where(PricePeriod.waste_type_id == waste_type.id, *_covers(day))
    ).scalar_one_or_none()


def prices_on(unit, day: date) -> dict[int, PricePeriod]:
    """{waste type id: period in force on `day`} for every type of `unit`, in one query."""
    return prices_on_unit(unit.id, day)


def prices_on_unit(unit_id: int, day: date) -> dict[int, PricePeriod]:
    rows = db.session.execute(
        select(PricePeriod)
        .join(WasteType, WasteType.id == PricePeriod.waste_type_id)
        .where(WasteType.unit_id == unit_id, *_covers(day))
    ).scalars()
    return {period.waste_type_id: period for period in rows}


def _covers(day: date):
    return (
        PricePeriod.valid_from <= day,
        or_(PricePeriod.valid_until.is_(None), PricePeriod.valid_until > day),
    )


def set_price(
    waste_type: WasteType, buy_per_kg: int, sell_per_kg: int, valid_from: date, actor
) -> PricePeriod:
    """Start a new price period for `waste_type` on `valid_from`, closing the latest period
    the day before. Refuses (LedgerError) a start on or before the latest period's start, and
    prices below 0. Audited; committed here, like every ledger write."""
    from .ledger import LedgerError, lock_for_write

    for price in (buy_per_kg, sell_per_kg):
        if not isinstance(price, int) or isinstance(price, bool) or price < 0:
            raise LedgerError(_l("Harga per kg harus bilangan bulat rupiah, paling kecil 0."))
        if price > MAX_PRICE_PER_KG:
            raise LedgerError(_l("Harga per kg terlalu besar."))
    try:
        lock_for_write(WasteType, waste_type.id)
        latest = db.session.execute(
            select(PricePeriod)
            .where(PricePeriod.waste_type_id == waste_type.id)
            .order_by(PricePeriod.valid_from.desc())
            .limit(1)
        ).scalar_one_or_none()
        before = None
        if latest is not None:
            if valid_from <= latest.valid_from:
                raise LedgerError(
                    _l(
                        "Harga baru harus mulai setelah %(day)s (awal harga yang berlaku).",
                        day=latest.valid_from.strftime("%d-%m-%Y"),
                    )
                )
            before = {
                "buy_per_kg": latest.buy_per_kg,
                "sell_per_kg": latest.sell_per_kg,
                "valid_from": latest.valid_from.isoformat(),
            }
            if latest.valid_until is None or latest.valid_until > valid_from:
                latest.valid_until = valid_from  # exclusive: the old price ends the day before
        period = PricePeriod(
            kelurahan_id=waste_type.kelurahan_id,
            waste_type_id=waste_type.id,
            buy_per_kg=buy_per_kg,
            sell_per_kg=sell_per_kg,
            valid_from=valid_from,
            created_by_id=getattr(actor, "id", None),
        )
        db.session.add(period)
        db.session.flush()
        audit(
            "wastebank.price_set",
            "wastebank_waste_type",
            waste_type.id,
            kelurahan=_kelurahan(waste_type.kelurahan_id),
            before=before,
            after={
                "name": waste_type.name,
                "buy_per_kg": buy_per_kg,
                "sell_per_kg": sell_per_kg,
                "valid_from": valid_from.isoformat(),
            },
            actor=actor,
        )
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return period


def _kelurahan(kelurahan_id: int) -> Kelurahan | None:
    return db.session.get(Kelurahan, kelurahan_id)
