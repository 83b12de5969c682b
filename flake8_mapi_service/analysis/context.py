"""The analysis facade rules see: sites, arguments, values, flags, provenance, service."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Dict, List, Optional, Sequence, Union

import libcst as cst

from ..catalogue import RULES_BY_CODE
from ..settings import Settings
from . import service
from .bindings import Resolver, api_key
from .flags import UNKNOWN, ZERO, Bits
from .flow import NONE, TOP, Flow, StructV, TupleV, Value, as_bits
from .model import CallSite, FunctionScope, ModuleModel, Scope
from .provenance import Provenance
from .structure import Structure

if TYPE_CHECKING:
    from .threads import ThreadModel
    from .waits import Waits

STAR = object()  # an argument hidden behind *args


@dataclass
class Finding:
    site: CallSite
    code: str
    message: str
    service_only: bool


class Analysis:
    """Everything rules may ask about one module; answers are lazy and memoised."""

    def __init__(self, model: ModuleModel, settings: Settings, filename: str) -> None:
        self.model = model
        self.settings = settings
        self.filename = filename
        self.resolver = Resolver(model)
        self.flow = Flow(model, self.resolver)
        self.provenance = Provenance(self.resolver)
        self.findings: List[Finding] = []
        self._by_key: Dict[str, List[CallSite]] = {}
        self._is_service: Optional[bool] = None
        self._init_cache: Dict[int, Bits] = {}
        self._logon_cache: Dict[int, Bits] = {}
        self._structure: Optional[Structure] = None
        self._resolve_calls()

    # -- call sites -------------------------------------------------------------
    def _resolve_calls(self) -> None:
        resolver = self.resolver
        for site in self.model.calls:
            func = site.node.func
            ref = resolver.ref(func, site.scope)
            key, flavour = api_key(ref)
            if key is None:
                fn = resolver.function(ref)
                if fn is not None:
                    site.target = fn
                    site.flavour = "local"
                elif isinstance(func, cst.Attribute) and ref is None:
                    tag = self.provenance.origin(func.value, site.scope)
                    if tag is not None:
                        key, flavour = f"mapiobj.{func.attr.value}", "method"
                        site.receiver = tag
            if key is not None:
                site.key = key
                site.flavour = flavour
                self._by_key.setdefault(key, []).append(site)

    def sites(self, key: str) -> List[CallSite]:
        return self._by_key.get(key, [])

    @property
    def keys(self) -> Sequence[str]:
        return list(self._by_key)

    # -- arguments and values ----------------------------------------------------------
    @staticmethod
    def arg(site: CallSite, index: int) -> Union[cst.BaseExpression, None, object]:
        """The positional argument ``index`` (None: omitted; STAR: behind ``*args``)."""
        position = 0
        for a in site.node.args:
            if a.star:
                return STAR
            if a.keyword is not None:
                continue
            if position == index:
                return a.value
            position += 1
        return None

    def value(self, site: CallSite, expr: cst.BaseExpression) -> Value:
        return self.flow.value_at(expr, site.scope, site.stmt)

    def bits(self, site: CallSite, expr: cst.BaseExpression) -> Bits:
        return as_bits(self.value(site, expr))

    def flags_arg(self, site: CallSite, index: int, omitted: Bits = ZERO) -> Bits:
        expr = self.arg(site, index)
        if expr is STAR:
            return UNKNOWN
        if expr is None:
            return UNKNOWN if any(a.keyword is not None for a in site.node.args) else omitted
        return self.bits(site, expr)  # type: ignore[arg-type]

    def init_flags(self, site: CallSite) -> Bits:
        """The MAPIINIT_0 ulFlags a MAPIInitialize call passes (NULL/None: 0)."""
        cached = self._init_cache.get(id(site))
        if cached is not None:
            return cached
        result = UNKNOWN
        expr = self.arg(site, 0)
        if isinstance(expr, cst.BaseExpression):
            value = self.value(site, expr)
            result = self._init_bits(site, value)
        self._init_cache[id(site)] = result
        return result

    def _init_bits(self, site: CallSite, value: Value) -> Bits:
        if value is NONE:
            return ZERO
        if isinstance(value, TupleV) and len(value.items) == 2:
            return as_bits(value.items[1])
        if isinstance(value, StructV):
            return as_bits(self.flow.struct_field(value, site.scope, site.stmt, "ulFlags"))
        if site.flavour == "ctypes" and isinstance(value, Bits) and value.exact and value.val == 0:
            return ZERO  # ctypes passes 0 as a NULL pointer
        return UNKNOWN

    def logon_flags(self, site: CallSite) -> Bits:
        """MAPILogonEx's flFlags (4th argument; omitted: 0)."""
        cached = self._logon_cache.get(id(site))
        if cached is None:
            cached = self.flags_arg(site, 3)
            self._logon_cache[id(site)] = cached
        return cached

    def origin(self, expr: cst.BaseExpression, scope: Scope) -> Optional[str]:
        return self.provenance.origin(expr, scope)

    # -- context ----------------------------------------------------------------------
    @property
    def is_service(self) -> bool:
        if self._is_service is None:
            self._is_service = service.is_service(self)
        return self._is_service

    @property
    def structure(self) -> Structure:
        """Where statements sit in their function (branches, loops, handlers)."""
        if self._structure is None:
            self._structure = Structure(self.model)
        return self._structure

    @property
    def threads(self) -> ThreadModel:
        """The thread model (RULES.md 1.4); built on first use (rules ask only in
        files that call MAPIInitialize)."""
        model = self.__dict__.get("_threads")
        if model is None:
            from .threads import ThreadModel

            model = self.__dict__["_threads"] = ThreadModel(self)
        return model

    @property
    def waits(self) -> Waits:
        """Blocking waits, pumps and MsgWaitForMultipleObjects (RULES.md 1.5), lazily."""
        waits = self.__dict__.get("_waits")
        if waits is None:
            from .waits import Waits

            waits = self.__dict__["_waits"] = Waits(self)
        return waits

    # -- reporting -----------------------------------------------------------------------
    def report(self, site: CallSite, code: str, **fields: object) -> None:
        rule = RULES_BY_CODE[code]
        self.findings.append(Finding(site, code, rule.format(**fields), rule.service_only))


__all__ = ["Analysis", "Finding", "STAR", "FunctionScope", "TOP"]
