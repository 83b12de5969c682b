"""Flags from a parameter: its default when no caller passes it, else at the call (once
for every calling context that lacks a bit)."""

import pythoncom
import win32serviceutil
from win32com.mapi import mapi


def open_session(profile, flags=(
    mapi.MAPI_EXTENDED | mapi.MAPI_NO_MAIL | mapi.MAPI_NT_SERVICE
)):
    return mapi.MAPILogonEx(0, profile, None, flags)


def open_admin_session(profile, flags=mapi.MAPI_EXTENDED):
    return mapi.MAPILogonEx(0, profile, None, (
        flags | mapi.MAPI_NT_SERVICE | mapi.MAPI_NO_MAIL
    ))


def initialize(flags=mapi.MAPI_NT_SERVICE):
    mapi.MAPIInitialize((mapi.MAPI_INIT_VERSION, flags))


class PollingService(win32serviceutil.ServiceFramework):
    _svc_name_ = "Poller"
    _svc_display_name_ = "Mailbox poller"

    def SvcDoRun(self):
        pythoncom.OleInitialize()
        initialize()
        try:
            open_session("Poller").Logoff(0, 0, 0)
            open_admin_session("Admin", mapi.MAPI_EXTENDED | mapi.MAPI_NO_MAIL).Logoff(0, 0, 0)
            open_admin_session("Admin").Logoff(0, 0, 0)
        finally:
            mapi.MAPIUninitialize()
