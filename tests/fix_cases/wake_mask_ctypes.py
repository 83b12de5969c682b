# fix-requires: MPS404
"""MPS404 with ctypes: the module's own QS constants, a new one written like them."""

import ctypes
from ctypes import wintypes

import win32serviceutil

user32 = ctypes.WinDLL("user32")
mapi32 = ctypes.windll.mapi32

MAPI_NT_SERVICE = 0x00010000
QS_TIMER = 0x0010
QS_SENDMESSAGE = 0x0040
WAIT_OBJECT_0 = 0


class MAPIINIT_0(ctypes.Structure):
    _fields_ = [("ulVersion", wintypes.ULONG), ("ulFlags", wintypes.ULONG)]


class CtypesPump(win32serviceutil.ServiceFramework):
    _svc_name_ = "CtypesPump"

    def SvcDoRun(self):
        ctypes.windll.ole32.OleInitialize(None)
        mapi32.MAPIInitialize(ctypes.byref(MAPIINIT_0(0, MAPI_NT_SERVICE)))
        handles = (wintypes.HANDLE * 1)(self.stop)
        while True:
            rc = user32.MsgWaitForMultipleObjects(1, handles, False, 100, QS_TIMER)
            if rc == WAIT_OBJECT_0:
                break
            self.pump()
        mapi32.MAPIUninitialize()
