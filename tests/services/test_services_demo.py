"""Demo data of letter services (`flask kp seed --demo`): six letter types in Kauman whose
templates render, months of finished requests that give the public service times figures,
the demo resident's request waiting for her fix and her SKCK letter that verifies; nothing
doubled when the seed runs again."""

from __future__ import annotations

from conftest import act_as, count, enable_plugin, kelurahan
from services_helpers import text
from sqlalchemy import select

from app import tenancy
from app.extensions import db as _db
from app.models import User
from plugins.services import PLUGIN_ID
from plugins.services.hooks import kp_demo_data
from plugins.services.models import LeaveDay, LetterType, Request, RequestDocument, Step

BASE = "/k/kauman/layanan"


def seed_services_demo(app) -> None:
    """What `flask kp seed --demo` does for this plugin: its `kp_demo_data` hook in Kauman,
    in Kauman's scope."""
    enable_plugin(app, PLUGIN_ID, "kauman")
    place = kelurahan("kauman")
    with tenancy.scoped_to(place.id):
        kp_demo_data(place)
        _db.session.commit()


def test_demo_letters_requests_and_figures_add_up_and_seeding_twice_adds_nothing(app, client):
    seed_services_demo(app)
    types = {t.slug: t for t in _db.session.execute(select(LetterType)).scalars()}
    assert set(types) == {
        "domisili",
        "sktm",
        "pengantar-skck",
        "usaha",
        "kehilangan",
        "belum-menikah",
    }
    # Every approved demo letter was rendered from its type's template with a number.
    numbered = list(
        _db.session.execute(select(Request).where(Request.number.is_not(None))).scalars()
    )
    assert len(numbered) > 60
    assert all(r.letter_body and r.full_name in r.letter_body for r in numbered)
    assert len({(r.letter_type_id, r.number_year, r.number_seq) for r in numbered}) == len(numbered)
    assert count(LeaveDay) == 8

    # The public service times have figures for the common letters.
    times = text(client.get(f"{BASE}/waktu-layanan"))
    assert "Surat keterangan domisili" in times and "Belum ada surat selesai" not in times

    # The demo resident: a request to fix, and a letter to download whose QR page verifies.
    siti = _db.session.execute(
        select(User).where(User.email == "warga@demo.kelurahan-pintar.id")
    ).scalar_one()
    mine = {
        r.status: r
        for r in _db.session.execute(select(Request).where(Request.requester_id == siti.id))
        .scalars()
        .all()
        if r.status in ("perlu_perbaikan", "dikirim")
    }
    assert set(mine) == {"perlu_perbaikan", "dikirim"}
    act_as(client, siti)
    fix = text(client.get(f"{BASE}/permohonan/{mine['perlu_perbaikan'].id}"))
    assert "Foto surat pengantar RT buram" in fix and "Perbaiki dan kirim lagi" in fix
    letter = client.get(f"{BASE}/permohonan/{mine['dikirim'].id}/surat.pdf")
    assert letter.status_code == 200 and letter.data.startswith(b"%PDF")
    verified = text(app.test_client().get(f"{BASE}/verifikasi/{mine['dikirim'].verify_token}"))
    assert "ASLI" in verified and mine["dikirim"].number in verified

    before = {m.__name__: count(m) for m in (LetterType, Request, RequestDocument, Step)}
    seed_services_demo(app)
    assert {m.__name__: count(m) for m in (LetterType, Request, RequestDocument, Step)} == before
