"""The rule docs: a page per catalogue code, in step with the catalogue, in one shape, and
the same text from ``flake8-mapi-service explain CODE``; README's links and ruff recipe.

Everything is driven by the catalogue, so codes added to it are covered without editing
this file.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Tuple
from urllib.parse import urlparse
from urllib.request import url2pathname

import pytest
from conftest import ROOT, findings, run_flake8

from flake8_mapi_service.catalogue import RULES, SECTIONS, explain
from flake8_mapi_service.catalogue.rule import DOCS_URL, LEVELS, PAGES, Rule

RULES_DIR = ROOT / "docs" / "rules"
#: the same pages, shipped inside the package (SARIF's helpUri points at them)
PACKAGE_PAGES = ROOT / "flake8_mapi_service" / "catalogue" / "pages"
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


@pytest.mark.parametrize("folder", [RULES_DIR, PACKAGE_PAGES], ids=["docs", "package"])
@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_page_is_the_catalogues_text(rule: Rule, folder: Path) -> None:
    page = folder / f"{rule.code}.md"
    assert page.is_file(), f"{page} is missing: run python tools/sync_docs.py"
    assert page.read_text(encoding="utf-8") == explain(rule), (
        f"{page.name} is stale: run python tools/sync_docs.py"
    )


@pytest.mark.parametrize("folder", [RULES_DIR, PACKAGE_PAGES], ids=["docs", "package"])
def test_no_page_without_a_code(folder: Path) -> None:
    codes = {r.code for r in RULES}
    stray = [p.name for p in folder.glob("*.md") if p.stem not in codes]
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


def _documentation_url() -> str:
    """``[project.urls] Documentation`` of pyproject.toml, "" when there is none."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    if sys.version_info >= (3, 11):
        import tomllib

        return str(tomllib.loads(text)["project"].get("urls", {}).get("Documentation", ""))
    m = re.search(r'^Documentation = "([^"]+)"', text, re.M)  # pragma: no cover
    return m.group(1) if m else ""  # pragma: no cover


def test_help_uri_is_absolute_and_points_at_a_page_that_exists() -> None:
    """Published (DOCS_URL set, with pyproject's Documentation URL as its prefix), or
    the page inside the package: a ``file:`` URI of the catalogue's text."""
    documentation = _documentation_url()
    if DOCS_URL:  # pragma: no cover - the project has no public home yet
        assert documentation and DOCS_URL.split("{code}")[0].startswith(documentation)
    else:
        assert documentation == "", "a Documentation URL that DOCS_URL does not use"
        assert PAGES == PACKAGE_PAGES.resolve()
    for rule in RULES:
        uri = urlparse(rule.doc_url)
        assert "{" not in rule.doc_url
        assert rule.level in LEVELS, rule.code
        if DOCS_URL:  # pragma: no cover
            assert uri.scheme == "https" and uri.netloc, rule.doc_url
            continue
        assert uri.scheme == "file", rule.doc_url
        page = Path(url2pathname(uri.path))
        assert page.is_absolute() and page == PAGES / f"{rule.code}.md"
        assert page.read_text(encoding="utf-8") == explain(rule)


def test_help_uri_points_at_the_installed_page(tmp_path: Path) -> None:
    """A real (not editable) install, built by pip from a copy of this work tree (pip
    builds in the source folder): the package holds the rule pages, and each rule's
    helpUri is the page inside the installed package."""
    source = tmp_path / "source"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "build", "dist", "*.egg-info", "*_cache", ".hypothesis", "__pycache__"
        ),
    )
    target = tmp_path / "site"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(target),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    code = (
        "import json, flake8_mapi_service\n"
        "from flake8_mapi_service.catalogue import RULES\n"
        "print(json.dumps([flake8_mapi_service.__file__] + [r.doc_url for r in RULES]))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=str(tmp_path), env=env, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    package, *uris = json.loads(proc.stdout)
    assert Path(package).resolve().parent == (target / "flake8_mapi_service").resolve()
    assert len(uris) == len(RULES)
    for rule, uri in zip(RULES, uris):
        parsed = urlparse(uri)
        assert parsed.scheme == "file", uri
        page = Path(url2pathname(parsed.path))
        expected = target / "flake8_mapi_service" / "catalogue" / "pages" / f"{rule.code}.md"
        assert page == expected.resolve()
        assert page.read_text(encoding="utf-8") == explain(rule)


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
