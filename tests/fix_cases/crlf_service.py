"""A ctypes service saved with Windows line endings: new lines get them too."""

import ctypes

import win32serviceutil

MAPI_EXTENDED = 0x00000020

mapi32 = ctypes.windll.mapi32


class CrlfService(win32serviceutil.ServiceFramework):
    def SvcDoRun(self):
        session = ctypes.c_void_p()
        mapi32.MAPILogonEx(
            0, b"Crlf", None, MAPI_EXTENDED, ctypes.byref(session)
        )
