"""What ``fix`` will change at each call: the plans.

A plan names the constants to add to a call's flags (MAPI_NT_SERVICE,
MAPI_NO_MAIL) and the UI constants to remove (MPS201).  The codes fix repairs
come from the catalogue (``Rule.fixable``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, FrozenSet, List, Sequence, Set, Tuple

from ..analysis.apis import CONSTANTS, MAPI_INITIALIZE, MAPI_LOGON, MAPI_LOGON_EX
from ..analysis.context import Analysis
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
    )
}
#: how a new module constant spells them (as the headers do: ``0x00010000``)
LITERALS: Dict[str, str] = {
    name: f"0x{value:08X}" if value else "0" for name, value in VALUES.items()
}
#: the logon UI constants MPS201 removes
UI_NAMES: Dict[str, int] = {
    name: VALUES[name] for name in ("MAPI_LOGON_UI", "MAPI_PASSWORD_UI", "MAPI_SERVICE_UI_ALWAYS")
}

LOGONS = (MAPI_LOGON_EX, MAPI_LOGON)


@dataclass(frozen=True)
class Plan:
    """What to change at one call: constants to add, UI constants to remove."""

    site: CallSite
    codes: Tuple[str, ...]
    kind: str  # "init" | "logon"
    add: Tuple[str, ...]
    remove: FrozenSet[str]

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
        codes = sorted(set(codes))
        if site.key == MAPI_INITIALIZE:
            if "MPS101" in codes:
                plans.append(Plan(site, ("MPS101",), "init", ("MAPI_NT_SERVICE",), frozenset()))
            continue
        if site.key not in LOGONS:
            continue
        add: List[str] = []
        if "MPS102" in codes:
            add.append("MAPI_NT_SERVICE")
        if "MPS103" in codes:
            add.append("MAPI_NO_MAIL")
        remove: Set[str] = set()
        if "MPS201" in codes:
            flags = an.logon_flags(site) if site.key == MAPI_LOGON_EX else an.flags_arg(site, 3)
            remove = {name for name, bit in UI_NAMES.items() if flags.has(bit)}
        fixed = tuple(c for c in codes if c in ("MPS102", "MPS103", "MPS201"))
        if fixed:
            plans.append(Plan(site, fixed, "logon", tuple(add), frozenset(remove)))
    return plans
