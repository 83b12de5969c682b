"""The rule interface: small checkers over the shared analysis.

A rule declares the API keys it cares about (``calls``); the engine walks the
call sites found by the one traversal and hands each matching site to
``check``.  ``finish`` runs once per file for file-level rules (MPS106/107).
Rules report through ``an.report(site, code, **fields)``; service-only codes
are dropped by the engine when the file is not service code.
"""

from __future__ import annotations

from typing import ClassVar, FrozenSet, Tuple

from ..analysis.context import Analysis
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


def call_name(site: CallSite) -> str:
    """How messages name a call: ``MAPILogonEx``, ``MAPI method Logoff``."""
    key = site.key or ""
    name = key.split(".", 1)[1] if "." in key else (key or "MAPI call")
    if site.flavour == "method":
        return f"MAPI method {name}"
    return name
