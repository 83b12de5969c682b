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
import gc
from bisect import bisect_left
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Callable, Collection, Dict, List, Optional, Sequence, Set, Tuple

import libcst as cst

from ..analysis.context import Analysis
from ..analysis.model import argument, build_model
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

_MAX_ROUNDS = 200

#: a verified candidate: its module, analysis, findings, and the call index shift
_Accepted = Tuple[cst.Module, str, Analysis, List[Finding], Callable[[int], int]]


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
    #: the file's encoding, when it was parsed
    encoding: Optional[str] = None

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
        max_length: Optional[int] = 79,
    ) -> None:
        self.path = path
        self.data = data
        self.settings = settings
        self.ignore = ignore
        self.disable_noqa = disable_noqa
        self.max_length = max_length
        self.compiles = True

    def parse(self, data: bytes) -> Optional[Tuple[cst.Module, ast.Module]]:
        """libcst's module and Python's tree, or None when either refuses the text
        (Python's parser first: see ``parse_checked``)."""
        try:
            tree = ast.parse(data)
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            return None
        module = parse(data)
        if module is None:
            return None
        return module, tree

    def compiles_tree(self, tree: ast.Module) -> bool:
        try:
            compile(tree, self.path or "<fix>", "exec", dont_inherit=True)
        except (SyntaxError, ValueError, RecursionError):
            return False
        return True

    def analyse(
        self, module: cst.Module, text: str, tree: Optional[ast.AST]
    ) -> Tuple[Analysis, List[Finding]]:
        """The findings flake8 would report for this text, in the file's project.
        ``text`` is the module's code and ``tree`` Python's tree of it (each made
        once: the code generation and the parse cost as much as the analysis)."""
        model = build_model(module)
        positions = Positions(module, text.splitlines(keepends=True), tree, len(model.calls))
        view = WORKSPACE.view(self.path, text, self.settings) if self.path else None
        return run_rules(model, self.path or "<fix>", self.settings, positions, view, tree)

    def verify(
        self,
        text: str,
        data: bytes,
        before: Set[Tuple[int, str]],
        gone: Set[Tuple[int, str]],
    ) -> Optional[Tuple[cst.Module, str, Analysis, List[Finding]]]:
        """The parsed candidate and its analysis when it is a safe improvement."""
        parsed = self.parse(data)
        if parsed is None:
            return None
        module, tree = parsed
        if self.compiles and not self.compiles_tree(tree):
            return None
        try:
            an, findings = self.analyse(module, text, tree)
        except Exception:  # noqa: BLE001 - a candidate the analysis fails on is not kept
            return None
        after = _keys(findings)
        if not after <= before or after & gone:
            return None
        return module, text, an, findings

    def run(self) -> Outcome:
        out = Outcome(self.path, self.data, self.data)
        lower = self.data.lower()
        if b"mapi" not in lower and b"msgwaitformultipleobjects" not in lower:
            # every fixable call is a MAPI function or a MsgWaitForMultipleObjects(Ex)
            # (MPS404), named in the file (an alias is imported by that name): nothing
            # to fix, but a file that does not parse is reported (flake8: E999)
            out.error = unparsable(self.data)
            return out
        parsed = self.parse(self.data)
        if parsed is None:
            out.error = unparsable(self.data) or "cannot be parsed; left unchanged"
            return out
        module, tree = parsed
        out.encoding = module.encoding
        self.compiles = self.compiles_tree(tree)
        text = module.code
        an, findings = self.analyse(module, text, tree)
        positions = Positions(module, text.splitlines(keepends=True), tree, len(an.model.calls))
        silenced = silenced_findings(text, positions, findings, self.ignore, self.disable_noqa)
        # where the calls with fixable findings are: all the report needs of the original
        # (a fix removes no finding's call and adds no finding)
        where: Dict[int, Tuple[int, int]] = {}
        for f in findings:
            if f.code in FIXABLE and f.site.index not in where:
                where[f.site.index] = positions.of_call(f.site.node, f.site.index)
        del positions, tree
        # bookkeeping is by the call's pre-order index in the original module; ``orig``
        # maps the current module's indices back to it
        orig: Dict[int, int] = {i: i for i in range(len(an.model.calls))}
        reasons: Dict[Tuple[int, str], str] = {}
        fixed: Set[Tuple[int, str]] = set()
        bad: Set[int] = set()
        current, current_text = module, text
        del module
        if an.view is not None:
            an, findings = self._constants(an, findings, silenced, fixed, out)
        for _ in range(_MAX_ROUNDS):
            wanted = [f for f in findings if (orig[f.site.index], f.code) not in silenced]
            plans = [p for p in make_plans(an, wanted) if orig[p.site.index] not in bad]
            if not plans:
                break
            builder: Optional[Builder] = Builder(an)
            assert builder is not None
            skipped = builder.add(plans)
            for index, reason in skipped.items():
                bad.add(orig[index])
                for p in plans:
                    if p.site.index == index:
                        for code in p.codes:
                            reasons[(orig[index], code)] = reason
            if builder.result(self.max_length) is None and builder.too_long:
                too_long = set(builder.too_long)
                for p in plans:
                    if p.site.index in too_long:
                        skipped[p.site.index] = (
                            f"the fixed line would be longer than max-line-length "
                            f"({self.max_length}) and cannot be wrapped"
                        )
                        bad.add(orig[p.site.index])
                        for code in p.codes:
                            reasons[(orig[p.site.index], code)] = skipped[p.site.index]
            if skipped:
                plans = [p for p in plans if p.site.index not in skipped]
                builder = None  # built with the skipped plans' lookups: build afresh
            if not plans:
                break
            before = _keys(findings)
            failures: List[Plan] = []
            units = builder.units(plans) if builder is not None else [[p] for p in plans]
            settled = self._settle(an, units, before, failures.append, builder)
            for plan in failures:
                bad.add(orig[plan.site.index])
                for code in plan.codes:
                    reasons[(orig[plan.site.index], code)] = (
                        "the fix did not remove the finding without adding another"
                    )
            if settled is None:
                continue  # every plan of the round failed alone: the next round has fewer
            done, (current, current_text, an, findings, shift) = settled
            for plan in done:
                fixed |= {(orig[plan.site.index], code) for code in plan.codes}
            orig = {shift(i): o for i, o in orig.items()}
        out.fixed = current_text.encode(current.encoding)
        for index, code in sorted(fixed):
            line, col = where[index]
            out.fixes.append((line, col + 1, code))
        for f in findings:
            index = orig[f.site.index]
            key = (index, f.code)
            if f.code in FIXABLE and key not in fixed and key not in silenced:
                line, col = where[index]
                reason = reasons.get(key, "not a form fix can change safely")
                out.left.append((line, col + 1, f.code, reason))
        out.fixes.sort()
        out.left.sort()
        if an.view is not None:
            an.view.project.pin_text(self.path, current_text)  # what the file now is
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
            editor = ConstantEdit(an, self.settings, self.max_length)
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
        module = an.model.module
        text = module.code
        try:
            new_an, new_findings = self.analyse(module, text, ast.parse(text))
        except Exception:  # noqa: BLE001 - a candidate the analysis fails on is not kept
            return None
        gone = {(p.site.index, code) for p in group for code in p.codes}
        after = _keys(new_findings)
        if not after <= _keys(findings) or after & gone:
            return None
        return new_an, new_findings

    def _settle(
        self,
        an: Analysis,
        units: Sequence[Sequence[Plan]],
        before: Set[Tuple[int, str]],
        failed: Callable[[Plan], None],
        builder: Optional[Builder] = None,
    ) -> Optional[Tuple[Sequence[Plan], _Accepted]]:
        """Some of the plans applied and verified together, with the plans that were.

        All of them when they verify together: one analysis for any number of plans.
        Otherwise the plans that fail are found by halving (a set that verifies holds
        none; a unit, plans that share an edit, is halved only when it fails alone)
        and passed to ``failed``, and the others are verified together once more;
        should they fail together, the largest set that verified is kept.  None only
        when every plan failed alone."""
        plans = [p for unit in units for p in unit]
        accepted = self._attempt(an, plans, before, builder=builder)
        if accepted is not None:
            return plans, accepted
        best: List[Tuple[Sequence[Plan], _Accepted]] = []
        masked: Set[int] = set()
        good = self._search(an, units, before, failed, best, masked, top=True)
        if not good:
            return None
        if best and len(best[0][0]) == len(good):
            return best[0]
        accepted = self._attempt(an, good, before, mask_all=masked)
        if accepted is not None:
            return good, accepted
        return best[0] if best else None

    def _search(
        self,
        an: Analysis,
        units: Sequence[Sequence[Plan]],
        before: Set[Tuple[int, str]],
        failed: Callable[[Plan], None],
        best: List[Tuple[Sequence[Plan], _Accepted]],
        masked: Set[int],
        top: bool = False,
    ) -> List[Plan]:
        """The plans of ``units`` that are in some set that verifies (``top``: the
        units are known to fail together)."""
        plans = [p for unit in units for p in unit]
        if not top:
            accepted = self._attempt(an, plans, before)
            if accepted is not None:
                if not best or len(plans) > len(best[0][0]):
                    best[:] = [(plans, accepted)]
                return plans
        if len(plans) == 1:
            plan = plans[0]
            if plan.remove:
                accepted = self._attempt(an, plans, before, mask_all={plan.site.index})
                if accepted is not None:
                    masked.add(plan.site.index)
                    if not best:
                        best[:] = [(plans, accepted)]
                    return plans
            failed(plan)
            return []
        if len(units) == 1:
            units = [[p] for p in plans]
        half = len(units) // 2
        left = self._search(an, units[:half], before, failed, best, masked)
        # these plans fail together and the first half holds no failing plan: the
        # second half does (unless plans only fail together), so it is halved untested
        right_plans = [p for unit in units[half:] for p in unit]
        known = len(left) == sum(len(u) for u in units[:half]) and len(right_plans) > 1
        return left + self._search(an, units[half:], before, failed, best, masked, top=known)

    def _attempt(
        self,
        an: Analysis,
        plans: Sequence[Plan],
        before: Set[Tuple[int, str]],
        mask_all: Collection[int] = (),
        builder: Optional[Builder] = None,
    ) -> Optional[_Accepted]:
        if builder is None:
            builder = Builder(an, mask_all)
            if builder.add(plans):
                return None
        text = builder.result(self.max_length)
        if text is None:
            return None
        shift = shifter(builder.inserted)
        gone = {(shift(p.site.index), code) for p in plans for code in p.codes}
        data = text.encode(an.model.module.encoding)
        checked = self.verify(text, data, {(shift(i), c) for i, c in before}, gone)
        if checked is None:
            return None
        return checked[0], checked[1], checked[2], checked[3], shift


def _flag_node(plan: Plan) -> object:
    return argument(plan.site.node, plan.index)


def fix_bytes(
    data: bytes,
    path: str = "",
    settings: Optional[Settings] = None,
    ignore: Sequence[str] = (),
    disable_noqa: bool = False,
    max_line_length: Optional[int] = 79,
) -> Outcome:
    """Fix one file's bytes; the result's ``fixed`` is the new content.  Findings
    flake8 would not report are left alone: silenced by a ``# noqa`` it honours (unless
    ``disable_noqa``, flake8's ``--disable-noqa``), in a ``# flake8: noqa`` file, or
    whose code starts with one of ``ignore``.  No line within ``max_line_length``
    (flake8's ``max-line-length``; None: no limit) is made longer: the argument an edit
    changes is wrapped instead, and a finding no wrapping fits is left."""
    ignored = tuple(c.strip().upper() for c in ignore)
    worker = _File(path, data, settings or Settings(), ignored, disable_noqa, max_line_length)
    # as for the plugin (``runner.analyze``): the analyses make many short-lived
    # objects beside large trees, and every collection of the cyclic collector walks
    # the trees again; the cycles made meanwhile are collected when it is back on
    enabled = gc.isenabled()
    gc.disable()
    try:
        return with_deep_stack(worker.run)
    finally:
        if enabled:
            gc.enable()


def shifter(inserted: Dict[int, int]) -> Callable[[int], int]:
    """Old pre-order call index -> index after calls were inserted."""
    marks = sorted(inserted)
    totals = list(accumulate(inserted[at] for at in marks))

    def shift(index: int) -> int:
        k = bisect_left(marks, index)  # the marks before ``index``
        return index + (totals[k - 1] if k else 0)

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
