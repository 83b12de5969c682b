"""The project under stress: cycles, 2,000 modules, loops in the tree, unreadable and
foreign files, virtual environments, caches that cannot be written, corrupt or
shared.  None may crash, hang or change a finding."""

from __future__ import annotations

import json
import os
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Dict, List, Set, Tuple

import pytest
from conftest import OTHERS_OFF, findings, run_flake8
from hypothesis import given, settings
from hypothesis import strategies as st

from flake8_mapi_service.analysis.cache import _checksum

if TYPE_CHECKING:
    from flake8_mapi_service.analysis.project import Project

#: generous bounds (10x what this 2-core machine takes), so that they never flake
THOUSANDS_SECONDS = 120.0
ONE_FILE_SECONDS = 60.0

Finding = Tuple[str, int, str, str]

SERVICE = '''\
"""The service."""

import pythoncom
import win32serviceutil
from win32com.mapi import mapi

import mailer


class Svc(win32serviceutil.ServiceFramework):
    _svc_name_ = "Svc"

    def SvcDoRun(self):
        pythoncom.OleInitialize()
        mapi.MAPIInitialize((mapi.MAPI_INIT_VERSION, mapi.MAPI_NT_SERVICE))
        mailer.run()
        mapi.MAPIUninitialize()
'''
MAILER = '''\
"""The MAPI side."""

import time

from win32com.mapi import mapi

import config


def run():
    session = mapi.MAPILogonEx(0, "P", None, config.FLAGS)
    time.sleep(config.PAUSE)
    session.Logoff(0, 0, 0)
'''
CONFIG = "FLAGS = 0x20  # MAPI_EXTENDED only\nPAUSE = 5\n"
#: (path, line, code) the small project gives
EXPECTED = {
    ("mailer.py", 11, "MPS102"),
    ("mailer.py", 11, "MPS103"),
    ("mailer.py", 12, "MPS401"),
}


def small_project(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    (root / "service.py").write_text(SERVICE, encoding="utf-8")
    (root / "mailer.py").write_text(MAILER, encoding="utf-8")
    (root / "config.py").write_text(CONFIG, encoding="utf-8")
    return root


def lint(root: Path, *args: str, timeout_ok: float = THOUSANDS_SECONDS) -> Set[Finding]:
    start = time.perf_counter()
    proc = run_flake8([OTHERS_OFF, *args], cwd=root)
    took = time.perf_counter() - start
    assert took < timeout_ok, took
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    out = set()
    for path, line, _, code, text in findings(proc.stdout):
        if code.startswith("MPS"):
            out.add((path[2:] if path.startswith("./") else path, line, code, text))
    assert not any(f[2] == "MPS000" for f in out), out
    return out


def codes(found: Set[Finding]) -> Set[Tuple[str, int, str]]:
    return {(p, line, code) for p, line, code, _ in found}


def test_the_small_project(tmp_path: Path) -> None:
    root = small_project(tmp_path / "p")
    assert codes(lint(root, "--mapi-no-cache", ".")) == EXPECTED


def test_an_import_cycle_of_calls_and_values(tmp_path: Path) -> None:
    root = small_project(tmp_path / "p")
    # config imports mailer back and defines its flags through mailer's own name
    (root / "config.py").write_text(
        "import mailer\n\nFLAGS = 0x20\nPAUSE = mailer.LOCAL_PAUSE\n", encoding="utf-8"
    )
    (root / "mailer.py").write_text(
        MAILER + "\nLOCAL_PAUSE = config.PAUSE\n\n\ndef ping():\n    run()\n    ping()\n",
        encoding="utf-8",
    )
    whole = lint(root, "--mapi-no-cache", ".")
    # the pause is defined through a cycle of values: unknown, so no MPS401
    assert codes(whole) == EXPECTED - {("mailer.py", 12, "MPS401")}
    alone = lint(root, "--mapi-no-cache", "mailer.py")
    assert alone == whole


def test_two_thousand_modules_and_a_call_chain_through_them(tmp_path: Path) -> None:
    root = tmp_path / "big"
    root.mkdir()
    (root / "setup.cfg").write_text("[metadata]\nname = big\n", encoding="utf-8")
    count = 2000
    (root / "service.py").write_text(
        SERVICE.replace("import mailer", "import step0000").replace(
            "mailer.run()", "step0000.run()"
        ),
        encoding="utf-8",
    )
    for i in range(count):
        nxt = f"step{i + 1:04d}"
        body = f"import {nxt}\n\n\ndef run():\n    {nxt}.run()\n"
        if i == count - 1:
            body = "import time\n\n\ndef run():\n    time.sleep(1)\n"
        (root / f"step{i:04d}.py").write_text(body, encoding="utf-8")
    # the wait at the end of the chain is on the MAPI thread, 2,000 calls deep
    last = f"step{count - 1:04d}.py"
    alone = lint(root, "--mapi-no-cache", last, timeout_ok=ONE_FILE_SECONDS)
    assert codes(alone) == {(last, 5, "MPS401")}
    whole = lint(root, "--mapi-no-cache", "-j2", ".")
    assert whole == alone


def test_a_symlink_loop_and_a_link_to_a_folder_are_not_followed(tmp_path: Path) -> None:
    root = small_project(tmp_path / "p")
    (root / "sub").mkdir()
    os.symlink("..", root / "sub" / "loop")
    os.symlink(str(root), root / "again")
    assert codes(lint(root, "--mapi-no-cache", "service.py", "mailer.py")) == EXPECTED


def test_unreadable_and_undecodable_modules_contribute_nothing(tmp_path: Path) -> None:
    root = small_project(tmp_path / "p")
    # config.py is a dangling link now (cannot be read), and a helper is not UTF-8
    (root / "config.py").unlink()
    os.symlink("nowhere.py", root / "config.py")
    (root / "helper.py").write_bytes(b"FLAGS = 0x20\n# \xff\xfe not UTF-8\n")
    (root / "mailer.py").write_text(MAILER + "\nimport helper\n", encoding="utf-8")
    found = lint(root, "--mapi-no-cache", "mailer.py", "service.py")
    # the flags and the pause come from a module that cannot be read: unknown
    assert codes(found) == set()
    # near miss turned positive: the same project with the module readable
    (root / "config.py").unlink()
    (root / "config.py").write_text(CONFIG, encoding="utf-8")
    assert codes(lint(root, "--mapi-no-cache", "mailer.py")) == EXPECTED


def test_a_file_outside_the_root_is_analysed_alone(tmp_path: Path) -> None:
    root = small_project(tmp_path / "p")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    shutil.copy(root / "mailer.py", outside / "mailer.py")
    found = lint(root, "--mapi-no-cache", f"--mapi-project-root={root}", str(outside / "mailer.py"))
    # alone, mailer.py is not service code and its flags are unknown: nothing
    assert codes(found) == set()
    inside = lint(root, "--mapi-no-cache", f"--mapi-project-root={root}", "mailer.py")
    assert codes(inside) == EXPECTED


def test_a_virtual_environment_inside_the_root_is_never_read(tmp_path: Path) -> None:
    root = small_project(tmp_path / "p")
    # a venv (pyvenv.cfg) and a .venv hold a module the service would import...
    for venv in (root / "env", root / ".venv"):
        (venv / "lib").mkdir(parents=True)
        (venv / "pyvenv.cfg").write_text("home = /usr/bin\n", encoding="utf-8")
    (root / "env" / "extra.py").write_text("import time\n\n\ndef go():\n    time.sleep(9)\n")
    (root / "site-packages").mkdir()
    (root / "site-packages" / "extra.py").write_text(
        "import time\n\n\ndef go():\n    time.sleep(9)\n"
    )
    (root / "service.py").write_text(
        SERVICE.replace("import mailer", "import mailer\nimport extra").replace(
            "mailer.run()", "mailer.run()\n        extra.go()"
        ),
        encoding="utf-8",
    )
    found = lint(root, "--mapi-no-cache", ".")
    assert codes(found) == EXPECTED
    assert not any("env" in p or "site-packages" in p for p, _, _ in codes(found))
    # positive twin: the same module in the project is read (and its wait reported)
    (root / "extra.py").write_text("import time\n\n\ndef go():\n    time.sleep(9)\n")
    assert codes(lint(root, "--mapi-no-cache", ".")) == EXPECTED | {("extra.py", 5, "MPS401")}


def test_a_cache_that_cannot_be_written_is_skipped(tmp_path: Path) -> None:
    root = small_project(tmp_path / "p")
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n", encoding="utf-8")
    found = lint(root, f"--mapi-cache-dir={blocker / 'cache'}", ".")
    assert codes(found) == EXPECTED
    readonly = tmp_path / "readonly"
    readonly.mkdir()
    readonly.chmod(0o555)
    try:
        assert lint(root, f"--mapi-cache-dir={readonly}", ".") == found
    finally:
        readonly.chmod(0o755)


def _entries(cache: Path) -> List[Path]:
    """The summary entries (the scan memo is ``scan/*.json``)."""
    return sorted(cache.rglob("*.mps"))


def _header(entry: Path) -> Dict[str, str]:
    return dict(json.loads(entry.read_bytes().split(b"\n", 1)[0]))


def _with_header(entry: Path, **changes: str) -> None:
    head, payload = entry.read_bytes().split(b"\n", 1)
    header = {**json.loads(head), **changes}
    entry.write_bytes(json.dumps(header).encode() + b"\n" + payload)


def test_corrupt_cache_entries_change_nothing(tmp_path: Path) -> None:
    root = small_project(tmp_path / "p")
    cache = tmp_path / "cache"
    cold = lint(root, f"--mapi-cache-dir={cache}", ".")
    assert codes(cold) == EXPECTED
    entries = _entries(cache)
    assert len(entries) >= 3
    assert (cache / ".gitignore").read_text(encoding="utf-8").splitlines()[-1] == "*"
    damage = [
        lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]),  # truncated
        lambda p: p.write_bytes(b"\x00\xff garbage"),
        lambda p: _with_header(p, check="0"),
        lambda p: _with_header(p, version="0"),
        lambda p: _with_header(p, digest="0"),
        # a payload that is not a summary (with its right checksum)
        lambda p: p.write_bytes(
            p.read_bytes()
            .split(b"\n", 1)[0]
            .replace(_header(p)["check"].encode(), _checksum(b"[]").encode())
            + b"\n[]"
        ),
        lambda p: p.write_bytes(p.read_bytes()[:-1] + bytes([p.read_bytes()[-1] ^ 1])),
        lambda p: p.write_text("{}\n"),
    ]
    for harm in damage:
        for entry in _entries(cache):
            harm(entry)
        # the findings kept on disk would spare reading the summaries (tests/test_results.py)
        shutil.rmtree(cache / "findings")
        assert lint(root, f"--mapi-cache-dir={cache}", ".") == cold
        # the damaged entries were written again, whole
        for entry in _entries(cache):
            assert set(_header(entry)) == {"version", "digest", "check"}
            assert _header(entry)["check"] == _checksum(entry.read_bytes().split(b"\n", 1)[1])
    assert lint(root, f"--mapi-cache-dir={cache}", "mailer.py") == {
        f for f in cold if f[0] == "mailer.py"
    }


def test_two_runs_sharing_a_cold_cache(tmp_path: Path) -> None:
    root = small_project(tmp_path / "p")
    for i in range(8):
        (root / f"extra{i}.py").write_text(
            f"import mailer\n\n\ndef go{i}():\n    mailer.run()\n", encoding="utf-8"
        )
    cache = tmp_path / "shared"
    args = [f"--mapi-cache-dir={cache}", "."]
    with ThreadPoolExecutor(max_workers=2) as pool:
        first, second = pool.map(lambda _: lint(root, *args), range(2))
    assert first == second
    assert codes(first) == EXPECTED
    assert not list(cache.rglob(".tmp-*"))  # no half-written entry left behind
    assert lint(root, *args) == first


def test_the_cache_is_keyed_by_content(tmp_path: Path) -> None:
    root = small_project(tmp_path / "p")
    cache = f"--mapi-cache-dir={tmp_path / 'cache'}"
    assert codes(lint(root, cache, ".")) == EXPECTED
    (root / "config.py").write_text(CONFIG.replace("0x20", "0x18020"), encoding="utf-8")
    # a stale summary of config.py must not be used: the flags now have both bits
    assert codes(lint(root, cache, ".")) == {("mailer.py", 12, "MPS401")}


# -- the scan memo: what a read of each file told, trusted while its stat is unchanged --


def _later(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reads are recorded as made a minute from now: a memo entry of a file that
    changed less than two seconds before it was read is not trusted, and these
    files were all written just now."""
    from flake8_mapi_service.analysis import project

    monkeypatch.setattr(project, "now_ns", lambda: time.time_ns() + 60_000_000_000)


def _counting_project(root: Path, cache: Path, reads: List[str]) -> Project:
    from flake8_mapi_service.analysis.project import Project
    from flake8_mapi_service.prefilter import lowered_bytes_concern_mapi

    class Counting(Project):
        def _bytes(self, path: str):  # type: ignore[no-untyped-def]
            reads.append(os.path.basename(path))
            return super()._bytes(path)

    return Counting(str(root), lowered_bytes_concern_mapi, (), str(cache))


def test_the_scan_memo_spares_reading_unchanged_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = small_project(tmp_path / "p")
    (root / "plain.py").write_text("import config\n\nX = config.PAUSE\n", encoding="utf-8")
    _later(monkeypatch)
    cache = tmp_path / "cache"
    reads: List[str] = []
    first = _counting_project(root, cache, reads)
    relevant = first.relevance()
    digests = {m: first.digest(m) for m in first.index.paths}
    first.save_memo()
    assert set(reads) == {"config.py", "mailer.py", "plain.py", "service.py"}
    reads.clear()
    second = _counting_project(root, cache, reads)
    assert second.relevance() == relevant
    assert {m: second.digest(m) for m in second.index.paths} == digests
    assert reads == []  # nothing was read: the memo told it all
    assert second.imports_of("plain.py") == {"config.py"}


def test_the_scan_memo_rereads_changed_and_just_changed_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = small_project(tmp_path / "p")
    (root / "plain.py").write_text("X = 1\n", encoding="utf-8")
    _later(monkeypatch)
    cache = tmp_path / "cache"
    reads: List[str] = []
    first = _counting_project(root, cache, reads)
    assert "plain.py" not in first.relevance()
    first.save_memo()
    # plain.py now concerns MAPI; it was changed just now (so also racy)
    (root / "plain.py").write_text("from win32com.mapi import mapi\n", encoding="utf-8")
    monkeypatch.undo()
    reads.clear()
    second = _counting_project(root, cache, reads)
    assert "plain.py" in second.relevance()
    assert reads == ["plain.py"]
    second.save_memo()
    # read again next time too: it changed less than two seconds before it was read
    reads.clear()
    third = _counting_project(root, cache, reads)
    assert "plain.py" in third.relevance()
    assert reads == ["plain.py"]


def test_a_racy_memo_entry_is_not_trusted() -> None:
    from flake8_mapi_service.analysis.scanmemo import RACY_NS, Entry, ScanMemo

    memo = ScanMemo.__new__(ScanMemo)
    memo.entries = {}
    stat = (10 * RACY_NS, 10 * RACY_NS, 42, 7)
    memo.entries["a.py"] = Entry(stat, 10 * RACY_NS + RACY_NS // 2, True, False, [], "")
    assert memo.get("a.py", stat) is None  # read within the clock's granularity
    memo.entries["a.py"] = Entry(stat, 12 * RACY_NS, True, False, [], "")
    assert memo.get("a.py", stat) is not None
    assert memo.get("a.py", (stat[0], stat[1], 43, 7)) is None  # another size
    assert memo.get("a.py", (stat[0], stat[1] + 1, 42, 7)) is None  # changed since


def test_a_corrupt_scan_memo_changes_nothing(tmp_path: Path) -> None:
    root = small_project(tmp_path / "p")
    cache = tmp_path / "cache"
    cold = lint(root, f"--mapi-cache-dir={cache}", ".")
    memos = list((cache / "scan").glob("*.json"))
    assert len(memos) == 1
    good = json.loads(memos[0].read_text(encoding="utf-8"))
    assert set(good["entries"]) == {"config.py", "mailer.py", "service.py"}
    damage = [
        b"",
        b"{]",
        json.dumps({**good, "entries": {"mailer.py": [[1, 2], 3]}}).encode(),
        json.dumps({**good, "entries": {"mailer.py": "x"}}).encode(),
        json.dumps({**good, "version": "0"}).encode(),
    ]
    for harm in damage:
        memos[0].write_bytes(harm)
        assert lint(root, f"--mapi-cache-dir={cache}", ".") == cold
        assert lint(root, f"--mapi-cache-dir={cache}", "service.py") == {
            f for f in cold if f[0] == "service.py"
        }
        # written again, whole
        assert set(json.loads(memos[0].read_text(encoding="utf-8"))["entries"]) == set(
            good["entries"]
        )


# -- the import scan: only lines holding "import" are tried; the same as every line --

_LINES = st.sampled_from(
    [
        "import a",
        "import a.b as c, d",
        "  import x \\",
        "    , y",
        "from . import m",
        "from ..p import (q,",
        "    r as s)",
        "from a import b  # import c",
        "x = 'import z'",
        "important = 1",
        "def f(): import g; import h",
        "from\timport_thing import k",
        "\timport\tt",
        "from p import *",
        "",
        "# from q import r",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_LINES, max_size=12), st.sampled_from(["\n", ""]))
def test_scanning_import_lines_is_scanning_every_line(lines: List[str], end: str) -> None:
    from flake8_mapi_service.analysis.project import _FROM, _IMPORT, _NAME, scan_imports

    text = "\n".join(lines) + end
    expected: List[str] = []
    for m in _IMPORT.finditer(text):
        for item in m.group(1).replace("\\\n", " ").split(","):
            words = item.split()
            if words and _NAME.fullmatch(words[0]):
                expected.append(words[0])
    for m in _FROM.finditer(text):
        if not m.group(1):
            continue
        expected.append(m.group(1))
        sep = "" if m.group(1).endswith(".") else "."
        for item in m.group(2).strip("()").replace("\\\n", " ").split(","):
            words = item.split()
            if words and _NAME.fullmatch(words[0]):
                expected.append(m.group(1) + sep + words[0])
    assert sorted(scan_imports(text)) == sorted(expected)
