"""Flag evaluation: the value of an expression at a call, following straight-line code.

A function body is interpreted once, abstractly, with ``Value``s: flag words
(``Bits``), tuples, ``None``, references to APIs and constants, and ctypes
structure instances (on a small heap, so ``x.ulFlags |= ...`` through an alias
is seen).  Branches join (a bit set on one path only becomes "maybe"), loops
iterate to a fixed point (or give up to "unknown"), ``return``/``raise`` end a
path.  The state *before* each statement that contains a call is kept, so a
rule can ask "what is this argument here?".

A parameter, or a name another module defines, is what the flow's ``Env``
says: a symbolic leaf (``ParamV``, ``ExtV``) for a module's summary, a value
from the calling contexts and the project for the rules.  Anything not
understood is unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Set, Tuple, Union

import libcst as cst

from .apis import CONSTANTS, EXTERNAL_MODULES, MASK32, constant_value
from .bindings import MAPI_MODULE, Resolver, canonical, star_exports
from .flags import UNKNOWN, ZERO, Bits
from .model import (
    ClassInfo,
    FunctionScope,
    ImportSource,
    ModuleModel,
    Param,
    Scope,
    dotted_name,
    walk,
)
from .structure import small_statements, suite_units

# -- values -----------------------------------------------------------------------


@dataclass(frozen=True)
class TupleV:
    items: Tuple[Value, ...]


@dataclass(frozen=True)
class RefV:
    ref: str


@dataclass(frozen=True)
class StructV:
    alloc: int
    cls: str


# Symbolic values: what the module alone cannot know.  A consumer resolves them
# (``resolve``) with an ``Env``: the project's value of a name another module
# defines, a parameter's value in one calling context or over all of them.


@dataclass(frozen=True)
class ExtV:
    """A name read from another module (``config.FLAGS``, ``.config.FLAGS``): the
    project knows its value; otherwise a documented constant name has its
    documented value and anything else is unknown."""

    ref: str


@dataclass(frozen=True)
class ParamV:
    """A parameter of one of the module's functions (by the function's ``fid``)."""

    fn: str
    name: str


@dataclass(frozen=True)
class OpV:
    """An operation one of whose operands is symbolic: "|", "&", "^", "+", "-",
    "*", "<<", ">>" (two operands), "~", "neg", "bits" (one), "join" (two)."""

    op: str
    args: Tuple[Value, ...]


class _Singleton:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


NONE = _Singleton("None")
TOP = _Singleton("unknown")
_LITERALS: Dict[str, Value] = {}

Value = Union[Bits, TupleV, RefV, StructV, ExtV, ParamV, OpV, _Singleton]
_SYMBOLIC = (ExtV, ParamV, OpV)
_LITERALS.update({"None": NONE, "True": Bits.const(1), "False": ZERO})

Heap = Dict[int, Dict[str, "Value"]]


class State:
    __slots__ = ("env", "heap")

    def __init__(self, env: Optional[Dict[str, Value]] = None, heap: Optional[Heap] = None):
        self.env: Dict[str, Value] = env if env is not None else {}
        self.heap: Heap = heap if heap is not None else {}

    def copy(self) -> State:
        return State(dict(self.env), {k: dict(v) for k, v in self.heap.items()})

    def __eq__(self, other: object) -> bool:
        return isinstance(other, State) and self.env == other.env and self.heap == other.heap


Maybe = Optional[State]  # None: the path is dead (after return/raise)


def is_symbolic(value: Value) -> bool:
    if isinstance(value, _SYMBOLIC):
        return True
    return isinstance(value, TupleV) and any(is_symbolic(v) for v in value.items)


def join_values(a: Value, b: Value) -> Value:
    if a is b or a == b:
        if isinstance(a, Bits) and isinstance(b, Bits):
            return a.join(b)
        return a
    if isinstance(a, Bits) and isinstance(b, Bits):
        return a.join(b)
    if a is TOP or b is TOP:
        return TOP
    if isinstance(a, _SYMBOLIC) or isinstance(b, _SYMBOLIC):
        return OpV("join", (a, b))
    if isinstance(a, RefV) or isinstance(b, RefV):
        ab, bb = as_bits(a), as_bits(b)
        if ab is not UNKNOWN and bb is not UNKNOWN:
            return ab.join(bb)
    if isinstance(a, TupleV) and isinstance(b, TupleV) and len(a.items) == len(b.items):
        return TupleV(tuple(join_values(x, y) for x, y in zip(a.items, b.items)))
    return TOP


def join_states(a: Maybe, b: Maybe) -> Maybe:
    if a is None:
        return b.copy() if b is not None else None
    if b is None:
        return a.copy()
    env: Dict[str, Value] = {}
    for name in a.env.keys() | b.env.keys():
        if name in a.env and name in b.env:
            env[name] = join_values(a.env[name], b.env[name])
        else:
            env[name] = TOP
    heap: Heap = {}
    for alloc in a.heap.keys() | b.heap.keys():
        fa, fb = a.heap.get(alloc), b.heap.get(alloc)
        if fa is None or fb is None:
            heap[alloc] = dict(fa or fb or {})
            continue
        heap[alloc] = {
            f: join_values(fa[f], fb[f]) if f in fa and f in fb else TOP
            for f in fa.keys() | fb.keys()
        }
    return State(env, heap)


_NOT_CONSTANTS = ("dll:", "fn:", "cls:", "builtins.")


def as_bits(value: Value) -> Bits:
    """A concrete value's flag word (unknown for anything that is not a number or a
    documented constant; an unresolved symbolic value falls back like ``ExtV``)."""
    if isinstance(value, Bits):
        return value
    if isinstance(value, (RefV, ExtV)) and not value.ref.startswith(_NOT_CONSTANTS):
        # A documented constant name has its documented value, whichever
        # module it is read from; win32event's own values win.
        module, _, name = value.ref.rpartition(".")
        short = "mapi" if module == MAPI_MODULE else module
        v = constant_value(short, name)
        if v is not None:
            return Bits.const(v, name)
    return UNKNOWN


# -- symbolic values ---------------------------------------------------------------------


class Env:
    """What a parameter, or a name another module defines, is worth.

    The flow evaluation asks its env when it reads one; ``resolve`` asks one to
    give the symbolic leaves of a value theirs.  This one knows nothing: a name
    from another module stays that name (``as_bits`` gives a documented
    constant its documented value), a parameter is unknown.  The project and
    the calling contexts provide better ones."""

    def external(self, ref: str) -> Value:
        return ExtV(ref)

    def param(self, fn: str, name: str) -> Value:
        return TOP


class Symbolic(Env):
    """Leaves stay symbolic: a module's summary is what it knows on its own."""

    def param(self, fn: str, name: str) -> Value:
        return ParamV(fn, name)


NO_ENV = Env()
SYMBOLIC = Symbolic()
_MAX_RESOLVE_DEPTH = 200
_BINARY_OPS: Dict[str, Callable[[Bits, Bits], Bits]] = {
    "|": lambda a, b: a | b,
    "&": lambda a, b: a & b,
    "^": lambda a, b: a ^ b,
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "<<": lambda a, b: a.shift(b, True),
    ">>": lambda a, b: a.shift(b, False),
}
_UNARY_OPS: Dict[str, Callable[[Bits], Bits]] = {
    "~": lambda a: ~a,
    "neg": lambda a: a.neg(),
    "bits": lambda a: a,
}


def resolve(value: Value, env: Env = NO_ENV, depth: int = 0) -> Value:
    """``value`` with its symbolic leaves given values by ``env``."""
    if not isinstance(value, (ExtV, ParamV, OpV, TupleV)):
        return value
    if depth > _MAX_RESOLVE_DEPTH:
        return TOP
    if isinstance(value, ExtV):
        return env.external(value.ref)
    if isinstance(value, ParamV):
        return env.param(value.fn, value.name)
    if isinstance(value, TupleV):
        if not is_symbolic(value):
            return value
        return TupleV(tuple(resolve(v, env, depth + 1) for v in value.items))
    args = [resolve(a, env, depth + 1) for a in value.args]
    if value.op == "join":
        return join_values(args[0], args[1])
    unary = _UNARY_OPS.get(value.op)
    if unary is not None:
        return unary(as_bits(args[0]))
    binary = _BINARY_OPS.get(value.op)
    if binary is not None:
        return binary(as_bits(args[0]), as_bits(args[1]))
    return TOP


def apply_op(op: str, a: Value, b: Value) -> Value:
    """``a op b``: a flag word, or an ``OpV`` when an operand is symbolic."""
    if isinstance(a, _SYMBOLIC) or isinstance(b, _SYMBOLIC):
        if op == "|" and isinstance(a, OpV) and a.op == "|" and b in a.args:
            return a  # flags |= X again (a loop): unchanged
        return OpV(op, (_concrete(a), _concrete(b)))
    return _BINARY_OPS[op](as_bits(a), as_bits(b))


def apply_unary(op: str, a: Value) -> Value:
    if isinstance(a, _SYMBOLIC):
        return OpV(op, (a,))
    return _UNARY_OPS[op](as_bits(a))


def _concrete(value: Value) -> Value:
    """A non-symbolic operand as the flag word it stands for."""
    return value if isinstance(value, _SYMBOLIC) else as_bits(value)


# -- the evaluator ---------------------------------------------------------------------

_MAX_EXPR_DEPTH = 150
_MAX_PARAM_DEPTH = 12
_MAX_LOOP_DEPTH = 6
_HARMLESS_CALLS = frozenset(
    {"ctypes.byref", "ctypes.pointer", "ctypes.sizeof", "ctypes.addressof", "builtins.len"}
)


class _Probe:
    """Snapshots of the state before the statements that contain calls."""

    def __init__(self, wanted: Set[int]) -> None:
        self.wanted = wanted
        self.states: Dict[int, Maybe] = {}
        self.recording = True

    def at(self, stmt: cst.CSTNode, state: Maybe) -> None:
        if self.recording and id(stmt) in self.wanted:
            key = id(stmt)
            previous = self.states.get(key)
            snapshot = state.copy() if state is not None else None
            if key in self.states:
                self.states[key] = join_states(previous, snapshot)
            else:
                self.states[key] = snapshot


class Flow:
    """Lazy, memoised flow evaluation for a module."""

    def __init__(self, model: ModuleModel, resolver: Resolver, env: Optional[Env] = None) -> None:
        self.model = model
        self.resolver = resolver
        #: what parameters and names from other modules are (symbolic without one)
        self.env: Env = env if env is not None else SYMBOLIC
        self._scopes: Dict[int, _Probe] = {}
        self._module_final: Maybe = None
        self._module_done = False
        self._defaults: Dict[Tuple[int, str], Value] = {}
        self._alloc = 0

    # -- public ---------------------------------------------------------------------
    def value_at(self, expr: cst.BaseExpression, scope: Scope, stmt: cst.CSTNode) -> Value:
        """The value of ``expr`` evaluated just before ``stmt`` in ``scope``."""
        state = self._state_before(scope, stmt)
        if state is None:
            state = State()
        return _Eval(self, scope, state).expr(expr, 0)

    def struct_field(self, value: Value, scope: Scope, stmt: cst.CSTNode, field: str) -> Value:
        if not isinstance(value, StructV):
            return TOP
        state = self._state_before(scope, stmt)
        if state is None:
            return TOP
        return state.heap.get(value.alloc, {}).get(field, TOP)

    # -- states -------------------------------------------------------------------------
    def _state_before(self, scope: Scope, stmt: cst.CSTNode) -> Maybe:
        return self._probe(scope).states.get(id(stmt))

    def _probe(self, scope: Scope) -> _Probe:
        probe = self._scopes.get(id(scope))
        if probe is None:
            probe = _Probe({id(site.stmt) for site in scope.calls})
            self._scopes[id(scope)] = probe
            if scope.kind == "module":
                self._module_done = True  # names read while it runs are unbound yet
                self._module_final = _Exec(self, scope, probe).block(
                    self.model.module.body, State()
                )
            elif isinstance(scope, FunctionScope) and scope.kind == "function":
                _Exec(self, scope, probe).block(scope.body, State())
            # lambdas and class bodies have no straight-line state of their own
        return probe

    def module_value(self, name: str) -> Optional[Value]:
        """A module-level name's value once the module has run (None: not bound)."""
        if not self._module_done:
            self._probe(self.model.scope)
        if name in self.model.scope.volatile:
            return TOP
        final = self._module_final
        if final is None:
            return TOP
        return final.env.get(name)

    def new_alloc(self) -> int:
        self._alloc += 1
        return self._alloc

    # -- parameters -----------------------------------------------------------------------
    def default_value(self, fn: FunctionScope, param: Param) -> Value:
        """A parameter's default, evaluated where the function is defined."""
        if param.default is None:
            return TOP
        key = (id(fn), param.name)
        cached = self._defaults.get(key)
        if cached is None:
            outer = fn.parent if fn.parent is not None else self.model.scope
            entry = State()
            if outer.kind == "module":
                # a module-level def: its default reads the module's names
                # (their values once the module has run)
                self.module_value("")
                if self._module_final is not None:
                    entry = self._module_final.copy()
            cached = self._defaults[key] = _Eval(self, outer, entry).expr(param.default, 0)
        return cached

    def ref_value(self, ref: str) -> Value:
        """What a reference to an API or to another module is as a value."""
        if ref.startswith(_NOT_CONSTANTS) or ref.split(".", 1)[0] in EXTERNAL_MODULES:
            return RefV(ref)
        return self.env.external(ref)


class _Eval:
    """Evaluates expressions in one state."""

    def __init__(self, flow: Flow, scope: Scope, state: State) -> None:
        self.flow = flow
        self.scope = scope
        self.state = state

    def expr(self, node: cst.BaseExpression, depth: int) -> Value:
        if depth > _MAX_EXPR_DEPTH:
            return TOP
        if isinstance(node, cst.BinaryOperation):
            return self._binary(node, depth)
        if isinstance(node, cst.Integer):
            try:
                return Bits.const(int(node.value.replace("_", ""), 0))
            except ValueError:
                return TOP
        if isinstance(node, cst.Name):
            literal = _LITERALS.get(node.value)
            if literal is not None:
                return literal
            return self.name(node.value)
        if isinstance(node, cst.Attribute):
            return self._attribute(node, depth)
        if isinstance(node, cst.UnaryOperation):
            inner = self.expr(node.expression, depth + 1)
            op = node.operator
            if isinstance(op, cst.BitInvert):
                return apply_unary("~", inner)
            if isinstance(op, cst.Minus):
                return apply_unary("neg", inner)
            if isinstance(op, cst.Plus):
                return apply_unary("bits", inner)
            return TOP
        if isinstance(node, cst.Tuple):
            items: List[Value] = []
            for el in node.elements:
                if isinstance(el, cst.StarredElement):
                    return TOP
                items.append(self.expr(el.value, depth + 1))
            return TupleV(tuple(items))
        if isinstance(node, cst.IfExp):
            return join_values(self.expr(node.body, depth + 1), self.expr(node.orelse, depth + 1))
        if isinstance(node, cst.Call):
            return self._call(node, depth)
        return TOP

    def _binary(self, node: cst.BinaryOperation, depth: int) -> Value:
        # Walk the left spine iteratively: ``A | B | C | ...`` nests to the left
        # and may be hundreds of terms long.
        spine: List[cst.BinaryOperation] = []
        current: cst.BaseExpression = node
        while isinstance(current, cst.BinaryOperation):
            spine.append(current)
            current = current.left
        acc = self.expr(current, depth + 1)
        for op_node in reversed(spine):
            right = self.expr(op_node.right, depth + 1)
            acc = _apply(op_node.operator, acc, right)
        return acc

    def name(self, name: str) -> Value:
        scope = self.scope
        if name in scope.volatile:
            return TOP
        env = self.state.env
        if name in env:
            return named_constant(name, env[name])
        owner = self.flow.resolver.binding_scope(name, scope)
        if owner is scope and scope.kind != "module":
            if isinstance(scope, FunctionScope):
                for p in scope.params:
                    if p.name == name:
                        if p.kind in ("star", "starstar"):
                            return TOP
                        return self.flow.env.param(scope.fid, p.name)
            return TOP  # a local not yet bound on this path
        if owner is not None and owner.kind == "module":
            if scope.kind == "module":
                return TOP  # used before the module binds it
            value = self.flow.module_value(name)
            return named_constant(name, value) if value is not None else TOP
        if owner is not None:
            return TOP  # a closure variable: late-bound
        ref = self.flow.resolver.name_ref(name, scope)
        if ref is not None:
            return self.flow.ref_value(ref)
        if name in CONSTANTS:
            return Bits.const(CONSTANTS[name][0], name)
        return TOP

    def _attribute(self, node: cst.Attribute, depth: int) -> Value:
        base = node.value
        if isinstance(base, cst.Name) and base.value in self.state.env:
            bval = self.state.env[base.value]
            if isinstance(bval, StructV):
                return self.state.heap.get(bval.alloc, {}).get(node.attr.value, TOP)
            if isinstance(bval, (RefV, ExtV)):
                return self.flow.ref_value(canonical(f"{bval.ref}.{node.attr.value}"))
            return TOP
        ref = self.flow.resolver.ref(node, self.scope)
        if ref is not None:
            return self.flow.ref_value(ref)
        return TOP

    def _call(self, node: cst.Call, depth: int) -> Value:
        resolver = self.flow.resolver
        ref = resolver.ref(node.func, self.scope)
        if ref in ("ctypes.byref", "ctypes.pointer") and len(node.args) >= 1:
            return self.expr(node.args[0].value, depth + 1)
        if ref in ("ctypes.c_ulong", "ctypes.c_uint", "ctypes.c_uint32", "builtins.int"):
            if len(node.args) == 1 and node.args[0].keyword is None:
                return apply_unary("bits", self.expr(node.args[0].value, depth + 1))
            return TOP
        cls = resolver.klass(ref)
        if cls is not None:
            return self._construct(cls, node, depth)
        return TOP

    def _construct(self, cls: ClassInfo, node: cst.Call, depth: int) -> Value:
        fields = self.flow.resolver.struct_fields(cls)
        if fields is None:
            return TOP
        values: Dict[str, Value] = {f: ZERO for f in fields}  # ctypes zero-fills
        positional = 0
        for arg in node.args:
            if arg.star:
                return TOP
            if arg.keyword is None:
                if positional >= len(fields):
                    return TOP
                values[fields[positional]] = self.expr(arg.value, depth + 1)
                positional += 1
            else:
                values[arg.keyword.value] = self.expr(arg.value, depth + 1)
        alloc = self.flow.new_alloc()
        self.state.heap[alloc] = values
        return StructV(alloc, cls.name)


def named_constant(name: str, value: Value) -> Value:
    """A name the code binds to its documented value keeps the documented name
    (ctypes code defines ``MAPI_LOGON_UI = 0x1`` itself), so MPS108 can name it."""
    entry = CONSTANTS.get(name)
    if (
        entry is not None
        and isinstance(value, Bits)
        and value.exact
        and value.val
        and value.val == entry[0]
        and name not in value.names
    ):
        return Bits.const(value.val, name)
    return value


_OPERATORS: Dict[type, str] = {
    cst.BitOr: "|",
    cst.BitAnd: "&",
    cst.BitXor: "^",
    cst.Add: "+",
    cst.Subtract: "-",
    cst.Multiply: "*",
    cst.LeftShift: "<<",
    cst.RightShift: ">>",
}


def _apply(op: cst.BaseBinaryOp, a: Value, b: Value) -> Value:
    name = _OPERATORS.get(type(op))
    if name is None:
        return UNKNOWN
    return apply_op(name, a, b)


def _augmented(op: cst.BaseAugOp) -> Optional[cst.BaseBinaryOp]:
    table: Dict[type, Callable[[], cst.BaseBinaryOp]] = {
        cst.BitOrAssign: cst.BitOr,
        cst.BitAndAssign: cst.BitAnd,
        cst.BitXorAssign: cst.BitXor,
        cst.AddAssign: cst.Add,
        cst.SubtractAssign: cst.Subtract,
        cst.MultiplyAssign: cst.Multiply,
        cst.LeftShiftAssign: cst.LeftShift,
        cst.RightShiftAssign: cst.RightShift,
    }
    kind = table.get(type(op))
    return kind() if kind is not None else None


class _Loop:
    def __init__(self) -> None:
        self.breaks: Maybe = None
        self.continues: Maybe = None


class _Exec:
    """Interprets statement lists, recording states before probed statements."""

    def __init__(self, flow: Flow, scope: Scope, probe: _Probe) -> None:
        self.flow = flow
        self.scope = scope
        self.probe = probe
        self.loops: List[_Loop] = []

    def block(self, stmts: Sequence[cst.CSTNode], state: Maybe) -> Maybe:
        for stmt in stmts:
            if state is None:
                return None
            state = self.stmt(stmt, state)
        return state

    def _suite(self, suite: cst.BaseSuite, state: Maybe) -> Maybe:
        return self.block(suite_units(suite), state)

    def _smalls(self, smalls: Sequence[cst.BaseSmallStatement], state: Maybe) -> Maybe:
        for small in smalls:
            if state is None:
                return None
            self.probe.at(small, state)
            state = self.small(small, state)
        return state

    def stmt(self, stmt: cst.CSTNode, state: State) -> Maybe:
        smalls = small_statements(stmt)
        if smalls is not None:
            return self._smalls(smalls, state)
        self.probe.at(stmt, state)
        if isinstance(stmt, cst.If):
            return self._if(stmt, state)
        if isinstance(stmt, (cst.For, cst.While)):
            return self._loop(stmt, state)
        if isinstance(stmt, (cst.Try, cst.TryStar)):
            return self._try(stmt, state)
        if isinstance(stmt, cst.With):
            self._havoc_calls(stmt.items, state)
            for item in stmt.items:
                if item.asname is not None:
                    self._assign(item.asname.name, TOP, state)
            return self._suite(stmt.body, state)
        if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            state.env[stmt.name.value] = TOP
            return state
        if isinstance(stmt, cst.Match):
            return self._match(stmt, state)
        return state

    def _if(self, stmt: cst.If, state: State) -> Maybe:
        self._havoc_calls([stmt.test], state)
        then = self._suite(stmt.body, state.copy())
        orelse: Maybe
        if stmt.orelse is None:
            orelse = state
        elif isinstance(stmt.orelse, cst.If):
            orelse = self.stmt(stmt.orelse, state.copy())
        else:
            orelse = self._suite(stmt.orelse.body, state.copy())
        return join_states(then, orelse)

    def _loop(self, stmt: Union[cst.For, cst.While], state: State) -> Maybe:
        depth = len(self.loops)

        def body_pass(entry: State, record: bool) -> Tuple[Maybe, _Loop]:
            loop = _Loop()
            self.loops.append(loop)
            saved = self.probe.recording
            self.probe.recording = record and saved
            try:
                s = entry.copy()
                if isinstance(stmt, cst.For):
                    self._assign(stmt.target, TOP, s)
                else:
                    self._havoc_calls([stmt.test], s)
                end = self._suite(stmt.body, s)
                end = join_states(end, loop.continues)
            finally:
                self.loops.pop()
                self.probe.recording = saved
            return end, loop

        if isinstance(stmt, cst.For):
            self._havoc_calls([stmt.iter], state)
        head: State = state
        if depth < _MAX_LOOP_DEPTH:
            after, _ = body_pass(head, False)
            joined = join_states(head, after) or head
            if depth < _MAX_LOOP_DEPTH // 2:
                after2, _ = body_pass(joined, False)
                again = join_states(joined, after2) or joined
                if again != joined:
                    joined = _havoc_changed(joined, again)
            else:
                joined = _havoc_changed(head, joined)
            head = joined
        else:
            # Deeply nested loops: an exploratory pass per level would make the
            # work exponential in the depth; everything becomes unknown instead.
            head = _havoc_all(head)
        end, loop = body_pass(head, True)
        exit_state = join_states(head, end)
        if stmt.orelse is not None and exit_state is not None:
            exit_state = self._suite(stmt.orelse.body, exit_state)
        return join_states(exit_state, loop.breaks)

    def _try(self, stmt: Union[cst.Try, cst.TryStar], state: State) -> Maybe:
        seen: Maybe = state.copy()
        s: Maybe = state
        for inner in suite_units(stmt.body):
            if s is None:
                break
            s = self.stmt(inner, s)
            seen = join_states(seen, s)
        normal_end = s
        ends: Maybe = None
        for handler in stmt.handlers:
            h = seen.copy() if seen is not None else State()
            if handler.name is not None:
                self._assign(handler.name.name, TOP, h)
            ends = join_states(ends, self._suite(handler.body, h))
        if stmt.orelse is not None and normal_end is not None:
            normal_end = self._suite(stmt.orelse.body, normal_end)
        ends = join_states(ends, normal_end)
        if stmt.finalbody is not None:
            # every path runs the finally block: record what it sees on all of
            # them, but continue after the statement on the normal paths only
            entry = join_states(ends, seen)
            self._suite(stmt.finalbody.body, entry if entry is not None else State())
            if ends is None:
                return None
            saved = self.probe.recording
            self.probe.recording = False
            try:
                return self._suite(stmt.finalbody.body, ends)
            finally:
                self.probe.recording = saved
        return ends

    def _match(self, stmt: cst.Match, state: State) -> Maybe:
        out: Maybe = state.copy()
        for case in stmt.cases:
            s = state.copy()
            for name in _pattern_names(case.pattern):
                s.env[name] = TOP
            out = join_states(out, self._suite(case.body, s))
        return out

    # -- small statements ---------------------------------------------------------
    def small(self, small: cst.BaseSmallStatement, state: State) -> Maybe:
        if isinstance(small, cst.Assign):
            self._havoc_calls([small.value], state)
            value = _Eval(self.flow, self.scope, state).expr(small.value, 0)
            for t in small.targets:
                self._assign(t.target, value, state)
            return state
        if isinstance(small, cst.AugAssign):
            self._havoc_calls([small.value], state)
            return self._augassign(small, state)
        if isinstance(small, cst.AnnAssign):
            if small.value is not None:
                value = _Eval(self.flow, self.scope, state).expr(small.value, 0)
                self._assign(small.target, value, state)
            return state
        if isinstance(small, cst.Expr):
            self._havoc_calls([small.value], state)
            return state
        if isinstance(small, (cst.Return, cst.Raise)):
            return None
        if isinstance(small, cst.Break):
            if self.loops:
                loop = self.loops[-1]
                loop.breaks = join_states(loop.breaks, state)
            return None
        if isinstance(small, cst.Continue):
            if self.loops:
                loop = self.loops[-1]
                loop.continues = join_states(loop.continues, state)
            return None
        if isinstance(small, cst.Del):
            self._assign(small.target, TOP, state)
            return state
        if isinstance(small, (cst.Import, cst.ImportFrom)):
            self._import(small, state)
            return state
        return state

    def _import(self, small: Union[cst.Import, cst.ImportFrom], state: State) -> None:
        if isinstance(small, cst.ImportFrom) and isinstance(small.names, cst.ImportStar):
            self._star_import(small, state)
            return
        names: List[str] = []
        if isinstance(small, cst.Import):
            for alias in small.names:
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    names.append(alias.asname.name.value)
                else:
                    full = dotted_name(alias.name) or ""
                    names.append(full.split(".", 1)[0])
        elif not isinstance(small.names, cst.ImportStar):
            for alias in small.names:
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    names.append(alias.asname.name.value)
                elif isinstance(alias.name, cst.Name):
                    names.append(alias.name.value)
        for name in names:
            # the binding resolver knows what the name means
            state.env.pop(name, None)
            ref = self.flow.resolver.name_ref(name, self.scope)
            state.env[name] = self.flow.ref_value(ref) if ref is not None else TOP

    def _star_import(self, small: cst.ImportFrom, state: State) -> None:
        """``from M import *`` rebinds names from here on.  A module the analysis
        follows gives the names it exports their documented values (RefV); after
        any other module, every name bound so far may have been rebound and is
        unknown, except private names (a star import skips them) and names bound
        only by imports (a module re-exporting its imports gives the same object)."""
        module = dotted_name(small.module) if small.module is not None else None
        found = star_exports(module) if module is not None and not small.relative else None
        bindings = self.scope.bindings
        if found is not None:
            mod, exports = found
            for name in (state.env.keys() | bindings.keys()) & exports:
                state.env[name] = self.flow.ref_value(f"{mod}.{name}")
            return
        for name in list(state.env):
            if name.startswith("_"):
                continue
            sources = bindings.get(name, ())
            if sources and all(isinstance(source, ImportSource) for source in sources):
                continue
            state.env[name] = TOP

    def _augassign(self, small: cst.AugAssign, state: State) -> Maybe:
        op = _augmented(small.operator)
        ev = _Eval(self.flow, self.scope, state)
        right = ev.expr(small.value, 0)
        target = small.target
        if isinstance(target, cst.Name):
            old = ev.name(target.value)
            state.env[target.value] = _apply(op, old, right) if op is not None else TOP
        elif isinstance(target, cst.Attribute):
            struct = self._struct_of(target.value, state)
            if struct is not None:
                fields = state.heap.setdefault(struct.alloc, {})
                old = fields.get(target.attr.value, TOP)
                fields[target.attr.value] = _apply(op, old, right) if op is not None else TOP
        return state

    def _struct_of(self, node: cst.BaseExpression, state: State) -> Optional[StructV]:
        if isinstance(node, cst.Name):
            value = state.env.get(node.value)
            if isinstance(value, StructV):
                return value
        return None

    def _assign(self, target: cst.BaseExpression, value: Value, state: State) -> None:
        if isinstance(target, cst.Name):
            state.env[target.value] = value
        elif isinstance(target, (cst.Tuple, cst.List)):
            elements = target.elements
            if (
                isinstance(value, TupleV)
                and len(value.items) == len(elements)
                and not any(isinstance(e, cst.StarredElement) for e in elements)
            ):
                for el, v in zip(elements, value.items):
                    self._assign(el.value, v, state)
            else:
                for el in elements:
                    self._assign(el.value, TOP, state)
        elif isinstance(target, cst.StarredElement):
            self._assign(target.value, TOP, state)
        elif isinstance(target, cst.Attribute):
            struct = self._struct_of(target.value, state)
            if struct is not None:
                state.heap.setdefault(struct.alloc, {})[target.attr.value] = value

    def _havoc_calls(self, nodes: Iterable[object], state: State) -> None:
        """A struct passed to a call the analysis does not know may be changed by it."""
        if not state.heap:
            return
        for node in nodes:
            if isinstance(node, cst.CSTNode):
                for name in _names_passed_to_calls(node, self.flow.resolver, self.scope):
                    value = state.env.get(name)
                    if isinstance(value, StructV):
                        fields = state.heap.get(value.alloc, {})
                        state.heap[value.alloc] = {f: TOP for f in fields}


def _havoc_all(state: State) -> State:
    out = State({name: TOP for name in state.env})
    out.heap = {alloc: {f: TOP for f in fields} for alloc, fields in state.heap.items()}
    return out


def _havoc_changed(before: State, after: State) -> State:
    out = after.copy()
    for name, value in after.env.items():
        if before.env.get(name) != value:
            out.env[name] = TOP
    for alloc, fields in after.heap.items():
        prior = before.heap.get(alloc, {})
        for f, v in fields.items():
            if prior.get(f) != v:
                out.heap[alloc][f] = TOP
    return out


class _CallArgs(cst.CSTVisitor):
    def __init__(self, resolver: Resolver, scope: Scope) -> None:
        super().__init__()
        self.resolver = resolver
        self.scope = scope
        self.names: List[str] = []

    def visit_Call(self, node: cst.Call) -> None:
        ref = self.resolver.ref(node.func, self.scope)
        if ref is not None and ref.endswith(".MAPIInitialize"):
            return
        if ref in _HARMLESS_CALLS:
            return
        for arg in node.args:
            value = arg.value
            if isinstance(value, cst.Call) and self.resolver.ref(value.func, self.scope) in (
                "ctypes.byref",
                "ctypes.pointer",
            ):
                if value.args:
                    value = value.args[0].value
            if isinstance(value, cst.Name):
                self.names.append(value.value)

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False


def _names_passed_to_calls(node: cst.CSTNode, resolver: Resolver, scope: Scope) -> List[str]:
    collector = _CallArgs(resolver, scope)
    walk(collector, node)
    return collector.names


def _pattern_names(pattern: cst.MatchPattern) -> List[str]:
    out: List[str] = []

    class _V(cst.CSTVisitor):
        def visit_MatchAs(self, node: cst.MatchAs) -> None:
            if node.name is not None:
                out.append(node.name.value)

        def visit_MatchStar(self, node: cst.MatchStar) -> None:
            if isinstance(node.name, cst.Name):
                out.append(node.name.value)

        def visit_MatchMapping(self, node: cst.MatchMapping) -> None:
            if node.rest is not None:
                out.append(node.rest.value)

    pattern.visit(_V())
    return out


__all__ = [
    "Flow",
    "Value",
    "TupleV",
    "RefV",
    "StructV",
    "NONE",
    "TOP",
    "as_bits",
    "join_values",
    "MASK32",
]
