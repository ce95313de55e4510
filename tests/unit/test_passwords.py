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
    assert "minimal" not in str(password_problem("Ab3$xyzQ"))
    assert password_problem("kuda#lumba") is None


def test_overlong_password_is_refused():
    longest = "Jambu-Perahu-Senja-27" * 6 + "xy"
    assert len(longest) == 128
    assert password_problem(longest) is None
    assert "maksimal 128" in str(password_problem(longest + "z"))


WEAK = "Kata sandi ini terlalu mudah ditebak."


@pytest.mark.parametrize(
    ("pw", "hint"),
    [
        ("aaaaaaaa", "Hindari huruf atau bagian yang diulang"),
        ("zzzzzzzzzzzz", "Hindari huruf atau bagian yang diulang"),
        ("abcdefgh1234", "Hindari urutan"),
        ("Pekalongan2026", "Hindari nama kelurahan, nama kota"),
        ("Kauman-2026", "Hindari nama kelurahan, nama kota"),
        ("Batik2026!", "Hindari nama kelurahan, nama kota"),
        ("PintarKelurahan1", "Hindari nama kelurahan, nama kota"),
        ("Xq9#vL2@", "Tambahkan satu atau dua kata lagi"),
    ],
)
def test_guessable_passwords_are_refused_with_an_indonesian_hint(pw, hint):
    """zxcvbn's estimate, with the city's own words: repeats, runs, the kelurahan, the city
    and "batik" make a password easy to guess. The hint is Indonesian, never zxcvbn's English."""
    problem = str(password_problem(pw))
    assert problem.startswith(WEAK) and hint in problem


def test_words_of_the_users_kelurahan_count_as_guessable():
    assert password_problem("Wiradesa-Kabupaten-9") is None
    assert WEAK in str(password_problem("Wiradesa-Kabupaten-9", words=["Wiradesa Kabupaten"]))


@pytest.mark.parametrize(
    "pw",
    ["Rahasia-Kauman-2026", "warga-Kauman-2026", "diskominfo-Kota-2026", "Batik-Jlamprang-2026"],
)
def test_believable_strong_passwords_pass(pw):
    """Three words and a number pass, even with a local word among them (the test and demo
    passwords are of this kind)."""
    assert password_problem(pw) is None


def test_demo_and_fixture_passwords_meet_the_rule():
    from conftest import PASSWORD

    from app.seed import DEMO_PASSWORDS

    for pw in (PASSWORD, *DEMO_PASSWORDS.values()):
        assert password_problem(pw) is None, pw


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


def test_at_most_four_argon2_runs_at_once_per_process(monkeypatch):
    """With four hashes or checks running, a fifth waits for a slot, then gives up with
    PasswordBusy (the views answer 503 "coba lagi") instead of piling up memory."""
    monkeypatch.setattr(passwords, "BUSY_WAIT_SECONDS", 0)
    stored = hash_password("Batik-Jlamprang-2026")
    for _ in range(passwords.MAX_CONCURRENT_HASHES):
        assert passwords._slots.acquire(blocking=False)
    try:
        with pytest.raises(passwords.PasswordBusy):
            hash_password("Batik-Jlamprang-2026")
        with pytest.raises(passwords.PasswordBusy):
            verify_password(stored, "Batik-Jlamprang-2026")
    finally:
        for _ in range(passwords.MAX_CONCURRENT_HASHES):
            passwords._slots.release()
    assert passwords.MAX_CONCURRENT_HASHES == 4
    assert verify_password(stored, "Batik-Jlamprang-2026")
