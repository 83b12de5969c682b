"""The rule families.  Add a family here and its codes to the catalogue."""

from __future__ import annotations

from typing import List, Type

from .base import Rule
from .init_logon import FileBalance, InitFlags, InitializeOrder, LogonFlags
from .pump import BlockingWaits, MapiThreadCalls, MsgWaitChecks
from .sending import DesktopServiceInProfile, OutlookAutomation, SimpleMapi
from .ui import AlwaysUI, CallUIFlags, LogonUI, NonMapiUI, OpenWithoutNoDialog

RULE_CLASSES: List[Type[Rule]] = [
    InitFlags,
    LogonFlags,
    FileBalance,
    InitializeOrder,
    LogonUI,
    CallUIFlags,
    AlwaysUI,
    OpenWithoutNoDialog,
    NonMapiUI,
    SimpleMapi,
    OutlookAutomation,
    DesktopServiceInProfile,
    MapiThreadCalls,
    BlockingWaits,
    MsgWaitChecks,
]

__all__ = ["Rule", "RULE_CLASSES"]
