"""The offline gazetteer: a kelurahan's streets, RT/RW areas and public places, and the
city's reference landmarks, searchable without the network.

Rows come from three sources: the shipped reference file (`seed_reference_places`, run by
`flask kp seed`), kelurahan staff (admin page "Tempat & jalan") and CSV imports
(`flask kp places import`). Address search (the reports geocoder, through `app.kit`) asks
here first and calls an outside geocoder only when nothing here matches.

Matching works on a normalised key: lower case, accents and punctuation gone, "Jl."/"Jln"
spelled "jalan", "Gg." spelled "gang", leading zeros dropped, and "RT 03/RW 05",
"RT/RW 003/005" and "rt3 rw5" all spelled "rt 3 rw 5". A query matches an entry when the
query's key starts at a word of the entry's key ("hayam wur" finds "Jl. Hayam Wuruk");
a query ending in a number matches that number whole ("RT 3" is not "RT 30").
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, literal, or_, select

from .extensions import db
from .models import PLACE_KINDS, Kelurahan, Place

MAX_RESULTS = 20  # whatever a caller asks for: the answer stays small
NAME_MAX = 160
KEY_MAX = 200  # Place.search_key

KIND_LABELS = {
    "jalan": _l("Jalan / gang"),
    "rt_rw": _l("RT/RW"),
    "tempat": _l("Tempat umum"),
}
SOURCE_LABELS = {
    "reference": _l("Data rujukan kota"),
    "staff": _l("Diisi petugas"),
    "import": _l("Impor CSV"),
}

_ABBREVIATIONS = {"jl": "jalan", "jln": "jalan", "gg": "gang"}
_LETTER_DIGIT = re.compile(r"(?<=[a-z])(?=[0-9])|(?<=[0-9])(?=[a-z])")
_RT_RW_TOGETHER = re.compile(r"\brt rw (\d+) (\d+)\b")  # "RT/RW 003/005"
_RT_RW = re.compile(r"^(?:rt (\d+) )?rw (\d+)$")
_HOUSE_NUMBER = re.compile(r" (?:no|nomor) \d.*$")  # "Jl. X No. 12, Kauman": the street


def normalise(text: str) -> str:
    """The search key of a name or a query (see the module's docstring)."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = re.sub(r"[^a-z0-9]+", " ", text)
    text = _LETTER_DIGIT.sub(" ", text)
    words = []
    for word in text.split():
        if word.isdigit():
            word = word.lstrip("0") or "0"
        words.append(_ABBREVIATIONS.get(word, word))
    return _RT_RW_TOGETHER.sub(r"rt \1 rw \2", " ".join(words))


def query_key(query: str) -> str:
    """The key of a typed address: as `normalise`, without a house number and what follows."""
    return _HOUSE_NUMBER.sub("", normalise(query[:200])).strip()


def rt_rw_name(text: str) -> str | None:
    """ "rt 3 rw 5" → "RT 03 / RW 05" ("RW 05" alone is an RW area); None if it is not one."""
    found = _RT_RW.match(normalise(text))
    if found is None:
        return None
    rt, rw = found.groups()
    if int(rw) > 999 or (rt is not None and int(rt) > 999):
        return None
    return f"RW {int(rw):02d}" if rt is None else f"RT {int(rt):02d} / RW {int(rw):02d}"


# -- checking an entry (admin form and CSV import alike) --------------------------------------


@dataclass(frozen=True)
class CleanPlace:
    name: str
    kind: str
    search_key: str
    lat: float | None
    lng: float | None


class PlaceProblem(ValueError):
    """An entry that cannot be saved: `field` (name, kind, lat) and an Indonesian message."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def check_place(name: str, kind: str, lat: str | float | None, lng: str | float | None):
    """The entry as it will be stored, or PlaceProblem. Coordinates are optional but come
    in pairs, as numbers inside the city (a decimal comma is accepted)."""
    if kind not in PLACE_KINDS:
        raise PlaceProblem("kind", _("Pilih jenis: jalan, RT/RW atau tempat umum."))
    name = " ".join(str(name or "").split())
    if not name:
        raise PlaceProblem("name", _("Nama wajib diisi."))
    if len(name) > NAME_MAX:
        raise PlaceProblem("name", _("Nama paling banyak %(n)s karakter.", n=NAME_MAX))
    if kind == "rt_rw":
        canonical = rt_rw_name(name)
        if canonical is None:
            raise PlaceProblem(
                "name",
                _('Tulis RT/RW seperti "RT 03 / RW 05" atau "RW 05" (angka sampai 999).'),
            )
        name = canonical
    key = normalise(name)
    if not key:
        raise PlaceProblem("name", _("Nama harus memuat huruf atau angka."))
    if len(key) > KEY_MAX:  # "Jl1Jl1…" grows when spelled out; the column holds KEY_MAX
        raise PlaceProblem("name", _("Nama terlalu panjang; singkat namanya."))
    lat_raw, lng_raw = (
        str(lat if lat is not None else "").strip(),
        str(lng if lng is not None else "").strip(),
    )
    if not lat_raw and not lng_raw:
        return CleanPlace(name, kind, key, None, None)
    if not lat_raw or not lng_raw:
        raise PlaceProblem("lat", _("Isi lintang dan bujur keduanya, atau kosongkan keduanya."))
    try:
        lat_value = float(lat_raw.replace(",", "."))
        lng_value = float(lng_raw.replace(",", "."))
    except ValueError:
        raise PlaceProblem("lat", _("Koordinat harus berupa angka, misalnya -6.8898.")) from None
    bounds = current_app.config["KP_BOUNDS"]
    if not (
        math.isfinite(lat_value)
        and math.isfinite(lng_value)
        and bounds["south"] <= lat_value <= bounds["north"]
        and bounds["west"] <= lng_value <= bounds["east"]
    ):
        raise PlaceProblem(
            "lat", _("Titik berada di luar Kota Pekalongan. Pilih lokasi di dalam kota.")
        )
    return CleanPlace(name, kind, key, lat_value, lng_value)


def duplicate_of(kelurahan_id: int | None, clean: CleanPlace, *, except_id: int | None = None):
    """The entry of the same kind already listed under the same key there, if any."""
    query = select(Place).where(
        Place.kind == clean.kind,
        Place.search_key == clean.search_key,
        Place.kelurahan_id.is_(None)
        if kelurahan_id is None
        else Place.kelurahan_id == kelurahan_id,
    )
    if except_id is not None:
        query = query.where(Place.id != except_id)
    return db.session.execute(query.limit(1)).scalar_one_or_none()


def snapshot(place: Place) -> dict:
    """What the audit log keeps of an entry."""
    return {
        "name": place.name,
        "kind": place.kind,
        "lat": place.lat,
        "lng": place.lng,
        "source": place.source,
    }


# -- searching ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Match:
    name: str
    kind: str
    lat: float | None
    lng: float | None
    own: bool  # listed by the asking kelurahan (its office included)


def _office(kelurahan: Kelurahan, key: str) -> Match | None:
    """The kelurahan office, from its identity: only once the admin has placed it (the
    seeded centre is a guess near the kecamatan's, not an address)."""
    if kelurahan.lat is None or kelurahan.lng is None or kelurahan.centre_is_approximate:
        return None
    name = _("Kantor Kelurahan %(name)s", name=kelurahan.name)
    haystack = f" {normalise(name)} {normalise(kelurahan.address or '')} "
    if f" {key} " in haystack or (not key[-1].isdigit() and f" {key}" in haystack):
        return Match(name, "tempat", kelurahan.lat, kelurahan.lng, True)
    return None


def search(
    query: str, kelurahan: Kelurahan, *, limit: int = 10, located_only: bool = False
) -> list[Match]:
    """Entries matching `query` for `kelurahan`: its own first (its office, then its
    streets, RT/RW and places), then the city's reference places; better matches (whole
    name, name start) before others, shorter names first. One query (a second without a
    trailing house number when the first finds nothing), at most MAX_RESULTS rows.
    `located_only`: only entries with a point (what a map needs)."""
    key = query_key(query)
    if len(key) < 2:
        return []
    limit = max(1, min(limit, MAX_RESULTS))
    found = _search_key(key, kelurahan, limit, located_only)
    words = key.split()
    # "Jl. Hayam Wuruk 12": a house number typed without "No."; "Gang 3" and "RT 3" are names.
    if not found and len(words) > 2 and words[-1].isdigit() and words[-2] not in _NUMBERED:
        found = _search_key(" ".join(words[:-1]), kelurahan, limit, located_only)
    return found


_NUMBERED = {"rt", "rw", "gang", "blok"}


def _search_key(key: str, kelurahan: Kelurahan, limit: int, located_only: bool) -> list[Match]:
    # Keys hold only [a-z0-9 ], so the pattern needs no escaping.
    pattern = f"% {key} %" if key[-1].isdigit() else f"% {key}%"
    padded = literal(" ") + Place.search_key + literal(" ")
    own = case((Place.kelurahan_id == kelurahan.id, 0), else_=1)
    quality = case((Place.search_key == key, 0), (Place.search_key.startswith(key), 1), else_=2)
    statement = (
        select(Place.name, Place.kind, Place.lat, Place.lng, Place.kelurahan_id)
        .where(
            padded.like(pattern),
            or_(
                Place.kelurahan_id == kelurahan.id,
                Place.kelurahan_id.is_(None),
                Place.source == "reference",  # the city's landmarks, wherever they are
            ),
        )
        .order_by(own, quality, func.length(Place.name), Place.name, Place.id)
        .limit(limit)
    )
    if located_only:
        statement = statement.where(Place.lat.is_not(None))
    found = [
        Match(row.name, row.kind, row.lat, row.lng, row.kelurahan_id == kelurahan.id)
        for row in db.session.execute(statement)
    ]
    office = _office(kelurahan, key)
    if office is not None:
        found.insert(0, office)
    return found[:limit]


# -- reference data ----------------------------------------------------------------------------


def seed_reference_places(reference: dict) -> int:
    """Add the reference file's places (in their kelurahan when it names one, else
    city-wide) that are not listed yet; returns how many were added. Entries already there
    keep what staff changed."""
    by_name = {k.name: k.id for k in db.session.execute(select(Kelurahan)).scalars()}
    existing = {
        (row.kelurahan_id, row.kind, row.search_key)
        for row in db.session.execute(
            select(Place.kelurahan_id, Place.kind, Place.search_key).where(
                Place.source == "reference"
            )
        )
    }
    added = 0
    for item in reference.get("places", []):
        kelurahan_id = by_name.get(item.get("kelurahan") or "")
        lat, lng = item["at"]
        entry = (kelurahan_id, "tempat", normalise(item["name"]))
        if entry in existing:
            continue
        db.session.add(
            Place(
                kelurahan_id=kelurahan_id,
                kind="tempat",
                name=item["name"],
                search_key=entry[2],
                lat=lat,
                lng=lng,
                source="reference",
            )
        )
        existing.add(entry)
        added += 1
    return added


# -- CSV import (flask kp places import) -------------------------------------------------------

MAX_IMPORT_ROWS = 20_000
KIND_ALIASES = {
    "jalan": "jalan",
    "jl": "jalan",
    "gang": "jalan",
    "street": "jalan",
    "rt_rw": "rt_rw",
    "rt/rw": "rt_rw",
    "rtrw": "rt_rw",
    "rt": "rt_rw",
    "rw": "rt_rw",
    "tempat": "tempat",
    "place": "tempat",
}


@dataclass
class ImportPlan:
    """What an import file would do: new entries, points for listed entries that had none,
    entries already listed (skipped), and refused rows as (line, message)."""

    new: list[CleanPlace]
    located: list[tuple[Place, CleanPlace]]
    already_listed: int
    problems: list[tuple[int, str]]


def plan_import(text: str, kelurahan_id: int, default_kind: str | None = None) -> ImportPlan:
    """Read a CSV with a header naming `name` and optionally `kind`, `lat`, `lng` (comma or
    semicolon separated; OSM exports and spreadsheets alike) and check every row as the
    admin page would. Writes nothing."""
    import csv
    import io

    plan = ImportPlan([], [], 0, [])
    header = text.split("\n", 1)[0]
    # Spreadsheets set to Indonesian save with semicolons (the comma is the decimal mark).
    delimiter = next((d for d in ",;\t" if d in header), ",")
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    fields = [(f or "").strip().lower() for f in (reader.fieldnames or [])]
    if "name" not in fields:
        plan.problems.append((1, _("Baris judul harus memuat kolom name (dan kind, lat, lng).")))
        return plan
    reader.fieldnames = fields
    listed = {
        (row.kind, row.search_key): row
        for row in db.session.execute(
            select(Place).where(Place.kelurahan_id == kelurahan_id)
        ).scalars()
    }
    seen: set[tuple[str, str]] = set()
    for row in reader:
        line = reader.line_num
        if line > MAX_IMPORT_ROWS + 1:
            plan.problems.append(
                (line, _("Paling banyak %(n)s baris per berkas.", n=MAX_IMPORT_ROWS))
            )
            break
        values = {k: (v or "").strip() if isinstance(v, str) else "" for k, v in row.items() if k}
        if not any(values.values()):
            continue  # a blank line
        kind_raw = values.get("kind", "").lower() or (default_kind or "")
        kind = KIND_ALIASES.get(kind_raw, kind_raw)
        try:
            clean = check_place(values.get("name", ""), kind, values.get("lat"), values.get("lng"))
        except PlaceProblem as problem:
            plan.problems.append((line, problem.message))
            continue
        entry = (clean.kind, clean.search_key)
        if entry in seen:
            plan.already_listed += 1
            continue
        seen.add(entry)
        existing = listed.get(entry)
        if existing is None:
            plan.new.append(clean)
        elif existing.lat is None and clean.lat is not None:
            plan.located.append((existing, clean))
        else:
            plan.already_listed += 1
    return plan


def apply_import(plan: ImportPlan, kelurahan: Kelurahan, filename: str) -> None:
    """Write a checked plan (the caller commits), with one audit entry for the file."""
    from .audit import record

    for clean in plan.new:
        db.session.add(
            Place(
                kelurahan_id=kelurahan.id,
                kind=clean.kind,
                name=clean.name,
                search_key=clean.search_key,
                lat=clean.lat,
                lng=clean.lng,
                source="import",
            )
        )
    for place, clean in plan.located:
        place.lat, place.lng = clean.lat, clean.lng
    db.session.flush()
    record(
        "place.imported",
        "place",
        None,
        kelurahan=kelurahan,
        after={"file": filename, "added": len(plan.new), "located": len(plan.located)},
    )
