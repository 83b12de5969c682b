"""Flags in local variables: edited where they are defined when only the call uses them."""

import logging

import pythoncom
import win32serviceutil
from win32com.mapi import mapi

log = logging.getLogger(__name__)


class ArchiveService(win32serviceutil.ServiceFramework):
    _svc_name_ = "Archive"
    _svc_display_name_ = "Mail archive"

    def SvcDoRun(self):
        pythoncom.OleInitialize()
        init = (mapi.MAPI_INIT_VERSION, (
            mapi.MAPI_MULTITHREAD_NOTIFICATIONS | mapi.MAPI_NT_SERVICE
        ))
        mapi.MAPIInitialize(init)
        try:
            flags = (
                mapi.MAPI_EXTENDED
                | mapi.MAPI_USE_DEFAULT
                | mapi.MAPI_NT_SERVICE
                | mapi.MAPI_NO_MAIL
            )
            session = mapi.MAPILogonEx(0, "Archive", None, flags)
            session.Logoff(0, 0, 0)
        finally:
            mapi.MAPIUninitialize()

    def shared(self):
        # the variables are used elsewhere too: the flags change at the call
        init = (mapi.MAPI_INIT_VERSION, 0)
        log.info("MAPIINIT_0 %r", init)
        mapi.MAPIInitialize((init[0], init[1] | mapi.MAPI_NT_SERVICE))
        flags = mapi.MAPI_EXTENDED
        log.info("logon flags %#x", flags)
        session = mapi.MAPILogonEx(0, "Archive", None, (
            flags | mapi.MAPI_NT_SERVICE | mapi.MAPI_NO_MAIL
        ))
        session.Logoff(0, 0, 0)
        mapi.MAPIUninitialize()

    def built_up(self):
        flags = mapi.MAPI_EXTENDED
        flags |= mapi.MAPI_NO_MAIL
        session = mapi.MAPILogonEx(0, "Archive", None, (
            flags | mapi.MAPI_NT_SERVICE
        ))
        session.Logoff(0, 0, 0)
