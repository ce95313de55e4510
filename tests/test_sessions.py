"""Sessions that can be ended, and the limits around passwords (review issue 9).

Signing out, a new password, a completed reset and an admin's deactivation end every session
of the account, remember-me cookies included. A sign-in rotates the CSRF token. Changing the
e-mail or phone takes the current password. Wrong passwords are counted before they are
checked, Argon2 runs a few at a time, a missing account costs what a wrong password costs, and
the owner gets back in through a reset link during a lockout. Reset links are single, and
their secret stays out of the outbox and the log. gunicorn refuses the development secret.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest import PASSWORD, act_as, count
from sqlalchemy import select
from test_accounts import (
    DEACTIVATED,
    NEW_PASSWORD,
    SIGNUP_SENT,
    WRONG_LOGIN,
    delivered,
    login,
    page,
    profile_data,
    request_reset,
    reset,
    signed_in,
    signup,
    user_by,
)

from app import passwords
from app.extensions import db as _db
from app.models import AuditEntry, OutboxMessage, User
from app.views import account as account_views

ROOT = Path(__file__).resolve().parent.parent
TOO_MANY = "Terlalu banyak percobaan."
BUSY = "Server sedang sibuk. Silakan coba lagi sebentar lagi."


@pytest.fixture
def app_overrides():
    return {"KP_MAIL_SENDER": "test_accounts:CaptureSender"}


def remember_cookie(client) -> str:
    cookie = client.get_cookie("remember_token")
    assert cookie is not None
    return cookie.value


def with_only_remember_cookie(app, value):
    """A browser reopened later: no session cookie, only the remember-me cookie."""
    other = app.test_client()
    other.set_cookie("remember_token", value)
    return other


# -- the session version --------------------------------------------------------------------


def test_session_id_carries_the_session_version(factory):
    user = factory.user(email="siti@contoh.id")
    assert user.get_id() == f"{user.id}:0"


@pytest.mark.parametrize(
    "stored", ["abc", "1:x", "1:0:0", "", ":", "-1:0", "1 :0", "99999:0", "1:99", "1\n:0"]
)
def test_malformed_or_stale_session_ids_sign_no_one_in(client, factory, stored):
    """A tampered, stale or strange id in the session: signed out, never a server error."""
    factory.user(email="siti@contoh.id")
    with client.session_transaction() as session:
        session["_user_id"] = stored
        session["_fresh"] = True
    response = client.get("/akun")
    assert response.status_code == 302
    assert "/masuk" in response.headers["Location"]
    assert client.get("/").status_code == 200


def test_signing_out_ends_every_session_of_the_account_remember_me_included(app, factory):
    factory.user(email="siti@contoh.id")
    phone, laptop = app.test_client(), app.test_client()
    assert login(phone, "siti@contoh.id", remember="y").status_code == 302
    assert login(laptop, "siti@contoh.id").status_code == 302
    kept = remember_cookie(phone)
    assert signed_in(with_only_remember_cookie(app, kept))  # the cookie works until...

    laptop.post("/keluar")  # ...the owner signs out somewhere

    assert not signed_in(laptop)
    assert not signed_in(phone)
    assert not signed_in(with_only_remember_cookie(app, kept))
    # Signing in again works, and makes a new, working session.
    assert login(phone, "siti@contoh.id").status_code == 302
    assert signed_in(phone)


def test_a_new_password_ends_other_sessions_and_keeps_this_one(app, factory):
    factory.user(email="siti@contoh.id")
    this, other = app.test_client(), app.test_client()
    login(this, "siti@contoh.id", remember="y")
    login(other, "siti@contoh.id", remember="y")
    stolen = remember_cookie(other)

    response = this.post(
        "/akun/kata-sandi",
        data={"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert signed_in(this)
    assert not signed_in(other)
    assert not signed_in(with_only_remember_cookie(app, stolen))
    # This device's own remember-me cookie was renewed with the session.
    assert signed_in(with_only_remember_cookie(app, remember_cookie(this)))


def test_a_completed_reset_ends_every_session(app, client, factory):
    factory.user(email="siti@contoh.id")
    thief = app.test_client()
    login(thief, "siti@contoh.id", remember="y")
    stolen = remember_cookie(thief)

    token = request_reset(client, "siti@contoh.id")
    assert reset(client, token).status_code == 302

    assert not signed_in(thief)
    assert not signed_in(with_only_remember_cookie(app, stolen))
    assert login(client, "siti@contoh.id", NEW_PASSWORD).status_code == 302


CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.mark.parametrize(
    "app_overrides",
    [{"WTF_CSRF_ENABLED": True, "KP_MAIL_SENDER": "test_accounts:CaptureSender"}],
)
def test_signing_in_rotates_the_csrf_token(client, factory):
    """A token seen before signing in (on a shared device, by a script) is refused after."""
    factory.user(email="siti@contoh.id")
    before = CSRF.search(page(client.get("/masuk"))).group(1)
    response = client.post(
        "/masuk",
        data={"identifier": "siti@contoh.id", "password": PASSWORD, "csrf_token": before},
    )
    assert response.status_code == 302

    refused = client.post("/keluar", data={"csrf_token": before})
    assert refused.status_code == 400
    assert signed_in(client)

    after = CSRF.search(page(client.get("/akun"))).group(1)
    assert client.post("/keluar", data={"csrf_token": after}).status_code == 302
    assert not signed_in(client)


# -- e-mail and phone changes take the current password ---------------------------------------


def test_changing_the_email_needs_the_current_password(client, login_as, factory):
    user = login_as("warga", email="siti@contoh.id")
    typed = profile_data(factory, display_name="Siti Baru", email="siti.baru@contoh.id")

    missing = client.post("/akun", data=typed)
    assert missing.status_code == 200
    html = page(missing)
    assert "Isi kata sandi sekarang untuk mengganti e-mail atau nomor HP." in html
    assert 'value="siti.baru@contoh.id"' in html and 'value="Siti Baru"' in html

    wrong = client.post("/akun", data={**typed, "current_password": "Bukan-Sandi-Saya-9"})
    assert wrong.status_code == 200
    assert "Kata sandi sekarang salah." in page(wrong)
    assert 'value="siti.baru@contoh.id"' in page(wrong)
    assert "Bukan-Sandi-Saya-9" not in page(wrong)
    assert user_by(id=user.id).email == "siti@contoh.id"

    right = client.post("/akun", data={**typed, "current_password": PASSWORD})
    assert right.status_code == 302
    assert user_by(id=user.id).email == "siti.baru@contoh.id"


def test_a_borrowed_session_cannot_learn_which_contacts_are_taken(client, login_as, factory):
    """Without the password, a taken e-mail gets the same answer as a free one."""
    factory.user(email="budi@contoh.id")
    login_as("warga", email="siti@contoh.id")
    for email in ("budi@contoh.id", "bebas@contoh.id"):
        html = page(client.post("/akun", data=profile_data(factory, email=email)))
        assert "Isi kata sandi sekarang" in html
        assert "Sudah dipakai akun lain." not in html


def test_changing_the_phone_needs_the_current_password(client, login_as, factory):
    user = login_as("warga", email="siti@contoh.id")
    response = client.post("/akun", data=profile_data(factory, phone="0812-3456-7890"))
    assert "Isi kata sandi sekarang" in page(response)
    assert user_by(id=user.id).phone is None


def test_other_profile_changes_need_no_password(client, login_as, factory):
    user = login_as("warga", email="siti@contoh.id")
    response = client.post("/akun", data=profile_data(factory, display_name="Siti A.", locale="en"))
    assert response.status_code == 302
    assert user_by(id=user.id).display_name == "Siti A."


def test_guessing_the_current_password_on_the_profile_counts_as_failed_signins(
    client, login_as, factory
):
    """A stolen session cannot guess the password on the profile page faster than on the
    sign-in page: the same five-per-account allowance."""
    login_as("warga", email="siti@contoh.id")
    typed = profile_data(factory, email="baru@contoh.id", current_password="Tebakan-Salah-77")
    for _ in range(5):
        assert "Kata sandi sekarang salah." in page(client.post("/akun", data=typed))
    response = client.post("/akun", data={**typed, "current_password": PASSWORD})
    assert response.status_code == 429
    assert TOO_MANY in page(response)


# -- deactivation by an admin ---------------------------------------------------------------


def set_active(client, user, active: bool, slug="kauman"):
    return client.post(
        f"/k/{slug}/admin/warga/{user.id}/status-akun", data={"active": "1" if active else "0"}
    )


def test_kelurahan_admin_deactivates_a_resident_who_is_signed_out_everywhere(app, client, factory):
    resident = factory.user("warga", "kauman", email="siti@contoh.id", name="Siti")
    admin = factory.user("admin", "kauman")
    device = app.test_client()
    login(device, "siti@contoh.id", remember="y")
    kept = remember_cookie(device)

    act_as(client, admin)
    listing = page(client.get("/k/kauman/admin/warga"))
    assert f"/k/kauman/admin/warga/{resident.id}/status-akun" in listing
    response = set_active(client, resident, False)
    assert response.status_code == 302
    done = page(client.get(response.headers["Location"]))
    assert "Akun Siti dinonaktifkan dan dikeluarkan dari semua perangkat." in done
    assert '<span class="badge">Nonaktif</span>' in done and "Aktifkan kembali" in done

    assert not signed_in(device)
    assert not signed_in(with_only_remember_cookie(app, kept))
    refused = login(app.test_client(), "siti@contoh.id")
    assert DEACTIVATED in page(refused)
    entry = _db.session.execute(
        select(AuditEntry).where(AuditEntry.action == "account.deactivated")
    ).scalar_one()
    assert (entry.actor_id, entry.object_id) == (admin.id, str(resident.id))
    assert (entry.before, entry.after) == ({"active": True}, {"active": False})

    assert set_active(client, resident, True).status_code == 302
    assert user_by(id=resident.id).is_active_account
    assert login(app.test_client(), "siti@contoh.id").status_code == 302
    assert count(AuditEntry, AuditEntry.action == "account.reactivated") == 1


def test_kelurahan_admin_cannot_deactivate_staff_admins_or_the_city_admin(client, factory):
    admin = factory.user("admin", "kauman")
    staff = factory.user("petugas", "kauman", name="Pak Petugas")
    other_admin = factory.user("admin", "kauman")
    act_as(client, admin)
    for target in (staff, other_admin, admin):
        response = set_active(client, target, False)
        assert response.status_code == 302
        assert user_by(id=target.id).is_active_account
    html = page(client.get("/k/kauman/admin/warga"))
    assert "Akun petugas atau admin hanya dapat dinonaktifkan oleh admin kota." in html
    assert count(AuditEntry, AuditEntry.action == "account.deactivated") == 0


def test_another_kelurahans_user_answers_404(client, factory):
    admin = factory.user("admin", "kauman")
    elsewhere = factory.user("warga", "medono")
    # Home in Medono, but also a resident's role in Kauman: still Medono's to manage.
    visitor = factory.user("warga", "medono")
    from app.models import RoleAssignment

    _db.session.add(RoleAssignment(user_id=visitor.id, kelurahan_id=factory.kelurahan("kauman").id))
    _db.session.commit()
    act_as(client, admin)
    assert set_active(client, elsewhere, False).status_code == 404
    assert set_active(client, visitor, False).status_code == 404
    assert set_active(client, elsewhere, False, slug="medono").status_code == 403
    assert user_by(id=elsewhere.id).is_active_account
    assert user_by(id=visitor.id).is_active_account


def test_city_admin_can_deactivate_staff(client, factory):
    staff = factory.user("petugas", "kauman")
    city = factory.user(None, "kauman", city_admin=True)
    act_as(client, city)
    assert set_active(client, staff, False).status_code == 302
    assert not user_by(id=staff.id).is_active_account
    assert set_active(client, city, False).status_code == 404  # no role here: not listed


def test_staff_cannot_deactivate_anyone(client, factory):
    resident = factory.user("warga", "kauman")
    staff = factory.user("petugas", "kauman")
    act_as(client, staff)
    assert set_active(client, resident, False).status_code == 403
    assert user_by(id=resident.id).is_active_account


@pytest.mark.parametrize(
    "app_overrides",
    [{"WTF_CSRF_ENABLED": True, "KP_MAIL_SENDER": "test_accounts:CaptureSender"}],
)
def test_deactivation_needs_the_csrf_token(client, factory):
    resident = factory.user("warga", "kauman")
    act_as(client, factory.user("admin", "kauman"))
    assert set_active(client, resident, False).status_code == 400
    assert user_by(id=resident.id).is_active_account


# -- sign-in limits -----------------------------------------------------------------------------


def test_parallel_wrong_passwords_cannot_pass_the_account_limit(app, factory, monkeypatch):
    """Eight wrong passwords sent at once: five are checked, three are refused before any
    check. (Counted after the answer, all eight were checked.)"""
    factory.user(email="siti@contoh.id")
    parallel = 8
    state = {"checking": 0, "finished": 0}
    changed = threading.Condition()
    release = threading.Event()
    statuses: list[int] = []

    def slow_wrong_check(stored_hash, password):
        with changed:
            state["checking"] += 1
            changed.notify_all()
        release.wait()  # every request is in flight before any check answers
        return False

    def attempt(n):
        try:
            response = app.test_client().post(
                "/masuk",
                data={"identifier": "siti@contoh.id", "password": "Tebakan-Salah-77"},
                environ_base={"REMOTE_ADDR": f"10.7.0.{n}"},
            )
            statuses.append(response.status_code)
        finally:
            with changed:
                state["finished"] += 1
                changed.notify_all()

    monkeypatch.setattr(account_views, "verify_password", slow_wrong_check)
    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(parallel)]
    for thread in threads:
        thread.start()
    with changed:  # each request either reaches the check or is answered without one
        changed.wait_for(lambda: state["checking"] + state["finished"] >= parallel)
    release.set()
    for thread in threads:
        thread.join()

    assert state["checking"] == 5
    assert sorted(statuses) == [200] * 5 + [429] * 3


def test_argon2_runs_a_few_at_a_time_and_a_full_server_says_try_again(client, factory, monkeypatch):
    """With every Argon2 slot taken, sign-in answers 503 with "coba lagi" on the form, not
    500, and the attempt does not count against the account."""
    factory.user(email="siti@contoh.id")
    slots = passwords.threading.BoundedSemaphore(2)
    monkeypatch.setattr(passwords, "_slots", slots)
    monkeypatch.setattr(passwords, "BUSY_WAIT_SECONDS", 0)
    slots.acquire()
    slots.acquire()
    try:
        for _ in range(6):
            response = login(client, "siti@contoh.id")
            assert response.status_code == 503
            assert BUSY in page(response)
            assert 'value="siti@contoh.id"' in page(response)
        with pytest.raises(passwords.PasswordBusy):
            passwords.hash_password(NEW_PASSWORD)
    finally:
        slots.release()
        slots.release()
    assert login(client, "siti@contoh.id").status_code == 302


def test_a_missing_account_costs_one_argon2_check_like_a_wrong_password(
    client, factory, monkeypatch
):
    factory.user(email="siti@contoh.id")
    checks: list[str] = []
    real = passwords._argon2

    def counted(work, *args):
        checks.append(args[0])
        return real(work, *args)

    monkeypatch.setattr(passwords, "_argon2", counted)
    for identifier in ("siti@contoh.id", "tidak.ada@contoh.id", "0813-0000-1111", "0812345"):
        checks.clear()
        response = login(client, identifier, "Tebakan-Salah-77")
        assert WRONG_LOGIN in page(response)
        assert len(checks) == 1, identifier
        assert checks[0].startswith("$argon2id$")


def test_the_owner_gets_in_through_a_reset_link_during_a_lockout(client, factory):
    factory.user(email="siti@contoh.id")
    for _ in range(5):
        login(client, "siti@contoh.id", "Tebakan-Salah-77")
    assert login(client, "siti@contoh.id").status_code == 429

    token = request_reset(client, "siti@contoh.id")
    assert reset(client, token).status_code == 302
    assert login(client, "siti@contoh.id", NEW_PASSWORD).status_code == 302
    assert signed_in(client)


def test_signing_up_with_a_known_contact_looks_like_signing_up_with_a_new_one(
    client, factory, monkeypatch
):
    """Both answers: 302 to the same page, one Argon2 hash, one message to the contact, no
    error naming the account; neither creates an account (the new contact gets a link)."""
    factory.user(email="siti@contoh.id")
    hashes: list[str] = []
    real = passwords._argon2

    def counted(work, *args):
        hashes.append(work.__name__)
        return real(work, *args)

    monkeypatch.setattr(passwords, "_argon2", counted)
    answers = {}
    for identifier in ("baru@contoh.id", "siti@contoh.id"):
        hashes.clear()
        before = len(delivered(client.application))
        response = signup(client, factory, identifier=identifier, display_name="Siti Aminah")
        client.post("/keluar")
        answers[identifier] = (
            response.status_code,
            response.headers["Location"],
            hashes[:],
            len(delivered(client.application)) - before,
        )
    expected = (302, "/daftar/periksa", ["hash"], 1)
    assert answers["baru@contoh.id"] == answers["siti@contoh.id"] == expected
    assert count(User) == 1


def test_a_known_contact_gets_the_neutral_page(client, factory):
    factory.user(email="siti@contoh.id")
    response = signup(client, factory, identifier="siti@contoh.id", display_name="Siti")
    html = page(client.get(response.headers["Location"]))
    assert SIGNUP_SENT in html
    assert "terdaftar" not in html


# -- reset links --------------------------------------------------------------------------------


def test_the_reset_secret_is_delivered_but_never_kept(client, factory, caplog):
    factory.user(email="siti@contoh.id")
    with caplog.at_level(logging.DEBUG):
        token = request_reset(client, "siti@contoh.id")
    [(_channel, _recipient, _subject, body)] = delivered(client.application)
    assert f"/atur-ulang-sandi/{token}" in body
    [kept] = _db.session.execute(select(OutboxMessage)).scalars()
    assert token not in kept.body and "/atur-ulang-sandi/" in kept.body
    assert kept.secret_masked
    assert caplog.records
    assert all(token not in record.getMessage() for record in caplog.records)


# -- the development secret ---------------------------------------------------------------------


def _environment(tmp_path, **extra) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SECRET_KEY", "KP_ENV", "FLASK_RUN_FROM_CLI", "REDIS_URL", "DATABASE_URL"}
    }
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'wsgi.db'}",
        KP_MEDIA_ROOT=str(tmp_path / "media"),
        KP_STAMP_DIR=str(tmp_path / "stamps"),
        KP_ASSETS="local",
        **extra,
    )
    return env


@pytest.mark.parametrize(
    "env", [{}, {"KP_ENV": "development"}, {"SECRET_KEY": "dev-only-not-secret"}]
)
def test_wsgi_refuses_the_development_secret_whatever_kp_env_says(tmp_path, env):
    result = subprocess.run(
        [sys.executable, "-c", "import wsgi"],
        cwd=ROOT,
        env=_environment(tmp_path, **env),
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "SECRET_KEY" in lines[0]


def test_gunicorn_stops_instead_of_serving_with_the_development_secret(tmp_path):
    gunicorn = Path(sys.executable).with_name("gunicorn")
    if not gunicorn.exists():
        pytest.skip("gunicorn is not installed")
    result = subprocess.run(
        [str(gunicorn), "--check-config", "wsgi:app"],
        cwd=ROOT,
        env=_environment(tmp_path, KP_ENV="development"),
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_wsgi_serves_with_a_real_secret_and_flask_run_keeps_the_development_one(tmp_path):
    real = subprocess.run(
        [sys.executable, "-c", "import wsgi"],
        cwd=ROOT,
        env=_environment(tmp_path, SECRET_KEY="a-long-random-secret-from-the-environment"),
        capture_output=True,
        text=True,
    )
    assert real.returncode == 0, real.stderr
    flask = subprocess.run(  # what `make run` does, with FLASK_APP=wsgi
        [sys.executable, "-m", "flask", "--app", "wsgi", "kp", "--help"],
        cwd=ROOT,
        env=_environment(tmp_path, KP_ENV="development"),
        capture_output=True,
        text=True,
    )
    assert flask.returncode == 0, flask.stderr
