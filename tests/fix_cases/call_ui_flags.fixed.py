# fix-requires: MPS202
"""MPS202: the dialog and service-UI flags are removed where they are written."""

import ctypes

import pythoncom
import win32serviceutil
from win32com.mapi import mapi

MAPI_LOGON_UI = 0x00000001
MAPI_DIALOG = 0x00000008
MAPI_DIALOG_MODELESS = 0x0000000C
mapi32 = ctypes.windll.mapi32


def send_report(message):
    return mapi32.MAPISendMail(0, 0, message, MAPI_LOGON_UI, 0)


def send_note(message):
    return mapi32.MAPISendMailW(0, 0, message, 0, 0)


def resolve(session, name, recipient):
    return mapi32.MAPIResolveName(session, 0, name, 0x2, 0, recipient)


def send_built_up(message):
    # the dialog bit is added by a separate statement: it is masked out at the call
    flags = MAPI_LOGON_UI
    flags |= MAPI_DIALOG
    return mapi32.MAPISendMail(0, 0, message, flags & ~MAPI_DIALOG, 0)


class ProfileService(win32serviceutil.ServiceFramework):
    _svc_name_ = "Profiles"
    _svc_display_name_ = "Profiles"

    def SvcDoRun(self):
        pythoncom.OleInitialize()
        mapi.MAPIInitialize((mapi.MAPI_INIT_VERSION, mapi.MAPI_NT_SERVICE))
        try:
            admin = mapi.MAPIAdminProfiles(0)
            services = admin.AdminServices("Profiles", None, 0, 0)
            services.CreateMsgService("MSEMS", "Exchange", 0, 0)
            services.ConfigureMsgService(
                b"uid",
                0,
                0,  # the property sheet
                [],
            )
            session = mapi.MAPILogonEx(
                0, "Profiles", None, mapi.MAPI_NT_SERVICE | mapi.MAPI_NO_MAIL
            )
            book = session.OpenAddressBook(0, None, mapi.AB_NO_DIALOG)
            book.ResolveName(0, 0, None, [])
            # already right: left alone
            book.ResolveName(0, 0, None, [])
            session.Logoff(0, 0, 0)
        finally:
            mapi.MAPIUninitialize()
