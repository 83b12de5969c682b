"""Defects a review of the project layer found, each reproduced and each with the
positive twin that shows the test can fail: hangs, answers that depended on how or
in what order flake8 ran, and false findings across modules."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, Optional, Set, Tuple

import pytest
from conftest import OTHERS_OFF, run_flake8
from test_project_robustness import CONFIG, MAILER, SERVICE, codes, lint, small_project

Where = Set[Tuple[str, int, str]]


def write(root: Path, files: Dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "setup.cfg").write_text("[flake8]\n", encoding="utf-8")
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def every_way(root: Path) -> Where:
    """The findings of the tree with -j1 and -j2, of each file alone, and of the
    files in both orders in one process: all must agree."""
    names = sorted(str(p.relative_to(root)) for p in root.rglob("*.py"))
    runs = [
        codes(lint(root, "--mapi-no-cache", "-j1", ".")),
        codes(lint(root, "--mapi-no-cache", "-j2", ".")),
        codes(lint(root, "--mapi-no-cache", "-j1", *names)),
        codes(lint(root, "--mapi-no-cache", "-j1", *reversed(names))),
        set().union(*(codes(lint(root, "--mapi-no-cache", n)) for n in names)),
    ]
    assert all(r == runs[0] for r in runs), runs
    return runs[0]


# -- a hang ------------------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_named_like_a_module_is_not_read(tmp_path: Path) -> None:
    root = small_project(tmp_path / "p")
    (root / "plain.py").write_text("import os\n", encoding="utf-8")
    os.mkfifo(root / "zz_pipe.py")  # opening it for reading would block forever
    assert lint(root, "--mapi-no-cache", "plain.py", timeout_ok=60) == set()
    assert codes(lint(root, "--mapi-no-cache", "mailer.py", timeout_ok=60)) == {
        ("mailer.py", 11, "MPS102"),
        ("mailer.py", 11, "MPS103"),
        ("mailer.py", 12, "MPS401"),
    }


# -- the same answer however flake8 runs -------------------------------------------------


def test_a_summary_is_filed_under_the_text_it_summarises(tmp_path: Path) -> None:
    # the project hashed config.py, then the user saved it before its summary was
    # made: the summary of the new text must not be filed under the old hash
    from flake8_mapi_service.analysis.cache import DiskCache
    from flake8_mapi_service.analysis.project import Project, content_digest
    from flake8_mapi_service.analysis.workspace import Workspace
    from flake8_mapi_service.prefilter import lowered_bytes_concern_mapi

    root = small_project(tmp_path / "p")
    project = Project(str(root), lowered_bytes_concern_mapi)
    before = project.digest("config.py")
    assert before == content_digest(CONFIG)
    saved = CONFIG.replace("0x20", "0x18020")
    (root / "config.py").write_text(saved, encoding="utf-8")
    cache = DiskCache(str(tmp_path / "cache"))
    summary = Workspace().summary(project, "config.py", cache)
    assert summary is not None
    assert cache.get(before) is None
    assert cache.get(content_digest(saved)) is not None  # twin: filed, under its own hash


def test_a_long_chain_of_re_exports_gives_one_answer_in_any_order(tmp_path: Path) -> None:
    files = {"m0.py": "from win32com.mapi import mapi\n\nX = mapi.MAPI_EXTENDED\n"}
    for i in range(1, 45):
        files[f"m{i}.py"] = f"from m{i - 1} import X  # noqa: F401\n"
    service = (
        "import win32serviceutil\nfrom win32com.mapi import mapi\n\nfrom {m} import X\n\n\n"
        "class S(win32serviceutil.ServiceFramework):\n"
        "    def SvcDoRun(self):\n"
        '        mapi.MAPILogonEx(0, "p", None, X)\n'
    )
    files["a_svc.py"] = service.format(m="m44")  # 45 links: too long to follow
    files["z_svc.py"] = service.format(m="m20")  # short enough: the bits are missing
    root = write(tmp_path / "p", files)
    assert every_way(root) == {("z_svc.py", 9, "MPS102"), ("z_svc.py", 9, "MPS103")}


def test_what_flake8_decodes_differently_stays_with_its_file(tmp_path: Path) -> None:
    # config.py is not UTF-8 (the project cannot read it); flake8 reads it as latin-1
    # when it checks it, which must not make its flags known while other files are
    # checked in the same process
    root = write(
        tmp_path / "p",
        {"service.py": SERVICE, "mailer.py": MAILER.replace("time.sleep(config.PAUSE)", "pass")},
    )
    (root / "config.py").write_bytes(b"# \xa9 2020 Contoso\n" + CONFIG.encode())
    assert every_way(root) == set()
    # twin: the same config in UTF-8 is read, and the flags are found missing
    (root / "config.py").write_bytes("# © 2020 Contoso\n".encode() + CONFIG.encode())
    assert every_way(root) == {("mailer.py", 11, "MPS102"), ("mailer.py", 11, "MPS103")}


def test_a_build_copy_checked_first_does_not_become_a_caller(tmp_path: Path) -> None:
    helpers = (
        "from win32com.mapi import mapi\n\n\n"
        'def logon(flags):\n    return mapi.MAPILogonEx(0, "p", None, flags)\n'
    )
    service = (
        "import win32serviceutil\nfrom win32com.mapi import mapi\n\nfrom relay import helpers\n\n\n"
        "class S(win32serviceutil.ServiceFramework):\n"
        "    def SvcDoRun(self):\n"
        "        helpers.logon(mapi.MAPI_EXTENDED | mapi.MAPI_NT_SERVICE{extra})\n"
    )
    good = service.format(extra=" | mapi.MAPI_NO_MAIL")
    root = write(
        tmp_path / "p",
        {
            "relay/__init__.py": "",
            "relay/helpers.py": helpers,
            "relay/service.py": good,
            # a stale build output that forgot MAPI_NO_MAIL (build/ is not the project)
            "build/lib/relay/service.py": service.format(extra=""),
        },
    )
    args = ("--mapi-no-cache", "-j1")
    first = codes(lint(root, *args, "build/lib/relay/service.py", "relay/helpers.py"))
    assert first == codes(lint(root, *args, "relay/helpers.py")) == set()
    # twin: the project's own service with the same mistake is a caller
    (root / "relay/service.py").write_text(service.format(extra=""), encoding="utf-8")
    assert codes(lint(root, *args, "relay/helpers.py")) == {("relay/helpers.py", 5, "MPS103")}


def test_the_project_root_in_a_config_file_is_relative_to_it(tmp_path: Path) -> None:
    root = write(
        tmp_path / "p",
        {
            "svc.py": SERVICE.replace("import mailer", "from pkg import mailer"),
            "pkg/__init__.py": "",
            "pkg/mailer.py": MAILER.replace("import config", "from pkg import config"),
            "pkg/config.py": CONFIG,
        },
    )
    (root / "setup.cfg").write_text("[flake8]\nmapi-project-root = .\n", encoding="utf-8")
    want = {("mailer.py", 11, "MPS102"), ("mailer.py", 11, "MPS103"), ("mailer.py", 12, "MPS401")}
    from_root = codes(lint(root, "--mapi-no-cache", "pkg/mailer.py"))
    assert {(Path(p).name, line, code) for p, line, code in from_root} == want
    # from the package's folder (an editor's working folder), the root is still p/
    assert codes(lint(root / "pkg", "--mapi-no-cache", "mailer.py")) == want


def test_a_project_root_that_is_not_a_folder_is_a_usage_error(tmp_path: Path) -> None:
    root = small_project(tmp_path / "p")
    proc = run_flake8([OTHERS_OFF, f"--mapi-project-root={tmp_path / 'nowhere'}", "."], cwd=root)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"flake8: error: --mapi-project-root: not a folder: {tmp_path / 'nowhere'}"
    ]
    assert proc.stdout == ""
    # twin: an existing folder is taken
    ok = run_flake8([OTHERS_OFF, f"--mapi-project-root={root}", "."], cwd=root)
    assert ok.returncode == 1 and "MPS102" in ok.stdout, ok.stderr


def test_a_project_without_mapi_gets_no_folder_of_ours(tmp_path: Path) -> None:
    root = write(tmp_path / "plain", {"hello.py": "import os\n\nprint(os.sep)\n"})
    (root / ".git").mkdir()
    assert lint(root, "hello.py") == set()
    assert sorted(p.name for p in root.iterdir()) == [".git", "hello.py", "setup.cfg"]
    # the scan memo went to the user's cache folder instead
    memo = Path(os.environ["XDG_CACHE_HOME"], "flake8-mapi-service", "scan")
    assert any(memo.glob("*.json"))
    # twin: a project with MAPI keeps its summaries in its own root
    mapi = small_project(tmp_path / "mapi")
    lint(mapi, ".")
    assert (mapi / ".mapi_service_cache" / ".gitignore").is_file()


# -- no false findings across modules ------------------------------------------------------

LOGON_SERVICE = (
    "import win32serviceutil\nfrom win32com.mapi import mapi\n\n{imports}\n\n\n"
    "class S(win32serviceutil.ServiceFramework):\n"
    "    def SvcDoRun(self):\n"
    "{body}"
    '        mapi.MAPILogonEx(0, "p", None, {flags})\n'
)
GOOD = "mapi.MAPI_EXTENDED | mapi.MAPI_NT_SERVICE | mapi.MAPI_NO_MAIL"
BAD = "mapi.MAPI_EXTENDED"
CONSTANTS = "from win32com.mapi import mapi\n\nLOGON_FLAGS = {value}\n"


def _service(imports: str, flags: str, body: str = "") -> str:
    return LOGON_SERVICE.format(imports=imports, flags=flags, body=body)


CASES: Dict[str, Tuple[Dict[str, str], Dict[str, Optional[str]]]] = {
    # Python imports the package cfg/, not the module cfg.py beside it
    "package_beats_module": (
        {
            "svc.py": _service("import cfg", "cfg.LOGON_FLAGS"),
            "cfg.py": CONSTANTS.format(value=BAD),
            "cfg/__init__.py": CONSTANTS.format(value=GOOD),
        },
        {"cfg/__init__.py": CONSTANTS.format(value=BAD)},
    ),
    # a script's own folder and the root both hold config.py: it depends on how
    # the service is started, so the value is unknown
    "script_folder_or_root": (
        {
            "svc/service.py": _service("import config", "config.LOGON_FLAGS"),
            "svc/config.py": CONSTANTS.format(value=GOOD),
            "config.py": CONSTANTS.format(value=BAD),
        },
        # twin: only the script's folder holds it
        {"svc/config.py": CONSTANTS.format(value=BAD), "config.py": None},
    ),
    # a function of config rebinds the alias with ``global``
    "global_rebinds_an_alias": (
        {
            "svc.py": _service(
                "import config", "config.LOGON_FLAGS", "        config.for_service()\n"
            ),
            "config.py": CONSTANTS.format(value=BAD)
            + "\n\ndef for_service():\n    global LOGON_FLAGS\n"
            + "    LOGON_FLAGS |= mapi.MAPI_NT_SERVICE | mapi.MAPI_NO_MAIL\n",
        },
        {
            "config.py": CONSTANTS.format(value=BAD)
            + "\n\ndef for_service():\n    flags = LOGON_FLAGS\n"
            + "    flags |= mapi.MAPI_NT_SERVICE | mapi.MAPI_NO_MAIL\n"
        },
    ),
    # another module assigns the constant
    "assigned_from_outside": (
        {
            "svc.py": _service(
                "import config",
                "config.LOGON_FLAGS",
                "        config.LOGON_FLAGS |= mapi.MAPI_NT_SERVICE | mapi.MAPI_NO_MAIL\n",
            ),
            "config.py": CONSTANTS.format(value=BAD),
        },
        {
            "svc.py": _service(
                "import config",
                "config.LOGON_FLAGS",
                "        flags = config.LOGON_FLAGS | mapi.MAPI_NT_SERVICE | mapi.MAPI_NO_MAIL\n",
            )
        },
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_no_false_finding_across_modules(tmp_path: Path, name: str) -> None:
    files, twin = CASES[name]
    root = write(tmp_path / name, files)
    assert every_way(root) == set()
    for path, text in twin.items():
        if text is None:
            (root / path).unlink()
        else:
            (root / path).write_text(text, encoding="utf-8")
    service = next(p for p in files if "svc" in p)
    text = (root / service).read_text(encoding="utf-8")
    line = text[: text.index("mapi.MAPILogonEx")].count("\n") + 1
    assert codes(lint(root, "--mapi-no-cache", ".")) == {
        (service, line, "MPS102"),
        (service, line, "MPS103"),
    }


def test_an_import_under_type_checking_does_not_run(tmp_path: Path) -> None:
    tool = 'import win32api\n\nname = input("who? ")\nwin32api.MessageBox(0, name, "hi", 0)\n'
    service = (
        "from typing import TYPE_CHECKING\n\nimport win32serviceutil\n\n"
        "if TYPE_CHECKING:\n    from tool import Tool  # noqa: F401\n\n\n"
        "class S(win32serviceutil.ServiceFramework):\n    def SvcDoRun(self):\n        pass\n"
    )
    root = write(tmp_path / "p", {"tool.py": tool, "svc.py": service})
    assert every_way(root) == set()
    # twin: an import that runs makes the tool's module-level code service code
    (root / "svc.py").write_text(service.replace("if TYPE_CHECKING:", "if True:"), "utf-8")
    assert codes(lint(root, "--mapi-no-cache", ".")) == {
        ("tool.py", 3, "MPS205"),
        ("tool.py", 4, "MPS205"),
    }
