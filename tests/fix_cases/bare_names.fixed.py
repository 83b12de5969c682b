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

MAPI_INIT_VERSION = 0
MAPI_NT_SERVICE = 0x00010000


class ImportService(win32serviceutil.ServiceFramework):
    _svc_name_ = "Importer"
    _svc_display_name_ = "Importer"

    def SvcDoRun(self):
        pythoncom.OleInitialize()
        MAPIInitialize((MAPI_INIT_VERSION, MAPI_NT_SERVICE))
        try:
            session = MAPILogonEx(0, "Importer", None, (
                MAPI_EXTENDED | MAPI_NT_SERVICE | MAPI_NO_MAIL
            ))
            session.Logoff(0, 0, 0)
        finally:
            MAPIUninitialize()
