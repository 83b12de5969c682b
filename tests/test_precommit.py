"""The pre-commit hooks, run by the real pre-commit in throw-away git repositories.

README's first way is a shell script that writes ``.pre-commit-config.yaml`` with the
clone's path as ``repo`` and its HEAD commit as ``rev``; it is run for real with this
checkout as the clone. pre-commit clones that commit, builds the hooks' environment with pip
(dependencies from the package index), and runs them from git's pre-commit hook: the fix
hook repairs a flag mistake, the check hook refuses a mistake fix cannot repair (and a file
that does not parse), the corrected service is committed. README's second way (the plugin
as an additional dependency of a flake8 hook) gets the same commit cycle.

Nothing here is skipped: without git, pre-commit or access to the package index the test
fails.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional
from urllib.parse import urlparse
from urllib.request import url2pathname

import yaml
from conftest import ROOT, findings, run_flake8
from samples import BAD_CODE, BAD_COL, BAD_LINE, BAD_SERVICE, CLEAN_SERVICE

from flake8_mapi_service.catalogue import DEFAULT_IGNORED, RULES_BY_CODE, explain

HOOKS_FILE = ROOT / ".pre-commit-hooks.yaml"
HOOK_ID = "flake8-mapi-service"


def _hooks() -> List[Dict[str, Any]]:
    hooks = yaml.safe_load(HOOKS_FILE.read_text(encoding="utf-8"))
    assert isinstance(hooks, list)
    return hooks


#: the clone README's examples install from
README_CLONE = "/opt/flake8-mapi-service"


def _readme_section() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return readme.split("\n## pre-commit\n", 1)[1].split("\n## ", 1)[0]


def _readme_script() -> str:
    """README's first way: the shell lines that write the config and install the hooks."""
    blocks = re.findall(r"```sh\n(.*?)```", _readme_section(), flags=re.S)
    assert len(blocks) == 1, "README's pre-commit section should show one script"
    return blocks[0]


def _readme_configs() -> List[Dict[str, Any]]:
    """The configurations of README's pre-commit section, parsed: the one its script
    writes (with the clone's commit left as ``$(...)``), and the YAML snippet."""
    script = _readme_script()
    heredoc = re.search(r"<<EOF\n(.*?)^EOF$", script, flags=re.S | re.M)
    assert heredoc, script
    blocks = re.findall(r"```yaml\n(.*?)```", _readme_section(), flags=re.S)
    assert len(blocks) == 1, "README's pre-commit section should show the flake8 hook's way"
    return [yaml.safe_load(heredoc.group(1)), yaml.safe_load(blocks[0])]


# -- the manifest -------------------------------------------------------------------------


def test_manifest_is_valid_for_pre_commit() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-manifest", str(HOOKS_FILE)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _entry() -> List[str]:
    (hook,) = [h for h in _hooks() if h["id"] == HOOK_ID]
    assert hook["language"] == "python"
    assert hook["types"] == ["python"]
    return shlex.split(hook["entry"])


def test_hook_selects_mps_and_leaves_the_opt_in_codes_off() -> None:
    # `MPS`, the shortest select for the plugin's codes, so that any MPS prefix in the
    # user's per-file-ignores wins; the plugin itself keeps the opt-in codes off unless
    # named; E902/E999 report a file that cannot be read or parsed
    assert _entry() == ["flake8", "--select=MPS,E902,E999"]
    assert DEFAULT_IGNORED == ("MPS109",)


UNKNOWN_FLAGS = (
    "from win32com.mapi import mapi\n\n\n"
    "def logon(flags):\n"
    '    return mapi.MAPILogonEx(0, "", None, flags)\n'
)


#: a module that does not parse: flake8 reports E999 on line 3
BROKEN = "from win32com.mapi import mapi\n\nmapi.MAPIInitialize(None\n"


def test_hook_entry_keeps_the_users_configuration(tmp_path: Path) -> None:
    """The entry's flake8 command, run for real: the user's config stays in force."""
    (tmp_path / "tools").mkdir()
    (tmp_path / "tests").mkdir()
    for path in ("service.py", "tools/admin.py", "tests/test_service.py", "legacy.py"):
        (tmp_path / path).write_text(BAD_SERVICE, encoding="utf-8")
    (tmp_path / "logon.py").write_text(UNKNOWN_FLAGS, encoding="utf-8")
    unused_import = BAD_SERVICE.replace(
        "import servicemanager\n", "import servicemanager\nimport os\n"
    )
    (tmp_path / "service2.py").write_text(unused_import, encoding="utf-8")
    # files that do not parse are reported, even where the MPS codes are ignored
    (tmp_path / "broken.py").write_text(BROKEN, encoding="utf-8")
    (tmp_path / "tests" / "test_broken.py").write_text(BROKEN, encoding="utf-8")
    (tmp_path / "setup.cfg").write_text(
        "[flake8]\n"
        "extend-ignore = MPS999\n"
        "per-file-ignores =\n"
        "    tools/*.py: MPS1\n"
        "    tests/*: MPS\n"
        "    legacy.py: MPS101\n",
        encoding="utf-8",
    )
    flake8, *args = _entry()
    assert flake8 == "flake8"
    proc = run_flake8([*args, "."], cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    got = sorted((Path(p).as_posix(), line, code) for p, line, _, code, _ in findings(proc.stdout))
    # per-file-ignores with short prefixes hold, MPS109 (logon.py) stays off, and no other
    # tool's codes are reported (service2.py has an unused import); syntax errors are
    assert got == [
        ("broken.py", 3, "E999"),
        ("service.py", BAD_LINE, BAD_CODE),
        ("service2.py", BAD_LINE + 1, BAD_CODE),
        ("tests/test_broken.py", 3, "E999"),
    ]
    for path in ("broken.py", "tests/test_broken.py"):
        (tmp_path / path).unlink()
    # the user's extend-ignore and ignore are kept
    for key in ("extend-ignore", "ignore"):
        (tmp_path / "setup.cfg").write_text(f"[flake8]\n{key} = MPS101\n", encoding="utf-8")
        proc = run_flake8([*args, "."], cwd=tmp_path)
        assert (proc.returncode, proc.stdout) == (0, ""), proc.stdout + proc.stderr
    # and the user's extend-select turns the opt-in MPS109 on
    (tmp_path / "setup.cfg").write_text("[flake8]\nextend-select = MPS109\n", encoding="utf-8")
    proc = run_flake8([*args, "logon.py"], cwd=tmp_path)
    assert [(line, code) for _, line, _, code, _ in findings(proc.stdout)] == [(5, "MPS109")]


def test_readme_shows_both_ways() -> None:
    ours, flake8s = _readme_configs()
    (repo,) = ours["repos"]
    # no placeholder: the clone's path, and its commit as git prints it
    assert repo["repo"] == README_CLONE
    assert repo["rev"] == f"$(git -C {README_CLONE} rev-parse HEAD)"
    assert [h["id"] for h in repo["hooks"]] == ["flake8-mapi-service-fix", HOOK_ID]
    assert {h["id"] for h in _hooks()} == {"flake8-mapi-service-fix", HOOK_ID}
    assert "<" not in _readme_section().replace("<<EOF", "")
    (repo,) = flake8s["repos"]
    (hook,) = repo["hooks"]
    assert hook["id"] == "flake8"
    assert repo["repo"].endswith("/flake8")
    assert hook["additional_dependencies"] == [README_CLONE]


# -- the real thing -----------------------------------------------------------------------


def _env(tmp_path: Path) -> Mapping[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    # a private pre-commit cache, and no git configuration of the machine (hooksPath, signing)
    env["PRE_COMMIT_HOME"] = str(tmp_path / "pre-commit-home")
    env["GIT_CONFIG_NOSYSTEM"] = "1"
    env["GIT_CONFIG_GLOBAL"] = os.devnull
    return env


def _run(args: List[str], cwd: Path, env: Mapping[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        args, cwd=str(cwd), env=dict(env), capture_output=True, text=True, timeout=900
    )


def _head_of_this_checkout(env: Mapping[str, str]) -> str:
    proc = _run(["git", "rev-parse", "HEAD"], ROOT, env)
    assert proc.returncode == 0, f"this checkout must be a git repository: {proc.stderr}"
    head = proc.stdout.strip()
    # pre-commit installs the committed hook: make sure it is the one in the work tree
    shown = _run(["git", "show", f"{head}:.pre-commit-hooks.yaml"], ROOT, env)
    assert shown.returncode == 0, "commit .pre-commit-hooks.yaml first"
    assert shown.stdout == HOOKS_FILE.read_text(encoding="utf-8"), (
        "commit .pre-commit-hooks.yaml first: pre-commit installs the hook from HEAD"
    )
    return head


def _project(tmp_path: Path, env: Mapping[str, str], config: Optional[Dict[str, Any]]) -> Path:
    """A new git repository with ``config`` as its pre-commit config, hooks installed
    (``None``: an empty repository)."""
    project = tmp_path / "project"
    project.mkdir()
    git = ["git", "-c", "init.defaultBranch=main"]
    assert _run([*git, "init", "-q"], project, env).returncode == 0
    for key, value in (
        ("user.name", "Service Author"),
        ("user.email", "author@example.invalid"),
        ("commit.gpgsign", "false"),
    ):
        assert _run(["git", "config", key, value], project, env).returncode == 0
    if config is None:
        return project
    (project / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    proc = _run([sys.executable, "-m", "pre_commit", "install"], project, env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert _run(["git", "add", ".pre-commit-config.yaml"], project, env).returncode == 0
    return project


def _refuses_the_mistake_and_commits_the_fix(
    project: Path, env: Mapping[str, str], hook_id: str
) -> None:
    # a service with a MAPI mistake: the commit is refused, with the finding
    (project / "service.py").write_text(BAD_SERVICE, encoding="utf-8")
    assert _run(["git", "add", "service.py"], project, env).returncode == 0
    proc = _run(["git", "commit", "-q", "-m", "add the service"], project, env)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output
    assert re.search(rf"^{re.escape(hook_id)}\.+Failed$", output, flags=re.M), output
    findings = re.findall(r"^(\S+\.py):(\d+):(\d+): (\w+) ", output, flags=re.M)
    assert findings == [("service.py", str(BAD_LINE), str(BAD_COL), BAD_CODE)], output
    assert _run(["git", "rev-parse", "-q", "--verify", "HEAD"], project, env).returncode != 0

    # the corrected service is committed
    (project / "service.py").write_text(CLEAN_SERVICE, encoding="utf-8")
    assert _run(["git", "add", "service.py"], project, env).returncode == 0
    proc = _run(["git", "commit", "-q", "-m", "add the service"], project, env)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    assert re.search(rf"^{re.escape(hook_id)}\.+Passed$", output, flags=re.M), output
    log = _run(["git", "log", "--format=%s"], project, env)
    assert log.stdout.split("\n")[0] == "add the service"


#: a service mistake fix cannot repair: MPS106 (MAPI initialized, OleInitialize never called)
NO_OLE_SERVICE = CLEAN_SERVICE.replace("        pythoncom.OleInitialize()\n", "")
NO_OLE_LINE = BAD_LINE - 1


def test_readmes_script_installs_both_hooks(tmp_path: Path) -> None:
    """README's first way, its script run for real with this checkout as the clone: the
    config it writes has the clone's commit, pre-commit installs both hooks from it; the
    fix hook repairs a flag mistake (and the check hook passes on the fixed file), the
    check hook refuses what fix cannot repair, the corrected service is committed."""
    env = dict(_env(tmp_path))
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    head = _head_of_this_checkout(env)
    project = _project(tmp_path, env, None)
    script = _readme_script().replace(README_CLONE, str(ROOT))
    proc = _run(["bash", "-euc", script], project, env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    config = yaml.safe_load((project / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    assert config["repos"][0]["repo"] == str(ROOT) and config["repos"][0]["rev"] == head
    assert _run(["git", "add", ".pre-commit-config.yaml"], project, env).returncode == 0

    # a flag mistake: the fix hook repairs it and fails the commit, for review
    (project / "service.py").write_text(BAD_SERVICE, encoding="utf-8")
    assert _run(["git", "add", "service.py"], project, env).returncode == 0
    proc = _run(["git", "commit", "-q", "-m", "add the service"], project, env)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output
    assert re.search(r"^flake8-mapi-service fix\.+Failed$", output, flags=re.M), output
    assert f"service.py:{BAD_LINE}:{BAD_COL}: {BAD_CODE} fixed" in output
    assert re.search(rf"^{re.escape(HOOK_ID)}\.+Passed$", output, flags=re.M), output
    assert (project / "service.py").read_text(encoding="utf-8") != BAD_SERVICE

    # a mistake fix cannot repair: the check hook refuses it, with the finding
    (project / "service.py").write_text(NO_OLE_SERVICE, encoding="utf-8")
    assert _run(["git", "add", "service.py"], project, env).returncode == 0
    proc = _run(["git", "commit", "-q", "-m", "add the service"], project, env)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output
    assert re.search(r"^flake8-mapi-service fix\.+Passed$", output, flags=re.M), output
    assert re.search(rf"^{re.escape(HOOK_ID)}\.+Failed$", output, flags=re.M), output
    found = re.findall(r"^(\S+\.py):(\d+):(\d+): (\w+) ", output, flags=re.M)
    assert found == [("service.py", str(NO_OLE_LINE), str(BAD_COL), "MPS106")], output

    # the corrected service is committed
    (project / "service.py").write_text(CLEAN_SERVICE, encoding="utf-8")
    assert _run(["git", "add", "service.py"], project, env).returncode == 0
    proc = _run(["git", "commit", "-q", "-m", "add the service"], project, env)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    assert re.search(rf"^{re.escape(HOOK_ID)}\.+Passed$", output, flags=re.M), output
    log = _run(["git", "log", "--format=%s"], project, env)
    assert log.stdout.split("\n")[0] == "add the service"


def test_the_check_hook_refuses_a_service_mistake_and_commits_clean_code(tmp_path: Path) -> None:
    """The check hook alone, from this checkout's HEAD."""
    env = _env(tmp_path)
    config = {
        "repos": [
            {"repo": str(ROOT), "rev": _head_of_this_checkout(env), "hooks": [{"id": HOOK_ID}]}
        ]
    }
    project = _project(tmp_path, env, config)
    _refuses_the_mistake_and_commits_the_fix(project, env, HOOK_ID)


def test_plugin_as_an_additional_dependency_of_a_flake8_hook(tmp_path: Path) -> None:
    """README's second way. flake8's own hook repository cannot be fetched here (only
    package registries are reachable), so the same hook is declared locally, as flake8's
    `.pre-commit-hooks.yaml` declares it, with README's `additional_dependencies` pointing
    at this work tree instead of the published package."""
    import flake8

    env = _env(tmp_path)
    _, flake8s = _readme_configs()
    (readme_repo,) = flake8s["repos"]
    (readme_hook,) = readme_repo["hooks"]
    hook = {
        "id": readme_hook["id"],
        "name": "flake8",
        "entry": "flake8",
        "language": "python",
        "types": ["python"],
        "require_serial": True,
        "additional_dependencies": [f"flake8=={flake8.__version__}", str(ROOT)],
    }
    project = _project(tmp_path, env, {"repos": [{"repo": "local", "hooks": [hook]}]})
    # flake8's hook reports every code it checks: the clean service is clean for all of them
    _refuses_the_mistake_and_commits_the_fix(project, env, "flake8")


def test_both_hooks_report_a_file_that_does_not_parse(tmp_path: Path) -> None:
    """This repository's two hooks, installed by the real pre-commit: a staged file that
    does not parse fails both (flake8's E999, and fix's report) instead of passing
    silently; a finding silenced for fix only by a noqa flake8 ignores (on a
    continuation line of a multi-line call) is fixed by the fix hook, and the check
    hook passes on the fixed file."""
    env = _env(tmp_path)
    config = {
        "repos": [
            {
                "repo": str(ROOT),
                "rev": _head_of_this_checkout(env),
                "hooks": [{"id": "flake8-mapi-service-fix"}, {"id": HOOK_ID}],
            }
        ]
    }
    project = _project(tmp_path, env, config)
    (project / "broken.py").write_text(BROKEN, encoding="utf-8")
    assert _run(["git", "add", "broken.py"], project, env).returncode == 0
    proc = _run(["git", "commit", "-q", "-m", "a file that does not parse"], project, env)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output
    assert re.search(r"^flake8-mapi-service fix\.+Failed$", output, flags=re.M), output
    assert re.search(rf"^{re.escape(HOOK_ID)}\.+Failed$", output, flags=re.M), output
    assert re.search(r"^broken\.py:3:\d+: E999 SyntaxError: ", output, flags=re.M), output
    assert re.search(
        r"^broken\.py: cannot be parsed \(line 3: SyntaxError: .*\); left unchanged$",
        output,
        flags=re.M,
    ), output
    assert (project / "broken.py").read_text(encoding="utf-8") == BROKEN

    # a noqa on a continuation line does not silence MPS101 for flake8: nor for fix
    lines = BAD_SERVICE.splitlines(keepends=True)
    call = lines[BAD_LINE - 1]
    indent = call[: len(call) - len(call.lstrip())]
    assert call.strip() == "mapi.MAPIInitialize((mapi.MAPI_INIT_VERSION, 0))", call
    lines[BAD_LINE - 1] = (
        f"{indent}mapi.MAPIInitialize(\n"
        f"{indent}    (mapi.MAPI_INIT_VERSION, 0)  # noqa: MPS101\n"
        f"{indent})\n"
    )
    (project / "broken.py").unlink()
    (project / "service.py").write_text("".join(lines), encoding="utf-8")
    assert _run(["git", "add", "-A"], project, env).returncode == 0
    proc = _run(["git", "commit", "-q", "-m", "the service"], project, env)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output
    assert re.search(r"^flake8-mapi-service fix\.+Failed$", output, flags=re.M), output
    assert f"service.py:{BAD_LINE}:{BAD_COL}: MPS101 fixed" in output
    # the check hook ran on the file the fix hook had fixed
    assert re.search(rf"^{re.escape(HOOK_ID)}\.+Passed$", output, flags=re.M), output
    assert "MAPI_NT_SERVICE" in (project / "service.py").read_text(encoding="utf-8")
    assert _run(["git", "add", "service.py"], project, env).returncode == 0
    proc = _run(["git", "commit", "-q", "-m", "the service"], project, env)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    assert re.search(r"^flake8-mapi-service fix\.+Passed$", output, flags=re.M), output
    assert re.search(rf"^{re.escape(HOOK_ID)}\.+Passed$", output, flags=re.M), output


def test_sarif_help_uri_is_the_page_inside_the_installed_hook(tmp_path: Path) -> None:
    """pre-commit installs the hook's package for real (pip, not editable): the SARIF
    report of the hook points each rule at its page inside that installed package."""
    env = _env(tmp_path)
    hook = {"id": HOOK_ID, "args": ["--format=mapi-service-sarif", "--output-file=mps.sarif"]}
    config = {"repos": [{"repo": str(ROOT), "rev": _head_of_this_checkout(env), "hooks": [hook]}]}
    project = _project(tmp_path, env, config)
    (project / "service.py").write_text(BAD_SERVICE, encoding="utf-8")
    assert _run(["git", "add", "service.py"], project, env).returncode == 0
    proc = _run([sys.executable, "-m", "pre_commit", "run", "--all-files"], project, env)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    log = json.loads((project / "mps.sarif").read_text(encoding="utf-8"))
    (run,) = log["runs"]
    (result,) = run["results"]
    assert (
        result["ruleId"],
        result["locations"][0]["physicalLocation"]["region"]["startLine"],
    ) == (
        BAD_CODE,
        BAD_LINE,
    )
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"] if r["id"].startswith("MPS")}
    assert set(rules) == set(RULES_BY_CODE)
    installed = Path(env["PRE_COMMIT_HOME"]).resolve()
    for code, entry in rules.items():
        uri = urlparse(entry["helpUri"])
        assert uri.scheme == "file", entry["helpUri"]
        page = Path(url2pathname(uri.path))
        # inside pre-commit's environment of the hook, not this work tree
        assert installed in page.parents, page
        assert page.parts[-3:] == ("catalogue", "pages", f"{code}.md")
        assert page.read_text(encoding="utf-8") == explain(RULES_BY_CODE[code])
