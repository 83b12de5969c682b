"""Object provenance: which values are MAPI objects, and of what kind.

``origin`` answers "did this object come from MAPI, and what is it?" with a
tag: ``"session"`` (from ``MAPILogonEx``), ``"addrbook"`` (``OpenAddressBook``),
``"msgstore"``, ``"profadmin"``, ``"svcadmin"``, or ``"mapiobj"`` for another
MAPI interface.  It follows local names, ``self.x`` attributes (any method of
the class or of a same-module base class) and the return values of same-module
functions; it is flow-insensitive, and a name whose bindings disagree has no
origin.  ``None`` bindings (``self.session = None`` before logon) are ignored.
"""

from __future__ import annotations

from typing import Dict, Optional, Set, Tuple

import libcst as cst

from .bindings import Resolver, agreed, api_key
from .model import FunctionScope, Scope

#: what a MAPI function returns
FUNCTION_RESULTS: Dict[str, str] = {
    "mapi.MAPILogonEx": "session",
    "mapi.MAPIAdminProfiles": "profadmin",
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
