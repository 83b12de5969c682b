"""The call sites of a module and its one call graph.

``Sites`` resolves every call once the module model is built: an API call gets
its key (``"mapi.MAPILogonEx"``, ``"time.sleep"``), a method called on an
object obtained from MAPI (its receiver's origin, from provenance) gets
``"mapiobj.<method>"``, and a call of one of the module's own functions gets
that function as its ``target``.

``CallGraph`` owns the edges between the module's functions, of three kinds:

- ``CALL``: a call whose target is a module function, a method reached through
  ``self`` or its class, or a nested helper (``site.target``);
- ``CONSTRUCT``: ``Cls(...)`` of a module class runs its ``__init__``, and
  ``obj.m()`` on an instance of a module class (every binding of ``obj``
  constructs that class) runs its method;
- ``THREAD``: the function is handed to ``threading.Thread(target=...)``,
  ``threading.Timer``, ``_thread.start_new_thread``, ``win32process.beginthreadex``
  or an executor's ``submit``: it runs on another thread, it is not called here.

Flow evaluation takes parameter contexts from it, the thread model its
closures and thread roots, the wait analysis its pumping functions.  Closures
are work lists, so cycles and thousands of functions terminate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, FrozenSet, Iterable, List, Optional, Set, Tuple

import libcst as cst

from .apis import EXECUTORS, MAPI_METHOD, PARTIAL, THREAD_CLASSES, THREAD_STARTERS
from .bindings import Resolver, agreed, api_key
from .model import (
    AssignSource,
    CallSite,
    ClassInfo,
    FunctionScope,
    ModuleModel,
    OpaqueSource,
    Scope,
    argument_expr,
    walk,
)
from .structure import Structure

CALL = "call"
CONSTRUCT = "construct"
THREAD = "thread"
#: the kinds of edge that run the target on the caller's thread
CALLS: FrozenSet[str] = frozenset({CALL, CONSTRUCT})
_CALL_ONLY: FrozenSet[str] = frozenset({CALL})


class Sites:
    """Every call site's key, flavour and target, and the sites of each key."""

    def __init__(
        self,
        model: ModuleModel,
        resolver: Resolver,
        origin: Callable[[cst.BaseExpression, Scope], Optional[str]],
    ) -> None:
        self._by_key: Dict[str, List[CallSite]] = {}
        for site in model.calls:
            func = site.node.func
            ref = resolver.ref(func, site.scope)
            key, flavour = api_key(ref)
            if key is None:
                fn = resolver.function(ref)
                if fn is not None:
                    site.target = fn
                    site.flavour = "local"
                elif isinstance(func, cst.Attribute) and ref is None:
                    tag = origin(func.value, site.scope)
                    if tag is not None:
                        key, flavour = MAPI_METHOD + func.attr.value, "method"
                        site.receiver = tag
            if key is not None:
                site.key = key
                site.flavour = flavour
                self._by_key.setdefault(key, []).append(site)

    def of(self, key: str) -> List[CallSite]:
        return self._by_key.get(key, [])

    def keys(self) -> List[str]:
        return list(self._by_key)


@dataclass(frozen=True)
class Edge:
    site: CallSite
    target: FunctionScope
    kind: str  # CALL | CONSTRUCT | THREAD
    #: a CALL through an attribute that passes the instance implicitly (``obj.m(x)``)
    bound: bool = False


@dataclass(frozen=True)
class ThreadStart:
    """A function that runs on a thread of its own, and how it is named in messages."""

    function: FunctionScope
    label: str


class CallGraph:
    def __init__(
        self, model: ModuleModel, resolver: Resolver, sites: Sites, structure: Structure
    ) -> None:
        self.model = model
        self.resolver = resolver
        self.structure = structure
        self._out: Dict[int, List[Edge]] = {}
        self._in: Dict[int, List[Edge]] = {}
        self._lambda_by_node: Dict[int, FunctionScope] = {
            id(fn.node): fn for fn in model.functions if fn.kind == "lambda"
        }
        self._escaping: Optional[Set[str]] = None
        self._attr_calls: Dict[str, int] = {}
        for site in model.calls:
            if site.target is not None:
                self._add(Edge(site, site.target, CALL, self._bound(site)))
                continue
            constructed = self._constructed(site)
            if constructed is not None:
                self._add(Edge(site, constructed, CONSTRUCT))
        #: functions started on another thread, in the order a reader meets them
        self.thread_starts: List[ThreadStart] = []
        seen: Set[int] = set()
        for site, fn, label in self._thread_targets(sites):
            self._add(Edge(site, fn, THREAD))
            if id(fn) not in seen:
                seen.add(id(fn))
                self.thread_starts.append(ThreadStart(fn, label))
        for cls in model.classes:
            if "run" in cls.methods and resolver.derives_from(cls, THREAD_CLASSES):
                run = cls.methods["run"]
                if id(run) not in seen:
                    seen.add(id(run))
                    self.thread_starts.append(ThreadStart(run, f"thread {cls.name}.run"))

    # -- edges ------------------------------------------------------------------------
    def _add(self, edge: Edge) -> None:
        self._out.setdefault(id(edge.site.scope), []).append(edge)
        self._in.setdefault(id(edge.target), []).append(edge)

    def out(self, scope_id: int, kinds: FrozenSet[str] = CALLS) -> List[Edge]:
        """The edges from the calls of the scope with this id."""
        return [e for e in self._out.get(scope_id, ()) if e.kind in kinds]

    def into(self, scope_id: int, kinds: FrozenSet[str] = CALLS) -> List[Edge]:
        """The edges to the function with this id."""
        return [e for e in self._in.get(scope_id, ()) if e.kind in kinds]

    def calls_of(self, fn: FunctionScope) -> List[Edge]:
        """The module's direct calls of ``fn`` (CALL edges: their arguments are known)."""
        return self.into(id(fn), _CALL_ONLY)

    def forward(
        self,
        start: Iterable[Scope],
        kinds: FrozenSet[str] = CALLS,
        skip: Iterable[int] = (),
    ) -> Set[int]:
        """Ids of the scopes ``start`` runs (themselves included), not entering ``skip``."""
        skipped = set(skip)
        seen: Set[int] = set(skipped)
        todo: List[int] = []
        for fn in start:
            if id(fn) not in seen:
                seen.add(id(fn))
                todo.append(id(fn))
        while todo:
            current = todo.pop()
            for edge in self._out.get(current, ()):
                if edge.kind in kinds and id(edge.target) not in seen:
                    seen.add(id(edge.target))
                    todo.append(id(edge.target))
        return seen - skipped

    def backward(self, start: Iterable[int], kinds: FrozenSet[str] = CALLS) -> Set[int]:
        """Ids of the scopes that reach one of ``start`` (scope ids), themselves included."""
        seen: Set[int] = set(start)
        todo = list(seen)
        while todo:
            current = todo.pop()
            for edge in self._in.get(current, ()):
                caller = id(edge.site.scope)
                if edge.kind in kinds and caller not in seen:
                    seen.add(caller)
                    todo.append(caller)
        return seen

    # -- who may call a function ---------------------------------------------------------
    def all_callers_known(self, fn: FunctionScope) -> bool:
        """False when ``fn`` may be called from code the module's calls do not show:
        a lambda, a function the module uses as a value (a thread target, a
        callback), or a method also called on an object the analysis cannot type."""
        if fn.kind != "function" or fn.name in self._escaping_names():
            return False
        if fn.cls is not None:
            seen = sum(1 for e in self.calls_of(fn) if isinstance(e.site.node.func, cst.Attribute))
            if self._attr_calls.get(fn.name, 0) > seen:
                return False
        return True

    def _escaping_names(self) -> Set[str]:
        """Names (bare or as attributes) the module uses other than by calling them
        or defining them: a function so named may be called from anywhere."""
        if self._escaping is None:
            collector = _References()
            walk(collector, self.model.module)
            self._escaping = collector.escaping
            self._attr_calls = collector.attr_calls
        return self._escaping

    def _bound(self, site: CallSite) -> bool:
        # ``Class.method(obj, ...)`` passes the instance explicitly
        func = site.node.func
        return isinstance(func, cst.Attribute) and not (
            self.resolver.ref(func.value, site.scope) or ""
        ).startswith("cls:")

    # -- functions named by expressions ------------------------------------------------------
    def function_of(self, expr: cst.BaseExpression, scope: Scope) -> Optional[FunctionScope]:
        """The module function an expression names (``f``, ``self.m``, a lambda, ``partial(f)``)."""
        if isinstance(expr, cst.Lambda):
            return self._lambda_by_node.get(id(expr))
        resolver = self.resolver
        if isinstance(expr, cst.Call):
            if resolver.ref(expr.func, scope) in PARTIAL and expr.args:
                first = expr.args[0]
                if first.keyword is None and not first.star:
                    return self.function_of(first.value, scope)
            return None
        return resolver.function(resolver.ref(expr, scope))

    def lineage_methods(self, cls: ClassInfo) -> Dict[str, FunctionScope]:
        """Methods visible on the class (its own first, then same-module bases)."""
        out: Dict[str, FunctionScope] = {}
        for c in self.resolver.class_lineage(cls):
            for name, fn in c.methods.items():
                out.setdefault(name, fn)
        return out

    def _constructed(self, site: CallSite) -> Optional[FunctionScope]:
        """``Cls(...)`` for a module class runs its ``__init__``; ``obj.m()`` on an
        instance of one runs its method."""
        resolver = self.resolver
        func = site.node.func
        if not isinstance(func, (cst.Name, cst.Attribute)):
            return None
        cls = resolver.klass(resolver.ref(func, site.scope))
        if cls is not None:
            return self.lineage_methods(cls).get("__init__")
        if isinstance(func, cst.Attribute) and site.key is None:
            owner = self._instance_class(func.value, site.scope)
            if owner is not None:
                return self.lineage_methods(owner).get(func.attr.value)
        return None

    def _instance_class(self, node: cst.BaseExpression, scope: Scope) -> Optional[ClassInfo]:
        """The module class ``node`` is an instance of, when every binding of the
        name (or ``self.x``) constructs that one class."""
        resolver = self.resolver
        bound = resolver.bound(node, scope)
        if bound is None or bound.volatile:
            return None

        def constructed(value: cst.BaseExpression, where: Scope) -> Optional[ClassInfo]:
            if not isinstance(value, cst.Call):
                return None
            return resolver.klass(resolver.ref(value.func, where))

        return agreed(bound.values, constructed)

    # -- threads ---------------------------------------------------------------------------
    def _thread_targets(self, sites: Sites) -> List[Tuple[CallSite, FunctionScope, str]]:
        out: List[Tuple[CallSite, FunctionScope, str]] = []
        for key, (index, keyword) in THREAD_STARTERS.items():
            for site in sites.of(key):
                expr = argument_expr(site.node, index, keyword)
                fn = self.function_of(expr, site.scope) if expr is not None else None
                if fn is not None:
                    out.append((site, fn, f"thread target {_name(fn)}"))
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
                fn = self.function_of(expr, site.scope) if expr is not None else None
                if fn is not None:
                    out.append((site, fn, f"executor task {_name(fn)}"))
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
        for value, where in values:
            if not isinstance(value, cst.Call):
                return False
            if resolver.ref(value.func, where) not in EXECUTORS:
                return False
        return True

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


def _name(fn: FunctionScope) -> str:
    return fn.qualname or fn.name


class _References(cst.CSTVisitor):
    """Collects names read other than as the callee of a call, and counts the
    calls of each method name."""

    def __init__(self) -> None:
        super().__init__()
        self.skip: Set[int] = set()
        self.escaping: Set[str] = set()
        self.attr_calls: Dict[str, int] = {}

    def visit_Call(self, node: cst.Call) -> None:
        self.skip.add(id(node.func))
        if isinstance(node.func, cst.Attribute):
            name = node.func.attr.value
            self.attr_calls[name] = self.attr_calls.get(name, 0) + 1
        for arg in node.args:
            if arg.keyword is not None:
                self.skip.add(id(arg.keyword))

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.skip.add(id(node.name))

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.skip.add(id(node.name))

    def visit_Param(self, node: cst.Param) -> None:
        self.skip.add(id(node.name))

    def visit_Import(self, node: cst.Import) -> bool:
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def visit_Global(self, node: cst.Global) -> bool:
        return False

    def visit_Nonlocal(self, node: cst.Nonlocal) -> bool:
        return False

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self.skip.add(id(node.attr))
        if id(node) not in self.skip:
            self.escaping.add(node.attr.value)

    def visit_Name(self, node: cst.Name) -> None:
        if id(node) not in self.skip:
            self.escaping.add(node.value)
