"""The catalogue: complete entries, generated docs in step, and examples that
really produce their code (and fixes that really do not)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Dict, Set

import pytest
from conftest import OTHERS_OFF, ROOT, findings, run_flake8

from flake8_mapi_service.catalogue import DEFAULT_IGNORED, RULES, RULES_BY_CODE, get
from flake8_mapi_service.catalogue.rule import Rule

CODE = re.compile(r"^MPS\d{3}$")
NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
# MPS000 has no example: it is the analyzer's own failure
RUNNABLE = [r for r in RULES if r.code != "MPS000"]


def test_codes_and_names_are_well_formed_and_unique() -> None:
    codes = [r.code for r in RULES]
    assert codes == sorted(codes)
    assert len(set(codes)) == len(codes)
    assert all(CODE.match(c) for c in codes)
    names = [r.name for r in RULES]
    assert len(set(names)) == len(names)
    assert all(NAME.match(n) for n in names)


def test_the_core_codes_are_there() -> None:
    want = {"MPS000"} | {f"MPS10{i}" for i in range(1, 10)}
    assert want <= set(RULES_BY_CODE)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_every_field_is_filled(rule: Rule) -> None:
    for field in ("code", "name", "message", "short", "summary", "rationale", "example", "fix"):
        value = getattr(rule, field)
        assert isinstance(value, str) and value.strip(), f"{rule.code}.{field} is empty"
    if rule.code != "MPS000":
        assert rule.references, f"{rule.code} cites no reference"
    assert "{" not in rule.title and "}" not in rule.title
    if "{" not in rule.message:
        assert rule.format() == f"{rule.code} {rule.message}"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_the_one_line_summary_is_one_short_line_without_placeholders(rule: Rule) -> None:
    assert "\n" not in rule.short and rule.short == rule.short.strip()
    assert len(rule.short) <= 90, rule.short
    for placeholder in ("{", "}", "…", "..."):
        assert placeholder not in rule.short, rule.short


def test_the_readme_table_shows_summaries_not_messages() -> None:
    from flake8_mapi_service.catalogue import table

    rows = table().splitlines()[2:]
    assert len(rows) == len(RULES)
    for rule, row in zip(RULES, rows):
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert cells == [
            f"[{rule.code}](docs/rules/{rule.code}.md)",
            f"`{rule.name}`",
            "yes" if rule.service_only else "",
            "on" if rule.default_enabled else "off",
            rule.short,
        ]
    assert "…" not in table()


def test_messages_format_with_their_fields() -> None:
    assert RULES_BY_CODE["MPS000"].format(exc="KeyError") == (
        "MPS000 flake8-mapi-service could not analyse this file (KeyError); please report it"
    )
    assert "MAPI_NO_MAIL" in RULES_BY_CODE["MPS109"].format(call="MAPILogonEx", what="MAPI_NO_MAIL")


def test_service_flags_and_defaults() -> None:
    core_service = {"MPS101", "MPS102", "MPS103", "MPS105", "MPS106", "MPS107"}
    core_all = {"MPS000", "MPS104", "MPS108", "MPS109"}
    for code in core_service:
        assert RULES_BY_CODE[code].service_only, code
    for code in core_all:
        assert not RULES_BY_CODE[code].service_only, code
    assert "MPS109" in DEFAULT_IGNORED
    assert not RULES_BY_CODE["MPS109"].default_enabled
    assert all(RULES_BY_CODE[c].default_enabled for c in core_service | core_all - {"MPS109"})
    assert get("mps101") is RULES_BY_CODE["MPS101"]
    assert get("MPS999") is None


def test_generated_docs_are_in_step() -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "sync_docs.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


# -- examples and fixes through the real flake8 ----------------------------------------------


@pytest.fixture(scope="module")
def example_results(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, Set[str]]:
    """flake8's codes for every rule's example and fix, in one run."""
    root = tmp_path_factory.mktemp("examples")
    for rule in RUNNABLE:
        (root / f"{rule.code}_example.py").write_text(rule.example, encoding="utf-8")
        (root / f"{rule.code}_fix.py").write_text(rule.fix, encoding="utf-8")
    proc = run_flake8(
        [OTHERS_OFF, "--mapi-service=always", "--extend-select=MPS109", "."], cwd=root
    )
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    out: Dict[str, Set[str]] = {}
    for path, _, _, code, _ in findings(proc.stdout):
        out.setdefault(Path(path).stem, set()).add(code)
    return out


@pytest.fixture(scope="module")
def fix_results(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, Set[str]]:
    """flake8's codes for every rule's fix and example with the default options (and
    the opt-in MPS109): what a reader who copies a "Use instead" block gets."""
    root = tmp_path_factory.mktemp("fixes")
    for rule in RUNNABLE:
        (root / f"{rule.code}_fix.py").write_text(rule.fix, encoding="utf-8")
        (root / f"{rule.code}_example.py").write_text(rule.example, encoding="utf-8")
    proc = run_flake8([OTHERS_OFF, "--extend-select=MPS109", "."], cwd=root)
    assert proc.returncode in (0, 1), proc.stderr
    out: Dict[str, Set[str]] = {}
    for path, _, _, code, _ in findings(proc.stdout):
        out.setdefault(Path(path).stem, set()).add(code)
    return out


@pytest.mark.parametrize("rule", RUNNABLE, ids=lambda r: r.code)
def test_a_fix_gets_no_finding_at_all(rule: Rule, fix_results: Dict[str, Set[str]]) -> None:
    # no code of any rule: copying "Use instead" does not trade one finding for another
    assert fix_results.get(f"{rule.code}_fix", set()) == set()


def test_the_default_options_do_report_examples(fix_results: Dict[str, Set[str]]) -> None:
    # positive twin of the test above: the same run reports most rules' examples
    reported = {r.code for r in RUNNABLE if r.code in fix_results.get(f"{r.code}_example", ())}
    assert len(reported) > len(RUNNABLE) // 2, sorted(reported)


@pytest.mark.parametrize("rule", RUNNABLE, ids=lambda r: r.code)
def test_example_produces_its_code(rule: Rule, example_results: Dict[str, Set[str]]) -> None:
    got = example_results.get(f"{rule.code}_example", set())
    assert rule.code in got, f"{rule.code}'s example gives {sorted(got)}"
    assert "MPS000" not in got


@pytest.mark.parametrize("rule", RUNNABLE, ids=lambda r: r.code)
def test_fix_does_not(rule: Rule, example_results: Dict[str, Set[str]]) -> None:
    got = example_results.get(f"{rule.code}_fix", set())
    assert rule.code not in got, f"{rule.code}'s fix still gives it"
    assert "MPS000" not in got
    # positive twin: the same run (same options) reports the code on the rule's example
    assert rule.code in example_results.get(f"{rule.code}_example", set())
