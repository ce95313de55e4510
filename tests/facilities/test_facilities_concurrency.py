"""Twenty approvals at once of twenty requests for overlapping times of one hall, through
HTTP against a running threaded server, on SQLite (a file, WAL) and PostgreSQL: exactly one
wins, the nineteen others answer 409 with the clash message, and the database holds exactly
one approved booking and one active slot.

Staff sign in once through the sign-in form; every approval is a POST with the session
cookie and the CSRF token read from the booking's page, released together by a barrier."""

from __future__ import annotations

import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta
from http.cookiejar import CookieJar

import pytest
from conftest import PASSWORD, enable_plugin, fresh_database, make_app, make_user
from facilities_helpers import at, make_facility, wib_day
from sqlalchemy import func, select

from app import tenancy
from app.extensions import db
from app.seed import seed_kelurahan
from plugins.facilities.models import Booking, BookingSlot

THREADS = 20
CLASH = "Bentrok dengan pemesanan lain yang sudah disetujui"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def hall_app(request, tmp_path):
    """A fresh database with the plugin on in Kauman: one balai, twenty residents' requests
    for times that all overlap 10.00–11.00 five days from now, and one staff member."""
    with fresh_database(request.param, tmp_path, "kp_fac_conc") as url:
        app = make_app(
            url,
            tmp_path,
            WTF_CSRF_ENABLED=True,
            SESSION_COOKIE_SECURE=False,
            REMEMBER_COOKIE_SECURE=False,
        )
        with app.app_context():
            db.create_all()
            seed_kelurahan()
            with tenancy.all_kelurahan():
                enable_plugin(app, "facilities", "kauman")
                balai = make_facility(name="Balai RW 03", max_hours=4)
                staff = make_user("petugas", "kauman")
                day = wib_day(5)
                ids = []
                with tenancy.scoped_to(balai.kelurahan_id):
                    for n in range(THREADS):
                        requester = make_user("warga", "kauman", verified=True)
                        start = at(day, 9) + timedelta(minutes=3 * n)  # 09.00 … 09.57
                        booking = Booking(
                            facility_id=balai.id,
                            requester_id=requester.id,
                            purpose=f"Kegiatan {n}",
                            status="menunggu",
                        )
                        booking.slots.append(
                            BookingSlot(
                                facility_id=balai.id,
                                starts_at=start,
                                ends_at=start + timedelta(hours=2),
                            )
                        )
                        db.session.add(booking)
                        db.session.flush()
                        ids.append(booking.id)
                    db.session.commit()
                app.config["FAC_TEST"] = {"staff": staff.email, "bookings": ids}
            db.session.remove()
        yield app
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


class _KeepRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is the answer to read, not to follow


def _open(opener, url: str, fields: dict | None = None) -> tuple[int, str]:
    data = urllib.parse.urlencode(fields).encode() if fields is not None else None
    try:
        with opener.open(url, data=data, timeout=120) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as answer:
        return answer.code, answer.read().decode()


def test_twenty_concurrent_approvals_over_http_exactly_one_wins(hall_app):
    setup = hall_app.config["FAC_TEST"]
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, hall_app, threaded=True)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        jar = CookieJar()  # one staff member's session, shared by twenty taps
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(jar), _KeepRedirects()
        )
        status, page = _open(opener, f"{base}/masuk")
        token = TOKEN.search(page).group(1)
        status, _ = _open(
            opener,
            f"{base}/masuk",
            {"csrf_token": token, "identifier": setup["staff"], "password": PASSWORD},
        )
        assert status == 302, "sign-in failed"
        status, page = _open(opener, f"{base}/k/kauman/fasilitas/pemesanan/{setup['bookings'][0]}")
        assert status == 200
        token = TOKEN.search(page).group(1)

        answers: list[tuple[int, str]] = []
        start = threading.Barrier(THREADS)

        def approve(booking_id: int) -> None:
            try:
                start.wait()
                answers.append(
                    _open(
                        opener,
                        f"{base}/k/kauman/fasilitas/pemesanan/{booking_id}/setujui",
                        {"csrf_token": token, "note": ""},
                    )
                )
            except Exception as error:  # reported by the assertions below
                start.abort()
                answers.append((0, repr(error)))

        workers = [threading.Thread(target=approve, args=(i,)) for i in setup["bookings"]]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    finally:
        server.shutdown()
        serving.join()
        server.server_close()

    statuses = sorted(status for status, _ in answers)
    assert statuses == [302] + [409] * (THREADS - 1), statuses
    assert all(CLASH in page for status, page in answers if status == 409)
    with hall_app.app_context(), tenancy.all_kelurahan():
        approved = db.session.scalar(
            select(func.count()).select_from(Booking).where(Booking.status == "disetujui")
        )
        active = db.session.scalar(
            select(func.count()).select_from(BookingSlot).where(BookingSlot.active.is_(True))
        )
        waiting = db.session.scalar(
            select(func.count()).select_from(Booking).where(Booking.status == "menunggu")
        )
    assert (approved, active, waiting) == (1, 1, THREADS - 1)
