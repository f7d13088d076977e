"""The package's own imports flow one way: down the layer order, never back up.

Every module under ``segment_lab/`` is parsed with :mod:`ast` (nothing is imported), and
every import statement in it becomes an edge: module-level ones, those under
``if TYPE_CHECKING:`` and those inside functions alike. ``from x import y`` points at
``x.y`` when that is a module of the package, else at ``x``. Each module belongs to the layer
named by its first component (``segment_lab.engine._asof`` -> ``engine``). The tests fail on

- an edge from a module to a layer above its own (or into a leaf, or into the facade),
- an import cycle anywhere in the package (so also between the modules of ``model/``),
- an eager import in the top-level facade beyond the language core,
- a dynamic import (``importlib.import_module``, ``__import__``) outside the facade,
- a reach into a private ``engine`` module from outside ``engine/``,

unless the edge is a lazy delegation listed in :data:`DELEGATIONS`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "segment_lab"

#: The layers, lowest first. A module may import its own layer and the layers below it.
#: errors <- model <- dsl, serde <- engine <- workspace <- analytics <- charts <- dashboard.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("errors",),
    ("model",),  # pure data, stdlib only
    ("dsl", "serde"),  # sugar and the one serialisation path, both over model
    ("engine",),  # model -> Ibis; the only layer that touches backend internals
    ("workspace",),  # the user's facade over engine
    # Peers of analytics: each takes or makes a Workspace, none is needed below.
    # - templates: parameterised definitions built with dsl, and check(ws, ...), which
    #   reads a workspace's tables and bindings;
    # - sample: the synthetic generator writing a DuckDB file, the demo catalog, and the
    #   demo Workspace built from both;
    # - interop: CDNOW loading into a Workspace; Mautic import/export and database reading.
    # Below charts and dashboard, which may show what these produce.
    ("analytics", "templates", "sample", "interop"),
    ("charts",),  # Altair from tidy frames
    ("dashboard",),  # offline HTML export of charts and tables
)
#: Leaves may import any layer; nothing outside a leaf imports it.
LEAVES = ("widgets", "cli")
#: Facades may import anything. The top-level package imports the language core eagerly
#: and everything else lazily (its ``__getattr__``); ``python -m segment_lab`` only runs.
FACADES = (PACKAGE, f"{PACKAGE}.__main__")
#: What ``import segment_lab`` may load eagerly (a test of import hygiene checks the cost).
EAGER_CORE = ("errors", "model", "dsl", "serde")
#: The package whose private modules only its own modules import.
BOUNDARY = "engine"


class Delegation(NamedTuple):
    """A function-level import that hands a method's work to the module that implements it.

    The method lives on the lower object for the user's sake (``seg.to_dict()``); its body
    imports the higher module on the call, the way an ibis ``Expr`` imports its formatter
    only when printed. Such an edge neither counts against the layer order nor closes a
    cycle. ``imported`` covers its submodules too.
    """

    importer: str
    function: str
    imported: str
    reason: str


_SERDE = "the codec needs every model class, so serde sits above the model it serialises"
_DESCRIBE = "the text of a node reads every node class, so _describe sits above _nodes/_segment"
DELEGATIONS: tuple[Delegation, ...] = (
    # model -> serde: the verb-family methods of the public Segment and Catalog
    Delegation("segment_lab.model._segment", "Segment.to_dict", "segment_lab.serde", _SERDE),
    Delegation("segment_lab.model._segment", "Segment.from_dict", "segment_lab.serde", _SERDE),
    Delegation("segment_lab.model._segment", "Segment.definition_hash", "segment_lab.serde", _SERDE),
    Delegation("segment_lab.model._segment", "Catalog.to_dict", "segment_lab.serde", _SERDE),
    Delegation("segment_lab.model._segment", "Catalog.from_dict", "segment_lab.serde", _SERDE),
    Delegation("segment_lab.model._segment", "Catalog.load", "segment_lab.serde", _SERDE),
    Delegation("segment_lab.model._segment", "Catalog.save", "segment_lab.serde", _SERDE),
    Delegation("segment_lab.model._segment", "Segment._repr_html_", "segment_lab.serde", _SERDE),
    # within model: _describe imports _nodes and _segment; they reach it only on a call
    Delegation("segment_lab.model._nodes", "Rule.describe", "segment_lab.model._describe", _DESCRIBE),
    Delegation("segment_lab.model._nodes", "Rule._repr_html_", "segment_lab.model._describe", _DESCRIBE),
    Delegation("segment_lab.model._segment", "Segment._repr_html_", "segment_lab.model._describe", _DESCRIBE),
    Delegation("segment_lab.model._segment", "Catalog._repr_html_", "segment_lab.model._describe", _DESCRIBE),
    # workspace -> the producers of ready-made workspaces, for Workspace's constructors
    Delegation(
        "segment_lab.workspace", "Workspace.demo", "segment_lab.sample",
        "sample builds the demo database and catalog; Workspace.demo is its public door",
    ),
    Delegation(
        "segment_lab.workspace", "Workspace.from_cdnow", "segment_lab.interop",
        "interop loads CDNOW into a workspace; Workspace.from_cdnow is its public door",
    ),
    Delegation(
        "segment_lab.workspace", "Workspace.from_mautic_db", "segment_lab.interop",
        "interop reads a Mautic database into a workspace; from_mautic_db is its public door",
    ),
    # interop.mautic's workspace() builds a Workspace: it sits above it, imported on the call
)  # fmt: skip


# -- reading the package -----------------------------------------------------------------
@dataclass(frozen=True)
class Module:
    name: str
    source: str
    path: str
    is_package: bool = False


@dataclass(frozen=True)
class Edge:
    importer: str
    path: str
    line: int
    imported: str
    function: str | None  # qualified name of the enclosing def; None at import time
    typing_only: bool  # under ``if TYPE_CHECKING:``

    @property
    def where(self) -> str:
        inside = f" (in {self.function})" if self.function else ""
        return f"{self.path}:{self.line}{inside}"


def package_modules(root: Path = ROOT) -> list[Module]:
    """Every module of the package as it is on disk."""
    modules = []
    for path in sorted((root / PACKAGE).rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        is_package = parts[-1] == "__init__"
        name = ".".join(parts[:-1] if is_package else parts)
        rel = path.relative_to(root).as_posix()
        modules.append(Module(name, path.read_text(encoding="utf-8"), rel, is_package))
    return modules


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


class _Imports(ast.NodeVisitor):
    """Collects the package-internal imports of one module with where they sit."""

    def __init__(self, module: Module, known: frozenset[str]) -> None:
        self.module = module
        self.known = known
        self.scopes: list[str] = []  # enclosing class and def names
        self.depth = 0  # enclosing defs (an import in a class body runs at import time)
        self.typing = 0
        self.edges: list[Edge] = []
        self.dynamic: list[int] = []  # lines of importlib.import_module / __import__ calls

    def _scoped(self, node: ast.AST, is_def: bool) -> None:
        self.scopes.append(node.name)  # type: ignore[attr-defined]
        self.depth += is_def
        self.generic_visit(node)
        self.depth -= is_def
        self.scopes.pop()

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self._scoped(node, is_def=False)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._scoped(node, is_def=True)

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_If(self, node: ast.If) -> None:
        if not _is_type_checking(node.test):
            self.generic_visit(node)
            return
        self.typing += 1
        for stmt in node.body:
            self.visit(stmt)
        self.typing -= 1
        for stmt in node.orelse:
            self.visit(stmt)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(node, alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = self._absolute(node)
        for alias in node.names:
            full = f"{base}.{alias.name}"
            self._add(node, full if full in self.known else base)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name in ("import_module", "__import__"):
            self.dynamic.append(node.lineno)
        self.generic_visit(node)

    def _absolute(self, node: ast.ImportFrom) -> str:
        if not node.level:
            return node.module or ""
        package = self.module.name.split(".")
        if not self.module.is_package:
            package = package[:-1]
        package = package[: len(package) - (node.level - 1)]
        return ".".join([*package, node.module] if node.module else package)

    def _add(self, node: ast.stmt, target: str) -> None:
        if target != PACKAGE and not target.startswith(PACKAGE + "."):
            return
        function = ".".join(self.scopes) if self.depth else None
        edge = Edge(
            self.module.name, self.module.path, node.lineno, target, function, self.typing > 0
        )
        if edge not in self.edges[-1:]:  # from x import (a, b): one edge
            self.edges.append(edge)


def scan(modules: Iterable[Module]) -> tuple[list[Edge], dict[str, list[int]]]:
    """The import edges of ``modules`` and, per module, the lines of its dynamic imports."""
    modules = list(modules)
    known = frozenset(m.name for m in modules)
    edges: list[Edge] = []
    dynamic: dict[str, list[int]] = {}
    for module in modules:
        visitor = _Imports(module, known)
        visitor.visit(ast.parse(module.source, filename=module.path))
        edges += visitor.edges
        if visitor.dynamic:
            dynamic[module.name] = visitor.dynamic
    return edges, dynamic


# -- the rules ---------------------------------------------------------------------------
def layer(module: str) -> str:
    """``segment_lab.engine._asof`` -> ``engine``; the facades are their own layer."""
    if module in FACADES:
        return "facade"
    return module.split(".")[1]


def rank(name: str) -> int:
    for i, names in enumerate(LAYERS):
        if name in names:
            return i
    raise LookupError(name)


def delegation(edge: Edge, allowed: Iterable[Delegation] = DELEGATIONS) -> Delegation | None:
    """The allow-list entry that covers ``edge`` (only a function-level import can match)."""
    if edge.function is None:
        return None
    for entry in allowed:
        if (
            entry.importer == edge.importer
            and entry.function == edge.function
            and (edge.imported == entry.imported or edge.imported.startswith(entry.imported + "."))
        ):
            return entry
    return None


def _upward(edge: Edge) -> str | None:
    """Why ``edge`` runs against the order, or None."""
    src, dst = layer(edge.importer), layer(edge.imported)
    if src in ("facade", *LEAVES) or src == dst:
        return None
    if dst == "facade":
        return "the top-level facade sits above every layer"
    if dst in LEAVES:
        return f"{dst!r} is a leaf, which nothing may import"
    if rank(dst) > rank(src):
        return "the edge runs back up the layer order"
    return None


def layer_violations(
    edges: Iterable[Edge], allowed: Iterable[Delegation] = DELEGATIONS
) -> list[str]:
    """One message per edge that runs back up (lazy delegations in ``allowed`` excepted)."""
    allowed = tuple(allowed)
    found = []
    for edge in edges:
        why = _upward(edge)
        if why is None or delegation(edge, allowed):
            continue
        kind = " under TYPE_CHECKING" if edge.typing_only else ""
        found.append(
            f"{edge.where}: {edge.importer} (layer {layer(edge.importer)}) imports "
            f"{edge.imported} (layer {layer(edge.imported)}){kind}: {why}"
        )
    return found


def unknown_layers(edges: Iterable[Edge], modules: Iterable[str]) -> list[str]:
    """Modules (or imported names) that belong to no layer."""
    named = {*modules, *(e.imported for e in edges)}
    placed = {"facade", *LEAVES, *(n for names in LAYERS for n in names)}
    return sorted(m for m in named if layer(m) not in placed)


def cycles(edges: Iterable[Edge], allowed: Iterable[Delegation] = DELEGATIONS) -> list[list[Edge]]:
    """Import cycles among modules, each as the edges that close it (delegations excepted)."""
    allowed = tuple(allowed)
    graph: dict[str, dict[str, Edge]] = {}
    for edge in edges:
        if edge.importer != edge.imported and not delegation(edge, allowed):
            graph.setdefault(edge.importer, {}).setdefault(edge.imported, edge)
    found = []
    for component in _strong_components(graph):
        if len(component) > 1:
            found.append(_a_cycle_in(component, graph))
    return found


def _strong_components(graph: dict[str, dict[str, Edge]]) -> Iterator[set[str]]:
    """Tarjan's algorithm, iteratively (no recursion limit on a deep package)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    for start in sorted(graph):
        if start in index:
            continue
        yield from _strong_components_from(start, graph, index, low, stack, on_stack)


def _strong_components_from(
    start: str,
    graph: dict[str, dict[str, Edge]],
    index: dict[str, int],
    low: dict[str, int],
    stack: list[str],
    on_stack: set[str],
) -> Iterator[set[str]]:
    """One depth-first search of Tarjan's algorithm from ``start`` (not yet indexed)."""
    work = [(start, iter(sorted(graph.get(start, {}))))]
    index[start] = low[start] = len(index)
    stack.append(start)
    on_stack.add(start)
    while work:
        node, children = work[-1]
        child = next(children, None)
        if child is None:
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    component.add(top)
                    if top == node:
                        break
                yield component
        elif child not in index:
            index[child] = low[child] = len(index)
            stack.append(child)
            on_stack.add(child)
            work.append((child, iter(sorted(graph.get(child, {})))))
        elif child in on_stack:
            low[node] = min(low[node], index[child])


def _a_cycle_in(component: set[str], graph: dict[str, dict[str, Edge]]) -> list[Edge]:
    """The shortest cycle through the component's first module (breadth first)."""
    start = min(component)
    paths: dict[str, list[Edge]] = {start: []}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for nxt, edge in sorted(graph.get(node, {}).items()):
                if nxt == start:
                    return [*paths[node], edge]
                if nxt in component and nxt not in paths:
                    paths[nxt] = [*paths[node], edge]
                    following.append(nxt)
        frontier = following
    raise AssertionError(f"no cycle through {start} in {sorted(component)}")


def cycle_text(cycle: list[Edge]) -> str:
    chain = " -> ".join([cycle[0].importer, *(e.imported for e in cycle)])
    return f"import cycle {chain} ({'; '.join(e.where for e in cycle)})"


def eager_facade_imports(edges: Iterable[Edge]) -> list[str]:
    """Module-level imports of the top-level package beyond the language core."""
    return [
        f"{e.where}: {PACKAGE} imports {e.imported} at import time; "
        f"import it lazily (in __getattr__), only {', '.join(EAGER_CORE)} load eagerly"
        for e in edges
        if e.importer == PACKAGE and e.function is None and not e.typing_only
        and layer(e.imported) not in EAGER_CORE
    ]  # fmt: skip


def boundary_violations(edges: Iterable[Edge]) -> list[str]:
    """Imports of a private engine module from outside engine/ (use segment_lab.engine)."""
    private = f"{PACKAGE}.{BOUNDARY}._"
    return [
        f"{e.where}: {e.importer} imports the private {e.imported}; "
        f"import the name from {PACKAGE}.{BOUNDARY} (export it there if needed)"
        for e in edges
        if e.imported.startswith(private) and layer(e.importer) != BOUNDARY
        and not e.typing_only and e.importer not in FACADES
    ]  # fmt: skip


# -- the package as it is ----------------------------------------------------------------
MODULES = package_modules()
EDGES, DYNAMIC = scan(MODULES)


def _report(found: list[str], what: str) -> str:
    return f"{len(found)} {what}:\n  " + "\n  ".join(found)


def test_the_scan_sees_the_package() -> None:
    names = {m.name for m in MODULES}
    assert {"segment_lab", "segment_lab.model._nodes", "segment_lab.workspace"} <= names
    assert any(
        e.importer == "segment_lab.dsl" and e.imported == "segment_lab.model._nodes" for e in EDGES
    )


def test_every_module_has_a_layer() -> None:
    missing = unknown_layers(EDGES, (m.name for m in MODULES))
    assert not missing, f"place these in LAYERS or LEAVES of tests/test_layers.py: {missing}"


def test_no_import_runs_back_up_the_layers() -> None:
    found = layer_violations(EDGES)
    assert not found, _report(found, "imports against the layer order")


def test_no_import_cycles() -> None:
    found = [cycle_text(c) for c in cycles(EDGES)]
    assert not found, _report(found, "import cycles")


def test_the_facade_imports_only_the_core_eagerly() -> None:
    found = eager_facade_imports(EDGES)
    assert not found, _report(found, "eager imports in the facade")


def test_dynamic_imports_only_in_the_facades() -> None:
    found = [f"{m}: lines {lines}" for m, lines in DYNAMIC.items() if m not in FACADES]
    assert not found, _report(
        found, "modules importing by name at run time (invisible to this test)"
    )


def test_outside_code_enters_the_engine_by_its_package() -> None:
    found = boundary_violations(EDGES)
    assert not found, _report(found, "reaches into private engine modules")


@pytest.mark.parametrize("entry", DELEGATIONS, ids=lambda d: f"{d.importer}:{d.function}")
def test_every_delegation_is_still_in_the_code(entry: Delegation) -> None:
    # a stale entry would silently excuse a future import
    assert entry.function and entry.reason
    assert any(delegation(e, [entry]) for e in EDGES), f"no such import any more: {entry}"


# -- the checker checks ------------------------------------------------------------------
FAKE = "segment_lab.model._fake"


def _with(*fakes: tuple[str, str]) -> list[Edge]:
    """The package's edges plus those of fake ``(module, source)`` pairs."""
    extra = [Module(name, source, name.replace(".", "/") + ".py") for name, source in fakes]
    return scan([*MODULES, *extra])[0]


def _about_fakes(found: list[str]) -> list[str]:
    return [f for f in found if "_fake" in f]


def test_an_upward_import_in_model_is_reported() -> None:
    found = layer_violations(_with((FAKE, '"""A fake."""\n\nimport segment_lab.workspace\n')))
    assert _about_fakes(found) == [
        "segment_lab/model/_fake.py:3: segment_lab.model._fake (layer model) imports "
        "segment_lab.workspace (layer workspace): the edge runs back up the layer order"
    ]


SPELLINGS = {
    "from-package": "from segment_lab import workspace",
    "from-module": "from segment_lab.workspace import Workspace, connect",
    "relative": "from .. import workspace",
    "relative-module": "from ..workspace import Workspace",
    "lazy": "def f():\n    from segment_lab.workspace import Workspace",
    "method": "class C:\n    def to_dict(self):\n        import segment_lab.workspace",
    "typing": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from segment_lab import workspace",
    "nested": "try:\n    pass\nexcept ImportError:\n    import segment_lab.workspace._x as w",
}  # fmt: skip


@pytest.mark.parametrize("source", SPELLINGS.values(), ids=SPELLINGS.keys())
def test_every_spelling_of_an_import_is_seen(source: str) -> None:
    (found,) = _about_fakes(layer_violations(_with((FAKE, source))))
    assert "(layer model) imports segment_lab.workspace" in found


def test_only_the_listed_function_may_delegate() -> None:
    entry = Delegation(FAKE, "Segment.to_dict", "segment_lab.serde", "a test")
    listed = "class Segment:\n    def to_dict(self):\n        from segment_lab.serde import to_dict"
    assert not _about_fakes(layer_violations(_with((FAKE, listed)), [entry]))
    for source in (
        "from segment_lab.serde import to_dict",  # module level: never excused
        "class Segment:\n    from segment_lab.serde import to_dict",  # a class body runs at import
        "class Segment:\n    def to_json(self):\n        from segment_lab.serde import to_dict",
        "class Segment:\n    def to_dict(self):\n        from segment_lab.engine import inline",
    ):
        assert _about_fakes(layer_violations(_with((FAKE, source)), [entry])), source


def test_leaves_and_the_facade_are_not_imported() -> None:
    found = layer_violations(
        _with(
            ("segment_lab.analytics._fake", "def f():\n    import segment_lab.cli"),
            ("segment_lab.charts._fake", "from segment_lab.widgets import Builder"),
            ("segment_lab.engine._fake", "import segment_lab"),
        )
    )
    assert [f.split(": ", 1)[1].split(": ")[1] for f in _about_fakes(found)] == [
        "'cli' is a leaf, which nothing may import",
        "'widgets' is a leaf, which nothing may import",
        "the top-level facade sits above every layer",
    ]


def test_downward_sideways_and_leaf_imports_are_not_reported() -> None:
    edges = _with(
        ("segment_lab.charts._fake", "import segment_lab.analytics\nfrom segment_lab.model import Rule"),
        ("segment_lab.sample._fake", "from segment_lab.analytics import trends"),
        ("segment_lab.widgets._fake", "import segment_lab.dashboard\nfrom segment_lab.widgets import x"),
    )  # fmt: skip
    assert not _about_fakes(layer_violations(edges))


def test_a_cycle_in_model_is_reported() -> None:
    edges = _with(
        ("segment_lab.model._fake_a", "from segment_lab.model._fake_b import B"),
        ("segment_lab.model._fake_b", "def f():\n    from segment_lab.model import _fake_a"),
    )
    assert [cycle_text(c) for c in cycles(edges)] == [
        "import cycle segment_lab.model._fake_a -> segment_lab.model._fake_b -> "
        "segment_lab.model._fake_a (segment_lab/model/_fake_a.py:1; "
        "segment_lab/model/_fake_b.py:2 (in f))"
    ]


def test_dropping_a_delegation_reopens_the_describe_cycle() -> None:
    # _describe imports _nodes; Rule.describe imports _describe: only the entry breaks it
    kept = [d for d in DELEGATIONS if d.function != "Rule.describe"]
    found = [cycle_text(c) for c in cycles(EDGES, kept)]
    assert found == [
        "import cycle segment_lab.model._describe -> segment_lab.model._nodes -> "
        "segment_lab.model._describe (segment_lab/model/_describe.py:9; "
        f"{_line_of('segment_lab.model._nodes', 'Rule.describe')} (in Rule.describe))"
    ]


def _line_of(importer: str, function: str) -> str:
    (edge,) = [e for e in EDGES if e.importer == importer and e.function == function]
    return f"{edge.path}:{edge.line}"


def test_a_new_subpackage_needs_a_layer() -> None:
    edges = _with(("segment_lab.backtest", "import segment_lab.errors"))
    assert unknown_layers(edges, ["segment_lab.backtest"]) == ["segment_lab.backtest"]


def test_the_facade_rules_are_checked() -> None:
    _, dynamic = scan([Module(FAKE, "import importlib\nimportlib.import_module('x')", "f.py")])
    assert dynamic == {FAKE: [2]}
    top = next(m for m in MODULES if m.name == PACKAGE)
    eager = "\nfrom segment_lab.workspace import Workspace\n"
    lazy = "\ndef f():\n    from segment_lab.workspace import Workspace\n"
    assert eager_facade_imports(scan([Module(PACKAGE, top.source + eager, top.path, True)])[0])
    assert not eager_facade_imports(scan([Module(PACKAGE, top.source + lazy, top.path, True)])[0])


def test_a_reach_into_the_engine_is_reported() -> None:
    reach = "from segment_lab.engine._asof import universe"
    assert _about_fakes(boundary_violations(_with(("segment_lab.analytics._fake", reach))))
    assert not _about_fakes(boundary_violations(_with(("segment_lab.engine._fake", reach))))
