"""The package's layers, read from its imports (docs/architecture.md).

Every import counts: top-level, inside functions, under ``TYPE_CHECKING``.  A
module may import only the layers its row allows, the import graph has no
cycle, nothing hides an import behind ``TYPE_CHECKING``, and the only imports
inside functions are the two lazy ones that keep libcst out of files and
commands that do not need it.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, List, Optional, Set, Tuple

import pytest

PACKAGE = "flake8_mapi_service"
ROOT = Path(__file__).resolve().parent.parent / PACKAGE

#: layer -> the layers its modules may import (besides their own layer)
ALLOWED: Dict[str, Set[str]] = {
    "version": set(),
    "settings": set(),
    "prefilter": set(),
    "catalogue": set(),
    "analysis": {"version", "settings", "prefilter"},
    "rules": {"analysis", "settings"},
    # findings kept on disk (no libcst: the plugin reads them before importing the runner)
    "results": {"version", "analysis", "settings"},
    "runner": {"analysis", "rules", "catalogue", "settings", "results"},
    "fix": {"runner", "analysis", "catalogue", "settings"},
    # the plugin reads the project (analysis/project.py, no libcst) for its text check
    "plugin": {"version", "catalogue", "prefilter", "settings", "runner", "analysis", "results"},
    "cli": {"version", "catalogue", "fix", "project_context", "settings"},
    "project_context": {"runner", "analysis", "fix", "settings"},
    "sarif": {"version", "catalogue"},
}

#: the function-level imports of package modules, each for start-up speed
LAZY: Set[Tuple[str, str]] = {
    (f"{PACKAGE}.plugin", f"{PACKAGE}.runner"),  # libcst only for files past the text check
    (f"{PACKAGE}.cli", f"{PACKAGE}.fix"),  # `rules` and `explain` start without libcst
    (f"{PACKAGE}.cli", f"{PACKAGE}.project_context"),  # likewise
}


def layer(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "version"
    return parts[1]


def modules() -> Dict[str, Path]:
    out: Dict[str, Path] = {}
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def imports(module: str, path: Path, known: Set[str]) -> List[Tuple[str, bool, bool]]:
    """(imported package module, inside a function, under TYPE_CHECKING) of a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_package = path.name == "__init__.py"
    out: List[Tuple[str, bool, bool]] = []

    def visit(node: ast.AST, in_function: bool, type_checking: bool) -> None:
        for child in ast.iter_child_nodes(node):
            nested = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            guarded = type_checking or (
                isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test)
            )
            targets: List[str] = []
            if isinstance(child, ast.Import):
                targets = [alias.name for alias in child.names]
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = module.split(".") if is_package else module.split(".")[:-1]
                    anchor = anchor[: len(anchor) - (child.level - 1)]
                    base = ".".join(anchor + ([base] if base else []))
                targets = [base] + [f"{base}.{alias.name}" for alias in child.names]
            for target in targets:
                # the longest package module the import names
                while target and target not in known:
                    target = target.rpartition(".")[0]
                if target and target != module:
                    out.append((target, in_function, guarded))
            visit(child, nested, guarded)

    visit(tree, False, False)
    return out


GRAPH: Dict[str, List[Tuple[str, bool, bool]]] = {}
for _name, _path in modules().items():
    GRAPH[_name] = imports(_name, _path, set(modules()))


def test_every_module_is_in_a_layer() -> None:
    assert {layer(m) for m in GRAPH} <= set(ALLOWED)


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_imports_respect_the_layers(module: str) -> None:
    own = layer(module)
    for target, in_function, guarded in GRAPH[module]:
        other = layer(target)
        assert other == own or other in ALLOWED[own], f"{module} imports {target}"
        assert not guarded, f"{module} imports {target} under TYPE_CHECKING"
        if in_function:
            assert (module, target) in LAZY, f"{module} imports {target} inside a function"


def test_analysis_knows_nothing_of_rules_or_messages() -> None:
    for module, targets in GRAPH.items():
        if layer(module) == "analysis":
            assert not {layer(t) for t, _, _ in targets} & {"rules", "catalogue", "runner"}
    # positive twin: the analysis modules are there and their imports are seen (settings)
    analysis = {m for m in GRAPH if layer(m) == "analysis"}
    assert len(analysis) >= 10
    assert any(layer(t) == "settings" for m in analysis for t, _, _ in GRAPH[m])


def find_cycle(edges: Dict[str, List[str]]) -> Optional[List[str]]:
    """An import cycle of ``edges`` (module -> imported modules), or None."""
    state: Dict[str, int] = {}  # 1: on the current path, 2: done
    for start in sorted(edges):
        if state.get(start):
            continue
        stack: List[Tuple[str, int]] = [(start, 0)]
        path: List[str] = [start]
        state[start] = 1
        while stack:
            node, i = stack.pop()
            if i < len(edges[node]):
                stack.append((node, i + 1))
                nxt = edges[node][i]
                if state.get(nxt) == 1:
                    return path[path.index(nxt) :] + [nxt]
                if not state.get(nxt):
                    state[nxt] = 1
                    path.append(nxt)
                    stack.append((nxt, 0))
            else:
                state[node] = 2
                path.pop()
    return None


def test_no_import_cycle() -> None:
    edges = {m: sorted({t for t, _, _ in targets}) for m, targets in GRAPH.items()}
    cycle = find_cycle(edges)
    if cycle is not None:
        raise AssertionError("import cycle: " + " -> ".join(cycle))
    # positive twins: the same search finds a cycle, and one closed through the real graph
    assert find_cycle({"a": ["b"], "b": ["c"], "c": ["a"]}) == ["a", "b", "c", "a"]
    runner = f"{PACKAGE}.runner"
    settings = f"{PACKAGE}.settings"
    looped = {**edges, settings: [*edges[settings], runner]}
    found = find_cycle(looped)
    assert found is not None and settings in found and runner in found


def test_the_checker_sees_imports() -> None:
    # a positive twin: the reader finds the lazy imports and the layer edges it checks
    plugin = {t for t, fn, _ in GRAPH[f"{PACKAGE}.plugin"] if fn}
    assert f"{PACKAGE}.runner" in plugin
    assert any(layer(t) == "analysis" for t, _, _ in GRAPH[f"{PACKAGE}.runner"])
