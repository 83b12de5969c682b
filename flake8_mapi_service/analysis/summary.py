"""A module's summary: what its own analysis knows that the project needs.

The summary is a function of the module's text alone (and of the plugin's
version), so it can be cached by content: names from other modules and the
module's own parameters stay symbolic (``flow.ExtV``, ``flow.ParamV``), and so
do objects another module returns or a caller passes (symbolic origins).  The
project (``link.py``) resolves them across modules.

It holds:

- ``names``: what each module-level name is: a function, a class, an import
  (a reference as written), a value (possibly symbolic), a string;
- ``functions`` and ``classes`` (with bases and methods), by module-unique id;
- ``calls``: the calls the project needs, each with its position, its scope,
  its API key (initialization, pumps, service entry points...) or its callee
  (a function of this module or a reference another module may define), the
  blocks that hold it (for "after MAPIInitialize" and "in a loop"), and the
  symbolic values and origins of its arguments;
- the names the module uses as values (a function so named may be called from
  anywhere) and how often it calls each method name (``obj.m()``).

The module-level code is the pseudo-function ``""``; the body of ``if __name__
== "__main__":`` is ``"<main>"`` (it does not run when the module is imported).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Callable, Dict, List, Optional, Sequence, Set, Tuple

import libcst as cst

from .apis import (
    COM_INIT,
    DISPATCH_KEYS,
    EXECUTORS,
    EXTERNAL_MODULES,
    GET_MESSAGE_KEYS,
    MAPI_INITIALIZE,
    MAPI_LOGON_EX,
    MAPI_UNINITIALIZE,
    MSGWAIT_KEYS,
    OLE_INIT,
    PARTIAL,
    PUMP_KEYS,
    SERVICE_ENTRY_CALLS,
    SLEEP_SECONDS,
    THREAD_STARTERS,
    WIN32_WAITS,
)
from .bindings import Resolver, agreed, api_key
from .flags import ZERO, Bits
from .flow import (
    NONE,
    SYMBOLIC,
    TOP,
    ExtV,
    Flow,
    OpV,
    ParamV,
    RefV,
    StructV,
    TupleV,
    Value,
)
from .model import (
    HIDDEN,
    AssignSource,
    CallSite,
    ClassInfo,
    FunctionScope,
    ModuleModel,
    OpaqueSource,
    Scope,
    argument,
    argument_expr,
)
from .provenance import SYMBOLIC_ORIGINS, Origin, Provenance
from .structure import Layout, Structure

#: bump when the summary's shape or meaning changes (cache entries carry it)
SCHEMA = 2

#: keys whose calls the project needs wherever they are (with every MAPI
#: function: ``is_interesting``)
INTERESTING_KEYS = frozenset(
    {MAPI_INITIALIZE, MAPI_UNINITIALIZE, MAPI_LOGON_EX, SLEEP_SECONDS}
    | COM_INIT
    | OLE_INIT
    | PUMP_KEYS
    | DISPATCH_KEYS
    | GET_MESSAGE_KEYS
    | SERVICE_ENTRY_CALLS
    | frozenset(WIN32_WAITS)
    | MSGWAIT_KEYS
)


def is_interesting(key: Optional[str]) -> bool:
    return key is not None and (key in INTERESTING_KEYS or key.startswith("mapi."))


MODULE = ""  # the module-level code
MAIN = "<main>"  # the body of ``if __name__ == "__main__":``

#: a callee: ("fn", fid) | ("new", classref) | ("meth", classref, name, via_self) |
#: ("ref", ref); a classref: ("cls", cid) | ("ref", ref)
Callee = Tuple[Any, ...]
#: a frame: (kind, ordinal of the compound statement in its scope, part)
FrameFact = Tuple[str, int, str]


@dataclass
class ArgFact:
    value: Value = TOP
    origin: Optional[Origin] = None


@dataclass
class CallFact:
    index: int
    line: int
    col: int
    scope: str
    key: Optional[str] = None
    callee: Optional[Callee] = None
    #: "call", or "thread": the callee runs on another thread (``label`` says how:
    #: "thread target", "executor task")
    kind: str = "call"
    label: str = ""
    bound: bool = False
    frames: Tuple[FrameFact, ...] = ()
    #: loops whose body holds the call, or whose ``while`` test does
    loops: Tuple[int, ...] = ()
    args: Tuple[ArgFact, ...] = ()
    keywords: Dict[str, ArgFact] = field(default_factory=dict)
    #: a ``*args`` or ``**kwargs`` is passed; ``star_at``: positional arguments before it
    star: bool = False
    star_at: int = -1
    #: the method name when the callee is an attribute (``obj.send(...)``: "send")
    attr: str = ""
    #: the flag word of a MAPIInitialize (ulFlags) or MAPILogonEx (flFlags) call
    flags: Value = TOP


@dataclass
class ParamFact:
    name: str
    kind: str
    has_default: bool
    default: Value = TOP


@dataclass
class FunctionFact:
    fid: str
    name: str
    qualname: str
    kind: str  # "function" | "lambda" | "module"
    line: int
    cls: Optional[str] = None
    params: List[ParamFact] = field(default_factory=list)
    #: a plain method: its first parameter is the instance
    method: bool = False
    decorated: bool = False
    returns: Optional[Origin] = None
    #: modules its import statements name
    imports: List[str] = field(default_factory=list)


@dataclass
class ClassFact:
    cid: str
    name: str
    qualname: str
    line: int
    #: ("cls", cid) | ("ref", ref) per base
    bases: List[Tuple[str, str]] = field(default_factory=list)
    methods: Dict[str, str] = field(default_factory=dict)


@dataclass
class ModuleSummary:
    #: module-level name -> ("def", fid) | ("class", cid) | ("import", ref) |
    #: ("value", Value) | ("str", text)
    names: Dict[str, Tuple[str, Any]] = field(default_factory=dict)
    star_imports: List[str] = field(default_factory=list)
    functions: Dict[str, FunctionFact] = field(default_factory=dict)
    classes: Dict[str, ClassFact] = field(default_factory=dict)
    calls: List[CallFact] = field(default_factory=list)
    escaping: Set[str] = field(default_factory=set)
    attr_calls: Dict[str, int] = field(default_factory=dict)
    #: interesting API functions the module passes as values (``atexit.register(
    #: mapi.MAPIUninitialize)``): they are called later
    passed: Set[str] = field(default_factory=set)
    #: references to another module's names this module assigns (``config.FLAGS = 0``,
    #: ``config.FLAGS |= ...``): their values are unknown everywhere
    written: Set[str] = field(default_factory=set)

    def calls_of(self, fid: str) -> List[CallFact]:
        return self._by_scope.get(fid, [])

    @cached_property
    def _by_scope(self) -> Dict[str, List[CallFact]]:
        index: Dict[str, List[CallFact]] = {}
        for call in self.calls:
            index.setdefault(call.scope, []).append(call)
        return index


# -- building it ----------------------------------------------------------------------------


def summarize(
    model: ModuleModel,
    resolver: Resolver,
    structure: Structure,
    calls_with_keys: Callable[[str], List[CallSite]],
    escaping: Set[str],
    attr_calls: Dict[str, int],
    position: Callable[[CallSite], Tuple[int, int]],
    lines: Tuple[List[int], List[int]] = ([], []),
    written: Sequence[cst.Attribute] = (),
) -> ModuleSummary:
    """The summary of a module from its own analysis (see the module docstring);
    ``lines``: the definition lines of its functions and classes, in model order."""
    summarizer = _Summarizer(model, resolver, structure, calls_with_keys, position)
    fn_lines, cls_lines = lines
    for fn, line in zip(model.functions, fn_lines):
        summarizer.lines[id(fn.node)] = line
    for cls, line in zip(model.classes, cls_lines):
        summarizer.lines[id(cls.node)] = line
    out = summarizer.build(escaping, attr_calls)
    for target in written:
        ref = resolver.ref(target.value, model.scope)
        if ref is not None and not ref.startswith(("dll:", "fn:", "cls:", "builtins.")):
            out.written.add(f"{ref}.{target.attr.value}")
    return out


class _Summarizer:
    def __init__(
        self,
        model: ModuleModel,
        resolver: Resolver,
        structure: Structure,
        calls_with_keys: Callable[[str], List[CallSite]],
        position: Callable[[CallSite], Tuple[int, int]],
    ) -> None:
        self.model = model
        self.resolver = resolver
        self.structure = structure
        self.sites_of = calls_with_keys
        self.position = position
        self.flow = Flow(model, resolver, SYMBOLIC)
        self.provenance = Provenance(resolver, SYMBOLIC_ORIGINS)
        self._main_guards = main_guards(model.module)
        self._lambda_by_node: Dict[int, FunctionScope] = {
            id(fn.node): fn for fn in model.functions if fn.kind == "lambda"
        }
        #: node id -> the line of its ``def`` / ``class``
        self.lines: Dict[int, int] = {}

    def build(self, escaping: Set[str], attr_calls: Dict[str, int]) -> ModuleSummary:
        out = ModuleSummary(escaping=set(escaping), attr_calls=dict(attr_calls))
        model = self.model
        module = model.scope
        out.star_imports = list(module.star_imports)
        out.functions[MODULE] = FunctionFact(MODULE, "<module>", "<module>", "module", 0)
        out.functions[MODULE].imports = list(module.imports)
        out.functions[MAIN] = FunctionFact(MAIN, "<main>", "<main>", "module", 0)
        for cls in model.classes:
            out.classes[cls.cid] = self._class(cls)
        for fn in model.functions:
            out.functions[fn.fid] = self._function(fn)
        for name in module.bindings:
            binding = self._name(name)
            if binding is not None:
                out.names[name] = binding
        for site in model.calls:
            for arg in site.node.args:
                if isinstance(arg.value, (cst.Name, cst.Attribute)):
                    key, _ = api_key(self.resolver.ref(arg.value, site.scope))
                    if is_interesting(key):
                        out.passed.add(key)  # type: ignore[arg-type]
        thread_sites = {id(site): (callee, label) for site, callee, label in self._thread_starts()}
        for site in model.calls:
            fact = self._call(site, thread_sites.get(id(site)))
            if fact is not None:
                out.calls.append(fact)
        return out

    # -- names, classes, functions ----------------------------------------------------------
    def _name(self, name: str) -> Optional[Tuple[str, Any]]:
        if name in self.model.scope.volatile:
            return None  # a function rebinds it (``global``): unknown to other modules
        resolver = self.resolver
        ref = resolver.name_ref(name, self.model.scope)
        fn = resolver.function(ref)
        if fn is not None:
            return ("def", fn.fid)
        cls = resolver.klass(ref)
        if cls is not None:
            return ("class", cls.cid)
        if ref is not None:
            return ("import", ref)
        value = self.flow.module_value(name)
        if value is not None and value is not TOP and not isinstance(value, StructV):
            return ("value", value)
        sources = self.model.scope.bindings.get(name, [])
        if len(sources) == 1 and isinstance(sources[0], AssignSource):
            text = string_literal(sources[0].value)
            if text is not None:
                return ("str", text)
        return None

    def _class(self, cls: ClassInfo) -> ClassFact:
        fact = ClassFact(cls.cid, cls.name, cls.scope.qualname, self._line(cls.node), methods={})
        for base in cls.bases:
            ref = self.resolver.ref(base, cls.outer)
            local = self.resolver.klass(ref)
            if local is not None:
                fact.bases.append(("cls", local.cid))
            elif ref is not None:
                fact.bases.append(("ref", ref))
            else:
                fact.bases.append(("ref", ""))  # a base the analysis cannot name
        for name, method in cls.methods.items():
            fact.methods[name] = method.fid
        return fact

    def _function(self, fn: FunctionScope) -> FunctionFact:
        kind = "lambda" if fn.kind == "lambda" else "function"
        fact = FunctionFact(
            fn.fid,
            fn.name,
            fn.qualname if fn.kind == "function" else fn.fid,
            kind,
            self._line(fn.node),
            cls=fn.cls.cid if fn.cls is not None else None,
            method=fn.self_name is not None,
            decorated=bool(fn.decorators),
            imports=list(fn.imports),
        )
        for p in fn.params:
            default: Value = TOP
            if p.default is not None:
                default = _storable(self.flow.default_value(fn, p))
            fact.params.append(ParamFact(p.name, p.kind, p.default is not None, default))
        if fn.kind == "function":
            fact.returns = self.provenance.returns_of(fn)
        return fact

    def _line(self, node: cst.CSTNode) -> int:
        return self.lines.get(id(node), 0)

    # -- calls ------------------------------------------------------------------------------
    def _scope_id(self, site: CallSite) -> str:
        scope: Optional[Scope] = site.scope
        while scope is not None and not isinstance(scope, FunctionScope):
            if scope.kind == "module":
                break
            scope = scope.parent  # a class body runs with its module
        if isinstance(scope, FunctionScope):
            return scope.fid
        if self._main_guards and site.stmt is not None:
            layout = self.structure.layout(self.model.module)
            for _, node, part in layout.path(site.stmt):
                if id(node) in self._main_guards and part == "body":
                    return MAIN
        return MODULE

    def _call(self, site: CallSite, thread: Optional[Tuple[Callee, str]]) -> Optional[CallFact]:
        key = site.key if is_interesting(site.key) else None
        callee: Optional[Callee] = None
        kind, label = "call", ""
        if thread is not None:
            callee, label = thread
            kind = "thread"
        else:
            callee = self.callee_of_call(site)
        if key is None and callee is None:
            return None
        line, col = self.position(site)
        fact = CallFact(site.index, line, col, self._scope_id(site), key, callee, kind, label)
        layout = self._layout(site.scope)
        if layout is not None:
            frames = layout.path(site.stmt)
            fact.frames = tuple((k, layout.ordinal(node), part) for k, node, part in frames)
            loops = [layout.ordinal(n) for k, n, part in frames if k == "loop" and part == "body"]
            if isinstance(site.stmt, cst.While):
                loops.append(layout.ordinal(site.stmt))
            fact.loops = tuple(loops)
        if kind == "call" and callee is not None:
            self._arguments(site, fact)
            fact.bound = self._bound(site, callee)
            if isinstance(site.node.func, cst.Attribute):
                fact.attr = site.node.func.attr.value
        if key == MAPI_INITIALIZE:
            fact.flags = self._init_flags(site)
        elif key == MAPI_LOGON_EX:
            fact.flags = self._logon_flags(site)
        return fact

    def _layout(self, scope: Scope) -> Optional[Layout]:
        if isinstance(scope, FunctionScope) or scope.kind == "module":
            return self.structure.layout(scope.node)
        return None

    def _arguments(self, site: CallSite, fact: CallFact) -> None:
        args: List[ArgFact] = []
        for arg in site.node.args:
            if arg.star:
                if not fact.star:
                    fact.star_at = len(args)
                fact.star = True
                continue
            value = _storable(self.flow.value_at(arg.value, site.scope, site.stmt))
            origin = self.provenance.origin(arg.value, site.scope)
            if arg.keyword is None:
                args.append(ArgFact(value, origin))
            else:
                fact.keywords[arg.keyword.value] = ArgFact(value, origin)
        fact.args = tuple(args)

    def _bound(self, site: CallSite, callee: Callee) -> bool:
        if callee[0] == "meth":
            return True
        func = site.node.func
        return isinstance(func, cst.Attribute) and not (
            self.resolver.ref(func.value, site.scope) or ""
        ).startswith("cls:")

    def _init_flags(self, site: CallSite) -> Value:
        expr = argument(site.node, 0)
        if not isinstance(expr, cst.BaseExpression):
            return TOP
        value = self.flow.value_at(expr, site.scope, site.stmt)
        if value is NONE:
            return ZERO
        if isinstance(value, TupleV) and len(value.items) == 2:
            return _storable(value.items[1])
        if isinstance(value, StructV):
            return _storable(self.flow.struct_field(value, site.scope, site.stmt, "ulFlags"))
        if site.flavour == "ctypes" and isinstance(value, Bits) and value.exact and not value.val:
            return ZERO
        return TOP

    def _logon_flags(self, site: CallSite) -> Value:
        expr = argument(site.node, 3)
        if expr is HIDDEN:
            return TOP
        if expr is None:
            return TOP if any(a.keyword is not None for a in site.node.args) else ZERO
        assert isinstance(expr, cst.BaseExpression)
        return _storable(self.flow.value_at(expr, site.scope, site.stmt))

    # -- callees ----------------------------------------------------------------------------
    def callee_of_call(self, site: CallSite) -> Optional[Callee]:
        func = site.node.func
        if isinstance(func, cst.Attribute) and site.key is None:
            via_self = self._self_method(func, site.scope)
            if via_self is not None:
                return via_self
        if site.target is not None:
            return ("fn", site.target.fid)
        if site.key is not None and site.flavour != "python":
            return None
        return self.callee_of_expr(func, site.scope, call=True)

    def _self_method(self, func: cst.Attribute, scope: Scope) -> Optional[Callee]:
        """``self.m(...)``: the method of the instance's class (or a subclass's)."""
        resolver = self.resolver
        cls = resolver.self_class(func.value, scope)
        if cls is None or resolver.self_attr_sources(cls, func.attr.value):
            return None
        return ("meth", ("cls", cls.cid), func.attr.value, True)

    def callee_of_expr(
        self, expr: cst.BaseExpression, scope: Scope, call: bool = False
    ) -> Optional[Callee]:
        """What an expression names that may be called: a function or class of this
        module, ``partial(f)``, a lambda, ``self.m``, a method of an instance of a
        known class, or a reference another module of the project may define."""
        resolver = self.resolver
        if isinstance(expr, cst.Lambda):
            fn = self._lambda_by_node.get(id(expr))
            return ("fn", fn.fid) if fn is not None else None
        if isinstance(expr, cst.Call):
            if resolver.ref(expr.func, scope) in PARTIAL and expr.args:
                first = expr.args[0]
                if first.keyword is None and not first.star:
                    return self.callee_of_expr(first.value, scope)
            return None
        if not isinstance(expr, (cst.Name, cst.Attribute)):
            return None
        if isinstance(expr, cst.Attribute) and not call:
            via_self = self._self_method(expr, scope)
            if via_self is not None:
                return via_self
        ref = resolver.ref(expr, scope)
        fn = resolver.function(ref)
        if fn is not None:
            return ("fn", fn.fid)
        cls = resolver.klass(ref)
        if cls is not None:
            return ("new", ("cls", cls.cid))
        if ref is not None:
            if ref.startswith(("dll:", "fn:", "cls:")):
                return None
            key, flavour = api_key(ref)
            if flavour == "python" and ref.split(".", 1)[0] not in EXTERNAL_MODULES:
                return ("ref", ref)
            return None
        if isinstance(expr, cst.Attribute):
            owner = self._instance_class(expr.value, scope)
            if owner is not None:
                return ("meth", owner, expr.attr.value, False)
        return None

    def _instance_class(self, node: cst.BaseExpression, scope: Scope) -> Optional[Tuple[str, str]]:
        """The class ``node`` is an instance of, when every binding of the name (or
        ``self.x``) constructs that one class: ("cls", cid) or ("ref", ref)."""
        resolver = self.resolver
        bound = resolver.bound(node, scope)
        if bound is None or bound.volatile:
            return None

        def constructed(value: cst.BaseExpression, where: Scope) -> Optional[Tuple[str, str]]:
            if not isinstance(value, cst.Call):
                return None
            ref = resolver.ref(value.func, where)
            cls = resolver.klass(ref)
            if cls is not None:
                return ("cls", cls.cid)
            if ref is not None and not ref.startswith(("dll:", "fn:", "builtins.")):
                if ref.split(".", 1)[0] not in EXTERNAL_MODULES:
                    return ("ref", ref)
            return None

        return agreed(bound.values, constructed)

    # -- threads ----------------------------------------------------------------------------
    def _thread_starts(self) -> List[Tuple[CallSite, Callee, str]]:
        out: List[Tuple[CallSite, Callee, str]] = []
        for key, (index, keyword) in THREAD_STARTERS.items():
            for site in self.sites_of(key):
                expr = argument_expr(site.node, index, keyword)
                callee = self.callee_of_expr(expr, site.scope) if expr is not None else None
                if callee is not None:
                    out.append((site, callee, "thread target"))
        for site in self.model.calls:
            func = site.node.func
            if (
                site.key is None
                and isinstance(func, cst.Attribute)
                and func.attr.value == "submit"
                and site.node.args
                and self._is_executor(func.value, site.scope)
            ):
                expr = argument_expr(site.node, 0, "fn")
                callee = self.callee_of_expr(expr, site.scope) if expr is not None else None
                if callee is not None:
                    out.append((site, callee, "executor task"))
        return out

    def _is_executor(self, node: cst.BaseExpression, scope: Scope) -> bool:
        resolver = self.resolver
        values: List[Tuple[Optional[cst.BaseExpression], Scope]] = []
        if isinstance(node, cst.Name):
            owner = resolver.binding_scope(node.value, scope)
            if owner is None:
                return False
            for source in owner.bindings[node.value]:
                if isinstance(source, AssignSource):
                    values.append((source.value, owner))
                elif isinstance(source, OpaqueSource) and source.kind == "with":
                    values.extend((v, owner) for v in self._with_values(owner, node.value))
                else:
                    return False
        elif isinstance(node, cst.Attribute):
            cls = resolver.self_class(node.value, scope)
            if cls is None:
                return False
            values.extend(resolver.self_attr_sources(cls, node.attr.value))
        if not values:
            return False
        return all(
            isinstance(value, cst.Call) and resolver.ref(value.func, where) in EXECUTORS
            for value, where in values
        )

    def _with_values(self, scope: Scope, name: str) -> List[cst.BaseExpression]:
        """The context expressions of ``with <expr> as name`` in the scope's own body."""
        if not isinstance(scope, FunctionScope) and scope.kind != "module":
            return []
        out: List[cst.BaseExpression] = []
        for stmt in self.structure.layout(scope.node).statements():
            if isinstance(stmt, cst.With):
                for item in stmt.items:
                    target = item.asname.name if item.asname is not None else None
                    if isinstance(target, cst.Name) and target.value == name:
                        out.append(item.item)
        return out


def main_guards(module: cst.Module) -> Set[int]:
    """Ids of the module's ``if __name__ == "__main__":`` statements."""
    out: Set[int] = set()
    for stmt in module.body:
        if isinstance(stmt, cst.If) and isinstance(stmt.test, cst.Comparison):
            test = stmt.test
            if len(test.comparisons) != 1 or not isinstance(
                test.comparisons[0].operator, cst.Equal
            ):
                continue
            sides = [test.left, test.comparisons[0].comparator]
            names = [s for s in sides if isinstance(s, cst.Name) and s.value == "__name__"]
            texts = [string_literal(s) for s in sides]
            if names and "__main__" in texts:
                out.add(id(stmt))
    return out


def string_literal(node: Optional[cst.BaseExpression]) -> Optional[str]:
    """A str literal's value (bytes decoded as Latin-1), or None."""
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        try:
            value = node.evaluated_value
        except Exception:  # noqa: BLE001 - an odd literal is just not a string here
            return None
        if isinstance(value, str):
            return value
        if isinstance(value, bytes):
            return value.decode("latin-1")
    return None


def _storable(value: Value) -> Value:
    """A value as a summary keeps it: structures (which belong to one function's
    heap) and anything unknown become TOP."""
    if isinstance(value, StructV):
        return TOP
    if isinstance(value, TupleV):
        return TupleV(tuple(_storable(v) for v in value.items))
    if isinstance(value, OpV):
        args = tuple(_storable(a) for a in value.args)
        if any(a is TOP for a in args) and value.op != "join":
            return TOP
        return OpV(value.op, args)
    return value


# -- JSON ----------------------------------------------------------------------------------


def encode_value(value: Value) -> Any:
    if isinstance(value, Bits):
        return ["b", value.val, value.unk, dict(value.names)]
    if value is NONE:
        return ["n"]
    if isinstance(value, TupleV):
        return ["t", [encode_value(v) for v in value.items]]
    if isinstance(value, RefV):
        return ["r", value.ref]
    if isinstance(value, ExtV):
        return ["e", value.ref]
    if isinstance(value, ParamV):
        return ["p", value.fn, value.name]
    if isinstance(value, OpV):
        return ["o", value.op, [encode_value(a) for a in value.args]]
    return None  # TOP, structures


def decode_value(data: Any) -> Value:
    if not isinstance(data, list) or not data:
        return TOP
    tag = data[0]
    if tag == "b":
        return Bits(int(data[1]), int(data[2]), {str(k): int(v) for k, v in data[3].items()})
    if tag == "n":
        return NONE
    if tag == "t":
        return TupleV(tuple(decode_value(v) for v in data[1]))
    if tag == "r":
        return RefV(str(data[1]))
    if tag == "e":
        return ExtV(str(data[1]))
    if tag == "p":
        return ParamV(str(data[1]), str(data[2]))
    if tag == "o":
        return OpV(str(data[1]), tuple(decode_value(v) for v in data[2]))
    return TOP


def _tuples(data: Any) -> Any:
    """JSON lists back into the tuples callees and origins are made of."""
    if isinstance(data, list):
        return tuple(_tuples(x) for x in data)
    return data


def _arg(a: ArgFact) -> Any:
    return [encode_value(a.value), a.origin]


def _same(data: Any) -> Any:
    return data


def to_json(summary: ModuleSummary) -> str:
    return json.dumps(to_data(summary), separators=(",", ":"), sort_keys=True)


def to_data(summary: ModuleSummary) -> Dict[str, Any]:
    """The summary as plain data: lists, tuples, dicts, strings, numbers (what
    ``marshal`` and, tuples becoming lists, JSON can hold)."""
    names: Dict[str, Any] = {}
    for name, (kind, what) in summary.names.items():
        names[name] = [kind, encode_value(what) if kind == "value" else what]
    data = {
        "schema": SCHEMA,
        "names": names,
        "star": summary.star_imports,
        "functions": [
            [
                f.fid,
                f.name,
                f.qualname,
                f.kind,
                f.line,
                f.cls,
                [[p.name, p.kind, p.has_default, encode_value(p.default)] for p in f.params],
                f.method,
                f.decorated,
                f.returns,
                f.imports,
            ]
            for f in summary.functions.values()
        ],
        "classes": [
            [c.cid, c.name, c.qualname, c.line, c.bases, c.methods]
            for c in summary.classes.values()
        ],
        "calls": [
            [
                c.index,
                c.line,
                c.col,
                c.scope,
                c.key,
                c.callee,
                c.kind,
                c.label,
                c.bound,
                c.frames,
                c.loops,
                [_arg(a) for a in c.args],
                {k: _arg(a) for k, a in c.keywords.items()},
                c.star,
                c.star_at,
                c.attr,
                encode_value(c.flags),
            ]
            for c in summary.calls
        ],
        "escaping": sorted(summary.escaping),
        "attr_calls": summary.attr_calls,
        "passed": sorted(summary.passed),
        "written": sorted(summary.written),
    }
    return data


def from_json(text: str) -> ModuleSummary:
    """The summary ``to_json`` wrote; raises ValueError (or another exception) on
    anything else, and the caller treats it as no summary."""
    return from_data(json.loads(text), tuples=False)


def from_data(data: Any, tuples: bool = True) -> ModuleSummary:
    """The summary ``to_data`` made; ``tuples`` says whether the data kept its
    tuples (``marshal`` does, JSON does not)."""
    fix = _same if tuples else _tuples
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise ValueError("not a summary of this schema")
    out = ModuleSummary()
    for name, (kind, what) in data["names"].items():
        out.names[name] = (kind, decode_value(what) if kind == "value" else what)
    out.star_imports = list(data["star"])
    for f in data["functions"]:
        fact = FunctionFact(f[0], f[1], f[2], f[3], f[4], f[5])
        fact.params = [ParamFact(p[0], p[1], bool(p[2]), decode_value(p[3])) for p in f[6]]
        fact.method, fact.decorated = bool(f[7]), bool(f[8])
        fact.returns = fix(f[9])
        fact.imports = list(f[10])
        out.functions[fact.fid] = fact
    for c in data["classes"]:
        out.classes[c[0]] = ClassFact(
            c[0],
            c[1],
            c[2],
            c[3],
            [tuple(b) for b in c[4]],
            dict(c[5]),  # type: ignore[misc]
        )
    for c in data["calls"]:
        call = CallFact(c[0], c[1], c[2], c[3], c[4], fix(c[5]), c[6], c[7], bool(c[8]))
        call.frames = c[9] if tuples else tuple(tuple(f) for f in c[9])
        call.loops = tuple(c[10])
        call.args = tuple(ArgFact(decode_value(a[0]), fix(a[1])) for a in c[11])
        call.keywords = {k: ArgFact(decode_value(a[0]), fix(a[1])) for k, a in c[12].items()}
        call.star = bool(c[13])
        call.star_at = int(c[14])
        call.attr = str(c[15])
        call.flags = decode_value(c[16])
        out.calls.append(call)
    out.escaping = set(data["escaping"])
    out.attr_calls = {str(k): int(v) for k, v in data["attr_calls"].items()}
    out.passed = set(data["passed"])
    out.written = set(data["written"])
    return out


__all__ = [
    "ArgFact",
    "CallFact",
    "ClassFact",
    "FunctionFact",
    "MAIN",
    "MODULE",
    "ModuleSummary",
    "ParamFact",
    "SCHEMA",
    "from_data",
    "from_json",
    "summarize",
    "to_data",
    "to_json",
]
_ = Sequence  # typing re-export guard
