"""User interface in a service: MPS201-MPS205.

A service has no interactive desktop: a dialog it opens is never seen and the
call blocks forever.  These rules find MAPI calls whose flags ask for UI
(MPS201, MPS202), MAPI calls that always show UI (MPS203), stores and address
books opened without their no-dialog flag (MPS204), and the usual non-MAPI UI
toolkits (MPS205).  All codes are service-only: the engine drops them outside
service code.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Dict, FrozenSet, List, Optional, Set, Tuple

import libcst as cst

from ..analysis.apis import (
    AB_NO_DIALOG,
    CONSTANTS,
    LOGON_UI_FLAGS,
    MAPI_DIALOG,
    MAPI_DIALOG_MODELESS,
    MAPI_LOGON,
    MAPI_LOGON_EX,
    MB_SERVICE_NOTIFICATION,
    MDB_NO_DIALOG,
)
from ..analysis.context import Analysis
from ..analysis.flags import Bits
from ..analysis.model import CallSite, ClassInfo
from .base import Rule, call_name, report_words

SERVICE_UI_BITS: Tuple[Tuple[str, int], ...] = tuple(
    (name, CONSTANTS[name][0])
    for name in ("SERVICE_UI_ALWAYS", "MSG_SERVICE_UI_READ_ONLY", "SERVICE_UI_ALLOWED")
)

LOGONS = frozenset({MAPI_LOGON_EX, MAPI_LOGON})
#: Simple MAPI calls whose flags (4th argument) may carry MAPI_DIALOG
SIMPLE_DIALOG_CALLS = frozenset({"mapi.MAPISendMail", "mapi.MAPISendMailW", "mapi.MAPIResolveName"})
#: IMsgServiceAdmin methods -> position of their flags in pywin32's signature
SERVICE_ADMIN_FLAGS: Dict[str, int] = {
    "mapiobj.ConfigureMsgService": 2,  # (iid, ulUIParam, ulFlags, props)
    "mapiobj.CreateMsgService": 3,  # (service, displayName, ulUIParam, ulFlags)
    "mapiobj.CreateMsgServiceEx": 3,  # (service, displayName, ulUIParam, ulFlags, ...)
}
# IAddrBook::ResolveName(uiParam, flags, title, adrlist) takes MAPI_DIALOG too
ALWAYS_UI_SIMPLE = frozenset({"mapi.MAPIAddress", "mapi.MAPIDetails", "mapi.MAPISendDocuments"})
#: MAPI object methods that always show UI -> the receiver they need
ALWAYS_UI_METHODS: Dict[str, str] = {
    "mapiobj.Address": "addrbook",
    "mapiobj.Details": "addrbook",
    "mapiobj.ShowForm": "session",
}
# session.OpenMsgStore(uiParam, entryId, iid, flags), session.OpenAddressBook(uiParam, iid, flags)


class LogonUI(Rule):
    """MPS201: MAPILogonEx / Simple MAPI MAPILogon with a logon-UI flag definitely set."""

    codes = ("MPS201",)
    calls = LOGONS

    def check(self, site: CallSite, an: Analysis) -> None:
        if site.key is None:
            return
        contexts = an.arguments.logon_flag_contexts(site)  # the 4th argument for both calls
        report_words(
            an,
            site,
            "MPS201",
            contexts,
            lambda bits: [name for name, bit in LOGON_UI_FLAGS if bits.has(bit)],
            "flags",
            call=call_name(site.key),
        )


class CallUIFlags(Rule):
    """MPS202: a UI flag on another MAPI call."""

    codes = ("MPS202",)
    calls = SIMPLE_DIALOG_CALLS

    def check(self, site: CallSite, an: Analysis) -> None:
        if site.key is None:
            return
        contexts = an.arguments.flags_arg_contexts(site, 3)
        report_words(an, site, "MPS202", contexts, _dialog_names, "flags", call=call_name(site.key))

    def finish(self, an: Analysis) -> None:
        methods = [k[len("mapiobj.") :] for k in SERVICE_ADMIN_FLAGS] + ["ResolveName"]
        for site, method, tag in an.mapi_method_calls(methods):
            key = "mapiobj." + method
            if method == "ResolveName":
                if tag != "addrbook":
                    continue
                contexts = an.arguments.flags_arg_contexts(site, 1)
                report_words(
                    an, site, "MPS202", contexts, _dialog_names, "flags", call=call_name(key)
                )
            else:
                contexts = an.arguments.flags_arg_contexts(site, SERVICE_ADMIN_FLAGS[key])
                report_words(
                    an, site, "MPS202", contexts, _service_ui_names, "flags", call=call_name(key)
                )


def _service_ui_names(flags: Bits) -> List[str]:
    return [name for name, bit in SERVICE_UI_BITS if flags.has(bit)]


def _dialog_names(flags: Bits) -> List[str]:
    if flags.has(MAPI_DIALOG_MODELESS):
        return ["MAPI_DIALOG_MODELESS"]
    if flags.has(MAPI_DIALOG):
        return ["MAPI_DIALOG"]
    return []


class AlwaysUI(Rule):
    """MPS203: MAPI calls that always show UI."""

    codes = ("MPS203",)
    calls = ALWAYS_UI_SIMPLE

    def check(self, site: CallSite, an: Analysis) -> None:
        if site.key is not None:
            an.report(site, "MPS203", call=call_name(site.key))

    def finish(self, an: Analysis) -> None:
        methods = [k[len("mapiobj.") :] for k in ALWAYS_UI_METHODS]
        for site, method, tag in an.mapi_method_calls(methods):
            key = "mapiobj." + method
            if tag == ALWAYS_UI_METHODS[key]:
                an.report(site, "MPS203", call=call_name(key))


class OpenWithoutNoDialog(Rule):
    """MPS204: OpenMsgStore without MDB_NO_DIALOG, OpenAddressBook without AB_NO_DIALOG."""

    codes = ("MPS204",)

    def finish(self, an: Analysis) -> None:
        for site, method, _ in an.mapi_method_calls(("OpenMsgStore", "OpenAddressBook")):
            if method == "OpenMsgStore":
                contexts = an.arguments.flags_arg_contexts(site, 3)
                an.report_contexts(
                    site,
                    "MPS204",
                    contexts,
                    lambda b: b.lacks(MDB_NO_DIALOG),
                    call="OpenMsgStore",
                    flag="MDB_NO_DIALOG",
                )
            else:
                contexts = an.arguments.flags_arg_contexts(site, 2)
                an.report_contexts(
                    site,
                    "MPS204",
                    contexts,
                    lambda b: b.lacks(AB_NO_DIALOG),
                    call="OpenAddressBook",
                    flag="AB_NO_DIALOG",
                )


# -- MPS205: non-MAPI user interface ------------------------------------------------------

#: MessageBox bindings -> position of the style argument
MESSAGE_BOXES: Dict[str, int] = {
    "win32api.MessageBox": 3,
    "win32gui.MessageBox": 3,
    "win32ui.MessageBox": 2,
    "user32.MessageBoxA": 3,
    "user32.MessageBoxW": 3,
    "user32.MessageBoxExA": 3,
    "user32.MessageBoxExW": 3,
}

QT_PACKAGES = ("PyQt5", "PyQt6", "PySide2", "PySide6")
#: Qt widgets classes that are (or open) a window, and their static dialog functions
QT_CLASSES: Dict[str, FrozenSet[str]] = {
    "QApplication": frozenset(),
    "QDialog": frozenset(),
    "QMessageBox": frozenset(
        {"information", "question", "warning", "critical", "about", "aboutQt"}
    ),
    "QFileDialog": frozenset(
        {
            "getOpenFileName",
            "getOpenFileNames",
            "getSaveFileName",
            "getExistingDirectory",
            "getOpenFileUrl",
            "getOpenFileUrls",
            "getSaveFileUrl",
            "getExistingDirectoryUrl",
        }
    ),
    "QInputDialog": frozenset({"getText", "getMultiLineText", "getInt", "getDouble", "getItem"}),
    "QColorDialog": frozenset({"getColor"}),
    "QFontDialog": frozenset({"getFont"}),
    "QProgressDialog": frozenset(),
    "QErrorMessage": frozenset(),
    "QWizard": frozenset(),
}

UI_EXACT: FrozenSet[str] = frozenset(
    {
        "builtins.input",
        "getpass.getpass",
        # win32ui (Pythonwin) dialogs
        "win32ui.CreateDialog",
        "win32ui.CreateDialogIndirect",
        "win32ui.CreateFileDialog",
        "win32ui.CreateFontDialog",
        "win32ui.CreateColorDialog",
        "win32ui.CreatePrintDialog",
        "win32ui.CreatePropertySheet",
        "win32ui.CreatePropertyPage",
        "win32ui.CreatePropertyPageIndirect",
        "pywin.mfc.dialog.Dialog",
        "pywin.mfc.dialog.PrintDialog",
        "pywin.mfc.dialog.PropertyPage",
        "pywin.mfc.dialog.PropertySheet",
        "pywin.mfc.dialog.GetSimpleInput",
        # tkinter
        "tkinter.Tk",
        "tkinter.tix.Tk",
        "Tkinter.Tk",
        # wxPython
        "wx.App",
        "wx.PySimpleApp",
        "wx.MessageBox",
    }
    | {f"{pkg}.QtWidgets.{cls}" for pkg in QT_PACKAGES for cls in QT_CLASSES}
    | {
        f"{pkg}.QtWidgets.{cls}.{fn}"
        for pkg in QT_PACKAGES
        for cls, fns in QT_CLASSES.items()
        for fn in fns
    }
)

#: every call of these modules opens a dialog
UI_MODULES: Tuple[str, ...] = (
    "tkinter.messagebox.",
    "tkinter.simpledialog.",
    "tkinter.filedialog.",
    "tkinter.colorchooser.",
    "tkMessageBox.",
    "tkSimpleDialog.",
    "tkFileDialog.",
    "tkColorChooser.",
)

#: classes whose same-module subclasses are UI when instantiated
UI_CLASSES: FrozenSet[str] = frozenset(
    {
        "tkinter.Tk",
        "Tkinter.Tk",
        "wx.App",
        "pywin.mfc.dialog.Dialog",
        "pywin.mfc.dialog.PropertySheet",
    }
    | {f"{pkg}.QtWidgets.{cls}" for pkg in QT_PACKAGES for cls in QT_CLASSES}
)


@lru_cache(maxsize=2048)
def _is_ui_key(key: str) -> bool:
    if key in UI_EXACT:
        return True
    if key.startswith(UI_MODULES):
        return True
    if key.startswith(("win32gui.", "user32.")):
        name = key.split(".", 1)[1]
        return name.startswith(("DialogBox", "CreateDialog"))
    return False


class NonMapiUI(Rule):
    """MPS205: MessageBox without MB_SERVICE_NOTIFICATION, dialogs, GUI toolkits, console input."""

    codes = ("MPS205",)
    calls = frozenset(MESSAGE_BOXES)

    def check(self, site: CallSite, an: Analysis) -> None:
        key = site.key
        if key is None:
            return
        contexts = an.arguments.flags_arg_contexts(site, MESSAGE_BOXES[key])
        an.report_contexts(
            site,
            "MPS205",
            contexts,
            lambda b: b.lacks(MB_SERVICE_NOTIFICATION),
            call=f"{key} without MB_SERVICE_NOTIFICATION",
        )

    def finish(self, an: Analysis) -> None:
        extra = frozenset(an.settings.extra_ui_calls)
        for key in an.keys:
            if key in MESSAGE_BOXES:
                continue
            if _is_ui_key(key) or key in extra:
                for site in an.sites(key):
                    an.report(site, "MPS205", call=call_name(key))
        if extra:
            # a function or method of this module: by its qualified name, bare or
            # behind the module's name (``alerts.popup`` in alerts.py)
            stem = os.path.splitext(os.path.basename(an.filename or ""))[0]
            for site in an.model.calls:
                target = site.target
                if site.flavour != "local" or target is None:
                    continue
                if target.qualname in extra or f"{stem}.{target.qualname}" in extra:
                    an.report(site, "MPS205", call=target.qualname)
        _subclass_instances(an)


def _subclass_instances(an: Analysis) -> None:
    """Instances of same-module subclasses of UI classes (``class App(wx.App)``)."""
    resolver = an.resolver
    ui: Dict[str, ClassInfo] = {}
    for cls in an.model.classes:
        if cls.bases and resolver.derives_from(cls, UI_CLASSES):
            ui[cls.name] = cls
    if not ui:
        return
    wanted: Set[str] = {"cls:" + c.scope.qualname for c in ui.values()}
    for site in an.model.calls:
        func = site.node.func
        name: Optional[str] = None
        if isinstance(func, cst.Name):
            name = func.value
        elif isinstance(func, cst.Attribute):
            name = func.attr.value
        if name is None or name not in ui:
            continue
        ref = resolver.ref(func, site.scope)
        if ref in wanted:
            an.report(site, "MPS205", call=f"{name} (a {_ui_base(an, ui[name])} subclass)")


def _ui_base(an: Analysis, cls: ClassInfo) -> str:
    resolver = an.resolver
    for c in resolver.class_lineage(cls):
        for base in c.bases:
            ref = resolver.ref(base, c.outer)
            if ref in UI_CLASSES:
                return str(ref)
    return "UI class"
