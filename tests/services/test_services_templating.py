from __future__ import annotations

from datetime import date, datetime

import pytest
from flask import Flask
from flask_babel import Babel

from plugins.services.templating import (
    Block,
    TemplateProblem,
    check_template,
    parse_body,
    render_letter,
    tanggal,
)


@pytest.fixture(autouse=True)
def babel_app():
    app = Flask(__name__)
    Babel(app)
    with app.app_context():
        yield


def test_render_fills_values_as_plain_text():
    source = "Nama : {{ nama | upper }}\nLahir : {{ lahir | tanggal }}\n{{ catatan }}"
    values = {"nama": "Siti Aminah", "lahir": date(1990, 8, 5), "catatan": "<b>&amp;</b>"}
    assert render_letter(source, values) == (
        "Nama : SITI AMINAH\nLahir : 5 Agustus 1990\n<b>&amp;</b>"
    )


def test_loops_conditions_and_title_filter():
    source = (
        "{% if anggota %}\n"
        "{% for orang in anggota %}\n"
        "{{ loop.index }}. {{ orang | title }}\n"
        "{% endfor %}\n"
        "{% endif %}\n"
    )
    assert render_letter(source, {"anggota": ["budi", "ani"]}) == "1. Budi\n2. Ani\n"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (date(2026, 8, 5), "5 Agustus 2026"),
        (date(2026, 1, 31), "31 Januari 2026"),
        (date(2026, 12, 1), "1 Desember 2026"),
        (datetime(2026, 5, 9, 14, 30), "9 Mei 2026"),
        ("2026-02-17", "17 Februari 2026"),
        ("bukan tanggal", "bukan tanggal"),
    ],
)
def test_tanggal(value, expected):
    assert tanggal(value) == expected
    assert render_letter("{{ d | tanggal }}", {"d": value}) == expected


def test_unknown_variable_is_refused_with_its_name_and_line():
    with pytest.raises(TemplateProblem) as caught:
        check_template("Nama : {{ nama }}\nAlamat : {{ alamat_lengkap }}", {"nama", "alamat"})
    assert caught.value.name == "alamat_lengkap"
    assert caught.value.line == 2
    assert str(caught.value) == "Baris 2: Isian alamat_lengkap tidak dikenal."


def test_unknown_variable_in_an_untaken_branch_is_refused_too():
    with pytest.raises(TemplateProblem, match="Isian rahasia tidak dikenal"):
        render_letter("{% if False %}{{ rahasia }}{% endif %}", {})


def test_loop_variables_and_globals_are_known():
    check_template("{% for x in daftar %}{{ x }} {{ loop.index }}{% endfor %}", {"daftar"})
    check_template("{% set n = namespace(t=0) %}{{ range(3) | list }}", set())


def test_lipsum_is_not_offered():
    with pytest.raises(TemplateProblem, match="lipsum"):
        check_template("{{ lipsum(1000) }}", set())


def test_syntax_error_names_the_line():
    with pytest.raises(TemplateProblem) as caught:
        check_template("Baris satu\nBaris dua\n{% if nama %}\nx", {"nama"})
    assert caught.value.line == 4
    assert str(caught.value).startswith("Baris 4: ")


def test_unclosed_expression():
    # Jinja names the line where it noticed: the token after the unclosed `{{`.
    with pytest.raises(TemplateProblem, match="^Baris 3: "):
        render_letter("a\n{{ nama \nb", {"nama": "x"})


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ nama.__init__.__globals__ }}",
        "{{ cycler.__init__.__globals__.os }}",
        "{{ 'x' * 100000 }}",
        "{{ '%099999d' % 1 }}",
        "{{ '%*d' % (99999, 1) }}",
        "{{ '{:099999}'.format(1) }}",
        "{{ '{:{w}}'.format(1, w=99999) }}",
        "{{ '%099999d' | format(1) }}",
        "{{ nama | center(1000000) }}",
        "{{ 2 ** 100000 }}",
    ],
)
def test_sandbox_refuses_internals_and_huge_values(source):
    with pytest.raises(TemplateProblem) as caught:
        render_letter(source, {"nama": "Siti"})
    assert str(caught.value).startswith("Baris 1: ")


def test_sandbox_error_names_the_line():
    with pytest.raises(TemplateProblem, match="^Baris 3: Templat memakai sesuatu"):
        render_letter("a\nb\n{{ nama.__class__ }}", {"nama": "Siti"})


def test_large_amounts_still_work():
    values = {"gaji": 3_500_000}
    assert render_letter("{{ gaji * 12 }} {{ '%s' | format(gaji) }}", values) == (
        "42000000 3500000"
    )


def test_over_long_output_is_refused():
    with pytest.raises(TemplateProblem, match="terlalu panjang"):
        render_letter("{% for i in range(3000) %}0123456789{% endfor %}", {})


def test_runtime_errors_become_problems():
    with pytest.raises(TemplateProblem, match="^Baris 2: "):
        render_letter("a\n{{ 1 / nol }}", {"nol": 0})
    with pytest.raises(TemplateProblem, match="^Baris 1: Isian tidak dikenal"):
        render_letter("{{ data.tidak_ada }}", {"data": {}})


def test_parse_body_paragraphs_and_tables():
    text = (
        "Yang bertanda tangan di bawah ini, Lurah Kauman, menerangkan bahwa:\n"
        "\n"
        "Nama            : Siti Aminah\n"
        "NIK             : 3375010101900001\n"
        "Alamat          : Jl. Merdeka No. 5\n"
        "                  RT 001 RW 002\n"
        "Keterangan :\n"
        "\n"
        "\n"
        "adalah benar warga kami.\n"
        "Surat ini berlaku 3 bulan.\n"
        "\n"
        "Demikian: dibuat dengan sebenarnya.   \n"
    )
    assert parse_body(text) == [
        Block(
            "paragraph",
            lines=["Yang bertanda tangan di bawah ini, Lurah Kauman, menerangkan bahwa:"],
        ),
        Block(
            "table",
            rows=[
                ("Nama", "Siti Aminah"),
                ("NIK", "3375010101900001"),
                ("Alamat", "Jl. Merdeka No. 5\nRT 001 RW 002"),
                ("Keterangan", ""),
            ],
        ),
        Block("paragraph", lines=["adalah benar warga kami.", "Surat ini berlaku 3 bulan."]),
        Block("paragraph", lines=["Demikian: dibuat dengan sebenarnya."]),
    ]


def test_parse_body_table_inside_a_paragraph_group_and_long_labels():
    label = "L" * 41
    text = (
        "Menerangkan bahwa:\nNama : Budi\nUmur : 40 tahun\nadalah warga RT 01.\n"
        f"{label} : bukan tabel\nPukul 10:00 : bukan tabel\r\n"
    )
    blocks = parse_body(text)
    assert [b.kind for b in blocks] == ["paragraph", "table", "paragraph"]
    assert blocks[1].rows == [("Nama", "Budi"), ("Umur", "40 tahun")]
    assert blocks[2].lines == [
        "adalah warga RT 01.",
        f"{label} : bukan tabel",
        "Pukul 10:00 : bukan tabel",
    ]


def test_parse_body_empty():
    assert parse_body("") == []
    assert parse_body("\n \n") == []


def test_unknown_filter_is_refused():
    with pytest.raises(TemplateProblem, match="^Baris 2: "):
        check_template("a\n{{ nama | rahasia }}", {"nama"})
    with pytest.raises(TemplateProblem, match="^Baris 1: "):
        render_letter("{{ nama | rahasia }}", {"nama": "x"})
