"""Service context: is this file code that runs in a Windows service?

A file is service code when it defines a ``win32serviceutil.ServiceFramework``
subclass (directly or through a class of the same module), calls a service
entry point (``servicemanager.StartServiceCtrlDispatcher``,
``win32serviceutil.HandleCommandLine``, ctypes ``advapi32`` dispatchers...),
declares itself a service (a MAPIInitialize or MAPILogonEx of it definitely
sets MAPI_NT_SERVICE), or the user says so (``--mapi-service=always``,
``--mapi-service-paths``).  ``--mapi-service=never`` turns it off.
"""

from __future__ import annotations

from functools import cached_property
from typing import List

from ..settings import Settings
from .apis import (
    MAPI_INITIALIZE,
    MAPI_LOGON_EX,
    MAPI_NT_SERVICE,
    SERVICE_ENTRY_CALLS,
    SERVICE_FRAMEWORK,
)
from .arguments import Arguments
from .bindings import Resolver
from .callgraph import Sites
from .model import ClassInfo, ModuleModel


def user_says_service(settings: Settings, filename: str) -> bool:
    return settings.service_mode == "always" or settings.path_is_service(filename)


class ServiceContext:
    def __init__(
        self,
        settings: Settings,
        filename: str,
        model: ModuleModel,
        resolver: Resolver,
        sites: Sites,
        arguments: Arguments,
    ) -> None:
        self.settings = settings
        self.filename = filename
        self.model = model
        self.resolver = resolver
        self.sites = sites
        self.arguments = arguments

    @cached_property
    def classes(self) -> List[ClassInfo]:
        """Classes of the module that derive from ``win32serviceutil.ServiceFramework``."""
        return [c for c in self.model.classes if self.resolver.derives_from(c, SERVICE_FRAMEWORK)]

    @cached_property
    def is_service(self) -> bool:
        settings = self.settings
        if settings.service_mode == "never":
            return False
        if user_says_service(settings, self.filename):
            return True
        return bool(self.classes) or self._has_entry_call() or self._declares_service()

    def _has_entry_call(self) -> bool:
        return any(self.sites.of(key) for key in SERVICE_ENTRY_CALLS)

    def _declares_service(self) -> bool:
        arguments = self.arguments
        if any(
            arguments.init_flags(s).has(MAPI_NT_SERVICE) for s in self.sites.of(MAPI_INITIALIZE)
        ):
            return True
        return any(
            arguments.logon_flags(s).has(MAPI_NT_SERVICE) for s in self.sites.of(MAPI_LOGON_EX)
        )
