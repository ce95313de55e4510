"""The city's open data portal (`/data`): every dataset of every plugin, described (columns
and their meaning, licence, last change) and downloadable for the whole city, merged from
the kelurahan where its plugin is on; `/data/catalog.json` for CKAN and data.gov.

The privacy check runs over every dataset of every plugin with the demo data and every
plugin on: no declared column, CSV header, JSON key or GeoJSON property is a personal field,
and no body holds an account's e-mail, phone or password hash, a letter applicant's data, a
nasabah's name or a name its owner chose to hide.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime

import pytest
from conftest import enable_plugin, kelurahan, make_group, make_user
from sqlalchemy import select

from app.extensions import db as _db
from app.kelurahan_context import acting_in
from app.models import User, utcnow
from app.plugins import host
from plugins.reports.models import Report
from plugins.umkm.models import Shop

PUBLIC_URL = "https://kelurahan.pekalongankota.go.id"

# Column names that carry a person's data. Matched against the whole name and against each
# of its parts split on "_" and "-" (so `no_hp`, `email_pelapor`, `nik` all count).
FORBIDDEN_NAMES = {
    "nama_lengkap",
    "nama_warga",
    "nama_pelapor",
    "nama_pemohon",
    "nama_nasabah",
    "nama_anggota",
    "nama_pemilik",
    "nama_petugas",
    "nama_penanggung_jawab",
    "penanggung_jawab",
    "pemohon",
    "nasabah",
    "pelapor",
    "pengusul",
    "reporter_name",
    "full_name",
    "display_name",
    "alamat_rumah",
    "alamat_pemohon",
    "home_address",
    "user_id",
    "reporter_id",
    "requester_id",
    "member_id",
    "author_id",
    "created_by_id",
    "tanggal_lahir",
    "tempat_lahir",
    "birth_date",
    "birth_place",
    "no_kk",
    "nomor_kk",
    "no_ktp",
    "password_hash",
    "card_token",
}
FORBIDDEN_PARTS = {
    "nik",
    "kk",
    "ktp",
    "email",
    "mail",
    "telepon",
    "telp",
    "phone",
    "hp",
    "wa",
    "whatsapp",
    "handphone",
    "password",
    "sandi",
    "lahir",
    "token",
}
# Personal-looking columns that are public on purpose, with the reason.
ALLOWED = {
    ("laporan", "pelapor"): "the reporter's display name, empty when they chose to hide it",
    ("usulan-warga", "pengusul"): "the public author of a Musrenbang proposal (group or name)",
    ("umkm-toko", "whatsapp"): "the shop's business number, published by the shop for orders",
}
# `nama` names a place, a shop, a product, a unit or a group in every dataset, never a person.


def forbidden(dataset_id: str, name: str) -> bool:
    if (dataset_id, name) in ALLOWED:
        return False
    lowered = name.lower()
    parts = set(re.split(r"[_\-\s]+", lowered))
    return lowered in FORBIDDEN_NAMES or bool(parts & FORBIDDEN_PARTS)


def test_the_forbidden_check_catches_personal_fields():
    for name in ("nik", "no_kk", "email", "no_hp", "telepon_pelapor", "wa", "user_id"):
        assert forbidden("x", name), name
    for name in ("tanggal_lahir", "alamat_rumah", "password_hash", "nama_pelapor"):
        assert forbidden("x", name), name
    for name in ("nama", "alamat", "judul", "kategori", "lat", "jumlah_produk", "wisata"):
        assert not forbidden("x", name), name
    assert forbidden("umkm-produk", "whatsapp") and not forbidden("umkm-toko", "whatsapp")
    assert forbidden("umkm-toko", "pelapor") and not forbidden("laporan", "pelapor")


# -- fixtures -----------------------------------------------------------------------------------


def every_plugin_on(app, *slugs: str) -> None:
    for slug in slugs:
        for plugin_id in host(app).manifests:
            enable_plugin(app, plugin_id, slug)


@pytest.fixture
def demo(app):
    """The demo set, with every plugin on in Kauman (and the demo kelurahan the manifests
    name)."""
    app.config["KP_PUBLIC_URL"] = PUBLIC_URL
    result = app.test_cli_runner().invoke(args=["kp", "seed", "--demo"])
    assert result.exit_code == 0, result.output
    every_plugin_on(app, "kauman")
    return app


def offered(app) -> list[tuple]:
    """(kelurahan, dataset) of every dataset offered anywhere."""
    found = []
    with app.test_request_context():
        for k in _db.session.execute(select_kelurahan()).scalars():
            with acting_in(k):
                for dataset in host(app).collect("kp_open_data", k, kelurahan=k):
                    found.append((k, dataset))
    return found


def select_kelurahan():
    from app.models import Kelurahan

    return select(Kelurahan).order_by(Kelurahan.slug)


def text_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text_of(response))))


# -- every dataset declares its columns ---------------------------------------------------------


def test_every_dataset_is_described_and_on_the_portal(demo):
    found = offered(demo)
    ids = {d.id for _k, d in found}
    # The core's groups and every shipped plugin's datasets (and the example plugin's).
    assert {
        "kelompok",
        "laporan",
        "umkm-toko",
        "umkm-produk",
        "bank-sampah-bulanan",
        "bank-sampah-unit",
        "wisata-destinasi",
        "wisata-acara",
        "usulan-warga",
        "usulan-hasil-musrenbang",
        "waktu-layanan-surat",
        "fasilitas",
        "peringatan",
        "pengumuman",
    } <= ids
    with demo.test_request_context():
        for k, dataset in found:
            where = f"{k.slug}/{dataset.id}"
            assert str(dataset.title) and str(dataset.description), where
            names = [c.name for c in dataset.columns]
            assert names and len(set(names)) == len(names), where
            assert all(str(c.meaning).strip() for c in dataset.columns), where
            assert dataset.updated is not None, where
            with acting_in(k):
                updated = dataset.updated()
                if dataset.csv is not None:
                    header, _rows = dataset.csv()
                    assert list(header) == names, where
            assert updated is None or (isinstance(updated, datetime) and updated.tzinfo), where
    # Kauman's demo has rows: its datasets know when they last changed.
    page = text_of(demo.test_client().get("/data/laporan"))
    assert "belum ada data" not in page.split("Per kelurahan")[0]

    # The portal (one demo set for both: seeding it is slow).
    client = demo.test_client()
    page = text_of(client.get("/data"))
    for title in ("Laporan warga", "Toko UMKM", "Destinasi wisata", "Kelompok masyarakat"):
        assert title in page
    assert 'href="https://creativecommons.org/licenses/by/4.0/"' in page and "CC BY 4.0" in page
    assert 'href="/data/catalog.json"' in page
    assert 'href="/data/laporan.csv"' in page and 'href="/data/laporan.geojson"' in page
    assert 'href="/data/laporan.json"' in page
    assert 'href="/k/kauman/data-terbuka/laporan.csv"' in page
    # A meaning of a column, and the iCalendar dataset offered per kelurahan only.
    assert "Jumlah warga yang mendukung laporan" in page
    assert 'href="/data/wisata-acara.csv"' not in page
    assert 'href="/k/kauman/data-terbuka/wisata-acara.ics"' in page

    page = text_of(client.get("/data/laporan"))
    assert "<code>pelapor</code>" in page and "<code>kelurahan</code>" in page
    assert "Nama tampilan pelapor" in page
    assert 'href="/k/kauman/data-terbuka/laporan.json"' in page
    page = text_of(client.get("/data/umkm-toko"))
    assert 'href="/k/krapyak/data-terbuka/umkm-toko.geojson"' in page  # the UMKM demo's
    assert "sapuro-kebulen/data-terbuka/umkm-toko" not in page  # UMKM is off there

    # Reached from the city home, every page's footer and the kelurahan's open data page.
    assert text_of(client.get("/")).count('href="/data"') >= 2
    page = text_of(client.get("/k/kauman/data-terbuka"))
    assert 'href="/data"' in page
    assert 'href="/k/kauman/data-terbuka/laporan.json"' in page


def _secrets() -> set[str]:
    """Values no open data may hold, read from the demo database."""
    from plugins.reports.models import Report
    from plugins.services.models import Request
    from plugins.wastebank.models import Member

    shop_numbers = {n for n in _db.session.scalars(select(Shop.whatsapp)) if n}
    public_names = {
        r.display_name or ""
        for r in _db.session.execute(
            select(User.display_name)
            .join(Report, Report.reporter_id == User.id)
            .where(Report.hide_name.is_(False))
        )
    }
    from plugins.proposals.models import Proposal

    for proposal in _db.session.scalars(select(Proposal)):
        public_names.add(proposal.author_label)
    found: set[str] = set()
    for user in _db.session.scalars(select(User)):
        found |= {v for v in (user.email, user.password_hash) if v}
        if user.phone and user.phone not in shop_numbers:
            found |= {user.phone, user.phone.replace("+62", "0", 1)}
    for report in _db.session.scalars(select(Report).where(Report.hide_name.is_(True))):
        for name in (report.reporter_name, report.reporter.display_name if report.reporter else ""):
            if name and name not in public_names:
                found.add(name)
    for member in _db.session.scalars(select(Member)):
        if member.name not in public_names:
            found.add(member.name)
        if member.phone and member.phone not in shop_numbers:
            found.add(member.phone)
    for request in _db.session.scalars(select(Request)):
        found |= {v for v in (request.full_name, request.address) if v and len(v) > 5}
    # A person may be both (a letter applicant who also signs proposals with their name).
    return {s for s in found if len(s) >= 6 and not any(s in name for name in public_names)}


def _keys_of(fmt: str, body: str) -> set[str]:
    if fmt == "csv":
        return set(next(csv.reader(io.StringIO(body)), []))
    data = json.loads(body)
    if fmt == "json":
        return {key for row in data for key in row}
    return {key for feature in data["features"] for key in feature["properties"]}


def test_no_dataset_carries_a_personal_field(demo):
    client = demo.test_client()
    secrets = _secrets()
    assert secrets  # the demo has accounts, nasabah and letter requests
    checked = 0
    for k, dataset in offered(demo):
        for column in dataset.columns:
            assert not forbidden(dataset.id, column.name), f"{dataset.id}: {column.name}"
        for fmt in ("csv", "json", "geojson", "ics"):
            response = client.get(f"/k/{k.slug}/data-terbuka/{dataset.id}.{fmt}")
            if response.status_code == 404:
                continue
            body = text_of(response)
            checked += 1
            if fmt != "ics":
                for key in _keys_of(fmt, body):
                    assert not forbidden(dataset.id, key), f"{k.slug}/{dataset.id}.{fmt}: {key}"
            leaked = [s for s in secrets if s in body]
            assert not leaked, f"{k.slug}/{dataset.id}.{fmt}: {leaked[:3]}"
    assert checked >= 20
    # The city-wide downloads: the same columns, and `kelurahan` first.
    catalogue = json.loads(text_of(client.get("/data/catalog.json")))
    for entry in catalogue["dataset"]:
        for distribution in entry["distribution"]:
            url = distribution["downloadURL"].removeprefix(PUBLIC_URL)
            body = text_of(client.get(url))
            fmt = url.rsplit(".", 1)[1]
            if fmt != "ics":
                for key in _keys_of(fmt, body):
                    assert not forbidden(url.split("/")[-1].split(".")[0], key), f"{url}: {key}"
            assert not [s for s in secrets if s in body], url


# -- merged downloads --------------------------------------------------------------------------


def add_report(slug: str, title: str, **fields) -> Report:
    report = Report(
        kelurahan_id=kelurahan(slug).id,
        reporter_id=make_user("warga", slug).id,
        category="Sampah",
        title=title,
        description=title,
        lat=-6.8899,
        lng=109.6728,
        status="baru",
        source="web",
        **fields,
    )
    _db.session.add(report)
    _db.session.commit()
    return report


@pytest.fixture
def reports_in_two(app):
    """Reports on in Kauman and Medono; Sapuro Kebulen had it on, filed one, then switched
    it off."""
    app.config["KP_PUBLIC_URL"] = PUBLIC_URL
    for slug in ("kauman", "medono", "sapuro-kebulen"):
        enable_plugin(app, "reports", slug)
    add_report("kauman", '=HYPERLINK("https://evil.example")')
    add_report("kauman", "Lampu mati di Kauman")
    add_report("medono", "Got mampet di Medono")
    add_report("sapuro-kebulen", "Laporan Sapuro")
    add_report("kauman", "Laporan disembunyikan", hidden_at=utcnow())
    enable_plugin(app, "reports", "sapuro-kebulen", enabled=False)
    return app


def test_city_csv_merges_the_kelurahan_where_the_plugin_is_on(reports_in_two, client):
    response = client.get("/data/laporan.csv")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = csv_rows(response)
    header = list(rows[0])
    assert header[0] == "kelurahan"
    with reports_in_two.test_request_context():
        kauman = kelurahan("kauman")
        with acting_in(kauman):
            dataset = next(
                d
                for d in host().collect("kp_open_data", kauman, kelurahan=kauman)
                if d.id == "laporan"
            )
    assert header[1:] == [c.name for c in dataset.columns]
    by_title = {row["judul"]: row["kelurahan"] for row in rows}
    assert by_title["Lampu mati di Kauman"] == "Kauman"
    assert by_title["Got mampet di Medono"] == "Medono"
    assert "Laporan Sapuro" not in by_title  # switched off there
    assert "Laporan disembunyikan" not in by_title
    # Through the core's writer: a formula is shown as text.
    assert '\'=HYPERLINK("https://evil.example")' in by_title


def test_city_json_and_geojson(reports_in_two, client):
    response = client.get("/data/laporan.json")
    assert response.mimetype == "application/json"
    rows = json.loads(text_of(response))
    assert {row["judul"] for row in rows} >= {"Lampu mati di Kauman", "Got mampet di Medono"}
    assert all(list(row)[0] == "kelurahan" for row in rows)
    assert "Laporan Sapuro" not in text_of(response)
    assert next(r for r in rows if r["judul"] == "Got mampet di Medono")["dukungan"] == 0

    response = client.get("/data/laporan.geojson")
    assert response.mimetype == "application/geo+json"
    data = json.loads(text_of(response))
    assert data["type"] == "FeatureCollection"
    features = {f["properties"]["judul"]: f for f in data["features"]}
    assert features["Got mampet di Medono"]["properties"]["kelurahan"] == "Medono"
    assert features["Got mampet di Medono"]["geometry"]["coordinates"] == [109.6728, -6.8899]
    assert "Laporan Sapuro" not in features and "Laporan disembunyikan" not in features


def test_per_kelurahan_json_is_a_list_of_objects_by_column(reports_in_two, client):
    csv_body = csv_rows(client.get("/k/kauman/data-terbuka/laporan.csv"))
    response = client.get("/k/kauman/data-terbuka/laporan.json")
    assert response.mimetype == "application/json"
    rows = json.loads(text_of(response))
    assert [str(row["id"]) for row in rows] == [row["id"] for row in csv_body]
    assert list(rows[0]) == list(csv_body[0])
    # JSON is no spreadsheet: text stays as it was typed.
    assert rows[0]["judul"] == '=HYPERLINK("https://evil.example")'
    assert "Laporan disembunyikan" not in text_of(response)


def test_a_change_shows_at_once(reports_in_two, client):
    assert "Laporan Sapuro" not in text_of(client.get("/data/laporan.csv"))
    enable_plugin(reports_in_two, "reports", "sapuro-kebulen")
    assert "Laporan Sapuro" in text_of(client.get("/data/laporan.csv"))
    assert "Sapuro Kebulen" in text_of(client.get("/data/laporan"))


def test_unapproved_shops_never_appear(app, client):
    enable_plugin(app, "umkm", "kauman")
    for name, status in (("Batik Disetujui", "approved"), ("Batik Menunggu", "pending")):
        group = make_group("kauman")
        _db.session.add(
            Shop(
                kelurahan_id=group.kelurahan_id,
                group_id=group.id,
                name=name,
                description="Batik tulis.",
                whatsapp="+6281234567890",
                address="Jl. Kauman 1",
                lat=-6.8899,
                lng=109.6728,
                status=status,
                reviewed_at=utcnow() if status == "approved" else None,
            )
        )
    _db.session.commit()
    for url in ("/data/umkm-toko.csv", "/data/umkm-toko.json", "/data/umkm-toko.geojson"):
        body = text_of(client.get(url))
        assert "Batik Disetujui" in body and "Batik Menunggu" not in body, url


# -- catalog.json -------------------------------------------------------------------------------


def test_catalog_json_is_a_dcat_us_catalogue(reports_in_two, client):
    response = client.get("/data/catalog.json")
    assert response.mimetype == "application/json"
    data = json.loads(text_of(response))
    assert data["conformsTo"] == "https://project-open-data.cio.gov/v1.1/schema"
    assert data["@type"] == "dcat:Catalog"
    assert data["@id"] == f"{PUBLIC_URL}/data/catalog.json"
    entries = {d["identifier"]: d for d in data["dataset"]}
    report = entries[f"{PUBLIC_URL}/data/laporan"]
    for key in ("title", "description", "modified", "publisher", "license", "keyword"):
        assert report[key], key
    assert report["title"] == "Laporan warga"
    assert report["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert report["publisher"]["name"] == "Pemerintah Kota Pekalongan"
    assert datetime.fromisoformat(report["modified"]).tzinfo is not None
    assert "Kota Pekalongan" in report["keyword"]
    formats = {d["format"]: d for d in report["distribution"]}
    assert set(formats) == {"CSV", "JSON", "GeoJSON"}
    assert formats["CSV"]["downloadURL"] == f"{PUBLIC_URL}/data/laporan.csv"
    assert formats["CSV"]["mediaType"] == "text/csv"
    assert formats["GeoJSON"]["mediaType"] == "application/geo+json"
    for entry in data["dataset"]:
        assert entry["identifier"].startswith(PUBLIC_URL + "/data/")
        assert entry["distribution"]
        for distribution in entry["distribution"]:
            assert distribution["downloadURL"].startswith(PUBLIC_URL + "/")
    # The groups of every kelurahan (the core's dataset) are there too.
    assert f"{PUBLIC_URL}/data/kelompok" in entries


def test_the_licence_is_a_city_setting(reports_in_two, client):
    from app import city_settings

    with reports_in_two.test_request_context():
        city_settings.save(
            city_settings.CORE_MANIFEST,
            {
                "open_data_licence": "CC BY-SA 4.0",
                "open_data_licence_url": "https://creativecommons.org/licenses/by-sa/4.0/",
                "open_data_contact_email": "data@pekalongankota.go.id",
            },
        )
        _db.session.commit()
    page = text_of(client.get("/data"))
    assert "CC BY-SA 4.0" in page
    assert 'href="https://creativecommons.org/licenses/by-sa/4.0/"' in page
    data = json.loads(text_of(client.get("/data/catalog.json")))
    entry = next(d for d in data["dataset"] if d["identifier"].endswith("/data/laporan"))
    assert entry["license"] == "https://creativecommons.org/licenses/by-sa/4.0/"
    assert entry["contactPoint"]["hasEmail"] == "mailto:data@pekalongankota.go.id"


def test_a_wrong_licence_address_is_refused():
    from app.city_settings import CORE_MANIFEST
    from app.plugins import SettingError

    setting = next(s for s in CORE_MANIFEST.settings if s.key == "open_data_licence_url")
    assert setting.default == "https://creativecommons.org/licenses/by/4.0/"
    with pytest.raises(SettingError):
        setting.parse("javascript:alert(1)")


# -- unknown things -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/data/tidak-ada",
        "/data/tidak-ada.csv",
        "/data/laporan.xlsx",
        "/data/laporan.ics",
        "/data/wisata-acara.csv",  # iCalendar per kelurahan only
        "/data/..%2f..%2fetc.csv",
        "/data/" + "x" * 500,
        "/k/kauman/data-terbuka/laporan.xlsx",
        "/k/kauman/data-terbuka/tidak-ada.json",
        "/k/sapuro-kebulen/data-terbuka/laporan.json",  # switched off there
    ],
)
def test_unknown_ids_and_formats_are_404(reports_in_two, client, url):
    enable_plugin(reports_in_two, "tourism", "kauman")
    assert client.get(url).status_code == 404


def test_hostile_ids_get_a_4xx(reports_in_two, client):
    for url in ("/data/%00.csv", "/data/%00", "/data/laporan.%00", "/data/%ff%fe.json"):
        assert 400 <= client.get(url).status_code < 500, url
