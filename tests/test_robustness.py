"""Robustness: whatever the input, the plugin finishes and never fails.

Every test here runs the real plugin with every rule family registered and
asserts no exception and no MPS000, and more where it can be reasoned about:

- generated programs (hypothesis + hypothesmith) with a MAPI import prepended:
  ``never`` mode reports no service-only code, ``auto`` mode reports a subset of
  ``always`` mode, and the MAPI probe appended to a program keeps its findings
  whatever comes before it;
- hostile inputs: deep nesting, long ``|`` chains, thousands of ``flags |=``,
  3,000 mutually calling functions, an 18,000-line file, NUL bytes, invalid
  UTF-8, a latin-1 coding cookie, syntax errors and syntax newer than the
  running Python.  Each runs in a subprocess (a crash of native code cannot
  take pytest down with it) under a generous timeout, which bounds a hang, and
  the pathological ones within a time bound (``HOSTILE_SECONDS``,
  ``LARGE_FILE_SECONDS``).  A hostile input gives the findings of its tame twin
  (the same code without the nesting, the repetition, the odd bytes; CRLF line
  endings or a BOM), and a broken file none, where its repaired twin gives some.

The hostile files run through flake8 with only this plugin loaded (pyflakes
itself overflows the recursion limit on some of them, which is not ours to
test), and through the engine directly, without flake8's ``ast`` tree, for the
inputs flake8 would refuse before calling any plugin.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Callable, Dict, List, Optional, Set, Tuple, TypeVar

import hypothesmith
import pytest
from conftest import FORMAT, findings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flake8_mapi_service.analysis import source as engine_source
from flake8_mapi_service.catalogue import RULES
from flake8_mapi_service.plugin import Plugin
from flake8_mapi_service.settings import SERVICE_MODES, Settings

#: generous: a hang guard, not a timing assertion
TIMEOUT = 600
#: a time bound on one flake8 or engine subprocess over a pathological input (and its
#: tame twin): observed 0.3-1.4 s each, interpreter start-up included, on a 2-core
#: machine, so ~10x the slowest
HOSTILE_SECONDS = 15.0
#: the same for the 18,000-line file (with its CRLF copy and one service, one run):
#: observed ~3.8 s
LARGE_FILE_SECONDS = 40.0
EXAMPLES = int(os.environ.get("MPS_HYPOTHESIS_EXAMPLES", "300"))
#: the codes that are not service-only: all ``--mapi-service=never`` may report
NOT_SERVICE_ONLY = frozenset(r.code for r in RULES if not r.service_only)

T = TypeVar("T")


def within(seconds: float, run: Callable[[], T]) -> T:
    """``run()``, asserting it took less than ``seconds`` (wall clock)."""
    start = time.perf_counter()
    result = run()
    elapsed = time.perf_counter() - start
    assert elapsed < seconds, f"took {elapsed:.1f} s, bound {seconds} s"
    return result


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

# the engine on each file's text as flake8 would decode it, without an ast tree
ENGINE_ONLY = """
import json, sys, tokenize
from flake8_mapi_service.runner import analyze
from flake8_mapi_service.settings import Settings
mode = sys.argv[1]
for path in sys.argv[2:]:
    try:
        with tokenize.open(path) as f:
            text = f.read()
    except (SyntaxError, UnicodeError):
        with open(path, encoding="latin-1") as f:
            text = f.read()
    results = analyze(text.splitlines(keepends=True), path, Settings.from_values(mode), None)
    print(json.dumps([[r.line, r.col, r.code] for r in results]))
"""

Found = Set[Tuple[int, int, str]]


def flake8_only_plugin_files(paths: List[Path], *args: str) -> List[Found]:
    """(line, column, code) of every finding in each file, from one flake8 run."""
    proc = subprocess.run(
        [sys.executable, "-c", ONLY_PLUGIN, f"--format={FORMAT}", *args, *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    per_file: Dict[str, Found] = {str(p): set() for p in paths}
    for path, line, col, code, _ in findings(proc.stdout):
        per_file[path].add((line, col, code))
    assert not any(code == "MPS000" for got in per_file.values() for _, _, code in got), proc.stdout
    return [per_file[str(p)] for p in paths]


def flake8_only_plugin(path: Path, *args: str) -> Found:
    return flake8_only_plugin_files([path], *args)[0]


def engine_only_files(paths: List[Path], mode: str = "always") -> List[Found]:
    proc = subprocess.run(
        [sys.executable, "-c", ENGINE_ONLY, mode, *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert proc.returncode == 0, proc.stderr
    out = []
    for line_ in proc.stdout.splitlines():
        got = {(line, col + 1, code) for line, col, code in json.loads(line_)}
        assert not any(code == "MPS000" for _, _, code in got)
        out.append(got)
    assert len(out) == len(paths), proc.stdout
    return out


def engine_only(path: Path, mode: str = "always") -> Found:
    return engine_only_files([path], mode)[0]


def codes_on(got: Set[Tuple[int, int, str]], line: int) -> Set[str]:
    return {code for ln, _, code in got if ln == line}


def by_text(got: Set[Tuple[int, int, str]], text: str) -> Set[Tuple[str, int, str]]:
    """Findings keyed by the text of their line instead of its number: a hostile
    input and its tame twin (fewer lines before the call) compare equal."""
    lines = text.splitlines()
    return {(lines[line - 1].strip(), col, code) for line, col, code in got}


def at_call(line: int, col: int) -> Set[Tuple[int, int, str]]:
    """A module-level ``mapi.MAPIInitialize(None)`` as service code: the call's MPS101 and
    the file's MPS106 (no OleInitialize) and MPS107 (no MAPIUninitialize), all at the call."""
    return {(line, col, code) for code in ("MPS101", "MPS106", "MPS107")}


def line_of(text: str, needle: str) -> int:
    """1-based line of the last line containing ``needle``."""
    return max(i for i, ln in enumerate(text.splitlines(), 1) if needle in ln)


# -- generated programs -------------------------------------------------------------

PREAMBLE = "from win32com.mapi import mapi\n"
# the probe's second call sets MAPI_NT_SERVICE: the file is service code in auto mode too
APPENDIX = (
    "\n\ndef _mps_probe(flags=0):\n"
    "    mapi.MAPIInitialize((0, flags))\n"
    "    mapi.MAPILogonEx(0, 'service', None, mapi.MAPI_NT_SERVICE | mapi.MAPI_NO_MAIL)\n"
    "    return mapi.MAPILogonEx(0, 'profile', None, flags)\n"
)


def parse_or_none(source: str) -> Optional[ast.Module]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # generated code: invalid escapes, `1()`, ...
            return ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def run_plugin(source: str, mode: str) -> List[Tuple[int, int, str]]:
    tree = parse_or_none(source)
    if tree is None:
        return []  # flake8 reports E999 and calls no plugin
    saved = Plugin.settings
    # no findings kept on disk: every example is analysed, also when hypothesis replays it
    Plugin.settings = Settings.from_values(mode, no_cache=True)
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
    probed = probe and not source.rstrip().endswith("\\")
    if probed:
        text += APPENDIX
    got = run_plugin(text, mode)
    assert not any(code == "MPS000" for _, _, code in got), got
    if mode == "never":
        # not service code: the service-only codes are never reported
        assert {code for _, _, code in got} <= NOT_SERVICE_ONLY, got
    if mode == "auto" and got:
        # auto mode is always mode with the service-only findings dropped outside services
        # (an empty result is trivially a subset: the second run is spared)
        assert set(got) <= set(run_plugin(text, "always")), got
    if mode != "never" and probed:
        first = _probe_line(source, text)
        if first is not None:
            # whatever the program before it, the probe (service code, as it sets
            # MAPI_NT_SERVICE) keeps its own findings, on its own lines
            want = want_at(first)
            assert want <= set(got), (sorted(want - set(got)), got)


#: (line within APPENDIX's def, 0-based column, code) of the probe's own findings
PROBE_FINDINGS = {(2, 4, "MPS101"), (4, 11, "MPS102"), (4, 11, "MPS103")}


def want_at(first: int) -> Set[Tuple[int, int, str]]:
    """The probe's findings when its ``def`` is on line ``first``."""
    return {(first + line - 1, col, code) for line, col, code in PROBE_FINDINGS}


def _probe_line(source: str, text: str) -> Optional[int]:
    """The line of the probe's ``def`` when the probe is sure to be intact: the program
    parses, names neither ``mapi`` nor the probe (it could rebind them), and breaks lines
    only where Python does (``str.splitlines``, which the plugin's lines come from here,
    also breaks at form feeds, ``\\x1c``, ``\\u2028`` ...).  Else None."""
    if "mapi" in source or "_mps_probe" in source:
        return None
    lines = text.splitlines()
    if len(lines) != len(re.findall(r"\r\n|\r|\n", text)):
        return None
    if parse_or_none(text) is None:
        return None
    return max(i for i, line in enumerate(lines, 1) if line.startswith("def _mps_probe("))


def test_generated_programs_really_reach_the_rules() -> None:
    # the probe appended to generated programs is analysed: it gives findings
    got = run_plugin(PREAMBLE + "x = 1\n" + APPENDIX, "always")
    assert {code for _, _, code in got} >= {"MPS101", "MPS102", "MPS103"}
    # exactly where the property test expects them (the def is line 5), with the file's
    # MPS106/MPS107 at the init
    text = PREAMBLE + "x = 1\n" + APPENDIX
    assert _probe_line("x = 1\n", text) == 5
    assert set(got) == want_at(5) | {(6, 4, "MPS106"), (6, 4, "MPS107")}
    # auto mode: the probe declares the file a service; never mode: nothing is service code
    assert run_plugin(text, "auto") == got
    assert run_plugin(text, "never") == []
    # the lines are Python's: CR and CRLF line breaks count, a form feed does not
    text = PREAMBLE + "x = 1\r\ny = 2\rz = 3\n" + APPENDIX
    assert _probe_line("x = 1\r\ny = 2\rz = 3\n", text) == 7
    assert want_at(7) <= set(run_plugin(text, "always"))
    assert _probe_line("x = 1\x0c\n", PREAMBLE + "x = 1\x0c\n" + APPENDIX) is None
    assert _probe_line("mapi = 1\n", PREAMBLE + "mapi = 1\n" + APPENDIX) is None


# -- hostile inputs --------------------------------------------------------------------------

HEAD = "from win32com.mapi import mapi\n"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _deep_parentheses(depth: int) -> str:
    return (
        HEAD + "def logon():\n"
        "    mapi.MAPIInitialize(None)\n"
        "    return mapi.MAPILogonEx(0, 'p', None, "
        + "(" * depth
        + "mapi.MAPI_NT_SERVICE"
        + ")" * depth
        + ")\n"
    )


def test_deep_parentheses(tmp_path: Path) -> None:
    text = _deep_parentheses(90)
    paths = [write(tmp_path, "parens.py", text), write(tmp_path, "tame.py", _deep_parentheses(1))]
    got, tame = within(
        HOSTILE_SECONDS, lambda: flake8_only_plugin_files(paths, "--mapi-service=always")
    )
    logon = line_of(text, "MAPILogonEx")
    assert "MPS103" in codes_on(got, logon)  # the flags were evaluated: NO_MAIL is missing
    assert "MPS102" not in codes_on(got, logon)
    # exactly the findings of one pair of parentheses (same lines, same columns)
    assert got == tame == at_call(3, 5) | {(logon, 12, "MPS103")}


def _deep_calls(depth: int) -> str:
    return (
        HEAD + "def g(x, y=0):\n    return x\n\n"
        "def logon():\n"
        "    mapi.MAPIInitialize(None)\n"
        "    return mapi.MAPILogonEx(0, 'p', None, "
        + "g(" * depth
        + "mapi.MAPI_NT_SERVICE"
        + ")" * depth
        + ")\n"
    )


def test_deep_calls(tmp_path: Path) -> None:
    text = _deep_calls(90)
    paths = [write(tmp_path, "calls.py", text), write(tmp_path, "tame.py", _deep_calls(1))]
    got, tame = within(
        HOSTILE_SECONDS, lambda: flake8_only_plugin_files(paths, "--mapi-service=always")
    )
    assert "MPS107" in codes_on(got, line_of(text, "MAPIInitialize"))
    # exactly the findings of one call of g (whose result the flags evaluation does not
    # follow: no MPS102/MPS103 at the logon, in both)
    assert got == tame == at_call(line_of(text, "MAPIInitialize"), 5)


def _or_chain(copies: int) -> str:
    terms = ["mapi.MAPI_NO_MAIL", "mapi.MAPI_NT_SERVICE", "0x8000", "mapi.MAPI_EXTENDED"] * copies
    return (
        HEAD + "FLAGS = " + " | ".join(terms) + "\n\n"
        "def logon():\n"
        "    mapi.MAPIInitialize(None)\n"
        "    return mapi.MAPILogonEx(0, 'p', None, FLAGS)\n"
    )


def test_long_or_chain_of_flags(tmp_path: Path) -> None:
    text = _or_chain(200)
    paths = [write(tmp_path, "chain.py", text), write(tmp_path, "tame.py", _or_chain(1))]
    got, tame = within(
        HOSTILE_SECONDS, lambda: flake8_only_plugin_files(paths, "--mapi-service=always")
    )
    logon = line_of(text, "MAPILogonEx")
    assert not codes_on(got, logon) & {"MPS102", "MPS103"}
    assert "MPS107" in codes_on(got, line_of(text, "MAPIInitialize"))
    # exactly the findings of the four terms once
    assert got == tame == at_call(line_of(text, "MAPIInitialize"), 5)


def _augmented(count: int) -> str:
    body = "".join(
        "    flags |= mapi.MAPI_NO_MAIL\n"
        if i % 3
        else "    if debug:\n        flags |= mapi.MAPI_LOGON_UI\n"
        for i in range(count)
    )
    return (
        HEAD
        + "def logon(debug):\n    mapi.MAPIInitialize(None)\n    flags = 0\n"
        + body
        + "    return mapi.MAPILogonEx(0, 'p', None, flags)\n"
    )


def test_five_thousand_augmented_assignments(tmp_path: Path) -> None:
    text, tame_text = _augmented(5000), _augmented(3)
    paths = [write(tmp_path, "aug.py", text), write(tmp_path, "tame.py", tame_text)]
    got, tame = within(
        HOSTILE_SECONDS, lambda: flake8_only_plugin_files(paths, "--mapi-service=always")
    )
    logon = line_of(text, "MAPILogonEx")
    assert codes_on(got, logon) & {"MPS102", "MPS103"} == {"MPS102"}
    # exactly the findings of three assignments (one maybe-UI, two NO_MAIL), the logon's
    # MPS102 there on the last line as here
    assert by_text(got, text) == by_text(tame, tame_text)
    assert got == at_call(3, 5) | {(logon, 12, "MPS102")}


def _mutual_calls(n: int) -> str:
    return (
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


def test_three_thousand_mutually_calling_functions(tmp_path: Path) -> None:
    text, tame_text = _mutual_calls(3000), _mutual_calls(3)
    paths = [write(tmp_path, "graph.py", text), write(tmp_path, "tame.py", tame_text)]
    got, tame = within(
        HOSTILE_SECONDS, lambda: flake8_only_plugin_files(paths, "--mapi-service=always")
    )
    assert "MPS107" in codes_on(got, line_of(text, "MAPIInitialize"))
    # exactly the findings of three such functions: logon's flags come from f1's result,
    # unknown in both, so only the init's findings
    assert by_text(got, text) == by_text(tame, tame_text)
    assert got == at_call(line_of(text, "MAPIInitialize"), 5)


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
    path = write(tmp_path, "large.py", text)
    # CRLF line endings (the file is parsed in pieces: cut between CRLF lines) change nothing
    crlf = tmp_path / "large_crlf.py"
    crlf.write_bytes(text.encode("utf-8").replace(b"\n", b"\r\n"))
    one = write(tmp_path, "one.py", head + SERVICE.format(i=0))
    got, got_crlf, got_one = within(
        LARGE_FILE_SECONDS, lambda: flake8_only_plugin_files([path, crlf, one])
    )
    # every copy lacks MAPI_NO_MAIL in its logon, and only that
    assert [code for _, _, code in got] == ["MPS103"] * copies
    # exactly the finding of one copy, repeated one copy further down each time
    ((line, col, code),) = got_one
    assert (line, col, code) == (line_of(head + SERVICE, "self.session = mapi"), 24, "MPS103")
    size = SERVICE.count("\n")
    assert got == {(line + i * size, col, code) for i in range(copies)}
    assert got_crlf == got


def test_crlf_and_bom_variants_give_identical_findings(tmp_path: Path) -> None:
    # a pathological input: LF, CRLF and a UTF-8 BOM give the same findings, through
    # flake8 and through the engine alone
    text = _deep_parentheses(90)
    data = text.encode("utf-8")
    paths = [write(tmp_path, "parens.py", text)]
    for variant, content in (
        ("crlf", data.replace(b"\n", b"\r\n")),
        ("bom", b"\xef\xbb\xbf" + data),
    ):
        paths.append(tmp_path / f"parens_{variant}.py")
        paths[-1].write_bytes(content)
    lf, crlf, bom = flake8_only_plugin_files(paths, "--mapi-service=always")
    assert lf == at_call(3, 5) | {(4, 12, "MPS103")}
    assert crlf == bom == lf
    assert engine_only_files(paths) == [lf, lf, lf]


# the tame twin of the odd-bytes files: the same lines, plain ASCII
TAME = HEAD + "x = ''\nmapi.MAPIInitialize(None)\n"


def test_nul_bytes(tmp_path: Path) -> None:
    path = tmp_path / "nul.py"
    path.write_bytes(HEAD.encode() + b"x = '\x00'\nmapi.MAPIInitialize(None)\n")
    tame_path = write(tmp_path, "tame.py", TAME)
    got, tame = flake8_only_plugin_files([path, tame_path], "--mapi-service=always")
    assert not {c for _, _, c in got} & {"MPS000"}
    # Python refuses a NUL byte in source, so flake8 calls no plugin: nothing from us ...
    assert got == set()
    # ... the engine itself reads through it: the findings of the twin without the NUL
    assert tame == at_call(3, 1)
    assert engine_only(path) == tame


def test_invalid_utf8(tmp_path: Path) -> None:
    path = tmp_path / "bad_utf8.py"
    path.write_bytes(HEAD.encode() + b"# caf\xe9 \xff\xfe\nmapi.MAPIInitialize(None)\n")
    # the bytes are in a comment: flake8 (latin-1 fallback) and the engine both give the
    # findings of the same file with a valid comment
    tame_path = write(tmp_path, "tame.py", HEAD + "# cafe\nmapi.MAPIInitialize(None)\n")
    got, tame = flake8_only_plugin_files([path, tame_path], "--mapi-service=always")
    assert tame == at_call(3, 1)
    assert got == tame
    assert engine_only(path) == tame


def test_latin1_coding_cookie(tmp_path: Path) -> None:
    text = (
        "# -*- coding: latin-1 -*-\n" + HEAD + "def run():\n"
        '    s = "caf\u00e9\u00e9"; mapi.MAPIInitialize(None)\n'
        "    mapi.MAPIUninitialize()\n"
    )
    path = tmp_path / "latin1.py"
    path.write_bytes(text.encode("latin-1"))
    col = text.splitlines()[3].index("mapi.MAPIInitialize") + 1
    utf8 = write(tmp_path, "utf8.py", text.replace("latin-1", "utf-8"))
    got, tame = flake8_only_plugin_files([path, utf8], "--mapi-service=always")
    from_engine = engine_only(path)
    assert (4, col, "MPS101") in got
    assert (4, col, "MPS101") in from_engine
    # exactly the findings of the same text saved as UTF-8 (columns count characters)
    assert tame == {(4, col, "MPS101"), (4, col, "MPS106")}
    assert got == from_engine == tame


# (broken text, its repaired twin, line and column of the twin's MAPIInitialize)
BROKEN = {
    "def": (
        HEAD + "def f(:\n    mapi.MAPIInitialize(None)\n",
        HEAD + "def f():\n    mapi.MAPIInitialize(None)\n",
        (3, 5),
    ),
    "call": (HEAD + "mapi.MAPIInitialize(None\n", HEAD + "mapi.MAPIInitialize(None)\n", (2, 1)),
    "indent": (
        HEAD + "if True:\nmapi.MAPIInitialize(None)\n",
        HEAD + "if True:\n    mapi.MAPIInitialize(None)\n",
        (3, 5),
    ),
    "parens": (
        HEAD + "x = ((((((\n",
        HEAD + "x = ((((((" + "mapi.MAPIInitialize(None)" + "))))))\n",
        (2, 11),
    ),
    "py2": (
        HEAD + "print 'python 2'\nmapi.MAPIInitialize(None)\n",
        HEAD + "print('python 2')\nmapi.MAPIInitialize(None)\n",
        (3, 1),
    ),
    "tabs": (
        HEAD + "def f():\n\tif x:\n        mapi.MAPIInitialize(None)\n",
        HEAD + "def f():\n    if x:\n        mapi.MAPIInitialize(None)\n",
        (4, 9),
    ),
    "string": (
        HEAD + "x = '''unterminated\n",
        HEAD + "x = '''terminated'''; mapi.MAPIInitialize(None)\n",
        (2, 23),
    ),
}


@pytest.mark.parametrize("name", list(BROKEN))
def test_syntax_errors(tmp_path: Path, name: str) -> None:
    text, repaired, (line, col) = BROKEN[name]
    path = write(tmp_path, "broken.py", text)
    fixed = write(tmp_path, "repaired.py", repaired)
    got, twin = flake8_only_plugin_files([path, fixed], "--mapi-service=always")
    assert not got
    # positive twin: the repaired file reports its call, through flake8 and the engine
    assert twin == at_call(line, col)
    # libcst refuses the broken one too: the engine alone reports nothing either
    assert engine_only_files([path, fixed]) == [set(), at_call(line, col)]


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
    from_flake8 = flake8_only_plugin(path, "--mapi-service=always")
    got = engine_only(path)
    if got:  # libcst could parse it: the finding is where the call is
        assert (line_of(text, "MAPIInitialize"), 1, "MPS101") in got
    # exactly the findings of the call, wherever a parser reads the file: the engine when
    # libcst parses it, flake8 when this Python parses it too (else flake8 calls no plugin)
    want = at_call(line_of(text, "MAPIInitialize"), 1)
    libcst_parses = engine_source.parse(text) is not None
    assert got == (want if libcst_parses else set())
    python_parses = parse_or_none(text) is not None
    assert from_flake8 == (want if python_parses and libcst_parses else set())


def test_engine_on_deep_nesting_python_refuses(tmp_path: Path) -> None:
    # Python refuses more than 200 nested parentheses before flake8 calls any
    # plugin; the engine alone must still not fail on them
    text = HEAD + "x = " + "(" * 400 + "1" + ")" * 400 + "\nmapi.MAPIInitialize(None)\n"
    paths = [
        write(tmp_path, "deeper.py", text),
        write(tmp_path, "tame.py", HEAD + "x = (1)\nmapi.MAPIInitialize(None)\n"),
    ]
    got, tame = within(HOSTILE_SECONDS, lambda: engine_only_files(paths))
    # the findings of the same file with one pair of parentheses
    assert got == tame == at_call(3, 1)


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
