"""A realistic Windows service that uses MAPI correctly, and the same with one mistake.

Shared by the tests that drive real user-facing programs (pre-commit, pylsp): the clean
service must pass flake8 entirely (every default code, not only MPS), the broken one has
exactly one finding, MPS101 at ``BAD_LINE``:``BAD_COL``.
"""

from __future__ import annotations

CLEAN_SERVICE = '''\
"""A mail-polling Windows service."""

import pythoncom
import servicemanager
import win32event
import win32service
import win32serviceutil
from win32com.mapi import mapi

INIT_FLAGS = mapi.MAPI_NT_SERVICE | mapi.MAPI_MULTITHREAD_NOTIFICATIONS
LOGON_FLAGS = mapi.MAPI_NT_SERVICE | mapi.MAPI_NO_MAIL | mapi.MAPI_EXTENDED


class MailService(win32serviceutil.ServiceFramework):
    _svc_name_ = "MailPoller"
    _svc_display_name_ = "Mail poller"

    def __init__(self, args):
        win32serviceutil.ServiceFramework.__init__(self, args)
        self.stop_event = win32event.CreateEvent(None, 0, 0, None)

    def SvcStop(self):
        self.ReportServiceStatus(win32service.SERVICE_STOP_PENDING)
        win32event.SetEvent(self.stop_event)

    def SvcDoRun(self):
        pythoncom.OleInitialize()
        mapi.MAPIInitialize((mapi.MAPI_INIT_VERSION, INIT_FLAGS))
        try:
            session = mapi.MAPILogonEx(0, "MailPoller", None, LOGON_FLAGS)
            servicemanager.LogInfoMsg("logged on")
            session.Logoff(0, 0, 0)
        finally:
            mapi.MAPIUninitialize()
            pythoncom.OleUninitialize()


if __name__ == "__main__":
    win32serviceutil.HandleCommandLine(MailService)
'''

_GOOD_INIT = "mapi.MAPIInitialize((mapi.MAPI_INIT_VERSION, INIT_FLAGS))"
_BAD_INIT = "mapi.MAPIInitialize((mapi.MAPI_INIT_VERSION, 0))"

BAD_SERVICE = CLEAN_SERVICE.replace(_GOOD_INIT, _BAD_INIT)
BAD_LINE = 1 + CLEAN_SERVICE[: CLEAN_SERVICE.index(_GOOD_INIT)].count("\n")
BAD_COL = 9  # flake8's 1-based column of the call
BAD_CODE = "MPS101"
