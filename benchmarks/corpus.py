"""Benchmark inputs generated from the project's own ``fixtures/``.

* ``service_corpus``: a few hundred MAPI-dense service modules.  Each module
  joins three consecutive fixtures (a realistic module of a few hundred lines),
  with the top-level classes and functions of each part renamed so that no two
  parts of a file define the same name.
* ``large_service_file``: one service module of about 18,000 lines, built the
  same way from as many fixture parts as it takes.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import List, Sequence

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"

_FUTURE = re.compile(r"^from __future__ import [^\n]*\n", re.MULTILINE)


def fixture_sources(fixtures: Path = FIXTURES) -> List[str]:
    """The text of every fixture that Python can parse, sorted by path."""
    out: List[str] = []
    for path in sorted(fixtures.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        try:
            ast.parse(text)
        except SyntaxError:
            continue
        out.append(text)
    if not out:
        raise SystemExit(f"no parseable fixtures under {fixtures}")
    return out


def _top_level_names(text: str) -> List[str]:
    names = []
    for node in ast.parse(text).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(node.name)
    return names


def renamed(text: str, suffix: str) -> str:
    """``text`` with its top-level classes and functions renamed ``<name><suffix>``
    (not attribute accesses of the same name) and without ``__future__`` imports."""
    text = _FUTURE.sub("", text)
    for name in _top_level_names(text):
        text = re.sub(rf"(?<![\w.]){re.escape(name)}\b", name + suffix, text)
    return text


def _join(parts: Sequence[str]) -> str:
    return "from __future__ import annotations\n\n" + "\n\n".join(parts)


def service_corpus(directory: Path, count: int = 300, per_file: int = 3) -> List[Path]:
    sources = fixture_sources()
    directory.mkdir(parents=True, exist_ok=True)
    paths: List[Path] = []
    for i in range(count):
        parts = [
            renamed(sources[(i * per_file + k) % len(sources)], f"_{k}") for k in range(per_file)
        ]
        path = directory / f"service_{i:04d}.py"
        path.write_text(_join(parts), encoding="utf-8")
        paths.append(path)
    return paths


def large_service_file(path: Path, lines: int = 18_000) -> Path:
    sources = fixture_sources()
    parts: List[str] = []
    total = 0
    i = 0
    while total < lines:
        part = renamed(sources[i % len(sources)], f"_{i}")
        parts.append(part)
        total += part.count("\n") + 2
        i += 1
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_join(parts), encoding="utf-8")
    return path
