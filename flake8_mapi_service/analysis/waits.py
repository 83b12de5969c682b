"""Blocking waits, message pumps and MsgWaitForMultipleObjects (RULES.md 1.5).

``Waits`` (``Analysis.waits``, lazy) answers three questions for the MPS4xx rules:

- **blocking waits**: the calls of 1.5 (Win32 waits and sleeps, ``time.sleep``,
  ``wait``/``join``/``get`` on a threading or queue object the module created,
  ``acquire`` on a semaphore, ``--mapi-extra-blocking-calls``) with their
  timeout classified as zero (not a wait), finite, infinite or unknown;
- **pumps**: ``PumpWaitingMessages``/``PumpMessages``, ``DispatchMessage`` in a
  function that also calls ``GetMessage``/``PeekMessage``,
  ``CoWaitForMultipleHandles``, and every module function that (transitively)
  calls one; whether a call sits in a loop that pumps;
- **MsgWaitForMultipleObjects(Ex)**: the handle count, the wake mask, the
  result's comparisons, and whether the message case (``WAIT_OBJECT_0 +
  nCount``) can reach a pump.  The message case is followed through the
  statements after the call with a small work list: ``if``/``elif``/``else``
  chains on the result, fall-through, ``continue`` and the next loop
  iteration (up to the wait itself), ``break``, ``return``.  Anything it cannot
  follow is *unknown*, and unknown is never a finding.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Dict, FrozenSet, List, Optional, Sequence, Set, Tuple, Union

import libcst as cst

from .bindings import agreed, canonical
from .flags import Bits
from .flow import NONE, as_bits
from .model import AssignSource, CallSite, FunctionScope, Scope, call_argument

if TYPE_CHECKING:
    from .context import Analysis

INFINITE = 0xFFFFFFFF
POSTED_MESSAGE_BITS = 0x8 | 0x100  # QS_POSTMESSAGE | QS_ALLPOSTMESSAGE
MAX_WAIT_OBJECTS = 64

ZERO_WAIT = "zero"
FINITE = "finite"
FOREVER = "infinite"
UNKNOWN_WAIT = "unknown"

#: Win32 waits: key -> index of the timeout in milliseconds
WIN32_WAITS: Dict[str, int] = {
    "win32event.WaitForSingleObject": 1,
    "win32event.WaitForSingleObjectEx": 1,
    "win32event.WaitForMultipleObjects": 2,
    "win32event.WaitForMultipleObjectsEx": 2,
    "win32api.Sleep": 0,
    "win32api.SleepEx": 0,
    "kernel32.WaitForSingleObject": 1,
    "kernel32.WaitForSingleObjectEx": 1,
    "kernel32.WaitForMultipleObjects": 3,
    "kernel32.WaitForMultipleObjectsEx": 3,
    "kernel32.Sleep": 0,
    "kernel32.SleepEx": 0,
}
SLEEP_SECONDS = "time.sleep"

#: constructors of the objects whose methods block -> kind
OBJECT_CONSTRUCTORS: Dict[str, str] = {
    "threading.Event": "Event",
    "threading.Condition": "Condition",
    "threading.Semaphore": "Semaphore",
    "threading.BoundedSemaphore": "Semaphore",
    "threading.Barrier": "Barrier",
    "threading.Thread": "Thread",
    "threading.Timer": "Thread",
    "queue.Queue": "Queue",
    "queue.LifoQueue": "Queue",
    "queue.PriorityQueue": "Queue",
    "queue.SimpleQueue": "Queue",
}
THREAD_BASES: FrozenSet[str] = frozenset({"threading.Thread"})


@dataclass(frozen=True)
class _Method:
    timeout_index: Optional[int]  # None: the method has no timeout (waits forever)
    timeout_keyword: str = "timeout"
    block_index: Optional[int] = None
    block_keyword: str = ""


#: (kind, method) -> how the method's timeout and blocking flag are passed
BLOCKING_METHODS: Dict[Tuple[str, str], _Method] = {
    ("Event", "wait"): _Method(0),
    ("Condition", "wait"): _Method(0),
    ("Condition", "wait_for"): _Method(1),
    ("Semaphore", "acquire"): _Method(1, "timeout", 0, "blocking"),
    ("Barrier", "wait"): _Method(0),
    ("Thread", "join"): _Method(0),
    ("Queue", "get"): _Method(1, "timeout", 0, "block"),
    ("Queue", "join"): _Method(None),
}
_METHOD_NAMES: FrozenSet[str] = frozenset(m for _, m in BLOCKING_METHODS)

PUMP_KEYS: FrozenSet[str] = frozenset(
    {
        "pythoncom.PumpWaitingMessages",
        "pythoncom.PumpMessages",
        "win32gui.PumpWaitingMessages",
        "win32gui.PumpMessages",
        "servicemanager.PumpWaitingMessages",
        "win32ui.PumpWaitingMessages",  # Pythonwin's own pump
        "win32ui.PumpMessages",
        # waits while pumping (RULES.md 1.5): a pumped wait, and it pumps
        "pythoncom.CoWaitForMultipleHandles",
    }
)
DISPATCH_KEYS: FrozenSet[str] = frozenset(
    {
        "win32gui.DispatchMessage",
        "user32.DispatchMessage",
        "user32.DispatchMessageA",
        "user32.DispatchMessageW",
    }
)
GET_MESSAGE_KEYS: FrozenSet[str] = frozenset(
    {
        "win32gui.GetMessage",
        "win32gui.PeekMessage",
        "user32.GetMessage",
        "user32.GetMessageA",
        "user32.GetMessageW",
        "user32.PeekMessage",
        "user32.PeekMessageA",
        "user32.PeekMessageW",
    }
)


@dataclass(frozen=True)
class _MsgWaitLayout:
    handles: int  # index of the handle list (pywin32) or array (ctypes)
    count: Optional[int]  # index of nCount (ctypes), None for pywin32
    mask: int  # index of the wake mask
    timeout: int  # index of the timeout in milliseconds


MSGWAIT_LAYOUTS: Dict[str, _MsgWaitLayout] = {
    "win32event.MsgWaitForMultipleObjects": _MsgWaitLayout(0, None, 3, 2),
    "win32event.MsgWaitForMultipleObjectsEx": _MsgWaitLayout(0, None, 2, 1),
    "user32.MsgWaitForMultipleObjects": _MsgWaitLayout(1, 0, 4, 3),
    "user32.MsgWaitForMultipleObjectsEx": _MsgWaitLayout(1, 0, 3, 2),
}
MSGWAIT_KEYS: FrozenSet[str] = frozenset(MSGWAIT_LAYOUTS)

#: calls that may be given the wait result without handling the message case
_NEUTRAL_CALLS: FrozenSet[str] = frozenset(
    {
        "builtins.print",
        "builtins.str",
        "builtins.repr",
        "builtins.int",
        "builtins.hex",
        "builtins.format",
        "builtins.isinstance",
        "servicemanager.LogMsg",
        "servicemanager.LogInfoMsg",
        "servicemanager.LogWarningMsg",
        "servicemanager.LogErrorMsg",
    }
)
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


def _literal_number(node: cst.BaseExpression) -> Number:
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

    def __init__(self, an: Analysis) -> None:
        self.an = an
        self._extra: FrozenSet[str] = frozenset(
            canonical(name) for name in an.settings.extra_blocking_calls
        )
        self._pumping_fns: Optional[Set[int]] = None
        self._loop_pumps: Dict[int, Set[int]] = {}
        self._pumped_context: Optional[Set[int]] = None
        self._kinds: Dict[Tuple[int, str], Optional[str]] = {}
        self._indexes: Dict[int, _Index] = {}
        self._get_message_scopes: Optional[Set[int]] = None

    # -- blocking waits ---------------------------------------------------------------
    def candidates(self) -> List[CallSite]:
        """Calls that may be blocking waits (cheap: keys and method names only)."""
        out: List[CallSite] = []
        extra = self._extra
        for site in self.an.model.calls:
            key = site.key
            if key is not None:
                if key in WIN32_WAITS or key == SLEEP_SECONDS or key in extra:
                    out.append(site)
            elif site.target is not None:
                if extra and site.target.qualname in extra:
                    out.append(site)
            else:
                func = site.node.func
                if isinstance(func, cst.Attribute) and func.attr.value in _METHOD_NAMES:
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
            return Wait(site, key, self._milliseconds(site, WIN32_WAITS[key]))
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
            block = call_argument(site.node, method.block_index, method.block_keyword)
            if block is not None:
                value = _literal_number(block)
                if isinstance(block, cst.Name) and block.value in ("False", "True"):
                    value = 1.0 if block.value == "True" else 0.0
                if value == 0.0:
                    return Wait(site, name, ZERO_WAIT)
                if value is _UNKNOWN:
                    return Wait(site, name, UNKNOWN_WAIT)
        if method.timeout_index is None:
            return Wait(site, name, FOREVER)
        return Wait(site, name, self._seconds(site, method.timeout_index, method.timeout_keyword))

    def _milliseconds(self, site: CallSite, index: int) -> str:
        expr = call_argument(site.node, index, "")
        if expr is None:
            return UNKNOWN_WAIT
        value = self.an.bits(site, expr)
        if not value.exact and isinstance(expr, cst.Attribute):
            number = self._self_number(expr, site.scope)
            if isinstance(number, float) and number == int(number):
                value = Bits.const(int(number))
        if value.exact:
            if value.val == 0:
                return ZERO_WAIT
            return FOREVER if value.val == INFINITE else FINITE
        return UNKNOWN_WAIT

    def _self_number(self, expr: cst.Attribute, scope: Scope) -> Number:
        """``self.timeout`` when every assignment of it in the class (or a base
        class of the module) is the same number or constant."""
        resolver = self.an.resolver
        cls = resolver.self_class(expr.value, scope)
        if cls is None:
            return _UNKNOWN
        sources = resolver.self_attr_sources(cls, expr.attr.value)
        found: Set[float] = set()
        for value, method in sources:
            if value is None:
                return _UNKNOWN
            literal = _literal_number(value)
            if literal is _UNKNOWN:
                bits = as_bits(self.an.flow.value_at(value, method, method.node))
                if not bits.exact:
                    return _UNKNOWN
                literal = float(bits.val)
            if not isinstance(literal, float):
                return _UNKNOWN
            found.add(literal)
        return found.pop() if len(found) == 1 else _UNKNOWN

    def _seconds(self, site: CallSite, index: int, keyword: str, sleep: bool = False) -> str:
        expr = call_argument(site.node, index, keyword)
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
        value = _literal_number(expr)
        if value is not _UNKNOWN:
            return value
        if isinstance(expr, cst.Name):
            owner = self.an.resolver.binding_scope(expr.value, site.scope)
            if owner is not None and expr.value not in owner.volatile:
                found: Set[Optional[float]] = set()
                for source in owner.bindings[expr.value]:
                    if not isinstance(source, AssignSource) or source.value is None:
                        found = set()
                        break
                    literal = _literal_number(source.value)
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
        v = self.an.value(site, expr)
        if v is NONE:
            return None
        bits = as_bits(v)
        if bits.exact:
            return float(bits.val)
        return _UNKNOWN

    def object_kind(self, node: cst.BaseExpression, scope: Scope) -> Optional[str]:
        """ "Event", "Queue", ... when ``node`` is an object the module created."""
        bound = self.an.resolver.bound(node, scope)
        if bound is None:
            return None
        if bound.key not in self._kinds:
            self._kinds[bound.key] = agreed(bound.values, self._constructed_kind)
        return self._kinds[bound.key]

    def _constructed_kind(self, value: Optional[cst.BaseExpression], scope: Scope) -> Optional[str]:
        if not isinstance(value, cst.Call):
            return None
        resolver = self.an.resolver
        ref = resolver.ref(value.func, scope)
        if ref is None:
            return None
        kind = OBJECT_CONSTRUCTORS.get(ref)
        if kind is not None:
            return kind
        cls = resolver.klass(ref)
        if cls is not None and resolver.derives_from(cls, THREAD_BASES):
            return "Thread"
        return None

    # -- pumps --------------------------------------------------------------------------------
    def is_pump(self, site: CallSite) -> bool:
        """The call pumps messages (directly, or a module function that does)."""
        key = site.key
        if key in PUMP_KEYS:
            return True
        if key in DISPATCH_KEYS:
            return id(site.scope) in self._get_message_scope_ids()
        target = site.target
        return target is not None and id(target) in self.pumping_functions()

    def _get_message_scope_ids(self) -> Set[int]:
        if self._get_message_scopes is None:
            self._get_message_scopes = {
                id(s.scope) for key in GET_MESSAGE_KEYS for s in self.an.sites(key)
            }
        return self._get_message_scopes

    def pumping_functions(self) -> Set[int]:
        """Ids of the module functions that pump, directly or through calls."""
        if self._pumping_fns is None:
            an = self.an
            callers: Dict[int, List[int]] = {}
            for site in an.model.calls:
                if site.target is not None:
                    callers.setdefault(id(site.target), []).append(id(site.scope))
            seen: Set[int] = set()
            for key in PUMP_KEYS | DISPATCH_KEYS:
                for site in an.sites(key):
                    if key in PUMP_KEYS or id(site.scope) in self._get_message_scope_ids():
                        seen.add(id(site.scope))
            todo = list(seen)
            while todo:
                current = todo.pop()
                for caller in callers.get(current, ()):
                    if caller not in seen:
                        seen.add(caller)
                        todo.append(caller)
            self._pumping_fns = seen
        return self._pumping_fns

    def _loops_of(self, site: CallSite) -> List[int]:
        """Ids of the loops whose body (or ``while`` test) holds the call."""
        path = self.an.structure.path(site.scope, site.stmt)
        loops = [id(node) for kind, node, part in path if kind == "loop" and part == "body"]
        if isinstance(site.stmt, cst.While):
            loops.append(id(site.stmt))
        return loops

    def pumping_loops(self, scope: Scope) -> Set[int]:
        cached = self._loop_pumps.get(id(scope))
        if cached is None:
            cached = set()
            for site in scope.calls:
                if self.is_pump(site) or self._unseen_self_method(site):
                    cached.update(self._loops_of(site))
            self._loop_pumps[id(scope)] = cached
        return cached

    def _unseen_self_method(self, site: CallSite) -> bool:
        """``self.m()`` where ``m`` comes from a base class of another module: it may
        be a pump (a loop that calls it is taken as possibly pumping)."""
        if site.key is not None or site.target is not None or _neutral_call(site):
            return False
        func = site.node.func
        if not isinstance(func, cst.Attribute):
            return False
        return self.an.resolver.self_class(func.value, site.scope) is not None

    def in_pumping_loop(self, site: CallSite) -> bool:
        pumping = self.pumping_loops(site.scope)
        return bool(pumping) and any(loop in pumping for loop in self._loops_of(site))

    def in_pumped_context(self, scope: Scope) -> bool:
        """The function may be called from a loop that pumps (so a finite wait in
        it may be a pumped wait)."""
        if self._pumped_context is None:
            edges: Dict[int, List[FunctionScope]] = {}
            seeds: List[FunctionScope] = []
            for site in self.an.model.calls:
                if site.target is None:
                    continue
                edges.setdefault(id(site.scope), []).append(site.target)
                if self.in_pumping_loop(site):
                    seeds.append(site.target)
            seen: Set[int] = set()
            todo = [fn for fn in seeds]
            while todo:
                fn = todo.pop()
                if id(fn) in seen:
                    continue
                seen.add(id(fn))
                todo.extend(edges.get(id(fn), ()))
            self._pumped_context = seen
        return id(scope) in self._pumped_context

    # -- MsgWaitForMultipleObjects ------------------------------------------------------------
    def msgwait(self, site: CallSite) -> MsgWait:
        layout = MSGWAIT_LAYOUTS[site.key or ""]
        info = MsgWait(site)
        info.mask = self._arg_bits(site, layout.mask)
        info.timeout = self._milliseconds(site, layout.timeout)
        count, ident = self._handle_count(site, layout)
        info.handles, info.ident = count, ident
        # a discarded result is a message case that falls through: the code after
        # the wait (or the next turn of the loop) may still pump
        info.discarded = site.discarded
        _MessageCase(self, site, info).run()
        return info

    def _arg_bits(self, site: CallSite, index: int) -> Optional[Bits]:
        expr = call_argument(site.node, index, "")
        if expr is None:
            return None
        return self.an.bits(site, expr)

    def _handle_count(
        self, site: CallSite, layout: _MsgWaitLayout
    ) -> Tuple[Optional[int], Optional[Tuple[object, ...]]]:
        handles = call_argument(site.node, layout.handles, "")
        ident = self.list_ident(handles, site.scope) if handles is not None else None
        if layout.count is not None:
            expr = call_argument(site.node, layout.count, "")
            if expr is None:
                return None, ident
            if _is_len(expr, self, site.scope):
                inner = expr.args[0].value  # type: ignore[attr-defined]
                inner_ident = self.list_ident(inner, site.scope)
                return self.list_length(inner, site.scope), inner_ident
            bits = self.an.bits(site, expr)
            return (bits.val if bits.exact else None), ident
        if handles is None:
            return None, None
        return self.list_length(handles, site.scope), ident

    def list_ident(self, node: cst.BaseExpression, scope: Scope) -> Optional[Tuple[object, ...]]:
        """An identity for a list named by a variable (``len(x)`` of the same list)."""
        resolver = self.an.resolver
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
        length = _literal_length(node)
        if length is not None or not isinstance(node, (cst.Name, cst.Attribute)):
            return length
        resolver = self.an.resolver
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
        lengths = {_literal_length(v) if v is not None else None for v in values}
        if len(lengths) == 1:
            return lengths.pop()
        return None

    def _mutated(self, name: str, owner: Optional[Scope], cls: object) -> bool:
        """``x.append(...)`` (or another mutator) on the list anywhere in the module."""
        resolver = self.an.resolver
        for site in self.an.model.calls:
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

    def index(self, scope: Scope) -> _Index:
        cached = self._indexes.get(id(scope))
        if cached is None:
            cached = _Index(self.an, scope)
            self._indexes[id(scope)] = cached
        return cached


def _literal_length(node: Optional[cst.BaseExpression]) -> Optional[int]:
    if isinstance(node, (cst.List, cst.Tuple)):
        if any(isinstance(el, cst.StarredElement) for el in node.elements):
            return None
        return len(node.elements)
    return None


def _is_len(expr: cst.BaseExpression, waits: Waits, scope: Scope) -> bool:
    return (
        isinstance(expr, cst.Call)
        and len(expr.args) == 1
        and expr.args[0].keyword is None
        and not expr.args[0].star
        and waits.an.resolver.ref(expr.func, scope) == "builtins.len"
    )


# -- the message case -------------------------------------------------------------------------


@dataclass(eq=False)
class MsgWait:
    site: CallSite
    discarded: bool = False
    mask: Optional[Bits] = None
    #: the timeout, classified like a blocking wait's (ZERO_WAIT: a poll)
    timeout: str = UNKNOWN_WAIT
    #: the number of handles, when known
    handles: Optional[int] = None
    #: identity of the handle list variable (for ``len(x)`` of the same list)
    ident: Optional[Tuple[object, ...]] = None
    #: True: the message case may reach a pump; False: it reaches none; None: unknown
    reaches_pump: Optional[bool] = None
    #: comparisons in branches that pump, against WAIT_OBJECT_0 + k with the wrong k:
    #: (k as text, k - nCount when known: >0 above the message case, <0 a handle)
    wrong: List[Tuple[str, int]] = field(default_factory=list)

    @property
    def message_case(self) -> str:
        if self.handles is not None:
            return f"WAIT_OBJECT_0 + {self.handles}"
        if self.ident is not None:
            prefix = "self." if self.ident[0] == "self" else ""
            return f"WAIT_OBJECT_0 + len({prefix}{self.ident[2]})"
        return "WAIT_OBJECT_0 + nCount"


#: an affine value: (symbol or None, offset); symbol is a handle-list identity
Affine = Tuple[Optional[Tuple[object, ...]], int]

MATCH, NOMATCH, MAYBE = "match", "nomatch", "maybe"
BlockKey = Tuple[int, str]


class _Index:
    """The blocks of one function: where each statement sits, for the walk."""

    def __init__(self, an: Analysis, scope: Scope) -> None:
        self.blocks: Dict[BlockKey, Tuple[Sequence[cst.CSTNode], Optional[cst.CSTNode]]] = {}
        #: statement unit id -> (block key, position)
        self.where: Dict[int, Tuple[BlockKey, int]] = {}
        #: small statement id -> its unit (line or one-line suite)
        self.unit: Dict[int, cst.CSTNode] = {}
        #: unit id -> the compound statements around it (innermost last)
        self.parents: Dict[int, Tuple[cst.CSTNode, ...]] = {}
        #: unit id -> the blocks around it (outermost first, its own block last)
        self.chain: Dict[int, Tuple[BlockKey, ...]] = {}
        #: statement id -> calls whose ``stmt`` it is
        self.sites_by_stmt: Dict[int, List[CallSite]] = {}
        body: Sequence[cst.CSTNode]
        if isinstance(scope, FunctionScope):
            node = scope.node
            if isinstance(node, cst.FunctionDef) and isinstance(node.body, cst.IndentedBlock):
                body = node.body.body
            elif isinstance(node, cst.FunctionDef):
                body = [node.body]
            else:
                body = []
        elif isinstance(scope.node, cst.Module):
            body = scope.node.body
        else:
            body = []
        for site in scope.calls:
            self.sites_by_stmt.setdefault(id(site.stmt), []).append(site)
        todo: List[
            Tuple[
                BlockKey,
                Sequence[cst.CSTNode],
                Optional[cst.CSTNode],
                Tuple[cst.CSTNode, ...],
                Tuple[BlockKey, ...],
            ]
        ] = [((0, "top"), body, None, (), ())]
        while todo:
            key, seq, owner, parents, outer = todo.pop()
            self.blocks[key] = (seq, owner)
            chain = outer + (key,)
            for pos, stmt in enumerate(seq):
                self.where[id(stmt)] = (key, pos)
                self.parents[id(stmt)] = parents
                self.chain[id(stmt)] = chain
                smalls = _smalls(stmt)
                if smalls is not None:
                    for small in smalls:
                        self.unit[id(small)] = stmt
                    continue
                if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
                    continue
                inner = parents + (stmt,)
                for part, block in _blocks(stmt):
                    todo.append(((id(stmt), part), block, stmt, inner, chain))

    def unit_of(self, stmt: cst.CSTNode) -> cst.CSTNode:
        return self.unit.get(id(stmt), stmt)

    def sites_in_unit(self, unit: cst.CSTNode) -> List[CallSite]:
        """Calls of a simple unit (its small statements), or of a compound header."""
        smalls = _smalls(unit)
        if smalls is None:
            return list(self.sites_by_stmt.get(id(unit), ()))
        out: List[CallSite] = []
        for small in smalls:
            out.extend(self.sites_by_stmt.get(id(small), ()))
        return out


def _smalls(stmt: cst.CSTNode) -> Optional[Sequence[cst.BaseSmallStatement]]:
    if isinstance(stmt, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
        return stmt.body
    return None


def _suite(suite: cst.BaseSuite) -> Sequence[cst.CSTNode]:
    if isinstance(suite, cst.IndentedBlock):
        return suite.body
    return [suite]  # a one-line suite is one unit


def _blocks(stmt: cst.CSTNode) -> List[Tuple[str, Sequence[cst.CSTNode]]]:
    out: List[Tuple[str, Sequence[cst.CSTNode]]] = []
    if isinstance(stmt, cst.If):
        out.append(("body", _suite(stmt.body)))
        if isinstance(stmt.orelse, cst.If):
            out.append(("else", [stmt.orelse]))
        elif stmt.orelse is not None:
            out.append(("else", _suite(stmt.orelse.body)))
    elif isinstance(stmt, (cst.For, cst.While)):
        out.append(("body", _suite(stmt.body)))
        if stmt.orelse is not None:
            out.append(("else", _suite(stmt.orelse.body)))
    elif isinstance(stmt, (cst.Try, cst.TryStar)):
        out.append(("body", _suite(stmt.body)))
        for i, handler in enumerate(stmt.handlers):
            out.append((f"handler{i}", _suite(handler.body)))  # type: ignore[attr-defined]
        if stmt.orelse is not None:
            out.append(("else", _suite(stmt.orelse.body)))
        if stmt.finalbody is not None:
            out.append(("finally", _suite(stmt.finalbody.body)))
    elif isinstance(stmt, cst.With):
        out.append(("body", _suite(stmt.body)))
    elif isinstance(stmt, cst.Match):
        for i, case in enumerate(stmt.cases):
            out.append((f"case{i}", _suite(case.body)))
    return out


def _mentions(node: cst.CSTNode, name: Optional[str], call: Optional[cst.Call]) -> bool:
    todo: List[cst.CSTNode] = [node]
    while todo:
        current = todo.pop()
        if call is not None and current is call:
            return True
        if name is not None and isinstance(current, cst.Name) and current.value == name:
            return True
        if isinstance(current, (cst.FunctionDef, cst.ClassDef, cst.Lambda)) and current is not node:
            continue
        todo.extend(current.children)
    return False


class _MessageCase:
    """Follows the message case from a MsgWaitForMultipleObjects call."""

    _STEPS = 20_000

    def __init__(self, waits: Waits, site: CallSite, info: MsgWait) -> None:
        self.waits = waits
        self.an = waits.an
        self.site = site
        self.info = info
        self.index = waits.index(site.scope)
        self.name: Optional[str] = site.assigned_to
        self.call: Optional[cst.Call] = None
        self.found = False
        self.unknown = False
        self.seen: Set[Tuple[BlockKey, int]] = set()
        self._pumping_blocks: Optional[Set[BlockKey]] = None
        self.todo: List[Tuple[BlockKey, int]] = []
        start = self.index.unit_of(site.stmt)
        self.start = start
        self.ancestors: Set[int] = {id(p) for p in self.index.parents.get(id(start), ())}
        self.ancestors.add(id(start))
        # the message value: exact when the count is known, else len(<list>)
        if info.handles is not None:
            self.message: Optional[Affine] = (None, info.handles)
        elif info.ident is not None:
            self.message = (info.ident, 0)
        else:
            self.message = None

    # -- driver ------------------------------------------------------------------------------
    def run(self) -> None:
        info = self.info
        start = self.start
        where = self.index.where.get(id(start))
        if where is None:
            info.reaches_pump = None
            return
        key, pos = where
        if (self.name is not None or info.discarded) and _smalls(start) is not None:
            # rc = MsgWaitForMultipleObjects(...): the rest of the line, then onwards
            for other in self.index.sites_in_unit(start):
                if other.index > self.site.index and self.waits.is_pump(other):
                    info.reaches_pump = True
                    return
            self.todo.append((key, pos + 1))
        elif isinstance(start, cst.If) and self._compared_in_test(start):
            self.call = self.site.node
            self._if_chain(start, key, pos)
        else:
            info.reaches_pump = None  # the result goes somewhere the walk does not follow
            return
        steps = 0
        while self.todo and not self.found:
            steps += 1
            if steps > self._STEPS:
                self.unknown = True
                break
            block, position = self.todo.pop()
            if (block, position) in self.seen:
                continue
            self.seen.add((block, position))
            self._scan(block, position)
        if self.found:
            info.reaches_pump = True
        elif self.unknown:
            info.reaches_pump = None
        else:
            info.reaches_pump = False

    def _compared_in_test(self, stmt: cst.If) -> bool:
        test = stmt.test
        node = self.site.node
        if test is node:
            return True
        if isinstance(test, cst.Comparison) and (
            test.left is node or any(c.comparator is node for c in test.comparisons)
        ):
            return True
        return False

    # -- statements ------------------------------------------------------------------------------
    def _scan(self, block: BlockKey, position: int) -> None:
        seq, _owner = self.index.blocks[block]
        if position >= len(seq):
            self._end_of_block(block)
            return
        stmt = seq[position]
        if id(stmt) in self.ancestors:
            # the next iteration reaches the wait again: only what precedes it runs
            for site in self._sites_within(stmt):
                if site.index < self.site.index and self._pumps(site):
                    return
            return
        smalls = _smalls(stmt)
        if smalls is not None:
            self._simple(stmt, smalls, block, position)
            return
        if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            self.todo.append((block, position + 1))
            return
        for site in self.index.sites_by_stmt.get(id(stmt), ()):
            if site is not self.site and self._pumps(site):
                return
        if isinstance(stmt, cst.If):
            self._if_chain(stmt, block, position)
            return
        if self._header_mentions(stmt):
            self.unknown = True
            return
        if isinstance(stmt, (cst.For, cst.While)):
            self.todo.append(((id(stmt), "body"), 0))
            self.todo.append(self._after_loop(stmt, block, position))
            return
        if isinstance(stmt, (cst.Try, cst.TryStar, cst.With)):
            self.todo.append(((id(stmt), "body"), 0))
            return
        if isinstance(stmt, cst.Match):
            for part, _ in _blocks(stmt):
                self.todo.append(((id(stmt), part), 0))
            self.todo.append((block, position + 1))
            return
        self.todo.append((block, position + 1))

    def _simple(
        self,
        stmt: cst.CSTNode,
        smalls: Sequence[cst.BaseSmallStatement],
        block: BlockKey,
        position: int,
    ) -> None:
        for small in smalls:
            for site in self.index.sites_by_stmt.get(id(small), ()):
                if self._pumps(site):
                    return
            if self._small_mentions(small):
                return
            if isinstance(small, (cst.Return, cst.Raise)):
                return  # the path ends without a pump
            if isinstance(small, cst.Break):
                loop = self._loop_of(block)
                if loop is not None:
                    self.todo.append(self._exit_of(loop))
                return
            if isinstance(small, cst.Continue):
                loop = self._loop_of(block)
                if loop is not None:
                    self._next_iteration(loop)
                return
        self.todo.append((block, position + 1))

    def _small_mentions(self, small: cst.BaseSmallStatement) -> bool:
        """True (and the walk gives up) when a statement rebinds the result or
        hands it to a call that might handle the message case."""
        name = self.name
        if name is None:
            return False
        if isinstance(small, cst.Return) and small.value is not None:
            if _mentions(small.value, name, None):
                self.unknown = True  # the caller gets the result
                return True
        if isinstance(small, cst.Expr) and _mentions(small.value, name, None):
            if isinstance(small.value, (cst.Yield, cst.Await)):
                self.unknown = True
                return True
        if isinstance(small, (cst.Assign, cst.AugAssign, cst.AnnAssign)):
            targets: List[cst.BaseExpression] = []
            if isinstance(small, cst.Assign):
                targets = [t.target for t in small.targets]
            else:
                targets = [small.target]
            if any(_mentions(t, name, None) for t in targets):
                self.unknown = True
                return True
        for site in self.index.sites_by_stmt.get(id(small), ()):
            if self._passes_result(site):
                self.unknown = True
                return True
        return False

    def _passes_result(self, site: CallSite) -> bool:
        """A call (other than a logging one) is given the wait result."""
        if site.key in _NEUTRAL_CALLS:
            return False
        name = self.name
        if name is None:
            return any(_mentions(a.value, None, self.site.node) for a in site.node.args)
        return any(_mentions(a.value, name, None) for a in site.node.args)

    def _header_mentions(self, stmt: cst.CSTNode) -> bool:
        name = self.name
        if name is None:
            return False
        headers: List[cst.CSTNode] = []
        if isinstance(stmt, cst.While):
            headers = [stmt.test]
        elif isinstance(stmt, cst.For):
            headers = [stmt.iter, stmt.target]
        elif isinstance(stmt, cst.With):
            headers = [item for item in stmt.items]
        elif isinstance(stmt, cst.Match):
            headers = [stmt.subject]
        return any(_mentions(h, name, None) for h in headers)

    def _sites_within(self, stmt: cst.CSTNode) -> List[CallSite]:
        out: List[CallSite] = []
        for site in self.site.scope.calls:
            unit = self.index.unit_of(site.stmt)
            if unit is stmt or any(p is stmt for p in self.index.parents.get(id(unit), ())):
                out.append(site)
        return out

    # -- control flow ------------------------------------------------------------------------------
    def _end_of_block(self, block: BlockKey) -> None:
        _seq, owner = self.index.blocks[block]
        if owner is None:
            return  # the end of the function: no pump on this path
        where = self.index.where.get(id(owner))
        if where is None:
            return
        okey, opos = where
        part = block[1]
        if isinstance(owner, (cst.For, cst.While)) and part == "body":
            self._next_iteration(owner)
            return
        if isinstance(owner, (cst.Try, cst.TryStar)) and part != "finally":
            if part == "body" and owner.orelse is not None:
                self.todo.append(((id(owner), "else"), 0))
                return
            if owner.finalbody is not None:
                self.todo.append(((id(owner), "finally"), 0))
                return
        self.todo.append((okey, opos + 1))

    def _loop_of(self, block: BlockKey) -> Optional[cst.CSTNode]:
        """The innermost loop whose body holds the block."""
        current = block
        for _ in range(10_000):
            _seq, owner = self.index.blocks[current]
            if owner is None:
                return None
            if isinstance(owner, (cst.For, cst.While)) and current[1] == "body":
                return owner
            where = self.index.where.get(id(owner))
            if where is None:
                return None
            current = where[0]
        return None

    def _exit_of(self, loop: cst.CSTNode) -> Tuple[BlockKey, int]:
        okey, opos = self.index.where[id(loop)]
        return okey, opos + 1

    def _after_loop(
        self, loop: cst.CSTNode, block: BlockKey, position: int
    ) -> Tuple[BlockKey, int]:
        if isinstance(loop, (cst.For, cst.While)) and loop.orelse is not None:
            return (id(loop), "else"), 0
        return block, position + 1

    def _next_iteration(self, loop: cst.CSTNode) -> None:
        for site in self.index.sites_by_stmt.get(id(loop), ()):
            if isinstance(loop, cst.While) and self._pumps(site):
                return
        self.todo.append(((id(loop), "body"), 0))
        if isinstance(loop, cst.While) and _always_true(loop.test):
            return
        okey, opos = self.index.where[id(loop)]
        self.todo.append(self._after_loop(loop, okey, opos))

    # -- if/elif/else on the result -------------------------------------------------------------------
    def _if_chain(self, stmt: cst.If, block: BlockKey, position: int) -> None:
        current: cst.If = stmt
        for _ in range(100_000):
            for site in self.index.sites_by_stmt.get(id(current), ()):
                if site is self.site:
                    continue
                if self._pumps(site):
                    return
                if self._passes_result(site):
                    self.unknown = True
                    return
            result = self.classify(current.test)
            if result != MAYBE:
                self._check_wrong(current)
            if result in (MATCH, MAYBE):
                self.todo.append(((id(current), "body"), 0))
                if result == MATCH:
                    return
            orelse = current.orelse
            if isinstance(orelse, cst.If):
                current = orelse
                continue
            if orelse is not None:
                self.todo.append(((id(current), "else"), 0))
            else:
                self.todo.append((block, position + 1))
            return

    def _pumps(self, site: CallSite) -> bool:
        """A call on the message case's path: a pump ends the walk (True); a call
        the analysis cannot see may pump (a method inherited from another module),
        so the answer becomes unknown unless a pump is found."""
        if self.waits.is_pump(site):
            self.found = True
            return True
        if site.key is None and site.target is None and not _neutral_call(site):
            self.unknown = True
        return False

    def _check_wrong(self, stmt: cst.If) -> None:
        """MPS403: the branch pumps, and compares the result with WAIT_OBJECT_0 + k
        where k is not nCount."""
        if not self._block_pumps(stmt):
            return
        values = self._equalities(stmt.test)
        if not values:
            return
        wrong: List[Tuple[str, int]] = []
        for value, text in values:
            delta = self._delta(value)
            if delta is None or delta == 0:
                return  # one of them is (or may be) the message case
            wrong.append((text, delta))
        self.info.wrong.extend(wrong)

    def _delta(self, value: Optional[Affine]) -> Optional[int]:
        message = self.message
        if value is None or message is None:
            return None
        if value[0] is None and message[0] is None:
            k = value[1]
            if not 0 <= k <= MAX_WAIT_OBJECTS:
                return None
            return k - message[1]
        if value[0] is not None and value[0] == message[0]:
            return value[1] - message[1]
        return None

    def _block_pumps(self, stmt: cst.If) -> bool:
        if self._pumping_blocks is None:
            blocks: Set[BlockKey] = set()
            for site in self.site.scope.calls:
                if self.waits.is_pump(site):
                    blocks.update(self.index.chain.get(id(self.index.unit_of(site.stmt)), ()))
            self._pumping_blocks = blocks
        return (id(stmt), "body") in self._pumping_blocks

    def _equalities(self, test: cst.BaseExpression) -> List[Tuple[Optional[Affine], str]]:
        """Values the result is compared equal with (``==`` and ``in``) in a test."""
        out: List[Tuple[Optional[Affine], str]] = []
        todo: List[cst.BaseExpression] = [test]
        while todo:
            node = todo.pop()
            if isinstance(node, cst.BooleanOperation):
                todo.extend([node.left, node.right])
            elif isinstance(node, cst.Comparison) and len(node.comparisons) == 1:
                comp = node.comparisons[0]
                left, right = node.left, comp.comparator
                if isinstance(comp.operator, cst.Equal):
                    if self._is_result(left):
                        out.append((self.affine(right), _code(right)))
                    elif self._is_result(right):
                        out.append((self.affine(left), _code(left)))
                elif isinstance(comp.operator, cst.In) and self._is_result(left):
                    if isinstance(right, (cst.Tuple, cst.List, cst.Set)):
                        for el in right.elements:
                            out.append((self.affine(el.value), _code(el.value)))
        return out

    def _is_result(self, node: cst.BaseExpression) -> bool:
        if self.call is not None:
            return node is self.call
        return isinstance(node, cst.Name) and node.value == self.name

    def classify(self, test: cst.BaseExpression, depth: int = 0) -> str:
        """Is the test true for the message case?"""
        if depth > 100:
            return MAYBE
        if self._is_result(test):
            return _truth(self._compare(cst.NotEqual(), (None, 0)))
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            inner = self.classify(test.expression, depth + 1)
            return {MATCH: NOMATCH, NOMATCH: MATCH}.get(inner, MAYBE)
        if isinstance(test, cst.BooleanOperation):
            left = self.classify(test.left, depth + 1)
            right = self.classify(test.right, depth + 1)
            if isinstance(test.operator, cst.And):
                if NOMATCH in (left, right):
                    return NOMATCH
                return MATCH if left == right == MATCH else MAYBE
            if MATCH in (left, right):
                return MATCH
            return NOMATCH if left == right == NOMATCH else MAYBE
        if isinstance(test, cst.Comparison):
            results: List[str] = []
            lhs: cst.BaseExpression = test.left
            for comp in test.comparisons:
                results.append(self._pair(lhs, comp.operator, comp.comparator))
                lhs = comp.comparator
            if NOMATCH in results:
                return NOMATCH
            return MATCH if all(r == MATCH for r in results) else MAYBE
        return MAYBE

    def _pair(self, left: cst.BaseExpression, op: cst.BaseCompOp, right: cst.BaseExpression) -> str:
        if self._is_result(left):
            other = right
        elif self._is_result(right):
            other = left
            op = _flip(op)
        else:
            return MAYBE
        if isinstance(op, (cst.In, cst.NotIn)):
            if not isinstance(other, (cst.Tuple, cst.List, cst.Set)) or other is left:
                return MAYBE
            found = [self._compare(cst.Equal(), self.affine(el.value)) for el in other.elements]
            if True in found:
                result = MATCH
            elif all(f is False for f in found):
                result = NOMATCH
            else:
                result = MAYBE
            if isinstance(op, cst.NotIn):
                return {MATCH: NOMATCH, NOMATCH: MATCH}.get(result, MAYBE)
            return result
        return _truth(self._compare(op, self.affine(other)))

    def _compare(self, op: cst.BaseCompOp, value: Optional[Affine]) -> Optional[bool]:
        """``message <op> value``, or None when it cannot be told."""
        message = self.message
        if value is None or message is None:
            return None
        if value[0] != message[0]:
            return None
        a, b = message[1], value[1]
        if isinstance(op, cst.Equal):
            return a == b
        if isinstance(op, cst.NotEqual):
            return a != b
        if isinstance(op, cst.LessThan):
            return a < b
        if isinstance(op, cst.LessThanEqual):
            return a <= b
        if isinstance(op, cst.GreaterThan):
            return a > b
        if isinstance(op, cst.GreaterThanEqual):
            return a >= b
        return None

    def affine(self, node: cst.BaseExpression, depth: int = 0) -> Optional[Affine]:
        """The value of a compared expression: exact, or ``len(<handle list>) + c``."""
        if depth > 50:
            return None
        if isinstance(node, cst.BinaryOperation) and isinstance(
            node.operator, (cst.Add, cst.Subtract)
        ):
            left = self.affine(node.left, depth + 1)
            right = self.affine(node.right, depth + 1)
            if left is None or right is None:
                return None
            if isinstance(node.operator, cst.Add):
                if left[0] is not None and right[0] is not None:
                    return None
                return (left[0] or right[0], left[1] + right[1])
            if right[0] is not None:
                return None
            return (left[0], left[1] - right[1])
        if _is_len(node, self.waits, self.site.scope):
            inner = node.args[0].value  # type: ignore[attr-defined]
            length = self.waits.list_length(inner, self.site.scope)
            if length is not None:
                return (None, length)
            ident = self.waits.list_ident(inner, self.site.scope)
            if ident is not None and ident == self.info.ident:
                if self.info.handles is not None:
                    return (None, self.info.handles)
                return (ident, 0)
            return None
        bits = self.an.bits(self.site, node)
        if bits.exact:
            v = bits.val
            return (None, v - (1 << 32) if v >= 1 << 31 else v)
        return None


#: methods of objects the analysis cannot see that are taken not to pump
_NEUTRAL_METHODS: FrozenSet[str] = frozenset(
    {
        "debug",
        "info",
        "warning",
        "warn",
        "error",
        "exception",
        "critical",
        "log",
        "write",
        "flush",
        "append",
        "extend",
        "add",
        "pop",
        "remove",
        "discard",
        "update",
        "clear",
        "set",
        "is_set",
        "put",
        "put_nowait",
        "get_nowait",
        "format",
        "join",
        "split",
        "strip",
        "encode",
        "decode",
        "startswith",
        "endswith",
        "keys",
        "values",
        "items",
        "copy",
        "ReportServiceStatus",
    }
)


def _neutral_call(site: CallSite) -> bool:
    func = site.node.func
    return isinstance(func, cst.Attribute) and func.attr.value in _NEUTRAL_METHODS


def _truth(value: Optional[bool]) -> str:
    if value is True:
        return MATCH
    if value is False:
        return NOMATCH
    return MAYBE


def _flip(op: cst.BaseCompOp) -> cst.BaseCompOp:
    if isinstance(op, cst.LessThan):
        return cst.GreaterThan()
    if isinstance(op, cst.GreaterThan):
        return cst.LessThan()
    if isinstance(op, cst.LessThanEqual):
        return cst.GreaterThanEqual()
    if isinstance(op, cst.GreaterThanEqual):
        return cst.LessThanEqual()
    if isinstance(op, (cst.In, cst.NotIn)):
        return cst.Is()  # "x in rc" is not understood
    return op


def _always_true(test: cst.BaseExpression) -> bool:
    if isinstance(test, cst.Name) and test.value == "True":
        return True
    if isinstance(test, cst.Integer):
        try:
            return int(test.value.replace("_", ""), 0) != 0
        except ValueError:
            return False
    return False


def _code(node: cst.CSTNode) -> str:
    text = cst.Module([]).code_for_node(node)
    return " ".join(text.split())[:60]


__all__ = [
    "Waits",
    "Wait",
    "MsgWait",
    "MSGWAIT_KEYS",
    "WIN32_WAITS",
    "PUMP_KEYS",
    "ZERO_WAIT",
    "FINITE",
    "FOREVER",
    "UNKNOWN_WAIT",
]
