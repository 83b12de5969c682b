"""ctypes: MAPIINIT_0 built positionally, by keyword, empty, changed by x.ulFlags, inline."""

import ctypes
from ctypes import byref, windll, wintypes

import win32serviceutil

MAPI_INIT_VERSION = 0
MAPI_EXTENDED = 0x00000020
MAPI_MULTITHREAD_NOTIFICATIONS = 0x00000001
MAPI_NT_SERVICE = 0x00010000
MAPI_NO_MAIL = 0x00008000

TIMEOUT_MS = 5000


class MAPIINIT_0(ctypes.Structure):
    _fields_ = [("ulVersion", wintypes.ULONG), ("ulFlags", wintypes.ULONG)]


mapi32 = windll.mapi32
ole32 = windll.ole32


class JournalService(win32serviceutil.ServiceFramework):
    _svc_name_ = "Journal"
    _svc_display_name_ = "Journal export"

    def SvcDoRun(self):
        ole32.OleInitialize(None)
        init = MAPIINIT_0(MAPI_INIT_VERSION, MAPI_NT_SERVICE)
        mapi32.MAPIInitialize(byref(init))
        mapi32.MAPIUninitialize()
        init = MAPIINIT_0(ulVersion=MAPI_INIT_VERSION, ulFlags=MAPI_MULTITHREAD_NOTIFICATIONS | MAPI_NT_SERVICE)
        mapi32.MAPIInitialize(byref(init))
        mapi32.MAPIUninitialize()
        self.later()

    def later(self):
        init = MAPIINIT_0(ulFlags=MAPI_NT_SERVICE)
        mapi32.MAPIInitialize(byref(init))
        mapi32.MAPIUninitialize()
        init2 = MAPIINIT_0(MAPI_INIT_VERSION)
        init2.ulFlags = MAPI_MULTITHREAD_NOTIFICATIONS | MAPI_NT_SERVICE
        mapi32.MAPIInitialize(ctypes.pointer(init2))
        mapi32.MAPIUninitialize()
        mapi32.MAPIInitialize(byref(MAPIINIT_0(
            ulVersion=0, ulFlags=MAPI_NT_SERVICE
        )))
        session = ctypes.c_void_p()
        mapi32.MAPILogonEx(0, b"Journal", None, (
            MAPI_EXTENDED | MAPI_NT_SERVICE | MAPI_NO_MAIL
        ), byref(session))
        mapi32.MAPIUninitialize()
