"""Staff of a kelurahan work the reports: the work queue, every status transition and who
may make it, public notes, notifications to the reporter and followers, the audit log,
reopening, duplicates, and a work queue whose query count does not grow with the data."""

from __future__ import annotations

import itertools
from contextlib import contextmanager
from datetime import timedelta

import pytest
from conftest import act_as, count, enable_plugin, kelurahan, make_user, notes_for
from sqlalchemy import event, select

from app.extensions import db as _db
from app.models import AuditEntry, Notification, OutboxMessage, User, utcnow
from plugins.reports.models import (
    Report,
    ReportFlag,
    ReportFollow,
    ReportSupport,
    ReportUpdate,
)

BASE = "/k/kauman/laporan"
STATUSES = (
    "baru",
    "diverifikasi",
    "diproses",
    "selesai",
    "ditolak",
    "tidak_dapat_ditangani",
    "duplikat",
)
CLOSED = {"selesai", "ditolak", "tidak_dapat_ditangani", "duplikat"}
LABELS = {
    "baru": "Baru",
    "diverifikasi": "Diverifikasi",
    "diproses": "Diproses",
    "selesai": "Selesai",
    "ditolak": "Ditolak",
    "tidak_dapat_ditangani": "Tidak dapat ditangani",
    "duplikat": "Duplikat",
}
# The workflow as the issue describes it, written out here rather than read from the code.
EXPECTED = {
    "baru": {"diverifikasi", "diproses", "selesai", "ditolak", "tidak_dapat_ditangani", "duplikat"},
    "diverifikasi": {"diproses", "selesai", "ditolak", "tidak_dapat_ditangani", "duplikat"},
    "diproses": {"selesai", "tidak_dapat_ditangani", "duplikat"},
    "selesai": {"diproses"},
    "ditolak": {"diproses"},
    "tidak_dapat_ditangani": {"diproses"},
    "duplikat": {"diproses"},
}
ALLOWED = sorted((a, b) for a, targets in EXPECTED.items() for b in targets)
FORBIDDEN = sorted((a, b) for a in STATUSES for b in STATUSES if b not in EXPECTED[a])

_serial = itertools.count(1)


@pytest.fixture(autouse=True)
def reports_on(app):
    enable_plugin(app, "reports", "kauman")


def make_report(
    slug: str = "kauman",
    *,
    status: str = "baru",
    reporter=None,
    title: str | None = None,
    category: str = "Jalan rusak",
    age_days: float = 0,
    answered: bool = False,
    **extra,
) -> Report:
    created = utcnow() - timedelta(days=age_days)
    report = Report(
        kelurahan_id=kelurahan(slug).id,
        category=category,
        title=title or f"Laporan uji {next(_serial)}",
        description="Keterangan laporan uji.",
        lat=-6.8899,
        lng=109.6728,
        status=status,
        reporter_id=getattr(reporter, "id", None),
        reporter_name=None if reporter else "Pelapor Open311",
        source="web" if reporter else "open311",
        created_at=created,
        first_response_at=created + timedelta(hours=1) if answered else None,
        closed_at=created + timedelta(hours=2) if status in CLOSED else None,
        **extra,
    )
    _db.session.add(report)
    _db.session.commit()
    return report


def text(response) -> str:
    return response.get_data(as_text=True)


def reload(report: Report) -> Report:
    _db.session.expire_all()
    return _db.session.get(Report, report.id)


def updates_of(report: Report) -> list[ReportUpdate]:
    return list(
        _db.session.execute(
            select(ReportUpdate)
            .where(ReportUpdate.report_id == report.id)
            .order_by(ReportUpdate.id)
        ).scalars()
    )


def audit_entries(report: Report) -> list[AuditEntry]:
    return list(
        _db.session.execute(
            select(AuditEntry)
            .where(
                AuditEntry.action == "report.status_changed",
                AuditEntry.object_id == str(report.id),
            )
            .order_by(AuditEntry.id)
        ).scalars()
    )


def change(client, report: Report, to_status: str, note: str = "", **fields):
    return client.post(
        f"{BASE}/{report.id}/status",
        data={"to_status": to_status, "note": note, **fields},
    )


# -- the transition table ------------------------------------------------------------------------


def test_code_table_is_the_documented_workflow():
    from plugins.reports.workflow import TRANSITIONS

    assert {k: set(v) for k, v in TRANSITIONS.items()} == EXPECTED


@pytest.mark.parametrize(("from_status", "to_status"), ALLOWED)
def test_allowed_transition(client, login_as, from_status, to_status):
    """Each allowed step is saved with its public note, who made it, and the report's
    first-response and closing times."""
    reporter = make_user("warga", "kauman")
    report = make_report(status=from_status, reporter=reporter)
    fields = {}
    if to_status == "duplikat":
        fields["duplicate_of"] = str(make_report(title="Laporan asli").id)
    petugas = login_as("petugas", "kauman")
    note = f"Catatan {from_status} ke {to_status}"

    response = change(client, report, to_status, note, **fields)

    assert response.status_code == 302, text(response)
    assert response.headers["Location"].endswith(f"/laporan/{report.id}")
    report = reload(report)
    assert report.status == to_status
    (update,) = updates_of(report)
    assert (update.from_status, update.to_status, update.note, update.actor_id) == (
        from_status,
        to_status,
        note,
        petugas.id,
    )
    assert report.first_response_at is not None
    assert (report.closed_at is not None) == (to_status in CLOSED)
    if to_status == "duplikat":
        assert report.duplicate_of_id == int(fields["duplicate_of"])
    else:
        assert report.duplicate_of_id is None


@pytest.mark.parametrize(("from_status", "to_status"), FORBIDDEN)
def test_forbidden_transition(client, login_as, from_status, to_status):
    """A step outside the workflow is refused with a message and changes nothing."""
    report = make_report(status=from_status, reporter=make_user("warga", "kauman"))
    login_as("admin", "kauman")
    response = change(client, report, to_status, "Catatan yang tidak tersimpan", duplicate_of="")
    assert response.status_code == 422
    body = text(response)
    assert "tidak dapat diubah menjadi" in body
    assert "Catatan yang tidak tersimpan" in body  # what was typed comes back
    assert reload(report).status == from_status
    assert updates_of(report) == []
    assert audit_entries(report) == []
    assert count(Notification) == 0


def test_unknown_status_is_refused(client, login_as):
    report = make_report()
    login_as("petugas", "kauman")
    response = change(client, report, "dibereskan", "Catatan")
    assert response.status_code == 422
    assert "Pilih salah satu pilihan yang tersedia." in text(response)
    assert reload(report).status == "baru"


def test_panel_offers_only_allowed_states(client, login_as):
    """The staff panel's select lists exactly the next states of the workflow."""
    report = make_report(status="diproses")
    login_as("petugas", "kauman")
    body = text(client.get(f"{BASE}/{report.id}"))
    assert "Tindak lanjut petugas" in body
    start = body.index('id="staff-to-status"')
    select_html = body[start : body.index("</select>", start)]
    offered = {v for v in STATUSES if f'value="{v}"' in select_html}
    assert offered == EXPECTED["diproses"]


def test_panel_hidden_from_residents_and_public(client, login_as):
    report = make_report()
    assert "Tindak lanjut petugas" not in text(client.get(f"{BASE}/{report.id}"))
    login_as("warga", "kauman")
    assert "Tindak lanjut petugas" not in text(client.get(f"{BASE}/{report.id}"))


# -- who may change a status ---------------------------------------------------------------------


@pytest.mark.parametrize("role", ["petugas", "admin", "admin_kota"])
def test_staff_of_the_kelurahan_may_change_status(client, login_as, role):
    report = make_report()
    login_as(role, "kauman")
    assert change(client, report, "diverifikasi").status_code == 302
    assert reload(report).status == "diverifikasi"


def test_resident_is_forbidden(client, login_as):
    report = make_report()
    login_as("warga", "kauman")
    assert change(client, report, "diverifikasi").status_code == 403
    assert reload(report).status == "baru"


def test_anonymous_is_sent_to_sign_in(client):
    report = make_report()
    response = change(client, report, "diverifikasi")
    assert response.status_code == 302
    assert "/masuk" in response.headers["Location"]
    assert reload(report).status == "baru"


def test_staff_of_another_kelurahan_gets_404(app, client, login_as):
    """Medono's petugas is nobody in Kauman (403 there), and through Medono's own pages a
    Kauman report does not exist (404)."""
    enable_plugin(app, "reports", "medono")
    report = make_report("kauman")
    login_as("petugas", "medono")
    assert change(client, report, "diverifikasi").status_code == 403
    response = client.post(
        f"/k/medono/laporan/{report.id}/status", data={"to_status": "diverifikasi", "note": ""}
    )
    assert response.status_code == 404
    assert reload(report).status == "baru"
    assert updates_of(report) == []


# -- what a change leaves behind -----------------------------------------------------------------


def test_note_is_shown_publicly_in_the_history(client, login_as):
    report = make_report(reporter=make_user("warga", "kauman"))
    staff = login_as("petugas", "kauman")
    change(client, report, "diproses", "Tim kebersihan dijadwalkan hari Kamis.")
    change(client, report, "selesai", "Saluran sudah dibersihkan & <b>lancar</b>.")
    client.post("/keluar")
    act_as(client, make_user("warga", "kauman"))
    body = text(client.get(f"{BASE}/{report.id}"))
    history = body[body.index("Riwayat status") :]
    assert "Tim kebersihan dijadwalkan hari Kamis." in history
    assert "Saluran sudah dibersihkan &amp; &lt;b&gt;lancar&lt;/b&gt;." in history
    assert history.index("Diproses") < history.index("Selesai")
    assert staff.display_name not in history  # the note speaks for the kelurahan


def test_reporter_and_followers_are_notified_once(client, login_as):
    """The reporter (who also follows) and two followers get one notification and one
    message each; the staff member acting, though following, gets none."""
    reporter = make_user("warga", "kauman", email="pelapor@contoh.id")
    first = make_user("warga", "kauman", email="pengikut1@contoh.id")
    second = make_user("warga", "medono", phone="+6281234500001")
    report = make_report(reporter=reporter, title="Lampu mati di Gang Melati")
    staff = make_user("petugas", "kauman", email="petugas@contoh.id")
    for user in (reporter, first, second, staff):
        _db.session.add(
            ReportFollow(kelurahan_id=report.kelurahan_id, report_id=report.id, user_id=user.id)
        )
    _db.session.commit()
    act_as(client, staff)

    assert change(client, report, "selesai", "Lampu sudah diganti.").status_code == 302

    for user in (reporter, first, second):
        (message,) = notes_for(user)
        assert "Lampu mati di Gang Melati" in message and "Selesai" in message
        assert "Lampu sudah diganti." in message  # what was done, not only the new status
    assert notes_for(staff) == []
    note = _db.session.execute(
        select(Notification).where(Notification.user_id == first.id)
    ).scalar_one()
    assert note.url == f"{BASE}/{report.id}"
    recipients = sorted(_db.session.execute(select(OutboxMessage.recipient)).scalars())
    assert recipients == sorted(["pelapor@contoh.id", "pengikut1@contoh.id", "+6281234500001"])
    body = _db.session.execute(
        select(OutboxMessage.body).where(OutboxMessage.recipient == "pelapor@contoh.id")
    ).scalar_one()
    assert f"/laporan/{report.id}" in body


def test_change_is_audited_with_before_and_after(client, login_as):
    report = make_report()
    staff = login_as("admin", "kauman")
    change(client, report, "ditolak", "Bukan wilayah kelurahan.")
    (entry,) = audit_entries(report)
    assert entry.actor_id == staff.id
    assert entry.kelurahan_id == report.kelurahan_id
    assert entry.before == {"status": "baru"}
    assert entry.after == {"status": "ditolak", "note": "Bukan wilayah kelurahan."}


def test_first_response_is_kept_and_closing_time_set(client, login_as):
    report = make_report()
    login_as("petugas", "kauman")
    change(client, report, "diverifikasi")
    first = reload(report).first_response_at
    assert first is not None and reload(report).closed_at is None
    change(client, report, "diproses", "Dikerjakan.")
    report = reload(report)
    assert report.first_response_at == first
    assert report.closed_at is None
    change(client, report, "selesai", "Beres.")
    report = reload(report)
    assert report.first_response_at == first
    assert report.closed_at is not None


# -- closing and reopening -------------------------------------------------------------------------


@pytest.mark.parametrize("to_status", ["selesai", "ditolak", "tidak_dapat_ditangani", "duplikat"])
def test_closing_needs_a_note(client, login_as, to_status):
    report = make_report(status="diverifikasi")
    original = make_report()
    login_as("petugas", "kauman")
    response = change(client, report, to_status, "   ", duplicate_of=str(original.id))
    assert response.status_code == 422
    assert "Catatan wajib diisi" in text(response)
    assert reload(report).status == "diverifikasi"
    assert updates_of(report) == []


def test_reopen_goes_back_to_diproses_with_a_note(client, login_as):
    original = make_report(title="Laporan asli")
    report = make_report(status="duplikat", duplicate_of_id=original.id, answered=True)
    login_as("petugas", "kauman")

    refused = change(client, report, "diproses", "")
    assert refused.status_code == 422
    assert "Catatan wajib diisi" in text(refused)
    assert reload(report).status == "duplikat"

    response = change(client, report, "diproses", "Ternyata masalah yang berbeda.")
    assert response.status_code == 302
    report = reload(report)
    assert report.status == "diproses"
    assert report.closed_at is None
    assert report.duplicate_of_id is None
    (entry,) = audit_entries(report)
    assert entry.before == {"status": "duplikat"}
    assert entry.after["status"] == "diproses"


def test_note_longer_than_2000_characters_is_refused(client, login_as):
    report = make_report()
    login_as("petugas", "kauman")
    response = change(client, report, "ditolak", "x" * 2001)
    assert response.status_code == 422
    assert "Catatan paling banyak 2000 karakter." in text(response)
    assert reload(report).status == "baru"


# -- duplicates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("", "Isi nomor laporan asli"),
        ("dua belas", "Isi dengan nomor laporan"),
        ("self", "dirinya sendiri"),
        ("medono", "tidak ada di kelurahan ini"),
        ("999999", "tidak ada di kelurahan ini"),
        ("loop", "sudah tercatat sebagai duplikat dari laporan ini"),
    ],
)
def test_duplicate_needs_a_valid_original(app, client, login_as, given, message):
    report = make_report(status="diverifikasi")
    if given == "self":
        given = str(report.id)
    elif given == "medono":
        enable_plugin(app, "reports", "medono")
        given = str(make_report("medono", title="Laporan Medono").id)
    elif given == "loop":
        # The would-be original is itself marked a duplicate of this report.
        given = str(make_report(status="duplikat", duplicate_of_id=report.id).id)
    login_as("petugas", "kauman")
    response = change(client, report, "duplikat", "Sudah dilaporkan.", duplicate_of=given)
    assert response.status_code == 422
    body = text(response)
    assert message in body
    assert "Sudah dilaporkan." in body
    report = reload(report)
    assert (report.status, report.duplicate_of_id) == ("diverifikasi", None)
    assert updates_of(report) == []
    assert audit_entries(report) == []


def test_duplicate_links_to_its_original(client, login_as):
    original = make_report(title="Jalan berlubang di Jl. Hayam Wuruk")
    report = make_report()
    login_as("petugas", "kauman")
    response = change(
        client, report, "duplikat", "Sama dengan laporan lain.", duplicate_of=f"#{original.id}"
    )
    assert response.status_code == 302
    assert reload(report).duplicate_of_id == original.id
    client.post("/keluar")
    body = text(client.get(f"{BASE}/{report.id}"))
    assert "Duplikat dari" in body and "Jalan berlubang di Jl. Hayam Wuruk" in body
    (entry,) = audit_entries(report)
    assert entry.after["duplicate_of"] == original.id


# -- the work queue -------------------------------------------------------------------------------


def positions(body: str, titles) -> list[int]:
    return [body.index(t) for t in titles]


def test_queue_puts_the_oldest_unanswered_first(client, login_as):
    make_report(title="Dijawab lama", age_days=20, answered=True, status="diproses")
    make_report(title="Belum dijawab baru", age_days=2)
    make_report(title="Belum dijawab lama", age_days=10)
    make_report(title="Sudah selesai", age_days=30, answered=True, status="selesai")
    make_report(title="Disembunyikan", age_days=40, hidden_at=utcnow(), hidden_reason="Spam")
    login_as("petugas", "kauman")
    response = client.get(f"{BASE}/kelola")
    assert response.status_code == 200
    body = text(response)
    order = positions(body, ["Belum dijawab lama", "Belum dijawab baru", "Dijawab lama"])
    assert order == sorted(order)
    assert "Sudah selesai" not in body  # default: open reports only
    assert "Disembunyikan</a>" not in body  # hidden ones are in the moderation queue


def test_queue_filters_by_status_category_and_age(client, login_as):
    make_report(title="Jalan lama", category="Jalan rusak", age_days=10)
    make_report(title="Sampah baru", category="Sampah", age_days=1)
    make_report(title="Sampah sangat lama", category="Sampah", age_days=40, status="diproses")
    make_report(title="Selesai lama", category="Sampah", age_days=40, status="selesai")
    login_as("petugas", "kauman")

    def titles(query: str) -> set[str]:
        body = text(client.get(f"{BASE}/kelola?{query}"))
        names = ["Jalan lama", "Sampah baru", "Sampah sangat lama", "Selesai lama"]
        return {n for n in names if f"{n}</a>" in body}

    assert titles("") == {"Jalan lama", "Sampah baru", "Sampah sangat lama"}
    assert titles("category=Sampah") == {"Sampah baru", "Sampah sangat lama"}
    assert titles("age=7") == {"Jalan lama", "Sampah sangat lama"}
    assert titles("age=30") == {"Sampah sangat lama"}
    assert titles("status=closed") == {"Selesai lama"}
    assert titles("status=diproses") == {"Sampah sangat lama"}
    assert titles("status=all&category=Sampah&age=30") == {"Sampah sangat lama", "Selesai lama"}


def test_queue_shows_support_and_flag_counts(client, login_as):
    report = make_report(title="Banyak didukung")
    k = report.kelurahan_id
    for _ in range(3):
        _db.session.add(ReportSupport(kelurahan_id=k, report_id=report.id, user_id=make_user().id))
    for _ in range(2):
        _db.session.add(
            ReportFlag(
                kelurahan_id=k, target_type="report", target_id=report.id, user_id=make_user().id
            )
        )
    _db.session.commit()
    login_as("petugas", "kauman")
    body = text(client.get(f"{BASE}/kelola"))
    row = body[body.index(f'id="laporan-{report.id}"') :]
    row = row[: row.index("</tr>")]
    cells = [c.split(">", 1)[1].strip() for c in row.split("<td")[1:]]
    assert cells[-2].startswith("3")
    assert ">2</a>" in cells[-1]


def test_queue_paginates(client, login_as):
    for i in range(30):
        make_report(title=f"Laporan antre {i:02d}", age_days=30 - i)
    login_as("petugas", "kauman")
    first = text(client.get(f"{BASE}/kelola"))
    assert "Halaman 1 dari 2" in first
    assert "Laporan antre 00" in first and "Laporan antre 29" not in first
    second = text(client.get(f"{BASE}/kelola?page=2"))
    assert "Laporan antre 29" in second


@pytest.mark.parametrize(("role", "status"), [("warga", 403), (None, 302)])
def test_queue_is_for_staff_only(client, login_as, role, status):
    if role:
        login_as(role, "kauman")
    assert client.get(f"{BASE}/kelola").status_code == status


def test_queue_of_another_kelurahan_is_not_shown(app, client, login_as):
    enable_plugin(app, "reports", "medono")
    make_report("medono", title="Laporan di Medono")
    login_as("petugas", "kauman")
    assert "Laporan di Medono" not in text(client.get(f"{BASE}/kelola"))


@contextmanager
def counting_queries():
    seen: list[str] = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(_db.engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(_db.engine, "before_cursor_execute", listener)


def add_reports(n: int) -> None:
    """n reports, each with its own reporter, some supports and a flag, inserted in one go."""
    k = kelurahan("kauman")
    supporters = [make_user("warga", "kauman") for _ in range(3)]
    for i in range(n):
        serial = next(_serial)
        reporter = User(
            email=f"massal{serial}@contoh.id",
            display_name=f"Pelapor Massal {serial}",
            password_hash="!",
            home_kelurahan=k,
        )
        _db.session.add(reporter)
        _db.session.flush()
        report = Report(
            kelurahan_id=k.id,
            category="Sampah",
            title=f"Laporan massal {serial}",
            description="Keterangan.",
            lat=-6.8899,
            lng=109.6728,
            status="baru" if i % 2 else "diproses",
            reporter_id=reporter.id,
            hide_name=bool(i % 4 == 0),
            created_at=utcnow() - timedelta(days=i % 40),
            first_response_at=utcnow() if i % 3 == 0 else None,
        )
        _db.session.add(report)
        _db.session.flush()
        for person in supporters[: 1 + i % 3]:
            _db.session.add(
                ReportSupport(kelurahan_id=k.id, report_id=report.id, user_id=person.id)
            )
        _db.session.add(
            ReportFlag(
                kelurahan_id=k.id,
                target_type="report",
                target_id=report.id,
                user_id=supporters[0].id,
            )
        )
    _db.session.commit()


def test_queue_query_count_does_not_grow(client, login_as):
    login_as("petugas", "kauman")
    client.get(f"{BASE}/kelola")  # warm-up: per-process caches
    add_reports(10)
    with counting_queries() as small:
        assert client.get(f"{BASE}/kelola").status_code == 200
    add_reports(50)
    with counting_queries() as large:
        assert client.get(f"{BASE}/kelola").status_code == 200
    assert len(large) == len(small)
