"""Service context (RULES.md 1.3): is this file code that runs in a Windows service?"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..settings import Settings
from .apis import MAPI_NT_SERVICE

if TYPE_CHECKING:
    from .context import Analysis

SERVICE_FRAMEWORK = frozenset({"win32serviceutil.ServiceFramework"})

SERVICE_ENTRY_CALLS = frozenset(
    {
        "servicemanager.StartServiceCtrlDispatcher",
        "servicemanager.PrepareToHostSingle",
        "servicemanager.PrepareToHostMultiple",
        "servicemanager.Initialize",
        "win32serviceutil.HandleCommandLine",
        "advapi32.StartServiceCtrlDispatcherA",
        "advapi32.StartServiceCtrlDispatcherW",
        "advapi32.RegisterServiceCtrlHandlerA",
        "advapi32.RegisterServiceCtrlHandlerW",
        "advapi32.RegisterServiceCtrlHandlerExA",
        "advapi32.RegisterServiceCtrlHandlerExW",
    }
)


def user_says_service(settings: Settings, filename: str) -> bool:
    return settings.service_mode == "always" or settings.path_is_service(filename)


def is_service(an: Analysis) -> bool:
    settings = an.settings
    if settings.service_mode == "never":
        return False
    if user_says_service(settings, an.filename):
        return True
    return bool(service_classes(an)) or _has_entry_call(an) or _declares_service(an)


def service_classes(an: Analysis) -> list:
    """Classes of the module that derive from ``win32serviceutil.ServiceFramework``."""
    return [c for c in an.model.classes if an.resolver.derives_from(c, SERVICE_FRAMEWORK)]


def _has_entry_call(an: Analysis) -> bool:
    return any(an.sites(key) for key in SERVICE_ENTRY_CALLS)


def _declares_service(an: Analysis) -> bool:
    for site in an.sites("mapi.MAPIInitialize"):
        if an.init_flags(site).has(MAPI_NT_SERVICE):
            return True
    for site in an.sites("mapi.MAPILogonEx"):
        if an.logon_flags(site).has(MAPI_NT_SERVICE):
            return True
    return False
