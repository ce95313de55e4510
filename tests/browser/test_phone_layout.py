"""Every page fits a 360 px phone, for every role that can open it.

The pages are not listed by hand: every GET rule of `app.url_map` is filled from the demo data
(`flask kp seed --demo`: Kauman with every plugin on, its shops, reports and groups), then
opened by each role. Those answering an HTML page are checked in chromium at 360×740:

* nothing is wider than the screen (scrolling inside a table wrapper is fine, the page
  scrolling sideways is not);
* tap targets are big enough: primary actions (buttons, nav links, `.button` links) at least
  44 px high, every other control and stand-alone link at least 24 px (WCAG 2.5.8); links
  inside running text are exempt, as WCAG's inline exception allows;
* the header leaves the first screen to the page (at most HEADER_MAX px).

A new route whose URL argument has no value below fails `test_every_page_is_checked`, so a
page is covered the day it is added.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from conftest import PASSWORD, make_group, make_user
from sqlalchemy import select

from app.extensions import db
from browser.conftest import GUARDS, Guard, serve_app

pytestmark = pytest.mark.browser

VIEWPORT = {"width": 360, "height": 740}
HEADER_MAX = 120  # px: brand and menus, then the menu strip
SLUG = "kauman"
ARGUMENT = re.compile(r"<(?:\w+(?:\([^)]*\))?:)?(?P<name>\w+)>")
ROLES = ["anonim", "warga", "penjual", "operator", "pokdarwis", "petugas", "admin", "admin_kota"]

# GET rules that are not pages, with the reason. Rules whose last path segment has a file
# extension (`.geojson`, `.<fmt>`, `manifest.webmanifest`) are files and skipped as well;
# other routes answering JSON, text or an htmx fragment are recognised by their answer.
NOT_PAGES = {
    "static": "CSS, JavaScript and vendored files",
    "media.serve": "uploaded images",
    "moved": "a plugin's former URL: a permanent redirect",
    "reports.comments": "htmx fragment of the report page; without htmx a redirect to it",
    "wastebank.scan": "a member card's QR: a redirect to the member's book",
    "wastebank.find_for_deposit": "a member number typed: a redirect to the deposit form",
    "facilities.report_damage": "with the reports plugin on (the demo): a redirect to its form",
}
FILE_LIKE = re.compile(r"\.[\w<>()]+$")


@dataclass
class Demo:
    """The demo rows whose ids fill URL arguments, and who signs in for each role."""

    group_id: int
    report_id: int
    shop_id: int
    product_id: int
    user_id: int
    place_id: int
    reset_token: str
    signup_token: str
    accounts: dict[str, tuple[str, str]]  # role -> (identifier, password)
    user_ids: dict[str, int] = field(default_factory=dict)
    wastebank: dict[str, int] = field(default_factory=dict)  # unit_id, member_id, entry_id
    tourism: dict[str, int] = field(default_factory=dict)  # destination_id, event_id, route_id
    proposals: dict[str, int] = field(default_factory=dict)  # cycle_id, proposal_id
    services: dict[str, object] = field(default_factory=dict)  # the demo resident's requests
    facilities: dict[str, int] = field(default_factory=dict)  # the balai, a booking, ...


# Values of URL arguments by name. A route with an argument missing here fails the test.
VALUES = {
    "kelurahan_slug": lambda d: SLUG,
    "group_id": lambda d: d.group_id,
    "report_id": lambda d: d.report_id,
    "shop_id": lambda d: d.shop_id,
    "product_id": lambda d: d.product_id,
    "user_id": lambda d: d.user_id,
    "place_id": lambda d: d.place_id,
    "plugin_id": lambda d: "reports",
    "dataset_id": lambda d: "laporan",
    "unit_id": lambda d: d.wastebank["unit_id"],
    "member_id": lambda d: d.wastebank["member_id"],
    "entry_id": lambda d: d.wastebank["entry_id"],
    "destination_id": lambda d: d.tourism["destination_id"],
    "event_id": lambda d: d.tourism["event_id"],
    "route_id": lambda d: d.tourism["route_id"],
    "cycle_id": lambda d: d.proposals["cycle_id"],
    "proposal_id": lambda d: d.proposals["proposal_id"],
    "request_id": lambda d: d.services["request_id"],
    "document_id": lambda d: d.services["document_id"],
    "type_id": lambda d: d.services["type_id"],
    "slug": lambda d: "domisili",
    "facility_id": lambda d: d.facilities["facility_id"],
    "booking_id": lambda d: d.facilities["booking_id"],
    "schedule_id": lambda d: d.facilities["schedule_id"],
    "alert_id": lambda d: d.facilities["alert_id"],
    "dimension": lambda d: "society",
    "metric_key": lambda d: "groups",
}
# Arguments that mean something else for one endpoint; looked up first.
ENDPOINT_VALUES = {
    "proposals.edit_proposal": {"proposal_id": lambda d: d.proposals["own_proposal_id"]},
    "account.reset_password": {"token": lambda d: d.reset_token},
    "account.confirm_signup": {"token": lambda d: d.signup_token},
    "services.fix_request": {"request_id": lambda d: d.services["fix_request_id"]},
    "services.verify": {"token": lambda d: d.services["verify_token"]},
}
# Query strings that make a page show what it is for.
QUERY = {"public.search": "?q=batik", "public.city_search": "?q=batik", "admin.residents": "?q=a"}
# Other views of the same page, checked as well (the calendars' month grid; a list is the default).
ALSO_QUERY = {
    "tourism.calendar": ("?tampilan=bulan",),
    "tourism_city.calendar": ("?tampilan=bulan",),
    "public.city_dashboard": ("?periode=tahun",),
    "city.dashboard": ("?periode=3bulan",),
}


def _seed_demo_world() -> None:
    """The demo set, every loaded plugin on in Kauman (fixture plugins too), and a second
    UMKM group of the seller without a shop yet (the "open a shop" form)."""
    from app.gazetteer import normalise
    from app.models import Kelurahan, Place, User
    from app.plugins import host
    from app.seed import seed_demo

    seed_demo()
    kauman = db_one(select(Kelurahan).where(Kelurahan.slug == SLUG))
    for plugin_id in host().manifests:
        assert host().set_enabled(kauman, plugin_id, True) is None
    db.session.commit()
    seller = db_one(select(User).where(User.email == "warga@demo.kelurahan-pintar.id"))
    make_group(SLUG, leader=seller, name="Sambal Roa Kauman")
    # A street of Kauman's own in the gazetteer (the shipped reference places are city-wide).
    street = "Jl. Hayam Wuruk"
    db.session.add(
        Place(
            kelurahan_id=kauman.id,
            kind="jalan",
            name=street,
            search_key=normalise(street),
            lat=-6.8883,
            lng=109.6753,
        )
    )
    # An API key with a long name, so the admin's key list has a row to fit.
    from app.apikeys import issue_key

    issue_key(kauman, "Aplikasi Pengaduan Kota Pekalongan (uji coba)", ["reports.write"])
    db.session.commit()


def _demo(server) -> Demo:
    from app.models import Group, Kelurahan, PasswordReset, Place, User, utcnow
    from app.seed import DEMO_PASSWORDS
    from app.views.account import make_signup_token
    from plugins.reports.models import Report
    from plugins.umkm.models import Shop

    def demo_email(role: str) -> str:
        return {"admin_kota": "diskominfo"}.get(role, role) + "@demo.kelurahan-pintar.id"

    with server.data():
        kauman = db_one(select(Kelurahan).where(Kelurahan.slug == SLUG))
        # The demo resident leads the batik group that runs a shop: the seller. A plain
        # resident (no group) is made here.
        seller = db_one(select(User).where(User.email == demo_email("warga")))
        resident = make_user("warga", SLUG, email="warga.biasa@contoh.id", name="Warga Biasa")
        shop = db_one(
            select(Shop)
            .join(Group, Shop.group_id == Group.id)
            .where(Group.kelurahan_id == kauman.id, Group.members.any(user_id=seller.id))
        )
        group = shop.group
        product = next(p for p in shop.products if p.is_public)
        report = db_one(
            select(Report)
            .where(Report.kelurahan_id == kauman.id, Report.hidden_at.is_(None))
            .order_by(Report.id)
            .limit(1)
        )
        place = db_one(select(Place).where(Place.kelurahan_id == kauman.id).limit(1))
        reset_token = secrets.token_urlsafe(16)
        db.session.add(
            PasswordReset(
                user_id=resident.id,
                token_hash=hashlib.sha256(reset_token.encode()).hexdigest(),
                expires_at=utcnow() + timedelta(days=1),
            )
        )
        db.session.commit()
        operator, wastebank = _plant_wastebank(kauman, member_account=resident)
        pokdarwis, tourism = _plant_tourism(kauman)
        proposals = _demo_proposals(kauman, resident)
        services = _demo_services(kauman, seller)
        facilities = _demo_facilities(kauman, seller)
        with server.app.test_request_context():
            signup_token = make_signup_token(
                name="Warga Baru",
                kind="email",
                contact="warga.baru@contoh.id",
                kelurahan_id=kauman.id,
                password_hash=resident.password_hash,
                locale="id",
            )
        accounts = {
            "warga": (resident.email, PASSWORD),
            "penjual": (seller.email, DEMO_PASSWORDS["warga"]),
            "operator": (operator.email, PASSWORD),
            "pokdarwis": (pokdarwis.email, DEMO_PASSWORDS["warga"]),
            **{
                role: (demo_email(role), DEMO_PASSWORDS[role])
                for role in ("petugas", "admin", "admin_kota")
            },
        }
        user_ids = {
            role: db_one(select(User.id).where(User.email == identifier))
            for role, (identifier, _) in accounts.items()
        }
        return Demo(
            group_id=group.id,
            report_id=report.id,
            shop_id=shop.id,
            product_id=product.id,
            user_id=resident.id,
            place_id=place.id,
            reset_token=reset_token,
            signup_token=signup_token,
            accounts=accounts,
            user_ids=user_ids,
            wastebank=wastebank,
            tourism=tourism,
            proposals=proposals,
            services=services,
            facilities=facilities,
        )


def _demo_services(kauman, seller) -> dict[str, object]:
    """The demo resident's (the seller's) letter requests: one sent as a PDF, with its
    documents and verification token, and one sent back for a fix."""
    from plugins.services.models import LetterType, Request, RequestDocument

    sent = db_one(
        select(Request).where(
            Request.kelurahan_id == kauman.id,
            Request.requester_id == seller.id,
            Request.status == "dikirim",
        )
    )
    fix = db_one(
        select(Request.id).where(
            Request.kelurahan_id == kauman.id,
            Request.requester_id == seller.id,
            Request.status == "perlu_perbaikan",
        )
    )
    document = db_one(
        select(RequestDocument.id).where(RequestDocument.request_id == sent.id).limit(1)
    )
    letter_type = db_one(select(LetterType.id).where(LetterType.kelurahan_id == kauman.id).limit(1))
    return {
        "request_id": sent.id,
        "fix_request_id": fix,
        "document_id": document,
        "type_id": letter_type,
        "verify_token": sent.verify_token,
    }


def _demo_facilities(kauman, seller) -> dict[str, int]:
    """Kauman's Balai RW 03, the batik group's weekly booking of it (its leader is the
    seller), a schedule and an alert of the demo."""
    from plugins.facilities.models import Alert, Booking, Facility, Schedule

    balai = db_one(
        select(Facility.id).where(
            Facility.kelurahan_id == kauman.id, Facility.name == "Balai RW 03"
        )
    )
    booking = db_one(
        select(Booking.id)
        .where(Booking.kelurahan_id == kauman.id, Booking.requester_id == seller.id)
        .order_by(Booking.id)
        .limit(1)
    )
    schedule = db_one(
        select(Schedule.id).where(Schedule.kelurahan_id == kauman.id).order_by(Schedule.id).limit(1)
    )
    alert = db_one(
        select(Alert.id).where(Alert.kelurahan_id == kauman.id).order_by(Alert.id).limit(1)
    )
    return {"facility_id": balai, "booking_id": booking, "schedule_id": schedule, "alert_id": alert}


def _demo_proposals(kauman, resident) -> dict[str, int]:
    """The demo's finished cycle (results, meeting minutes: the longest report) and its
    first-ranked proposal (comments, history, a result); and a newer cycle taking
    proposals, where the plain resident, now verified, has one to edit (the forms)."""
    from app.models import utcnow
    from plugins.proposals.models import PHASE_ORDER, Cycle, Proposal
    from plugins.proposals.phases import default_phase, today_wib

    finished = db_one(
        select(Cycle).where(Cycle.kelurahan_id == kauman.id).order_by(Cycle.id).limit(1)
    )
    ranked = db_one(
        select(Proposal).where(Proposal.cycle_id == finished.id, Proposal.result_rank == 1)
    )
    resident.role_in(kauman).verified_at = utcnow()
    taking = Cycle(
        kelurahan_id=kauman.id,
        title="Musrenbang Kelurahan Tambahan Perubahan Anggaran 2027",
        categories=["infrastruktur", "lingkungan"],
        budget=250_000_000,
    )
    for n, kind in enumerate(PHASE_ORDER):
        first = today_wib() + timedelta(days=10 * n - 2)
        phase = default_phase(kind, first, first + timedelta(days=9))
        phase.kelurahan_id = kauman.id
        taking.phases.append(phase)
    db.session.add(taking)
    db.session.flush()
    own = Proposal(
        kelurahan_id=kauman.id,
        cycle_id=taking.id,
        author_id=resident.id,
        title="Perbaikan saluran dan penutup got sepanjang Gang Kauman Tengah RT 003/RW 005",
        problem="Air meluap ke rumah warga setiap hujan deras.",
        solution="Normalisasi saluran dan penutup beton.",
        category="infrastruktur",
        beneficiaries="60 KK",
        estimated_cost=125_000_000,
        rt="003",
        rw="005",
        lat=-6.8899,
        lng=109.6728,
    )
    db.session.add(own)
    db.session.commit()
    return {"cycle_id": finished.id, "proposal_id": ranked.id, "own_proposal_id": own.id}


def _plant_wastebank(kauman, member_account):
    """A waste-bank unit of its own (whatever the demo made): an operator who also leads a
    second KSM group without a unit (the "open a unit" form), a priced type, a member linked
    to the plain resident's account with one deposit, and a withdrawal request."""
    from datetime import date

    from plugins.wastebank.models import (
        Entry,
        EntryLine,
        Member,
        PricePeriod,
        Unit,
        WasteType,
        WithdrawalRequest,
    )

    operator = make_user("warga", SLUG, email="operator.bank@contoh.id", name="Operator Bank")
    group = make_group(SLUG, leader=operator, name="KSM Bank Sampah Uji", kind="ksm_bank_sampah")
    make_group(SLUG, leader=operator, name="KSM Bank Sampah Cadangan", kind="ksm_bank_sampah")
    unit = Unit(
        kelurahan_id=kauman.id,
        group_id=group.id,
        name="Bank Sampah Uji Kauman",
        address="Jl. Hayam Wuruk Gg. 3",
        lat=-6.8883,
        lng=109.6753,
        opening_days="Selasa dan Sabtu 07.00–10.00",
    )
    db.session.add(unit)
    db.session.flush()
    paper = WasteType(kelurahan_id=kauman.id, unit_id=unit.id, name="Kertas / kardus")
    db.session.add(paper)
    db.session.flush()
    db.session.add(
        PricePeriod(
            kelurahan_id=kauman.id,
            waste_type_id=paper.id,
            buy_per_kg=2000,
            sell_per_kg=2600,
            valid_from=date(2020, 1, 1),
        )
    )
    member = Member(
        kelurahan_id=kauman.id,
        unit_id=unit.id,
        number="001",
        name="Bu Sri Rahayu Ningsih Kusumawardhani",
        user_id=member_account.id,
    )
    db.session.add(member)
    db.session.flush()
    entry = Entry(
        kelurahan_id=kauman.id,
        unit_id=unit.id,
        member_id=member.id,
        member_seq=1,
        kind="deposit",
        amount=2500,
        balance_after=2500,
        idempotency_key="phone-layout",
        created_by_id=operator.id,
    )
    entry.lines.append(
        EntryLine(
            kelurahan_id=kauman.id,
            waste_type_id=paper.id,
            grams=1250,
            direction=1,
            price_per_kg=2000,
            value=2500,
        )
    )
    db.session.add(entry)
    db.session.flush()
    db.session.add(WithdrawalRequest(kelurahan_id=kauman.id, member_id=member.id, amount=1000))
    db.session.commit()
    ids = {"unit_id": unit.id, "member_id": member.id, "entry_id": entry.id}
    return operator, ids


def _plant_tourism(kauman):
    """Kauman's demo tourism (its Pokdarwis group and member, published destinations with
    photos, a weekly event, the batik route), plus a destination of the group waiting for
    review with a long name, so the review queue shows a decision form for each kind and
    the member's pages have something of their own. Returns the member and the ids."""
    from app.models import User
    from plugins.tourism.models import Destination, Status, TourEvent, TourRoute

    member = db_one(select(User).where(User.email == "pokdarwis.kauman@demo.kelurahan-pintar.id"))
    place = db.session.execute(
        select(Destination)
        .where(Destination.kelurahan_id == kauman.id, Destination.status == "published")
        .order_by(Destination.id)
        .limit(1)
    ).scalar_one()
    event = db.session.execute(
        select(TourEvent)
        .where(TourEvent.kelurahan_id == kauman.id, TourEvent.rrule.is_not(None))
        .order_by(TourEvent.id)
        .limit(1)
    ).scalar_one()
    route = db_one(select(TourRoute).where(TourRoute.kelurahan_id == kauman.id).limit(1))
    db.session.add(
        Destination(
            kelurahan_id=kauman.id,
            group_id=place.group_id,
            created_by_id=member.id,
            status=Status.PENDING.value,
            name="Galeri dan Rumah Produksi Batik Tulis Warna Alam Kauman Gang Tiga",
            category="kampung_batik",
            description="Menunggu tinjauan petugas.",
            lat=-6.8883,
            lng=109.6753,
            hours=[["08:00", "16:00"]] * 7,
        )
    )
    db.session.commit()
    return member, {"destination_id": place.id, "event_id": event.id, "route_id": route.id}


def db_one(statement):
    return db.session.execute(statement).scalar_one()


# -- which pages there are, and who can open them -------------------------------------------


def is_page_rule(rule) -> bool:
    return (
        "GET" in rule.methods
        and rule.endpoint not in NOT_PAGES
        and not rule.endpoint.endswith(".static")
        and not FILE_LIKE.search(rule.rule)
    )


def fill(rule, demo: Demo) -> str:
    """The rule's URL with every argument filled; KeyError names an argument without a value."""
    values = {}
    for match in ARGUMENT.finditer(rule.rule):
        name = match["name"]
        value = ENDPOINT_VALUES.get(rule.endpoint, {}).get(name) or VALUES[name]
        values[name] = value(demo)
    url = rule.rule
    for match in ARGUMENT.finditer(rule.rule):
        url = url.replace(match[0], str(values[match["name"]]), 1)
    return url + QUERY.get(rule.endpoint, "")


@dataclass
class Site:
    server: object
    demo: Demo
    pages: dict[str, list[str]]  # role -> URLs answering an HTML page for that role
    unfillable: list[str]
    unreachable: list[str]


def _answers(server, demo: Demo, url: str) -> dict[str, tuple[int | str, bool]]:
    """role -> (status, is an HTML document) for a GET of `url`, without following redirects."""
    answers = {}
    for role in ROLES:
        client = server.app.test_client()
        if role != "anonim":
            with client.session_transaction() as session:
                session["_user_id"] = str(demo.user_ids[role])
                session["_fresh"] = True
        try:
            response = client.get(url)
        except Exception as error:  # noqa: BLE001 - a broken page is reported, not fatal here
            answers[role] = (f"error {type(error).__name__}: {error}", False)
            continue
        is_document = (
            response.status_code == 200
            and response.mimetype == "text/html"
            and b"<html" in response.data[:500].lower()
        )
        answers[role] = (response.status_code, is_document)
    return answers


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Site:
    with serve_app(tmp_path_factory.mktemp("phone"), seed=_seed_demo_world) as server:
        demo = _demo(server)
        pages = {role: [] for role in ROLES}
        unfillable, unreachable = [], []
        rules = sorted(server.app.url_map.iter_rules(), key=lambda r: r.rule)
        for rule in filter(is_page_rule, rules):
            try:
                base = fill(rule, demo)
            except KeyError as missing:
                unfillable.append(f"{rule.rule} ({rule.endpoint}): no value for {missing}")
                continue
            for url in (base, *(base + extra for extra in ALSO_QUERY.get(rule.endpoint, ()))):
                answers = _answers(server, demo, url)
                for role, (_status, is_document) in answers.items():
                    if is_document:
                        pages[role].append(url)
                if not any(status == 200 for status, _ in answers.values()):
                    statuses = ", ".join(f"{r} {s}" for r, (s, _) in answers.items())
                    unreachable.append(f"{url} ({rule.endpoint}): {statuses}")
        yield Site(server, demo, pages, unfillable, unreachable)


def test_every_page_is_checked(site):
    """Every GET route is filled and opened by some role, so the layout test sees it."""
    if site.unfillable:
        pytest.fail(
            "Routes the phone layout test cannot fill; add the argument to VALUES or "
            "ENDPOINT_VALUES in tests/browser/test_phone_layout.py (or the rule to NOT_PAGES):\n"
            + "\n".join(site.unfillable),
            False,
        )
    if site.unreachable:
        pytest.fail(
            "Routes no role could open with the demo data; fix the value in VALUES, or list "
            "the rule in NOT_PAGES with the reason:\n" + "\n".join(site.unreachable),
            False,
        )
    checked = {url for urls in site.pages.values() for url in urls}
    # The pages this issue was about are among them.
    assert f"/k/{SLUG}/umkm/toko/{site.demo.shop_id}/kelola" in site.pages["penjual"]
    assert "/" in site.pages["anonim"] and len(checked) > 40
    bank = site.demo.wastebank
    unit_pages = f"/k/{SLUG}/bank-sampah/unit/{bank['unit_id']}"
    assert f"{unit_pages}/nasabah/{bank['member_id']}/setoran" in site.pages["operator"]
    assert f"{unit_pages}/transaksi/{bank['entry_id']}" in site.pages["operator"]
    assert f"/k/{SLUG}/bank-sampah/saya" in site.pages["warga"]
    tour = site.demo.tourism
    wisata = f"/k/{SLUG}/wisata"
    for url in (
        f"{wisata}/",
        f"{wisata}/tempat/{tour['destination_id']}",
        f"{wisata}/acara/{tour['event_id']}",
        f"{wisata}/acara/",
        f"{wisata}/acara/?tampilan=bulan",
        f"{wisata}/rute/{tour['route_id']}",
        "/wisata/",
        "/wisata/acara/",
        "/wisata/acara/?tampilan=bulan",
    ):
        assert url in site.pages["anonim"], url
    for url in (
        f"{wisata}/kelola",
        f"{wisata}/tempat/baru",
        f"{wisata}/acara/baru",
        f"{wisata}/tempat/{tour['destination_id']}/ubah",
        f"{wisata}/acara/{tour['event_id']}/ubah",
    ):
        assert url in site.pages["pokdarwis"] and url in site.pages["petugas"], url
    for url in (
        f"{wisata}/tinjau",
        f"{wisata}/rute/baru",
        f"{wisata}/rute/{tour['route_id']}/ubah",
    ):
        assert url in site.pages["petugas"] and url not in site.pages["pokdarwis"], url


# -- the checks in the browser --------------------------------------------------------------

MEASURE = """
(W) => {
  const describe = (el) => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += '#' + el.id;
    const cls = [...el.classList].slice(0, 2);
    if (cls.length) s += '.' + cls.join('.');
    const text = (el.innerText || el.value || el.getAttribute('aria-label') || '')
      .trim().replace(/\\s+/g, ' ').slice(0, 40);
    return text ? `${s} "${text}"` : s;
  };
  const clipsX = (el) =>
    ['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(el).overflowX);
  // Scrolling inside a wrapper is fine, but the wrapper clips an absolutely positioned
  // element (a visually hidden label) only if it holds the element's containing block.
  const insideScroller = (el) => {
    const position = getComputedStyle(el).position;
    if (position === 'fixed') return false;
    let p = el.parentElement;
    if (position === 'absolute') {
      while (p && p !== document.body && getComputedStyle(p).position === 'static')
        p = p.parentElement;
    }
    for (; p && p !== document.body; p = p.parentElement) {
      if (clipsX(p)) return true;
    }
    return false;
  };
  const overflow = [];
  const scrollWidth = document.scrollingElement.scrollWidth;
  if (scrollWidth > W) {
    for (const el of document.body.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.right <= W + 0.5 || insideScroller(el)) continue;
      const parent = el.parentElement.getBoundingClientRect();
      // The outermost elements that stick out, widest first.
      const outermost = el.parentElement === document.body || parent.right <= W + 0.5
        || clipsX(el.parentElement) || getComputedStyle(el).position !== 'static';
      if (outermost)
        overflow.push({what: describe(el), right: Math.round(r.right), width: Math.round(r.width)});
    }
    overflow.sort((a, b) => b.width - a.width);
  }

  const visible = (el) => {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || r.right <= 0) return false;
    const style = getComputedStyle(el);
    return style.visibility !== 'hidden' && !el.closest('.visually-hidden, [aria-hidden=true]');
  };
  // A link is inline when it sits in a line of text (WCAG 2.5.8's inline exception).
  const blockOf = (el) => {
    for (let p = el.parentElement; p; p = p.parentElement) {
      if (!getComputedStyle(p).display.startsWith('inline')) return p;
    }
    return document.body;
  };
  const inlineInText = (el) => {
    if (getComputedStyle(el).display !== 'inline') return false;
    const own = (el.innerText || '').trim().length;
    return (blockOf(el).innerText || '').trim().length > own + 2;
  };
  const targets = [];
  const seen = new Set();
  const candidates = document.querySelectorAll(
    'a[href], button, input[type=submit], input[type=button], input[type=reset], ' +
    'select, summary, label'
  );
  for (const el of candidates) {
    if (el.tagName === 'LABEL') {
      const control = el.control;
      if (!control || !['checkbox', 'radio'].includes(control.type)) continue;
    }
    if (seen.has(el) || !visible(el)) continue;
    seen.add(el);
    const isButton = el.matches('button, input, .button');
    const isNav = el.matches('nav a, nav summary, .site-header a, .site-header summary');
    let need;
    if (isButton || isNav) need = 44;
    else if (el.tagName === 'A' && inlineInText(el)) continue;
    else need = 24;
    // The target is the element with what it holds (a link around a photo is the photo's size).
    const r = el.getBoundingClientRect().toJSON();
    for (const child of el.querySelectorAll('img, svg, picture, span, strong')) {
      const c = child.getBoundingClientRect();
      if (c.width < 2 || c.height < 2) continue;
      r.left = Math.min(r.left, c.left); r.right = Math.max(r.right, c.right);
      r.top = Math.min(r.top, c.top); r.bottom = Math.max(r.bottom, c.bottom);
    }
    r.width = r.right - r.left; r.height = r.bottom - r.top;
    const hasText = (el.innerText || el.value || '').trim().length > 0;
    const minWidth = hasText ? 24 : need;
    if (r.height + 0.5 < need || r.width + 0.5 < minWidth)
      targets.push({
        what: describe(el), width: Math.round(r.width), height: Math.round(r.height), need,
      });
  }
  const header = document.querySelector('.site-header');
  const headerHeight = header ? Math.round(header.getBoundingClientRect().height) : 0;
  return {scrollWidth, overflow: overflow.slice(0, 5), targets, headerHeight};
}
"""


def layout_problems(page, url: str) -> list[str]:
    found = page.evaluate(MEASURE, VIEWPORT["width"])
    problems = []
    if found["scrollWidth"] > VIEWPORT["width"]:
        widest = "; ".join(
            f"{o['what']} (right edge {o['right']} px, {o['width']} px wide)"
            for o in found["overflow"]
        )
        problems.append(
            f"{url}: page is {found['scrollWidth']} px wide on a {VIEWPORT['width']} px "
            f"screen; sticking out: {widest}"
        )
    if found["headerHeight"] > HEADER_MAX:
        problems.append(
            f"{url}: the header is {found['headerHeight']} px tall (at most {HEADER_MAX} px, "
            "so the page itself starts on the first screen)"
        )
    for t in found["targets"]:
        problems.append(
            f"{url}: tap target {t['what']} is {t['width']}×{t['height']} px (needs {t['need']} px)"
        )
    return problems


def open_page(browser, site, request):
    context = browser.new_context(
        locale="id-ID",
        timezone_id="Asia/Jakarta",
        viewport=VIEWPORT,
        base_url=site.server.url,
        service_workers="block",
    )
    guard = Guard(site.server.url)
    request.node.stash.setdefault(GUARDS, []).append(guard)
    context.route("**/*", guard.route)
    page = context.new_page()
    page.on("console", guard.on_console)
    page.on("pageerror", guard.on_page_error)
    return context, page


@pytest.mark.parametrize("role", ROLES)
def test_every_page_fits_a_phone(role, site, browser, request):
    context, page = open_page(browser, site, request)
    try:
        if role != "anonim":
            identifier, password = site.demo.accounts[role]
            page.goto("/masuk")
            page.get_by_label("E-mail atau nomor HP").fill(identifier)
            page.get_by_label("Kata sandi").fill(password)
            page.get_by_role("button", name="Masuk").click()
            page.get_by_text("Selamat datang,").wait_for()
        problems = []
        for url in site.pages[role]:
            response = page.goto(url)
            if response.status != 200:
                problems.append(f"{url}: answered {response.status} in the browser")
                continue
            problems += layout_problems(page, url)
    finally:
        context.close()
    if problems:
        pytest.fail(f"As {role}, at {VIEWPORT['width']} px:\n" + "\n".join(problems), False)


def test_the_checks_can_fail(site, browser, request):
    """A too-wide table and a small button are reported: the checks are not vacuous."""
    context, page = open_page(browser, site, request)
    try:
        page.goto("/daftar")
        page.evaluate(
            """() => {
              const main = document.querySelector('main');
              const wide = document.createElement('div');
              wide.id = 'too-wide'; wide.style.width = '500px'; wide.textContent = 'x';
              const small = document.createElement('button');
              small.id = 'too-small'; small.textContent = 'OK';
              small.style.cssText = 'min-height:0;padding:0;font-size:12px';
              main.append(wide, small);
              document.querySelector('.site-header').style.paddingTop = '200px';
            }"""
        )
        problems = "\n".join(layout_problems(page, "/daftar"))
    finally:
        context.close()
    assert "div#too-wide" in problems and "page is" in problems
    assert 'button#too-small "OK"' in problems and "(needs 44 px)" in problems
    assert "the header is" in problems
