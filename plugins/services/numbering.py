"""Letter numbers: sequential per letter type and year, never given twice.

The counter row is raised by one UPDATE; on PostgreSQL the row lock makes a concurrent
approval wait and then read the raised value, and on SQLite `begin_write()` has taken the
database's write lock before anything was read. The first number of a year inserts the row
in a savepoint; losing that race to another approval just means raising the row it made.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.kit import WIB, begin_write, db

from .models import LetterCounter, LetterType

ROMAN_MONTHS = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")


def take_number(letter_type: LetterType, year: int) -> int:
    """The next number of this type and year, in the caller's transaction (which must
    commit or roll back soon: on SQLite it holds the write lock)."""
    begin_write()
    for _ in range(3):
        raised = db.session.execute(
            update(LetterCounter)
            .where(LetterCounter.letter_type_id == letter_type.id, LetterCounter.year == year)
            .values(last=LetterCounter.last + 1)
            .execution_options(synchronize_session=False)
        )
        if raised.rowcount == 1:
            return db.session.scalar(
                select(LetterCounter.last).where(
                    LetterCounter.letter_type_id == letter_type.id, LetterCounter.year == year
                )
            )
        try:
            with db.session.begin_nested():
                db.session.add(LetterCounter(letter_type_id=letter_type.id, year=year, last=1))
            return 1
        except IntegrityError:
            continue  # another approval made the row first: raise it instead
    raise RuntimeError("letter counter could not be raised")


def kelurahan_part(name: str) -> str:
    """ "Sapuro Kebulen" -> "SAPURO-KEBULEN", as numbers are written by hand."""
    return "-".join(name.upper().split())


def format_number(pattern: str, *, code: str, seq: int, kelurahan_name: str, when: datetime) -> str:
    local = when.astimezone(WIB)
    return pattern.format(
        kode=code,
        nomor=f"{seq:03d}",
        kelurahan=kelurahan_part(kelurahan_name),
        bulan=ROMAN_MONTHS[local.month - 1],
        tahun=local.year,
    )
