"""Letter numbers: `470/001/KEL-KAUMAN/XI/2026`, sequential per letter type and year, never
given twice and never skipped, also when twelve approvals arrive at the same moment."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime

import pytest
from conftest import act_as, enable_plugin
from services_helpers import BASE, NIK_WOMAN, kelurahan_row, make_type, text
from sqlalchemy import select

from app.extensions import db as _db
from app.kit import SettingError
from app.tenancy import scoped_to
from plugins.services import check_number_format, personal
from plugins.services.changes import approve, new_code
from plugins.services.models import LetterCounter, Request, Status
from plugins.services.numbering import format_number

NUMBER = re.compile(r"^(?P<code>\d+)/(?P<seq>\d{3})/KEL-KAUMAN/(?P<month>[IVX]+)/(?P<year>\d{4})$")


@pytest.fixture(autouse=True)
def services_on(app):
    enable_plugin(app, "services", "kauman")


def make_request(letter_type, requester, status=Status.CHECKING, name="Siti Aminah") -> Request:
    k = kelurahan_row("kauman")
    with scoped_to(k.id):
        req = Request(
            kelurahan_id=k.id,
            code=new_code(),
            letter_type_id=letter_type.id,
            requester_id=requester.id,
            status=status.value,
            delivery="ambil",
            full_name=name,
            nik_token=personal.encrypt(NIK_WOMAN),
            nik_hash=personal.lookup_hash(NIK_WOMAN),
            birth_place="Pekalongan",
            sex="P",
            address="Jl. Hayam Wuruk",
            rt="003",
            rw="002",
            purpose="Melamar pekerjaan",
            values={"sejak_tahun": 2015},
        )
        _db.session.add(req)
        _db.session.commit()
        return req


def approve_over_http(client, req):
    return client.post(f"{BASE}/permohonan/{req.id}/langkah", data={"target": "disetujui"})


def number_of(req) -> str | None:
    _db.session.expire_all()
    return _db.session.scalar(select(Request.number).where(Request.id == req.id))


def seq_of(number: str) -> int:
    match = NUMBER.match(number)
    assert match, number
    return int(match["seq"])


# -- the format -----------------------------------------------------------------------------


def test_the_number_reads_as_the_office_writes_it():
    when = datetime(2026, 11, 10, 3, 0, tzinfo=UTC)
    assert (
        format_number(
            "{kode}/{nomor}/KEL-{kelurahan}/{bulan}/{tahun}",
            code="470",
            seq=1,
            kelurahan_name="Kauman",
            when=when,
        )
        == "470/001/KEL-KAUMAN/XI/2026"
    )
    assert (
        format_number(
            "{kode}/{nomor}/KEL-{kelurahan}/{bulan}/{tahun}",
            code="503",
            seq=42,
            kelurahan_name="Sapuro Kebulen",
            when=datetime(2026, 4, 1, 3, 0, tzinfo=UTC),
        )
        == "503/042/KEL-SAPURO-KEBULEN/IV/2026"
    )
    # New Year's Eve 18:00 UTC is already 1 January in Pekalongan (WIB).
    assert (
        format_number(
            "{kode}/{nomor}/{bulan}/{tahun}",
            code="470",
            seq=7,
            kelurahan_name="Kauman",
            when=datetime(2026, 12, 31, 18, 0, tzinfo=UTC),
        )
        == "470/007/I/2027"
    )


@pytest.mark.parametrize(
    ("pattern", "words"),
    [
        ("{kode}/{nomor}/{dusun}/{tahun}", ["{dusun}", "tidak dikenal", "{nomor}"]),
        ("{kode}/KEL/{tahun}", ["harus memuat {nomor}"]),
        ("{kode}/{nomor/{tahun}", ["tidak dapat dibaca"]),
    ],
)
def test_a_number_format_with_an_unknown_part_is_refused_in_indonesian(app, pattern, words):
    with app.test_request_context():
        with pytest.raises(SettingError) as refused:
            check_number_format(pattern)
        message = str(refused.value.args[0] if refused.value.args else refused.value)
    for word in words:
        assert word in message
    with app.test_request_context():
        check_number_format("{kode}/{nomor}/KEL-{kelurahan}/{bulan}/{tahun}")  # accepted


# -- sequences --------------------------------------------------------------------------------


def test_numbers_run_per_type_and_never_repeat(app, client, factory):
    domisili = make_type()
    usaha = make_type(slug="usaha", code="503")
    resident = factory.user("warga", "kauman", verified=True)
    lurah = factory.user("admin", "kauman", verified=True)
    first, second = make_request(domisili, resident), make_request(domisili, resident)
    other_type = make_request(usaha, resident)
    act_as(client, lurah)
    for req in (first, other_type, second):
        assert approve_over_http(client, req).status_code == 303

    assert seq_of(number_of(first)) == 1 and number_of(first).startswith("470/")
    assert seq_of(number_of(second)) == 2
    assert seq_of(number_of(other_type)) == 1 and number_of(other_type).startswith("503/")
    _db.session.refresh(first)
    assert number_of(first) == format_number(
        "{kode}/{nomor}/KEL-{kelurahan}/{bulan}/{tahun}",
        code="470",
        seq=1,
        kelurahan_name="Kauman",
        when=first.approved_at,
    )
    # The number is on the letter's public verification page.
    page = text(app.test_client().get(f"{BASE}/verifikasi/{first.verify_token}"))
    assert number_of(first) in page

    # The requester cannot withdraw an approved letter to free its number.
    act_as(client, resident)
    refused = client.post(f"{BASE}/permohonan/{first.id}/langkah", data={"target": "dibatalkan"})
    assert refused.status_code == 422 and "tidak dapat dibatalkan" in text(refused)
    assert number_of(first) is not None

    third = make_request(domisili, resident)
    act_as(client, lurah)
    assert approve_over_http(client, third).status_code == 303
    assert seq_of(number_of(third)) == 3


def test_a_failed_approval_does_not_use_up_a_number(app, client, factory):
    letter_type = make_type()
    resident = factory.user("warga", "kauman", verified=True)
    lurah = factory.user("admin", "kauman", verified=True)
    first, broken, later = (make_request(letter_type, resident) for _ in range(3))
    act_as(client, lurah)
    assert approve_over_http(client, first).status_code == 303

    letter_type.template = "Nama: {{ nama }}, pekerjaan: {{ pekerjaan_tidak_ada }}"
    _db.session.commit()
    refused = approve_over_http(client, broken)
    assert refused.status_code == 422
    assert "Templat surat bermasalah" in text(refused)
    _db.session.refresh(broken)
    assert broken.status == "diperiksa" and broken.number is None and broken.verify_token is None

    letter_type.template = "Nama: {{ nama }}"
    _db.session.commit()
    assert approve_over_http(client, later).status_code == 303
    assert seq_of(number_of(later)) == 2  # not 3: the failed try gave nothing away
    assert approve_over_http(client, broken).status_code == 303
    assert seq_of(number_of(broken)) == 3


def test_numbers_start_again_at_001_in_a_new_year(app, client, factory):
    letter_type = make_type()
    resident = factory.user("warga", "kauman", verified=True)
    lurah = factory.user("admin", "kauman", verified=True)
    this_year = [make_request(letter_type, resident) for _ in range(2)]
    act_as(client, lurah)
    for req in this_year:
        assert approve_over_http(client, req).status_code == 303
    year = int(NUMBER.match(number_of(this_year[0]))["year"])

    k = kelurahan_row("kauman")
    next_year = make_request(letter_type, resident)
    with app.test_request_context(), scoped_to(k.id):
        req = _db.session.get(Request, next_year.id)
        when = datetime(year + 1, 1, 5, 2, 0, tzinfo=UTC)
        assert approve(req, kelurahan=k, now=when) is None
        _db.session.commit()
    assert number_of(next_year) == f"470/001/KEL-KAUMAN/I/{year + 1}"

    # ... while this year's sequence goes on where it was.
    again = make_request(letter_type, resident)
    assert approve_over_http(client, again).status_code == 303
    assert seq_of(number_of(again)) == 3
    counters = {(c.year, c.last) for c in _db.session.execute(select(LetterCounter)).scalars()}
    assert counters == {(year, 3), (year + 1, 1)}


# -- at the same moment -------------------------------------------------------------------------

AT_ONCE = 12


def test_twelve_approvals_at_the_same_moment_get_twelve_numbers(app, factory):
    letter_type = make_type()
    resident = factory.user("warga", "kauman", verified=True)
    approvers = [factory.user("admin", "kauman", verified=True) for _ in range(AT_ONCE)]
    requests = [make_request(letter_type, resident) for _ in range(AT_ONCE)]
    urls = [f"{BASE}/permohonan/{r.id}/langkah" for r in requests]
    _db.session.commit()
    clients = []
    for user in approvers:
        c = app.test_client()
        act_as(c, user)
        clients.append(c)
    barrier = threading.Barrier(AT_ONCE)
    answers: list = [None] * AT_ONCE

    def work(i: int) -> None:
        try:
            barrier.wait(timeout=60)
            answers[i] = clients[i].post(urls[i], data={"target": "disetujui"}).status_code
        except Exception as error:  # reported below
            barrier.abort()
            answers[i] = error

    threads = [threading.Thread(target=work, args=(i,)) for i in range(AT_ONCE)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    _db.session.expire_all()

    assert answers == [303] * AT_ONCE
    numbers = [number_of(r) for r in requests]
    assert len(set(numbers)) == AT_ONCE
    assert sorted(seq_of(n) for n in numbers) == list(range(1, AT_ONCE + 1))
    rows = list(_db.session.execute(select(Request)).scalars())
    assert all(r.status == "disetujui" and r.verify_token for r in rows)
    assert _db.session.scalar(select(LetterCounter.last)) == AT_ONCE
