"""The per-module thread model (RULES.md 1.4): which code runs on the MAPI thread.

Built lazily (``Analysis.threads``), and only asked for by rules of files that
call ``MAPIInitialize``.  Everything here is iterative (work lists, no
recursion over the call graph), so 3,000 mutually calling functions or deep
nesting terminate.

- **Call graph**: an edge for every call whose callee is a function of the
  module (``site.target``: module functions, methods reached through ``self``
  or the class, nested helpers) and for an instantiation of a module class
  (its ``__init__``).  Passing a function to a thread is not a call.
- **Initializers**: the scopes that call ``MAPIInitialize`` directly, and the
  ones that reach such a scope through the call graph.
- **MAPI regions**: in an initializer, the calls after its first
  initializing call (text order, excluding the other arm of an ``if`` and the
  ``except`` handlers of the ``try`` whose body initializes).
- **Service thread**: in a ``ServiceFramework`` subclass, ``__init__``,
  ``SvcRun`` and ``SvcDoRun`` run on one thread; when any of them (or a helper)
  initializes MAPI, all of ``SvcRun``/``SvcDoRun`` is on the MAPI thread,
  except what precedes the function's own initializing call.
- **MAPI functions**: every function called from a MAPI region or from a
  service-thread body that is on the MAPI thread, transitively.
- **Other threads**: the service thread when it never initializes MAPI, the
  control handlers (``SvcStop``, ``SvcShutdown``,
  ``SvcOther(Ex)``, ``SvcPause``, ``SvcContinue``, ``SvcInterrogate``), the
  function given to ``threading.Thread(target=...)``, ``threading.Timer``,
  ``_thread.start_new_thread`` or an executor's ``submit``, and ``run`` of a
  module class deriving from ``threading.Thread``.  Each is a root; its thread
  is everything it reaches through the call graph.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Dict, FrozenSet, Iterable, List, Optional, Sequence, Set, Tuple

import libcst as cst

from .bindings import agreed
from .model import (
    AssignSource,
    CallSite,
    ClassInfo,
    FunctionScope,
    OpaqueSource,
    Scope,
    call_argument,
)
from .service import service_classes
from .structure import Frame

if TYPE_CHECKING:
    from .context import Analysis

INITIALIZE = "mapi.MAPIInitialize"
UNINITIALIZE = "mapi.MAPIUninitialize"

SERVICE_THREAD_METHODS: Tuple[str, ...] = ("__init__", "SvcRun", "SvcDoRun")
SERVICE_BODIES: Tuple[str, ...] = ("SvcRun", "SvcDoRun")
CONTROL_METHODS: Tuple[str, ...] = (
    "SvcStop",
    "SvcShutdown",
    "SvcOther",
    "SvcOtherEx",
    "SvcPause",
    "SvcContinue",
    "SvcInterrogate",
)

#: thread starters: key -> (positional index, keyword) of the function argument
THREAD_STARTERS: Dict[str, Tuple[int, str]] = {
    "threading.Thread": (1, "target"),
    "threading.Timer": (1, "function"),
    "_thread.start_new_thread": (0, "function"),
    "_thread.start_new": (0, "function"),
    "thread.start_new_thread": (0, "function"),
    "win32process.beginthreadex": (2, "entryPoint"),
}
EXECUTORS: FrozenSet[str] = frozenset(
    {
        "concurrent.futures.ThreadPoolExecutor",
        "concurrent.futures.ProcessPoolExecutor",
        "concurrent.futures.thread.ThreadPoolExecutor",
        "concurrent.futures.process.ProcessPoolExecutor",
    }
)
THREAD_CLASSES: FrozenSet[str] = frozenset({"threading.Thread"})
_PARTIAL = frozenset({"functools.partial"})

#: try parts that run after another part of the same ``try``
_TRY_AFTER = frozenset(
    {("body", "else"), ("body", "finally"), ("handler", "finally"), ("else", "finally")}
)


@dataclass(frozen=True)
class ThreadRoot:
    """A function that starts another thread's code."""

    function: FunctionScope
    #: "control" (a service control handler) or "worker"
    kind: str
    #: for messages: "control handler SvcStop", "thread target worker"
    label: str


class ThreadModel:
    def __init__(self, an: Analysis) -> None:
        self.an = an
        model = an.model
        self._lambda_by_node: Dict[int, FunctionScope] = {
            id(fn.node): fn for fn in model.functions if fn.kind == "lambda"
        }
        # -- the call graph ---------------------------------------------------
        self.edges: Dict[int, List[Tuple[CallSite, FunctionScope]]] = {}
        self.callers: Dict[int, List[CallSite]] = {}
        self._scopes: Dict[int, Scope] = {}
        for site in model.calls:
            target = site.target or self._constructed(site)
            if target is None:
                continue
            self.edges.setdefault(id(site.scope), []).append((site, target))
            self.callers.setdefault(id(target), []).append(site)
            self._scopes[id(site.scope)] = site.scope
            self._scopes[id(target)] = target
        # -- initializers ------------------------------------------------------------
        direct: Dict[int, Scope] = {}
        for site in an.sites(INITIALIZE):
            direct[id(site.scope)] = site.scope
        self.direct_init: Dict[int, Scope] = direct
        self.initializers: Set[int] = self._reverse_closure(direct.keys())
        # the first initializing calls of each initializer (sorted by index)
        self._init_sites: Dict[int, List[CallSite]] = {}
        for site in an.sites(INITIALIZE):
            self._init_sites.setdefault(id(site.scope), []).append(site)
        for scope_id, pairs in self.edges.items():
            for site, target in pairs:
                if id(target) in self.initializers:
                    self._init_sites.setdefault(scope_id, []).append(site)
        for sites in self._init_sites.values():
            sites.sort(key=lambda s: s.index)
        # -- the service thread ----------------------------------------------------
        self.service_bodies: Set[int] = set()
        self.control: List[ThreadRoot] = []
        #: service-thread methods of classes whose service thread never initializes
        self.service_threads: List[ThreadRoot] = []
        for cls in service_classes(an):
            methods = self._lineage_methods(cls)
            thread = [methods[n] for n in SERVICE_THREAD_METHODS if n in methods]
            if any(id(m) in self.initializers for m in thread):
                for name in SERVICE_BODIES:
                    if name in methods:
                        self.service_bodies.add(id(methods[name]))
            else:
                # the service thread never initializes MAPI: another thread for MPS110
                for m in thread:
                    self.service_threads.append(
                        ThreadRoot(m, "service", f"service thread ({m.qualname})")
                    )
            for name in CONTROL_METHODS:
                if name in methods:
                    self.control.append(
                        ThreadRoot(
                            methods[name], "control", f"control handler {methods[name].qualname}"
                        )
                    )
        # -- other threads --------------------------------------------------------------
        self.workers: List[ThreadRoot] = self._workers()
        self._reach: Dict[int, Set[int]] = {}
        #: functions that start another thread's code: when the MAPI thread also calls
        #: one of them directly, which thread runs it is unclear (left out)
        self._roots: Set[int] = {id(r.function) for r in self.control + self.workers}
        # -- the MAPI thread -----------------------------------------------------------
        self._uninit_sites: Dict[int, List[CallSite]] = {}
        for site in an.sites(UNINITIALIZE):
            self._uninit_sites.setdefault(id(site.scope), []).append(site)
        seeds: List[FunctionScope] = []
        for scope_id in self.initializers:
            for site, target in self.edges.get(scope_id, ()):
                if self._in_region(site) and not self._after_uninit(site):
                    seeds.append(target)
        for scope_id in self.service_bodies:
            for site, target in self.edges.get(scope_id, ()):
                if self._service_site(site) and not self._after_uninit(site):
                    seeds.append(target)
        self.mapi_functions: Set[int] = self._forward_closure(seeds, skip=self._roots)

    # -- public queries ----------------------------------------------------------------
    def on_mapi_thread(self, site: CallSite) -> bool:
        """True when ``site`` definitely runs on a thread that initialized MAPI (and
        not after that function's own straight-line MAPIUninitialize)."""
        if self._after_uninit(site):
            return False
        scope_id = id(site.scope)
        if scope_id in self.mapi_functions:
            return True
        if scope_id in self.service_bodies and self._service_site(site):
            return True
        return scope_id in self.initializers and self._in_region(site)

    def other_threads(self) -> List[ThreadRoot]:
        """Roots of code that runs on a thread of its own: control handlers, workers,
        and the service thread of a service class whose service thread never
        initializes MAPI (its ``__init__``/``SvcRun``/``SvcDoRun``)."""
        return self.control + self.workers + self.service_threads

    def reach(self, fn: Scope) -> Set[int]:
        """Ids of the scopes ``fn`` runs, itself included, through the call graph."""
        cached = self._reach.get(id(fn))
        if cached is None:
            cached = self._forward_closure([fn])
            self._reach[id(fn)] = cached
        return cached

    def initializes(self, fn: Scope) -> bool:
        """True when ``fn`` calls MAPIInitialize, directly or through module functions."""
        return id(fn) in self.initializers

    def scope(self, scope_id: int) -> Optional[Scope]:
        return self._scopes.get(scope_id)

    def callees(self, fn: Scope) -> List[Tuple[CallSite, FunctionScope]]:
        return self.edges.get(id(fn), [])

    def function_of(self, expr: cst.BaseExpression, scope: Scope) -> Optional[FunctionScope]:
        """The module function an expression names (``f``, ``self.m``, a lambda, ``partial(f)``)."""
        if isinstance(expr, cst.Lambda):
            return self._lambda_by_node.get(id(expr))
        resolver = self.an.resolver
        if isinstance(expr, cst.Call):
            if resolver.ref(expr.func, scope) in _PARTIAL and expr.args:
                first = expr.args[0]
                if first.keyword is None and not first.star:
                    return self.function_of(first.value, scope)
            return None
        return resolver.function(resolver.ref(expr, scope))

    # -- building blocks -------------------------------------------------------------------
    def _constructed(self, site: CallSite) -> Optional[FunctionScope]:
        """``Cls(...)`` for a module class runs its ``__init__``."""
        resolver = self.an.resolver
        func = site.node.func
        if not isinstance(func, (cst.Name, cst.Attribute)):
            return None
        cls = resolver.klass(resolver.ref(func, site.scope))
        if cls is not None:
            return self._lineage_methods(cls).get("__init__")
        if isinstance(func, cst.Attribute) and site.key is None:
            # obj.m() where obj is an instance of a module class
            owner = self._instance_class(func.value, site.scope)
            if owner is not None:
                return self._lineage_methods(owner).get(func.attr.value)
        return None

    def _instance_class(self, node: cst.BaseExpression, scope: Scope) -> Optional[ClassInfo]:
        """The module class ``node`` is an instance of, when every binding of the
        name (or ``self.x``) constructs that one class."""
        resolver = self.an.resolver
        bound = resolver.bound(node, scope)
        if bound is None or bound.volatile:
            return None

        def constructed(value: cst.BaseExpression, where: Scope) -> Optional[ClassInfo]:
            if not isinstance(value, cst.Call):
                return None
            return resolver.klass(resolver.ref(value.func, where))

        return agreed(bound.values, constructed)

    def _lineage_methods(self, cls: ClassInfo) -> Dict[str, FunctionScope]:
        """Methods visible on the class (its own first, then same-module bases)."""
        out: Dict[str, FunctionScope] = {}
        for c in self.an.resolver.class_lineage(cls):
            for name, fn in c.methods.items():
                out.setdefault(name, fn)
        return out

    def _reverse_closure(self, start: Iterable[int]) -> Set[int]:
        seen: Set[int] = set(start)
        todo = list(seen)
        while todo:
            current = todo.pop()
            for site in self.callers.get(current, ()):
                caller = id(site.scope)
                if caller not in seen:
                    seen.add(caller)
                    todo.append(caller)
                    self._scopes.setdefault(caller, site.scope)
        return seen

    def _forward_closure(self, start: Sequence[Scope], skip: Iterable[int] = ()) -> Set[int]:
        seen: Set[int] = set(skip)
        todo: List[int] = []
        for fn in start:
            if id(fn) not in seen:
                seen.add(id(fn))
                todo.append(id(fn))
                self._scopes.setdefault(id(fn), fn)
        while todo:
            current = todo.pop()
            for _, target in self.edges.get(current, ()):
                if id(target) not in seen:
                    seen.add(id(target))
                    todo.append(id(target))
        return seen.difference(skip) if skip else seen

    def _after_uninit(self, site: CallSite) -> bool:
        """The call follows, in straight-line code of the same function, a
        MAPIUninitialize with no initializing call in between."""
        uninits = self._uninit_sites.get(id(site.scope))
        if not uninits:
            return False
        structure = self.an.structure
        inits = self._init_sites.get(id(site.scope), [])
        for un in uninits:
            if un.index >= site.index or not structure.straight_line(un.scope, un.stmt):
                continue
            if any(un.index < i.index < site.index for i in inits):
                continue
            return True
        return False

    def _in_region(self, site: CallSite) -> bool:
        """True when ``site`` follows one of its scope's initializing calls."""
        inits = self._init_sites.get(id(site.scope))
        if not inits:
            return False
        structure = self.an.structure
        path: Optional[Tuple[Frame, ...]] = None
        for init in inits:
            if init.index >= site.index:
                break
            if path is None:
                path = structure.path(site.scope, site.stmt)
            if _runs_after(structure.path(init.scope, init.stmt), path):
                return True
        return False

    def _service_site(self, site: CallSite) -> bool:
        """In SvcRun/SvcDoRun: everything but what precedes the function's own
        first initializing call."""
        inits = self._init_sites.get(id(site.scope))
        if not inits:
            return True
        return site.index > inits[0].index and self._in_region(site)

    def _workers(self) -> List[ThreadRoot]:
        an = self.an
        out: List[ThreadRoot] = []
        seen: Set[int] = set()

        def add(fn: Optional[FunctionScope], label: str) -> None:
            if fn is not None and id(fn) not in seen:
                seen.add(id(fn))
                out.append(ThreadRoot(fn, "worker", label))

        for key, (index, keyword) in THREAD_STARTERS.items():
            for site in an.sites(key):
                expr = call_argument(site.node, index, keyword)
                if expr is not None:
                    fn = self.function_of(expr, site.scope)
                    add(fn, f"thread target {_name(fn)}")
        for site in an.model.calls:
            func = site.node.func
            if (
                site.key is None
                and isinstance(func, cst.Attribute)
                and func.attr.value == "submit"
                and site.node.args
                and self._is_executor(func.value, site.scope)
            ):
                expr = call_argument(site.node, 0, "fn")
                if expr is not None:
                    fn = self.function_of(expr, site.scope)
                    add(fn, f"executor task {_name(fn)}")
        for cls in an.model.classes:
            if "run" in cls.methods and an.resolver.derives_from(cls, THREAD_CLASSES):
                add(cls.methods["run"], f"thread {cls.name}.run")
        return out

    def _is_executor(self, node: cst.BaseExpression, scope: Scope) -> bool:
        resolver = self.an.resolver
        values: List[Tuple[Optional[cst.BaseExpression], Scope]] = []
        if isinstance(node, cst.Name):
            owner = resolver.binding_scope(node.value, scope)
            if owner is None:
                return False
            for source in owner.bindings[node.value]:
                if isinstance(source, AssignSource):
                    values.append((source.value, owner))
                elif isinstance(source, OpaqueSource) and source.kind == "with":
                    values.extend((v, owner) for v in _with_values(owner, node.value))
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


def _name(fn: Optional[FunctionScope]) -> str:
    if fn is None:
        return "?"
    return fn.qualname or fn.name


def _runs_after(before: Tuple[Frame, ...], after: Tuple[Frame, ...]) -> bool:
    """Can a statement at path ``after`` run after one at path ``before`` (that
    comes first in the text) on the same pass through the function?"""
    parts = {id(node): part for _, node, part in after}
    for kind, node, part in before:
        other = parts.get(id(node))
        if other is None or other == part:
            continue
        if kind == "try":
            return (part, other) in _TRY_AFTER
        if kind == "loop":
            return part == "body" and other == "else"
        return False  # the other arm of an if, another match case
    return True


def _with_values(scope: Scope, name: str) -> List[cst.BaseExpression]:
    """The context expressions of ``with <expr> as name`` in the scope's own body."""
    body: Sequence[cst.CSTNode]
    if isinstance(scope, FunctionScope):
        body = scope.body
    elif scope.kind == "module" and isinstance(scope.node, cst.Module):
        body = scope.node.body
    else:
        return []
    out: List[cst.BaseExpression] = []
    todo: List[cst.CSTNode] = list(body)
    while todo:
        stmt = todo.pop()
        if isinstance(stmt, (cst.FunctionDef, cst.ClassDef, cst.SimpleStatementLine)):
            continue
        if isinstance(stmt, cst.With):
            for item in stmt.items:
                target = item.asname.name if item.asname is not None else None
                if isinstance(target, cst.Name) and target.value == name:
                    out.append(item.item)
        todo.extend(_child_statements(stmt))
    return out


def _child_statements(stmt: cst.CSTNode) -> List[cst.CSTNode]:
    """The statements directly inside a compound statement (all its blocks)."""
    out: List[cst.CSTNode] = []
    for suite in _suites(stmt):
        if isinstance(suite, cst.IndentedBlock):
            out.extend(suite.body)
    return out


def _suites(stmt: cst.CSTNode) -> List[cst.BaseSuite]:
    """Every block of a compound statement (an ``elif`` chain included, iteratively)."""
    suites: List[cst.BaseSuite] = []
    current: Optional[cst.CSTNode] = stmt
    while current is not None:
        node = current
        current = None
        body = getattr(node, "body", None)
        if isinstance(body, cst.BaseSuite):
            suites.append(body)
        if isinstance(node, (cst.Try, cst.TryStar)):
            suites.extend(h.body for h in node.handlers)
            if node.finalbody is not None:
                suites.append(node.finalbody.body)
        if isinstance(node, cst.Match):
            suites.extend(c.body for c in node.cases)
        orelse = getattr(node, "orelse", None)
        if isinstance(orelse, cst.If):
            current = orelse
        elif isinstance(orelse, cst.Else):
            suites.append(orelse.body)
    return suites


__all__ = ["ThreadModel", "ThreadRoot", "CONTROL_METHODS", "SERVICE_THREAD_METHODS"]
