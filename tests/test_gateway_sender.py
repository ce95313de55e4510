"""Text messages through an HTTP SMS gateway (`app.mail:HttpGatewaySender`), tested against a
small gateway this test runs on 127.0.0.1: phone-only residents get their reset link, a
gateway error never fails the action and `flask kp outbox retry` sends again, and the
gateway's token stays out of the outbox and the log."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from conftest import make_user
from sqlalchemy import select

from app.config import ConfigError, check, load
from app.extensions import db as _db
from app.mail import HttpGatewaySender, send_message
from app.models import OutboxMessage

TOKEN = "gw-rahasia-7f3a9c"  # noqa: S105 - the fake gateway's token
PHONE = "+6281234567890"


class Gateway:
    """What the fake gateway received, and the status it answers with."""

    def __init__(self):
        self.requests: list[dict] = []
        self.status = 200
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/kirim"

    def _handler(self):
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the http.server API
                length = int(self.headers.get("Content-Length") or 0)
                gateway.requests.append(
                    {
                        "path": self.path,
                        "headers": dict(self.headers),
                        "body": self.rfile.read(length).decode(),
                    }
                )
                self.send_response(gateway.status)
                if 300 <= gateway.status < 400:
                    self.send_header("Location", "http://127.0.0.1:9/lain")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):  # keep the test output quiet
                pass

        return Handler

    def json_bodies(self) -> list[dict]:
        return [json.loads(r["body"]) for r in self.requests]


@pytest.fixture
def gateway():
    server = Gateway()
    thread = threading.Thread(target=server.server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()
    thread.join()


@pytest.fixture
def gateway_settings():
    return {}


@pytest.fixture
def app_overrides(gateway, gateway_settings):
    return {
        "KP_MAIL_SENDER": "app.mail:HttpGatewaySender",
        "KP_SMS_GATEWAY_URL": gateway.url,
        "KP_SMS_GATEWAY_TOKEN": TOKEN,
        "KP_PUBLIC_URL": "https://kelurahanpintar.example.id",
        **gateway_settings,
    }


def outbox() -> list[OutboxMessage]:
    _db.session.expire_all()
    return list(_db.session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars())


def ask_reset(client, identifier="0812-3456-7890"):
    return client.post("/lupa-sandi", data={"identifier": identifier})


def test_a_phone_only_reset_reaches_the_gateway_with_json_and_the_bearer_token(
    client, gateway, caplog
):
    make_user("warga", "kauman", phone=PHONE)
    with caplog.at_level("DEBUG"):
        response = ask_reset(client)

    assert response.status_code == 302
    [request] = gateway.requests
    assert request["path"] == "/kirim"
    assert request["headers"]["Authorization"] == f"Bearer {TOKEN}"
    assert request["headers"]["Content-Type"] == "application/json"
    [body] = gateway.json_bodies()
    assert set(body) == {"to", "message"}
    assert body["to"] == PHONE
    assert "https://kelurahanpintar.example.id/atur-ulang-sandi/" in body["message"]
    [kept] = outbox()
    assert (kept.channel, kept.recipient, kept.error) == ("sms", PHONE, None)
    assert kept.sent_at is not None
    # The link went out; the outbox and the log keep neither it nor the gateway's token.
    token = body["message"].split("/atur-ulang-sandi/")[1].split()[0]
    assert client.get(f"/atur-ulang-sandi/{token}").status_code == 200
    assert token not in kept.body and token not in caplog.text
    assert TOKEN not in caplog.text and TOKEN not in kept.body


def test_a_gateway_error_keeps_the_action_and_the_message(client, gateway, caplog):
    make_user("warga", "kauman", phone=PHONE)
    gateway.status = 500
    with caplog.at_level("DEBUG"):
        response = ask_reset(client)

    assert response.status_code == 302  # the request itself is answered as usual
    assert len(gateway.requests) == 1
    [kept] = outbox()
    assert kept.sent_at is None and kept.attempts == 1
    assert "500" in kept.error
    assert TOKEN not in kept.error and TOKEN not in caplog.text


def test_retry_delivers_once_the_gateway_answers(app, gateway, caplog):
    make_user("warga", "kauman", phone=PHONE)
    gateway.status = 503
    with app.test_request_context():
        send_message("sms", PHONE, "Laporan Anda", "Laporan Anda sedang diproses.")
        _db.session.commit()
    runner = app.test_cli_runner()

    with caplog.at_level("DEBUG"):
        still_down = runner.invoke(args=["kp", "outbox", "retry"])
        gateway.status = 200
        back = runner.invoke(args=["kp", "outbox", "retry"])

    assert "0 delivered, 1 still failing" in still_down.output
    assert "1 delivered, 0 still failing" in back.output, back.output
    assert len(gateway.requests) == 3
    assert gateway.json_bodies()[-1] == {
        "to": PHONE,
        "message": "Laporan Anda\nLaporan Anda sedang diproses.",
    }
    [kept] = outbox()
    assert (kept.attempts, kept.error) == (3, None) and kept.sent_at is not None
    assert TOKEN not in caplog.text and TOKEN not in still_down.output + back.output


def test_a_redirect_is_a_failure_and_the_token_is_not_followed(app, gateway):
    gateway.status = 302
    with app.test_request_context():
        message = send_message("sms", PHONE, "Uji", "Isi")
        _db.session.commit()
    assert len(gateway.requests) == 1  # the Location was not visited
    assert message.sent_at is None and "302" in message.error


def test_message_text_is_escaped_not_spliced_into_the_template(app, gateway):
    tricky = 'Kutip " dan \\ garis\nbaru {to} {message} </script>'
    with app.test_request_context():
        send_message("sms", PHONE, "", tricky)
        _db.session.commit()
    [body] = gateway.json_bodies()
    assert body == {"to": PHONE, "message": tricky}


@pytest.mark.parametrize(
    "gateway_settings",
    [
        {
            "KP_SMS_GATEWAY_BODY": '{"target": "{to}", "data": {"text": "{message}"}, "n": 1}',
            "KP_SMS_GATEWAY_NUMBER_FORMAT": "local",
        }
    ],
)
def test_a_custom_template_and_the_local_number_format(app, gateway):
    with app.test_request_context():
        send_message("sms", PHONE, "Judul", "Isi pesan")
        _db.session.commit()
    [body] = gateway.json_bodies()
    assert body == {"target": "081234567890", "data": {"text": "Judul\nIsi pesan"}, "n": 1}


@pytest.mark.parametrize("gateway_settings", [{"KP_SMS_GATEWAY_FORM": True}])
def test_form_encoded_bodies(app, gateway):
    with app.test_request_context():
        send_message("sms", PHONE, "", "Isi & pesan = 100%")
        _db.session.commit()
    [request] = gateway.requests
    assert request["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qs(request["body"]) == {"to": [PHONE], "message": ["Isi & pesan = 100%"]}


def test_what_the_sender_can_deliver(app):
    sender = HttpGatewaySender(app)
    assert sender.delivers("sms") and not sender.delivers("email")  # no KP_SMTP_URL here
    app.config["KP_SMS_GATEWAY_URL"] = None
    assert not sender.delivers("sms")
    assert sender.deliver("sms", PHONE, "s", "b") is False  # kept in the outbox only


@pytest.mark.parametrize(
    ("setting", "value", "error"),
    [
        ("KP_SMS_GATEWAY_URL", "http://gateway.example.id/kirim", "https"),
        ("KP_SMS_GATEWAY_URL", "ftp://gateway.example.id/", "http(s)"),
        ("KP_SMS_GATEWAY_BODY", '{"to": "{to}", ', "JSON object"),
        ("KP_SMS_GATEWAY_BODY", '["{to}"]', "JSON object"),
        ("KP_SMS_GATEWAY_NUMBER_FORMAT", "internasional", "'e164' or 'local'"),
    ],
)
def test_unusable_gateway_settings_stop_the_start(tmp_path, setting, value, error):
    config = load(str(tmp_path), {"KP_ENV": "testing", setting: value})
    with pytest.raises(ConfigError, match=error.replace("(", r"\(").replace(")", r"\)")):
        check(config)


def test_https_and_loopback_gateways_are_accepted(tmp_path):
    for url in ("https://gateway.example.id/kirim", "http://localhost:8080/kirim"):
        check(load(str(tmp_path), {"KP_ENV": "testing", "KP_SMS_GATEWAY_URL": url}))
