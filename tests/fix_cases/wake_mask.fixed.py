# fix-requires: MPS404
"""MPS404: QS_ALLPOSTMESSAGE is added to the wake mask in the file's own spelling.

pywin32's win32con and win32event have no QS_ALLPOSTMESSAGE: a mask written with
their constants gets a module constant; a mask written in numbers gets a number.
"""

import pythoncom
import win32con
import win32event
import win32serviceutil
from win32com.mapi import mapi

QS_ALLPOSTMESSAGE = 0x00000100
WAKE = win32con.QS_TIMER | win32con.QS_SENDMESSAGE | QS_ALLPOSTMESSAGE


class PumpService(win32serviceutil.ServiceFramework):
    _svc_name_ = "Pump"
    _svc_display_name_ = "Pump"

    def SvcDoRun(self):
        pythoncom.OleInitialize()
        mapi.MAPIInitialize((mapi.MAPI_INIT_VERSION, mapi.MAPI_NT_SERVICE))
        try:
            self.wait_named()
            self.wait_shared()
            self.wait_hex()
            self.wait_decimal()
        finally:
            mapi.MAPIUninitialize()

    def wait_named(self):
        while True:
            rc = win32event.MsgWaitForMultipleObjects(
                [self.stop], 0, 1000, win32event.QS_TIMER | QS_ALLPOSTMESSAGE
            )
            if rc == win32event.WAIT_OBJECT_0:
                return
            pythoncom.PumpWaitingMessages()

    def wait_shared(self):
        while True:
            rc = win32event.MsgWaitForMultipleObjects([self.stop], 0, 1000, WAKE)
            if rc == win32event.WAIT_OBJECT_0:
                return
            pythoncom.PumpWaitingMessages()

    def wait_hex(self):
        while True:
            rc = win32event.MsgWaitForMultipleObjectsEx([self.stop], 500, 0x0010 | 0x0100, 0)
            if rc == win32event.WAIT_OBJECT_0:
                return
            pythoncom.PumpWaitingMessages()

    def wait_decimal(self):
        while True:
            rc = win32event.MsgWaitForMultipleObjectsEx([self.stop], 500, 16 | 256, 0)
            if rc == win32event.WAIT_OBJECT_0:
                return
            pythoncom.PumpWaitingMessages()

    def wait_all(self):
        # already right: left alone
        return win32event.MsgWaitForMultipleObjects(
            [self.stop], 0, 1000, win32event.QS_ALLINPUT
        )
