"""`flask --app wsgi kp reports api-key create|revoke|list --kelurahan SLUG`: a kelurahan's
Open311 keys from the command line, kept for existing scripts as an alias of the core's
`kp api-key ... --scope reports.write`. The key is printed once; only its hash and prefix
stay."""

from __future__ import annotations

import hashlib

import pytest
from conftest import count, enable_plugin
from sqlalchemy import select

from app.extensions import db as _db
from app.models import ApiKey, AuditEntry
from plugins.reports.models import Report


def kp(app, *args):
    return app.test_cli_runner().invoke(args=["kp", "reports", "api-key", *args])


@pytest.fixture
def kauman(app, factory):
    enable_plugin(app, "reports", "kauman")
    return factory.kelurahan("kauman")


def create(app, slug="kauman", *extra) -> str:
    result = kp(app, "create", "--kelurahan", slug, *extra)
    assert result.exit_code == 0, result.output
    return result.stdout.strip().splitlines()[0]


def post(client, key, slug="kauman"):
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


def test_create_prints_a_key_that_posts_a_report(app, client, kauman):
    key = create(app, "kauman", "--label", "Aplikasi Lapor Pekalongan")
    assert len(key) >= 32
    row = _db.session.execute(select(ApiKey)).scalar_one()
    assert row.kelurahan_id == kauman.id and row.label == "Aplikasi Lapor Pekalongan"
    assert row.scopes == "reports.write"
    # only a hash and the first 8 characters are stored
    assert row.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert row.prefix == key[:8] and len(row.prefix) == 8
    assert key not in {str(getattr(row, c.key)) for c in ApiKey.__table__.columns}
    response = post(client, key)
    assert response.status_code == 201, response.get_data(as_text=True)
    report = _db.session.execute(select(Report)).scalar_one()
    assert report.api_key_id == row.id and report.source == "open311"
    assert count(AuditEntry, AuditEntry.action == "core.api_key.issue") == 1


def test_each_create_prints_a_different_key(app, kauman):
    assert create(app) != create(app)
    assert count(ApiKey) == 2


def test_revoke_by_prefix_makes_the_key_403(app, client, kauman):
    key = create(app)
    keep = create(app)
    result = kp(app, "revoke", key[:8], "--kelurahan", "kauman")
    assert result.exit_code == 0, result.output
    assert "revoked" in result.output
    response = post(client, key)
    assert response.status_code == 403
    assert "api_key" in response.get_json()[0]["description"]
    assert post(client, keep).status_code == 201
    again = kp(app, "revoke", key[:8], "--kelurahan", "kauman")
    assert again.exit_code == 0 and "already revoked" in again.output
    assert count(AuditEntry, AuditEntry.action == "core.api_key.revoke") == 1


def test_list_shows_prefixes_labels_and_status_never_the_key(app, kauman):
    first = create(app, "kauman", "--label", "Aplikasi A")
    second = create(app, "kauman", "--label", "Aplikasi B")
    kp(app, "revoke", first[:8], "--kelurahan", "kauman")
    result = kp(app, "list", "--kelurahan", "kauman")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    (line_a,) = [line for line in lines if "Aplikasi A" in line]
    (line_b,) = [line for line in lines if "Aplikasi B" in line]
    assert line_a.startswith(first[:8]) and "revoked" in line_a
    assert line_b.startswith(second[:8]) and "active" in line_b
    assert first not in result.output and second not in result.output


def test_unknown_slug_is_refused(app, kauman):
    for args in (
        ("create", "--kelurahan", "atlantis"),
        ("list", "--kelurahan", "atlantis"),
        ("revoke", "abcdef12", "--kelurahan", "atlantis"),
    ):
        result = kp(app, *args)
        assert result.exit_code != 0
        assert "no kelurahan with slug 'atlantis'" in result.output
    assert count(ApiKey) == 0


def test_kelurahan_without_the_plugin_is_refused(app, kauman):
    result = kp(app, "create", "--kelurahan", "medono")
    assert result.exit_code != 0
    assert "not enabled in medono" in result.output
    assert count(ApiKey) == 0


def test_revoking_an_unknown_prefix_or_a_key_of_another_kelurahan_fails(app, client, kauman):
    enable_plugin(app, "reports", "medono")
    medono_key = create(app, "medono")
    result = kp(app, "revoke", medono_key[:8], "--kelurahan", "kauman")
    assert result.exit_code != 0 and "no API key" in result.output
    assert post(client, medono_key, "medono").status_code == 201
    result = kp(app, "revoke", "00000000", "--kelurahan", "kauman")
    assert result.exit_code != 0 and "no API key" in result.output


def test_create_requires_the_kelurahan_option(app, kauman):
    result = kp(app, "create")
    assert result.exit_code != 0 and "--kelurahan" in result.output
