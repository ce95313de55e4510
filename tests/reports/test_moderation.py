"""Moderation by the kelurahan's staff: hiding and restoring reports and comments, the
moderation queue (hidden items and unreviewed flags, auto-hidden ones included), and the
Open311 API keys page of the kelurahan admin."""

from __future__ import annotations

import itertools
import json

import pytest
from conftest import count, enable_plugin, kelurahan, make_user
from sqlalchemy import select

from app.extensions import db as _db
from app.models import AuditEntry, utcnow
from plugins.reports.models import Report, ReportComment, ReportFlag

BASE = "/k/kauman/laporan"
AUTO_REASON = "Disembunyikan otomatis setelah 3 tanda dari warga"
_serial = itertools.count(1)


@pytest.fixture(autouse=True)
def reports_on(app):
    enable_plugin(app, "reports", "kauman")


def make_report(slug: str = "kauman", *, title: str | None = None, **extra) -> Report:
    report = Report(
        kelurahan_id=kelurahan(slug).id,
        category="Sampah",
        title=title or f"Laporan uji {next(_serial)}",
        description="Keterangan laporan uji.",
        lat=-6.8899,
        lng=109.6728,
        status="baru",
        reporter_id=make_user("warga", slug).id,
        **extra,
    )
    _db.session.add(report)
    _db.session.commit()
    return report


def make_comment(report: Report, body: str, **extra) -> ReportComment:
    comment = ReportComment(
        kelurahan_id=report.kelurahan_id,
        report_id=report.id,
        user_id=make_user("warga", "kauman").id,
        body=body,
        **extra,
    )
    _db.session.add(comment)
    _db.session.commit()
    return comment


def flag(target_type: str, target, n: int = 1, reason: str = "spam") -> list[ReportFlag]:
    flags = [
        ReportFlag(
            kelurahan_id=target.kelurahan_id,
            target_type=target_type,
            target_id=target.id,
            user_id=make_user("warga", "kauman").id,
            reason=reason,
        )
        for _ in range(n)
    ]
    _db.session.add_all(flags)
    _db.session.commit()
    return flags


def text(response) -> str:
    return response.get_data(as_text=True)


def fresh(model, obj):
    _db.session.expire_all()
    return _db.session.get(model, obj.id)


def audit(action: str) -> list[AuditEntry]:
    return list(
        _db.session.execute(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        ).scalars()
    )


def unreviewed(target_type: str, target) -> int:
    return count(
        ReportFlag,
        ReportFlag.target_type == target_type,
        ReportFlag.target_id == target.id,
        ReportFlag.reviewed_at.is_(None),
    )


def sign_out(client) -> None:
    client.post("/keluar")


def public_sees(client, report: Report, word: str) -> dict[str, bool]:
    """Where the public finds the report: its page, the list, the map data, the search."""
    geojson = json.loads(client.get(f"{BASE}/map.geojson").get_data(as_text=True))
    return {
        "page": client.get(f"{BASE}/{report.id}").status_code == 200,
        "list": report.title in text(client.get(f"{BASE}/")),
        "map": any(f["properties"].get("id") == report.id for f in geojson["features"]),
        "search": report.title in text(client.get(f"/k/kauman/cari?q={word}")),
    }


# -- hiding and restoring a report ----------------------------------------------------------------


def test_hidden_report_disappears_for_the_public_and_comes_back(client, login_as):
    report = make_report(title="Jual obat kuat murah Zanzibar")
    assert public_sees(client, report, "Zanzibar") == dict.fromkeys(
        ("page", "list", "map", "search"), True
    )
    staff = login_as("petugas", "kauman")
    response = client.post(
        f"{BASE}/{report.id}/sembunyikan", data={"reason": "Iklan, bukan laporan"}
    )
    assert response.status_code == 302
    hidden = fresh(Report, report)
    assert hidden.hidden_at is not None and hidden.hidden_reason == "Iklan, bukan laporan"

    # Staff still open it, with the reason.
    body = text(client.get(f"{BASE}/{report.id}"))
    assert "Jual obat kuat murah Zanzibar" in body and "Iklan, bukan laporan" in body
    (entry,) = audit("report.hidden")
    assert entry.actor_id == staff.id
    assert entry.before == {"hidden": False, "reason": None}
    assert entry.after["hidden"] is True and entry.after["reason"] == "Iklan, bukan laporan"

    sign_out(client)
    assert public_sees(client, report, "Zanzibar") == dict.fromkeys(
        ("page", "list", "map", "search"), False
    )
    login_as("warga", "kauman")
    assert client.get(f"{BASE}/{report.id}").status_code == 404

    login_as("admin", "kauman")
    assert client.post(f"{BASE}/{report.id}/tampilkan").status_code == 302
    assert fresh(Report, report).hidden_at is None
    assert len(audit("report.restored")) == 1
    sign_out(client)
    assert public_sees(client, report, "Zanzibar")["page"] is True
    assert public_sees(client, report, "Zanzibar")["map"] is True


def test_hiding_needs_a_reason(client, login_as):
    report = make_report()
    login_as("petugas", "kauman")
    response = client.post(f"{BASE}/{report.id}/sembunyikan", data={"reason": "  "})
    assert response.status_code == 422
    assert "Alasan wajib diisi." in text(response)
    assert fresh(Report, report).hidden_at is None
    assert audit("report.hidden") == []


def test_reason_too_long_is_refused_and_kept(client, login_as):
    report = make_report()
    login_as("petugas", "kauman")
    reason = "Terlalu panjang " + "x" * 300
    response = client.post(f"{BASE}/{report.id}/sembunyikan", data={"reason": reason})
    assert response.status_code == 422
    body = text(response)
    assert "Alasan paling banyak 300 karakter." in body and reason in body
    assert fresh(Report, report).hidden_at is None


@pytest.mark.parametrize("action", ["sembunyikan", "tampilkan"])
def test_residents_may_not_moderate_reports(client, login_as, action):
    report = make_report()
    login_as("warga", "kauman")
    response = client.post(f"{BASE}/{report.id}/{action}", data={"reason": "Saya tidak suka"})
    assert response.status_code == 403
    assert fresh(Report, report).hidden_at is None
    sign_out(client)
    response = client.post(f"{BASE}/{report.id}/{action}", data={"reason": "x"})
    assert response.status_code == 302 and "/masuk" in response.headers["Location"]


def test_staff_of_another_kelurahan_cannot_hide(app, client, login_as):
    enable_plugin(app, "reports", "medono")
    report = make_report("kauman")
    login_as("petugas", "medono")
    assert client.post(f"{BASE}/{report.id}/sembunyikan", data={"reason": "x"}).status_code == 403
    response = client.post(f"/k/medono/laporan/{report.id}/sembunyikan", data={"reason": "x"})
    assert response.status_code == 404
    assert fresh(Report, report).hidden_at is None


# -- comments ----------------------------------------------------------------------------------


def test_hidden_comment_is_not_shown_and_restore_brings_it_back(client, login_as):
    report = make_report()
    comment = make_comment(report, "Komentar kasar yang harus disembunyikan")
    make_comment(report, "Komentar yang sopan")
    staff = login_as("petugas", "kauman")
    response = client.post(
        f"{BASE}/komentar/{comment.id}/sembunyikan", data={"reason": "Kata-kata kasar"}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/laporan/{report.id}#komentar-{comment.id}")
    assert fresh(ReportComment, comment).hidden_reason == "Kata-kata kasar"
    (entry,) = audit("report_comment.hidden")
    assert (entry.actor_id, entry.object_id) == (staff.id, str(comment.id))
    # Staff still see it, with the reason.
    body = text(client.get(f"{BASE}/{report.id}"))
    assert "Komentar kasar yang harus disembunyikan" in body and "Kata-kata kasar" in body

    login_as("warga", "kauman")
    body = text(client.get(f"{BASE}/{report.id}"))
    assert "Komentar kasar yang harus disembunyikan" not in body
    assert "Komentar yang sopan" in body

    login_as("admin", "kauman")
    assert client.post(f"{BASE}/komentar/{comment.id}/tampilkan").status_code == 302
    assert fresh(ReportComment, comment).hidden_at is None
    assert len(audit("report_comment.restored")) == 1
    sign_out(client)
    assert "Komentar kasar yang harus disembunyikan" in text(client.get(f"{BASE}/{report.id}"))


def test_hiding_a_comment_needs_a_reason(client, login_as):
    report = make_report()
    comment = make_comment(report, "Komentar biasa")
    login_as("petugas", "kauman")
    response = client.post(f"{BASE}/komentar/{comment.id}/sembunyikan", data={"reason": ""})
    assert response.status_code == 422
    assert "Alasan wajib diisi." in text(response)
    assert fresh(ReportComment, comment).hidden_at is None


def test_comment_moderation_is_for_staff_of_the_kelurahan(app, client, login_as):
    enable_plugin(app, "reports", "medono")
    report = make_report()
    comment = make_comment(report, "Komentar biasa")
    login_as("warga", "kauman")
    url = f"{BASE}/komentar/{comment.id}/sembunyikan"
    assert client.post(url, data={"reason": "x"}).status_code == 403
    login_as("petugas", "medono")
    response = client.post(
        f"/k/medono/laporan/komentar/{comment.id}/sembunyikan", data={"reason": "x"}
    )
    assert response.status_code == 404
    assert fresh(ReportComment, comment).hidden_at is None


# -- the moderation queue ------------------------------------------------------------------------


def test_queue_lists_hidden_and_flagged_items(client, login_as):
    plain = make_report(title="Laporan biasa tanpa tanda")
    make_report(title="Disembunyikan petugas", hidden_at=utcnow(), hidden_reason="Spam")
    auto = make_report(
        title="Disembunyikan otomatis", hidden_at=utcnow(), hidden_reason=AUTO_REASON
    )
    flag("report", auto, 3, reason="Isinya menipu")
    flagged = make_report(title="Ditandai belum disembunyikan")
    flag("report", flagged, 1, reason="data_pribadi")
    reviewed = make_report(title="Tanda sudah ditinjau")
    for f in flag("report", reviewed, 1):
        f.reviewed_at = utcnow()
    _db.session.commit()
    comment = make_comment(plain, "Komentar yang ditandai warga")
    flag("comment", comment, 2)
    make_comment(plain, "Komentar yang tidak bermasalah")

    login_as("petugas", "kauman")
    response = client.get(f"{BASE}/moderasi")
    assert response.status_code == 200
    body = text(response)
    for shown in (
        "Disembunyikan petugas",
        "Disembunyikan otomatis",
        AUTO_REASON,
        "Isinya menipu",
        "Ditandai belum disembunyikan",
        "Memuat data pribadi",  # the reason key as residents chose it, in words
        "Komentar yang ditandai warga",
    ):
        assert shown in body, shown
    assert "data_pribadi" not in body
    for absent in (
        "Laporan biasa tanpa tanda</strong>",
        "Tanda sudah ditinjau",
        "Komentar yang tidak bermasalah",
    ):
        assert absent not in body, absent
    # Items awaiting review come before those already dealt with.
    assert body.index("Disembunyikan otomatis") < body.index("Disembunyikan petugas")


def test_keep_hidden_marks_flags_reviewed(client, login_as):
    report = make_report(
        title="Disembunyikan otomatis", hidden_at=utcnow(), hidden_reason=AUTO_REASON
    )
    flag("report", report, 3)
    login_as("petugas", "kauman")
    response = client.post(
        f"{BASE}/{report.id}/sembunyikan",
        data={"reason": "", "origin": "moderasi", "next": f"{BASE}/moderasi"},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/laporan/moderasi")
    report = fresh(Report, report)
    assert report.hidden_at is not None and report.hidden_reason == AUTO_REASON
    assert unreviewed("report", report) == 0
    (entry,) = audit("report.hidden")
    assert entry.after["flags_reviewed"] == 3


def test_restore_from_the_queue_reviews_flags(client, login_as):
    report = make_report(title="Salah disembunyikan", hidden_at=utcnow(), hidden_reason=AUTO_REASON)
    flag("report", report, 3)
    comment = make_comment(make_report(), "Komentar salah ditandai")
    flag("comment", comment, 1)
    login_as("petugas", "kauman")
    client.post(f"{BASE}/{report.id}/tampilkan", data={"next": f"{BASE}/moderasi"})
    client.post(f"{BASE}/komentar/{comment.id}/tampilkan")
    assert fresh(Report, report).hidden_at is None
    assert unreviewed("report", report) == 0
    assert unreviewed("comment", comment) == 0
    body = text(client.get(f"{BASE}/moderasi"))
    assert "Salah disembunyikan" not in body and "Komentar salah ditandai" not in body
    sign_out(client)
    assert client.get(f"{BASE}/{report.id}").status_code == 200


def test_hiding_from_the_queue_without_reason_shows_the_error_there(client, login_as):
    report = make_report(title="Ditandai warga")
    flag("report", report, 1)
    login_as("petugas", "kauman")
    response = client.post(
        f"{BASE}/{report.id}/sembunyikan", data={"reason": "", "origin": "moderasi"}
    )
    assert response.status_code == 422
    body = text(response)
    assert "Moderasi" in body and "Alasan wajib diisi." in body
    assert fresh(Report, report).hidden_at is None
    assert unreviewed("report", report) == 1


@pytest.mark.parametrize(("role", "status"), [("warga", 403), (None, 302)])
def test_queue_is_for_staff(client, login_as, role, status):
    if role:
        login_as(role, "kauman")
    assert client.get(f"{BASE}/moderasi").status_code == status


def test_queue_shows_only_this_kelurahan(app, client, login_as):
    enable_plugin(app, "reports", "medono")
    make_report("medono", title="Tersembunyi di Medono", hidden_at=utcnow(), hidden_reason="x")
    login_as("petugas", "kauman")
    assert "Tersembunyi di Medono" not in text(client.get(f"{BASE}/moderasi"))
