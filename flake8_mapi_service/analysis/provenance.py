"""Object provenance: which values are MAPI objects, and of what kind.

``origin`` answers "did this object come from MAPI, and what is it?" with a
tag: ``"session"`` (from ``MAPILogonEx``), ``"addrbook"`` (``OpenAddressBook``),
``"msgstore"``, ``"profadmin"``, ``"svcadmin"``, or ``"mapiobj"`` for another
MAPI interface.  It follows local names, ``self.x`` attributes (any method of
the class or of a same-module base class) and the return values of the
module's functions; it is flow-insensitive, and a name whose bindings disagree
has no origin.  ``None`` bindings (``self.session = None`` before logon) are
ignored.

What lies outside the module is asked of an ``OriginEnv``: what calling
another module's function returns (``session = mailer.logon()``) and what a
parameter receives from every caller.  ``SYMBOLIC_ORIGINS`` answers with
symbolic origins for a module's summary (``("call", ref)``, ``("param", fid,
name)``, ``("meth", origin, method)``); the project answers with tags.
"""

from __future__ import annotations

from typing import Dict, Optional, Set, Tuple, Union

import libcst as cst

from .apis import MAPI_ADMIN_PROFILES, MAPI_LOGON_EX
from .bindings import Resolver, agreed, api_key
from .model import FunctionScope, Scope

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
_RESULT_METHODS = frozenset(method for _, method in METHOD_RESULTS)

#: a tag, or a symbolic origin: ("call", ref), ("param", fid, name), ("meth", origin, name)
Origin = Union[str, Tuple[object, ...]]

_MAX_DEPTH = 30


def method_result(receiver: str, method: str) -> Optional[str]:
    """The tag of what ``method`` returns on an object tagged ``receiver``."""
    return METHOD_RESULTS.get((receiver, method)) or METHOD_RESULTS.get(("*", method))


class OriginEnv:
    """What lies outside the module: nothing is known."""

    def call(self, ref: str) -> Optional[Origin]:
        """What calling ``ref`` (a name another module may define) returns."""
        return None

    def param(self, fn: str, name: str) -> Optional[Origin]:
        """What parameter ``name`` of the module's function ``fn`` receives."""
        return None


class SymbolicOrigins(OriginEnv):
    def call(self, ref: str) -> Optional[Origin]:
        return ("call", ref)

    def param(self, fn: str, name: str) -> Optional[Origin]:
        return ("param", fn, name)


NO_ORIGINS = OriginEnv()
SYMBOLIC_ORIGINS = SymbolicOrigins()


class Provenance:
    def __init__(self, resolver: Resolver, env: OriginEnv = NO_ORIGINS) -> None:
        self.resolver = resolver
        self.env = env
        self._active: Set[Tuple[int, str]] = set()
        self._returns: Dict[int, Optional[Origin]] = {}

    def tag(self, node: cst.BaseExpression, scope: Scope) -> Optional[str]:
        """The origin of ``node`` when it is known to be a MAPI object's tag."""
        origin = self.origin(node, scope)
        return origin if isinstance(origin, str) else None

    def origin(self, node: cst.BaseExpression, scope: Scope, depth: int = 0) -> Optional[Origin]:
        if depth > _MAX_DEPTH:
            return None
        if isinstance(node, cst.Call):
            return self.call_result(node, scope, depth)
        param = self._parameter(node, scope)
        if param is not None:
            return self.env.param(param.fid, node.value)  # type: ignore[attr-defined]
        bound = self.resolver.bound(node, scope)
        if bound is None or bound.key in self._active:
            return None
        self._active.add(bound.key)
        try:
            found = agreed(bound.values, lambda value, where: self.origin(value, where, depth + 1))
            return found if isinstance(found, (str, tuple)) else None
        finally:
            self._active.discard(bound.key)

    def _parameter(self, node: cst.BaseExpression, scope: Scope) -> Optional[FunctionScope]:
        """The function whose plain parameter ``node`` names (not ``self``, not
        rebound in the function, not behind a decorator)."""
        if not isinstance(node, cst.Name):
            return None
        owner = self.resolver.binding_scope(node.value, scope)
        if not isinstance(owner, FunctionScope) or owner.kind != "function" or owner.decorators:
            return None
        if len(owner.bindings.get(node.value, ())) != 1:
            return None
        for p in owner.params:
            if p.name == node.value:
                if p.kind in ("star", "starstar") or p.name == owner.self_name:
                    return None
                return owner
        return None

    def call_result(self, node: cst.Call, scope: Scope, depth: int = 0) -> Optional[Origin]:
        ref = self.resolver.ref(node.func, scope)
        key, flavour = api_key(ref)
        if key is not None:
            if flavour == "python" and ref is not None and key not in FUNCTION_RESULTS:
                return self.env.call(ref)  # maybe a function of another module of the project
            return FUNCTION_RESULTS.get(key)
        fn = self.resolver.function(ref)
        if fn is not None:
            return self.returns_of(fn, depth)
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in _RESULT_METHODS:
            receiver = self.origin(func.value, scope, depth + 1)
            if isinstance(receiver, str):
                return method_result(receiver, func.attr.value)
            if receiver is not None:
                return ("meth", receiver, func.attr.value)
        return None

    def returns_of(self, fn: FunctionScope, depth: int = 0) -> Optional[Origin]:
        """What every return of ``fn`` agrees on (``return None`` aside)."""
        if id(fn) in self._returns:
            return self._returns[id(fn)]
        key = (id(fn), "<return>")
        if key in self._active:
            return None
        self._active.add(key)
        result: Optional[Origin] = None
        try:
            found: Set[Origin] = set()
            for value in fn.returns:
                if value is None or (isinstance(value, cst.Name) and value.value == "None"):
                    continue
                origin = self.origin(value, fn, depth + 1)
                if origin is None:
                    found = set()
                    break
                found.add(origin)
            if len(found) == 1:
                result = found.pop()
        finally:
            self._active.discard(key)
        self._returns[id(fn)] = result
        return result
