"""The thread model: which code runs on the MAPI thread, and which on other threads.

It works on the project's call graph (``callgraph.ProjectGraph``), so a function
called on the MAPI thread runs on it wherever it is defined, and an
initializer may reach ``MAPIInitialize`` through other modules.  Closures are
work lists: thousands of mutually calling functions terminate.

- **Initializers**: the functions that call ``MAPIInitialize`` directly, and the
  ones that reach such a function through calls (CALL and CONSTRUCT edges).
- **MAPI regions**: in an initializer, the calls after its first initializing
  call (text order, excluding the other arm of an ``if``, another ``except``
  handler or ``match`` case, and the handlers of the ``try`` whose body
  initializes).
- **Service thread**: in a ``ServiceFramework`` subclass, ``__init__``,
  ``SvcRun`` and ``SvcDoRun`` (its own or inherited from a project base class)
  run on one thread; when any of them (or a helper) initializes MAPI, all of
  ``SvcRun``/``SvcDoRun`` is on the MAPI thread, except what precedes the
  function's own initializing call.  In the methods that thread runs with
  ``self`` an instance of the class (``self.m()`` from them, transitively),
  ``self.m()`` runs an ``m`` that the class or a base defines (a base's through
  ``super()``), never a sibling's override: whether the class initializes MAPI,
  and what of them is on its MAPI thread, is worked out per class.  A class
  whose thread initializes only through another class's override is unclear
  (neither the MAPI thread nor another thread).
- **MAPI functions**: every function called from a MAPI region or from a
  service-thread body that is on the MAPI thread, transitively; those of
  service code (``service_mapi``, what the rules ask) apart from the rest
  (``context`` shows both).
- **Other threads**: the service thread when it never initializes MAPI, the
  control handlers (``SvcStop``, ``SvcShutdown``, ``SvcOther(Ex)``,
  ``SvcPause``, ``SvcContinue``, ``SvcInterrogate``), the functions the THREAD
  edges start, and ``run`` of a ``threading.Thread`` subclass.  Each is a root;
  its thread is everything it reaches.

A call site is asked about by its function (``(module id, fid)``), its
pre-order index and its frames (``summary.FrameFact``: the blocks that hold it).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Callable, Dict, List, Optional, Sequence, Set, Tuple

from .apis import (
    COM_INIT,
    CONTROL_METHODS,
    MAPI_INITIALIZE,
    MAPI_UNINITIALIZE,
    SERVICE_BODIES,
    SERVICE_THREAD_METHODS,
    THREAD_CLASSES,
)
from .callgraph import CALLS, THREAD, Edge, Node
from .link import GC, GF, Link
from .structure import STRAIGHT_PARTS, runs_after
from .summary import FrameFact


@dataclass(frozen=True)
class Point:
    """A call site as the thread model sees it."""

    function: GF
    index: int
    frames: Tuple[FrameFact, ...]


@dataclass(frozen=True)
class ThreadRoot:
    """A function that starts another thread's code."""

    function: GF
    #: "control" (a service control handler), "worker", or "service" (a service
    #: thread that never initializes MAPI)
    kind: str
    #: for messages: "control handler Service.SvcStop", "thread target worker"
    label: str


class ThreadModel:
    def __init__(
        self,
        link: Link,
        service_classes: Sequence[Tuple[str, str]],
        in_service: Callable[[GF], bool],
    ) -> None:
        self.link = link
        self._service_classes = list(service_classes)
        self._lineage_methods: Dict[GC, Set[GF]] = {}
        graph = link.graph
        # -- initializers ------------------------------------------------------------
        self.direct_init: Set[GF] = set()
        self._init_points: Dict[GF, List[Point]] = {}
        self._uninit_points: Dict[GF, List[Point]] = {}
        for mid, module in link.modules.items():
            for fact in module.calls:
                gf = (mid, fact.scope)
                if fact.key == MAPI_INITIALIZE:
                    self.direct_init.add(gf)
                    self._init_points.setdefault(gf, []).append(Point(gf, fact.index, fact.frames))
                elif fact.key == MAPI_UNINITIALIZE:
                    self._uninit_points.setdefault(gf, []).append(
                        Point(gf, fact.index, fact.frames)
                    )
        self._com_points: Dict[GF, List[Point]] = {}
        for mid, module in link.modules.items():
            for fact in module.calls:
                if fact.key in COM_INIT:
                    gf = (mid, fact.scope)
                    self._com_points.setdefault(gf, []).append(Point(gf, fact.index, fact.frames))
        # a call of a function that (through calls of any module) initializes COM is
        # an initialization where it stands, like a call that reaches MAPIInitialize
        for gf in graph.backward(set(self._com_points), CALLS):
            for edge in graph.into(gf, CALLS):
                self._com_points.setdefault(edge.caller, []).append(
                    Point(edge.caller, edge.fact.index, edge.fact.frames)
                )
        self.initializers: Set[GF] = graph.backward(self.direct_init, CALLS)
        for gf in self.initializers:
            for edge in graph.into(gf, CALLS):
                self._init_points.setdefault(edge.caller, []).append(
                    Point(edge.caller, edge.fact.index, edge.fact.frames)
                )
        # -- the service thread and the control thread ----------------------------------
        self.service_bodies: Set[GF] = set()
        self.control: List[ThreadRoot] = []
        self.service_threads: List[ThreadRoot] = []
        seen_roots: Set[Tuple[str, GF]] = set()
        #: per service class whose thread initializes MAPI: the methods that run with
        #: ``self`` an instance of it, the ones of those that initialize (all of them
        #: among ``initializers``), its bodies
        self._initializing: List[Tuple[GC, Set[GF], Set[GF], List[GF]]] = []
        #: the methods the thread of a service class that initializes MAPI runs with
        #: ``self`` an instance of it (their MAPI thread is worked out per class)
        self._owned: Set[GF] = set()
        for gc in service_classes:
            methods = link.methods(gc)
            thread = [methods[n] for n in SERVICE_THREAD_METHODS if n in methods]
            cls = link.klass(gc)
            cls_name = cls.qualname if cls is not None else gc[1]
            own, inits = self._class_initializers(gc, thread)
            if any(m in inits for m in thread):
                self._owned |= own
                bodies = [methods[name] for name in SERVICE_BODIES if name in methods]
                self.service_bodies.update(bodies)
                self._initializing.append((gc, own, inits, bodies))
            elif not any(m in self.initializers for m in thread):
                for m in thread:
                    if ("service", m) not in seen_roots:
                        seen_roots.add(("service", m))
                        self.service_threads.append(
                            ThreadRoot(m, "service", f"service thread ({self.name(m)})")
                        )
            # else: only another class's override of a method its thread calls
            # initializes MAPI (a shared base class): its thread is unclear, neither
            # the MAPI thread nor a thread without MAPI
            for name in CONTROL_METHODS:
                if name in methods and ("control", methods[name]) not in seen_roots:
                    seen_roots.add(("control", methods[name]))
                    self.control.append(
                        ThreadRoot(methods[name], "control", f"control handler {cls_name}.{name}")
                    )
        # -- other threads --------------------------------------------------------------
        self.workers: List[ThreadRoot] = []
        started: Set[GF] = set()
        for gf in link.functions():
            for edge in graph.out(gf, frozenset({THREAD})):
                if edge.target not in started:
                    started.add(edge.target)
                    how = edge.fact.label or "thread target"
                    label = f"{how} {self.name(edge.target)}"
                    self.workers.append(ThreadRoot(edge.target, "worker", label))
        for gc in link.classes():
            run = link.klass(gc)
            if run is not None and "run" in run.methods and link.derives_from(gc, THREAD_CLASSES):
                gf = (gc[0], run.methods["run"])
                if gf not in started:
                    started.add(gf)
                    self.workers.append(ThreadRoot(gf, "worker", f"thread {run.qualname}.run"))
        self._reach: Dict[GF, Set[GF]] = {}
        #: functions that start another thread's code: when the MAPI thread also calls
        #: one of them directly, which thread runs it is unclear (left out)
        roots: Set[GF] = {r.function for r in self.control + self.workers}
        for points in self._init_points.values():
            points.sort(key=lambda p: p.index)
        # -- the MAPI thread -----------------------------------------------------------
        # of service code (what the service-only rules ask), and of any code (context);
        # in a service class's own methods ``self.m()`` runs that class's ``m`` (below)
        seeds: Dict[bool, List[GF]] = {True: [], False: []}
        for gf in self.initializers - self._owned:
            for edge in graph.out(gf, CALLS):
                point = Point(gf, edge.fact.index, edge.fact.frames)
                if self._in_region(point) and not self._after_uninit(point):
                    seeds[in_service(gf)].append(edge.target)
        own_mapi: Set[GF] = set()
        for gc, own, inits, bodies in self._initializing:
            todo: List[GF] = []
            for gf in set(bodies) | inits:
                for edge in self._runs_for(gc, gf):
                    point = Point(gf, edge.fact.index, edge.fact.frames)
                    if self._after_uninit(point):
                        continue
                    if (gf in bodies and self._service_point(point)) or (
                        gf in inits and self._in_region(point)
                    ):
                        todo.append(edge.target)
            # the class's own methods (through ``self.m()``), then the rest as any code
            reached: Set[GF] = set()
            while todo:
                gf = todo.pop()
                if gf in roots or gf in reached:
                    continue
                if gf not in own:
                    seeds[True].append(gf)
                    continue
                reached.add(gf)
                todo.extend(edge.target for edge in self._runs_for(gc, gf))
            own_mapi |= reached
        self.service_mapi: Set[GF] = own_mapi | graph.forward(seeds[True], CALLS, skip=roots)
        self.mapi_functions: Set[GF] = self.service_mapi | graph.forward(
            seeds[False], CALLS, skip=roots
        )

    def _runs_for(self, gc: GC, gf: GF) -> List[Edge]:
        """The call edges of ``gf`` that may run for an instance of ``gc``: every call
        but a ``self.m()`` whose target is a method no class of ``gc``'s lineage
        defines (a sibling's or a subclass's override).  Every version of ``m`` in the
        lineage is kept: an ancestor's runs through ``super()``, and a mixin's order
        is not worked out."""
        lineage = self._lineage_methods.get(gc)
        if lineage is None:
            lineage = set()
            for c in self.link.lineage(gc):
                fact = self.link.klass(c)
                if fact is not None:
                    lineage.update((c[0], fid) for fid in fact.methods.values())
            self._lineage_methods[gc] = lineage
        return [
            e for e in self.link.graph.out(gf, CALLS) if not e.self_method or e.target in lineage
        ]

    def _own(self, gc: GC, start: List[GF]) -> Set[GF]:
        """The methods ``start`` runs with ``self`` an instance of ``gc``: themselves
        and, transitively, what their ``self.m()`` calls run for it."""
        own: Set[GF] = set(start)
        todo = list(start)
        while todo:
            for edge in self._runs_for(gc, todo.pop()):
                if edge.self_method and edge.target not in own:
                    own.add(edge.target)
                    todo.append(edge.target)
        return own

    def _class_initializers(self, gc: GC, thread: List[GF]) -> Tuple[Set[GF], Set[GF]]:
        """The methods the service thread of ``gc`` runs with ``self`` an instance of
        it (``self.m()`` from its thread methods, transitively), and those of them
        that initialize MAPI for such an instance."""
        own = self._own(gc, thread)

        def initializing(edge: Edge, inits: Set[GF]) -> bool:
            if edge.self_method:
                return edge.target in inits
            return edge.target in self.initializers

        inits = {gf for gf in own if gf in self.direct_init}
        changed = True
        while changed:
            changed = False
            for gf in own - inits:
                if any(initializing(e, inits) for e in self._runs_for(gc, gf)):
                    inits.add(gf)
                    changed = True
        return own, inits

    def name(self, gf: GF) -> str:
        fn = self.link.function(gf)
        return fn.qualname if fn is not None else gf[1]

    # -- public queries ----------------------------------------------------------------
    def on_mapi_thread(self, point: Point) -> bool:
        """True when the call definitely runs on a thread that initialized MAPI (and
        not after its function's own straight-line MAPIUninitialize)."""
        if self._after_uninit(point):
            return False
        gf = point.function
        if gf in self.service_mapi:
            return True
        if gf in self.service_bodies and self._service_point(point):
            return True
        return gf in self.initializers and self._in_region(point)

    def why_mapi_thread(self, gf: GF) -> Optional[str]:
        """Why a function runs on the MAPI thread (for ``context``), or None."""
        if gf in self.direct_init:
            return "it calls MAPIInitialize (what follows the call)"
        if gf in self.service_bodies:
            return "its service thread initializes MAPI"
        if gf in self.initializers:
            return "it initializes MAPI through a call (what follows the call)"
        if gf in self.mapi_functions:
            return "the MAPI thread calls it"
        return None

    def other_threads(self) -> List[ThreadRoot]:
        """Roots of code that runs on a thread of its own: control handlers, workers,
        and the service thread of a service class that never initializes MAPI."""
        return self.control + self.workers + self.service_threads

    def reach(self, gf: GF) -> Set[GF]:
        """The functions ``gf`` runs, itself included, through calls."""
        cached = self._reach.get(gf)
        if cached is None:
            cached = self._reach[gf] = self.link.graph.forward([gf], CALLS)
        return cached

    def initializes(self, gf: GF) -> bool:
        return gf in self.initializers

    def com_may_precede(self, point: Point) -> bool:
        """Whether a COM initialization may run before this call on its thread: in
        its function before it, or in a caller before the call that leads here
        (through calls of any module, not through thread starts), or on the
        service thread of a service class whose service thread reaches it.  A
        function some unseen code may call may be preceded by anything; a
        thread's own function starts a thread where nothing ran before."""
        link = self.link
        graph = link.graph
        if self._com_before(point):
            return True
        seen: Set[GF] = {point.function}
        todo: List[GF] = [point.function]
        service_methods: Set[GF] = set()
        for methods in self._thread_methods:
            service_methods.update(methods)
        while todo:
            gf = todo.pop()
            if gf in service_methods:
                # another method of the service thread may run first (__init__ before
                # SvcDoRun); the point's own function counts only before the point
                for methods in self._thread_methods:
                    if gf in methods and any(
                        m in self._com_points for m in methods if m != point.function
                    ):
                        return True
            callers = graph.into(gf, CALLS)
            started = bool(graph.into(gf, frozenset({THREAD})))
            if not callers and not started and not link.all_callers_known(gf):
                fn = link.function(gf)
                if fn is not None and fn.kind == "function":
                    return True  # unseen callers (a method called on untyped objects...)
            for edge in callers:
                if self._com_before(Point(edge.caller, edge.fact.index, edge.fact.frames)):
                    return True
                if edge.caller not in seen:
                    seen.add(edge.caller)
                    todo.append(edge.caller)
        return False

    def _com_before(self, point: Point) -> bool:
        """A COM initialization of the call's function precedes it in the text, or
        either is in a loop (a later turn runs after an earlier one).  A call of a
        function that may initialize COM (directly or through its own calls, on the
        same thread) is one of the points (see ``__init__``)."""
        for com in self._com_points.get(point.function, ()):
            if com.index < point.index:
                return True
            if _in_loop(com.frames) or _in_loop(point.frames):
                return True
        return False

    @cached_property
    def _thread_methods(self) -> List[Set[GF]]:
        """The service-thread methods of each service class."""
        found: List[Set[GF]] = []
        for gc in self._service_classes:
            methods = self.link.methods(gc)
            found.append({methods[n] for n in SERVICE_THREAD_METHODS if n in methods})
        return found

    # -- regions -------------------------------------------------------------------------
    def _after_uninit(self, point: Point) -> bool:
        """The call follows, in straight-line code of the same function, a
        MAPIUninitialize with no initializing call in between."""
        uninits = self._uninit_points.get(point.function)
        if not uninits:
            return False
        inits = self._init_points.get(point.function, [])
        for un in uninits:
            if un.index >= point.index or not _straight(un.frames):
                continue
            if any(un.index < i.index < point.index for i in inits):
                continue
            return True
        return False

    def _in_region(self, point: Point) -> bool:
        """True when the call follows one of its function's initializing calls."""
        inits = self._init_points.get(point.function)
        if not inits:
            return False
        for init in inits:
            if init.index >= point.index:
                break
            if runs_after(init.frames, point.frames):
                return True
        return False

    def _service_point(self, point: Point) -> bool:
        """In SvcRun/SvcDoRun: everything but what precedes the function's own
        first initializing call."""
        inits = self._init_points.get(point.function)
        if not inits:
            return True
        return point.index > inits[0].index and self._in_region(point)


def _in_loop(frames: Tuple[FrameFact, ...]) -> bool:
    return any(kind == "loop" for kind, _, _ in frames)


def _straight(frames: Tuple[FrameFact, ...]) -> bool:
    return all((kind, part) in STRAIGHT_PARTS for kind, _, part in frames)


__all__ = ["Point", "ThreadModel", "ThreadRoot", "Node"]
