"""Catalogue entries for the MAPI thread and its message pump: MPS110, MPS401-MPS404."""

from __future__ import annotations

from typing import List

from .rule import MS_INITIALIZE, MS_SERVICES, Rule

MS_MSGWAIT = (
    "Microsoft, *MsgWaitForMultipleObjects function (winuser.h)*, "
    "https://learn.microsoft.com/windows/win32/api/winuser/nf-winuser-msgwaitformultipleobjects"
)

_THREAD_MODEL = (
    "The MAPI thread is worked out over the calls of the whole project: in a function "
    "that calls `MAPIInitialize` (directly, or through functions and methods of any "
    "module), everything after that call and every function it calls after it, "
    "wherever that function is defined; in a `win32serviceutil.ServiceFramework` "
    "subclass (also through a base class in another module) whose `__init__`, `SvcRun` "
    "or `SvcDoRun` (or a helper of them) initializes MAPI, all of `SvcRun`/`SvcDoRun` "
    "and what they call. In the methods a service class's thread runs with `self` an "
    "instance of it, `self.m()` runs an `m` that the class or one of its bases defines "
    "(a base's through `super()`), never a sibling's override: two services that share "
    "a base class whose `SvcDoRun` calls `self.start()` are told apart (only the one "
    "whose `start` initializes MAPI has a MAPI thread, and a sibling's override of a "
    "method it calls is not on it); a service class whose thread initializes MAPI only "
    "through another class's override is neither the MAPI thread nor a thread without "
    "MAPI (unclear). Elsewhere `self.m()` may run any subclass's override. Only a MAPI "
    "thread of service code counts: a helper that a desktop tool calls on its MAPI "
    "thread and a service calls on a thread without MAPI is not on the MAPI thread. "
    "Functions handed to "
    "`threading.Thread(target=...)`, "
    "`threading.Timer`, `_thread.start_new_thread`, `win32process.beginthreadex` or an "
    "executor's `submit` (functions of another module too), and `run` of a "
    "`threading.Thread` subclass, are not called, so they are not on the MAPI thread "
    "unless they initialize MAPI themselves; such a function, or a control handler, "
    "that the MAPI thread also calls directly runs on both threads and is not taken as "
    "the MAPI thread (the thread is unclear). Code that follows a straight-line "
    "`MAPIUninitialize` of the same function is no longer the MAPI thread. With "
    "`--mapi-single-file` the thread is worked out in the file alone: a call into "
    "another module is not followed, and a class whose `ServiceFramework` base is in "
    "another module is not a service class."
)

_PYWIN32_PUMP_FIX = (
    "import pythoncom\n"
    "import win32event\n"
    "import win32serviceutil\n"
    "from win32com.mapi import mapi\n\n\n"
    "class MailService(win32serviceutil.ServiceFramework):\n"
    '    _svc_name_ = "MailService"\n\n'
    "    def __init__(self, args):\n"
    "        win32serviceutil.ServiceFramework.__init__(self, args)\n"
    "        self.stop_event = win32event.CreateEvent(None, 0, 0, None)\n\n"
    "    def SvcDoRun(self):\n"
    "        pythoncom.OleInitialize()\n"
    "        mapi.MAPIInitialize((mapi.MAPI_INIT_VERSION, mapi.MAPI_NT_SERVICE))\n"
    "        handles = [self.stop_event]\n"
    "        while True:\n"
    "            rc = win32event.MsgWaitForMultipleObjects(\n"
    "                handles, 0, win32event.INFINITE, win32event.QS_ALLINPUT\n"
    "            )\n"
    "            if rc == win32event.WAIT_OBJECT_0:\n"
    "                break\n"
    "            elif rc == win32event.WAIT_OBJECT_0 + len(handles):\n"
    "                pythoncom.PumpWaitingMessages()\n"
    "        mapi.MAPIUninitialize()\n"
)

RULES: List[Rule] = [
    Rule(
        code="MPS110",
        name="mapi-call-on-uninitialized-thread",
        message="{call} runs on the {thread}, a thread that never calls MAPIInitialize",
        short="a MAPI call on a thread that never calls MAPIInitialize",
        summary=(
            "Finds an Extended MAPI call (`MAPILogonEx`, `MAPIAdminProfiles`, or a method "
            "on an object obtained from MAPI such as the session or a message store) in "
            "code that runs on another thread than the one that initialized MAPI, when "
            "that thread never calls `MAPIInitialize` itself: the service thread "
            "(`__init__`/`SvcRun`/`SvcDoRun`) of a service whose MAPI is initialized only "
            "elsewhere (a worker), a service control handler "
            "(`SvcStop`, `SvcShutdown`, `SvcOther`/`SvcOtherEx`, `SvcPause`, "
            "`SvcContinue`, `SvcInterrogate` of a `ServiceFramework` subclass, which run "
            "on the service control dispatcher's thread), a function given to "
            "`threading.Thread(target=...)`, `threading.Timer`, "
            "`_thread.start_new_thread`, `win32process.beginthreadex` or an executor's "
            "`submit`, or `run` of a class "
            "deriving from `threading.Thread`, and the functions those call, in any "
            "module of the project (the finding is reported where the MAPI call is). "
            "Nothing is reported unless some module of the project that the file is "
            "connected to through imports (directly or through other modules, in either "
            "direction) calls `MAPIInitialize`."
        ),
        rationale=(
            "Microsoft: every thread that uses MAPI calls `MAPIInitialize` first. The "
            "control handler of a service (`SvcStop`) runs on the dispatcher's thread, "
            "not on the service thread that initialized MAPI; a `session.Logoff()` there, "
            "or MAPI work in a worker thread that never initialized, fails with "
            "`MAPI_E_NOT_INITIALIZED` or crashes in MAPI's DLL. Signal the MAPI thread "
            "instead (set an event it waits on) and let it log off and uninitialize."
        ),
        example=(
            "import pythoncom\n"
            "import win32event\n"
            "import win32serviceutil\n"
            "from win32com.mapi import mapi\n\n\n"
            "class MailService(win32serviceutil.ServiceFramework):\n"
            '    _svc_name_ = "MailService"\n\n'
            "    def SvcDoRun(self):\n"
            "        pythoncom.OleInitialize()\n"
            "        mapi.MAPIInitialize((mapi.MAPI_INIT_VERSION, mapi.MAPI_NT_SERVICE))\n"
            "        self.session = mapi.MAPILogonEx(\n"
            '            0, "", None, mapi.MAPI_EXTENDED | mapi.MAPI_NO_MAIL | mapi.MAPI_NT_SERVICE\n'
            "        )\n\n"
            "    def SvcStop(self):\n"
            "        self.session.Logoff(0, 0, 0)\n"
        ),
        fix=(
            "import pythoncom\n"
            "import win32event\n"
            "import win32serviceutil\n"
            "from win32com.mapi import mapi\n\n\n"
            "class MailService(win32serviceutil.ServiceFramework):\n"
            '    _svc_name_ = "MailService"\n\n'
            "    def SvcDoRun(self):\n"
            "        pythoncom.OleInitialize()\n"
            "        mapi.MAPIInitialize((mapi.MAPI_INIT_VERSION, mapi.MAPI_NT_SERVICE))\n"
            "        self.session = mapi.MAPILogonEx(\n"
            '            0, "", None, mapi.MAPI_EXTENDED | mapi.MAPI_NO_MAIL | mapi.MAPI_NT_SERVICE\n'
            "        )\n"
            "        # ... work, then wait for the stop event while pumping ...\n"
            "        self.session.Logoff(0, 0, 0)\n"
            "        mapi.MAPIUninitialize()\n\n"
            "    def SvcStop(self):\n"
            "        win32event.SetEvent(self.stop_event)\n"
        ),
        service_only=True,
        references=(MS_SERVICES, MS_INITIALIZE),
        limits=(
            "Only MAPI objects the analysis can trace count: locals, `self.x` (set in the "
            "class, or in a base class of the same module), values returned by functions "
            "of any module of the project, and parameters whose callers all pass one. An "
            "object passed to the thread as an argument (`threading.Thread(args=...)`), a "
            "`self.x` set in a class of another module (a base class or a subclass), or "
            "the value a method returns (`Mailer().session()`) is not followed. A thread "
            "whose code calls `MAPIInitialize` anywhere (even after the call, or in a "
            "function of another module that it calls) is not reported. Module-level code "
            "and functions nothing in the project calls have no known thread and are never "
            "reported. " + _THREAD_MODEL
        ),
    ),
    Rule(
        code="MPS401",
        name="blocking-wait-on-mapi-thread",
        message="{call} blocks the MAPI thread{how} without pumping messages",
        short="a blocking wait on the MAPI thread that does not pump messages",
        summary=(
            "Finds a blocking wait on the MAPI thread that is not a pumped wait: "
            "`win32event.WaitForSingleObject(Ex)`/`WaitForMultipleObjects(Ex)`, "
            "`win32api.Sleep(Ex)`, ctypes `kernel32` waits and sleeps, `time.sleep`, "
            "`.wait()`/`.join()`/`.get()` on a `threading.Event`/`Condition`/`Barrier`/"
            "`Thread` or `queue.Queue`/`LifoQueue`/`PriorityQueue`/`SimpleQueue` the module "
            "created (a local, a module name, or `self.x` assigned in the class or a "
            "same-module base class), `.acquire()` on a `Semaphore`/`BoundedSemaphore`, and "
            "the calls listed in `--mapi-extra-blocking-calls`. A wait with timeout 0, "
            "`get(block=False)`/`acquire(False)` and `get_nowait()` are not waits. A wait with "
            "a finite timeout inside a loop (its body or `while` test) that also pumps "
            "(`PumpWaitingMessages`/`PumpMessages` of pythoncom, win32gui, servicemanager or "
            "win32ui, `GetMessage`/`PeekMessage` + "
            "`DispatchMessage`, `CoWaitForMultipleHandles`, or a function of any module of "
            "the project that does, directly or through calls) is a pumped wait and is not "
            "reported; an `INFINITE` wait is reported even there. The nearest loops "
            "decide: a wait in loops of its own function is pumped only when one of those "
            "loops pumps (a retry loop that sleeps and never pumps is "
            "reported, even when a later loop of the same function pumps, or a loop around "
            "the call of that function pumps only through that later loop); a finite wait "
            "outside every loop of its function is pumped when a loop that pumps calls the "
            "function (directly, or through calls outside the loops of their functions, "
            "in any module)."
        ),
        rationale=(
            "Microsoft, *Calling MAPI from Windows Services*: the thread that initialized "
            "MAPI must not block without dispatching window messages; when it has to wait "
            "it uses `MsgWaitForMultipleObjects` and runs `GetMessage`/`TranslateMessage`/"
            "`DispatchMessage` when a message is queued. MAPI and its providers post "
            "messages to hidden windows of that thread (notifications, spooler and store "
            "events, COM calls into the apartment); a service thread sitting in "
            "`WaitForSingleObject(stop, INFINITE)` never dispatches them, and the service "
            "hangs in the field — often only at stop time, when `MAPIUninitialize` or "
            "`Logoff` waits for a message nobody pumps."
        ),
        example=(
            "import pythoncom\n"
            "import win32event\n"
            "import win32serviceutil\n"
            "from win32com.mapi import mapi\n\n\n"
            "class MailService(win32serviceutil.ServiceFramework):\n"
            '    _svc_name_ = "MailService"\n\n'
            "    def __init__(self, args):\n"
            "        win32serviceutil.ServiceFramework.__init__(self, args)\n"
            "        self.stop_event = win32event.CreateEvent(None, 0, 0, None)\n\n"
            "    def SvcDoRun(self):\n"
            "        pythoncom.OleInitialize()\n"
            "        mapi.MAPIInitialize((mapi.MAPI_INIT_VERSION, mapi.MAPI_NT_SERVICE))\n"
            "        win32event.WaitForSingleObject(self.stop_event, win32event.INFINITE)\n"
            "        mapi.MAPIUninitialize()\n"
        ),
        fix=_PYWIN32_PUMP_FIX,
        service_only=True,
        references=(MS_SERVICES, MS_MSGWAIT),
        options=(
            "`--mapi-extra-blocking-calls=QUALNAME,...` adds your own blocking wrappers "
            "(qualified as the module imports them, e.g. `mylib.wait_for_stop`, or a "
            "function of the same file by its qualified name, e.g. `Service.wait_stop`; a "
            "function of another module of the project is named as it is imported, e.g. "
            "`helpers.wait_stop`). Their timeout is not known: they are reported outside "
            "pumping loops only."
        ),
        limits=(
            "A wait whose timeout cannot be evaluated (a parameter without a known value, "
            "an attribute) is not reported, since it may be 0. A finite wait outside the loops "
            "of a function that some loop which pumps calls is taken as pumped, whatever its "
            "other callers, and so is a finite wait in a loop that calls a method of `self` "
            "the analysis cannot find (one inherited from a class outside the project may "
            "be a pump; the methods of the project's base classes, in any module, are "
            "looked at). In `SvcRun`/`SvcDoRun`, the code before the function's own "
            "`MAPIInitialize` is not treated as the MAPI thread. Threading and queue "
            "objects are known only where the module creates them: a parameter, a name "
            "imported from another module (`from helpers import STOP`, `helpers.STOP`) or "
            "a `self.x` set in a base class of another module is not known to be one. "
            "`CoWaitForMultipleHandles` and `MsgWaitForMultipleObjects` are never MPS401 "
            "(see MPS402-MPS404 for the latter). " + _THREAD_MODEL
        ),
    ),
    Rule(
        code="MPS402",
        name="msgwait-message-case-not-pumped",
        message="{call} never pumps the message case: {why}",
        short="MsgWaitForMultipleObjects whose message case is never pumped",
        summary=(
            "Finds a `MsgWaitForMultipleObjects(Ex)` call (pywin32 `win32event` or ctypes "
            "`user32`) whose message case (`WAIT_OBJECT_0 + nCount`) reaches no message "
            "pump: a discarded result that nothing after it pumps, or a result no "
            "comparison of which leads to a pump: no comparison on the "
            "result leads to a pump, no `else` branch pumps, and nothing the message case "
            "falls through to (the rest of the loop body, the next iteration up to the "
            "wait itself, the code after the loop) pumps. The result's `if`/`elif`/`else` "
            "chains are followed, with `==`, `!=`, `<`, `<=`, `>`, `>=`, `in`, `not in`, "
            "`and`, `or` and `not`. Not reported: a discarded result inside a loop that "
            "pumps on every iteration after the wait (the message case is then handled)."
        ),
        rationale=(
            "`MsgWaitForMultipleObjects` returns `WAIT_OBJECT_0 + nCount` when a message is "
            "queued, and it keeps returning at once until the thread removes the message: "
            "a loop that does not pump then spins at 100% CPU, and the messages MAPI posts "
            "to the thread are never dispatched (Microsoft, *Calling MAPI from Windows "
            "Services* and the *MsgWaitForMultipleObjects* reference)."
        ),
        example=(
            "import win32event\n"
            "import win32serviceutil\n\n\n"
            "class MailService(win32serviceutil.ServiceFramework):\n"
            '    _svc_name_ = "MailService"\n\n'
            "    def SvcDoRun(self):\n"
            "        handles = [self.stop_event]\n"
            "        while True:\n"
            "            rc = win32event.MsgWaitForMultipleObjects(\n"
            "                handles, 0, win32event.INFINITE, win32event.QS_ALLINPUT\n"
            "            )\n"
            "            if rc == win32event.WAIT_OBJECT_0:\n"
            "                break\n"
        ),
        fix=(
            "import pythoncom\n"
            "import win32event\n"
            "import win32serviceutil\n\n\n"
            "class MailService(win32serviceutil.ServiceFramework):\n"
            '    _svc_name_ = "MailService"\n\n'
            "    def SvcDoRun(self):\n"
            "        handles = [self.stop_event]\n"
            "        while True:\n"
            "            rc = win32event.MsgWaitForMultipleObjects(\n"
            "                handles, 0, win32event.INFINITE, win32event.QS_ALLINPUT\n"
            "            )\n"
            "            if rc == win32event.WAIT_OBJECT_0:\n"
            "                break\n"
            "            pythoncom.PumpWaitingMessages()  # any other result: a message\n"
        ),
        service_only=True,
        references=(MS_MSGWAIT, MS_SERVICES),
        limits=(
            "Silent when the result is stored somewhere else than a local name (or "
            "compared directly in an `if`), rebound, or handed to a call the analysis "
            "does not know (it may handle the message case), when the message case's path "
            "calls a method the analysis cannot resolve (a method of an object of unknown "
            "type, or one inherited from a class outside the project, may be the pump; "
            "logging-like methods such as `info`, `write`, `set` do not count), and when "
            "the message case "
            "cannot be told apart (the handle count is unknown and the comparison is not "
            "`len()` of the same list). Exceptions are not followed. Any pump the message "
            "case may reach counts, even on some paths only. Applies to every "
            "`MsgWaitForMultipleObjects` in service code, on any thread. A function of the "
            "project on the path pumps when it does (directly or through calls, in any "
            "module); a function of a library outside the project is taken not to pump "
            "unless it is a known pump (such as `pythoncom.PumpWaitingMessages`); with "
            "`--mapi-single-file` so is a function of another module of the project. Where "
            "MPS403 is reported, MPS402 is not."
        ),
    ),
    Rule(
        code="MPS403",
        name="msgwait-wrong-message-index",
        message="{call}: the branch that pumps tests {compared}, but the message case is {expected}",
        short="MsgWaitForMultipleObjects result compared with the wrong message index",
        summary=(
            "Finds a `MsgWaitForMultipleObjects(Ex)` whose result is compared with "
            "`WAIT_OBJECT_0 + k` (or `k`), `0 <= k <= 64`, in a comparison (`==` or `in`) "
            "whose branch pumps messages, where `k` is not the number of handles passed. "
            "The count is known for a literal list or tuple, a name or `self.x` bound only "
            "to such literals and never mutated, the `nCount` argument of ctypes, or "
            "`len(x)` of the very list passed (then `WAIT_OBJECT_0 + len(handles)` is "
            "right whatever the length). A `k` above the count is always reported; a `k` "
            "below it (a handle's index) only when the message case reaches no pump "
            "elsewhere, since a handle's branch may pump too. Where MPS403 is reported, "
            "MPS402 is not."
        ),
        rationale=(
            "The message case of `MsgWaitForMultipleObjects` is `WAIT_OBJECT_0 + nCount`. "
            "Testing `WAIT_OBJECT_0 + 1` after adding a second handle (or "
            "`WAIT_OBJECT_0 + len(handles) + 1`) means the branch that pumps never runs "
            "for a message: the wait spins and MAPI's messages are never dispatched "
            "(Microsoft, *MsgWaitForMultipleObjects*, Return value)."
        ),
        example=(
            "import pythoncom\n"
            "import win32event\n"
            "import win32serviceutil\n\n\n"
            "class MailService(win32serviceutil.ServiceFramework):\n"
            '    _svc_name_ = "MailService"\n\n'
            "    def SvcDoRun(self):\n"
            "        handles = [self.stop_event, self.work_event]\n"
            "        while True:\n"
            "            rc = win32event.MsgWaitForMultipleObjects(\n"
            "                handles, 0, win32event.INFINITE, win32event.QS_ALLINPUT\n"
            "            )\n"
            "            if rc == win32event.WAIT_OBJECT_0:\n"
            "                break\n"
            "            elif rc == win32event.WAIT_OBJECT_0 + 1:\n"
            "                pythoncom.PumpWaitingMessages()\n"
        ),
        fix=(
            "import pythoncom\n"
            "import win32event\n"
            "import win32serviceutil\n\n\n"
            "class MailService(win32serviceutil.ServiceFramework):\n"
            '    _svc_name_ = "MailService"\n\n'
            "    def SvcDoRun(self):\n"
            "        handles = [self.stop_event, self.work_event]\n"
            "        while True:\n"
            "            rc = win32event.MsgWaitForMultipleObjects(\n"
            "                handles, 0, win32event.INFINITE, win32event.QS_ALLINPUT\n"
            "            )\n"
            "            if rc == win32event.WAIT_OBJECT_0:\n"
            "                break\n"
            "            elif rc == win32event.WAIT_OBJECT_0 + 1:\n"
            "                self.do_work()\n"
            "            elif rc == win32event.WAIT_OBJECT_0 + len(handles):\n"
            "                pythoncom.PumpWaitingMessages()\n\n"
            "    def do_work(self):\n"
            "        pass\n"
        ),
        service_only=True,
        references=(MS_MSGWAIT, MS_SERVICES),
        limits=(
            "Silent when the handle count is unknown (a list built at run time, a "
            "parameter) unless the comparison uses `len()` of the same list. Values above "
            "64 (`WAIT_TIMEOUT`, `WAIT_ABANDONED_0`) are not message-index candidates."
        ),
    ),
    Rule(
        code="MPS404",
        name="msgwait-mask-without-posted-messages",
        message="{call}: the wake mask lacks QS_POSTMESSAGE/QS_ALLPOSTMESSAGE, posted messages never wake it",
        short="MsgWaitForMultipleObjects wake mask without posted messages",
        summary=(
            "Finds a `MsgWaitForMultipleObjects(Ex)` whose wake mask definitely lacks "
            "posted messages: none of `QS_POSTMESSAGE` (0x8) and `QS_ALLPOSTMESSAGE` "
            "(0x100) is set. `QS_ALLEVENTS` and `QS_ALLINPUT` (0xFF or 0x4FF) include them. "
            "The mask is the 4th argument of pywin32's `MsgWaitForMultipleObjects`, the "
            "3rd of `MsgWaitForMultipleObjectsEx`, and the 5th/4th of the ctypes "
            "`user32` functions; it is evaluated like any flag word. `fix` adds "
            "`QS_ALLPOSTMESSAGE` (0x100): as a number to a mask written in numbers, else "
            "by the file's own name for it, else as a new module constant (pywin32's "
            "`win32con` and `win32event` do not define it)."
        ),
        rationale=(
            "MAPI and COM talk to the MAPI thread with posted messages. A wake mask of "
            "`QS_KEY`, `QS_TIMER` or `QS_SENDMESSAGE` alone never wakes the wait for them, "
            "so the pump is never reached and the service hangs (Microsoft, "
            "*MsgWaitForMultipleObjects*, dwWakeMask)."
        ),
        example=(
            "import win32event\n"
            "import win32serviceutil\n\n\n"
            "class MailService(win32serviceutil.ServiceFramework):\n"
            '    _svc_name_ = "MailService"\n\n'
            "    def SvcDoRun(self):\n"
            "        rc = win32event.MsgWaitForMultipleObjects(\n"
            "            [self.stop_event], 0, win32event.INFINITE, win32event.QS_TIMER\n"
            "        )\n"
            "        return rc\n"
        ),
        fix=(
            "import win32event\n"
            "import win32serviceutil\n\n\n"
            "class MailService(win32serviceutil.ServiceFramework):\n"
            '    _svc_name_ = "MailService"\n\n'
            "    def SvcDoRun(self):\n"
            "        rc = win32event.MsgWaitForMultipleObjects(\n"
            "            [self.stop_event], 0, win32event.INFINITE, win32event.QS_ALLINPUT\n"
            "        )\n"
            "        return rc\n"
        ),
        service_only=True,
        references=(MS_MSGWAIT, MS_SERVICES),
        limits=(
            "A mask that cannot be evaluated, or sets the bits on some paths only, is not "
            "reported; nor is a call with a timeout of 0 (a poll, which never sleeps)."
        ),
        fixable=True,
    ),
]
