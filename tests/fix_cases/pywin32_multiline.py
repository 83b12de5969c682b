"""Multi-line calls and flag expressions keep their layout and comments."""

import pythoncom
import win32serviceutil
from win32com.mapi import mapi

LOGON_FLAGS = (
    mapi.MAPI_EXTENDED  # Extended MAPI
    | mapi.MAPI_USE_DEFAULT  # the default profile
)


class LayoutService(win32serviceutil.ServiceFramework):
    _svc_name_ = "Layout"
    _svc_display_name_ = "Layout"

    def SvcDoRun(self):
        pythoncom.OleInitialize()
        mapi.MAPIInitialize(
            (
                mapi.MAPI_INIT_VERSION,
                mapi.MAPI_MULTITHREAD_NOTIFICATIONS,
            )
        )
        try:
            session = mapi.MAPILogonEx(
                0,
                "Layout",
                None,
            )
            session.Logoff(0, 0, 0)
            session = mapi.MAPILogonEx(
                0,
                "Layout"
            )
            session.Logoff(0, 0, 0)
            session = mapi.MAPILogonEx(0, "Layout", None,
                                       LOGON_FLAGS)
            session.Logoff(0, 0, 0)
            session = mapi.MAPILogonEx(0, "Layout", None, mapi.MAPI_EXTENDED \
                | mapi.MAPI_NO_MAIL)
            session.Logoff(0, 0, 0)
        finally:
            mapi.MAPIUninitialize()
