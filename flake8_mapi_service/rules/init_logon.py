"""Initialization and logon: MPS101-MPS109."""

from __future__ import annotations

from typing import AbstractSet, Dict, List

import libcst as cst

from ..analysis.apis import (
    CONSTANTS,
    INIT,
    LOGON,
    LOGON_UI_FLAGS,
    MAPI_ADMIN_PROFILES,
    MAPI_INITIALIZE,
    MAPI_LOGON_EX,
    MAPI_NO_COINIT,
    MAPI_NO_MAIL,
    MAPI_NT_SERVICE,
    MAPI_UNINITIALIZE,
    OLE_INIT,
)
from ..analysis.bindings import api_key
from ..analysis.context import Analysis
from ..analysis.flags import Bits
from ..analysis.model import AssignSource, CallSite, FunctionScope, Scope
from ..analysis.structure import Layout
from .base import Rule, report_words, site_name


def _wrong_family(bits: Bits, family: str) -> List[str]:
    return sorted(
        name
        for name, value in bits.names.items()
        if value and name in CONSTANTS and family not in CONSTANTS[name][1]
    )


class InitFlags(Rule):
    """MPS101, MPS105, MPS108 and MPS109 on MAPIInitialize."""

    codes = ("MPS101", "MPS105", "MPS108", "MPS109")
    calls = frozenset({MAPI_INITIALIZE})

    def check(self, site: CallSite, an: Analysis) -> None:
        contexts = an.arguments.init_flag_contexts(site)
        an.report_contexts(site, "MPS101", contexts, lambda b: b.lacks(MAPI_NT_SERVICE))
        if not an.init_flags(site).determined(MAPI_NT_SERVICE):
            an.report(site, "MPS109", call="MAPIInitialize", what="MAPI_NT_SERVICE")
        report_words(
            an,
            site,
            "MPS108",
            contexts,
            lambda b: _wrong_family(b, INIT),
            "constants",
            ", ",
            call="MAPIINIT_0",
        )
        if any(c.bits.has(MAPI_NO_COINIT) for c in contexts) and not an.com_may_precede(site):
            an.report_contexts(site, "MPS105", contexts, lambda b: b.has(MAPI_NO_COINIT))


class LogonFlags(Rule):
    """MPS102, MPS103, MPS108 and MPS109 on MAPILogonEx."""

    codes = ("MPS102", "MPS103", "MPS108", "MPS109")
    calls = frozenset({MAPI_LOGON_EX})

    def check(self, site: CallSite, an: Analysis) -> None:
        contexts = an.arguments.logon_flag_contexts(site)
        an.report_contexts(site, "MPS102", contexts, lambda b: b.lacks(MAPI_NT_SERVICE))
        an.report_contexts(site, "MPS103", contexts, lambda b: b.lacks(MAPI_NO_MAIL))
        flags = an.logon_flags(site)
        checked = {"MAPI_NT_SERVICE": MAPI_NT_SERVICE, "MAPI_NO_MAIL": MAPI_NO_MAIL}
        checked.update(LOGON_UI_FLAGS)
        undetermined = [name for name, bit in checked.items() if not flags.determined(bit)]
        if undetermined:
            an.report(site, "MPS109", call="MAPILogonEx", what=", ".join(undetermined))
        report_words(
            an,
            site,
            "MPS108",
            contexts,
            lambda b: _wrong_family(b, LOGON),
            "constants",
            ", ",
            call="MAPILogonEx",
        )


class FileBalance(Rule):
    """MPS106 and MPS107: what code that initializes MAPI must also call.

    The file's own calls count, and so do those of the functions that reach its
    MAPIInitialize through calls (in any module), and of the service code that
    reaches it."""

    codes = ("MPS106", "MPS107")

    def finish(self, an: Analysis) -> None:
        inits = an.sites(MAPI_INITIALIZE)
        if not inits:
            return
        first = min(inits, key=lambda s: s.index)
        around = an.keys_around(inits)
        if not any(an.sites(key) for key in OLE_INIT) and not around & OLE_INIT:
            if not _passed_as_value(an, OLE_INIT):
                an.report(first, "MPS106")
        if not an.sites(MAPI_UNINITIALIZE) and MAPI_UNINITIALIZE not in around:
            if not _passed_as_value(an, {MAPI_UNINITIALIZE}):
                an.report(first, "MPS107")


def _passed_as_value(an: Analysis, keys: AbstractSet[str]) -> bool:
    """True when some call receives one of these functions as an argument
    (``atexit.register(mapi.MAPIUninitialize)``): it is called later."""
    resolver = an.resolver
    for site in an.model.calls:
        for arg in site.node.args:
            value = arg.value
            if isinstance(value, (cst.Name, cst.Attribute)):
                key, _ = api_key(resolver.ref(value, site.scope))
                if key in keys:
                    return True
    return False


class InitializeOrder(Rule):
    """MPS104: Extended MAPI before the function's MAPIInitialize or after its MAPIUninitialize."""

    codes = ("MPS104",)

    def finish(self, an: Analysis) -> None:
        scopes: Dict[int, Scope] = {}
        for site in an.sites(MAPI_INITIALIZE) + an.sites(MAPI_UNINITIALIZE):
            scopes[id(site.scope)] = site.scope
        for scope in scopes.values():
            self._scope(scope, an, an.layout(scope))

    def _scope(self, scope: Scope, an: Analysis, layout: Layout) -> None:
        inits = sorted(
            (s for s in an.sites(MAPI_INITIALIZE) if s.scope is scope), key=lambda s: s.index
        )
        uninits = sorted(
            (s for s in an.sites(MAPI_UNINITIALIZE) if s.scope is scope), key=lambda s: s.index
        )
        extended = [s for s in scope.calls if _is_extended(s)]
        if not extended:
            return
        first_init = inits[0] if inits else None
        reported: set = set()
        if first_init is not None and layout.straight_line(first_init.stmt):
            for site in extended:
                if site.index < first_init.index and _local_to_function(site, scope):
                    reported.add(id(site))
                    an.report(
                        site, "MPS104", call=site_name(site), where="before its MAPIInitialize"
                    )
        for un in uninits:
            if not layout.straight_line(un.stmt):
                continue
            later_init = [i.index for i in inits if i.index > un.index]
            limit = min(later_init) if later_init else None
            for site in extended:
                if id(site) in reported or site.index <= un.index:
                    continue
                if limit is not None and site.index > limit:
                    continue
                if site.stmt is un.stmt:
                    continue
                if layout.in_handler_of_try_around(site.stmt, un.stmt):
                    continue
                reported.add(id(site))
                an.report(site, "MPS104", call=site_name(site), where="after its MAPIUninitialize")


def _is_extended(site: CallSite) -> bool:
    return site.key in (MAPI_LOGON_EX, MAPI_ADMIN_PROFILES) or site.flavour == "method"


def _local_to_function(site: CallSite, scope: Scope) -> bool:
    """Before MAPIInitialize only MAPI calls, and objects the function itself
    obtained from them, count (``self.session`` may predate this call)."""
    if site.flavour != "method":
        return True
    receiver = site.node.func.value if isinstance(site.node.func, cst.Attribute) else None
    if not isinstance(receiver, cst.Name):
        return False
    sources = scope.bindings.get(receiver.value)
    if not sources:
        return False
    if isinstance(scope, FunctionScope) and any(p.name == receiver.value for p in scope.params):
        return False
    return all(isinstance(s, AssignSource) and isinstance(s.value, cst.Call) for s in sources)
