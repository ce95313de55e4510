"""API keys are the core's: a kelurahan admin issues them at /k/<slug>/admin/kunci-api (or
`flask kp api-key ...`) with scopes that plugins declare (`Manifest.api_scopes`). A key is
shown once; only its hash and first 8 characters stay. Open311 accepts a key of the
kelurahan asked about that carries `reports.write`. The reports plugin's former keys are
moved here by the migrations (0009_core, 0004_reports)."""

from __future__ import annotations

import hashlib
import html
import re
from datetime import timedelta

import flask_migrate
import pytest
from conftest import count, enable_plugin, fixture_manifest, kelurahan
from sqlalchemy import select, text

from app import apikeys, tenancy
from app.extensions import db as _db
from app.models import ApiKey, AuditEntry, Kelurahan, utcnow
from app.plugins import ApiScope, PluginLoadError, hookimpl
from tests.conftest import fresh_database, make_app

PAGE = "/k/kauman/admin/kunci-api"
WRITE = "reports.write"


@pytest.fixture
def reports_on(app):
    enable_plugin(app, "reports", "kauman")


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def shown_key(response) -> str:
    found = re.search(r'id="new-api-key" value="([^"]*)"', response.get_data(as_text=True))
    assert found, "the new key is not shown"
    return found.group(1)


def token_of(page: str) -> str:
    return re.search(r'name="submission_token"[^>]*value="([^"]+)"', page).group(1)


def issue(client, label="Aplikasi Lapor Pekalongan", scopes=(WRITE,), **extra):
    return client.post(PAGE, data={"label": label, "scopes": list(scopes), **extra})


def fresh(obj):
    _db.session.expire_all()
    return _db.session.get(type(obj), obj.id)


def post_open311(client, key: str, slug: str = "kauman"):
    return client.post(
        "/open311/v2/requests.json",
        data={
            "api_key": key,
            "jurisdiction_id": slug,
            "service_code": "penerangan-jalan",
            "lat": "-6.8899",
            "long": "109.6728",
            "description": "Lampu jalan mati di gang 3.",
        },
    )


# -- the admin page ----------------------------------------------------------------------------


def test_admin_issues_a_key_shown_once_and_only_its_hash_is_stored(client, login_as, reports_on):
    admin = login_as("admin", "kauman")
    page = client.get(PAGE)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "Mengirim laporan warga (Open311 dan API)" in text_of(page)
    response = issue(client)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    plaintext = shown_key(response)
    key = _db.session.execute(select(ApiKey)).scalar_one()
    assert hashlib.sha256(plaintext.encode()).hexdigest() == key.key_hash
    assert plaintext.startswith(key.prefix) and len(key.prefix) == 8
    assert plaintext not in {str(getattr(key, c.key)) for c in ApiKey.__table__.columns}
    assert (key.label, key.scopes, key.created_by_id, key.revoked_at) == (
        "Aplikasi Lapor Pekalongan",
        WRITE,
        admin.id,
        None,
    )
    assert key.kelurahan_id == kelurahan("kauman").id
    again = text_of(client.get(PAGE))
    assert plaintext not in again
    assert f"{key.prefix}…" in again and "Aplikasi Lapor Pekalongan" in again
    assert "Belum pernah" in again  # never used yet
    # The key posts a report through Open311, and the page then says when it was used.
    assert post_open311(client, plaintext).status_code == 201
    assert fresh(key).last_used_at is not None
    assert "Belum pernah" not in text_of(client.get(PAGE))


def test_a_refused_form_says_why_and_keeps_what_was_typed(client, login_as, reports_on):
    login_as("admin", "kauman")
    response = issue(client, label=" ", scopes=())
    assert response.status_code == 422
    body = text_of(response)
    assert "Wajib diisi." in body and "Pilih paling sedikit satu izin." in body
    response = issue(client, label="Mitra <b>Kota</b>", scopes=())
    assert response.status_code == 422
    assert 'value="Mitra &lt;b&gt;Kota&lt;/b&gt;"' in response.get_data(as_text=True)
    response = issue(client, label="x" * 121)
    assert response.status_code == 422 and "Paling banyak 120 karakter." in text_of(response)
    assert count(ApiKey) == 0


def test_scopes_are_those_of_plugins_switched_on_here(app, client, login_as, reports_on):
    login_as("admin", "kauman")
    for scopes in (("nope.write",), (WRITE, "umkm.write"), ("reports.write reports.read",)):
        response = issue(client, scopes=scopes)
        assert response.status_code == 422
        assert "Izin yang dipilih tidak tersedia" in text_of(response)
    # Medono has the reports plugin off: nothing to give, the page says so.
    login_as("admin", "medono")
    page = text_of(client.get("/k/medono/admin/kunci-api"))
    assert "Belum ada fitur aktif di kelurahan ini yang menerima kunci API" in page
    assert (
        client.post(
            "/k/medono/admin/kunci-api", data={"label": "Kunci", "scopes": WRITE}
        ).status_code
        == 422
    )
    assert count(ApiKey) == 0
    # The functions refuse the same, for the CLI and the API.
    with pytest.raises(apikeys.ScopeError):
        apikeys.issue_key(kelurahan("medono"), "Kunci", [WRITE])
    with pytest.raises(apikeys.ScopeError):
        apikeys.issue_key(kelurahan("kauman"), "Kunci", ["nope.write"])
    assert [s.key for s in apikeys.scopes_for(kelurahan("kauman"))] == [WRITE]
    assert WRITE in {s.key for s in apikeys.known_scopes()}


def test_the_same_form_sent_twice_issues_one_key(client, login_as, reports_on):
    login_as("admin", "kauman")
    token = token_of(client.get(PAGE).get_data(as_text=True))
    first = issue(client, submission_token=token)
    assert first.status_code == 200 and shown_key(first)
    second = issue(client, submission_token=token)
    assert second.status_code == 303
    assert second.headers["Location"].startswith(PAGE)
    assert count(ApiKey) == 1
    assert "Formulir ini sudah terkirim sebelumnya" in text_of(client.get(PAGE))


def test_admin_revokes_a_key_and_open311_refuses_it(client, login_as, reports_on):
    login_as("admin", "kauman")
    plaintext = shown_key(issue(client, label="Mitra"))
    key = _db.session.execute(select(ApiKey)).scalar_one()
    response = client.post(f"{PAGE}/{key.id}/cabut")
    assert response.status_code == 302 and response.headers["Location"].endswith(PAGE)
    assert fresh(key).revoked_at is not None
    page = text_of(client.get(PAGE))
    assert "Dicabut" in page and f"Kunci {key.prefix}… dicabut" in page
    assert post_open311(client, plaintext).status_code == 403
    client.post(f"{PAGE}/{key.id}/cabut")
    assert "sudah dicabut sebelumnya" in text_of(client.get(PAGE))
    assert count(AuditEntry, AuditEntry.action == "core.api_key.revoke") == 1


def test_another_kelurahans_key_is_not_found(app, client, login_as, reports_on):
    enable_plugin(app, "reports", "medono")
    key, _plaintext = apikeys.issue_key(kelurahan("medono"), "Kunci Medono", [WRITE])
    _db.session.commit()
    login_as("admin", "kauman")
    assert client.post(f"{PAGE}/{key.id}/cabut").status_code == 404
    assert client.post(f"{PAGE}/999999999/cabut").status_code == 404
    assert fresh(key).revoked_at is None
    assert "Kunci Medono" not in text_of(client.get(PAGE))


@pytest.mark.parametrize("role", ["petugas", "warga"])
def test_only_the_kelurahan_admin_manages_keys(client, login_as, reports_on, role):
    key, _plaintext = apikeys.issue_key(kelurahan("kauman"), "Kunci", [WRITE])
    _db.session.commit()
    login_as(role, "kauman")
    assert client.get(PAGE).status_code == 403
    assert issue(client).status_code == 403
    assert client.post(f"{PAGE}/{key.id}/cabut").status_code == 403
    assert count(ApiKey) == 1 and fresh(key).revoked_at is None
    # An admin of another kelurahan is no admin here.
    login_as("admin", "medono")
    assert client.get(PAGE).status_code == 403


def test_visitors_are_sent_to_sign_in(client, reports_on):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/masuk" in response.headers["Location"]


def test_issuing_and_revoking_read_as_sentences_in_the_audit_log(client, login_as, reports_on):
    login_as("admin", "kauman", name="Siti")
    issue(client, label="Aplikasi kota")
    key = _db.session.execute(select(ApiKey)).scalar_one()
    client.post(f"{PAGE}/{key.id}/cabut")
    page = client.get("/k/kauman/admin/audit").get_data(as_text=True)
    lines = [html.unescape(s) for s in re.findall(r'<p class="audit-sentence">(.*?)</p>', page)]
    assert lines[:2] == [
        f"Admin Siti mencabut kunci API “Aplikasi kota” ({key.prefix}…)",
        f"Admin Siti membuat kunci API “Aplikasi kota” ({key.prefix}…)",
    ]
    issued = _db.session.execute(
        select(AuditEntry).where(AuditEntry.action == "core.api_key.issue")
    ).scalar_one()
    assert issued.after == {"label": "Aplikasi kota", "prefix": key.prefix, "scopes": WRITE}
    assert key.key_hash not in str(issued.after)


def test_admin_menu_links_to_the_keys(client, login_as):
    login_as("admin", "kauman")
    assert f'href="{PAGE}"' in client.get("/k/kauman/admin/").get_data(as_text=True)


# -- scopes and the APIs -----------------------------------------------------------------------


class Agenda:
    @hookimpl
    def kp_plugin_manifest(self):
        return fixture_manifest("agenda", api_scopes=(ApiScope("agenda.read", "Membaca agenda"),))


def test_open311_needs_a_key_with_reports_write(app, client, extra_plugin, reports_on):
    extra_plugin(Agenda(), "agenda")
    enable_plugin(app, "agenda", "kauman")
    reader, reader_plaintext = apikeys.issue_key(kelurahan("kauman"), "Pembaca", ["agenda.read"])
    writer, writer_plaintext = apikeys.issue_key(
        kelurahan("kauman"), "Penulis", ["agenda.read", WRITE]
    )
    _db.session.commit()
    assert set(writer.scope_list) == {WRITE, "agenda.read"}
    refused = post_open311(client, reader_plaintext)
    assert refused.status_code == 403
    assert "tidak diizinkan mengirim laporan" in refused.get_json()[0]["description"]
    assert post_open311(client, writer_plaintext).status_code == 201
    # A plugin switched off since: its scope no longer lets the key act.
    assert apikeys.allows(fresh(writer), "agenda.read")
    enable_plugin(app, "agenda", "kauman", enabled=False)
    assert not apikeys.allows(fresh(writer), "agenda.read")
    assert apikeys.allows(fresh(writer), WRITE)


def test_a_scope_must_be_named_after_its_plugin(app, extra_plugin):
    class Wrong:
        @hookimpl
        def kp_plugin_manifest(self):
            return fixture_manifest("wrong", api_scopes=(ApiScope("reports.write", "x"),))

    with pytest.raises(PluginLoadError, match="API scope 'reports.write' must start with"):
        extra_plugin(Wrong(), "wrong")


def test_find_active_key_and_touch(app, reports_on):
    key, plaintext = apikeys.issue_key(kelurahan("kauman"), "Kunci", [WRITE])
    _db.session.commit()
    assert apikeys.find_active_key(plaintext).id == key.id
    for wrong in (None, "", plaintext[:-1], plaintext + "x", "a" * 5000):
        assert apikeys.find_active_key(wrong) is None
    apikeys.touch(key)
    first = key.last_used_at
    assert first is not None
    apikeys.touch(key)  # within a minute: not written again
    assert key.last_used_at == first
    key.last_used_at = utcnow() - timedelta(minutes=2)
    apikeys.touch(key)
    assert key.last_used_at > first - timedelta(minutes=2)
    apikeys.revoke_key(key)
    _db.session.commit()
    assert apikeys.find_active_key(plaintext) is None


# -- the command line --------------------------------------------------------------------------


def kp(app, *args):
    return app.test_cli_runner().invoke(args=["kp", "api-key", *args])


def test_cli_issues_lists_and_revokes(app, client, reports_on):
    result = kp(app, "issue", "--kelurahan", "kauman", "--label", "Aplikasi A", "--scope", WRITE)
    assert result.exit_code == 0, result.output
    plaintext = result.stdout.strip().splitlines()[0]
    key = _db.session.execute(select(ApiKey)).scalar_one()
    assert key.key_hash == hashlib.sha256(plaintext.encode()).hexdigest()
    assert (key.label, key.scopes) == ("Aplikasi A", WRITE)
    assert post_open311(client, plaintext).status_code == 201

    listed = kp(app, "list", "--kelurahan", "kauman")
    assert listed.exit_code == 0
    (line,) = [ln for ln in listed.output.splitlines() if "Aplikasi A" in ln]
    assert line.startswith(key.prefix) and "active" in line and WRITE in line
    assert plaintext not in listed.output

    revoked = kp(app, "revoke", key.prefix, "--kelurahan", "kauman")
    assert revoked.exit_code == 0 and "revoked" in revoked.output
    assert post_open311(client, plaintext).status_code == 403
    assert "revoked" in kp(app, "list", "--kelurahan", "kauman").output
    assert "already revoked" in kp(app, "revoke", key.prefix, "--kelurahan", "kauman").output
    assert count(AuditEntry, AuditEntry.action == "core.api_key.issue") == 1
    assert count(AuditEntry, AuditEntry.action == "core.api_key.revoke") == 1


def test_cli_refuses_what_it_cannot_do(app, reports_on):
    for args, message in (
        (("issue", "--kelurahan", "kauman"), "--scope"),
        (("issue", "--kelurahan", "kauman", "--scope", "nope.write"), "nope.write"),
        (("issue", "--kelurahan", "medono", "--scope", WRITE), "not enabled in medono"),
        (("issue", "--kelurahan", "atlantis", "--scope", WRITE), "no kelurahan with slug"),
        (("revoke", "00000000", "--kelurahan", "kauman"), "no API key"),
    ):
        result = kp(app, *args)
        assert result.exit_code != 0, args
        assert message in result.output, result.output
    assert count(ApiKey) == 0
    assert "No API keys in kauman." in kp(app, "list", "--kelurahan", "kauman").output
    assert WRITE in kp(app, "scopes").output


# -- the migration from the reports plugin's keys ----------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def migrated_app(request, tmp_path):
    with fresh_database(request.param, tmp_path, "kp_keys") as url:
        application = make_app(url, tmp_path)
        with application.app_context(), tenancy.all_kelurahan():
            try:
                yield application
            finally:
                _db.session.remove()
                _db.engine.dispose()


def test_migration_moves_the_reports_keys_into_the_core(migrated_app):
    flask_migrate.upgrade(revision="heads")
    flask_migrate.downgrade(revision="0003_reports")  # the reports keys as they were
    home = Kelurahan(
        code="33.75.01.1001",
        slug="kauman",
        name="Kauman",
        kecamatan_code="33.75.01",
        kecamatan_name="Pekalongan Barat",
    )
    _db.session.add(home)
    _db.session.commit()
    plaintext = "a1b2c3d4" + "e" * 40
    rows = {
        "id": 7,
        "label": "Aplikasi Lapor",
        "prefix": plaintext[:8],
        "key_hash": hashlib.sha256(plaintext.encode()).hexdigest(),
        "created_at": utcnow(),
        "kelurahan_id": home.id,
    }
    _db.session.execute(
        text(
            "INSERT INTO reports_api_key (id, label, prefix, key_hash, created_at, kelurahan_id)"
            " VALUES (:id, :label, :prefix, :key_hash, :created_at, :kelurahan_id)"
        ),
        rows,
    )
    _db.session.execute(
        text(
            "INSERT INTO reports_report (category, title, description, lat, lng, status, "
            "hide_name, source, api_key_id, created_at, updated_at, kelurahan_id) VALUES "
            "('Jalan rusak', 'Lubang', 'Lubang besar', -6.89, 109.67, 'baru', :no, "
            "'open311', 7, :now, :now, :kelurahan_id)"
        ),
        {"no": False, "now": utcnow(), "kelurahan_id": home.id},
    )
    _db.session.commit()

    flask_migrate.upgrade(revision="heads")
    moved = _db.session.execute(select(ApiKey)).scalar_one()
    assert (moved.id, moved.label, moved.prefix, moved.scopes) == (
        7,
        "Aplikasi Lapor",
        plaintext[:8],
        WRITE,
    )
    assert apikeys.find_active_key(plaintext).id == 7
    assert _db.session.execute(text("SELECT api_key_id FROM reports_report")).scalar_one() == 7
    # New keys continue after the moved ones.
    enable_plugin(migrated_app, "reports", "kauman")
    new_key, _ = apikeys.issue_key(_db.session.get(Kelurahan, home.id), "Baru", [WRITE])
    _db.session.commit()
    assert new_key.id > 7
    _db.session.remove()

    flask_migrate.downgrade(revision="0003_reports")
    back = _db.session.execute(
        text("SELECT id, label, key_hash FROM reports_api_key ORDER BY id")
    ).all()
    assert [(r.id, r.label) for r in back] == [(7, "Aplikasi Lapor"), (new_key.id, "Baru")]
    assert _db.session.execute(text("SELECT COUNT(*) FROM api_key")).scalar_one() == 0
    assert _db.session.execute(text("SELECT api_key_id FROM reports_report")).scalar_one() == 7
