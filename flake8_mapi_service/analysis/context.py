"""The analysis facade rules see: sites, arguments, values, provenance, service, threads.

``Analysis`` ties the pieces of one module's analysis together and builds the
costly ones on first use (``functools.cached_property``).  What is the module's
own (its model, bindings, statement layout, call sites) is built at once; what
depends on the project — the link of its component (``workspace.View``), or of
the module alone with ``--mapi-single-file`` — comes after the module's summary.

It knows nothing of rules or messages: ``report`` records a raw finding (the
call site, the code, the fields of its message, and the calling contexts that
matter); the runner formats it through the catalogue.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cached_property
from typing import Callable, List, Optional, Sequence, Set, Tuple, Union

import libcst as cst

from ..settings import Settings
from .arguments import Arguments, FlagContext
from .bindings import Resolver
from .callgraph import ALL, References, Sites
from .contexts import LinkOrigins, RuleEnv
from .flags import Bits
from .flow import Flow, Value
from .link import GF, Link
from .model import AssignSource, CallSite, FunctionScope, Hidden, ModuleModel, Scope, walk
from .msgwait import MsgWait, MsgWaits
from .positions import definition_lines
from .provenance import Provenance
from .service import Services
from .structure import Layout, Structure
from .summary import MAIN, MODULE, ModuleSummary, main_guards, string_literal, summarize
from .threads import Point, ThreadModel
from .waits import Place, Pumps, Waits
from .workspace import View


@dataclass(frozen=True)
class Case:
    """One calling context of a finding's call."""

    #: the call that makes the context, as ``path:line`` (None: no caller involved)
    caller: Optional[str]
    #: the context's code is service code (a service-only code counts it only then)
    service: bool
    #: the finding holds in this context
    holds: bool


@dataclass(frozen=True)
class RawFinding:
    """A finding before it has a message or a position."""

    site: CallSite
    code: str
    fields: Tuple[Tuple[str, object], ...]
    cases: Tuple[Case, ...]


Position = Callable[[CallSite], Tuple[int, int]]


class Analysis:
    """Everything rules may ask about one module; answers are lazy and memoised."""

    def __init__(
        self,
        model: ModuleModel,
        settings: Settings,
        filename: str,
        position: Optional[Position] = None,
        view: Optional[View] = None,
        tree: Optional[ast.AST] = None,
    ) -> None:
        self.model = model
        self.settings = settings
        self.filename = filename
        self.view = view
        #: the module's id in its project (its path from the root), or its file name
        self.mid = view.mid if view is not None else filename.replace("\\", "/")
        self._position = position if position is not None else (lambda site: (0, 0))
        self._tree = tree
        self.resolver = Resolver(model)
        self.structure = Structure()
        self.calls = Sites(model, self.resolver)
        self._main_guards = main_guards(model.module)
        self.findings: List[RawFinding] = []

    # -- the module's summary and its project ---------------------------------------------------
    @cached_property
    def summary(self) -> ModuleSummary:
        refs = References()
        walk(refs, self.model.module)
        return summarize(
            self.model,
            self.resolver,
            self.structure,
            self.calls.of,
            refs.escaping,
            refs.attr_calls,
            self._position,
            definition_lines(self._tree, len(self.model.functions), len(self.model.classes)),
            refs.written,
        )

    @cached_property
    def link(self) -> Link:
        if self.view is not None:
            return self.view.link(lambda: self.summary)
        return Link({self.mid: self.summary}, None)

    @cached_property
    def services(self) -> Services:
        paths = self.view.paths() if self.view is not None else {self.mid: self.filename}
        return Services(self.link, self.settings, paths)

    # -- call sites ---------------------------------------------------------------------
    @cached_property
    def provenance(self) -> Provenance:
        provenance = Provenance(self.resolver, LinkOrigins(self.link, self.mid))
        self.calls.tag_methods(provenance.tag)
        return provenance

    def sites(self, key: str) -> List[CallSite]:
        self.provenance  # noqa: B018 - methods on MAPI objects are tagged once it exists
        return self.calls.of(key)

    @property
    def keys(self) -> Sequence[str]:
        self.provenance  # noqa: B018
        return self.calls.keys()

    def function_of(self, site: CallSite) -> GF:
        """The project's name for the function that holds a call (module-level code
        is ``""``, the ``__main__`` block ``"<main>"``)."""
        scope: Optional[Scope] = site.scope
        while scope is not None and not isinstance(scope, FunctionScope):
            if scope.kind == "module":
                break
            scope = scope.parent
        if isinstance(scope, FunctionScope):
            return (self.mid, scope.fid)
        if self._main_guards:
            for _, node, part in self.layout(self.model.scope).path(site.stmt):
                if id(node) in self._main_guards and part == "body":
                    return (self.mid, MAIN)
        return (self.mid, MODULE)

    def place(self, site: CallSite) -> Place:
        """Where a call sits in the project's terms (function, index, blocks, loops)."""
        layout = self._scope_layout(site.scope)
        if layout is None:
            return Place(self.function_of(site), site.index, (), ())
        frames = layout.path(site.stmt)
        facts = tuple((kind, layout.ordinal(node), part) for kind, node, part in frames)
        loops = [layout.ordinal(n) for kind, n, part in frames if kind == "loop" and part == "body"]
        if isinstance(site.stmt, cst.While):
            loops.append(layout.ordinal(site.stmt))
        return Place(self.function_of(site), site.index, facts, tuple(loops))

    def _scope_layout(self, scope: Scope) -> Optional[Layout]:
        if isinstance(scope, FunctionScope) or scope.kind == "module":
            return self.structure.layout(scope.node)
        return None

    def node_of(self, fn: FunctionScope) -> GF:
        """The project's name for one of the module's functions."""
        return (self.mid, fn.fid)

    def local_calls_of(self, fn: FunctionScope) -> List[Tuple[CallSite, bool]]:
        """(site, instance passed implicitly) for the module's direct calls of ``fn``."""
        out: List[Tuple[CallSite, bool]] = []
        for site in self.model.calls:
            if site.target is fn:
                func = site.node.func
                bound = isinstance(func, cst.Attribute) and not (
                    self.resolver.ref(func.value, site.scope) or ""
                ).startswith("cls:")
                out.append((site, bound))
        return out

    def point(self, site: CallSite) -> Point:
        place = self.place(site)
        return Point(place.function, place.index, place.frames)

    # -- arguments and values ----------------------------------------------------------
    @cached_property
    def flow(self) -> Flow:
        return Flow(self.model, self.resolver, RuleEnv(self.link, self.mid))

    @cached_property
    def arguments(self) -> Arguments:
        return Arguments(self.flow, self.link, self.mid, self.function_of, self.services.in_service)

    def arg(self, site: CallSite, index: int) -> Union[cst.BaseExpression, None, Hidden]:
        return self.arguments.arg(site, index)

    def value(self, site: CallSite, expr: cst.BaseExpression) -> Value:
        return self.arguments.value(site, expr)

    def bits(self, site: CallSite, expr: cst.BaseExpression) -> Bits:
        return self.arguments.bits(site, expr)

    def flags_arg(self, site: CallSite, index: int) -> Bits:
        return self.arguments.flags_arg(site, index)

    def init_flags(self, site: CallSite) -> Bits:
        return self.arguments.init_flags(site)

    def logon_flags(self, site: CallSite) -> Bits:
        return self.arguments.logon_flags(site)

    def string(self, site: CallSite, expr: cst.BaseExpression) -> Optional[str]:
        """A string argument (bytes decoded as Latin-1): a literal, a name bound
        once to one, or a string constant another module of the project defines."""
        text = string_literal(expr)
        if text is not None:
            return text
        if not isinstance(expr, (cst.Name, cst.Attribute)):
            return None
        if isinstance(expr, cst.Name):
            owner = self.resolver.binding_scope(expr.value, site.scope)
            if owner is not None:
                sources = owner.bindings[expr.value]
                if len(sources) == 1 and isinstance(sources[0], AssignSource):
                    return string_literal(sources[0].value)
        ref = self.resolver.ref(expr, site.scope)
        return self.link.string(self.mid, ref) if ref is not None else None

    # -- MAPI objects ---------------------------------------------------------------------
    def origin(self, expr: cst.BaseExpression, scope: Scope) -> Optional[str]:
        return self.provenance.tag(expr, scope)

    def mapi_method_calls(self, methods: Sequence[str]) -> List[Tuple[CallSite, str, str]]:
        """(site, method, receiver tag) for calls of ``methods`` on MAPI objects."""
        out: List[Tuple[CallSite, str, str]] = []
        for method in methods:
            for site in self.sites("mapiobj." + method):
                if site.receiver is not None:
                    out.append((site, method, site.receiver))
        out.sort(key=lambda item: item[0].index)
        return out

    # -- context ----------------------------------------------------------------------
    @property
    def is_service(self) -> bool:
        """The file is service code on its own (not only some functions reached)."""
        return self.services.is_service_file(self.mid)

    def in_service(self, site: CallSite) -> bool:
        """The call is in service code: its file is, or service code reaches its function."""
        return self.services.in_service(self.function_of(site))

    def layout(self, scope: Scope) -> Layout:
        """Where the statements of a scope sit (branches, loops, handlers)."""
        return self.structure.layout(scope.node)

    @cached_property
    def threads(self) -> ThreadModel:
        """The thread model of the project (rules ask only where MAPI is initialized)."""
        return ThreadModel(self.link, self.services.service_classes(), self.services.in_service)

    def on_mapi_thread(self, site: CallSite) -> bool:
        return self.threads.on_mapi_thread(self.point(site))

    def com_may_precede(self, site: CallSite) -> bool:
        """A COM initialization may run before this call on its thread."""
        return self.threads.com_may_precede(self.point(site))

    def keys_around(self, sites: Sequence[CallSite]) -> Set[str]:
        """The API keys called (or passed as values) along the calls that reach these
        sites' functions, from any module, in the service files those calls start
        from, and in every function those call (a helper of another module that
        initializes OLE or uninitializes MAPI counts)."""
        link = self.link
        reaching = link.graph.backward([self.function_of(s) for s in sites], ALL)
        modules = {gf[0] for gf in reaching if self.services.is_service_file(gf[0])}
        starts: Set[GF] = set(reaching)
        for mid in modules:
            summary = link.modules.get(mid)
            if summary is not None:
                starts.update(((mid, MODULE), (mid, MAIN)))
                starts.update((mid, fid) for fid in summary.functions)
        region = link.graph.forward(starts, ALL)
        keys: Set[str] = set()
        for gf in region:
            keys.update(fact.key for fact in link.calls(gf) if fact.key)
        for mid in modules | {gf[0] for gf in region}:
            summary = link.modules.get(mid)
            if summary is None:
                continue
            keys.update(summary.passed)
            if mid in modules:
                keys.update(fact.key for fact in summary.calls if fact.key)
        return keys

    @cached_property
    def pumps(self) -> Pumps:
        return Pumps(self.link)

    @cached_property
    def waits(self) -> Waits:
        """Blocking waits and pumps."""
        return Waits(
            self.model,
            self.resolver,
            self.arguments,
            self.pumps,
            self.place,
            self.settings.extra_blocking_calls,
        )

    @cached_property
    def _msgwaits(self) -> MsgWaits:
        return MsgWaits(self.waits, self.arguments, self.resolver, self.structure)

    def msgwait(self, site: CallSite) -> MsgWait:
        """A MsgWaitForMultipleObjects(Ex) call: count, mask, timeout, message case."""
        return self._msgwaits.analyse(site)

    # -- reporting -----------------------------------------------------------------------
    def report(self, site: CallSite, code: str, **fields: object) -> None:
        case = Case(None, self.in_service(site), True)
        self.findings.append(RawFinding(site, code, tuple(fields.items()), (case,)))

    def report_contexts(
        self,
        site: CallSite,
        code: str,
        contexts: Sequence[FlagContext],
        holds: Callable[[Bits], bool],
        **fields: object,
    ) -> None:
        """Report ``code`` at a call in the calling contexts where ``holds`` is true
        of its flag word.  The runner keeps, for a service-only code, the contexts
        that are service code; when the finding holds in every context kept, it is
        one finding, else one per context, naming its caller."""
        cases = tuple(Case(c.caller, c.service, holds(c.bits)) for c in contexts)
        if any(case.holds for case in cases):
            self.findings.append(RawFinding(site, code, tuple(fields.items()), cases))


__all__ = ["Analysis", "Case", "RawFinding"]
