# fix-options: --mapi-service=always
"""No service class here; the user says it is service code."""

from win32com.mapi import mapi


def route():
    mapi.MAPIInitialize(None)
    session = mapi.MAPILogonEx(0, "Router", None, mapi.MAPI_EXTENDED)
    session.Logoff(0, 0, 0)
    mapi.MAPIUninitialize()
