# fix-left: MPS102@18 MPS103@18 MPS102@20 MPS103@20 MPS102@27 MPS103@27
"""ctypes numbers: c_ulong(FLAGS) changes FLAGS; a shared c_ulong variable is left alone."""

import ctypes
from ctypes import c_ulong

import win32serviceutil

MAPI_EXTENDED = 0x20
MAPI_NT_SERVICE = 0x10000
MAPI_NO_MAIL = 0x8000
mapi32 = ctypes.windll.mapi32


class Svc(win32serviceutil.ServiceFramework):
    def SvcDoRun(self):
        s = ctypes.c_void_p()
        mapi32.MAPILogonEx(0, None, None, c_ulong(MAPI_EXTENDED | MAPI_NT_SERVICE | MAPI_NO_MAIL), ctypes.byref(s))
        flags = ctypes.c_ulong(MAPI_EXTENDED)
        mapi32.MAPILogonEx(0, None, None, flags, ctypes.byref(s))
        print(flags)
        mapi32.MAPILogonEx(0, None, None, flags, ctypes.byref(s))
        f2 = int(0x20 | MAPI_NT_SERVICE | MAPI_NO_MAIL)
        mapi32.MAPILogonEx(0, None, None, f2, ctypes.byref(s))


def logon_with(flags):
    s = ctypes.c_void_p()
    mapi32.MAPILogonEx(0, None, None, flags, ctypes.byref(s))


def start():
    logon_with(ctypes.c_ulong(MAPI_EXTENDED))  # a caller passes a ctypes number
