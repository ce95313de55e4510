"""schemathesis reads /api/openapi.json and fuzzes every operation it describes, on SQLite
and on PostgreSQL: no answer may be a server error, and every answer must match the
document (its status, media type and body schema). Paths are pinned to a kelurahan with
every plugin switched on and some data, so the generated requests reach the real code
rather than stopping at a 404 for an unknown slug; the write endpoint gets a valid key."""

from __future__ import annotations

import pytest
import schemathesis
from conftest import enable_plugin
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.apikeys import issue_key
from app.extensions import db as _db
from plugins.reports.models import Report

SLUG = "kauman"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def app_overrides():
    # Fuzzing sends hundreds of requests from one address: limits are tested elsewhere.
    return {"KP_API_READ_LIMIT": "100000 per minute", "KP_API_WRITE_LIMIT": "100000 per hour"}


@pytest.fixture
def api_world(app, factory):
    for plugin_id in sorted(app.extensions["kp"].manifests):
        if plugin_id != "core":
            enable_plugin(app, plugin_id, SLUG)
    kelurahan = factory.kelurahan(SLUG)
    resident = factory.user("warga", SLUG)
    for n in range(3):
        _db.session.add(
            Report(
                kelurahan_id=kelurahan.id,
                reporter_id=resident.id,
                category="Sampah",
                title=f"Sampah menumpuk {n}",
                description="Sudah tiga hari tidak diangkut.",
                lat=-6.8899,
                lng=109.6728,
            )
        )
    _, key = issue_key(kelurahan, "Fuzz", ["reports.write"])
    _db.session.commit()
    return key


def test_api_answers_match_the_document(app, api_world):
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10  # the core's and every plugin's endpoints
    for operation in operations:
        fuzz(operation, api_world)


def fuzz(operation, key: str) -> None:
    @given(case=operation.as_strategy())
    @settings(
        max_examples=15,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        if "kelurahan_slug" in (case.path_parameters or {}):
            case.path_parameters["kelurahan_slug"] = SLUG
        # schemathesis' WSGI transport reads bodies as sent; an HTTP client would undo
        # the gzip/brotli that Flask-Compress applies, this one cannot.
        headers = {"Accept-Encoding": "identity"}
        if case.method == "POST":
            headers["X-API-Key"] = key
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()
