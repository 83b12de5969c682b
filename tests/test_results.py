"""Findings kept on disk (``results.py``): a warm run of unchanged files parses
nothing, and anything a file's findings depend on changing is a miss."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import List, Set, Tuple

import pytest
from conftest import FIXTURES, FORMAT, OTHERS_OFF, findings
from test_project_robustness import CONFIG, EXPECTED, MAILER, small_project

from flake8_mapi_service import results
from flake8_mapi_service.analysis.project import PROJECTS
from flake8_mapi_service.analysis.workspace import WORKSPACE
from flake8_mapi_service.runner import analyze_file
from flake8_mapi_service.settings import Settings

Found = Set[Tuple[str, int, str, str]]


def run(root: Path, *args: str) -> Tuple[Found, bool]:
    """flake8's MPS findings, and whether libcst was imported (``-X importtime``)."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "flake8", f"--format={FORMAT}"]
        + [OTHERS_OFF, *args],
        cwd=str(root),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode in (0, 1), proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    out = {
        (path[2:] if path.startswith("./") else path, line, code, text)
        for path, line, _, code, text in findings(proc.stdout)
        if code.startswith("MPS")
    }
    imported = any(
        line.split("|")[-1].strip().split(".")[0] == "libcst"
        for line in proc.stderr.splitlines()
        if line.startswith("import time:")
    )
    return out, imported


def codes(found: Found) -> Set[Tuple[str, int, str]]:
    return {(p, line, code) for p, line, code, _ in found}


def entries(root: Path) -> List[Path]:
    return sorted((root / ".mapi_service_cache" / results.FOLDER).rglob("*.json"))


def test_a_warm_run_gives_the_same_findings_without_libcst(tmp_path: Path) -> None:
    root = small_project(tmp_path / "p")
    cold, parsed = run(root, ".")
    assert codes(cold) == EXPECTED and parsed
    # one entry per analysed file: service.py, mailer.py and config.py (which
    # service code reaches through mailer.py)
    assert len(entries(root)) == 3
    warm, parsed = run(root, ".")
    assert warm == cold and not parsed
    # one file alone (pre-commit, an editor) reads the entry the whole run wrote
    alone, parsed = run(root, "mailer.py")
    assert alone == cold and not parsed


def test_an_edit_of_another_module_of_the_component_is_seen(tmp_path: Path) -> None:
    root = small_project(tmp_path / "p")
    assert codes(run(root, ".")[0]) == EXPECTED
    # mailer.py is unchanged, but the flags it passes now have both bits
    (root / "config.py").write_text(CONFIG.replace("0x20", "0x18020"), encoding="utf-8")
    found, parsed = run(root, "mailer.py")
    assert codes(found) == {("mailer.py", 12, "MPS401")} and parsed
    # and back: the first entry is still there, and still right
    (root / "config.py").write_text(CONFIG, encoding="utf-8")
    found, parsed = run(root, "mailer.py")
    assert codes(found) == {f for f in EXPECTED if f[0] == "mailer.py"} and not parsed


def test_a_module_that_appears_is_seen(tmp_path: Path) -> None:
    root = small_project(tmp_path / "p")
    (root / "config.py").unlink()
    # the flags and the pause come from a module the project does not hold: unknown
    assert run(root, ".")[0] == set()
    assert len(entries(root)) == 2  # mailer.py's (empty) findings are kept
    (root / "config.py").write_text(CONFIG, encoding="utf-8")
    assert codes(run(root, ".")[0]) == EXPECTED


def test_the_options_are_part_of_the_key(tmp_path: Path) -> None:
    root = small_project(tmp_path / "p")
    assert codes(run(root, ".")[0]) == EXPECTED
    assert run(root, "--mapi-service=never", ".")[0] == set()
    assert codes(run(root, "--mapi-server-services=MSEMS,OTHER", ".")[0]) == EXPECTED
    (root / "setup.cfg").write_text("[flake8]\nmapi-service = never\n", encoding="utf-8")
    assert run(root, ".")[0] == set()


def test_damaged_entries_are_misses(tmp_path: Path) -> None:
    root = small_project(tmp_path / "p")
    cold, _ = run(root, ".")
    damage = [
        lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]),
        lambda p: p.write_bytes(b"\x00\xff garbage"),
        lambda p: p.write_text('{"version": "0", "key": "0", "findings": []}\n'),
        lambda p: p.write_text(p.read_text().replace('"findings":[', '"findings":[[1,"x"],')),
        lambda p: p.write_text("[]\n"),
    ]
    for harm in damage:
        for entry in entries(root):
            harm(entry)
        found, parsed = run(root, ".")
        assert found == cold and parsed
    # an entry filed under another file's key is not that file's
    mailer = next(e.read_bytes() for e in entries(root) if b"MPS102" in e.read_bytes())
    for entry in entries(root):
        entry.write_bytes(mailer)
    assert run(root, ".")[0] == cold


def test_no_cache_and_single_file_keep_nothing(tmp_path: Path) -> None:
    root = small_project(tmp_path / "p")
    assert codes(run(root, "--mapi-no-cache", ".")[0]) == EXPECTED
    assert entries(root) == []
    run(root, "--mapi-single-file", ".")
    assert entries(root) == []
    # twin: the default keeps them
    run(root, ".")
    assert entries(root) != []


def test_the_key_follows_text_name_options_and_index(tmp_path: Path) -> None:
    root = small_project(tmp_path / "p")
    lines = MAILER.splitlines(keepends=True)
    mailer = str(root / "mailer.py")
    base = Settings()
    try:
        first = results.slot(lines, mailer, base)
        assert first is not None
        assert results.slot(lines, mailer, base) == first  # stable
        others = [
            results.slot([line.replace("\n", "\r\n") for line in lines], mailer, base),
            results.slot(lines + ["# more\n"], mailer, base),
            results.slot(lines, str(root / "mailer2.py"), base),
            results.slot(lines, mailer, Settings(service_mode="always")),
            results.slot(lines, mailer, Settings(extra_blocking_calls=("x.wait",))),
        ]
        assert len({s.key for s in others if s is not None} | {first.key}) == 6
        assert results.slot(lines, mailer, Settings(no_cache=True)) is None
        assert results.slot(lines, mailer, Settings(single_file=True)) is None
        # a module joining the project changes how imports may resolve
        (root / "extra.py").write_text("X = 1\n", encoding="utf-8")
        PROJECTS.clear()
        again = results.slot(lines, mailer, base)
        assert again is not None and again.key != first.key
    finally:
        PROJECTS.clear()


def test_the_working_folder_is_part_of_the_key(tmp_path: Path) -> None:
    # messages show paths from the working folder: from a subfolder, another text
    root = tmp_path / "src_layout"
    shutil.copytree(
        FIXTURES / "projects" / "src_layout",
        root,
        ignore=shutil.ignore_patterns(".mapi_service_cache"),
    )
    package = root / "src" / "acme_relay"

    def mps103(where: Path) -> str:
        found, _ = run(where, ".")
        return next(text for _, _, code, text in found if code == "MPS103")

    assert mps103(root).endswith("when called from src/acme_relay/service.py:21")
    assert mps103(package).endswith("when called from service.py:21")
    assert mps103(root).endswith("when called from src/acme_relay/service.py:21")


def test_findings_are_not_kept_when_a_module_changes_while_it_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = small_project(tmp_path / "p")
    monkeypatch.chdir(root)
    lines = MAILER.splitlines(keepends=True)
    settings = Settings()
    PROJECTS.clear()
    WORKSPACE.clear()
    try:
        # the key is made with config.py as it was when the project read it ...
        kept = results.slot(lines, "mailer.py", settings)
        assert kept is not None
        # ... which changes before the analysis summarises it
        (root / "config.py").write_text(CONFIG.replace("0x20", "0x18020"), encoding="utf-8")
        found, keep = analyze_file(lines, "mailer.py", settings)
        assert not keep
        # what this run reports is the new text's (MPS102 and MPS103 are gone)
        assert {(r.line, r.code) for r in found} == {(12, "MPS401")}
        # twin: nothing changes during the run, the findings may be kept
        PROJECTS.clear()
        WORKSPACE.clear()
        assert results.slot(lines, "mailer.py", settings) is not None
        found, keep = analyze_file(lines, "mailer.py", settings)
        assert keep and {(r.line, r.code) for r in found} == {(12, "MPS401")}
    finally:
        PROJECTS.clear()
        WORKSPACE.clear()
