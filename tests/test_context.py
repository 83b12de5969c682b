"""``flake8-mapi-service context``: how files are seen in their project."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import FIXTURES

PROJECT = FIXTURES / "projects" / "package_layout"


def context(*args: str, cwd: Path = PROJECT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flake8_mapi_service.cli", "context", *args],
        cwd=str(cwd),
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_text_says_why_and_how_service_code_reaches_a_file() -> None:
    proc = context("mailsvc/mailer.py", "mailsvc/service.py", "reindex.py")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "mailsvc/service.py\n  service code: class RelayService derives from" in out
    assert "mailsvc/mailer.py\n  service code in part" in out
    assert (
        "    logon (line 15): RelayService.SvcDoRun calls (mailsvc/service.py:29)"
        " -> run calls (mailsvc/mailer.py:20) -> logon"
    ) in out
    # reindex() is called by a script only: not listed as reached, not on the MAPI thread
    assert "reindex (line" not in out
    assert "    run (line 19): the MAPI thread calls it" in out
    assert "reindex.py\n  not service code" in out


def test_json_has_the_same_facts() -> None:
    proc = context("--format=json", "mailsvc/mailer.py")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    (report,) = data["files"]
    assert report["path"] == "mailsvc/mailer.py"
    assert report["service"] is True and report["reason"] is None
    by_name = {f["name"]: f for f in report["functions"]}
    assert by_name["run"]["service_chain"] == [
        {"caller": "RelayService.SvcDoRun", "how": "calls", "at": "mailsvc/service.py:29"}
    ]
    assert by_name["run"]["mapi_thread"] == "the MAPI thread calls it"
    assert by_name["reindex"]["service"] is False and by_name["reindex"]["mapi_thread"] is None


def test_mermaid_flowchart_from_entries_to_mapi_calls_and_waits() -> None:
    proc = context("--format=mermaid", ".")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "flowchart TD"
    labels = {line.split('["', 1)[1].rstrip('"]') for line in lines if '["' in line}
    assert "RelayService.SvcDoRun<br/>mailsvc/service.py:24" in labels
    assert "time.sleep<br/>mailsvc/mailer.py:24" in labels
    assert "mapi.MAPILogonEx<br/>mailsvc/mailer.py:16" in labels
    assert not any(label.startswith("reindex") for label in labels)
    assert any(line.strip().startswith("class ") and line.endswith(" mapi") for line in lines)
    assert any("-->" in line for line in lines)


def test_unknown_path_is_a_usage_error() -> None:
    proc = context("no/such/file.py")
    assert proc.returncode == 2
    assert "no such file or directory" in proc.stderr


def test_module_code_an_import_makes_service_code_is_shown(tmp_path: Path) -> None:
    """What flake8 reports as service code (MPS205 on a module-level ``input()`` of a
    module the service imports), ``context`` says is service code, and why."""
    (tmp_path / "setup.cfg").write_text("[flake8]\n", "utf-8")
    (tmp_path / "creds.py").write_text('USER = input("user: ")\n', "utf-8")
    (tmp_path / "svc.py").write_text(
        "import win32serviceutil\n\nimport creds\n\n\n"
        "class Svc(win32serviceutil.ServiceFramework):\n"
        "    def SvcDoRun(self):\n"
        "        print(creds.USER)\n",
        "utf-8",
    )
    (tmp_path / "tool.py").write_text('NAME = input("name: ")\n', "utf-8")
    proc = context("creds.py", "tool.py", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == (
        "creds.py\n"
        "  service code in part: the functions service code reaches\n"
        "    module code: module code imports (svc.py) -> module code\n"
        "  nothing of it runs on the MAPI thread\n"
        # twin: module code nothing imports is not service code
        "tool.py\n"
        "  not service code: nothing makes it a service, and no service code reaches it\n"
        "  nothing of it runs on the MAPI thread\n"
    )
