"""Equivalence: the same findings whatever the file's shape, and the fast
traversal equal to libcst's own visitor.

- CRLF line endings, a UTF-8 BOM and stdin (``flake8 -`` with
  ``--stdin-display-name``) give exactly the findings (line, column, code,
  message) of the LF / UTF-8 / path case, on every fixture;
- ``-j2`` gives exactly the findings of ``-j1`` on the fixtures corpus;
- ``model.walk`` visits the nodes libcst's ``module.visit`` visits, in the same
  order, so the module model (and the k-th call used for positions) is the
  same; its field order agrees with libcst's own ``_visit_and_replace_children``.
"""

from __future__ import annotations

import dataclasses
import inspect
import re
import subprocess
import sysconfig
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Dict, List, Set, Tuple

import libcst as cst
import pytest
from conftest import OTHERS_OFF, ROOT, findings, run_flake8
from test_fixtures import fixture_files, options

from flake8_mapi_service.analysis import model as model_mod

Finding = Tuple[str, int, int, str, str]


def _groups() -> Dict[Tuple[str, ...], List[str]]:
    """Fixture paths (relative to the root) grouped by their flake8 options."""
    out: Dict[Tuple[str, ...], List[str]] = defaultdict(list)
    for path in fixture_files():
        out[options(path)].append(path.relative_to(ROOT).as_posix())
    return out


def _lint_tree(root: Path, extra: Tuple[str, ...] = ()) -> Set[Finding]:
    """Every MPS finding over the fixtures below ``root`` (same relative paths)."""
    out: Set[Finding] = set()
    for opts, paths in _groups().items():
        proc = run_flake8([OTHERS_OFF, *extra, *opts, *paths], cwd=root)
        assert proc.returncode in (0, 1), proc.stderr
        assert "Traceback" not in proc.stderr, proc.stderr
        for path, line, col, code, text in findings(proc.stdout):
            if code.startswith("MPS"):
                out.add((Path(path).as_posix(), line, col, code, text))
    return out


@pytest.fixture(scope="module")
def reference() -> Set[Finding]:
    got = _lint_tree(ROOT)
    assert got, "the fixtures gave no finding at all"
    assert not any(code == "MPS000" for *_, code, _ in got)
    return got


def _copy_fixtures(dest: Path, transform) -> Path:  # type: ignore[no-untyped-def]
    for path in fixture_files():
        target = dest / path.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(transform(path.read_bytes()))
    return dest


def test_crlf_line_endings(tmp_path: Path, reference: Set[Finding]) -> None:
    root = _copy_fixtures(tmp_path, lambda b: b.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
    assert b"\r\n" in next(iter((root / "fixtures").rglob("*.py"))).read_bytes()
    assert _lint_tree(root) == reference


def test_utf8_bom(tmp_path: Path, reference: Set[Finding]) -> None:
    root = _copy_fixtures(tmp_path, lambda b: b"\xef\xbb\xbf" + b)
    assert _lint_tree(root) == reference


def test_stdin_with_display_name(reference: Set[Finding]) -> None:
    def lint(path: Path) -> subprocess.CompletedProcess:
        rel = path.relative_to(ROOT).as_posix()
        return run_flake8(
            [OTHERS_OFF, *options(path), f"--stdin-display-name={rel}", "-"],
            stdin=path.read_text(encoding="utf-8"),
        )

    got: Set[Finding] = set()
    with ThreadPoolExecutor(max_workers=4) as pool:
        procs = list(pool.map(lint, fixture_files()))
    for proc in procs:
        assert proc.returncode in (0, 1), proc.stderr
        assert "Traceback" not in proc.stderr, proc.stderr
        for p, line, col, code, text in findings(proc.stdout):
            if code.startswith("MPS"):
                got.add((Path(p).as_posix(), line, col, code, text))
    assert got == reference


def test_two_jobs_equal_one_job(reference: Set[Finding]) -> None:
    assert _lint_tree(ROOT, ("-j1",)) == reference
    assert _lint_tree(ROOT, ("-j2",)) == reference


# -- the fast traversal ------------------------------------------------------------------

_VISIT_FIELD = re.compile(r'visit_\w+\(\s*self,\s*"(\w+)"')

MODERN = """
import win32serviceutil
from win32com.mapi import mapi

@decorate(mapi.MAPIInitialize(None))
class S(win32serviceutil.ServiceFramework, metaclass=meta(1)):
    @staticmethod
    @other(f(1), g=h(2))
    def m(a, b=f(3), /, c=g(4), *args, d=h(5), **kw) -> r(6):
        x = f(7) if g(8) else h(9)
        try:
            pass
        except f(10) as e:
            g(11)
        match f(12):
            case [a, *rest] if g(13):
                h(14)
            case {"k": v, **others}:
                i(15)
            case Point(x=0) | None:
                j(16)
        y = [f(17) for z in g(18) if h(19)]
        lam = lambda q=f(20): g(21)
        return f"{f(22)!r:{g(23)}}"
"""


def _libcst_signature(module: cst.Module, fast: bool) -> List[object]:
    walker = model_mod._Walker(module)
    if fast:
        model_mod.walk(walker, module, walker.stmts)
    else:
        module.visit(walker)
    out: List[object] = []
    for c in walker.calls:
        out.append((id(c.node), id(c.stmt), c.scope.qualname, c.discarded, c.assigned_to))
    for scope in [walker.module_scope, *walker.functions, *(k.scope for k in walker.classes)]:
        for name, sources in scope.bindings.items():
            out.append((scope.qualname, name, [type(s).__name__ for s in sources]))
        out.append((sorted(scope.volatile), scope.star_imports, sorted(scope.global_names)))
    for k in walker.classes:
        out.append((k.name, sorted(k.self_attrs), k.fields, sorted(k.methods)))
    return out


def _sources() -> List[Tuple[str, str]]:
    out = [("modern", MODERN)]
    stdlib = sorted(Path(sysconfig.get_paths()["stdlib"]).glob("*.py"))
    for p in [*fixture_files(), *stdlib[:: max(1, len(stdlib) // 25)]]:
        text = p.read_text(encoding="utf-8", errors="replace")
        try:
            cst.parse_module(text)
        except cst.ParserSyntaxError:
            # syntax newer than this libcst, or a fixture that does not parse on purpose
            # (fixtures/projects/broken_module): nothing to compare
            continue
        out.append((p.name, text))
    return out


@pytest.mark.parametrize("name,source", _sources(), ids=[n for n, _ in _sources()])
def test_fast_walk_equals_libcst_visit(name: str, source: str) -> None:
    module = cst.parse_module(source)
    assert _libcst_signature(module, fast=True) == _libcst_signature(module, fast=False)


def test_field_order_is_libcst_visit_order() -> None:
    checked = 0
    for name in dir(cst):
        tp = getattr(cst, name)
        if not (
            isinstance(tp, type)
            and issubclass(tp, cst.CSTNode)
            and dataclasses.is_dataclass(tp)
            and not inspect.isabstract(tp)
        ):
            continue
        try:
            source = inspect.getsource(tp._visit_and_replace_children)
        except (OSError, TypeError):
            continue
        fields = model_mod.child_fields(tp)
        visited = [
            f
            for f in dict.fromkeys(_VISIT_FIELD.findall(source))
            if f not in model_mod._TOKEN_FIELDS and not f.startswith("whitespace")
        ]
        # every field libcst visits is walked, in libcst's order
        assert [f for f in fields if f in visited] == visited, name
        checked += 1
    assert checked > 100


# -- long files are parsed in pieces ----------------------------------------------------


def _long_sources() -> List[Tuple[str, str]]:
    from test_robustness import SERVICE

    head = (
        "import pythoncom\nimport win32event\nimport win32service\n"
        "import win32serviceutil\nfrom win32com.mapi import mapi\n\n# a comment\n"
    )
    out = [("services", head + "".join(SERVICE.format(i=i) for i in range(150)))]
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    for name in ("typing.py", "inspect.py", "turtle.py", "argparse.py"):
        path = stdlib / name
        if path.exists():
            out.append((name, path.read_text(encoding="utf-8")))
    return out


@pytest.mark.parametrize("name,text", _long_sources(), ids=[n for n, _ in _long_sources()])
def test_parsing_in_pieces_changes_nothing(name: str, text: str) -> None:
    import ast

    from flake8_mapi_service import runner
    from flake8_mapi_service.analysis import source
    from flake8_mapi_service.analysis.positions import Positions
    from flake8_mapi_service.settings import Settings

    lines = text.splitlines(keepends=True)
    tree = ast.parse(text)
    settings = Settings.from_values("always")
    # real inputs, no patched chunk size: every text here is longer than 2 * CHUNK_LINES,
    # so with flake8's ast tree it is parsed in pieces, and without a tree (the engine
    # alone, as ``fix`` and editors without flake8 run it) at once
    assert len(lines) > 2 * source.CHUNK_LINES
    module, pieces = source.parse_lines(lines, tree)
    assert module is not None and len(pieces) >= 2
    in_pieces = runner.analyze(lines, name, settings, tree)
    assert source.parse_lines(lines, None)[1] == []
    whole = source.parse(text)
    assert whole is not None
    assert runner.analyze(lines, name, settings, None) == in_pieces
    if name == "services":
        # the positive twin of the stdlib texts (which have few or no findings): every
        # copy's logon, on its line, in pieces and at once
        assert len(in_pieces) >= 150
        size = text.count("\n") // 150
        first = 1 + text[: text.index("self.session = mapi.MAPILogonEx")].count("\n")
        assert [(r.line, r.col, r.code) for r in in_pieces] == [
            (first + i * size, 23, "MPS103") for i in range(150)
        ]
    # the same calls in the same order, and the same positions from libcst
    calls = model_mod.build_model(module).calls
    whole_calls = model_mod.build_model(whole).calls
    assert [module.code_for_node(c.node) for c in calls] == [
        whole.code_for_node(c.node) for c in whole_calls
    ]
    slow = Positions(module, lines, None, -1, pieces)  # -1 calls: libcst positions
    slow_whole = Positions(whole, lines, None, -1)
    assert [slow.of_call(c.node, c.index) for c in calls] == [
        slow_whole.of_call(c.node, c.index) for c in whole_calls
    ]


# -- a long class is parsed in pieces too ---------------------------------------------

CLASS_METHODS = '''
    def logon_{i}(self, profile):
        """Mailbox {i}."""
        flags = mapi.MAPI_EXTENDED | mapi.MAPI_NT_SERVICE
        if self.debug:
            flags |= mapi.MAPI_NEW_SESSION
        self.session = mapi.MAPILogonEx(0, profile, None, flags)
        return self.session

    # the store of mailbox {i}
    @property
    def store_{i}(self):
        return self.session.OpenMsgStore(
            0, self.entry_{i}, None, mapi.MDB_NO_DIALOG | mapi.MAPI_BEST_ACCESS
        )
    label_{i} = "mailbox {i}"; index_{i} = {i}
'''


def _one_class_source(methods: int) -> str:
    head = (
        "import pythoncom\nimport win32serviceutil\nfrom win32com.mapi import mapi\n\n\n"
        "@decorate(mapi.MAPIInitialize(None))\n"
        "class Service(\n    win32serviceutil.ServiceFramework,\n):\n"
        '    """One service class that holds everything."""\n\n'
        "    def SvcDoRun(self):\n"
        "        pythoncom.OleInitialize()\n"
        "        mapi.MAPIInitialize((mapi.MAPI_INIT_VERSION, mapi.MAPI_NT_SERVICE))\n"
        "        self.logon_0('')\n"
    )
    tail = "\n\nx = mapi.MAPILogonEx(0, '', None, 0)\n"
    return head + "".join(CLASS_METHODS.format(i=i) for i in range(methods)) + tail


def _class_sources() -> List[Tuple[str, str]]:
    out = [("one_class", _one_class_source(200)), ("one_class_crlf", "")]
    out[1] = ("one_class_crlf", out[0][1].replace("\n", "\r\n"))
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    for name in ("_pydecimal.py", "tkinter/__init__.py", "turtle.py"):
        path = stdlib / name
        if path.exists():
            out.append((name, path.read_text(encoding="utf-8")))
    return out


@pytest.mark.parametrize("name,text", _class_sources(), ids=[n for n, _ in _class_sources()])
def test_parsing_a_long_class_in_pieces_changes_nothing(
    name: str, text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A class longer than two pieces is cut between its statements: the module made of
    the pieces has the statements of one parse (the same ``ast``), the same calls in the
    same order, the same positions (fast and from libcst) and the same findings."""
    import ast

    from flake8_mapi_service import runner
    from flake8_mapi_service.analysis import source
    from flake8_mapi_service.analysis.positions import Positions
    from flake8_mapi_service.settings import Settings

    lines = text.splitlines(keepends=True)
    tree = ast.parse(text)
    settings = Settings.from_values("always", single_file=True)
    monkeypatch.setattr(source, "CHUNK_LINES", 300)
    module, pieces = source.parse_lines(lines, tree)
    assert module is not None
    # pieces that start inside a class are parsed after a header line of their own
    inside = [offset for _, offset in pieces if lines[offset + 1][:1] in (" ", "\t")]
    assert len(inside) >= 2, [offset for _, offset in pieces]
    assert ast.dump(ast.parse(module.code)) == ast.dump(tree)
    in_pieces = runner.analyze(lines, name, settings, tree)
    monkeypatch.setattr(source, "CHUNK_LINES", 10**9)
    whole = source.parse(text)
    assert whole is not None
    assert source.parse_lines(lines, tree)[1] == []
    assert runner.analyze(lines, name, settings, tree) == in_pieces
    calls = model_mod.build_model(module).calls
    whole_calls = model_mod.build_model(whole).calls
    assert [module.code_for_node(c.node) for c in calls] == [
        whole.code_for_node(c.node) for c in whole_calls
    ]
    fast = Positions(module, lines, tree, len(calls), pieces)
    slow = Positions(module, lines, None, -1, pieces)  # -1 calls: libcst positions
    slow_whole = Positions(whole, lines, None, -1)
    expected = [slow_whole.of_call(c.node, c.index) for c in whole_calls]
    assert [slow.of_call(c.node, c.index) for c in calls] == expected
    assert [fast.of_call(c.node, c.index) for c in calls] == expected
    if name.startswith("one_class"):
        # MPS103 on each logon (and the module's own), MPS101 at the decorator, by line
        logons = [i + 1 for i, line in enumerate(lines) if "= mapi.MAPILogonEx(" in line]
        assert len(logons) == 201
        assert [(r.line, r.code) for r in in_pieces if r.code == "MPS103"] == [
            (line, "MPS103") for line in logons
        ]
        assert (6, "MPS101") in {(r.line, r.code) for r in in_pieces}


def test_a_class_is_cut_only_where_a_statement_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Never inside a long string whose lines look like statements, never inside a
    class whose one statement shares the header's line."""
    import ast

    from flake8_mapi_service.analysis import source

    monkeypatch.setattr(source, "CHUNK_LINES", 50)
    text = (
        'class S:\n    text = """\n'
        + "    x = 1\n" * 300
        + '"""\n'
        + "    y = 2\n" * 200
        + "class T: z = [\n"
        + "    1,\n" * 300
        + "]\n"
        + "w = 1\n" * 100
    )
    lines = text.splitlines(keepends=True)
    tree = ast.parse(text)
    cuts = source._cuts(lines, text, tree)
    string = range(1, 303)  # the string's lines (indexes)
    one_line_class = range(504, 805)  # class T starts at 503: a top-level cut may
    assert [(i, inside) for i, inside in cuts if i in string or i in one_line_class] == []
    assert any(inside for _, inside in cuts)
    module, pieces = source.parse_lines(lines, tree)
    assert module is not None and len(pieces) == len(cuts) - 1
    assert ast.dump(ast.parse(module.code)) == ast.dump(tree)
