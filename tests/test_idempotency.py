"""Create forms are idempotent: the same form sent twice (an answer lost on a slow phone
connection, a double tap, the back button) creates one thing, and the second answer goes to
the first result. Runs on SQLite and PostgreSQL (the `app` fixture's backends)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db as _db
from app.models import Group, SubmissionToken, utcnow
from plugins.reports.models import Report, ReportComment, ReportUpdate
from plugins.umkm.models import Product, Shop
from tests.conftest import act_as, count, enable_plugin, make_group, make_user

REPORTS = "/k/kauman/laporan"
TOKEN = re.compile(r'name="submission_token" type="hidden" value="([^"]+)"')
ALREADY = "Formulir ini sudah terkirim sebelumnya"


@pytest.fixture(autouse=True)
def plugins_on(app):
    enable_plugin(app, "reports", "kauman")
    enable_plugin(app, "umkm", "kauman")


def token_on(client, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200, url
    match = TOKEN.search(page.get_data(as_text=True))
    assert match, f"no submission_token on {url}"
    return match.group(1)


def report_form(token: str | None, **fields) -> dict:
    data = {
        "category": "Jalan rusak",
        "title": "Jalan berlubang di gang tiga",
        "description": "Lubang besar, berbahaya untuk motor.",
        "lat": "-6.8899",
        "lng": "109.6728",
        "confirm_new": "1",
        **fields,
    }
    if token is not None:
        data["submission_token"] = token
    return data


def test_each_new_form_carries_a_fresh_token(client, login_as):
    login_as("warga", "kauman")
    first, second = token_on(client, f"{REPORTS}/baru"), token_on(client, f"{REPORTS}/baru")
    assert first != second
    assert len(first) >= 32


def test_a_report_sent_twice_is_filed_once(client, login_as):
    login_as("warga", "kauman")
    token = token_on(client, f"{REPORTS}/baru")
    first = client.post(f"{REPORTS}/baru", data=report_form(token))
    assert first.status_code == 302
    report = _db.session.execute(select(Report)).scalar_one()
    assert first.headers["Location"].endswith(f"{REPORTS}/{report.id}")

    again = client.post(f"{REPORTS}/baru", data=report_form(token))  # the answer was lost
    assert again.status_code == 303
    assert again.headers["Location"] == f"{REPORTS}/{report.id}"
    assert count(Report) == 1
    assert count(ReportUpdate) == 1
    page = client.get(again.headers["Location"])
    assert ALREADY in page.get_data(as_text=True)
    stored = _db.session.execute(select(SubmissionToken)).scalar_one()
    assert (stored.token, stored.result_url) == (token, f"{REPORTS}/{report.id}")


def test_a_concurrent_duplicate_is_rolled_back_and_sent_to_the_first(client, login_as, monkeypatch):
    """Both requests passed the check before either committed: the token's unique
    constraint refuses the second, which is rolled back whole and redirected."""
    login_as("warga", "kauman")
    token = token_on(client, f"{REPORTS}/baru")
    assert client.post(f"{REPORTS}/baru", data=report_form(token)).status_code == 302
    first = _db.session.execute(select(Report)).scalar_one()
    monkeypatch.setattr("plugins.reports.views.already_done", lambda form: None)

    racing = client.post(f"{REPORTS}/baru", data=report_form(token))
    assert racing.status_code == 303
    assert racing.headers["Location"] == f"{REPORTS}/{first.id}"
    assert count(Report) == 1
    assert count(ReportUpdate) == 1
    assert count(SubmissionToken) == 1


def test_another_accounts_token_is_refused_politely(client, login_as):
    login_as("warga", "kauman")
    token = token_on(client, f"{REPORTS}/baru")
    assert client.post(f"{REPORTS}/baru", data=report_form(token)).status_code == 302

    act_as(client, make_user("warga", "kauman"))
    response = client.post(f"{REPORTS}/baru", data=report_form(token, title="Laporan orang lain"))
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Formulir ini tidak bisa dipakai lagi" in body
    assert "Laporan orang lain" in body  # what they typed is still there
    fresh = TOKEN.search(body).group(1)
    assert fresh != token
    assert count(Report) == 1
    assert client.post(f"{REPORTS}/baru", data=report_form(fresh)).status_code == 302
    assert count(Report) == 2


def test_a_form_without_a_token_still_files(client, login_as):
    """Old pages and scripts send no token: nothing to recognise, each POST files."""
    login_as("warga", "kauman")
    for _ in range(2):
        assert client.post(f"{REPORTS}/baru", data=report_form(None)).status_code == 302
    assert count(Report) == 2
    assert count(SubmissionToken) == 0


def test_a_malformed_token_is_ignored(client, login_as):
    login_as("warga", "kauman")
    response = client.post(f"{REPORTS}/baru", data=report_form("x" * 500))
    assert response.status_code == 302
    assert count(Report) == 1
    assert count(SubmissionToken) == 0


def test_a_comment_sent_twice_is_posted_once(client, login_as, factory):
    resident = login_as("warga", "kauman")
    report = Report(
        kelurahan_id=factory.kelurahan("kauman").id,
        reporter_id=resident.id,
        category="Sampah",
        title="Sampah menumpuk",
        description="Tiga hari tidak diangkut.",
        lat=-6.8899,
        lng=109.6728,
        status="baru",
        source="web",
    )
    _db.session.add(report)
    _db.session.commit()
    token = token_on(client, f"{REPORTS}/{report.id}")
    url = f"{REPORTS}/{report.id}/komentar"
    data = {"body": "Sudah saya laporkan ke RT juga.", "submission_token": token}
    assert client.post(url, data=data).status_code == 302
    again = client.post(url, data=data)
    assert again.status_code == 303
    assert again.headers["Location"] == f"{REPORTS}/{report.id}#komentar"
    htmx = client.post(url, data=data, headers={"HX-Request": "true"})
    assert htmx.status_code == 200  # the fragment, not the whole page swapped in
    assert "Komentar Anda sudah terkirim" in htmx.get_data(as_text=True)
    assert count(ReportComment) == 1


def test_a_group_sent_twice_is_created_once(client, login_as):
    login_as("warga", "kauman")
    token = token_on(client, "/k/kauman/kelompok/baru")
    data = {"name": "Batik Tulis Pesindon", "kind": "umkm", "submission_token": token}
    first = client.post("/k/kauman/kelompok/baru", data=data)
    assert first.status_code == 302
    again = client.post("/k/kauman/kelompok/baru", data=data)
    assert again.status_code == 303
    assert again.headers["Location"] == first.headers["Location"]
    assert count(Group) == 1


def test_a_shop_and_a_product_sent_twice_are_created_once(client, app):
    leader = make_user("warga", "kauman")
    group = make_group("kauman", leader=leader, name="UMKM Batik Kauman")
    act_as(client, leader)
    open_url = f"/k/kauman/umkm/toko/buka?group={group.id}"
    shop_form = {
        "group": str(group.id),
        "name": "Batik Kauman Asli",
        "whatsapp": "081234567890",
        "address": "Jl. Kauman No. 7",
        "lat": "-6.8899",
        "lng": "109.6728",
        "submission_token": token_on(client, open_url),
    }
    first = client.post("/k/kauman/umkm/toko/buka", data=shop_form)
    assert first.status_code == 302, first.get_data(as_text=True)[:500]
    again = client.post("/k/kauman/umkm/toko/buka", data=shop_form)
    assert again.status_code == 303
    assert again.headers["Location"] == first.headers["Location"]
    shop = _db.session.execute(select(Shop)).scalar_one()

    new_url = f"/k/kauman/umkm/toko/{shop.id}/produk/baru"
    product_form = {
        "name": "Kain batik tulis jlamprang",
        "category": "Batik tulis",
        "price": "350000",
        "unit": "lembar",
        "stock": "tersedia",
        "submission_token": token_on(client, new_url),
    }
    first = client.post(new_url, data=product_form)
    assert first.status_code == 302, first.get_data(as_text=True)[:500]
    again = client.post(new_url, data=product_form)
    assert again.status_code == 303
    assert again.headers["Location"] == first.headers["Location"]
    assert count(Product) == 1


def test_prune_deletes_tokens_older_than_a_day(app):
    user = make_user("warga", "kauman")
    _db.session.add_all(
        [
            SubmissionToken(token="a" * 32, user_id=user.id, result_url="/x", created_at=utcnow()),
            SubmissionToken(
                token="b" * 32,
                user_id=user.id,
                result_url="/y",
                created_at=utcnow() - timedelta(days=2),
            ),
        ]
    )
    _db.session.commit()
    result = app.test_cli_runner().invoke(args=["kp", "submissions", "prune"])
    assert "1 old form tokens removed" in result.output, result.output
    _db.session.expire_all()
    assert list(_db.session.execute(select(SubmissionToken.token)).scalars()) == ["a" * 32]
