"""Catalogue entries for user interface (MPS201-MPS205) and sending/automation (MPS301-MPS303)."""

from __future__ import annotations

from typing import List

from .rule import _CONTEXTS, MS_LOGONEX, MS_SERVICES, Rule

MS_INTERACTIVE = (
    "Microsoft, *Interactive Services* (Session 0 isolation), "
    "https://learn.microsoft.com/windows/win32/services/interactive-services"
)
MS_MESSAGEBOX = (
    "Microsoft, *MessageBox function* (MB_SERVICE_NOTIFICATION), "
    "https://learn.microsoft.com/windows/win32/api/winuser/nf-winuser-messagebox"
)
MS_SIMPLE_MAPI = (
    "Microsoft, *Simple MAPI*, "
    "https://learn.microsoft.com/office/client-developer/outlook/mapi/simple-mapi"
)
MS_SENDMAIL = (
    "Microsoft, *MAPISendMail function*, "
    "https://learn.microsoft.com/windows/win32/api/mapi/nc-mapi-mapisendmail"
)
MS_CONFIGURE = (
    "Microsoft, *IMsgServiceAdmin::ConfigureMsgService*, "
    "https://learn.microsoft.com/office/client-developer/outlook/mapi/imsgserviceadmin-configuremsgservice"
)
MS_CREATE_SERVICE = (
    "Microsoft, *IMsgServiceAdmin::CreateMsgService*, "
    "https://learn.microsoft.com/office/client-developer/outlook/mapi/imsgserviceadmin-createmsgservice"
)
MS_OPEN_STORE = (
    "Microsoft, *IMAPISession::OpenMsgStore*, "
    "https://learn.microsoft.com/office/client-developer/outlook/mapi/imapisession-openmsgstore"
)
MS_OPEN_AB = (
    "Microsoft, *IMAPISession::OpenAddressBook*, "
    "https://learn.microsoft.com/office/client-developer/outlook/mapi/imapisession-openaddressbook"
)
MS_KB237913 = (
    "Microsoft KB 237913, *The Outlook object model is unsupported in a Windows service*, "
    "https://support.microsoft.com/kb/237913"
)
MS_OFFICE_SERVER = (
    "Microsoft KB 257757, *Considerations for server-side Automation of Office*, "
    "https://support.microsoft.com/kb/257757"
)

#: what the analysis traces to MAPI (the receivers of MPS202-MPS204)
_NOT_TRACED = (
    "Not traced: a MAPI object held in a module-level name of another module "
    "(`mailer.SESSION`), the value a method returns (`Mailer().session()`), a `self.x` "
    "set in a class of another module (a base class or a subclass), an attribute of "
    "another object (`self.mailer.session`), and an object passed to a thread "
    "(`threading.Thread(args=...)`)."
)

_SERVICE_CLASS = (
    "import win32serviceutil\n"
    "from win32com.mapi import mapi\n\n\n"
    "class MailService(win32serviceutil.ServiceFramework):\n"
    '    _svc_name_ = "MailService"\n\n'
    "    def SvcDoRun(self):\n"
)

RULES: List[Rule] = [
    Rule(
        code="MPS201",
        name="logon-ui",
        message="{call} with {flags} can show a logon dialog (service code)",
        short="a logon with MAPI_LOGON_UI, MAPI_PASSWORD_UI or MAPI_SERVICE_UI_ALWAYS",
        summary=(
            "Finds a logon that can show user interface: `MAPILogonEx` (pywin32 or ctypes) "
            "or Simple MAPI `MAPILogon` (ctypes `mapi32`/`olmapi32`) whose flags (the 4th "
            "argument) definitely set `MAPI_LOGON_UI`, `MAPI_PASSWORD_UI` or "
            "`MAPI_SERVICE_UI_ALWAYS`, in service code. Flags are evaluated like the core "
            "rules do (constants, those of other modules of the project too, module and "
            "local names, `|=`, parameters in each calling context across the project); "
            "only bits set on every path count."
        ),
        rationale=(
            "Microsoft: a MAPI client running as a Windows service must not display any "
            "user interface. A service runs in session 0 with no interactive desktop: "
            "the logon dialog is never seen, and the logon blocks until the service is "
            "killed. A service logs on to an explicit profile with `MAPI_NT_SERVICE | "
            "MAPI_NO_MAIL` and no UI flag."
        ),
        example=(
            "from win32com.mapi import mapi\n\n"
            "session = mapi.MAPILogonEx(\n"
            '    0, "Service", None, mapi.MAPI_NT_SERVICE | mapi.MAPI_NO_MAIL | mapi.MAPI_LOGON_UI\n'
            ")\n"
        ),
        fix=(
            "from win32com.mapi import mapi\n\n"
            "session = mapi.MAPILogonEx(\n"
            '    0, "Service", None, mapi.MAPI_NT_SERVICE | mapi.MAPI_NO_MAIL | mapi.MAPI_EXPLICIT_PROFILE\n'
            ")\n"
        ),
        service_only=True,
        references=(MS_SERVICES, MS_LOGONEX, MS_INTERACTIVE),
        options="`--mapi-service`, `--mapi-service-paths` decide what is service code.",
        limits=(
            "A UI flag set on some paths only (`if debug: flags |= mapi.MAPI_LOGON_UI`) or "
            "flags the analysis cannot evaluate are not reported (MPS109 lists the "
            "`MAPILogonEx` calls whose flags are undetermined). A call to a module of your "
            "own that happens to be named `mapi` is not MAPI. " + _CONTEXTS
        ),
        fixable=True,
    ),
    Rule(
        code="MPS202",
        name="call-ui-flag",
        message="{call} with {flags} can show a dialog (service code)",
        short="a UI flag on a MAPI call other than the logon",
        summary=(
            "Finds a UI flag definitely set on a MAPI call other than the logon, in service "
            "code: `MAPI_DIALOG` or `MAPI_DIALOG_MODELESS` in the flags (4th argument) of "
            "Simple MAPI `MAPISendMail`, `MAPISendMailW` or `MAPIResolveName`; "
            "`SERVICE_UI_ALWAYS`, `SERVICE_UI_ALLOWED` or `MSG_SERVICE_UI_READ_ONLY` in the "
            "flags of `IMsgServiceAdmin.ConfigureMsgService` (pywin32's 3rd argument) or "
            "`CreateMsgService` / `CreateMsgServiceEx` (4th argument). It also reports "
            "`MAPI_DIALOG` on `IAddrBook.ResolveName` (2nd argument) of an address book "
            "obtained from `OpenAddressBook`, the Extended MAPI twin of `MAPIResolveName`."
        ),
        rationale=(
            "Microsoft: a service may show no user interface. These flags ask MAPI to show "
            "the send-note form, the name-resolution dialog or the message service's "
            "property sheet; in session 0 nobody can see or close them, and the call "
            "blocks."
        ),
        example=(
            "from win32com.mapi import mapi\n\n"
            "session = mapi.MAPILogonEx(\n"
            '    0, "Service", None, mapi.MAPI_NT_SERVICE | mapi.MAPI_NO_MAIL | mapi.MAPI_EXTENDED\n'
            ")\n"
            "admin = session.AdminServices(0)\n"
            'admin.CreateMsgService("MSEMS", None, 0, mapi.SERVICE_UI_ALWAYS)\n'
        ),
        fix=(
            "from win32com.mapi import mapi\n\n"
            "session = mapi.MAPILogonEx(\n"
            '    0, "Service", None, mapi.MAPI_NT_SERVICE | mapi.MAPI_NO_MAIL | mapi.MAPI_EXTENDED\n'
            ")\n"
            "admin = session.AdminServices(0)\n"
            'admin.CreateMsgService("MSEMS", None, 0, 0)\n'
        ),
        service_only=True,
        references=(MS_SERVICES, MS_SENDMAIL, MS_CONFIGURE, MS_CREATE_SERVICE),
        limits=(
            "Service-administration methods are recognised only on objects the analysis "
            "traces to MAPI (`session.AdminServices`, `MAPIAdminProfiles().AdminServices`, "
            "through locals, `self.x`, values returned by functions of any module of the "
            "project, and parameters whose callers in the project all pass such an "
            "object). " + _NOT_TRACED + " `MAPI_LOGON_UI` on `MAPISendMail` is not "
            "reported here (MPS301 reports every Simple MAPI call in a service). Flags set "
            "on some paths only are not reported. " + _CONTEXTS
        ),
        fixable=True,
    ),
    Rule(
        code="MPS203",
        name="call-always-shows-ui",
        message="{call} always shows user interface (service code)",
        short="a MAPI call that always shows user interface",
        summary=(
            "Finds MAPI calls that always show user interface, in service code: Simple "
            "MAPI `MAPIAddress`, `MAPIDetails` and `MAPISendDocuments`; `.Address(...)` "
            "and `.Details(...)` on an address book obtained from `OpenAddressBook`; "
            "`.ShowForm(...)` on a session obtained from `MAPILogonEx`. The receiver is "
            "traced through local names, `self.x` attributes and values returned by "
            "functions of any module of the project, and through a parameter when every "
            "caller of its function in the project passes such an object."
        ),
        rationale=(
            "Microsoft: a service may show no user interface. These functions exist to "
            "display the address book, a recipient's details or a message form; in a "
            "service nobody can see them and the call never returns."
        ),
        example=(
            "from win32com.mapi import mapi\n\n"
            "session = mapi.MAPILogonEx(\n"
            '    0, "Service", None, mapi.MAPI_NT_SERVICE | mapi.MAPI_NO_MAIL | mapi.MAPI_EXTENDED\n'
            ")\n"
            "book = session.OpenAddressBook(0, None, mapi.AB_NO_DIALOG)\n"
            "book.Details(0, None, None, None)\n"
        ),
        fix=(
            "from win32com.mapi import mapi\n\n"
            "session = mapi.MAPILogonEx(\n"
            '    0, "Service", None, mapi.MAPI_NT_SERVICE | mapi.MAPI_NO_MAIL | mapi.MAPI_EXTENDED\n'
            ")\n"
            "book = session.OpenAddressBook(0, None, mapi.AB_NO_DIALOG)\n"
            "entry = book.OpenEntry(None, None, 0)  # read the properties instead\n"
        ),
        service_only=True,
        references=(MS_SERVICES,),
        limits=(
            "`.Address()` / `.Details()` / `.ShowForm()` on an object the analysis cannot "
            "trace to `OpenAddressBook` / `MAPILogonEx` (a parameter of a function that is "
            "passed around as a callback or whose callers disagree) are not reported: the "
            "names are too common (an Excel cell has an `Address`). " + _NOT_TRACED
        ),
    ),
    Rule(
        code="MPS204",
        name="open-without-no-dialog",
        message="{call} without {flag} can show a dialog (service code)",
        short="a message store or address book opened without its no-dialog flag",
        summary=(
            "Finds `session.OpenMsgStore(uiParam, entryId, iid, flags)` whose flags "
            "definitely lack `MDB_NO_DIALOG`, and `session.OpenAddressBook(uiParam, iid, "
            "flags)` whose flags definitely lack `AB_NO_DIALOG`, in service code (omitted "
            "flags are 0). The session must be traceable to MAPI: a local, a `self.x` "
            "attribute, the return value of a function of any module of the project, or a "
            "parameter that every caller in the project passes a session for."
        ),
        rationale=(
            "Without `MDB_NO_DIALOG` / `AB_NO_DIALOG`, a store or address-book provider "
            "that needs credentials or configuration displays a dialog. In a service that "
            "dialog is invisible and the open blocks; with the flag, MAPI returns an error "
            "the service can log."
        ),
        example=(
            "from win32com.mapi import mapi\n\n"
            "session = mapi.MAPILogonEx(\n"
            '    0, "Service", None, mapi.MAPI_NT_SERVICE | mapi.MAPI_NO_MAIL | mapi.MAPI_EXTENDED\n'
            ")\n"
            "store = session.OpenMsgStore(0, None, None, mapi.MDB_WRITE | mapi.MAPI_BEST_ACCESS)\n"
        ),
        fix=(
            "from win32com.mapi import mapi\n\n"
            "session = mapi.MAPILogonEx(\n"
            '    0, "Service", None, mapi.MAPI_NT_SERVICE | mapi.MAPI_NO_MAIL | mapi.MAPI_EXTENDED\n'
            ")\n"
            "store = session.OpenMsgStore(\n"
            "    0, None, None, mapi.MDB_WRITE | mapi.MAPI_BEST_ACCESS | mapi.MDB_NO_DIALOG\n"
            ")\n"
        ),
        service_only=True,
        references=(MS_SERVICES, MS_OPEN_STORE, MS_OPEN_AB),
        limits=(
            "`MDB_NO_DIALOG` and `AB_NO_DIALOG` share the value 0x1 with `MAPI_MODIFY`; "
            "the rule checks the bit, so flags that contain 0x1 under any name are not "
            "reported. Flags set on some paths only, or unknown, are not reported. "
            + _NOT_TRACED
            + " "
            + _CONTEXTS
        ),
        fixable=True,
    ),
    Rule(
        code="MPS205",
        name="non-mapi-ui",
        message="{call} shows user interface (service code)",
        short="user interface that is not MAPI's (MessageBox, dialogs, GUI toolkits, input)",
        summary=(
            "Finds user interface that is not MAPI's, in service code: `MessageBox` "
            "(`win32api`, `win32gui`, `win32ui`, ctypes `user32.MessageBoxA/W/ExA/ExW`) "
            "unless its style definitely has `MB_SERVICE_NOTIFICATION`; win32ui (Pythonwin) "
            "dialogs (`win32ui.CreateDialog*`, `CreateFileDialog`, `CreateFontDialog`, "
            "`CreateColorDialog`, `CreatePrintDialog`, `CreatePropertySheet/Page*`, and "
            "`pywin.mfc.dialog`'s classes and `GetSimpleInput`); `win32gui.DialogBox*` / "
            "`CreateDialog*` (and the ctypes `user32` functions of those names); tkinter "
            "(`Tk()`, any call of `tkinter.messagebox`, `simpledialog`, `filedialog`, "
            "`colorchooser`); wxPython (`wx.App`, `wx.PySimpleApp`, `wx.MessageBox`); Qt "
            "(`QApplication`, `QMessageBox` and its static functions, `QDialog` and the "
            "standard dialogs derived from it: `QFileDialog`, `QInputDialog`, "
            "`QColorDialog`, `QFontDialog`, `QProgressDialog`, `QErrorMessage`, `QWizard`, "
            "in `PyQt5`, `PyQt6`, `PySide2`, `PySide6`); `input()` and `getpass.getpass()`. "
            "An instance of a subclass of one of those classes defined in the same module "
            "(`class App(wx.App)`) counts too, as do your own wrappers named in "
            "`--mapi-extra-ui-calls`."
        ),
        rationale=(
            "Since Windows Vista services run in session 0, which has no interactive user "
            "(Session 0 isolation): a window or message box a service opens is never seen, "
            "and a modal one blocks the calling thread forever; `input()` reads from a "
            "console a service does not have. Microsoft's service guidance for MAPI clients "
            "is the same: no user interface. To tell a user something, log to the event "
            "log (`servicemanager.LogMsg`), or use `MessageBox` with "
            "`MB_SERVICE_NOTIFICATION` or `WTSSendMessage`."
        ),
        example=(
            "import win32api\n"
            "import win32con\n\n"
            'win32api.MessageBox(0, "Mailbox full", "MailService", win32con.MB_OK)\n'
        ),
        fix=(
            "import win32api\n"
            "import win32con\n\n"
            "win32api.MessageBox(\n"
            '    0, "Mailbox full", "MailService", win32con.MB_OK | win32con.MB_SERVICE_NOTIFICATION\n'
            ")\n"
        ),
        service_only=True,
        references=(MS_SERVICES, MS_INTERACTIVE, MS_MESSAGEBOX),
        options=(
            "`--mapi-extra-ui-calls=QUALNAME,...` adds your own calls that show UI: a "
            "name is matched against the call's qualified name as resolved through "
            "imports (`mycompany.ui.alert` for `from mycompany.ui import alert; alert()`), "
            "or against the qualified name of a function or method of the same module, "
            "bare or behind the file's module name (`alert`, `Notifier.alert`, "
            "`notify.Notifier.alert` in `notify.py`). A function of another module of the "
            "project is named as it is imported (`gui.notify`), like a library's. A method "
            "called on an instance (`Notifier().alert()`) is not matched."
        ),
        limits=(
            "A `MessageBox` whose style cannot be evaluated is not reported. The rule does "
            "not know which code paths of a service file run in the service: a prompt in "
            "an install-time helper of the same file is reported (silence it with "
            "`# noqa: MPS205`). In another module of the project only the functions that "
            "service code calls (and its module-level code, when service code imports it) "
            "are checked, and the finding is reported there. A toolkit name, a ctypes "
            "`user32` object or a subclass of a toolkit class that another module of your "
            "own binds (`from gui import tk`, `from dlls import user32`, `from gui import "
            "App`), and window classes of other libraries, are not known. " + _CONTEXTS
        ),
    ),
    Rule(
        code="MPS301",
        name="simple-mapi-in-service",
        message="Simple MAPI {call} in a service depends on the spooler and the interactive user's profile",
        short="Simple MAPI, which needs the spooler and an interactive user's profile",
        summary=(
            "Finds Simple MAPI calls in service code: `MAPILogon`, `MAPISendMail`, "
            "`MAPISendMailW`, `MAPIResolveName`, `MAPIReadMail`, `MAPISaveMail`, "
            "`MAPIFindNext`, `MAPIDeleteMail`, reached through ctypes (`mapi32` or "
            "`olmapi32`)."
        ),
        rationale=(
            "Simple MAPI is meant for interactive mail-enabled applications: it uses the "
            "default profile of the logged-on user, the MAPI spooler and, often, the "
            "default mail client's UI. A service has no interactive user profile and, "
            "Microsoft says, may send only through a tightly coupled store and transport "
            "such as Exchange. Use Extended MAPI (`MAPILogonEx` with `MAPI_NT_SERVICE | "
            "MAPI_NO_MAIL` on an Exchange profile) or SMTP."
        ),
        example=(
            "import ctypes\n\n"
            'mapi32 = ctypes.WinDLL("mapi32.dll")\n'
            "mapi32.MAPISendMail(0, 0, None, 0, 0)\n"
        ),
        fix=(
            "import smtplib\n"
            "from email.message import EmailMessage\n\n"
            "msg = EmailMessage()\n"
            'with smtplib.SMTP("mail.example.com") as smtp:\n'
            "    smtp.send_message(msg)\n"
        ),
        service_only=True,
        references=(MS_SERVICES, MS_SIMPLE_MAPI),
        limits=(
            "Only calls through a ctypes DLL object for `mapi32`/`olmapi32` that the module "
            "creates itself are Simple MAPI: one imported from another module of the "
            "project (`from dlls import mapi32`, `dlls.mapi32`) is not recognised, nor is a "
            "function of your own with the same name. `MAPILogoff`, "
            "`MAPIFreeBuffer`, `MAPIAddress`, `MAPIDetails` and `MAPISendDocuments` are not "
            "reported here (the last three always show UI: MPS203)."
        ),
    ),
    Rule(
        code="MPS302",
        name="outlook-automation-in-service",
        message="{call}({progid!r}) automates {what} in a service, which Microsoft does not support",
        short="Outlook object model or CDO automation, which Microsoft does not support",
        summary=(
            "Finds Outlook object model or CDO 1.21 automation in service code: "
            "`win32com.client.Dispatch`, `DispatchEx`, `DispatchWithEvents`, "
            "`dynamic.Dispatch`, `gencache.EnsureDispatch`, `GetActiveObject`, `GetObject`, "
            'or comtypes `client.CreateObject` / `GetActiveObject`, of `"Outlook.Application"` '
            '(any `.N` version suffix) or `"MAPI.Session"`. ProgIDs compare '
            'case-insensitively, as COM does (`"outlook.application"`). The ProgID may be a '
            "literal, a name bound once to one, or a string constant of another module of the "
            "project; a ProgID the analysis cannot evaluate (a parameter, a function's result, "
            "an f-string with a variable) is not reported."
        ),
        rationale=(
            "Microsoft KB 237913: the Outlook object model (and CDO 1.21, which is built on "
            "the same client MAPI) is unsuitable for a Windows service: it needs an "
            "interactive profile, shows security prompts and dialogs, and is not reentrant. "
            "Automating Office applications from unattended server code is unsupported "
            "(KB 257757). Use Extended MAPI with `MAPI_NT_SERVICE`, Exchange Web Services "
            "or Microsoft Graph instead."
        ),
        example=(
            'import win32com.client\n\noutlook = win32com.client.Dispatch("Outlook.Application")\n'
        ),
        fix=(
            "from win32com.mapi import mapi\n\n"
            "session = mapi.MAPILogonEx(\n"
            '    0, "Service", None, mapi.MAPI_NT_SERVICE | mapi.MAPI_NO_MAIL | mapi.MAPI_EXTENDED\n'
            ")\n"
        ),
        service_only=True,
        references=(MS_KB237913, MS_OFFICE_SERVER, MS_SERVICES),
        limits=(
            "Other Office applications (`Excel.Application`, ...) are not reported: their "
            "server-side use is discouraged but not a MAPI matter. A ProgID built at run "
            "time, or given as a CLSID, is not recognised."
        ),
    ),
    Rule(
        code="MPS303",
        name="desktop-message-service",
        message=(
            "CreateMsgService adds {service!r} to the profile of a service that submits mail; "
            "only server-based message services ({servers}) can send from a service"
        ),
        short="a desktop (not server-based) message service in a profile that sends mail",
        summary=(
            "Reports `CreateMsgService` / `CreateMsgServiceEx` (on an `IMsgServiceAdmin` "
            "traced to MAPI) whose service name is a literal, or a name bound once to one, "
            "outside `--mapi-server-services` (default `MSEMS`, compared case-insensitively), "
            "in service code whose file also submits mail (`SubmitMessage`). It is "
            "reported at the `CreateMsgService` call."
        ),
        rationale=(
            "Microsoft: a service can send only through a tightly coupled message store and "
            "transport, such as Exchange. A PST store, Internet mail (SMTP/POP3) or another "
            "desktop transport added to the profile depends on the MAPI spooler, which runs "
            "only for an interactive user: submitted mail stays in the outbox, or the "
            "transport shows UI."
        ),
        example=(
            "from win32com.mapi import mapi\n\n"
            "session = mapi.MAPILogonEx(\n"
            '    0, "Service", None, mapi.MAPI_NT_SERVICE | mapi.MAPI_NO_MAIL | mapi.MAPI_EXTENDED\n'
            ")\n"
            "admin = session.AdminServices(0)\n"
            'admin.CreateMsgService("MSPST MS", "Archive", 0, 0)\n'
            "store = session.OpenMsgStore(0, None, None, mapi.MDB_NO_DIALOG | mapi.MDB_WRITE)\n"
            "message = store.OpenEntry(None, None, 0).CreateMessage(None, 0)\n"
            "message.SubmitMessage(0)\n"
        ),
        fix=(
            "from win32com.mapi import mapi\n\n"
            "session = mapi.MAPILogonEx(\n"
            '    0, "Service", None, mapi.MAPI_NT_SERVICE | mapi.MAPI_NO_MAIL | mapi.MAPI_EXTENDED\n'
            ")\n"
            "admin = session.AdminServices(0)\n"
            'admin.CreateMsgService("MSEMS", "Exchange", 0, 0)\n'
            "store = session.OpenMsgStore(0, None, None, mapi.MDB_NO_DIALOG | mapi.MDB_WRITE)\n"
            "message = store.OpenEntry(None, None, 0).CreateMessage(None, 0)\n"
            "message.SubmitMessage(0)\n"
        ),
        service_only=True,
        references=(MS_SERVICES, MS_CREATE_SERVICE),
        options=(
            "`--mapi-server-services=NAME,...` lists the server-based message services "
            "of your installation (default `MSEMS`). The list replaces the default: to add "
            "a third-party server connector, name `MSEMS` too "
            "(`--mapi-server-services=MSEMS,ACMECONNECT`)."
        ),
        limits=(
            "A service name computed at run time is not reported. `SubmitMessage` is "
            "looked for anywhere in the file of the `CreateMsgService` call, even in a "
            "function nothing calls (on any object whose origin is unknown, since the name "
            "is MAPI's own); a `SubmitMessage` in another module, even in the service "
            "module that calls the function adding the message service, does not count."
        ),
    ),
]
