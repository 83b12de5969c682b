"""The flake8 entry: MPS000 instead of tracebacks, silence on unparsable files,
and the text check that keeps libcst out of files that cannot concern MAPI."""

from __future__ import annotations

import ast
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any, List

import pytest
from conftest import FORMAT, findings, mps, run_flake8

import flake8_mapi_service.runner as runner
from flake8_mapi_service.analysis import source
from flake8_mapi_service.plugin import Plugin
from flake8_mapi_service.prefilter import may_concern_mapi
from flake8_mapi_service.settings import Settings

SOURCE = textwrap.dedent(
    """\
    import win32serviceutil
    from win32com.mapi import mapi


    class Service(win32serviceutil.ServiceFramework):
        def SvcDoRun(self):
            mapi.MAPIInitialize(None)
            mapi.MAPIUninitialize()
    """
)


def _run_plugin(source: str, filename: str = "svc.py") -> List[Any]:
    lines = source.splitlines(True)
    try:
        tree: Any = ast.parse(source)
    except SyntaxError:
        tree = None
    return list(Plugin(tree, lines, filename).run())


@pytest.fixture(autouse=True)
def default_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(Plugin, "settings", Settings())
    # a new project each test: findings kept by another test (results.py) are not seen
    monkeypatch.chdir(tmp_path)


def test_findings_in_process() -> None:
    got = [(line, col, text.split()[0]) for line, col, text, _ in _run_plugin(SOURCE)]
    assert got == [(7, 8, "MPS101"), (7, 8, "MPS106")]


# -- MPS000 ------------------------------------------------------------------------------


class Boom(Exception):
    pass


def _boom(*args: object, **kwargs: object) -> None:
    raise Boom("analysis bug")


def test_an_engine_exception_becomes_one_mps000(monkeypatch: pytest.MonkeyPatch) -> None:
    # Fault injection, on purpose: MPS000 is the safety net for a bug in the engine, and no
    # known input makes the engine raise (every such input found so far was fixed, and
    # test_robustness.py asserts that generated and hostile inputs never give MPS000).
    # Only an engine that raises reaches this branch of Plugin.run.
    monkeypatch.setattr(runner, "analyze_file", _boom)
    got = _run_plugin(SOURCE)
    assert len(got) == 1
    line, col, text, cls = got[0]
    assert (line, col) == (1, 0)
    assert text.startswith("MPS000 ")
    assert "(Boom)" in text
    assert cls is Plugin


def test_a_rule_exception_becomes_one_mps000(monkeypatch: pytest.MonkeyPatch) -> None:
    from flake8_mapi_service.rules.init_logon import InitFlags

    # Fault injection, on purpose: no real input makes a rule raise (that would be a bug,
    # and test_robustness.py asserts no input gives MPS000), so a rule whose check raises
    # is the only way to show that such a bug becomes one MPS000 and not a traceback.
    def broken(self: object, site: object, an: object) -> None:
        raise KeyError("x")

    monkeypatch.setattr(InitFlags, "check", broken)
    got = _run_plugin(SOURCE)
    assert [(line, col, text.split()[0]) for line, col, text, _ in got] == [(1, 0, "MPS000")]
    assert "(KeyError)" in got[0][2]


def _flake8_with_a_broken_engine(
    tmp_path: Path, exc: str, files: List[str]
) -> subprocess.CompletedProcess:
    """flake8 in a subprocess whose engine raises ``exc`` on every file.  Fault injection:
    no real input makes the engine raise (see test_an_engine_exception_becomes_one_mps000)."""
    script = textwrap.dedent(
        f"""\
        import sys
        import flake8_mapi_service.runner as runner

        def boom(*args, **kwargs):
            raise {exc}("analysis bug")

        runner.analyze_file = boom
        from flake8.main.cli import main
        sys.exit(main(["-j1", "--format={FORMAT}", *{files!r}]))
        """
    )
    return subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True
    )


def test_mps000_through_flake8_has_no_traceback(tmp_path: Path) -> None:
    (tmp_path / "svc.py").write_text(SOURCE, encoding="utf-8")
    (tmp_path / "desktop.py").write_text("import os\n\nprint(os.sep)\n", encoding="utf-8")
    proc = _flake8_with_a_broken_engine(tmp_path, "ZeroDivisionError", ["svc.py", "desktop.py"])
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    got = [(p, line, col, code) for p, line, col, code, _ in findings(proc.stdout)]
    assert got == [("svc.py", 1, 1, "MPS000")]
    assert "(ZeroDivisionError)" in proc.stdout


def test_noqa_mps000_is_honoured(tmp_path: Path) -> None:
    # the documented workaround: silence the file's first line
    (tmp_path / "svc.py").write_text("# noqa: MPS000\n" + SOURCE, encoding="utf-8")
    proc = _flake8_with_a_broken_engine(tmp_path, "ValueError", ["svc.py"])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout == ""
    # positive twin: the same first line naming another code does not silence MPS000
    (tmp_path / "other.py").write_text("# noqa: MPS101\n" + SOURCE, encoding="utf-8")
    proc = _flake8_with_a_broken_engine(tmp_path, "ValueError", ["other.py"])
    assert proc.returncode == 1, proc.stdout + proc.stderr
    got = [(p, line, col, code) for p, line, col, code, _ in findings(proc.stdout)]
    assert got == [("other.py", 1, 1, "MPS000")]


# -- unparsable files -------------------------------------------------------------------------


def test_a_file_libcst_cannot_parse_gets_no_finding() -> None:
    broken = SOURCE + "\ndef (:\n    mapi.MAPIInitialize(None)\n"
    assert source.parse(broken) is None
    assert _run_plugin(broken) == []
    # positive twin: the same file with the def repaired reports both calls
    repaired = broken.replace("def (:", "def f():")
    got = [(line, col, text.split()[0]) for line, col, text, _ in _run_plugin(repaired)]
    assert got == [(7, 8, "MPS101"), (7, 8, "MPS106"), (11, 4, "MPS101")]


def test_flake8_reports_the_syntax_error_and_no_mps(tmp_path: Path) -> None:
    (tmp_path / "svc.py").write_text(SOURCE + "\nif True\n", encoding="utf-8")
    proc = run_flake8(["--mapi-service=always", "svc.py"], cwd=tmp_path)
    codes = {code for _, _, _, code, _ in findings(proc.stdout)}
    assert "E999" in codes
    assert mps(proc.stdout) == set()
    assert "Traceback" not in proc.stderr
    # positive twin: the same file with the colon flake8 wanted gets its MPS findings
    (tmp_path / "svc.py").write_text(SOURCE + "\nif True:\n    pass\n", encoding="utf-8")
    proc = run_flake8(["--mapi-service=always", "svc.py"], cwd=tmp_path)
    assert "E999" not in {code for _, _, _, code, _ in findings(proc.stdout)}
    assert mps(proc.stdout) == {(7, "MPS101"), (7, "MPS106")}


def _nested_logon(depth: int) -> str:
    expr = "(" * depth + "mapi.MAPI_NO_MAIL" + ")" * depth
    return f"from win32com.mapi import mapi\nmapi.MAPILogonEx(0, '', None, {expr})\n"


def test_deeply_nested_code_is_no_mps000(monkeypatch: pytest.MonkeyPatch) -> None:
    depth = 300
    source = _nested_logon(depth)
    got = [text.split()[0] for _, _, text, _ in _run_plugin(source)]
    assert "MPS000" not in got
    # the same findings as one pair of parentheses: none (not service code in auto mode)
    assert _run_plugin(source) == _run_plugin(_nested_logon(1)) == []
    # positive twin: as service code, the flags are evaluated through all 300 levels
    monkeypatch.setattr(Plugin, "settings", Settings(service_mode="always"))
    got = [(line, col, text.split()[0]) for line, col, text, _ in _run_plugin(source)]
    assert got == [(2, 0, "MPS102")]
    shallow = _run_plugin(_nested_logon(1))
    assert got == [(line, col, text.split()[0]) for line, col, text, _ in shallow]


# -- the text check ----------------------------------------------------------------------------


def test_text_check_words() -> None:
    assert may_concern_mapi(["from win32com.mapi import mapi\n"])
    assert may_concern_mapi(["dll = ctypes.WinDLL('OLMAPI32.DLL')\n"])
    assert may_concern_mapi(["import servicemanager\n"])
    assert may_concern_mapi(["class S(win32serviceutil.ServiceFramework): pass\n"])
    assert not may_concern_mapi(["import os\n", "print(os.getcwd())\n"])


def _modules_after(source: str, settings: str = "Settings()") -> subprocess.CompletedProcess:
    script = textwrap.dedent(
        f"""\
        import ast, sys
        from flake8_mapi_service.plugin import Plugin
        from flake8_mapi_service.settings import Settings
        source = {source!r}
        Plugin.settings = {settings}
        out = list(Plugin(ast.parse(source), source.splitlines(True), "x.py").run())
        print(len(out), "libcst" in sys.modules)
        print(*sorted((line, text.split()[0]) for line, _, text, _ in out))
        """
    )
    # in a new folder each time: no findings kept by an earlier run (``results.py``)
    with tempfile.TemporaryDirectory() as folder:
        return subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, cwd=folder
        )


def test_a_non_mapi_file_does_not_import_libcst() -> None:
    proc = _modules_after("import os\n\nprint(os.getcwd())\n")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0].split() == ["0", "False"]
    # positive twin: the probe sees libcst, and findings, once a file concerns MAPI
    proc = _modules_after(SOURCE)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["2 True", "(7, 'MPS101') (7, 'MPS106')"]


def test_a_mapi_file_does_import_libcst() -> None:
    proc = _modules_after("from win32com.mapi import mapi\nmapi.MAPIInitialize(None)\n")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0].split() == ["0", "True"]


def test_always_mode_analyses_even_without_the_words() -> None:
    # with --mapi-service=always a file is service code whatever it contains,
    # so the text check no longer decides (the UI rules need no MAPI word)
    proc = _modules_after("import os\n", settings="Settings(service_mode='always')")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0].split() == ["0", "True"]
    # positive twin: a UI call in a file without any MAPI word is found
    proc = _modules_after("import os\ninput('x')\n", settings="Settings(service_mode='always')")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["1 True", "(2, 'MPS205')"]


def test_positions_are_the_start_of_the_call(tmp_path: Path) -> None:
    source = (
        "from win32com.mapi import mapi\n"
        'x = "é"; mapi.MAPIInitialize(None)\n'
        'y = f"{mapi.MAPIInitialize(None)}"\n'
        "if True:\n"
        "\tmapi.MAPIInitialize(None)\n"
        "z = [1,\n"
        '     2] + [mapi.MAPILogonEx(0, "", None,\n'
        "                            0)]\n"
        "w = \\\n"
        "    mapi.MAPIInitialize(None)\n"
    )
    (tmp_path / "pos.py").write_text(source, encoding="utf-8")
    proc = run_flake8(["--select=MPS101,MPS102", "--mapi-service=always", "pos.py"], cwd=tmp_path)
    got = [(line, col, code) for _, line, col, code, _ in findings(proc.stdout)]
    # flake8 prints 1-based columns, counted in characters
    assert got == [
        (2, 10, "MPS101"),
        (3, 8, "MPS101"),
        (5, 2, "MPS101"),
        (7, 12, "MPS102"),
        (10, 5, "MPS101"),
    ]
