"""The MAPI thread and its message pump: MPS110 and MPS401-MPS404.

MPS110 and MPS401 need the thread model (``an.threads``, of the whole project),
built only for files with a MAPI call or a blocking wait; MPS402-MPS404 judge
each MsgWaitForMultipleObjects(Ex) call on its own (``an.msgwait``).
"""

from __future__ import annotations

from typing import Dict, List, Set

from ..analysis.apis import (
    MAPI_ADMIN_PROFILES,
    MAPI_INITIALIZE,
    MAPI_LOGON_EX,
    MAPI_METHOD,
    MSGWAIT_KEYS,
    POSTED_MESSAGE_BITS,
)
from ..analysis.context import Analysis
from ..analysis.link import GF
from ..analysis.model import CallSite
from ..analysis.waits import FOREVER, UNKNOWN_WAIT, ZERO_WAIT
from .base import Rule, site_name

THREAD_BOUND = frozenset({MAPI_LOGON_EX, MAPI_ADMIN_PROFILES})


class MapiThreadCalls(Rule):
    """MPS110: MAPI used on a thread that never initialized MAPI."""

    codes = ("MPS110",)

    def finish(self, an: Analysis) -> None:
        by_function: Dict[GF, List[CallSite]] = {}
        for site in an.model.calls:
            if site.key in THREAD_BOUND:
                by_function.setdefault(an.function_of(site), []).append(site)
        for key in an.keys:
            if key.startswith(MAPI_METHOD):
                for site in an.sites(key):
                    by_function.setdefault(an.function_of(site), []).append(site)
        if not by_function or not an.link.calls_key(MAPI_INITIALIZE):
            return  # nothing in the project initializes MAPI: no thread is the MAPI thread
        threads = an.threads
        reported: Set[int] = set()
        for root in threads.other_threads():
            reach = threads.reach(root.function)
            if reach & threads.direct_init:
                continue  # that thread initializes MAPI itself
            for gf in reach & by_function.keys():
                for site in sorted(by_function[gf], key=lambda s: s.index):
                    if id(site) in reported:
                        continue
                    reported.add(id(site))
                    an.report(site, "MPS110", call=site_name(site), thread=root.label)


class BlockingWaits(Rule):
    """MPS401: a blocking wait on the MAPI thread that is not a pumped wait."""

    codes = ("MPS401",)

    def finish(self, an: Analysis) -> None:
        waits = an.waits
        candidates = waits.candidates()
        if not candidates or not an.link.calls_key(MAPI_INITIALIZE):
            return
        for site in candidates:
            if not an.on_mapi_thread(site):
                continue
            wait = waits.classify(site)
            if wait is None or wait.timeout == ZERO_WAIT:
                continue
            if wait.timeout == UNKNOWN_WAIT and not wait.extra:
                continue  # a timeout we cannot evaluate may be 0
            if wait.timeout != FOREVER and waits.pumped(site):
                continue  # a pumped wait
            how = " forever" if wait.timeout == FOREVER else ""
            an.report(site, "MPS401", call=wait.name, how=how)


class MsgWaitChecks(Rule):
    """MPS402-MPS404 on MsgWaitForMultipleObjects(Ex)."""

    codes = ("MPS402", "MPS403", "MPS404")
    calls = MSGWAIT_KEYS

    def check(self, site: CallSite, an: Analysis) -> None:
        info = an.msgwait(site)
        call = site_name(site)
        mask = info.mask
        if mask is not None and mask.lacks(POSTED_MESSAGE_BITS) and info.timeout != ZERO_WAIT:
            an.report(site, "MPS404", call=call)
        wrong = [
            (text, delta) for text, delta in info.wrong if delta > 0 or info.reaches_pump is False
        ]
        if wrong:
            an.report(site, "MPS403", call=call, compared=wrong[0][0], expected=info.message_case)
        elif info.discarded:
            if info.reaches_pump is False:
                an.report(
                    site,
                    "MPS402",
                    call=call,
                    why="its result is discarded and nothing after it pumps",
                )
        elif info.reaches_pump is False:
            an.report(
                site,
                "MPS402",
                call=call,
                why=f"its message case ({info.message_case}) reaches no message pump",
            )
