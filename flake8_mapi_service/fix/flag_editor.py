"""The flag editor: where a call's flags are written, and the edit that fixes them.

For each plan the editor walks from the call to the place where the flags are
*written*: inline at the call (a ``MAPILogonEx`` argument, a ``MAPIInitialize``
tuple, a ctypes structure built positionally or by keyword, ``x.ulFlags =
...``); the one local or module assignment (or parameter default) that defines
a name used there, when nothing else uses that name; otherwise the call itself
(``flags`` becomes ``flags | MAPI_NT_SERVICE``).  Constants are spelled in the
file's own dialect: the bare name where it is imported or defined,
``mapi.MAPI_NT_SERVICE`` where the pywin32 module is imported as ``mapi`` and
defines it, a number in a wake mask written in numbers, otherwise a new module
constant placed beside the file's other constants.  MPS201 and MPS202 remove the
UI constants (or their numbers) from the ``|`` chains where they are written; a
UI bit that comes from elsewhere is masked out (``flags & ~MAPI_PASSWORD_UI``).
The editor records node replacements (with other layouts of an addition to a
chain written over lines); ``result`` writes them (``render``), wrapping what
would make a line too long.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Collection, Dict, List, Optional, Sequence, Set, Tuple

import libcst as cst

from ..analysis.apis import CONSTANTS, MAPI_LOGON_EX
from ..analysis.bindings import MAPI_MODULE
from ..analysis.callgraph import ALL
from ..analysis.context import Analysis
from ..analysis.flow import TupleV, as_bits, resolve
from ..analysis.model import (
    AssignSource,
    CallSite,
    FunctionScope,
    OpaqueSource,
    Scope,
    argument,
    argument_for_param,
)
from .cst_edits import (
    LOW_PRECEDENCE,
    Assigns,
    NameUses,
    Terms,
    append_args,
    bitor,
    build,
    clean,
    comment_texts,
    const_name,
    constant_anchor,
    count_calls,
    descendants,
    import_anchor,
    is_constant_stmt,
    is_zero,
    join_terms,
    names_in,
    number_like,
    space,
    spine,
    strip_terms,
    wrapped,
    zero_like,
)
from .plans import LITERALS, PYWIN32_MAPI, REMOVABLE, VALUES, Plan, same_dword
from .render import Choice, code_with_spans, render_within

_MAX_DEPTH = 8
#: calls the flag evaluation sees through: ``c_ulong(FLAGS)`` is FLAGS
_NUMBER_CALLS = frozenset({"ctypes.c_ulong", "ctypes.c_uint", "ctypes.c_uint32", "builtins.int"})


def _breaks(op: cst.BitOr) -> bool:
    """The chain breaks its lines at this operator (in brackets, or with a backslash)."""
    for ws in (op.whitespace_before, op.whitespace_after):
        if isinstance(ws, cst.ParenthesizedWhitespace):
            return True
        if isinstance(ws, cst.SimpleWhitespace) and "\n" in ws.value:
            return True
    return False


def _integer_value(stmt: cst.CSTNode) -> Optional[str]:
    """The literal of ``NAME = <integer>`` (a hexadecimal or decimal model to follow)."""
    if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1:
        small = stmt.body[0]
        if isinstance(small, cst.Assign) and isinstance(small.value, cst.Integer):
            value = small.value.value
            return value if value.replace("_", "").lower() not in ("0", "0x0") else None
    return None


def _static(fn: FunctionScope) -> bool:
    """A ``@staticmethod``: its first parameter is an argument like the others."""
    return any(
        isinstance(d.decorator, cst.Name) and d.decorator.value == "staticmethod"
        for d in fn.decorators
    )


class CannotFix(Exception):
    """A finding the fix leaves alone; the message says why."""


@dataclass
class _Edit:
    new: cst.CSTNode
    signature: object
    #: other ways to write ``new`` that keep a comment ending its last line there
    variants: List[cst.CSTNode] = field(default_factory=list)


class Builder:
    """Collects the edits of a set of plans on one analysed module."""

    def __init__(self, an: Analysis, mask_all: Collection[int] = ()) -> None:
        self.an = an
        #: MPS201: the plans (by site index) whose UI bits are masked out even where
        #: removing their terms looks enough
        self.mask_all = frozenset(mask_all)
        self.resolver = an.resolver
        self.module = an.model.module
        self.replace: Dict[cst.CSTNode, _Edit] = {}
        self.new_constants: Dict[str, None] = {}
        #: pre-order call index -> number of new calls placed right after it
        self.inserted: Dict[int, int] = {}
        self._assigns: Dict[int, Assigns] = {}
        self._uses: Dict[Tuple[int, str], List[cst.Name]] = {}
        self._allowed: Dict[object, Set[cst.CSTNode]] = {}
        self._plan: Optional[Plan] = None
        #: the plan's call is in another module (``edit_definition``)
        self._foreign = False
        #: what the current plan changed, to undo it: (kind, key, previous value)
        self._journal: List[Tuple[str, Any, Any]] = []
        #: every node inside a replaced node (none of them may be replaced too)
        self._covered: Set[cst.CSTNode] = set()
        #: replaced node -> the site indices of the plans that need that edit
        self._owners: Dict[cst.CSTNode, List[int]] = {}
        #: new node -> other ways to write it (``_append``), for ``_set``
        self._variants: Dict[cst.CSTNode, List[cst.CSTNode]] = {}
        #: the plans whose edit would make a line too long (``result``)
        self.too_long: List[int] = []
        self._result: Optional[Tuple[Optional[int], Optional[str]]] = None

    # -- public ----------------------------------------------------------------------
    def add(self, plans: Sequence[Plan]) -> Dict[int, str]:
        """Register the edits of ``plans``; returns {site index: reason} for those it skips."""
        self._result = None
        for plan in plans:
            node = self._flag_node(plan)
            if isinstance(node, cst.BaseExpression):
                self._allowed.setdefault(plan.signature, set()).add(node)
        skipped: Dict[int, str] = {}
        for plan in plans:
            # linear in the plans: a plan's edits are journalled and undone when it
            # cannot be made, and the nesting check looks at its new nodes only
            self._journal = []
            try:
                self._plan = plan
                self._site(plan)
                self._check_nesting()
            except CannotFix as exc:
                self._undo()
                skipped[plan.site.index] = str(exc)
            else:
                self._commit()
            self._journal = []
        return skipped

    def edit_definition(self, value: cst.BaseExpression, scope: Scope, plan: Plan) -> Optional[str]:
        """Add a plan's bits where another module's constant is written (the plan's
        call is not in this module).  Returns why it cannot, or None."""
        self._plan = plan
        self._foreign = True
        self._result = None
        self._journal = []
        try:
            if plan.kind == "init":
                self._init(value, scope, {value}, 1)
            else:
                self._flags(value, scope, {value}, 1)
            self._check_nesting()
        except CannotFix as exc:
            self._undo()
            return str(exc)
        self._commit()
        return None

    def result(self, max_length: Optional[int] = None) -> Optional[str]:
        """The module's new code (None: nothing to change), no line made longer than
        ``max_length`` that was within it; None too when some edit cannot be written so
        (``too_long`` lists the plans, by site index)."""
        if self._result is not None and self._result[0] == max_length:
            return self._result[1]
        text: Optional[str] = None
        self.too_long = []
        if self.replace or self.new_constants:
            module = self.module
            if self.new_constants:
                module = self._insert_constants(module)
            choices = [
                Choice(
                    old,
                    [(edit.new, False)] + [(v, True) for v in edit.variants],
                    wrapped,  # type: ignore[arg-type]
                )
                for old, edit in self.replace.items()
            ]
            text, failed = render_within(module, choices, max_length)
            if failed:
                self.too_long = sorted({i for node in failed for i in self._owners.get(node, [])})
                text = None
        self._result = (max_length, text)
        return text

    # -- sites ---------------------------------------------------------------------------
    @staticmethod
    def _flag_node(plan: Plan) -> object:
        return argument(plan.site.node, plan.index)

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
        if site.flavour == "ctypes":
            raise CannotFix("the flags argument is missing from a ctypes call")
        n = len(call.args)
        flags = join_terms([self._ref(name, site.scope) for name in plan.add])
        if site.key == MAPI_LOGON_EX and n == 2:
            new = [cst.Arg(cst.Name("None")), cst.Arg(flags)]  # the password, then the flags
        elif n == plan.index and (site.key == MAPI_LOGON_EX or plan.kind == "open"):
            new = [cst.Arg(flags)]
        elif site.key == MAPI_LOGON_EX:
            raise CannotFix("MAPILogonEx needs its profile name before flags can be added")
        else:
            raise CannotFix("the arguments before the flags are missing too")
        self._set(call, append_args(call, new))

    # -- MAPIInitialize's argument --------------------------------------------------------
    def _init(
        self, expr: cst.BaseExpression, scope: Scope, allowed: Set[cst.CSTNode], depth: int
    ) -> None:
        if depth > _MAX_DEPTH:
            raise CannotFix("the flags are defined too far from the call")
        plan = self._current
        if plan.site.flavour == "ctypes" and (
            (isinstance(expr, cst.Name) and expr.value == "None") or is_zero(expr)
        ):
            self._set(expr, self._new_struct(scope))
            site = plan.site
            # byref(...) and the structure are two new calls inside this one: the calls
            # after them move two places in pre-order
            at = site.index + count_calls(site.node.func)
            self._journal.append(("inserted", at, self.inserted.get(at)))
            self.inserted[at] = 2
            return
        if isinstance(expr, cst.Name) and expr.value == "None":
            tup = cst.Tuple(
                elements=[
                    cst.Element(
                        self._ref("MAPI_INIT_VERSION", scope),
                        comma=cst.Comma(whitespace_after=space()),
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
                            cst.Element(version, comma=cst.Comma(whitespace_after=space())),
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
        flags = join_terms([self._ref(name, scope) for name in self._current.add])
        comma = cst.Comma(whitespace_after=space())
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
        flags = join_terms([self._ref(name, scope) for name in self._current.add])
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
        self._set(call, append_args(call, [new]))

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
        self._callers_are_service(expr, scope)
        self._set(expr, self._rewrite(expr, scope))

    def _callers_are_service(self, expr: cst.BaseExpression, scope: Scope) -> None:
        """An edit of flags that come from a parameter changes what every caller
        passes: only when every caller is service code (a desktop tool that calls
        the same helper keeps its dialog), and no caller is out of sight."""
        link = self.an.link
        services = self.an.services
        nodes = [expr, *descendants(expr)]
        attrs = {id(n.attr) for n in nodes if isinstance(n, cst.Attribute)}
        read = {n.value for n in nodes if isinstance(n, cst.Name) and id(n) not in attrs}
        for name in sorted(read):
            owner = self.resolver.binding_scope(name, scope)
            if not isinstance(owner, FunctionScope) or all(p.name != name for p in owner.params):
                continue
            if owner.cls is not None and owner.params[0].name == name and not _static(owner):
                continue  # self (or cls): its attributes are not what callers pass
            gf = self.an.node_of(owner)
            if not link.all_callers_known(gf):
                raise CannotFix(
                    f"the flags come from the callers of {owner.name}, some out of sight"
                )
            for edge in link.graph.into(gf, ALL):
                if not services.in_service(edge.caller):
                    where = f"{link.display(edge.mid)}:{edge.fact.line}"
                    raise CannotFix(
                        f"the flags come from the callers of {owner.name}, and {where} "
                        "is not service code"
                    )

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
        for edge in self.an.local_calls_of(owner):
            arg = argument_for_param(edge[0].node, owner, param, edge[1])
            if isinstance(arg, cst.Call):
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
        """``expr`` without the terms that set the plan's UI bits (the constants, by
        name or as their numbers, in its ``|`` chains); a UI bit that comes from
        elsewhere is masked out."""
        plan = self._current
        table = REMOVABLE[plan.kind]
        clear = 0
        for name in plan.remove:
            clear |= table[name]
        # a term goes when it sets some bit to clear and nothing else
        terms = {name: bit for name, bit in table.items() if bit & clear}
        numbers = {bit: name for name, bit in terms.items()}

        def ui_term(term: cst.BaseExpression) -> Optional[str]:
            name = const_name(term)
            if name in terms:
                return name
            if isinstance(term, cst.Integer):
                try:
                    return numbers.get(int(term.value.replace("_", ""), 0))
                except ValueError:
                    return None
            return None

        stripped, found = strip_terms(expr, ui_term)
        if stripped is None:
            stripped = zero_like(expr)
        cleared = 0
        for name in found:
            cleared |= terms[name]
        still = names_in(stripped) & set(terms)
        missing = [
            name
            for name in table
            if name in plan.remove
            and (
                table[name] & ~cleared
                or any(terms[n] & table[name] for n in still)
                or plan.site.index in self.mask_all  # a retry: the bits also come from elsewhere
            )
        ]
        if not missing:
            return stripped
        # the bit comes from something else (a variable, a number): mask it out here
        if not stripped.lpar and isinstance(stripped, (cst.BinaryOperation,) + LOW_PRECEDENCE):
            stripped = stripped.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        mask: cst.BaseExpression = join_terms([self._ref(name, scope) for name in missing])
        if len(missing) > 1:
            mask = mask.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        masked: cst.BaseExpression = cst.BinaryOperation(
            left=stripped,
            operator=cst.BitAnd(whitespace_before=space(), whitespace_after=space()),
            right=cst.UnaryOperation(operator=cst.BitInvert(), expression=mask),
        )
        if self._current.add:
            masked = masked.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        return masked

    def _append(self, expr: cst.BaseExpression, scope: Scope) -> cst.BaseExpression:
        """``expr | NEW | ...`` in the layout of its own ``|`` chain: a chain written one
        operand a line (or an operand in parentheses spread over lines) gets the new
        operands a line each; otherwise on the same line.  For a chain written over
        lines, two more ways are recorded for the render (``_set``): the new operands on
        the last operand's line, and on lines of their own before it, either of which
        keeps a comment that ends the last operand's line there."""
        terms, outer_lpar, outer_rpar = spine(expr)
        first = terms[0][1]
        additions = [self._addition(name, terms, scope) for name in self._current.add]
        #: an operator that starts a new line, in the chain's layout (None: one line)
        line_op: Optional[cst.BitOr] = None
        last_op = next((op for op, _ in reversed(terms) if op is not None), None)
        if len(terms) == 1 and is_zero(first):
            terms = [(None, additions[0].with_changes(lpar=first.lpar, rpar=first.rpar))]
            additions = additions[1:]
        elif len(terms) == 1 and isinstance(first, LOW_PRECEDENCE) and not first.lpar:
            terms = [(None, first.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()]))]
        elif (
            len(terms) == 1
            and first.lpar
            and isinstance(first.lpar[-1].whitespace_after, cst.ParenthesizedWhitespace)
        ):
            # an operand in parentheses spread over lines: the new operands go inside,
            # each on a line indented like the operand's
            opening = first.lpar[-1].whitespace_after
            assert isinstance(opening, cst.ParenthesizedWhitespace)
            outer_lpar, outer_rpar = first.lpar, first.rpar
            terms = [(None, first.with_changes(lpar=[], rpar=[]))]
            line_op = cst.BitOr(whitespace_before=clean(opening), whitespace_after=space())
        elif last_op is not None and _breaks(last_op):
            line_op = cst.BitOr(
                whitespace_before=clean(last_op.whitespace_before),
                whitespace_after=clean(last_op.whitespace_after),
            )
        original_terms, original_rpar = list(terms), list(outer_rpar)
        for i, term in enumerate(additions):
            if line_op is None:
                terms.append((bitor(), term))
                continue
            before, after = line_op.whitespace_before, line_op.whitespace_after
            # the first closing parenthesis on a line of its own ends the last operand's
            # line (a comment there is the last operand's)
            k = next(
                (
                    k
                    for k, paren in enumerate(outer_rpar)
                    if isinstance(paren.whitespace_before, cst.ParenthesizedWhitespace)
                ),
                None,
            )
            closing = outer_rpar[k].whitespace_before if k is not None else None
            if (
                i == 0
                and k is not None
                and isinstance(closing, cst.ParenthesizedWhitespace)
                and closing.first_line.comment is not None
            ):
                # the last operand's comment before the closing parenthesis stays on its
                # line: before the new operator (operators lead the lines) or after it
                if isinstance(before, cst.ParenthesizedWhitespace):
                    before = before.with_changes(first_line=closing.first_line)
                else:
                    assert isinstance(after, cst.ParenthesizedWhitespace)
                    after = after.with_changes(first_line=closing.first_line)
                outer_rpar = list(outer_rpar)
                outer_rpar[k] = outer_rpar[k].with_changes(
                    whitespace_before=closing.with_changes(first_line=cst.TrailingWhitespace())
                )
            terms.append((cst.BitOr(whitespace_before=before, whitespace_after=after), term))
        result = build(terms, outer_lpar, outer_rpar)
        if additions and line_op is not None:
            # a comment past the closing parenthesis (not the chain's) would end the new
            # last line instead: the render falls back to these when it does
            same_line = original_terms + [(bitor(), term) for term in additions]
            last_op_now, last_term = original_terms[-1]
            before_last: Terms = list(original_terms[:-1])
            for i, term in enumerate(additions):
                # the first new operand takes the last one's place (and its operator)
                before_last.append((last_op_now if i == 0 else line_op, term))
            before_last.append((line_op, last_term))
            self._variants[result] = [
                build(same_line, outer_lpar, original_rpar),
                build(before_last, outer_lpar, original_rpar),
            ]
        return result

    def _addition(self, name: str, terms: Terms, scope: Scope) -> cst.BaseExpression:
        """How to write constant ``name`` added to the chain of ``terms``: a wake mask
        written in numbers only gets a number like its first (``0x0100``, ``256``);
        else the constant as the file spells it."""
        if self._current.kind == "wake":
            numbers = [term for _, term in terms if isinstance(term, cst.Integer)]
            if numbers and len(numbers) == len(terms) and not is_zero(numbers[0]):
                return cst.Integer(number_like(VALUES[name], numbers[0].value))
        return self._ref(name, scope)

    def _add_terms(self, expr: cst.BaseExpression, scope: Scope) -> cst.BaseExpression:
        return join_terms([expr] + [self._ref(name, scope) for name in self._current.add])

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
        for edge in self.an.local_calls_of(scope):
            if argument_for_param(edge[0].node, scope, param, edge[1]) is not None:
                return None  # passed (or maybe passed through *args/**kwargs)
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
            found = NameUses(name, owner.node).nodes
            self._uses[key] = found
        return found

    def _scope_assigns(self, owner: Scope) -> Assigns:
        found = self._assigns.get(id(owner))
        if found is None:
            found = Assigns(owner.node)
            self._assigns[id(owner)] = found
        return found

    # -- constants ------------------------------------------------------------------------
    def _ref(self, name: str, scope: Scope) -> cst.BaseExpression:
        """How this file spells constant ``name`` in ``scope``: its own name for it,
        pywin32's mapi module where that module has it, else a new module constant."""
        if self._bare_ok(name, scope):
            return cst.Name(name)
        alias = self._module_alias(scope) if name in PYWIN32_MAPI else None
        if alias is not None:
            return cst.Attribute(value=cst.Name(alias), attr=cst.Name(name))
        if name in self.an.model.scope.bindings:
            raise CannotFix(f"{name} is bound to something else in this module")
        if self.resolver.binding_scope(name, scope) is not None:
            raise CannotFix(f"{name} is bound to something else here")
        if name not in self.new_constants:
            self.new_constants[name] = None
            self._journal.append(("constant", name, None))
        return cst.Name(name)

    def _bare_ok(self, name: str, scope: Scope) -> bool:
        owner = self.resolver.binding_scope(name, scope)
        if owner is None:
            # a star import of pywin32's mapi module, which must really define it
            return (
                name in PYWIN32_MAPI
                and self.resolver.name_ref(name, scope) == f"{MAPI_MODULE}.{name}"
            )
        if owner.kind != "module" or name in owner.volatile:
            return False
        value = self.an.flow.module_value(name)
        if value is None:
            return False
        # flag words are DWORDs: -1 may stand for 0xFFFFFFFF (Bits are unbounded ints)
        return same_dword(as_bits(resolve(value, self.an.flow.env)), VALUES[name])

    def _module_alias(self, scope: Scope) -> Optional[str]:
        """A name of the pywin32 mapi module visible in ``scope``: the one the call itself
        uses (``m.MAPILogonEx``), else the first the module binds."""
        func = (
            self._current.site.node.func if self._plan is not None and not self._foreign else None
        )
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
        names = sorted(self.new_constants, key=list(VALUES).index)
        prefix = names[0].split("_", 1)[0] + "_"
        anchor = constant_anchor(original, prefix)
        # written like the file's constant of the same family (``QS_TIMER = 0x0010``)
        model: Optional[str] = None
        if anchor is not None and (is_constant_stmt(original[anchor]) or "").startswith(prefix):
            model = _integer_value(original[anchor])
        # the first top-level statement that holds an edit
        _, spans = code_with_spans(self.module, [*self.replace, *original])
        starts = [spans[n].start for n in self.replace if n in spans]
        first_at = min(starts) if starts else None
        first_edit = next(
            (
                i
                for i, stmt in enumerate(original)
                if first_at is not None and stmt in spans and spans[stmt].end > first_at
            ),
            len(original),
        )
        after_import = False
        if anchor is None:
            anchor, after_import = import_anchor(original)
        position = anchor + 1 if anchor is not None else 0
        if position > first_edit:
            position = first_edit
            after_import = False
        new: List[cst.SimpleStatementLine] = []
        for name in names:
            literal = LITERALS[name] if model is None else number_like(VALUES[name], model)
            new.append(
                cst.SimpleStatementLine(
                    body=[
                        cst.Assign(
                            targets=[cst.AssignTarget(cst.Name(name))],
                            value=cst.Integer(literal),
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
                self._journal.append(("share", node, None))
                return
            raise CannotFix("another fix changes the same flags differently")
        old_comments = comment_texts(node)
        if old_comments and Counter(old_comments) - Counter(comment_texts(new)):
            raise CannotFix("the edit would lose a comment")
        variants = [
            v
            for v in self._variants.pop(new, [])
            if not (old_comments and Counter(old_comments) - Counter(comment_texts(v)))
        ]
        self.replace[node] = _Edit(new, signature, variants)
        self._journal.append(("replace", node, None))

    def _check_nesting(self) -> None:
        """No node this plan replaces holds, or is held by, another replaced node."""
        for kind, node, _ in self._journal:
            if kind != "replace":
                continue
            if node in self._covered:
                raise CannotFix("another fix changes an overlapping expression")
            for inner in descendants(node):
                if inner in self.replace:
                    raise CannotFix("another fix changes an overlapping expression")

    def _commit(self) -> None:
        index = self._current.site.index
        for kind, node, _ in self._journal:
            if kind == "replace":
                self._covered.update(descendants(node))
            if kind in ("replace", "share"):
                self._owners.setdefault(node, []).append(index)

    def units(self, plans: Sequence[Plan]) -> List[List[Plan]]:
        """``plans`` grouped by the edits they share (plans whose calls use one
        constant change it together), in their order."""
        parent: Dict[int, int] = {p.site.index: p.site.index for p in plans}

        def root(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        for owners in self._owners.values():
            for other in owners[1:]:
                if owners[0] in parent and other in parent:
                    parent[root(other)] = root(owners[0])
        groups: Dict[int, List[Plan]] = {}
        for plan in plans:
            groups.setdefault(root(plan.site.index), []).append(plan)
        return list(groups.values())

    def _undo(self) -> None:
        for kind, key, previous in reversed(self._journal):
            if kind == "replace":
                self.replace.pop(key, None)
            elif kind == "share":
                pass
            elif kind == "constant":
                self.new_constants.pop(key, None)
            elif previous is None:
                self.inserted.pop(key, None)
            else:
                self.inserted[key] = previous
