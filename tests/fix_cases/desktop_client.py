"""Not service code: the same mistakes are not findings here, so fix leaves the file alone."""

from win32com.mapi import mapi


def send_report():
    mapi.MAPIInitialize(None)
    session = mapi.MAPILogonEx(0, "", None, mapi.MAPI_LOGON_UI | mapi.MAPI_EXTENDED)
    session.Logoff(0, 0, 0)
    mapi.MAPIUninitialize()
