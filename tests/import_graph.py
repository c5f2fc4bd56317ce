"""The import graph of the project's packages, read from the source with :mod:`ast` (nothing is imported).

Every ``import`` and ``from … import`` statement counts, wherever it stands: at module level, inside a function (a
lazy import is still a dependency), or under ``if TYPE_CHECKING:`` (a type-only import still ties two modules together
and is how most cycles hide). Relative imports are resolved against the importing module.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ImportedName", "Module", "cycles", "import_graph", "imported_names", "project_modules", "ROOT"]

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class ImportedName:
    """One imported name: ``module`` (absolute, dotted) and ``name`` (``None`` for ``import module``); ``line``."""

    module: str
    name: str | None
    line: int


@dataclass(frozen=True)
class Module:
    """A source file as a module: its dotted name, its path and whether it is a package's ``__init__``."""

    name: str
    path: Path
    is_package: bool


def project_modules(packages: Iterable[str], root: Path = ROOT) -> dict[str, Module]:
    """Every ``.py`` file below the named top-level package folders of ``root``, by dotted module name."""
    out: dict[str, Module] = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            is_package = parts[-1] == "__init__"
            name = ".".join(parts[:-1] if is_package else parts)
            out[name] = Module(name, path, is_package)
    return out


def imported_names(path: Path, module: str = "", *, is_package: bool = False) -> list[ImportedName]:
    """Every import in the file at ``path`` (``module``: its dotted name, needed for relative imports)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    out: list[ImportedName] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [ImportedName(a.name, None, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module if is_package else module.rpartition(".")[0]
                for _ in range(node.level - 1):
                    package = package.rpartition(".")[0]
                base = f"{package}.{base}" if base else package
            out += [ImportedName(base, a.name, node.lineno) for a in node.names]
    return out


def _target(imp: ImportedName, modules: Mapping[str, Module]) -> str | None:
    """The project module an import loads: ``from a.b import c`` is module ``a.b.c`` when that is a file, else
    ``a.b``; a name that is no project module resolves to its nearest project parent (None outside the project)."""
    candidates = [f"{imp.module}.{imp.name}", imp.module] if imp.name else [imp.module]
    for name in candidates:
        while name:
            if name in modules:
                return name
            name = name.rpartition(".")[0]
    return None


def import_graph(modules: Mapping[str, Module]) -> dict[str, set[str]]:
    """Module → the project modules it imports (edges to itself left out)."""
    graph: dict[str, set[str]] = {}
    for name, mod in modules.items():
        targets = (_target(i, modules) for i in imported_names(mod.path, name, is_package=mod.is_package))
        graph[name] = {t for t in targets if t is not None and t != name}
    return graph


def cycles(graph: Mapping[str, Iterable[str]]) -> list[frozenset[str]]:
    """The import cycles of ``graph``: its strongly connected components of two or more modules (Tarjan, without
    recursion), sorted for stable messages.

    >>> [sorted(c) for c in cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}})]
    [['a', 'b', 'c']]
    >>> cycles({"a": {"b"}, "b": set()})
    []
    """
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []
    edges = {v: sorted(ws) for v, ws in graph.items()}
    for root in sorted(edges):
        if root in index:
            continue
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            v, i = work.pop()
            if i == 0:
                index[v] = low[v] = len(index)
                stack.append(v)
                on_stack.add(v)
            succ = edges.get(v, [])
            if i < len(succ):
                work.append((v, i + 1))
                w = succ[i]
                if w not in index:
                    work.append((w, 0))
                elif w in on_stack:
                    low[v] = min(low[v], index[w])
                continue
            if low[v] == index[v]:
                component = set()
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    component.add(w)
                    if w == v:
                        break
                if len(component) > 1:
                    found.append(frozenset(component))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[v])
    return sorted(found, key=lambda c: sorted(c))
