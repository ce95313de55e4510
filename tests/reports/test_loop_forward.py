"""Forwarding a report to a city agency (OPD) from the city admin's list: the agency gets an
e-mail through the core outbox with the report's absolute link (KP_PUBLIC_URL), and the
public page says "Diteruskan ke ..."; the note to the agency stays with staff."""

from __future__ import annotations

import pytest
from conftest import act_as, count, enable_plugin, make_user
from reports_helpers import make_report, set_city_settings
from sqlalchemy import select

from app.extensions import db as _db
from app.models import AuditEntry, CitySetting, OutboxMessage
from plugins.reports.agencies import parse_agencies
from plugins.reports.models import ReportForward

BASE = "/k/kauman/laporan"
PUBLIC = "https://kelurahan.pekalongankota.go.id"
HOSTILE = 'Dinas "PU" & <Tata Ruang>'
AGENCIES = (
    "Dinas Pekerjaan Umum <dpu@pekalongankota.go.id>\n"
    'Dinas Lingkungan Hidup & "Kebersihan" <dlh@pekalongankota.go.id>\n'
)


@pytest.fixture
def app_overrides():
    return {"KP_PUBLIC_URL": PUBLIC}


@pytest.fixture(autouse=True)
def reports_on(app):
    enable_plugin(app, "reports", "kauman")


def text(response) -> str:
    return response.get_data(as_text=True)


def forward(
    client, report, agency="Dinas Pekerjaan Umum", note="Mohon ditambal sebelum musim hujan."
):
    return client.post(f"{BASE}/{report.id}/teruskan", data={"agency": agency, "note": note})


def test_staff_forward_by_email_and_the_public_sees_where(client, factory, login_as):
    set_city_settings(agencies=AGENCIES)
    report = make_report(factory, title="Jalan amblas di Jl. Sultan Agung")
    login_as("petugas")
    response = forward(client, report)
    assert response.status_code == 303

    row = _db.session.execute(select(ReportForward)).scalar_one()
    assert (row.agency, row.email) == ("Dinas Pekerjaan Umum", "dpu@pekalongankota.go.id")
    mail = _db.session.execute(
        select(OutboxMessage).where(OutboxMessage.recipient == "dpu@pekalongankota.go.id")
    ).scalar_one()
    assert mail.channel == "email"
    assert f"#{report.id}" in mail.subject and "Jalan amblas" in mail.subject
    assert f"{PUBLIC}/k/kauman/laporan/{report.id}" in mail.body
    assert "Mohon ditambal sebelum musim hujan." in mail.body
    assert count(AuditEntry, AuditEntry.action == "report.forwarded") == 1

    # Forwarded again to the same agency: one e-mail, one row.
    forward(client, report)
    assert count(OutboxMessage, OutboxMessage.recipient == "dpu@pekalongankota.go.id") == 1
    assert count(ReportForward) == 1

    with client.session_transaction() as session:
        session.clear()
    page = text(client.get(f"{BASE}/{report.id}"))
    assert "Diteruskan ke Dinas Pekerjaan Umum" in page
    assert "Mohon ditambal" not in page and "dpu@pekalongankota.go.id" not in page


def test_agency_names_are_escaped(client, factory, login_as):
    set_city_settings(agencies=AGENCIES)
    report = make_report(factory)
    login_as("petugas")
    name = 'Dinas Lingkungan Hidup & "Kebersihan"'
    assert forward(client, report, agency=name).status_code == 303
    act_as(client, make_user("warga", "kauman"))
    page = text(client.get(f"{BASE}/{report.id}"))
    assert "Diteruskan ke Dinas Lingkungan Hidup &amp; &#34;Kebersihan&#34;" in page


@pytest.mark.parametrize(
    "agency, note, message",
    [
        ("Dinas Rahasia", "Catatan.", "Pilih salah satu pilihan yang tersedia."),
        ("", "Catatan.", "Wajib diisi."),
        ("Dinas Pekerjaan Umum", "  ", "Wajib diisi."),
    ],
)
def test_bad_forward_is_refused_and_nothing_sent(client, factory, login_as, agency, note, message):
    set_city_settings(agencies=AGENCIES)
    report = make_report(factory)
    login_as("petugas")
    response = forward(client, report, agency=agency, note=note)
    assert response.status_code == 422
    assert message.lower() in text(response).lower()
    assert count(ReportForward) == 0 and count(OutboxMessage) == 0


def test_residents_may_not_forward_and_other_kelurahan_answers_404(app, client, factory, login_as):
    set_city_settings(agencies=AGENCIES)
    enable_plugin(app, "reports", "medono")
    report = make_report(factory)
    login_as("warga")
    assert forward(client, report).status_code == 403
    login_as("petugas", "medono")
    response = client.post(
        f"/k/medono/laporan/{report.id}/teruskan",
        data={"agency": "Dinas Pekerjaan Umum", "note": "x"},
    )
    assert response.status_code == 404
    assert count(ReportForward) == 0 and count(OutboxMessage) == 0


def test_without_a_list_staff_are_told_to_ask_the_city(client, factory, login_as):
    report = make_report(factory)
    login_as("petugas")
    page = text(client.get(f"{BASE}/{report.id}"))
    assert "Admin kota belum mengisi daftar OPD" in page


@pytest.mark.parametrize(
    "typed",
    [
        "Dinas Pekerjaan Umum dpu@pekalongankota.go.id",
        "Dinas PU <bukan-email>",
        "<dpu@pekalongankota.go.id>",
        "Dinas PU <a@b.id>, Dinas LH <c@d.id>",
        HOSTILE + " <x@y.id>",
    ],
)
def test_the_city_admin_gets_a_clear_message_for_a_bad_line(client, login_as, typed):
    login_as("admin_kota")
    response = client.post(
        "/kota/pengaturan",
        data={
            "reports.geocoder_url": "https://nominatim.openstreetmap.org/search",
            "reports.agencies": "Dinas Kesehatan <dinkes@pekalongankota.go.id>\n" + typed,
        },
    )
    assert response.status_code == 422
    body = text(response)
    assert "Baris 2 tidak dapat dibaca." in body
    assert "dinkes@pekalongankota.go.id" in body  # what was typed is kept
    assert _db.session.get(CitySetting, "reports.agencies") is None


def test_the_city_admin_saves_the_list(client, login_as):
    login_as("admin_kota")
    response = client.post(
        "/kota/pengaturan",
        data={
            "reports.geocoder_url": "https://nominatim.openstreetmap.org/search",
            "reports.agencies": AGENCIES,
        },
    )
    assert response.status_code == 302
    assert [
        a.name for a in parse_agencies(_db.session.get(CitySetting, "reports.agencies").value)
    ] == [
        "Dinas Pekerjaan Umum",
        'Dinas Lingkungan Hidup & "Kebersihan"',
    ]


def test_the_same_agency_twice_is_refused():
    from app.kit import SettingError

    with pytest.raises(SettingError, match="Baris 2: nama OPD ini sudah ada"):
        parse_agencies("Dinas PU <a@b.id>\ndinas pu <c@d.id>")


def test_the_agency_is_written_to_in_indonesian(client, factory, login_as):
    set_city_settings(agencies=AGENCIES)
    report = make_report(factory)
    login_as("petugas")
    client.set_cookie("kp_lang", "en")  # the staff member reads the site in English
    assert forward(client, report).status_code == 303
    mail = _db.session.execute(select(OutboxMessage)).scalar_one()
    assert mail.subject.startswith("Laporan warga #")
    assert "meneruskan laporan warga berikut" in mail.body
