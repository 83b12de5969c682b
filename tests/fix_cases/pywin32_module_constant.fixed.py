"""Flags in module constants: edited once, where they are defined."""

import pythoncom
import win32serviceutil
from win32com.mapi import mapi

# how the service logs on
LOGON_FLAGS = (
    mapi.MAPI_EXTENDED
    | mapi.MAPI_USE_DEFAULT
    | mapi.MAPI_NT_SERVICE
    | mapi.MAPI_NO_MAIL
)  # no dialogs
SERVICE_INIT = (mapi.MAPI_INIT_VERSION, mapi.MAPI_NT_SERVICE)
DEBUG_FLAGS = mapi.MAPI_EXTENDED


class ReportService(win32serviceutil.ServiceFramework):
    _svc_name_ = "Reports"
    _svc_display_name_ = "Report mailer"

    def SvcDoRun(self):
        pythoncom.OleInitialize()
        mapi.MAPIInitialize(SERVICE_INIT)
        try:
            session = mapi.MAPILogonEx(0, "Reports", None, LOGON_FLAGS)
            session.Logoff(0, 0, 0)
            session = mapi.MAPILogonEx(0, "Backup", None, LOGON_FLAGS)
            session.Logoff(0, 0, 0)
            session = mapi.MAPILogonEx(0, "Debug", None, (
                DEBUG_FLAGS | mapi.MAPI_NT_SERVICE | mapi.MAPI_NO_MAIL
            ))
            session.Logoff(0, 0, 0)
        finally:
            mapi.MAPIUninitialize()


def describe():
    return "debug logon flags: %#x" % DEBUG_FLAGS
