"""The NIK encrypted at rest: keys from config, rotation, keyed lookups."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.fernet import Fernet
from flask import Flask

from plugins.services import personal

NIK = "3375011508900001"
OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()


@pytest.fixture(autouse=True)
def _no_keys_in_environment(monkeypatch):
    # The developer's or CI's shell must not decide what these tests see.
    monkeypatch.delenv("KP_SERVICES_KEYS", raising=False)
    monkeypatch.delenv("KP_SERVICES_LOOKUP_KEY", raising=False)


def make_app(**config) -> Flask:
    app = Flask(__name__)
    app.config.update({"KP_ENV": "testing", "SECRET_KEY": "rahasia-uji", **config})
    return app


def test_round_trip_and_ciphertext_hides_the_value():
    with make_app(KP_SERVICES_KEYS=OLD_KEY).app_context():
        token = personal.encrypt(NIK)
        assert token != NIK
        assert NIK not in token
        assert personal.decrypt(token) == NIK
        # Fernet is randomised: the same NIK twice does not give equal tokens to compare.
        assert personal.encrypt(NIK) != token


def test_token_made_with_old_key_decrypts_after_a_new_key_is_put_first():
    with make_app(KP_SERVICES_KEYS=OLD_KEY).app_context():
        old_token = personal.encrypt(NIK)
    with make_app(KP_SERVICES_KEYS=f"{NEW_KEY}, {OLD_KEY}").app_context():
        assert personal.decrypt(old_token) == NIK
        rotated = personal.rotate(old_token)
        new_token = personal.encrypt(NIK)
    assert Fernet(NEW_KEY.encode()).decrypt(rotated.encode()).decode() == NIK
    assert Fernet(NEW_KEY.encode()).decrypt(new_token.encode()).decode() == NIK
    with make_app(KP_SERVICES_KEYS=NEW_KEY).app_context():
        assert personal.decrypt(rotated) == NIK
        with pytest.raises(ValueError, match="KP_SERVICES_KEYS"):
            personal.decrypt(old_token)  # the old key is gone, so is what it alone encrypted


@pytest.mark.parametrize("token", ["bukan-token", "gAAAAA" + "x" * 80, "gAAAAé", ""])
def test_bad_token_is_a_clear_value_error(token):
    with make_app(KP_SERVICES_KEYS=OLD_KEY).app_context():
        with pytest.raises(ValueError, match="not a services token"):
            personal.decrypt(token)
        with pytest.raises(ValueError, match="not a services token"):
            personal.rotate(token)


def test_environment_is_read_when_config_is_empty(monkeypatch):
    monkeypatch.setenv("KP_SERVICES_KEYS", OLD_KEY)
    with make_app(KP_ENV="production").app_context():
        token = personal.encrypt(NIK)
    assert Fernet(OLD_KEY.encode()).decrypt(token.encode()).decode() == NIK


def test_lookup_hash_is_stable_normalised_and_keyed():
    with make_app(KP_SERVICES_LOOKUP_KEY="kunci-satu").app_context():
        first = personal.lookup_hash(NIK)
        assert personal.lookup_hash(NIK) == first
        assert personal.lookup_hash("3375 0115 0890 0001") == first
        assert personal.lookup_hash("3375011508900002") != first
    assert len(first) == 64 and int(first, 16) >= 0
    assert first != hashlib.sha256(NIK.encode()).hexdigest()  # not guessable without the key
    with make_app(KP_SERVICES_LOOKUP_KEY="kunci-dua").app_context():
        assert personal.lookup_hash(NIK) != first


def test_development_derives_keys_from_secret_key():
    with make_app(KP_ENV="development").app_context():
        token = personal.encrypt(NIK)
        derived_hash = personal.lookup_hash(NIK)
        personal.check_config()
    # Same SECRET_KEY, same keys: a restarted `make run` still reads its data.
    with make_app(KP_ENV="development").app_context():
        assert personal.decrypt(token) == NIK
        assert personal.lookup_hash(NIK) == derived_hash
    with make_app(KP_ENV="development", SECRET_KEY="lain").app_context():
        assert personal.lookup_hash(NIK) != derived_hash
        with pytest.raises(ValueError):
            personal.decrypt(token)


def test_derived_encryption_and_lookup_keys_differ():
    with make_app().app_context():
        token = personal.encrypt(NIK)
        fernet_key = personal._keys_text()
        lookup_key = personal._lookup_key()
    assert Fernet(fernet_key.encode()).decrypt(token.encode()).decode() == NIK
    assert Fernet(fernet_key.encode())._signing_key != lookup_key
    assert Fernet(fernet_key.encode())._encryption_key != lookup_key


@pytest.mark.parametrize("env", ["production", "staging", None])
def test_production_without_keys_refuses_to_start(env):
    with make_app(KP_ENV=env).app_context():
        with pytest.raises(RuntimeError, match="KP_SERVICES_KEYS must be set outside development"):
            personal.encrypt(NIK)
        with pytest.raises(RuntimeError, match="Fernet.generate_key"):
            personal.check_config()


def test_production_without_lookup_key_refuses():
    with make_app(KP_ENV="production", KP_SERVICES_KEYS=OLD_KEY).app_context():
        assert personal.decrypt(personal.encrypt(NIK)) == NIK
        with pytest.raises(RuntimeError, match="KP_SERVICES_LOOKUP_KEY must be set"):
            personal.lookup_hash(NIK)


def test_malformed_key_is_reported_without_echoing_it():
    app = make_app(KP_SERVICES_KEYS=f"{NEW_KEY},bukan-kunci-rahasia")
    with app.app_context(), pytest.raises(RuntimeError, match="key number 2") as caught:
        personal.encrypt(NIK)
    assert "bukan-kunci-rahasia" not in str(caught.value)
