"""Benchmark inputs generated from the project's own ``fixtures/``.

* ``service_corpus``: a few hundred MAPI-dense service modules.  Each module
  joins three consecutive fixtures (a realistic module of a few hundred lines),
  with the top-level classes and functions of each part renamed so that no two
  parts of a file define the same name.
* ``large_service_file``: one service module of about 18,000 lines, built the
  same way from as many fixture parts as it takes.
* ``stdlib_project``: stdlib modules copied into a project of their own.
* ``generated_project``: about 300 modules, copies of a fixture project (MAPI
  and service code across modules) importing copies of ordinary code.
* ``large_service_class``: one service module of about 20,000 lines that is a
  single ``ServiceFramework`` subclass: its service methods (the shape of
  ``fixtures/pump/tutorial_service.py``) and as many generated MAPI helper
  methods as it takes, so that the file has no top-level statement to cut at.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import List, Sequence, Tuple

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"

_FUTURE = re.compile(r"^from __future__ import [^\n]*\n", re.MULTILINE)


def fixture_sources(fixtures: Path = FIXTURES) -> List[str]:
    """The text of every fixture that Python can parse, sorted by path."""
    out: List[str] = []
    for path in sorted(fixtures.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        try:
            ast.parse(text)
        except SyntaxError:
            continue
        out.append(text)
    if not out:
        raise SystemExit(f"no parseable fixtures under {fixtures}")
    return out


def _top_level_names(text: str) -> List[str]:
    names = []
    for node in ast.parse(text).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(node.name)
    return names


def renamed(text: str, suffix: str) -> str:
    """``text`` with its top-level classes and functions renamed ``<name><suffix>``
    (not attribute accesses of the same name) and without ``__future__`` imports."""
    text = _FUTURE.sub("", text)
    for name in _top_level_names(text):
        text = re.sub(rf"(?<![\w.]){re.escape(name)}\b", name + suffix, text)
    return text


def _join(parts: Sequence[str]) -> str:
    return "from __future__ import annotations\n\n" + "\n\n".join(parts)


def service_corpus(directory: Path, count: int = 300, per_file: int = 3) -> List[Path]:
    sources = fixture_sources()
    directory.mkdir(parents=True, exist_ok=True)
    paths: List[Path] = []
    for i in range(count):
        parts = [
            renamed(sources[(i * per_file + k) % len(sources)], f"_{k}") for k in range(per_file)
        ]
        path = directory / f"service_{i:04d}.py"
        path.write_text(_join(parts), encoding="utf-8")
        paths.append(path)
    return paths


def large_service_file(path: Path, lines: int = 18_000) -> Path:
    sources = fixture_sources()
    parts: List[str] = []
    total = 0
    i = 0
    while total < lines:
        part = renamed(sources[i % len(sources)], f"_{i}")
        parts.append(part)
        total += part.count("\n") + 2
        i += 1
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_join(parts), encoding="utf-8")
    return path


def stdlib_project(directory: Path, sample: Sequence[Path]) -> Path:
    """A project of its own (a root marker) holding copies of stdlib modules."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "pyproject.toml").write_text("[project]\nname = 'stdlib-sample'\n")
    for path in sample:
        (directory / path.name).write_bytes(path.read_bytes())
    return directory


def generated_project(
    directory: Path, ordinary_sources: Sequence[Path], apps: int = 8, ordinary: int = 268
) -> Tuple[Path, List[Path]]:
    """A project of about 300 modules: ``apps`` copies of the package_layout fixture
    project (a service, a mailer, a config module and the package's ``__init__``:
    MAPI and service code calling across modules), each importing a few of
    ``ordinary`` modules copied from ``ordinary_sources`` (code without MAPI).
    Returns the root and the MAPI modules."""
    template = FIXTURES / "projects" / "package_layout" / "mailsvc"
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "pyproject.toml").write_text("[project]\nname = 'generated'\n")
    lib = directory / "ordinary"
    lib.mkdir(exist_ok=True)
    (lib / "__init__.py").write_text('"""Ordinary code: no MAPI here."""\n')
    for i in range(ordinary):
        source = ordinary_sources[i % len(ordinary_sources)]
        (lib / f"lib_{i:03d}.py").write_bytes(source.read_bytes())
    mapi_modules: List[Path] = []
    for a in range(apps):
        package = directory / f"app{a}"
        package.mkdir(exist_ok=True)
        for module in sorted(template.glob("*.py")):
            text = module.read_text(encoding="utf-8")
            if module.name == "mailer.py":
                picks = [(a * 7 + k * 13) % ordinary for k in range(3)]
                text = text.replace(
                    "from . import config\n",
                    "from . import config\n"
                    + "".join(f"from ordinary import lib_{p:03d}  # noqa: F401\n" for p in picks),
                )
            (package / module.name).write_text(text, encoding="utf-8")
            mapi_modules.append(package / module.name)
    return directory, mapi_modules


_CLASS_HEAD = '''"""One Windows service whose class holds all of its MAPI work."""

import pythoncom
import servicemanager
import win32event
import win32service
import win32serviceutil
from win32com.mapi import mapi

INIT = (mapi.MAPI_INIT_VERSION, mapi.MAPI_NT_SERVICE)
LOGON = mapi.MAPI_EXTENDED | mapi.MAPI_NO_MAIL | mapi.MAPI_NT_SERVICE


class MailboxService(win32serviceutil.ServiceFramework):
    """Polls every mailbox it is configured for."""

    _svc_name_ = "MailboxService"
    _svc_display_name_ = "Mailbox service"

    def __init__(self, args):
        win32serviceutil.ServiceFramework.__init__(self, args)
        self.hWaitStop = win32event.CreateEvent(None, 0, 0, None)
        self.session = None
        self.debug = False

    def SvcStop(self):
        self.ReportServiceStatus(win32service.SERVICE_STOP_PENDING)
        win32event.SetEvent(self.hWaitStop)

    def SvcDoRun(self):
        pythoncom.OleInitialize()
        mapi.MAPIInitialize(INIT)
        self.session = mapi.MAPILogonEx(0, "", None, LOGON)
        while True:
            rc = win32event.MsgWaitForMultipleObjects(
                (self.hWaitStop,), 0, 1000, win32event.QS_ALLINPUT
            )
            if rc == win32event.WAIT_OBJECT_0:
                break
            pythoncom.PumpWaitingMessages()
            self.poll_0()
        self.session.Logoff(0, 0, 0)
        mapi.MAPIUninitialize()
'''

_CLASS_METHODS = '''
    def poll_{i}(self):
        """Mailbox {i}: open its store, read its inbox, go on with the next."""
        store = self.open_store_{i}()
        inbox = store.GetReceiveFolder("IPM.Note", 0)
        table = store.OpenEntry(inbox[0], None, mapi.MAPI_BEST_ACCESS).GetContentsTable(0)
        rows = table.QueryRows(50, 0)
        for row in rows:
            servicemanager.LogInfoMsg("mailbox {i}: %d properties" % len(row))
        self.poll_{next}()

    def open_store_{i}(self):
        stores = self.session.GetMsgStoresTable(0)
        rows = stores.QueryRows(1, 0)
        flags = mapi.MDB_NO_DIALOG | mapi.MAPI_BEST_ACCESS
        if self.debug:
            flags |= mapi.MDB_WRITE
        return self.session.OpenMsgStore(0, rows[0][0][1], None, flags)

    def relogon_{i}(self, profile):
        flags = mapi.MAPI_EXTENDED | mapi.MAPI_NT_SERVICE
        if self.debug:
            flags |= mapi.MAPI_NEW_SESSION
        self.session = mapi.MAPILogonEx(0, profile, None, flags)  # MPS103
        return self.session

    def wait_{i}(self, timeout):
        rc = win32event.MsgWaitForMultipleObjects(
            (self.hWaitStop,), 0, timeout, win32event.QS_ALLINPUT
        )
        if rc == win32event.WAIT_OBJECT_0 + 1:
            pythoncom.PumpWaitingMessages()
        return rc
'''


def large_service_class(path: Path, lines: int = 20_000) -> Path:
    """One module of about ``lines`` lines that is a single service class."""
    parts = [_CLASS_HEAD]
    total = _CLASS_HEAD.count("\n")
    per_group = _CLASS_METHODS.count("\n")
    groups = max(1, (lines - total) // per_group)
    for i in range(groups):
        following = i + 1 if i + 1 < groups else 0
        parts.append(_CLASS_METHODS.format(i=i, next=following))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(parts), encoding="utf-8")
    return path


_FIX_HEAD = '''"""Generated: a service with thousands of MAPI calls for ``fix`` to repair."""

import pythoncom
import win32serviceutil
from win32com.mapi import mapi

PROFILE = "Bench"


class BenchService(win32serviceutil.ServiceFramework):
    _svc_name_ = "Bench"
    _svc_display_name_ = "Bench"

    def SvcDoRun(self):
        pythoncom.OleInitialize()
        mapi.MAPIInitialize(None)
        try:
            for job in JOBS:
                job()
        finally:
            mapi.MAPIUninitialize()
'''

#: the calls of one generated function, each with what ``fix`` repairs there
_FIX_CALLS = (
    # MPS102, MPS103: inline flags
    "    s{n} = mapi.MAPILogonEx(0, PROFILE, None, mapi.MAPI_EXTENDED)\n",
    # MPS102, MPS103: flags omitted
    "    s{n} = mapi.MAPILogonEx(0, PROFILE)\n",
    # MPS201: a UI bit
    "    s{n} = mapi.MAPILogonEx(\n"
    "        0, PROFILE, None, mapi.MAPI_NT_SERVICE | mapi.MAPI_NO_MAIL | mapi.MAPI_LOGON_UI\n"
    "    )\n",
    # MPS102, MPS103: a local variable used once
    "    flags{n} = mapi.MAPI_EXTENDED | mapi.MAPI_USE_DEFAULT\n"
    "    s{n} = mapi.MAPILogonEx(0, PROFILE, None, flags{n})\n",
)


def fix_calls_file(path: Path, calls: int = 5_000, per_function: int = 10) -> Path:
    """A service module with ``calls`` MAPI calls that ``fix`` repairs, ``per_function``
    to a module function (every form of ``_FIX_CALLS`` in turn)."""
    parts = [_FIX_HEAD]
    names = []
    for f in range(0, calls, per_function):
        name = f"job_{f // per_function}"
        names.append(name)
        parts.append(f"\n\ndef {name}():\n")
        for n in range(f, min(f + per_function, calls)):
            parts.append(_FIX_CALLS[n % len(_FIX_CALLS)].format(n=n))
        parts.append("    return None\n")
    parts.append("\n\nJOBS = [\n" + "".join(f"    {n},\n" for n in names) + "]\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(parts), encoding="utf-8")
    return path
