"""Rules checked on every route in `app.url_map`, so a route is covered the day it is added:

* isolation: a kelurahan's URLs never reach another kelurahan's objects (404, never 403),
  and its pages never show another kelurahan's rows; an unknown kelurahan slug is a 404;
* CSRF: every POST without a token is refused (400) and changes nothing;
* sign-in: every page outside the explicit PUBLIC list sends anonymous visitors to /masuk.

A new route whose URL takes an argument these tests do not know fails them until the argument
is added to OWN_VALUES / FOREIGN_IDS below, so nobody forgets to think about it.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from kp_notices import Notice
from sqlalchemy import select

from app.apikeys import issue_key
from app.models import (
    GroupMember,
    Media,
    Notification,
    PasswordReset,
    RoleAssignment,
    User,
    utcnow,
)
from app.models import Place as GazetteerPlace
from plugins.reports.models import Report, ReportComment, ReportUpdate
from plugins.umkm.models import Product, ProductFlag, ProductPhoto, Shop
from tests.conftest import PASSWORD, enable_plugin, kelurahan, make_group, make_user

SLUG = "kelurahan_slug"
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
ARGUMENT = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")

# Endpoints an anonymous visitor may use, with the reason. Every other endpoint must send
# an anonymous GET or POST to /masuk?next=<the page>.
PUBLIC = {
    "static": "CSS, JavaScript and vendored libraries",
    "media.serve": "uploaded images shown on public pages (logos, photos)",
    "public.city_home": "the city's landing page",
    "public.kelurahan_geojson": "map data for the city map",
    "public.kelurahan_home": "each kelurahan's public home page",
    "public.search": "search inside a kelurahan",
    "public.city_search": "search across every kelurahan, from the city home",
    "public.city_map": "the city map of every plugin's public layers",
    "public.city_map_layer": "map data of a public layer over the whole city",
    "public.open_data": "the open data list",
    "public.open_data_download": "open data downloads",
    "public.data_portal": "the city's open data portal",
    "public.data_dataset": "one open dataset: its columns and downloads",
    "public.data_download": "an open dataset over the whole city, for anyone to download",
    "public.data_catalog": "the open data catalogue (DCAT-US) that CKAN and data.gov harvest",
    "public.dashboard": "the public dashboard",
    "public.city_dashboard": "the public city grid: 27 kelurahan × six dimensions",
    "public.metric_definitions": "what each dashboard figure counts",
    "public.dimension_trends": "a kelurahan's figures of one dimension, month by month",
    "public.metric_trend": "one dashboard figure across the 27 kelurahan, month by month",
    "public.map_layer": "map data of any plugin's public layer",
    "moved": "a plugin's former URL, redirected permanently to its current one",
    "public.set_language": "choosing a language works before signing in",
    "public.healthz": "health check for the load balancer",
    "public.privacy": "the privacy policy, read before signing up",
    "public.web_manifest": "the web app manifest, fetched by browsers before any sign-in",
    "public.favicon": "the favicon browsers ask for on every site",
    "account.login": "the sign-in page itself",
    "account.signup": "creating an account",
    "account.signup_sent": "after signing up: 'check your messages for the link'",
    "account.confirm_signup": "opening a sign-up link: the signed token in the URL is the key",
    "account.logout": "signing out is harmless when not signed in",
    "account.forgot_password": "asking for a reset link",
    "account.reset_password": "using a reset link",
    "groups.index": "community groups are listed publicly",
    "groups.show": "a group's public page",
    "notices.index": "example plugin: the public notice board",
    "reports.index": "reports: the public map and list of reports",
    "reports.show": "reports: a report's public page",
    "reports.comments": "reports: a report's comments (htmx fragment of the public page)",
    "reports.map_geojson": "reports: map data of the public map",
    "reports.nearby": "reports: open reports near a point (duplicate hint while typing)",
    "reports.statistics": "reports: the public statistics page",
    "reports.static": "reports: the plugin's JavaScript",
    "umkm.catalogue": "UMKM: the kelurahan's product catalogue",
    "umkm.product": "UMKM: a product's public page",
    "umkm.shop": "UMKM: a shop's public page",
    "umkm.shops_geojson": "UMKM: approved shops for the map",
    "umkm.count_whatsapp": "UMKM: counts a 'Pesan via WhatsApp' click by any visitor",
    "umkm.static": "UMKM: the plugin's JavaScript and CSS",
    "umkm_city.static": "UMKM: the plugin's JavaScript and CSS, outside any kelurahan",
    "umkm_city.catalogue": "UMKM: the city-wide catalogue",
    "tourism.index": "wisata: the kelurahan's guide",
    "tourism.destination": "wisata: a destination's public page",
    "tourism.event": "wisata: an event's public page",
    "tourism.calendar": "wisata: the kelurahan's events calendar",
    "tourism.feed": "wisata: the kelurahan's iCalendar feed",
    "tourism.route": "wisata: a walking route's public page",
    "tourism.route_geojson": "wisata: a walking route's line for its map",
    "tourism.destinations_geojson": "wisata: published destinations for the map",
    "tourism.events_geojson": "wisata: upcoming events for the map",
    "tourism.static": "wisata: the plugin's CSS",
    "tourism_city.static": "wisata: the plugin's CSS, outside any kelurahan",
    "tourism_city.guide": "wisata: the city's visitors' guide",
    "tourism_city.calendar": "wisata: the city's events calendar",
    "tourism_city.feed": "wisata: the city's iCalendar feed",
    "tourism_city.destinations_geojson": "wisata: the city guide's map data",
    "proposals.index": "usulan: the current Musrenbang cycle and its proposals",
    "proposals.cycle_report": "usulan: a cycle's public report",
    "proposals.cycle_csv": "usulan: a cycle's report as CSV",
    "proposals.cycle_print": "usulan: a cycle's printable report",
    "proposals.map_geojson": "usulan: proposals for the map",
    "proposals.meeting": "usulan: the Musrenbang meeting's public page",
    "proposals.proposal": "usulan: a proposal's public page",
    "proposals.similar_proposals": "usulan: similar proposals while typing (htmx fragment)",
    "proposals.static": "usulan: the plugin's CSS",
    "services.index": "layanan surat: the letter types and how to request them",
    "services.track": "layanan surat: a request's status by its tracking code, no account",
    "services.verify": "layanan surat: the QR code's page says whether a letter is genuine",
    "services.service_times": "layanan surat: the public service times",
    "services.static": "layanan surat: the plugin's CSS",
    "facilities.index": "fasilitas: the public directory of facilities",
    "facilities.places_geojson": "fasilitas: map data of the directory",
    "facilities.facility": "fasilitas: a facility's public page",
    "facilities.calendar": "fasilitas: busy times of a facility, without names",
    "facilities.calendar_ics": "fasilitas: the busy times as an .ics feed for calendar apps",
    "facilities.schedules": "fasilitas: the kelurahan's RW schedules (posyandu, sampah)",
    "facilities.schedules_ics": "fasilitas: the RW schedules as an .ics feed for calendar apps",
    "facilities.alerts": "fasilitas: active alerts and the public flood history",
    "facilities.alert": "fasilitas: one alert's public page",
    "facilities_city.alerts": "fasilitas: every active alert of the city",
    "facilities.static": "fasilitas: the plugin's CSS",
    "facilities_city.static": "fasilitas: the plugin's CSS, outside any kelurahan",
    "wastebank.index": "bank sampah: what it is, and where each visitor goes next",
    "wastebank.static": "bank sampah: the plugin's CSS",
    "open311.index": "Open311: the API's entry point (the discovery document)",
    "open311.discovery": "Open311: public API",
    "open311.services": "Open311: public API",
    "open311.service_definition": "Open311: public API",
    "open311.requests": "Open311: public API",
    "open311.request_detail": "Open311: public API",
    "open311.token_lookup": "Open311: public API",
    "open311.create_request": "Open311: API clients authenticate with an api_key, not a session",
    "api_docs.page": "API: the interactive documentation of /api/v1",
    "api-docs.openapi_json": "API: the OpenAPI document clients are built from",
    "core-api.kelurahan_list": "API: the city's kelurahan, as the city home lists them",
    "core-api.kelurahan_detail": "API: a kelurahan's public identity and plugins",
    "core-api.kelurahan_plugins": "API: the plugins switched on, as the home page lists them",
    "core-api.kelurahan_metrics": "API: the public dashboard's figures",
    "core-api.kelurahan_datasets": "API: the open data list",
    "reports-api.report_list": "API: the public reports, without reporters' names",
    "reports-api.report_detail": "API: a public report's page as data",
    "reports-api.category_list": "API: the categories the report form offers",
    "reports-api.file_report": "API: clients authenticate with an X-API-Key, not a session",
    "umkm-api.index": "API: links to the UMKM lists",
    "umkm-api.product_list": "API: the products the public catalogue shows",
    "umkm-api.product_detail": "API: a product whose public page anyone may open",
    "umkm-api.shop_list": "API: the shops whose public pages anyone may open",
    "umkm-api.shop_detail": "API: a shop's public page as data",
    "tourism-api.index": "API: links to the tourism lists",
    "tourism-api.destination_list": "API: published destinations, as the guide shows them",
    "tourism-api.destination_detail": "API: a published destination's public page as data",
    "tourism-api.event_list": "API: upcoming public events, as the calendar shows them",
    "tourism-api.event_detail": "API: a public event's page as data",
    "proposals-api.proposal_list": "API: the proposals the public cycle pages show",
    "proposals-api.proposal_detail": "API: a proposal's public page as data, no author name",
    "facilities-api.facility_list": "API: the public directory of facilities",
    "facilities-api.facility_detail": "API: a facility's public page as data, no booker",
}

# PUBLIC endpoints whose GET answers a redirect (to this path, given the URL asked for)
# instead of 200.
PUBLIC_REDIRECTS = {
    "reports.comments": lambda w, url: f"/k/{w.own.slug}/laporan/{w.own.report_id}",  # no htmx
    "moved": lambda w, url: url.replace("/reports/", "/laporan/", 1),  # a plugin's former path
}

# POST routes allowed to skip CSRF, with the reason. Each must authenticate its caller
# another way: EXEMPT_CREDENTIALS gives the form fields that do it, and
# test_csrf_exempt_routes_authenticate_otherwise checks that without them (or with another
# kelurahan's) the POST is refused and changes nothing, and with them it is accepted.
CSRF_EXEMPT: dict[str, str] = {
    "open311.create_request": "Open311 API: clients are programs that send an api_key",
    "reports-api.file_report": "JSON API: clients are programs that send an X-API-Key",
}
EXEMPT_CREDENTIALS = {
    "open311.create_request": lambda p: {"api_key": p.api_key},
    "reports-api.file_report": lambda p: {"X-API-Key": p.api_key},  # a header
}
# /api/v1 writes take a JSON body, and their credentials (above) are headers.
API_BODIES = {
    "reports-api.file_report": lambda w: {
        "category": "Jalan rusak",
        "description": "Jalan berlubang, dikirim lewat API.",
        "lat": -6.8899,
        "lng": 109.6728,
    },
}


def post_request(endpoint: str, world, party=None, scope=None) -> dict:
    """fetch()'s keyword arguments for a complete POST to `endpoint`, carrying `party`'s
    credentials when the route is CSRF-exempt (none when `party` is None)."""
    credentials = EXEMPT_CREDENTIALS.get(endpoint, lambda p: {})(party) if party else {}
    if endpoint in API_BODIES:
        return {"json": API_BODIES[endpoint](world), "headers": credentials}
    return {
        "data": {**POST_DATA.get(endpoint, lambda w: {})(world), **(scope or {}), **credentials}
    }


# Form data for POSTs in the CSRF test: what a real submission would send, so that a missing
# CSRF check would show up as a changed database. Unknown endpoints post an empty form.
POST_DATA = {
    "services.apply": lambda w: _services_request_form(),
    "services.fix_request": lambda w: _services_request_form(),
    "services.move_request": lambda w: {"target": "diperiksa", "note": ""},
    "services.edit_type": lambda w: {
        "name": "Surat Tanpa Token",
        "title": "SURAT TANPA TOKEN",
        "code": "470",
        "target_days": "2",
        "template": "Nama : {{ nama }}",
    },
    "services.add_head": lambda w: {"account": str(w.own.resident.id), "rw": "9", "rt": "9"},
    "services_city.leave_days": lambda w: {"day": "2027-06-30", "name": "Cuti Tanpa Token"},
    "facilities.book": lambda w: {
        "facility": str(w.own.facilities.facility_id),
        "purpose": "Rapat tanpa token",
        "day": (utcnow() + timedelta(days=9)).date().isoformat(),
        "start": "09:00",
        "end": "10:00",
        "repeat": "none",
    },
    "facilities.decide": lambda w: {"note": "Tanpa token"},
    "facilities.report_damage": lambda w: {"body": "Rusak tanpa token sama sekali"},
    "proposals.new_proposal": lambda w: _proposal_form("Usulan Tanpa Token"),
    "proposals.edit_proposal": lambda w: _proposal_form("Usulan Diubah Tanpa Token"),
    "proposals.comment": lambda w: {"body": "Komentar tanpa token"},
    "proposals.flag_comment": lambda w: {"reason": "spam"},
    "proposals.review": lambda w: {"decision": "reject", "reason": "Ditolak tanpa token"},
    "proposals.record_result": lambda w: {"result": "tidak_terpilih", "note": "Tanpa token"},
    "proposals.pin_phase": lambda w: {"phase": "hasil"},
    "proposals.new_cycle": lambda w: _cycle_form("Siklus Tanpa Token"),
    "proposals.edit_cycle": lambda w: _cycle_form("Siklus Diubah Tanpa Token"),
    "proposals.edit_meeting": lambda w: {
        "day": "2030-01-15",
        "time": "09:00",
        "place_name": "Balai Tanpa Token",
        "lat": "-6.8899",
        "lng": "109.6728",
    },
    "account.login": lambda w: {"identifier": w.city_admin.email, "password": "x"},
    "account.signup": lambda w: {
        "identifier": "baru-tanpa-token@contoh.id",
        "display_name": "Warga Tanpa Token",
        "home_kelurahan": str(w.own.kelurahan_id),
        "password": "Kunci-Tanpa-Token-2026",
    },
    "account.profile": lambda w: {
        "display_name": "Nama Tanpa Token",
        "email": w.city_admin.email,
        "home_kelurahan": str(w.own.kelurahan_id),
        "locale": "en",
    },
    "account.change_password": lambda w: {
        "current_password": w.password,
        "password": "Kunci-Tanpa-Token-2026",
        "confirm": "Kunci-Tanpa-Token-2026",
    },
    "account.forgot_password": lambda w: {"identifier": w.city_admin.email},
    "account.reset_password": lambda w: {
        "password": "Kunci-Tanpa-Token-2026",
        "confirm": "Kunci-Tanpa-Token-2026",
    },
    "public.set_language": lambda w: {"lang": "en"},
    "city.index": lambda w: {
        "identifier": w.own.resident_email,
        "kelurahan": str(w.own.kelurahan_id),
    },
    "city.settings": lambda w: {"reports.geocoder_url": ""},
    "city.index_weights": lambda w: {"bobot_groups": "7"},
    "groups.create": lambda w: {"name": "Kelompok Tanpa Token", "kind": "umkm"},
    "groups.edit": lambda w: {"name": "Diubah Tanpa Token", "kind": "pkk"},
    "groups.invite": lambda w: {"identifier": w.own.resident_email},
    "admin.identity": lambda w: {"address": "Jl. Tanpa Token 1"},
    "admin.set_role": lambda w: {"role": "petugas"},
    "admin.toggle_plugin": lambda w: {"enabled": "0"},
    "admin.plugin_settings": lambda w: {"per_page": "20"},
    "admin.api_keys": lambda w: {"label": "Kunci tanpa token", "scopes": "reports.write"},
    "places.index": lambda w: {"kind": "jalan", "name": "Jl. Tanpa Token"},
    "places.edit": lambda w: {"kind": "jalan", "name": "Jl. Diubah Tanpa Token"},
    "reports.new": lambda w: {
        "category": "Jalan rusak",
        "title": "Jalan berlubang tanpa token",
        "description": "Lubang besar di tengah jalan.",
        "lat": "-6.8899",
        "lng": "109.6728",
        "confirm_new": "1",
    },
    "reports.comment": lambda w: {"body": "Komentar tanpa token"},
    "reports.change_status": lambda w: {"status": "diverifikasi", "note": "Tanpa token"},
    "reports.hide_report": lambda w: {"reason": "Disembunyikan tanpa token"},
    "reports.hide_comment": lambda w: {"reason": "Disembunyikan tanpa token"},
    "reports.flag_report": lambda w: {"reason": "Ditandai tanpa token"},
    "reports.flag_comment": lambda w: {"reason": "Ditandai tanpa token"},
    "umkm.open_shop": lambda w: {
        "group": str(w.own.spare_group_id),
        "name": "Toko Tanpa Token",
        "whatsapp": "081234567890",
        "address": "Jl. Tanpa Token 1",
        "lat": "-6.8899",
        "lng": "109.6728",
    },
    "umkm.edit_shop": lambda w: {
        "name": "Toko Diubah Tanpa Token",
        "whatsapp": "081234567890",
        "address": "Jl. Tanpa Token 2",
        "lat": "-6.8899",
        "lng": "109.6728",
    },
    "umkm.new_product": lambda w: {
        "name": "Produk Tanpa Token",
        "category": "Batik tulis",
        "price": "150000",
        "unit": "lembar",
        "stock": "tersedia",
    },
    "umkm.edit_product": lambda w: {
        "name": "Produk Diubah Tanpa Token",
        "category": "Batik cap",
        "price": "99000",
        "unit": "lembar",
        "stock": "habis",
    },
    "umkm.flag": lambda w: {"reason": "penipuan", "note": "Tanpa token"},
    "umkm.close_shop": lambda w: {"note": "Tutup tanpa token"},
    "umkm.approve_shop": lambda w: {"reason": "Disetujui tanpa token"},
    "umkm.suspend_shop": lambda w: {"reason": "Ditangguhkan tanpa token"},
    "umkm.staff_hide_product": lambda w: {"reason": "Disembunyikan tanpa token"},
    "tourism.new_destination": lambda w: _destination_form(w, "Destinasi Tanpa Token"),
    "tourism.edit_destination": lambda w: _destination_form(w, "Destinasi Diubah Tanpa Token"),
    "tourism.new_event": lambda w: _event_form(w, "Acara Tanpa Token"),
    "tourism.edit_event": lambda w: _event_form(w, "Acara Diubah Tanpa Token"),
    "tourism.review_destination": lambda w: {"aksi": "hide", "note": "Tanpa token"},
    "tourism.review_event": lambda w: {"aksi": "hide", "note": "Tanpa token"},
    "tourism.new_route": lambda w: {
        "name": "Rute Tanpa Token",
        "stop_0": str(w.own.tourism.destination_id),
        "stop_1": str(w.own.tourism.second_destination_id),
    },
    "tourism.edit_route": lambda w: {
        "name": "Rute Diubah Tanpa Token",
        "stop_0": str(w.own.tourism.second_destination_id),
        "stop_1": str(w.own.tourism.destination_id),
    },
    "wastebank.new_unit": lambda w: {
        "group": str(w.own.wastebank.spare_group_id),
        "name": "Unit Tanpa Token",
        "address": "Jl. Tanpa Token 3",
        "lat": "-6.8899",
        "lng": "109.6728",
    },
    "wastebank.edit_unit": lambda w: {
        "name": "Unit Diubah Tanpa Token",
        "address": "Jl. Tanpa Token 4",
        "lat": "-6.8899",
        "lng": "109.6728",
    },
    "wastebank.waste_types": lambda w: {"type-name": "Jenis Tanpa Token"},
    "wastebank.set_price": lambda w: {
        f"price{w.own.wastebank.type_id}-buy_per_kg": "1000",
        f"price{w.own.wastebank.type_id}-sell_per_kg": "1200",
        f"price{w.own.wastebank.type_id}-valid_from": "2030-01-01",
    },
    "wastebank.new_member": lambda w: {"number": "999", "name": "Nasabah Tanpa Token"},
    "wastebank.edit_member": lambda w: {"number": "998", "name": "Nasabah Diubah Tanpa Token"},
    "wastebank.deposit": lambda w: {
        "lines-0-waste_type": str(w.own.wastebank.type_id),
        "lines-0-kg": "1,5",
    },
    "wastebank.withdrawal": lambda w: {"amount": "1000"},
    "wastebank.sale": lambda w: {
        "collector": "Pengepul Tanpa Token",
        "lines-0-waste_type": str(w.own.wastebank.type_id),
        "lines-0-kg": "1",
    },
    "wastebank.correct": lambda w: {"reason": "Koreksi tanpa token", "confirm": "y"},
    "wastebank.request_withdrawal": lambda w: {"amount": "1000"},
    "open311.create_request": lambda w: {
        "jurisdiction_id": w.own.slug,
        "service_code": "jalan-rusak",
        "lat": "-6.8899",
        "long": "109.6728",
        "description": "Jalan berlubang, dikirim lewat Open311.",
    },
}


def _proposal_form(title: str) -> dict:
    return {
        "group": "",
        "title": title,
        "category": "infrastruktur",
        "problem": "Masalah yang ditulis tanpa token.",
        "solution": "Penyelesaian yang ditulis tanpa token.",
        "beneficiaries": "20 KK",
        "estimated_cost": "1000000",
        "rt": "1",
        "rw": "1",
        "lat": "-6.8899",
        "lng": "109.6728",
    }


def _cycle_form(title: str) -> dict:
    data = {
        "title": title,
        "support_threshold": "5",
        "supports_per_resident": "3",
        "categories": "infrastruktur",
        "budget": "1000000",
    }
    for n, kind in enumerate(("pengajuan", "dukungan", "verifikasi", "musyawarah", "hasil")):
        data[f"{kind}_starts"] = f"2030-0{n + 1}-01"
        data[f"{kind}_ends"] = f"2030-0{n + 1}-20"
    return data


def _destination_form(w, name: str) -> dict:
    return {
        "group": str(w.own.tourism.group_id),
        "name": name,
        "category": "museum",
        "description": "Keterangan tanpa token.",
        "lat": "-6.8899",
        "lng": "109.6728",
        "ticket_price": "0",
        "opens_0": "08:00",
        "closes_0": "15:00",
    }


def _event_form(w, title: str) -> dict:
    return {
        "group": str(w.own.tourism.group_id),
        "title": title,
        "description": "Acara tanpa token.",
        "start_date": "2030-01-05",
        "start_time": "08:00",
        "end_date": "2030-01-05",
        "end_time": "11:00",
        "repeat": "none",
        "destination": str(w.own.tourism.destination_id),
    }


# Query strings that make a page show data (search for the rows the isolation test plants).
QUERY = {"public.search": {"q": "Rahasia"}, "admin.residents": {"q": "Rahasia"}}


# -- the world: two kelurahan, each with its own objects ----------------------------------


@dataclass
class Place:
    slug: str
    kelurahan_id: int
    admin: User
    resident: User
    resident_email: str
    group_id: int
    member_id: int
    notice_id: int
    report_id: int
    report_token: str
    comment_id: int
    key_id: int
    api_key: str
    shop_id: int
    product_id: int
    photo_id: int
    spare_group_id: int  # a verified UMKM group without a shop, led by the admin
    place_id: int  # an entry of the offline gazetteer (admin "Tempat & jalan")
    marker: str  # appears in the names of every row planted here
    wastebank: WasteBankPlace  # a unit the admin operates, with a member, a type, entries
    tourism: TourismPlace  # published destinations, a photo, an event and a route
    proposals: ProposalsPlace  # an open cycle with the admin's proposal, a photo, a comment
    services: ServicesPlace  # a letter type, the admin's approved request with a document
    facilities: FacilitiesPlace  # a bookable balai with a photo, bookings, a schedule, an alert


@dataclass
class FacilitiesPlace:
    facility_id: int
    photo_id: int
    booking_id: int  # the resident's pending booking of the balai
    admin_booking_id: int  # the admin's own pending booking (the admin may cancel it)
    note_id: int  # a resident's damage note
    schedule_id: int
    alert_id: int  # an active alert for RW 001


@dataclass
class ServicesPlace:
    type_id: int
    type_slug: str
    request_id: int  # the admin's own request, submitted, with a number and a document
    document_id: int
    verify_token: str
    head_id: int  # the resident heads RT 001/RW 001
    leave_day: str


@dataclass
class ProposalsPlace:
    cycle_id: int
    proposal_id: int  # written by the admin (a verified resident), in the submission phase
    photo_id: int
    comment_id: int  # by the resident


@dataclass
class TourismPlace:
    group_id: int  # a verified Pokdarwis group the admin leads
    destination_id: int
    second_destination_id: int
    photo_id: int
    event_id: int
    route_id: int


@dataclass
class WasteBankPlace:
    unit_id: int
    member_id: int
    type_id: int
    entry_id: int
    request_id: int
    card_token: str  # the member's card: /bank-sampah/kartu/<token>
    spare_group_id: int  # a verified KSM group the admin leads, without a unit yet


@dataclass
class World:
    own: Place  # kauman: the signed-in admin's kelurahan
    other: Place  # medono
    city_admin: User
    password: str
    reset_token: str
    media_relpath: str


def _place(app, db, slug: str) -> Place:
    name = slug.title()
    marker = f"Rahasia {name}"
    admin = make_user("admin", slug, name=f"Admin {marker}")
    resident = make_user("warga", slug, name=f"Warga {marker}")
    group = make_group(slug, leader=admin, name=f"Kelompok {marker}")
    applicant = make_user("warga", slug, name=f"Anggota {marker}")
    member = GroupMember(
        kelurahan_id=group.kelurahan_id, user_id=applicant.id, role="anggota", status="requested"
    )
    group.members.append(member)
    notice = Notice(
        kelurahan_id=group.kelurahan_id,
        title=f"Pengumuman {marker}",
        body=f"Isi pengumuman {marker}.",
        lat=-6.89,
        lng=109.67,
    )
    db.session.add(notice)
    db.session.commit()
    enable_plugin(app, "notices", slug)
    enable_plugin(app, "reports", slug)
    home = kelurahan(slug)
    report = Report(
        kelurahan_id=home.id,
        category="Jalan rusak",
        title=f"Laporan {marker}",
        description=f"Keterangan laporan {marker}.",
        lat=home.lat,
        lng=home.lng,
        status="baru",
        reporter_id=resident.id,
        source="web",
        token=secrets.token_hex(16),
    )
    report.updates.append(ReportUpdate(kelurahan_id=home.id, to_status="baru", note=""))
    db.session.add(report)
    db.session.flush()
    comment = ReportComment(
        kelurahan_id=home.id, report_id=report.id, user_id=resident.id, body=f"Komentar {marker}"
    )
    db.session.add(comment)
    key, api_key = issue_key(home, f"Kunci {marker}", ["reports.write"], actor=admin)
    db.session.commit()
    shop, product, photo = _plant_umkm(app, db, slug, group, marker)
    # The leader may open a shop for this one (umkm.open_shop).
    spare_group = make_group(slug, leader=admin, name=f"Kelompok Cadangan {marker}")
    gazetteer_place = GazetteerPlace(
        kelurahan_id=home.id,
        kind="tempat",
        name=f"Balai {marker}",
        search_key=f"balai {marker.lower()}",
        source="staff",
    )
    db.session.add(gazetteer_place)
    db.session.commit()
    wastebank = _plant_wastebank(app, db, slug, admin, marker)
    tourism = _plant_tourism(app, db, slug, admin, marker)
    proposals = _plant_proposals(app, db, slug, admin, resident, marker)
    services = _plant_services(app, db, slug, admin, resident, marker)
    facilities = _plant_facilities(app, db, slug, admin, resident, marker)
    return Place(
        slug=slug,
        kelurahan_id=group.kelurahan_id,
        admin=admin,
        resident=resident,
        resident_email=resident.email,
        group_id=group.id,
        member_id=member.id,
        notice_id=notice.id,
        report_id=report.id,
        report_token=report.token,
        comment_id=comment.id,
        key_id=key.id,
        api_key=api_key,
        shop_id=shop.id,
        product_id=product.id,
        photo_id=photo.id,
        spare_group_id=spare_group.id,
        place_id=gazetteer_place.id,
        marker=marker,
        wastebank=wastebank,
        tourism=tourism,
        proposals=proposals,
        services=services,
        facilities=facilities,
    )


def _services_request_form() -> dict:
    return {
        "full_name": "Pemohon Tanpa Token",
        "nik": "3375024107900012",
        "birth_place": "Pekalongan",
        "birth_date": "1990-07-01",
        "sex": "P",
        "address": "Jl. Tanpa Token",
        "rt": "1",
        "rw": "1",
        "purpose": "Uji",
        "delivery": "ambil",
        "confirm": "y",
    }


def _plant_services(app, db, slug: str, admin, resident, marker: str) -> ServicesPlace:
    """A letter type with one optional document, the admin's request (submitted, numbered
    and with a photo of a document), the resident as the head of RT 001/RW 001, and a
    collective leave day of the city."""
    from datetime import date

    from plugins.services.models import (
        LeaveDay,
        LetterType,
        Request,
        RequestDocument,
        RequiredDocument,
        RtHead,
    )

    enable_plugin(app, "services", slug)
    home_id = kelurahan(slug).id
    admin.role_in(kelurahan(slug)).verified_at = utcnow()
    letter_type = LetterType(
        kelurahan_id=home_id,
        slug=f"surat-{slug}",
        name=f"Surat {marker}",
        title="SURAT KETERANGAN",
        code="470",
        template="Nama : {{ nama }}",
    )
    letter_type.documents.append(RequiredDocument(kelurahan_id=home_id, name="KTP", required=False))
    db.session.add(letter_type)
    db.session.flush()
    media = Media(
        relpath=f"uji/dokumen-{marker.split()[-1].lower()}.jpg",
        width=8,
        height=8,
        content_type="image/jpeg",
        size_bytes=4,
        kelurahan_id=home_id,
        public=False,
    )
    token = f"verifikasi-{slug}-{secrets.token_hex(6)}"
    request = Request(
        kelurahan_id=home_id,
        code=secrets.token_hex(4).upper(),
        letter_type_id=letter_type.id,
        requester_id=admin.id,
        status="diajukan",
        full_name=f"Pemohon {marker}",
        rt="001",
        rw="001",
        purpose="Uji",
        values={},
        complete_at=utcnow(),
        number=f"470/001/KEL-{slug.upper()}/XI/2026",
        number_year=2026,
        number_seq=1,
        verify_token=token,
        masked_name="P******",
        approved_at=utcnow(),
    )
    request.documents.append(
        RequestDocument(kelurahan_id=home_id, name="KTP", media=media, position=0)
    )
    db.session.add(request)
    head = RtHead(kelurahan_id=home_id, user_id=resident.id, rw="001", rt="001")
    db.session.add(head)
    day = date(2026, 12, 24) if slug == "kauman" else date(2026, 12, 31)
    db.session.add(LeaveDay(day=day, name=f"Cuti {marker}"))
    db.session.commit()
    return ServicesPlace(
        letter_type.id,
        letter_type.slug,
        request.id,
        request.documents[0].id,
        token,
        head.id,
        day.isoformat(),
    )


def _plant_facilities(app, db, slug: str, admin, resident, marker: str) -> FacilitiesPlace:
    """A bookable balai with a photo, a pending booking by the resident and one by the admin,
    a damage note, a weekly schedule for RW 001 and an active alert for RW 001."""
    from datetime import datetime, time

    from plugins.facilities.models import (
        Alert,
        AlertArea,
        Booking,
        BookingSlot,
        DamageNote,
        Facility,
        FacilityPhoto,
        Schedule,
    )

    enable_plugin(app, "facilities", slug)
    home = kelurahan(slug)
    now = utcnow()
    balai = Facility(
        kelurahan_id=home.id,
        name=f"Balai {marker}",
        kind="balai",
        lat=home.lat,
        lng=home.lng,
        bookable=True,
        max_hours=4,
    )
    media = Media(
        relpath=f"uji/fasilitas-{marker.split()[-1].lower()}.jpg",
        width=8,
        height=8,
        content_type="image/jpeg",
        size_bytes=4,
        kelurahan_id=home.id,
    )
    balai.photos.append(FacilityPhoto(kelurahan_id=home.id, media=media, thumb=media))
    db.session.add(balai)
    db.session.flush()
    bookings = []
    for requester in (resident, admin):
        start = datetime.combine((now + timedelta(days=3)).date(), time(2), now.tzinfo)
        booking = Booking(
            kelurahan_id=home.id,
            facility_id=balai.id,
            requester_id=requester.id,
            purpose=f"Rapat {marker}",
            status="menunggu",
        )
        booking.slots.append(
            BookingSlot(
                kelurahan_id=home.id,
                facility_id=balai.id,
                starts_at=start,
                ends_at=start + timedelta(hours=2),
            )
        )
        db.session.add(booking)
        bookings.append(booking)
    note = DamageNote(
        kelurahan_id=home.id, facility_id=balai.id, author_id=resident.id, body=f"Rusak {marker}"
    )
    schedule = Schedule(
        kelurahan_id=home.id,
        kind="posyandu",
        title=f"Posyandu {marker}",
        rw="001",
        starts_at=now + timedelta(days=1),
        ends_at=now + timedelta(days=1, hours=3),
        rule=None,
    )
    alert = Alert(
        kelurahan_id=home.id,
        kind="rob",
        severity="siaga",
        message=f"Rob {marker}",
        lat=home.lat,
        lng=home.lng,
        starts_at=now - timedelta(hours=1),
        expected_end_at=now + timedelta(days=1),
    )
    alert.areas.append(AlertArea(kelurahan_id=home.id, rw="001"))
    db.session.add_all([note, schedule, alert])
    db.session.commit()
    return FacilitiesPlace(
        balai.id,
        balai.photos[0].id,
        bookings[0].id,
        bookings[1].id,
        note.id,
        schedule.id,
        alert.id,
    )


def _plant_proposals(app, db, slug: str, admin, resident, marker: str) -> ProposalsPlace:
    """A cycle in its submission phase (by the dates), the admin's proposal with a photo,
    and the resident's comment on it. The admin is a verified resident, so every action
    of the plugin is open to them."""
    from datetime import date

    from plugins.proposals.models import Comment, Cycle, Proposal, ProposalPhoto
    from plugins.proposals.phases import PHASE_ORDER, default_phase

    enable_plugin(app, "proposals", slug)
    admin.role_in(kelurahan(slug)).verified_at = utcnow()
    home_id = kelurahan(slug).id
    today = date.today()
    cycle = Cycle(
        kelurahan_id=home_id,
        title=f"Musrenbang {marker}",
        categories=["infrastruktur", "lingkungan"],
        budget=100_000_000,
    )
    for n, kind in enumerate(PHASE_ORDER):
        first = today + timedelta(days=20 * n - 3)
        phase = default_phase(kind, first, first + timedelta(days=19))
        phase.kelurahan_id = home_id
        cycle.phases.append(phase)
    db.session.add(cycle)
    db.session.flush()
    proposal = Proposal(
        kelurahan_id=home_id,
        cycle_id=cycle.id,
        author_id=admin.id,
        title=f"Usulan {marker}",
        problem=f"Masalah {marker}.",
        solution=f"Penyelesaian {marker}.",
        category="infrastruktur",
        beneficiaries="30 KK",
        estimated_cost=5_000_000,
        lat=-6.8899,
        lng=109.6728,
    )
    media = [
        Media(
            relpath=f"uji/usulan-{marker.split()[-1].lower()}-{size}.jpg",
            width=8,
            height=8,
            content_type="image/jpeg",
            size_bytes=4,
            kelurahan_id=home_id,
        )
        for size in ("besar", "kecil")
    ]
    photo = ProposalPhoto(kelurahan_id=home_id, media=media[0], thumb=media[1], position=0)
    proposal.photos.append(photo)
    db.session.add(proposal)
    db.session.flush()
    comment = Comment(
        kelurahan_id=home_id,
        proposal_id=proposal.id,
        user_id=resident.id,
        body=f"Komentar {marker}",
    )
    db.session.add(comment)
    db.session.commit()
    return ProposalsPlace(cycle.id, proposal.id, photo.id, comment.id)


def _plant_tourism(app, db, slug: str, admin, marker: str) -> TourismPlace:
    """Two published destinations of a Pokdarwis group the admin leads (one with a photo),
    a weekly event at the first, and a walking route through both."""
    from datetime import UTC, datetime

    from plugins.tourism.models import (
        Destination,
        DestinationPhoto,
        RouteStop,
        TourEvent,
        TourRoute,
    )

    enable_plugin(app, "tourism", slug)
    group = make_group(slug, leader=admin, name=f"Pokdarwis {marker}", kind="pokdarwis")
    home_id = group.kelurahan_id
    hours = [["08:00", "15:00"]] * 7
    places = [
        Destination(
            kelurahan_id=home_id,
            group_id=group.id,
            name=f"{what} {marker}",
            category="museum",
            description=f"Keterangan {what.lower()} {marker}.",
            lat=-6.8899 + 0.001 * n,
            lng=109.6728,
            hours=hours,
            status="published",
        )
        for n, what in enumerate(("Museum", "Galeri"))
    ]
    media = [
        Media(
            relpath=f"uji/wisata-{marker.split()[-1].lower()}-{size}.jpg",
            width=8,
            height=8,
            content_type="image/jpeg",
            size_bytes=4,
            kelurahan_id=home_id,
        )
        for size in ("besar", "kecil")
    ]
    photo = DestinationPhoto(kelurahan_id=home_id, media=media[0], thumb=media[1], position=0)
    places[0].photos.append(photo)
    db.session.add_all(places)
    db.session.flush()
    starts = datetime(2030, 1, 5, 1, tzinfo=UTC)
    event = TourEvent(
        kelurahan_id=home_id,
        group_id=group.id,
        title=f"Acara {marker}",
        description=f"Keterangan acara {marker}.",
        starts_at=starts,
        ends_at=starts.replace(hour=4),
        rrule="FREQ=WEEKLY;UNTIL=20300330T165959Z;BYDAY=SA",
        series_ends_at=datetime(2030, 3, 30, 4, tzinfo=UTC),
        destination_id=places[0].id,
        lat=places[0].lat,
        lng=places[0].lng,
        status="published",
    )
    route = TourRoute(kelurahan_id=home_id, name=f"Rute {marker}")
    route.stops = [
        RouteStop(kelurahan_id=home_id, destination_id=d.id, position=i)
        for i, d in enumerate(places)
    ]
    db.session.add_all([event, route])
    db.session.commit()
    return TourismPlace(
        group_id=group.id,
        destination_id=places[0].id,
        second_destination_id=places[1].id,
        photo_id=photo.id,
        event_id=event.id,
        route_id=route.id,
    )


def _plant_wastebank(app, db, slug: str, admin, marker: str) -> WasteBankPlace:
    """A unit run by a KSM group the admin leads, with a priced type, a member linked to the
    admin's account, a deposit and a withdrawal request; and a second KSM group to open one."""
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

    enable_plugin(app, "wastebank", slug)
    group = make_group(slug, leader=admin, name=f"KSM {marker}", kind="ksm_bank_sampah")
    spare = make_group(slug, leader=admin, name=f"KSM Cadangan {marker}", kind="ksm_bank_sampah")
    home_id = group.kelurahan_id
    unit = Unit(
        kelurahan_id=home_id,
        group_id=group.id,
        name=f"Bank Sampah {marker}",
        address=f"Alamat {marker}",
        lat=-6.8899,
        lng=109.6728,
    )
    db.session.add(unit)
    db.session.flush()
    waste_type = WasteType(kelurahan_id=home_id, unit_id=unit.id, name=f"Kertas {marker}")
    db.session.add(waste_type)
    db.session.flush()
    db.session.add(
        PricePeriod(
            kelurahan_id=home_id,
            waste_type_id=waste_type.id,
            buy_per_kg=2000,
            sell_per_kg=2500,
            valid_from=date(2020, 1, 1),
        )
    )
    member = Member(
        kelurahan_id=home_id,
        unit_id=unit.id,
        number="001",
        name=f"Nasabah {marker}",
        user_id=admin.id,
    )
    db.session.add(member)
    db.session.flush()
    entry = Entry(
        kelurahan_id=home_id,
        unit_id=unit.id,
        member_id=member.id,
        member_seq=1,
        kind="deposit",
        amount=10_000,
        balance_after=10_000,
        idempotency_key=f"plant-{slug}",
        created_by_id=admin.id,
    )
    entry.lines.append(
        EntryLine(
            kelurahan_id=home_id,
            waste_type_id=waste_type.id,
            grams=5000,
            direction=1,
            price_per_kg=2000,
            value=10_000,
        )
    )
    db.session.add(entry)
    db.session.flush()
    request = WithdrawalRequest(
        kelurahan_id=home_id, member_id=member.id, amount=1000, requested_by_id=admin.id
    )
    db.session.add(request)
    db.session.commit()
    return WasteBankPlace(
        unit_id=unit.id,
        member_id=member.id,
        type_id=waste_type.id,
        entry_id=entry.id,
        request_id=request.id,
        card_token=member.card_token,
        spare_group_id=spare.id,
    )


def _plant_umkm(app, db, slug: str, group, marker: str):
    """An approved shop of `group` with one product and photo, flagged once, so every UMKM
    page (public, seller, staff) has something to show."""
    enable_plugin(app, "umkm", slug)
    home_id = group.kelurahan_id
    shop = Shop(
        kelurahan_id=home_id,
        group_id=group.id,
        name=f"Toko {marker}",
        description=f"Cerita toko {marker}.",
        whatsapp="+6281234567890",
        address=f"Alamat {marker}",
        lat=-6.8899,
        lng=109.6728,
        status="approved",
        reviewed_at=utcnow(),
    )
    product = Product(
        shop=shop,
        kelurahan_id=home_id,
        name=f"Produk {marker}",
        category="Batik tulis",
        price=150_000,
        unit="lembar",
        description=f"Keterangan produk {marker}.",
    )
    media = [
        Media(
            relpath=f"uji/{marker.split()[-1].lower()}-{size}.jpg",
            width=8,
            height=8,
            content_type="image/jpeg",
            size_bytes=4,
            kelurahan_id=home_id,
        )
        for size in ("besar", "kecil")
    ]
    photo = ProductPhoto(kelurahan_id=home_id, media=media[0], thumb=media[1], position=0)
    product.photos.append(photo)
    db.session.add_all([shop, product])
    db.session.flush()
    flagger = group.members[0].user_id
    db.session.add(
        ProductFlag(
            kelurahan_id=home_id,
            product_id=product.id,
            user_id=flagger,
            reason="penipuan",
            note=f"Tanda {marker}",
        )
    )
    db.session.commit()
    return shop, product, photo


@pytest.fixture
def world(app, db) -> World:
    return make_world(app, db)


def make_world(app, db) -> World:
    """Both kelurahan with their planted objects, a city admin, a reset token and a media
    file (also used by tests/test_hostile_input.py, which builds one per database)."""
    own, other = _place(app, db, "kauman"), _place(app, db, "medono")
    city_admin = make_user(None, "kauman", city_admin=True, name="Admin Kota")
    token = secrets.token_urlsafe(16)
    db.session.add(
        PasswordReset(
            user_id=own.resident.id,
            token_hash=hashlib.sha256(token.encode()).hexdigest(),
            expires_at=utcnow() + timedelta(hours=1),
        )
    )
    db.session.add(Notification(user_id=city_admin.id, message="Belum dibaca"))
    db.session.commit()
    media_root = app.config["KP_MEDIA_ROOT"]
    relpath = "uji/gambar.jpg"
    (Path(media_root) / "uji").mkdir(parents=True, exist_ok=True)
    (Path(media_root) / relpath).write_bytes(b"\xff\xd8\xff\xd9")
    return World(own, other, city_admin, PASSWORD, token, relpath)


# The id of "an object of this kind" in a kelurahan, by URL argument name. A new <int:...>
# argument must be added here (the tests fail until it is).
FOREIGN_IDS = {
    "group_id": lambda p: p.group_id,
    "member_id": lambda p: p.member_id,
    "user_id": lambda p: p.resident.id,
    "report_id": lambda p: p.report_id,
    "comment_id": lambda p: p.comment_id,
    "key_id": lambda p: p.key_id,
    "shop_id": lambda p: p.shop_id,
    "product_id": lambda p: p.product_id,
    "photo_id": lambda p: p.photo_id,
    "place_id": lambda p: p.place_id,
    "unit_id": lambda p: p.wastebank.unit_id,
    "type_id": lambda p: p.wastebank.type_id,
    "entry_id": lambda p: p.wastebank.entry_id,
    "request_id": lambda p: p.wastebank.request_id,
    "destination_id": lambda p: p.tourism.destination_id,
    "event_id": lambda p: p.tourism.event_id,
    "route_id": lambda p: p.tourism.route_id,
    "proposal_id": lambda p: p.proposals.proposal_id,
    "cycle_id": lambda p: p.proposals.cycle_id,
    "facility_id": lambda p: p.facilities.facility_id,
    "booking_id": lambda p: p.facilities.booking_id,
    "note_id": lambda p: p.facilities.note_id,
    "schedule_id": lambda p: p.facilities.schedule_id,
    "alert_id": lambda p: p.facilities.alert_id,
}

# Values for the other URL arguments, valid in the given kelurahan.
OWN_VALUES = {
    SLUG: lambda w, p: p.slug,
    "plugin_id": lambda w, p: "notices",
    "dataset_id": lambda w, p: "pengumuman",
    "fmt": lambda w, p: "csv",
    "token": lambda w, p: w.reset_token,
    "relpath": lambda w, p: w.media_relpath,
    "filename": lambda w, p: "css/app.css",
    "layer_id": lambda w, p: "notices",
    "dimension": lambda w, p: "society",
    "metric_key": lambda w, p: "groups",
    "rest": lambda w, p: str(p.report_id),  # a former path's remainder (Manifest.former_paths)
}


def fresh_signup_token(place: Place) -> str:
    """A valid sign-up link's token for a new contact in `place` (each call a new one, so
    opening one link never uses up another)."""
    from app.views.account import make_signup_token

    return make_signup_token(
        name="Warga Tautan",
        kind="email",
        contact=f"tautan-{secrets.token_hex(4)}@contoh.id",
        kelurahan_id=place.kelurahan_id,
        password_hash="$argon2id$v=19$m=65536,t=3,p=4$dGF1dGFu$dGF1dGFu",
        locale="id",
    )


# Arguments that mean something else for one endpoint; looked up before all the others.
ENDPOINT_VALUES = {
    "account.confirm_signup": {"token": lambda w, p: fresh_signup_token(p)},
}

# Arguments that mean something else under one blueprint; looked up before the two above.
BLUEPRINT_VALUES = {
    "reports": {"filename": lambda w, p: "reports.js"},
    "umkm": {"filename": lambda w, p: "umkm.js"},
    "umkm_city": {"filename": lambda w, p: "umkm.js"},
    "wastebank": {"filename": lambda w, p: "wastebank.css"},
    "tourism": {
        "filename": lambda w, p: "tourism.css",
        "photo_id": lambda w, p: p.tourism.photo_id,
    },
    "tourism_city": {"filename": lambda w, p: "tourism.css"},
    "facilities_city": {"filename": lambda w, p: "facilities-alerts.css"},
    "proposals": {"filename": lambda w, p: "proposals.css"},
    "services": {"filename": lambda w, p: "services.css"},
    "facilities": {
        "filename": lambda w, p: "facilities.css",
        "action": lambda w, p: "batalkan",
    },
    "services_city": {"day": lambda w, p: p.services.leave_day},
    "open311": {
        "ext": lambda w, p: "json",
        "fmt": lambda w, p: "json",
        "service_code": lambda w, p: "jalan-rusak",
    },
}

# Object ids passed as plain strings under one blueprint; like FOREIGN_IDS, the isolation
# test swaps them for the other kelurahan's.
BLUEPRINT_IDS = {
    "services": {
        "request_id": lambda p: p.services.request_id,
        "document_id": lambda p: p.services.document_id,
        "type_id": lambda p: p.services.type_id,
        "head_id": lambda p: p.services.head_id,
        "slug": lambda p: p.services.type_slug,
        "token": lambda p: p.services.verify_token,
    },
    "proposals": {
        "comment_id": lambda p: p.proposals.comment_id,
        "photo_id": lambda p: p.proposals.photo_id,
    },
    "tourism": {"photo_id": lambda p: p.tourism.photo_id},
    "facilities": {"photo_id": lambda p: p.facilities.photo_id},
    # A waste-bank member (nasabah), not a group membership; unit_id for string arguments.
    "wastebank": {
        "member_id": lambda p: p.wastebank.member_id,
        "unit_id": lambda p: p.wastebank.unit_id,
        "token": lambda p: p.wastebank.card_token,
    },
    "open311": {
        "service_request_id": lambda p: p.report_id,
        "token": lambda p: p.report_token,
        "token_id": lambda p: p.report_token,
    },
}

# City-wide routes that take their kelurahan from the query string instead of the URL
# (Open311: jurisdiction_id is the kelurahan slug), by endpoint prefix. They get the same
# isolation, leak and unknown-kelurahan checks as the /k/<kelurahan_slug>/ routes.
QUERY_SCOPED = {"open311.": lambda slug: {"jurisdiction_id": slug}}
# ... except these, which serve no particular kelurahan (with the reason).
NOT_QUERY_SCOPED = {
    "open311.index": "the discovery document, the same for every kelurahan",
    "open311.discovery": "lists the API's endpoints, the same for every kelurahan",
}


# -- helpers -------------------------------------------------------------------------------


def rules(app):
    return sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint))


def arguments(rule) -> dict[str, str]:
    """{name: converter} for the rule's URL arguments ("default" when none is named)."""
    return {m["name"]: m["converter"] or "default" for m in ARGUMENT.finditer(rule.rule)}


def int_arguments(rule) -> list[str]:
    return [name for name, conv in arguments(rule).items() if conv == "int"]


def methods(rule) -> list[str]:
    return sorted(rule.methods & ({"GET"} | UNSAFE_METHODS))


def in_kelurahan(rule) -> bool:
    return SLUG in arguments(rule)


class UnknownArgument(Exception):
    pass


def blueprint_of(rule) -> str:
    return rule.endpoint.rsplit(".", 1)[0] if "." in rule.endpoint else ""


def string_ids(rule) -> list[str]:
    """Object ids among the rule's plain (string) arguments, per BLUEPRINT_IDS."""
    known = BLUEPRINT_IDS.get(blueprint_of(rule), {})
    return [name for name in arguments(rule) if name in known]


def foreign_id(rule, name: str, place: Place):
    known = BLUEPRINT_IDS.get(blueprint_of(rule), {})
    return known[name](place) if name in known else FOREIGN_IDS[name](place)


def query_scope(rule, slug: str) -> dict[str, str] | None:
    """The query string naming kelurahan `slug` for a query-scoped route, else None."""
    if rule.endpoint in NOT_QUERY_SCOPED:
        return None
    for prefix, scope in QUERY_SCOPED.items():
        if rule.endpoint.startswith(prefix):
            return scope(slug)
    return None


def own_values(world: World, place: Place, rule) -> dict[str, object]:
    values: dict[str, object] = {}
    overrides = {
        **BLUEPRINT_VALUES.get(blueprint_of(rule), {}),
        **ENDPOINT_VALUES.get(rule.endpoint, {}),
    }
    ids = BLUEPRINT_IDS.get(blueprint_of(rule), {})
    for name in arguments(rule):
        if name in overrides:
            values[name] = overrides[name](world, place)
        elif name in ids:
            values[name] = ids[name](place)
        elif name in FOREIGN_IDS:
            values[name] = FOREIGN_IDS[name](place)
        elif name in OWN_VALUES:
            values[name] = OWN_VALUES[name](world, place)
        else:
            raise UnknownArgument(
                f"{rule.endpoint} ({rule.rule}): argument {name!r} is unknown to this test; "
                "add it to FOREIGN_IDS (object ids) or OWN_VALUES"
            )
    return values


def path(rule, values: dict[str, object]) -> str:
    return ARGUMENT.sub(lambda m: quote(str(values[m["name"]]), safe="/"), rule.rule)


class Raised:
    """Stands in for a response when the app raised (TESTING propagates exceptions), so one
    broken route is reported with the others instead of stopping the loop."""

    def __init__(self, exc: Exception):
        self.status_code = f"an exception ({type(exc).__name__}: {exc})"
        self.headers: dict[str, str] = {}

    def get_data(self, as_text: bool = False) -> str:
        return ""


def fetch(client, url: str, method: str = "GET", **kwargs):
    try:
        return client.open(url, method=method, **kwargs)
    except Exception as exc:  # noqa: BLE001 - reported as a failure by the caller
        return Raised(exc)


def sign_in(client, user) -> None:
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True


def snapshot(db) -> dict[str, list]:
    """Every row of every table, read through a fresh connection (committed data only)."""
    with db.engine.connect() as conn:
        return {
            table.name: conn.execute(table.select().order_by(*table.primary_key.columns)).all()
            for table in db.metadata.sorted_tables
        }


def changed_tables(before: dict, after: dict) -> list[str]:
    return [name for name in before if before[name] != after[name]]


def login_redirect(response, expected_path: str) -> str | None:
    """None when the response sends the visitor to /masuk?next=<expected_path>; otherwise
    a description of what it did instead."""
    if response.status_code not in (301, 302, 303, 307, 308):
        return f"answered {response.status_code}"
    location = urlsplit(response.headers.get("Location", ""))
    next_values = parse_qs(location.query).get("next", [])
    if location.path != "/masuk" or not next_values:
        return f"redirected to {response.headers.get('Location')!r}"
    if urlsplit(next_values[0]).path != expected_path:
        return f"sign-in link has next={next_values[0]!r}"
    return None


def report(title: str, failures: list[str]) -> str:
    return f"{title} ({len(failures)}):\n  " + "\n  ".join(failures)


# -- isolation -----------------------------------------------------------------------------


def test_other_kelurahans_object_ids_answer_404(app, client, db, world):
    """Kauman's admin, through kauman's URLs, with medono's ids: always 404, for every id
    argument alone and all together, GET and POST alike; and nothing changes."""
    sign_in(client, world.own.admin)
    before = snapshot(db)
    failures, tried = [], 0
    for rule in rules(app):
        ids = int_arguments(rule)
        if not in_kelurahan(rule) or not ids:
            continue
        known = {*FOREIGN_IDS, *BLUEPRINT_IDS.get(blueprint_of(rule), {})}
        unknown = [name for name in ids if name not in known]
        if unknown:
            failures.append(
                f"{rule.endpoint} ({rule.rule}): id argument(s) {unknown} unknown to this test; "
                "add them to FOREIGN_IDS"
            )
            continue
        own = own_values(world, world.own, rule)
        variants = [ids] + ([[name] for name in ids] if len(ids) > 1 else [])
        for foreign in variants:
            values = {**own, **{name: foreign_id(rule, name, world.other) for name in foreign}}
            url = path(rule, values)
            for method in methods(rule):
                tried += 1
                response = fetch(client, url, method, data={})
                if response.status_code != 404:
                    failures.append(
                        f"{rule.endpoint}: {method} {url} (medono's {', '.join(foreign)}) "
                        f"answered {response.status_code}, expected 404"
                    )
    assert tried, "no route with an object id under /k/<kelurahan_slug>/ was found"
    assert not failures, report("routes reaching another kelurahan's objects", failures)
    assert changed_tables(before, snapshot(db)) == []


def test_query_scoped_routes_never_reach_another_kelurahans_objects(app, client, db, world):
    """City-wide routes scoped by the query string (Open311's jurisdiction_id): asking in
    kauman for medono's objects answers 404; posting to kauman with medono's credentials is
    refused. Nothing changes."""
    before = snapshot(db)
    failures, tried = [], 0
    for rule in rules(app):
        scope = query_scope(rule, world.own.slug)
        if scope is None:
            continue
        unknown = [name for name in int_arguments(rule) if name not in FOREIGN_IDS]
        if unknown:
            failures.append(f"{rule.endpoint} ({rule.rule}): id argument(s) {unknown} unknown")
            continue
        ids = int_arguments(rule) + string_ids(rule)
        try:
            own = own_values(world, world.own, rule)
        except UnknownArgument as exc:
            failures.append(str(exc))
            continue
        for method in methods(rule):
            if method in UNSAFE_METHODS:
                tried += 1
                response = fetch(
                    client,
                    path(rule, own),
                    method,
                    **post_request(rule.endpoint, world, world.other, scope),
                )
                if response.status_code not in (400, 403, 404):
                    failures.append(
                        f"{rule.endpoint}: {method} {path(rule, own)} with medono's credentials "
                        f"answered {response.status_code}"
                    )
                continue
            for name in ids:
                tried += 1
                url = path(rule, {**own, name: foreign_id(rule, name, world.other)})
                response = fetch(client, url, method, query_string=scope)
                if response.status_code != 404:
                    failures.append(
                        f"{rule.endpoint}: {method} {url} (medono's {name}) "
                        f"answered {response.status_code}, expected 404"
                    )
    assert tried, "no query-scoped route with an object id or a POST was found"
    assert not failures, report("query-scoped routes reaching another kelurahan", failures)
    assert changed_tables(before, snapshot(db)) == []


def test_kelurahan_pages_show_only_their_own_rows(app, client, db, world):
    """Every GET page of kauman (no object id), seen by kauman's admin, shows none of
    medono's planted rows; together they do show kauman's. Query-scoped city-wide routes
    (Open311) are asked for kauman in their query string."""
    sign_in(client, world.own.admin)
    failures, bodies = [], []
    for rule in rules(app):
        scope = query_scope(rule, world.own.slug)
        if not (in_kelurahan(rule) or scope is not None) or "GET" not in rule.methods:
            continue
        if int_arguments(rule) or string_ids(rule) or rule.endpoint in PUBLIC_REDIRECTS:
            continue
        try:
            url = path(rule, own_values(world, world.own, rule))
        except UnknownArgument as exc:
            failures.append(str(exc))
            continue
        query = {**QUERY.get(rule.endpoint, {}), **(scope or {})}
        response = fetch(client, url, query_string=query)
        text = response.get_data(as_text=True)
        if response.status_code != 200:
            failures.append(f"{rule.endpoint}: GET {url} answered {response.status_code}")
        if world.other.marker in text:
            failures.append(f"{rule.endpoint}: GET {url} shows medono's {world.other.marker!r}")
        bodies.append(text)
    assert not failures, report("kelurahan pages leaking or failing", failures)
    everything = "\n".join(bodies)
    for planted in (
        "Kelompok",
        "Pengumuman",
        "Warga",
        "Laporan",
        "Keterangan laporan",
        "Kunci",
        "Toko",
        "Produk",
        "Tanda",
    ):
        assert f"{planted} {world.own.marker}" in everything, (
            f"no kauman page shows {planted} {world.own.marker!r}: the leak check above "
            "would prove nothing"
        )


@pytest.mark.parametrize("who", ["anonymous", "city admin"])
def test_unknown_kelurahan_slug_answers_404(app, client, world, who):
    if who == "city admin":
        sign_in(client, world.city_admin)
    failures = []
    for rule in rules(app):
        if not in_kelurahan(rule):
            continue
        try:
            values = own_values(world, world.own, rule)
        except UnknownArgument as exc:
            failures.append(str(exc))
            continue
        url = path(rule, {**values, SLUG: "tidak-ada"})
        for method in methods(rule):
            response = fetch(client, url, method, data={})
            if response.status_code != 404:
                failures.append(f"{rule.endpoint}: {method} {url} answered {response.status_code}")
    for rule in rules(app):
        scope = query_scope(rule, "tidak-ada")
        if scope is None:
            continue
        try:
            url = path(rule, own_values(world, world.own, rule))
        except UnknownArgument as exc:
            failures.append(str(exc))
            continue
        for method in methods(rule):
            if (
                method in UNSAFE_METHODS
            ):  # a complete, authenticated request: only the place is wrong
                response = fetch(
                    client, url, method, **post_request(rule.endpoint, world, world.own, scope)
                )
            else:
                response = fetch(client, url, method, query_string=scope)
            if response.status_code != 404:
                failures.append(
                    f"{rule.endpoint}: {method} {url}?{scope} answered {response.status_code}"
                )
    assert not failures, report(f"unknown kelurahan not 404 ({who})", failures)


# -- CSRF ------------------------------------------------------------------------------------


CSRF_MESSAGE = "Formulir kedaluwarsa atau tidak sah"


def test_every_post_without_a_csrf_token_is_refused(app, client, db, world):
    """Signed in as the city admin (no permission check can answer first), every POST with
    a plausible form but no token answers 400 with the expired-form message, and the
    database is unchanged."""
    app.config["WTF_CSRF_ENABLED"] = True
    sign_in(client, world.city_admin)
    failures, tried = [], 0
    for rule in rules(app):
        unsafe = [m for m in methods(rule) if m in UNSAFE_METHODS]
        if not unsafe or rule.endpoint in CSRF_EXEMPT:
            continue
        try:
            url = path(rule, own_values(world, world.own, rule))
        except UnknownArgument as exc:
            failures.append(str(exc))
            continue
        data = POST_DATA.get(rule.endpoint, lambda w: {})(world)
        for method in unsafe:
            tried += 1
            before = snapshot(db)
            response = fetch(client, url, method, data=data)
            changed = changed_tables(before, snapshot(db))
            if response.status_code != 400:
                failures.append(f"{rule.endpoint}: {method} {url} answered {response.status_code}")
            elif CSRF_MESSAGE not in response.get_data(as_text=True):
                failures.append(f"{rule.endpoint}: 400 without the CSRF message")
            if changed:
                failures.append(f"{rule.endpoint}: {method} {url} changed {changed}")
    assert tried, "no POST route found"
    assert not failures, report("POST routes accepting a request without CSRF token", failures)


def test_csrf_exemptions_name_real_post_routes(app):
    posts = {r.endpoint for r in app.url_map.iter_rules() if r.methods & UNSAFE_METHODS}
    assert set(CSRF_EXEMPT) <= posts
    assert set(POST_DATA) <= posts, "POST_DATA names endpoints that no longer exist"
    assert set(EXEMPT_CREDENTIALS) == set(CSRF_EXEMPT), "each exemption needs its credentials"
    assert set(API_BODIES) <= set(CSRF_EXEMPT)


def test_csrf_exempt_routes_authenticate_otherwise(app, client, db, world):
    """A POST route without CSRF protection must check its caller another way: with the
    complete form (CSRF on, no session) but no credentials, or another kelurahan's, it is
    refused and changes nothing; with the right credentials the same form is accepted, so
    the refusals above are not just a bad form."""
    app.config["WTF_CSRF_ENABLED"] = True
    failures = []
    for rule in rules(app):
        if rule.endpoint not in CSRF_EXEMPT:
            continue
        try:
            url = path(rule, own_values(world, world.own, rule))
        except UnknownArgument as exc:
            failures.append(str(exc))
            continue
        for who, party in (("no credentials", None), ("medono's credentials", world.other)):
            before = snapshot(db)
            response = fetch(client, url, "POST", **post_request(rule.endpoint, world, party))
            if response.status_code not in (400, 401, 403, 404):
                failures.append(f"{rule.endpoint} with {who} answered {response.status_code}")
            if changed_tables(before, snapshot(db)):
                failures.append(f"{rule.endpoint} with {who} changed the database")
        before = snapshot(db)
        response = fetch(client, url, "POST", **post_request(rule.endpoint, world, world.own))
        if not 200 <= response.status_code < 300:
            failures.append(
                f"{rule.endpoint} with kauman's credentials answered "
                f"{response.status_code}: {response.get_data(as_text=True)[:200]}"
            )
        elif not changed_tables(before, snapshot(db)):
            failures.append(f"{rule.endpoint} with kauman's credentials changed nothing")
    assert not failures, report("CSRF-exempt routes without their own authentication", failures)


def test_htmx_request_with_csrf_header_is_accepted(app, client, db, world):
    """htmx sends the token from <body hx-headers> as X-CSRFToken instead of a form field."""
    app.config["WTF_CSRF_ENABLED"] = True
    sign_in(client, world.city_admin)
    page = client.get("/k/kauman/admin/warga")
    assert page.status_code == 200
    match = re.search(r'"X-CSRFToken":\s*"([^"]+)"', page.get_data(as_text=True))
    assert match, "no X-CSRFToken in the page's hx-headers"
    token = match.group(1)
    url = f"/k/kauman/admin/warga/{world.own.resident.id}/verifikasi"

    def verified() -> bool:
        db.session.expire_all()
        row = db.session.execute(
            select(RoleAssignment).where(
                RoleAssignment.user_id == world.own.resident.id,
                RoleAssignment.kelurahan_id == world.own.kelurahan_id,
            )
        ).scalar_one()
        return row.verified_at is not None

    forged = client.post(url, headers={"X-CSRFToken": "palsu", "HX-Request": "true"})
    assert forged.status_code == 400
    assert not verified()
    response = client.post(url, headers={"X-CSRFToken": token, "HX-Request": "true"})
    assert response.status_code in (200, 302, 303), response.status_code
    assert verified()


# -- sign-in ---------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in_except_on_public_pages(app, world):
    """Anonymous GET and POST on every route: PUBLIC endpoints answer their GET with 200
    and never send the visitor to sign in; every other endpoint redirects to
    /masuk?next=<the page> and shows nothing."""
    failures = []
    endpoints = set()
    for rule in rules(app):
        # A fresh browser for each route: a sign-up link's POST signs its visitor in.
        client = app.test_client()
        endpoints.add(rule.endpoint)
        try:
            url = path(rule, own_values(world, world.own, rule))
        except UnknownArgument as exc:
            failures.append(str(exc))
            continue
        scope = query_scope(rule, world.own.slug) or {}
        for method in methods(rule):
            if method == "GET":
                response = fetch(client, url, method, query_string=scope)
            else:
                response = fetch(client, url, method, data=dict(scope))
            problem = login_redirect(response, urlsplit(url).path)
            if rule.endpoint in PUBLIC:
                if problem is None:
                    failures.append(f"{rule.endpoint} is PUBLIC but {method} {url} asks to sign in")
                elif method == "GET" and rule.endpoint in PUBLIC_REDIRECTS:
                    target = urlsplit(response.headers.get("Location", "")).path
                    if response.status_code not in (301, 302, 303, 307, 308):
                        failures.append(
                            f"{rule.endpoint}: GET {url} answered {response.status_code}, "
                            "expected a redirect (PUBLIC_REDIRECTS)"
                        )
                    elif target != PUBLIC_REDIRECTS[rule.endpoint](world, urlsplit(url).path):
                        failures.append(f"{rule.endpoint}: GET {url} redirected to {target!r}")
                elif method == "GET" and response.status_code != 200:
                    failures.append(
                        f"{rule.endpoint} is PUBLIC but GET {url} answered {response.status_code}"
                    )
            elif problem is not None:
                failures.append(
                    f"{rule.endpoint}: anonymous {method} {url} {problem} "
                    "(expected /masuk?next=…; add it to PUBLIC only if anyone may see it)"
                )
    stale = sorted((set(PUBLIC) | set(PUBLIC_REDIRECTS)) - endpoints)
    if stale:
        failures.append(f"PUBLIC names endpoints that no longer exist: {stale}")
    assert not failures, report("sign-in rule broken", failures)


# -- permissions and roles -------------------------------------------------------------------


def guard_of(app, rule) -> tuple[str | None, str | None]:
    """(permission, role) a route's view requires, as its decorator marks it."""
    view = app.view_functions[rule.endpoint]
    return getattr(view, "kp_permission", None), getattr(view, "kp_role", None)


def test_guarded_routes_refuse_a_resident_until_the_grant_or_role_is_theirs(app, client, db, world):
    """Every route guarded by a permission (@permission_required) or a role: a resident of
    the kelurahan gets 403 on GET and POST and nothing changes. Once the kelurahan admin
    grants each permission to residents, the permission routes let them in; the role routes
    let in whoever holds the role."""
    from app.permissions import set_grant

    sign_in(client, world.own.resident)
    before = snapshot(db)
    failures, guarded = [], []
    for rule in rules(app):
        permission, role = guard_of(app, rule)
        if not (permission or role):
            continue
        try:
            url = path(rule, own_values(world, world.own, rule))
        except UnknownArgument as exc:
            failures.append(str(exc))
            continue
        guarded.append((rule, permission, role, url))
        for method in methods(rule):
            response = fetch(client, url, method, **post_request(rule.endpoint, world))
            if response.status_code != 403:
                failures.append(
                    f"{rule.endpoint} needs {permission or role}: a resident's {method} {url} "
                    f"answered {response.status_code}, expected 403"
                )
    assert {p for _r, p, _role, _u in guarded} >= {"reports.handle", "umkm.review", None}
    assert {r for _r, _p, r, _u in guarded} >= {"petugas", "admin", "admin_kota"}
    assert changed_tables(before, snapshot(db)) == []

    kauman = kelurahan(world.own.slug)
    with app.test_request_context():
        for permission in {p for _r, p, _role, _u in guarded if p}:
            set_grant(kauman, permission, "warga", True)
        db.session.commit()
    holders = {
        "petugas": make_user("petugas", world.own.slug),
        "admin": world.own.admin,
        "admin_kota": world.city_admin,
    }
    for rule, permission, role, url in guarded:
        if "GET" not in rule.methods:
            continue
        sign_in(client, world.own.resident if permission else holders[role])
        response = fetch(client, url)
        if response.status_code == 403:
            who = "a resident granted " + permission if permission else "a " + role
            failures.append(f"{rule.endpoint}: GET {url} refused {who}")
    assert not failures, report("guarded routes", failures)
