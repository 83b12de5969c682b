"""The ``flake8-mapi-service`` console script."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from flake8_mapi_service import __version__
from flake8_mapi_service.catalogue import RULES, RULES_BY_CODE, explain, table
from flake8_mapi_service.cli import main


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flake8_mapi_service.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_rules_lists_every_code(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in out] == [r.code for r in RULES]
    mps109 = next(line for line in out if line.startswith("MPS109"))
    assert "off by default" in mps109
    mps101 = next(line for line in out if line.startswith("MPS101"))
    assert "service" in mps101 and RULES_BY_CODE["MPS101"].name in mps101
    mps104 = next(line for line in out if line.startswith("MPS104"))
    assert "[service" not in mps104


def test_rules_prints_each_rules_one_line_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules"]) == 0
    out = capsys.readouterr().out
    assert "…" not in out and "{" not in out
    for rule, line in zip(RULES, out.splitlines()):
        assert line.split()[:2] == [rule.code, rule.name]
        assert f"  {rule.short}" in line


def test_rules_markdown_is_readmes_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--markdown"]) == 0
    assert capsys.readouterr().out == table() + "\n"


@pytest.mark.parametrize("code", ["MPS101", "mps101"])
def test_explain(capsys: pytest.CaptureFixture[str], code: str) -> None:
    assert main(["explain", code]) == 0
    out = capsys.readouterr().out
    assert out == explain(RULES_BY_CODE["MPS101"])
    assert out.startswith("# MPS101: init-without-nt-service")
    assert "MAPI_NT_SERVICE" in out


def test_explain_unknown_code_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "XYZ999"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "flake8-mapi-service explain: unknown code or name 'XYZ999'; "
        "see 'flake8-mapi-service rules'\n"
    )
    # positive twin: a known code of the same shape prints its page, and no error
    assert main(["explain", "MPS109"]) == 0
    captured = capsys.readouterr()
    assert captured.out == explain(RULES_BY_CODE["MPS109"]) and captured.err == ""


@pytest.mark.parametrize(
    "name", ["logon-without-nt-service", "LOGON-WITHOUT-NT-SERVICE", "logon_without_nt_service"]
)
def test_explain_by_name(capsys: pytest.CaptureFixture[str], name: str) -> None:
    assert main(["explain", name]) == 0
    assert capsys.readouterr().out == explain(RULES_BY_CODE["MPS102"])


@pytest.mark.parametrize(
    "typed,meant",
    [
        ("logon-without-nt-servce", "logon-without-nt-service"),
        ("init-without-ntservice", "init-without-nt-service"),
        ("MPS1011", "MPS101"),
        ("msgwait-mask-without-posted-message", "msgwait-mask-without-posted-messages"),
    ],
)
def test_explain_suggests_the_nearest_code_or_name(
    capsys: pytest.CaptureFixture[str], typed: str, meant: str
) -> None:
    assert main(["explain", typed]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"flake8-mapi-service explain: unknown code or name {typed!r}; did you mean {meant!r}?\n"
    )


@pytest.mark.parametrize("typed", ["MPS40", "mps40"])
def test_explain_of_a_prefix_lists_its_codes(
    capsys: pytest.CaptureFixture[str], typed: str
) -> None:
    assert main(["explain", typed]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"flake8-mapi-service explain: unknown code or name {typed!r}; "
        "it is the prefix of MPS401, MPS402, MPS403, MPS404: explain one of them\n"
    )
    # the bare prefix names every code, in the catalogue's order
    assert main(["explain", "MPS"]) == 2
    assert ", ".join(r.code for r in RULES) in capsys.readouterr().err


def _console_script(*args: str) -> subprocess.CompletedProcess:
    """The installed ``flake8-mapi-service`` command itself."""
    script = Path(sys.executable).parent / "flake8-mapi-service"
    assert script.exists(), "the console script is installed with the package"
    return subprocess.run([str(script), *args], capture_output=True, text=True, timeout=120)


def test_the_command_explains_every_name_rules_prints() -> None:
    listed = _console_script("rules")
    assert listed.returncode == 0, listed.stderr
    names = [line.split()[1] for line in listed.stdout.splitlines()]
    assert names == [r.name for r in RULES]
    for name in names:
        proc = _console_script("explain", name)
        code = RULES[names.index(name)].code
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.startswith(f"# {code}: {name}\n")
    proc = _console_script("explain", "logon-without-nt-servce")
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr == (
        "flake8-mapi-service explain: unknown code or name 'logon-without-nt-servce'; "
        "did you mean 'logon-without-nt-service'?\n"
    )


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "rules" in capsys.readouterr().out


def test_console_script_end_to_end() -> None:
    proc = _cli("--version")
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"flake8-mapi-service {__version__}"
    proc = _cli("explain", "MPS000")
    assert proc.returncode == 0 and proc.stdout.startswith("# MPS000")
    proc = _cli("explain", "E501")
    assert proc.returncode == 2 and "unknown code" in proc.stderr
    proc = _cli("rules")
    assert proc.returncode == 0 and "MPS107" in proc.stdout


#: a service that needs no fix: ``fix --diff`` parses it (libcst) and exits 0
FIXED_SERVICE = Path(__file__).resolve().parent / "fix_cases" / "star_import.fixed.py"


def test_the_cli_does_not_import_libcst() -> None:
    code = (
        "import sys\n"
        "from flake8_mapi_service.cli import main\n"
        "assert main(['rules']) == 0\n"
        "assert main(['explain', 'MPS101']) == 0\n"
        "assert 'libcst' not in sys.modules, 'libcst imported'\n"
        # positive twin: the command that needs libcst does import it, in the same process
        "assert main(['fix', '--diff', sys.argv[1]]) == 0\n"
        "assert 'libcst' in sys.modules, 'libcst not imported by fix'\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(FIXED_SERVICE)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "# MPS101: init-without-nt-service" in proc.stdout


def test_flake8_knows_the_plugin_version() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "flake8", "--version"], capture_output=True, text=True
    )
    assert proc.returncode == 0
    assert f"flake8-mapi-service: {__version__}" in proc.stdout
