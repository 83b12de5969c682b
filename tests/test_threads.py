"""The thread model, waits and pumps, MsgWaitForMultipleObjects,
and the rules on them (MPS110, MPS401-MPS404), in process; plus pywin32's own
service demos through the real flake8."""

from __future__ import annotations

import textwrap
import time
from typing import List, Set, Tuple

import libcst as cst
import pytest

from flake8_mapi_service.analysis.apis import MSGWAIT_KEYS
from flake8_mapi_service.analysis.context import Analysis
from flake8_mapi_service.analysis.model import CallSite, build_model
from flake8_mapi_service.analysis.msgwait import MsgWait
from flake8_mapi_service.analysis.waits import FINITE, FOREVER, UNKNOWN_WAIT, ZERO_WAIT
from flake8_mapi_service.runner import analyze, run_rules
from flake8_mapi_service.settings import Settings

ALWAYS = Settings(service_mode="always")
PUMP_CODES = {"MPS110", "MPS401", "MPS402", "MPS403", "MPS404"}

HEADER = """\
import ctypes
import queue
import threading
import time
import _thread
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import pythoncom
import win32event
import win32gui
import win32serviceutil
from win32com.mapi import mapi

INIT = (mapi.MAPI_INIT_VERSION, mapi.MAPI_NT_SERVICE)
LOGON = mapi.MAPI_EXTENDED | mapi.MAPI_NO_MAIL | mapi.MAPI_NT_SERVICE
"""


def _source(body: str) -> str:
    return HEADER + textwrap.dedent(body)


def make(body: str, settings: Settings = ALWAYS) -> Analysis:
    return Analysis(build_model(cst.parse_module(_source(body))), settings, "svc.py")


def findings(body: str, settings: Settings = ALWAYS) -> Set[Tuple[int, str]]:
    """(line within ``body``, code) of the pump-family findings."""
    offset = HEADER.count("\n")
    results = analyze(_source(body).splitlines(True), "svc.py", settings)
    assert not any(r.code == "MPS000" for r in results)
    return {(r.line - offset, r.code) for r in results if r.code in PUMP_CODES}


def line_of(body: str, needle: str) -> int:
    for number, line in enumerate(textwrap.dedent(body).splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(needle)


def site(an: Analysis, text: str) -> CallSite:
    """The call whose source starts with ``text``."""
    module = cst.Module([])
    for s in an.model.calls:
        if module.code_for_node(s.node).startswith(text):
            return s
    raise AssertionError(text)


# -- the thread model -------------------------------------------------------------------------

SERVICE = """
class Svc(win32serviceutil.ServiceFramework):
    def __init__(self, args):
        win32serviceutil.ServiceFramework.__init__(self, args)
        self.stop = win32event.CreateEvent(None, 0, 0, None)

    def SvcStop(self):
        win32event.SetEvent(self.stop)
        self.helper()

    def SvcDoRun(self):
        time.sleep(1)
        pythoncom.OleInitialize()
        self.start_mapi()
        self.after()
        if self.flag:
            win32api_like()
        mapi.MAPIUninitialize()
        win32event.WaitForSingleObject(self.stop, win32event.INFINITE)

    def start_mapi(self):
        mapi.MAPIInitialize(INIT)

    def after(self):
        self.helper()

    def helper(self):
        time.sleep(3)

    def unused(self):
        time.sleep(4)


def win32api_like():
    time.sleep(5)
"""


def test_service_thread_regions_and_helpers() -> None:
    an = make(SERVICE)
    threads = an.threads
    assert not an.on_mapi_thread(site(an, "time.sleep(1)"))  # before the init
    assert an.on_mapi_thread(site(an, "self.after()"))
    assert an.on_mapi_thread(site(an, "time.sleep(3)"))  # helper, via after()
    assert an.on_mapi_thread(site(an, "time.sleep(5)"))  # module function, in an if
    assert not an.on_mapi_thread(site(an, "time.sleep(4)"))  # never called
    # after a straight-line MAPIUninitialize the thread no longer uses MAPI
    assert not an.on_mapi_thread(site(an, "win32event.WaitForSingleObject"))
    start = site(an, "self.start_mapi()").target
    assert start is not None and threads.initializes(an.node_of(start))
    roots = threads.other_threads()
    assert [r.label for r in roots] == ["control handler Svc.SvcStop"]
    assert [r.kind for r in roots] == ["control"]


def test_init_in_dunder_init_puts_all_of_svcdorun_on_the_mapi_thread() -> None:
    an = make(
        """
        class Base(win32serviceutil.ServiceFramework):
            def __init__(self, args):
                win32serviceutil.ServiceFramework.__init__(self, args)
                mapi.MAPIInitialize(INIT)

        class Svc(Base):
            def SvcDoRun(self):
                time.sleep(1)

            def SvcStop(self):
                time.sleep(2)
        """
    )
    assert an.on_mapi_thread(site(an, "time.sleep(1)"))
    assert not an.on_mapi_thread(site(an, "time.sleep(2)"))


def test_other_branch_and_handler_are_not_after_the_init() -> None:
    an = make(
        """
        def run(use_mapi):
            if use_mapi:
                mapi.MAPIInitialize(INIT)
            else:
                time.sleep(1)

        def other():
            try:
                mapi.MAPIInitialize(INIT)
            except Exception:
                time.sleep(2)
            else:
                time.sleep(3)
            time.sleep(4)
        """
    )
    assert not an.on_mapi_thread(site(an, "time.sleep(1)"))
    assert not an.on_mapi_thread(site(an, "time.sleep(2)"))
    assert an.on_mapi_thread(site(an, "time.sleep(3)"))
    assert an.on_mapi_thread(site(an, "time.sleep(4)"))


def test_thread_starters_make_roots_not_calls() -> None:
    an = make(
        """
        class Worker(threading.Thread):
            def run(self):
                time.sleep(9)

        def a(): time.sleep(1)
        def b(): time.sleep(2)
        def c(): time.sleep(3)
        def d(): time.sleep(4)
        def e(x): time.sleep(5)
        def f(): time.sleep(6)
        def g(): time.sleep(7)

        class Svc:
            def __init__(self):
                self.pool = ThreadPoolExecutor(2)

            def go(self):
                time.sleep(8)

            def main(self):
                mapi.MAPIInitialize(INIT)
                threading.Thread(target=a).start()
                threading.Thread(None, b).start()
                threading.Timer(5, c).start()
                _thread.start_new_thread(d, ())
                threading.Thread(target=partial(e, 1)).start()
                with ThreadPoolExecutor() as ex:
                    ex.submit(f)
                self.pool.submit(self.go)
                threading.Thread(target=lambda: g()).start()
                Worker().start()
                g()
        """
    )
    threads = an.threads
    labels = sorted(r.label for r in threads.other_threads())
    assert labels == sorted(
        [
            "thread target a",
            "thread target b",
            "thread target c",
            "thread target d",
            "thread target e",
            "executor task f",
            "executor task Svc.go",
            "thread target Svc.main.<lambda>",
            "thread Worker.run",
        ]
    )
    for n in (1, 2, 3, 4, 5, 6, 8, 9):
        assert not an.on_mapi_thread(site(an, f"time.sleep({n})")), n
    # g is called directly after MAPIInitialize as well as from a lambda thread
    assert an.on_mapi_thread(site(an, "time.sleep(7)"))
    # Worker() runs Worker.__init__ (inherited from threading.Thread: not in the module)
    assert all(r.kind == "worker" for r in threads.other_threads())


def test_a_thread_root_also_called_directly_is_left_out() -> None:
    an = make(
        """
        class Svc(win32serviceutil.ServiceFramework):
            def SvcDoRun(self):
                mapi.MAPIInitialize(INIT)
                threading.Thread(target=self.poll).start()
                self.poll()
                self.SvcStop()

            def poll(self):
                time.sleep(1)

            def SvcStop(self):
                time.sleep(2)
        """
    )
    assert not an.on_mapi_thread(site(an, "time.sleep(1)"))
    assert not an.on_mapi_thread(site(an, "time.sleep(2)"))
    # positive twin: poll is no thread target and the stop method no control handler:
    # both run on the MAPI thread
    twin = make(
        """
        class Svc(win32serviceutil.ServiceFramework):
            def SvcDoRun(self):
                mapi.MAPIInitialize(INIT)
                threading.Thread(target=print).start()
                self.poll()
                self.Stop()

            def poll(self):
                time.sleep(1)

            def Stop(self):
                time.sleep(2)
        """
    )
    assert twin.on_mapi_thread(site(twin, "time.sleep(1)"))
    assert twin.on_mapi_thread(site(twin, "time.sleep(2)"))


def test_recursion_and_cycles_terminate() -> None:
    an = make(
        """
        def f(n):
            mapi.MAPIInitialize(INIT)
            g(n)
            f(n - 1)

        def g(n):
            h(n)
            time.sleep(1)

        def h(n):
            g(n)
            f(n)
        """
    )
    threads = an.threads
    assert an.on_mapi_thread(site(an, "time.sleep(1)"))
    assert threads.initializes(an.node_of(site(an, "h(n)").target))  # type: ignore[arg-type]


def test_the_thread_model_is_lazy() -> None:
    body = """
    def wait(stop):
        win32event.WaitForSingleObject(stop, win32event.INFINITE)
    """
    an, _ = run_rules(cst.parse_module(_source(body)), "svc.py", ALWAYS)
    assert "threads" not in an.__dict__
    an, _ = run_rules(
        cst.parse_module(_source(body + "mapi.MAPIInitialize(INIT)\n")), "s.py", ALWAYS
    )
    assert "threads" in an.__dict__


# -- waits ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, expected",
    [
        ("win32event.WaitForSingleObject(h, win32event.INFINITE)", FOREVER),
        ("win32event.WaitForSingleObject(h, -1)", FOREVER),
        ("win32event.WaitForSingleObject(h, FOREVER_MS)", FOREVER),
        ("win32event.WaitForSingleObject(h, ~0)", FOREVER),
        ("win32event.WaitForSingleObject(h, (win32event.INFINITE << 8) >> 8)", FOREVER),
        ("win32event.WaitForSingleObject(h, win32event.INFINITE - 1)", FINITE),
        ("win32event.WaitForSingleObject(h, TEN_SECONDS << 32 >> 32)", FINITE),
        ("win32event.WaitForSingleObject(h, 0)", ZERO_WAIT),
        ("win32event.WaitForSingleObject(h, 500)", FINITE),
        ("win32event.WaitForSingleObject(h, timeout)", UNKNOWN_WAIT),
        ("win32event.WaitForMultipleObjects([h], 0, TEN_SECONDS)", FINITE),
        ("ctypes.windll.kernel32.WaitForMultipleObjects(1, hs, 0, 0xFFFFFFFF)", FOREVER),
        ("ctypes.windll.kernel32.Sleep(0)", ZERO_WAIT),
        ("time.sleep(0.25)", FINITE),
        ("time.sleep(0)", ZERO_WAIT),
        ("time.sleep(PAUSE)", FINITE),
        ("time.sleep(timeout)", UNKNOWN_WAIT),
        ("ev.wait()", FOREVER),
        ("ev.wait(None)", FOREVER),
        ("ev.wait(0)", ZERO_WAIT),
        ("ev.wait(timeout=2.5)", FINITE),
        ("q.get()", FOREVER),
        ("q.get(False)", ZERO_WAIT),
        ("q.get(block=False)", ZERO_WAIT),
        ("q.get(True, 1)", FINITE),
        ("q.get(timeout=0)", ZERO_WAIT),
        ("q.join()", FOREVER),
        ("t.join()", FOREVER),
        ("t.join(5)", FINITE),
        ("sem.acquire()", FOREVER),
        ("sem.acquire(False)", ZERO_WAIT),
        ("cond.wait_for(ready, 3)", FINITE),
    ],
)
def test_wait_timeouts(call: str, expected: str) -> None:
    an = make(
        f"""
        TEN_SECONDS = 10000
        FOREVER_MS = -1
        PAUSE = 1.5
        ev = threading.Event()
        q = queue.Queue()
        t = threading.Thread(target=print)
        sem = threading.BoundedSemaphore(2)
        cond = threading.Condition()

        def work(h, hs, timeout, ready):
            {call}
        """
    )
    s = site(an, call)
    wait = an.waits.classify(s)
    assert wait is not None and wait.timeout == expected


def test_objects_not_created_by_the_module_are_not_waits() -> None:
    an = make(
        """
        class Svc:
            def __init__(self, ev):
                self.ev = ev
                self.mixed = threading.Event() if ev else queue.Queue()

            def run(self, other):
                self.ev.wait()
                other.wait()
                self.mixed.get()
                "x".join([])
        """
    )
    for text in ("self.ev.wait()", "other.wait()", "self.mixed.get()", '"x".join'):
        assert an.waits.classify(site(an, text)) is None, text
    # positive twin: the same waits on objects the module creates are classified
    twin = make(
        """
        class Svc:
            def __init__(self, ev):
                self.ev = threading.Event()
                self.mixed = queue.Queue()

            def run(self, other):
                self.ev.wait()
                self.mixed.get()
        """
    )
    wait = twin.waits.classify(site(twin, "self.ev.wait()"))
    assert wait is not None and (wait.name, wait.timeout) == ("Event.wait", FOREVER)
    wait = twin.waits.classify(site(twin, "self.mixed.get()"))
    assert wait is not None and (wait.name, wait.timeout) == ("Queue.get", FOREVER)


def test_self_attributes_from_a_base_class_init() -> None:
    an = make(
        """
        class Base:
            def __init__(self):
                self.stop = None
                self.stop = threading.Event()
                self.jobs = queue.PriorityQueue()

        class Svc(Base):
            def run(self):
                self.stop.wait()
                self.jobs.get()
        """
    )
    assert an.waits.classify(site(an, "self.stop.wait()")).timeout == FOREVER  # type: ignore[union-attr]
    assert an.waits.classify(site(an, "self.jobs.get()")).name == "Queue.get"  # type: ignore[union-attr]


def test_pumping_loops_and_helpers() -> None:
    an = make(
        """
        def pump():
            ok, msg = win32gui.PeekMessage(None, 0, 0, 1)
            win32gui.DispatchMessage(msg)

        def run(h):
            while win32event.WaitForSingleObject(h, 100) == win32event.WAIT_TIMEOUT:
                pump()
            for _ in range(3):
                time.sleep(1)
            while True:
                time.sleep(2)
                if done():
                    pythoncom.PumpWaitingMessages()
        """
    )
    waits = an.waits
    assert waits.in_pumping_loop(site(an, "win32event.WaitForSingleObject"))
    assert not waits.in_pumping_loop(site(an, "time.sleep(1)"))
    assert waits.in_pumping_loop(site(an, "time.sleep(2)"))
    assert waits.is_pump(site(an, "pump()"))


def test_the_nearest_loops_decide_whether_a_wait_is_pumped() -> None:
    # serve pumps in its later loop, so the loop of run pumps through it; the
    # sleep in serve's retry loop is still not pumped (its own loop never pumps)
    body = """
    def run(stop):
        mapi.MAPIInitialize(INIT)
        while True:
            serve(stop)
            batch(stop)

    def serve(stop):
        for attempt in range(3):
            time.sleep(5)
        win32event.WaitForSingleObject(stop, 100)
        while True:
            pythoncom.PumpWaitingMessages()
            time.sleep(0.1)

    def batch(stop):
        settle(stop)
        for item in range(10):
            settle(stop)

    def settle(stop):
        win32event.WaitForSingleObject(stop, 50)
    """
    an = make(body)
    waits = an.waits
    assert not waits.pumped(site(an, "time.sleep(5)"))
    assert waits.pumped(site(an, "win32event.WaitForSingleObject(stop, 100)"))
    assert waits.pumped(site(an, "time.sleep(0.1)"))
    # settle is called outside batch's loops (the context carries) and inside a
    # loop of batch that does not pump (it does not carry): may be pumped
    assert waits.pumped(site(an, "win32event.WaitForSingleObject(stop, 50)"))
    assert findings(body) == {(line_of(body, "time.sleep(5)"), "MPS401")}
    only_in_a_loop = body.replace("        settle(stop)\n        for", "        for")
    assert findings(only_in_a_loop) == {
        (line_of(body, "time.sleep(5)"), "MPS401"),
        (line_of(body, "WaitForSingleObject(stop, 50)") - 1, "MPS401"),
    }


# -- MsgWaitForMultipleObjects -----------------------------------------------------------------


def msgwait(body: str) -> MsgWait:
    an = make(body)
    sites = [s for key in MSGWAIT_KEYS for s in an.sites(key)]
    assert len(sites) == 1
    return an.msgwait(sites[0])


def test_message_case_reaches_the_else_branch() -> None:
    info = msgwait(
        """
        def run(stop, work):
            while True:
                rc = win32event.MsgWaitForMultipleObjects((stop, work), 0, -1, 0xFF)
                if rc == win32event.WAIT_OBJECT_0:
                    break
                elif rc == win32event.WAIT_OBJECT_0 + 1:
                    continue
                else:
                    pythoncom.PumpWaitingMessages()
        """
    )
    assert info.handles == 2 and info.reaches_pump is True and not info.wrong


def test_message_case_that_loops_back_without_a_pump() -> None:
    info = msgwait(
        """
        def run(stop):
            while True:
                rc = win32event.MsgWaitForMultipleObjects([stop], 0, 500, 0xFF)
                if rc == win32event.WAIT_OBJECT_0:
                    break
                if rc == win32event.WAIT_TIMEOUT:
                    pythoncom.PumpWaitingMessages()
                    continue
            pythoncom.PumpWaitingMessages()
        """
    )
    assert info.reaches_pump is False


def test_exit_of_a_conditional_loop_reaches_a_pump_after_it() -> None:
    info = msgwait(
        """
        def run(stop, running):
            while running():
                rc = win32event.MsgWaitForMultipleObjects([stop], 0, 500, 0xFF)
                if rc == win32event.WAIT_OBJECT_0:
                    return
            pythoncom.PumpWaitingMessages()
        """
    )
    assert info.reaches_pump is True


def test_len_of_the_same_list_and_of_another() -> None:
    same = msgwait(
        """
        def run(handles):
            while True:
                rc = win32event.MsgWaitForMultipleObjects(handles, 0, -1, 0xFF)
                if rc < win32event.WAIT_OBJECT_0 + len(handles):
                    return rc
                if rc == win32event.WAIT_OBJECT_0 + len(handles):
                    pythoncom.PumpWaitingMessages()
        """
    )
    assert same.handles is None and same.reaches_pump is True and not same.wrong
    other = msgwait(
        """
        def run(handles, others):
            rc = win32event.MsgWaitForMultipleObjects(handles, 0, -1, 0xFF)
            if rc == win32event.WAIT_OBJECT_0 + len(others):
                pythoncom.PumpWaitingMessages()
        """
    )
    # the branch may be the message case: the pump may be reached, and k is unknown
    assert other.reaches_pump is True and not other.wrong


def test_mutated_handle_list_has_no_known_count() -> None:
    info = msgwait(
        """
        def run(stop, extra):
            handles = [stop]
            handles.append(extra)
            rc = win32event.MsgWaitForMultipleObjects(handles, 0, -1, 0xFF)
            if rc == win32event.WAIT_OBJECT_0 + 1:
                pythoncom.PumpWaitingMessages()
        """
    )
    assert info.handles is None and not info.wrong


def test_the_result_escaping_is_unknown() -> None:
    info = msgwait(
        """
        def run(stop, handle):
            rc = win32event.MsgWaitForMultipleObjects([stop], 0, -1, 0xFF)
            handle(rc)
        """
    )
    assert info.reaches_pump is None


@pytest.mark.parametrize(
    "body, expected",
    [
        (
            """
            def run(stop):
                win32event.MsgWaitForMultipleObjects([stop], 0, 100, win32event.QS_ALLINPUT)
            """,
            {(3, "MPS402")},
        ),
        # a discarded result in a loop that pumps on every turn: the message case
        # falls through to the pump (after the wait, or before it on the next turn)
        (
            """
            def run(stop):
                while True:
                    win32event.MsgWaitForMultipleObjects([stop], 0, 100, win32event.QS_ALLINPUT)
                    pythoncom.PumpWaitingMessages()
            """,
            set(),
        ),
        (
            """
            def run(stop):
                while True:
                    win32gui.PumpWaitingMessages()
                    win32event.MsgWaitForMultipleObjects([stop], 0, 100, win32event.QS_ALLINPUT)
            """,
            set(),
        ),
        # its positive twin: no pump before the wait on the next turn
        (
            """
            def run(stop):
                while True:
                    print("tick")
                    win32event.MsgWaitForMultipleObjects([stop], 0, 100, win32event.QS_ALLINPUT)
            """,
            {(5, "MPS402")},
        ),
        (
            """
            def run(stop):
                while True:
                    win32event.MsgWaitForMultipleObjects([stop], 0, 100, win32event.QS_ALLINPUT)
                    print("tick")
            """,
            {(4, "MPS402")},
        ),
        (
            """
            def run(stop, work):
                while True:
                    rc = win32event.MsgWaitForMultipleObjects([stop, work], 0, -1, 0xFF)
                    if rc == win32event.WAIT_OBJECT_0 + 1:
                        pythoncom.PumpWaitingMessages()
                    elif rc == win32event.WAIT_OBJECT_0:
                        break
            """,
            {(4, "MPS403")},
        ),
        (
            """
            def run(stop, work):
                while True:
                    rc = win32event.MsgWaitForMultipleObjects([stop, work], 0, -1, 0xFF)
                    if rc in (win32event.WAIT_OBJECT_0 + 1, win32event.WAIT_OBJECT_0 + 2):
                        pythoncom.PumpWaitingMessages()
                    elif rc == win32event.WAIT_OBJECT_0:
                        break
            """,
            set(),
        ),
        (
            """
            def run(stop):
                rc = win32event.MsgWaitForMultipleObjectsEx([stop], -1, 0x40, 0)
                if rc != win32event.WAIT_OBJECT_0:
                    pythoncom.PumpWaitingMessages()
            """,
            {(3, "MPS404")},
        ),
        (
            """
            def run(stop):
                mask = win32event.QS_TIMER
                if stop:
                    mask |= win32event.QS_POSTMESSAGE
                rc = win32event.MsgWaitForMultipleObjects([stop], 0, -1, mask)
                if rc == win32event.WAIT_OBJECT_0 + 1:
                    pythoncom.PumpWaitingMessages()
            """,
            set(),
        ),
        # its positive twin: no path adds QS_POSTMESSAGE to the mask
        (
            """
            def run(stop):
                mask = win32event.QS_TIMER
                if stop:
                    mask |= win32event.QS_TIMER
                rc = win32event.MsgWaitForMultipleObjects([stop], 0, -1, mask)
                if rc == win32event.WAIT_OBJECT_0 + 1:
                    pythoncom.PumpWaitingMessages()
            """,
            {(6, "MPS404")},
        ),
    ],
)
def test_msgwait_codes(body: str, expected: Set[Tuple[int, str]]) -> None:
    assert findings(body) == expected


# -- the rules end to end ----------------------------------------------------------------------


def test_mps401_and_mps110_on_a_service() -> None:
    body = """
    class Svc(win32serviceutil.ServiceFramework):
        def SvcDoRun(self):
            mapi.MAPIInitialize(INIT)
            self.session = mapi.MAPILogonEx(0, "", None, LOGON)
            win32event.WaitForSingleObject(self.stop, win32event.INFINITE)
            mapi.MAPIUninitialize()

        def SvcStop(self):
            self.session.Logoff(0, 0, 0)
            win32event.WaitForSingleObject(self.stop, win32event.INFINITE)
    """
    assert findings(body) == {
        (line_of(body, "WaitForSingleObject(self.stop"), "MPS401"),
        (line_of(body, "Logoff"), "MPS110"),
    }
    # not service code: nothing (service-only codes)
    assert findings(body, Settings(service_mode="never")) == set()


def test_extra_blocking_calls_option() -> None:
    body = """
    import mylib

    def run():
        mapi.MAPIInitialize(INIT)
        mylib.block()
        block_here()
        while True:
            mylib.block()
            pythoncom.PumpWaitingMessages()

    def block_here():
        pass
    """
    settings = Settings.from_values(
        service_mode="always", extra_blocking_calls="mylib.block,block_here"
    )
    assert findings(body, settings) == {
        (line_of(body, "    mylib.block()"), "MPS401"),
        (line_of(body, "    block_here()"), "MPS401"),
    }
    assert findings(body) == set()


# -- scale ----------------------------------------------------------------------------------------


def test_three_thousand_mutually_calling_functions() -> None:
    n = 3000
    lines = ["import time", "from win32com.mapi import mapi", "", "def f0():"]
    lines += ["    mapi.MAPIInitialize((0, 0x10000))", "    f1()"]
    for i in range(1, n):
        lines += [f"def f{i}():", f"    f{(i + 1) % n}()", f"    f{(i * 7) % n}()", "    f0()"]
    lines += [f"def f{n}():", "    time.sleep(5)", "def g():", f"    f{n - 1}()", f"    f{n}()"]
    start = time.perf_counter()
    results = analyze([line + "\n" for line in lines], "big.py", ALWAYS)
    assert time.perf_counter() - start < 120
    assert [(r.line, r.code) for r in results if r.code == "MPS401"] == [(len(lines) - 3, "MPS401")]


def _nested(header: str, depth: int, inner: List[str]) -> List[str]:
    lines = []
    indent = "    "
    for _ in range(depth):
        lines.append(indent + header)
        indent += "    "
    return lines + [indent + text for text in inner]


def _deep_nesting(header: str, depth: int) -> List[str]:
    inner = [
        "time.sleep(3)",
        "rc = win32event.MsgWaitForMultipleObjects([h], 0, 100, win32event.QS_ALLINPUT)",
        "if rc == 0:",
        "    pythoncom.PumpWaitingMessages()",
    ]
    body = _nested(header, depth, inner)
    if header == "try:":
        # close every try from the inside out
        for level in range(depth, 0, -1):
            body.append("    " * level + "finally:")
            body.append("    " * level + "    pass")
    lines = ["import time, pythoncom, win32event", "from win32com.mapi import mapi", "def svc(h):"]
    return lines + ["    mapi.MAPIInitialize((0, 0x10000))"] + body


@pytest.mark.parametrize("header", ["while True:", "if ready():", "for x in xs:", "try:"])
def test_deep_nesting_terminates(header: str) -> None:
    depth = 90
    lines = _deep_nesting(header, depth)
    start = time.perf_counter()
    results = analyze([line + "\n" for line in lines], "deep.py", ALWAYS)
    assert time.perf_counter() - start < 60
    codes = {r.code for r in results}
    assert "MPS000" not in codes
    # the branch that pumps tests WAIT_OBJECT_0 + 0, and the message case (1) reaches no pump
    assert "MPS403" in codes and "MPS402" not in codes
    # the same findings as one level of nesting, each 89 lines further down
    shallow = analyze([line + "\n" for line in _deep_nesting(header, 1)], "deep.py", ALWAYS)
    shift = depth - 1
    deep = {(r.line, r.code) for r in results}
    assert deep == {(r.line + (shift if r.line > 4 else 0), r.code) for r in shallow}
    # the sleep blocks the MAPI thread unless it is in a loop that pumps
    sleep, wait = 4 + depth + 1, 4 + depth + 2
    want = {(4, "MPS106"), (4, "MPS107"), (wait, "MPS403")}
    if header in ("if ready():", "try:"):
        want.add((sleep, "MPS401"))
    assert deep == want


#: observed ~0.5 s for 2,000 elif branches; ~20x that for a loaded 2-core machine
ELIF_CHAIN_SECONDS = 10.0


def _elif_chain(else_branch: str) -> List[str]:
    lines = ["import pythoncom, win32event", "def svc(h):", "    while True:"]
    lines.append("        rc = win32event.MsgWaitForMultipleObjects([h], 0, 100, 0xFF)")
    lines += ["        if rc == 0:", "            break"]
    for i in range(2000):
        lines += [f"        elif rc == {i + 300}:", "            pass"]
    return lines + ["        else:", "            " + else_branch]


def test_long_elif_chain_on_the_result() -> None:
    lines = _elif_chain("pythoncom.PumpWaitingMessages()")
    start = time.perf_counter()
    results = analyze([line + "\n" for line in lines], "chain.py", ALWAYS)
    assert time.perf_counter() - start < ELIF_CHAIN_SECONDS
    assert [r.code for r in results] == []
    # positive twin: the same chain whose else branch does not pump never pumps the
    # message case (1), reported at the wait
    start = time.perf_counter()
    twin = analyze([line + "\n" for line in _elif_chain("pass")], "chain.py", ALWAYS)
    assert time.perf_counter() - start < ELIF_CHAIN_SECONDS
    assert [(r.line, r.code) for r in twin] == [(4, "MPS402")]


def test_a_message_branch_calling_an_unknown_function_is_unknown() -> None:
    info = msgwait(
        """
        from pumps import Pumper

        class Svc(Pumper):
            def run(self, stop):
                while True:
                    rc = win32event.MsgWaitForMultipleObjects([stop], 0, -1, 0xFF)
                    if rc == win32event.WAIT_OBJECT_0:
                        break
                    elif rc == win32event.WAIT_OBJECT_0 + 1:
                        self.pump_messages()
        """
    )
    assert info.reaches_pump is None and not info.wrong


def test_an_unseen_call_on_the_fall_through_path_is_unknown() -> None:
    body = """
        from pumps import Pumper

        class Svc(Pumper):
            def run(self, stop):
                while True:
                    rc = win32event.MsgWaitForMultipleObjects([stop], 0, -1, 0xFF)
                    if rc == win32event.WAIT_OBJECT_0:
                        break
                    self.log.info("woken")
                    {call}
        """
    assert msgwait(body.format(call="self.pump_messages()")).reaches_pump is None
    assert msgwait(body.format(call="print(rc)")).reaches_pump is False


def test_a_loop_calling_an_unseen_inherited_method_may_pump() -> None:
    body = """
    from pumps import Pumper

    class Svc(Pumper):
        def run(self, stop):
            mapi.MAPIInitialize(INIT)
            while True:
                self.{method}()
                win32event.WaitForSingleObject(stop, 1000)
            mapi.MAPIUninitialize()

        def poll(self):
            pass
    """
    assert findings(body.format(method="pump_messages")) == set()
    assert findings(body.format(method="poll")) == {(9, "MPS401")}


def test_timeouts_in_self_attributes() -> None:
    an = make(
        """
        class Svc:
            def __init__(self):
                self.timeout = 120000
                self.forever = win32event.INFINITE
                self.pause = 0.5
                self.varies = 1000

            def reconfigure(self, value):
                self.varies = value

            def run(self, stop):
                win32event.WaitForSingleObject(stop, self.timeout)
                win32event.WaitForSingleObject(stop, self.forever)
                time.sleep(self.pause)
                win32event.WaitForSingleObject(stop, self.varies)
        """
    )
    assert (
        an.waits.classify(site(an, "win32event.WaitForSingleObject(stop, self.timeout)")).timeout
        == FINITE
    )  # type: ignore[union-attr]
    assert (
        an.waits.classify(site(an, "win32event.WaitForSingleObject(stop, self.forever)")).timeout
        == FOREVER
    )  # type: ignore[union-attr]
    assert an.waits.classify(site(an, "time.sleep(self.pause)")).timeout == FINITE  # type: ignore[union-attr]
    assert (
        an.waits.classify(site(an, "win32event.WaitForSingleObject(stop, self.varies)")).timeout
        == UNKNOWN_WAIT
    )  # type: ignore[union-attr]


def test_deeply_nested_helpers() -> None:
    depth = 90
    lines = ["import time", "from win32com.mapi import mapi", "def f0():"]
    lines += ["    mapi.MAPIInitialize((0, 0x10000))", "    f1()"]
    indent = "    "
    for i in range(1, depth):
        lines.append(f"{indent}def f{i}():")
        indent += "    "
        lines.append(f"{indent}f{i + 1}()")
    lines.append(f"{indent}def f{depth}():")
    lines.append(f"{indent}    time.sleep(4)")
    lines.append(f"{indent}f{depth}()")
    results = analyze([line + "\n" for line in lines], "nested.py", ALWAYS)
    assert [(r.line, r.code) for r in results if r.code == "MPS401"] == [(len(lines) - 1, "MPS401")]


def test_a_zero_timeout_poll_is_not_mps404() -> None:
    body = """
    def poll(stop):
        rc = win32event.MsgWaitForMultipleObjectsEx([stop], {timeout}, 0, 0)
        return rc
    """
    assert findings(body.format(timeout=0)) == set()
    assert findings(body.format(timeout=100)) == {(3, "MPS404")}


def test_service_thread_that_never_initializes_is_another_thread() -> None:
    body = """
    class MapiWorker:
        def __init__(self):
            self.session = None

        def start(self):
            pythoncom.OleInitialize()
            mapi.MAPIInitialize(INIT)
            self.session = mapi.MAPILogonEx(0, "", None, LOGON)

    class Svc(win32serviceutil.ServiceFramework):
        def SvcDoRun(self):
            self.worker = threading.Thread(target=self.run_mapi)
            self.worker.start()
            self.worker.join()
            self.session.Logoff(0, 0, 0)

        def run_mapi(self):
            mapi.MAPIInitialize(INIT)
            self.session = mapi.MAPILogonEx(0, "", None, LOGON)
            mapi.MAPIUninitialize()

    class Helped(win32serviceutil.ServiceFramework):
        def SvcDoRun(self):
            helper = MapiWorker()
            helper.start()
            session = mapi.MAPILogonEx(0, "", None, LOGON)
            session.Logoff(0, 0, 0)
    """
    an = make(body)
    labels = {r.label for r in an.threads.other_threads()}
    assert "service thread (Svc.SvcDoRun)" in labels
    assert not any("Helped" in label for label in labels)  # helper.start() initializes
    assert findings(body) == {(line_of(body, "self.session.Logoff"), "MPS110")}
