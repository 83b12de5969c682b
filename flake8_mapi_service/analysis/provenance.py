"""Object provenance: which values are MAPI objects, and of what kind.

``origin`` answers "did this object come from MAPI, and what is it?" with a
tag: ``"session"`` (from ``MAPILogonEx``), ``"addrbook"`` (``OpenAddressBook``),
``"msgstore"``, ``"profadmin"``, ``"svcadmin"``, or ``"mapiobj"`` for another
MAPI interface.  It follows local names, ``self.x`` attributes (any method of
the class or of a same-module base class) and the return values of same-module
functions; it is flow-insensitive, and a name whose bindings disagree has no
origin.  ``None`` bindings (``self.session = None`` before logon) are ignored.

``Provenance`` runs while call keys are being resolved, so it does not follow
parameters; ``MapiMethods`` does, once the call graph exists (MPS202-MPS204,
MPS303).
"""

from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Set, Tuple

import libcst as cst

from .apis import MAPI_ADMIN_PROFILES, MAPI_LOGON_EX, MAPI_METHOD
from .bindings import Resolver, agreed, api_key
from .callgraph import CallGraph, Sites
from .model import (
    HIDDEN,
    CallSite,
    FunctionScope,
    ModuleModel,
    OpaqueSource,
    Scope,
    argument_for_param,
)

#: what a MAPI function returns
FUNCTION_RESULTS: Dict[str, str] = {
    MAPI_LOGON_EX: "session",
    MAPI_ADMIN_PROFILES: "profadmin",
    "mapi.OpenIMsgSession": "mapiobj",
    "mapi.OpenIMsgOnIStg": "mapiobj",
}

#: (receiver tag or "*", method) -> result tag, for methods returning objects
METHOD_RESULTS: Dict[Tuple[str, str], str] = {
    ("session", "OpenMsgStore"): "msgstore",
    ("session", "OpenAddressBook"): "addrbook",
    ("session", "AdminServices"): "svcadmin",
    ("profadmin", "AdminServices"): "svcadmin",
    ("*", "OpenEntry"): "mapiobj",
    ("*", "GetMsgStoresTable"): "mapiobj",
    ("*", "GetContentsTable"): "mapiobj",
    ("*", "GetHierarchyTable"): "mapiobj",
    ("*", "GetRecipientTable"): "mapiobj",
    ("*", "GetAttachmentTable"): "mapiobj",
    ("*", "GetStatusTable"): "mapiobj",
    ("*", "GetMsgServiceTable"): "mapiobj",
    ("*", "GetProviderTable"): "mapiobj",
    ("*", "GetProfileTable"): "mapiobj",
    ("*", "CreateMessage"): "mapiobj",
    ("*", "CreateFolder"): "mapiobj",
    ("*", "CreateAttach"): "mapiobj",
    ("*", "OpenAttach"): "mapiobj",
    ("*", "OpenProperty"): "mapiobj",
    ("*", "OpenProfileSection"): "mapiobj",
    ("*", "QueryInterface"): "mapiobj",
}

_MAX_DEPTH = 30


class Provenance:
    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver
        self._active: Set[Tuple[int, str]] = set()
        self._returns: Dict[int, Optional[str]] = {}

    def origin(self, node: cst.BaseExpression, scope: Scope, depth: int = 0) -> Optional[str]:
        if depth > _MAX_DEPTH:
            return None
        if isinstance(node, cst.Call):
            return self.call_result(node, scope, depth)
        bound = self.resolver.bound(node, scope)
        if bound is None or bound.key in self._active:
            return None
        self._active.add(bound.key)
        try:
            return agreed(bound.values, lambda value, where: self.origin(value, where, depth + 1))
        finally:
            self._active.discard(bound.key)

    def call_result(self, node: cst.Call, scope: Scope, depth: int = 0) -> Optional[str]:
        ref = self.resolver.ref(node.func, scope)
        key, _ = api_key(ref)
        if key is not None:
            return FUNCTION_RESULTS.get(key)
        fn = self.resolver.function(ref)
        if fn is not None:
            return self.returns_of(fn, depth)
        func = node.func
        if isinstance(func, cst.Attribute):
            receiver = self.origin(func.value, scope, depth + 1)
            if receiver is not None:
                method = func.attr.value
                return METHOD_RESULTS.get((receiver, method)) or METHOD_RESULTS.get(("*", method))
        return None

    def returns_of(self, fn: FunctionScope, depth: int) -> Optional[str]:
        if id(fn) in self._returns:
            return self._returns[id(fn)]
        key = (id(fn), "<return>")
        if key in self._active:
            return None
        self._active.add(key)
        try:
            tags: Set[str] = set()
            result: Optional[str] = None
            for value in fn.returns:
                if value is None or (isinstance(value, cst.Name) and value.value == "None"):
                    continue
                tag = self.origin(value, fn, depth + 1)
                if tag is None:
                    tags = set()
                    break
                tags.add(tag)
            if len(tags) == 1:
                result = tags.pop()
        finally:
            self._active.discard(key)
        self._returns[id(fn)] = result
        return result


class MapiMethods:
    """Calls of methods on MAPI objects, including receivers that are parameters.

    ``Sites`` tags a method call when its receiver is traced to MAPI through
    locals, ``self.x`` and helper return values (``site.receiver``).  A receiver
    that is a parameter of the enclosing function is traced here, once every
    call is resolved, through the function's callers: every caller must pass an
    object of the same known origin, and every caller must be known.
    """

    def __init__(
        self,
        model: ModuleModel,
        sites: Sites,
        resolver: Resolver,
        provenance: Provenance,
        graph: CallGraph,
    ) -> None:
        self.model = model
        self.sites = sites
        self.resolver = resolver
        self.provenance = provenance
        self.graph = graph

    def calls(self, methods: Sequence[str]) -> List[Tuple[CallSite, str, str]]:
        """(site, method, receiver tag) for calls of ``methods`` on MAPI objects."""
        out: List[Tuple[CallSite, str, str]] = []
        wanted = set(methods)
        for method in methods:
            for site in self.sites.of(MAPI_METHOD + method):
                if site.receiver is not None:
                    out.append((site, method, site.receiver))
        for site in self.model.calls:
            func = site.node.func
            if site.key is not None or site.flavour == "local":
                continue
            if not isinstance(func, cst.Attribute) or func.attr.value not in wanted:
                continue
            if not isinstance(func.value, cst.Name):
                continue
            tag = self.parameter_origin(func.value.value, site.scope)
            if tag is not None:
                out.append((site, func.attr.value, tag))
        out.sort(key=lambda item: item[0].index)
        return out

    def parameter_origin(self, name: str, scope: Scope) -> Optional[str]:
        """The origin every caller agrees on for a parameter ``name`` of the
        function that encloses ``scope``."""
        owner = self.resolver.binding_scope(name, scope)
        if not isinstance(owner, FunctionScope) or owner.kind != "function":
            return None
        sources = owner.bindings.get(name, [])
        if len(sources) != 1 or not isinstance(sources[0], OpaqueSource):
            return None
        param = next((p for p in owner.params if p.name == name), None)
        if param is None or param.kind in ("star", "starstar") or param.name == owner.self_name:
            return None
        if owner.decorators:
            return None  # a decorator may change what callers pass
        graph = self.graph
        callers = graph.calls_of(owner)
        if not callers or not graph.all_callers_known(owner):
            return None
        tags: Set[str] = set()
        for edge in callers:
            arg = argument_for_param(edge.site.node, owner, param, edge.bound)
            if arg is HIDDEN:
                return None
            if not isinstance(arg, cst.BaseExpression):
                continue  # the default (a MAPI object is never a default) or a failing call
            tag = self.provenance.origin(arg, edge.site.scope)
            if tag is None:
                return None
            tags.add(tag)
        return tags.pop() if len(tags) == 1 else None
