"""MPS201-MPS205 and MPS301-MPS303 beyond the fixtures: messages, options from a
config file, service detection, and bindings that must not count as MAPI or UI."""

from __future__ import annotations

from pathlib import Path
from typing import List, Set, Tuple

from conftest import FIXTURES, OTHERS_OFF, findings, mps, run_flake8
from test_fixtures import expectations, options

SERVICE = (
    "import win32serviceutil\n\n\n"
    "class Svc(win32serviceutil.ServiceFramework):\n"
    '    _svc_name_ = "Svc"\n\n'
    "    def SvcDoRun(self):\n"
    "        work()\n\n\n"
)


def lint(tmp_path: Path, body: str, *args: str, name: str = "svc.py") -> List[Tuple[int, str, str]]:
    (tmp_path / name).write_text(body, encoding="utf-8")
    proc = run_flake8([OTHERS_OFF, *args, name], cwd=tmp_path)
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    return [(line, code, text) for _, line, _, code, text in findings(proc.stdout)]


def codes(result: List[Tuple[int, str, str]]) -> Set[Tuple[int, str]]:
    return {(line, code) for line, code, _ in result}


def test_messages_name_the_flags_and_the_call(tmp_path: Path) -> None:
    body = SERVICE + (
        "from win32com.mapi import mapi\n\n\n"
        "def work():\n"
        "    s = mapi.MAPILogonEx(0, 'P', None, mapi.MAPI_NT_SERVICE | mapi.MAPI_NO_MAIL\n"
        "                         | mapi.MAPI_LOGON_UI | mapi.MAPI_PASSWORD_UI)\n"
        "    s.OpenMsgStore(0, None, None, mapi.MDB_WRITE)\n"
    )
    result = lint(tmp_path, body)
    texts = {code: text for _, code, text in result}
    assert texts["MPS201"] == (
        "MAPILogonEx with MAPI_LOGON_UI | MAPI_PASSWORD_UI can show a logon dialog (service code)"
    )
    assert texts["MPS204"] == "OpenMsgStore without MDB_NO_DIALOG can show a dialog (service code)"
    # reported where the call starts, not where its flags are
    assert (15, "MPS201") in codes(result)


def _ui_and_sending(output: str) -> Set[Tuple[str, int, str]]:
    """(fixture path, line, code) of every MPS2xx/MPS3xx finding in flake8's output."""
    return {
        (Path(path).resolve().relative_to(FIXTURES).as_posix(), line, code)
        for path, line, _, code, _ in findings(output)
        if code.startswith(("MPS2", "MPS3"))
    }


def test_service_mode_never_silences_every_ui_and_sending_code() -> None:
    files = sorted(str(p) for p in (FIXTURES / "ui").glob("*.py")) + sorted(
        str(p) for p in (FIXTURES / "sending").glob("*.py")
    )
    proc = run_flake8([OTHERS_OFF, "--mapi-service=never", *files])
    assert proc.returncode in (0, 1), proc.stderr
    found = {code for _, code in mps(proc.stdout)}
    assert not {c for c in found if c.startswith(("MPS2", "MPS3"))}, found
    # positive twin: the same files in auto mode report the MPS2xx/MPS3xx findings their
    # trailing comments expect (fixtures that need their own options are left out)
    auto = run_flake8([OTHERS_OFF, *files])
    assert auto.returncode == 1, auto.stderr
    plain = {
        Path(p).relative_to(FIXTURES).as_posix(): Path(p) for p in files if not options(Path(p))
    }
    want = {
        (rel, line, code)
        for rel, path in plain.items()
        for line, code in expectations(path)
        if code.startswith(("MPS2", "MPS3"))
    }
    assert len(want) > 40, want
    got = {f for f in _ui_and_sending(auto.stdout) if f[0] in plain}
    assert got == want, sorted(got ^ want)


def test_a_module_of_your_own_named_mapi_is_not_mapi(tmp_path: Path) -> None:
    body = SERVICE + (
        "import mapi\n\n\n"
        "def work():\n"
        "    mapi.MAPILogon(0, None, None, 1, 0, None)\n"
        "    mapi.MAPISendMail(0, 0, None, 8, 0)\n"
        "    mapi.MAPIAddress(0, 0, None, 0, None, 0, None, 0, 0, None, None)\n"
    )
    assert not {c for _, c in codes(lint(tmp_path, body)) if c.startswith(("MPS2", "MPS3"))}
    # positive twin: the same calls (same lines) through mapi32.dll are Simple MAPI
    twin = body.replace("import mapi\n\n", "import ctypes\nmapi = ctypes.windll.mapi32\n")
    assert codes(lint(tmp_path, twin, name="twin.py")) == {
        (15, "MPS201"),
        (15, "MPS301"),
        (16, "MPS202"),
        (16, "MPS301"),
        (17, "MPS203"),
    }


def test_shadowed_ui_names_are_not_ui(tmp_path: Path) -> None:
    body = SERVICE + (
        "import servicemanager\n\n\n"
        "def input(prompt):\n"
        "    servicemanager.LogInfoMsg(prompt)\n\n\n"
        "def work(MessageBox):\n"
        "    input('x')\n"
        "    MessageBox(0, 'a', 'b', 0)\n"
    )
    assert "MPS205" not in {c for _, c in codes(lint(tmp_path, body))}
    # positive twin: the builtin input, not shadowed by a function of the module
    unshadowed = body.replace("def input(prompt)", "def log_input(prompt)")
    assert codes(lint(tmp_path, unshadowed, name="twin.py")) == {(19, "MPS205")}
    # a parameter shadows win32api's MessageBox imported by the module; unshadowed, it is UI
    imported = body.replace(
        "import servicemanager\n", "import servicemanager; from win32api import MessageBox\n"
    )
    assert codes(lint(tmp_path, imported, name="imported.py")) == set()
    twin = imported.replace("def work(MessageBox)", "def work(box)")
    assert codes(lint(tmp_path, twin, name="twin2.py")) == {(20, "MPS205")}


def test_extra_ui_calls_and_server_services_from_a_config_file(tmp_path: Path) -> None:
    (tmp_path / "setup.cfg").write_text(
        "[flake8]\nmapi-extra-ui-calls = acme.ui.alert\nmapi-server-services = MSEMS, ACME\n",
        encoding="utf-8",
    )
    body = SERVICE + (
        "from acme.ui import alert\n"
        "from win32com.mapi import mapi\n\n\n"
        "def work():\n"
        "    alert('x')\n"
        "    s = mapi.MAPILogonEx(0, 'P', None, mapi.MAPI_NT_SERVICE | mapi.MAPI_NO_MAIL)\n"
        "    a = s.AdminServices(0)\n"
        "    a.CreateMsgService('acme', None, 0, 0)\n"
        "    a.CreateMsgService(b'MSPST MS', None, 0, 0)\n"
        "    s.OpenMsgStore(0, None, None, 1).OpenEntry(None, None, 0)"
        ".CreateMessage(None, 0).SubmitMessage(0)\n"
    )
    got = codes(lint(tmp_path, body))
    assert (16, "MPS205") in got
    assert (20, "MPS303") in got  # bytes name, not in the list
    assert (19, "MPS303") not in got  # ACME is listed (case-insensitive)


def test_outlook_progid_variants(tmp_path: Path) -> None:
    body = SERVICE + (
        "import win32com.client\n\n"
        "PROGID = 'OUTLOOK.APPLICATION.15'\n\n\n"
        "def work(other):\n"
        "    win32com.client.Dispatch(PROGID)\n"
        "    win32com.client.Dispatch(dispatch='Outlook.Application')\n"
        "    win32com.client.Dispatch('Outlook.Application.Helper')\n"
        "    win32com.client.Dispatch(other)\n"
    )
    got = codes(lint(tmp_path, body))
    assert {(line, code) for line, code in got if code == "MPS302"} == {
        (17, "MPS302"),
        (18, "MPS302"),
    }


UI_CALLS = [
    ("import win32ui", "win32ui.CreateColorDialog(0)"),
    ("import win32ui", "win32ui.CreatePropertySheet('Settings')"),
    ("import win32gui", "win32gui.CreateDialogIndirect(None, [], None, None)"),
    ("import win32gui", "win32gui.DialogBoxIndirectParam(None, [], None, None, 0)"),
    ("from pywin.mfc import dialog", "dialog.GetSimpleInput('Name?')"),
    ("import ctypes", "ctypes.windll.user32.MessageBoxA(None, b'a', b'b', 0)"),
    ("import ctypes", "ctypes.WinDLL('user32.dll').DialogBoxParamW(None, 1, None, None, 0)"),
    ("import tkinter.colorchooser", "tkinter.colorchooser.askcolor()"),
    ("import wx", "wx.PySimpleApp()"),
    ("import builtins", "builtins.input()"),
    ("from getpass import getpass", "getpass()"),
] + [
    (f"from {pkg} import QtWidgets as {pkg}_widgets", f"{pkg}_widgets.{call}")
    for pkg in ("PyQt5", "PyQt6", "PySide2", "PySide6")
    for call in ("QApplication([])", "QDialog()", "QMessageBox.about(None, 'a', 'b')")
]


def test_every_ui_binding_is_reported(tmp_path: Path) -> None:
    lines = [imp for imp, _ in UI_CALLS] + [call for _, call in UI_CALLS]
    body = "\n".join(lines) + "\n"
    got = codes(lint(tmp_path, body, "--mapi-service=always"))
    first = len(UI_CALLS) + 1
    want = {(first + i, "MPS205") for i in range(len(UI_CALLS))}
    assert got == want, sorted(got ^ want)


def test_not_ui(tmp_path: Path) -> None:
    body = (
        "import ctypes, win32api, win32gui, win32con\n"
        "from PyQt5 import QtWidgets, QtCore\n"
        "win32gui.CreateWindow('cls', 'hidden', 0, 0, 0, 0, 0, 0, 0, None, None)\n"
        "win32api.MessageBeep(win32con.MB_OK)\n"
        "QtCore.QCoreApplication([])\n"
        "QtWidgets.QApplication.instance()\n"
        "QtWidgets.QMessageBox.StandardButton(1)\n"
        "ctypes.windll.user32.MessageBoxW(None, 'a', 'b', 0x200000 | 0x40)\n"
        "ctypes.windll.user32.MessageBoxExW(None, 'a', 'b', 0x200000, 0x0409)\n"
    )
    assert not codes(lint(tmp_path, body, "--mapi-service=always"))
    # positive twin: each line changed to its UI neighbour is reported, on its line
    twin = (
        "import ctypes, win32api, win32gui, win32con\n"
        "from PyQt5 import QtWidgets, QtCore\n"
        "win32gui.MessageBox(None, 'hidden', 'cls', 0)\n"
        "win32api.MessageBox(0, 'a', 'b', win32con.MB_OK)\n"
        "QtWidgets.QApplication([])\n"
        "QtWidgets.QDialog()\n"
        "QtWidgets.QMessageBox.about(None, 'a', 'b')\n"
        "ctypes.windll.user32.MessageBoxW(None, 'a', 'b', 0x40)\n"
        "ctypes.windll.user32.MessageBoxExW(None, 'a', 'b', 0x0, 0x0409)\n"
    )
    got = codes(lint(tmp_path, twin, "--mapi-service=always", name="twin.py"))
    assert got == {(line, "MPS205") for line in range(3, 10)}
