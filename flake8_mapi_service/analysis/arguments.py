"""What a call passes: its arguments, their values and the flag words of MAPI calls.

``Arguments`` reads a call's arguments (``model.argument``) and evaluates them
with the flow evaluation at the call's statement.  Parameters of the enclosing
function are symbolic there; ``value`` joins them over every calling context,
``contexts`` evaluates them once per context (RULES 1.2: each context on its
own, and a finding names its caller).  ``init_flags`` and ``logon_flags`` know
MAPIInitialize's and MAPILogonEx's signatures (pywin32 and ctypes alike).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Tuple, Union

import libcst as cst

from .flags import UNKNOWN, ZERO, Bits
from .flow import NONE, TOP, Env, Flow, StructV, TupleV, Value, as_bits, resolve
from .link import GF, Context, ContextEnv, JoinedEnv, Link, has_params
from .model import CallSite, Hidden, argument


@dataclass(frozen=True)
class FlagContext:
    """A flag word in one calling context."""

    bits: Bits
    #: the call that makes this context, as ``path:line`` (None: no caller is
    #: involved, or the default of a function nothing calls)
    caller: Optional[str]
    #: the context's code is service code
    service: bool


class _Unknown(Env):
    """The unknown context: every parameter is unknown."""

    def __init__(self, joined: Env) -> None:
        self.joined = joined

    def external(self, ref: str) -> Value:
        return self.joined.external(ref)


class Arguments:
    def __init__(
        self,
        flow: Flow,
        link: Link,
        mid: str,
        function_of: Callable[[CallSite], GF],
        in_service: Callable[[GF], bool],
    ) -> None:
        self.flow = flow
        self.link = link
        self.mid = mid
        self.function_of = function_of
        self.in_service = in_service
        self.joined = JoinedEnv(link, mid)
        self._init_cache: Dict[int, Bits] = {}
        self._logon_cache: Dict[int, Bits] = {}

    @staticmethod
    def arg(site: CallSite, index: int) -> Union[cst.BaseExpression, None, Hidden]:
        """The positional argument ``index`` (None: omitted; HIDDEN: behind ``*args``)."""
        return argument(site.node, index)

    def raw(self, site: CallSite, expr: cst.BaseExpression) -> Value:
        """The value at the call, parameters of its function left symbolic."""
        return self.flow.value_at(expr, site.scope, site.stmt)

    def value(self, site: CallSite, expr: cst.BaseExpression) -> Value:
        """The value at the call, parameters joined over every calling context."""
        return resolve(self.raw(site, expr), self.joined)

    def bits(self, site: CallSite, expr: cst.BaseExpression) -> Bits:
        return as_bits(self.value(site, expr))

    # -- calling contexts ------------------------------------------------------------------
    def contexts(self, site: CallSite, raw: Value) -> List[Tuple[Optional[Context], Env, bool]]:
        """(context, env resolving values in it, service code?) for each calling
        context that may change ``raw``; one entry (no context) when none can."""
        gf = self.function_of(site)
        if not has_params(raw):
            return [(None, self.joined, self.in_service(gf))]
        contexts, unknown = self.link.contexts(gf)
        out: List[Tuple[Optional[Context], Env, bool]] = []
        for context in contexts:
            service = self.in_service(context.caller if context.caller is not None else gf)
            out.append((context, ContextEnv(self.link, gf, context), service))
        if unknown or not out:
            out.append((None, _Unknown(self.joined), self.in_service(gf)))
        return out

    def flag_contexts(
        self, site: CallSite, words: Callable[[Env], Bits], raw: Value
    ) -> List[FlagContext]:
        out: List[FlagContext] = []
        for context, env, service in self.contexts(site, raw):
            caller = None
            if context is not None and context.call is not None:
                mid, fact = context.call
                caller = f"{self.link.display(mid)}:{fact.line}"
            out.append(FlagContext(words(env), caller, service))
        return out

    # -- flag words ------------------------------------------------------------------------
    def flags_arg(self, site: CallSite, index: int, omitted: Bits = ZERO) -> Bits:
        """The flag word at position ``index``, joined over the calling contexts;
        ``omitted`` when the call leaves it out (unknown when keyword arguments may
        pass it)."""
        return self._flags_in(site, index, omitted, self.joined)

    def flags_arg_contexts(
        self, site: CallSite, index: int, omitted: Bits = ZERO
    ) -> List[FlagContext]:
        expr = self.arg(site, index)
        raw = self.raw(site, expr) if isinstance(expr, cst.BaseExpression) else TOP
        return self.flag_contexts(site, lambda env: self._flags_in(site, index, omitted, env), raw)

    def _flags_in(self, site: CallSite, index: int, omitted: Bits, env: Env) -> Bits:
        expr = self.arg(site, index)
        if isinstance(expr, Hidden):
            return UNKNOWN
        if expr is None:
            return UNKNOWN if any(a.keyword is not None for a in site.node.args) else omitted
        return as_bits(resolve(self.raw(site, expr), env))

    def init_flags(self, site: CallSite) -> Bits:
        """The MAPIINIT_0 ulFlags a MAPIInitialize call passes (NULL/None: 0)."""
        cached = self._init_cache.get(id(site))
        if cached is None:
            cached = self._init_cache[id(site)] = self._init_in(site, self.joined)
        return cached

    def init_flag_contexts(self, site: CallSite) -> List[FlagContext]:
        expr = self.arg(site, 0)
        raw = self.raw(site, expr) if isinstance(expr, cst.BaseExpression) else TOP
        if isinstance(raw, StructV):
            raw = self.flow.struct_field(raw, site.scope, site.stmt, "ulFlags")
        return self.flag_contexts(site, lambda env: self._init_in(site, env), raw)

    def _init_in(self, site: CallSite, env: Env) -> Bits:
        expr = self.arg(site, 0)
        if not isinstance(expr, cst.BaseExpression):
            return UNKNOWN
        value = self.raw(site, expr)
        if isinstance(value, StructV):
            field = self.flow.struct_field(value, site.scope, site.stmt, "ulFlags")
            return as_bits(resolve(field, env))
        value = resolve(value, env)
        if value is NONE:
            return ZERO
        if isinstance(value, TupleV) and len(value.items) == 2:
            return as_bits(value.items[1])
        if site.flavour == "ctypes" and isinstance(value, Bits) and value.exact and value.val == 0:
            return ZERO  # ctypes passes 0 as a NULL pointer
        return UNKNOWN

    def logon_flags(self, site: CallSite) -> Bits:
        """MAPILogonEx's flFlags (4th argument; omitted: 0), joined over the contexts."""
        cached = self._logon_cache.get(id(site))
        if cached is None:
            cached = self._logon_cache[id(site)] = self.flags_arg(site, 3)
        return cached

    def logon_flag_contexts(self, site: CallSite) -> List[FlagContext]:
        return self.flags_arg_contexts(site, 3)
