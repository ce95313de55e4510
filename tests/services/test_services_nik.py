"""NIK checks as a resident meets them on the letter request form."""

from __future__ import annotations

from datetime import date

import pytest

from plugins.services import nik

TODAY = date(2026, 11, 30)
NOT_16 = "NIK harus 16 angka."
NOT_PEKALONGAN = "NIK ini bukan NIK Kota Pekalongan (kode wilayah 3375)."
BAD_DATE = "Tanggal lahir di dalam NIK tidak valid."


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("3375011508900001", "3375011508900001"),  # man born 15-08-1990
        ("3375035508900002", "3375035508900002"),  # woman: day 15 + 40
        ("3375 0115 0890 0001", "3375011508900001"),  # as printed on a KTP
        ("3375.0115.0890.0001", "3375011508900001"),
        ("3375-04-150890-0001", "3375041508900001"),
        (" 3375011508900001\n", "3375011508900001"),
        ("3375012902000001", "3375012902000001"),  # 29-02-2000 existed
        ("3375017101900001", "3375017101900001"),  # woman born on the 31st
    ],
)
def test_valid_nik_is_accepted_without_separators(raw, expected):
    assert nik.check(raw, today=TODAY) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("337501150890001", NOT_16),  # 15 digits
        ("33750115089000011", NOT_16),  # 17 digits
        ("", NOT_16),
        ("33750115089000AB", NOT_16),
        ("٣٣٧٥٠١١٥٠٨٩٠٠٠٠١", NOT_16),  # Arabic-Indic digits are no NIK
        ("３３７５０１１５０８９０００１", NOT_16),  # fullwidth digits neither
        ("3374011508900001", NOT_PEKALONGAN),  # Kabupaten Pekalongan's neighbour code
        ("3375051508900001", NOT_PEKALONGAN),  # there is no 5th kecamatan
        ("3375001508900001", NOT_PEKALONGAN),
        ("3375013102990001", BAD_DATE),  # 31 February
        ("3375013002900001", BAD_DATE),  # 30 February
        ("3375010013900001", BAD_DATE),  # month 13
        ("3375010008900001", BAD_DATE),  # day 0
        ("3375013508900001", BAD_DATE),  # day 35 is neither a man's nor a woman's day
        ("3375017208900001", BAD_DATE),  # 72 - 40 = 32
    ],
)
def test_invalid_nik_is_refused_with_its_reason(raw, message):
    with pytest.raises(nik.NikError) as caught:
        nik.check(raw, today=TODAY)
    assert str(caught.value) == message


def test_all_zero_serial_is_refused():
    with pytest.raises(nik.NikError) as caught:
        nik.check("3375011508900000", today=TODAY)
    assert "nomor urut" in str(caught.value).lower()


def test_nik_error_is_a_value_error():
    with pytest.raises(ValueError, match="16 angka"):
        nik.check("123")


@pytest.mark.parametrize(
    ("number", "born", "sex"),
    [
        ("3375011508900001", date(1990, 8, 15), "L"),
        ("3375015508900001", date(1990, 8, 15), "P"),
        ("3375010101100001", date(2010, 1, 1), "L"),
        ("3375013011260001", date(2026, 11, 30), "L"),  # born today
        ("3375010112260001", date(1926, 12, 1), "L"),  # 2026-12-01 is still to come
        ("3375016902000001", date(2000, 2, 29), "P"),
    ],
)
def test_birth_date_and_sex(number, born, sex):
    assert nik.birth_date_and_sex(number, TODAY) == (born, sex)


def test_birth_date_that_exists_in_no_century_is_refused():
    # 29-02-1900 did not exist and 29-02-2100 is still to come.
    with pytest.raises(nik.NikError, match="Tanggal lahir"):
        nik.birth_date_and_sex("3375012902000001", date(1999, 1, 1))


def test_agreeing_details_give_no_messages():
    assert nik.check_agrees("3375015508900001", date(1990, 8, 15), "P", TODAY) == []
    assert nik.check_agrees("3375015508900001", date(1990, 8, 15), None, TODAY) == []


def test_century_is_not_held_against_the_resident():
    # The NIK only has "26": a resident born in 1926 is not told the date is wrong.
    assert nik.check_agrees("3375010112260001", date(2026, 12, 1), "L", TODAY) == []
    assert nik.check_agrees("3375010112260001", date(1926, 12, 1), "L", TODAY) == []


def test_disagreeing_date_and_sex_are_both_reported():
    messages = [str(m) for m in nik.check_agrees("3375011508900001", date(1990, 8, 16), "P")]
    assert messages == [
        "Tanggal lahir tidak sesuai dengan NIK.",
        "Jenis kelamin tidak sesuai dengan NIK.",
    ]


@pytest.mark.parametrize(
    "typed", [date(1991, 8, 15), date(1990, 9, 15), date(1990, 8, 55 - 40 + 1)]
)
def test_any_part_of_the_date_disagreeing_is_reported(typed):
    assert [str(m) for m in nik.check_agrees("3375015508900001", typed, "p")] == [
        "Tanggal lahir tidak sesuai dengan NIK."
    ]


def test_mask_shows_region_and_last_two_digits():
    assert nik.mask("3375011508900012") == "3375••••••••••12"
    assert len(nik.mask("3375011508900012")) == 16


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("Siti Aminah", "S*** A*****"),
        ("Muhammad Al Fatih", "M******* A* F****"),
        ("M. Yusuf", "M* Y****"),
        ("A", "A*"),
        ("  Budi   Santoso ", "B*** S******"),
        ("", ""),
    ],
)
def test_mask_name_keeps_initials_only(name, masked):
    assert nik.mask_name(name) == masked
