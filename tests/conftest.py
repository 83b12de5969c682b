"""Shared helpers: run the real flake8 (with this plugin installed) in a subprocess."""

from __future__ import annotations

import atexit
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import List, Optional, Sequence, Set, Tuple

import pytest

#: the scan memo lives in the user's cache folder: the tests (and the flake8 they
#: run) get one of their own, removed at the end
_CACHE_HOME = tempfile.mkdtemp(prefix="mps-test-cache-")
os.environ["XDG_CACHE_HOME"] = _CACHE_HOME
atexit.register(shutil.rmtree, _CACHE_HOME, True)

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
FORMAT = "%(path)s:%(row)d:%(col)d: %(code)s %(text)s"
# everything but this plugin: the fixtures are checked for MPS codes only,
# and MPS109 keeps its default (off) unless a fixture asks for it
OTHERS_OFF = "--extend-ignore=E,W,F,C"

_FINDING = re.compile(
    r"^(?P<path>.*?):(?P<line>\d+):(?P<col>\d+): (?P<code>[A-Z]+\d+) (?P<text>.*)$"
)


def run_flake8(
    args: Sequence[str], cwd: Optional[Path] = None, stdin: Optional[str] = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flake8", f"--format={FORMAT}", *args],
        cwd=str(cwd or ROOT),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=600,
    )


def findings(output: str) -> List[Tuple[str, int, int, str, str]]:
    out = []
    for line in output.splitlines():
        m = _FINDING.match(line)
        if m:
            out.append((m["path"], int(m["line"]), int(m["col"]), m["code"], m["text"]))
    return out


def mps(output: str) -> Set[Tuple[int, str]]:
    """(line, code) of every MPS finding in flake8's output."""
    return {(line, code) for _, line, _, code, _ in findings(output) if code.startswith("MPS")}


@pytest.fixture
def flake8():
    return run_flake8
