"""Call sites and the project's one call graph.

``Sites`` resolves every call of a module once its model is built: an API call
gets its key (``"mapi.MAPILogonEx"``, ``"time.sleep"``) and a call of one of the
module's own functions that function as its ``target``.  ``tag_methods`` then
gives a method called on an object obtained from MAPI the key
``"mapiobj.<method>"`` (it needs provenance, which may need the project).

``ProjectGraph`` owns the edges between functions of the project (a module's
functions, its module-level code ``""`` and its ``__main__`` block are nodes,
known by ``(module id, fid)``), of three kinds:

- ``CALL``: a call of a function, of a method through ``self`` (which may run a
  subclass's override), of a method of an instance of a known class, of a
  function another module defines (``mailer.run()``), a nested helper;
- ``CONSTRUCT``: ``Cls(...)`` runs the class's ``__init__`` (its own or
  inherited, from any module);
- ``THREAD``: the function is handed to ``threading.Thread(target=...)``,
  ``threading.Timer``, ``_thread.start_new_thread``,
  ``win32process.beginthreadex`` or an executor's ``submit``: it runs on another
  thread, it is not called there.

The link (``link.py``) builds the edges from the module summaries; flow
contexts, provenance, the thread model, the wait analysis and service code by
reach all walk it.  Closures are work lists, so cycles and thousands of
functions terminate.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Callable, Dict, FrozenSet, Iterable, List, Optional, Set, Tuple

import libcst as cst

from .apis import MAPI_METHOD
from .bindings import Resolver, api_key
from .model import CallSite, ModuleModel, Scope
from .summary import CallFact

CALL = "call"
CONSTRUCT = "construct"
THREAD = "thread"
#: the kinds of edge that run the target on the caller's thread
CALLS: FrozenSet[str] = frozenset({CALL, CONSTRUCT})
ALL: FrozenSet[str] = frozenset({CALL, CONSTRUCT, THREAD})

#: (module id, function id)
Node = Tuple[str, str]


class Sites:
    """Every call site's key, flavour and target, and the sites of each key."""

    def __init__(self, model: ModuleModel, resolver: Resolver) -> None:
        self.model = model
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
                    site.flavour = "untyped"
            if key is not None:
                site.key = key
                site.flavour = flavour
                self._by_key.setdefault(key, []).append(site)

    def tag_methods(self, origin: Callable[[cst.BaseExpression, Scope], Optional[str]]) -> None:
        """Give ``obj.m(...)`` on an object obtained from MAPI the key ``mapiobj.m``."""
        for site in self.model.calls:
            if site.flavour != "untyped" or site.key is not None:
                continue
            func = site.node.func
            assert isinstance(func, cst.Attribute)
            tag = origin(func.value, site.scope)
            if tag is not None:
                site.key = MAPI_METHOD + func.attr.value
                site.flavour = "method"
                site.receiver = tag
                self._by_key.setdefault(site.key, []).append(site)

    def of(self, key: str) -> List[CallSite]:
        return self._by_key.get(key, [])

    def keys(self) -> List[str]:
        return list(self._by_key)


@dataclass(frozen=True)
class Edge:
    """A call (or thread start) in function ``caller`` of module ``mid``."""

    caller: Node
    target: Node
    kind: str  # CALL | CONSTRUCT | THREAD
    mid: str
    fact: CallFact
    #: the instance is passed implicitly (``obj.m(x)``, ``Cls(x)`` to ``__init__``)
    bound: bool = False
    #: ``self.m()``: the method's name (which method runs depends on the instance's class)
    self_method: str = ""


class ProjectGraph:
    def __init__(self, edges: Iterable[Edge]) -> None:
        self._out: Dict[Node, List[Edge]] = {}
        self._in: Dict[Node, List[Edge]] = {}
        for edge in edges:
            self._out.setdefault(edge.caller, []).append(edge)
            self._in.setdefault(edge.target, []).append(edge)

    def out(self, node: Node, kinds: FrozenSet[str] = CALLS) -> List[Edge]:
        """The edges from a function's calls."""
        return [e for e in self._out.get(node, ()) if e.kind in kinds]

    def into(self, node: Node, kinds: FrozenSet[str] = CALLS) -> List[Edge]:
        """The edges to a function."""
        return [e for e in self._in.get(node, ()) if e.kind in kinds]

    def edges_at(self, mid: str, index: int) -> List[Edge]:
        """The edges of one call site (by its module and pre-order index)."""
        return self._by_site.get((mid, index), [])

    @cached_property
    def _by_site(self) -> Dict[Tuple[str, int], List[Edge]]:
        found: Dict[Tuple[str, int], List[Edge]] = {}
        for edges in self._out.values():
            for e in edges:
                found.setdefault((e.mid, e.fact.index), []).append(e)
        return found

    def forward(
        self,
        start: Iterable[Node],
        kinds: FrozenSet[str] = CALLS,
        skip: Iterable[Node] = (),
        through: Optional[Callable[[Edge], bool]] = None,
    ) -> Set[Node]:
        """The functions ``start`` runs (themselves included), not entering ``skip``
        (and, with ``through``, only along the edges it accepts)."""
        skipped = set(skip)
        seen: Set[Node] = set(skipped)
        todo: List[Node] = []
        for node in start:
            if node not in seen:
                seen.add(node)
                todo.append(node)
        while todo:
            current = todo.pop()
            for edge in self._out.get(current, ()):
                if edge.kind not in kinds or edge.target in seen:
                    continue
                if through is not None and not through(edge):
                    continue
                seen.add(edge.target)
                todo.append(edge.target)
        return seen - skipped

    def backward(self, start: Iterable[Node], kinds: FrozenSet[str] = CALLS) -> Set[Node]:
        """The functions that reach one of ``start`` (themselves included)."""
        seen: Set[Node] = set(start)
        todo = list(seen)
        while todo:
            current = todo.pop()
            for edge in self._in.get(current, ()):
                if edge.kind in kinds and edge.caller not in seen:
                    seen.add(edge.caller)
                    todo.append(edge.caller)
        return seen


class References(cst.CSTVisitor):
    """Collects names read other than as the callee of a call (a function so named
    may be called from anywhere), and counts the calls of each method name."""

    def __init__(self) -> None:
        super().__init__()
        self.skip: Set[int] = set()
        self.escaping: Set[str] = set()
        self.attr_calls: Dict[str, int] = {}
        #: attributes assigned (``config.FLAGS = ...``, ``x.y |= ...``)
        self.written: List[cst.Attribute] = []

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            if isinstance(target.target, cst.Attribute):
                self.written.append(target.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if isinstance(node.target, cst.Attribute):
            self.written.append(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if isinstance(node.target, cst.Attribute) and node.value is not None:
            self.written.append(node.target)

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
