"""The thread model: which code runs on the MAPI thread, and which on other threads.

Built lazily (``Analysis.threads``), and only asked for by rules of files that
call ``MAPIInitialize``.  It works on the call graph (``callgraph.py``), whose
closures are work lists, so 3,000 mutually calling functions or deep nesting
terminate.

- **Initializers**: the scopes that call ``MAPIInitialize`` directly, and the
  ones that reach such a scope through calls (CALL and CONSTRUCT edges).
- **MAPI regions**: in an initializer, the calls after its first initializing
  call (text order, excluding the other arm of an ``if``, another ``except``
  handler or ``match`` case, and the handlers of the ``try`` whose body
  initializes).
- **Service thread**: in a ``ServiceFramework`` subclass, ``__init__``,
  ``SvcRun`` and ``SvcDoRun`` run on one thread; when any of them (or a helper)
  initializes MAPI, all of ``SvcRun``/``SvcDoRun`` is on the MAPI thread,
  except what precedes the function's own initializing call.
- **MAPI functions**: every function called from a MAPI region or from a
  service-thread body that is on the MAPI thread, transitively.
- **Other threads**: the service thread when it never initializes MAPI, the
  control handlers (``SvcStop``, ``SvcShutdown``, ``SvcOther(Ex)``,
  ``SvcPause``, ``SvcContinue``, ``SvcInterrogate``), and the functions the
  call graph's THREAD edges start (plus ``run`` of a ``threading.Thread``
  subclass).  Each is a root; its thread is everything it reaches.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Set, Tuple

from .apis import (
    CONTROL_METHODS,
    MAPI_INITIALIZE,
    MAPI_UNINITIALIZE,
    SERVICE_BODIES,
    SERVICE_THREAD_METHODS,
)
from .callgraph import CallGraph, Sites
from .model import CallSite, ClassInfo, FunctionScope, Scope
from .structure import Frame, Structure, runs_after


@dataclass(frozen=True)
class ThreadRoot:
    """A function that starts another thread's code."""

    function: FunctionScope
    #: "control" (a service control handler), "worker", or "service" (a service
    #: thread that never initializes MAPI)
    kind: str
    #: for messages: "control handler SvcStop", "thread target worker"
    label: str


class ThreadModel:
    def __init__(
        self,
        graph: CallGraph,
        sites: Sites,
        structure: Structure,
        service_classes: Sequence[ClassInfo],
    ) -> None:
        self.graph = graph
        self.structure = structure
        # -- initializers ------------------------------------------------------------
        self.direct_init: Dict[int, Scope] = {}
        #: each scope's initializing calls: MAPIInitialize, or a call of an initializer
        self._init_sites: Dict[int, List[CallSite]] = {}
        for site in sites.of(MAPI_INITIALIZE):
            self.direct_init[id(site.scope)] = site.scope
            self._init_sites.setdefault(id(site.scope), []).append(site)
        self.initializers: Set[int] = graph.backward(self.direct_init)
        for scope_id in self.initializers:
            for edge in graph.into(scope_id):
                self._init_sites.setdefault(id(edge.site.scope), []).append(edge.site)
        for init_sites in self._init_sites.values():
            init_sites.sort(key=lambda s: s.index)
        self._uninit_sites: Dict[int, List[CallSite]] = {}
        for site in sites.of(MAPI_UNINITIALIZE):
            self._uninit_sites.setdefault(id(site.scope), []).append(site)
        # -- the service thread and the control thread ----------------------------------
        self.service_bodies: Set[int] = set()
        self.control: List[ThreadRoot] = []
        #: service-thread methods of classes whose service thread never initializes
        self.service_threads: List[ThreadRoot] = []
        for cls in service_classes:
            methods = graph.lineage_methods(cls)
            thread = [methods[n] for n in SERVICE_THREAD_METHODS if n in methods]
            if any(id(m) in self.initializers for m in thread):
                for name in SERVICE_BODIES:
                    if name in methods:
                        self.service_bodies.add(id(methods[name]))
            else:
                for m in thread:
                    self.service_threads.append(
                        ThreadRoot(m, "service", f"service thread ({m.qualname})")
                    )
            for name in CONTROL_METHODS:
                if name in methods:
                    fn = methods[name]
                    self.control.append(ThreadRoot(fn, "control", f"control handler {fn.qualname}"))
        # -- other threads --------------------------------------------------------------
        self.workers: List[ThreadRoot] = [
            ThreadRoot(start.function, "worker", start.label) for start in graph.thread_starts
        ]
        self._reach: Dict[int, Set[int]] = {}
        #: functions that start another thread's code: when the MAPI thread also calls
        #: one of them directly, which thread runs it is unclear (left out)
        roots: Set[int] = {id(r.function) for r in self.control + self.workers}
        # -- the MAPI thread -----------------------------------------------------------
        seeds: List[FunctionScope] = []
        for scope_id in self.initializers:
            for edge in graph.out(scope_id):
                if self._in_region(edge.site) and not self._after_uninit(edge.site):
                    seeds.append(edge.target)
        for scope_id in self.service_bodies:
            for edge in graph.out(scope_id):
                if self._service_site(edge.site) and not self._after_uninit(edge.site):
                    seeds.append(edge.target)
        self.mapi_functions: Set[int] = graph.forward(seeds, skip=roots)

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
        """Ids of the scopes ``fn`` runs, itself included, through calls."""
        cached = self._reach.get(id(fn))
        if cached is None:
            cached = self._reach[id(fn)] = self.graph.forward([fn])
        return cached

    def initializes(self, fn: Scope) -> bool:
        """True when ``fn`` calls MAPIInitialize, directly or through module functions."""
        return id(fn) in self.initializers

    # -- regions -------------------------------------------------------------------------
    def _after_uninit(self, site: CallSite) -> bool:
        """The call follows, in straight-line code of the same function, a
        MAPIUninitialize with no initializing call in between."""
        uninits = self._uninit_sites.get(id(site.scope))
        if not uninits:
            return False
        inits = self._init_sites.get(id(site.scope), [])
        layout = self.structure.layout(site.scope.node)
        for un in uninits:
            if un.index >= site.index or not layout.straight_line(un.stmt):
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
        layout = self.structure.layout(site.scope.node)
        path: Optional[Tuple[Frame, ...]] = None
        for init in inits:
            if init.index >= site.index:
                break
            if path is None:
                path = layout.path(site.stmt)
            if runs_after(layout.path(init.stmt), path):
                return True
        return False

    def _service_site(self, site: CallSite) -> bool:
        """In SvcRun/SvcDoRun: everything but what precedes the function's own
        first initializing call."""
        inits = self._init_sites.get(id(site.scope))
        if not inits:
            return True
        return site.index > inits[0].index and self._in_region(site)


__all__ = ["ThreadModel", "ThreadRoot"]
