"""The demo a visitor of `make run` meets in Krapyak: the balai with its picture, bookings in
every status without overlaps, the RW 003 resident told of the active rob alert, and nothing
added by a second run."""

from __future__ import annotations

import pytest
from conftest import enable_plugin, notes_for
from facilities_helpers import kelurahan_row
from sqlalchemy import func, select

from app.extensions import db as _db
from app.models import User
from app.tenancy import scoped_to
from plugins.facilities.demo import seed_demo_facilities
from plugins.facilities.models import Alert, Booking, BookingSlot, Facility


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_krapyak_demo(app, client):
    enable_plugin(app, "facilities", "krapyak")
    krapyak = kelurahan_row("krapyak")
    with app.test_request_context("/k/krapyak/"), scoped_to(krapyak.id):
        seed_demo_facilities(krapyak)
        seed_demo_facilities(krapyak)  # a second run adds nothing
        balai = _db.session.execute(
            select(Facility).where(Facility.name == "Balai RW 03")
        ).scalar_one()
        assert balai.bookable and balai.photos and balai.photos[0].thumb.public
        statuses = set(_db.session.execute(select(Booking.status)).scalars())
        assert statuses == {"menunggu", "disetujui", "ditolak"}
        active = (
            _db.session.execute(
                select(BookingSlot)
                .where(BookingSlot.active.is_(True))
                .order_by(BookingSlot.starts_at)
            )
            .scalars()
            .all()
        )
        for earlier, later in zip(active, active[1:], strict=False):
            if earlier.facility_id == later.facility_id:
                assert earlier.ends_at <= later.starts_at
        rob = _db.session.execute(select(Alert).where(Alert.kind == "rob")).scalars().all()
        current = [a for a in rob if a.closed_at is None and a.notified]
        assert current and "003" in current[0].rws
        assert _db.session.scalar(select(func.count()).select_from(Facility)) == 12
    resident = _db.session.execute(
        select(User).where(User.email == "warga.rw03.krapyak@demo.kelurahan-pintar.id")
    ).scalar_one()
    assert (resident.rt, resident.rw) == ("002", "003")
    assert any("rob" in note.lower() for note in notes_for(resident))
    page = client.get("/k/krapyak/fasilitas/").get_data(as_text=True)
    assert "Balai RW 03" in page and "Lampu jalan Gg. Mawar" in page
