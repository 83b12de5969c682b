# fix-options: --mapi-service=always
"""No service class here; the user says it is service code."""

from win32com.mapi import mapi


def route():
    mapi.MAPIInitialize((mapi.MAPI_INIT_VERSION, mapi.MAPI_NT_SERVICE))
    session = mapi.MAPILogonEx(0, "Router", None, (
        mapi.MAPI_EXTENDED | mapi.MAPI_NT_SERVICE | mapi.MAPI_NO_MAIL
    ))
    session.Logoff(0, 0, 0)
    mapi.MAPIUninitialize()
