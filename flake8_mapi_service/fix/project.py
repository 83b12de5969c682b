"""Fixes in another module of the project: a flags constant where it is written.

When the flags of a MAPI call are a constant another module of the project
defines (``config.LOGON_FLAGS``, ``from .config import LOGON_FLAGS``), the bit
belongs in that module's assignment, not at the call.  That edit is made only
when every use of the constant in the project is the flags of a call that
gets the same fix; otherwise the fix stays at the call, as for any other
expression.

A constant edit is verified like every fix: the edited module must parse and
compile, the analysis of the calling file (with the edited module in its
project) must no longer report the fixed codes at those calls and report
nothing new, and the edited module must report nothing new either.  While it
is verified the project sees the edited text; a rejected edit is undone.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Set, Tuple

import libcst as cst

from ..analysis.context import Analysis
from ..analysis.link import Link
from ..analysis.model import AssignSource, argument, build_model
from ..analysis.project import Project
from ..analysis.source import parse
from ..analysis.workspace import WORKSPACE, View
from ..runner import Finding, run_rules
from ..settings import Settings
from .flag_editor import Builder
from .plans import Plan

#: (module id, constant name)
Constant = Tuple[str, str]


@dataclass
class ModuleChange:
    """A module ``fix`` changed besides the file it was asked to fix."""

    path: str
    original: bytes
    fixed: bytes


def plan_constant(an: Analysis, plan: Plan) -> Optional[Constant]:
    """The other module's constant a plan's flags are, if they are one."""
    if an.view is None:
        return None
    expr = _flag_expression(plan)
    if not isinstance(expr, (cst.Name, cst.Attribute)):
        return None
    ref = an.resolver.ref(expr, plan.site.scope)
    if ref is None:
        return None
    sym = an.link.symbol(an.mid, ref)
    if sym is None or sym[0] != "value" or sym[1] == an.mid:
        return None
    return str(sym[1]), str(sym[2])


def _flag_expression(plan: Plan) -> object:
    return argument(plan.site.node, plan.index)


def uses_elsewhere(link: Link, project: Project, constant: Constant, here: str) -> bool:
    """True when a module other than ``here`` (or the defining module, beyond its
    assignment) may read the constant.  A module outside the link whose text has
    the constant's name as a word may: that is enough to leave the constant alone."""
    mid, name = constant
    word = re.compile(rf"\b{re.escape(name)}\b")
    for other in project.index.paths:
        if other in link.modules or other == here:
            continue
        text = project.text(other)
        if text is None or word.search(text):
            return True
    for other in link.modules:
        if other == here:
            continue
        text = project.text(other)
        if text is None:
            return True
        aliases, modules = _aliases(link, other, constant)
        if other == mid:
            aliases.discard(name)  # its own assignment; other reads are checked below
            if _reads(text, {name}, set(), name, skip_assign=name):
                return True
        if (aliases or modules) and _reads(text, aliases, modules, name):
            return True
    return False


def _aliases(link: Link, mid: str, constant: Constant) -> Tuple[Set[str], Set[str]]:
    """Names of module ``mid`` bound to the constant, and to its module."""
    names: Set[str] = set()
    modules: Set[str] = set()
    summary = link.modules[mid]
    for name, (kind, what) in summary.names.items():
        if kind != "import":
            continue
        sym = link.symbol(mid, str(what))
        if sym is None:
            continue
        if sym[0] == "value" and (str(sym[1]), str(sym[2])) == constant:
            names.add(name)
        elif sym[0] == "module" and sym[1] == constant[0]:
            modules.add(name)
    if mid == constant[0]:
        names.add(constant[1])
    return names, modules


class _Reads(cst.CSTVisitor):
    def __init__(self, names: Set[str], modules: Set[str], attr: str, skip: str) -> None:
        super().__init__()
        self.names = names
        self.modules = modules
        self.attr = attr
        self.skip = skip
        self.found = False

    def visit_Import(self, node: cst.Import) -> bool:
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def visit_AssignTarget(self, node: cst.AssignTarget) -> bool:
        target = node.target
        return not (isinstance(target, cst.Name) and target.value == self.skip)

    def visit_Name(self, node: cst.Name) -> None:
        if node.value in self.names:
            self.found = True

    def visit_Attribute(self, node: cst.Attribute) -> Optional[bool]:
        if (
            node.attr.value == self.attr
            and isinstance(node.value, cst.Name)
            and node.value.value in self.modules
        ):
            self.found = True
        return None


def _reads(text: str, names: Set[str], modules: Set[str], attr: str, skip_assign: str = "") -> bool:
    module = parse(text)
    if module is None:
        return True
    visitor = _Reads(names, modules, attr, skip_assign)
    module.visit(visitor)
    return visitor.found


def reads_in(an: Analysis, constant: Constant) -> List[cst.CSTNode]:
    """The nodes of the checked module that read the constant."""
    names, modules = _aliases(an.link, an.mid, constant)
    out: List[cst.CSTNode] = []

    class Collect(cst.CSTVisitor):
        def visit_Import(self, node: cst.Import) -> bool:
            return False

        def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
            return False

        def visit_Name(self, node: cst.Name) -> None:
            if node.value in names:
                out.append(node)

        def visit_Attribute(self, node: cst.Attribute) -> bool:
            if (
                node.attr.value == constant[1]
                and isinstance(node.value, cst.Name)
                and node.value.value in modules
            ):
                out.append(node)
                return False
            return True

    an.model.module.visit(Collect())
    return out


class ConstantEdit:
    """Adds the missing bits to another module's flags constant, verified."""

    def __init__(self, an: Analysis, settings: Settings, max_length: Optional[int] = 79) -> None:
        self.an = an
        self.settings = settings
        self.max_length = max_length
        view = an.view
        assert view is not None
        self.view: View = view
        self.project = view.project

    def target(self, constant: Constant) -> Optional[Tuple[str, str]]:
        """(path, text) of the module that defines the constant."""
        path = self.project.index.paths.get(constant[0])
        text = self.project.text(constant[0])
        if path is None or text is None:
            return None
        return path, text

    def edit(self, constant: Constant, plan: Plan) -> Optional[str]:
        """The defining module's text with the plan's bits added (None: no safe edit)."""
        found = self.target(constant)
        if found is None:
            return None
        path, text = found
        module = parse(text)
        if module is None:
            return None
        model = build_model(module)
        sources = model.scope.bindings.get(constant[1], [])
        if len(sources) != 1 or not isinstance(sources[0], AssignSource):
            return None
        value = sources[0].value
        if value is None:
            return None
        view = WORKSPACE.view(path, text, self.settings)
        other, _ = run_rules(model, path, self.settings, view=view)
        builder = Builder(other)
        if builder.edit_definition(value, model.scope, plan) is not None:
            return None
        return builder.result(self.max_length)

    def analyse(self, path: str, text: str) -> Optional[Tuple[Analysis, List[Finding]]]:
        module = parse(text)
        if module is None:
            return None
        view = WORKSPACE.view(path, text, self.settings)
        return run_rules(module, path, self.settings, view=view)


def keys(findings: Sequence[Finding]) -> Set[Tuple[int, str]]:
    return {(f.site.index, f.code) for f in findings}


def read_bytes(path: str) -> Optional[bytes]:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError:
        return None


def encode_like(original: bytes, text: str) -> bytes:
    """``text`` (newlines normalized) in the original file's encoding, byte order
    mark and line endings: a line the edit kept keeps its own ending (a file with
    mixed endings stays mixed), a new or changed line takes the ending of the line
    it replaces."""
    module = parse(original)
    encoding = module.encoding if module is not None else "utf-8"
    body = original[3:] if original.startswith(b"\xef\xbb\xbf") else original
    if b"\r" in body:
        try:
            text = with_endings(body.decode(encoding), text)
        except (LookupError, UnicodeDecodeError):
            text = text.replace("\n", "\r\n")
    data = text.encode(encoding)
    if original.startswith(b"\xef\xbb\xbf") and not data.startswith(b"\xef\xbb\xbf"):
        data = b"\xef\xbb\xbf" + data
    return data


_ENDING = re.compile(r"(\r\n|\r|\n)")


def with_endings(old: str, new: str) -> str:
    """``new`` (``\n`` line endings) with the line endings of ``old``, line by
    line where the lines match."""
    pieces = _ENDING.split(old)
    old_lines, old_ends = pieces[0::2], pieces[1::2] + [""]
    new_lines = new.split("\n")
    counts: Dict[str, int] = {}
    for end in old_ends:
        if end:
            counts[end] = counts.get(end, 0) + 1
    usual = max(counts, key=lambda e: counts[e]) if counts else "\n"
    ends = [usual] * len(new_lines)
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, _, j1, j2 in matcher.get_opcodes():
        for j in range(j1, j2):
            i = i1 + (j - j1) if tag == "equal" else i1
            ends[j] = old_ends[i] if i < len(old_ends) and old_ends[i] else usual
    ends[-1] = ""  # what follows the last line: nothing (the text ends with its newline)
    return "".join(line + end for line, end in zip(new_lines, ends))


__all__ = [
    "ConstantEdit",
    "read_bytes",
    "ModuleChange",
    "encode_like",
    "plan_constant",
    "reads_in",
    "uses_elsewhere",
]
