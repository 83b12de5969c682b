"""Robustness: whatever the input, the plugin finishes and never fails.

Every test here runs the real plugin with every rule family registered and
asserts no exception and no MPS000:

- generated programs (hypothesis + hypothesmith) with a MAPI import prepended;
- hostile inputs: deep nesting, long ``|`` chains, thousands of ``flags |=``,
  3,000 mutually calling functions, an 18,000-line file, NUL bytes, invalid
  UTF-8, a latin-1 coding cookie, syntax errors and syntax newer than the
  running Python.  Each runs in a subprocess (a crash of native code cannot
  take pytest down with it) under a generous timeout, which bounds its time
  without timing it.

The hostile files run through flake8 with only this plugin loaded (pyflakes
itself overflows the recursion limit on some of them, which is not ours to
test), and through the engine directly, without flake8's ``ast`` tree, for the
inputs flake8 would refuse before calling any plugin.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Dict, List, Set, Tuple

import hypothesmith
import pytest
from conftest import FORMAT, findings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flake8_mapi_service.plugin import Plugin
from flake8_mapi_service.settings import SERVICE_MODES, Settings

#: generous: a hang guard, not a timing assertion
TIMEOUT = 600
EXAMPLES = int(os.environ.get("MPS_HYPOTHESIS_EXAMPLES", "300"))

# flake8 with only this plugin (and flake8's own reporters)
ONLY_PLUGIN = """
import sys
from flake8.plugins import finder
found = finder._find_importlib_plugins
def only():
    for p in found():
        if p.package == "flake8-mapi-service" or p.entry_point.group == "flake8.report":
            yield p
finder._find_importlib_plugins = only
from flake8.main.cli import main
sys.exit(main(sys.argv[1:]))
"""

# the engine on a file's text as flake8 would decode it, without an ast tree
ENGINE_ONLY = """
import json, sys, tokenize
from flake8_mapi_service.runner import analyze
from flake8_mapi_service.settings import Settings
path, mode = sys.argv[1], sys.argv[2]
try:
    with tokenize.open(path) as f:
        text = f.read()
except (SyntaxError, UnicodeError):
    with open(path, encoding="latin-1") as f:
        text = f.read()
results = analyze(text.splitlines(keepends=True), path, Settings.from_values(mode), None)
print(json.dumps([[r.line, r.col, r.code] for r in results]))
"""


def flake8_only_plugin(path: Path, *args: str) -> Set[Tuple[int, int, str]]:
    proc = subprocess.run(
        [sys.executable, "-c", ONLY_PLUGIN, f"--format={FORMAT}", *args, str(path)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    got = {(line, col, code) for _, line, col, code, _ in findings(proc.stdout)}
    assert not any(code == "MPS000" for _, _, code in got), proc.stdout
    return got


def engine_only(path: Path, mode: str = "always") -> Set[Tuple[int, int, str]]:
    proc = subprocess.run(
        [sys.executable, "-c", ENGINE_ONLY, str(path), mode],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert proc.returncode == 0, proc.stderr
    got = {(line, col + 1, code) for line, col, code in json.loads(proc.stdout)}
    assert not any(code == "MPS000" for _, _, code in got)
    return got


def codes_on(got: Set[Tuple[int, int, str]], line: int) -> Set[str]:
    return {code for ln, _, code in got if ln == line}


def line_of(text: str, needle: str) -> int:
    """1-based line of the last line containing ``needle``."""
    return max(i for i, ln in enumerate(text.splitlines(), 1) if needle in ln)


# -- generated programs -------------------------------------------------------------

PREAMBLE = "from win32com.mapi import mapi\n"
APPENDIX = (
    "\n\ndef _mps_probe(flags=0):\n"
    "    mapi.MAPIInitialize((0, flags))\n"
    "    return mapi.MAPILogonEx(0, 'profile', None, flags)\n"
)


def run_plugin(source: str, mode: str) -> List[Tuple[int, int, str]]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # generated code: invalid escapes, `1()`, ...
            tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []  # flake8 reports E999 and calls no plugin
    saved = Plugin.settings
    Plugin.settings = Settings.from_values(mode)
    try:
        plugin = Plugin(tree, source.splitlines(keepends=True), "generated.py")
        return [(line, col, message.split()[0]) for line, col, message, _ in plugin.run()]
    finally:
        Plugin.settings = saved


@pytest.mark.filterwarnings("ignore::SyntaxWarning", "ignore::DeprecationWarning")
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
@given(
    source=hypothesmith.from_grammar(),
    mode=st.sampled_from(SERVICE_MODES),
    probe=st.booleans(),
)
def test_generated_programs(source: str, mode: str, probe: bool) -> None:
    text = PREAMBLE + source
    if probe and not source.rstrip().endswith("\\"):
        text += APPENDIX
    got = run_plugin(text, mode)
    assert not any(code == "MPS000" for _, _, code in got), got


def test_generated_programs_really_reach_the_rules() -> None:
    # the probe appended to generated programs is analysed: it gives findings
    got = run_plugin(PREAMBLE + "x = 1\n" + APPENDIX, "always")
    assert {code for _, _, code in got} >= {"MPS101", "MPS102", "MPS103"}


# -- hostile inputs --------------------------------------------------------------------------

HEAD = "from win32com.mapi import mapi\n"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_deep_parentheses(tmp_path: Path) -> None:
    text = (
        HEAD + "def logon():\n"
        "    mapi.MAPIInitialize(None)\n"
        "    return mapi.MAPILogonEx(0, 'p', None, "
        + "(" * 90
        + "mapi.MAPI_NT_SERVICE"
        + ")" * 90
        + ")\n"
    )
    got = flake8_only_plugin(write(tmp_path, "parens.py", text), "--mapi-service=always")
    logon = line_of(text, "MAPILogonEx")
    assert "MPS103" in codes_on(got, logon)  # the flags were evaluated: NO_MAIL is missing
    assert "MPS102" not in codes_on(got, logon)


def test_deep_calls(tmp_path: Path) -> None:
    text = (
        HEAD + "def g(x, y=0):\n    return x\n\n"
        "def logon():\n"
        "    mapi.MAPIInitialize(None)\n"
        "    return mapi.MAPILogonEx(0, 'p', None, "
        + "g(" * 90
        + "mapi.MAPI_NT_SERVICE"
        + ")" * 90
        + ")\n"
    )
    got = flake8_only_plugin(write(tmp_path, "calls.py", text), "--mapi-service=always")
    assert "MPS107" in codes_on(got, line_of(text, "MAPIInitialize"))


def test_long_or_chain_of_flags(tmp_path: Path) -> None:
    terms = ["mapi.MAPI_NO_MAIL", "mapi.MAPI_NT_SERVICE", "0x8000", "mapi.MAPI_EXTENDED"] * 200
    text = (
        HEAD + "FLAGS = " + " | ".join(terms) + "\n\n"
        "def logon():\n"
        "    mapi.MAPIInitialize(None)\n"
        "    return mapi.MAPILogonEx(0, 'p', None, FLAGS)\n"
    )
    got = flake8_only_plugin(write(tmp_path, "chain.py", text), "--mapi-service=always")
    logon = line_of(text, "MAPILogonEx")
    assert not codes_on(got, logon) & {"MPS102", "MPS103"}
    assert "MPS107" in codes_on(got, line_of(text, "MAPIInitialize"))


def test_five_thousand_augmented_assignments(tmp_path: Path) -> None:
    body = "".join(
        "    flags |= mapi.MAPI_NO_MAIL\n"
        if i % 3
        else "    if debug:\n        flags |= mapi.MAPI_LOGON_UI\n"
        for i in range(5000)
    )
    text = (
        HEAD
        + "def logon(debug):\n    mapi.MAPIInitialize(None)\n    flags = 0\n"
        + body
        + "    return mapi.MAPILogonEx(0, 'p', None, flags)\n"
    )
    got = flake8_only_plugin(write(tmp_path, "aug.py", text), "--mapi-service=always")
    logon = line_of(text, "MAPILogonEx")
    assert codes_on(got, logon) & {"MPS102", "MPS103"} == {"MPS102"}


def test_three_thousand_mutually_calling_functions(tmp_path: Path) -> None:
    n = 3000
    text = (
        HEAD
        + "".join(
            f"def f{i}(flags):\n    return f{(i + 1) % n}(flags | {i % 7})\n\n" for i in range(n)
        )
        + "def logon(flags=0):\n"
        "    mapi.MAPIInitialize(None)\n"
        "    f0(flags)\n"
        "    return mapi.MAPILogonEx(0, 'p', None, flags)\n\n"
        "logon(f1(0))\n"
    )
    got = flake8_only_plugin(write(tmp_path, "graph.py", text), "--mapi-service=always")
    assert "MPS107" in codes_on(got, line_of(text, "MAPIInitialize"))


SERVICE = """
class Service{i}(win32serviceutil.ServiceFramework):
    _svc_name_ = "Service{i}"
    _svc_display_name_ = "Service {i}"

    def __init__(self, args):
        win32serviceutil.ServiceFramework.__init__(self, args)
        self.stop_event = win32event.CreateEvent(None, 0, 0, None)
        self.session = None

    def SvcStop(self):
        self.ReportServiceStatus(win32service.SERVICE_STOP_PENDING)
        win32event.SetEvent(self.stop_event)

    def SvcDoRun(self):
        pythoncom.OleInitialize()
        mapi.MAPIInitialize((mapi.MAPI_INIT_VERSION, mapi.MAPI_NT_SERVICE))
        flags = mapi.MAPI_NT_SERVICE | mapi.MAPI_EXTENDED
        if self.args:
            flags |= mapi.MAPI_NEW_SESSION
        self.session = mapi.MAPILogonEx(0, "profile{i}", None, flags)
        try:
            while True:
                rc = win32event.MsgWaitForMultipleObjects(
                    (self.stop_event,), 0, 1000, win32event.QS_ALLINPUT
                )
                if rc == win32event.WAIT_OBJECT_0:
                    break
                pythoncom.PumpWaitingMessages()
        finally:
            self.session.Logoff(0, 0, 0)
            mapi.MAPIUninitialize()
"""


def test_eighteen_thousand_line_file(tmp_path: Path) -> None:
    head = (
        "import pythoncom\nimport win32event\nimport win32service\n"
        "import win32serviceutil\nfrom win32com.mapi import mapi\n"
    )
    copies = 18_000 // SERVICE.count("\n") + 1
    text = head + "".join(SERVICE.format(i=i) for i in range(copies))
    assert text.count("\n") >= 18_000
    got = flake8_only_plugin(write(tmp_path, "large.py", text))
    # every copy lacks MAPI_NO_MAIL in its logon, and only that
    assert [code for _, _, code in got] == ["MPS103"] * copies


def test_nul_bytes(tmp_path: Path) -> None:
    path = tmp_path / "nul.py"
    path.write_bytes(HEAD.encode() + b"x = '\x00'\nmapi.MAPIInitialize(None)\n")
    assert not {c for _, _, c in flake8_only_plugin(path, "--mapi-service=always")} & {"MPS000"}
    engine_only(path)


def test_invalid_utf8(tmp_path: Path) -> None:
    path = tmp_path / "bad_utf8.py"
    path.write_bytes(HEAD.encode() + b"# caf\xe9 \xff\xfe\nmapi.MAPIInitialize(None)\n")
    flake8_only_plugin(path, "--mapi-service=always")
    engine_only(path)


def test_latin1_coding_cookie(tmp_path: Path) -> None:
    text = (
        "# -*- coding: latin-1 -*-\n" + HEAD + "def run():\n"
        '    s = "caf\u00e9\u00e9"; mapi.MAPIInitialize(None)\n'
        "    mapi.MAPIUninitialize()\n"
    )
    path = tmp_path / "latin1.py"
    path.write_bytes(text.encode("latin-1"))
    col = text.splitlines()[3].index("mapi.MAPIInitialize") + 1
    got = flake8_only_plugin(path, "--mapi-service=always")
    assert (4, col, "MPS101") in got
    assert (4, col, "MPS101") in engine_only(path)


@pytest.mark.parametrize(
    "text",
    [
        HEAD + "def f(:\n    mapi.MAPIInitialize(None)\n",
        HEAD + "mapi.MAPIInitialize(None\n",
        HEAD + "if True:\nmapi.MAPIInitialize(None)\n",
        HEAD + "x = ((((((\n",
        HEAD + "print 'python 2'\nmapi.MAPIInitialize(None)\n",
        HEAD + "def f():\n\tif x:\n        mapi.MAPIInitialize(None)\n",
        HEAD + "x = '''unterminated\n",
    ],
    ids=["def", "call", "indent", "parens", "py2", "tabs", "string"],
)
def test_syntax_errors(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, "broken.py", text)
    assert not flake8_only_plugin(path, "--mapi-service=always")
    engine_only(path)


NEWER: Dict[str, str] = {
    "type-alias-3.12": "type Flags = int\n",
    "generic-def-3.12": "def first[T](xs: list[T]) -> T:\n    return xs[0]\n",
    "fstring-3.12": 'x = f"{"nested"}"\n',
    "except-star-3.11": "try:\n    pass\nexcept* ValueError:\n    pass\n",
    "match-3.10": "match x:\n    case [a, *rest]:\n        pass\n",
    "t-string-3.14": 'x = t"{name}"\n',
}


@pytest.mark.parametrize("name", sorted(NEWER))
def test_syntax_newer_than_python(tmp_path: Path, name: str) -> None:
    text = HEAD + NEWER[name] + "mapi.MAPIInitialize(None)\n"
    path = write(tmp_path, "newer.py", text)
    flake8_only_plugin(path, "--mapi-service=always")
    got = engine_only(path)
    if got:  # libcst could parse it: the finding is where the call is
        assert (line_of(text, "MAPIInitialize"), 1, "MPS101") in got


def test_engine_on_deep_nesting_python_refuses(tmp_path: Path) -> None:
    # Python refuses more than 200 nested parentheses before flake8 calls any
    # plugin; the engine alone must still not fail on them
    text = HEAD + "x = " + "(" * 400 + "1" + ")" * 400 + "\nmapi.MAPIInitialize(None)\n"
    engine_only(write(tmp_path, "deeper.py", text))


def test_syntax_probes_are_real(tmp_path: Path) -> None:
    # the newer-syntax cases are not all parseable by this Python (else the
    # test above would prove nothing about the positions fallback)
    refused: List[str] = []
    for name, body in NEWER.items():
        try:
            ast.parse(body)
        except SyntaxError:
            refused.append(name)
    if sys.version_info < (3, 14):
        assert refused
