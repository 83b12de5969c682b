"""Catalogue entries for the core: MPS000 and the initialization/logon rules MPS101-MPS109."""

from __future__ import annotations

from typing import List

from .rule import _CONTEXTS, MS_INITIALIZE, MS_LOGONEX, MS_MAPIINIT, MS_SERVICES, Rule

#: how star imports rebind names (MPS101-MPS103)
_STAR_IMPORTS = (
    " A `from M import *` rebinds names where it stands: after a module the analysis "
    "knows (pywin32's mapi module, `win32con`, `win32event`) the constants it exports "
    "have their documented values again; after any other module, a module of the "
    "project included, the names the file bound before it are unknown (M may rebind "
    "them), except private names and names bound by the file's imports. A name the "
    "file uses without binding it is what a module of the project it star-imports "
    "provides (`from .settings import *`, then `LOGON_FLAGS` or `open_archive()`), "
    "and so is a name imported from a module that re-exports it with a star import "
    "(`from pkg import LOGON_FLAGS`, `pkg.LOGON_FLAGS`, where `pkg/__init__.py` has "
    "`from .config import *`); names from a star import of a module outside the "
    "project and the analysis's tables are unknown."
)

#: what MPS101-MPS103 know of constants and class attributes
_FLAG_VALUES = (
    " A constant imported from a module of the project (`from .config import "
    "LOGON_FLAGS`, `config.LOGON_FLAGS`) has the value that module gives it; class "
    "attributes (`self.LOGON_FLAGS`) are unknown."
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
        example=(
            "import pythoncom\n"
            "from win32com.mapi import mapi\n\n"
            "pythoncom.OleInitialize()\n"
            "mapi.MAPIInitialize(None)\n"
            "try:\n"
            "    pass  # the service's work\n"
            "finally:\n"
            "    mapi.MAPIUninitialize()\n"
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
        references=(MS_SERVICES, MS_MAPIINIT, MS_INITIALIZE),
        options="`--mapi-service`, `--mapi-service-paths` decide what is service code.",
        limits=(
            "Flags set only on some paths (`if debug: flags |= ...`) or computed in ways "
            "the analysis cannot follow are not reported (see MPS109). "
            + _CONTEXTS
            + _FLAG_VALUES
            + " An init argument that is `None` on some paths and a tuple on others is "
            "unknown; a parameter that is `None` in one calling context and a tuple in "
            "another is judged in each." + _STAR_IMPORTS
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
            + _CONTEXTS
            + _FLAG_VALUES
            + _STAR_IMPORTS
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
            + _CONTEXTS
            + _FLAG_VALUES
            + _STAR_IMPORTS
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
            "earlier initialization). Only the function's own `MAPIInitialize` / "
            "`MAPIUninitialize` count, not one in a function it calls. A MAPI object that a "
            "function of another module returns (`session = mailer.logon()`) counts after "
            "`MAPIUninitialize`; the call of that function is not itself a MAPI call."
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
            "`servicemanager.CoInitializeEx`, ctypes ole32) can precede it on its thread: "
            "none comes before it in its own function (or either is in a loop), none comes "
            "before the call that leads to it in a function that calls it (in any module of "
            "the project, through any number of calls), and no method of the service thread "
            "(`__init__`, `SvcRun`, `SvcDoRun`) that reaches it has one. COM is initialized "
            "per thread: a thread's target starts with nothing initialized, whatever the "
            "thread that started it did."
        ),
        rationale=(
            "`MAPI_NO_COINIT` tells MAPI not to initialize COM because the caller already "
            "did. If nobody did, MAPI runs on a thread without COM and fails in ways that "
            "depend on the providers loaded."
        ),
        example=(
            "from win32com.mapi import mapi\n\n"
            "mapi.MAPIInitialize((mapi.MAPI_INIT_VERSION, mapi.MAPI_NT_SERVICE | mapi.MAPI_NO_COINIT))\n"
            "try:\n"
            "    pass  # the service's work\n"
            "finally:\n"
            "    mapi.MAPIUninitialize()\n"
        ),
        fix=(
            "import pythoncom\n"
            "from win32com.mapi import mapi\n\n"
            "pythoncom.OleInitialize()\n"
            "mapi.MAPIInitialize((mapi.MAPI_INIT_VERSION, mapi.MAPI_NT_SERVICE | mapi.MAPI_NO_COINIT))\n"
            "try:\n"
            "    pass  # the service's work\n"
            "finally:\n"
            "    mapi.MAPIUninitialize()\n"
        ),
        service_only=True,
        references=(MS_MAPIINIT,),
        limits=(
            "A function that code the analysis cannot see may call (one also used as a "
            "value, a method called on an object of unknown type) is taken as preceded by "
            "a COM initialization; the function a thread starts (`threading.Thread(target="
            "...)`) is not: a new thread starts without COM. A call, before it, of a "
            "function that initializes COM (directly or through calls, in any module: "
            "`self.setup_com()` or `com.setup()`, then `MAPIInitialize`) counts as a COM "
            "initialization, and so does one in a loop around the call; one in a function "
            "that is not on the way to the call does not. In `__init__`, `SvcRun` and "
            "`SvcDoRun` one counts wherever it stands, even after the call that leads to "
            "`MAPIInitialize` (not after a `MAPIInitialize` of the same method). Importing "
            "`pythoncom` initializes COM on the importing thread, which is not the service "
            "thread; it does not count. " + _CONTEXTS
        ),
    ),
    Rule(
        code="MPS106",
        name="missing-ole-initialize",
        message="the file initializes MAPI but never calls OleInitialize",
        short="MAPI initialized but OleInitialize never called",
        summary=(
            "Reports, at the first `MAPIInitialize` of a file, service code that "
            "initializes MAPI when no `OleInitialize` (`pythoncom.OleInitialize` or ctypes "
            "`ole32.OleInitialize`) is found: not in the file, not in the functions of any "
            "module of the project that reach its `MAPIInitialize` through calls, and not "
            "in the service files that hold one of those functions (before or after the "
            "`MAPIInitialize`, in any function of those files), nor in any function those "
            "call."
        ),
        rationale=(
            "Microsoft's service guidance: a MAPI client in a service initializes OLE "
            "(`OleInitialize`) as well as MAPI; message stores and forms use OLE structured "
            "storage and clipboard formats that need it."
        ),
        example=(
            "from win32com.mapi import mapi\n\n"
            "mapi.MAPIInitialize((mapi.MAPI_INIT_VERSION, mapi.MAPI_NT_SERVICE))\n"
            "try:\n"
            "    pass  # the service's work\n"
            "finally:\n"
            "    mapi.MAPIUninitialize()\n"
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
        references=(MS_SERVICES,),
        limits=(
            "An `OleInitialize` anywhere in the functions those functions or files call, "
            "in any module (`com.setup()` in `SvcDoRun`), counts, on whatever thread it "
            "runs and whether or not it comes first (MPS105 is the rule about order). "
            "With `--mapi-single-file` only the file itself and the functions it calls in "
            "it are searched."
        ),
    ),
    Rule(
        code="MPS107",
        name="missing-uninitialize",
        message="the file calls MAPIInitialize but never MAPIUninitialize",
        short="MAPIInitialize never balanced by MAPIUninitialize",
        summary=(
            "Reports, at the first `MAPIInitialize` of a file, service code that "
            "initializes MAPI when no `MAPIUninitialize` is found: not in the file, not in "
            "the functions of any module of the project that reach its `MAPIInitialize` "
            "through calls, not in the service files that hold one of those functions, nor "
            "in any function those call. A `MAPIUninitialize` passed as a value (`atexit.register(mapi.MAPIUninitialize)`) "
            "counts."
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
        limits=(
            "A `MAPIUninitialize` anywhere in the functions those functions or files call, "
            "in any module (`cleanup.shutdown()` at the end of `SvcDoRun`), counts, on "
            "whatever path or thread it runs. With `--mapi-single-file` only the file "
            "itself and the functions it calls in it are searched."
        ),
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
            "Only named constants are attributed; a bare number is not. A constant bound "
            "to the documented name and value counts as that constant, whether the module "
            "binds it itself (`MAPI_LOGON_UI = 0x1` in ctypes code) or a module of the "
            "project does (`consts.MAPI_LOGON_UI`, `from consts import MAPI_LOGON_UI as "
            "UI`); the same value under another name where it is defined (`UI = 0x1`) "
            "does not. With `--mapi-single-file` a name of another module that is a "
            "documented constant's is taken as that constant. " + _CONTEXTS
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
