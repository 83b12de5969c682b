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


#: the positive twins of the fixtures that expect no finding at all: (text replaced once,
#: its replacement, the findings the twin gets with the fixture's own options).  Each is
#: the near miss the fixture is about, turned into the mistake.
CLEAN_TWINS: Dict[str, Tuple[str, str, Set[Tuple[int, str]]]] = {
    # MAPILogonEx without MAPI_NO_MAIL
    "core/pywin32_service_correct.py": ("    | mapi.MAPI_NO_MAIL\n", "    | 0\n", {(51, "MPS103")}),
    # the same desktop tool, declaring itself a service by its logon flags
    "pump/desktop_client.py": (
        "mapi.MAPI_EXTENDED | mapi.MAPI_LOGON_UI",
        "mapi.MAPI_NT_SERVICE | mapi.MAPI_LOGON_UI",
        {
            (19, "MPS101"),
            (19, "MPS106"),
            (20, "MPS103"),
            (20, "MPS201"),
            (22, "MPS401"),
            (24, "MPS401"),
            (25, "MPS402"),
            (25, "MPS404"),
        },
    ),
    # the message case of the main loop no longer pumps
    "pump/service_pumped_waits.py": (
        "len(handles):\n                pythoncom.PumpWaitingMessages()\n",
        "len(handles):\n                pass\n",
        {(84, "MPS402")},
    ),
    # the service that adds a PST submits mail after all
    "sending/archive_only_service.py": (
        "            session.Logoff(0, 0, 0)\n",
        "            session.OpenMsgStore(0, None, None, mapi.MDB_NO_DIALOG).SubmitMessage(0); "
        "session.Logoff(0, 0, 0)\n",
        {(28, "MPS303")},
    ),
    # the Exchange-only profile gets a PST
    "sending/exchange_profile_service.py": (
        'CreateMsgService("msems"',
        'CreateMsgService("MSPST MS"',
        {(14, "MPS303")},
    ),
    # the desktop helper, declaring itself a service by its logon flags
    "ui/desktop_client.py": (
        "mapi.MAPI_EXTENDED | mapi.MAPI_LOGON_UI)",
        "mapi.MAPI_NT_SERVICE | mapi.MAPI_LOGON_UI)",
        {
            (24, "MPS205"),
            (26, "MPS202"),
            (26, "MPS301"),
            (31, "MPS101"),
            (33, "MPS103"),
            (33, "MPS201"),
            (34, "MPS204"),
            (35, "MPS203"),
            (36, "MPS204"),
            (38, "MPS202"),
            (38, "MPS303"),
            (46, "MPS302"),
            (51, "MPS205"),
            (54, "MPS205"),
            (55, "MPS205"),
        },
    ),
}


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: p.relative_to(FIXTURES).as_posix())
def test_fixture(path: Path, tmp_path: Path) -> None:
    got = _results_for(options(path)).get(path.relative_to(ROOT).as_posix(), set())
    want = expectations(path)
    assert not any(code == "MPS000" for _, code in got), f"analysis failed on {path}"
    missing = sorted(want - got)
    unexpected = sorted(got - want)
    assert not missing and not unexpected, (
        f"{path.name}: missing {missing}, unexpected {unexpected}"
    )
    rel = path.relative_to(FIXTURES).as_posix()
    if not want and not _in_project(rel):
        # a fixture that expects nothing: its positive twin (same place below the root,
        # same options) gets exactly the findings of the mistake
        assert rel in CLEAN_TWINS, f"{rel} expects no finding: give it a twin in CLEAN_TWINS"
        old, new, twin_want = CLEAN_TWINS[rel]
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, old
        twin = tmp_path / path.relative_to(ROOT)
        twin.parent.mkdir(parents=True)
        twin.write_text(text.replace(old, new), encoding="utf-8")
        proc = run_flake8([OTHERS_OFF, *options(path), path.relative_to(ROOT).as_posix()], tmp_path)
        assert proc.returncode == 1, proc.stderr
        twin_got = {(line, code) for _, line, _, code, _ in findings(proc.stdout)}
        assert twin_got == twin_want


def _in_project(rel: str) -> bool:
    """A module of a fixture project: the project as a whole has its positives and
    near misses (tests/test_projects.py), not each of its modules."""
    return rel.startswith("projects/")


def test_every_clean_fixture_has_a_twin() -> None:
    clean = {
        rel
        for p in fixture_files()
        if not expectations(p) and not _in_project(rel := p.relative_to(FIXTURES).as_posix())
    }
    assert clean == set(CLEAN_TWINS)
