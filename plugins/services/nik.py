"""The Indonesian NIK (Nomor Induk Kependudukan), as far as it can be checked offline.

Layout of the 16 digits: 1–2 province, 3–4 city, 5–6 kecamatan, 7–12 date of birth as DDMMYY
(women add 40 to the day), 13–16 a serial number. Only the digits' shape and meaning are
checked here; whether the number was really issued is for Dukcapil to say.
"""

from __future__ import annotations

import re
from datetime import date

from flask_babel import lazy_gettext as _l

CITY_PREFIX = "3375"  # province 33 (Jawa Tengah), city 75 (Kota Pekalongan)
KECAMATAN_CODES = frozenset({"01", "02", "03", "04"})

# [0-9] and not \d: \d also matches Arabic-Indic and other digits that are no NIK.
_NIK = re.compile(r"[0-9]{16}")
_SEPARATORS = re.compile(r"[\s.\-]")
_MASK = "•"


class NikError(ValueError):
    """A NIK that cannot be right; str(error) is the message for the resident."""

    def __init__(self, message) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


def normalize(raw: str) -> str:
    """The NIK without the spaces, dots and dashes people type or copy from a KTP."""
    return _SEPARATORS.sub("", raw or "")


def check(raw: str, *, today: date | None = None) -> str:
    """The 16-digit NIK in `raw`, or NikError saying what is wrong with it."""
    nik = normalize(raw)
    if not _NIK.fullmatch(nik):
        raise NikError(_l("NIK harus 16 angka."))
    if nik[:4] != CITY_PREFIX or nik[4:6] not in KECAMATAN_CODES:
        raise NikError(_l("NIK ini bukan NIK Kota Pekalongan (kode wilayah 3375)."))
    birth_date_and_sex(nik, today or date.today())
    if nik[12:] == "0000":
        raise NikError(_l("Nomor urut di dalam NIK (4 angka terakhir) tidak valid."))
    return nik


def _date_digits(nik: str) -> tuple[int, int, int, str]:
    day, month, yy = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    if day > 40:
        return day - 40, month, yy, "P"
    return day, month, yy, "L"


def birth_date_and_sex(nik: str, today: date) -> tuple[date, str]:
    """Date of birth and sex ("L" or "P") written in a NIK.

    The NIK has only two year digits: the century is the latest one that does not put the
    birth after `today` (so 0101<yy> is 20yy until that day comes, 19yy after that).
    """
    day, month, yy, sex = _date_digits(nik)
    for century in (2000, 1900):
        try:
            born = date(century + yy, month, day)
        except ValueError:
            continue  # 29 February exists in 2000 but not in 1900
        if born <= today:
            return born, sex
    raise NikError(_l("Tanggal lahir di dalam NIK tidak valid."))


def check_agrees(
    nik: str, birth_date: date | None, sex: str | None, today: date | None = None
) -> list:
    """Messages for each typed detail that contradicts the NIK (empty list when none does).

    Only day, month and the two year digits are compared: the century is a guess and a
    100-year-old resident must not be refused for it. `today` is accepted for symmetry with
    birth_date_and_sex() and not needed.
    """
    day, month, yy, nik_sex = _date_digits(nik)
    problems: list = []
    if birth_date is not None and (birth_date.day, birth_date.month, birth_date.year % 100) != (
        day,
        month,
        yy,
    ):
        problems.append(_l("Tanggal lahir tidak sesuai dengan NIK."))
    if sex and sex.strip().upper() != nik_sex:
        problems.append(_l("Jenis kelamin tidak sesuai dengan NIK."))
    return problems


def mask(nik: str) -> str:
    """The NIK as staff lists show it: region code and last two digits, e.g. 3375••••••••••12."""
    if len(nik) <= 6:
        return _MASK * len(nik)
    return nik[:4] + _MASK * (len(nik) - 6) + nik[-2:]


def mask_name(name: str) -> str:
    """A name as the public letter check shows it: initials only, "Siti Aminah" → "S*** A*****".

    Words of one or two letters also get a star, so an initial on its own ("M.") is not
    told apart from a short name.
    """
    words = []
    for word in name.split():
        words.append(word[0] + "*" * max(len(word) - 1, 1))
    return " ".join(words)
