"""The issue's "done when" over HTTP: a verified resident requests a domisili letter with
photos of the documents, staff send it back for a fix, the resident fixes it, staff check
it, the lurah approves it (a number), the PDF is sent, and its QR code's page says "asli";
the tracking page and the public service times show it."""

from __future__ import annotations

import pytest
from conftest import PRODUCTION_SERVICES, act_as, count, enable_plugin, notes_for
from services_helpers import BASE, NIK_WOMAN, make_type, request_data, text, upload
from sqlalchemy import select

from app.extensions import db as _db
from app.models import AuditEntry
from plugins.services.models import Request, RequestDocument, Step


@pytest.fixture(autouse=True)
def services_on(app):
    enable_plugin(app, "services", "kauman")
    enable_plugin(app, "services", "medono")


def post(client, url, data):
    return client.post(url, data=data, content_type="multipart/form-data")


def test_a_domisili_letter_from_request_to_verification(app, client, factory):
    letter_type = make_type()
    resident = factory.user("warga", "kauman", verified=True, name="Siti Aminah")
    staff = factory.user("petugas", "kauman", verified=True)
    lurah = factory.user("admin", "kauman", verified=True)

    act_as(client, resident)
    assert "Surat keterangan domisili" in text(client.get(f"{BASE}/"))
    response = post(client, f"{BASE}/ajukan/domisili", request_data(letter_type))
    assert response.status_code == 303, text(response)
    req = _db.session.execute(select(Request)).scalar_one()
    assert req.status == "diajukan"
    assert req.nik_token and NIK_WOMAN not in req.nik_token
    assert count(RequestDocument) == 2
    page = text(client.get(response.headers["Location"]))
    assert req.code in page and "3375" in page and NIK_WOMAN not in page  # masked
    assert any("Permohonan surat baru" in n for n in notes_for(staff))

    act_as(client, staff)
    response = client.post(
        f"{BASE}/permohonan/{req.id}/langkah",
        data={"target": "perlu_perbaikan", "note": "Foto pengantar RT buram."},
    )
    assert response.status_code == 303, text(response)
    assert any("perlu perbaikan" in n for n in notes_for(resident))

    act_as(client, resident)
    fix = client.get(f"{BASE}/permohonan/{req.id}/perbaiki")
    assert "Foto pengantar RT buram." in text(fix)
    assert NIK_WOMAN not in text(fix) and "3375••••••••••12" in text(fix)  # kept, masked
    doc_id = letter_type.documents[0].id
    data = request_data(letter_type, with_documents=False, nik="")  # the stored NIK stays
    data[f"doc_{doc_id}"] = upload("pengantar-baru.jpg")
    response = post(client, f"{BASE}/permohonan/{req.id}/perbaiki", data)
    assert response.status_code == 303, text(response)
    _db.session.refresh(req)
    assert req.status == "diajukan" and count(RequestDocument) == 2
    assert req.nik_token and req.nik_hash  # kept

    act_as(client, staff)
    assert (
        client.post(f"{BASE}/permohonan/{req.id}/langkah", data={"target": "diperiksa"}).status_code
        == 303
    )
    # Only the approver gives the number.
    refused = client.post(f"{BASE}/permohonan/{req.id}/langkah", data={"target": "disetujui"})
    assert refused.status_code == 422

    act_as(client, lurah)
    assert (
        client.post(f"{BASE}/permohonan/{req.id}/langkah", data={"target": "disetujui"}).status_code
        == 303
    )
    _db.session.refresh(req)
    assert req.number.startswith("470/001/KEL-KAUMAN/")
    assert req.masked_name == "S*** A*****"

    act_as(client, staff)
    assert (
        client.post(f"{BASE}/permohonan/{req.id}/langkah", data={"target": "dikirim"}).status_code
        == 303
    )

    act_as(client, resident)
    pdf = client.get(f"{BASE}/permohonan/{req.id}/surat.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert "no-store" in pdf.headers["Cache-Control"]

    visitor = app.test_client()
    verify = visitor.get(f"{BASE}/verifikasi/{req.verify_token}")
    assert verify.status_code == 200
    page = text(verify)
    assert "ASLI" in page and req.number in page and "S*** A*****" in page
    assert "Siti Aminah" not in page and NIK_WOMAN not in page and "Hayam Wuruk" not in page

    tracked = text(visitor.get(f"{BASE}/lacak?kode={req.code}"))
    assert "Dikirim" in tracked and "Siti" not in tracked

    steps = [s.status for s in _db.session.execute(select(Step).order_by(Step.id)).scalars()]
    assert steps == ["diajukan", "perlu_perbaikan", "diajukan", "diperiksa", "disetujui", "dikirim"]
    actions = {a for a in _db.session.execute(select(AuditEntry.action)).scalars()}
    assert {"services.requested", "services.moved", "services.resubmitted"} <= actions


def test_staff_find_a_residents_requests_by_nik_through_the_keyed_hash(client, factory):
    letter_type = make_type()
    resident = factory.user("warga", "kauman", verified=True)
    act_as(client, resident)
    post(client, f"{BASE}/ajukan/domisili", request_data(letter_type))
    req = _db.session.execute(select(Request)).scalar_one()

    act_as(client, factory.user("petugas", "kauman", verified=True))
    found = text(client.get(f"{BASE}/antrean", query_string={"nik": "3375 0241 0790 0012"}))
    assert req.code in found
    other = text(client.get(f"{BASE}/antrean", query_string={"nik": "3375011402850007"}))
    assert req.code not in other
    wrong = client.get(f"{BASE}/antrean", query_string={"nik": "12345"})
    assert "NIK harus 16 angka." in text(wrong) and req.code not in text(wrong)


def test_the_city_admin_keeps_the_collective_leave_days_that_service_times_skip(client, factory):
    from plugins.services.models import LeaveDay

    act_as(client, factory.user("warga", "kauman", verified=True))
    assert client.get("/layanan/cuti-bersama").status_code == 403
    assert "/layanan/cuti-bersama" not in text(client.get("/"))

    act_as(client, factory.user(None, "kauman", city_admin=True))
    assert "/layanan/cuti-bersama" in text(client.get("/"))  # in the city menu
    refused = client.post("/layanan/cuti-bersama", data={"day": "31-12-2026", "name": "Cuti"})
    assert refused.status_code == 422 and "TTTT-BB-HH" in text(refused)
    assert count(LeaveDay) == 0
    saved = client.post("/layanan/cuti-bersama", data={"day": "2026-12-24", "name": "Cuti Natal"})
    assert saved.status_code == 303
    assert "Cuti Natal" in text(client.get("/layanan/cuti-bersama"))
    again = client.post("/layanan/cuti-bersama", data={"day": "2026-12-24", "name": "Lagi"})
    assert again.status_code == 422 and count(LeaveDay) == 1
    assert client.post("/layanan/cuti-bersama/2026-12-24/hapus").status_code == 303
    assert count(LeaveDay) == 0


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_production_refuses_to_start_without_the_nik_keys(monkeypatch, tmp_path, backend):
    from app import create_app
    from app.config import ConfigError

    monkeypatch.setenv("KP_ENV", "production")
    monkeypatch.setenv("KP_PUBLIC_URL", "https://kelurahanpintar.pekalongankota.go.id")
    monkeypatch.setenv("SECRET_KEY", "a-real-secret-from-the-environment")
    monkeypatch.setenv("KP_MAIL_SENDER", "app.mail:OutboxSender")
    monkeypatch.delenv("KP_SERVICES_KEYS", raising=False)
    with pytest.raises(ConfigError, match="KP_SERVICES_KEYS must be set"):
        create_app(PRODUCTION_SERVICES)


def test_only_the_rt_head_is_shown_their_approval_queue(client, factory):
    from plugins.services.models import RtHead

    make_type()
    head = factory.user("warga", "kauman", verified=True)
    neighbour = factory.user("warga", "kauman", verified=True)
    _db.session.add(RtHead(kelurahan_id=head.roles[0].kelurahan_id, user_id=head.id, rw="002"))
    _db.session.commit()
    # Menus are cached per role: the link lives on the plugin's page, per person.
    act_as(client, head)
    assert f"{BASE}/rt" in text(client.get(f"{BASE}/"))
    assert f"{BASE}/rt" not in text(client.get("/k/kauman/"))
    act_as(client, neighbour)
    assert f"{BASE}/rt" not in text(client.get(f"{BASE}/"))
    assert f"{BASE}/rt" not in text(client.get("/k/kauman/"))
