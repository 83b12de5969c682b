"""Catalogue entries for the core: MPS000 and the initialization/logon rules MPS101-MPS109."""

from __future__ import annotations

from typing import List

from .rule import MS_INITIALIZE, MS_LOGONEX, MS_MAPIINIT, MS_SERVICES, Rule

#: how star imports rebind names (MPS101-MPS103)
_STAR_IMPORTS = (
    " A `from M import *` rebinds names where it stands: after a module the analysis "
    "knows (pywin32's mapi module, `win32con`, `win32event`) the constants it exports "
    "have their documented values again; after any other module, the names the file "
    "bound before it are unknown (M may rebind them), except private names and names "
    "bound by the file's imports."
)

RULES: List[Rule] = [
    Rule(
        code="MPS000",
        name="analysis-failed",
        message="flake8-mapi-service could not analyse this file ({exc}); please report it",
        short="the analysis of the file failed unexpectedly (a bug to report)",
        summary=(
            "The analysis of this file failed unexpectedly. Instead of a traceback that "
            "would abort your whole flake8 run, the plugin reports this one finding on "
            "line 1, naming the exception type. A file libcst cannot parse gets no "
            "finding: flake8 reports syntax errors itself."
        ),
        rationale=(
            "A plugin that raises aborts flake8 for every file of the run, in the editor "
            "and in CI. A finding keeps the rest of your lint results and tells us there "
            "is a bug to fix."
        ),
        example="# any file that triggers a bug in the analyzer",
        fix="# Report the file (or a reduced copy) to the project; silence with # noqa: MPS000 meanwhile.",
        service_only=False,
        limits="The project's own test-suite fails on any MPS000.",
        level="warning",
    ),
    Rule(
        code="MPS101",
        name="init-without-nt-service",
        message="MAPIInitialize without MAPI_NT_SERVICE in MAPIINIT_0.ulFlags (service code)",
        short="MAPIInitialize without MAPI_NT_SERVICE in MAPIINIT_0.ulFlags",
        summary=(
            "Finds `MAPIInitialize` calls whose `MAPIINIT_0` flags definitely lack "
            "`MAPI_NT_SERVICE`, in service code. A `None`/NULL init has no flags, so it "
            "lacks it too. pywin32 takes a `(ulVersion, ulFlags)` tuple; ctypes takes a "
            "`MAPIINIT_0`-shaped `Structure` (any class name) by `byref`, `pointer` or value."
        ),
        rationale=(
            "Microsoft: a MAPI client running as a Windows service must set "
            "`MAPI_NT_SERVICE` in the `ulFlags` member of `MAPIINIT_0`. Without it MAPI "
            "assumes an interactive user: profiles and notifications are looked up in the "
            "wrong context, and the service fails or hangs in production only."
        ),
        example=("from win32com.mapi import mapi\n\nmapi.MAPIInitialize(None)\n"),
        fix=(
            "from win32com.mapi import mapi\n\n"
            "mapi.MAPIInitialize((mapi.MAPI_INIT_VERSION, mapi.MAPI_NT_SERVICE))\n"
        ),
        service_only=True,
        references=(MS_SERVICES, MS_MAPIINIT, MS_INITIALIZE),
        options="`--mapi-service`, `--mapi-service-paths` decide what is service code.",
        limits=(
            "Flags set only on some paths (`if debug: flags |= ...`) or computed in ways "
            "the analysis cannot follow are not reported (see MPS109). A flags parameter is evaluated from its default and from every call of "
            "the function in the same file: a call from another module is not seen, and a "
            "function that is also used as a value (a `threading.Thread` target, a callback "
            "table) has unknown flags. Class attributes (`self.LOGON_FLAGS`) and constants "
            "imported from the project's own modules are unknown. An init "
            "parameter that is `None` on some calls and a tuple on others is unknown."
            + _STAR_IMPORTS
        ),
        fixable=True,
    ),
    Rule(
        code="MPS102",
        name="logon-without-nt-service",
        message="MAPILogonEx without MAPI_NT_SERVICE in its flags (service code)",
        short="MAPILogonEx without MAPI_NT_SERVICE in its flags",
        summary=(
            "Finds `MAPILogonEx` calls whose flags (the 4th argument; omitted means 0) "
            "definitely lack `MAPI_NT_SERVICE`, in service code."
        ),
        rationale=(
            "Microsoft: a service sets `MAPI_NT_SERVICE` in the flags of `MAPILogonEx` as "
            "well as in `MAPIINIT_0`. Without it the logon runs as for an interactive "
            "user and fails, or uses the wrong profile, when the service runs unattended."
        ),
        example=(
            "from win32com.mapi import mapi\n\n"
            'session = mapi.MAPILogonEx(0, "Service", None, mapi.MAPI_EXTENDED | mapi.MAPI_NO_MAIL)\n'
        ),
        fix=(
            "from win32com.mapi import mapi\n\n"
            "session = mapi.MAPILogonEx(\n"
            '    0, "Service", None, mapi.MAPI_EXTENDED | mapi.MAPI_NO_MAIL | mapi.MAPI_NT_SERVICE\n'
            ")\n"
        ),
        service_only=True,
        references=(MS_SERVICES, MS_LOGONEX),
        limits=(
            "Flags that are unknown or set on some paths only are not reported (see MPS109). "
            "A flags parameter is evaluated from its default and from every call of "
            "the function in the same file: a call from another module is not seen, and a "
            "function that is also used as a value (a `threading.Thread` target, a callback "
            "table) has unknown flags. Class attributes (`self.LOGON_FLAGS`) and constants "
            "imported from the project's own modules are unknown." + _STAR_IMPORTS
        ),
        fixable=True,
    ),
    Rule(
        code="MPS103",
        name="logon-without-no-mail",
        message="MAPILogonEx without MAPI_NO_MAIL in its flags (service code)",
        short="MAPILogonEx without MAPI_NO_MAIL in its flags",
        summary=(
            "Finds `MAPILogonEx` calls whose flags definitely lack `MAPI_NO_MAIL`, in service code."
        ),
        rationale=(
            "Microsoft: a service sets `MAPI_NO_MAIL` so that MAPI does not start the "
            "spooler for the session. The spooler belongs to an interactive user; in a "
            "service it can hang the logon or send mail through an unsupported transport."
        ),
        example=(
            "from win32com.mapi import mapi\n\n"
            'session = mapi.MAPILogonEx(0, "Service", None, mapi.MAPI_EXTENDED | mapi.MAPI_NT_SERVICE)\n'
        ),
        fix=(
            "from win32com.mapi import mapi\n\n"
            "session = mapi.MAPILogonEx(\n"
            '    0, "Service", None, mapi.MAPI_EXTENDED | mapi.MAPI_NT_SERVICE | mapi.MAPI_NO_MAIL\n'
            ")\n"
        ),
        service_only=True,
        references=(MS_SERVICES, MS_LOGONEX),
        limits=(
            "Flags that are unknown or set on some paths only are not reported (see MPS109). "
            "A flags parameter is evaluated from its default and from every call of "
            "the function in the same file: a call from another module is not seen, and a "
            "function that is also used as a value (a `threading.Thread` target, a callback "
            "table) has unknown flags. Class attributes (`self.LOGON_FLAGS`) and constants "
            "imported from the project's own modules are unknown." + _STAR_IMPORTS
        ),
        fixable=True,
    ),
    Rule(
        code="MPS104",
        name="mapi-call-outside-initialize",
        message="{call} runs {where} in the same function",
        short="a MAPI call before MAPIInitialize or after MAPIUninitialize in the same function",
        summary=(
            "Finds an Extended MAPI call (`MAPILogonEx`, `MAPIAdminProfiles`, or a method "
            "on an object obtained from MAPI such as the session) that runs, in "
            "straight-line order, before the same function's own `MAPIInitialize` or after "
            "its `MAPIUninitialize`. Simple MAPI needs no `MAPIInitialize` and is not "
            "concerned. Applies to all code, service or not."
        ),
        rationale=(
            "Microsoft: every Extended MAPI client calls `MAPIInitialize` before any other "
            "MAPI call, and no MAPI call may follow `MAPIUninitialize`. The result is "
            "`MAPI_E_NOT_INITIALIZED` at best and a crash in MAPI's DLL at worst."
        ),
        example=(
            "from win32com.mapi import mapi\n\n\n"
            "def send():\n"
            "    mapi.MAPIInitialize(None)\n"
            '    session = mapi.MAPILogonEx(0, "", None, mapi.MAPI_EXTENDED)\n'
            "    mapi.MAPIUninitialize()\n"
            "    session.Logoff(0, 0, 0)\n"
        ),
        fix=(
            "from win32com.mapi import mapi\n\n\n"
            "def send():\n"
            "    mapi.MAPIInitialize(None)\n"
            '    session = mapi.MAPILogonEx(0, "", None, mapi.MAPI_EXTENDED)\n'
            "    session.Logoff(0, 0, 0)\n"
            "    mapi.MAPIUninitialize()\n"
        ),
        service_only=False,
        references=(MS_INITIALIZE,),
        limits=(
            "Only calls in the same function as an unconditional `MAPIInitialize` / "
            "`MAPIUninitialize` (not inside `if`, loops or `except`) are compared; a call "
            "in an `except` handler of the `try` that uninitializes, or inside a loop that "
            "also initializes, is not reported. Before `MAPIInitialize`, only MAPI calls "
            "and objects local to the function count (a `self.session` may come from an "
            "earlier initialization)."
        ),
    ),
    Rule(
        code="MPS105",
        name="no-coinit-without-com",
        message="MAPIInitialize with MAPI_NO_COINIT but COM is not initialized first on this thread",
        short="MAPI_NO_COINIT set but COM not initialized first on the thread",
        summary=(
            "Finds `MAPIInitialize` with `MAPI_NO_COINIT` definitely set when no "
            "`CoInitialize`, `CoInitializeEx` or `OleInitialize` (pythoncom, "
            "`servicemanager.CoInitializeEx`, ctypes ole32) can run before it on its "
            "thread: earlier in its function, in a function called earlier there, or in a "
            "caller on the same thread before the call that leads to it. COM is "
            "initialized per thread: a thread's target starts with nothing initialized, "
            "whatever the thread that started it did."
        ),
        rationale=(
            "`MAPI_NO_COINIT` tells MAPI not to initialize COM because the caller already "
            "did. If nobody did, MAPI runs on a thread without COM and fails in ways that "
            "depend on the providers loaded."
        ),
        example=(
            "from win32com.mapi import mapi\n\n"
            "mapi.MAPIInitialize((mapi.MAPI_INIT_VERSION, mapi.MAPI_NT_SERVICE | mapi.MAPI_NO_COINIT))\n"
        ),
        fix=(
            "import pythoncom\n"
            "from win32com.mapi import mapi\n\n"
            "pythoncom.OleInitialize()\n"
            "mapi.MAPIInitialize((mapi.MAPI_INIT_VERSION, mapi.MAPI_NT_SERVICE | mapi.MAPI_NO_COINIT))\n"
        ),
        service_only=True,
        references=(MS_MAPIINIT,),
        limits=(
            "A function that code the analysis does not see may call (a method called on "
            "an untyped object) is assumed to be preceded by an initialization; so is a "
            "call in a loop whose body initializes COM. Importing `pythoncom` initializes "
            "COM on the importing thread, which is not the service thread; it does not "
            "count."
        ),
    ),
    Rule(
        code="MPS106",
        name="missing-ole-initialize",
        message="the file initializes MAPI but never calls OleInitialize",
        short="MAPI initialized but OleInitialize never called",
        summary=(
            "Reports, at the first `MAPIInitialize`, a service file that initializes MAPI "
            "but never calls `OleInitialize` (`pythoncom.OleInitialize` or ctypes "
            "`ole32.OleInitialize`)."
        ),
        rationale=(
            "Microsoft's service guidance: a MAPI client in a service initializes OLE "
            "(`OleInitialize`) as well as MAPI; message stores and forms use OLE structured "
            "storage and clipboard formats that need it."
        ),
        example=(
            "from win32com.mapi import mapi\n\n"
            "mapi.MAPIInitialize((mapi.MAPI_INIT_VERSION, mapi.MAPI_NT_SERVICE))\n"
        ),
        fix=(
            "import pythoncom\n"
            "from win32com.mapi import mapi\n\n"
            "pythoncom.OleInitialize()\n"
            "mapi.MAPIInitialize((mapi.MAPI_INIT_VERSION, mapi.MAPI_NT_SERVICE))\n"
        ),
        service_only=True,
        references=(MS_SERVICES,),
        limits="An `OleInitialize` in another module of the program is not seen.",
    ),
    Rule(
        code="MPS107",
        name="missing-uninitialize",
        message="the file calls MAPIInitialize but never MAPIUninitialize",
        short="MAPIInitialize never balanced by MAPIUninitialize",
        summary=(
            "Reports, at the first `MAPIInitialize`, a service file that never calls "
            "`MAPIUninitialize`."
        ),
        rationale=(
            "A service is stopped and started without its process ending. Every "
            "`MAPIInitialize` must be balanced by `MAPIUninitialize` on the same thread, or "
            "MAPI's reference count, sessions and provider DLLs leak until the process dies."
        ),
        example=(
            "import pythoncom\n"
            "from win32com.mapi import mapi\n\n"
            "pythoncom.OleInitialize()\n"
            "mapi.MAPIInitialize((mapi.MAPI_INIT_VERSION, mapi.MAPI_NT_SERVICE))\n"
        ),
        fix=(
            "import pythoncom\n"
            "from win32com.mapi import mapi\n\n"
            "pythoncom.OleInitialize()\n"
            "mapi.MAPIInitialize((mapi.MAPI_INIT_VERSION, mapi.MAPI_NT_SERVICE))\n"
            "try:\n"
            "    pass  # the service's work\n"
            "finally:\n"
            "    mapi.MAPIUninitialize()\n"
        ),
        service_only=True,
        references=(MS_INITIALIZE,),
        limits="A `MAPIUninitialize` in another module of the program is not seen.",
    ),
    Rule(
        code="MPS108",
        name="wrong-flag-family",
        message="{call} flags contain {constants}, which belong to other MAPI calls",
        short="a flag of another MAPI call in MAPIINIT_0 or MAPILogonEx flags",
        summary=(
            "Finds a flag of the wrong family definitely set in `MAPIINIT_0` or "
            "`MAPILogonEx` flags: a constant whose name documents another call's flags "
            "(`MAPI_BEST_ACCESS`, `MAPI_DIALOG`, `MAPI_MODIFY`, `MAPI_DEFERRED_ERRORS`, "
            "`MDB_*`, `AB_*`, or `MAPI_MULTITHREAD_NOTIFICATIONS`/`MAPI_NO_COINIT` in logon "
            "flags; `MAPI_LOGON_UI`, `MAPI_NO_MAIL`, `MAPI_EXTENDED` ... in `MAPIINIT_0`). "
            "Applies to all code."
        ),
        rationale=(
            "MAPI flag values overlap between calls: `MAPI_BEST_ACCESS` (0x10) in logon "
            "flags is `MAPI_EXPLICIT_PROFILE`, `MAPI_NO_COINIT` (0x8) is "
            "`MAPI_ALLOW_OTHERS`. The call silently does something else than the code says."
        ),
        example=(
            "from win32com.mapi import mapi\n\n"
            'session = mapi.MAPILogonEx(0, "", None, mapi.MAPI_EXTENDED | mapi.MAPI_BEST_ACCESS)\n'
        ),
        fix=(
            "from win32com.mapi import mapi\n\n"
            'session = mapi.MAPILogonEx(0, "", None, mapi.MAPI_EXTENDED)\n'
        ),
        service_only=False,
        references=(MS_MAPIINIT, MS_LOGONEX),
        limits=(
            "Only named constants are attributed; a bare number is not. A module's own "
            "constant bound to the documented name and value (`MAPI_LOGON_UI = 0x1` in "
            "ctypes code) counts as that constant; the same value under another name "
            "(`UI = 0x1`) does not."
        ),
    ),
    Rule(
        code="MPS109",
        name="undetermined-flags",
        message="the flags of {call} could not be determined ({what})",
        short="MAPI flags the analysis could not determine",
        summary=(
            "Opt-in: reported only when a selection names it (`--extend-select=MPS109`, or `MPS109`, "
            "`MPS10`, `MPS1` in `--select`); a bare `--select=MPS` leaves it off. Reports a "
            "`MAPIInitialize` or `MAPILogonEx` whose flags the analysis could not "
            "determine: the bits the other rules check (`MAPI_NT_SERVICE`, `MAPI_NO_MAIL`, "
            "the logon UI bits) are neither definitely set nor definitely clear."
        ),
        rationale=(
            "The other rules stay silent on flags they cannot evaluate. Teams that want "
            "every MAPI initialization and logon to be checkable can turn this on and "
            "write their flags as constants the analysis understands."
        ),
        example=(
            "from win32com.mapi import mapi\n\n\n"
            "def logon(flags_from_config):\n"
            '    return mapi.MAPILogonEx(0, "", None, flags_from_config)\n'
        ),
        fix=(
            "from win32com.mapi import mapi\n\n"
            "LOGON_FLAGS = mapi.MAPI_EXTENDED | mapi.MAPI_NO_MAIL | mapi.MAPI_NT_SERVICE\n\n\n"
            "def logon():\n"
            '    return mapi.MAPILogonEx(0, "", None, LOGON_FLAGS)\n'
        ),
        service_only=False,
        default_enabled=False,
        references=(MS_MAPIINIT, MS_LOGONEX),
        limits=(
            "For `MAPILogonEx` the checked bits include the logon UI bits "
            "(`MAPI_LOGON_UI`, `MAPI_SERVICE_UI_ALWAYS`, `MAPI_PASSWORD_UI`, see MPS201): "
            "a logon whose `MAPI_NT_SERVICE` and `MAPI_NO_MAIL` are known is still reported "
            "when one of those is not. Reported in all code, service or not."
        ),
        level="note",
    ),
]
