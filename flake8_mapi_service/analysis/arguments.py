"""What a call passes: its arguments, their values and the flag words of MAPI calls.

``Arguments`` reads a call's arguments (``model.argument``) and evaluates them
with the flow evaluation at the call's statement.  ``init_flags`` and
``logon_flags`` know MAPIInitialize's and MAPILogonEx's signatures (pywin32 and
ctypes alike) and are memoised: several rules and the service context ask.
"""

from __future__ import annotations

from typing import Dict, Union

import libcst as cst

from .flags import UNKNOWN, ZERO, Bits
from .flow import NONE, Flow, StructV, TupleV, Value, as_bits, resolve
from .model import CallSite, Hidden, argument


class Arguments:
    def __init__(self, flow: Flow) -> None:
        self.flow = flow
        self._init_cache: Dict[int, Bits] = {}
        self._logon_cache: Dict[int, Bits] = {}

    @staticmethod
    def arg(site: CallSite, index: int) -> Union[cst.BaseExpression, None, Hidden]:
        """The positional argument ``index`` (None: omitted; HIDDEN: behind ``*args``)."""
        return argument(site.node, index)

    def value(self, site: CallSite, expr: cst.BaseExpression) -> Value:
        """The value of ``expr`` at the call, with the flow's env resolving what is
        symbolic (parameters, names from other modules)."""
        return resolve(self.flow.value_at(expr, site.scope, site.stmt), self.flow.env)

    def bits(self, site: CallSite, expr: cst.BaseExpression) -> Bits:
        return as_bits(self.value(site, expr))

    def flags_arg(self, site: CallSite, index: int, omitted: Bits = ZERO) -> Bits:
        """The flag word at position ``index``; ``omitted`` when the call leaves it out
        (unknown when keyword arguments may pass it)."""
        expr = self.arg(site, index)
        if isinstance(expr, Hidden):
            return UNKNOWN
        if expr is None:
            return UNKNOWN if any(a.keyword is not None for a in site.node.args) else omitted
        return self.bits(site, expr)

    def init_flags(self, site: CallSite) -> Bits:
        """The MAPIINIT_0 ulFlags a MAPIInitialize call passes (NULL/None: 0)."""
        cached = self._init_cache.get(id(site))
        if cached is None:
            cached = UNKNOWN
            expr = self.arg(site, 0)
            if isinstance(expr, cst.BaseExpression):
                cached = self._init_bits(site, self.value(site, expr))
            self._init_cache[id(site)] = cached
        return cached

    def _init_bits(self, site: CallSite, value: Value) -> Bits:
        if value is NONE:
            return ZERO
        if isinstance(value, TupleV) and len(value.items) == 2:
            return as_bits(value.items[1])
        if isinstance(value, StructV):
            field = self.flow.struct_field(value, site.scope, site.stmt, "ulFlags")
            return as_bits(resolve(field, self.flow.env))
        if site.flavour == "ctypes" and isinstance(value, Bits) and value.exact and value.val == 0:
            return ZERO  # ctypes passes 0 as a NULL pointer
        return UNKNOWN

    def logon_flags(self, site: CallSite) -> Bits:
        """MAPILogonEx's flFlags (4th argument; omitted: 0)."""
        cached = self._logon_cache.get(id(site))
        if cached is None:
            cached = self._logon_cache[id(site)] = self.flags_arg(site, 3)
        return cached
