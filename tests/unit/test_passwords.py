"""Password storage and the rules residents meet when choosing a password."""

import pytest

from app import passwords
from app.passwords import (
    common_passwords,
    hash_password,
    needs_rehash,
    password_problem,
    verify_password,
)


def test_hash_is_argon2id_and_verifies_only_the_right_password():
    stored = hash_password("Batik-Jlamprang-2026")
    assert stored.startswith("$argon2id$")
    assert "Batik-Jlamprang-2026" not in stored
    assert verify_password(stored, "Batik-Jlamprang-2026")
    assert not verify_password(stored, "batik-jlamprang-2026")


def test_same_password_hashes_differently_each_time():
    assert hash_password("Kelurahan-Pintar!") != hash_password("Kelurahan-Pintar!")


@pytest.mark.parametrize("bad_hash", ["", None, "not-a-hash", "$2b$12$abcdefghijklmnopqrstuv"])
def test_verify_never_raises_on_unusable_hash(bad_hash):
    assert verify_password(bad_hash, "whatever-password") is False


def test_fresh_hash_needs_no_rehash_but_weaker_or_foreign_one_does():
    assert not needs_rehash(hash_password("Kelurahan-Pintar!"))
    weak = passwords.PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)
    assert needs_rehash(weak.hash("Kelurahan-Pintar!"))
    assert needs_rehash("$2b$12$abcdefghijklmnopqrstuv")


def test_short_password_is_refused_with_indonesian_message():
    assert str(password_problem("Ab3$xyz")) == "Kata sandi minimal 8 karakter."
    assert password_problem("Ab3$xyzQ") is None


def test_overlong_password_is_refused():
    assert password_problem("x7" * 64) is None
    assert "maksimal 128" in str(password_problem("x7" * 64 + "z"))


@pytest.mark.parametrize(
    "pw",
    ["password", "12345678", "qwerty123", "bismillah", "Indonesia", "SAYANGKU", "pekalongan"],
)
def test_common_passwords_are_refused_case_insensitively(pw):
    assert str(password_problem(pw)) == (
        "Kata sandi ini terlalu umum dan mudah ditebak. Pilih yang lain."
    )


def test_common_password_list_is_substantial_and_lower_case():
    words = common_passwords()
    assert len(words) >= 300
    assert all(word == word.lower() for word in words)
    assert {"rahasia123", "katasandi", "anjing123", "cintaku", "admin123"} <= words


@pytest.mark.parametrize(
    ("pw", "context"),
    [
        ("siti.aminah99", ["siti.aminah@example.com"]),
        ("Aminah#2026", ["Siti Aminah"]),
        ("SitiAminah!", ["Siti Aminah"]),
        ("hp081234567890", ["+6281234567890"]),
        ("x6281234567890", ["0812-3456-7890"]),
    ],
)
def test_password_must_not_contain_own_name_email_or_phone(pw, context):
    assert "tidak boleh memuat" in str(password_problem(pw, context=context))


def test_short_or_empty_context_values_do_not_block_good_passwords():
    assert password_problem("Aljabar-Merdeka-77", context=["Al", "", None]) is None
