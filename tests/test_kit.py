"""The plugin kit (`app.kit`) is the only door from a plugin into the core.

* every module under plugins/ and tests/example_plugin/ imports nothing from `app` but
  `app.kit`, so the core can change behind it;
* no plugin reaches a tenant table around the kelurahan filter (`text()`, Core `Table`
  statements, `session.get`), which would leak another kelurahan's rows;
* the example plugin gets a page, a menu entry, a widget, a map layer and its table in at
  most 40 lines of Python, the figure the README quotes.
"""

from __future__ import annotations

import ast
import io
import tokenize
from pathlib import Path

import pytest

from app import kit

ROOT = Path(__file__).resolve().parents[1]
PLUGIN_ROOTS = [ROOT / "plugins", ROOT / "tests" / "example_plugin"]
EXAMPLE = ROOT / "tests" / "example_plugin" / "kp_notices" / "__init__.py"
LINE_GOAL = 40


def plugin_sources() -> list[Path]:
    return sorted(p for root in PLUGIN_ROOTS for p in root.rglob("*.py") if ".venv" not in p.parts)


# -- one import ----------------------------------------------------------------------------


def core_imports(source: str) -> list[tuple[int, str]]:
    """(line, module) of every import of `app` or `app.*` other than `app.kit`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
            if node.module == "app":
                names = [f"app.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            if (name == "app" or name.startswith("app.")) and name != "app.kit":
                found.append((node.lineno, name))
    return found


def test_the_import_check_catches_core_internals():
    bad = "from app.seed import slug_for\nfrom app import tenancy\nimport app.models\n"
    good = "from app.kit import db, hookimpl\nfrom apple import pie\nimport application\n"
    assert [name for _line, name in core_imports(bad)] == ["app.seed", "app.tenancy", "app.models"]
    assert core_imports(good) == []


def test_plugins_import_only_the_kit():
    sources = plugin_sources()
    assert any("reports" in p.parts for p in sources) and any(
        "kp_notices" in p.parts for p in sources
    )
    problems = [
        f"{path.relative_to(ROOT)}:{line}: imports {name}"
        for path in sources
        for line, name in core_imports(path.read_text(encoding="utf-8"))
    ]
    assert not problems, "Plugins may import only app.kit:\n" + "\n".join(problems)


def test_everything_the_kit_exports_exists():
    missing = [name for name in kit.__all__ if not hasattr(kit, name)]
    assert not missing
    # What a plugin needs for the five basics is there.
    for name in ("hookimpl", "Manifest", "HomeWidget", "MapLayer", "NavItem", "TenantMixin", "db"):
        assert name in kit.__all__


# -- the tenant filter is not bypassed -----------------------------------------------------


def tenant_names(app) -> tuple[set[str], set[str]]:
    """(class names, table names) of every tenant model mapped in the app."""
    from app.extensions import db
    from app.models import TenantMixin

    classes, tables = set(), set()
    for mapper in db.Model.registry.mappers:
        if issubclass(mapper.class_, TenantMixin):
            classes.add(mapper.class_.__name__)
            tables.update(t.name for t in mapper.tables)
    return classes, tables


def tenant_bypasses(source: str, classes: set[str], tables: set[str]) -> list[tuple[int, str]]:
    """Places where code reaches a tenant table around the session's kelurahan filter."""
    problems = []
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Attribute)
            and node.attr == "__table__"
            and isinstance(node.value, ast.Name)
            and node.value.id in classes
        ):
            problems.append((node.lineno, f"{node.value.id}.__table__ (Core statement)"))
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        first = node.args[0] if node.args else None
        receiver = ast.unparse(func.value) if isinstance(func, ast.Attribute) else ""
        if (
            name in {"get", "get_or_404", "get_one"}
            and isinstance(first, ast.Name)
            and first.id in classes
            and (receiver == "db" or receiver.endswith("session"))
        ):
            problems.append((node.lineno, f"{name}({first.id}, ...) skips the filter"))
        if name == "text" and isinstance(first, ast.Constant) and isinstance(first.value, str):
            sql = first.value.lower()
            hit = sorted(t for t in tables if t in sql)
            if hit:
                problems.append((node.lineno, f"text() SQL on {', '.join(hit)}"))
        if name == "Table" and isinstance(first, ast.Constant) and first.value in tables:
            problems.append((node.lineno, f"Table({first.value!r}) (Core statement)"))
    return problems


def test_the_bypass_check_catches_each_way_around_the_filter():
    classes, tables = {"Report"}, {"reports_report"}
    bad = (
        "db.session.get(Report, 5)\n"
        "db.get_or_404(Report, 5)\n"
        "db.session.execute(text('SELECT * FROM reports_report'))\n"
        "db.session.execute(insert(Report.__table__), rows)\n"
        "t = Table('reports_report', meta)\n"
    )
    assert sorted(line for line, _why in tenant_bypasses(bad, classes, tables)) == [1, 2, 3, 4, 5]
    good = (
        "get_or_404(Report, 5)\n"  # the kit's: a scoped query
        "db.session.execute(select(Report).where(Report.id == 5))\n"
        "request.args.get(Report)\n"
        "text('SELECT 1')\n"
    )
    assert tenant_bypasses(good, classes, tables) == []


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_plugins_never_bypass_the_tenant_filter(app):
    classes, tables = tenant_names(app)
    assert {"Report", "Shop", "Notice", "Group"} <= classes
    problems = [
        f"{path.relative_to(ROOT)}:{line}: {why}"
        for path in plugin_sources()
        if "migrations" not in path.parts
        for line, why in tenant_bypasses(path.read_text(encoding="utf-8"), classes, tables)
    ]
    assert not problems, "Tenant tables reached around the kelurahan filter:\n" + "\n".join(
        problems
    )


# -- a small plugin is small ---------------------------------------------------------------


def code_lines(source: str) -> int:
    """Lines of Python code: not blank, not a comment, not a docstring."""
    lines: set[int] = set()
    previous = None
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type in (
            tokenize.COMMENT,
            tokenize.NL,
            tokenize.NEWLINE,
            tokenize.INDENT,
            tokenize.DEDENT,
            tokenize.ENDMARKER,
        ):
            previous = tok if tok.type != tokenize.COMMENT else previous
            continue
        starts_statement = previous is None or previous.type in (
            tokenize.NEWLINE,
            tokenize.NL,
            tokenize.INDENT,
            tokenize.DEDENT,
        )
        if tok.type == tokenize.STRING and starts_statement:
            previous = tok  # a docstring (or a bare string): documentation, not code
            continue
        lines.update(range(tok.start[0], tok.end[0] + 1))
        previous = tok
    return len(lines)


def test_line_count_skips_docstrings_comments_and_blanks():
    source = '"""Doc."""\n\n# note\nx = 1\n\n\ndef f():\n    """Doc."""\n    return "s"\n'
    assert code_lines(source) == 3


def test_example_plugin_does_the_five_basics_in_at_most_40_lines():
    """A page, a menu entry, a home widget, a map layer and a table (README quotes this)."""
    source = EXAMPLE.read_text(encoding="utf-8")
    for needle in ("bp = Blueprint", "kp_nav_items", "kp_home_widgets", "kp_map_layers"):
        assert needle in source
    assert "class Notice(kit.TenantMixin, kit.db.Model)" in source
    assert code_lines(source) <= LINE_GOAL, code_lines(source)


def test_the_readme_shows_the_example_plugin_as_it_is():
    """The README's "write your own plugin" quotes the example's code and its size."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    source = EXAMPLE.read_text(encoding="utf-8")
    assert f"**{code_lines(source)} lines of Python**" in readme
    block = readme.split("# kp_notices/__init__.py\n", 1)[1].split("```", 1)[0]

    def code(text: str) -> list[str]:
        return [line.split("  #")[0].rstrip() for line in text.splitlines() if line.strip()]

    shown = code(block)
    assert shown and all(line in code(source) for line in shown), [
        line for line in shown if line not in code(source)
    ]
