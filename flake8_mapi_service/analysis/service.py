"""Service code: which files, and which functions, run in a Windows service.

A file is service code when (1.3) it defines a class deriving, through classes
of any module of the project, from ``win32serviceutil.ServiceFramework``; calls
a service entry point (``servicemanager.StartServiceCtrlDispatcher``,
``win32serviceutil.HandleCommandLine``, ctypes ``advapi32`` dispatchers...);
declares itself a service (a MAPIInitialize or MAPILogonEx of it definitely
sets MAPI_NT_SERVICE, with constants from other modules evaluated there); or
the user says so (``--mapi-service=always``, ``--mapi-service-paths``).
``--mapi-service=never`` turns it off.

Across modules (1.6), a function that service code calls, directly or through
other calls (thread starts included), is service code wherever it is defined,
and so is the module-level code of a module that service code imports (its
``if __name__ == "__main__":`` block aside).  The other functions of such a
file are not service code.
"""

from __future__ import annotations

from functools import cached_property
from typing import Callable, Dict, List, Optional, Set, Tuple

from ..settings import Settings
from .apis import (
    MAPI_INITIALIZE,
    MAPI_LOGON_EX,
    MAPI_NT_SERVICE,
    SERVICE_ENTRY_CALLS,
    SERVICE_FRAMEWORK,
)
from .callgraph import ALL, Edge
from .flow import as_bits, resolve
from .link import GC, GF, JoinedEnv, Link
from .summary import MAIN, MODULE


def user_says_service(settings: Settings, filename: str) -> bool:
    return settings.service_mode == "always" or settings.path_is_service(filename)


#: how a function came to be service code: the file's own reason, or the call
#: (or import) that reaches it from service code
Reason = Tuple[str, object]


class Services:
    def __init__(self, link: Link, settings: Settings, paths: Dict[str, str]) -> None:
        self.link = link
        self.settings = settings
        #: module id -> the path the user's globs are matched against
        self.paths = paths
        self._files: Dict[str, Optional[str]] = {}

    # -- files (1.3) ------------------------------------------------------------------------
    def file_reason(self, mid: str) -> Optional[str]:
        """Why a file is service code on its own, or None."""
        if mid not in self._files:
            self._files[mid] = self._reason(mid)
        return self._files[mid]

    def is_service_file(self, mid: str) -> bool:
        return self.file_reason(mid) is not None

    def _reason(self, mid: str) -> Optional[str]:
        settings = self.settings
        if settings.service_mode == "never":
            return None
        if settings.service_mode == "always":
            return "--mapi-service=always"
        if settings.path_is_service(self.paths.get(mid, mid)):
            return "it matches --mapi-service-paths"
        for gc in self.link.classes():
            if gc[0] == mid and self.link.derives_from(gc, SERVICE_FRAMEWORK):
                cls = self.link.klass(gc)
                name = cls.qualname if cls is not None else gc[1]
                return f"class {name} derives from win32serviceutil.ServiceFramework"
        module = self.link.modules.get(mid)
        if module is None:
            return None
        for fact in module.calls:
            if fact.key in SERVICE_ENTRY_CALLS:
                return f"it calls {fact.key} (line {fact.line})"
        env = JoinedEnv(self.link, mid)
        for fact in module.calls:
            if fact.key in (MAPI_INITIALIZE, MAPI_LOGON_EX):
                if as_bits(resolve(fact.flags, env)).has(MAPI_NT_SERVICE):
                    call = fact.key.split(".", 1)[1]
                    return f"its {call} (line {fact.line}) sets MAPI_NT_SERVICE"
        return None

    def service_classes(self) -> List[GC]:
        """Every class of the project deriving from ServiceFramework (at any depth)."""
        return [gc for gc in self.link.classes() if self.link.derives_from(gc, SERVICE_FRAMEWORK)]

    # -- service code by reach (1.6) -----------------------------------------------------------
    @cached_property
    def _reach(self) -> Dict[GF, Optional[Reason]]:
        """Every function that is service code, with how it was reached (None for a
        function of a service file)."""
        link = self.link
        graph = link.graph
        reached: Dict[GF, Optional[Reason]] = {}
        todo: List[GF] = []
        for mid in link.modules:
            if self.is_service_file(mid):
                for fid in link.modules[mid].functions:
                    reached[(mid, fid)] = None
                    todo.append((mid, fid))
        while todo:
            current = todo.pop()
            for edge in graph.out(current, ALL):
                if edge.target not in reached:
                    reached[edge.target] = ("call", edge)
                    todo.append(edge.target)
            fn = link.function(current)
            if fn is None or current[1] == MAIN:
                continue
            for imported in self._imported(current[0], fn.imports):
                node = (imported, MODULE)
                if node not in reached:
                    reached[node] = ("import", current)
                    todo.append(node)
        return reached

    def _imported(self, mid: str, refs: List[str]) -> Set[str]:
        index = self.link.index
        out: Set[str] = set()
        if index is None:
            return out
        for ref in refs:
            found = index.resolve(mid, ref)
            if found is not None and found[0] in self.link.modules and found[0] != mid:
                out.add(found[0])
                parts = found[0].split("/")[:-1]
                for i in range(1, len(parts) + 1):
                    init = "/".join(parts[:i]) + "/__init__.py"
                    if init in self.link.modules and init != found[0]:
                        out.add(init)
        return out

    def in_service(self, gf: GF) -> bool:
        """The function (or module-level code) is service code."""
        return gf in self._reach

    def chain(self, gf: GF) -> List[Tuple[str, str, str]]:
        """How service code reaches a function: (caller, how, where) steps from the
        service file's code down to it, ``how`` being "calls", "starts a thread"
        or "imports", ``where`` ``path:line`` (the importing module's path for an
        import);
        empty when its file is service code itself, or when nothing reaches it."""
        steps: List[Tuple[str, str, str]] = []
        current: Optional[GF] = gf
        seen: Set[GF] = set()
        while current is not None and current not in seen:
            seen.add(current)
            how = self._reach.get(current)
            if how is None:
                break
            kind, what = how
            if kind == "call":
                edge: Edge = what  # type: ignore[assignment]
                verb = "starts a thread" if edge.kind == "thread" else "calls"
                where = f"{self.display(edge.mid)}:{edge.fact.line}"
                steps.append((self.name(edge.caller), verb, where))
                current = edge.caller
            else:
                importer: GF = what  # type: ignore[assignment]
                steps.append((self.name(importer), "imports", self.display(importer[0])))
                current = importer
        steps.reverse()
        return steps

    def display(self, mid: str) -> str:
        return self.link.display(mid)

    def name(self, gf: GF) -> str:
        fn = self.link.function(gf)
        if fn is None or gf[1] == MODULE:
            return "module code"
        if gf[1] == MAIN:
            return "the __main__ block"
        return fn.qualname


Service = Callable[[GF], bool]
