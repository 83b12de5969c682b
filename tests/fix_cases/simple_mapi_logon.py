# fix-requires: MPS201
"""Simple MAPI MAPILogon through ctypes: MPS201 removes the UI flag (MPS301 stays)."""

import ctypes

import win32serviceutil

MAPI_LOGON_UI = 0x00000001
MAPI_NEW_SESSION = 0x00000002
mapi32 = ctypes.windll.mapi32


class Svc(win32serviceutil.ServiceFramework):
    def SvcDoRun(self):
        session = ctypes.c_ulong()
        mapi32.MAPILogon(0, None, None, MAPI_LOGON_UI | MAPI_NEW_SESSION, 0, ctypes.byref(session))
        mapi32.MAPILogon(0, None, None, MAPI_LOGON_UI, 0, ctypes.byref(session))
