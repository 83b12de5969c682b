"""One file: plan, edit, verify, retry.

Every candidate result is checked before it is kept: it must parse and
compile, the analysis run again on it must no longer report the fixed codes at
those calls, and it must report nothing the original did not.  All plans of a
round are tried together; when that fails they are tried one at a time, and a
plan that still fails is listed, never written.  Bookkeeping is by the call's
pre-order index in the original module (a fix never removes a call; the calls
it inserts are counted, ``shifter``).  Every byte the fix does not change is
kept: libcst round-trips comments, formatting and line endings.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Set, Tuple

import libcst as cst

from ..analysis.context import Analysis
from ..analysis.model import argument
from ..analysis.positions import Positions
from ..analysis.source import parse, with_deep_stack
from ..analysis.workspace import WORKSPACE
from ..runner import Finding, run_rules
from ..settings import Settings
from .config import silenced_findings
from .flag_editor import Builder
from .plans import FIXABLE, Plan, make_plans
from .project import (
    ConstantEdit,
    ModuleChange,
    encode_like,
    plan_constant,
    read_bytes,
    reads_in,
    uses_elsewhere,
)

_MAX_ROUNDS = 50


@dataclass
class Outcome:
    """What ``fix`` did (or would do) to one file.  Positions refer to the original text."""

    path: str
    original: bytes
    fixed: bytes
    #: (line, col, code) of every finding fixed
    fixes: List[Tuple[int, int, str]] = field(default_factory=list)
    #: (line, col, code, reason) of every fixable-code finding left alone
    left: List[Tuple[int, int, str, str]] = field(default_factory=list)
    error: Optional[str] = None
    #: other modules of the project changed to fix this file (a flags constant)
    others: List[ModuleChange] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.fixed != self.original


def _keys(findings: Sequence[Finding]) -> Set[Tuple[int, str]]:
    return {(f.site.index, f.code) for f in findings}


class _File:
    def __init__(
        self,
        path: str,
        data: bytes,
        settings: Settings,
        ignore: Tuple[str, ...] = (),
        disable_noqa: bool = False,
    ) -> None:
        self.path = path
        self.data = data
        self.settings = settings
        self.ignore = ignore
        self.disable_noqa = disable_noqa
        self.compiles = True

    def parse(self, data: bytes) -> Optional[cst.Module]:
        return parse_checked(data)

    def analyse(self, module: cst.Module) -> Tuple[Analysis, List[Finding]]:
        """The findings flake8 would report for this text, in the file's project."""
        view = WORKSPACE.view(self.path, module.code, self.settings) if self.path else None
        return run_rules(module, self.path or "<fix>", self.settings, view=view)

    def verify(
        self,
        candidate: cst.Module,
        before: Set[Tuple[int, str]],
        gone: Set[Tuple[int, str]],
    ) -> Optional[Tuple[cst.Module, Analysis, List[Finding]]]:
        """The re-parsed candidate and its analysis when it is a safe improvement."""
        data = candidate.bytes
        module = self.parse(data)
        if module is None:
            return None
        if self.compiles:
            try:
                compile(data, self.path or "<fix>", "exec", dont_inherit=True)
            except (SyntaxError, ValueError):
                return None
        try:
            an, findings = self.analyse(module)
        except Exception:  # noqa: BLE001 - a candidate the analysis fails on is not kept
            return None
        after = _keys(findings)
        if not after <= before or after & gone:
            return None
        return module, an, findings

    def run(self) -> Outcome:
        out = Outcome(self.path, self.data, self.data)
        if b"mapi" not in self.data.lower():
            # every fixable call is a MAPI function: nothing to fix, but a file that
            # does not parse is reported (flake8 reports it as E999)
            out.error = unparsable(self.data)
            return out
        module = self.parse(self.data)
        if module is None:
            out.error = unparsable(self.data) or "cannot be parsed; left unchanged"
            return out
        try:
            compile(self.data, self.path or "<fix>", "exec", dont_inherit=True)
        except (SyntaxError, ValueError):
            self.compiles = False
        an, findings = self.analyse(module)
        original_an = an
        positions = Positions(
            module, module.code.splitlines(keepends=True), None, len(an.model.calls)
        )
        calls = original_an.model.calls
        silenced = silenced_findings(module, positions, findings, self.ignore, self.disable_noqa)
        # bookkeeping is by the call's pre-order index in the original module; ``orig``
        # maps the current module's indices back to it
        orig: Dict[int, int] = {i: i for i in range(len(calls))}
        reasons: Dict[Tuple[int, str], str] = {}
        fixed: Set[Tuple[int, str]] = set()
        bad: Set[int] = set()
        current = module
        if an.view is not None:
            an, findings = self._constants(an, findings, silenced, fixed, out)
        for _ in range(_MAX_ROUNDS):
            wanted = [f for f in findings if (orig[f.site.index], f.code) not in silenced]
            plans = [p for p in make_plans(an, wanted) if orig[p.site.index] not in bad]
            if not plans:
                break
            skipped = Builder(an).add(plans)
            for index, reason in skipped.items():
                bad.add(orig[index])
                for p in plans:
                    if p.site.index == index:
                        for code in p.codes:
                            reasons[(orig[index], code)] = reason
            plans = [p for p in plans if p.site.index not in skipped]
            if not plans:
                break
            before = _keys(findings)
            accepted = self._attempt(an, plans, before)
            if accepted is None:
                # one at a time: keep the first that verifies, drop the others that fail
                for plan in plans:
                    accepted = self._attempt(an, [plan], before)
                    if accepted is None and plan.remove:
                        accepted = self._attempt(an, [plan], before, mask_all=True)
                    if accepted is not None:
                        plans = [plan]
                        break
                    bad.add(orig[plan.site.index])
                    for code in plan.codes:
                        reasons[(orig[plan.site.index], code)] = (
                            "the fix did not remove the finding without adding another"
                        )
            if accepted is None:
                break
            for plan in plans:
                fixed |= {(orig[plan.site.index], code) for code in plan.codes}
            current, an, findings, shift = accepted
            orig = {shift(i): o for i, o in orig.items()}
        out.fixed = current.bytes
        for index, code in sorted(fixed):
            line, col = positions.of_call(calls[index].node, index)
            out.fixes.append((line, col + 1, code))
        for f in findings:
            index = orig[f.site.index]
            key = (index, f.code)
            if f.code in FIXABLE and key not in fixed and key not in silenced:
                line, col = positions.of_call(calls[index].node, index)
                reason = reasons.get(key, "not a form fix can change safely")
                out.left.append((line, col + 1, f.code, reason))
        out.fixes.sort()
        out.left.sort()
        if an.view is not None:
            an.view.project.pin_text(self.path, current.code)  # what the file now is
        return out

    def _constants(
        self,
        an: Analysis,
        findings: List[Finding],
        silenced: Set[Tuple[int, str]],
        fixed: Set[Tuple[int, str]],
        out: Outcome,
    ) -> Tuple[Analysis, List[Finding]]:
        """Fix flags that are another module's constant where it is written, when
        every read of it in the project is such a flags argument of this file."""
        wanted = [f for f in findings if (f.site.index, f.code) not in silenced]
        groups: Dict[Tuple[Tuple[str, str], object], List[Plan]] = {}
        for plan in make_plans(an, wanted):
            constant = plan_constant(an, plan)
            if constant is not None:
                groups.setdefault((constant, plan.signature), []).append(plan)
        for (constant, _), group in groups.items():
            flags = {id(_flag_node(p)) for p in group}
            reads = reads_in(an, constant)
            if not reads or any(id(node) not in flags for node in reads):
                continue  # the constant is also read for something else here
            assert an.view is not None
            project = an.view.project
            if uses_elsewhere(an.link, project, constant, an.mid):
                continue
            editor = ConstantEdit(an, self.settings)
            target = editor.target(constant)
            new_text = editor.edit(constant, group[0])
            if target is None or new_text is None:
                continue
            path, old_text = target
            try:
                compile(new_text, path, "exec", dont_inherit=True)
            except (SyntaxError, ValueError):
                continue
            checked = self._check_constant(editor, an, findings, group, path, old_text, new_text)
            if checked is None:
                project.pin_text(path, old_text)
                continue
            an, findings = checked
            fixed |= {(p.site.index, code) for p in group for code in p.codes}
            original = read_bytes(path) or old_text.encode("utf-8")
            change = next((c for c in out.others if c.path == path), None)
            if change is None:
                out.others.append(ModuleChange(path, original, encode_like(original, new_text)))
            else:
                change.fixed = encode_like(change.original, new_text)
        return an, findings

    def _check_constant(
        self,
        editor: ConstantEdit,
        an: Analysis,
        findings: List[Finding],
        group: Sequence[Plan],
        path: str,
        old_text: str,
        new_text: str,
    ) -> Optional[Tuple[Analysis, List[Finding]]]:
        """The file's new analysis when the constant edit removes the group's
        findings and adds none, here or in the edited module."""
        before_other = editor.analyse(path, old_text)
        if before_other is None:
            return None
        editor.project.pin_text(path, new_text)
        after_other = editor.analyse(path, new_text)
        if after_other is None or not _keys(after_other[1]) <= _keys(before_other[1]):
            return None
        try:
            new_an, new_findings = self.analyse(an.model.module)
        except Exception:  # noqa: BLE001 - a candidate the analysis fails on is not kept
            return None
        gone = {(p.site.index, code) for p in group for code in p.codes}
        after = _keys(new_findings)
        if not after <= _keys(findings) or after & gone:
            return None
        return new_an, new_findings

    def _attempt(
        self,
        an: Analysis,
        plans: Sequence[Plan],
        before: Set[Tuple[int, str]],
        mask_all: bool = False,
    ) -> Optional[Tuple[cst.Module, Analysis, List[Finding], Callable[[int], int]]]:
        builder = Builder(an, mask_all)
        if builder.add(plans):
            return None
        candidate = builder.result()
        if candidate is None:
            return None
        shift = shifter(builder.inserted)
        gone = {(shift(p.site.index), code) for p in plans for code in p.codes}
        checked = self.verify(candidate, {(shift(i), c) for i, c in before}, gone)
        if checked is None:
            return None
        return checked[0], checked[1], checked[2], shift


def _flag_node(plan: Plan) -> object:
    return argument(plan.site.node, 0 if plan.kind == "init" else 3)


def fix_bytes(
    data: bytes,
    path: str = "",
    settings: Optional[Settings] = None,
    ignore: Sequence[str] = (),
    disable_noqa: bool = False,
) -> Outcome:
    """Fix one file's bytes; the result's ``fixed`` is the new content.  Findings
    flake8 would not report are left alone: silenced by a ``# noqa`` it honours (unless
    ``disable_noqa``, flake8's ``--disable-noqa``), in a ``# flake8: noqa`` file, or
    whose code starts with one of ``ignore``."""
    ignored = tuple(c.strip().upper() for c in ignore)
    worker = _File(path, data, settings or Settings(), ignored, disable_noqa)
    return with_deep_stack(worker.run)


def shifter(inserted: Dict[int, int]) -> Callable[[int], int]:
    """Old pre-order call index -> index after calls were inserted."""
    marks = sorted(inserted.items())

    def shift(index: int) -> int:
        return index + sum(n for at, n in marks if index > at)

    return shift


def unparsable(data: bytes) -> Optional[str]:
    """Why Python's parser refuses the file (what flake8 reports as E999), or None."""
    try:
        ast.parse(data)
    except SyntaxError as exc:
        where = f"line {exc.lineno}: " if exc.lineno else ""
        return f"cannot be parsed ({where}{type(exc).__name__}: {exc.msg}); left unchanged"
    except (ValueError, MemoryError, RecursionError) as exc:
        return f"cannot be parsed ({type(exc).__name__}); left unchanged"
    return None


def parse_checked(data: bytes) -> Optional[cst.Module]:
    """libcst's module, or None for a file Python itself would not compile.

    Python's own parser goes first: it refuses pathological nesting (over 200
    levels) with a SyntaxError, where libcst's native parser can overflow its
    stack and kill the process (thousands of nested parentheses)."""
    try:
        ast.parse(data)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
    return parse(data)


def encoding_of(data: bytes) -> str:
    module = parse_checked(data)
    return module.encoding if module is not None else "utf-8"
