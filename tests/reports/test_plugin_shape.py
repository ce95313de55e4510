"""The reports plugin as the plugin kit expects it: modules that import each other without a
cycle (lazy imports inside functions included), view modules that never import one
another, `bp` served at /k/<slug>/laporan/ and the old /k/<slug>/reports/ URLs moved there
for good, and hook answers the core renders and serves itself."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from conftest import enable_plugin
from reports_helpers import make_report

import plugins.reports as reports_plugin
from app.plugins import HomeWidget, MapLayer

PLUGIN = Path(reports_plugin.__file__).parent
PACKAGE = "plugins.reports"


# -- the import graph ------------------------------------------------------------------------


def imports_of(source: str, modules: set[str]) -> set[str]:
    """The plugin's own modules that `source` imports, anywhere in it (functions included):
    `from .x import y`, `from . import x`, `import plugins.reports.x`. `from . import name`
    of something that is not a module imports the package itself (`__init__`)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1:
                parts = (node.module or "").split(".") if node.module else []
            elif node.level == 0 and (node.module or "").startswith(PACKAGE):
                parts = node.module.split(".")[2:]
            else:
                continue
            if parts:
                found.add(parts[0])
            else:
                found.update(a.name if a.name in modules else "__init__" for a in node.names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith(PACKAGE + "."):
                    found.add(alias.name.split(".")[2])
    return found & modules


def import_graph(sources: dict[str, str]) -> dict[str, set[str]]:
    modules = set(sources)
    return {name: imports_of(src, modules) - {name} for name, src in sources.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path (first module repeated at the end), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def plugin_sources() -> dict[str, str]:
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(PLUGIN.glob("*.py"))}


def route_modules(sources: dict[str, str]) -> set[str]:
    """Modules that register routes (`@bp.get(...)`, `@open311_bp.post(...)`, ...)."""
    found = set()
    for name, source in sources.items():
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef):
                for deco in node.decorator_list:
                    target = deco.func if isinstance(deco, ast.Call) else deco
                    if (
                        isinstance(target, ast.Attribute)
                        and isinstance(target.value, ast.Name)
                        and target.value.id in {"bp", "open311_bp"}
                        and target.attr in {"get", "post", "route"}
                    ):
                        found.add(name)
    return found


def test_the_cycle_check_sees_lazy_imports_and_package_imports():
    sources = {
        "__init__": "from . import views, views_staff\n",
        "views": "from .lookups import get_report\n",
        "views_staff": "from .lookups import get_report\n",
        "lookups": "def f():\n    from .labels import STATUS_LABELS\n",
        "labels": "",
    }
    assert find_cycle(import_graph(sources)) is None
    # An import inside a function closes a cycle as surely as one at the top.
    sources["lookups"] = "def f():\n    from .views_staff import x\n"
    assert set(find_cycle(import_graph(sources))) == {"lookups", "views_staff"}
    sources["lookups"] = "def f():\n    import plugins.reports.views\n"
    assert set(find_cycle(import_graph(sources))) == {"lookups", "views"}
    # A name of the package (not a module) is its __init__, which imports the views.
    sources["lookups"] = "from . import PLUGIN_ID\n"
    assert set(find_cycle(import_graph(sources))) == {"__init__", "views", "lookups"}


def test_the_plugin_has_no_import_cycle():
    graph = import_graph(plugin_sources())
    assert {"views", "views_engage", "views_staff", "open311", "lookups"} <= set(graph)
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_view_modules_never_import_one_another():
    sources = plugin_sources()
    views = route_modules(sources)
    assert {"views", "views_engage", "views_staff", "open311", "stats"} <= views
    graph = import_graph(sources)
    crossing = {name: sorted(graph[name] & views) for name in views if graph[name] & views}
    assert not crossing, f"view modules importing view modules: {crossing}"


def test_the_package_registers_every_view_module_and_exposes_bp():
    sources = plugin_sources()
    assert route_modules(sources) <= import_graph(sources)["__init__"]
    assert reports_plugin.bp.name == "reports" and reports_plugin.bp.url_prefix is None


# -- URLs --------------------------------------------------------------------------------------


@pytest.fixture
def reports_on(app):
    enable_plugin(app, "reports", "kauman")


def test_pages_are_served_under_laporan(client, factory, reports_on):
    report = make_report(factory, title="Lampu mati depan balai RW")
    assert "Lampu mati depan balai RW" in client.get("/k/kauman/laporan/").get_data(as_text=True)
    page = client.get(f"/k/kauman/laporan/{report.id}")
    assert page.status_code == 200 and "Lampu mati depan balai RW" in page.get_data(as_text=True)


def test_old_reports_urls_move_permanently_to_laporan(client, factory, reports_on):
    response = client.get("/k/kauman/reports/12?x=1")
    assert (response.status_code, response.headers["Location"]) == (301, "/k/kauman/laporan/12?x=1")
    report = make_report(factory, title="Saluran mampet Gang 4")
    response = client.get(f"/k/kauman/reports/{report.id}?x=1")
    assert response.status_code == 301
    assert response.headers["Location"] == f"/k/kauman/laporan/{report.id}?x=1"
    response = client.get("/k/kauman/reports/")
    assert (response.status_code, response.headers["Location"]) == (301, "/k/kauman/laporan/")
    # A shared old link still reaches the report.
    page = client.get(f"/k/kauman/reports/{report.id}", follow_redirects=True)
    assert page.status_code == 200 and "Saluran mampet Gang 4" in page.get_data(as_text=True)
    # A form left open on a phone keeps its POST through the move.
    response = client.post(f"/k/kauman/reports/{report.id}/dukung")
    assert response.status_code == 308
    assert response.headers["Location"] == f"/k/kauman/laporan/{report.id}/dukung"


def test_old_urls_of_an_unknown_kelurahan_are_404(client, reports_on):
    assert client.get("/k/tidak-ada/reports/12").status_code == 404


# -- hook answers the core renders ----------------------------------------------------------------


def test_home_widget_is_a_template_with_its_context(app, factory, reports_on):
    make_report(factory, title="Sampah di pinggir sungai")
    kauman = factory.kelurahan("kauman")
    with app.test_request_context("/k/kauman/"):
        from flask import g

        from app.plugins import host

        g.kelurahan = kauman
        answers = host().collect_by_plugin("kp_home_widgets", kauman, kelurahan=kauman, user=None)
    (widget,) = dict(answers)["reports"]
    assert isinstance(widget, HomeWidget)
    assert widget.template == "reports/_widget.html" and widget.cache is True
    assert [r.title for r in widget.context["reports"]] == ["Sampah di pinggir sungai"]
    assert widget.context["received"] == 1


def test_map_layer_is_a_query_the_core_serves(app, factory, reports_on):
    kauman = factory.kelurahan("kauman")
    with app.test_request_context("/k/kauman/"):
        from flask import g

        from app.maplayers import layer_url
        from app.plugins import host

        g.kelurahan = kauman
        (layer,) = dict(host().collect_by_plugin("kp_map_layers", kauman, kelurahan=kauman))[
            "reports"
        ]
        url = layer_url(layer)
    assert isinstance(layer, MapLayer) and callable(layer.query) and layer.url is None
    assert (layer.id, layer.icon, layer.link) == ("reports", "megaphone", "reports.show")
    assert url == "/k/kauman/peta/reports.geojson?status=open"
