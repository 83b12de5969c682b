"""``fix`` across modules: a flags constant gets its bits where it is written."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Set, Tuple

from conftest import FIXTURES, OTHERS_OFF, findings, run_flake8

PROJECT = FIXTURES / "projects" / "package_layout"


def copy(tmp_path: Path) -> Path:
    root = tmp_path / "package_layout"
    shutil.copytree(PROJECT, root, ignore=shutil.ignore_patterns(".mapi_service_cache"))
    return root


def fix(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flake8_mapi_service.cli", "fix", *args],
        cwd=str(root),
        capture_output=True,
        text=True,
        timeout=300,
    )


def lint(root: Path) -> Set[Tuple[str, int, str]]:
    proc = run_flake8([OTHERS_OFF, "--mapi-no-cache", "."], cwd=root)
    assert proc.returncode in (0, 1), proc.stderr
    return {(p[2:], line, code) for p, line, _, code, _ in findings(proc.stdout)}


def test_the_constant_is_fixed_in_the_module_that_writes_it(tmp_path: Path) -> None:
    root = copy(tmp_path)
    mailer = (root / "mailsvc/mailer.py").read_bytes()
    assert ("mailsvc/mailer.py", 16, "MPS102") in lint(root)
    proc = fix(root, "mailsvc/mailer.py")
    assert proc.returncode == 1, proc.stderr  # something was fixed
    assert "mailsvc/mailer.py:16:12: MPS102 fixed" in proc.stdout
    assert "mailsvc/mailer.py:16:12: MPS103 fixed" in proc.stdout
    # the call is untouched; config.py's constant has the bits, in its own spelling
    assert (root / "mailsvc/mailer.py").read_bytes() == mailer
    config = (root / "mailsvc/config.py").read_text(encoding="utf-8")
    # one line would be 97 characters: the constant is wrapped (flake8's default limit, 79)
    assert (
        "LOGON_FLAGS = (\n"
        "    mapi.MAPI_EXTENDED\n"
        "    | mapi.MAPI_USE_DEFAULT\n"
        "    | mapi.MAPI_NT_SERVICE\n"
        "    | mapi.MAPI_NO_MAIL\n"
        ")\n"
    ) in config
    assert lint(root) == {("mailsvc/mailer.py", 24, "MPS401")}
    # idempotent: nothing left to fix
    again = fix(root, "mailsvc/mailer.py")
    assert again.returncode == 0, again.stdout + again.stderr


def test_diff_shows_every_file_and_writes_nothing(tmp_path: Path) -> None:
    root = copy(tmp_path)
    before = {p: p.read_bytes() for p in root.rglob("*.py")}
    proc = fix(root, "--diff", "mailsvc/mailer.py")
    assert proc.returncode == 1
    assert "--- a/mailsvc/config.py\n+++ b/mailsvc/config.py\n" in proc.stdout
    assert "-LOGON_FLAGS = mapi.MAPI_EXTENDED | mapi.MAPI_USE_DEFAULT\n" in proc.stdout
    assert "+LOGON_FLAGS = (\n" in proc.stdout
    assert {p: p.read_bytes() for p in root.rglob("*.py")} == before


def test_the_other_module_follows_the_line_limit_of_the_config(tmp_path: Path) -> None:
    root = copy(tmp_path)
    (root / "setup.cfg").write_text("[flake8]\nmax-line-length = 100\n", encoding="utf-8")
    proc = fix(root, "mailsvc/mailer.py")
    assert proc.returncode == 1, proc.stderr
    config = (root / "mailsvc/config.py").read_text(encoding="utf-8")
    assert (
        "LOGON_FLAGS = mapi.MAPI_EXTENDED | mapi.MAPI_USE_DEFAULT | mapi.MAPI_NT_SERVICE"
        " | mapi.MAPI_NO_MAIL\n"
    ) in config


def test_a_constant_read_elsewhere_is_fixed_at_the_call(tmp_path: Path) -> None:
    root = copy(tmp_path)
    # another module reads LOGON_FLAGS for something else: changing it would change that
    (root / "mailsvc/audit.py").write_text(
        "from . import config\n\n\ndef describe():\n    return hex(config.LOGON_FLAGS)\n",
        encoding="utf-8",
    )
    config = (root / "mailsvc/config.py").read_bytes()
    proc = fix(root, "mailsvc/mailer.py")
    assert proc.returncode == 1, proc.stderr
    assert (root / "mailsvc/config.py").read_bytes() == config
    mailer = (root / "mailsvc/mailer.py").read_text(encoding="utf-8")
    assert (
        "mapi.MAPILogonEx(0, config.PROFILE, None, config.LOGON_FLAGS | mapi.MAPI_NT_SERVICE"
        " | mapi.MAPI_NO_MAIL)"
    ) in mailer
    assert lint(root) == {("mailsvc/mailer.py", 24, "MPS401")}


def test_single_file_mode_from_the_config_is_honoured(tmp_path: Path) -> None:
    # with the project off, the constant's value is unknown: no finding, nothing to fix
    root = copy(tmp_path)
    (root / "setup.cfg").write_text("[flake8]\nmapi-single-file = true\n", encoding="utf-8")
    before = {p: p.read_bytes() for p in root.rglob("*.py")}
    proc = fix(root, "mailsvc/mailer.py")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert {p: p.read_bytes() for p in root.rglob("*.py")} == before


def test_a_module_flake8_excludes_is_neither_read_nor_edited(tmp_path: Path) -> None:
    root = copy(tmp_path)
    (root / "setup.cfg").write_text("[flake8]\nextend-exclude = mailsvc/config.py\n", "utf-8")
    config = (root / "mailsvc/config.py").read_bytes()
    proc = fix(root, "mailsvc/mailer.py")
    # flake8 does not see the constant, so it reports nothing there: nor does fix
    assert (proc.returncode, proc.stdout) == (0, ""), proc.stdout + proc.stderr
    assert (root / "mailsvc/config.py").read_bytes() == config
    # twin: without the exclude, config.py is edited
    (root / "setup.cfg").write_text("[flake8]\n", "utf-8")
    assert fix(root, "mailsvc/mailer.py").returncode == 1
    assert (root / "mailsvc/config.py").read_bytes() != config


def test_an_edited_module_keeps_its_mixed_line_endings(tmp_path: Path) -> None:
    # twin with LF only: what the fix writes there is what it must write here, line for line
    plain = copy(tmp_path / "plain")
    assert fix(plain, "mailsvc/mailer.py").returncode == 1
    expected = (plain / "mailsvc/config.py").read_bytes()
    assert expected != (PROJECT / "mailsvc/config.py").read_bytes()
    root = copy(tmp_path / "mixed")
    path = root / "mailsvc/config.py"
    lines = path.read_bytes().split(b"\n")
    mixed = b"\n".join(line + b"\r" if i < 3 else line for i, line in enumerate(lines))
    path.write_bytes(mixed)
    assert fix(root, "mailsvc/mailer.py").returncode == 1
    fixed = path.read_bytes()
    # the first three lines keep CRLF; the edited constant (LF) and its new lines use LF
    assert fixed.count(b"\r\n") == 3
    assert fixed.split(b"\n")[:3] == mixed.split(b"\n")[:3]
    assert fixed.replace(b"\r\n", b"\n") == expected


def test_a_read_only_module_is_not_replaced(tmp_path: Path) -> None:
    root = copy(tmp_path)
    path = root / "mailsvc/config.py"
    before = path.read_bytes()
    path.chmod(0o444)
    try:
        proc = fix(root, "mailsvc/mailer.py")
        assert proc.returncode == 1
        assert "mailsvc/config.py: cannot be written (read-only file)" in proc.stderr
        why = "not fixed: mailsvc/config.py cannot be written"
        assert f"mailsvc/mailer.py:16:12: MPS102 {why}" in proc.stdout
        assert "MPS102 fixed" not in proc.stdout
        assert path.read_bytes() == before
    finally:
        path.chmod(0o644)
    # twin: writable, it is fixed
    assert fix(root, "mailsvc/mailer.py").returncode == 1
    assert path.read_bytes() != before


HELPER = """from win32com.mapi import mapi


def init_mapi(flags):
    mapi.MAPIInitialize((mapi.MAPI_INIT_VERSION, flags))
"""
SERVICE = """import pythoncom
import win32serviceutil
from win32com.mapi import mapi

import helper


class Svc(win32serviceutil.ServiceFramework):
    def SvcDoRun(self):
        pythoncom.OleInitialize()
        helper.init_mapi(mapi.MAPI_MULTITHREAD_NOTIFICATIONS)
        mapi.MAPIUninitialize()
"""
DESKTOP = """import helper

helper.init_mapi(0)
"""


def test_flags_from_callers_that_are_not_all_service_code_are_left(tmp_path: Path) -> None:
    """Adding MAPI_NT_SERVICE where the helper uses its parameter would change what a
    desktop tool that calls the same helper passes: left to fix by hand."""
    root = tmp_path / "shared"
    root.mkdir()
    (root / "setup.cfg").write_text("[flake8]\n", "utf-8")
    for name, text in (("helper", HELPER), ("service", SERVICE), ("desktop", DESKTOP)):
        (root / f"{name}.py").write_text(text, "utf-8")
    assert ("helper.py", 5, "MPS101") in lint(root)
    proc = fix(root, ".")
    assert proc.returncode == 1, proc.stderr
    assert (
        "./helper.py:5:5: MPS101 not fixed: the flags come from the callers of init_mapi, "
        "and desktop.py:3 is not service code"
    ) in proc.stdout
    assert (root / "helper.py").read_text("utf-8") == HELPER
    # twin: with service code its only caller, the call gets the bit
    (root / "desktop.py").unlink()
    proc = fix(root, ".")
    assert "./helper.py:5:5: MPS101 fixed" in proc.stdout, proc.stdout + proc.stderr
    fixed = (root / "helper.py").read_text("utf-8")
    assert "(mapi.MAPI_INIT_VERSION, flags | mapi.MAPI_NT_SERVICE)" in fixed
    assert ("helper.py", 5, "MPS101") not in lint(root)


WAITS = """import pythoncom
import win32con
import win32event


def wait(stop):
    while True:
        rc = win32event.MsgWaitForMultipleObjects([stop], 0, 500, win32con.QS_TIMER)
        if rc == win32event.WAIT_OBJECT_0 + 1:
            pythoncom.PumpWaitingMessages()
        else:
            break
"""


def test_a_wake_mask_in_a_module_that_never_names_mapi_is_fixed(tmp_path: Path) -> None:
    # MPS404 is the one fixable code whose call is not MAPI's: a helper module of the
    # service without the word "mapi" in it still gets its fix
    root = tmp_path / "waits"
    root.mkdir()
    (root / "setup.cfg").write_text("[flake8]\n", "utf-8")
    (root / "waits.py").write_text(WAITS, "utf-8")
    (root / "svc.py").write_text(
        "import win32serviceutil\n\nimport waits\n\n\n"
        "class S(win32serviceutil.ServiceFramework):\n"
        "    def SvcDoRun(self):\n"
        "        waits.wait(self.stop)\n",
        "utf-8",
    )
    assert lint(root) == {("waits.py", 8, "MPS404")}
    proc = fix(root, "waits.py")
    assert proc.returncode == 1, proc.stderr
    assert "waits.py:8:14: MPS404 fixed" in proc.stdout
    assert "win32con.QS_TIMER | QS_ALLPOSTMESSAGE" in (root / "waits.py").read_text("utf-8")
    assert lint(root) == set()


def test_an_attribute_named_like_a_parameter_is_not_flags_from_callers(tmp_path: Path) -> None:
    # ``mapi.MAPI_MULTITHREAD_NOTIFICATIONS`` reads an attribute of the module, not the
    # helper's parameter of that name: the desktop caller is no reason to leave it
    root = tmp_path / "attr"
    root.mkdir()
    (root / "setup.cfg").write_text("[flake8]\n", "utf-8")
    helper = HELPER.replace(
        "def init_mapi(flags):", "def init_mapi(MAPI_MULTITHREAD_NOTIFICATIONS):"
    )
    helper = helper.replace(", flags))", ", mapi.MAPI_MULTITHREAD_NOTIFICATIONS))")
    for name, text in (("helper", helper), ("service", SERVICE), ("desktop", DESKTOP)):
        (root / f"{name}.py").write_text(text, "utf-8")
    assert ("helper.py", 5, "MPS101") in lint(root)
    proc = fix(root, ".")
    assert "./helper.py:5:5: MPS101 fixed" in proc.stdout, proc.stdout + proc.stderr
    assert ("helper.py", 5, "MPS101") not in lint(root)
