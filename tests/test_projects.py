"""Multi-module fixture projects (``fixtures/projects/<name>/``), run four ways.

Each project holds its root marker and several modules; a finding is expected
where a line ends with a comment of codes (as in every fixture).  flake8 with
the plugin must report exactly those (line and code) when it is run on the whole
project, on each file alone, with ``-j2``, and again with the cache warm (the
findings kept on disk, then the summaries alone): the runs must agree to the
letter (paths, positions, messages).
"""

from __future__ import annotations

import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Dict, List, Set, Tuple

import pytest
from conftest import FIXTURES, OTHERS_OFF, findings, run_flake8

PROJECTS = FIXTURES / "projects"
EXPECT = re.compile(r"#\s*(MPS\d{3}(?:\s*,\s*MPS\d{3})*)\s*$")

Finding = Tuple[str, int, int, str, str]


def projects() -> List[Path]:
    return sorted(p for p in PROJECTS.iterdir() if p.is_dir())


def files(project: Path) -> List[Path]:
    return sorted(p for p in project.rglob("*.py") if ".mapi_service_cache" not in p.parts)


def expectations(project: Path) -> Set[Tuple[str, int, str]]:
    out: Set[Tuple[str, int, str]] = set()
    for path in files(project):
        rel = path.relative_to(project).as_posix()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            m = EXPECT.search(line)
            if m:
                out.update((rel, number, code) for code in re.findall(r"MPS\d{3}", m.group(1)))
    return out


def lint(project: Path, *args: str) -> Set[Finding]:
    proc = run_flake8([OTHERS_OFF, *args], cwd=project)
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    out: Set[Finding] = set()
    for path, line, col, code, text in findings(proc.stdout):
        if code.startswith("MPS"):
            out.add((path[2:] if path.startswith("./") else path, line, col, code, text))
    assert not any(f[3] == "MPS000" for f in out), out
    return out


def test_there_are_projects() -> None:
    assert len(projects()) >= 6
    for project in projects():
        assert any(
            (project / m).exists()
            for m in ("pyproject.toml", "setup.cfg", "setup.py", "tox.ini", ".flake8")
        )


@pytest.mark.parametrize("project", projects(), ids=lambda p: p.name)
def test_project_every_way(project: Path, tmp_path: Path) -> None:
    want = expectations(project)
    assert want, f"{project.name} has no expected finding"
    whole_cache = f"--mapi-cache-dir={tmp_path / 'whole'}"
    rels = [p.relative_to(project).as_posix() for p in files(project)]

    def alone(rel: str) -> Set[Finding]:
        return lint(project, f"--mapi-cache-dir={tmp_path / 'alone'}", rel)

    def piped(rel: str) -> Set[Finding]:
        # an editor: the text on stdin, the file's name given for it
        text = (project / rel).read_text(encoding="utf-8")
        proc = run_flake8(
            [OTHERS_OFF, "--mapi-no-cache", f"--stdin-display-name={rel}", "-"],
            cwd=project,
            stdin=text,
        )
        assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr, proc.stderr
        return {
            (path, line, col, code, message)
            for path, line, col, code, message in findings(proc.stdout)
            if code.startswith("MPS")
        }

    with ThreadPoolExecutor(max_workers=3) as pool:
        parallel = pool.submit(lint, project, "-j2", f"--mapi-cache-dir={tmp_path / 'j2'}", ".")
        singles = list(pool.map(alone, rels))
        stdins = list(pool.map(piped, rels))
        whole = lint(project, whole_cache, ".")
        parallel_result = parallel.result()
    warm = lint(project, whole_cache, ".")  # the findings kept on disk
    assert list((tmp_path / "whole" / "findings").rglob("*.json"))
    shutil.rmtree(tmp_path / "whole" / "findings")
    warm_summaries = lint(project, whole_cache, ".")  # summaries warm, findings computed
    # one process, the files named in reverse order (what one checked file sees must
    # not leak into the next)
    backwards = lint(project, "--mapi-no-cache", "-j1", *reversed(rels))
    each: Set[Finding] = set().union(*singles)
    piped_all: Set[Finding] = set().union(*stdins)
    # the same project with CRLF line endings
    crlf = tmp_path / "crlf"
    shutil.copytree(project, crlf, ignore=shutil.ignore_patterns(".mapi_service_cache"))
    for rel in rels:
        path = crlf / rel
        path.write_bytes(path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
    crlf_whole = lint(crlf, "--mapi-no-cache", ".")

    got = {(path, line, code) for path, line, _, code, _ in whole}
    assert got == want, f"missing {sorted(want - got)}, unexpected {sorted(got - want)}"
    assert each == whole, sorted(each ^ whole)
    assert parallel_result == whole, sorted(parallel_result ^ whole)
    assert warm == whole, sorted(warm ^ whole)
    assert warm_summaries == whole, sorted(warm_summaries ^ whole)
    assert piped_all == whole, sorted(piped_all ^ whole)
    assert backwards == whole, sorted(backwards ^ whole)
    assert crlf_whole == whole, sorted(crlf_whole ^ whole)
    assert (tmp_path / "whole" / ".gitignore").read_text(encoding="utf-8").splitlines()[-1] == "*"


def test_single_file_mode_sees_one_file_only() -> None:
    # the user's opt-out: each file alone, as before the project was read
    project = PROJECTS / "package_layout"
    assert lint(project, "--mapi-no-cache", "--mapi-single-file", "mailsvc/mailer.py") == set()
    got = {
        (p, line, code)
        for p, line, _, code, _ in lint(project, "--mapi-no-cache", "mailsvc/mailer.py")
    }
    assert got == {
        ("mailsvc/mailer.py", 16, "MPS102"),
        ("mailsvc/mailer.py", 16, "MPS103"),
        ("mailsvc/mailer.py", 24, "MPS401"),
    }


def test_stdin_text_wins_over_the_file_on_disk() -> None:
    # an editor's unsaved buffer: the checked file's text is what stdin says; the
    # other modules are read from disk
    project = PROJECTS / "package_layout"
    text = (project / "mailsvc/mailer.py").read_text(encoding="utf-8")
    fixed = text.replace("config.LOGON_FLAGS)  # MPS102, MPS103", "config.ARCHIVE_FLAGS)")
    assert fixed != text

    def run(stdin: str) -> Set[Tuple[int, str]]:
        proc = run_flake8(
            [OTHERS_OFF, "--mapi-no-cache", "--stdin-display-name=mailsvc/mailer.py", "-"],
            cwd=project,
            stdin=stdin,
        )
        assert proc.returncode in (0, 1), proc.stderr
        return {(line, code) for _, line, _, code, _ in findings(proc.stdout)}

    assert run(text) == {(16, "MPS102"), (16, "MPS103"), (24, "MPS401")}
    assert run(fixed) == {(24, "MPS401")}


def test_messages_name_the_caller_of_a_context() -> None:
    project = PROJECTS / "src_layout"
    by_code: Dict[str, str] = {
        code: text for path, _, _, code, text in lint(project, "--mapi-no-cache", ".")
    }
    assert by_code["MPS103"].endswith("when called from src/acme_relay/service.py:21")


def test_a_file_alone_names_its_callers_as_flake8_shows_it(tmp_path: Path) -> None:
    # --mapi-single-file: the caller's path is the file's path as flake8 shows it
    # ("one.py", not "./one.py"), the same as in the project
    (tmp_path / "setup.cfg").write_text("[flake8]\n", encoding="utf-8")
    (tmp_path / "one.py").write_text(
        "import win32serviceutil\n"
        "from win32com.mapi import mapi\n\n\n"
        "def logon(flags):\n"
        '    return mapi.MAPILogonEx(0, "p", None, flags)\n\n\n'
        "class S(win32serviceutil.ServiceFramework):\n"
        "    def SvcDoRun(self):\n"
        "        logon(mapi.MAPI_EXTENDED | mapi.MAPI_NT_SERVICE | mapi.MAPI_NO_MAIL)\n"
        "        logon(mapi.MAPI_EXTENDED | mapi.MAPI_NT_SERVICE)\n",
        encoding="utf-8",
    )
    for mode in ("--mapi-single-file", "--mapi-no-cache"):
        found = lint(tmp_path, mode, "./one.py")
        assert [(line, code, text.split(") ", 1)[1]) for _, line, _, code, text in found] == [
            (6, "MPS103", "when called from one.py:12")
        ], mode
