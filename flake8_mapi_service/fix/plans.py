"""What ``fix`` will change at each call: the plans.

A plan names the flag argument of one call, the constants to add to it
(MAPI_NT_SERVICE, MAPI_NO_MAIL, MDB_NO_DIALOG, AB_NO_DIALOG, QS_ALLPOSTMESSAGE)
and the UI constants to clear from it (MPS201, MPS202).  The codes fix repairs
come from the catalogue (``Rule.fixable``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, FrozenSet, List, Optional, Sequence, Set, Tuple

from ..analysis.apis import (
    CONSTANTS,
    MAPI_INITIALIZE,
    MAPI_LOGON,
    MAPI_LOGON_EX,
    MASK32,
    MSGWAIT_LAYOUTS,
)
from ..analysis.context import Analysis
from ..analysis.flags import Bits
from ..analysis.model import CallSite
from ..catalogue import RULES
from ..runner import Finding

#: the codes ``fix`` repairs
FIXABLE: Tuple[str, ...] = tuple(r.code for r in RULES if r.fixable)

#: constants the fix may write, with the value it checks and the literal of a new constant
VALUES: Dict[str, int] = {
    name: CONSTANTS[name][0]
    for name in (
        "MAPI_INIT_VERSION",
        "MAPI_NT_SERVICE",
        "MAPI_NO_MAIL",
        "MAPI_LOGON_UI",
        "MAPI_SERVICE_UI_ALWAYS",
        "MAPI_PASSWORD_UI",
        "MDB_NO_DIALOG",
        "AB_NO_DIALOG",
        "MAPI_DIALOG",
        "MAPI_DIALOG_MODELESS",
        "SERVICE_UI_ALWAYS",
        "SERVICE_UI_ALLOWED",
        "MSG_SERVICE_UI_READ_ONLY",
        "QS_ALLPOSTMESSAGE",
    )
}
#: how a new module constant spells them (as the headers do: ``0x00010000``)
LITERALS: Dict[str, str] = {
    name: f"0x{value:08X}" if value else "0" for name, value in VALUES.items()
}
#: the constants of VALUES that pywin32's ``win32com.mapi.mapi`` defines (pywin32 312's
#: mapi.pyd): only these may be written ``mapi.NAME``.  MAPI_DIALOG_MODELESS and
#: MSG_SERVICE_UI_READ_ONLY are not there, and neither win32con nor win32event has
#: QS_ALLPOSTMESSAGE: a file without its own binding of those gets a module constant.
PYWIN32_MAPI: FrozenSet[str] = frozenset(VALUES) - {
    "MAPI_DIALOG_MODELESS",
    "MSG_SERVICE_UI_READ_ONLY",
    "QS_ALLPOSTMESSAGE",
}


def _table(*names: str) -> Dict[str, int]:
    return {name: VALUES[name] for name in names}


#: the logon UI constants MPS201 removes
UI_NAMES: Dict[str, int] = _table("MAPI_LOGON_UI", "MAPI_PASSWORD_UI", "MAPI_SERVICE_UI_ALWAYS")
#: MPS202 on Simple MAPI and IAddrBook.ResolveName: the dialog bit, and the terms that set it
DIALOG_NAMES: Dict[str, int] = _table("MAPI_DIALOG", "MAPI_DIALOG_MODELESS")
#: MPS202 on ConfigureMsgService / CreateMsgService(Ex)
SERVICE_UI_NAMES: Dict[str, int] = _table(
    "SERVICE_UI_ALWAYS", "SERVICE_UI_ALLOWED", "MSG_SERVICE_UI_READ_ONLY"
)
#: plan kind -> the constants whose terms a plan of that kind removes (by name, or as
#: their number): a term goes when it sets a bit the plan clears, and sets nothing else
REMOVABLE: Dict[str, Dict[str, int]] = {
    "logon": UI_NAMES,
    "dialog": DIALOG_NAMES,
    "service-ui": SERVICE_UI_NAMES,
}

LOGONS = (MAPI_LOGON_EX, MAPI_LOGON)
#: MPS202's calls -> (plan kind, position of the flags)
UI_FLAG_CALLS: Dict[str, Tuple[str, int]] = {
    "mapi.MAPISendMail": ("dialog", 3),
    "mapi.MAPISendMailW": ("dialog", 3),
    "mapi.MAPIResolveName": ("dialog", 3),
    "mapiobj.ResolveName": ("dialog", 1),
    "mapiobj.ConfigureMsgService": ("service-ui", 2),
    "mapiobj.CreateMsgService": ("service-ui", 3),
    "mapiobj.CreateMsgServiceEx": ("service-ui", 3),
}
#: MPS204's calls -> (position of the flags, the constant they need)
OPEN_CALLS: Dict[str, Tuple[int, str]] = {
    "mapiobj.OpenMsgStore": (3, "MDB_NO_DIALOG"),
    "mapiobj.OpenAddressBook": (2, "AB_NO_DIALOG"),
}


def same_dword(bits: Bits, value: int) -> bool:
    """``bits`` is exactly ``value`` as the 32-bit DWORD a flag word is, written as an
    unsigned or a signed 32-bit number (``-1`` for 0xFFFFFFFF); wider values are not."""
    return bits.exact and -(1 << 31) <= bits.val <= MASK32 and bits.val & MASK32 == value & MASK32


@dataclass(frozen=True)
class Plan:
    """What to change at one call: constants to add, UI constants to clear."""

    site: CallSite
    codes: Tuple[str, ...]
    kind: str  # "init" | "logon" | "open" | "dialog" | "service-ui" | "wake"
    add: Tuple[str, ...]
    remove: FrozenSet[str]
    #: the position of the flag argument (MAPIInitialize's structure for "init")
    index: int = 3

    @property
    def signature(self) -> Tuple[str, Tuple[str, ...], FrozenSet[str]]:
        return (self.kind, self.add, self.remove)


def make_plans(an: Analysis, findings: Sequence[Finding]) -> List[Plan]:
    """One plan per call site that has fixable findings."""
    by_site: Dict[int, Tuple[CallSite, List[str]]] = {}
    for f in findings:
        if f.code in FIXABLE:
            by_site.setdefault(f.site.index, (f.site, []))[1].append(f.code)
    plans: List[Plan] = []
    for index in sorted(by_site):
        site, codes = by_site[index]
        plan = _plan(an, site, sorted(set(codes)))
        if plan is not None:
            plans.append(plan)
    return plans


def _plan(an: Analysis, site: CallSite, codes: List[str]) -> Optional[Plan]:
    key = site.key or ""
    if key == MAPI_INITIALIZE:
        if "MPS101" in codes:
            return Plan(site, ("MPS101",), "init", ("MAPI_NT_SERVICE",), frozenset(), 0)
        return None
    if key in LOGONS:
        add: List[str] = []
        if "MPS102" in codes:
            add.append("MAPI_NT_SERVICE")
        if "MPS103" in codes:
            add.append("MAPI_NO_MAIL")
        remove: Set[str] = set()
        if "MPS201" in codes:
            flags = an.logon_flags(site) if key == MAPI_LOGON_EX else an.flags_arg(site, 3)
            remove = {name for name, bit in UI_NAMES.items() if flags.has(bit)}
        fixed = tuple(c for c in codes if c in ("MPS102", "MPS103", "MPS201"))
        if fixed:
            return Plan(site, fixed, "logon", tuple(add), frozenset(remove))
        return None
    if "MPS204" in codes and key in OPEN_CALLS:
        position, name = OPEN_CALLS[key]
        return Plan(site, ("MPS204",), "open", (name,), frozenset(), position)
    if "MPS202" in codes and key in UI_FLAG_CALLS:
        kind, position = UI_FLAG_CALLS[key]
        contexts = an.arguments.flags_arg_contexts(site, position)
        if kind == "dialog":
            # the dialog bit: MAPI_DIALOG_MODELESS is MAPI_DIALOG and one more bit
            held = any(c.bits.has(VALUES["MAPI_DIALOG"]) for c in contexts)
            clear = {"MAPI_DIALOG"} if held else set()
        else:
            clear = {
                name for name, bit in SERVICE_UI_NAMES.items() for c in contexts if c.bits.has(bit)
            }
        if clear:
            return Plan(site, ("MPS202",), kind, (), frozenset(clear), position)
        return None
    if "MPS404" in codes and key in MSGWAIT_LAYOUTS:
        position = MSGWAIT_LAYOUTS[key].mask
        return Plan(site, ("MPS404",), "wake", ("QS_ALLPOSTMESSAGE",), frozenset(), position)
    return None
