"""Sign-up does not reveal whether an account exists (review issue 9).

POST /daftar answers a new contact and a registered one alike: the same redirect, the same
"check your messages" page, one Argon2 hash and one message each. A new contact receives a
signed link valid for 24 hours; nothing is stored until it is opened and confirmed (a GET
only shows a button, so mail scanners that open links do not use it up). The owner of a
registered contact receives a note instead. Links that are forged, garbled, expired, already
used or whose contact was taken meanwhile answer a clear page with a 4xx.

In development (`make run`) messages are printed on the terminal, so the link can be
followed without a mail server; production refuses that sender.
"""

from __future__ import annotations

import logging
import re
import time

import pytest
from conftest import PRODUCTION_SERVICES, count
from itsdangerous import URLSafeTimedSerializer
from itsdangerous.timed import TimestampSigner
from sqlalchemy import select
from test_accounts import (
    NEW_PASSWORD,
    SIGNUP_SENT,
    delivered,
    login,
    page,
    signed_in,
    signup,
    signup_link,
    user_by,
)

from app import create_app, passwords
from app.config import ConfigError, load
from app.extensions import db as _db
from app.mail import SECRET_MASK, ConsoleSender
from app.models import OutboxMessage, User
from app.views import account as account_views

PUBLIC = "https://kelurahanpintar.pekalongankota.go.id"
ACTIVE = "Akun Anda sudah aktif"
TAKEN = "Kontak ini sudah punya akun"
EXPIRED = "Tautan sudah kedaluwarsa"
INVALID = "Tautan tidak berlaku"
CSRF_FIELD = re.compile(r'(<input[^>]*name="csrf_token"[^>]*value=")([^"]*)"')
# When the rate-limit window ends: the clock, not the account.
CLOCK_HEADERS = {"Retry-After", "X-RateLimit-Reset"}
CSRF_HEADER = re.compile(r'"X-CSRFToken": ?"[^"]*"')


@pytest.fixture
def app_overrides():
    return {"KP_MAIL_SENDER": "test_accounts:CaptureSender"}


def token_of(link: str) -> str:
    return link.rsplit("/", 1)[1]


def without_csrf(html: str) -> str:
    return CSRF_HEADER.sub("X-CSRFToken", CSRF_FIELD.sub(r'\1"', html))


def csrf_token(client, url: str) -> str:
    html = page(client.get(url))
    match = CSRF_FIELD.search(html)
    assert match, html
    return match.group(2)


# -- the two answers ---------------------------------------------------------------------------


def test_a_new_and_a_registered_contact_get_the_same_answer(app, client, factory, monkeypatch):
    """The same contact, first new then registered, each from a fresh browser with CSRF on:
    the redirect, its headers and the page it leads to are byte for byte the same apart
    from the CSRF token; each costs one Argon2 hash and sends one message."""
    app.config["WTF_CSRF_ENABLED"] = True
    hashes: list[str] = []
    real = passwords._argon2

    def counted(work, *args):
        hashes.append(work.__name__)
        return real(work, *args)

    monkeypatch.setattr(passwords, "_argon2", counted)
    kauman = str(factory.kelurahan("kauman").id)

    # From two addresses, so each is the first attempt of its own rate-limit window.
    def attempt(address):
        browser = app.test_client()
        browser.environ_base["REMOTE_ADDR"] = address
        data = {
            "csrf_token": csrf_token(browser, "/daftar"),
            "identifier": "siti@contoh.id",
            "display_name": "Siti Aminah",
            "home_kelurahan": kauman,
            "password": NEW_PASSWORD,
        }
        hashes.clear()
        sent_before, kept_before = len(delivered(app)), count(OutboxMessage)
        response = browser.post("/daftar", data=data)
        headers = sorted(
            (name, "…" if name in CLOCK_HEADERS else re.sub(r"^session=[^;]*", "session=…", value))
            for name, value in response.headers.items()
        )
        with browser.session_transaction() as session:
            kept = {k: v for k, v in session.items() if k != "csrf_token"}
        final = browser.get(response.headers["Location"])
        return {
            "status": response.status_code,
            "headers": headers,
            "body": without_csrf(page(response)),
            "session": kept,
            "page": (final.status_code, without_csrf(page(final))),
            "hashes": hashes[:],
            "delivered": len(delivered(app)) - sent_before,
            "kept": count(OutboxMessage) - kept_before,
        }

    new = attempt("10.5.5.1")
    assert count(User) == 0
    factory.user(email="siti@contoh.id", name="Siti Lama")
    registered = attempt("10.5.5.2")

    assert new == registered
    assert new["status"] == 302
    assert ("Location", "/daftar/periksa") in new["headers"]
    assert new["hashes"] == ["hash"]
    assert new["delivered"] == new["kept"] == 1
    status, html = new["page"]
    assert status == 200
    assert "Kami sudah mengirim tautan ke s•••@contoh.id." in html and SIGNUP_SENT in html
    assert "Periksa folder spam" in html
    assert 'href="/daftar"' in html  # start again
    assert count(User) == 1
    # What each contact received tells them apart, and only them.
    link_message, owner_message = delivered(app)
    assert "/daftar/konfirmasi/" in link_message[3] and "Siti Aminah" in link_message[3]
    assert "mencoba mendaftar" in owner_message[3] and "/daftar/konfirmasi/" not in owner_message[3]


def test_a_phone_number_is_sent_the_link_by_sms_and_shown_masked(client, factory):
    response = signup(client, factory, identifier="0812-3456-7890", display_name="Budi")
    assert response.headers["Location"].endswith("/daftar/periksa")
    html = page(client.get("/daftar/periksa"))
    assert "Kami sudah mengirim tautan ke 0812•••••890." in html
    assert "3456" not in html
    [(channel, recipient, _subject, body)] = delivered(client.application)
    assert (channel, recipient) == ("sms", "+6281234567890")
    assert "/daftar/konfirmasi/" in body


# -- the link --------------------------------------------------------------------------------


def test_nothing_is_stored_until_the_link_is_confirmed(client, factory):
    """Signing up stores no account; opening the link shows what it will create and a
    button, still storing nothing; pressing it creates the resident and signs them in."""
    signup(client, factory, identifier="siti@contoh.id", kelurahan="medono")
    assert count(User) == 0
    link = signup_link(client.application)

    shown = client.get(link)
    html = page(shown)
    assert shown.status_code == 200
    assert "Selesaikan pendaftaran" in html and "Aktifkan akun saya" in html
    assert "Siti Aminah" in html and "s•••@contoh.id" in html and "Medono" in html
    assert '<form method="post">' in html
    client.get(link)  # a mail scanner opening it again
    assert count(User) == 0
    assert not signed_in(client)

    response = client.post(link)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/k/medono/")
    assert "Akun Anda sudah dibuat. Selamat bergabung!" in page(
        client.get(response.headers["Location"])
    )
    assert signed_in(client)
    user = user_by(email="siti@contoh.id")
    assert user.display_name == "Siti Aminah"
    assert [(r.kelurahan.slug, r.role) for r in user.roles] == [("medono", "warga")]
    assert user.password_hash.startswith("$argon2id$")
    # The password chosen at sign-up is the one that works.
    client.post("/keluar")
    assert login(client, "siti@contoh.id", NEW_PASSWORD).status_code == 302
    assert signed_in(client)


def test_a_link_is_used_once(client, factory):
    signup(client, factory, identifier="siti@contoh.id")
    link = signup_link(client.application)
    assert client.post(link).status_code == 302
    client.post("/keluar")

    for method in ("GET", "POST"):
        response = client.open(link, method=method)
        assert response.status_code == 410
        html = page(response)
        assert ACTIVE in html and 'href="/masuk"' in html
    assert count(User) == 1


def test_a_signed_in_user_opening_a_link_goes_home_and_nothing_is_created(
    client, factory, login_as
):
    signup(client, factory, identifier="baru@contoh.id")
    link = signup_link(client.application)
    login_as("warga", "kauman")
    response = client.post(link)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/k/kauman/")
    assert user_by(email="baru@contoh.id") is None


def test_an_expired_link_is_refused_and_a_day_old_one_still_works(client, factory, monkeypatch):
    """Links last 24 hours: one signed 25 hours ago is refused, one of 23 hours works."""
    now = int(time.time())
    links = {}
    for hours, identifier in ((25, "lama@contoh.id"), (23, "baru@contoh.id")):
        monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self, h=hours: now - h * 3600)
        signup(client, factory, identifier=identifier)
        links[hours] = signup_link(client.application)
    monkeypatch.undo()

    for method in ("GET", "POST"):
        response = client.open(links[25], method=method)
        assert response.status_code == 410
        html = page(response)
        assert EXPIRED in html and "24 jam" in html and 'href="/daftar"' in html
    assert count(User) == 0
    assert client.post(links[23]).status_code == 302
    assert user_by(email="baru@contoh.id") is not None


def test_forged_and_garbled_links_are_refused(app, client, factory):
    """Signed with another key or for another purpose, cut short, altered, made up, very
    long, or well signed around a malformed sign-up: 404 with a clear page, never a 500,
    and no account."""
    signup(client, factory, identifier="siti@contoh.id")
    token = token_of(signup_link(app))
    claim = {
        "name": "Penyusup",
        "kind": "email",
        "contact": "penyusup@contoh.id",
        "kelurahan": factory.kelurahan("kauman").id,
        "hash": "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
        "locale": "id",
    }
    ours = URLSafeTimedSerializer(app.secret_key, salt="signup")
    bad = {
        "another key": URLSafeTimedSerializer("kunci-lain", salt="signup").dumps(claim),
        "another purpose": URLSafeTimedSerializer(app.secret_key, salt="lain").dumps(claim),
        "cut short": token[:-5],
        "altered": token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB"),
        "made up": "bukan-tautan-yang-sah",
        "very long": "a" * 5000,
        "not a sign-up": ours.dumps(["daftar"]),
        "missing fields": ours.dumps({"name": "Penyusup"}),
        "wrong kind": ours.dumps({**claim, "kind": "is_city_admin"}),
        "unknown kelurahan": ours.dumps({**claim, "kelurahan": 999999}),
    }
    failures = []
    for what, forged in bad.items():
        for method in ("GET", "POST"):
            response = client.open(f"/daftar/konfirmasi/{forged}", method=method)
            if response.status_code != 404 or INVALID not in page(response):
                failures.append(f"{what}: {method} answered {response.status_code}")
    assert not failures
    assert count(User) == 0


def test_a_contact_taken_meanwhile_is_not_signed_up_twice(client, factory):
    """Two sign-ups with one contact, two links: the first confirmed wins; the second link
    then says the contact has an account and points to sign-in and reset, changing
    nothing."""
    signup(client, factory, identifier="siti@contoh.id", display_name="Siti Pertama")
    first = signup_link(client.application)
    signup(client, factory, identifier="siti@contoh.id", display_name="Siti Kedua")
    second = signup_link(client.application)
    assert client.post(first).status_code == 302
    client.post("/keluar")
    owner = user_by(email="siti@contoh.id")
    old_hash = owner.password_hash

    for method in ("GET", "POST"):
        response = client.open(second, method=method)
        assert response.status_code == 409
        html = page(response)
        assert TAKEN in html and 'href="/masuk"' in html and 'href="/lupa-sandi"' in html
    assert not signed_in(client)
    assert count(User) == 1
    owner = user_by(email="siti@contoh.id")
    assert (owner.display_name, owner.password_hash) == ("Siti Pertama", old_hash)


def test_the_link_carries_the_language_the_visitor_chose(client, factory):
    client.set_cookie("kp_lang", "en")
    signup(client, factory, identifier="siti@contoh.id")
    client.delete_cookie("kp_lang")  # opened on another device
    client.post(signup_link(client.application))
    assert user_by(email="siti@contoh.id").locale == "en"


def test_the_confirm_button_needs_the_csrf_token(app, client, factory):
    signup(client, factory, identifier="siti@contoh.id")
    link = signup_link(app)
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post(link).status_code == 400
    assert count(User) == 0
    response = client.post(link, data={"csrf_token": csrf_token(client, link)})
    assert response.status_code == 302
    assert count(User) == 1


# -- the secret in the message -----------------------------------------------------------------


def test_the_outbox_and_the_log_keep_the_link_masked(client, factory, caplog):
    with caplog.at_level(logging.DEBUG):
        signup(client, factory, identifier="siti@contoh.id")
    token = token_of(signup_link(client.application))
    [kept] = _db.session.execute(select(OutboxMessage)).scalars()
    assert token not in kept.body
    assert f"/daftar/konfirmasi/{SECRET_MASK}" in kept.body
    assert kept.secret_masked
    assert token not in caplog.text


@pytest.mark.parametrize(
    "app_overrides",
    [{"KP_PUBLIC_URL": PUBLIC, "KP_MAIL_SENDER": "test_accounts:CaptureSender"}],
)
def test_the_link_uses_the_public_address_whatever_the_host_header(app, client, factory):
    kauman = str(factory.kelurahan("kauman").id)
    client.post(
        "/daftar",
        data={
            "identifier": "siti@contoh.id",
            "display_name": "Siti Aminah",
            "home_kelurahan": kauman,
            "password": NEW_PASSWORD,
        },
        headers={"Host": "evil.example"},
    )
    [(_channel, _recipient, _subject, body)] = delivered(app)
    assert f"{PUBLIC}/daftar/konfirmasi/" in body
    assert "evil.example" not in body


# -- rate limit ------------------------------------------------------------------------------


def test_the_signup_limit_counts_new_and_registered_contacts_alike(client, factory, monkeypatch):
    """Ten sign-ups an hour from one address, whatever the contacts: five registered and
    five new use it up, and the eleventh is refused for either, sending nothing."""
    monkeypatch.setattr(account_views, "hash_password", lambda password: "$argon2id$murah")
    for n in range(5):
        factory.user(email=f"lama{n}@contoh.id")
    kauman = str(factory.kelurahan("kauman").id)

    def attempt(identifier):
        return client.post(
            "/daftar",
            data={
                "identifier": identifier,
                "display_name": "Warga Uji",
                "home_kelurahan": kauman,
                "password": NEW_PASSWORD,
            },
            environ_base={"REMOTE_ADDR": "10.4.4.4"},
        )

    for n in range(5):
        for identifier in (f"lama{n}@contoh.id", f"baru{n}@contoh.id"):
            assert attempt(identifier).headers["Location"].endswith("/daftar/periksa")
    sent = len(delivered(client.application))
    assert sent == 10
    assert attempt("lama0@contoh.id").status_code == 429
    assert attempt("baru9@contoh.id").status_code == 429
    assert len(delivered(client.application)) == sent


# -- development: messages on the terminal -------------------------------------------------------


@pytest.mark.parametrize("app_overrides", [{"KP_ENV": "development"}])
def test_in_development_the_link_is_printed_on_the_terminal(app, client, factory, capsys):
    """`make run` has no mail server: the link is printed where the app runs, and works."""
    assert app.config["KP_MAIL_SENDER"] == "app.mail:ConsoleSender"
    capsys.readouterr()
    signup(client, factory, identifier="siti@contoh.id")
    printed = capsys.readouterr().err
    assert "email to siti@contoh.id" in printed
    match = re.search(r"http://localhost(/daftar/konfirmasi/\S+)", printed)
    assert match, printed
    assert client.post(match.group(1)).status_code == 302
    assert user_by(email="siti@contoh.id") is not None
    # Delivered, as far as the outbox is concerned.
    assert _db.session.execute(select(OutboxMessage.sent_at)).scalar_one() is not None


def test_the_console_sender_does_not_pass_on_terminal_escapes(app, capsys):
    ConsoleSender(app).deliver("email", "siti@contoh.id", "Subjek", "Halo \x1b[2J\x1b]0;x\x07Siti")
    printed = capsys.readouterr().err
    assert "\x1b" not in printed and "\x07" not in printed
    assert "Halo [2J]0;xSiti" in printed


def test_only_development_prints_messages_by_default(monkeypatch, tmp_path):
    """The default sender follows KP_ENV: the terminal in development, the outbox alone in
    testing and production; KP_MAIL_SENDER still chooses."""
    monkeypatch.delenv("KP_MAIL_SENDER", raising=False)
    default = {
        kp_env: load(str(tmp_path), {"KP_ENV": kp_env})["KP_MAIL_SENDER"]
        for kp_env in ("development", "testing", "production")
    }
    assert default == {
        "development": "app.mail:ConsoleSender",
        "testing": "app.mail:OutboxSender",
        "production": "app.mail:OutboxSender",
    }
    monkeypatch.setenv("KP_MAIL_SENDER", "app.mail:SmtpSender")
    assert load(str(tmp_path), {"KP_ENV": "development"})["KP_MAIL_SENDER"] == "app.mail:SmtpSender"


def test_production_refuses_the_console_sender(monkeypatch, tmp_path):
    monkeypatch.setenv("KP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-real-secret-from-the-environment")
    monkeypatch.setenv("KP_PUBLIC_URL", PUBLIC)
    monkeypatch.setenv("KP_MAIL_SENDER", "app.mail:ConsoleSender")
    database = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"}
    with pytest.raises(ConfigError, match="ConsoleSender") as refused:
        create_app(database)
    assert "\n" not in str(refused.value)
    monkeypatch.delenv("KP_MAIL_SENDER")
    production = create_app(PRODUCTION_SERVICES)
    assert production.config["KP_MAIL_SENDER"] == "app.mail:OutboxSender"


# -- on the way somewhere ------------------------------------------------------------------------


def test_sign_up_from_the_report_form_lands_back_on_it(client, factory):
    """A visitor sent to sign in by "Buat laporan" signs up instead: the form already names
    the kelurahan they came from, and confirming the link takes them back to the form."""
    target = "/k/kauman/laporan/baru"
    login_page = page(client.get(f"/masuk?next={target}"))
    assert f'href="/daftar?next={target}"' in login_page

    form = page(client.get(f"/daftar?next={target}"))
    kauman = factory.kelurahan("kauman").id
    assert f'<option selected value="{kauman}">' in form or (
        f'<option value="{kauman}" selected' in form
    ), form
    assert f'name="next" value="{target}"' in form

    response = signup(client, factory, next=target)
    assert response.status_code == 302
    confirmed = client.post(signup_link(client.application))

    assert confirmed.status_code == 302
    assert confirmed.headers["Location"].endswith(target)
    assert signed_in(client)


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil"])
def test_a_foreign_next_is_not_carried_through_sign_up(client, factory, target):
    response = signup(client, factory, next=target)
    assert response.status_code == 302
    confirmed = client.post(signup_link(client.application))
    assert confirmed.headers["Location"].endswith("/k/kauman/")
    assert "evil" not in confirmed.headers["Location"]


def test_without_an_sms_gateway_a_phone_number_is_refused_before_any_lookup(app, client, factory):
    """No gateway, no link by SMS: the form says so and suggests e-mail or the office, the
    same for a registered and a new number, and nothing is sent or kept."""
    from app.mail import OutboxSender

    app.extensions["kp_sender"] = OutboxSender(app)  # keeps messages, delivers none
    factory.user("warga", "kauman", phone="+6281234567890")
    answers = []
    for number in ("0812-3456-7890", "0812-9999-0000"):
        response = signup(client, factory, identifier=number)
        answers.append((response.status_code, "belum dapat mengirim SMS" in page(response)))

    assert answers == [(200, True), (200, True)]
    assert count(OutboxMessage) == 0
    assert user_by(phone="+6281299990000") is None
