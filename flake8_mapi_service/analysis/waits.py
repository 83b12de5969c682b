"""Blocking waits and message pumps.

``Waits`` (``Analysis.waits``, lazy) answers, for the MPS4xx rules:

- **blocking waits**: the Win32 waits and sleeps, ``time.sleep``,
  ``wait``/``join``/``get``/``acquire`` on a threading or queue object the
  module created (through locals and ``self.x``), and
  ``--mapi-extra-blocking-calls``, with their timeout classified as zero (not
  a wait), finite, infinite or unknown;
- **pumps**: ``PumpWaitingMessages``/``PumpMessages``, ``DispatchMessage`` in a
  function that also calls ``GetMessage``/``PeekMessage``,
  ``CoWaitForMultipleHandles``, and every module function that (transitively)
  calls one; whether a call sits in a loop that pumps, or in a function called
  from such a loop;
- the numbers MsgWaitForMultipleObjects(Ex) needs: handle counts and the
  identity of a handle list (``msgwait.py`` follows its message case).

The tables of what blocks and what pumps are in ``apis.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, FrozenSet, List, Optional, Sequence, Set, Tuple, Union

import libcst as cst

from .apis import (
    BLOCKING_METHOD_NAMES,
    BLOCKING_METHODS,
    DISPATCH_KEYS,
    GET_MESSAGE_KEYS,
    INFINITE,
    NEUTRAL_METHODS,
    OBJECT_CONSTRUCTORS,
    PUMP_KEYS,
    SLEEP_SECONDS,
    THREAD_CLASSES,
    WIN32_WAITS,
)
from .arguments import Arguments
from .bindings import Resolver, agreed, canonical
from .callgraph import CALL
from .flags import Bits
from .flow import NONE, as_bits, resolve
from .link import GF, Link
from .model import AssignSource, CallSite, ModuleModel, Scope, argument_expr
from .summary import CallFact, FrameFact

ZERO_WAIT = "zero"
FINITE = "finite"
FOREVER = "infinite"
UNKNOWN_WAIT = "unknown"

_CALL_EDGES = frozenset({CALL})
_LIST_MUTATORS: FrozenSet[str] = frozenset(
    {"append", "extend", "insert", "pop", "remove", "clear", "__setitem__", "__delitem__"}
)


@dataclass(frozen=True)
class Wait:
    site: CallSite
    #: what the message names: "win32event.WaitForSingleObject", "Event.wait", ...
    name: str
    timeout: str  # ZERO_WAIT | FINITE | FOREVER | UNKNOWN_WAIT
    #: a --mapi-extra-blocking-calls wrapper (its timeout is not known)
    extra: bool = False


# -- numbers ------------------------------------------------------------------------------

Number = Union[float, None, object]  # a number, None (Python's None), or _UNKNOWN
_UNKNOWN = object()


def literal_number(node: cst.BaseExpression) -> Number:
    sign = 1.0
    while isinstance(node, cst.UnaryOperation) and isinstance(node.operator, (cst.Minus, cst.Plus)):
        if isinstance(node.operator, cst.Minus):
            sign = -sign
        node = node.expression
    if isinstance(node, (cst.Integer, cst.Float)):
        try:
            text = node.value.replace("_", "")
            value = float(int(text, 0)) if isinstance(node, cst.Integer) else float(text)
        except ValueError:
            return _UNKNOWN
        return sign * value
    if isinstance(node, cst.Name) and node.value == "None" and sign == 1.0:
        return None
    return _UNKNOWN


class Waits:
    """Lazy, memoised wait/pump analysis of one module."""

    def __init__(
        self,
        model: ModuleModel,
        resolver: Resolver,
        arguments: Arguments,
        pumps: Pumps,
        place: Callable[[CallSite], Place],
        extra_blocking_calls: Sequence[str] = (),
    ) -> None:
        self.model = model
        self.resolver = resolver
        self.arguments = arguments
        self.pumps = pumps
        #: a call site's function, index and loops in the project's terms
        self.place = place
        self._extra: FrozenSet[str] = frozenset(canonical(name) for name in extra_blocking_calls)
        self._kinds: Dict[Tuple[int, str], Optional[str]] = {}

    # -- blocking waits ---------------------------------------------------------------
    def candidates(self) -> List[CallSite]:
        """Calls that may be blocking waits (cheap: keys and method names only)."""
        out: List[CallSite] = []
        extra = self._extra
        for site in self.model.calls:
            key = site.key
            if key is not None:
                if key in WIN32_WAITS or key == SLEEP_SECONDS or key in extra:
                    out.append(site)
            elif site.target is not None:
                if extra and site.target.qualname in extra:
                    out.append(site)
            else:
                func = site.node.func
                if isinstance(func, cst.Attribute) and func.attr.value in BLOCKING_METHOD_NAMES:
                    out.append(site)
        return out

    def classify(self, site: CallSite) -> Optional[Wait]:
        """The wait a candidate call is, or None when it is not a blocking wait."""
        key = site.key
        if key is not None and key in self._extra:
            return Wait(site, key, UNKNOWN_WAIT, extra=True)
        if key is None and site.target is not None:
            if site.target.qualname in self._extra:
                return Wait(site, site.target.qualname, UNKNOWN_WAIT, extra=True)
            return None
        if key in WIN32_WAITS:
            return Wait(site, key, self.milliseconds(site, WIN32_WAITS[key]))
        if key == SLEEP_SECONDS:
            return Wait(site, key, self._seconds(site, 0, "secs", sleep=True))
        func = site.node.func
        if key is not None or not isinstance(func, cst.Attribute):
            return None
        kind = self.object_kind(func.value, site.scope)
        if kind is None:
            return None
        method = BLOCKING_METHODS.get((kind, func.attr.value))
        if method is None:
            return None
        name = f"{kind}.{func.attr.value}"
        if method.block_index is not None:
            block = argument_expr(site.node, method.block_index, method.block_keyword)
            if block is not None:
                value = literal_number(block)
                if isinstance(block, cst.Name) and block.value in ("False", "True"):
                    value = 1.0 if block.value == "True" else 0.0
                if value == 0.0:
                    return Wait(site, name, ZERO_WAIT)
                if value is _UNKNOWN:
                    return Wait(site, name, UNKNOWN_WAIT)
        if method.timeout_index is None:
            return Wait(site, name, FOREVER)
        return Wait(site, name, self._seconds(site, method.timeout_index, method.timeout_keyword))

    def milliseconds(self, site: CallSite, index: int) -> str:
        expr = argument_expr(site.node, index)
        if expr is None:
            return UNKNOWN_WAIT
        value = self.arguments.bits(site, expr)
        if not value.exact and isinstance(expr, cst.Attribute):
            number = self._self_number(expr, site.scope)
            if isinstance(number, float) and number == int(number):
                value = Bits.const(int(number))
        ms = value.dword  # a DWORD: -1 is INFINITE
        if ms is not None:
            if ms == 0:
                return ZERO_WAIT
            return FOREVER if ms == INFINITE else FINITE
        return UNKNOWN_WAIT

    def _self_number(self, expr: cst.Attribute, scope: Scope) -> Number:
        """``self.timeout`` when every assignment of it in the class (or a base
        class of the module) is the same number or constant."""
        resolver = self.resolver
        cls = resolver.self_class(expr.value, scope)
        if cls is None:
            return _UNKNOWN
        sources = resolver.self_attr_sources(cls, expr.attr.value)
        found: Set[float] = set()
        for value, method in sources:
            if value is None:
                return _UNKNOWN
            literal = literal_number(value)
            if literal is _UNKNOWN:
                flow = self.arguments.flow
                bits = as_bits(resolve(flow.value_at(value, method, method.node), flow.env))
                if not bits.exact:
                    return _UNKNOWN
                literal = float(bits.val)
            if not isinstance(literal, float):
                return _UNKNOWN
            found.add(literal)
        return found.pop() if len(found) == 1 else _UNKNOWN

    def _seconds(self, site: CallSite, index: int, keyword: str, sleep: bool = False) -> str:
        expr = argument_expr(site.node, index, keyword)
        if expr is None:
            return UNKNOWN_WAIT if sleep else FOREVER
        value = self.number(site, expr)
        if value is None:
            return UNKNOWN_WAIT if sleep else FOREVER
        if not isinstance(value, float):
            return UNKNOWN_WAIT
        if value <= 0:
            return ZERO_WAIT
        return FINITE

    def number(self, site: CallSite, expr: cst.BaseExpression) -> Number:
        """A numeric argument: a literal, a name bound only to one literal, or a flag value."""
        value = literal_number(expr)
        if value is not _UNKNOWN:
            return value
        if isinstance(expr, cst.Name):
            owner = self.resolver.binding_scope(expr.value, site.scope)
            if owner is not None and expr.value not in owner.volatile:
                found: Set[Optional[float]] = set()
                for source in owner.bindings[expr.value]:
                    if not isinstance(source, AssignSource) or source.value is None:
                        found = set()
                        break
                    literal = literal_number(source.value)
                    if literal is _UNKNOWN:
                        found = set()
                        break
                    found.add(literal)  # type: ignore[arg-type]
                if len(found) == 1:
                    return found.pop()
        if isinstance(expr, cst.Attribute):
            number = self._self_number(expr, site.scope)
            if number is not _UNKNOWN:
                return number
        v = self.arguments.value(site, expr)
        if v is NONE:
            return None
        bits = as_bits(v)
        if bits.exact:
            return float(bits.val)
        return _UNKNOWN

    def object_kind(self, node: cst.BaseExpression, scope: Scope) -> Optional[str]:
        """ "Event", "Queue", ... when ``node`` is an object the module created."""
        bound = self.resolver.bound(node, scope)
        if bound is None:
            return None
        if bound.key not in self._kinds:
            self._kinds[bound.key] = agreed(bound.values, self._constructed_kind)
        return self._kinds[bound.key]

    def _constructed_kind(self, value: Optional[cst.BaseExpression], scope: Scope) -> Optional[str]:
        if not isinstance(value, cst.Call):
            return None
        resolver = self.resolver
        ref = resolver.ref(value.func, scope)
        if ref is None:
            return None
        kind = OBJECT_CONSTRUCTORS.get(ref)
        if kind is not None:
            return kind
        cls = resolver.klass(ref)
        if cls is not None and resolver.derives_from(cls, THREAD_CLASSES):
            return "Thread"
        return None

    # -- pumps --------------------------------------------------------------------------------
    def is_pump(self, site: CallSite) -> bool:
        """The call pumps messages (directly, or a project function that does)."""
        return self.pumps.pumps(self.place(site), site.key)

    def resolved(self, site: CallSite) -> bool:
        """The analysis knows what the call runs: an API, or project functions."""
        return site.key is not None or self.pumps.has_targets(self.place(site))

    def in_pumping_loop(self, site: CallSite) -> bool:
        place = self.place(site)
        pumping = self.pumps.pumping_loops(place.function)
        return bool(pumping) and any(loop in pumping for loop in place.loops)

    def in_pumped_context(self, site: CallSite) -> bool:
        """The call's function may be called from a loop that pumps (so a finite
        wait in it may be a pumped wait)."""
        return self.pumps.in_pumped_context(self.place(site).function)

    def pumped(self, site: CallSite) -> bool:
        """A finite wait here is a pumped wait: the loops of its function that hold
        it include one that pumps; or no loop of its function holds it and the
        function may be called from a loop that pumps.  The nearest loops decide: a
        retry loop that never pumps is not pumped by a loop around the call of its
        function, even when that loop pumps only through a later loop of the same
        function."""
        if self.place(site).loops:
            return self.in_pumping_loop(site)
        return self.in_pumped_context(site)

    # -- handle lists (MsgWaitForMultipleObjects) ---------------------------------------------
    def list_ident(self, node: cst.BaseExpression, scope: Scope) -> Optional[Tuple[object, ...]]:
        """An identity for a list named by a variable (``len(x)`` of the same list)."""
        resolver = self.resolver
        if isinstance(node, cst.Name):
            owner = resolver.binding_scope(node.value, scope)
            if owner is not None:
                return ("name", id(owner), node.value)
        elif isinstance(node, cst.Attribute):
            cls = resolver.self_class(node.value, scope)
            if cls is not None:
                return ("self", id(cls), node.attr.value)
        return None

    def list_length(self, node: cst.BaseExpression, scope: Scope) -> Optional[int]:
        """The length of a literal list/tuple, or of a name bound only to such literals."""
        length = literal_length(node)
        if length is not None or not isinstance(node, (cst.Name, cst.Attribute)):
            return length
        resolver = self.resolver
        values: List[Optional[cst.BaseExpression]] = []
        if isinstance(node, cst.Name):
            owner = resolver.binding_scope(node.value, scope)
            if owner is None or node.value in owner.volatile:
                return None
            for source in owner.bindings[node.value]:
                values.append(source.value if isinstance(source, AssignSource) else None)
            if self._mutated(node.value, owner, None):
                return None
        else:
            cls = resolver.self_class(node.value, scope)
            if cls is None:
                return None
            values = [v for v, _ in resolver.self_attr_sources(cls, node.attr.value)]
            if self._mutated(node.attr.value, None, cls):
                return None
        lengths = {literal_length(v) if v is not None else None for v in values}
        if len(lengths) == 1:
            return lengths.pop()
        return None

    def _mutated(self, name: str, owner: Optional[Scope], cls: object) -> bool:
        """``x.append(...)`` (or another mutator) on the list anywhere in the module."""
        resolver = self.resolver
        for site in self.model.calls:
            func = site.node.func
            if not isinstance(func, cst.Attribute) or func.attr.value not in _LIST_MUTATORS:
                continue
            base = func.value
            if owner is not None and isinstance(base, cst.Name) and base.value == name:
                if resolver.binding_scope(name, site.scope) is owner:
                    return True
            if cls is not None and isinstance(base, cst.Attribute) and base.attr.value == name:
                if resolver.self_class(base.value, site.scope) is cls:
                    return True
        return False


def literal_length(node: Optional[cst.BaseExpression]) -> Optional[int]:
    if isinstance(node, (cst.List, cst.Tuple)):
        if any(isinstance(el, cst.StarredElement) for el in node.elements):
            return None
        return len(node.elements)
    return None


def is_len(expr: cst.BaseExpression, resolver: Resolver, scope: Scope) -> bool:
    """``len(x)``."""
    return (
        isinstance(expr, cst.Call)
        and len(expr.args) == 1
        and expr.args[0].keyword is None
        and not expr.args[0].star
        and resolver.ref(expr.func, scope) == "builtins.len"
    )


def neutral_call(site: CallSite) -> bool:
    """A method call taken not to pump (logging, containers, strings)."""
    func = site.node.func
    return isinstance(func, cst.Attribute) and func.attr.value in NEUTRAL_METHODS


@dataclass(frozen=True)
class Place:
    """Where a call site is, in the project's terms."""

    function: GF
    index: int
    frames: Tuple[FrameFact, ...]
    #: ordinals of the loops whose body (or ``while`` test) holds the call
    loops: Tuple[int, ...]


class Pumps:
    """Message pumps across the project: the functions that pump (directly, or
    through calls of any module), the loops that pump, and the functions called
    from such a loop."""

    def __init__(self, link: Link) -> None:
        self.link = link
        graph = link.graph
        self._get_message: Set[GF] = set()
        direct: Set[GF] = set()
        for mid, module in link.modules.items():
            for fact in module.calls:
                if fact.key in GET_MESSAGE_KEYS:
                    self._get_message.add((mid, fact.scope))
        for mid, module in link.modules.items():
            for fact in module.calls:
                gf = (mid, fact.scope)
                if fact.key in PUMP_KEYS or (fact.key in DISPATCH_KEYS and gf in self._get_message):
                    direct.add(gf)
        #: functions that pump, directly or through calls
        self.pumping: Set[GF] = graph.backward(direct, _CALL_EDGES)
        self._loops: Dict[GF, Set[int]] = {}
        self._context: Optional[Set[GF]] = None

    def pumps(self, place: Place, key: Optional[str]) -> bool:
        if key in PUMP_KEYS:
            return True
        if key in DISPATCH_KEYS:
            return place.function in self._get_message
        return any(
            e.target in self.pumping
            for e in self.link.graph.edges_at(place.function[0], place.index)
            if e.kind == CALL
        )

    def has_targets(self, place: Place) -> bool:
        return bool(self.link.graph.edges_at(place.function[0], place.index))

    def pumping_loops(self, gf: GF) -> Set[int]:
        """The loops of a function that pump: they hold a pump, or a call of a
        method of ``self`` the project cannot see (it may be a pump)."""
        cached = self._loops.get(gf)
        if cached is None:
            cached = set()
            for fact in self.link.calls(gf):
                place = Place(gf, fact.index, fact.frames, fact.loops)
                if self.pumps(place, fact.key) or self._unseen_self_method(gf[0], fact):
                    cached.update(fact.loops)
            self._loops[gf] = cached
        return cached

    def _unseen_self_method(self, mid: str, fact: CallFact) -> bool:
        callee = fact.callee
        if callee is None or callee[0] != "meth" or not callee[3]:
            return False
        if str(callee[2]) in NEUTRAL_METHODS:
            return False
        return not self.link.graph.edges_at(mid, fact.index)

    def in_pumped_context(self, gf: GF) -> bool:
        """The function may be called from a loop that pumps: a call of it sits in a
        loop of its caller that pumps, or outside every loop of a caller that is
        itself in such a context.  A call inside a loop that does not pump does not
        carry the context (that loop is the nearest one around the callee's waits)."""
        if self._context is None:
            seeds: List[GF] = []
            for caller in self.link.functions():
                loops = self.pumping_loops(caller)
                if not loops:
                    continue
                for edge in self.link.graph.out(caller, _CALL_EDGES):
                    if any(loop in loops for loop in edge.fact.loops):
                        seeds.append(edge.target)
            self._context = self.link.graph.forward(
                seeds, _CALL_EDGES, through=lambda edge: not edge.fact.loops
            )
        return gf in self._context


__all__ = [
    "FINITE",
    "FOREVER",
    "Place",
    "Pumps",
    "UNKNOWN_WAIT",
    "Wait",
    "Waits",
    "ZERO_WAIT",
]
