"""Rate limits on sign-in, sign-up and password reset.

What a person hammering a form notices: after the limit, the answer is 429 with an Indonesian
message. What an honest resident notices: nothing, as long as they are not the one guessing.
With Redis the counters are shared, so several workers (or hosts) enforce one limit.
"""

from __future__ import annotations

import hashlib
import os
import secrets

import pytest
from conftest import PASSWORD, make_app, require
from sqlalchemy import func, select

from app.extensions import db as _db
from app.models import OutboxMessage, User

WRONG = "Salah-Tebakan-2026"
WRONG_LOGIN = "E-mail/nomor HP atau kata sandi salah."
TOO_MANY = "Terlalu banyak percobaan. Silakan coba lagi beberapa saat lagi."


def page(response) -> str:
    return response.get_data(as_text=True)


def login(client, identifier, password=WRONG, ip="127.0.0.1"):
    return client.post(
        "/masuk",
        data={"identifier": identifier, "password": password},
        environ_base={"REMOTE_ADDR": ip},
    )


def assert_refused_login(response):
    """A failed attempt that still counts: the form again, with the neutral message."""
    assert response.status_code == 200
    assert WRONG_LOGIN in page(response)


def assert_too_many(response):
    assert response.status_code == 429
    assert TOO_MANY in page(response)
    assert int(response.headers["Retry-After"]) > 0


def signed_in(client) -> bool:
    return client.get("/akun").status_code == 200


# -- sign-in: per account ---------------------------------------------------------------------


def test_sixth_failed_signin_for_one_account_answers_429_even_with_the_right_password(
    client, factory
):
    """Five wrong guesses show the usual message; the sixth is refused outright."""
    factory.user(email="siti@contoh.id")
    for _ in range(5):
        assert_refused_login(login(client, "siti@contoh.id"))

    response = login(client, "siti@contoh.id", PASSWORD)
    assert_too_many(response)
    assert not signed_in(client)


def test_the_account_limit_holds_however_the_account_is_written(client, factory):
    """Switching between 08…, 628…, +628… (or capitals in an e-mail) buys no extra guesses."""
    factory.user(phone="+6281234567890")
    for typed in ("081234567890", "6281234567890", "+62 812 3456 7890", "0812-3456-7890"):
        assert_refused_login(login(client, typed))
    assert_refused_login(login(client, "(0812) 3456-7890"))
    assert_too_many(login(client, "+6281234567890", PASSWORD))

    factory.user(email="budi@contoh.id")
    for typed in (
        "budi@contoh.id",
        "BUDI@contoh.id",
        "Budi@Contoh.ID",
        " budi@contoh.id",
        "bUdI@contoh.id",
    ):
        assert_refused_login(login(client, typed))
    assert_too_many(login(client, "budi@contoh.id", PASSWORD))


def test_attempts_on_another_account_are_counted_separately(client, factory):
    """Someone guessing Siti's password does not lock Budi out, even on the same network."""
    factory.user(email="siti@contoh.id")
    factory.user(email="budi@contoh.id")
    for _ in range(5):
        assert_refused_login(login(client, "siti@contoh.id"))
    assert_too_many(login(client, "siti@contoh.id"))

    assert_refused_login(login(client, "budi@contoh.id"))
    assert login(client, "budi@contoh.id", PASSWORD).status_code == 302
    assert signed_in(client)


def test_successful_signins_do_not_count(client, factory):
    """Signing in and out often is never punished; only failures use up the allowance."""
    factory.user(email="siti@contoh.id")
    for _ in range(4):
        assert_refused_login(login(client, "siti@contoh.id"))
    for _ in range(3):
        assert login(client, "siti@contoh.id", PASSWORD).status_code == 302
        client.post("/keluar")

    assert_refused_login(login(client, "siti@contoh.id"))  # the fifth failure
    assert_too_many(login(client, "siti@contoh.id", PASSWORD))


def test_an_incomplete_form_is_counted_like_a_wrong_password(client, factory):
    """An empty password comes back as the form too: it is an attempt like any other."""
    factory.user(email="siti@contoh.id")
    for _ in range(5):
        response = login(client, "siti@contoh.id", "")
        assert response.status_code == 200
        assert "Wajib diisi." in page(response)
    assert_too_many(login(client, "siti@contoh.id", PASSWORD))


# -- sign-in: per client ----------------------------------------------------------------------


def test_one_client_guessing_many_accounts_is_stopped_after_thirty_failures(client):
    """Trying five guesses on each of many accounts: the 31st failure from one address is
    refused, while a resident on another address signs in as usual."""
    for n in range(30):
        assert_refused_login(login(client, f"tebak{n // 5}@contoh.id", ip="10.9.8.7"))
    assert_too_many(login(client, "tebak-baru@contoh.id", ip="10.9.8.7"))

    assert_refused_login(login(client, "tebak-baru@contoh.id", ip="10.9.8.8"))


# -- sign-up and password reset ---------------------------------------------------------------


def test_eleventh_signup_within_an_hour_answers_429(client, factory):
    """Ten sign-up attempts an hour per address; the eleventh is refused and stores nothing."""
    kauman = str(factory.kelurahan("kauman").id)
    for n in range(10):
        response = client.post(
            "/daftar",
            data={
                "identifier": f"warga{n}@contoh.id",
                "display_name": "",
                "home_kelurahan": kauman,
            },
            environ_base={"REMOTE_ADDR": "10.1.1.1"},
        )
        assert response.status_code == 200
        assert "Wajib diisi." in page(response)

    response = client.post(
        "/daftar",
        data={
            "identifier": "baru@contoh.id",
            "display_name": "Warga Baru",
            "home_kelurahan": kauman,
            "password": "Batik-Jlamprang-2026",
        },
        environ_base={"REMOTE_ADDR": "10.1.1.1"},
    )
    assert_too_many(response)
    assert _db.session.execute(select(func.count()).select_from(User)).scalar_one() == 0
    assert _db.session.execute(select(func.count()).select_from(OutboxMessage)).scalar_one() == 0

    # Someone else, on another address, can still sign up (a link is sent to confirm).
    response = client.post(
        "/daftar",
        data={
            "identifier": "baru@contoh.id",
            "display_name": "Warga Baru",
            "home_kelurahan": kauman,
            "password": "Batik-Jlamprang-2026",
        },
        environ_base={"REMOTE_ADDR": "10.1.1.2"},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/daftar/periksa")
    assert _db.session.execute(select(func.count()).select_from(OutboxMessage)).scalar_one() == 1


def test_signup_form_can_still_be_opened_when_the_limit_is_reached(client):
    for _ in range(10):
        client.post("/daftar", data={}, environ_base={"REMOTE_ADDR": "10.1.1.3"})
    assert (
        client.post("/daftar", data={}, environ_base={"REMOTE_ADDR": "10.1.1.3"}).status_code == 429
    )
    assert client.get("/daftar", environ_base={"REMOTE_ADDR": "10.1.1.3"}).status_code == 200


def test_sixth_reset_request_within_15_minutes_answers_429_and_sends_nothing(client, factory):
    factory.user(email="siti@contoh.id")

    def ask():
        return client.post(
            "/lupa-sandi",
            data={"identifier": "siti@contoh.id"},
            environ_base={"REMOTE_ADDR": "10.2.2.2"},
        )

    for _ in range(5):
        assert ask().status_code == 302
    assert_too_many(ask())
    _db.session.expire_all()
    sent = _db.session.execute(select(func.count()).select_from(OutboxMessage)).scalar_one()
    assert sent == 5


def test_reset_link_form_is_limited_too(app, client, factory):
    """Ten tries at choosing a new password on a link; then 429 (the link itself is kept)."""
    from test_accounts import CaptureSender, delivered

    app.extensions["kp_sender"] = CaptureSender(app)  # the outbox keeps the token masked
    factory.user(email="siti@contoh.id")
    client.post("/lupa-sandi", data={"identifier": "siti@contoh.id"})
    [(_channel, _recipient, _subject, body)] = delivered(app)
    token = body.split("/atur-ulang-sandi/", 1)[1].split()[0]

    for _ in range(10):
        response = client.post(
            f"/atur-ulang-sandi/{token}", data={"password": "pendek", "confirm": "pendek"}
        )
        assert response.status_code == 200
        assert "Kata sandi minimal 8 karakter." in page(response)
    response = client.post(
        f"/atur-ulang-sandi/{token}",
        data={"password": "Batik-Jlamprang-2026", "confirm": "Batik-Jlamprang-2026"},
    )
    assert_too_many(response)


# -- forms that carry files -------------------------------------------------------------------


def refused_report_with_a_photo(client):
    """A report form sent back (no title) after its photo was received: 422, or 429."""
    import io

    from PIL import Image

    photo = io.BytesIO()
    Image.new("RGB", (40, 30), "teal").save(photo, "PNG")
    photo.seek(0)
    return client.post(
        "/k/kauman/laporan/baru",
        data={"category": "Sampah", "title": "", "description": "-", "photos": (photo, "a.png")},
        content_type="multipart/form-data",
    )


def test_refused_uploads_count_too_and_the_next_one_answers_429(app, client, factory):
    """Each POST with a file costs the server its decoding, so each one counts, refused or
    not; posts without a file and other accounts are not held back."""
    from conftest import act_as, enable_plugin

    enable_plugin(app, "reports", "kauman")
    app.config["KP_UPLOAD_LIMIT"] = "3 per hour"
    act_as(client, factory.user("warga", "kauman"))
    for _ in range(3):
        assert refused_report_with_a_photo(client).status_code == 422

    assert_too_many(refused_report_with_a_photo(client))
    no_file = client.post("/k/kauman/laporan/baru", data={"category": "Sampah", "title": ""})
    assert no_file.status_code == 422

    act_as(client, factory.user("warga", "kauman"))
    assert refused_report_with_a_photo(client).status_code == 422


# -- shared counters (Redis) ------------------------------------------------------------------


def _redis_url() -> str:
    url = os.environ.get("KP_TEST_REDIS_URL", "")
    require(bool(url), "KP_TEST_REDIS_URL is not set (shared rate limits in Redis)")
    return url


class TestLimitsSharedThroughRedis:
    """Two app instances (two gunicorn workers, or two hosts) pointed at one Redis.

    Flask-Limiter's `limiter` is one module-level object, re-initialised by every create_app:
    the instance created last decides the storage for both. So the second instance is created
    only after the first has made its requests: with per-process memory storage its counters
    would start from zero and the test would fail; with Redis they carry over.
    """

    @pytest.fixture
    def app_overrides(self):
        return {"RATELIMIT_STORAGE_URI": _redis_url()}

    @pytest.fixture
    def unique(self, app):
        """A random account and client address, and removal of their Redis keys afterwards,
        so reruns against the same Redis start clean."""
        import redis

        email = f"redis-{secrets.token_hex(6)}@contoh.id"
        ip = "10.{}.{}.{}".format(*secrets.token_bytes(3))
        yield email, ip
        account_key = hashlib.sha256(email.encode()).hexdigest()
        server = redis.Redis.from_url(app.config["RATELIMIT_STORAGE_URI"])
        try:
            for pattern in (f"*{account_key}*", f"*/{ip}/*"):
                for key in server.scan_iter(match=pattern):
                    server.delete(key)
        finally:
            server.close()

    def test_failures_on_one_worker_block_the_account_on_another(
        self, app, factory, unique, backend, database_urls, tmp_path, app_overrides
    ):
        email, ip = unique
        factory.user(email=email)
        worker_a = app.test_client()
        for _ in range(3):
            assert_refused_login(login(worker_a, email, ip=ip))

        second = make_app(database_urls(backend), tmp_path / "b", **app_overrides)
        try:
            worker_b = second.test_client()
            for _ in range(2):
                assert_refused_login(login(worker_b, email, ip=ip))
            assert_too_many(login(worker_b, email, PASSWORD, ip=ip))
            assert_too_many(login(worker_a, email, PASSWORD, ip=ip))
        finally:
            with second.app_context():
                _db.session.remove()
                _db.engine.dispose()
