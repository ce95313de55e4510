"""`KP_ENV=production` starts only with what several hosts need: a real secret, the public
address, PostgreSQL and Redis. Each refusal is one line that says what to set."""

from __future__ import annotations

import pytest
from conftest import PRODUCTION_SERVICES

from app import create_app
from app.config import ConfigError

READY = {
    "KP_ENV": "production",
    "SECRET_KEY": "a-long-random-secret-from-the-environment",
    "KP_PUBLIC_URL": "https://kelurahanpintar.pekalongankota.go.id",
    **PRODUCTION_SERVICES,
}


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"SECRET_KEY": "dev-only-not-secret"}, "SECRET_KEY must be set"),
        ({"SECRET_KEY": None}, "SECRET_KEY must be set"),
        ({"KP_PUBLIC_URL": None}, "KP_PUBLIC_URL must be set in production"),
        (
            {"SQLALCHEMY_DATABASE_URI": "sqlite:////tmp/kp.db"},
            "DATABASE_URL must point to PostgreSQL",
        ),
        ({"REDIS_URL": None}, "REDIS_URL must be set in production"),
        ({"KP_STORAGE": "s3"}, "KP_STORAGE=s3 needs KP_S3_BUCKET"),
        ({"KP_STORAGE": "nfs"}, "KP_STORAGE must be 'local' or 's3'"),
        ({"KP_MEDIA_ACCEL": "_media"}, "KP_MEDIA_ACCEL must be an nginx location"),
    ],
)
def test_production_refuses_to_start_with_one_line_saying_why(change, reason):
    with pytest.raises(ConfigError, match=reason) as refused:
        create_app({**READY, **change})
    assert "\n" not in str(refused.value)


def test_production_starts_with_everything_it_needs(monkeypatch):
    monkeypatch.setenv("KP_ENV", "production")  # the cookie flags follow the environment's
    app = create_app(READY)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
