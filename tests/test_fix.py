"""``flake8-mapi-service fix``: before/after pairs, idempotence, CRLF, ``--diff``, exit
status, and a round trip over every fixture (fix, then lint again with the real flake8).

A case is ``tests/fix_cases/NAME.py`` with its expected result ``NAME.fixed.py``.  A case
may carry ``# fix-options: --mapi-service=always`` (the fix command's options) and
``# fix-requires: MPS201`` (skipped until a rule reports that code).
"""

from __future__ import annotations

import ast
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Dict, List, Sequence, Set, Tuple

import libcst as cst
import pytest
import yaml
from conftest import FIXTURES, OTHERS_OFF, ROOT, findings, run_flake8

from flake8_mapi_service import cli
from flake8_mapi_service.fix import FIXABLE, fix_bytes
from flake8_mapi_service.rules import RULE_CLASSES
from flake8_mapi_service.runner import analyze
from flake8_mapi_service.settings import Settings

CASES = ROOT / "tests" / "fix_cases"
FIX_OPTIONS = re.compile(r"^#\s*fix-options:\s*(.*)$", re.M)
REQUIRES = re.compile(r"^#\s*fix-requires:\s*(.*)$", re.M)
LEFT = re.compile(r"^#\s*fix-left:\s*(.*)$", re.M)
FIXTURE_OPTIONS = re.compile(r"^#\s*fixture-options:\s*(.*)$")
IMPLEMENTED = {code for rule in RULE_CLASSES for code in rule.codes}


def case_files() -> List[Path]:
    return sorted(p for p in CASES.glob("*.py") if not p.name.endswith(".fixed.py"))


def fix_args(text: str) -> List[str]:
    m = FIX_OPTIONS.search(text)
    return shlex.split(m.group(1)) if m else []


def settings_from(args: Sequence[str]) -> Settings:
    values: Dict[str, str] = {}
    for arg in args:
        key, _, value = arg.partition("=")
        if key == "--mapi-service":
            values["service_mode"] = value
        elif key == "--mapi-service-paths":
            values["service_paths"] = value
    return Settings.from_values(**values)  # type: ignore[arg-type]


def skip_unless_implemented(text: str) -> None:
    m = REQUIRES.search(text)
    if m:
        missing = set(re.findall(r"MPS\d{3}", m.group(1))) - IMPLEMENTED
        assert not missing, f"a fix case needs {', '.join(sorted(missing))}, which no rule reports"


def expected_left(data: bytes) -> List[Tuple[int, str]]:
    """``# fix-left: MPS102@20 ...``: findings the case expects fix to list, not change."""
    m = LEFT.search(data.decode("utf-8"))
    if not m:
        return []
    return sorted((int(line), code) for code, line in re.findall(r"(MPS\d{3})@(\d+)", m.group(1)))


def lint(data: bytes, path: str, settings: Settings) -> List[Tuple[int, str]]:
    """Findings as flake8 shows them (a ``# noqa: CODE`` on the reported line hides one)."""
    lines = data.decode("utf-8").splitlines(keepends=True)
    out = []
    for r in analyze(lines, path, settings):
        m = re.search(r"#\s*noqa(?::\s?([A-Z0-9, ]+))?", lines[r.line - 1], re.I)
        if m and (m.group(1) is None or r.code in re.split(r"[,\s]+", m.group(1).upper())):
            continue
        out.append((r.line, r.code))
    return out


@pytest.fixture(params=case_files(), ids=lambda p: p.stem)
def case(request: pytest.FixtureRequest) -> Tuple[Path, bytes, bytes, Settings]:
    path: Path = request.param
    before = path.read_bytes()
    after = path.with_name(path.stem + ".fixed.py").read_bytes()
    text = before.decode("utf-8")
    skip_unless_implemented(text)
    return path, before, after, settings_from(fix_args(text))


# -- before/after pairs --------------------------------------------------------------------


def test_there_are_cases() -> None:
    assert len(case_files()) >= 10
    for path in case_files():
        assert path.with_name(path.stem + ".fixed.py").is_file(), path


def fixable_findings(data: bytes, path: Path, settings: Settings) -> List[Tuple[int, str]]:
    """(line, code) of the findings fix should repair: the fixable ones not expected left."""
    left = expected_left(data)
    return sorted(f for f in lint(data, str(path), settings) if f[1] in FIXABLE and f not in left)


ALWAYS = Settings(service_mode="always")


def test_case(case: Tuple[Path, bytes, bytes, Settings]) -> None:
    path, before, after, settings = case
    out = fix_bytes(before, str(path), settings)
    assert out.error is None
    assert out.fixed.decode() == after.decode()
    assert sorted((line, code) for line, _, code, _ in out.left) == expected_left(before)
    assert bool(out.fixes) == (before != after)
    assert sorted((line, code) for line, _, code in out.fixes) == fixable_findings(
        before, path, settings
    )
    if before == after:
        # a case fix leaves alone (not service code): its positive twin, the same file as
        # service code, has findings, and fix repairs every one of them
        twin = fix_bytes(before, str(path), ALWAYS)
        assert twin.fixed != before and twin.left == []
        want = fixable_findings(before, path, ALWAYS)
        assert want and sorted((line, code) for line, _, code in twin.fixes) == want


def test_case_crlf(case: Tuple[Path, bytes, bytes, Settings]) -> None:
    path, before, after, settings = case
    if b"\r\n" not in before:  # every LF case is also checked as a CRLF file
        before = before.replace(b"\n", b"\r\n")
        after = after.replace(b"\n", b"\r\n")
    out = fix_bytes(before, str(path), settings)
    assert out.fixed == after
    assert b"\n" not in out.fixed.replace(b"\r\n", b"")


def test_case_is_idempotent(case: Tuple[Path, bytes, bytes, Settings]) -> None:
    path, before, after, settings = case
    out = fix_bytes(after, str(path), settings)
    assert out.fixed == after
    assert out.fixes == []
    assert len(out.left) == len(expected_left(after))
    # positive twin: the file before the fix has exactly the fixes that make it ``after``
    # (for a case that is not service code: the same file as service code)
    twin_settings = settings if before != after else ALWAYS
    twin = fix_bytes(before, str(path), twin_settings)
    want = fixable_findings(before, path, twin_settings)
    assert want and sorted((line, code) for line, _, code in twin.fixes) == want


def test_case_lints_clean(case: Tuple[Path, bytes, bytes, Settings]) -> None:
    """After the fix the fixable codes are gone and nothing else is new."""
    path, before, after, settings = case
    found_before = lint(before, str(path), settings)
    found_after = lint(after, str(path), settings)
    left = expected_left(before)
    # the counts below are not vacuous: a case fix changes has fixable findings before
    assert any(code in FIXABLE for _, code in found_before) == (before != after)
    assert Counter(code for _, code in found_after if code in FIXABLE) == Counter(
        code for _, code in left
    )
    fixed = fix_bytes(before, str(path), settings).fixes
    assert Counter(code for _, _, code in fixed) + Counter(code for _, code in left) == Counter(
        code for _, code in found_before if code in FIXABLE
    )
    others_before = Counter(code for _, code in found_before if code not in FIXABLE)
    others_after = Counter(code for _, code in found_after if code not in FIXABLE)
    assert others_after <= others_before
    compile(after, str(path), "exec")


def test_fixes_report_the_original_positions() -> None:
    path = CASES / "pywin32_inline.py"
    out = fix_bytes(path.read_bytes(), str(path))
    assert (16, 9, "MPS101") in out.fixes
    assert (22, 23, "MPS102") in out.fixes and (22, 23, "MPS103") in out.fixes
    assert not any(line == 36 for line, _, _ in out.fixes)  # already right


# -- what is left alone ---------------------------------------------------------------------

CTYPES_OMITTED = b"""import ctypes

import win32serviceutil

mapi32 = ctypes.windll.mapi32


class Svc(win32serviceutil.ServiceFramework):
    def SvcDoRun(self):
        mapi32.MAPILogonEx(0, None)
"""


def test_unfixable_finding_is_listed_and_untouched() -> None:
    before = lint(CTYPES_OMITTED, "svc.py", Settings())
    assert (10, "MPS102") in before and (10, "MPS103") in before
    out = fix_bytes(CTYPES_OMITTED, "svc.py")
    assert out.fixed == CTYPES_OMITTED
    assert out.fixes == []
    assert [(line, code) for line, _, code, _ in out.left] == [(10, "MPS102"), (10, "MPS103")]
    assert all("ctypes" in reason for _, _, _, reason in out.left)


SHADOWED = b"""import win32serviceutil
from win32com.mapi.mapi import MAPILogonEx

MAPI_NT_SERVICE = 1  # not MAPI's value: fix must not reuse or redefine it


class Svc(win32serviceutil.ServiceFramework):
    def SvcDoRun(self):
        session = MAPILogonEx(0, "p", None, 0x8000)
"""


def test_a_name_bound_to_something_else_is_not_reused() -> None:
    out = fix_bytes(SHADOWED, "svc.py")
    assert out.fixed == SHADOWED
    assert [(line, code) for line, _, code, _ in out.left] == [(9, "MPS102")]
    # positive twin: with the name unbound (a comment in its place) fix adds MAPI's constant
    twin = SHADOWED.replace(
        b"MAPI_NT_SERVICE = 1  # not MAPI's value: fix must not reuse or redefine it",
        b"# the name is not bound here",
    )
    out = fix_bytes(twin, "svc.py")
    assert out.fixes == [(9, 19, "MPS102")] and out.left == []
    assert b"MAPI_NT_SERVICE = 0x00010000\n" in out.fixed
    assert b'MAPILogonEx(0, "p", None, 0x8000 | MAPI_NT_SERVICE)' in out.fixed


def test_unparsable_file_is_not_touched() -> None:
    data = b"def broken(:\n    mapi.MAPIInitialize(None)\n"
    out = fix_bytes(data, "broken.py")
    assert out.error is not None and out.fixed == data
    # the same with pywin32's mapi imported, as service code: still untouched ...
    data = b"from win32com.mapi import mapi\n" + data
    out = fix_bytes(data, "broken.py", ALWAYS)
    assert out.error is not None and out.fixed == data and out.fixes == []
    # ... where its positive twin, the def repaired, is fixed at the call
    twin = data.replace(b"broken(:", b"broken():")
    out = fix_bytes(twin, "broken.py", ALWAYS)
    assert out.error is None and out.fixes == [(3, 5, "MPS101")]
    assert out.fixed == twin.replace(b"(None)", b"((mapi.MAPI_INIT_VERSION, mapi.MAPI_NT_SERVICE))")


def test_encoding_and_other_bytes_are_kept() -> None:
    source = (
        "# -*- coding: latin-1 -*-\n"
        "import win32serviceutil\n"
        "from win32com.mapi import mapi\n"
        "\n"
        "\n"
        "class Svc(win32serviceutil.ServiceFramework):\n"
        '    """Dienst f\u00fcr Ger\u00e4te."""\n'
        "\n"
        "    def SvcDoRun(self):\n"
        "        mapi.MAPIInitialize(None)   # \u00e9t\u00e9\n"
        "        mapi.MAPIUninitialize()\n"
    )
    data = source.encode("latin-1")
    out = fix_bytes(data, "svc.py")
    # the fixed line would be 83 characters: the argument is wrapped
    expected = source.replace(
        "MAPIInitialize(None)",
        "MAPIInitialize((\n            mapi.MAPI_INIT_VERSION, mapi.MAPI_NT_SERVICE\n        ))",
    ).encode("latin-1")
    assert out.fixed == expected
    # positive twin: a limit of 83 keeps the one line
    out = fix_bytes(data, "svc.py", max_line_length=83)
    assert out.fixed == source.replace(
        "MAPIInitialize(None)", "MAPIInitialize((mapi.MAPI_INIT_VERSION, mapi.MAPI_NT_SERVICE))"
    ).encode("latin-1")


# -- the command ----------------------------------------------------------------------------


def copy_case(tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    shutil.copyfile(CASES / name, target)
    return target


def test_diff_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = copy_case(tmp_path, "pywin32_inline.py")
    before = target.read_bytes()
    assert cli.main(["fix", "--diff", str(target)]) == 1
    captured = capsys.readouterr()
    assert target.read_bytes() == before
    # outside the current folder: named from the root of the file system, a/ and b/ first
    name = str(target).lstrip("/")
    assert f"--- a/{name}\n" in captured.out and f"+++ b/{name}\n" in captured.out
    assert "-        mapi.MAPIInitialize(None)\n" in captured.out
    assert (
        "+        mapi.MAPIInitialize((mapi.MAPI_INIT_VERSION, mapi.MAPI_NT_SERVICE))\n"
        in captured.out
    )
    assert f"{target}:16:9: MPS101 would fix" in captured.err


SELF_FLAGS = """import win32serviceutil
from win32com.mapi import mapi

BASE = mapi.MAPI_EXTENDED | mapi.MAPI_NO_MAIL


class Mailer:
    fresh = False

    def connect(self):
        return mapi.MAPILogonEx(0, "Mail", None, BASE if self.fresh else BASE)


class MailService(win32serviceutil.ServiceFramework):
    pass


def run(mailer):
    return mailer.connect()
"""


def test_flags_that_read_self_are_not_flags_from_callers() -> None:
    # ``self`` is a parameter, but what the flags read of it is not what callers pass:
    # the call of a method some unseen code may call is fixed as any other
    out = fix_bytes(SELF_FLAGS.encode(), "svc.py")
    assert out.fixes == [(11, 16, "MPS102")], out.left
    fixed = out.fixed.decode()
    assert "(BASE if self.fresh else BASE) | mapi.MAPI_NT_SERVICE" in fixed
    # (flags from the callers of a helper some desktop code calls are left:
    # tests/test_fix_project.py)


def test_a_read_only_file_is_reported_not_fixed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = copy_case(tmp_path, "pywin32_module_constant.py")
    before = target.read_bytes()
    target.chmod(0o444)
    try:
        assert cli.main(["fix", str(target)]) == 1
        captured = capsys.readouterr()
        assert target.read_bytes() == before
    finally:
        target.chmod(0o644)
    assert f"{target}: cannot be written (read-only file)" in captured.err
    why = f"not fixed: {target} cannot be written"
    assert f"{target}:21:23: MPS102 {why}" in captured.out
    assert " fixed" not in captured.out.replace("not fixed", "")
    assert "fixed 0 finding(s) in 0 file(s)" in captured.err
    assert "not fixed: a file cannot be written" in captured.err
    # twin: writable, the same finding is fixed
    assert cli.main(["fix", str(target)]) == 1
    assert f"{target}:21:23: MPS102 fixed" in capsys.readouterr().out
    assert target.read_bytes() != before


def test_fix_writes_then_finds_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = copy_case(tmp_path, "pywin32_module_constant.py")
    assert cli.main(["fix", str(target)]) == 1
    out = capsys.readouterr().out
    assert f"{target}:21:23: MPS102 fixed" in out
    expected = (CASES / "pywin32_module_constant.fixed.py").read_bytes()
    assert target.read_bytes() == expected
    assert cli.main(["fix", str(target)]) == 0
    assert capsys.readouterr().out == ""
    assert target.read_bytes() == expected


def test_directories_are_walked(tmp_path: Path) -> None:
    pkg = tmp_path / "svc"
    (pkg / "sub").mkdir(parents=True)
    (pkg / ".hidden").mkdir()
    a = pkg / "a.py"
    b = pkg / "sub" / "b.py"
    hidden = pkg / ".hidden" / "c.py"
    other = pkg / "notes.txt"
    for target in (a, b, hidden):
        shutil.copyfile(CASES / "star_import.py", target)
    shutil.copyfile(CASES / "star_import.py", other)
    assert cli.main(["fix", str(pkg)]) == 1
    expected = (CASES / "star_import.fixed.py").read_bytes()
    assert a.read_bytes() == expected and b.read_bytes() == expected
    original = (CASES / "star_import.py").read_bytes()
    assert hidden.read_bytes() == original and other.read_bytes() == original


def test_service_options(tmp_path: Path) -> None:
    target = copy_case(tmp_path, "desktop_client.py")
    original = target.read_bytes()
    assert cli.main(["fix", "--mapi-service=never", str(target)]) == 0
    assert cli.main(["fix", str(target)]) == 0
    assert target.read_bytes() == original
    glob = str(tmp_path / "desktop_*.py")
    assert cli.main(["fix", f"--mapi-service-paths={glob}", str(target)]) == 1
    assert b"MAPI_NT_SERVICE" in target.read_bytes()


def test_options_from_flake8_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = copy_case(tmp_path, "desktop_client.py")
    (tmp_path / "setup.cfg").write_text("[flake8]\nmapi-service = always\n")
    monkeypatch.chdir(tmp_path)
    assert cli.main(["fix", "desktop_client.py"]) == 1
    assert b"MAPI_NT_SERVICE" in target.read_bytes()


def test_unfixable_only_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "svc.py"
    target.write_bytes(CTYPES_OMITTED)
    assert cli.main(["fix", str(target)]) == 1
    out = capsys.readouterr().out
    assert f"{target}:10:9: MPS102 not fixed:" in out
    assert target.read_bytes() == CTYPES_OMITTED


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert cli.main(["fix", str(tmp_path / "missing.py")]) == 2
    with pytest.raises(SystemExit) as exc:
        cli.main(["fix", "--mapi-service=sometimes", str(tmp_path)])
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        cli.main(["fix"])
    assert exc.value.code == 2


# -- the pre-commit hook ------------------------------------------------------------------------


def test_pre_commit_hook_runs_the_fix(tmp_path: Path) -> None:
    """pre-commit runs the hook's entry with the staged files appended."""
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    (hook,) = [h for h in hooks if h["id"] == "flake8-mapi-service-fix"]
    assert hook["language"] == "python" and hook["types"] == ["python"]
    entry = shlex.split(hook["entry"])
    assert entry[:2] == ["flake8-mapi-service", "fix"]
    script = Path(sys.executable).parent / entry[0]
    assert script.exists(), "the console script is installed with the package"
    bad = copy_case(tmp_path, "bare_names.py")
    good = copy_case(tmp_path, "star_import.fixed.py")
    proc = subprocess.run(
        [str(script), *entry[1:], bad.name, good.name],
        cwd=str(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert bad.read_bytes() == (CASES / "bare_names.fixed.py").read_bytes()
    assert good.read_bytes() == (CASES / "star_import.fixed.py").read_bytes()
    assert "bare_names.py:20:9: MPS101 fixed" in proc.stdout
    proc = subprocess.run(
        [str(script), *entry[1:], bad.name, good.name],
        cwd=str(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _git_env(tmp_path: Path) -> Dict[str, str]:
    env = dict(os.environ)
    env["PRE_COMMIT_HOME"] = str(tmp_path / "pre-commit-home")
    env["GIT_CONFIG_NOSYSTEM"] = "1"
    env["GIT_CONFIG_GLOBAL"] = os.devnull
    return env


def _run(args: List[str], cwd: Path, env: Dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=str(cwd), env=env, capture_output=True, text=True, timeout=900)


def test_real_pre_commit_runs_the_fix_hook(tmp_path: Path) -> None:
    """pre-commit installs this repository's committed hook and fixes a staged service."""
    env = _git_env(tmp_path)
    head = _run(["git", "rev-parse", "HEAD"], ROOT, env)
    assert head.returncode == 0, head.stderr
    shown = _run(["git", "show", f"{head.stdout.strip()}:.pre-commit-hooks.yaml"], ROOT, env)
    manifest = (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    assert shown.stdout == manifest, "commit .pre-commit-hooks.yaml first"
    project = tmp_path / "project"
    project.mkdir()
    assert (
        _run(["git", "-c", "init.defaultBranch=main", "init", "-q"], project, env).returncode == 0
    )
    for key, value in (
        ("user.name", "Service Author"),
        ("user.email", "author@example.invalid"),
        ("commit.gpgsign", "false"),
    ):
        assert _run(["git", "config", key, value], project, env).returncode == 0
    config = {
        "repos": [
            {
                "repo": str(ROOT),
                "rev": head.stdout.strip(),
                "hooks": [{"id": "flake8-mapi-service-fix"}],
            }
        ]
    }
    (project / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    proc = _run([sys.executable, "-m", "pre_commit", "install"], project, env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    shutil.copyfile(CASES / "bare_names.py", project / "service.py")
    assert _run(["git", "add", "."], project, env).returncode == 0

    # the hook fixes the staged file and fails the commit so the change can be reviewed
    proc = _run(["git", "commit", "-q", "-m", "add the service"], project, env)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output
    assert re.search(r"^flake8-mapi-service fix\.+Failed$", output, flags=re.M), output
    assert "service.py:20:9: MPS101 fixed" in output
    expected = (CASES / "bare_names.fixed.py").read_bytes()
    assert (project / "service.py").read_bytes() == expected

    # staged again, the fixed service is committed
    assert _run(["git", "add", "service.py"], project, env).returncode == 0
    proc = _run(["git", "commit", "-q", "-m", "add the service"], project, env)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    assert re.search(r"^flake8-mapi-service fix\.+Passed$", output, flags=re.M), output


# -- round trip over every fixture ------------------------------------------------------------


def fixture_options(path: Path) -> Tuple[str, ...]:
    for line in path.read_text(encoding="utf-8").splitlines()[:15]:
        m = FIXTURE_OPTIONS.match(line.strip())
        if m:
            return tuple(shlex.split(m.group(1)))
    return ()


def lint_tree(root: Path, files: Sequence[Path]) -> Dict[str, List[str]]:
    """{relative path: [codes]} from the real flake8, one run per options group."""
    groups: Dict[Tuple[str, ...], List[Path]] = {}
    for path in files:
        groups.setdefault(fixture_options(path), []).append(path)
    out: Dict[str, List[str]] = {p.relative_to(root).as_posix(): [] for p in files}
    for opts, paths in groups.items():
        rel = [p.relative_to(root).as_posix() for p in paths]
        proc = run_flake8([OTHERS_OFF, *opts, *rel], cwd=root)
        assert proc.returncode in (0, 1), proc.stderr
        assert "Traceback" not in proc.stderr, proc.stderr
        for path, _, _, code, _ in findings(proc.stdout):
            if code.startswith("MPS"):
                out[Path(path).as_posix()].append(code)
    return out


def _parses(path: Path) -> bool:
    try:
        ast.parse(path.read_bytes())
    except SyntaxError:
        return False
    return True


def test_round_trip_over_fixtures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(FIXTURES, tmp_path / "fixtures")
    files = sorted((tmp_path / "fixtures").rglob("*.py"))
    assert files
    compiles_before = set()
    for path in files:
        try:
            compile(path.read_bytes(), str(path), "exec")
        except SyntaxError:
            continue  # a fixture project's module that does not parse: left unchanged
        compiles_before.add(path.relative_to(tmp_path).as_posix())
    assert len(compiles_before) == len(files) - 1
    before = lint_tree(tmp_path, files)
    monkeypatch.chdir(tmp_path)
    left: Dict[str, int] = {}
    for path in files:
        rel = path.relative_to(tmp_path).as_posix()
        opts = [
            o
            for o in fixture_options(path)
            if o.startswith(("--mapi-service=", "--mapi-service-paths="))
        ]
        status = cli.main(["fix", *opts, rel])
        captured = capsys.readouterr()
        out = captured.out
        left[rel] = sum(1 for line in out.splitlines() if " not fixed: " in line)
        had = [c for c in before[rel] if c in FIXABLE]
        # a fixture that does not parse on purpose fails the command, as E999 fails flake8
        broken = not _parses(path)
        assert status == (1 if had or broken else 0), (rel, out, captured.err)
        assert (f"{rel}: cannot be parsed (" in captured.err) == broken, captured.err
    after = lint_tree(tmp_path, files)
    fixed_any = False
    for path in files:
        rel = path.relative_to(tmp_path).as_posix()
        if rel in compiles_before:
            compile(path.read_bytes(), rel, "exec")
        else:
            assert (
                path.read_bytes()
                == (FIXTURES / path.relative_to(tmp_path / "fixtures")).read_bytes()
            )
        fixable_before = [c for c in before[rel] if c in FIXABLE]
        fixable_after = [c for c in after[rel] if c in FIXABLE]
        assert len(fixable_after) == left[rel], (rel, fixable_after)
        fixed_any = fixed_any or len(fixable_after) < len(fixable_before)
        others_before = Counter(c for c in before[rel] if c not in FIXABLE)
        others_after = Counter(c for c in after[rel] if c not in FIXABLE)
        added = others_after - others_before
        assert not added, (rel, added)
        assert "MPS000" not in after[rel]
    assert fixed_any
    # and a second run has nothing left to change
    for path in files:
        data = path.read_bytes()
        rel = path.relative_to(tmp_path).as_posix()
        opts = [
            o
            for o in fixture_options(path)
            if o.startswith(("--mapi-service=", "--mapi-service-paths="))
        ]
        cli.main(["fix", *opts, rel])
        assert path.read_bytes() == data, rel
    capsys.readouterr()


def test_fixable_codes_are_known() -> None:
    known: Set[str] = {"MPS101", "MPS102", "MPS103", "MPS201", "MPS202", "MPS204", "MPS404"}
    assert set(FIXABLE) == known


def test_a_result_that_does_not_parse_is_never_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    from flake8_mapi_service import fix

    # Fault injection, on purpose: the editor builds its replacements as libcst nodes of the
    # flag expressions it rewrites, so no real input makes it produce text that does not
    # parse (test_generated_*_round_trip compile every result).  Only a broken _rewrite
    # reaches the check that refuses such a result.
    def broken(self: fix.Builder, expr: object, scope: object) -> object:
        return cst.Name("lambda")  # "f(0, p, None, lambda)" does not parse

    monkeypatch.setattr(fix.Builder, "_rewrite", broken)
    path = CASES / "pywin32_module_constant.py"  # every edit there goes through _rewrite
    data = path.read_bytes()
    out = fix_bytes(data, str(path))
    assert out.fixed == data
    assert out.fixes == []
    assert {code for _, _, code, _ in out.left} == {"MPS101", "MPS102", "MPS103"}
    assert all("did not remove the finding" in reason for *_, reason in out.left)


def test_a_fix_that_adds_a_finding_is_not_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    from flake8_mapi_service import fix

    # Fault injection, on purpose: the editor changes a definition only when every read of
    # the name is a call that gets the same fix (else it adds the bits at the call), and it
    # adds only the bits the finding asks for, so no known input makes a fix add another
    # finding (shared constants, parameter defaults, closures and ctypes structures were
    # tried).  Only a _rewrite that adds a wrong-family flag reaches the refusal.
    def wrong_family(self: fix.Builder, expr: object, scope: object) -> object:
        # MAPI_BEST_ACCESS in logon flags is MPS108: the check must refuse it
        return cst.parse_expression(
            "mapi.MAPI_NT_SERVICE | mapi.MAPI_NO_MAIL | mapi.MAPI_BEST_ACCESS"
        )

    monkeypatch.setattr(fix.Builder, "_rewrite", wrong_family)
    data = (CASES / "pywin32_inline.py").read_bytes()
    out = fix_bytes(data, "svc.py")
    assert "MAPI_BEST_ACCESS" not in out.fixed.decode()
    # MAPIInitialize(None) and omitted flags do not go through _rewrite: kept
    assert {line for line, _, _ in out.fixes} == {16, 22, 24}
    assert {line for line, _, _, _ in out.left} == {18, 20, 26, 32, 34}
    assert all("without adding another" in reason for *_, reason in out.left)


NOQA = b"""import win32serviceutil
from win32com.mapi import mapi


class Svc(win32serviceutil.ServiceFramework):
    def SvcDoRun(self):
        mapi.MAPIInitialize(None)  # noqa
        mapi.MAPIInitialize(None)  # noqa: MPS102
        a = mapi.MAPILogonEx(0, "p", None, 0)  # noqa: MPS102
        b = mapi.MAPILogonEx(  # NOQA:MPS1
            0, "p", None, 0
        )
        c = mapi.MAPILogonEx(
            0, "p", None, 0
        )  # noqa: E501,MPS103
"""


def test_noqa_is_respected() -> None:
    # no line limit here: the noqa comments make the lines long (see the next test)
    out = fix_bytes(NOQA, "svc.py", max_line_length=None)
    text = out.fixed.decode()
    lines = text.splitlines()
    assert lines[6] == "        mapi.MAPIInitialize(None)  # noqa"
    assert "MAPI_NT_SERVICE" in lines[7]  # silenced for another code only
    assert lines[8] == (
        '        a = mapi.MAPILogonEx(0, "p", None, mapi.MAPI_NO_MAIL)  # noqa: MPS102'
    )
    assert lines[10] == '            0, "p", None, 0'
    # flake8 reports c's findings on its first line: the noqa on its last line does not
    # silence them
    assert lines[13] == '            0, "p", None, mapi.MAPI_NT_SERVICE | mapi.MAPI_NO_MAIL'
    assert out.left == []
    assert sorted((line, code) for line, _, code in out.fixes) == [
        (8, "MPS101"),
        (9, "MPS103"),
        (13, "MPS102"),
        (13, "MPS103"),
    ]


#: each call's comment says whether flake8 honours its noqa for the call's findings
NOQA_LIKE_FLAKE8 = """\
import win32serviceutil
from win32com.mapi import mapi


class Svc(win32serviceutil.ServiceFramework):
    def SvcDoRun(self):
        mapi.MAPIInitialize((mapi.MAPI_INIT_VERSION, mapi.MAPI_NT_SERVICE))
        a = mapi.MAPILogonEx(
            0, "a", None, mapi.MAPI_NO_MAIL  # noqa: MPS102 (a continuation line: reported)
        )
        b = mapi.MAPILogonEx(  # noqa: MPS102 (the reported line: silenced)
            0, "b", None, mapi.MAPI_NO_MAIL
        )
        c = mapi.MAPILogonEx(
            0, "c", None, mapi.MAPI_NO_MAIL
        )  # noqa: MPS102 (the closing line: reported)
        d = mapi.MAPILogonEx(0, "d", \\
            None, mapi.MAPI_NO_MAIL)  # noqa: MPS102 (a backslash joins the lines: silenced)
        e = mapi.MAPILogonEx(0, \"\"\"e
\"\"\", None, mapi.MAPI_NO_MAIL)  # noqa: MPS102 (a string spans the lines: silenced)
        f = mapi.MAPILogonEx(0, "f", None, mapi.MAPI_NO_MAIL)  #noqa: MPS102 (no space: reported)
        g = mapi.MAPILogonEx(0, "g", None, mapi.MAPI_NO_MAIL)  # noqa: mps102 (case: reported)
        h = mapi.MAPILogonEx(0, "h", None, mapi.MAPI_NO_MAIL)  # NOQA:MPS1 (a prefix: silenced)
        i = mapi.MAPILogonEx(0, "i", None, mapi.MAPI_NO_MAIL)  # noqa (bare: silenced)
        return a, b, c, d, e, f, g, h, i
"""
NOQA_REPORTED = [(8, "MPS102"), (14, "MPS102"), (21, "MPS102"), (22, "MPS102")]


def _fixable_flake8_findings(path: Path, *args: str) -> List[Tuple[int, str]]:
    proc = run_flake8(["--select=MPS", *args, path.name], cwd=path.parent)
    assert proc.returncode in (0, 1), proc.stderr
    return sorted((line, code) for _, line, _, code, _ in findings(proc.stdout) if code in FIXABLE)


def _fix_command(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    script = Path(sys.executable).parent / "flake8-mapi-service"
    return subprocess.run(
        [str(script), "fix", *args], cwd=str(cwd), capture_output=True, text=True, timeout=300
    )


def _acted_on(output: str) -> List[Tuple[int, str]]:
    """(line, code) of every finding ``fix`` fixed, would fix, or left to fix by hand."""
    return sorted(
        (int(line), code)
        for line, code in re.findall(
            r"^\S+?:(\d+):\d+: (MPS\d+) (?:would fix|fixed|not fixed)", output, flags=re.M
        )
    )


def test_fix_honours_exactly_the_noqa_flake8_honours(tmp_path: Path) -> None:
    """The real flake8 and the real ``fix`` on the same file: ``fix`` acts on exactly the
    findings flake8 reports (a noqa on a continuation line of a multi-line call does
    not silence the finding flake8 reports on the call's first line), and after the fix
    flake8 reports none of them."""
    path = tmp_path / "svc.py"
    path.write_text(NOQA_LIKE_FLAKE8, encoding="utf-8")
    assert _fixable_flake8_findings(path) == NOQA_REPORTED
    proc = _fix_command("--diff", path.name, cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert _acted_on(proc.stderr) == NOQA_REPORTED
    proc = _fix_command(path.name, cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert _acted_on(proc.stdout) == NOQA_REPORTED
    assert _fixable_flake8_findings(path) == []
    assert _fix_command(path.name, cwd=tmp_path).returncode == 0
    fixed = path.read_text(encoding="utf-8").splitlines()
    assert fixed[8] == (
        '            0, "a", None, mapi.MAPI_NO_MAIL | mapi.MAPI_NT_SERVICE  '
        "# noqa: MPS102 (a continuation line: reported)"
    )
    assert fixed[11] == '            0, "b", None, mapi.MAPI_NO_MAIL'


def test_fix_follows_flake8_noqa_in_the_whole_file_and_disable_noqa(tmp_path: Path) -> None:
    path = tmp_path / "svc.py"
    # a file-level "flake8: noqa" comment on a line of its own: flake8 skips the file, so does fix
    path.write_text("# flake8: noqa\n" + NOQA_LIKE_FLAKE8, encoding="utf-8")
    assert _fixable_flake8_findings(path) == []
    proc = _fix_command("--diff", path.name, cwd=tmp_path)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    # disable-noqa in the config: flake8 reports every call, and fix fixes every call
    path.write_text(NOQA_LIKE_FLAKE8, encoding="utf-8")
    (tmp_path / "setup.cfg").write_text("[flake8]\ndisable-noqa = true\n", encoding="utf-8")
    every_call = _fixable_flake8_findings(path)
    assert every_call == [(line, "MPS102") for line in (8, 11, 14, 17, 19, 21, 22, 23, 24)]
    proc = _fix_command("--diff", path.name, cwd=tmp_path)
    assert _acted_on(proc.stderr) == every_call


def test_ignored_codes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = fix_bytes((CASES / "star_import.py").read_bytes(), "svc.py", ignore=["MPS102"])
    assert [code for _, _, code in out.fixes] == ["MPS101", "MPS103"]
    (tmp_path / "svc").mkdir()
    a = copy_case(tmp_path, "star_import.py")
    b = tmp_path / "svc" / "legacy.py"
    shutil.copyfile(a, b)
    (tmp_path / "tox.ini").write_text(
        "[flake8]\nextend-ignore = E501,MPS103\nper-file-ignores =\n    svc/*.py: MPS1\n"
        "max-line-length = 100\n"
    )
    monkeypatch.chdir(tmp_path)
    assert cli.main(["fix", "star_import.py", "svc/legacy.py"]) == 1
    assert b.read_bytes() == (CASES / "star_import.py").read_bytes()
    fixed = a.read_text()
    assert "MAPIInitialize((MAPI_INIT_VERSION, MAPI_NT_SERVICE))" in fixed
    assert "MAPI_EXTENDED | MAPI_NT_SERVICE)" in fixed and "MAPI_NO_MAIL" not in fixed


def test_write_keeps_mode_and_symlinks(tmp_path: Path) -> None:
    real = copy_case(tmp_path, "star_import.py")
    real.chmod(0o754)
    link = tmp_path / "link.py"
    link.symlink_to(real.name)
    assert cli.main(["fix", str(link)]) == 1
    assert link.is_symlink()
    assert real.read_bytes() == (CASES / "star_import.fixed.py").read_bytes()
    assert real.stat().st_mode & 0o777 == 0o754
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.py", "star_import.py"]


# -- generated flag expressions ------------------------------------------------------------------

TEMPLATE = """import win32serviceutil
from win32com.mapi import mapi
from win32com.mapi.mapi import MAPI_PASSWORD_UI

FLAGS = {module_flags}


class Svc(win32serviceutil.ServiceFramework):
    def SvcDoRun(self, debug=False):
        mapi.MAPIInitialize({init})
        flags = {local_flags}
        session = mapi.MAPILogonEx(0, "p", None, {call_flags})
        session.Logoff(0, 0, 0)
        mapi.MAPIUninitialize()
"""


def _flag_expressions() -> object:
    from hypothesis import strategies as st

    leaves = st.sampled_from(
        [
            "0",
            "0x20",
            "0x1",
            "mapi.MAPI_EXTENDED",
            "mapi.MAPI_LOGON_UI",
            "mapi.MAPI_NO_MAIL",
            "mapi.MAPI_NT_SERVICE",
            "mapi.MAPI_SERVICE_UI_ALWAYS",
            "MAPI_PASSWORD_UI",
            "FLAGS",
            "flags",
        ]
    )

    def extend(inner: object) -> object:
        return st.one_of(
            st.tuples(inner, inner).map(lambda t: f"{t[0]} | {t[1]}"),
            st.tuples(inner, inner).map(lambda t: f"({t[0]}\n            | {t[1]})"),
            inner.map(lambda e: f"({e})"),  # type: ignore[attr-defined]
            st.tuples(inner, inner).map(lambda t: f"{t[0]} & ~{t[1]}"),
            st.tuples(inner, inner).map(lambda t: f"({t[0]} if debug else {t[1]})"),
        )

    return st.recursive(leaves, extend, max_leaves=5)


def test_generated_flags_round_trip() -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    expressions = _flag_expressions()
    init = st.sampled_from(
        ["None", "(mapi.MAPI_INIT_VERSION, 0)", "(0, FLAGS)", "(mapi.MAPI_INIT_VERSION, flags)"]
    )

    @settings(
        max_examples=25,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(expressions, expressions, expressions, init)
    def check(module_flags: str, local_flags: str, call_flags: str, init_arg: str) -> None:
        local = local_flags.replace("flags", "FLAGS")  # no self-reference before binding
        module = module_flags.replace("flags", "0").replace("FLAGS", "0")
        source = TEMPLATE.format(
            module_flags=module, init=init_arg, local_flags=local, call_flags=call_flags
        ).encode()
        settings_ = Settings()
        before = lint(source, "gen.py", settings_)
        out = fix_bytes(source, "gen.py", settings_)
        compile(out.fixed, "gen.py", "exec")
        after = lint(out.fixed, "gen.py", settings_)
        assert Counter(c for _, c in after if c in FIXABLE) == Counter(c for *_, c, _ in out.left)
        assert Counter(c for _, c in after if c not in FIXABLE) <= Counter(
            c for _, c in before if c not in FIXABLE
        )
        again = fix_bytes(out.fixed, "gen.py", settings_)
        assert again.fixed == out.fixed and again.fixes == []

    check()


CTYPES_TEMPLATE = """import ctypes
from ctypes import byref, wintypes

import win32serviceutil

MAPI_MULTITHREAD_NOTIFICATIONS = 0x00000001
mapi32 = ctypes.windll.mapi32


class MAPIINIT_0(ctypes.Structure):
    _fields_ = [("ulVersion", wintypes.ULONG), ("ulFlags", wintypes.ULONG)]


class Svc(win32serviceutil.ServiceFramework):
    def SvcDoRun(self, debug=False):
{body}
"""


def test_generated_ctypes_structures_round_trip() -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    flags = st.sampled_from(["0", "MAPI_MULTITHREAD_NOTIFICATIONS", "0x10000", "0x8 | 0x1"])
    ctor = st.one_of(
        st.just("MAPIINIT_0()"),
        st.just("MAPIINIT_0(0)"),
        flags.map(lambda f: f"MAPIINIT_0(0, {f})"),
        flags.map(lambda f: f"MAPIINIT_0(ulVersion=0, ulFlags={f})"),
        flags.map(lambda f: f"MAPIINIT_0(ulFlags={f})"),
    )
    statement = st.one_of(
        ctor.map(lambda c: f"init = {c}"),
        flags.map(lambda f: f"init.ulFlags = {f}"),
        flags.map(lambda f: f"init.ulFlags |= {f}"),
        flags.map(lambda f: f"if debug:\n            init.ulFlags = {f}"),
        st.sampled_from(
            [
                "mapi32.MAPIInitialize(byref(init))",
                "mapi32.MAPIInitialize(ctypes.pointer(init))",
                "mapi32.MAPIInitialize(None)",
                "mapi32.MAPIInitialize(byref(MAPIINIT_0(0)))",
            ]
        ),
    )

    @settings(
        max_examples=25,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(ctor, st.lists(statement, min_size=1, max_size=6))
    def check(first: str, rest: List[str]) -> None:
        lines = [f"init = {first}", *rest, "mapi32.MAPIInitialize(byref(init))"]
        body = "\n".join("        " + line for line in lines)
        source = CTYPES_TEMPLATE.format(body=body).encode()
        settings_ = Settings()
        before = lint(source, "gen.py", settings_)
        out = fix_bytes(source, "gen.py", settings_)
        compile(out.fixed, "gen.py", "exec")
        after = lint(out.fixed, "gen.py", settings_)
        assert Counter(c for _, c in after if c in FIXABLE) == Counter(c for *_, c, _ in out.left)
        assert Counter(c for _, c in after if c not in FIXABLE) <= Counter(
            c for _, c in before if c not in FIXABLE
        )
        assert fix_bytes(out.fixed, "gen.py", settings_).fixed == out.fixed

    check()


def test_pathological_nesting_is_left_alone_without_crashing(tmp_path: Path) -> None:
    # Python refuses more than 200 nested parentheses; libcst's native parser would
    # overflow its stack on thousands, so fix asks Python's parser first
    deep = tmp_path / "deep.py"
    text = "from win32com.mapi import mapi\nx = " + "(" * 5000 + "1" + ")" * 5000 + "\n"
    deep.write_text(text, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "flake8_mapi_service.cli", "fix", str(deep)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    # reported, left unchanged, and the command fails (flake8 reports E999 for it)
    assert proc.returncode == 1, proc.stderr
    assert f"{deep}: cannot be parsed (line 2: SyntaxError: " in proc.stderr
    assert deep.read_text(encoding="utf-8") == text
    # positive twin: shallow nesting, and a call to fix, as service code: parsed and fixed
    shallow = tmp_path / "shallow.py"
    twin = "from win32com.mapi import mapi\nx = (((1)))\nmapi.MAPIInitialize(None)\n"
    shallow.write_text(twin, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "flake8_mapi_service.cli", "fix", "--mapi-service=always"]
        + [str(shallow)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 1, proc.stderr
    assert "cannot be parsed" not in proc.stdout + proc.stderr
    assert f"{shallow}:3:1: MPS101 fixed" in proc.stdout
    assert shallow.read_text(encoding="utf-8") == twin.replace(
        "(None)", "((mapi.MAPI_INIT_VERSION, mapi.MAPI_NT_SERVICE))"
    )


@pytest.mark.parametrize("head", ["from win32com.mapi import mapi\n", "import os\n"])
def test_a_file_that_does_not_parse_fails_the_command(tmp_path: Path, head: str) -> None:
    """With or without MAPI in it: reported on standard error, never written, status 1
    (what makes the pre-commit hook fail), and the other files are still fixed."""
    broken = tmp_path / "broken.py"
    text = head + "\ndef run(:\n    pass\n"
    broken.write_text(text, encoding="utf-8")
    good = copy_case(tmp_path, "bare_names.fixed.py")
    script = Path(sys.executable).parent / "flake8-mapi-service"
    proc = subprocess.run(
        [str(script), "fix", broken.name, good.name],
        cwd=str(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert proc.stdout == ""
    assert proc.stderr.splitlines() == [
        "broken.py: cannot be parsed (line 3: SyntaxError: invalid syntax); left unchanged",
        "fixed 0 finding(s) in 0 file(s); 1 file(s) not checked",
    ]
    assert broken.read_text(encoding="utf-8") == text
    broken.write_text(head + "\ndef run():\n    pass\n", encoding="utf-8")
    proc = subprocess.run(
        [str(script), "fix", broken.name, good.name],
        cwd=str(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")


# -- comments survive every edit ------------------------------------------------------------------

#: operands of generated flag expressions: the UI bits MPS201 removes (named or as their
#: number) and bits that stay
UI_OPERANDS = ("mapi.MAPI_LOGON_UI", "mapi.MAPI_PASSWORD_UI", "mapi.MAPI_SERVICE_UI_ALWAYS", "0x1")
KEPT_OPERANDS = (
    "mapi.MAPI_NT_SERVICE",
    "mapi.MAPI_NO_MAIL",
    "mapi.MAPI_EXTENDED",
    "mapi.MAPI_USE_DEFAULT",
    "mapi.MAPI_NEW_SESSION",
    "mapi.MAPI_EXPLICIT_PROFILE",
)

COMMENTED_TEMPLATE = """import pythoncom
import win32serviceutil
from win32com.mapi import mapi

{module}

class Svc(win32serviceutil.ServiceFramework):
    def SvcDoRun(self):
        pythoncom.OleInitialize()
        mapi.MAPIInitialize((0, 0x00010000))
        session = mapi.MAPILogonEx(
            0, "p", None, {call}
        )
        session.Logoff(0, 0, 0)
        mapi.MAPIUninitialize()
"""


def _commented_lines(
    operands: Sequence[str], groups: Sequence[Tuple[int, int]], leading: bool
) -> List[str]:
    """One operand a line, each with a comment of its own (``# c<i>``): a ``|`` chain
    whose operators lead (or end) the lines, with parenthesized groups of operands."""
    opens = Counter(start for start, _ in groups)
    closes = Counter(end for _, end in groups)
    n = len(operands)
    lines = []
    for i, operand in enumerate(operands):
        text = "(" * opens[i] + operand + ")" * closes[i]
        if leading and i:
            text = "| " + text
        if not leading and i < n - 1:
            text += " |"
        lines.append(f"{text}  # c{i}")
    return lines


def _comments(source: str) -> List[Tuple[int, str]]:
    import io
    import tokenize

    return [
        (tok.start[0], tok.string)
        for tok in tokenize.generate_tokens(io.StringIO(source).readline)
        if tok.type == tokenize.COMMENT
    ]


def test_every_comment_survives_every_edit() -> None:
    """Generated multi-line flag expressions with a comment on every operand, as a module
    constant or at the call, operators leading or ending the lines, with nested groups:
    fix removes every UI operand (MPS201) and adds the missing bits (MPS102/MPS103), and
    every comment is still there, in the same order, and the comment of every operand
    that stays is still on that operand's line."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    @st.composite
    def cases(draw: st.DrawFn) -> Tuple[List[str], List[Tuple[int, int]], bool, str, bool]:
        ui = draw(st.lists(st.sampled_from(UI_OPERANDS), min_size=1, max_size=3, unique=True))
        kept = draw(st.lists(st.sampled_from(KEPT_OPERANDS), max_size=3, unique=True))
        operands = draw(st.permutations(ui + kept))
        n = len(operands)
        groups: List[Tuple[int, int]] = []
        if n >= 3 and draw(st.booleans()):
            start = draw(st.integers(0, n - 2))
            end = draw(st.integers(start + 1, n - 1))
            if (start, end) != (0, n - 1):
                groups.append((start, end))
        leading = draw(st.booleans())
        where = draw(st.sampled_from(["module", "call", "bare"]))
        own_lines = draw(st.booleans())  # the chain's parentheses on lines of their own
        return list(operands), groups, leading, where, own_lines

    @settings(
        max_examples=400, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
    )
    @given(cases())
    def check(case: Tuple[List[str], List[Tuple[int, int]], bool, str, bool]) -> None:
        operands, groups, leading, where, own_lines = case
        lines = _commented_lines(operands, groups, leading)
        if where == "bare":  # the chain is the call's last argument, without parentheses
            module = ""
            call = ("\n" + " " * 12).join(lines)
        else:
            indent = " " * (4 if where == "module" else 16)
            if own_lines:
                chain = "(\n" + "".join(f"{indent}{line}\n" for line in lines)
                chain += " " * (len(indent) - 4) + ")"
            else:
                body = ("\n" + indent).join(lines)
                head, comment = body.rsplit("  # ", 1)
                chain = "(" + head + ")  # " + comment
            module, call = ("FLAGS = " + chain, "FLAGS") if where == "module" else ("", chain)
        source = COMMENTED_TEMPLATE.format(module=module, call=call)
        compile(source, "gen.py", "exec")
        out = fix_bytes(source.encode(), "gen.py")
        fixed = out.fixed.decode()
        compile(fixed, "gen.py", "exec")
        assert out.left == [] and "MPS201" in {code for _, _, code in out.fixes}, out.left
        assert [c for _, c in _comments(fixed)] == [c for _, c in _comments(source)]
        for operand in UI_OPERANDS:
            assert re.search(rf"{re.escape(operand)}\b", fixed) is None
        where_now = {c: line for line, c in _comments(fixed)}
        fixed_lines = fixed.splitlines()
        for i, operand in enumerate(operands):
            if operand in UI_OPERANDS:
                continue
            (at,) = [
                n
                for n, text in enumerate(fixed_lines, 1)
                if re.search(rf"{re.escape(operand)}\b", text)
            ]
            assert where_now[f"# c{i}"] == at, (operand, fixed)
        again = fix_bytes(out.fixed, "gen.py")
        assert again.fixed == out.fixed and again.fixes == []

    check()


def test_removed_operands_keep_their_comments() -> None:
    """The reproduction of issue 12: a comment in front of the ``|`` of a removed
    operand, and comments on both sides of it."""
    head = "import win32serviceutil\nfrom win32com.mapi import mapi\n\n"
    tail = (
        "\n\nclass Svc(win32serviceutil.ServiceFramework):\n"
        "    def SvcDoRun(self):\n"
        '        mapi.MAPILogonEx(0, "p", None, FLAGS)\n'
    )
    cases = [
        (
            "FLAGS = (mapi.MAPI_NT_SERVICE | mapi.MAPI_NO_MAIL  # keep me\n"
            "         | mapi.MAPI_LOGON_UI)",
            "FLAGS = (mapi.MAPI_NT_SERVICE | mapi.MAPI_NO_MAIL  # keep me\n         )",
        ),
        (
            "FLAGS = (mapi.MAPI_NT_SERVICE  # one\n"
            "         | mapi.MAPI_LOGON_UI  # two\n"
            "         | mapi.MAPI_NO_MAIL)  # three",
            "FLAGS = (mapi.MAPI_NT_SERVICE  # one\n"
            "         # two\n"
            "         | mapi.MAPI_NO_MAIL)  # three",
        ),
        (
            "FLAGS = (mapi.MAPI_LOGON_UI |  # one\n"
            "         mapi.MAPI_NT_SERVICE |  # two\n"
            "         mapi.MAPI_NO_MAIL)  # three",
            "FLAGS = (  # one\n"
            "         mapi.MAPI_NT_SERVICE |  # two\n"
            "         mapi.MAPI_NO_MAIL)  # three",
        ),
        (
            "FLAGS = (mapi.MAPI_NT_SERVICE |  # one\n"
            "         (mapi.MAPI_LOGON_UI  # two\n"
            "          | mapi.MAPI_PASSWORD_UI) |  # three\n"
            "         mapi.MAPI_NO_MAIL)  # four",
            "FLAGS = (mapi.MAPI_NT_SERVICE |  # one\n"
            "         # two\n"
            "         # three\n"
            "         mapi.MAPI_NO_MAIL)  # four",
        ),
    ]
    for before, after in cases:
        out = fix_bytes((head + before + tail).encode(), "svc.py")
        assert out.fixed.decode() == head + after + tail
        assert [code for _, _, code in out.fixes] == ["MPS201"]


def test_an_edit_that_would_lose_a_comment_is_not_made() -> None:
    """The last line of defence: an edit that replaces a node holding a comment the new
    node does not keep is left to fix by hand."""
    source = (
        b"import win32serviceutil\n"
        b"from win32com.mapi import mapi\n\n\n"
        b"class Svc(win32serviceutil.ServiceFramework):\n"
        b"    def SvcDoRun(self):\n"
        b"        mapi.MAPIInitialize((  # no structure yet\n"
        b"            None))\n"
    )
    out = fix_bytes(source, "svc.py")
    assert out.fixed == source and out.fixes == []
    assert out.left == [(7, 9, "MPS101", "the edit would lose a comment")]
    # positive twin: without the comment, the same call is fixed
    twin = source.replace(b"  # no structure yet", b"")
    out = fix_bytes(twin, "svc.py")
    assert out.fixes == [(7, 9, "MPS101")] and out.left == []
    assert b"mapi.MAPIInitialize((mapi.MAPI_INIT_VERSION, mapi.MAPI_NT_SERVICE))" in out.fixed


# -- many findings ---------------------------------------------------------------------------------

MANY_HEAD = """import pythoncom
import win32serviceutil
from win32com.mapi import mapi

SHARED = mapi.MAPI_EXTENDED


class Svc(win32serviceutil.ServiceFramework):
    def SvcDoRun(self):
        pythoncom.OleInitialize()
        mapi.MAPIInitialize(None)
"""
MANY_TAIL = "        mapi.MAPIUninitialize()\n"
#: (a call, the same call fixed): inline flags, none, a UI bit, a shared constant
MANY_FORMS = [
    (
        'mapi.MAPILogonEx(0, "p{i}", None, mapi.MAPI_EXTENDED)',
        'mapi.MAPILogonEx(0, "p{i}", None, mapi.MAPI_EXTENDED | mapi.MAPI_NT_SERVICE'
        " | mapi.MAPI_NO_MAIL)",
    ),
    (
        'mapi.MAPILogonEx(0, "p{i}")',
        'mapi.MAPILogonEx(0, "p{i}", None, mapi.MAPI_NT_SERVICE | mapi.MAPI_NO_MAIL)',
    ),
    (
        'mapi.MAPILogonEx(0, "p{i}", None, mapi.MAPI_NT_SERVICE | mapi.MAPI_NO_MAIL'
        " | mapi.MAPI_LOGON_UI)",
        'mapi.MAPILogonEx(0, "p{i}", None, mapi.MAPI_NT_SERVICE | mapi.MAPI_NO_MAIL)',
    ),
    ('mapi.MAPILogonEx(0, "p{i}", None, SHARED)', None),
]


def _many(count: int, bad: Set[int] = frozenset()) -> Tuple[str, str]:
    """A service calling MAPILogonEx ``count`` times in the forms above (the shared
    constant used by every fourth call, so it is fixed at its definition), and the
    file fix should make of it; the calls in ``bad`` are expected to stay as they are."""
    before = [MANY_HEAD]
    after = [
        MANY_HEAD.replace(
            "SHARED = mapi.MAPI_EXTENDED",
            "SHARED = mapi.MAPI_EXTENDED | mapi.MAPI_NT_SERVICE | mapi.MAPI_NO_MAIL",
        ).replace(
            "mapi.MAPIInitialize(None)",
            "mapi.MAPIInitialize((mapi.MAPI_INIT_VERSION, mapi.MAPI_NT_SERVICE))",
        )
    ]
    for i in range(count):
        call, fixed = MANY_FORMS[i % len(MANY_FORMS)]
        line = f"        s{i} = {call.format(i=i)}\n"
        before.append(line)
        after.append(line if fixed is None or i in bad else f"        s{i} = {fixed.format(i=i)}\n")
    before.append(MANY_TAIL)
    after.append(MANY_TAIL)
    return "".join(before), "".join(after)


def test_a_few_hundred_calls_are_fixed_exactly() -> None:
    """One round: every call's findings in one verified edit, the result exact."""
    before, after = _many(400)
    out = fix_bytes(before.encode(), "svc.py", max_line_length=None)
    assert out.left == []
    assert out.fixed.decode() == after
    # 400 calls: 300 of them (inline, omitted, UI) and the 100 that share a constant
    assert len(out.fixes) == 1 + 100 * 2 + 100 * 2 + 100 * 1 + 100 * 2
    assert fix_bytes(out.fixed, "svc.py", max_line_length=None).fixes == []


def test_failing_plans_are_found_by_halving(monkeypatch: pytest.MonkeyPatch) -> None:
    """Three plans among 300 whose edit the verification refuses (fault injection, as in
    test_a_fix_that_adds_a_finding_is_not_kept): every other call is fixed, those three are
    left, and the analyses run a number of times logarithmic in the plans, not one per
    plan (the fix is linear in the findings)."""
    from flake8_mapi_service import fix
    from flake8_mapi_service.fix import verify

    rewrite = fix.Builder._rewrite
    bad = {16, 150, 298}

    def sometimes_wrong(self: fix.Builder, expr: cst.BaseExpression, scope: object) -> object:
        profile = self._current.site.node.args[1].value
        if isinstance(profile, cst.SimpleString) and int(profile.value[2:-1]) in bad:
            # MAPI_BEST_ACCESS in logon flags is MPS108: verification refuses it
            return cst.parse_expression("mapi.MAPI_NT_SERVICE | mapi.MAPI_BEST_ACCESS")
        return rewrite(self, expr, scope)

    analyses = 0
    analyse = verify._File.analyse

    def counted(self: object, *args: object) -> object:
        nonlocal analyses
        analyses += 1
        return analyse(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(fix.Builder, "_rewrite", sometimes_wrong)
    monkeypatch.setattr(verify._File, "analyse", counted)
    before, after = _many(300, bad)
    out = fix_bytes(before.encode(), "svc.py", max_line_length=None)
    assert out.fixed.decode() == after
    left_lines = sorted({line for line, _, _, _ in out.left})
    assert left_lines == [12 + i for i in sorted(bad)]
    assert all("without adding another" in reason for *_, reason in out.left)
    # the original, one attempt with every plan, then about two per halving step on the
    # path to each failing plan (301 plans: 9 steps), and the good plans together
    assert 1 < analyses <= 2 + 2 * len(bad) * 9 + 1, analyses


def test_a_constant_is_reused_only_with_its_dword_value() -> None:
    """Flag words are DWORDs and the analysis holds them as unbounded ints: the name a file
    binds is reused when its value is the constant's as an unsigned or signed 32-bit
    number, not when it only agrees in the low 32 bits."""
    from flake8_mapi_service.analysis.flags import Bits
    from flake8_mapi_service.fix.plans import same_dword

    assert same_dword(Bits.const(0x10000), 0x10000)
    assert same_dword(Bits.const(-1), 0xFFFFFFFF) and same_dword(Bits.const(-(1 << 31)), 1 << 31)
    assert not same_dword(Bits.const(0x10000 | (1 << 32)), 0x10000)
    assert not same_dword(Bits.const(0x10000 - (1 << 32)), 0x10000)
    assert not same_dword(Bits.of(0x10000, 0x1), 0x10000)
    source = (
        "import win32serviceutil\n"
        "from win32com.mapi.mapi import MAPILogonEx\n\n"
        "MAPI_NT_SERVICE = 0x10000 | (1 << 32)\n\n\n"
        "class Svc(win32serviceutil.ServiceFramework):\n"
        "    def SvcDoRun(self):\n"
        '        return MAPILogonEx(0, "p", None, 0x8000)\n'
    )
    # the call lacks the bit; the module's MAPI_NT_SERVICE agrees in the low 32 bits only
    out = fix_bytes(source.encode(), "svc.py")
    assert out.fixed == source.encode()
    assert [(line, code) for line, _, code, _ in out.left] == [(9, "MPS102")]
    assert "bound to something else" in out.left[0][3]
    # positive twin: bound to the documented value, the name is reused
    twin = source.replace("0x10000 | (1 << 32)", "0x00010000")
    out = fix_bytes(twin.encode(), "svc.py")
    assert out.left == [] and out.fixes == [(9, 16, "MPS102")]
    assert 'MAPILogonEx(0, "p", None, 0x8000 | MAPI_NT_SERVICE)' in out.fixed.decode()


# -- --diff for git apply; the line limit ---------------------------------------------------------


def _git(args: List[str], cwd: Path) -> subprocess.CompletedProcess:
    env = _git_env(cwd)
    return subprocess.run(
        ["git", *args], cwd=str(cwd), env=env, capture_output=True, text=True, timeout=120
    )


def test_diff_applies_with_git_apply(tmp_path: Path) -> None:
    """The diff has ``a/`` and ``b/`` headers relative to the current folder: ``git apply``
    takes it in a repository (LF and CRLF files, one in a sub-folder, one named by its
    absolute path) and the files become what ``fix`` writes."""
    repo = tmp_path / "repo"
    (repo / "svc").mkdir(parents=True)
    assert _git(["-c", "init.defaultBranch=main", "init", "-q"], repo).returncode == 0
    files = {
        "inline.py": (CASES / "pywin32_inline.py").read_bytes(),
        "svc/module_constant.py": (CASES / "pywin32_module_constant.py").read_bytes(),
        "crlf.py": (CASES / "star_import.py").read_bytes().replace(b"\n", b"\r\n"),
        "wake.py": (CASES / "wake_mask.py").read_bytes(),
        # a latin-1 file: the diff's lines are in its own encoding, or git finds no match
        "latin1.py": (
            "# -*- coding: latin-1 -*-\n"
            + (CASES / "pywin32_inline.py")
            .read_text(encoding="utf-8")
            .replace("mapi.MAPIInitialize(None)", "mapi.MAPIInitialize(None)  # caf\u00e9")
        ).encode("latin-1"),
        # UTF-8 with a byte order mark: the mark opens the file, not the diff's lines
        "bom.py": b"\xef\xbb\xbf" + (CASES / "pywin32_inline.py").read_bytes(),
    }
    for name, data in files.items():
        (repo / name).write_bytes(data)
    assert _git(["add", "."], repo).returncode == 0
    commit = _git(
        ["-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-q", "-m", "x"],
        repo,
    )
    assert commit.returncode == 0, commit.stderr
    script = Path(sys.executable).parent / "flake8-mapi-service"
    args = [script, "fix", "--diff", "inline.py", "svc", "crlf.py", str(repo / "wake.py")]
    args = [str(a) for a in (*args, "latin1.py", "bom.py")]
    proc = subprocess.run(args, cwd=str(repo), capture_output=True, timeout=300)
    assert proc.returncode == 1, proc.stderr
    patch = tmp_path / "fix.patch"
    patch.write_bytes(proc.stdout)
    for name in files:
        assert f"--- a/{name}\n+++ b/{name}\n".encode() in proc.stdout, name
    assert {p.relative_to(repo).as_posix() for p in repo.rglob("*.py")} == set(files)
    check = _git(["apply", "--check", str(patch)], repo)
    assert check.returncode == 0, check.stderr
    assert _git(["apply", str(patch)], repo).returncode == 0
    for name, data in files.items():
        assert (repo / name).read_bytes() == fix_bytes(data, name).fixed != data, name
    # the same fix written in place changes nothing more
    proc = subprocess.run([str(script), "fix", "."], cwd=str(repo), capture_output=True)
    assert proc.returncode == 0, proc.stdout


WRAP = """import win32serviceutil
from win32com.mapi import mapi


class Svc(win32serviceutil.ServiceFramework):
    def SvcDoRun(self):
{body}
"""


@pytest.mark.parametrize(
    "before, after",
    [
        pytest.param(
            '        session = mapi.MAPILogonEx(0, "Watch", None, mapi.MAPI_EXTENDED)',
            '        session = mapi.MAPILogonEx(0, "Watch", None, (\n'
            "            mapi.MAPI_EXTENDED | mapi.MAPI_NT_SERVICE | mapi.MAPI_NO_MAIL\n"
            "        ))",
            id="the argument on a line of its own",
        ),
        pytest.param(
            '        session = mapi.MAPILogonEx(0, "Watch", None, mapi.MAPI_EXTENDED | 0x40)',
            '        session = mapi.MAPILogonEx(0, "Watch", None, (\n'
            "            mapi.MAPI_EXTENDED\n"
            "            | 0x40\n"
            "            | mapi.MAPI_NT_SERVICE\n"
            "            | mapi.MAPI_NO_MAIL\n"
            "        ))",
            id="one operand a line",
        ),
        pytest.param(
            '        session = mapi.MAPILogonEx(0, "Watch")',
            "        session = mapi.MAPILogonEx(\n"
            '            0, "Watch", None, mapi.MAPI_NT_SERVICE | mapi.MAPI_NO_MAIL\n'
            "        )",
            id="new arguments: the call's arguments on a line of their own",
        ),
        pytest.param(
            "        mapi.MAPIInitialize(None)  # started by the service manager",
            "        mapi.MAPIInitialize((\n"
            "            mapi.MAPI_INIT_VERSION, mapi.MAPI_NT_SERVICE\n"
            "        ))  # started by the service manager",
            id="a tuple in its own parentheses, the comment after them",
        ),
        pytest.param(
            '        session = mapi.MAPILogonEx(0, "The rather long name of a profile", None, 0x20)',
            '        session = mapi.MAPILogonEx(0, "The rather long name of a profile", None, 0x20 | '
            "mapi.MAPI_NT_SERVICE | mapi.MAPI_NO_MAIL)",
            id="a line already too long is not wrapped",
        ),
        pytest.param(
            "        flags = (mapi.MAPI_EXTENDED  # extended MAPI\n"
            "                 | mapi.MAPI_USE_DEFAULT)  # the default profile\n"
            '        session = mapi.MAPILogonEx(0, "Watch", None, flags)',
            "        flags = (mapi.MAPI_EXTENDED  # extended MAPI\n"
            "                 | mapi.MAPI_NT_SERVICE\n"
            "                 | mapi.MAPI_NO_MAIL\n"
            "                 | mapi.MAPI_USE_DEFAULT)  # the default profile\n"
            '        session = mapi.MAPILogonEx(0, "Watch", None, flags)',
            id="new operands before the last, whose comment stays on its line",
        ),
        pytest.param(
            "        flags = (mapi.MAPI_EXTENDED  # extended MAPI\n"
            "                 | 0x40)  # the default profile, which the service installer sets up for it\n"
            '        session = mapi.MAPILogonEx(0, "Watch", None, flags)',
            "        flags = (mapi.MAPI_EXTENDED  # extended MAPI\n"
            "                 | 0x40 | mapi.MAPI_NT_SERVICE | mapi.MAPI_NO_MAIL)"
            "  # the default profile, which the service installer sets up for it\n"
            '        session = mapi.MAPILogonEx(0, "Watch", None, flags)',
            id="new operands on the last operand's line, which was already too long",
        ),
    ],
)
def test_fix_never_makes_a_line_longer_than_the_limit(before: str, after: str) -> None:
    source = WRAP.format(body=before).encode()
    out = fix_bytes(source, "svc.py")
    assert out.left == []
    assert out.fixed.decode() == WRAP.format(body=after)
    old_long = {line for line in source.decode().splitlines() if len(line) > 79}
    for line in out.fixed.decode().splitlines():
        assert len(line) <= 79 or old_long, line
    assert fix_bytes(out.fixed, "svc.py").fixes == []


def test_a_noqa_comment_never_moves_to_another_line() -> None:
    """Wrapping would put the noqa on the closing line, where it no longer silences what
    flake8 reports on the call's first line: the finding is left (a positive twin with a
    longer limit is fixed on one line)."""
    line = "        mapi.MAPIInitialize(None)  # noqa: MPS106"
    source = WRAP.format(body=line).encode()
    out = fix_bytes(source, "svc.py")
    assert out.fixed == source and out.fixes == []
    assert [(ln, code) for ln, _, code, _ in out.left] == [(7, "MPS101")]
    assert "longer than max-line-length (79)" in out.left[0][3]
    twin = fix_bytes(source, "svc.py", max_line_length=100)
    assert twin.fixes == [(7, 9, "MPS101")] and twin.left == []
    assert twin.fixed.decode() == WRAP.format(
        body="        mapi.MAPIInitialize((mapi.MAPI_INIT_VERSION, mapi.MAPI_NT_SERVICE))"
        "  # noqa: MPS106"
    )


def test_generated_calls_stay_within_the_limit() -> None:
    """Calls whose line is within 79 characters, with flags of any length in any layout
    of one line: after the fix no line is longer than 79 and nothing is left."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    operand = st.sampled_from(
        ["mapi.MAPI_EXTENDED", "mapi.MAPI_USE_DEFAULT", "0x40", "mapi.MAPI_LOGON_UI", "0x20"]
    )
    call = st.tuples(
        st.integers(0, 3),  # indentation levels beyond the method's
        st.text(alphabet="abcdefgh", min_size=1, max_size=20),  # the profile
        st.lists(operand, min_size=1, max_size=4),
        st.booleans(),  # the flags in parentheses
    )

    @settings(
        max_examples=60, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
    )
    @given(call)
    def check(case: Tuple[int, str, List[str], bool]) -> None:
        depth, profile, operands, parens = case
        flags = " | ".join(operands)
        if parens:
            flags = f"({flags})"
        indent = "    " * (2 + depth)
        head = "".join(f"{'    ' * (2 + d)}if self.debug{d}:\n" for d in range(depth))
        line = f'{indent}session = mapi.MAPILogonEx(0, "{profile}", None, {flags})'
        if len(line) > 79:
            return
        source = WRAP.format(body=head + line).encode()
        out = fix_bytes(source, "svc.py")
        assert out.left == [] and out.fixes
        assert all(len(text) <= 79 for text in out.fixed.decode().splitlines()), out.fixed
        compile(out.fixed, "svc.py", "exec")
        assert fix_bytes(out.fixed, "svc.py").fixes == []

    check()


@pytest.mark.parametrize("config", ["setup.cfg", "tox.ini", ".flake8"])
def test_max_line_length_comes_from_flake8_config(
    tmp_path: Path, config: str, capsys: pytest.CaptureFixture[str]
) -> None:
    source = WRAP.format(body='        session = mapi.MAPILogonEx(0, "Watch", None, 0)')
    one_line = source.replace(", 0)", ", mapi.MAPI_NT_SERVICE | mapi.MAPI_NO_MAIL)")
    wrapped = source.replace(
        ", 0)", ", (\n            mapi.MAPI_NT_SERVICE | mapi.MAPI_NO_MAIL\n        ))"
    )
    target = tmp_path / "svc.py"
    work = tmp_path / "work"
    work.mkdir()
    os.chdir(work)  # no config of this repository around
    try:
        target.write_text(source)
        assert cli.main(["fix", str(target)]) == 1
        assert target.read_text() == wrapped  # flake8's default, 79
        os.chdir(tmp_path)
        (tmp_path / config).write_text("[flake8]\nmax_line_length = 94\n")
        target.write_text(source)
        assert cli.main(["fix", "svc.py"]) == 1
        assert target.read_text() == one_line
        # the option wins over the config
        target.write_text(source)
        assert cli.main(["fix", "--max-line-length=79", "svc.py"]) == 1
        assert target.read_text() == wrapped
        # a value flake8 would refuse is a usage error, and nothing is written
        (tmp_path / config).write_text("[flake8]\nmax-line-length = long\n")
        target.write_text(source)
        capsys.readouterr()
        assert cli.main(["fix", "svc.py"]) == 2
        assert "max-line-length must be a number, not 'long'" in capsys.readouterr().err
        assert target.read_text() == source
    finally:
        os.chdir(ROOT)
