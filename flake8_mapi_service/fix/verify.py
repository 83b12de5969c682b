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
from ..analysis.positions import Positions
from ..analysis.source import parse, with_deep_stack
from ..runner import Finding, run_rules
from ..settings import Settings
from .config import silenced_findings
from .flag_editor import Builder
from .plans import FIXABLE, Plan, make_plans

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
        return run_rules(module, self.path, self.settings)

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
        return out

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
