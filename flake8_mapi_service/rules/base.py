"""The rule interface: small checkers over the shared analysis.

A rule declares the API keys it cares about (``calls``); the runner walks the
call sites found by the one traversal and hands each matching site to
``check``.  ``finish`` runs once per file for rules that look at more than one
call (MPS106/107, the thread rules).  Rules report raw findings through
``an.report(site, code, **fields)``; the runner formats the message from the
catalogue and drops service-only codes outside service code.
"""

from __future__ import annotations

from typing import Callable, ClassVar, Dict, FrozenSet, List, Sequence, Tuple

from ..analysis.apis import MAPI_METHOD, MSGWAIT_KEYS
from ..analysis.arguments import FlagContext
from ..analysis.context import Analysis
from ..analysis.flags import Bits
from ..analysis.model import CallSite


class Rule:
    #: the catalogue codes this rule reports
    codes: ClassVar[Tuple[str, ...]] = ()
    #: API keys ("mapi.MAPILogonEx", "win32event.WaitForSingleObject", ...)
    calls: ClassVar[FrozenSet[str]] = frozenset()

    def check(self, site: CallSite, an: Analysis) -> None:
        """Called for every call site whose key is in ``calls``."""

    def finish(self, an: Analysis) -> None:
        """Called once after every site was checked."""


#: how messages name a method of a MAPI interface
INTERFACES: Dict[str, str] = {
    "mapiobj.Address": "IAddrBook.Address",
    "mapiobj.Details": "IAddrBook.Details",
    "mapiobj.ResolveName": "IAddrBook.ResolveName",
    "mapiobj.ShowForm": "IMAPISession.ShowForm",
    "mapiobj.ConfigureMsgService": "IMsgServiceAdmin.ConfigureMsgService",
    "mapiobj.CreateMsgService": "IMsgServiceAdmin.CreateMsgService",
    "mapiobj.CreateMsgServiceEx": "IMsgServiceAdmin.CreateMsgServiceEx",
}
_CLIENT_MODULES = ("win32com.client.", "comtypes.client.")


def call_name(key: str, flavour: str = "") -> str:
    """How messages name the call with this key.

    MAPI functions by their name (``MAPILogonEx``); a method on a MAPI object
    by its interface (``IAddrBook.Address``), or as ``MAPI method Logoff`` when
    the call's ``flavour`` is "method" (rules about any MAPI call say so);
    COM activation without its module (``Dispatch``); MsgWaitForMultipleObjects
    without its module; ``input()``; anything else by its qualified name.
    """
    head, _, rest = key.partition(".")
    if head == MAPI_METHOD[:-1]:
        if flavour == "method":
            return f"MAPI method {rest}"
        return INTERFACES.get(key, rest)
    if head == "mapi" or key in MSGWAIT_KEYS:
        return rest
    for prefix in _CLIENT_MODULES:
        if key.startswith(prefix):
            return key[len(prefix) :]
    if key == "builtins.input":
        return "input()"
    return key or "MAPI call"


def site_name(site: CallSite) -> str:
    """``call_name`` of a call site (its key and flavour)."""
    return call_name(site.key or "", site.flavour)


def report_words(
    an: Analysis,
    site: CallSite,
    code: str,
    contexts: Sequence[FlagContext],
    words: Callable[[Bits], List[str]],
    field: str,
    sep: str = " | ",
    **fields: object,
) -> None:
    """Report ``code`` where a flag word has the names ``words`` finds (MPS108's
    constants, MPS201's UI flags...), in each calling context: contexts that find
    the same names make one finding; the message's ``field`` lists them."""
    found: List[Tuple[str, ...]] = []
    for context in contexts:
        names = tuple(words(context.bits))
        if names and names not in found:
            found.append(names)
    for names in found:
        an.report_contexts(
            site,
            code,
            contexts,
            lambda bits, names=names: tuple(words(bits)) == names,  # type: ignore[misc]
            **{field: sep.join(names)},
            **fields,
        )
