"""Jadwal RW: residents see their RW's posyandu, trash collection and kerja bakti on the right
WIB day, switch reminders on and off, and hear of each occurrence once; staff add, change
and stop schedules through a form that refuses bad input in Indonesian and stores nothing."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from babel.dates import format_date
from conftest import StatementCounter, act_as, count, enable_plugin, make_user, notes_for
from facilities_helpers import BASE, at, kelurahan_row, text, wib_day
from schedule_helpers import make_schedule, subscribe
from sqlalchemy import select

from app.extensions import db as _db
from app.models import AuditEntry
from app.tenancy import scoped_to
from plugins.facilities import schedules
from plugins.facilities.cli import remind_command
from plugins.facilities.models import ReminderSent, ReminderSubscription, Schedule
from plugins.facilities.places import week_start

MEDONO = "/k/medono/fasilitas"


@pytest.fixture(autouse=True)
def facilities_on(app):
    enable_plugin(app, "facilities", "kauman")
    enable_plugin(app, "facilities", "medono")


def monday():
    return week_start(wib_day(0))


def resident(rw=None, slug="kauman", **kwargs):
    user = make_user("warga", slug, **kwargs)
    user.rw = rw
    _db.session.commit()
    return user


def form_data(**changes) -> dict:
    data = {
        "kind": "posyandu",
        "title": "Posyandu Melati RW 03",
        "rw": "003",
        "place": "Posyandu Melati RW 03",
        "facility": "",
        "first_day": wib_day(3).isoformat(),
        "start_time": "08:00",
        "end_time": "11:00",
        "repeat": "monthly",
        "repeat_every": "1",
        "repeat_until": wib_day(300).isoformat(),
        "notes": "Bawa buku KIA.",
    }
    data.update(changes)
    return data


# -- the public week page ------------------------------------------------------------------


def test_a_saturday_morning_schedule_shows_on_saturday_in_wib(client):
    # 06:00 WIB on Saturday is 23:00 UTC on Friday: the page must still say Saturday.
    saturday = monday() + timedelta(days=5)
    make_schedule(
        day=saturday,
        begin=time(6, 0),
        finish=time(8, 0),
        freq="weekly",
        title="Angkut sampah RW 03",
        kind="angkut_sampah",
    )
    page = text(client.get(f"{BASE}/jadwal"))
    assert client.get(f"{BASE}/jadwal").status_code == 200
    for day in (saturday, saturday + timedelta(days=7)):  # this week and next week
        heading = format_date(day, "EEEE, d MMMM yyyy", locale="id")
        assert heading.startswith("Sabtu")
        after = page.split(f"<h3>{heading}</h3>", 1)[1].split("</ul>", 1)[0]
        assert "06.00–08.00 WIB" in after and "Angkut sampah RW 03" in after
    friday = format_date(saturday - timedelta(days=1), "EEEE, d MMMM yyyy", locale="id")
    assert f"<h3>{friday}</h3>" not in page
    assert "Setiap Sabtu" in page  # the rule in words, in the list of schedules


def test_the_rw_filter_shows_that_rw_and_the_whole_kelurahan(client):
    day = monday() + timedelta(days=1)
    make_schedule(day=day, rw="003", title="Posyandu Melati RW 03")
    make_schedule(day=day, rw="005", title="Posyandu Mawar RW 05")
    make_schedule(day=day, rw=None, title="Kerja bakti bersih saluran", kind="kerja_bakti")
    every = text(client.get(f"{BASE}/jadwal"))
    assert "Posyandu Melati RW 03" in every and "Posyandu Mawar RW 05" in every
    for value in ("003", "3", "RW 03"):
        page = text(client.get(f"{BASE}/jadwal", query_string={"rw": value}))
        assert "Posyandu Melati RW 03" in page
        assert "Kerja bakti bersih saluran" in page
        assert "Posyandu Mawar RW 05" not in page


@pytest.mark.parametrize("value", ["x" * 2000, "a\x00b", "١٢٣", "999", "-1", "0", "3.5", ""])
def test_a_hostile_rw_filter_shows_every_rw(client, value):
    make_schedule(day=monday() + timedelta(days=2), rw="005", title="Posyandu Mawar RW 05")
    response = client.get(f"{BASE}/jadwal", query_string={"rw": value})
    if "\x00" in value:  # the core's input guard refuses a NUL in any query value
        assert response.status_code == 400
        return
    assert response.status_code == 200
    assert "Posyandu Mawar RW 05" in text(response)


def test_a_stopped_or_other_kelurahan_schedule_is_not_shown(client):
    day = monday() + timedelta(days=2)
    make_schedule(day=day, title="Posyandu lama", active=False)
    make_schedule("medono", day=day, title="Posyandu Medono")
    page = text(client.get(f"{BASE}/jadwal"))
    assert "Posyandu lama" not in page and "Posyandu Medono" not in page
    assert "Posyandu Medono" in text(client.get(f"{MEDONO}/jadwal"))


# -- Jadwal RW saya --------------------------------------------------------------------------


def test_my_schedule_shows_my_rw_and_the_whole_kelurahan_not_other_rws(client):
    day = wib_day(2)
    make_schedule(day=day, rw="003", title="Posyandu Melati RW 03")
    make_schedule(day=day, rw="005", title="Posyandu Mawar RW 05")
    make_schedule(day=day, rw=None, title="Kerja bakti bersih saluran", kind="kerja_bakti")
    act_as(client, resident("003"))
    page = text(client.get(f"{BASE}/jadwal/saya"))
    assert "Posyandu Melati RW 03" in page
    assert "Kerja bakti bersih saluran" in page
    assert "Posyandu Mawar RW 05" not in page
    assert "RW Anda belum diisi" not in page


def test_without_an_rw_the_resident_is_asked_to_fill_it_in(client):
    day = wib_day(2)
    make_schedule(day=day, rw="003", title="Posyandu Melati RW 03")
    make_schedule(day=day, rw=None, title="Kerja bakti bersih saluran", place="Balai")
    act_as(client, resident(None))
    page = text(client.get(f"{BASE}/jadwal/saya"))
    assert "RW Anda belum diisi di profil." in page
    assert 'href="/akun"' in page
    assert "Kerja bakti bersih saluran" in page
    assert "Posyandu Melati RW 03" not in page


def test_my_schedule_needs_an_account(client):
    response = client.get(f"{BASE}/jadwal/saya")
    assert response.status_code == 302 and "/masuk" in response.headers["Location"]


def test_a_resident_switches_reminders_on_and_off(client):
    user = resident("003")
    act_as(client, user)
    mine = ReminderSubscription.user_id == user.id
    response = client.post(f"{BASE}/jadwal/pengingat", data={"on": "1"})
    assert response.status_code == 303
    assert count(ReminderSubscription, mine) == 1
    page = text(client.get(response.headers["Location"]))
    assert "Pengingat jadwal aktif" in page and "Matikan pengingat" in page
    client.post(f"{BASE}/jadwal/pengingat", data={"on": "1"})  # twice: still one
    assert count(ReminderSubscription, mine) == 1
    response = client.post(f"{BASE}/jadwal/pengingat", data={"on": "0"}, follow_redirects=True)
    assert "Pengingat jadwal dimatikan" in text(response) and "Nyalakan pengingat" in text(response)
    assert count(ReminderSubscription, mine) == 0


def test_a_resident_of_another_kelurahan_cannot_subscribe_here(client):
    act_as(client, resident("003", slug="medono"))
    response = client.post(f"{BASE}/jadwal/pengingat", data={"on": "1"}, follow_redirects=True)
    assert "hanya untuk warga yang tinggal di kelurahan ini" in text(response)
    assert count(ReminderSubscription) == 0


# -- reminders ---------------------------------------------------------------------------------


def test_reminders_reach_exactly_the_subscribed_residents_once(app):
    now = at(wib_day(0), 12)
    tomorrow = wib_day(1)
    make_schedule(day=tomorrow, rw="003", title="Posyandu Melati RW 03")
    make_schedule(day=tomorrow, rw=None, title="Kerja bakti", kind="kerja_bakti", place="Balai")
    make_schedule(day=wib_day(3), rw="003", title="Posyandu nanti")  # beyond 24 hours
    make_schedule("medono", day=tomorrow, rw="003", title="Posyandu Medono", place="Balai RW 03")
    rw3 = resident("003", name="Bu Sri")
    rw3_quiet = resident("003")
    rw5 = resident("005")
    no_rw = resident(None)
    elsewhere = resident("003", slug="medono")
    for user in (rw3, rw5, no_rw):
        subscribe(user)
    subscribe(elsewhere)  # subscribed in Kauman, but lives in Medono: reached only there
    subscribe(elsewhere, "medono")

    # RW 003's posyandu: rw3. Kerja bakti: rw3, rw5, no_rw. Medono's posyandu: elsewhere.
    assert schedules.send_reminders(now=now) == 5
    when = wib_range_id(tomorrow, 8, 11)
    assert sorted(notes_for(rw3)) == [
        f"Pengingat: Kerja bakti besok, {when} di Balai.",
        f"Pengingat: Posyandu Melati RW 03 besok, {when} di Posyandu Melati RW 03.",
    ]
    assert [n for n in notes_for(rw5) if "Posyandu" in n] == []
    assert len(notes_for(rw5)) == 1 and len(notes_for(no_rw)) == 1
    assert notes_for(rw3_quiet) == []
    assert notes_for(elsewhere) == [f"Pengingat: Posyandu Medono besok, {when} di Balai RW 03."]
    # A second run (or a second host) sends nothing again.
    assert schedules.send_reminders(now=now) == 0
    assert schedules.send_reminders(now=now + timedelta(hours=1)) == 0
    assert len(notes_for(rw3)) == 2
    assert count(ReminderSent) == 3


def test_reminders_are_not_sent_where_the_plugin_is_off(app):
    enable_plugin(app, "facilities", "kauman", enabled=False)
    make_schedule(day=wib_day(1), rw="003")
    user = resident("003")
    subscribe(user)
    assert schedules.send_reminders(now=at(wib_day(0), 12)) == 0
    assert notes_for(user) == []


def test_a_reminder_on_the_same_day_says_today(app):
    today = wib_day(0)
    make_schedule(day=today, begin=time(20, 0), finish=time(21, 0), rw=None, title="Ronda")
    user = resident("002")
    subscribe(user)
    assert schedules.send_reminders(now=at(today, 6)) == 1
    assert notes_for(user)[0].startswith("Pengingat: Ronda hari ini, ")


def test_the_remind_command_prints_how_many_went_out(app):
    soon = datetime.now(UTC) + timedelta(hours=3)
    make_schedule(
        day=soon.astimezone(at(wib_day(0), 0).tzinfo).date(),
        rw=None,
        title="Kerja bakti",
        starts_at=soon.replace(second=0, microsecond=0),
        ends_at=soon.replace(second=0, microsecond=0) + timedelta(hours=2),
        rule=None,
    )
    subscribe(resident("004"))
    runner = app.test_cli_runner()
    assert "1 reminder(s) sent." in runner.invoke(remind_command).output
    assert "0 reminder(s) sent." in runner.invoke(remind_command).output


def wib_range_id(day, begin, end) -> str:
    from app.formatting import wib_range

    return wib_range(at(day, begin), at(day, end), locale="id")


# -- staff -------------------------------------------------------------------------------------


def test_staff_add_change_and_stop_a_schedule(client, login_as):
    staff = login_as("petugas")
    response = client.post(f"{BASE}/kelola/jadwal/baru", data=form_data())
    assert response.status_code == 303
    schedule = _db.session.execute(select(Schedule)).scalar_one()
    assert schedule.rw == "003" and schedule.created_by_id == staff.id
    assert schedule.rule.startswith("FREQ=MONTHLY")
    assert "Posyandu Melati RW 03" in text(client.get(f"{BASE}/kelola/jadwal"))

    edit = f"{BASE}/kelola/jadwal/{schedule.id}"
    page = text(client.get(edit))
    assert 'value="Posyandu Melati RW 03"' in page and 'value="08:00"' in page
    response = client.post(
        edit,
        data=form_data(
            title="Angkut sampah RW 03",
            kind="angkut_sampah",
            repeat="weekly",
            repeat_every="2",
            repeat_days=["0", "3"],
        ),
    )
    assert response.status_code == 303
    _db.session.refresh(schedule)
    assert schedule.title == "Angkut sampah RW 03"
    assert "INTERVAL=2" in schedule.rule and "BYDAY=MO,TH" in schedule.rule
    assert "Setiap 2 minggu pada Senin, Kamis" in text(client.get(f"{BASE}/jadwal"))

    response = client.post(f"{edit}/hentikan")
    assert response.status_code == 303
    _db.session.refresh(schedule)
    assert schedule.active is False
    page = text(client.get(f"{BASE}/jadwal"))
    assert "Angkut sampah RW 03" not in page.split("</h1>", 1)[1]  # only the flash names it
    actions = list(
        _db.session.execute(
            select(AuditEntry.action)
            .where(AuditEntry.object_type == "facilities_schedule")
            .order_by(AuditEntry.id)
        ).scalars()
    )
    assert actions == [
        "facilities.schedule_created",
        "facilities.schedule_changed",
        "facilities.schedule_stopped",
    ]


BAD = [
    ({"end_time": "07:00"}, "Jam selesai harus sesudah jam mulai."),
    ({"repeat_until": ""}, "Jadwal berulang harus punya tanggal akhir pengulangan."),
    ({"rw": "999"}, "Pilih salah satu pilihan yang tersedia."),
    ({"rw": "abc"}, "Pilih salah satu pilihan yang tersedia."),
    ({"first_day": "besok"}, "Tulis tanggal sebagai TTTT-BB-HH"),
    ({"start_time": "jam 8"}, "Tulis jam sebagai JJ:MM"),
    ({"repeat_until": "2099-01-01"}, "Pengulangan paling lama 2 tahun"),
    ({"place": "", "facility": ""}, "Tulis tempatnya, atau pilih salah satu fasilitas."),
    ({"facility": "99999"}, "Pilih salah satu pilihan yang tersedia."),
    ({"kind": "bank_sampah"}, "Pilih salah satu pilihan yang tersedia."),  # waste bank is off
    ({"title": ""}, "Wajib diisi."),
]


@pytest.mark.parametrize(("changes", "message"), BAD)
def test_bad_input_is_refused_in_indonesian_and_keeps_what_was_typed(
    client, login_as, changes, message
):
    login_as("petugas")
    data = form_data(notes="Catatan yang diketik petugas", **changes)
    response = client.post(f"{BASE}/kelola/jadwal/baru", data=data)
    assert response.status_code == 422
    page = text(response)
    assert message in page
    assert "Catatan yang diketik petugas" in page
    if changes.get("title", None) != "":
        assert 'value="Posyandu Melati RW 03"' in page
    assert count(Schedule) == 0


def test_bad_input_on_edit_changes_nothing(client, login_as):
    login_as("admin")
    schedule = make_schedule(day=wib_day(2))
    response = client.post(
        f"{BASE}/kelola/jadwal/{schedule.id}", data=form_data(title="Baru", end_time="06:00")
    )
    assert response.status_code == 422
    assert "Jam selesai harus sesudah jam mulai." in text(response)
    _db.session.refresh(schedule)
    assert schedule.title == "Posyandu Melati RW 03"
    assert count(AuditEntry, AuditEntry.object_type == "facilities_schedule") == 0


def test_the_waste_bank_kind_is_offered_only_with_the_waste_bank_on(app, client, login_as):
    login_as("petugas")
    assert 'value="bank_sampah"' not in text(client.get(f"{BASE}/kelola/jadwal/baru"))
    enable_plugin(app, "wastebank", "kauman")
    assert 'value="bank_sampah"' in text(client.get(f"{BASE}/kelola/jadwal/baru"))
    response = client.post(f"{BASE}/kelola/jadwal/baru", data=form_data(kind="bank_sampah"))
    assert response.status_code == 303


def test_residents_may_not_use_the_staff_pages(client, login_as):
    schedule = make_schedule(day=wib_day(2))
    login_as("warga")
    for url in (
        f"{BASE}/kelola/jadwal",
        f"{BASE}/kelola/jadwal/baru",
        f"{BASE}/kelola/jadwal/{schedule.id}",
    ):
        assert client.get(url).status_code == 403
    assert client.post(f"{BASE}/kelola/jadwal/baru", data=form_data()).status_code == 403
    assert client.post(f"{BASE}/kelola/jadwal/{schedule.id}/hentikan").status_code == 403
    assert count(Schedule) == 1
    _db.session.refresh(schedule)
    assert schedule.active is True


def test_another_kelurahan_schedule_is_not_found(client, login_as):
    theirs = make_schedule("medono", day=wib_day(2), title="Posyandu Medono")
    login_as("admin")
    assert client.get(f"{BASE}/kelola/jadwal/{theirs.id}").status_code == 404
    assert client.post(f"{BASE}/kelola/jadwal/{theirs.id}", data=form_data()).status_code == 404
    assert client.post(f"{BASE}/kelola/jadwal/{theirs.id}/hentikan").status_code == 404
    _db.session.refresh(theirs)
    assert theirs.active is True and theirs.title == "Posyandu Medono"
    assert "Posyandu Medono" not in text(client.get(f"{BASE}/kelola/jadwal"))


# -- widget, query count and demo --------------------------------------------------------------


def test_the_home_widget_lists_this_weeks_schedules(app):
    kauman = kelurahan_row("kauman")
    with scoped_to(kauman.id):
        assert schedules.home_widget(kauman) is None
    make_schedule(day=wib_day(0), begin=time(23, 0), finish=time(23, 59), rw=None, title="Ronda")
    with scoped_to(kauman.id):
        widget = schedules.home_widget(kauman)
    assert widget is not None and widget.id == "facilities-week"
    assert [row[0].title for row in widget.context["rows"]] == ["Ronda"]


def test_the_week_costs_the_same_queries_however_many_schedules(app):
    kauman = kelurahan_row("kauman")
    make_schedule(day=monday(), freq="weekly")

    def queries() -> int:
        _db.session.expire_all()
        with scoped_to(kauman.id), StatementCounter() as counter:
            schedules.week_occurrences(monday(), 14)
        return counter.n

    few = queries()
    for n in range(6):
        make_schedule(day=monday() + timedelta(days=n), freq="weekly", rw=f"00{n + 1}")
    with scoped_to(kauman.id):
        assert len(schedules.week_occurrences(monday(), 14)) == 14
    assert queries() == few == 1


def test_the_demo_gives_krapyak_rw_003_a_posyandu(app):
    import random

    krapyak = kelurahan_row("krapyak")
    with scoped_to(krapyak.id):
        added = schedules.seed_demo(krapyak, random.Random(1), None)
        _db.session.commit()
        assert added > 10
        assert schedules.seed_demo(krapyak, random.Random(1), None) == 0
        posyandu = _db.session.execute(
            select(Schedule).where(Schedule.kind == "posyandu", Schedule.rw == "003")
        ).scalar_one()
        assert posyandu.title == "Posyandu Melati RW 03"
        assert posyandu.rule.endswith("BYDAY=2TU")  # the second Tuesday of every month
        assert len(schedules.week_occurrences(monday(), 35, "003")) >= 5


def test_staff_set_a_posyandu_on_the_second_tuesday_of_every_month(client, login_as):
    """ "Every month, the same weekday": the first time's week of the month is kept, and the
    page says it in words."""
    login_as("petugas")
    first = wib_day(0).replace(day=1) + timedelta(days=40)
    first = first.replace(day=1)
    second_tuesday = first + timedelta(days=(1 - first.weekday()) % 7 + 7)
    data = form_data(first_day=second_tuesday.isoformat(), repeat="monthly_weekday")
    assert client.post(f"{BASE}/kelola/jadwal/baru", data=data).status_code == 303
    schedule = _db.session.execute(select(Schedule)).scalar_one()
    assert schedule.rule.endswith("BYDAY=2TU")
    assert "Setiap Selasa kedua tiap bulan" in text(client.get(f"{BASE}/jadwal"))
    edit = text(client.get(f"{BASE}/kelola/jadwal/{schedule.id}"))
    assert 'value="monthly_weekday" selected' in edit or 'selected value="monthly_weekday"' in edit


def test_the_schedules_feed_gives_a_calendar_app_one_rws_repeating_schedules(client):
    """`jadwal.ics?rw=003`: RW 003's posyandu with its repeat rule and the kelurahan-wide
    kerja bakti, not RW 005's schedule; times in WIB."""
    make_schedule(title="Posyandu Melati RW 03", day=monday() + timedelta(days=8), freq="monthly")
    make_schedule(title="Kerja bakti", rw=None, day=monday() + timedelta(days=13))
    make_schedule(title="Posyandu Kenanga RW 05", rw="005", day=monday() + timedelta(days=9))
    feed = client.get(f"{BASE}/jadwal.ics?rw=3")
    assert feed.mimetype == "text/calendar"
    body = text(feed)
    assert "SUMMARY:Posyandu Melati RW 03" in body and "SUMMARY:Kerja bakti" in body
    assert "Kenanga" not in body
    assert "TZID=Asia/Jakarta" in body and "RRULE:FREQ=MONTHLY" in body
    everything = text(client.get(f"{BASE}/jadwal.ics?rw=abc"))
    assert "Kenanga" in everything
