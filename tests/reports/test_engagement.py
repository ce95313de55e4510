"""Residents taking part in a report: support (+1), follow, comments, flags, sharing, and
"Laporan saya"."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from conftest import act_as, count, enable_plugin
from reports_helpers import KAUMAN, make_report, set_settings
from sqlalchemy import select

from app.extensions import db as _db
from app.models import AuditEntry, utcnow
from plugins.reports.models import (
    Report,
    ReportComment,
    ReportFlag,
    ReportFollow,
    ReportSupport,
)

BASE = "/k/kauman/laporan"
HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def reports_on(app):
    enable_plugin(app, "reports", "kauman")
    enable_plugin(app, "reports", "medono")


def text(response) -> str:
    return response.get_data(as_text=True)


def page(client, report) -> str:
    response = client.get(f"{BASE}/{report.id}")
    assert response.status_code == 200
    return text(response)


# -- support (+1) ------------------------------------------------------------------------------


def test_support_counts_once_per_resident_and_shows_on_page_and_list(client, factory, login_as):
    report = make_report(factory)
    resident = login_as("warga", "kauman")

    response = client.post(f"{BASE}/{report.id}/dukung", follow_redirects=True)
    assert response.status_code == 200
    assert "Dukungan Anda tercatat" in text(response)
    assert "1 warga juga mengalami ini" in text(response)
    assert "Anda mendukung laporan ini" in text(response)

    again = client.post(f"{BASE}/{report.id}/dukung", follow_redirects=True)
    assert "Anda sudah mendukung laporan ini" in text(again)
    assert count(ReportSupport, ReportSupport.report_id == report.id) == 1

    other = factory.user("warga", "kauman")
    act_as(client, other)
    client.post(f"{BASE}/{report.id}/dukung")
    assert count(ReportSupport, ReportSupport.report_id == report.id) == 2
    assert "2 warga juga mengalami ini" in page(client, report)
    assert "2 dukungan" in text(client.get(f"{BASE}/"))
    # Supporting also follows, so the supporter hears when it is fixed.
    assert count(ReportFollow, ReportFollow.user_id == resident.id) == 1


def test_reporter_cannot_support_own_report(client, factory):
    reporter = factory.user("warga", "kauman")
    report = make_report(factory, reporter)
    act_as(client, reporter)
    response = client.post(f"{BASE}/{report.id}/dukung", follow_redirects=True)
    assert "Ini laporan Anda sendiri" in text(response)
    assert count(ReportSupport) == 0


def test_support_needs_an_account(client, factory):
    report = make_report(factory)
    response = client.post(f"{BASE}/{report.id}/dukung")
    assert response.status_code == 302
    assert "/masuk" in response.headers["Location"]
    assert count(ReportSupport) == 0
    assert "Masuk untuk mendukung" in page(client, report)


def test_support_with_htmx_swaps_a_fragment(client, factory, login_as):
    report = make_report(factory)
    login_as("warga", "kauman")
    response = client.post(f"{BASE}/{report.id}/dukung", headers=HTMX)
    assert response.status_code == 200
    body = text(response)
    assert 'id="report-support"' in body
    assert "1 warga juga mengalami ini" in body
    assert "Dukungan Anda tercatat" in body
    assert "<html" not in body


def test_support_button_is_an_htmx_form_that_works_without_js(client, factory, login_as):
    report = make_report(factory)
    login_as("warga", "kauman")
    body = page(client, report)
    action = f"{BASE}/{report.id}/dukung"
    assert f'action="{action}"' in body
    assert f'hx-post="{action}"' in body
    assert 'hx-target="#report-support"' in body


def test_support_from_the_duplicate_suggestion_on_the_new_report_form(client, factory, login_as):
    existing = make_report(factory, title="Tumpukan sampah dekat pasar")
    login_as("warga", "kauman")
    form = {
        "category": "Sampah",
        "title": "Sampah belum diangkut",
        "description": "Bau sekali.",
        "lat": str(KAUMAN[0] + 0.0005),  # about 55 m north
        "lng": str(KAUMAN[1]),
    }
    offered = client.post(f"{BASE}/baru", data=form)
    assert offered.status_code == 422
    assert "Mungkin sudah dilaporkan" in text(offered)
    support_url = f"{BASE}/{existing.id}/dukung"
    assert f'action="{support_url}"' in text(offered)

    response = client.post(support_url)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{BASE}/{existing.id}")
    shown = client.get(response.headers["Location"])
    assert "Dukungan Anda tercatat" in text(shown)
    assert count(ReportSupport, ReportSupport.report_id == existing.id) == 1
    assert count(Report) == 1  # nothing new was filed


def test_support_of_another_kelurahan_report_is_404(client, factory, login_as):
    report = make_report(factory, slug="medono")
    login_as("warga", "kauman")
    assert client.post(f"{BASE}/{report.id}/dukung").status_code == 404
    assert count(ReportSupport) == 0


# -- follow ------------------------------------------------------------------------------------


def test_follow_toggles(client, factory, login_as):
    report = make_report(factory)
    resident = login_as("warga", "kauman")
    mine = (ReportFollow.report_id == report.id, ReportFollow.user_id == resident.id)
    assert "Ikuti laporan ini" in page(client, report)

    response = client.post(f"{BASE}/{report.id}/ikuti", follow_redirects=True)
    assert "Anda mengikuti laporan ini" in text(response)
    assert "Berhenti mengikuti" in text(response)
    assert count(ReportFollow, *mine) == 1

    response = client.post(f"{BASE}/{report.id}/ikuti", follow_redirects=True)
    assert "Anda berhenti mengikuti laporan ini" in text(response)
    assert count(ReportFollow, *mine) == 0


def test_follow_with_htmx_swaps_a_fragment(client, factory, login_as):
    report = make_report(factory)
    login_as("warga", "kauman")
    response = client.post(f"{BASE}/{report.id}/ikuti", headers=HTMX)
    assert response.status_code == 200
    assert 'id="report-follow"' in text(response)
    assert "Berhenti mengikuti" in text(response)
    assert "<html" not in text(response)


def test_follow_needs_an_account(client, factory):
    report = make_report(factory)
    assert client.post(f"{BASE}/{report.id}/ikuti").status_code == 302
    assert count(ReportFollow) == 0


# -- comments ----------------------------------------------------------------------------------


def test_comment_without_js_redirects_back_to_the_comments(client, factory, login_as):
    report = make_report(factory)
    resident = login_as("warga", "kauman", name="Bu Sri")
    response = client.post(
        f"{BASE}/{report.id}/komentar", data={"body": "  Di depan rumah saya juga.  "}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{BASE}/{report.id}#komentar")
    stored = _db.session.execute(select(ReportComment)).scalar_one()
    assert (stored.body, stored.user_id) == ("Di depan rumah saya juga.", resident.id)
    body = text(client.get(f"{BASE}/{report.id}"))
    assert "Komentar Anda terkirim" in body
    assert "Di depan rumah saya juga." in body
    assert "Bu Sri" in body


def test_comment_with_htmx_answers_the_fragment(client, factory, login_as):
    report = make_report(factory)
    login_as("warga", "kauman")
    response = client.post(
        f"{BASE}/{report.id}/komentar", data={"body": "Setuju, segera diangkut."}, headers=HTMX
    )
    assert response.status_code == 200
    body = text(response)
    assert "Setuju, segera diangkut." in body
    assert "Komentar Anda terkirim" in body
    assert "<html" not in body
    assert count(ReportComment) == 1

    listed = client.get(f"{BASE}/{report.id}/komentar", headers=HTMX)
    assert listed.status_code == 200
    assert "Setuju, segera diangkut." in text(listed)
    assert "<html" not in text(listed)
    plain = client.get(f"{BASE}/{report.id}/komentar")
    assert plain.status_code == 302
    assert plain.headers["Location"].endswith("#komentar")


def test_comment_form_is_wired_for_htmx_and_plain_post(client, factory, login_as):
    report = make_report(factory)
    login_as("warga", "kauman")
    body = page(client, report)
    action = f"{BASE}/{report.id}/komentar"
    assert 'id="komentar"' in body
    assert f'action="{action}"' in body
    assert f'hx-post="{action}"' in body
    assert 'hx-target="#komentar"' in body


@pytest.mark.parametrize(
    ("typed", "message"),
    [("   ", "Wajib diisi."), ("x" * 2001, "Komentar paling banyak 2000 karakter.")],
)
def test_bad_comment_answers_422_in_indonesian_and_keeps_the_text(
    client, factory, login_as, typed, message
):
    report = make_report(factory)
    login_as("warga", "kauman")
    response = client.post(f"{BASE}/{report.id}/komentar", data={"body": typed})
    assert response.status_code == 422
    body = text(response)
    assert message in body
    assert "Komentar belum terkirim" in body
    if typed.strip():
        assert typed in body
    assert count(ReportComment) == 0


def test_bad_comment_with_htmx_shows_the_error_in_the_fragment(client, factory, login_as):
    report = make_report(factory)
    login_as("warga", "kauman")
    response = client.post(f"{BASE}/{report.id}/komentar", data={"body": ""}, headers=HTMX)
    assert response.status_code == 200  # htmx swaps 2xx answers only
    assert "Wajib diisi." in text(response)
    assert count(ReportComment) == 0


def test_comment_longest_allowed_is_2000(client, factory, login_as):
    report = make_report(factory)
    login_as("warga", "kauman")
    assert client.post(f"{BASE}/{report.id}/komentar", data={"body": "y" * 2000}).status_code == 302
    assert count(ReportComment) == 1


def test_comment_needs_an_account(client, factory):
    report = make_report(factory)
    response = client.post(f"{BASE}/{report.id}/komentar", data={"body": "Halo"})
    assert response.status_code == 302
    assert "/masuk" in response.headers["Location"]
    assert count(ReportComment) == 0
    assert "Masuk untuk berkomentar" in page(client, report)


def test_html_in_a_comment_is_shown_as_text(client, factory, login_as):
    report = make_report(factory)
    login_as("warga", "kauman")
    client.post(f"{BASE}/{report.id}/komentar", data={"body": "<script>alert(1)</script>"})
    body = page(client, report)
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    fragment = text(client.get(f"{BASE}/{report.id}/komentar", headers=HTMX))
    assert "<script>alert(1)</script>" not in fragment


def test_comments_are_rate_limited_per_account(client, factory, login_as):
    report = make_report(factory)
    login_as("warga", "kauman")
    for n in range(20):
        response = client.post(f"{BASE}/{report.id}/komentar", data={"body": f"Komentar {n}"})
        assert response.status_code == 302, n
    response = client.post(f"{BASE}/{report.id}/komentar", data={"body": "Satu lagi"})
    assert response.status_code == 429
    assert "Terlalu banyak komentar" in text(response)
    assert "Satu lagi" in text(response)  # what was typed is kept
    assert count(ReportComment) == 20

    # Another account is not affected.
    act_as(client, factory.user("warga", "kauman"))
    assert client.post(f"{BASE}/{report.id}/komentar", data={"body": "Saya"}).status_code == 302


def test_hidden_comments_are_not_public_and_marked_for_staff(client, factory, login_as):
    report = make_report(factory)
    author = factory.user("warga", "kauman")
    for body, hidden in (("Komentar biasa", False), ("Komentar kasar sekali", True)):
        _db.session.add(
            ReportComment(
                kelurahan_id=report.kelurahan_id,
                report_id=report.id,
                user_id=author.id,
                body=body,
                hidden_at=utcnow() if hidden else None,
                hidden_reason="Bahasa kasar" if hidden else None,
            )
        )
    _db.session.commit()

    public = page(client, report)
    assert "Komentar biasa" in public
    assert "Komentar kasar sekali" not in public
    login_as("warga", "kauman")
    assert "Komentar kasar sekali" not in page(client, report)

    login_as("petugas", "kauman")
    staff = page(client, report)
    assert "Komentar kasar sekali" in staff
    assert "Disembunyikan" in staff
    assert "Bahasa kasar" in staff


def test_hidden_reporter_name_stays_hidden_in_comments(client, factory):
    reporter = factory.user("warga", "kauman", name="Pak Rahasia")
    report = make_report(factory, reporter, hide_name=True)
    act_as(client, reporter)
    client.post(f"{BASE}/{report.id}/komentar", data={"body": "Masih belum diperbaiki."})
    act_as(client, factory.user("warga", "kauman"))
    body = page(client, report)
    assert "Masih belum diperbaiki." in body
    assert "Pak Rahasia" not in body
    assert "Pelapor" in body


# -- flags -------------------------------------------------------------------------------------


def test_flag_buttons_on_report_and_each_comment(client, factory, login_as):
    report = make_report(factory)
    author = factory.user("warga", "kauman")
    comment = ReportComment(
        kelurahan_id=report.kelurahan_id, report_id=report.id, user_id=author.id, body="Hmm"
    )
    _db.session.add(comment)
    _db.session.commit()
    login_as("warga", "kauman")
    body = page(client, report)
    assert f'action="{BASE}/{report.id}/tandai"' in body
    assert f'action="{BASE}/komentar/{comment.id}/tandai"' in body
    for label in ("Spam", "Kasar atau menyinggung", "Memuat data pribadi", "Tidak pantas"):
        assert label in body


def test_report_hidden_after_threshold_flags_from_different_residents(client, factory):
    report = make_report(factory)
    # Verified residents: only their flags count (tests/reports/test_flag_abuse.py).
    flaggers = [factory.user("warga", "kauman", verified=True) for _ in range(3)]
    for n, user in enumerate(flaggers[:2]):
        act_as(client, user)
        response = client.post(f"{BASE}/{report.id}/tandai", data={"reason": "spam"})
        assert response.status_code == 302
        # The same resident again does not count twice.
        client.post(f"{BASE}/{report.id}/tandai", data={"reason": "kasar"})
        assert count(ReportFlag, ReportFlag.target_id == report.id) == n + 1
    _db.session.refresh(report)
    assert report.hidden_at is None
    assert count(AuditEntry, AuditEntry.action == "report.auto_hidden") == 0

    act_as(client, flaggers[2])
    response = client.post(f"{BASE}/{report.id}/tandai", data={"reason": "data_pribadi"})
    assert response.status_code == 302
    _db.session.refresh(report)
    assert report.hidden_at is not None
    assert report.hidden_reason == "Disembunyikan otomatis setelah 3 tanda dari warga"
    entry = _db.session.execute(
        select(AuditEntry).where(AuditEntry.action == "report.auto_hidden")
    ).scalar_one()
    assert (entry.object_type, entry.object_id, entry.actor_id) == ("report", str(report.id), None)
    assert entry.kelurahan_id == report.kelurahan_id

    # Hidden from the public until staff review it; staff still see it, marked.
    act_as(client, factory.user("warga", "kauman"))
    assert client.get(f"{BASE}/{report.id}").status_code == 404
    assert report.title not in text(client.get(f"{BASE}/"))
    staff = factory.user("petugas", "kauman")
    act_as(client, staff)
    assert "Disembunyikan otomatis setelah 3 tanda dari warga" in page(client, report)


def test_flag_threshold_is_a_setting(client, factory):
    set_settings(factory, flag_threshold=1)
    report = make_report(factory)
    act_as(client, factory.user("warga", "kauman", verified=True))
    client.post(f"{BASE}/{report.id}/tandai", data={"reason": "tidak_pantas"})
    _db.session.refresh(report)
    assert report.hidden_reason == "Disembunyikan otomatis setelah 1 tanda dari warga"


def test_reviewed_flags_do_not_count_again(client, factory):
    report = make_report(factory)
    for _ in range(2):
        _db.session.add(
            ReportFlag(
                kelurahan_id=report.kelurahan_id,
                target_type="report",
                target_id=report.id,
                user_id=factory.user("warga", "kauman").id,
                reason="spam",
                reviewed_at=utcnow(),
            )
        )
    _db.session.commit()
    act_as(client, factory.user("warga", "kauman"))
    client.post(f"{BASE}/{report.id}/tandai", data={"reason": "spam"})
    _db.session.refresh(report)
    assert report.hidden_at is None


def test_flag_needs_a_known_reason_and_not_own_report(client, factory):
    reporter = factory.user("warga", "kauman")
    report = make_report(factory, reporter)
    act_as(client, reporter)
    own = client.post(f"{BASE}/{report.id}/tandai", data={"reason": "spam"}, follow_redirects=True)
    assert "Anda tidak dapat menandai tulisan Anda sendiri" in text(own)
    act_as(client, factory.user("warga", "kauman"))
    bad = client.post(f"{BASE}/{report.id}/tandai", data={"reason": "bosan"}, follow_redirects=True)
    assert "Pilih alasan menandai" in text(bad)
    assert count(ReportFlag) == 0
    assert client.post(f"{BASE}/{report.id}/tandai", data={"reason": "spam"}).status_code == 302
    assert _db.session.execute(select(ReportFlag.reason)).scalar_one() == "spam"


def test_flag_needs_an_account(client, factory):
    report = make_report(factory)
    assert client.post(f"{BASE}/{report.id}/tandai", data={"reason": "spam"}).status_code == 302
    assert count(ReportFlag) == 0


def test_comment_hidden_after_threshold_flags(client, factory):
    report = make_report(factory)
    author = factory.user("warga", "kauman")
    comment = ReportComment(
        kelurahan_id=report.kelurahan_id,
        report_id=report.id,
        user_id=author.id,
        body="Komentar yang mengganggu",
    )
    _db.session.add(comment)
    _db.session.commit()
    url = f"{BASE}/komentar/{comment.id}/tandai"

    act_as(client, author)
    client.post(url, data={"reason": "spam"})
    assert count(ReportFlag) == 0  # not one's own comment

    for n in range(3):
        act_as(client, factory.user("warga", "kauman", verified=True))
        response = client.post(url, data={"reason": "kasar"}, headers=HTMX if n == 2 else {})
        assert response.status_code in (200, 302)
    assert "disembunyikan sampai ditinjau petugas" in text(response)
    _db.session.refresh(comment)
    assert comment.hidden_reason == "Disembunyikan otomatis setelah 3 tanda dari warga"
    entry = _db.session.execute(
        select(AuditEntry).where(AuditEntry.action == "report.auto_hidden")
    ).scalar_one()
    assert (entry.object_type, entry.object_id, entry.actor_id) == (
        "report_comment",
        str(comment.id),
        None,
    )
    assert "Komentar yang mengganggu" not in page(client, report)
    assert report.title in page(client, report)  # the report itself stays visible
    # A hidden comment cannot be flagged further by residents.
    act_as(client, factory.user("warga", "kauman"))
    assert client.post(url, data={"reason": "spam"}).status_code == 404


def test_flag_of_another_kelurahan_comment_is_404(client, factory, login_as):
    report = make_report(factory, slug="medono")
    comment = ReportComment(
        kelurahan_id=report.kelurahan_id,
        report_id=report.id,
        user_id=report.reporter_id,
        body="Komentar Medono",
    )
    _db.session.add(comment)
    _db.session.commit()
    login_as("warga", "kauman")
    assert (
        client.post(f"{BASE}/komentar/{comment.id}/tandai", data={"reason": "spam"}).status_code
        == 404
    )
    assert client.post(f"{BASE}/{report.id}/tandai", data={"reason": "spam"}).status_code == 404
    assert client.post(f"{BASE}/{report.id}/komentar", data={"body": "x"}).status_code == 404
    assert client.post(f"{BASE}/{report.id}/ikuti").status_code == 404
    assert count(ReportFlag) == 0
    assert count(ReportComment) == 1
    assert count(ReportFollow) == 0


# -- share and my reports ----------------------------------------------------------------------


def test_share_to_whatsapp_link(client, factory):
    report = make_report(factory, title="Lampu mati & gelap")
    body = page(client, report)
    link = f"http://localhost{BASE}/{report.id}"
    expected = "https://wa.me/?text=" + quote(f"Lampu mati & gelap {link}", safe="")
    assert expected.replace("&", "&amp;") in body or expected in body
    assert "Bagikan ke WhatsApp" in body


def test_my_reports_lists_only_my_own(client, factory, login_as):
    me = login_as("warga", "kauman")
    mine = make_report(factory, me, title="Jalan berlubang depan sekolah")
    make_report(factory, title="Laporan tetangga")
    _db.session.add(
        ReportSupport(kelurahan_id=mine.kelurahan_id, report_id=mine.id, user_id=factory.user().id)
    )
    _db.session.commit()
    response = client.get(f"{BASE}/saya")
    assert response.status_code == 200
    body = text(response)
    assert "Jalan berlubang depan sekolah" in body
    assert "Laporan tetangga" not in body
    assert "1 dukungan" in body


def test_my_reports_needs_an_account(client):
    response = client.get(f"{BASE}/saya")
    assert response.status_code == 302
    assert "/masuk" in response.headers["Location"]


def test_engagement_pages_404_when_plugin_disabled(client, app, factory, login_as):
    report = make_report(factory)
    enable_plugin(app, "reports", "kauman", enabled=False)
    login_as("warga", "kauman")
    assert client.post(f"{BASE}/{report.id}/dukung").status_code == 404
    assert client.post(f"{BASE}/{report.id}/ikuti").status_code == 404
    assert client.post(f"{BASE}/{report.id}/komentar", data={"body": "x"}).status_code == 404
    assert client.get(f"{BASE}/{report.id}/komentar").status_code == 404
    assert client.post(f"{BASE}/{report.id}/tandai", data={"reason": "spam"}).status_code == 404
    assert count(ReportSupport) == count(ReportFollow) == count(ReportComment) == 0


def test_engagement_posts_need_the_csrf_token(client, app, factory, login_as):
    report = make_report(factory)
    login_as("warga", "kauman")
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post(f"{BASE}/{report.id}/dukung").status_code == 400
    assert client.post(f"{BASE}/{report.id}/ikuti").status_code == 400
    assert client.post(f"{BASE}/{report.id}/komentar", data={"body": "Halo"}).status_code == 400
    assert client.post(f"{BASE}/{report.id}/tandai", data={"reason": "spam"}).status_code == 400
    assert count(ReportSupport) == count(ReportFollow) == count(ReportComment) == 0
    assert count(ReportFlag) == 0


def test_my_reports_when_there_are_none(client, login_as):
    login_as("warga", "kauman")
    assert "Anda belum pernah membuat laporan." in text(client.get(f"{BASE}/saya"))
