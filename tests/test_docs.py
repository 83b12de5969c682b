"""The rule docs: a page per catalogue code, in step with the catalogue, in one shape, and
the same text from ``flake8-mapi-service explain CODE``; README's links and ruff recipe.

Everything is driven by the catalogue, so codes added to it are covered without editing
this file.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Tuple
from urllib.parse import urlparse

import pytest
from conftest import ROOT, findings, run_flake8

from flake8_mapi_service.catalogue import RULES, SECTIONS, explain
from flake8_mapi_service.catalogue.rule import DOCS_URL, LEVELS, Rule

RULES_DIR = ROOT / "docs" / "rules"
MICROSOFT = re.compile(r"https://(learn|support|docs)\.microsoft\.com/\S+")
#: the analyzer's own failure has no Microsoft reference
NO_MICROSOFT_REFERENCE = {"MPS000"}


def _sections(page: str) -> Dict[str, str]:
    out: Dict[str, str] = {}
    parts = re.split(r"^## (.+)$", page, flags=re.M)
    for title, body in zip(parts[1::2], parts[2::2]):
        out[title.strip()] = body.strip()
    return out


def _console_script() -> Path:
    name = "flake8-mapi-service" + (".exe" if sys.platform == "win32" else "")
    script = Path(sys.executable).parent / name
    assert script.is_file(), f"the console script is not installed beside {sys.executable}"
    return script


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_page_is_the_catalogues_text(rule: Rule) -> None:
    page = RULES_DIR / f"{rule.code}.md"
    assert page.is_file(), f"{page} is missing: run python tools/sync_docs.py"
    assert page.read_text(encoding="utf-8") == explain(rule), (
        f"{page.name} is stale: run python tools/sync_docs.py"
    )


def test_no_page_without_a_code() -> None:
    codes = {r.code for r in RULES}
    stray = [p.name for p in RULES_DIR.glob("*.md") if p.stem not in codes]
    assert stray == []
    # the glob does see the pages: one per code
    assert sorted(p.stem for p in RULES_DIR.glob("*.md")) == sorted(codes)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_page_has_every_section(rule: Rule) -> None:
    page = explain(rule)
    assert page.startswith(f"# {rule.code}: {rule.name}\n")
    assert f"`{rule.code} {rule.title}`" in page
    sections = _sections(page)
    assert tuple(sections) == SECTIONS
    for title, body in sections.items():
        assert body, f"{rule.code}: section {title!r} is empty"
    assert "```python" in sections["Example"]
    assert "```python" in sections["Use instead"]


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_why_cites_microsoft(rule: Rule) -> None:
    why = _sections(explain(rule))["Why is this bad?"]
    if rule.code in NO_MICROSOFT_REFERENCE:
        return
    assert MICROSOFT.search(why), f"{rule.code}: 'Why is this bad?' cites no Microsoft page"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_explain_prints_the_page(rule: Rule) -> None:
    proc = subprocess.run(
        [str(_console_script()), "explain", rule.code.lower()],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == (RULES_DIR / f"{rule.code}.md").read_text(encoding="utf-8")


def test_readme_table_links_every_page() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    links = re.findall(r"^\| \[(MPS\d{3})\]\((docs/rules/MPS\d{3}\.md)\) \|", readme, flags=re.M)
    assert [code for code, _ in links] == [r.code for r in RULES]
    for code, target in links:
        assert target == f"docs/rules/{code}.md"
        assert (ROOT / target).is_file()


def test_help_uri_is_absolute_and_declared_in_pyproject() -> None:
    if sys.version_info >= (3, 11):
        import tomllib

        pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
        documentation = pyproject["project"]["urls"]["Documentation"]
    else:  # pragma: no cover - the line is simple enough to find without a TOML parser
        m = re.search(r'^Documentation = "([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.M)
        assert m
        documentation = m.group(1)
    assert DOCS_URL.split("{code}")[0].startswith(documentation)
    for rule in RULES:
        uri = urlparse(rule.doc_url)
        assert uri.scheme == "https" and uri.netloc, rule.doc_url
        assert "{" not in rule.doc_url
        assert rule.level in LEVELS, rule.code


# -- README's ruff recipe, with the real ruff -----------------------------------------------


def _ruff(args: List[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args], cwd=str(cwd), capture_output=True, text=True
    )


def test_ruff_external_keeps_mps_noqa_comments(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n### ruff users\n", 1)[1].split("\n## ", 1)[0]
    (toml,) = re.findall(r"```toml\n(.*?)```", section, flags=re.S)
    assert 'external = ["MPS"]' in toml
    source = "from win32com.mapi import mapi\n\nmapi.MAPIInitialize(None)  # noqa: MPS101\n"
    (tmp_path / "service.py").write_text(source, encoding="utf-8")
    check = ["check", "--no-cache", "--select=RUF100,RUF102", "--output-format=concise", "."]

    # without the setting ruff calls the code invalid (and its fix would delete it) ...
    (tmp_path / "pyproject.toml").write_text("[tool.ruff.lint]\n", encoding="utf-8")
    proc = _ruff(check, tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "RUF102" in proc.stdout and "MPS101" in proc.stdout

    # ... with README's setting it leaves it to flake8
    (tmp_path / "pyproject.toml").write_text(toml, encoding="utf-8")
    proc = _ruff(check, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr


# -- README's noqa / per-file-ignores / select advice, with the real flake8 -----------------

UNKNOWN_FLAGS = (
    "from win32com.mapi import mapi\n\n\n"
    "def logon(flags):\n"
    '    return mapi.MAPILogonEx(0, "", None, flags)\n'
)


def _codes(args: List[str], cwd: Path) -> List[Tuple[str, int, str]]:
    proc = run_flake8(args, cwd=cwd)
    assert proc.returncode in (0, 1), proc.stderr
    return [(Path(p).as_posix(), line, code) for p, line, _, code, _ in findings(proc.stdout)]


def test_the_opt_in_code_needs_naming_as_readme_says(tmp_path: Path) -> None:
    (tmp_path / "logon.py").write_text(UNKNOWN_FLAGS, encoding="utf-8")
    assert _codes(["logon.py"], tmp_path) == []
    assert _codes(["--select=MPS", "logon.py"], tmp_path) == []
    named = [("logon.py", 5, "MPS109")]
    for selection in ("--extend-select=MPS109", "--select=MPS1", "--select=E,MPS10"):
        assert _codes([selection, "logon.py"], tmp_path) == named, selection
    (tmp_path / "setup.cfg").write_text("[flake8]\nextend-select = MPS109\n", encoding="utf-8")
    assert _codes(["--select=MPS", "logon.py"], tmp_path) == named
    # and flake8's own ignore still wins over a named selection
    assert _codes(["--select=MPS", "--extend-ignore=MPS109", "logon.py"], tmp_path) == []


def test_readme_noqa_and_per_file_ignores(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n### noqa and per-file-ignores\n", 1)[1].split("\n### ", 1)[0]
    (noqa_line,) = re.findall(r"```python\n(.*?)\n```", section, flags=re.S)
    (ini,) = re.findall(r"```ini\n(.*?)```", section, flags=re.S)
    source = "from win32com.mapi import mapi\n\n{}\nmapi.MAPIInitialize(None)\n"
    (tmp_path / "tools").mkdir()
    (tmp_path / "tests").mkdir()
    for path in ("service.py", "tools/admin.py", "tests/test_service.py"):
        (tmp_path / path).write_text(source.format(noqa_line), encoding="utf-8")
    args = ["--mapi-service=always", "--select=MPS", "."]
    files = ("service.py", "tests/test_service.py", "tools/admin.py")
    # the noqa comment silences its code on its own line only
    got = [c for c in _codes(args, tmp_path) if c[2] == "MPS101"]
    assert sorted(got) == [(p, 4, "MPS101") for p in files]
    assert [c for c in _codes(args, tmp_path) if c[1] == 3 and c[2] == "MPS101"] == []
    # README's per-file-ignores silence the tools (MPS1xx) and the tests (every MPS code)
    (tmp_path / "setup.cfg").write_text(ini, encoding="utf-8")
    got = _codes(args, tmp_path)
    assert {p for p, _, _ in got} == {"service.py"}
    assert ("service.py", 4, "MPS101") in got
