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


DEMO = Path("win32", "Demos", "service", "serviceEvents.py")
_DEMO_LINE = "        # do nothing at all - just wait to be stopped\n"


def _demo_with_a_mapi_mistake(pywin32: Path, root: Path) -> Tuple[Path, Set[Tuple[int, str]]]:
    """The positive twin of pywin32's sources: its service demo, in the same layout below
    ``root``, with a comment of SvcDoRun replaced by a MAPI initialization lacking
    MAPI_NT_SERVICE; and the findings it gets in auto mode."""
    text = (pywin32 / DEMO).read_text(encoding="utf-8")
    assert text.count(_DEMO_LINE) == 1
    line = text[: text.index(_DEMO_LINE)].count("\n") + 1
    twin = root / DEMO
    twin.parent.mkdir(parents=True)
    call = "        from win32com.mapi import mapi; mapi.MAPIInitialize(None)\n"
    twin.write_text(text.replace(_DEMO_LINE, call), encoding="utf-8")
    # the call's MPS101, the file's MPS106/MPS107 there, and the demo's own wait on the
    # next line, now on the thread that initialized MAPI, is MPS401
    found = {(line, "MPS101"), (line, "MPS106"), (line, "MPS107"), (line + 1, "MPS401")}
    return twin, found


def _mps(output: str) -> Set[Tuple[int, str]]:
    return {(line, code) for _, line, _, code, _ in findings(output)}


def test_no_finding_and_no_crash_on_pywin32(pywin32: Path, tmp_path: Path) -> None:
    files = list(pywin32.rglob("*.py"))
    assert len(files) >= 250
    proc = run_flake8(["--select=MPS", str(pywin32)])
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout == ""
    # positive twin: the same run over one of those files with a MAPI mistake in it
    twin, want = _demo_with_a_mapi_mistake(pywin32, tmp_path / "twin")
    proc = run_flake8(["--select=MPS", str(tmp_path / "twin")])
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert _mps(proc.stdout) == want


def test_pywin32_as_one_project(pywin32: Path, tmp_path: Path) -> None:
    # the wheel's 450 files read as one project (a temporary folder has no root marker, so
    # each folder would otherwise be a project of its own): no crash, no finding
    proc = run_flake8(["--select=MPS", f"--mapi-project-root={pywin32}", str(pywin32)])
    assert "Traceback" not in proc.stderr, proc.stderr
    assert (proc.returncode, proc.stdout) == (0, ""), proc.stdout + proc.stderr
    # positive twin: the mistaken demo inside a project holding the rest of pywin32's demos
    root = tmp_path / "twin"
    twin, want = _demo_with_a_mapi_mistake(pywin32, root)
    for demo in (pywin32 / DEMO.parent).glob("*.py"):
        if demo.name != DEMO.name:
            (root / DEMO.parent / demo.name).write_bytes(demo.read_bytes())
    proc = run_flake8(["--select=MPS", f"--mapi-project-root={root}", str(root)])
    assert proc.returncode == 1, proc.stdout + proc.stderr
    got = {(Path(path).name, line, code) for path, line, _, code, _ in findings(proc.stdout)}
    assert got == {(DEMO.name, line, code) for line, code in want}


def test_pywin32_service_demos_get_no_finding(pywin32: Path, tmp_path: Path) -> None:
    # the services pywin32 ships (issue: "pywin32's own service demos get no finding")
    demos = pywin32 / "win32" / "Demos" / "service"
    assert len(list(demos.glob("*.py"))) >= 3
    proc = run_flake8(["--select=MPS", str(demos)])
    assert (proc.returncode, proc.stdout) == (0, ""), proc.stdout + proc.stderr
    # positive twin: a demo that initializes MAPI the wrong way is reported
    twin, want = _demo_with_a_mapi_mistake(pywin32, tmp_path / "twin")
    proc = run_flake8(["--select=MPS", str(twin)])
    assert _mps(proc.stdout) == want, proc.stdout + proc.stderr


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
