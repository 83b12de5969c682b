"""Real code no one here wrote: pywin32's own sources.

pip downloads pywin32's Windows wheel (never committed here) into a temporary
directory; flake8 with this plugin runs over all of its Python files: no crash
and, in auto mode, no MPS finding at all.  Its MAPI demo ``mapisend.py``,
forced to be service code, gets exactly the initialization and logon findings
it deserves.  Needs the package registry (marked ``network``; deselect with
``-m "not network"`` when offline).
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Set, Tuple

import pytest
from conftest import findings, run_flake8

PYWIN32 = "pywin32==311"

pytestmark = pytest.mark.network


@pytest.fixture(scope="module")
def pywin32(tmp_path_factory: pytest.TempPathFactory) -> Path:
    download = tmp_path_factory.mktemp("pywin32-wheel")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "--only-binary=:all:",
            "--platform",
            "win_amd64",
            "--python-version",
            "3.11",
            "-d",
            str(download),
            PYWIN32,
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    wheels = list(download.glob("pywin32-*.whl"))
    assert len(wheels) == 1, wheels
    root = tmp_path_factory.mktemp("pywin32")
    with zipfile.ZipFile(wheels[0]) as wheel:
        for name in wheel.namelist():
            if name.endswith(".py"):
                wheel.extract(name, root)
    return root


def test_no_finding_and_no_crash_on_pywin32(pywin32: Path) -> None:
    files = list(pywin32.rglob("*.py"))
    assert len(files) >= 250
    proc = run_flake8(["--select=MPS", str(pywin32)])
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout == ""


def test_pywin32_service_demos_get_no_finding(pywin32: Path) -> None:
    # the services pywin32 ships (issue: "pywin32's own service demos get no finding")
    demos = pywin32 / "win32" / "Demos" / "service"
    assert len(list(demos.glob("*.py"))) >= 3
    proc = run_flake8(["--select=MPS", str(demos)])
    assert (proc.returncode, proc.stdout) == (0, ""), proc.stdout + proc.stderr


def test_mapisend_as_service_code(pywin32: Path) -> None:
    path = pywin32 / "win32comext" / "mapi" / "demos" / "mapisend.py"
    lines = path.read_text(encoding="utf-8").splitlines()
    init = next(i for i, ln in enumerate(lines, 1) if "mapi.MAPIInitialize(" in ln)
    logon = next(i for i, ln in enumerate(lines, 1) if "mapi.MAPILogonEx(" in ln)
    proc = run_flake8(["--select=MPS", "--mapi-service=always", str(path)])
    assert "Traceback" not in proc.stderr, proc.stderr
    got: Set[Tuple[int, str]] = {(line, code) for _, line, _, code, _ in findings(proc.stdout)}
    assert got == {
        (init, "MPS101"),
        (init, "MPS106"),
        (init, "MPS107"),
        (logon, "MPS102"),
        (logon, "MPS103"),
    }
