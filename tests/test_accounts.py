"""Accounts, as a resident meets them: signing up, signing in and out, editing the profile,
changing and resetting the password, reading notifications and switching the language.

Every test goes through HTTP and checks what the user would notice (status, redirect, text
in Bahasa Indonesia) and what ends up in the database (users, roles, outbox messages).
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from conftest import PASSWORD
from sqlalchemy import func, select

from app.extensions import db as _db
from app.mail import OutboxSender
from app.models import (
    Notification,
    OutboxMessage,
    PasswordReset,
    RoleAssignment,
    User,
    utcnow,
)

NEW_PASSWORD = "Batik-Jlamprang-2026"
PHONE_E164 = "+6281234567890"
WRONG_LOGIN = "E-mail/nomor HP atau kata sandi salah."
RESET_SENT = "Jika akun itu terdaftar, tautan untuk mengatur ulang kata sandi sudah dikirim."
SIGNUP_SENT = "Buka tautan itu dalam 24 jam untuk menyelesaikan pendaftaran."
DEACTIVATED = "Akun ini dinonaktifkan oleh admin kelurahan."


class CaptureSender(OutboxSender):
    """Delivers into a list on the app: what the recipient really got (the outbox keeps
    one-time secrets masked). Set with KP_MAIL_SENDER="test_accounts:CaptureSender"."""

    def __init__(self, app):
        super().__init__(app)
        self.sent: list[tuple[str, str, str, str]] = []

    def deliver(self, channel, recipient, subject, body):
        self.sent.append((channel, recipient, subject, body))
        return True


@pytest.fixture
def app_overrides():
    return {"KP_MAIL_SENDER": "test_accounts:CaptureSender"}


def delivered(app=None) -> list[tuple[str, str, str, str]]:
    """(channel, recipient, subject, body) of every message delivered so far."""
    from flask import current_app

    app = app or current_app
    sender = app.extensions.get("kp_sender")
    return list(sender.sent) if sender is not None else []


# -- helpers ----------------------------------------------------------------------------------


def page(response) -> str:
    return response.get_data(as_text=True)


def user_count() -> int:
    _db.session.expire_all()
    return _db.session.execute(select(func.count()).select_from(User)).scalar_one()


def user_by(**where) -> User | None:
    _db.session.expire_all()
    return _db.session.execute(select(User).filter_by(**where)).scalar_one_or_none()


def signup(client, factory, *, kelurahan="kauman", **fields):
    data = {
        "identifier": "siti@contoh.id",
        "display_name": "Siti Aminah",
        "home_kelurahan": str(factory.kelurahan(kelurahan).id) if kelurahan else "",
        "password": NEW_PASSWORD,
    }
    data.update(fields)
    return client.post("/daftar", data=data)


def signup_link(app=None) -> str:
    """The path of the confirmation link in the last message delivered."""
    body = delivered(app)[-1][3]
    match = re.search(r"https?://[^/\s]+(/daftar/konfirmasi/[A-Za-z0-9_.\-]+)", body)
    assert match, body
    return match.group(1)


def complete_signup(client, factory, **fields):
    """Sign up, then confirm with the link the contact received; the confirming answer."""
    response = signup(client, factory, **fields)
    assert response.status_code == 302, page(response)
    assert response.headers["Location"].endswith("/daftar/periksa")
    return client.post(signup_link(client.application))


def login(client, identifier, password=PASSWORD, **extra):
    return client.post("/masuk", data={"identifier": identifier, "password": password, **extra})


def signed_in(client) -> bool:
    """What the user sees: the profile page opens instead of sending them to sign in."""
    return client.get("/akun").status_code == 200


def outbox() -> list[OutboxMessage]:
    _db.session.expire_all()
    return list(_db.session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars())


def reset_token(body: str) -> str:
    match = re.search(r"/atur-ulang-sandi/([A-Za-z0-9_\-]+)", body)
    assert match, body
    return match.group(1)


def request_reset(client, identifier) -> str:
    """Ask for a reset link and return the token from the message the user received."""
    before = len(outbox())
    response = client.post("/lupa-sandi", data={"identifier": identifier})
    assert response.status_code == 302
    messages = outbox()
    assert len(messages) == before + 1
    return reset_token(delivered(client.application)[-1][3])


def reset(client, token, password=NEW_PASSWORD, confirm=None):
    return client.post(
        f"/atur-ulang-sandi/{token}",
        data={"password": password, "confirm": password if confirm is None else confirm},
    )


# -- signing up -------------------------------------------------------------------------------


def test_signup_with_email_creates_a_resident_of_the_chosen_kelurahan_and_signs_in(client, factory):
    """A resident signs up with an e-mail, opens the link sent there and confirms: they land
    on their kelurahan's home, signed in."""
    response = signup(client, factory, identifier="Siti@Contoh.ID", kelurahan="medono")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/daftar/periksa")
    assert "Kami sudah mengirim tautan ke s•••@contoh.id." in page(
        client.get(response.headers["Location"])
    )
    assert user_count() == 0
    [(channel, recipient, _subject, _body)] = delivered(client.application)
    assert (channel, recipient) == ("email", "siti@contoh.id")

    response = client.post(signup_link(client.application))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/k/medono/")
    user = user_by(email="siti@contoh.id")
    assert user is not None
    assert user.phone is None
    assert user.display_name == "Siti Aminah"
    assert user.home_kelurahan.slug == "medono"
    assert [(r.kelurahan.slug, r.role) for r in user.roles] == [("medono", "warga")]
    assert user.password_hash.startswith("$argon2id$")
    assert NEW_PASSWORD not in user.password_hash
    home = client.get(response.headers["Location"])
    assert "Akun Anda sudah dibuat. Selamat bergabung!" in page(home)
    assert signed_in(client)


@pytest.mark.parametrize("typed", ["0812-3456-7890", "6281234567890", "+6281234567890"])
def test_signup_with_each_phone_form_stores_the_same_number(client, factory, typed):
    """08…, 628… and +628… are one and the same number: stored as +628…."""
    response = complete_signup(client, factory, identifier=typed, kelurahan="sapuro-kebulen")

    assert delivered(client.application)[0][:2] == ("sms", PHONE_E164)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/k/sapuro-kebulen/")
    user = user_by(phone=PHONE_E164)
    assert user is not None
    assert user.email is None
    roles = _db.session.execute(
        select(RoleAssignment).where(RoleAssignment.user_id == user.id)
    ).scalars()
    assert [(r.kelurahan.slug, r.role) for r in roles] == [("sapuro-kebulen", "warga")]
    assert signed_in(client)


def test_signup_page_offers_every_kelurahan_and_preselects_the_one_in_the_link(client, factory):
    """Coming from a kelurahan's page, that kelurahan is already chosen in the form."""
    medono = factory.kelurahan("medono")
    html = page(client.get(f"/daftar?kelurahan={medono.id}"))
    assert f'<option selected value="{medono.id}">' in html
    assert html.count("<option") == 27 + 1  # the 27 kelurahan and the "choose" prompt


def test_signed_in_user_opening_signup_goes_home(client, login_as):
    """Someone already signed in is not shown the sign-up form again."""
    login_as("warga", "kauman")
    response = client.get("/daftar")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/k/kauman/")


def assert_refused(response, message, *typed):
    """The form comes back with the Indonesian message and what the user typed."""
    html = page(response)
    assert response.status_code == 200
    assert message in html
    assert "Periksa kembali isian yang ditandai." in html
    for value in typed:
        assert f'value="{value}"' in html, value
    assert NEW_PASSWORD not in html  # a password is never echoed back


def test_signup_refuses_a_malformed_phone_number(client, factory):
    """A number that is too short, or a landline, is refused with an example of a good one."""
    for typed in ("0812345", "(0285) 421234"):
        response = signup(client, factory, identifier=typed, display_name="Budi Santoso")
        assert_refused(
            response, "Nomor HP tidak valid. Contoh: 0812-3456-7890.", typed, "Budi Santoso"
        )
    assert user_count() == 0


def test_signup_refuses_something_that_is_neither_email_nor_phone(client, factory):
    response = signup(client, factory, identifier="siti aminah", display_name="Siti")
    assert_refused(
        response, "Isi dengan alamat e-mail atau nomor HP (08…, 628… atau +628…).", "siti aminah"
    )
    response = signup(client, factory, identifier="siti@", display_name="Siti")
    assert_refused(response, "Alamat e-mail tidak valid. Contoh: nama@contoh.id", "siti@")
    assert user_count() == 0


def test_signup_with_a_registered_email_creates_nothing_and_tells_only_the_owner(client, factory):
    """An e-mail registered before, typed with other capitals: no second account, no error
    naming the account; the owner is told someone tried."""
    owner = factory.user(email="siti@contoh.id", name="Siti Lama")
    old_hash = owner.password_hash
    response = signup(client, factory, identifier="SITI@contoh.id", display_name="Siti Baru")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/daftar/periksa")
    html = page(client.get(response.headers["Location"]))
    assert SIGNUP_SENT in html
    assert "sudah terdaftar" not in html
    assert not signed_in(client)
    assert user_count() == 1
    assert user_by(id=owner.id).password_hash == old_hash
    [(channel, recipient, _subject, body)] = delivered(client.application)
    assert (channel, recipient) == ("email", "siti@contoh.id")
    assert "mencoba mendaftar" in body and "Siti Lama" in body and "siti@contoh.id" in body
    assert "/masuk" in body and "/lupa-sandi" in body and "/daftar/konfirmasi/" not in body


def test_signup_with_a_registered_phone_in_another_form_creates_nothing(client, factory):
    """Registered as 0812…, then tried as +62812…: the same number; its owner gets an SMS."""
    first = complete_signup(client, factory, identifier="0812-3456-7890", display_name="Budi")
    assert first.headers["Location"].endswith("/k/kauman/")
    client.post("/keluar")

    response = signup(client, factory, identifier="+62 812 3456 7890", display_name="Budi Lain")
    assert response.status_code == 302
    assert "sudah terdaftar" not in page(client.get(response.headers["Location"]))
    assert user_count() == 1
    channel, recipient, _subject, body = delivered(client.application)[-1]
    assert (channel, recipient) == ("sms", PHONE_E164)
    assert "mencoba mendaftar" in body


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Kauman1", "Kata sandi minimal 8 karakter."),
        ("password123", "Kata sandi ini terlalu umum dan mudah ditebak. Pilih yang lain."),
        ("bismillah", "Kata sandi ini terlalu umum dan mudah ditebak. Pilih yang lain."),
        ("Aminah-Kauman-99", "Kata sandi tidak boleh memuat nama, e-mail, atau nomor HP Anda."),
        ("siti-pekalongan", "Kata sandi tidak boleh memuat nama, e-mail, atau nomor HP Anda."),
        ("aaaaaaaa", "Hindari huruf atau bagian yang diulang"),
        ("Kauman2026!", "Hindari nama kelurahan, nama kota"),
        ("Batik-2026", "Kata sandi ini terlalu mudah ditebak."),
    ],
)
def test_signup_refuses_a_weak_password(client, factory, password, message):
    """Short, common, or made of the user's own name or e-mail: refused, nothing stored."""
    response = signup(
        client,
        factory,
        identifier="siti@contoh.id",
        display_name="Siti Aminah",
        password=password,
    )
    assert_refused(response, message, "siti@contoh.id", "Siti Aminah")
    assert password not in page(response)
    assert user_count() == 0


def test_signup_refuses_a_password_made_of_the_phone_number(client, factory):
    response = signup(
        client, factory, identifier="6281234567890", display_name="Budi", password="081234567890"
    )
    assert_refused(
        response, "Kata sandi tidak boleh memuat nama, e-mail, atau nomor HP Anda.", "6281234567890"
    )
    assert user_count() == 0


def test_signup_requires_a_home_kelurahan(client, factory):
    response = signup(client, factory, kelurahan=None, display_name="Siti Aminah")
    assert_refused(response, "Wajib diisi.", "siti@contoh.id", "Siti Aminah")
    assert user_count() == 0


def test_signup_refuses_a_kelurahan_that_does_not_exist(client, factory):
    """A tampered form cannot attach the account to an unknown kelurahan."""
    response = signup(client, factory, home_kelurahan="999999")
    assert_refused(response, "Pilih salah satu pilihan yang tersedia.", "siti@contoh.id")
    assert "Not a valid choice" not in page(response)
    assert user_count() == 0


def test_signup_requires_a_name(client, factory):
    response = signup(client, factory, display_name="")
    assert_refused(response, "Wajib diisi.", "siti@contoh.id")
    assert user_count() == 0


# -- signing in and out -----------------------------------------------------------------------


def test_signin_by_email_ignores_capitals(client, factory):
    """A resident may type their e-mail with capitals and still get in."""
    factory.user(email="siti@contoh.id", kelurahan_slug="medono", name="Siti")
    response = login(client, "  SITI@Contoh.id ")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/k/medono/")
    assert "Selamat datang, Siti." in page(client.get(response.headers["Location"]))
    assert user_by(email="siti@contoh.id").last_login_at is not None


@pytest.mark.parametrize(
    "typed", ["081234567890", "0812-3456-7890", "6281234567890", "+62 812 3456 7890"]
)
def test_signin_by_phone_in_any_form(client, factory, typed):
    factory.user(phone=PHONE_E164)
    response = login(client, typed)
    assert response.status_code == 302
    assert signed_in(client)


@pytest.mark.parametrize(
    ("identifier", "password"),
    [
        ("siti@contoh.id", "Salah-Sandi-2026"),  # wrong password
        ("tidak.ada@contoh.id", PASSWORD),  # unknown e-mail
        ("0813-0000-1111", PASSWORD),  # unknown phone
        ("0812345", PASSWORD),  # not even a phone number
    ],
)
def test_signin_failure_gives_one_neutral_message(client, factory, identifier, password):
    """Whether the account exists or not, the answer is the same and keeps what was typed."""
    factory.user(email="siti@contoh.id")
    response = login(client, identifier, password)
    html = page(response)
    assert response.status_code == 200
    assert WRONG_LOGIN in html
    assert f'value="{identifier}"' in html
    assert password not in html
    assert not signed_in(client)


def test_deactivated_account_cannot_sign_in(client, factory):
    """With the right password the owner learns why; with a wrong one nothing is revealed."""
    user = factory.user(email="siti@contoh.id")
    user.is_active_account = False
    _db.session.commit()
    response = login(client, "siti@contoh.id")
    assert response.status_code == 200
    assert DEACTIVATED in page(response)
    assert not signed_in(client)
    wrong = login(client, "siti@contoh.id", "Salah-Sandi-2026")
    assert WRONG_LOGIN in page(wrong) and DEACTIVATED not in page(wrong)
    assert not signed_in(client)


def test_signin_returns_to_the_page_the_user_wanted(client, factory):
    """Sent to sign in from the profile page, the user comes back to it; foreign URLs are not
    followed."""
    factory.user(email="siti@contoh.id")
    first = client.get("/akun")
    assert first.status_code == 302 and "/masuk" in first.headers["Location"]
    response = login(client, "siti@contoh.id", next="/akun")
    assert response.headers["Location"].endswith("/akun")
    client.post("/keluar")
    response = login(client, "siti@contoh.id", next="https://jahat.example/")
    assert "jahat.example" not in response.headers["Location"]


def test_signout_ends_the_session(client, factory):
    factory.user(email="siti@contoh.id")
    login(client, "siti@contoh.id")
    assert signed_in(client)

    response = client.post("/keluar", follow_redirects=True)
    assert response.status_code == 200
    assert "Anda sudah keluar." in page(response)
    assert not signed_in(client)


def test_signout_needs_a_post(client, login_as):
    """A link or an image tag cannot sign someone out."""
    login_as("warga")
    assert client.get("/keluar").status_code == 405
    assert signed_in(client)


# -- profile ----------------------------------------------------------------------------------


def profile_data(factory, **fields):
    data = {
        "display_name": "Siti Aminah",
        "email": "siti@contoh.id",
        "phone": "",
        "home_kelurahan": str(factory.kelurahan("kauman").id),
        "locale": "id",
    }
    data.update(fields)
    return data


def test_profile_edit_saves_name_contact_home_and_language(client, login_as, factory):
    """Changing the home kelurahan also makes the user a resident there."""
    user = login_as("warga", "kauman", email="siti@contoh.id")
    page_before = page(client.get("/akun"))
    assert 'value="siti@contoh.id"' in page_before

    response = client.post(
        "/akun",
        data=profile_data(
            factory,
            display_name="Siti Rahma",
            email="Siti.Rahma@Contoh.id",
            phone="0812-3456-7890",
            home_kelurahan=str(factory.kelurahan("medono").id),
            locale="en",
            current_password=PASSWORD,
        ),
    )
    assert response.status_code == 302
    user = user_by(id=user.id)
    assert user.display_name == "Siti Rahma"
    assert user.email == "siti.rahma@contoh.id"
    assert user.phone == PHONE_E164
    assert user.home_kelurahan.slug == "medono"
    assert user.locale == "en"
    assert sorted((r.kelurahan.slug, r.role) for r in user.roles) == [
        ("kauman", "warga"),
        ("medono", "warga"),
    ]
    after = page(client.get("/akun"))
    assert '<html lang="en">' in after
    assert 'value="Siti Rahma"' in after


def test_profile_refuses_an_email_used_by_another_account(client, login_as, factory):
    factory.user(email="budi@contoh.id")
    user = login_as("warga", email="siti@contoh.id")
    response = client.post(
        "/akun",
        data=profile_data(
            factory, display_name="Siti Baru", email="BUDI@contoh.id", current_password=PASSWORD
        ),
    )
    html = page(response)
    assert response.status_code == 200
    assert "Sudah dipakai akun lain." in html
    assert 'value="BUDI@contoh.id"' in html
    assert 'value="Siti Baru"' in html
    saved = user_by(id=user.id)
    assert (saved.email, saved.display_name) == ("siti@contoh.id", user.display_name)


def test_profile_refuses_a_phone_used_by_another_account_in_another_form(client, login_as, factory):
    factory.user(phone=PHONE_E164)
    user = login_as("warga", email="siti@contoh.id")
    response = client.post(
        "/akun", data=profile_data(factory, phone="0812 3456 7890", current_password=PASSWORD)
    )
    assert response.status_code == 200
    assert "Sudah dipakai akun lain." in page(response)
    assert user_by(id=user.id).phone is None


def test_profile_refuses_when_email_and_phone_belong_to_two_other_accounts(
    client, login_as, factory
):
    """Both contacts taken, by two different people: refused, not a server error."""
    factory.user(email="budi@contoh.id")
    factory.user(phone=PHONE_E164)
    user = login_as("warga", email="siti@contoh.id")
    response = client.post(
        "/akun",
        data=profile_data(
            factory, email="budi@contoh.id", phone="081234567890", current_password=PASSWORD
        ),
    )
    assert response.status_code == 200
    assert "Sudah dipakai akun lain." in page(response)
    saved = user_by(id=user.id)
    assert (saved.email, saved.phone) == ("siti@contoh.id", None)


def test_profile_keeps_own_email_and_phone(client, login_as, factory):
    """Saving without changing one's own contacts is not a 'duplicate'."""
    user = login_as("warga", email="siti@contoh.id", phone=PHONE_E164)
    response = client.post(
        "/akun", data=profile_data(factory, display_name="Siti A.", phone="081234567890")
    )
    assert response.status_code == 302
    assert user_by(id=user.id).display_name == "Siti A."


def test_profile_needs_an_email_or_a_phone_and_a_valid_phone(client, login_as, factory):
    user = login_as("warga", email="siti@contoh.id")
    response = client.post("/akun", data=profile_data(factory, email="", phone=""))
    assert response.status_code == 200
    assert "Isi e-mail atau nomor HP, minimal salah satu." in page(response)
    response = client.post("/akun", data=profile_data(factory, phone="0812-FLOWERS"))
    assert response.status_code == 200
    assert "Nomor HP tidak valid. Contoh: 0812-3456-7890." in page(response)
    assert 'value="0812-FLOWERS"' in page(response)
    assert user_by(id=user.id).email == "siti@contoh.id"


def test_profile_refuses_an_unknown_language_or_kelurahan(client, login_as, factory):
    """A tampered form gets the Indonesian message, not WTForms' English one."""
    user = login_as("warga", email="siti@contoh.id")
    for tampered in ({"locale": "fr"}, {"home_kelurahan": "999999"}):
        response = client.post("/akun", data=profile_data(factory, **tampered))
        assert response.status_code == 200
        assert "Pilih salah satu pilihan yang tersedia." in page(response)
    saved = user_by(id=user.id)
    assert (saved.locale, saved.home_kelurahan.slug) == (None, "kauman")


def test_profile_needs_sign_in(client):
    response = client.get("/akun")
    assert response.status_code == 302
    assert "/masuk" in response.headers["Location"]


# -- changing the password --------------------------------------------------------------------


def change_password(client, current, new, confirm=None):
    return client.post(
        "/akun/kata-sandi",
        data={"current_password": current, "password": new, "confirm": confirm or new},
    )


def test_change_password_then_sign_in_with_the_new_one(client, factory):
    factory.user(email="siti@contoh.id")
    login(client, "siti@contoh.id")

    response = change_password(client, PASSWORD, NEW_PASSWORD)
    assert response.status_code == 302
    assert "Kata sandi diganti." in page(client.get(response.headers["Location"]))

    client.post("/keluar")
    assert WRONG_LOGIN in page(login(client, "siti@contoh.id", PASSWORD))
    assert login(client, "siti@contoh.id", NEW_PASSWORD).status_code == 302


def test_change_password_refuses_a_wrong_current_password(client, login_as):
    user = login_as("warga")
    old_hash = user.password_hash
    response = change_password(client, "Bukan-Sandi-Saya", NEW_PASSWORD)
    assert response.status_code == 200
    assert "Kata sandi sekarang salah." in page(response)
    assert NEW_PASSWORD not in page(response)
    assert user_by(id=user.id).password_hash == old_hash


@pytest.mark.parametrize(
    ("new", "confirm", "message"),
    [
        ("pendek1", None, "Kata sandi minimal 8 karakter."),
        ("password123", None, "Kata sandi ini terlalu umum dan mudah ditebak. Pilih yang lain."),
        (NEW_PASSWORD, "Batik-Lain-2026", "Kata sandi tidak sama."),
    ],
)
def test_change_password_enforces_the_policy(client, login_as, new, confirm, message):
    user = login_as("warga")
    old_hash = user.password_hash
    response = change_password(client, PASSWORD, new, confirm)
    assert response.status_code == 200
    assert message in page(response)
    assert user_by(id=user.id).password_hash == old_hash


def test_change_password_refuses_the_users_own_name(client, login_as):
    """The same rule as at sign-up: no name, e-mail or phone inside the password."""
    user = login_as("warga", email="siti@contoh.id", name="Siti Aminah")
    old_hash = user.password_hash
    response = change_password(client, PASSWORD, "Aminah-Kauman-99")
    assert response.status_code == 200
    assert "Kata sandi tidak boleh memuat nama, e-mail, atau nomor HP Anda." in page(response)
    assert user_by(id=user.id).password_hash == old_hash


# -- forgotten password -----------------------------------------------------------------------


def test_reset_request_sends_a_one_time_link_by_email(client, factory):
    factory.user(email="siti@contoh.id")
    response = client.post("/lupa-sandi", data={"identifier": "Siti@contoh.id"})
    assert response.status_code == 302
    assert RESET_SENT in page(client.get(response.headers["Location"]))

    [message] = outbox()
    assert (message.channel, message.recipient) == ("email", "siti@contoh.id")
    assert "/atur-ulang-sandi/" in message.body
    token = reset_token(delivered(client.application)[-1][3])
    assert token not in message.body  # the outbox keeps the link masked
    stored = _db.session.execute(select(PasswordReset)).scalar_one()
    assert token not in stored.token_hash  # only a hash of the token is kept
    assert client.get(f"/atur-ulang-sandi/{token}").status_code == 200


def test_reset_request_for_a_phone_only_account_goes_by_sms(client, factory):
    factory.user(phone=PHONE_E164)
    client.post("/lupa-sandi", data={"identifier": "0812-3456-7890"})
    [message] = outbox()
    assert (message.channel, message.recipient) == ("sms", PHONE_E164)
    assert "/atur-ulang-sandi/" in message.body


@pytest.mark.parametrize("identifier", ["tidak.ada@contoh.id", "0813-0000-1111"])
def test_reset_request_for_an_unknown_account_looks_the_same(client, factory, identifier):
    """No one can learn whether an account exists: same answer, and nothing is sent."""
    factory.user(email="siti@contoh.id")
    response = client.post("/lupa-sandi", data={"identifier": identifier})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/masuk")
    assert RESET_SENT in page(client.get(response.headers["Location"]))
    assert outbox() == []
    assert _db.session.execute(select(func.count()).select_from(PasswordReset)).scalar_one() == 0


def test_reset_request_refuses_a_malformed_identifier(client):
    response = client.post("/lupa-sandi", data={"identifier": "0812345"})
    assert response.status_code == 200
    assert "Nomor HP tidak valid. Contoh: 0812-3456-7890." in page(response)
    assert 'value="0812345"' in page(response)
    assert outbox() == []


def test_reset_link_works_once_and_replaces_the_old_password(client, factory):
    factory.user(email="siti@contoh.id")
    token = request_reset(client, "siti@contoh.id")

    response = reset(client, token)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/masuk")
    assert "Kata sandi baru tersimpan. Silakan masuk." in page(
        client.get(response.headers["Location"])
    )

    again = client.get(f"/atur-ulang-sandi/{token}")
    assert again.status_code == 404
    assert "Tautan tidak berlaku" in page(again)
    second = reset(client, token, "Lain-Lagi-Sandi-2026")
    assert second.status_code == 404
    assert "Tautan tidak berlaku" in page(second)

    assert WRONG_LOGIN in page(login(client, "siti@contoh.id", PASSWORD))
    assert WRONG_LOGIN in page(login(client, "siti@contoh.id", "Lain-Lagi-Sandi-2026"))
    assert login(client, "siti@contoh.id", NEW_PASSWORD).status_code == 302


def test_expired_reset_link_is_refused(client, factory):
    user = factory.user(email="siti@contoh.id")
    old_hash = user.password_hash
    token = request_reset(client, "siti@contoh.id")
    stored = _db.session.execute(select(PasswordReset)).scalar_one()
    stored.expires_at = utcnow() - timedelta(minutes=1)
    _db.session.commit()

    response = client.get(f"/atur-ulang-sandi/{token}")
    assert response.status_code == 404
    assert "Tautan tidak berlaku" in page(response)
    assert reset(client, token).status_code == 404
    assert user_by(id=user.id).password_hash == old_hash


def test_wrong_reset_token_is_refused(client, factory):
    factory.user(email="siti@contoh.id")
    token = request_reset(client, "siti@contoh.id")
    for wrong in (token[:-1] + ("A" if token[-1] != "A" else "B"), "x"):
        response = client.get(f"/atur-ulang-sandi/{wrong}")
        assert response.status_code == 404
        assert "Tautan tidak berlaku" in page(response)
        assert reset(client, wrong).status_code == 404
    assert client.get(f"/atur-ulang-sandi/{token}").status_code == 200


def test_weak_new_password_is_refused_and_the_link_stays_usable(client, factory):
    """A refused password does not use up the link: the resident just tries again."""
    user = factory.user(email="siti@contoh.id", name="Siti Aminah")
    old_hash = user.password_hash
    token = request_reset(client, "siti@contoh.id")

    for weak, message in [
        ("pendek", "Kata sandi minimal 8 karakter."),
        ("bismillah", "Kata sandi ini terlalu umum dan mudah ditebak. Pilih yang lain."),
        ("Aminah-Kauman-99", "Kata sandi tidak boleh memuat nama, e-mail, atau nomor HP Anda."),
    ]:
        response = reset(client, token, weak)
        assert response.status_code == 200
        assert message in page(response)
        assert f'value="{weak}"' not in page(response)
    mismatch = reset(client, token, NEW_PASSWORD, confirm="Batik-Lain-2026")
    assert "Kata sandi tidak sama." in page(mismatch)
    assert user_by(id=user.id).password_hash == old_hash

    assert reset(client, token).status_code == 302
    assert login(client, "siti@contoh.id", NEW_PASSWORD).status_code == 302


def test_a_newer_reset_link_replaces_the_older_one(client, factory):
    """Asking twice: only the newest link works; an older one left in a mailbox is dead."""
    factory.user(email="siti@contoh.id")
    first = request_reset(client, "siti@contoh.id")
    second = request_reset(client, "siti@contoh.id")
    assert first != second
    assert client.get(f"/atur-ulang-sandi/{first}").status_code == 404
    assert reset(client, first).status_code == 404
    assert reset(client, second).status_code == 302
    assert login(client, "siti@contoh.id", NEW_PASSWORD).status_code == 302


# -- notifications ----------------------------------------------------------------------------


def test_notifications_list_only_the_users_own_and_can_be_marked_read(
    app, client, login_as, factory
):
    from app.notify import notify

    other = factory.user(email="budi@contoh.id")
    user = login_as("warga", email="siti@contoh.id")
    with app.test_request_context():
        notify(user, "Kelompok Batik Kauman menerima Anda.", url="/k/kauman/kelompok/")
        notify(other, "Pesan rahasia untuk Budi.")
        _db.session.commit()
    _db.session.add(Notification(user_id=user.id, message="Warga baru terverifikasi."))
    _db.session.commit()

    html = page(client.get("/notifikasi"))
    assert "Kelompok Batik Kauman menerima Anda." in html
    assert 'href="/k/kauman/kelompok/"' in html
    assert "Warga baru terverifikasi." in html
    assert "Pesan rahasia untuk Budi." not in html
    assert "Tandai semua sudah dibaca" in html
    assert html.count('class="unread"') == 2

    response = client.post("/notifikasi/baca")
    assert response.status_code == 302
    _db.session.expire_all()
    unread = {
        n.user_id: n.read_at
        for n in _db.session.execute(select(Notification)).scalars()
        if n.read_at is None
    }
    assert user.id not in unread
    assert other.id in unread  # someone else's notification is untouched
    html = page(client.get("/notifikasi"))
    assert 'class="unread"' not in html
    assert "Tandai semua sudah dibaca" not in html
    assert "Kelompok Batik Kauman menerima Anda." in html


def test_notifications_sent_through_notify_also_reach_the_outbox(app, factory):
    """A phone-only resident also gets the notification as a text message."""
    from app.notify import notify

    user = factory.user(phone=PHONE_E164)
    with app.test_request_context():
        notify(user, "Pengajuan Anda disetujui.")
        _db.session.commit()
    [message] = outbox()
    assert (message.channel, message.recipient) == ("sms", PHONE_E164)
    assert "Pengajuan Anda disetujui." in message.body


def test_empty_notifications_page(client, login_as):
    login_as("warga")
    assert "Belum ada notifikasi." in page(client.get("/notifikasi"))


def test_notifications_need_sign_in(client):
    assert "/masuk" in client.get("/notifikasi").headers["Location"]
    assert "/masuk" in client.post("/notifikasi/baca").headers["Location"]


# -- language ---------------------------------------------------------------------------------


def test_language_switch_sets_the_cookie_and_the_page_language(client):
    assert '<html lang="id">' in page(client.get("/"))

    response = client.post("/bahasa", data={"lang": "en"})
    assert response.status_code == 302
    cookie = client.get_cookie("kp_lang")
    assert cookie is not None and cookie.value == "en"
    assert '<html lang="en">' in page(client.get("/"))

    client.post("/bahasa", data={"lang": "id"})
    assert client.get_cookie("kp_lang").value == "id"
    assert '<html lang="id">' in page(client.get("/"))


def test_language_switch_ignores_unknown_languages(client):
    client.post("/bahasa", data={"lang": "fr"})
    assert client.get_cookie("kp_lang").value == "id"
    assert '<html lang="id">' in page(client.get("/"))


def test_language_switch_is_remembered_on_the_account(client, factory):
    """Switching while signed in follows the user to another device."""
    user = factory.user(email="siti@contoh.id")
    login(client, "siti@contoh.id")
    client.post("/bahasa", data={"lang": "en"})
    assert user_by(id=user.id).locale == "en"

    other_device = client.application.test_client()
    login(other_device, "siti@contoh.id")
    assert other_device.get_cookie("kp_lang") is None
    assert '<html lang="en">' in page(other_device.get("/"))


def test_language_switch_returns_to_the_page(client):
    response = client.post("/bahasa", data={"lang": "en", "next": "/k/kauman/"})
    assert response.headers["Location"].endswith("/k/kauman/")


def test_profile_keeps_an_optional_rt_and_rw_written_any_usual_way(client, login_as, factory):
    """RT/RW are optional; "3" and "RW 05" are stored as the three digits the kelurahan's
    schedules and alerts use, and whom an RW's alert reaches follows the profile."""
    from app import kit, tenancy

    user = login_as("warga", "kauman", email="siti@contoh.id")
    response = client.post("/akun", data=profile_data(factory, rt="3", rw="RW 05"))
    assert response.status_code == 302
    saved = user_by(id=user.id)
    assert (saved.rt, saved.rw) == ("003", "005")
    assert 'value="005"' in page(client.get("/akun"))
    neighbour = factory.user("warga", "kauman")
    neighbour.rw = "006"
    elsewhere = factory.user("warga", "medono")
    elsewhere.rw = "005"
    _db.session.commit()
    with tenancy.all_kelurahan():
        reached = kit.residents_of_rw(["005"], kelurahan=factory.kelurahan("kauman"))
    assert [u.id for u in reached] == [user.id]

    cleared = client.post("/akun", data=profile_data(factory, rt="", rw=""))
    assert cleared.status_code == 302
    assert (user_by(id=user.id).rt, user_by(id=user.id).rw) == (None, None)


def test_profile_refuses_an_unreadable_rt_and_keeps_what_was_typed(client, login_as, factory):
    user = login_as("warga", "kauman", email="siti@contoh.id")
    response = client.post("/akun", data=profile_data(factory, rt="tiga", rw="5"))
    html = page(response)
    assert response.status_code == 200
    assert "Tulis nomor RT/RW sebagai angka 1–999" in html and 'value="tiga"' in html
    only_rt = page(client.post("/akun", data=profile_data(factory, rt="3", rw="")))
    assert "Isi juga RW tempat RT Anda berada." in only_rt
    assert user_by(id=user.id).rw is None
