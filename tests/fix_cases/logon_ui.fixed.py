# fix-requires: MPS201
"""MPS201: the UI bits are removed where they are written as named constants."""

import pythoncom
import win32serviceutil
from win32com.mapi import mapi

SERVICE_LOGON = mapi.MAPI_NT_SERVICE | mapi.MAPI_NO_MAIL | mapi.MAPI_EXTENDED
WATCH_LOGON = SERVICE_LOGON


def logon(profile, flags=SERVICE_LOGON):
    return mapi.MAPILogonEx(0, profile, None, flags)


class WatchService(win32serviceutil.ServiceFramework):
    _svc_name_ = "Watch"
    _svc_display_name_ = "Watch"

    def SvcDoRun(self):
        pythoncom.OleInitialize()
        mapi.MAPIInitialize((mapi.MAPI_INIT_VERSION, mapi.MAPI_NT_SERVICE))
        try:
            session = mapi.MAPILogonEx(0, "Watch", None, WATCH_LOGON)
            session.Logoff(0, 0, 0)
            session = mapi.MAPILogonEx(
                0,
                "Watch",
                None,
                mapi.MAPI_NT_SERVICE
                | mapi.MAPI_NO_MAIL,
            )
            session.Logoff(0, 0, 0)
            session = mapi.MAPILogonEx(0, "Watch", None, (
                mapi.MAPI_NT_SERVICE | mapi.MAPI_NO_MAIL
            ))
            session.Logoff(0, 0, 0)
            session = mapi.MAPILogonEx(0, "Watch", None, mapi.MAPI_EXTENDED | mapi.MAPI_NT_SERVICE | mapi.MAPI_NO_MAIL)
            session.Logoff(0, 0, 0)
            logon("Other").Logoff(0, 0, 0)
        finally:
            mapi.MAPIUninitialize()


def logon_built_up(profile):
    # the UI bit is added by a separate statement: it is masked out at the call
    flags = mapi.MAPI_NT_SERVICE | mapi.MAPI_NO_MAIL
    flags |= mapi.MAPI_PASSWORD_UI
    return mapi.MAPILogonEx(0, profile, None, flags & ~mapi.MAPI_PASSWORD_UI)


def logon_numbers(profile):
    return mapi.MAPILogonEx(0, profile, None, 0x10000 | 0x8000)


def logon_grouped(profile):
    return mapi.MAPILogonEx(
        0, profile, None, mapi.MAPI_NT_SERVICE | (mapi.MAPI_NO_MAIL)
    )


def logon_masked_twice(profile, debug):
    flags = SERVICE_LOGON | 0x1
    return mapi.MAPILogonEx(0, profile, None, flags & ~mapi.MAPI_LOGON_UI)
