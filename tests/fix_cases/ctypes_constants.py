"""ctypes with its own constants: a new one goes beside them."""

import ctypes

import win32serviceutil

MAPI_NO_MAIL = 0x00008000
MAPI_EXTENDED = 0x00000020

RETRIES = 3

mapi32 = ctypes.WinDLL("mapi32")


class Sender(win32serviceutil.ServiceFramework):
    _svc_name_ = "Sender"
    _svc_display_name_ = "Sender"

    def SvcDoRun(self):
        session = ctypes.c_void_p()
        mapi32.MAPILogonEx(0, b"Sender", None, MAPI_EXTENDED | MAPI_NO_MAIL, ctypes.byref(session))
