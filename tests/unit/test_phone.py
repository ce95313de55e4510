"""Phone numbers as residents type them on sign-up and sign-in forms."""

import pytest

from app.phone import InvalidPhone, format_phone, looks_like_phone, normalize_phone, wa_me_url

SAME_NUMBER_WRITTEN_DIFFERENTLY = [
    "081234567890",
    "0812-3456-7890",
    "0812 3456 7890",
    "0812.3456.7890",
    "(0812) 3456-7890",
    "6281234567890",
    "+6281234567890",
    "+62 812-3456-7890",
    "  +62 (812) 3456 7890  ",
]


@pytest.mark.parametrize("raw", SAME_NUMBER_WRITTEN_DIFFERENTLY)
def test_every_common_way_of_writing_a_number_gives_one_account_key(raw):
    assert normalize_phone(raw) == "+6281234567890"


def test_all_accepted_forms_give_the_same_whatsapp_link():
    links = {wa_me_url(raw) for raw in SAME_NUMBER_WRITTEN_DIFFERENTLY}
    assert links == {"https://wa.me/6281234567890"}


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "abc",
        "0812-FLOWERS",  # phonenumbers would turn letters into digits; we must not
        "0812345",  # too short
        "08123456789012345",  # too long
        "(0285) 421234",  # Pekalongan landline, cannot receive WhatsApp/SMS
        "+62285421234",
        "+14155552671",  # US number
        "+60123456789",  # Malaysian mobile
        "budi@example.com",
    ],
)
def test_invalid_or_non_mobile_numbers_are_rejected(raw):
    with pytest.raises(InvalidPhone):
        normalize_phone(raw)


def test_invalid_phone_is_a_value_error_with_an_indonesian_hint():
    with pytest.raises(ValueError) as excinfo:
        normalize_phone("12")
    message = str(excinfo.value)
    assert "Nomor HP tidak valid" in message
    assert "0812-3456-7890" in message


def test_sign_in_field_tells_phone_from_email():
    assert looks_like_phone("0812-3456-7890")
    assert looks_like_phone("+62 812 3456 7890")
    assert not looks_like_phone("warga@pekalongankota.go.id")
    assert not looks_like_phone("budi0812")
    assert not looks_like_phone("")
    assert not looks_like_phone("--")


def test_stored_number_is_displayed_in_familiar_national_form():
    assert format_phone("+6281234567890") == "0812-3456-7890"
    assert format_phone("+6285712345678") == "0857-1234-5678"


def test_whatsapp_link_prefills_encoded_message():
    url = wa_me_url("0812-3456-7890", "Halo, pesanan #12 siap & bisa diambil?")
    assert url == (
        "https://wa.me/6281234567890"
        "?text=Halo%2C%20pesanan%20%2312%20siap%20%26%20bisa%20diambil%3F"
    )


def test_whatsapp_link_refuses_an_invalid_number():
    with pytest.raises(InvalidPhone):
        wa_me_url("021-555-1234")
