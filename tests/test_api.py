"""/api/v1: the contract every endpoint keeps (cursor pages with Link headers, RFC 9457
problems in Indonesian and English, CORS for reads only, limits per key), the core's
endpoints, and the reports plugin's reads and its write (filing a report with an API key).
The plugins' own endpoints have their tests beside the plugin (tests/<id>/test_api.py)."""

from __future__ import annotations

import itertools

import pytest
from conftest import StatementCounter, enable_plugin
from sqlalchemy import select

from app.apikeys import issue_key, revoke_key
from app.extensions import db as _db
from app.models import utcnow
from plugins.reports.models import Report

KAUMAN = (-6.8899, 109.6728)
MEDONO = (-6.8890, 109.6560)
PROBLEM = "application/problem+json"
PUBLIC_URL = "https://kelurahan.pekalongankota.go.id"
NEW_REPORT = {
    "category": "Sampah",
    "description": "Sampah menumpuk di depan gang, sudah tiga hari.",
    "lat": KAUMAN[0],
    "lng": KAUMAN[1],
}


@pytest.fixture
def app_overrides():
    return {"KP_PUBLIC_URL": PUBLIC_URL}


@pytest.fixture
def reports_on(app):
    enable_plugin(app, "reports", "kauman")
    enable_plugin(app, "reports", "medono")


_seq = itertools.count(1)


def make_report(factory, slug="kauman", **fields) -> Report:
    n = next(_seq)
    values = {
        "category": "Sampah",
        "title": f"Sampah menumpuk {n}",
        "description": "Sudah tiga hari tidak diangkut.",
        "lat": (KAUMAN if slug == "kauman" else MEDONO)[0],
        "lng": (KAUMAN if slug == "kauman" else MEDONO)[1],
        "status": "baru",
        "source": "web",
        **fields,
    }
    reporter = factory.user("warga", slug)
    report = Report(kelurahan_id=factory.kelurahan(slug).id, reporter_id=reporter.id, **values)
    _db.session.add(report)
    _db.session.commit()
    return report


def key_for(factory, slug="kauman", scopes=("reports.write",)) -> str:
    _, plaintext = issue_key(factory.kelurahan(slug), "Aplikasi Lapor", list(scopes))
    _db.session.commit()
    return plaintext


def is_problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == PROBLEM
    body = response.get_json(force=True)
    assert body["status"] == status and body["title_id"] and body["title_en"]
    return body


# -- the document -------------------------------------------------------------------------


def test_openapi_document_describes_the_core_and_the_plugins(client):
    doc = client.get("/api/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    paths = doc["paths"]
    for path in (
        "/api/v1/kelurahan",
        "/api/v1/kelurahan/{kelurahan_slug}",
        "/api/v1/kelurahan/{kelurahan_slug}/metrics",
        "/api/v1/kelurahan/{kelurahan_slug}/datasets",
        "/api/v1/kelurahan/{kelurahan_slug}/reports/",
        "/api/v1/kelurahan/{kelurahan_slug}/reports/{report_id}",
    ):
        assert path in paths, path
    post = paths["/api/v1/kelurahan/{kelurahan_slug}/reports/"]["post"]
    assert post["security"] == [{"ApiKey": []}]
    assert doc["components"]["securitySchemes"]["ApiKey"]["name"] == "X-API-Key"
    # Errors are documented with the media type they are sent with.
    assert PROBLEM in doc["components"]["responses"]["DEFAULT_ERROR"]["content"]


def test_docs_page_loads_the_vendored_swagger_ui(client):
    page = client.get("/api/docs").get_data(as_text=True)
    assert "vendor/swagger-ui-dist-" in page and "/api/openapi.json" in page
    assert "unpkg.com" not in page


# -- the contract -------------------------------------------------------------------------


def test_kelurahan_list_pages_with_cursors_and_link_headers(client):
    seen, url, pages = [], "/api/v1/kelurahan?limit=10", 0
    while url:
        response = client.get(url)
        assert response.status_code == 200
        body = response.get_json()
        seen += [row["slug"] for row in body["items"]]
        pages += 1
        if body["next_cursor"]:
            link = response.headers["Link"]
            assert link.startswith(f"<{PUBLIC_URL}/api/v1/kelurahan?") and 'rel="next"' in link
            url = link[1 : link.index(">")].removeprefix(PUBLIC_URL)
        else:
            assert "Link" not in response.headers
            url = None
    assert pages == 3 and len(seen) == len(set(seen)) == 27
    assert "kauman" in seen


@pytest.mark.parametrize(
    "query, field", [("limit=0", "limit"), ("limit=abc", "limit"), ("limit=101", "limit")]
)
def test_bad_paging_is_a_problem_naming_the_field(client, query, field):
    body = is_problem(client.get(f"/api/v1/kelurahan?{query}"), 422)
    assert field in body["errors"]


@pytest.mark.parametrize("cursor", ["xyz", "aTEyMzQ1Njc4OTAxMjM0NTY3ODkw", "%00", "=="])
def test_a_forged_cursor_is_a_400_not_a_500(client, cursor):
    is_problem(client.get(f"/api/v1/kelurahan?cursor={cursor}"), 400)


def test_problem_titles_in_both_languages_and_title_follows_accept_language(client):
    body = is_problem(client.get("/api/v1/kelurahan/atlantis"), 404)
    assert body["title"] == body["title_id"] == "Tidak ditemukan"
    assert body["title_en"] == "Not found" and body["instance"] == "/api/v1/kelurahan/atlantis"
    english = client.get("/api/v1/kelurahan/atlantis", headers={"Accept-Language": "en"})
    assert is_problem(english, 404)["title"] == "Not found"
    is_problem(client.get("/api/v1/no-such-thing"), 404)
    is_problem(client.delete("/api/v1/kelurahan"), 405)


def test_html_pages_keep_their_html_errors(client):
    response = client.get("/k/atlantis/")
    assert response.status_code == 404 and response.mimetype == "text/html"


def test_reads_are_open_to_other_origins_but_writes_are_not(client, reports_on):
    origin = {"Origin": "https://peta.contoh.org"}
    response = client.get("/api/v1/kelurahan/kauman", headers=origin)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Link" in response.headers.get("Access-Control-Expose-Headers", "")
    preflight = client.options(
        "/api/v1/kelurahan/kauman/reports/",
        headers={**origin, "Access-Control-Request-Method": "POST"},
    )
    assert "POST" not in preflight.headers.get("Access-Control-Allow-Methods", "")
    assert "Access-Control-Allow-Credentials" not in preflight.headers


@pytest.mark.parametrize("app_overrides", [{"KP_API_READ_LIMIT": "3 per minute"}])
def test_reads_are_limited_per_key_and_per_address(client, factory, reports_on):
    for _ in range(3):
        assert client.get("/api/v1/kelurahan/kauman").status_code == 200
    limited = client.get("/api/v1/kelurahan/kauman")
    is_problem(limited, 429)
    # A key has its own allowance, not shared with the address it comes from.
    key = key_for(factory)
    assert client.get("/api/v1/kelurahan/kauman", headers={"X-API-Key": key}).status_code == 200


# -- the core's endpoints -----------------------------------------------------------------


def test_kelurahan_detail_names_its_plugins_and_their_api(client, reports_on):
    body = client.get("/api/v1/kelurahan/kauman").get_json()
    assert body["name"] == "Kauman" and body["url"] == f"{PUBLIC_URL}/k/kauman/"
    reports = next(p for p in body["plugins"] if p["id"] == "reports")
    assert reports["dimension"] and reports["api"] == (
        f"{PUBLIC_URL}/api/v1/kelurahan/kauman/reports/"
    )
    listed = client.get("/api/v1/kelurahan/kauman/plugins").get_json()
    assert [p["id"] for p in listed] == [p["id"] for p in body["plugins"]]


def test_metrics_come_with_definitions_and_the_rows_behind_them(client, factory, reports_on):
    make_report(factory)
    body = client.get("/api/v1/kelurahan/kauman/metrics?period=year").get_json()
    assert body["period"] == "year"
    filed = [m for m in body["metrics"] if m["dimension"] == "society" and m["value"] >= 1]
    assert filed, body["metrics"]
    assert all(m["definition"] for m in body["metrics"])
    assert all(m["url"] is None or m["url"].startswith(PUBLIC_URL) for m in body["metrics"])
    is_problem(client.get("/api/v1/kelurahan/kauman/metrics?period=decade"), 422)


def test_datasets_link_to_their_downloads(client, reports_on):
    body = client.get("/api/v1/kelurahan/kauman/datasets").get_json()
    reports = next(d for d in body if d["id"].startswith("laporan") or "report" in d["id"])
    assert {d["format"] for d in reports["downloads"]} >= {"csv", "json", "geojson"}
    assert all(d["url"].startswith(f"{PUBLIC_URL}/k/kauman/") for d in reports["downloads"])
    assert reports["columns"] and all(c["meaning"] for c in reports["columns"])
    assert reports["portal"] == f"{PUBLIC_URL}/data/{reports['id']}"
    csv_url = next(d["url"] for d in reports["downloads"] if d["format"] == "csv")
    header = client.get(csv_url.removeprefix(PUBLIC_URL)).get_data(as_text=True).splitlines()[0]
    assert header.lstrip("\ufeff").split(",") == [c["name"] for c in reports["columns"]]


# -- reports: reading ---------------------------------------------------------------------


def test_reports_list_and_detail_show_only_public_reports(client, factory, reports_on):
    shown = make_report(factory, reporter_name="Bu Sri")
    hidden = make_report(factory, hidden_at=utcnow(), hidden_reason="spam")
    foreign = make_report(factory, slug="medono")
    body = client.get("/api/v1/kelurahan/kauman/reports/").get_json()
    assert [r["id"] for r in body["items"]] == [shown.id]
    assert body["items"][0]["url"] == f"{PUBLIC_URL}/k/kauman/laporan/{shown.id}"
    detail = client.get(f"/api/v1/kelurahan/kauman/reports/{shown.id}")
    assert detail.status_code == 200 and detail.get_json()["title"] == shown.title
    text = detail.get_data(as_text=True) + client.get("/api/v1/kelurahan/kauman/reports/").get_data(
        as_text=True
    )
    assert "Bu Sri" not in text and "reporter" not in text and "email" not in text
    is_problem(client.get(f"/api/v1/kelurahan/kauman/reports/{hidden.id}"), 404)
    is_problem(client.get(f"/api/v1/kelurahan/kauman/reports/{foreign.id}"), 404)


def test_reports_answer_404_where_the_plugin_is_off(client, app, factory, reports_on):
    enable_plugin(app, "reports", "kauman", False)
    is_problem(client.get("/api/v1/kelurahan/kauman/reports/"), 404)


def test_reports_filter_by_status(client, factory, reports_on):
    make_report(factory, status="baru")
    done = make_report(factory, status="selesai")
    body = client.get("/api/v1/kelurahan/kauman/reports/?status=selesai").get_json()
    assert [r["id"] for r in body["items"]] == [done.id] and body["items"][0]["closed"]
    is_problem(client.get("/api/v1/kelurahan/kauman/reports/?status=hilang"), 422)
    is_problem(client.get("/api/v1/kelurahan/kauman/reports/?status=%00"), 400)


def test_reports_pages_walk_every_report_once(client, factory, reports_on):
    made = [make_report(factory).id for _ in range(5)]
    seen, url = [], "/api/v1/kelurahan/kauman/reports/?limit=2"
    while url:
        response = client.get(url)
        seen += [r["id"] for r in response.get_json()["items"]]
        link = response.headers.get("Link")
        url = link[1 : link.index(">")].removeprefix(PUBLIC_URL) if link else None
    assert seen == sorted(made, reverse=True)


def test_reports_list_query_count_does_not_grow(client, factory, reports_on):
    def statements() -> int:
        with StatementCounter() as counter:
            assert client.get("/api/v1/kelurahan/kauman/reports/").status_code == 200
        return counter.n

    make_report(factory)
    statements()  # the first request's one-off work is not counted
    few = statements()
    for _ in range(6):
        make_report(factory)
    statements()
    assert statements() == few


# -- reports: filing ----------------------------------------------------------------------


def post(client, body, key=None, slug="kauman"):
    headers = {"X-API-Key": key} if key else {}
    return client.post(f"/api/v1/kelurahan/{slug}/reports/", json=body, headers=headers)


def test_filing_a_report_with_a_key(client, factory, reports_on):
    key = key_for(factory)
    response = post(client, {**NEW_REPORT, "reporter_name": "Pak Budi"}, key)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    report = _db.session.get(Report, body["id"])
    assert report.source == "api" and report.kelurahan_id == factory.kelurahan("kauman").id
    assert report.title.startswith("Sampah menumpuk") and body["token"] == report.token
    assert response.headers["Location"] == (
        f"{PUBLIC_URL}/api/v1/kelurahan/kauman/reports/{report.id}"
    )
    assert "Pak Budi" not in response.get_data(as_text=True)
    # It is public at once, like a report filed on the site.
    assert client.get(f"/api/v1/kelurahan/kauman/reports/{report.id}").status_code == 200


def test_filing_without_a_valid_key_is_refused(client, factory, reports_on):
    def filed():
        return _db.session.execute(select(Report.id)).all()

    is_problem(post(client, NEW_REPORT), 401)
    is_problem(post(client, NEW_REPORT, "0" * 48), 401)
    medono = key_for(factory, "medono")
    is_problem(post(client, NEW_REPORT, medono), 403)
    revoked_key, revoked = issue_key(factory.kelurahan("kauman"), "Lama", ["reports.write"])
    revoke_key(revoked_key)
    _db.session.commit()
    is_problem(post(client, NEW_REPORT, revoked), 401)
    assert filed() == []


def test_a_signed_in_session_is_not_a_key(client, factory, login_as, reports_on):
    login_as("admin", "kauman")
    is_problem(post(client, NEW_REPORT), 401)


@pytest.mark.parametrize(
    "change, field",
    [
        ({"category": "Naga terbang"}, "category"),
        ({"description": "pendek"}, "description"),
        ({"lat": -7.5}, "lat"),
        ({"lat": "utara"}, "lat"),
        ({"lat": None}, "lat"),
        ({"surprise": 1}, "surprise"),
        ({"description": "x" * 5000}, "description"),
    ],
)
def test_invalid_reports_are_problems_naming_the_field(client, factory, reports_on, change, field):
    key = key_for(factory)
    body = is_problem(post(client, {**NEW_REPORT, **change}, key), 422)
    assert field in body["errors"], body
    assert _db.session.execute(select(Report.id)).all() == []


def test_a_non_json_body_is_a_problem(client, factory, reports_on):
    key = key_for(factory)
    response = client.post(
        "/api/v1/kelurahan/kauman/reports/",
        data="category=Sampah",
        headers={"X-API-Key": key, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code in (415, 422) and response.mimetype == PROBLEM


@pytest.mark.parametrize("app_overrides", [{"KP_API_WRITE_LIMIT": "2 per hour"}])
def test_filing_is_limited_per_key(client, factory, reports_on):
    key = key_for(factory)
    assert post(client, NEW_REPORT, key).status_code == 201
    assert post(client, NEW_REPORT, key).status_code == 201
    is_problem(post(client, NEW_REPORT, key), 429)
    assert post(client, NEW_REPORT, key_for(factory)).status_code == 201


@pytest.mark.parametrize("app_overrides", [{"WTF_CSRF_ENABLED": True}])
def test_the_api_needs_no_csrf_token_but_the_site_still_does(client, factory, reports_on):
    assert post(client, NEW_REPORT, key_for(factory)).status_code == 201
    assert client.post("/masuk", data={"email": "a@b.c"}).status_code == 400
