"""Static knowledge: documented constants, their flag families, and module names.

Values come from Microsoft's headers (MAPIDefS.h, MAPIX.h, MAPI.h, WinUser.h,
WinBase.h) as the contract lists them; plus the tables of Win32 waits, pumps, thread
starters and service entry points the analysis recognises.  Nothing here
executes code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, FrozenSet, Optional, Tuple

MASK32 = 0xFFFFFFFF

# Flag families: which call's flag word a constant documents.
INIT = "init"  # MAPIINIT_0.ulFlags
LOGON = "logon"  # MAPILogonEx flFlags
SIMPLE = "simple"  # Simple MAPI calls
OPEN = "open"  # OpenMsgStore / OpenEntry / OpenAddressBook access flags
SERVICE_ADMIN = "service-admin"  # ConfigureMsgService / CreateMsgService
WIN32 = "win32"  # user32 / kernel32 values

#: name -> (value, families the name is documented for)
CONSTANTS: Dict[str, Tuple[int, FrozenSet[str]]] = {
    "MAPI_INIT_VERSION": (0, frozenset({INIT})),
    "MAPI_MULTITHREAD_NOTIFICATIONS": (0x1, frozenset({INIT})),
    "MAPI_NO_COINIT": (0x8, frozenset({INIT})),
    "MAPI_NT_SERVICE": (0x10000, frozenset({INIT, LOGON})),
    "MAPI_LOGON_UI": (0x1, frozenset({LOGON, SIMPLE})),
    "MAPI_NEW_SESSION": (0x2, frozenset({LOGON, SIMPLE})),
    "MAPI_APP_PROFILE": (0x4, frozenset({LOGON})),
    "MAPI_ALLOW_OTHERS": (0x8, frozenset({LOGON})),
    "MAPI_EXPLICIT_PROFILE": (0x10, frozenset({LOGON})),
    "MAPI_EXTENDED": (0x20, frozenset({LOGON})),
    "MAPI_USE_DEFAULT": (0x40, frozenset({LOGON})),
    "MAPI_FORCE_DOWNLOAD": (0x1000, frozenset({LOGON, SIMPLE})),
    "MAPI_SERVICE_UI_ALWAYS": (0x2000, frozenset({LOGON})),
    "MAPI_NO_MAIL": (0x8000, frozenset({LOGON})),
    "MAPI_PASSWORD_UI": (0x20000, frozenset({LOGON, SIMPLE})),
    "MAPI_TIMEOUT_SHORT": (0x100000, frozenset({LOGON})),
    "MAPI_BG_SESSION": (0x200000, frozenset({LOGON})),
    "MAPI_UNICODE": (0x80000000, frozenset({LOGON})),
    "MAPI_DIALOG": (0x8, frozenset({SIMPLE})),
    "MAPI_DIALOG_MODELESS": (0xC, frozenset({SIMPLE})),
    "MDB_NO_DIALOG": (0x1, frozenset({OPEN})),
    "MDB_WRITE": (0x4, frozenset({OPEN})),
    "MDB_NO_MAIL": (0x80, frozenset({OPEN})),
    "MDB_TEMPORARY": (0x20, frozenset({OPEN})),
    "MDB_ONLINE": (0x100, frozenset({OPEN})),
    "AB_NO_DIALOG": (0x1, frozenset({OPEN})),
    "MAPI_MODIFY": (0x1, frozenset({OPEN})),
    "MAPI_BEST_ACCESS": (0x10, frozenset({OPEN})),
    "MAPI_DEFERRED_ERRORS": (0x8, frozenset({OPEN})),
    "SERVICE_UI_ALWAYS": (0x2, frozenset({SERVICE_ADMIN})),
    "SERVICE_UI_ALLOWED": (0x10, frozenset({SERVICE_ADMIN})),
    "MSG_SERVICE_UI_READ_ONLY": (0x8, frozenset({SERVICE_ADMIN})),
    "MB_OK": (0x0, frozenset({WIN32})),
    "MB_OKCANCEL": (0x1, frozenset({WIN32})),
    "MB_YESNO": (0x4, frozenset({WIN32})),
    "MB_ICONERROR": (0x10, frozenset({WIN32})),
    "MB_ICONSTOP": (0x10, frozenset({WIN32})),
    "MB_ICONWARNING": (0x30, frozenset({WIN32})),
    "MB_ICONEXCLAMATION": (0x30, frozenset({WIN32})),
    "MB_ICONINFORMATION": (0x40, frozenset({WIN32})),
    "MB_SYSTEMMODAL": (0x1000, frozenset({WIN32})),
    "MB_TOPMOST": (0x40000, frozenset({WIN32})),
    "MB_DEFAULT_DESKTOP_ONLY": (0x20000, frozenset({WIN32})),
    "MB_SERVICE_NOTIFICATION": (0x200000, frozenset({WIN32})),
    # the rest of MessageBox's style word (WinUser.h), so that a style naming them evaluates
    "MB_ABORTRETRYIGNORE": (0x2, frozenset({WIN32})),
    "MB_YESNOCANCEL": (0x3, frozenset({WIN32})),
    "MB_RETRYCANCEL": (0x5, frozenset({WIN32})),
    "MB_CANCELTRYCONTINUE": (0x6, frozenset({WIN32})),
    "MB_ICONHAND": (0x10, frozenset({WIN32})),
    "MB_ICONQUESTION": (0x20, frozenset({WIN32})),
    "MB_ICONASTERISK": (0x40, frozenset({WIN32})),
    "MB_USERICON": (0x80, frozenset({WIN32})),
    "MB_DEFBUTTON1": (0x0, frozenset({WIN32})),
    "MB_DEFBUTTON2": (0x100, frozenset({WIN32})),
    "MB_DEFBUTTON3": (0x200, frozenset({WIN32})),
    "MB_DEFBUTTON4": (0x300, frozenset({WIN32})),
    "MB_APPLMODAL": (0x0, frozenset({WIN32})),
    "MB_TASKMODAL": (0x2000, frozenset({WIN32})),
    "MB_HELP": (0x4000, frozenset({WIN32})),
    "MB_NOFOCUS": (0x8000, frozenset({WIN32})),
    "MB_SETFOREGROUND": (0x10000, frozenset({WIN32})),
    "MB_SERVICE_NOTIFICATION_NT3X": (0x40000, frozenset({WIN32})),
    "MB_RIGHT": (0x80000, frozenset({WIN32})),
    "MB_RTLREADING": (0x100000, frozenset({WIN32})),
    "WAIT_OBJECT_0": (0, frozenset({WIN32})),
    "WAIT_ABANDONED_0": (0x80, frozenset({WIN32})),
    "WAIT_TIMEOUT": (258, frozenset({WIN32})),
    "WAIT_FAILED": (0xFFFFFFFF, frozenset({WIN32})),
    "INFINITE": (0xFFFFFFFF, frozenset({WIN32})),
    "QS_KEY": (0x1, frozenset({WIN32})),
    "QS_MOUSEMOVE": (0x2, frozenset({WIN32})),
    "QS_MOUSEBUTTON": (0x4, frozenset({WIN32})),
    "QS_POSTMESSAGE": (0x8, frozenset({WIN32})),
    "QS_TIMER": (0x10, frozenset({WIN32})),
    "QS_PAINT": (0x20, frozenset({WIN32})),
    "QS_SENDMESSAGE": (0x40, frozenset({WIN32})),
    "QS_HOTKEY": (0x80, frozenset({WIN32})),
    "QS_ALLPOSTMESSAGE": (0x100, frozenset({WIN32})),
    "QS_MOUSE": (0x6, frozenset({WIN32})),
    "QS_INPUT": (0x7, frozenset({WIN32})),
    "QS_ALLEVENTS": (0xBF, frozenset({WIN32})),
    # QS_ALLINPUT is 0xFF in win32con and 0x4FF in win32event; both carry the
    # posted-message bit, which is all the rules ask of it.
    "QS_ALLINPUT": (0xFF, frozenset({WIN32})),
    "MWMO_WAITALL": (0x1, frozenset({WIN32})),
    "MWMO_ALERTABLE": (0x2, frozenset({WIN32})),
    "MWMO_INPUTAVAILABLE": (0x4, frozenset({WIN32})),
    "COINIT_APARTMENTTHREADED": (0x2, frozenset({WIN32})),
    "COINIT_MULTITHREADED": (0x0, frozenset({WIN32})),
}


def _value(name: str) -> int:
    return CONSTANTS[name][0]


MAPI_NT_SERVICE = _value("MAPI_NT_SERVICE")
MAPI_NO_MAIL = _value("MAPI_NO_MAIL")
MAPI_NO_COINIT = _value("MAPI_NO_COINIT")
MAPI_DIALOG = _value("MAPI_DIALOG")
MAPI_DIALOG_MODELESS = _value("MAPI_DIALOG_MODELESS")
MDB_NO_DIALOG = _value("MDB_NO_DIALOG")
AB_NO_DIALOG = _value("AB_NO_DIALOG")
MB_SERVICE_NOTIFICATION = _value("MB_SERVICE_NOTIFICATION")
INFINITE = _value("INFINITE")
#: a wake mask must hold one of these for posted messages to wake the wait
POSTED_MESSAGE_BITS = _value("QS_POSTMESSAGE") | _value("QS_ALLPOSTMESSAGE")
#: the logon flags that can show UI (MPS201), in the order messages name them
LOGON_UI_FLAGS: Tuple[Tuple[str, int], ...] = tuple(
    (name, _value(name)) for name in ("MAPI_LOGON_UI", "MAPI_SERVICE_UI_ALWAYS", "MAPI_PASSWORD_UI")
)

#: Per-module overrides where a module documents another value for a name.
MODULE_VALUES: Dict[Tuple[str, str], int] = {
    ("win32event", "QS_ALLINPUT"): 0x4FF,
    ("win32event", "INFINITE"): 0xFFFFFFFF,
}

#: Names a star import of a module provides, for the modules whose star
#: import the analysis follows.  The mapi module exports its functions and
#: every MAPI constant; the Win32 modules their documented constants.
MAPI_FUNCTIONS: FrozenSet[str] = frozenset(
    {
        "MAPIInitialize",
        "MAPIUninitialize",
        "MAPILogonEx",
        "MAPIAdminProfiles",
        "MAPIAllocateBuffer",
        "MAPIFreeBuffer",
        "OpenIMsgSession",
        "CloseIMsgSession",
        "OpenIMsgOnIStg",
        "HrQueryAllRows",
        "HrGetOneProp",
        "HrSetOneProp",
        "OpenStreamOnFile",
        "RTFSync",
        "WrapCompressedRTFStream",
        "MAPIUIDFromBinary",
        "HrAllocAdviseSink",
        "HrThisThreadAdviseSink",
        "HrDispatchNotifications",
    }
)

#: Simple MAPI entry points of mapi32.dll (reached through ctypes only).
SIMPLE_MAPI_FUNCTIONS: FrozenSet[str] = frozenset(
    {
        "MAPILogon",
        "MAPILogoff",
        "MAPISendMail",
        "MAPISendMailW",
        "MAPISendDocuments",
        "MAPIFindNext",
        "MAPIReadMail",
        "MAPISaveMail",
        "MAPIDeleteMail",
        "MAPIFreeBuffer",
        "MAPIAddress",
        "MAPIDetails",
        "MAPIResolveName",
    }
)

STAR_EXPORTS: Dict[str, FrozenSet[str]] = {
    "mapi": MAPI_FUNCTIONS | frozenset(CONSTANTS),
    "win32con": frozenset(CONSTANTS),
    "win32event": frozenset(CONSTANTS)
    | frozenset(
        {
            "WaitForSingleObject",
            "WaitForSingleObjectEx",
            "WaitForMultipleObjects",
            "WaitForMultipleObjectsEx",
            "MsgWaitForMultipleObjects",
            "MsgWaitForMultipleObjectsEx",
            "CreateEvent",
            "SetEvent",
        }
    ),
}

#: Star imports of UI toolkits: only the names the UI rule (MPS205) looks for.
_QT_WIDGETS = frozenset(
    {
        "QApplication",
        "QDialog",
        "QMessageBox",
        "QFileDialog",
        "QInputDialog",
        "QColorDialog",
        "QFontDialog",
        "QProgressDialog",
        "QErrorMessage",
        "QWizard",
    }
)
STAR_EXPORTS.update(
    {
        "tkinter": frozenset({"Tk"}),
        "Tkinter": frozenset({"Tk"}),
        "tkinter.messagebox": frozenset(
            {
                "showinfo",
                "showwarning",
                "showerror",
                "askquestion",
                "askokcancel",
                "askyesno",
                "askyesnocancel",
                "askretrycancel",
            }
        ),
        "tkinter.simpledialog": frozenset({"askinteger", "askfloat", "askstring"}),
        "tkinter.filedialog": frozenset(
            {
                "askopenfilename",
                "asksaveasfilename",
                "askopenfilenames",
                "askopenfile",
                "askopenfiles",
                "asksaveasfile",
                "askdirectory",
            }
        ),
    }
)
STAR_EXPORTS.update(
    {f"{pkg}.QtWidgets": _QT_WIDGETS for pkg in ("PyQt5", "PyQt6", "PySide2", "PySide6")}
)

#: ``from ctypes import *`` is common in ctypes code: the names the bindings follow.
STAR_EXPORTS["ctypes"] = frozenset(
    {
        "windll",
        "oledll",
        "cdll",
        "pydll",
        "WinDLL",
        "OleDLL",
        "CDLL",
        "PyDLL",
        "byref",
        "pointer",
        "sizeof",
        "addressof",
        "Structure",
        "LittleEndianStructure",
        "BigEndianStructure",
        "c_ulong",
        "c_uint",
        "c_uint32",
    }
)

#: ctypes DLL names the analysis tracks, normalised (lower case, no ".dll").
#: olmapi32 is Outlook's own MAPI implementation; it is the same API.
DLL_ALIASES: Dict[str, str] = {
    "mapi32": "mapi",
    "olmapi32": "mapi",
    "user32": "user32",
    "kernel32": "kernel32",
    "ole32": "ole32",
    "advapi32": "advapi32",
}

#: ctypes attributes and callables that produce a DLL object.
DLL_LOADER_ATTRS: FrozenSet[str] = frozenset(
    {"ctypes.windll", "ctypes.oledll", "ctypes.cdll", "ctypes.pydll"}
)
DLL_LOADER_CALLS: FrozenSet[str] = frozenset(
    {
        "ctypes.WinDLL",
        "ctypes.OleDLL",
        "ctypes.CDLL",
        "ctypes.PyDLL",
        "ctypes.windll.LoadLibrary",
        "ctypes.oledll.LoadLibrary",
        "ctypes.cdll.LoadLibrary",
        "ctypes.pydll.LoadLibrary",
    }
)


def constant_value(module: str, name: str) -> int | None:
    """The documented value of ``module.name`` (module may be "")."""
    override = MODULE_VALUES.get((module, name))
    if override is not None:
        return override
    entry = CONSTANTS.get(name)
    return entry[0] if entry is not None else None


# -- API keys ------------------------------------------------------------------------
# The analysis gives every API call a key (``bindings.api_key``): these are the ones
# the analysis itself and several rules name.  One spelling each.

MAPI_INITIALIZE = "mapi.MAPIInitialize"
MAPI_UNINITIALIZE = "mapi.MAPIUninitialize"
MAPI_LOGON_EX = "mapi.MAPILogonEx"
MAPI_ADMIN_PROFILES = "mapi.MAPIAdminProfiles"
#: Simple MAPI's logon (ctypes only: pywin32 has no Simple MAPI)
MAPI_LOGON = "mapi.MAPILogon"
#: the prefix of a method called on an object obtained from MAPI ("mapiobj.Logoff")
MAPI_METHOD = "mapiobj."

#: COM initialization on the calling thread (MPS105)
COM_INIT: FrozenSet[str] = frozenset(
    {
        "pythoncom.CoInitialize",
        "pythoncom.CoInitializeEx",
        "pythoncom.OleInitialize",
        "servicemanager.CoInitializeEx",
        "ole32.CoInitialize",
        "ole32.CoInitializeEx",
        "ole32.OleInitialize",
    }
)
#: OLE initialization (MPS106)
OLE_INIT: FrozenSet[str] = frozenset({"pythoncom.OleInitialize", "ole32.OleInitialize"})


# -- services (1.3) ----------------------------------------------------------------------

SERVICE_FRAMEWORK: FrozenSet[str] = frozenset({"win32serviceutil.ServiceFramework"})

#: calls that only a service makes
SERVICE_ENTRY_CALLS: FrozenSet[str] = frozenset(
    {
        "servicemanager.StartServiceCtrlDispatcher",
        "servicemanager.PrepareToHostSingle",
        "servicemanager.PrepareToHostMultiple",
        "servicemanager.Initialize",
        "win32serviceutil.HandleCommandLine",
        "advapi32.StartServiceCtrlDispatcherA",
        "advapi32.StartServiceCtrlDispatcherW",
        "advapi32.RegisterServiceCtrlHandlerA",
        "advapi32.RegisterServiceCtrlHandlerW",
        "advapi32.RegisterServiceCtrlHandlerExA",
        "advapi32.RegisterServiceCtrlHandlerExW",
    }
)

#: ServiceFramework methods that run on the service thread, and the ones of them
#: that are its bodies
SERVICE_THREAD_METHODS: Tuple[str, ...] = ("__init__", "SvcRun", "SvcDoRun")
SERVICE_BODIES: Tuple[str, ...] = ("SvcRun", "SvcDoRun")
#: ServiceFramework methods the control thread runs
CONTROL_METHODS: Tuple[str, ...] = (
    "SvcStop",
    "SvcShutdown",
    "SvcOther",
    "SvcOtherEx",
    "SvcPause",
    "SvcContinue",
    "SvcInterrogate",
)


# -- threads ---------------------------------------------------------------------------

#: thread starters: key -> (positional index, keyword) of the function argument
THREAD_STARTERS: Dict[str, Tuple[int, str]] = {
    "threading.Thread": (1, "target"),
    "threading.Timer": (1, "function"),
    "_thread.start_new_thread": (0, "function"),
    "_thread.start_new": (0, "function"),
    "thread.start_new_thread": (0, "function"),
    "win32process.beginthreadex": (2, "entryPoint"),
}
#: executors whose ``submit(fn, ...)`` runs ``fn`` on another thread
EXECUTORS: FrozenSet[str] = frozenset(
    {
        "concurrent.futures.ThreadPoolExecutor",
        "concurrent.futures.ProcessPoolExecutor",
        "concurrent.futures.thread.ThreadPoolExecutor",
        "concurrent.futures.process.ProcessPoolExecutor",
    }
)
#: classes whose ``run`` method is another thread's code
THREAD_CLASSES: FrozenSet[str] = frozenset({"threading.Thread"})
PARTIAL: FrozenSet[str] = frozenset({"functools.partial"})


# -- blocking waits and pumps (1.5) ------------------------------------------------------

#: Win32 waits: key -> index of the timeout in milliseconds
WIN32_WAITS: Dict[str, int] = {
    "win32event.WaitForSingleObject": 1,
    "win32event.WaitForSingleObjectEx": 1,
    "win32event.WaitForMultipleObjects": 2,
    "win32event.WaitForMultipleObjectsEx": 2,
    "win32api.Sleep": 0,
    "win32api.SleepEx": 0,
    "kernel32.WaitForSingleObject": 1,
    "kernel32.WaitForSingleObjectEx": 1,
    "kernel32.WaitForMultipleObjects": 3,
    "kernel32.WaitForMultipleObjectsEx": 3,
    "kernel32.Sleep": 0,
    "kernel32.SleepEx": 0,
}
SLEEP_SECONDS = "time.sleep"

#: constructors of the objects whose methods block -> kind
OBJECT_CONSTRUCTORS: Dict[str, str] = {
    "threading.Event": "Event",
    "threading.Condition": "Condition",
    "threading.Semaphore": "Semaphore",
    "threading.BoundedSemaphore": "Semaphore",
    "threading.Barrier": "Barrier",
    "threading.Thread": "Thread",
    "threading.Timer": "Thread",
    "queue.Queue": "Queue",
    "queue.LifoQueue": "Queue",
    "queue.PriorityQueue": "Queue",
    "queue.SimpleQueue": "Queue",
}


@dataclass(frozen=True)
class BlockingMethod:
    """How a blocking method takes its timeout and its blocking flag."""

    timeout_index: Optional[int]  # None: the method has no timeout (waits forever)
    timeout_keyword: str = "timeout"
    block_index: Optional[int] = None
    block_keyword: str = ""


#: (kind, method) -> how the method's timeout and blocking flag are passed
BLOCKING_METHODS: Dict[Tuple[str, str], BlockingMethod] = {
    ("Event", "wait"): BlockingMethod(0),
    ("Condition", "wait"): BlockingMethod(0),
    ("Condition", "wait_for"): BlockingMethod(1),
    ("Semaphore", "acquire"): BlockingMethod(1, "timeout", 0, "blocking"),
    ("Barrier", "wait"): BlockingMethod(0),
    ("Thread", "join"): BlockingMethod(0),
    ("Queue", "get"): BlockingMethod(1, "timeout", 0, "block"),
    ("Queue", "join"): BlockingMethod(None),
}
BLOCKING_METHOD_NAMES: FrozenSet[str] = frozenset(m for _, m in BLOCKING_METHODS)

PUMP_KEYS: FrozenSet[str] = frozenset(
    {
        "pythoncom.PumpWaitingMessages",
        "pythoncom.PumpMessages",
        "win32gui.PumpWaitingMessages",
        "win32gui.PumpMessages",
        "servicemanager.PumpWaitingMessages",
        "win32ui.PumpWaitingMessages",  # Pythonwin's own pump
        "win32ui.PumpMessages",
        # waits while pumping: a pumped wait, and it pumps
        "pythoncom.CoWaitForMultipleHandles",
    }
)
DISPATCH_KEYS: FrozenSet[str] = frozenset(
    {
        "win32gui.DispatchMessage",
        "user32.DispatchMessage",
        "user32.DispatchMessageA",
        "user32.DispatchMessageW",
    }
)
GET_MESSAGE_KEYS: FrozenSet[str] = frozenset(
    {
        "win32gui.GetMessage",
        "win32gui.PeekMessage",
        "user32.GetMessage",
        "user32.GetMessageA",
        "user32.GetMessageW",
        "user32.PeekMessage",
        "user32.PeekMessageA",
        "user32.PeekMessageW",
    }
)


@dataclass(frozen=True)
class MsgWaitLayout:
    """Where MsgWaitForMultipleObjects(Ex) takes its arguments."""

    handles: int  # index of the handle list (pywin32) or array (ctypes)
    count: Optional[int]  # index of nCount (ctypes), None for pywin32
    mask: int  # index of the wake mask
    timeout: int  # index of the timeout in milliseconds


MSGWAIT_LAYOUTS: Dict[str, MsgWaitLayout] = {
    "win32event.MsgWaitForMultipleObjects": MsgWaitLayout(0, None, 3, 2),
    "win32event.MsgWaitForMultipleObjectsEx": MsgWaitLayout(0, None, 2, 1),
    "user32.MsgWaitForMultipleObjects": MsgWaitLayout(1, 0, 4, 3),
    "user32.MsgWaitForMultipleObjectsEx": MsgWaitLayout(1, 0, 3, 2),
}
MSGWAIT_KEYS: FrozenSet[str] = frozenset(MSGWAIT_LAYOUTS)
#: MAXIMUM_WAIT_OBJECTS
MAX_WAIT_OBJECTS = 64

#: calls that may be given a wait result without handling the message case
NEUTRAL_CALLS: FrozenSet[str] = frozenset(
    {
        "builtins.print",
        "builtins.str",
        "builtins.repr",
        "builtins.int",
        "builtins.hex",
        "builtins.format",
        "builtins.isinstance",
        "servicemanager.LogMsg",
        "servicemanager.LogInfoMsg",
        "servicemanager.LogWarningMsg",
        "servicemanager.LogErrorMsg",
    }
)
#: methods of objects the analysis cannot see that are taken not to pump
NEUTRAL_METHODS: FrozenSet[str] = frozenset(
    {
        "debug",
        "info",
        "warning",
        "warn",
        "error",
        "exception",
        "critical",
        "log",
        "write",
        "flush",
        "append",
        "extend",
        "add",
        "pop",
        "remove",
        "discard",
        "update",
        "clear",
        "set",
        "is_set",
        "put",
        "put_nowait",
        "get_nowait",
        "format",
        "join",
        "split",
        "strip",
        "encode",
        "decode",
        "startswith",
        "endswith",
        "keys",
        "values",
        "items",
        "copy",
        "ReportServiceStatus",
    }
)


#: modules that are never the project's own: a name read from them is the API's
EXTERNAL_MODULES: FrozenSet[str] = frozenset(
    {
        "win32com",
        "win32comext",
        "pythoncom",
        "pywintypes",
        "win32api",
        "win32con",
        "win32event",
        "win32gui",
        "win32ui",
        "win32service",
        "win32serviceutil",
        "win32process",
        "win32file",
        "win32pipe",
        "win32security",
        "win32ts",
        "winerror",
        "servicemanager",
        "win32",
        "pythonwin",
        "pywin",
        "comtypes",
        "ctypes",
        "threading",
        "_thread",
        "thread",
        "queue",
        "time",
        "os",
        "sys",
        "builtins",
        "concurrent",
        "functools",
        "atexit",
        "logging",
        "getpass",
        "tkinter",
        "Tkinter",
        "wx",
        "PyQt5",
        "PyQt6",
        "PySide2",
        "PySide6",
    }
)
