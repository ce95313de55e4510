"""`flask kp services purge`: finished requests past the retention period lose their
documents and personal data; the letter stays verifiable and the public service times do
not move. Recent or still open requests are left alone, and a dry run changes nothing."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from conftest import act_as, count, enable_plugin
from services_helpers import BASE, kelurahan_row, make_type, request_data, text
from sqlalchemy import select, update

from app.extensions import db as _db
from app.imaging import media_path
from app.models import AuditEntry, Media, PluginState, utcnow
from plugins.services.models import Request, RequestDocument, Step

RETENTION = 30


@pytest.fixture(autouse=True)
def services_on(app):
    enable_plugin(app, "services", "kauman")
    state = _db.session.execute(
        select(PluginState).where(
            PluginState.kelurahan_id == kelurahan_row("kauman").id,
            PluginState.plugin_id == "services",
        )
    ).scalar_one()
    state.settings = {**(state.settings or {}), "retention_days": RETENTION}
    _db.session.commit()


def post(client, url, data):
    return client.post(url, data=data, content_type="multipart/form-data")


def send(client, letter_type, name) -> Request:
    response = post(client, f"{BASE}/ajukan/domisili", request_data(letter_type, full_name=name))
    assert response.status_code == 303, text(response)[:500]
    return _db.session.execute(select(Request).where(Request.full_name == name)).scalar_one()


def finish(client, staff, lurah, req) -> None:
    for who, target in (
        (staff, "diperiksa"),
        (lurah, "disetujui"),
        (staff, "dikirim"),
        (staff, "selesai"),
    ):
        act_as(client, who)
        answer = client.post(f"{BASE}/permohonan/{req.id}/langkah", data={"target": target})
        assert answer.status_code == 303, (target, text(answer)[:300])


def backdate(req, **days_ago) -> None:
    now = utcnow()
    _db.session.execute(
        update(Request)
        .where(Request.id == req.id)
        .values(**{k: now - timedelta(days=d) for k, d in days_ago.items()})
    )
    _db.session.commit()


def times_table(app) -> str:
    page = text(app.test_client().get(f"{BASE}/waktu-layanan"))
    bodies = re.findall(r"<tbody>(.*?)</tbody>", page, re.S)
    return "".join(bodies)


def purge(app, *args):
    result = app.test_cli_runner().invoke(args=["kp", "services", "purge", *args])
    assert result.exit_code == 0, result.output
    _db.session.expire_all()
    return result.output


@pytest.fixture
def scene(app, client, factory):
    letter_type = make_type()
    resident = factory.user("warga", "kauman", verified=True)
    staff = factory.user("petugas", "kauman", verified=True)
    lurah = factory.user("admin", "kauman", verified=True)
    act_as(client, resident)
    old = send(client, letter_type, "Siti Aminah")
    recent = send(client, letter_type, "Dewi Lestari")
    act_as(client, resident)
    still_open = send(client, letter_type, "Rina Wati")
    finish(client, staff, lurah, old)
    finish(client, staff, lurah, recent)
    # Finished 45 days ago (the retention is 30), and one 5 days ago; one open for 400 days.
    backdate(old, complete_at=60, ready_at=50, closed_at=45)
    backdate(recent, complete_at=12, ready_at=8, closed_at=5)
    backdate(still_open, created_at=400, complete_at=400)
    old_step = _db.session.execute(select(Step).where(Step.request_id == old.id)).scalars().first()
    old_step.note = "Foto KTP Siti Aminah buram"
    _db.session.commit()
    return old, recent, still_open


def snapshot(req) -> dict:
    _db.session.expire_all()
    row = _db.session.get(Request, req.id)
    docs = list(
        _db.session.execute(
            select(RequestDocument).where(RequestDocument.request_id == req.id)
        ).scalars()
    )
    return {
        "full_name": row.full_name,
        "nik_token": row.nik_token,
        "nik_hash": row.nik_hash,
        "address": row.address,
        "birth_date": row.birth_date,
        "purpose": row.purpose,
        "values": row.values,
        "letter_body": row.letter_body,
        "status": row.status,
        "number": row.number,
        "verify_token": row.verify_token,
        "masked_name": row.masked_name,
        "approved_at": row.approved_at,
        "complete_at": row.complete_at,
        "ready_at": row.ready_at,
        "closed_at": row.closed_at,
        "purged_at": row.purged_at,
        "documents": sorted(d.media.relpath for d in docs),
    }


def file_exists(app, relpath: str) -> bool:
    try:
        return media_path(app.config["KP_MEDIA_ROOT"], relpath).exists()
    except FileNotFoundError:  # media_path refuses a path whose file is gone
        return False


def test_an_expired_request_loses_its_documents_and_personal_data(app, scene):
    old, recent, still_open = scene
    before = {r.id: snapshot(r) for r in scene}
    old_files = before[old.id]["documents"]
    assert len(old_files) == 2 and all(file_exists(app, p) for p in old_files)
    assert before[old.id]["number"] and before[old.id]["letter_body"]
    figures = times_table(app)
    assert figures.count("<tr>") >= 1

    output = purge(app)
    assert "kauman: 1 purged" in output and "1 request(s) purged." in output

    after = snapshot(old)
    for gone in ("full_name", "nik_token", "nik_hash", "address", "birth_date", "purpose"):
        assert after[gone] is None, gone
    assert after["values"] is None and after["letter_body"] is None
    assert after["documents"] == []
    assert not any(file_exists(app, p) for p in old_files)
    assert count(Media, Media.relpath.in_(old_files)) == 0
    for kept in ("status", "number", "verify_token", "masked_name", "approved_at"):
        assert after[kept] == before[old.id][kept], kept
    for kept in ("complete_at", "ready_at", "closed_at"):
        assert after[kept] == before[old.id][kept], kept
    assert after["purged_at"] is not None
    notes = list(_db.session.execute(select(Step.note).where(Step.request_id == old.id)).scalars())
    assert not any("Siti" in n for n in notes)
    assert count(AuditEntry, AuditEntry.action == "services.purged") == 1

    # The letter's QR code still answers ASLI, with its number and masked name.
    page = app.test_client().get(f"{BASE}/verifikasi/{after['verify_token']}")
    assert page.status_code == 200
    assert "ASLI" in text(page) and after["number"] in text(page)
    assert after["masked_name"] in text(page)

    # The recent finished request and the old open one are untouched.
    assert snapshot(recent) == before[recent.id]
    assert snapshot(still_open) == before[still_open.id]
    assert all(file_exists(app, p) for p in before[recent.id]["documents"])
    assert all(file_exists(app, p) for p in before[still_open.id]["documents"])

    # The public service times are the same figures as before.
    assert times_table(app) == figures

    # Run again: nothing left to do.
    assert "0 request(s) purged." in purge(app)


def test_a_dry_run_only_counts(app, scene):
    before = {r.id: snapshot(r) for r in scene}
    output = purge(app, "--dry-run")
    assert "kauman: 1 due" in output and "1 request(s) due for purge." in output
    for req in scene:
        assert snapshot(req) == before[req.id]
        assert all(file_exists(app, p) for p in before[req.id]["documents"])
    assert count(AuditEntry, AuditEntry.action == "services.purged") == 0


def test_the_purged_request_page_still_opens_for_its_requester(app, client, scene):
    old, recent, still_open = scene
    purge(app)
    req = _db.session.get(Request, old.id)
    act_as(client, req.requester)
    page = client.get(f"{BASE}/permohonan/{old.id}")
    assert page.status_code == 200
    assert old.code in text(page) or req.code in text(page)
    assert "Siti Aminah" not in text(page)
    # Its letter can no longer be downloaded: the body is gone.
    assert client.get(f"{BASE}/permohonan/{old.id}/surat.pdf").status_code == 404
