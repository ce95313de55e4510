"""Messages the platform sends: a header never carries a line break from user text, a failed
delivery never fails the action that caused it, `flask kp outbox retry` sends it again, and
a one-time secret is delivered but never kept."""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP

import pytest
from conftest import enable_plugin, kelurahan, make_user
from sqlalchemy import select

from app.extensions import db as _db
from app.mail import OutboxSender, send_message
from app.models import OutboxMessage
from plugins.reports.models import Report, ReportFollow

DELIVERED: list[dict] = []


class FlakySender(OutboxSender):
    """Builds the real e-mail (so a bad header fails as SMTP would), then fails while
    `down` is set."""

    down = False

    def deliver(self, channel, recipient, subject, body):
        message = EmailMessage(policy=SMTP)
        message["To"] = recipient
        message["Subject"] = subject
        message.set_content(body)
        message.as_bytes()  # raises on a header with a line break
        if FlakySender.down:
            raise ConnectionRefusedError("mail server unreachable")
        DELIVERED.append({"to": recipient, "subject": subject, "body": body})
        return True


@pytest.fixture
def app_overrides():
    return {"KP_MAIL_SENDER": f"{__name__}:FlakySender"}


@pytest.fixture(autouse=True)
def fresh_sender(app):
    DELIVERED.clear()
    FlakySender.down = False
    enable_plugin(app, "reports", "kauman")
    yield
    FlakySender.down = False


def outbox() -> list[OutboxMessage]:
    _db.session.expire_all()
    return list(_db.session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars())


def followed_report(title: str) -> tuple[Report, object]:
    follower = make_user("warga", "kauman", email="pengikut@example.id")
    report = Report(
        kelurahan_id=kelurahan("kauman").id,
        category="Jalan rusak",
        title=title,
        description="Keterangan.",
        lat=-6.8899,
        lng=109.6728,
        status="baru",
        reporter_name="Warga",
        source="web",
    )
    _db.session.add(report)
    _db.session.flush()
    _db.session.add(
        ReportFollow(kelurahan_id=report.kelurahan_id, report_id=report.id, user_id=follower.id)
    )
    _db.session.commit()
    return report, follower


def change_status(client, report, to_status="diproses"):
    return client.post(
        f"/k/kauman/laporan/{report.id}/status", data={"to_status": to_status, "note": "Dicek."}
    )


def test_line_breaks_in_a_report_title_never_reach_the_subject(client, login_as):
    report, follower = followed_report("Jalan rusak\r\nBcc: semua@example.id\nX: y")
    login_as("petugas", "kauman")

    response = change_status(client, report)

    assert response.status_code == 302
    [sent] = DELIVERED
    assert sent["to"] == follower.email
    assert "\n" not in sent["subject"] and "\r" not in sent["subject"]
    assert "Jalan rusak Bcc: semua@example.id X: y" in sent["subject"]
    [kept] = outbox()
    assert kept.sent_at is not None and kept.error is None


def test_a_failed_delivery_keeps_the_action_and_the_message(client, login_as):
    report, follower = followed_report("Lampu jalan mati")
    login_as("petugas", "kauman")
    FlakySender.down = True

    response = change_status(client, report)

    assert response.status_code == 302
    _db.session.expire_all()
    assert _db.session.get(Report, report.id).status == "diproses"
    [kept] = outbox()
    assert kept.sent_at is None
    assert "mail server unreachable" in kept.error
    assert kept.attempts == 1
    assert DELIVERED == []


def test_outbox_retry_sends_what_failed_once_the_server_is_back(app, client, login_as):
    report, follower = followed_report("Saluran tersumbat")
    login_as("petugas", "kauman")
    FlakySender.down = True
    change_status(client, report)
    runner = app.test_cli_runner()

    still_down = runner.invoke(args=["kp", "outbox", "retry"])
    FlakySender.down = False
    back = runner.invoke(args=["kp", "outbox", "retry"])
    again = runner.invoke(args=["kp", "outbox", "retry"])

    assert "0 delivered, 1 still failing" in still_down.output
    assert "1 delivered, 0 still failing" in back.output, back.output
    assert "0 delivered, 0 still failing, 0 not retried" in again.output
    [sent] = DELIVERED
    assert sent["to"] == follower.email and "Saluran tersumbat" in sent["subject"]
    [kept] = outbox()
    assert (kept.attempts, kept.error) == (3, None) and kept.sent_at is not None


def test_a_secret_is_delivered_but_never_kept_and_never_retried(app, caplog):
    user = make_user("warga", "kauman", email="pemilik@example.id")
    secret = "tok3n-sekali-pakai"
    with app.test_request_context(), caplog.at_level("DEBUG"):
        send_message(
            "email", user.email, "Atur ulang", f"Tautan: https://x/{secret}", secret=secret
        )
        _db.session.commit()
    [sent] = DELIVERED
    assert secret in sent["body"]
    [kept] = outbox()
    assert secret not in kept.body and kept.secret_masked
    assert secret not in caplog.text

    FlakySender.down = True
    with app.test_request_context():
        send_message("email", user.email, "Atur ulang", f"Tautan {secret}", secret=secret)
        _db.session.commit()
    FlakySender.down = False
    result = app.test_cli_runner().invoke(args=["kp", "outbox", "retry"])
    assert "0 delivered, 0 still failing, 1 not retried" in result.output
    assert len(DELIVERED) == 1
