"""``flake8-mapi-service fix``: repair flag mistakes (MPS101-MPS103, MPS201) with libcst.

The fix is driven by the linter's own analysis (``analysis.engine.run_rules``):
only findings the linter reports are touched, and the flag evaluation decides
which bits are missing or unwanted.  For each finding the fix looks for the
place where the flags are *written*:

- inline at the call (a ``MAPILogonEx`` argument, a ``MAPIInitialize`` tuple,
  a ctypes structure built positionally or by keyword, ``x.ulFlags = ...``);
- the one local or module assignment (or parameter default) that defines a
  name used there, when nothing else uses that name;
- otherwise the call itself (``flags`` becomes ``flags | MAPI_NT_SERVICE``).

Constants are spelled in the file's own dialect: the bare name where it is
imported or defined, ``mapi.MAPI_NT_SERVICE`` where the pywin32 module is
imported as ``mapi``, otherwise a new module constant placed beside the file's
other constants.  MPS201 removes the UI constants (or their numbers) from the
``|`` chains where they are written; a UI bit that comes from elsewhere is
masked out (``flags & ~MAPI_PASSWORD_UI``).  Findings silenced with ``# noqa``
or by the flake8 config's ignore lists are left alone.

Every candidate result is checked before it is kept: it must parse and
compile, the analysis run again on it must no longer report the fixed codes at
those calls, and it must report nothing the original did not.  A fix that
fails the check is dropped and listed, never written.  Every byte the fix does
not change is kept: libcst round-trips comments, formatting and line endings.
"""

from __future__ import annotations

import argparse
import ast
import configparser
import difflib
import fnmatch
import os
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from typing import Callable, Dict, FrozenSet, Iterator, List, Optional, Sequence, Set, Tuple, Union

import libcst as cst

from .analysis.apis import CONSTANTS
from .analysis.bindings import MAPI_MODULE
from .analysis.context import Analysis, Finding
from .analysis.engine import _with_deep_stack, parse, run_rules
from .analysis.flow import TupleV, as_bits
from .analysis.model import AssignSource, CallSite, FunctionScope, OpaqueSource, Scope
from .analysis.positions import Positions
from .settings import Settings

#: the codes ``fix`` repairs
FIXABLE: Tuple[str, ...] = ("MPS101", "MPS102", "MPS103", "MPS201")

#: constants the fix may write, with the value it checks and the literal of a new constant
VALUES: Dict[str, int] = {
    name: CONSTANTS[name][0]
    for name in (
        "MAPI_INIT_VERSION",
        "MAPI_NT_SERVICE",
        "MAPI_NO_MAIL",
        "MAPI_LOGON_UI",
        "MAPI_SERVICE_UI_ALWAYS",
        "MAPI_PASSWORD_UI",
    )
}
LITERALS: Dict[str, str] = {
    "MAPI_INIT_VERSION": "0",
    "MAPI_NT_SERVICE": "0x00010000",
    "MAPI_NO_MAIL": "0x00008000",
    "MAPI_LOGON_UI": "0x00000001",
    "MAPI_SERVICE_UI_ALWAYS": "0x00002000",
    "MAPI_PASSWORD_UI": "0x00020000",
}
#: the logon UI constants MPS201 removes
UI_NAMES: Dict[str, int] = {
    name: VALUES[name] for name in ("MAPI_LOGON_UI", "MAPI_PASSWORD_UI", "MAPI_SERVICE_UI_ALWAYS")
}

INITIALIZE = "mapi.MAPIInitialize"
LOGONS = ("mapi.MAPILogonEx", "mapi.MAPILogon")

_MAX_DEPTH = 8
#: calls the flag evaluation sees through: ``c_ulong(FLAGS)`` is FLAGS
_NUMBER_CALLS = frozenset({"ctypes.c_ulong", "ctypes.c_uint", "ctypes.c_uint32", "builtins.int"})
#: flake8's inline suppression comment: noqa, bare or followed by ": CODE,CODE"
_NOQA = re.compile(
    r"#\s*noqa(?::[\s]?(?P<codes>[A-Z][A-Z0-9]*(?:[,\s]+[A-Z][A-Z0-9]*)*))?", re.IGNORECASE
)
_MAX_ROUNDS = 50
_CONSTANT_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
_LOW_PRECEDENCE = (
    cst.IfExp,
    cst.Lambda,
    cst.BooleanOperation,
    cst.Comparison,
    cst.NamedExpr,
    cst.Yield,
)


class CannotFix(Exception):
    """A finding the fix leaves alone; the message says why."""


# -- plans ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """What to change at one call: constants to add, UI constants to remove."""

    site: CallSite
    codes: Tuple[str, ...]
    kind: str  # "init" | "logon"
    add: Tuple[str, ...]
    remove: FrozenSet[str]

    @property
    def signature(self) -> Tuple[str, Tuple[str, ...], FrozenSet[str]]:
        return (self.kind, self.add, self.remove)


def make_plans(an: Analysis, findings: Sequence[Finding]) -> List[Plan]:
    """One plan per call site that has fixable findings."""
    by_site: Dict[int, Tuple[CallSite, List[str]]] = {}
    for f in findings:
        if f.code in FIXABLE:
            by_site.setdefault(f.site.index, (f.site, []))[1].append(f.code)
    plans: List[Plan] = []
    for index in sorted(by_site):
        site, codes = by_site[index]
        codes = sorted(set(codes))
        if site.key == INITIALIZE:
            if "MPS101" in codes:
                plans.append(Plan(site, ("MPS101",), "init", ("MAPI_NT_SERVICE",), frozenset()))
            continue
        if site.key not in LOGONS:
            continue
        add: List[str] = []
        if "MPS102" in codes:
            add.append("MAPI_NT_SERVICE")
        if "MPS103" in codes:
            add.append("MAPI_NO_MAIL")
        remove: Set[str] = set()
        if "MPS201" in codes:
            flags = (
                an.logon_flags(site) if site.key == "mapi.MAPILogonEx" else an.flags_arg(site, 3)
            )
            remove = {name for name, bit in UI_NAMES.items() if flags.has(bit)}
        fixed = tuple(c for c in codes if c in ("MPS102", "MPS103", "MPS201"))
        if fixed:
            plans.append(Plan(site, fixed, "logon", tuple(add), frozenset(remove)))
    return plans


# -- whitespace helpers -----------------------------------------------------------------


def _clean(ws: cst.BaseParenthesizableWhitespace) -> cst.BaseParenthesizableWhitespace:
    """A copy of a separator without its comment or blank lines (for a new token)."""
    if isinstance(ws, cst.ParenthesizedWhitespace):
        return cst.ParenthesizedWhitespace(
            first_line=cst.TrailingWhitespace(),
            empty_lines=[],
            indent=ws.indent,
            last_line=ws.last_line,
        )
    return ws


def _space() -> cst.SimpleWhitespace:
    return cst.SimpleWhitespace(" ")


def _bitor() -> cst.BitOr:
    return cst.BitOr(whitespace_before=_space(), whitespace_after=_space())


def _join(terms: Sequence[cst.BaseExpression]) -> cst.BaseExpression:
    out = terms[0]
    for t in terms[1:]:
        out = cst.BinaryOperation(left=out, operator=_bitor(), right=t)
    return out


def _const_name(node: cst.BaseExpression) -> Optional[str]:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return node.attr.value
    return None


def _is_zero(node: cst.BaseExpression) -> bool:
    if not isinstance(node, cst.Integer):
        return False
    try:
        return int(node.value.replace("_", ""), 0) == 0
    except ValueError:
        return False


def _append_args(call: cst.Call, new: Sequence[cst.Arg]) -> cst.Call:
    """``call`` with ``new`` arguments added at the end, in the call's own layout."""
    args = list(call.args)
    if not args:
        return call.with_changes(args=list(new))
    last = args[-1]
    if len(args) >= 2 and isinstance(args[-2].comma, cst.Comma):
        sep = _clean(args[-2].comma.whitespace_after)
    elif isinstance(call.whitespace_before_args, cst.ParenthesizedWhitespace):
        sep = _clean(call.whitespace_before_args)
    else:
        sep = _space()
    added = list(new)
    if isinstance(last.comma, cst.Comma):
        # a trailing comma: the new arguments keep it, the old last one gets a separator
        final_comma = last.comma
        args[-1] = last.with_changes(comma=cst.Comma(whitespace_after=sep))
        for i, arg in enumerate(added):
            comma = final_comma if i == len(added) - 1 else cst.Comma(whitespace_after=sep)
            added[i] = arg.with_changes(comma=comma)
    else:
        tail = last.whitespace_after_arg
        args[-1] = last.with_changes(
            comma=cst.Comma(whitespace_after=sep), whitespace_after_arg=cst.SimpleWhitespace("")
        )
        for i, arg in enumerate(added):
            if i == len(added) - 1:
                added[i] = arg.with_changes(whitespace_after_arg=tail)
            else:
                added[i] = arg.with_changes(comma=cst.Comma(whitespace_after=sep))
    return call.with_changes(args=args + added)


# -- name uses ---------------------------------------------------------------------------


class _NameUses(cst.CSTVisitor):
    """Every ``Name`` node that reads or writes ``name`` (not attributes, keywords, params)."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.nodes: List[cst.Name] = []

    def visit_Name(self, node: cst.Name) -> None:
        if node.value == self.name:
            self.nodes.append(node)

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        node.value.visit(self)
        return False

    def visit_Arg(self, node: cst.Arg) -> bool:
        node.value.visit(self)
        return False

    def visit_Param(self, node: cst.Param) -> bool:
        if node.default is not None:
            node.default.visit(self)
        if node.annotation is not None:
            node.annotation.visit(self)
        return False


class _Assigns(cst.CSTVisitor):
    """The assignments of one scope (not of nested functions or classes)."""

    def __init__(self, root: cst.CSTNode) -> None:
        super().__init__()
        self.root = root
        self.by_value: Dict[cst.BaseExpression, Union[cst.Assign, cst.AnnAssign]] = {}
        self.attr_writes: List[Union[cst.Assign, cst.AugAssign]] = []
        #: pre-order number of every statement (textual order)
        self.order: Dict[cst.CSTNode, int] = {}
        #: the compound statements around every statement (outermost first)
        self.around: Dict[cst.CSTNode, Tuple[int, ...]] = {}
        self._stack: List[int] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, (cst.BaseSmallStatement, cst.BaseCompoundStatement)):
            self.order[node] = len(self.order)
            self.around[node] = tuple(self._stack)
        descend = super().on_visit(node)
        if descend and isinstance(node, cst.BaseCompoundStatement) and node is not self.root:
            self._stack.append(id(node))
        return descend

    def on_leave(self, original_node: cst.CSTNode) -> None:
        if (
            isinstance(original_node, cst.BaseCompoundStatement)
            and original_node is not self.root
            and self._stack
            and self._stack[-1] == id(original_node)
        ):
            self._stack.pop()
        super().on_leave(original_node)

    def dominates(self, first: cst.CSTNode, then: cst.CSTNode) -> bool:
        """``first`` runs whenever ``then`` does (same block or an enclosing one)."""
        a, b = self.around.get(first), self.around.get(then)
        return a is not None and b is not None and b[: len(a)] == a

    def _nested(self, node: cst.CSTNode) -> bool:
        return node is not self.root

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return not self._nested(node)

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return not self._nested(node)

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_Assign(self, node: cst.Assign) -> None:
        self.by_value[node.value] = node
        if len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Attribute):
            self.attr_writes.append(node)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self.by_value[node.value] = node

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if isinstance(node.target, cst.Attribute):
            self.attr_writes.append(node)


class _Contains(cst.CSTVisitor):
    def __init__(self, wanted: Set[cst.CSTNode]) -> None:
        super().__init__()
        self.wanted = wanted
        self.found = False

    def on_visit(self, node: cst.CSTNode) -> bool:
        if self.found:
            return False
        if node in self.wanted:
            self.found = True
            return False
        return True


def _contains(root: cst.CSTNode, wanted: Set[cst.CSTNode]) -> bool:
    v = _Contains(wanted)
    root.visit(v)
    return v.found


class _Replace(cst.CSTTransformer):
    def __init__(self, replace: Dict[cst.CSTNode, cst.CSTNode]) -> None:
        super().__init__()
        self.replace = replace

    def on_leave(  # type: ignore[override]
        self, original_node: cst.CSTNode, updated_node: cst.CSTNode
    ) -> Union[cst.CSTNode, cst.RemovalSentinel, cst.FlattenSentinel]:
        new = self.replace.get(original_node)
        if new is not None:
            return new
        return updated_node


# -- the edit builder -------------------------------------------------------------------


@dataclass
class _Edit:
    new: cst.CSTNode
    signature: object


class Builder:
    """Collects the edits of a set of plans on one analysed module."""

    def __init__(self, an: Analysis, mask_all: bool = False) -> None:
        self.an = an
        #: MPS201: mask the UI bits out even where removing their terms looks enough
        self.mask_all = mask_all
        self.resolver = an.resolver
        self.module = an.model.module
        self.replace: Dict[cst.CSTNode, _Edit] = {}
        self.new_constants: Dict[str, None] = {}
        #: pre-order call index -> number of new calls placed right after it
        self.inserted: Dict[int, int] = {}
        self._assigns: Dict[int, _Assigns] = {}
        self._uses: Dict[Tuple[int, str], List[cst.Name]] = {}
        self._allowed: Dict[object, Set[cst.CSTNode]] = {}
        self._plan: Optional[Plan] = None

    # -- public ----------------------------------------------------------------------
    def add(self, plans: Sequence[Plan]) -> Dict[int, str]:
        """Register the edits of ``plans``; returns {site index: reason} for those it skips."""
        for plan in plans:
            node = self._flag_node(plan)
            if isinstance(node, cst.BaseExpression):
                self._allowed.setdefault(plan.signature, set()).add(node)
        skipped: Dict[int, str] = {}
        for plan in plans:
            saved = (dict(self.replace), dict(self.new_constants), dict(self.inserted))
            try:
                self._plan = plan
                self._site(plan)
                self._check_nesting()
            except CannotFix as exc:
                self.replace, self.new_constants, self.inserted = saved
                skipped[plan.site.index] = str(exc)
        return skipped

    def result(self) -> Optional[cst.Module]:
        if not self.replace and not self.new_constants:
            return None
        module = self.module.visit(_Replace({k: e.new for k, e in self.replace.items()}))
        if self.new_constants:
            module = self._insert_constants(module)
        return module

    # -- sites ---------------------------------------------------------------------------
    @staticmethod
    def _flag_node(plan: Plan) -> object:
        return Analysis.arg(plan.site, 0 if plan.kind == "init" else 3)

    def _site(self, plan: Plan) -> None:
        site = plan.site
        node = self._flag_node(plan)
        if plan.kind == "init":
            if not isinstance(node, cst.BaseExpression):
                raise CannotFix("MAPIInitialize has no argument fix can change")
            self._init(node, site.scope, self._allowed[plan.signature], 0)
            return
        if node is None:
            self._omitted_flags(site, plan)
            return
        if not isinstance(node, cst.BaseExpression):
            raise CannotFix("the flags are passed through *args")
        self._flags(node, site.scope, self._allowed[plan.signature], 0)

    def _omitted_flags(self, site: CallSite, plan: Plan) -> None:
        if plan.remove:
            raise CannotFix("the UI flags are not written at this call")
        call = site.node
        if any(a.keyword is not None or a.star for a in call.args):
            raise CannotFix("the call uses keyword or star arguments")
        if site.flavour == "ctypes" or site.key != "mapi.MAPILogonEx":
            raise CannotFix("the flags argument is missing from a ctypes call")
        n = len(call.args)
        flags = _join([self._ref(name, site.scope) for name in plan.add])
        if n == 3:
            new = [cst.Arg(flags)]
        elif n == 2:
            new = [cst.Arg(cst.Name("None")), cst.Arg(flags)]
        else:
            raise CannotFix("MAPILogonEx needs its profile name before flags can be added")
        self._set(call, _append_args(call, new))

    # -- MAPIInitialize's argument --------------------------------------------------------
    def _init(
        self, expr: cst.BaseExpression, scope: Scope, allowed: Set[cst.CSTNode], depth: int
    ) -> None:
        if depth > _MAX_DEPTH:
            raise CannotFix("the flags are defined too far from the call")
        plan = self._current
        if plan.site.flavour == "ctypes" and (
            (isinstance(expr, cst.Name) and expr.value == "None") or _is_zero(expr)
        ):
            self._set(expr, self._new_struct(scope))
            site = plan.site
            # byref(...) and the structure are two new calls inside this one: the calls
            # after them move two places in pre-order
            self.inserted[site.index + _count_calls(site.node.func)] = 2
            return
        if isinstance(expr, cst.Name) and expr.value == "None":
            tup = cst.Tuple(
                elements=[
                    cst.Element(
                        self._ref("MAPI_INIT_VERSION", scope),
                        comma=cst.Comma(whitespace_after=_space()),
                    ),
                    cst.Element(self._ref("MAPI_NT_SERVICE", scope)),
                ]
            )
            self._set(expr, tup)
            return
        if isinstance(expr, cst.Tuple):
            elements = expr.elements
            if len(elements) != 2 or any(isinstance(e, cst.StarredElement) for e in elements):
                raise CannotFix("MAPIInitialize's tuple is not (ulVersion, ulFlags)")
            flags = elements[1].value
            self._flags(flags, scope, {flags}, depth + 1)
            return
        if isinstance(expr, cst.Call):
            ref = self.resolver.ref(expr.func, scope)
            if ref in ("ctypes.byref", "ctypes.pointer") and len(expr.args) == 1:
                inner = expr.args[0].value
                self._init(inner, scope, {inner}, depth + 1)
                return
            fields = self._struct_fields(expr, scope)
            if fields is not None:
                self._constructor(expr, fields, scope)
                return
            raise CannotFix("MAPIInitialize's argument is a call fix does not understand")
        if isinstance(expr, cst.Name):
            found = self._definition(expr, scope)
            if found is not None:
                value, owner = found
                if isinstance(value, cst.Call):
                    fields = self._struct_fields(value, owner)
                    if fields is not None:
                        self._struct(expr.value, owner, value, fields)
                        return
                if self._only_uses(expr.value, owner, value, allowed):
                    self._init(value, owner, {value}, depth + 1)
                    return
            else:
                latest = self._latest_struct(expr.value, scope)
                if latest is not None:
                    value, fields = latest
                    self._struct(expr.value, scope, value, fields)
                    return
            if depth == 0 and isinstance(self.an.value(plan.site, expr), TupleV):
                # a shared (ulVersion, ulFlags) tuple: add the bit at the call
                flags = self._add_terms(
                    cst.Subscript(
                        value=expr,
                        slice=[cst.SubscriptElement(cst.Index(cst.Integer("1")))],
                    ),
                    scope,
                )
                version = cst.Subscript(
                    value=expr, slice=[cst.SubscriptElement(cst.Index(cst.Integer("0")))]
                )
                self._set(
                    expr,
                    cst.Tuple(
                        elements=[
                            cst.Element(version, comma=cst.Comma(whitespace_after=_space())),
                            cst.Element(flags),
                        ]
                    ),
                )
                return
        raise CannotFix("MAPIInitialize's argument is not a form fix understands")

    def _latest_struct(self, name: str, scope: Scope) -> Optional[Tuple[cst.Call, List[str]]]:
        """A local structure variable bound more than once: the last
        ``name = Struct(...)`` before the call, when every binding is an assignment."""
        owner = self.resolver.binding_scope(name, scope)
        if owner is not scope or name in scope.volatile:
            return None
        sources = scope.bindings.get(name, [])
        if not sources or not all(isinstance(s, AssignSource) for s in sources):
            return None
        assigns = self._scope_assigns(scope)
        limit = assigns.order.get(self._current.site.stmt)
        if limit is None:
            return None
        best: Optional[Tuple[int, cst.BaseExpression]] = None
        for source in sources:
            value = source.value  # type: ignore[union-attr]
            stmt = assigns.by_value.get(value) if value is not None else None
            if stmt is None or value is None:
                return None
            order = assigns.order.get(stmt, limit)
            if order < limit and (best is None or order > best[0]):
                best = (order, value)
        if best is None or not isinstance(best[1], cst.Call):
            return None
        fields = self._struct_fields(best[1], scope)
        if fields is None:
            return None
        return best[1], fields

    def _new_struct(self, scope: Scope) -> cst.BaseExpression:
        """``byref(MAPIINIT_0(MAPI_INIT_VERSION, MAPI_NT_SERVICE))`` for a ctypes NULL init,
        with the module's own structure class and its own spelling of ``byref``."""
        cls_name: Optional[str] = None
        fields: List[str] = []
        for cls in self.an.model.classes:
            if cls.outer is not self.an.model.scope:
                continue
            found = self.resolver.struct_fields(cls)
            if found is not None and "ulFlags" in found and "ulVersion" in found:
                if self.resolver.name_ref(cls.name, scope) == "cls:" + cls.scope.qualname:
                    cls_name, fields = cls.name, found
                    break
        if cls_name is None:
            raise CannotFix("ctypes MAPIInitialize(NULL) and no MAPIINIT_0 structure class here")
        byref: Optional[cst.BaseExpression] = None
        if self.resolver.name_ref("byref", scope) == "ctypes.byref":
            byref = cst.Name("byref")
        else:
            for alias in sorted(self.an.model.scope.bindings):
                if self.resolver.name_ref(alias, scope) == "ctypes":
                    byref = cst.Attribute(value=cst.Name(alias), attr=cst.Name("byref"))
                    break
        if byref is None:
            raise CannotFix("ctypes MAPIInitialize(NULL) and no ctypes.byref name here")
        version = self._ref("MAPI_INIT_VERSION", scope)
        flags = _join([self._ref(name, scope) for name in self._current.add])
        comma = cst.Comma(whitespace_after=_space())
        if fields[:2] == ["ulVersion", "ulFlags"]:
            args = [cst.Arg(version, comma=comma), cst.Arg(flags)]
        else:
            eq = cst.AssignEqual(
                whitespace_before=cst.SimpleWhitespace(""),
                whitespace_after=cst.SimpleWhitespace(""),
            )
            args = [
                cst.Arg(version, keyword=cst.Name("ulVersion"), equal=eq, comma=comma),
                cst.Arg(flags, keyword=cst.Name("ulFlags"), equal=eq),
            ]
        struct = cst.Call(func=cst.Name(cls_name), args=args)
        return cst.Call(func=byref, args=[cst.Arg(struct)])

    def _struct_fields(self, call: cst.Call, scope: Scope) -> Optional[List[str]]:
        cls = self.resolver.klass(self.resolver.ref(call.func, scope))
        if cls is None:
            return None
        fields = self.resolver.struct_fields(cls)
        if fields is None or "ulFlags" not in fields:
            return None
        return fields

    def _constructor(self, call: cst.Call, fields: List[str], scope: Scope) -> None:
        if any(a.star for a in call.args):
            raise CannotFix("the structure is built with star arguments")
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value == "ulFlags":
                self._flags(arg.value, scope, {arg.value}, 1)
                return
        positional = [a for a in call.args if a.keyword is None]
        index = fields.index("ulFlags")
        if len(positional) > index:
            value = positional[index].value
            self._flags(value, scope, {value}, 1)
            return
        flags = _join([self._ref(name, scope) for name in self._current.add])
        if len(positional) == index and len(positional) == len(call.args):
            new = cst.Arg(flags)
        else:
            new = cst.Arg(
                flags,
                keyword=cst.Name("ulFlags"),
                equal=cst.AssignEqual(
                    whitespace_before=cst.SimpleWhitespace(""),
                    whitespace_after=cst.SimpleWhitespace(""),
                ),
            )
        self._set(call, _append_args(call, [new]))

    def _struct(self, name: str, owner: Scope, ctor: cst.Call, fields: List[str]) -> None:
        """A ctypes structure variable: add the bit at its last ``x.ulFlags = ...``
        before the call, or where it is built."""
        site = self._current.site
        assigns = self._scope_assigns(owner)
        limit = assigns.order.get(site.stmt) if site.scope is owner else None
        ctor_stmt = assigns.by_value.get(ctor)
        built = assigns.order.get(ctor_stmt, -1) if ctor_stmt is not None else -1
        writes: List[cst.Assign] = []
        for stmt in assigns.attr_writes:
            target = stmt.targets[0].target if isinstance(stmt, cst.Assign) else stmt.target
            if not (
                isinstance(target, cst.Attribute)
                and isinstance(target.value, cst.Name)
                and target.value.value == name
                and target.attr.value == "ulFlags"
            ):
                continue
            if limit is None:
                raise CannotFix("the structure's flags are changed in another function")
            if not built < assigns.order.get(stmt, limit) < limit:
                continue
            if isinstance(stmt, cst.Assign):
                writes.append(stmt)
        # the last write that always runs before the call (else the constructor) sets the
        # flags; writes after it run on some paths only: each of them gets the bit too
        base = None
        for i, stmt in enumerate(writes):
            if assigns.dominates(stmt, site.stmt):
                base = i
        later = writes if base is None else writes[base + 1 :]
        if base is None:
            self._constructor(ctor, fields, owner)
        else:
            self._flags(writes[base].value, owner, {writes[base].value}, 1)
        for stmt in later:
            self._flags(stmt.value, owner, {stmt.value}, 1)

    # -- a flags expression ------------------------------------------------------------------
    def _flags(
        self, expr: cst.BaseExpression, scope: Scope, allowed: Set[cst.CSTNode], depth: int
    ) -> None:
        if depth > _MAX_DEPTH:
            raise CannotFix("the flags are defined too far from the call")
        if (
            isinstance(expr, cst.Name)
            and expr.value not in ("None", "True", "False")
            and expr.value not in CONSTANTS  # MAPI_USE_DEFAULT = 0x40 is a constant, not flags
        ):
            found = self._definition(expr, scope)
            if found is not None:
                value, owner = found
                if self._only_uses(expr.value, owner, value, allowed):
                    self._flags(value, owner, {value}, depth + 1)
                    return
            default = self._param_default(expr, scope, allowed)
            if default is not None:
                fn, value = default
                outer = fn.parent if fn.parent is not None else self.an.model.scope
                self._flags(value, outer, {value}, depth + 1)
                return
            if self._may_be_ctypes_number(expr.value, scope):
                raise CannotFix("the flags may be a ctypes number, which has no | operator")
        if isinstance(expr, cst.Call):
            if self.resolver.ref(expr.func, scope) in _NUMBER_CALLS and len(expr.args) == 1:
                inner = expr.args[0].value
                self._flags(inner, scope, {inner}, depth + 1)  # c_ulong(FLAGS): change FLAGS
                return
            raise CannotFix("the flags are the result of a call")
        self._set(expr, self._rewrite(expr, scope))

    def _may_be_ctypes_number(self, name: str, scope: Scope) -> bool:
        """A name some assignment binds to ``c_ulong(...)`` (or another call), or a
        parameter whose default or some same-module caller passes a call."""
        owner = self.resolver.binding_scope(name, scope)
        if owner is None:
            return False
        for source in owner.bindings.get(name, []):
            if isinstance(source, AssignSource) and isinstance(source.value, cst.Call):
                return True
        if not isinstance(owner, FunctionScope):
            return False
        param = next((p for p in owner.params if p.name == name), None)
        if param is None:
            return False
        if isinstance(param.default, cst.Call):
            return True
        index = owner.params.index(param)
        for call, bound in self.an.flow.calls_of(owner):
            offset = 1 if (bound and owner.cls is not None and owner.self_name is not None) else 0
            positional = [a for a in call.node.args if a.keyword is None and not a.star]
            for arg in call.node.args:
                keyword = arg.keyword.value if arg.keyword is not None else None
                passed = keyword == name or (
                    keyword is None
                    and param.kind in ("posonly", "pos")
                    and 0 <= index - offset < len(positional)
                    and positional[index - offset] is arg
                )
                if passed and isinstance(arg.value, cst.Call):
                    return True
        return False

    def _rewrite(self, expr: cst.BaseExpression, scope: Scope) -> cst.BaseExpression:
        plan = self._current
        if plan.remove:
            expr = self._remove(expr, scope)
        if plan.add:
            expr = self._append(expr, scope)
        return expr

    def _remove(self, expr: cst.BaseExpression, scope: Scope) -> cst.BaseExpression:
        """``expr`` without the plan's UI constants (named, or as their numbers) in its
        ``|`` chains; a UI bit that comes from elsewhere is masked out."""
        remove = self._current.remove
        bits = {UI_NAMES[name]: name for name in remove}

        def ui_term(term: cst.BaseExpression) -> Optional[str]:
            name = _const_name(term)
            if name in remove:
                return name
            if isinstance(term, cst.Integer):
                try:
                    return bits.get(int(term.value.replace("_", ""), 0))
                except ValueError:
                    return None
            return None

        stripped, found = _strip(expr, ui_term)
        if stripped is None:
            stripped = cst.Integer("0", lpar=expr.lpar, rpar=expr.rpar)
        still = _names_in(stripped) & remove
        if self.mask_all:
            still = set(remove)  # a retry: the bits also come from something the chain uses
        missing = sorted((remove - found) | still, key=list(UI_NAMES).index)
        if not missing:
            return stripped
        # the bit comes from something else (a variable, a number): mask it out here
        if not stripped.lpar and isinstance(stripped, (cst.BinaryOperation,) + _LOW_PRECEDENCE):
            stripped = stripped.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        mask: cst.BaseExpression = _join([self._ref(name, scope) for name in missing])
        if len(missing) > 1:
            mask = mask.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        masked: cst.BaseExpression = cst.BinaryOperation(
            left=stripped,
            operator=cst.BitAnd(whitespace_before=_space(), whitespace_after=_space()),
            right=cst.UnaryOperation(operator=cst.BitInvert(), expression=mask),
        )
        if self._current.add:
            masked = masked.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        return masked

    def _append(self, expr: cst.BaseExpression, scope: Scope) -> cst.BaseExpression:
        """``expr | NEW | ...`` in the layout of its own ``|`` chain."""
        terms, outer_lpar, outer_rpar = _spine(expr)
        first = terms[0][1]
        additions = [self._ref(name, scope) for name in self._current.add]
        if len(terms) == 1 and _is_zero(first):
            terms = [(None, additions[0].with_changes(lpar=first.lpar, rpar=first.rpar))]
            additions = additions[1:]
        elif len(terms) == 1 and isinstance(first, _LOW_PRECEDENCE) and not first.lpar:
            terms = [(None, first.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()]))]
        last_op = next((op for op, _ in reversed(terms) if op is not None), None)
        for i, term in enumerate(additions):
            if last_op is not None:
                before = _clean(last_op.whitespace_before)
                if i == 0 and outer_rpar and isinstance(before, cst.ParenthesizedWhitespace):
                    # one term per line: the last term's comment stays on its line
                    closing = outer_rpar[-1].whitespace_before
                    if (
                        isinstance(closing, cst.ParenthesizedWhitespace)
                        and closing.first_line.comment is not None
                    ):
                        before = before.with_changes(first_line=closing.first_line)
                        outer_rpar = list(outer_rpar[:-1]) + [
                            outer_rpar[-1].with_changes(
                                whitespace_before=closing.with_changes(
                                    first_line=cst.TrailingWhitespace()
                                )
                            )
                        ]
                op = cst.BitOr(
                    whitespace_before=before,
                    whitespace_after=_clean(last_op.whitespace_after),
                )
            else:
                op = _bitor()
            terms.append((op, term))
        return _build(terms, outer_lpar, outer_rpar)

    def _add_terms(self, expr: cst.BaseExpression, scope: Scope) -> cst.BaseExpression:
        return _join([expr] + [self._ref(name, scope) for name in self._current.add])

    # -- definitions and uses ----------------------------------------------------------
    def _definition(
        self, name_node: cst.Name, scope: Scope
    ) -> Optional[Tuple[cst.BaseExpression, Scope]]:
        """The value of the one plain assignment that binds ``name_node``, if any."""
        name = name_node.value
        owner = self.resolver.binding_scope(name, scope)
        if owner is None or name in owner.volatile:
            return None
        if owner is not scope and owner.kind != "module":
            return None  # a closure variable
        if owner.kind == "class":
            return None
        sources = owner.bindings.get(name, [])
        if len(sources) != 1 or not isinstance(sources[0], AssignSource):
            return None
        value = sources[0].value
        if value is None:
            return None
        stmt = self._scope_assigns(owner).by_value.get(value)
        if stmt is None:
            return None
        if isinstance(stmt, cst.Assign):
            if len(stmt.targets) != 1 or not isinstance(stmt.targets[0].target, cst.Name):
                return None
        elif not isinstance(stmt.target, cst.Name):
            return None
        return value, owner

    def _param_default(
        self, name_node: cst.Name, scope: Scope, allowed: Set[cst.CSTNode]
    ) -> Optional[Tuple[FunctionScope, cst.BaseExpression]]:
        """The default of a parameter no same-module call passes, used only here."""
        if not isinstance(scope, FunctionScope) or scope.kind != "function":
            return None
        name = name_node.value
        sources = scope.bindings.get(name, [])
        if len(sources) != 1 or not isinstance(sources[0], OpaqueSource):
            return None
        param = next((p for p in scope.params if p.name == name), None)
        if param is None or param.default is None or param.kind in ("star", "starstar"):
            return None
        index = scope.params.index(param)
        for call, bound in self.an.flow.calls_of(scope):
            node = call.node
            if any(a.star for a in node.args):
                return None
            if any(a.keyword is not None and a.keyword.value == name for a in node.args):
                return None
            offset = 1 if (bound and scope.cls is not None and scope.self_name is not None) else 0
            positional = [a for a in node.args if a.keyword is None]
            if param.kind in ("posonly", "pos") and index - offset < len(positional):
                return None
        uses = [n for n in self._name_uses(name, scope) if n is not name_node]
        if any(n not in allowed for n in uses) or name_node not in allowed:
            return None
        return scope, param.default

    def _only_uses(
        self, name: str, owner: Scope, value: cst.BaseExpression, allowed: Set[cst.CSTNode]
    ) -> bool:
        """True when every read of ``name`` is one of ``allowed`` (the flags at calls
        that get the same fix)."""
        stmt = self._scope_assigns(owner).by_value.get(value)
        targets: Set[cst.CSTNode] = set()
        if isinstance(stmt, cst.Assign):
            targets = {t.target for t in stmt.targets}
        elif isinstance(stmt, cst.AnnAssign):
            targets = {stmt.target}
        uses = [n for n in self._name_uses(name, owner) if n not in targets]
        return bool(uses) and all(n in allowed for n in uses)

    def _name_uses(self, name: str, owner: Scope) -> List[cst.Name]:
        key = (id(owner), name)
        found = self._uses.get(key)
        if found is None:
            visitor = _NameUses(name)
            owner.node.visit(visitor)
            found = visitor.nodes
            self._uses[key] = found
        return found

    def _scope_assigns(self, owner: Scope) -> _Assigns:
        found = self._assigns.get(id(owner))
        if found is None:
            found = _Assigns(owner.node)
            owner.node.visit(found)
            self._assigns[id(owner)] = found
        return found

    # -- constants ------------------------------------------------------------------------
    def _ref(self, name: str, scope: Scope) -> cst.BaseExpression:
        """How this file spells constant ``name`` in ``scope``."""
        if self._bare_ok(name, scope):
            return cst.Name(name)
        alias = self._module_alias(scope)
        if alias is not None:
            return cst.Attribute(value=cst.Name(alias), attr=cst.Name(name))
        if name in self.an.model.scope.bindings:
            raise CannotFix(f"{name} is bound to something else in this module")
        if self.resolver.binding_scope(name, scope) is not None:
            raise CannotFix(f"{name} is bound to something else here")
        self.new_constants[name] = None
        return cst.Name(name)

    def _bare_ok(self, name: str, scope: Scope) -> bool:
        owner = self.resolver.binding_scope(name, scope)
        if owner is None:
            return self.resolver.name_ref(name, scope) == f"{MAPI_MODULE}.{name}"
        if owner.kind != "module" or name in owner.volatile:
            return False
        value = self.an.flow.module_value(name)
        if value is None:
            return False
        bits = as_bits(value)
        return bits.exact and bits.val == VALUES[name]

    def _module_alias(self, scope: Scope) -> Optional[str]:
        """A name of the pywin32 mapi module visible in ``scope``: the one the call itself
        uses (``m.MAPILogonEx``), else the first the module binds."""
        func = self._current.site.node.func if self._plan is not None else None
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
            if self.resolver.name_ref(func.value.value, scope) == MAPI_MODULE:
                return func.value.value
        for alias in sorted(self.an.model.scope.bindings):
            if self.resolver.name_ref(alias, scope) == MAPI_MODULE:
                return alias
        return None

    def _insert_constants(self, module: cst.Module) -> cst.Module:
        body = list(module.body)
        original = list(self.module.body)
        anchor = _constant_anchor(original)
        edited = set(self.replace)
        first_edit = next(
            (i for i, stmt in enumerate(original) if _contains(stmt, edited)), len(original)
        )
        after_import = False
        if anchor is None:
            anchor, after_import = _import_anchor(original)
        position = anchor + 1 if anchor is not None else 0
        if position > first_edit:
            position = first_edit
            after_import = False
        new: List[cst.SimpleStatementLine] = []
        for name in sorted(self.new_constants, key=list(VALUES).index):
            new.append(
                cst.SimpleStatementLine(
                    body=[
                        cst.Assign(
                            targets=[cst.AssignTarget(cst.Name(name))],
                            value=cst.Integer(LITERALS[name]),
                        )
                    ]
                )
            )
        if after_import:
            new[0] = new[0].with_changes(leading_lines=[cst.EmptyLine()])
        if position < len(body) and position == first_edit and not after_import:
            # the statement we insert before keeps its place: its blank lines go first
            lines = list(body[position].leading_lines)
            blank = 0
            while blank < len(lines) and lines[blank].comment is None:
                blank += 1
            if blank:
                new[0] = new[0].with_changes(leading_lines=lines[:blank])
                body[position] = body[position].with_changes(leading_lines=lines[blank:])
        return module.with_changes(body=body[:position] + new + body[position:])

    # -- bookkeeping ------------------------------------------------------------------------
    @property
    def _current(self) -> Plan:
        assert self._plan is not None
        return self._plan

    def _set(self, node: cst.CSTNode, new: cst.CSTNode) -> None:
        signature = self._current.signature
        existing = self.replace.get(node)
        if existing is not None:
            if existing.signature == signature:
                return
            raise CannotFix("another fix changes the same flags differently")
        self.replace[node] = _Edit(new, signature)

    def _check_nesting(self) -> None:
        nodes = set(self.replace)
        if len(nodes) < 2:
            return
        for node in nodes:
            if _contains_other(node, nodes):
                raise CannotFix("another fix changes an overlapping expression")


class _CallCounter(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def visit_Call(self, node: cst.Call) -> None:
        self.count += 1


def _count_calls(node: cst.CSTNode) -> int:
    counter = _CallCounter()
    node.visit(counter)
    return counter.count


def _shifter(inserted: Dict[int, int]) -> Callable[[int], int]:
    """Old pre-order call index -> index after calls were inserted."""
    marks = sorted(inserted.items())

    def shift(index: int) -> int:
        return index + sum(n for at, n in marks if index > at)

    return shift


Terms = List[Tuple[Optional[cst.BitOr], cst.BaseExpression]]


def _spine(
    expr: cst.BaseExpression,
) -> Tuple[Terms, Sequence[cst.LeftParen], Sequence[cst.RightParen]]:
    """The terms of a ``|`` chain (its left spine, not into parenthesized parts), each
    with the operator before it, and the chain's own parentheses."""
    spine: List[cst.BinaryOperation] = []
    node: cst.BaseExpression = expr
    while (
        isinstance(node, cst.BinaryOperation)
        and isinstance(node.operator, cst.BitOr)
        and (node is expr or not node.lpar)
    ):
        spine.append(node)
        node = node.left
    terms: Terms = [(None, node)]
    for op_node in reversed(spine):
        terms.append((op_node.operator, op_node.right))  # type: ignore[arg-type]
    if not spine:
        return terms, [], []
    return terms, expr.lpar, expr.rpar


def _build(
    terms: Terms, outer_lpar: Sequence[cst.LeftParen], outer_rpar: Sequence[cst.RightParen]
) -> cst.BaseExpression:
    out: cst.BaseExpression = terms[0][1]
    for maybe_op, term in terms[1:]:
        out = cst.BinaryOperation(left=out, operator=maybe_op or _bitor(), right=term)
    if outer_lpar and len(terms) > 1:
        out = out.with_changes(lpar=outer_lpar, rpar=outer_rpar)
    elif outer_lpar:
        out = out.with_changes(
            lpar=list(outer_lpar) + list(out.lpar), rpar=list(out.rpar) + list(outer_rpar)
        )
    return out


def _strip(
    expr: cst.BaseExpression, ui_term: Callable[[cst.BaseExpression], Optional[str]]
) -> Tuple[Optional[cst.BaseExpression], Set[str]]:
    """``expr`` without the terms ``ui_term`` names, in every ``|`` chain (also inside
    parentheses); None when nothing is left.  Returns the names removed."""
    name = ui_term(expr)
    if name is not None:
        return None, {name}
    if not (isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.BitOr)):
        return expr, set()
    terms, lpar, rpar = _spine(expr)
    kept: Terms = []
    found: Set[str] = set()
    for op, term in terms:
        new, names = _strip(term, ui_term)
        found |= names
        if new is not None:
            kept.append((op, new))
    if not kept:
        return None, found
    if not found:
        return expr, found
    kept[0] = (None, kept[0][1])
    return _build(kept, lpar, rpar), found


class _Names(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: Set[str] = set()

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)


def _names_in(node: cst.CSTNode) -> Set[str]:
    visitor = _Names()
    node.visit(visitor)
    return visitor.names


def _contains_other(node: cst.CSTNode, nodes: Set[cst.CSTNode]) -> bool:
    others = nodes - {node}
    for child in node.children:
        if _contains(child, others):
            return True
    return False


def _is_constant_stmt(stmt: cst.CSTNode) -> Optional[str]:
    if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
        return None
    small = stmt.body[0]
    if not isinstance(small, cst.Assign) or len(small.targets) != 1:
        return None
    target = small.targets[0].target
    if not isinstance(target, cst.Name) or not _CONSTANT_NAME.match(target.value):
        return None
    if not isinstance(small.value, (cst.Integer, cst.BinaryOperation, cst.UnaryOperation)):
        return None
    return target.value


def _constant_anchor(body: Sequence[cst.CSTNode]) -> Optional[int]:
    """The index of the module's last MAPI constant, else its last integer constant."""
    mapi_last: Optional[int] = None
    any_last: Optional[int] = None
    for i, stmt in enumerate(body):
        name = _is_constant_stmt(stmt)
        if name is None:
            continue
        any_last = i
        if name.startswith("MAPI_"):
            mapi_last = i
    return mapi_last if mapi_last is not None else any_last


def _import_anchor(body: Sequence[cst.CSTNode]) -> Tuple[Optional[int], bool]:
    """(index of the last top-level import, True), or the docstring, or nothing."""
    last: Optional[int] = None
    for i, stmt in enumerate(body):
        if isinstance(stmt, cst.SimpleStatementLine) and any(
            isinstance(s, (cst.Import, cst.ImportFrom)) for s in stmt.body
        ):
            last = i
    if last is not None:
        return last, True
    if body and isinstance(body[0], cst.SimpleStatementLine):
        first = body[0].body
        if (
            first
            and isinstance(first[0], cst.Expr)
            and isinstance(first[0].value, (cst.SimpleString, cst.ConcatenatedString))
        ):
            return 0, True
    return None, False


# -- one file ----------------------------------------------------------------------------


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
        self, path: str, data: bytes, settings: Settings, ignore: Tuple[str, ...] = ()
    ) -> None:
        self.path = path
        self.data = data
        self.settings = settings
        self.ignore = ignore
        self.compiles = True

    def parse(self, data: bytes) -> Optional[cst.Module]:
        return _parse(data)

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
            return out  # every fixable call is a MAPI function: nothing to parse
        module = self.parse(self.data)
        if module is None:
            out.error = "cannot be parsed; left unchanged"
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
        silenced = self._silenced(module, positions, findings)
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

    def _silenced(
        self, module: cst.Module, positions: Positions, findings: Sequence[Finding]
    ) -> Set[Tuple[int, str]]:
        """(site index, code) of the fixable findings the user silenced: ``# noqa``
        (bare or naming the code) on a line of the call, or a code in ``ignore``."""
        out: Set[Tuple[int, str]] = set()
        lines = module.code.splitlines()
        for f in findings:
            if f.code not in FIXABLE:
                continue
            if f.code.startswith(self.ignore):
                out.add((f.site.index, f.code))
                continue
            first, _ = positions.of_call(f.site.node, f.site.index)
            span = module.code_for_node(f.site.node).count("\n")
            for text in lines[first - 1 : first + span]:
                m = _NOQA.search(text)
                if m is None:
                    continue
                codes = m.group("codes")
                if codes is None or f.code.startswith(
                    tuple(c.upper() for c in re.split(r"[,\s]+", codes) if c)
                ):
                    out.add((f.site.index, f.code))
                    break
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
        shift = _shifter(builder.inserted)
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
) -> Outcome:
    """Fix one file's bytes; the result's ``fixed`` is the new content.  Findings
    silenced by ``# noqa`` or whose code starts with one of ``ignore`` are left alone."""
    worker = _File(path, data, settings or Settings(), tuple(c.strip().upper() for c in ignore))
    return _with_deep_stack(worker.run)


def fix_source(source: str, path: str = "", settings: Optional[Settings] = None) -> str:
    """Fix a text (for tests and tools); returns the new text."""
    return fix_bytes(source.encode("utf-8"), path, settings).fixed.decode("utf-8")


# -- the command ---------------------------------------------------------------------------

_SKIP_DIRS = frozenset({"__pycache__", "node_modules", "site-packages"})


def iter_python_files(paths: Sequence[str]) -> Iterator[str]:
    for path in paths:
        if os.path.isdir(path):
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _SKIP_DIRS)
                for name in sorted(files):
                    if name.endswith((".py", ".pyw")):
                        yield os.path.join(root, name)
        else:
            yield path


def _config_values(start: str) -> Dict[str, str]:
    """``mapi-service`` and ``mapi-service-paths`` from the flake8 config that
    flake8 itself would read (setup.cfg, tox.ini or .flake8, nearest first)."""
    directory = os.path.abspath(start)
    while True:
        for name in ("setup.cfg", "tox.ini", ".flake8"):
            candidate = os.path.join(directory, name)
            if not os.path.isfile(candidate):
                continue
            parser = configparser.RawConfigParser()
            try:
                parser.read(candidate, encoding="utf-8")
            except (configparser.Error, UnicodeError):
                continue
            if parser.has_section("flake8"):
                out: Dict[str, str] = {"": directory}
                for key, value in parser.items("flake8"):
                    out[key.replace("_", "-")] = value
                return out
        parent = os.path.dirname(directory)
        if parent == directory:
            return {}
        directory = parent


def _codes(value: str) -> List[str]:
    return [c for c in re.split(r"[,\s]+", value.strip()) if c]


def ignored_codes(config: Dict[str, str], path: str) -> Tuple[str, ...]:
    """The code prefixes the flake8 config ignores for ``path``: ``ignore``,
    ``extend-ignore`` and the ``per-file-ignores`` entries whose pattern matches it."""
    codes = _codes(config.get("ignore", "")) + _codes(config.get("extend-ignore", ""))
    base = config.get("", os.getcwd())
    absolute = os.path.abspath(path)
    for line in config.get("per-file-ignores", "").splitlines():
        patterns, sep, listed = line.partition(":")
        if not sep:
            continue
        for pattern in _codes(patterns):
            if "/" in pattern or os.sep in pattern:
                full = os.path.normpath(os.path.join(base, pattern))
                hit = fnmatch.fnmatch(absolute, full)
            else:
                hit = fnmatch.fnmatch(os.path.basename(path), pattern) or fnmatch.fnmatch(
                    absolute, pattern
                )
            if hit:
                codes += _codes(listed)
                break
    return tuple(codes)


def _diff(path: str, old: str, new: str) -> str:
    lines = difflib.unified_diff(
        old.splitlines(keepends=True),
        new.splitlines(keepends=True),
        fromfile=path,
        tofile=path,
    )
    out: List[str] = []
    for line in lines:
        if not line.endswith("\n"):
            line += "\n\\ No newline at end of file\n"
        out.append(line)
    return "".join(out)


def run(args: argparse.Namespace) -> int:
    """The ``fix`` subcommand.  0: nothing to fix; 1: something was (or would be)
    fixed, or a finding is left to fix by hand; 2: usage error."""
    missing = [p for p in args.paths if not os.path.exists(p)]
    if missing:
        for p in missing:
            print(f"flake8-mapi-service fix: {p}: no such file or directory", file=sys.stderr)
        return 2
    config = _config_values(os.getcwd())
    mode = args.mapi_service or config.get("mapi-service") or "auto"
    paths = args.mapi_service_paths
    if paths is None:
        paths = config.get("mapi-service-paths")
    try:
        settings = Settings.from_values(service_mode=mode, service_paths=paths)
    except ValueError as exc:
        print(f"flake8-mapi-service fix: {exc}", file=sys.stderr)
        return 2
    report = sys.stderr if args.diff else sys.stdout
    fixed_count = 0
    changed_files = 0
    left_count = 0
    for path in iter_python_files(args.paths):
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError as exc:
            print(f"{path}: cannot be read ({exc.strerror})", file=sys.stderr)
            continue
        try:
            outcome = fix_bytes(data, path, settings, ignored_codes(config, path))
        except Exception as exc:  # noqa: BLE001 - one bad file must not stop the others
            print(f"{path}: not fixed: analysis failed ({type(exc).__name__})", file=sys.stderr)
            continue
        if outcome.error:
            print(f"{path}: {outcome.error}", file=sys.stderr)
            continue
        for line, col, code in outcome.fixes:
            verb = "would fix" if args.diff else "fixed"
            print(f"{path}:{line}:{col}: {code} {verb}", file=report)
        for line, col, code, reason in outcome.left:
            print(f"{path}:{line}:{col}: {code} not fixed: {reason}", file=report)
        fixed_count += len(outcome.fixes)
        left_count += len(outcome.left)
        if outcome.changed:
            changed_files += 1
            if args.diff:
                encoding = _encoding(outcome.original)
                _write_out(
                    _diff(
                        path,
                        outcome.original.decode(encoding, "replace"),
                        outcome.fixed.decode(encoding, "replace"),
                    )
                )
            else:
                try:
                    write_atomically(path, outcome.fixed)
                except OSError as exc:
                    print(f"{path}: cannot be written ({exc.strerror})", file=sys.stderr)
    if fixed_count or left_count:
        verb = "would fix" if args.diff else "fixed"
        summary = f"{verb} {fixed_count} finding(s) in {changed_files} file(s)"
        if left_count:
            summary += f"; {left_count} left to fix by hand"
        print(summary, file=sys.stderr)
    return 1 if (fixed_count or left_count or changed_files) else 0


def write_atomically(path: str, data: bytes) -> None:
    """Replace the file's content in one step (a crash leaves the old or the new file,
    never half of one), keeping its mode; a symbolic link keeps pointing at its target."""
    target = os.path.realpath(path)
    directory = os.path.dirname(target) or "."
    fd, temporary = tempfile.mkstemp(prefix=".mapi-fix-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        shutil.copymode(target, temporary)
        os.replace(temporary, target)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def _write_out(text: str) -> None:
    """Write to standard output; characters the console cannot encode are replaced."""
    try:
        sys.stdout.write(text)
    except UnicodeEncodeError:
        encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
        sys.stdout.write(text.encode(encoding, "replace").decode(encoding, "replace"))


def _parse(data: bytes) -> Optional[cst.Module]:
    """libcst's module, or None for a file Python itself would not compile.

    Python's own parser goes first: it refuses pathological nesting (over 200
    levels) with a SyntaxError, where libcst's native parser can overflow its
    stack and kill the process (thousands of nested parentheses)."""
    try:
        ast.parse(data)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
    return parse(data)


def _encoding(data: bytes) -> str:
    module = _parse(data)
    return module.encoding if module is not None else "utf-8"
