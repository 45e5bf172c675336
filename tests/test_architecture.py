"""The package's shape: layers import only downward, and no module imports another in a circle.

Every ``import`` statement that can run counts, also those inside functions (a lazy import is
still a dependency); imports for type checkers only (``if TYPE_CHECKING:``) do not. The layers,
lowest first, are the README's architecture picture.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "mtfix"

LAYERS: list[tuple[str, tuple[str, ...]]] = [
    (
        "ground",
        (
            "mtfix",
            "mtfix.core",
            "mtfix.version",
            "mtfix.lexicon",
            "mtfix.paths",
            "mtfix.io",
            "mtfix.diff",
            "mtfix.mqm",
            "mtfix.progress",
            "mtfix.spacy_import",
            "mtfix.lockfile",
        ),
    ),
    ("services", ("mtfix.languagetool", "mtfix.model", "mtfix.doctor")),
    ("text", ("mtfix.segment", "mtfix.formats")),
    ("detect", ("mtfix.detect",)),
    ("rewrite", ("mtfix.rewrite",)),
    ("select", ("mtfix.select",)),
    ("pipeline", ("mtfix.pipeline", "mtfix.render")),
    ("subsystems", ("mtfix.batch", "mtfix.evaluate", "mtfix.serve")),
    ("lab", ("mtfix.lab",)),
    ("cli", ("mtfix.cli", "mtfix.__main__")),
]
# Subsystems share code only through the layers below them.
SIBLINGS_APART = ("mtfix.batch", "mtfix.evaluate", "mtfix.serve")


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


MODULES = _modules()


def _resolve(name: str) -> str | None:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _run_time_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node but those under ``if TYPE_CHECKING:``, which never run."""
    out = []
    todo = [tree]
    while todo:
        node = todo.pop()
        if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING"):
            todo += node.orelse
            continue
        out.append(node)
        todo += ast.iter_child_nodes(node)
    return out


def _imports(module: str, *, typing: bool = False) -> set[str]:
    """What ``module`` imports at run time; with ``typing``, also under ``TYPE_CHECKING``."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree) if typing else _run_time_nodes(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            names = [f"{base}.{a.name}" for a in node.names]
        for name in names:
            if name.startswith("mtfix") and (target := _resolve(name)) and target != module:
                found.add(target)
    return found


GRAPH = {module: _imports(module) for module in MODULES}
# With the imports only a type checker follows: a cycle there is a cycle for mypy and readers.
TYPING_GRAPH = {module: _imports(module, typing=True) for module in MODULES}


def _layer(module: str) -> int:
    best = None
    for rank, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            inside = module == prefix or module.startswith(prefix + ".")
            if inside and (best is None or len(prefix) > best[0]):
                best = (len(prefix), rank)
    assert best is not None, f"{module} is in no layer: add it to LAYERS and the README"
    return best[1]


def test_every_module_has_a_layer() -> None:
    for module in MODULES:
        _layer(module)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_go_down_only(module: str) -> None:
    upward = [t for t in GRAPH[module] if _layer(t) > _layer(module)]
    assert not upward, f"{module} ({LAYERS[_layer(module)][0]}) imports higher layers: {upward}"


def test_subsystems_do_not_import_each_other() -> None:
    for module, targets in GRAPH.items():
        mine = [s for s in SIBLINGS_APART if module.startswith(s)]
        others = [t for t in targets for s in SIBLINGS_APART if t.startswith(s) and s not in mine]
        assert not mine or not others, f"{module} imports a sibling subsystem: {others}"


@pytest.mark.parametrize("graph", [GRAPH, TYPING_GRAPH], ids=["run-time", "with-typing"])
def test_no_import_cycles(graph: dict[str, set[str]]) -> None:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while (w := stack.pop()) != v:
                component.append(w)
            component.append(v)
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in graph:
        if module not in index:
            visit(module)
    assert not cycles, f"import cycles: {cycles}"


def test_the_checker_sees_a_planted_upward_import(tmp_path: Path) -> None:
    # The walk itself must notice what it is meant to forbid: a ground module importing the CLI.
    planted = "from mtfix.cli.common import fail\n"
    tree = ast.parse(planted)
    node = tree.body[0]
    assert isinstance(node, ast.ImportFrom) and node.module is not None
    target = _resolve(f"{node.module}.{node.names[0].name}")
    assert target == "mtfix.cli.common"
    assert _layer(target) > _layer("mtfix.core")
