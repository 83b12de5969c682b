import pythoncom
import win32serviceutil
from win32com.mapi.mapi import *


class CleanupService(win32serviceutil.ServiceFramework):
    _svc_name_ = "Cleanup"
    _svc_display_name_ = "Cleanup"

    def SvcDoRun(self):
        pythoncom.OleInitialize()
        MAPIInitialize((MAPI_INIT_VERSION, MAPI_NT_SERVICE))
        try:
            session = MAPILogonEx(0, "Cleanup", None, (
                MAPI_EXTENDED | MAPI_NT_SERVICE | MAPI_NO_MAIL
            ))
            session.Logoff(0, 0, 0)
        finally:
            MAPIUninitialize()
