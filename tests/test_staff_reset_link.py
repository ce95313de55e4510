"""Residents who cannot receive a reset link (a phone-only account while no SMS gateway is
set up) are told to ask their kelurahan office, and staff there hand them a one-time link:
shown once, working once, audited without the token, and only for their own residents."""

from __future__ import annotations

import re

import pytest
from conftest import kelurahan, make_user
from sqlalchemy import func, select

from app.extensions import db as _db
from app.models import AuditEntry, OutboxMessage, PasswordReset, RoleAssignment

PUBLIC = "https://kelurahanpintar.example.id"
PHONE = "+6281234567890"
NEW_PASSWORD = "Batik-Jlamprang-2026"
ASK_OFFICE = "mintalah tautan atur ulang kata sandi di kantor kelurahan Anda"
RESET_SENT = "Jika akun itu terdaftar, tautan untuk mengatur ulang kata sandi sudah dikirim."
LINK = re.compile(r"https://kelurahanpintar\.example\.id/atur-ulang-sandi/([A-Za-z0-9_\-]+)")


@pytest.fixture
def app_overrides():
    # The default sender of a city without gateway: SMS cannot be delivered.
    return {"KP_MAIL_SENDER": "app.mail:OutboxSender", "KP_PUBLIC_URL": PUBLIC}


def text(response) -> str:
    return response.get_data(as_text=True)


def count(model) -> int:
    _db.session.expire_all()
    return _db.session.execute(select(func.count()).select_from(model)).scalar_one()


def issue(client, user, slug="kauman"):
    return client.post(f"/k/{slug}/admin/warga/{user.id}/tautan-sandi")


def reset(client, token):
    return client.post(
        f"/atur-ulang-sandi/{token}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )


# -- "Lupa kata sandi" while no SMS can be sent ---------------------------------------------------


@pytest.mark.parametrize("exists", [True, False])
def test_a_phone_number_without_gateway_is_sent_to_the_office(client, exists):
    if exists:
        make_user("warga", "kauman", phone=PHONE)
    form = client.get("/lupa-sandi")
    assert "belum dapat mengirim SMS" in text(form)

    response = client.post("/lupa-sandi", data={"identifier": "0812-3456-7890"})

    assert response.status_code == 302
    page = text(client.get(response.headers["Location"]))
    # The same answer whether or not the account exists, and no pretence of an SMS.
    assert ASK_OFFICE in page and RESET_SENT not in page
    assert count(OutboxMessage) == 0 and count(PasswordReset) == 0


def test_an_email_address_still_gets_its_link(client):
    make_user("warga", "kauman", email="siti@contoh.id", phone=PHONE)
    response = client.post("/lupa-sandi", data={"identifier": "siti@contoh.id"})
    page = text(client.get(response.headers["Location"]))
    assert RESET_SENT in page and ASK_OFFICE not in page
    [message] = _db.session.execute(select(OutboxMessage)).scalars()
    assert (message.channel, message.recipient) == ("email", "siti@contoh.id")


def test_a_phone_number_of_an_account_with_email_sends_to_the_email(client):
    make_user("warga", "kauman", email="siti@contoh.id", phone=PHONE)
    response = client.post("/lupa-sandi", data={"identifier": "0812-3456-7890"})
    assert ASK_OFFICE in text(client.get(response.headers["Location"]))
    [message] = _db.session.execute(select(OutboxMessage)).scalars()
    assert message.channel == "email"


# -- the link handed out at the office --------------------------------------------------------


def test_staff_issue_a_link_shown_once_that_works_once(client, login_as):
    resident = make_user("warga", "kauman", phone=PHONE, name="Bu Sumi")
    staff = login_as("petugas", "kauman")
    listing = client.get("/k/kauman/admin/warga")
    assert f"/k/kauman/admin/warga/{resident.id}/tautan-sandi" in text(listing)

    response = issue(client, resident)

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    [token] = LINK.findall(text(response))  # built from KP_PUBLIC_URL, not the request host
    assert "Bu Sumi" in text(response)
    # Shown once: the residents page afterwards does not carry it.
    assert token not in text(client.get("/k/kauman/admin/warga"))
    # Audited, with who and for whom, never the token.
    [entry] = _db.session.execute(
        select(AuditEntry).where(AuditEntry.action == "account.reset_link_issued")
    ).scalars()
    assert (entry.actor_id, entry.object_id) == (staff.id, str(resident.id))
    assert token not in repr((entry.before, entry.after, entry.object_id))
    assert count(OutboxMessage) == 0  # handed over in person: no message kept

    # The resident, on their own phone: the link sets a password they can sign in with.
    phone = client.application.test_client()
    assert reset(phone, token).status_code == 302
    signed_in = phone.post(
        "/masuk", data={"identifier": "0812-3456-7890", "password": NEW_PASSWORD}
    )
    assert signed_in.status_code == 302 and phone.get("/akun").status_code == 200
    assert reset(phone, token).status_code == 404  # works once


def test_a_newer_link_voids_the_older_one(client, login_as):
    resident = make_user("warga", "kauman", phone=PHONE)
    login_as("admin", "kauman")
    [first] = LINK.findall(text(issue(client, resident)))
    [second] = LINK.findall(text(issue(client, resident)))
    assert client.get(f"/atur-ulang-sandi/{first}").status_code == 404
    assert client.get(f"/atur-ulang-sandi/{second}").status_code == 200


def test_another_kelurahans_resident_is_not_found(client, login_as):
    elsewhere = make_user("warga", "klego", phone=PHONE)
    login_as("admin", "kauman")
    assert issue(client, elsewhere).status_code == 404
    # Nor through the other kelurahan's URL, where this admin has no role.
    assert issue(client, elsewhere, "klego").status_code in (403, 404)
    assert count(PasswordReset) == 0


def test_a_resident_living_elsewhere_is_not_found_either(client, login_as):
    """A role here (say a member of a group) does not make this office theirs to reset."""
    visitor = make_user("warga", "klego", phone=PHONE)
    _db.session.add(RoleAssignment(user_id=visitor.id, kelurahan=kelurahan("kauman"), role="warga"))
    _db.session.commit()
    login_as("petugas", "kauman")
    assert issue(client, visitor).status_code == 404
    assert count(PasswordReset) == 0


def test_the_city_admin_may_issue_for_anyone(client, login_as):
    officer = make_user("petugas", "kauman", phone=PHONE)
    login_as("admin_kota")
    assert LINK.findall(text(issue(client, officer)))


def test_residents_cannot_and_staff_accounts_are_the_city_admins(client, login_as):
    officer = make_user("petugas", "kauman", phone=PHONE)
    resident = make_user("warga", "kauman", phone="+6281300001111")
    login_as("warga", "kauman")
    assert issue(client, resident).status_code == 403

    login_as("admin", "kauman")
    response = issue(client, officer)
    assert response.status_code == 302
    assert "hanya dapat dibuat oleh admin kota" in text(client.get(response.headers["Location"]))
    assert count(PasswordReset) == 0
