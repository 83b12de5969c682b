"""Sending and automation in a service: MPS301-MPS303.

A service may send only through a tightly coupled, server-based store and
transport (Exchange).  Simple MAPI goes through the spooler and the
interactive user's default profile (MPS301); Outlook's object model and CDO
1.21 are not supported in a service at all (MPS302); a desktop message
service added to a profile from which the service submits mail sends through
an unsupported transport (MPS303).  All codes are service-only.
"""

from __future__ import annotations

import re
from typing import List

import libcst as cst

from ..analysis.apis import MAPI_LOGON
from ..analysis.context import Analysis
from ..analysis.model import CallSite
from .base import Rule, call_name

SIMPLE_MAPI = frozenset(
    {
        MAPI_LOGON,
        "mapi.MAPISendMail",
        "mapi.MAPISendMailW",
        "mapi.MAPIResolveName",
        "mapi.MAPIReadMail",
        "mapi.MAPISaveMail",
        "mapi.MAPIFindNext",
        "mapi.MAPIDeleteMail",
    }
)

#: COM activation functions (win32com.client and comtypes.client)
COM_ACTIVATION = frozenset(
    {
        "win32com.client.Dispatch",
        "win32com.client.DispatchEx",
        "win32com.client.DispatchWithEvents",
        "win32com.client.dynamic.Dispatch",
        "win32com.client.gencache.EnsureDispatch",
        "win32com.client.GetActiveObject",
        "win32com.client.GetObject",
        "comtypes.client.CreateObject",
        "comtypes.client.GetActiveObject",
    }
)

#: ProgIDs of the Outlook object model (any version suffix) and CDO 1.21
_OUTLOOK = re.compile(r"^\s*outlook\.application(\.\d+)?\s*$", re.IGNORECASE)
_CDO = re.compile(r"^\s*mapi\.session(\.\d+)?\s*$", re.IGNORECASE)

CREATE_SERVICE = ("CreateMsgService", "CreateMsgServiceEx")
SUBMIT = "SubmitMessage"


class SimpleMapi(Rule):
    """MPS301: Simple MAPI in a service."""

    codes = ("MPS301",)
    calls = SIMPLE_MAPI

    def check(self, site: CallSite, an: Analysis) -> None:
        if site.key is not None:
            an.report(site, "MPS301", call=call_name(site.key))


class OutlookAutomation(Rule):
    """MPS302: Outlook object model or CDO 1.21 automation in a service."""

    codes = ("MPS302",)
    calls = COM_ACTIVATION

    def check(self, site: CallSite, an: Analysis) -> None:
        for arg in site.node.args:
            if arg.star:
                continue
            text = an.string(site, arg.value)
            if text is None:
                continue
            if _OUTLOOK.match(text):
                what = "the Outlook object model"
            elif _CDO.match(text):
                what = "CDO 1.21"
            else:
                continue
            an.report(
                site, "MPS302", call=call_name(site.key or ""), progid=text.strip(), what=what
            )
            return


class DesktopServiceInProfile(Rule):
    """MPS303: a non-server message service added to a profile by a file that submits mail."""

    codes = ("MPS303",)

    def finish(self, an: Analysis) -> None:
        servers = {s.upper() for s in an.settings.server_services}
        candidates: List[tuple] = []
        for site, _, _ in an.mapi_method_calls(CREATE_SERVICE):
            arg = an.arg(site, 0)
            if not isinstance(arg, cst.BaseExpression):
                continue
            name = an.string(site, arg)
            if name is None or name.strip().upper() in servers:
                continue
            candidates.append((site, name.strip()))
        if not candidates or not _submits_mail(an):
            return
        for site, name in candidates:
            an.report(site, "MPS303", service=name, servers=", ".join(sorted(servers)))


def _submits_mail(an: Analysis) -> bool:
    """The file calls ``SubmitMessage`` on a MAPI message (or on an object the
    analysis cannot trace: the method name is MAPI's own)."""
    if an.sites("mapiobj." + SUBMIT):
        return True
    for site in an.model.calls:
        func = site.node.func
        if isinstance(func, cst.Attribute) and func.attr.value == SUBMIT:
            if site.key is None and site.flavour != "local":
                return True
    return False
