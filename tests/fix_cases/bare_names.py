"""Names imported from the mapi module: the bare names, and new constants for the others."""

import pythoncom
import win32serviceutil
from win32com.mapi.mapi import (
    MAPI_EXTENDED,
    MAPI_NO_MAIL,
    MAPIInitialize,
    MAPILogonEx,
    MAPIUninitialize,
)


class ImportService(win32serviceutil.ServiceFramework):
    _svc_name_ = "Importer"
    _svc_display_name_ = "Importer"

    def SvcDoRun(self):
        pythoncom.OleInitialize()
        MAPIInitialize(None)
        try:
            session = MAPILogonEx(0, "Importer", None, MAPI_EXTENDED)
            session.Logoff(0, 0, 0)
        finally:
            MAPIUninitialize()
