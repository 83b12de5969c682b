"""The project's modules joined: symbols, values, classes, calls, contexts, origins.

``Link`` works on module summaries only (``summary.py``), never on syntax trees:
the checked file's own summary is one of them.  Functions and classes are known
by ``(module id, fid)`` / ``(module id, cid)`` across the project.

- **Symbols**: a reference as a module wrote it (``mailer.run``,
  ``.config.FLAGS``, ``pkg.base.SMWinservice``) is a function, a class, a
  module-level value, a string, a module of the project, or an API (``("api",
  ref)``: outside the project).  Re-exports (``from .config import *``, ``from
  .a import b`` in a package) are followed.
- **Values**: a module-level name's value across modules.
- **Classes**: bases across modules, the lineage (own first, then bases, left
  to right), method lookup, subclasses (``self.m()`` may run a subclass's
  override).
- **Calls**: the project's one call graph (``callgraph.ProjectGraph``) of CALL,
  CONSTRUCT and THREAD edges between functions of any module.
- **Contexts**: each call of a function binds its parameters (1.2): the value
  of every argument in its caller (whose own parameters are joined over their
  contexts), or the default.  A function some code may call unseen (a lambda,
  a function used as a value, a method called on untyped objects) also has an
  unknown context.
- **Origins**: which MAPI object a project function returns, and which one a
  parameter receives from every caller.

Values, parameters and origins that depend on each other in a cycle are
unknown, whatever the order in which they are asked: they are evaluated by
strongly connected components (``Lazy``), so the answer never depends on which
file flake8 checks first.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from typing import (
    Callable,
    Dict,
    FrozenSet,
    Generic,
    Hashable,
    Iterable,
    Iterator,
    List,
    Optional,
    Set,
    Tuple,
    TypeVar,
)

from .apis import EXTERNAL_MODULES
from .bindings import STAR_REF, star_exports
from .callgraph import CALL, CONSTRUCT, THREAD, Edge, ProjectGraph
from .flags import ZERO
from .flow import (
    TOP,
    Env,
    ExtV,
    OpV,
    ParamV,
    RefV,
    TupleV,
    Value,
    join_values,
    named_constant,
    resolve,
)
from .project import ModuleIndex
from .provenance import Origin, method_result
from .summary import MAIN, MODULE, ArgFact, CallFact, ClassFact, FunctionFact, ModuleSummary

GF = Tuple[str, str]  # (module id, function id)
GC = Tuple[str, str]  # (module id, class id)
#: ("fn", GF, bound) | ("class", GC) | ("value", mid, name) | ("str", text) |
#: ("module", mid) | ("api", ref)
Symbol = Tuple[object, ...]

N = TypeVar("N", bound=Hashable)
V = TypeVar("V")

_MAX_ALIAS_DEPTH = 30


class Lazy(Generic[N, V]):
    """Values of a dependency graph, computed on demand, one strongly connected
    component at a time: a node in a cycle gets ``cyclic``; any other node is
    computed once every node it depends on is known.  Iterative (Tarjan)."""

    def __init__(
        self,
        deps: Callable[[N], Iterable[N]],
        compute: Callable[[N, Callable[[N], V]], V],
        cyclic: V,
    ) -> None:
        self._deps = deps
        self._compute = compute
        self._cyclic = cyclic
        self.memo: Dict[N, V] = {}

    def get(self, start: N) -> V:
        memo = self.memo
        if start in memo:
            return memo[start]
        index: Dict[N, int] = {}
        low: Dict[N, int] = {}
        stack: List[N] = []
        on_stack: Set[N] = set()
        work: List[Tuple[N, Iterator[N]]] = []

        def enter(node: N) -> None:
            index[node] = low[node] = len(index)
            stack.append(node)
            on_stack.add(node)
            work.append((node, iter([d for d in self._deps(node)])))

        enter(start)
        while work:
            node, deps = work[-1]
            advanced = False
            for dep in deps:
                if dep in memo:
                    continue
                if dep not in index:
                    enter(dep)
                    advanced = True
                    break
                if dep in on_stack:
                    low[node] = min(low[node], index[dep])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component: List[N] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) == 1 and node not in set(self._deps(node)):
                    memo[node] = self._compute(node, memo.__getitem__)
                else:
                    for member in component:
                        memo[member] = self._cyclic
        return memo[start]


@dataclass(frozen=True)
class Context:
    """One way a function is called: by a call of the project, or its default."""

    #: the call (its module and fact), None for the default context (no caller)
    call: Optional[Tuple[str, CallFact]]
    #: the function that makes the call
    caller: Optional[GF]
    #: each parameter's value in this context
    params: Tuple[Tuple[str, Value], ...]

    def value(self, name: str) -> Value:
        for n, v in self.params:
            if n == name:
                return v
        return TOP


class Link:
    def __init__(self, modules: Dict[str, ModuleSummary], index: Optional[ModuleIndex]) -> None:
        self.modules = modules
        self.index = index
        #: symbol answers found without a cut, with the levels of lookup they took
        self._symbols: Dict[Tuple[str, str], Tuple[Optional[Symbol], int]] = {}
        self._resolving: Set[Tuple[str, str]] = set()
        self._cuts = 0
        self._deepest = 0
        self._escaping: FrozenSet[str] = frozenset(
            name for m in modules.values() for name in m.escaping
        )
        self._attr_calls: Dict[str, int] = {}
        for m in modules.values():
            for name, count in m.attr_calls.items():
                self._attr_calls[name] = self._attr_calls.get(name, 0) + count
        self._values: Lazy[Tuple[str, str], Value] = Lazy(
            self._value_deps, self._value_compute, TOP
        )
        self._params: Lazy[Tuple[GF, str], Value] = Lazy(self._param_deps, self._param_compute, TOP)
        self._origins: Lazy[Tuple[object, ...], Optional[str]] = Lazy(
            self._origin_deps, self._origin_compute, None
        )
        #: module-level names some module assigns from outside (``config.FLAGS = 0``)
        self._written: Set[Tuple[str, str]] = set()
        for mid, m in modules.items():
            for ref in m.written:
                found = index.resolve(mid, ref) if index is not None else None
                if found is not None and len(found[1]) == 1 and found[0] in modules:
                    self._written.add((found[0], found[1][0]))
        self._subclasses: Optional[Dict[GC, List[GC]]] = None
        self._lineages: Dict[GC, List[GC]] = {}
        self.graph = ProjectGraph(self._edges())
        self._known: Dict[GF, bool] = {}

    # -- functions and classes ----------------------------------------------------------------
    def display(self, mid: str) -> str:
        """How messages show a module: its path from the current folder (as flake8
        shows files), or its absolute path when it is elsewhere."""
        if self.index is None:
            return display_path(mid)  # one file alone: its name as flake8 was given it
        path = self.index.paths.get(mid)
        return display_path(path) if path is not None else mid

    def function(self, gf: GF) -> Optional[FunctionFact]:
        module = self.modules.get(gf[0])
        return module.functions.get(gf[1]) if module is not None else None

    def klass(self, gc: GC) -> Optional[ClassFact]:
        module = self.modules.get(gc[0])
        return module.classes.get(gc[1]) if module is not None else None

    def functions(self) -> Iterator[GF]:
        for mid, module in self.modules.items():
            for fid in module.functions:
                yield (mid, fid)

    def classes(self) -> Iterator[GC]:
        for mid, module in self.modules.items():
            for cid in module.classes:
                yield (mid, cid)

    @cached_property
    def _keys_called(self) -> Dict[str, bool]:
        return {}

    def calls_key(self, key: str) -> bool:
        """Some module of the link calls the API with this key."""
        found = self._keys_called
        if key not in found:
            found[key] = any(f.key == key for m in self.modules.values() for f in m.calls)
        return bool(found[key])

    def calls(self, gf: GF) -> List[CallFact]:
        module = self.modules.get(gf[0])
        return module.calls_of(gf[1]) if module is not None else []

    # -- symbols ------------------------------------------------------------------------------
    def symbol(self, mid: str, ref: str, depth: int = 0) -> Optional[Symbol]:
        """What a reference written in module ``mid`` names (see the docstring).

        A chain of re-exports longer than ``_MAX_ALIAS_DEPTH`` names nothing, nor
        does a cycle of them.  Answers are memoised with the number of levels they
        took, and one is reused only where that many levels remain, and only if no
        cycle cut it short: the answer never depends on which lookups came first
        (the order flake8 checks files in)."""
        key = (mid, ref)
        cached = self._symbols.get(key)
        if cached is not None and depth + cached[1] <= _MAX_ALIAS_DEPTH:
            self._deepest = max(self._deepest, depth + cached[1])
            return cached[0]
        if depth > _MAX_ALIAS_DEPTH or key in self._resolving:
            self._cuts += 1
            return None
        outer, cuts = self._deepest, self._cuts
        self._deepest = depth
        self._resolving.add(key)
        try:
            found = self._symbol(mid, ref, depth)
        finally:
            self._resolving.discard(key)
        if self._cuts == cuts:
            self._symbols[key] = (found, self._deepest - depth)
        self._deepest = max(outer, self._deepest)
        return found

    def _symbol(self, mid: str, ref: str, depth: int) -> Optional[Symbol]:
        if not ref or ref.startswith(("dll:", "fn:", "cls:")):
            return None
        if ref.split(".", 1)[0] in EXTERNAL_MODULES or ref.startswith("builtins."):
            return ("api", ref)
        if ref.startswith(STAR_REF):
            # a name the module does not bind: what its star imports provide, if any
            return self._member(mid, tuple(ref[len(STAR_REF) :].split(".")), depth + 1)
        found = self.index.resolve(mid, ref) if self.index is not None else None
        if found is None:
            return None if ref.startswith(".") else ("api", ref)
        target, rest = found
        if target not in self.modules:
            return None  # a module of the project outside this component: unknown
        return self._member(target, rest, depth)

    def _member(self, mid: str, parts: Tuple[str, ...], depth: int) -> Optional[Symbol]:
        if not parts:
            return ("module", mid)
        module = self.modules[mid]
        name, rest = parts[0], parts[1:]
        if (mid, name) in self._written:
            return None  # another module assigns it: unknown
        binding = module.names.get(name)
        if binding is None:
            for star in module.star_imports:
                sep = "" if star.endswith(".") else "."
                sym = self.symbol(mid, star + sep + ".".join(parts), depth + 1)
                if sym is None:
                    continue
                if sym[0] != "api" or self._project_module(mid, star) or _exports(star, name):
                    # an API name counts when a project module binds it (``FLAGS =
                    # mapi.MAPI_EXTENDED`` in config); any name of an outside module
                    # would resolve to an API reference
                    return sym
            if mid.endswith("/__init__.py") and self.index is not None:
                # a submodule of the package: pkg.mailer from pkg/__init__.py
                found = self.index.resolve(mid, "." + ".".join(parts))
                if found is not None and found[0] in self.modules and found[0] != mid:
                    return self._member(found[0], found[1], depth + 1)
            return None
        kind, what = binding
        if kind == "def":
            return ("fn", (mid, what), None) if not rest else None
        if kind == "class":
            gc = (mid, str(what))
            if not rest:
                return ("class", gc)
            if len(rest) == 1:
                gf = self.lookup(gc, rest[0])
                return ("fn", gf, False) if gf is not None else None
            return None
        if kind == "import":
            full = str(what) + ("." + ".".join(rest) if rest else "")
            return self.symbol(mid, full, depth + 1)
        if kind == "value":
            return ("value", mid, name) if not rest else None
        if kind == "str":
            return ("str", what) if not rest else None
        return None

    def _project_module(self, mid: str, ref: str) -> bool:
        """``ref``, written in ``mid``, names a whole module of this link."""
        found = self.index.resolve(mid, ref) if self.index is not None else None
        return found is not None and not found[1] and found[0] in self.modules

    # -- values -------------------------------------------------------------------------------
    def value(self, mid: str, name: str) -> Value:
        """A module-level name's value (numbers and flag words; not strings)."""
        return self._values.get((mid, name))

    def external(self, mid: str, ref: str) -> Value:
        """The value of a reference written in ``mid``: a project constant, an API
        constant (its documented value), or unknown."""
        sym = self.symbol(mid, ref)
        if sym is None:
            return ExtV(ref) if not ref.startswith(".") else TOP
        if sym[0] == "value":
            return self.value(str(sym[1]), str(sym[2]))
        if sym[0] == "api":
            return RefV(str(sym[1]))
        # a module, function, class or string of the project: a reference whose
        # attributes may still be values (``config.FLAGS`` after ``import config``)
        return ExtV(ref)

    def string(self, mid: str, ref: str) -> Optional[str]:
        """A string constant another module defines (``config.PROGID``)."""
        sym = self.symbol(mid, ref)
        if sym is not None and sym[0] == "str":
            return str(sym[1])
        return None

    def _sym_value(self, mid: str, name: str) -> Value:
        binding = self.modules[mid].names.get(name)
        return binding[1] if binding is not None and binding[0] == "value" else TOP  # type: ignore[return-value]

    def _ext_node(self, mid: str, ref: str) -> Optional[Tuple[str, str]]:
        sym = self.symbol(mid, ref)
        if sym is not None and sym[0] == "value":
            return (str(sym[1]), str(sym[2]))
        return None

    def _value_deps(self, node: Tuple[str, str]) -> List[Tuple[str, str]]:
        mid, name = node
        return [
            dep
            for ref in _ext_refs(self._sym_value(mid, name))
            if (dep := self._ext_node(mid, ref)) is not None
        ]

    def _value_compute(
        self, node: Tuple[str, str], known: Callable[[Tuple[str, str]], Value]
    ) -> Value:
        mid, name = node
        if node in self._written:
            return TOP
        # a name bound to its documented value keeps it as the constant's name
        # (MPS108 names ``MAPI_BEST_ACCESS`` defined in a constants module)
        return named_constant(
            name, resolve(self._sym_value(mid, name), _ValueEnv(self, mid, known))
        )

    # -- classes ------------------------------------------------------------------------------
    def class_of(self, mid: str, ref: Tuple[str, str]) -> Optional[GC]:
        """A summary's class reference (("cls", cid) or ("ref", ref)) as a project class."""
        if ref[0] == "cls":
            return (mid, ref[1])
        sym = self.symbol(mid, ref[1]) if ref[1] else None
        if sym is not None and sym[0] == "class":
            return sym[1]  # type: ignore[return-value]
        return None

    def bases(self, gc: GC) -> Tuple[List[GC], List[str]]:
        """A class's project bases and the API references of its other bases."""
        fact = self.klass(gc)
        if fact is None:
            return [], []
        project: List[GC] = []
        api: List[str] = []
        for base in fact.bases:
            found = self.class_of(gc[0], base)
            if found is not None:
                project.append(found)
                continue
            sym = self.symbol(gc[0], base[1]) if base[0] == "ref" and base[1] else None
            if sym is not None and sym[0] == "api":
                api.append(str(sym[1]))
            elif base[0] == "ref" and base[1] and sym is None and not base[1].startswith("."):
                api.append(base[1])
        return project, api

    def lineage(self, gc: GC) -> List[GC]:
        """The class and its project base classes (own first; cycle-safe)."""
        cached = self._lineages.get(gc)
        if cached is not None:
            return cached
        out: List[GC] = []
        seen: Set[GC] = set()
        todo = [gc]
        while todo:
            current = todo.pop(0)
            if current in seen:
                continue
            seen.add(current)
            out.append(current)
            todo.extend(self.bases(current)[0])
        self._lineages[gc] = out
        return out

    def derives_from(self, gc: GC, api: FrozenSet[str]) -> bool:
        return any(ref in api for c in self.lineage(gc) for ref in self.bases(c)[1])

    def lookup(self, gc: GC, name: str) -> Optional[GF]:
        """The method ``name`` an instance of the class has (own, then inherited)."""
        for c in self.lineage(gc):
            fact = self.klass(c)
            if fact is not None and name in fact.methods:
                return (c[0], fact.methods[name])
        return None

    def methods(self, gc: GC) -> Dict[str, GF]:
        """Every method an instance of the class has, by name."""
        out: Dict[str, GF] = {}
        for c in self.lineage(gc):
            fact = self.klass(c)
            if fact is not None:
                for name, fid in fact.methods.items():
                    out.setdefault(name, (c[0], fid))
        return out

    def subclasses(self, gc: GC) -> List[GC]:
        """Every project class that derives from ``gc`` (not itself)."""
        if self._subclasses is None:
            children: Dict[GC, List[GC]] = {}
            for c in self.classes():
                for base in self.bases(c)[0]:
                    children.setdefault(base, []).append(c)
            self._subclasses = children
        out: List[GC] = []
        seen = {gc}
        todo = list(self._subclasses.get(gc, ()))
        while todo:
            c = todo.pop()
            if c in seen:
                continue
            seen.add(c)
            out.append(c)
            todo.extend(self._subclasses.get(c, ()))
        return out

    # -- the call graph -----------------------------------------------------------------------
    def _edges(self) -> List[Edge]:
        out: List[Edge] = []
        for mid, module in self.modules.items():
            for fact in module.calls:
                if fact.callee is None:
                    continue
                caller = (mid, fact.scope)
                callee = fact.callee
                self_method = str(callee[2]) if callee[0] == "meth" and callee[3] else ""
                for target, kind, bound in self.targets(mid, fact):
                    out.append(Edge(caller, target, kind, mid, fact, bound, self_method))
        return out

    def targets(self, mid: str, fact: CallFact) -> List[Tuple[GF, str, bool]]:
        """(function, edge kind, instance passed implicitly) a call may run."""
        callee = fact.callee
        if callee is None:
            return []
        thread = fact.kind == "thread"
        how = callee[0]
        found: List[Tuple[GF, str, bool]] = []
        if how == "fn":
            gf = (mid, str(callee[1]))
            if self.function(gf) is not None:
                found.append((gf, CALL, fact.bound))
        elif how == "new":
            gc = self.class_of(mid, callee[1])  # type: ignore[arg-type]
            init = self.lookup(gc, "__init__") if gc is not None else None
            if init is not None:
                found.append((init, CONSTRUCT, True))
        elif how == "meth":
            gc = self.class_of(mid, callee[1])  # type: ignore[arg-type]
            if gc is not None:
                name = str(callee[2])
                method = self.lookup(gc, name)
                if method is not None:
                    found.append((method, CALL, True))
                if callee[3]:  # self.m(): an override in a subclass may run
                    for sub in self.subclasses(gc):
                        fact_cls = self.klass(sub)
                        if fact_cls is not None and name in fact_cls.methods:
                            override = (sub[0], fact_cls.methods[name])
                            if override != method:
                                found.append((override, CALL, True))
        elif how == "ref":
            sym = self.symbol(mid, str(callee[1]))
            if sym is not None and sym[0] == "fn":
                bound = fact.bound if sym[2] is None else bool(sym[2])
                found.append((sym[1], CALL, bound))  # type: ignore[arg-type]
            elif sym is not None and sym[0] == "class":
                init = self.lookup(sym[1], "__init__")  # type: ignore[arg-type]
                if init is not None:
                    found.append((init, CONSTRUCT, True))
        if thread:
            return [(gf, THREAD, bound) for gf, _, bound in found]
        return found

    def all_callers_known(self, gf: GF) -> bool:
        """False when some code may call the function unseen: a lambda, a function
        some module uses as a value (a thread target, a callback), a method also
        called on objects the analysis cannot type."""
        known = self._known.get(gf)
        if known is None:
            known = self._known[gf] = self._callers_known(gf)
        return known

    def _callers_known(self, gf: GF) -> bool:
        fn = self.function(gf)
        if fn is None or fn.kind != "function" or fn.name in self._escaping:
            return False
        if fn.cls is not None:
            seen = sum(1 for e in self.graph.into(gf, _CALL_ONLY) if e.fact.attr == fn.name)
            if self._attr_calls.get(fn.name, 0) > seen:
                return False
        return True

    # -- calling contexts ---------------------------------------------------------------------------
    def contexts(self, gf: GF) -> Tuple[List[Context], bool]:
        """The function's calling contexts, and whether it may also be called
        unseen (an unknown context).  No call at all (and no unseen caller): the
        default context."""
        fn = self.function(gf)
        if fn is None:
            return [], True
        unknown = not self.all_callers_known(gf)
        edges = [e for e in self.graph.into(gf, _CONTEXT_EDGES)]
        out: List[Context] = []
        for edge in edges:
            env = JoinedEnv(self, edge.mid)
            params: List[Tuple[str, Value]] = []
            for index, p in enumerate(fn.params):
                arg = bind_argument(edge.fact, fn, index, edge.bound)
                if arg is _HIDDEN:
                    value: Value = TOP
                elif arg is None:
                    value = resolve(p.default, JoinedEnv(self, gf[0])) if p.has_default else TOP
                else:
                    assert isinstance(arg, ArgFact)
                    value = resolve(arg.value, env)
                params.append((p.name, value))
            out.append(Context((edge.mid, edge.fact), edge.caller, tuple(params)))
        if not edges and not unknown:
            # nothing calls it: what a call without arguments gets
            defaults = tuple(
                (p.name, resolve(p.default, JoinedEnv(self, gf[0])) if p.has_default else TOP)
                for p in fn.params
            )
            out.append(Context(None, None, defaults))
        return out, unknown

    def param(self, gf: GF, name: str) -> Value:
        """A parameter's value joined over every context (unknown if one is)."""
        return self._params.get((gf, name))

    def _param_deps(self, node: Tuple[GF, str]) -> List[Tuple[GF, str]]:
        gf, name = node
        fn = self.function(gf)
        if fn is None or not self.all_callers_known(gf):
            return []
        out: List[Tuple[GF, str]] = []
        index = next((i for i, p in enumerate(fn.params) if p.name == name), None)
        if index is None:
            return []
        for edge in self.graph.into(gf, _CONTEXT_EDGES):
            arg = bind_argument(edge.fact, fn, index, edge.bound)
            if isinstance(arg, ArgFact):
                for leaf in _params_in(arg.value):
                    out.append(((edge.mid, leaf.fn), leaf.name))
        return out

    def _param_compute(
        self, node: Tuple[GF, str], known: Callable[[Tuple[GF, str]], Value]
    ) -> Value:
        gf, name = node
        fn = self.function(gf)
        if fn is None or not self.all_callers_known(gf):
            return TOP
        index = next((i for i, p in enumerate(fn.params) if p.name == name), None)
        if index is None or fn.params[index].kind in ("star", "starstar"):
            return TOP
        param = fn.params[index]
        default = resolve(param.default, JoinedEnv(self, gf[0])) if param.has_default else TOP
        edges = self.graph.into(gf, _CONTEXT_EDGES)
        if not edges:
            return default
        values: List[Value] = []
        for edge in edges:
            arg = bind_argument(edge.fact, fn, index, edge.bound)
            if arg is _HIDDEN:
                return TOP
            if arg is None:
                values.append(default)
            else:
                assert isinstance(arg, ArgFact)
                values.append(resolve(arg.value, JoinedEnv(self, edge.mid, known)))
        out = values[0]
        for v in values[1:]:
            out = join_values(out, v)
        return out

    # -- origins -------------------------------------------------------------------------------------
    def returns(self, gf: GF) -> Optional[str]:
        """The MAPI object every return of a project function gives, if any."""
        return self._origins.get(("ret", gf))

    def param_origin(self, gf: GF, name: str) -> Optional[str]:
        """The MAPI object every caller in the project passes for a parameter."""
        return self._origins.get(("param", gf, name))

    def origin(self, mid: str, origin: Optional[Origin]) -> Optional[str]:
        """A summary's origin (a tag or a symbolic one) as a tag."""
        return _resolve_origin(self, mid, origin, self._origins.get)

    def _origin_deps(self, node: Tuple[object, ...]) -> List[Tuple[object, ...]]:
        if node[0] == "ret":
            ret: GF = node[1]  # type: ignore[assignment]
            fn = self.function(ret)
            return _origin_nodes(self, ret[0], fn.returns if fn is not None else None)
        gf: GF = node[1]  # type: ignore[assignment]
        name = str(node[2])
        out: List[Tuple[object, ...]] = []
        for edge, arg in self._origin_args(gf, name):
            if isinstance(arg, ArgFact):
                out.extend(_origin_nodes(self, edge.mid, arg.origin))
        return out

    def _origin_args(self, gf: GF, name: str) -> List[Tuple[Edge, object]]:
        fn = self.function(gf)
        if fn is None:
            return []
        index = next((i for i, p in enumerate(fn.params) if p.name == name), None)
        if index is None:
            return []
        return [
            (e, bind_argument(e.fact, fn, index, e.bound))
            for e in self.graph.into(gf, _CONTEXT_EDGES)
        ]

    def _origin_compute(
        self, node: Tuple[object, ...], known: Callable[[Tuple[object, ...]], Optional[str]]
    ) -> Optional[str]:
        if node[0] == "ret":
            ret: GF = node[1]  # type: ignore[assignment]
            fn = self.function(ret)
            if fn is None:
                return None
            return _resolve_origin(self, ret[0], fn.returns, known)
        gf: GF = node[1]  # type: ignore[assignment]
        name = str(node[2])
        fn = self.function(gf)
        if fn is None or fn.decorated or not self.all_callers_known(gf):
            return None
        args = self._origin_args(gf, name)
        if not args:
            return None
        tags: Set[str] = set()
        for edge, arg in args:
            if arg is _HIDDEN:
                return None
            if not isinstance(arg, ArgFact):
                continue  # the default: a MAPI object is never a default
            tag = _resolve_origin(self, edge.mid, arg.origin, known)
            if tag is None:
                return None
            tags.add(tag)
        return tags.pop() if len(tags) == 1 else None


_CALL_ONLY: FrozenSet[str] = frozenset({CALL})
_CONTEXT_EDGES: FrozenSet[str] = frozenset({CALL, CONSTRUCT})


class _Hidden:
    pass


_HIDDEN = _Hidden()


def _exports(module: str, name: str) -> bool:
    """``from module import *`` of a module the analysis knows provides ``name``."""
    found = star_exports(module) if not module.startswith(".") else None
    return found is not None and name in found[1]


def display_path(path: str) -> str:
    """A path as flake8 users read it: relative to the current folder when inside it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive
        return path.replace(os.sep, "/")
    if rel.startswith(".."):
        return os.path.abspath(path).replace(os.sep, "/")
    return rel.replace(os.sep, "/")


def bind_argument(fact: CallFact, fn: FunctionFact, index: int, bound: bool) -> object:
    """The argument a call passes for parameter ``index`` of ``fn``: an ArgFact,
    None when it is omitted (the default), ``_HIDDEN`` when ``*args``/``**kwargs``
    may hold it."""
    param = fn.params[index]
    if param.kind in ("star", "starstar"):
        return _HIDDEN
    if param.kind != "posonly" and param.name in fact.keywords:
        return fact.keywords[param.name]
    if param.kind in ("posonly", "pos"):
        offset = 1 if (bound and fn.method) else 0
        position = index - offset
        if position < 0:
            return None
        if position < len(fact.args) and (fact.star_at < 0 or position < fact.star_at):
            return fact.args[position]
    return _HIDDEN if fact.star else None


class _ValueEnv(Env):
    """Resolves a module-level value: names from other modules by the project."""

    def __init__(
        self, link: Link, mid: str, known: Optional[Callable[[Tuple[str, str]], Value]] = None
    ) -> None:
        self.link = link
        self.mid = mid
        self.known = known

    def external(self, ref: str) -> Value:
        node = self.link._ext_node(self.mid, ref)
        if node is not None:
            return self.known(node) if self.known is not None else self.link.value(*node)
        return self.link.external(self.mid, ref)


class JoinedEnv(_ValueEnv):
    """Resolves a value written in module ``mid``: names from other modules by the
    project, parameters joined over their contexts."""

    def __init__(
        self,
        link: Link,
        mid: str,
        params: Optional[Callable[[Tuple[GF, str]], Value]] = None,
    ) -> None:
        super().__init__(link, mid)
        self.params = params

    def param(self, fn: str, name: str) -> Value:
        node = ((self.mid, fn), name)
        return self.params(node) if self.params is not None else self.link.param(*node)


class ContextEnv(JoinedEnv):
    """Resolves a value of function ``gf`` in one calling context."""

    def __init__(self, link: Link, gf: GF, context: Context) -> None:
        super().__init__(link, gf[0])
        self.fid = gf[1]
        self.context = context

    def param(self, fn: str, name: str) -> Value:
        if fn == self.fid:
            return self.context.value(name)
        return super().param(fn, name)


def _ext_refs(value: Value) -> List[str]:
    out: List[str] = []
    todo = [value]
    while todo:
        v = todo.pop()
        if isinstance(v, ExtV):
            out.append(v.ref)
        elif isinstance(v, OpV):
            todo.extend(v.args)
        elif isinstance(v, TupleV):
            todo.extend(v.items)
    return out


def _params_in(value: Value) -> List[ParamV]:
    out: List[ParamV] = []
    todo = [value]
    while todo:
        v = todo.pop()
        if isinstance(v, ParamV):
            out.append(v)
        elif isinstance(v, OpV):
            todo.extend(v.args)
        elif isinstance(v, TupleV):
            todo.extend(v.items)
    return out


def has_params(value: Value) -> bool:
    return bool(_params_in(value))


def _origin_nodes(link: Link, mid: str, origin: Optional[Origin]) -> List[Tuple[object, ...]]:
    out: List[Tuple[object, ...]] = []
    todo: List[object] = [origin]
    while todo:
        o = todo.pop()
        if not isinstance(o, tuple) or not o:
            continue
        if o[0] == "call":
            sym = link.symbol(mid, str(o[1]))
            if sym is not None and sym[0] == "fn":
                out.append(("ret", sym[1]))
        elif o[0] == "param":
            out.append(("param", (mid, str(o[1])), str(o[2])))
        elif o[0] == "meth":
            todo.append(o[1])
    return out


def _resolve_origin(
    link: Link,
    mid: str,
    origin: Optional[Origin],
    known: Callable[[Tuple[object, ...]], Optional[str]],
    depth: int = 0,
) -> Optional[str]:
    if origin is None or depth > 50:
        return None
    if isinstance(origin, str):
        return origin
    if origin[0] == "call":
        sym = link.symbol(mid, str(origin[1]))
        if sym is not None and sym[0] == "fn":
            return known(("ret", sym[1]))
        return None
    if origin[0] == "param":
        return known(("param", (mid, str(origin[1])), str(origin[2])))
    if origin[0] == "meth":
        receiver = _resolve_origin(link, mid, origin[1], known, depth + 1)  # type: ignore[arg-type]
        return method_result(receiver, str(origin[2])) if receiver is not None else None
    return None


__all__ = [
    "Context",
    "ContextEnv",
    "GC",
    "GF",
    "JoinedEnv",
    "Lazy",
    "Link",
    "MAIN",
    "MODULE",
    "ZERO",
    "bind_argument",
    "has_params",
]
