"""The plugin's options through the real flake8: command line, config files, stdin,
``noqa``, ``--extend-ignore``, MPS109's default, and ``-j``."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Set, Tuple

import pytest
from conftest import FIXTURES, OTHERS_OFF, ROOT, findings, mps, run_flake8

from flake8_mapi_service.settings import SERVICE_MODES, invalid_choice

# Not service code by itself: no ServiceFramework, no entry point, no MAPI_NT_SERVICE.
WORKER = textwrap.dedent(
    """\
    from win32com.mapi import mapi


    def run():
        mapi.MAPIInitialize(None)
        session = mapi.MAPILogonEx(0, "", None, mapi.MAPI_EXTENDED)
        session.Logoff(0, 0, 0)
        mapi.MAPIUninitialize()
    """
)
AS_SERVICE = {(5, "MPS101"), (5, "MPS106"), (6, "MPS102"), (6, "MPS103")}

# Service code by its class; flags read from configuration are unknown.
UNKNOWN_FLAGS = textwrap.dedent(
    """\
    import win32serviceutil
    from win32com.mapi import mapi


    class Service(win32serviceutil.ServiceFramework):
        def SvcDoRun(self):
            mapi.MAPIInitialize((0, mapi.MAPI_NT_SERVICE))
            session = mapi.MAPILogonEx(0, "", None, self.flags)
            session.Logoff(0, 0, 0)
            mapi.MAPIUninitialize()
    """
)


def _write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _run(tmp_path: Path, *args: str, stdin: str | None = None) -> Set[Tuple[int, str]]:
    proc = run_flake8([OTHERS_OFF, *args], cwd=tmp_path, stdin=stdin)
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    return mps(proc.stdout)


def _run_paths(tmp_path: Path, *args: str) -> Set[Tuple[str, int, str]]:
    proc = run_flake8([OTHERS_OFF, *args], cwd=tmp_path)
    assert proc.returncode in (0, 1), proc.stderr
    return {
        (Path(p).as_posix().lstrip("./"), line, code)
        for p, line, _, code, _ in findings(proc.stdout)
        if code.startswith("MPS")
    }


# -- --mapi-service ------------------------------------------------------------------


def test_auto_mode_leaves_a_non_service_file_alone(tmp_path: Path) -> None:
    _write(tmp_path, "worker.py", WORKER)
    assert _run(tmp_path, "worker.py") == set()
    # positive twin, still in auto mode: the same worker declares itself a service by
    # logging on with MAPI_NT_SERVICE, and gets the service findings
    declares = WORKER.replace("mapi.MAPI_EXTENDED)", "mapi.MAPI_EXTENDED | mapi.MAPI_NT_SERVICE)")
    _write(tmp_path, "declares.py", declares)
    assert _run(tmp_path, "declares.py") == {(5, "MPS101"), (5, "MPS106"), (6, "MPS103")}


def test_always_makes_any_file_service_code(tmp_path: Path) -> None:
    _write(tmp_path, "worker.py", WORKER)
    assert _run(tmp_path, "--mapi-service=always", "worker.py") == AS_SERVICE


def test_never_turns_service_detection_off(tmp_path: Path) -> None:
    _write(tmp_path, "svc.py", UNKNOWN_FLAGS.replace("self.flags", "0"))
    assert _run(tmp_path, "svc.py") == {(8, "MPS102"), (8, "MPS103"), (7, "MPS106")}
    assert _run(tmp_path, "--mapi-service=never", "svc.py") == set()


def test_an_invalid_mode_is_rejected(tmp_path: Path) -> None:
    _write(tmp_path, "worker.py", WORKER)
    proc = run_flake8(["--mapi-service=sometimes", "worker.py"], cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    # argparse's own message (its wording of the choices differs between Python versions)
    usage, error = proc.stderr.splitlines()
    assert usage.startswith("usage: flake8 ")
    assert error.startswith("flake8: error: argument --mapi-service: invalid choice: 'sometimes'")
    assert all(choice in error for choice in ("auto", "always", "never"))


@pytest.mark.parametrize("config", ["setup.cfg", "tox.ini", ".flake8"])
def test_an_invalid_mode_in_a_config_file_is_the_command_lines_usage_error(
    tmp_path: Path, config: str
) -> None:
    """No traceback: the usage line and one error line naming the option, the value and
    the choices, with flake8's usage-error status (2), byte for byte what flake8 says
    for the same value on the command line."""
    _write(tmp_path, "worker.py", WORKER)
    command_line = run_flake8(["--mapi-service=sometimes", "worker.py"], cwd=tmp_path)
    _write(tmp_path, config, "[flake8]\nmapi-service = sometimes\n")
    from_config = run_flake8(["worker.py"], cwd=tmp_path)
    assert "Traceback" not in from_config.stderr, from_config.stderr
    assert (from_config.returncode, from_config.stdout) == (2, "")
    assert from_config.stderr == command_line.stderr
    usage, error = from_config.stderr.splitlines()
    assert usage.startswith("usage: flake8 ")
    assert error.startswith("flake8: error: argument --mapi-service: invalid choice: 'sometimes'")
    for choice in ("auto", "always", "never"):
        assert choice in error


@pytest.mark.parametrize("value", ["Always", "ALWAYS", " always "])
def test_a_mode_in_any_case_on_the_command_line(tmp_path: Path, value: str) -> None:
    _write(tmp_path, "worker.py", WORKER)
    assert _run(tmp_path, f"--mapi-service={value}", "worker.py") == AS_SERVICE


def test_a_mode_in_any_case_in_a_config_file(tmp_path: Path) -> None:
    _write(tmp_path, "svc.py", UNKNOWN_FLAGS.replace("self.flags", "0"))
    _write(tmp_path, "worker.py", WORKER)
    _write(tmp_path, "setup.cfg", "[flake8]\nmapi-service = NEVER\n")
    assert _run(tmp_path, "svc.py") == set()
    _write(tmp_path, "setup.cfg", "[flake8]\nmapi-service = Always\n")
    assert _run(tmp_path, "worker.py") == AS_SERVICE
    # and the command line's value, in its own case, still wins over the file
    assert _run(tmp_path, "--mapi-service=Auto", "worker.py") == set()


def test_service_paths_glob_on_the_command_line(tmp_path: Path) -> None:
    _write(tmp_path, "services/mail/worker.py", WORKER)
    _write(tmp_path, "desktop/worker.py", WORKER)
    got = _run_paths(tmp_path, "--mapi-service-paths=services/*.py", "services", "desktop")
    assert got == {("services/mail/worker.py", line, code) for line, code in AS_SERVICE}


def test_service_paths_several_globs(tmp_path: Path) -> None:
    _write(tmp_path, "a/worker.py", WORKER)
    _write(tmp_path, "b/worker.py", WORKER)
    _write(tmp_path, "c/worker.py", WORKER)
    got = _run_paths(tmp_path, "--mapi-service-paths=a/*.py", "a", "b", "c")
    assert {p for p, _, _ in got} == {"a/worker.py"}
    assert got == {("a/worker.py", line, code) for line, code in AS_SERVICE}
    # comma-separated, spaces allowed; "*/b/*" matches the absolute path
    got = _run_paths(tmp_path, "--mapi-service-paths=a/*.py, */b/*", "a", "b", "c")
    assert {p for p, _, _ in got} == {"a/worker.py", "b/worker.py"}
    assert got == {
        (p, line, code) for p in ("a/worker.py", "b/worker.py") for line, code in AS_SERVICE
    }


# -- configuration files ------------------------------------------------------------------


@pytest.mark.parametrize("config", ["setup.cfg", "tox.ini", ".flake8"])
def test_mode_from_config_file(tmp_path: Path, config: str) -> None:
    _write(tmp_path, "worker.py", WORKER)
    _write(tmp_path, config, "[flake8]\nmapi-service = always\n")
    assert _run(tmp_path, "worker.py") == AS_SERVICE
    # the command line wins over the file
    assert _run(tmp_path, "--mapi-service=auto", "worker.py") == set()


@pytest.mark.parametrize("config", ["setup.cfg", "tox.ini", ".flake8"])
def test_service_paths_from_config_file(tmp_path: Path, config: str) -> None:
    _write(tmp_path, "svc/worker.py", WORKER)
    _write(tmp_path, "tools/worker.py", WORKER)
    _write(
        tmp_path,
        config,
        "[flake8]\nmapi-service-paths =\n    svc/*.py\n    other/*.py\n",
    )
    got = _run_paths(tmp_path, "svc", "tools")
    assert got == {("svc/worker.py", line, code) for line, code in AS_SERVICE}


def test_config_with_underscores_is_accepted(tmp_path: Path) -> None:
    _write(tmp_path, "worker.py", WORKER)
    _write(tmp_path, "setup.cfg", "[flake8]\nmapi_service = always\n")
    assert _run(tmp_path, "worker.py") == AS_SERVICE


# -- noqa, --extend-ignore, MPS109 -------------------------------------------------------------


def test_noqa_with_a_code_silences_only_that_code(tmp_path: Path) -> None:
    lines = WORKER.splitlines(True)
    lines[4] = lines[4].rstrip("\n") + "  # noqa: MPS101\n"
    _write(tmp_path, "worker.py", "".join(lines))
    assert _run(tmp_path, "--mapi-service=always", "worker.py") == AS_SERVICE - {(5, "MPS101")}


def test_bare_noqa_silences_the_line(tmp_path: Path) -> None:
    lines = WORKER.splitlines(True)
    lines[5] = lines[5].rstrip("\n") + "  # noqa\n"
    _write(tmp_path, "worker.py", "".join(lines))
    got = _run(tmp_path, "--mapi-service=always", "worker.py")
    assert got == {(5, "MPS101"), (5, "MPS106")}


def test_extend_ignore(tmp_path: Path) -> None:
    _write(tmp_path, "worker.py", WORKER)
    got = _run(tmp_path, "--mapi-service=always", "--extend-ignore=MPS102,MPS106", "worker.py")
    assert got == {(5, "MPS101"), (6, "MPS103")}


def test_select_mps_only(tmp_path: Path) -> None:
    _write(tmp_path, "worker.py", WORKER + "import os\n")  # F401 would be reported otherwise
    proc = run_flake8(["--select=MPS", "--mapi-service=always", "worker.py"], cwd=tmp_path)
    assert {code for _, _, _, code, _ in findings(proc.stdout)} == {
        "MPS101",
        "MPS102",
        "MPS103",
        "MPS106",
    }


def test_mps109_is_off_by_default_and_on_with_extend_select(tmp_path: Path) -> None:
    _write(tmp_path, "svc.py", UNKNOWN_FLAGS)
    assert _run(tmp_path, "svc.py") == {(7, "MPS106")}
    assert _run(tmp_path, "--extend-select=MPS109", "svc.py") == {(7, "MPS106"), (8, "MPS109")}


def test_mps109_from_config(tmp_path: Path) -> None:
    _write(tmp_path, "svc.py", UNKNOWN_FLAGS)
    _write(tmp_path, "setup.cfg", "[flake8]\nextend-select = MPS109\n")
    assert (8, "MPS109") in _run(tmp_path, "svc.py")


# -- stdin ------------------------------------------------------------------------------------


def test_stdin_uses_the_display_name(tmp_path: Path) -> None:
    proc = run_flake8(
        [OTHERS_OFF, "--mapi-service=always", "--stdin-display-name=svc/worker.py", "-"],
        cwd=tmp_path,
        stdin=WORKER,
    )
    got = {(p, line, code) for p, line, _, code, _ in findings(proc.stdout)}
    assert got == {("svc/worker.py", line, code) for line, code in AS_SERVICE}


def test_stdin_display_name_matches_service_paths(tmp_path: Path) -> None:
    args = ["--mapi-service-paths=svc/*.py", "-"]
    assert _run(tmp_path, "--stdin-display-name=svc/worker.py", *args, stdin=WORKER) == AS_SERVICE
    assert _run(tmp_path, "--stdin-display-name=app/worker.py", *args, stdin=WORKER) == set()


def test_stdin_without_a_display_name(tmp_path: Path) -> None:
    assert _run(tmp_path, "-", stdin=WORKER) == set()
    assert _run(tmp_path, "--mapi-service=always", "-", stdin=WORKER) == AS_SERVICE


# -- parallel runs ------------------------------------------------------------------------------


def test_jobs_2_equals_jobs_1() -> None:
    target = str(FIXTURES.relative_to(ROOT) / "core")
    one = run_flake8([OTHERS_OFF, "--mapi-service=always", "-j1", target])
    two = run_flake8([OTHERS_OFF, "--mapi-service=always", "-j2", target])
    assert one.returncode == two.returncode == 1, (one.stderr, two.stderr)
    assert sorted(one.stdout.splitlines()) == sorted(two.stdout.splitlines())
    assert len(one.stdout.splitlines()) > 20


def test_select_mps_leaves_mps109_off_until_it_is_named(tmp_path: Path) -> None:
    # as README says: the opt-in code is reported only when a selection names it
    _write(tmp_path, "svc.py", UNKNOWN_FLAGS)
    assert _run(tmp_path, "--select=MPS", "svc.py") == {(7, "MPS106")}
    assert (8, "MPS109") in _run(tmp_path, "--select=MPS,MPS109", "svc.py")
    assert (8, "MPS109") in _run(tmp_path, "--select=MPS1", "svc.py")


def _command(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The installed ``flake8-mapi-service`` command."""
    script = Path(sys.executable).parent / "flake8-mapi-service"
    return subprocess.run(
        [str(script), *args], cwd=str(cwd), capture_output=True, text=True, timeout=300
    )


@pytest.mark.parametrize("command", ["fix", "context"])
def test_the_commands_read_the_mode_in_any_case_and_reject_a_bad_one(
    tmp_path: Path, command: str
) -> None:
    """``fix`` and ``context`` read ``mapi-service`` from the same config: any case is
    accepted there and on their command line; a bad value is one line and status 2."""
    _write(tmp_path, "worker.py", WORKER)
    extra = ["--diff"] if command == "fix" else []
    _write(tmp_path, "setup.cfg", "[flake8]\nmapi-service = sometimes\n")
    proc = _command(command, *extra, "worker.py", cwd=tmp_path)
    assert (proc.returncode, proc.stdout) == (2, ""), proc.stderr
    # argparse's words for it (they differ between Python versions), on one line
    message = invalid_choice("sometimes", SERVICE_MODES)
    assert message.startswith("invalid choice: 'sometimes' (choose from ")
    assert proc.stderr == f"flake8-mapi-service {command}: --mapi-service: {message}\n"
    proc = _command(command, *extra, "--mapi-service=sometimes", "worker.py", cwd=tmp_path)
    assert proc.returncode == 2
    assert "argument --mapi-service: invalid choice: 'sometimes'" in proc.stderr
    _write(tmp_path, "setup.cfg", "[flake8]\nmapi-service = Always\n")
    for args in ([], ["--mapi-service=ALWAYS"]):
        proc = _command(command, *extra, *args, "worker.py", cwd=tmp_path)
        assert "Traceback" not in proc.stderr, proc.stderr
        if command == "fix":  # the worker is service code: its MPS101 would be fixed
            assert proc.returncode == 1, proc.stderr
            assert "worker.py:5:5: MPS101 would fix" in proc.stderr
        else:
            assert proc.returncode == 0, proc.stderr
            assert "  service code: --mapi-service=always\n" in proc.stdout


# -- yes/no options in config files ----------------------------------------------------

MAILER = textwrap.dedent(
    """\
    from win32com.mapi import mapi


    def run():
        session = mapi.MAPILogonEx(0, "", None, mapi.MAPI_EXTENDED)
        session.Logoff(0, 0, 0)
    """
)
# service code only through the project: the service module calls the mailer
SERVICE = textwrap.dedent(
    """\
    import win32serviceutil
    from win32com.mapi import mapi

    import mailer


    class Service(win32serviceutil.ServiceFramework):
        def SvcDoRun(self):
            mapi.MAPIInitialize((0, mapi.MAPI_NT_SERVICE))
            mailer.run()
            mapi.MAPIUninitialize()
    """
)
IN_PROJECT = {(5, "MPS102"), (5, "MPS103")}


@pytest.mark.parametrize("word", ["yes", "True", "ON", "1"])
def test_a_yes_no_option_in_a_config_file_takes_configparsers_words(
    tmp_path: Path, word: str
) -> None:
    _write(tmp_path, "mailer.py", MAILER)
    _write(tmp_path, "service.py", SERVICE)
    _write(tmp_path, "setup.cfg", "[flake8]\nmapi-no-cache = on\n")
    assert _run(tmp_path, "mailer.py") == IN_PROJECT
    assert not (tmp_path / ".mapi_service_cache").exists()  # mapi-no-cache = on
    _write(tmp_path, "setup.cfg", f"[flake8]\nmapi-single-file = {word}\n")
    assert _run(tmp_path, "mailer.py") == set()  # alone, the mailer is not service code
    no = {"yes": "no", "True": "False", "ON": "off", "1": "0"}[word]
    _write(tmp_path, "setup.cfg", f"[flake8]\nmapi-single-file = {no}\nmapi-no-cache = {no}\n")
    assert _run(tmp_path, "mailer.py") == IN_PROJECT
    assert (tmp_path / ".mapi_service_cache").exists()  # the cache is on again
    # the command line's flag still means yes
    assert _run(tmp_path, "--mapi-single-file", "mailer.py") == set()


@pytest.mark.parametrize("option", ["mapi-single-file", "mapi-no-cache"])
def test_a_bad_yes_no_word_in_a_config_file_is_a_usage_error(tmp_path: Path, option: str) -> None:
    """Not configparser's traceback (flake8's own store_true options give one): the
    usage line and one error line naming the option, the value and the words."""
    _write(tmp_path, "mailer.py", MAILER)
    _write(tmp_path, "setup.cfg", f"[flake8]\n{option} = maybe\n")
    proc = run_flake8(["mailer.py"], cwd=tmp_path)
    assert (proc.returncode, proc.stdout) == (2, ""), proc.stderr
    usage, error = proc.stderr.splitlines()
    assert usage.startswith("usage: flake8 ")
    assert error == (
        f"flake8: error: argument --{option}: invalid value: 'maybe' "
        "(choose from 1, yes, true, on, 0, no, false, off)"
    )
    if option == "mapi-single-file":  # fix reads it too
        proc = _command("fix", "--diff", "mailer.py", cwd=tmp_path)
        assert (proc.returncode, proc.stdout) == (2, ""), proc.stderr
        assert proc.stderr == (
            "flake8-mapi-service fix: --mapi-single-file: invalid value: 'maybe' "
            "(choose from 1, yes, true, on, 0, no, false, off)\n"
        )
