"""The package boundaries, kept by reading every import of the source (tests/import_graph.py).

* Layers, lowest first: foundation < graph < ingest, analytics < synthetic. A module of these packages imports only
  its own package and packages of a lower layer: foundation imports no other project package, and none of them
  imports the application (``caregraph``), the API or the dashboard.
* The API and the dashboard go through the services (``caregraph``): from graph/, ingest/, analytics/ and synthetic/
  they import schema constants only (upper-case names of ``graph.schema`` and ``graph.domains``), and they do not
  import each other.
* No import cycle among the modules of all eight packages.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.import_graph import ImportedName, Module, cycles, import_graph, imported_names, project_modules

PACKAGES = ("foundation", "graph", "ingest", "analytics", "synthetic", "caregraph", "api", "dashboard")
LAYER = {"foundation": 0, "graph": 1, "ingest": 2, "analytics": 2, "synthetic": 3}
"""The lower packages and their layer; each may import only packages of a lower layer (and itself)."""
FRONT_ENDS = ("api", "dashboard")
SCHEMA_MODULES = ("graph.schema", "graph.domains")
"""Modules whose upper-case constants the API and the dashboard may use (labels, codes, the domain list)."""

KNOWN_CYCLES: list[frozenset[str]] = []
"""Cycles tolerated while they are being removed (none now): the test fails on any other cycle, and on a listed one
that is gone."""

MODULES = project_modules(PACKAGES)


def _package(dotted: str) -> str:
    return dotted.partition(".")[0]


def _project_imports(mod: Module) -> list[ImportedName]:
    return [i for i in imported_names(mod.path, mod.name, is_package=mod.is_package) if _package(i.module) in PACKAGES]


def _where(mod: Module, imp: ImportedName) -> str:
    return f"{mod.name} (line {imp.line}) imports {imp.module}.{imp.name}" if imp.name else \
        f"{mod.name} (line {imp.line}) imports {imp.module}"


def layer_violations(mod: Module) -> list[str]:
    """Imports of ``mod`` (a lower package's module) that reach its own layer's siblings or anything above it."""
    own = _package(mod.name)
    bad = []
    for imp in _project_imports(mod):
        pkg = _package(imp.module)
        if pkg != own and (pkg not in LAYER or LAYER[pkg] >= LAYER[own]):
            bad.append(_where(mod, imp))
    return bad


def front_end_violations(mod: Module) -> list[str]:
    """Imports of an API or dashboard module that bypass the services."""
    own = _package(mod.name)
    bad = []
    for imp in _project_imports(mod):
        pkg = _package(imp.module)
        if pkg in ("foundation", "caregraph", own):
            continue
        schema_constant = imp.module in SCHEMA_MODULES and imp.name is not None and imp.name.isupper()
        if not schema_constant:
            bad.append(_where(mod, imp))
    return bad


@pytest.mark.parametrize("package", list(LAYER))
def test_lower_packages_import_only_lower_layers(package: str) -> None:
    bad = [v for name, m in MODULES.items() if _package(name) == package for v in layer_violations(m)]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("package", FRONT_ENDS)
def test_api_and_dashboard_use_graph_and_analytics_only_for_schema_constants(package: str) -> None:
    bad = [v for name, m in MODULES.items() if _package(name) == package for v in front_end_violations(m)]
    assert not bad, "\n".join(bad)


def test_no_import_cycles() -> None:
    found = cycles(import_graph(MODULES))
    unexpected = [sorted(c) for c in found if c not in KNOWN_CYCLES]
    assert not unexpected, f"import cycles: {unexpected}"
    gone = [sorted(c) for c in KNOWN_CYCLES if c not in found]
    assert not gone, f"these cycles are gone: remove them from KNOWN_CYCLES: {gone}"


# ------------------------------------------------------------------------------------ the checks themselves work
def test_cycle_finder_on_a_tiny_graph() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": {"e"}, "e": {"d"}, "f": {"a"}, "g": set()}
    assert cycles(graph) == [frozenset({"a", "b", "c"}), frozenset({"d", "e"})]
    graph["c"] = {"d"}  # break a → b → c → a
    assert cycles(graph) == [frozenset({"d", "e"})]
    assert cycles({"x": {"y"}, "y": set()}) == []


def test_a_cycle_through_a_function_local_or_type_checking_import_is_found(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.b import B\n")
    (pkg / "b.py").write_text("def f():\n    from . import a\n    return a\n")
    (pkg / "c.py").write_text("import pkg.a\n")
    modules = project_modules(["pkg"], tmp_path)
    graph = import_graph(modules)
    assert graph == {"pkg": set(), "pkg.a": {"pkg.b"}, "pkg.b": {"pkg.a"}, "pkg.c": {"pkg.a"}}
    assert cycles(graph) == [frozenset({"pkg.a", "pkg.b"})]


def test_layer_and_front_end_checks_catch_violations(tmp_path: Path) -> None:
    for package, text in {
        "analytics": "def f():\n    from caregraph.services import x\n",
        "foundation": "from graph.schema import SECTORS\n",
        "ingest": "import analytics.engine\n",
        "dashboard": "from graph.schema import table_spec\nfrom graph.domains import DOMAINS\n"
                     "from analytics.flags import RULES\n",
    }.items():
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
        (tmp_path / package / "m.py").write_text(text)
    modules = project_modules(PACKAGES, tmp_path)
    assert [v.split(" imports ")[1] for v in layer_violations(modules["analytics.m"])] == ["caregraph.services.x"]
    assert [v.split(" imports ")[1] for v in layer_violations(modules["foundation.m"])] == ["graph.schema.SECTORS"]
    assert [v.split(" imports ")[1] for v in layer_violations(modules["ingest.m"])] == ["analytics.engine"]
    assert [v.split(" imports ")[1] for v in front_end_violations(modules["dashboard.m"])] == [
        "graph.schema.table_spec", "analytics.flags.RULES"]
