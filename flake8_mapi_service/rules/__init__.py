"""The rule families.  Add a family here and its codes to the catalogue."""

from __future__ import annotations

from typing import List, Type

from .base import Rule
from .init_logon import FileBalance, InitFlags, InitializeOrder, LogonFlags

RULE_CLASSES: List[Type[Rule]] = [
    InitFlags,
    LogonFlags,
    FileBalance,
    InitializeOrder,
]

__all__ = ["Rule", "RULE_CLASSES"]
