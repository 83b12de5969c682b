"""The analysis layer in process: bindings, flag values and
service context, seen through the findings of MPS101-MPS103."""

from __future__ import annotations

import textwrap
from typing import Optional, Set, Tuple

import pytest

from flake8_mapi_service.runner import analyze
from flake8_mapi_service.settings import Settings

ALWAYS = Settings(service_mode="always")
AUTO = Settings()


def found(
    source: str, settings: Settings = ALWAYS, filename: str = "svc.py"
) -> Set[Tuple[int, str]]:
    text = textwrap.dedent(source)
    return {(r.line, r.code) for r in analyze(text.splitlines(True), filename, settings)}


#: the flag codes (MPS109 aside): the file-level MPS106/107 are left out
FLAG_CODES = {"MPS101", "MPS102", "MPS103", "MPS108"}


def codes(source: str, settings: Settings = ALWAYS, filename: str = "svc.py") -> Set[str]:
    """The flag codes reported anywhere in the file (file-level MPS106/107 left out)."""
    return {c for _, c in found(source, settings, filename)} & (FLAG_CODES | {"MPS109"})


# -- bindings: pywin32 -----------------------------------------------------------------------

PYWIN32_FORMS = {
    "from-package": ("from win32com.mapi import mapi", "mapi.MAPIInitialize"),
    "from-package-ext": ("from win32comext.mapi import mapi", "mapi.MAPIInitialize"),
    "module-alias": ("import win32com.mapi.mapi as m", "m.MAPIInitialize"),
    "module-alias-ext": ("import win32comext.mapi.mapi as m", "m.MAPIInitialize"),
    "qualified": ("import win32com.mapi.mapi", "win32com.mapi.mapi.MAPIInitialize"),
    "qualified-ext": ("import win32comext.mapi.mapi", "win32comext.mapi.mapi.MAPIInitialize"),
    "from-name": ("from win32com.mapi.mapi import MAPIInitialize", "MAPIInitialize"),
    "from-name-alias": ("from win32comext.mapi.mapi import MAPIInitialize as init", "init"),
    "star": ("from win32com.mapi.mapi import *", "MAPIInitialize"),
    "star-ext": ("from win32comext.mapi.mapi import *", "MAPIInitialize"),
    "optional": (
        "try:\n    from win32com.mapi import mapi\nexcept ImportError:\n    mapi = None",
        "mapi.MAPIInitialize",
    ),
    "function-alias": ("from win32com.mapi import mapi\ninit = mapi.MAPIInitialize", "init"),
}


@pytest.mark.parametrize("form", sorted(PYWIN32_FORMS))
def test_every_pywin32_import_form_reaches_mapi(form: str) -> None:
    imports, callee = PYWIN32_FORMS[form]
    source = f"{imports}\n\n\ndef run():\n    {callee}(None)\n"
    line = source.count("\n")
    assert (line, "MPS101") in found(source), source


# -- bindings: ctypes ----------------------------------------------------------------------------

CTYPES_FORMS = {
    "windll-attr": ("import ctypes\ndll = ctypes.windll.mapi32", "dll"),
    "windll-upper": ("from ctypes import windll\ndll = windll.MAPI32", "dll"),
    "windll-direct": ("import ctypes", "ctypes.windll.mapi32"),
    "oledll-attr": ("import ctypes\ndll = ctypes.oledll.olmapi32", "dll"),
    "WinDLL": ('import ctypes\ndll = ctypes.WinDLL("mapi32")', "dll"),
    "WinDLL-dll-upper": ('import ctypes\ndll = ctypes.WinDLL("OLMAPI32.DLL")', "dll"),
    "OleDLL": ('from ctypes import OleDLL\ndll = OleDLL("Mapi32.dll")', "dll"),
    "CDLL": ('import ctypes\ndll = ctypes.CDLL("olmapi32")', "dll"),
    "LoadLibrary": ('from ctypes import windll\ndll = windll.LoadLibrary("mapi32.dll")', "dll"),
    "LoadLibrary-path": (
        'import ctypes\ndll = ctypes.cdll.LoadLibrary(r"C:\\Office\\OLMAPI32.DLL")',
        "dll",
    ),
    "name-keyword": ('import ctypes\ndll = ctypes.WinDLL(name="mapi32")', "dll"),
    "path-join": (
        'import ctypes, os\ndll = ctypes.WinDLL(os.path.join(os.environ["X"], "olmapi32.dll"))',
        "dll",
    ),
    "name-variable": ('import ctypes\nNAME = "mapi32.dll"\ndll = ctypes.WinDLL(NAME)', "dll"),
    "star-windll": ("from ctypes import *\ndll = windll.mapi32", "dll"),
    "star-WinDLL": ('from ctypes import *\ndll = WinDLL("olmapi32.dll")', "dll"),
}


@pytest.mark.parametrize("form", sorted(CTYPES_FORMS))
@pytest.mark.parametrize(
    "how", ["attribute", "alias", "subscript", "getattr", "getattr-default", "getattr-alias"]
)
def test_every_ctypes_dll_form_reaches_mapi(form: str, how: str) -> None:
    setup, dll = CTYPES_FORMS[form]
    if how == "attribute":
        call = f"{dll}.MAPILogonEx(0, None, None, 0, None)"
    elif how == "alias":
        setup += f"\nlogon = {dll}.MAPILogonEx"
        call = "logon(0, None, None, 0, None)"
    elif how == "subscript":
        call = f'{dll}["MAPILogonEx"](0, None, None, 0, None)'
    elif how == "getattr":
        call = f'getattr({dll}, "MAPILogonEx")(0, None, None, 0, None)'
    elif how == "getattr-default":
        call = f'getattr({dll}, "MAPILogonEx", None)(0, None, None, 0, None)'
    else:
        setup += f'\nlogon = getattr({dll}, "MAPILogonEx", None)'
        call = "logon(0, None, None, 0, None)"
    source = f"{setup}\n\n\ndef run():\n    {call}\n"
    line = source.count("\n")
    assert found(source) == {(line, "MPS102"), (line, "MPS103")}, source


LOGON_BOTH = ("MPS102", "MPS103")

# (near miss, its positive twin: the same calls where the name *is* MAPI, what the twin reports)
NOT_MAPI = [
    # the user's own function named like MAPI
    (
        "def MAPILogonEx(a, b, c, d):\n    pass\n\nMAPILogonEx(0, '', None, 0)\n",
        "from win32com.mapi.mapi import MAPILogonEx\n\n\nMAPILogonEx(0, '', None, 0)\n",
        {(4, c) for c in LOGON_BOTH},
    ),
    # a method of the user's own class
    (
        "class Facade:\n    def MAPILogonEx(self, *a):\n        pass\n\n"
        "Facade().MAPILogonEx(0, '', None, 0)\n",
        "from win32com.mapi import mapi as Facade\n\n\n\nFacade.MAPILogonEx(0, '', None, 0)\n",
        {(5, c) for c in LOGON_BOTH},
    ),
    # an object nobody knows
    (
        "def run(client):\n    client.MAPILogonEx(0, '', None, 0)\n",
        "from win32com.mapi import mapi as client\ndef run():\n    client.MAPILogonEx(0, '', None, 0)\n",
        {(3, c) for c in LOGON_BOTH},
    ),
    # another DLL
    (
        "import ctypes\nctypes.windll.user32.MAPILogonEx(0, None, None, 0, None)\n",
        "import ctypes\nctypes.windll.mapi32.MAPILogonEx(0, None, None, 0, None)\n",
        {(2, c) for c in LOGON_BOTH},
    ),
    # an unknown DLL name
    (
        "import ctypes, sys\nctypes.WinDLL(sys.argv[1]).MAPILogonEx(0, None, None, 0, None)\n",
        "import ctypes, sys\nctypes.WinDLL('mapi32').MAPILogonEx(0, None, None, 0, None)\n",
        {(2, c) for c in LOGON_BOTH},
    ),
    # a name whose bindings disagree
    (
        "import other\nfrom win32com.mapi import mapi\n\n"
        "m = mapi if other.ok else other\nm.MAPILogonEx(0, '', None, 0)\n",
        "import other\nfrom win32com.mapi import mapi\n\nm = mapi\nm.MAPILogonEx(0, '', None, 0)\n",
        {(5, c) for c in LOGON_BOTH},
    ),
    # a same-named module that is not pywin32's
    (
        "import mymail.mapi as mapi\nmapi.MAPILogonEx(0, '', None, 0)\n",
        "import win32com.mapi.mapi as mapi\nmapi.MAPILogonEx(0, '', None, 0)\n",
        {(2, c) for c in LOGON_BOTH},
    ),
    # a top-level module of the user's own named like the API's keys
    (
        "import mapi\nmapi.MAPIInitialize(None)\nmapi.MAPILogonEx(0, '', None, 0)\n",
        "from win32com.mapi import mapi\nmapi.MAPIInitialize(None)\nmapi.MAPILogonEx(0, '', None, 0)\n",
        {(2, "MPS101"), (2, "MPS106"), (2, "MPS107")} | {(3, c) for c in LOGON_BOTH},
    ),
    (
        "import kernel32\nimport mapiobj\nkernel32.Sleep(1)\nmapiobj.Logoff(0, 0, 0)\n",
        # kernel32.dll's Sleep on the MAPI thread, a session's Logoff after MAPIUninitialize
        "import ctypes; from win32com.mapi import mapi; mapi.MAPIInitialize((0, 0x10000))\n"
        "kernel32 = ctypes.windll.kernel32; mapiobj = mapi.MAPILogonEx(0, '', None, 0x18000)\n"
        "kernel32.Sleep(1); mapi.MAPIUninitialize()\n"
        "mapiobj.Logoff(0, 0, 0)\n",
        {(1, "MPS106"), (3, "MPS401"), (4, "MPS104")},
    ),
    # pywin32's mapi module has no Simple MAPI (AttributeError, not mapi32.dll)
    (
        "from win32com.mapi import mapi\n"
        "mapi.MAPILogon(0, None, None, mapi.MAPI_LOGON_UI, 0)\n"
        "mapi.MAPISendMail(0, 0, None, mapi.MAPI_DIALOG, 0)\n",
        "from ctypes import windll; mapi = windll.mapi32\n"
        "mapi.MAPILogon(0, None, None, 1, 0)\n"
        "mapi.MAPISendMail(0, 0, None, 8, 0)\n",
        {(2, "MPS201"), (2, "MPS301"), (3, "MPS202"), (3, "MPS301")},
    ),
]


@pytest.mark.parametrize("source, twin, twin_finds", NOT_MAPI)
def test_what_is_not_mapi(source: str, twin: str, twin_finds: Set[Tuple[int, str]]) -> None:
    assert found(source) == set()
    # positive twin: the same calls through a name that is MAPI are reported, on their lines
    assert found(twin) == twin_finds, twin


def test_the_call_inside_a_users_wrapper_is_mapi() -> None:
    source = """\
        from win32com.mapi import mapi


        def MAPILogonEx(profile):
            return mapi.MAPILogonEx(0, profile, None, mapi.MAPI_NO_MAIL)


        MAPILogonEx("x")
    """
    assert found(source) == {(5, "MPS102")}


# -- flag values --------------------------------------------------------------------------------

PRELUDE = """\
from win32com.mapi import mapi
import win32con
from ctypes_consts import CONFIG

NT = mapi.MAPI_NT_SERVICE
BOTH = mapi.MAPI_NT_SERVICE | mapi.MAPI_NO_MAIL
"""

LOGON_CASES = [
    # (body lines before the call, flags expression, codes)
    ("", "0", {"MPS102", "MPS103"}),
    ("", "mapi.MAPI_NT_SERVICE | mapi.MAPI_NO_MAIL", set()),
    ("", "mapi.MAPI_NO_MAIL", {"MPS102"}),
    ("", "MAPI_NO_MAIL", {"MPS102"}),  # a bare documented name
    ("", "NT", {"MPS103"}),
    ("", "BOTH", set()),
    ("", "0x10000 | 0x8000", set()),
    ("", "0x10000 + 0x8000 + 0x20", set()),
    ("", "0o200000 | 0b1000000000000000", set()),
    ("", "(1 << 16) ^ (1 << 15)", set()),
    ("", "1 << 15", {"MPS102"}),
    ("", "BOTH & ~mapi.MAPI_NO_MAIL", {"MPS103"}),
    ("", "CONFIG.flags", set()),
    ("", "CONFIG.flags | BOTH", set()),
    ("", "CONFIG.flags & ~mapi.MAPI_NO_MAIL | NT", {"MPS103"}),
    ("", "-1", set()),
    # values are unbounded ints: bits shifted out and back are kept
    ("", "(0x18000 << 32) >> 32", set()),
    ("", "(BOTH << 40) >> 40", set()),
    ("", "((BOTH << 32) | 0x20) >> 32", set()),
    ("", "(NT << 32) >> 32", {"MPS103"}),
    ("", "(BOTH >> 16) << 16", {"MPS103"}),  # shifted out to the right: gone
    ("", "~0", set()),
    ("", "-1 & ~mapi.MAPI_NO_MAIL", {"MPS103"}),
    ("", "~mapi.MAPI_NT_SERVICE", {"MPS102"}),
    ("", "(1 << 32) | NT", {"MPS103"}),
    ("flags = BOTH << 32\nflags >>= 32", "flags", set()),
    ("", "win32con.MB_OK", {"MPS102", "MPS103"}),
    ("flags = NT", "flags", {"MPS103"}),
    ("flags = NT\nflags |= mapi.MAPI_NO_MAIL", "flags", set()),
    ("flags = NT\nflags += mapi.MAPI_NO_MAIL", "flags", set()),
    ("flags = BOTH\nflags &= ~mapi.MAPI_NT_SERVICE", "flags", {"MPS102"}),
    ("flags = NT\nif CONFIG.quiet:\n    flags |= mapi.MAPI_NO_MAIL", "flags", set()),
    ("flags = BOTH\nif CONFIG.debug:\n    flags &= ~mapi.MAPI_NO_MAIL", "flags", set()),
    ("flags = NT\nif CONFIG.a:\n    flags |= NT", "flags", {"MPS103"}),
    ("flags = NT if CONFIG.a else BOTH", "flags", set()),
    ("flags = NT if CONFIG.a else NT | mapi.MAPI_EXTENDED", "flags", {"MPS103"}),
    ("flags = CONFIG.flags", "flags", set()),
    ("flags = NT\nfor _ in range(3):\n    flags |= mapi.MAPI_NO_MAIL", "flags", set()),
    ("flags = NT\nCONFIG.update(flags)", "flags", {"MPS103"}),
]


@pytest.mark.parametrize("body, expr, want", LOGON_CASES)
def test_logon_flag_values(body: str, expr: str, want: Set[str]) -> None:
    lines = body.splitlines() + [f"return mapi.MAPILogonEx(0, '', None, {expr})"]
    source = PRELUDE + "\n\ndef run():\n" + "".join(f"    {line}\n" for line in lines)
    assert codes(source) - {"MPS109"} == want, source
    # and on the call's line (the cases that want nothing share this path with those that
    # want a code: a plugin that reported nothing would fail those)
    call = source.count("\n")
    assert {(ln, c) for ln, c in found(source) if c in FLAG_CODES} == {(call, c) for c in want}
    # each case's own positive twin: the same flags with MAPI_NO_MAIL masked out at the call
    # lack it for sure, whatever the other bits are
    twin = source.replace(f"None, {expr})", f"None, ({expr}) & ~mapi.MAPI_NO_MAIL)")
    assert twin != source
    assert (call, "MPS103") in found(twin), twin


def test_a_module_rebinding_a_documented_name_wins() -> None:
    source = PRELUDE + "MAPI_NO_MAIL = 0\n\n\ndef run():\n"
    source += "    mapi.MAPILogonEx(0, '', None, NT | MAPI_NO_MAIL)\n"
    assert codes(source) == {"MPS103"}


STAR_LOGON = (
    "\n\ndef run():\n    mapi.MAPILogonEx(0, '', None, mapi.MAPI_NT_SERVICE | MAPI_NO_MAIL)\n"
)


@pytest.mark.parametrize(
    "module, want",
    [
        # a later star import of the mapi module rebinds the name to its documented value
        ("MAPI_NO_MAIL = 0\nfrom win32com.mapi.mapi import *\n", set()),
        ("MAPI_NO_MAIL = 0\nfrom win32comext.mapi.mapi import *\n", set()),
        # a binding after the star import is the one in force
        ("from win32com.mapi.mapi import *\nMAPI_NO_MAIL = 0\n", {"MPS103"}),
        ("MAPI_NO_MAIL = 0\nfrom win32com.mapi.mapi import *\nMAPI_NO_MAIL = 0\n", {"MPS103"}),
        # a module the analysis knows that does not export the name leaves it alone
        ("MAPI_NO_MAIL = 0\nfrom tkinter import *\n", {"MPS103"}),
        # a module it does not know may rebind any name: unknown from there on
        ("MAPI_NO_MAIL = 0\nfrom cfg import *\n", set()),
        ("MAPI_NO_MAIL = 0\nfrom .cfg import *\n", set()),
        ("MAPI_NO_MAIL = 0\n", {"MPS103"}),
        ("from cfg import *\nMAPI_NO_MAIL = 0\n", {"MPS103"}),
    ],
)
def test_a_star_import_rebinds_the_names_it_exports(module: str, want: Set[str]) -> None:
    source = "from win32com.mapi import mapi\n\n" + module + STAR_LOGON
    assert codes(source) - {"MPS109"} == want, source


def test_a_star_import_rebinds_at_module_level_and_keeps_aliases_taken_before() -> None:
    source = (
        "from win32com.mapi import mapi\n"
        "MAPI_NO_MAIL = 0\n"
        "QUIET = MAPI_NO_MAIL\n"
        "from win32com.mapi.mapi import *\n"
        "mapi.MAPILogonEx(0, '', None, MAPI_NT_SERVICE | MAPI_NO_MAIL)\n"
        "mapi.MAPILogonEx(0, '', None, MAPI_NT_SERVICE | QUIET)\n"
    )
    assert found(source) == {(6, "MPS103")}


def test_an_unknown_star_import_keeps_imports_and_private_names() -> None:
    source = (
        "from win32com.mapi import mapi\n"
        "_QUIET = mapi.MAPI_NT_SERVICE\n"
        "LOUD = mapi.MAPI_NT_SERVICE\n"
        "from cfg import *\n"
        "mapi.MAPILogonEx(0, '', None, _QUIET)\n"
        "mapi.MAPILogonEx(0, '', None, LOUD)\n"
        "mapi.MAPILogonEx(0, '', None, mapi.MAPI_NT_SERVICE)\n"
    )
    assert found(source) - {(6, "MPS109")} == {(5, "MPS103"), (7, "MPS103")}


def test_a_name_bound_and_star_imported_is_not_resolved_to_either() -> None:
    import libcst as cst

    from flake8_mapi_service.analysis.bindings import Resolver
    from flake8_mapi_service.analysis.model import build_model

    def ref(source: str) -> Optional[str]:
        model = build_model(cst.parse_module(source))
        return Resolver(model).name_ref("MAPILogonEx", model.scope)

    # flow-insensitive: either binding may be in force where the name is used
    assert (
        ref("import mylib\nMAPILogonEx = mylib.logon\nfrom win32com.mapi.mapi import *\n") is None
    )
    assert (
        ref("import mylib\nfrom win32com.mapi.mapi import *\nMAPILogonEx = mylib.logon\n") is None
    )
    assert ref("import mylib\nMAPILogonEx = mylib.logon\n") == "mylib.logon"
    # both bindings name the same function; a def of the user's own wins (as it does
    # after a star import at the top, the usual order)
    both = "from win32com.mapi import mapi\nfrom win32com.mapi.mapi import *\n"
    assert ref(both + "MAPILogonEx = mapi.MAPILogonEx\n") == "win32com.mapi.mapi.MAPILogonEx"
    assert ref(both + "def MAPILogonEx(*args):\n    pass\n") == "fn:MAPILogonEx"
    source = (
        both + "MAPILogonEx = mapi.MAPILogonEx\n\n\ndef run():\n    MAPILogonEx(0, '', None, 0)\n"
    )
    assert codes(source) == {"MPS102", "MPS103"}


def test_a_global_written_by_a_function_is_unknown() -> None:
    source = PRELUDE + (
        "FLAGS = NT\n\n\ndef configure():\n    global FLAGS\n    FLAGS = CONFIG.flags\n\n\n"
        "def run():\n    mapi.MAPILogonEx(0, '', None, FLAGS)\n"
    )
    assert codes(source) - {"MPS109"} == set()
    # positive twin: the function writes a local of its own, FLAGS stays NT
    twin = source.replace(
        "    global FLAGS\n    FLAGS = CONFIG.flags\n",
        "    flags = CONFIG.flags\n    return flags\n",
    )
    assert found(twin) == {(twin.count("\n"), "MPS103")}


def test_mps109_only_for_undetermined_bits() -> None:
    source = PRELUDE + "\n\ndef run(flags):\n    mapi.MAPILogonEx(0, '', None, flags)\n"
    assert codes(source) == {"MPS109"}
    assert found(source) == {(source.count("\n"), "MPS109")}
    source = PRELUDE + "\n\ndef run():\n    mapi.MAPILogonEx(0, '', None, BOTH)\n"
    assert codes(source) == set()


# -- parameters ------------------------------------------------------------------------------------


def test_parameter_default_and_every_call() -> None:
    source = PRELUDE + (
        "\n\ndef logon(flags=NT):\n    return mapi.MAPILogonEx(0, '', None, flags)\n"
        "\n\ndef run():\n    logon()\n    logon(NT | mapi.MAPI_EXTENDED)\n    logon(flags=NT)\n"
    )
    assert found(source) == {(10, "MPS103")}


def test_a_bit_missing_in_one_calling_context_names_that_caller() -> None:
    # each call is a context of its own: the one that keeps the default lacks
    # MAPI_NO_MAIL; the joined value is only "maybe" (MPS109)
    source = PRELUDE + (
        "\n\ndef logon(flags=NT):\n    return mapi.MAPILogonEx(0, '', None, flags)\n"
        "\n\ndef run():\n    logon()\n    logon(BOTH)\n"
    )
    assert codes(source) == {"MPS103", "MPS109"}
    line = 1 + source.count("\n", 0, source.index("    logon()"))
    messages = [r.message for r in analyze(source.splitlines(True), "svc.py", ALWAYS)]
    assert [m for m in messages if m.startswith("MPS103")] == [
        f"MPS103 MAPILogonEx without MAPI_NO_MAIL in its flags (service code) "
        f"when called from svc.py:{line}"
    ]


def test_parameter_of_a_method_called_through_self() -> None:
    source = PRELUDE + (
        "\n\nclass Mailer:\n"
        "    def logon(self, profile, flags=0):\n"
        "        return mapi.MAPILogonEx(0, profile, None, flags | NT)\n"
        "\n    def run(self):\n        self.logon('a')\n        self.logon('b', mapi.MAPI_EXTENDED)\n"
    )
    assert found(source) == {(11, "MPS103")}


def test_a_function_passed_as_a_value_has_unknown_parameters() -> None:
    source = PRELUDE + (
        "import threading\n\n\ndef logon(flags=NT):\n    return mapi.MAPILogonEx(0, '', None, flags)\n"
        "\n\nthreading.Thread(target=logon, args=(BOTH,)).start()\n"
    )
    assert codes(source) == {"MPS109"}


def test_a_star_call_makes_a_parameter_unknown() -> None:
    source = PRELUDE + (
        "\n\ndef logon(flags=NT):\n    return mapi.MAPILogonEx(0, '', None, flags)\n"
        "\n\nlogon(*CONFIG.args)\n"
    )
    assert codes(source) == {"MPS109"}


# -- MAPIInitialize: tuples, None, ctypes structures --------------------------------------------

INIT_PRELUDE = """\
import ctypes
from ctypes import byref, pointer
from win32com.mapi import mapi

MAPI_NT_SERVICE = 0x10000
mapi32 = ctypes.windll.mapi32


class InitBlock(ctypes.Structure):
    _fields_ = [("ulVersion", ctypes.c_ulong), ("ulFlags", ctypes.c_ulong)]
"""

INIT_CASES = [
    ("", "mapi.MAPIInitialize(None)", {"MPS101"}),
    ("", "mapi.MAPIInitialize((0, 0))", {"MPS101"}),
    ("", "mapi.MAPIInitialize((0, MAPI_NT_SERVICE))", set()),
    ("init = (mapi.MAPI_INIT_VERSION, mapi.MAPI_NT_SERVICE)", "mapi.MAPIInitialize(init)", set()),
    ("init = (0, mapi.MAPI_MULTITHREAD_NOTIFICATIONS)", "mapi.MAPIInitialize(init)", {"MPS101"}),
    ("init = None", "mapi.MAPIInitialize(init)", {"MPS101"}),
    ("", "mapi.MAPIInitialize(CONFIG)", set()),
    ("", "mapi32.MAPIInitialize(None)", {"MPS101"}),
    ("", "mapi32.MAPIInitialize(0)", {"MPS101"}),
    ("init = InitBlock(0, 0)", "mapi32.MAPIInitialize(byref(init))", {"MPS101"}),
    ("init = InitBlock()", "mapi32.MAPIInitialize(byref(init))", {"MPS101"}),
    ("init = InitBlock(0, MAPI_NT_SERVICE)", "mapi32.MAPIInitialize(byref(init))", set()),
    ("init = InitBlock(ulFlags=MAPI_NT_SERVICE)", "mapi32.MAPIInitialize(pointer(init))", set()),
    ("init = InitBlock(ulVersion=0)", "mapi32.MAPIInitialize(init)", {"MPS101"}),
    (
        "init = InitBlock(0, 0)\ninit.ulFlags = MAPI_NT_SERVICE",
        "mapi32.MAPIInitialize(byref(init))",
        set(),
    ),
    (
        "init = InitBlock(0, 0)\ninit.ulFlags |= MAPI_NT_SERVICE",
        "mapi32.MAPIInitialize(byref(init))",
        set(),
    ),
    (
        "init = InitBlock(0, 0)\nalias = init\nalias.ulFlags |= MAPI_NT_SERVICE",
        "mapi32.MAPIInitialize(byref(init))",
        set(),
    ),
    (
        "init = InitBlock(0, MAPI_NT_SERVICE)\ninit.ulFlags &= ~MAPI_NT_SERVICE",
        "mapi32.MAPIInitialize(byref(init))",
        {"MPS101"},
    ),
    (
        "init = InitBlock(0, 0)\nif CONFIG:\n    init.ulFlags = MAPI_NT_SERVICE",
        "mapi32.MAPIInitialize(byref(init))",
        set(),
    ),
    (
        "init = InitBlock(0, 0)\nCONFIG.fill(byref(init))",
        "mapi32.MAPIInitialize(byref(init))",
        set(),
    ),
    ("init = CONFIG.block()", "mapi32.MAPIInitialize(byref(init))", set()),
    ("init = InitBlock(0, 0)", "mapi32.MAPIInitialize(ctypes.byref(init))", {"MPS101"}),
    ("p = pointer(InitBlock(0, 0))", "mapi32.MAPIInitialize(p)", {"MPS101"}),
]


@pytest.mark.parametrize("body, call_text, want", INIT_CASES)
def test_initialize_flag_values(body: str, call_text: str, want: Set[str]) -> None:
    lines = body.splitlines() + [call_text]
    source = (
        INIT_PRELUDE
        + "\n\ndef run(CONFIG):\n"
        + "".join(f"    {line}\n" for line in lines)
        + "    mapi.MAPIUninitialize()\n"
    )
    assert codes(source) - {"MPS109"} == want, source
    call = source.count("\n") - 1  # MAPIUninitialize() follows the call
    assert {(ln, c) for ln, c in found(source) if c in FLAG_CODES} == {(call, c) for c in want}
    # the case's own positive twin: the same statements with 0 for MAPI_NT_SERVICE and
    # known values for the unknown ones: the flags lack MAPI_NT_SERVICE for sure
    tail = source[len(INIT_PRELUDE) :]
    for unknown, known in INIT_KNOWN.items():
        tail = tail.replace(unknown, known)
    twin = INIT_PRELUDE + tail
    assert twin != source or want, source
    assert (call, "MPS101") in found(twin), twin


#: what the INIT_CASES twins write instead (mapi.MAPI_NT_SERVICE before MAPI_NT_SERVICE)
INIT_KNOWN = {
    "mapi.MAPI_NT_SERVICE": "0",
    "MAPI_NT_SERVICE": "0",
    "mapi.MAPIInitialize(CONFIG)": "mapi.MAPIInitialize(None)",
    "CONFIG.fill(byref(init))": "CONFIG.fill(None)",
    "CONFIG.block()": "InitBlock(0, 0)",
}


# -- service context ------------------------------------------------------------------------------

BAD_LOGON = "mapi.MAPILogonEx(0, '', None, 0)"

SERVICE_FILES = {
    "class": "import win32serviceutil\n\nclass S(win32serviceutil.ServiceFramework):\n    pass\n",
    "class-from-import": (
        "from win32serviceutil import ServiceFramework\n\nclass S(ServiceFramework):\n    pass\n"
    ),
    "class-through-base": (
        "import win32serviceutil as wsu\n\nclass Base(wsu.ServiceFramework):\n    pass\n\n"
        "class S(Base):\n    pass\n"
    ),
    "HandleCommandLine": "import win32serviceutil\nwin32serviceutil.HandleCommandLine(object)\n",
    "StartServiceCtrlDispatcher": "import servicemanager\nservicemanager.StartServiceCtrlDispatcher()\n",
    "PrepareToHostSingle": "import servicemanager\nservicemanager.PrepareToHostSingle(object)\n",
    "PrepareToHostMultiple": "import servicemanager\nservicemanager.PrepareToHostMultiple('a', object)\n",
    "Initialize": "import servicemanager\nservicemanager.Initialize()\n",
    "advapi32-dispatcher": "import ctypes\nctypes.windll.advapi32.StartServiceCtrlDispatcherW(None)\n",
    "advapi32-handler": (
        "import ctypes\nadvapi = ctypes.WinDLL('advapi32.dll')\n"
        "advapi.RegisterServiceCtrlHandlerExW('x', None, None)\n"
    ),
    "declares-init": "mapi.MAPIInitialize((0, mapi.MAPI_NT_SERVICE))\n",
    "declares-logon": "mapi.MAPILogonEx(0, '', None, mapi.MAPI_NT_SERVICE)\n",
}

NOT_SERVICE_FILES = {
    "desktop": "import sys\nprint(sys.argv)\n",
    "other-framework": "import myfw\n\nclass S(myfw.ServiceFramework):\n    pass\n",
    "maybe-declares": (
        "import sys\nflags = mapi.MAPI_NO_MAIL\nif sys.argv[1:]:\n"
        "    flags |= mapi.MAPI_NT_SERVICE\nmapi.MAPILogonEx(0, '', None, flags)\n"
    ),
    "servicemanager-log-only": "import servicemanager\nservicemanager.LogInfoMsg('x')\n",
}


def _with_logon(extra: str) -> str:
    return f"from win32com.mapi import mapi\n{extra}\n\ndef run():\n    {BAD_LOGON}\n"


@pytest.mark.parametrize("kind", sorted(SERVICE_FILES))
def test_service_detection(kind: str) -> None:
    source = _with_logon(SERVICE_FILES[kind])
    assert "MPS102" in codes(source, AUTO) or "MPS103" in codes(source, AUTO)
    logon = source.count("\n")
    assert {(logon, "MPS102"), (logon, "MPS103")} <= found(source, AUTO)
    assert codes(source, Settings(service_mode="never")) - {"MPS109"} == set()


@pytest.mark.parametrize("kind", sorted(NOT_SERVICE_FILES))
def test_not_service_code(kind: str) -> None:
    source = _with_logon(NOT_SERVICE_FILES[kind])
    assert codes(source, AUTO) - {"MPS109"} == set()
    assert {"MPS102", "MPS103"} <= codes(source, ALWAYS)
    # the positive twin (the same file as service code) on the logon's line
    logon = source.count("\n")
    assert {(logon, "MPS102"), (logon, "MPS103")} <= found(source, ALWAYS)


@pytest.mark.parametrize(
    "filename, globs, service",
    [
        ("svc/worker.py", ("svc/*.py",), True),
        ("./svc/worker.py", ("svc/*",), True),
        ("svc/deep/worker.py", ("svc/*.py",), True),  # fnmatch: * crosses directories
        ("app/worker.py", ("svc/*.py",), False),
        ("app/worker.py", ("svc/*.py", "*/worker.py"), True),
        ("app/worker.py", ("svc/",), False),
        ("svc/worker.py", ("svc/",), True),
    ],
)
def test_service_paths(filename: str, globs: Tuple[str, ...], service: bool) -> None:
    settings = Settings.from_values(service_paths=",".join(globs))
    source = _with_logon("")
    got = codes(source, settings, filename) - {"MPS109"}
    assert (got == {"MPS102", "MPS103"}) is service
    logon = source.count("\n")
    both = {(logon, "MPS102"), (logon, "MPS103")}
    assert found(source, settings, filename) == (both if service else set())
    # positive twin of the paths that do not match: the same file name as service code
    assert found(source, ALWAYS, filename) == both


def test_settings_reject_an_unknown_mode() -> None:
    with pytest.raises(ValueError, match="mapi-service"):
        Settings.from_values(service_mode="sometimes")
    assert Settings.from_values(service_mode=" Always ").service_mode == "always"


def test_a_lambda_has_unknown_parameters() -> None:
    source = PRELUDE + (
        "\n\nlogon = lambda flags=0: mapi.MAPILogonEx(0, '', None, flags)\nlogon(BOTH)\n"
    )
    assert codes(source) == {"MPS109"}


def test_a_method_called_on_an_untyped_object_has_unknown_parameters() -> None:
    source = PRELUDE + (
        "\n\nclass Mailer:\n"
        "    def logon(self, flags=0):\n"
        "        return mapi.MAPILogonEx(0, '', None, flags)\n"
        "\n\ndef run(mailer):\n    mailer.logon(BOTH)\n"
    )
    assert codes(source) == {"MPS109"}


def test_a_method_called_through_its_class_passes_the_instance() -> None:
    source = PRELUDE + (
        "\n\nclass Mailer:\n"
        "    def logon(self, flags=NT):\n"
        "        return mapi.MAPILogonEx(0, '', None, flags)\n"
        "\n    def run(self):\n        Mailer.logon(self, NT | mapi.MAPI_EXTENDED)\n"
    )
    assert found(source) == {(11, "MPS103")}


def test_a_conditional_between_the_same_module_is_that_module() -> None:
    source = (
        "import other\nfrom win32com.mapi import mapi\n"
        "m = mapi if other.ok else mapi\nm.MAPILogonEx(0, '', None, 0)\n"
    )
    assert found(source) == {(4, "MPS102"), (4, "MPS103")}
    # near miss: two different modules
    other = source.replace("else mapi", "else other")
    assert found(other) == set()


def test_a_global_statement_that_only_reads_keeps_the_value() -> None:
    source = (
        "from win32com.mapi import mapi\nFLAGS = mapi.MAPI_NT_SERVICE\n\n\n"
        "def configure():\n    global FLAGS\n    print(FLAGS)\n\n\n"
        "def run():\n    mapi.MAPILogonEx(0, '', None, FLAGS)\n"
    )
    assert found(source) == {(11, "MPS103")}
    # near miss: a function that writes it makes it unknown
    written = source.replace("print(FLAGS)", "FLAGS = 0")
    assert found(written) == {(11, "MPS109")}
