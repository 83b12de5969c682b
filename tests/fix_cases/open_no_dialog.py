# fix-requires: MPS204
"""MPS204: MDB_NO_DIALOG / AB_NO_DIALOG are added where the flags are written."""

import pythoncom
import win32serviceutil
from win32com.mapi import mapi

LOGON = mapi.MAPI_NT_SERVICE | mapi.MAPI_NO_MAIL | mapi.MAPI_EXTENDED
STORE_FLAGS = mapi.MDB_WRITE | mapi.MAPI_BEST_ACCESS


def open_store(session, entry_id):
    # every caller passes the session: the bit is added at the call
    return session.OpenMsgStore(0, entry_id, None, 0)


class StoreService(win32serviceutil.ServiceFramework):
    _svc_name_ = "Store"
    _svc_display_name_ = "Store"

    def SvcDoRun(self):
        pythoncom.OleInitialize()
        mapi.MAPIInitialize((mapi.MAPI_INIT_VERSION, mapi.MAPI_NT_SERVICE))
        try:
            session = mapi.MAPILogonEx(0, "Store", None, LOGON)
            store = session.OpenMsgStore(0, b"eid", None, STORE_FLAGS)
            inbox = session.OpenMsgStore(0, b"eid", None)
            book = session.OpenAddressBook(0, None, 0)
            other = session.OpenAddressBook(0, None)
            flags = mapi.MAPI_BEST_ACCESS
            archive = session.OpenMsgStore(
                0,
                b"archive",
                None,
                flags,  # read and write
            )
            open_store(session, b"eid")
            # already right: left alone
            quiet = session.OpenMsgStore(0, b"eid", None, mapi.MDB_NO_DIALOG)
            session.Logoff(0, 0, 0)
            return store, inbox, book, other, archive, quiet
        finally:
            mapi.MAPIUninitialize()
