"""A ctypes service saved with Windows line endings: new lines get them too."""

import ctypes

import win32serviceutil

MAPI_EXTENDED = 0x00000020
MAPI_NT_SERVICE = 0x00010000
MAPI_NO_MAIL = 0x00008000

mapi32 = ctypes.windll.mapi32


class CrlfService(win32serviceutil.ServiceFramework):
    def SvcDoRun(self):
        session = ctypes.c_void_p()
        mapi32.MAPILogonEx(
            0, b"Crlf", None, (
                MAPI_EXTENDED | MAPI_NT_SERVICE | MAPI_NO_MAIL
            ), ctypes.byref(session)
        )
