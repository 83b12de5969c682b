# fix-left: MPS102@31 MPS103@31
"""ctypes MAPIInitialize(NULL): the file's own MAPIINIT_0 class is passed by reference."""

import ctypes
from ctypes import wintypes

import win32serviceutil

MAPI_INIT_VERSION = 0
MAPI_NT_SERVICE = 0x00010000
MAPI_EXTENDED = 0x00000020
MAPI_NO_MAIL = 0x00008000


class MapiInit(ctypes.Structure):
    _fields_ = [("ulVersion", wintypes.ULONG), ("ulFlags", wintypes.ULONG)]


mapi32 = ctypes.WinDLL("mapi32")
ole32 = ctypes.windll.ole32


class Svc(win32serviceutil.ServiceFramework):
    def SvcDoRun(self):
        ole32.OleInitialize(None)
        mapi32.MAPIInitialize(ctypes.byref(
            MapiInit(MAPI_INIT_VERSION, MAPI_NT_SERVICE)
        ))
        session = ctypes.c_void_p()
        mapi32.MAPILogonEx(0, None, None, (
            MAPI_EXTENDED | MAPI_NT_SERVICE | MAPI_NO_MAIL
        ), ctypes.byref(session))
        mapi32.MAPIInitialize(ctypes.byref(
            MapiInit(MAPI_INIT_VERSION, MAPI_NT_SERVICE)
        ))
        mapi32.MAPILogonEx(0, None, None, MAPI_NT_SERVICE, ctypes.byref(session))  # noqa: MPS103
        # flags are missing here: listed, not guessed
        mapi32.MAPILogonEx(0, None)
        mapi32.MAPIUninitialize()
        mapi32.MAPIUninitialize()
