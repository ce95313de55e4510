"""The offline gazetteer (issue 10): streets, RT/RW areas and public places a kelurahan lists,
found by address search before any outside geocoder. Search keys, ranking and isolation;
the admin page "Tempat & jalan"; the reference seed; `flask kp places import`."""

from __future__ import annotations

import html

import pytest
from conftest import StatementCounter, count, kelurahan
from sqlalchemy import select

from app import gazetteer
from app.extensions import db as _db
from app.models import AuditEntry, Place

ADMIN = "/k/kauman/admin/tempat"
HAYAM_WURUK = (-6.8870, 109.6700)


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def add_place(slug="kauman", name="Jl. Hayam Wuruk", kind="jalan", at=HAYAM_WURUK, source="staff"):
    """A committed gazetteer entry of `slug` (None: city-wide)."""
    place = Place(
        kelurahan_id=None if slug is None else kelurahan(slug).id,
        kind=kind,
        name=name,
        search_key=gazetteer.normalise(name),
        lat=at[0] if at else None,
        lng=at[1] if at else None,
        source=source,
    )
    _db.session.add(place)
    _db.session.commit()
    return place


def names(found) -> list[str]:
    return [m.name for m in found]


def audit_entries(action: str) -> list[AuditEntry]:
    return list(
        _db.session.execute(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        ).scalars()
    )


# -- search keys -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spellings",
    [
        ["Jl. Hayam Wuruk", "jalan hayam wuruk", "JLN.  HAYAM-WURUK", "jl hayam wuruk"],
        ["RT 03 / RW 05", "rt 3 rw 5", "RT/RW 003/005", "rt03rw05", "RT.3 RW.5", "Rt 3, Rw 5"],
        ["Gg. Kenanga 2", "gang kenanga 02", "GG KENANGA 2"],
        ["Masjid Jamí Café", "masjid jami cafe", "MASJID JAMI CAFÉ"],
    ],
)
def test_spellings_of_one_name_share_one_key(spellings):
    keys = {gazetteer.normalise(s) for s in spellings}
    assert len(keys) == 1, keys


@pytest.mark.parametrize(
    "typed, name",
    [
        ("rt 3 rw 5", "RT 03 / RW 05"),
        ("RT/RW 12/4", "RT 12 / RW 04"),
        ("rw 7", "RW 07"),
        ("RW 05 RT 03", None),  # the wrong way round is not guessed at
        ("Blok C", None),
        ("RT 1000 / RW 1", None),
    ],
)
def test_rt_rw_names_are_written_one_way(typed, name):
    assert gazetteer.rt_rw_name(typed) == name


def test_a_typed_address_loses_its_house_number():
    assert gazetteer.query_key("Jl. Hayam Wuruk No. 12, Kauman") == "jalan hayam wuruk"
    assert gazetteer.query_key("Jl. Hayam Wuruk nomor 7") == "jalan hayam wuruk"


# -- search: ranking, isolation, bounds -------------------------------------------------------


def test_own_entries_come_first_then_the_city_landmarks(app):
    add_place(name="Jl. Batik Kauman Raya", at=(-6.889, 109.672))
    found = gazetteer.search("batik", kelurahan("kauman"), limit=20)
    assert found[0].name == "Kampung Batik Kauman" and found[0].own  # a reference place there
    assert found[1].name == "Jl. Batik Kauman Raya" and found[1].own
    others = names(found[2:])
    assert {"Museum Batik", "Pasar Grosir Batik Setono", "Kampung Batik Pesindon"} <= set(others)
    assert not any(m.own for m in found[2:])


def test_a_whole_name_ranks_before_a_longer_one(app):
    add_place(name="Jl. Merdeka Timur")
    add_place(name="Jl. Merdeka")
    assert names(gazetteer.search("jl merdeka", kelurahan("kauman"))) == [
        "Jl. Merdeka",
        "Jl. Merdeka Timur",
    ]


def test_a_street_is_found_by_any_spelling_and_from_a_word_start(app):
    add_place(name="Jl. Hayam Wuruk")
    kauman = kelurahan("kauman")
    for query in ("Jalan Hayam Wuruk", "jl. hayam", "HAYAM WUR", "Jl. Hayam Wuruk No. 12"):
        assert names(gazetteer.search(query, kauman)) == ["Jl. Hayam Wuruk"], query
    assert names(gazetteer.search("Jl. Hayam Wuruk 12", kauman)) == ["Jl. Hayam Wuruk"]
    assert gazetteer.search("ayam", kauman) == []  # not from the middle of a word


def test_rt_numbers_match_whole(app):
    add_place(name="RT 03 / RW 05", kind="rt_rw")
    add_place(name="RT 30 / RW 05", kind="rt_rw")
    kauman = kelurahan("kauman")
    assert names(gazetteer.search("RT 3 RW 5", kauman)) == ["RT 03 / RW 05"]
    assert names(gazetteer.search("rt 3", kauman)) == ["RT 03 / RW 05"]
    assert sorted(names(gazetteer.search("rw 05", kauman))) == ["RT 03 / RW 05", "RT 30 / RW 05"]


def test_another_kelurahans_entries_are_not_found(app):
    add_place("medono", name="Jl. Rahasia Medono")
    add_place("medono", name="RT 03 / RW 05", kind="rt_rw", at=(-6.89, 109.66))
    assert gazetteer.search("Rahasia Medono", kelurahan("kauman")) == []
    assert gazetteer.search("RT 3 RW 5", kelurahan("kauman")) == []
    assert names(gazetteer.search("RT 3 RW 5", kelurahan("medono"))) == ["RT 03 / RW 05"]


def test_city_wide_reference_places_are_found_everywhere(app):
    for slug in ("kauman", "medono", "setono"):
        assert names(gazetteer.search("museum batik", kelurahan(slug))) == ["Museum Batik"]


def test_located_only_leaves_out_entries_without_a_point(app):
    add_place(name="Gg. Kenanga", at=None)
    kauman = kelurahan("kauman")
    assert names(gazetteer.search("gang kenanga", kauman)) == ["Gg. Kenanga"]
    assert gazetteer.search("gang kenanga", kauman, located_only=True) == []


def test_the_office_is_found_once_the_admin_has_placed_it(app):
    kauman = kelurahan("kauman")
    assert gazetteer.search("kantor kelurahan", kauman) == []  # the seeded centre is a guess
    kauman.lat, kauman.lng, kauman.centre_is_approximate = -6.8901, 109.6731, False
    _db.session.commit()
    (office,) = gazetteer.search("kantor kelurahan", kauman)
    assert (office.name, office.lat, office.lng, office.own) == (
        "Kantor Kelurahan Kauman",
        -6.8901,
        109.6731,
        True,
    )


def test_answers_are_capped_and_take_one_query(app):
    kauman = kelurahan("kauman")
    for n in range(gazetteer.MAX_RESULTS + 15):
        _db.session.add(
            Place(
                kelurahan_id=kauman.id,
                kind="jalan",
                name=f"Gg. Melati {n + 1}",
                search_key=gazetteer.normalise(f"Gg. Melati {n + 1}"),
                lat=-6.889,
                lng=109.672,
                source="import",
            )
        )
    _db.session.commit()
    kauman = kelurahan("kauman")  # loaded again, so only the search is counted
    with StatementCounter() as counter:
        found = gazetteer.search("gang melati", kauman, limit=1000)
    assert len(found) == gazetteer.MAX_RESULTS
    assert counter.n == 1


@pytest.mark.parametrize("query", ["", "a", "%", "_%_", "'; --", "\x00", "ــ", "9" * 500])
def test_hostile_queries_find_nothing_harmlessly(app, query):
    assert gazetteer.search(query, kelurahan("kauman")) == []


# -- the reference seed ----------------------------------------------------------------------


def test_seeding_lists_the_reference_places_once(app):
    from app.seed import seed_kelurahan

    seed_kelurahan()  # again: the test database is seeded already
    rows = _db.session.execute(select(Place)).scalars().all()
    assert len(rows) == 11 and {r.source for r in rows} == {"reference"}
    by_name = {r.name: r for r in rows}
    assert by_name["Kampung Batik Kauman"].kelurahan_id == kelurahan("kauman").id
    assert by_name["Museum Batik"].kelurahan_id is None
    assert (by_name["Museum Batik"].lat, by_name["Museum Batik"].lng) == (-6.87867, 109.67537)


def test_seeding_again_keeps_what_staff_corrected(app):
    from app.seed import seed_kelurahan

    place = _db.session.execute(
        select(Place).where(Place.name == "Kampung Batik Kauman")
    ).scalar_one()
    place.lat, place.lng = -6.8901, 109.6729
    _db.session.commit()
    seed_kelurahan()
    _db.session.refresh(place)
    assert (place.lat, place.lng) == (-6.8901, 109.6729)
    assert count(Place, Place.name == "Kampung Batik Kauman") == 1


# -- the admin page ---------------------------------------------------------------------------


def test_the_admin_adds_a_street_found_by_the_search_and_audited(client, login_as):
    admin = login_as("admin", "kauman")
    assert f'href="{ADMIN}/"' in client.get("/k/kauman/admin/").get_data(as_text=True)  # nav
    response = client.post(
        ADMIN + "/",
        data={"kind": "jalan", "name": "  Jl.  Hayam Wuruk ", "lat": "-6,8870", "lng": "109.67"},
    )
    assert response.status_code == 302
    place = _db.session.execute(select(Place).where(Place.source == "staff")).scalar_one()
    assert (place.name, place.kind, place.lat, place.lng) == (
        "Jl. Hayam Wuruk",
        "jalan",
        -6.887,
        109.67,
    )
    assert place.kelurahan_id == kelurahan("kauman").id and place.created_by_id == admin.id
    (entry,) = audit_entries("place.created")
    assert entry.actor_id == admin.id and entry.kelurahan_id == place.kelurahan_id
    assert entry.after["name"] == "Jl. Hayam Wuruk"
    page = text(client.get(ADMIN + "/"))
    assert "Jl. Hayam Wuruk ditambahkan." in page and "-6.88700, 109.67000" in page
    assert names(gazetteer.search("jalan hayam wuruk", kelurahan("kauman"))) == ["Jl. Hayam Wuruk"]


def test_an_rt_rw_is_stored_in_one_spelling(client, login_as):
    login_as("admin", "kauman")
    client.post(ADMIN + "/", data={"kind": "rt_rw", "name": "rt 3 rw 5"})
    assert _db.session.execute(select(Place.name).where(Place.kind == "rt_rw")).scalar_one() == (
        "RT 03 / RW 05"
    )


@pytest.mark.parametrize(
    "data, message",
    [
        ({"kind": "jalan", "name": "   "}, "Nama wajib diisi."),
        ({"kind": "rt_rw", "name": "RT tiga"}, 'Tulis RT/RW seperti "RT 03 / RW 05"'),
        ({"kind": "kota", "name": "Jl. Baru"}, "Pilih salah satu pilihan"),
        ({"kind": "jalan", "name": "Jl. Baru", "lat": "-6.88"}, "Isi lintang dan bujur keduanya"),
        ({"kind": "jalan", "name": "Jl. Baru", "lat": "utara", "lng": "109.6"}, "berupa angka"),
        ({"kind": "jalan", "name": "Jl. Baru", "lat": "-7.5", "lng": "110.4"}, "di luar Kota"),
        ({"kind": "jalan", "name": "Jl. Baru", "lat": "nan", "lng": "inf"}, "di luar Kota"),
        ({"kind": "jalan", "name": "J" * 161}, "paling banyak 160"),
        ({"kind": "jalan", "name": "Jl1" * 53}, "terlalu panjang"),
        ({"kind": "tempat", "name": "مسجد"}, "huruf atau angka"),
    ],
)
def test_bad_input_is_refused_in_indonesian_keeping_what_was_typed(client, login_as, data, message):
    login_as("admin", "kauman")
    response = client.post(ADMIN + "/", data=data)
    assert response.status_code == 422
    page = text(response)
    assert message.lower() in page.lower()
    for key in ("lat", "lng"):
        if data.get(key):
            assert f'value="{data[key]}"' in page
    if data["name"].strip():
        assert data["name"] in page
    assert count(Place, Place.source == "staff") == 0
    assert audit_entries("place.created") == []


def test_the_same_street_spelled_otherwise_is_refused(client, login_as):
    add_place(name="Jl. Hayam Wuruk")
    login_as("admin", "kauman")
    response = client.post(ADMIN + "/", data={"kind": "jalan", "name": "Jalan Hayam-Wuruk"})
    assert response.status_code == 422
    assert "Sudah ada di daftar: Jl. Hayam Wuruk." in text(response)
    assert count(Place, Place.kelurahan_id == kelurahan("kauman").id, Place.kind == "jalan") == 1


def test_another_kelurahan_may_list_the_same_name(client, login_as):
    add_place("medono", name="Jl. Hayam Wuruk")
    login_as("admin", "kauman")
    assert client.post(ADMIN + "/", data={"kind": "jalan", "name": "Jl. Hayam Wuruk"}).status_code
    assert count(Place, Place.name == "Jl. Hayam Wuruk") == 2


def test_the_admin_edits_and_deletes_an_entry_audited(client, login_as):
    place = add_place(name="Jl. Hayam Wuruk", at=None)
    login_as("admin", "kauman")
    form = text(client.get(f"{ADMIN}/{place.id}/ubah"))
    assert 'value="Jl. Hayam Wuruk"' in form
    response = client.post(
        f"{ADMIN}/{place.id}/ubah",
        data={"kind": "jalan", "name": "Jl. Hayam Wuruk", "lat": "-6.8870", "lng": "109.6700"},
    )
    assert response.status_code == 302
    _db.session.refresh(place)
    assert (place.lat, place.lng) == HAYAM_WURUK
    (entry,) = audit_entries("place.updated")
    assert entry.before["lat"] is None and entry.after["lat"] == -6.887

    place_id = place.id
    response = client.post(f"{ADMIN}/{place_id}/hapus")
    assert response.status_code == 302
    assert count(Place, Place.id == place_id) == 0
    (entry,) = audit_entries("place.deleted")
    assert entry.before["name"] == "Jl. Hayam Wuruk"
    assert "Jl. Hayam Wuruk dihapus dari daftar." in text(client.get(ADMIN + "/"))


def test_an_edit_with_bad_input_keeps_the_entry_and_what_was_typed(client, login_as):
    place = add_place(name="Jl. Hayam Wuruk")
    login_as("admin", "kauman")
    response = client.post(
        f"{ADMIN}/{place.id}/ubah", data={"kind": "jalan", "name": "Jl. Baru", "lat": "x"}
    )
    assert response.status_code == 422
    assert 'value="Jl. Baru"' in text(response)
    _db.session.refresh(place)
    assert place.name == "Jl. Hayam Wuruk" and (place.lat, place.lng) == HAYAM_WURUK


def test_another_kelurahans_and_city_wide_entries_answer_404(client, login_as):
    foreign = add_place("medono", name="Jl. Rahasia Medono")
    city_wide = _db.session.execute(select(Place).where(Place.name == "Museum Batik")).scalar_one()
    login_as("admin", "kauman")
    for place in (foreign, city_wide):
        assert client.get(f"{ADMIN}/{place.id}/ubah").status_code == 404
        edit = {"kind": "jalan", "name": "Diambil alih"}
        assert client.post(f"{ADMIN}/{place.id}/ubah", data=edit).status_code == 404
        assert client.post(f"{ADMIN}/{place.id}/hapus").status_code == 404
    assert client.get(f"{ADMIN}/99999999999999999999/ubah").status_code == 404
    _db.session.refresh(foreign)
    assert foreign.name == "Jl. Rahasia Medono"
    assert count(Place, Place.name == "Museum Batik") == 1
    assert "Rahasia Medono" not in text(client.get(ADMIN + "/"))
    assert "Rahasia Medono" not in text(client.get(ADMIN + "/?q=rahasia"))


@pytest.mark.parametrize("role", ["warga", "petugas"])
def test_only_the_kelurahan_admin_manages_places(client, login_as, role):
    place = add_place()
    login_as(role, "kauman")
    assert client.get(ADMIN + "/").status_code == 403
    assert client.post(ADMIN + "/", data={"kind": "jalan", "name": "Jl. Baru"}).status_code == 403
    assert client.post(f"{ADMIN}/{place.id}/hapus").status_code == 403
    assert count(Place, Place.id == place.id) == 1 and count(Place, Place.name == "Jl. Baru") == 0


def test_an_admin_of_another_kelurahan_is_refused(client, login_as):
    login_as("admin", "medono")
    assert client.get(ADMIN + "/").status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(ADMIN + "/")
    assert response.status_code == 302 and "/masuk" in response.headers["Location"]


def test_a_post_without_csrf_token_changes_nothing(app, client, login_as):
    place = add_place()
    app.config["WTF_CSRF_ENABLED"] = True
    login_as("admin", "kauman")
    assert client.post(ADMIN + "/", data={"kind": "jalan", "name": "Jl. Baru"}).status_code == 400
    assert client.post(f"{ADMIN}/{place.id}/hapus").status_code == 400
    assert count(Place, Place.name == "Jl. Baru") == 0 and count(Place, Place.id == place.id) == 1


def test_the_list_filters_and_pages_without_more_queries(client, login_as):
    kauman = kelurahan("kauman")
    for n in range(60):
        _db.session.add(
            Place(
                kelurahan_id=kauman.id,
                kind="rt_rw" if n % 2 else "jalan",
                name=f"RT {n:02d} / RW 01" if n % 2 else f"Gg. Mawar {n}",
                search_key=gazetteer.normalise(f"RT {n} RW 1" if n % 2 else f"Gg. Mawar {n}"),
                source="import",
            )
        )
    _db.session.commit()
    login_as("admin", "kauman")
    page = text(client.get(ADMIN + "/?jenis=rt_rw"))
    assert "RT 01 / RW 01" in page and "Gg. Mawar" not in page
    assert "Gg. Mawar 4" in text(client.get(ADMIN + "/?q=gg+mawar+4"))
    assert "Halaman 1 dari 2" in text(client.get(ADMIN + "/"))
    with StatementCounter() as first:
        client.get(ADMIN + "/")
    with StatementCounter() as second:
        client.get(ADMIN + "/?page=2")
    assert first.n == second.n
    assert client.get(ADMIN + "/?page=99999999999999999999&jenis=x").status_code == 200
    assert client.get(ADMIN + "/?q=%00").status_code == 400


# -- flask kp places import -------------------------------------------------------------------


def kp(app, *args):
    return app.test_cli_runner().invoke(args=["kp", *args])


def csv_file(tmp_path, content: str, name="jalan.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(content.encode(encoding))
    return str(path)


def test_import_adds_rows_and_says_what_it_did(app, tmp_path):
    add_place(name="Jl. Hayam Wuruk", at=None)  # listed without a point: the file gives one
    path = csv_file(
        tmp_path,
        "name,kind,lat,lng\n"
        "Jl. Hayam Wuruk,jalan,-6.8870,109.6700\n"
        "Gg. Kenanga,jalan,,\n"
        "RT 3 RW 5,rt/rw,-6.8890,109.6710\n"
        "Masjid Al-Ikhlas,tempat,-6.8880,109.6720\n"
        "GG KENANGA,gang,,\n"  # "Gg. Kenanga" already in this file
        "\n",
    )
    result = kp(app, "places", "import", path, "--kelurahan", "33.75.02.1004")
    assert result.exit_code == 0, result.output
    assert "3 new, 1 listed without a point to locate, 1 already listed, 0 refused" in (
        result.output
    )
    kauman_id = kelurahan("kauman").id
    rows = {
        p.name: p
        for p in _db.session.execute(select(Place).where(Place.kelurahan_id == kauman_id))
        .scalars()
        .all()
    }
    assert {"Gg. Kenanga", "RT 03 / RW 05", "Masjid Al-Ikhlas", "Jl. Hayam Wuruk"} <= set(rows)
    assert rows["RT 03 / RW 05"].source == "import" and rows["RT 03 / RW 05"].kind == "rt_rw"
    assert (rows["Jl. Hayam Wuruk"].lat, rows["Jl. Hayam Wuruk"].source) == (-6.887, "staff")
    (entry,) = audit_entries("place.imported")
    assert entry.after == {"file": "jalan.csv", "added": 3, "located": 1}

    again = kp(app, "places", "import", path, "--kelurahan", "kauman")
    assert again.exit_code == 0 and "0 new, 0 listed without a point to locate, 5 already" in (
        again.output
    )


def test_import_of_a_spreadsheet_with_semicolons_and_decimal_commas(app, tmp_path):
    path = csv_file(
        tmp_path,
        "\ufeffName;Lat;Lng\nJl. Sultan Agung;-6,8880;109,6650\n",
        encoding="utf-8",
    )
    result = kp(app, "places", "import", path, "--kelurahan", "kauman", "--kind", "jalan")
    assert result.exit_code == 0, result.output
    place = _db.session.execute(select(Place).where(Place.name == "Jl. Sultan Agung")).scalar_one()
    assert (place.kind, place.lat, place.lng) == ("jalan", -6.888, 109.665)


def test_import_with_bad_rows_imports_nothing_and_names_each_line(app, tmp_path):
    path = csv_file(
        tmp_path,
        "name,kind,lat,lng\n"
        "Jl. Baik,jalan,-6.8880,109.6650\n"
        ",jalan,,\n"
        "Jl. Jauh,jalan,-7.5,110.4\n"
        "Jl. Aneh,sungai,,\n"
        "Jl. Setengah,jalan,-6.888,\n",
    )
    result = kp(app, "places", "import", path, "--kelurahan", "kauman")
    assert result.exit_code != 0
    assert "line 3: Nama wajib diisi." in result.output
    assert "line 4: Titik berada di luar Kota Pekalongan" in result.output
    assert "line 5: Pilih jenis" in result.output
    assert "line 6: Isi lintang dan bujur keduanya" in result.output
    assert "nothing imported" in result.output
    assert count(Place, Place.source == "import") == 0
    assert audit_entries("place.imported") == []

    result = kp(app, "places", "import", path, "--kelurahan", "kauman", "--skip-bad")
    assert result.exit_code == 0 and "imported: 1 added" in result.output
    assert count(Place, Place.source == "import") == 1


def test_import_refuses_a_file_it_cannot_read(app, tmp_path):
    no_name = csv_file(tmp_path, "nama,lat,lng\nJl. A,-6.88,109.66\n", name="a.csv")
    result = kp(app, "places", "import", no_name, "--kelurahan", "kauman")
    assert result.exit_code != 0 and "kolom name" in result.output
    latin1 = csv_file(tmp_path, "name\nJl. Café\n", name="b.csv", encoding="latin-1")
    result = kp(app, "places", "import", latin1, "--kelurahan", "kauman", "--kind", "jalan")
    assert result.exit_code != 0 and "not UTF-8" in result.output
    good = csv_file(tmp_path, "name\nJl. A\n", name="c.csv")
    result = kp(app, "places", "import", good, "--kelurahan", "atlantis", "--kind", "jalan")
    assert result.exit_code != 0 and "no kelurahan" in result.output
    assert count(Place, Place.source == "import") == 0


def test_import_dry_run_changes_nothing(app, tmp_path):
    path = csv_file(tmp_path, "name,kind\nJl. A,jalan\n")
    result = kp(app, "places", "import", path, "--kelurahan", "kauman", "--dry-run")
    assert result.exit_code == 0 and "1 new" in result.output and "dry run" in result.output
    assert count(Place, Place.source == "import") == 0
