"""`flask --app wsgi kp ...`: seed, user create, plugins list/enable/disable."""

from __future__ import annotations

from conftest import PASSWORD, count, enable_plugin, kelurahan

from app import tenancy
from app.extensions import db as _db
from app.models import Group, Kelurahan, PluginState, User
from app.passwords import verify_password
from app.plugins import host
from plugins.umkm.models import Shop


def kp(app, *args):
    result = app.test_cli_runner().invoke(args=["kp", *args])
    return result


def test_seed_loads_27_kelurahan_with_slugs_and_codes(app):
    result = kp(app, "seed")
    assert result.exit_code == 0 and "27 kelurahan" in result.output
    rows = _db.session.query(Kelurahan).all()
    assert len(rows) == 27
    slugs = {k.slug for k in rows}
    assert {"kauman", "sapuro-kebulen", "kuripan-yosorejo", "padukuhan-kraton"} <= slugs
    kauman = kelurahan("kauman")
    assert kauman.code == "33.75.02.1004" and kauman.kecamatan_name == "Pekalongan Timur"
    assert {k.kecamatan_name for k in rows} == {
        "Pekalongan Barat",
        "Pekalongan Timur",
        "Pekalongan Utara",
        "Pekalongan Selatan",
    }


def test_seed_is_idempotent_and_keeps_admin_edits(app):
    kauman = kelurahan("kauman")
    kauman.lat, kauman.lng, kauman.centre_is_approximate = -6.8901, 109.6731, False
    _db.session.commit()
    kp(app, "seed")
    kp(app, "seed")
    assert _db.session.query(Kelurahan).count() == 27
    assert (kelurahan("kauman").lat, kelurahan("kauman").lng) == (-6.8901, 109.6731)


def test_seed_demo_creates_one_account_per_role_and_two_verified_groups(app, client):
    """The core's demo: one account per role and two verified groups in Kauman. Plugins'
    demos (kp_demo_data) may add their own people and groups on top."""
    result = kp(app, "seed", "--demo")
    assert result.exit_code == 0, result.output
    accounts = [line.split() for line in result.output.splitlines() if "@" in line]
    assert sorted(role for role, _email, _password in accounts) == [
        "admin",
        "admin_kota",
        "petugas",
        "warga",
    ]
    emails = [email for _role, email, _password in accounts]
    assert _db.session.query(User).filter(User.email.in_(emails)).count() == 4
    groups = _db.session.query(Group).all()
    assert len(groups) >= 2 and all(g.is_verified for g in groups)
    sizes = (_db.session.query(User).count(), len(groups))
    assert kelurahan("kauman").description
    # The printed credentials work.
    line = next(x for x in result.output.splitlines() if x.strip().startswith("admin "))
    _role, email, password = line.split()
    response = client.post("/masuk", data={"identifier": email, "password": password})
    assert response.status_code == 302
    assert client.get("/k/kauman/admin/plugin").status_code == 200
    again = kp(app, "seed", "--demo")
    assert again.exit_code == 0
    assert (_db.session.query(User).count(), _db.session.query(Group).count()) == sizes


def test_user_create_with_role(app, client):
    result = kp(
        app,
        "user",
        "create",
        "--email",
        "Lurah@Medono.id",
        "--password",
        PASSWORD,
        "--name",
        "Lurah Medono",
        "--role",
        "admin",
        "--kelurahan",
        "medono",
    )
    assert result.exit_code == 0, result.output
    user = _db.session.query(User).filter_by(email="lurah@medono.id").one()
    assert verify_password(user.password_hash, PASSWORD)
    assert user.role_in(kelurahan("medono")).role == "admin"
    client.post("/masuk", data={"identifier": "lurah@medono.id", "password": PASSWORD})
    assert client.get("/k/medono/admin/plugin").status_code == 200
    assert client.get("/k/kauman/admin/plugin").status_code == 403


def test_user_create_city_admin_and_refusals(app):
    ok = kp(
        app,
        "user",
        "create",
        "--email",
        "kominfo@pekalongankota.go.id",
        "--password",
        PASSWORD,
        "--name",
        "Diskominfo",
        "--role",
        "admin_kota",
    )
    assert ok.exit_code == 0, ok.output
    assert _db.session.query(User).filter_by(is_city_admin=True).count() == 1
    weak = kp(
        app,
        "user",
        "create",
        "--email",
        "a@contoh.id",
        "--password",
        "12345678",
        "--name",
        "A",
        "--role",
        "warga",
        "--kelurahan",
        "kauman",
    )
    assert weak.exit_code != 0 and "umum" in weak.output
    no_home = kp(
        app,
        "user",
        "create",
        "--email",
        "b@contoh.id",
        "--password",
        PASSWORD,
        "--name",
        "B",
        "--role",
        "petugas",
    )
    assert no_home.exit_code != 0 and "--kelurahan" in no_home.output
    bad_slug = kp(
        app,
        "user",
        "create",
        "--email",
        "c@contoh.id",
        "--password",
        PASSWORD,
        "--name",
        "C",
        "--role",
        "warga",
        "--kelurahan",
        "atlantis",
    )
    assert bad_slug.exit_code != 0 and "atlantis" in bad_slug.output
    assert _db.session.query(User).count() == 1


def test_plugins_list_enable_disable(app, client):
    listing = kp(app, "plugins")
    assert listing.exit_code == 0 and "notices" in listing.output
    assert "not enabled anywhere" in listing.output
    enabled = kp(app, "plugins", "enable", "notices", "--kelurahan", "kauman")
    assert enabled.exit_code == 0, enabled.output
    assert "kauman" in kp(app, "plugins").output
    assert client.get("/k/kauman/pengumuman/").status_code == 200
    assert client.get("/k/medono/pengumuman/").status_code == 404
    everywhere = kp(app, "plugins", "enable", "notices", "--all")
    assert everywhere.exit_code == 0
    assert _db.session.query(PluginState).filter_by(enabled=True).count() == 27
    kp(app, "plugins", "disable", "notices", "--kelurahan", "kauman")
    assert client.get("/k/kauman/pengumuman/").status_code == 404
    assert client.get("/k/medono/pengumuman/").status_code == 200


def test_plugins_enable_refuses_bad_arguments(app):
    assert kp(app, "plugins", "enable", "tidak-ada", "--all").exit_code != 0
    both = kp(app, "plugins", "enable", "notices", "--all", "--kelurahan", "kauman")
    assert both.exit_code != 0
    neither = kp(app, "plugins", "enable", "notices")
    assert neither.exit_code != 0
    assert _db.session.query(PluginState).count() == 0


def test_seed_demo_switches_on_shipped_plugins_in_kauman_only_once(app, client):
    """The demo kelurahan shows the shipped plugins with their demo content; an admin who
    switches one off there is not overruled by the next `make run`."""
    from plugins.reports.models import Report

    kp(app, "seed", "--demo")
    assert client.get("/k/kauman/laporan/").status_code == 200
    assert client.get("/k/medono/laporan/").status_code == 404
    assert _db.session.query(Report).count() > 0
    assert "notices" not in {s.plugin_id for s in _db.session.query(PluginState)}
    kp(app, "plugins", "disable", "reports", "--kelurahan", "kauman")
    kp(app, "seed", "--demo")
    assert client.get("/k/kauman/laporan/").status_code == 404


def test_seed_demo_switches_plugins_on_where_their_demo_lives_once(app):
    """A manifest's demo_kelurahan (umkm: Bendan Kergon and Krapyak) get the plugin and its
    demo content; other kelurahan do not; an admin's later "off" survives another seed."""

    def enabled(slug: str) -> bool:
        with app.test_request_context():
            return host(app).is_enabled(kelurahan(slug), "umkm")

    assert kp(app, "seed", "--demo").exit_code == 0
    assert [enabled(s) for s in ("kauman", "bendan-kergon", "krapyak", "medono")] == [
        True,
        True,
        True,
        False,
    ]
    with tenancy.all_kelurahan():
        assert count(Shop, Shop.kelurahan_id == kelurahan("krapyak").id) >= 1
    enable_plugin(app, "umkm", "krapyak", enabled=False)
    assert kp(app, "seed", "--demo").exit_code == 0
    assert not enabled("krapyak") and enabled("bendan-kergon")
