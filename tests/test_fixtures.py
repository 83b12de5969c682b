"""Every file in fixtures/ is linted by the real flake8; its findings must be
exactly the codes written in trailing comments on the reported lines.

A fixture marks an expected finding with a trailing comment made only of codes:

    session = mapi.MAPILogonEx(0, "", None, 0)  # MPS102, MPS103

and may give flake8 options on a line of its own near the top:

    # fixture-options: --mapi-service=always --extend-select=MPS109
"""

from __future__ import annotations

import re
import shlex
from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Set, Tuple

import pytest
from conftest import FIXTURES, OTHERS_OFF, ROOT, findings, run_flake8

EXPECT = re.compile(r"#\s*(MPS\d{3}(?:\s*,\s*MPS\d{3})*)\s*$")
OPTIONS = re.compile(r"^#\s*fixture-options:\s*(.*)$")


def fixture_files() -> List[Path]:
    return sorted(FIXTURES.rglob("*.py"))


def expectations(path: Path) -> Set[Tuple[int, str]]:
    out: Set[Tuple[int, str]] = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        m = EXPECT.search(line)
        if m:
            for code in re.findall(r"MPS\d{3}", m.group(1)):
                out.add((number, code))
    return out


def options(path: Path) -> Tuple[str, ...]:
    for line in path.read_text(encoding="utf-8").splitlines()[:15]:
        m = OPTIONS.match(line.strip())
        if m:
            return tuple(shlex.split(m.group(1)))
    return ()


_RESULTS: Dict[Tuple[str, ...], Dict[str, Set[Tuple[int, str]]]] = {}


def _results_for(opts: Tuple[str, ...]) -> Dict[str, Set[Tuple[int, str]]]:
    """One flake8 run for all fixtures that share the same options."""
    if opts not in _RESULTS:
        files = [p for p in fixture_files() if options(p) == opts]
        proc = run_flake8([OTHERS_OFF, *opts, *[str(p.relative_to(ROOT)) for p in files]])
        assert proc.returncode in (0, 1), proc.stderr
        assert "Traceback" not in proc.stderr, proc.stderr
        per_file: Dict[str, Set[Tuple[int, str]]] = defaultdict(set)
        for path, line, _, code, _ in findings(proc.stdout):
            if code.startswith("MPS"):
                per_file[Path(path).as_posix()].add((line, code))
        _RESULTS[opts] = per_file
    return _RESULTS[opts]


def test_there_are_fixtures() -> None:
    assert len(fixture_files()) >= 10


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: p.relative_to(FIXTURES).as_posix())
def test_fixture(path: Path) -> None:
    got = _results_for(options(path)).get(path.relative_to(ROOT).as_posix(), set())
    want = expectations(path)
    assert not any(code == "MPS000" for _, code in got), f"analysis failed on {path}"
    missing = sorted(want - got)
    unexpected = sorted(got - want)
    assert not missing and not unexpected, (
        f"{path.name}: missing {missing}, unexpected {unexpected}"
    )
