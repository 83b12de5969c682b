"""Inline flags at the call: None init, tuples, logon flags, zero and omitted flags."""

import pythoncom
import win32serviceutil
from win32com.mapi import mapi

PROFILE = "Helpdesk"


class HelpdeskService(win32serviceutil.ServiceFramework):
    _svc_name_ = "Helpdesk"
    _svc_display_name_ = "Helpdesk mail importer"

    def SvcDoRun(self):
        pythoncom.OleInitialize()
        mapi.MAPIInitialize((mapi.MAPI_INIT_VERSION, mapi.MAPI_NT_SERVICE))
        try:
            session = mapi.MAPILogonEx(0, PROFILE, None, mapi.MAPI_EXTENDED | mapi.MAPI_USE_DEFAULT | mapi.MAPI_NT_SERVICE | mapi.MAPI_NO_MAIL)
            session.Logoff(0, 0, 0)
            session = mapi.MAPILogonEx(0, PROFILE, None, mapi.MAPI_NT_SERVICE | mapi.MAPI_NO_MAIL)  # keep this comment
            session.Logoff(0, 0, 0)
            session = mapi.MAPILogonEx(
                0, PROFILE, None, mapi.MAPI_NT_SERVICE | mapi.MAPI_NO_MAIL
            )
            session.Logoff(0, 0, 0)
            session = mapi.MAPILogonEx(
                0, PROFILE, None, mapi.MAPI_NT_SERVICE | mapi.MAPI_NO_MAIL
            )
            session.Logoff(0, 0, 0)
            session = mapi.MAPILogonEx(0, PROFILE, None, (
                mapi.MAPI_NT_SERVICE | mapi.MAPI_NO_MAIL
            ))
            session.Logoff(0, 0, 0)
        finally:
            mapi.MAPIUninitialize()

    def reconnect(self):
        mapi.MAPIInitialize((mapi.MAPI_INIT_VERSION, mapi.MAPI_NT_SERVICE))
        mapi.MAPIUninitialize()
        mapi.MAPIInitialize((mapi.MAPI_INIT_VERSION, mapi.MAPI_MULTITHREAD_NOTIFICATIONS | mapi.MAPI_NT_SERVICE))
        mapi.MAPIUninitialize()
        # already right: left alone
        mapi.MAPIInitialize((mapi.MAPI_INIT_VERSION, mapi.MAPI_NT_SERVICE))
        mapi.MAPIUninitialize()
