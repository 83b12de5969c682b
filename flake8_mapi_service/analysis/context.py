"""The analysis facade rules see: sites, arguments, values, provenance, service, threads.

``Analysis`` ties the pieces of one module's analysis together and builds the
costly ones on first use (``functools.cached_property``).  It knows nothing of
rules or messages: ``report`` records a raw finding (the call site, the code
and the fields of its message); the runner formats it through the catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import List, Optional, Sequence, Tuple, Union

import libcst as cst

from ..settings import Settings
from .apis import GET_MESSAGE_KEYS
from .arguments import Arguments
from .bindings import Resolver
from .callgraph import CallGraph, Sites
from .contexts import LocalParams
from .flags import Bits
from .flow import Flow, Value
from .model import CallSite, Hidden, ModuleModel, Scope
from .msgwait import MsgWait, MsgWaits
from .provenance import MapiMethods, Provenance
from .service import ServiceContext
from .structure import Layout, Structure
from .threads import ThreadModel
from .waits import Waits


@dataclass(frozen=True)
class RawFinding:
    """A finding before it has a message or a position."""

    site: CallSite
    code: str
    fields: Tuple[Tuple[str, object], ...]


class Analysis:
    """Everything rules may ask about one module; answers are lazy and memoised."""

    def __init__(self, model: ModuleModel, settings: Settings, filename: str) -> None:
        self.model = model
        self.settings = settings
        self.filename = filename
        self.resolver = Resolver(model)
        self.provenance = Provenance(self.resolver)
        self.calls = Sites(model, self.resolver, self.provenance.origin)
        self.structure = Structure()
        self.graph = CallGraph(model, self.resolver, self.calls, self.structure)
        params = LocalParams(model, self.graph)
        self.flow = Flow(model, self.resolver, params)
        params.flow = self.flow
        self.arguments = Arguments(self.flow)
        self.findings: List[RawFinding] = []

    # -- call sites ---------------------------------------------------------------------
    def sites(self, key: str) -> List[CallSite]:
        return self.calls.of(key)

    @property
    def keys(self) -> Sequence[str]:
        return self.calls.keys()

    # -- arguments and values ----------------------------------------------------------
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

    # -- MAPI objects ---------------------------------------------------------------------
    def origin(self, expr: cst.BaseExpression, scope: Scope) -> Optional[str]:
        return self.provenance.origin(expr, scope)

    @cached_property
    def mapi_methods(self) -> MapiMethods:
        return MapiMethods(self.model, self.calls, self.resolver, self.provenance, self.graph)

    def mapi_method_calls(self, methods: Sequence[str]) -> List[Tuple[CallSite, str, str]]:
        """(site, method, receiver tag) for calls of ``methods`` on MAPI objects."""
        return self.mapi_methods.calls(methods)

    # -- context ----------------------------------------------------------------------
    @cached_property
    def service(self) -> ServiceContext:
        return ServiceContext(
            self.settings, self.filename, self.model, self.resolver, self.calls, self.arguments
        )

    @property
    def is_service(self) -> bool:
        return self.service.is_service

    def layout(self, scope: Scope) -> Layout:
        """Where the statements of a scope sit (branches, loops, handlers)."""
        return self.structure.layout(scope.node)

    @cached_property
    def threads(self) -> ThreadModel:
        """The thread model; rules ask for it only in files that call MAPIInitialize."""
        return ThreadModel(self.graph, self.calls, self.structure, self.service.classes)

    @cached_property
    def waits(self) -> Waits:
        """Blocking waits and pumps."""
        get_message = [s for key in GET_MESSAGE_KEYS for s in self.calls.of(key)]
        return Waits(
            self.model,
            self.resolver,
            self.arguments,
            self.structure,
            self.graph,
            get_message,
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
        self.findings.append(RawFinding(site, code, tuple(fields.items())))


__all__ = ["Analysis", "RawFinding"]
