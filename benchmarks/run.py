"""flake8 with this plugin against flake8 without it, in one run.

    python benchmarks/run.py            # every figure, a few minutes on 2 cores
    python benchmarks/run.py --quick    # fewer rounds and files, for a smoke test

Each benchmark runs whole flake8 processes (``benchmarks/flake8_side.py``), the
two sides alternating (with, without, without, with, ...) for several rounds,
with ``--isolated -j1`` so that neither config files nor parallelism blur the
cost of the plugin.  It prints, per benchmark, the median wall time of each
side, the median of the per-round ratios (first side / second side) of wall
time (the targets) and of CPU time (user + system: steadier on a busy
machine), and the median peak memory (max RSS of the process) of each side:

a. real code without MAPI: a sample of Python's own standard library, as a
   project of its own (the project is read, nothing is parsed for it);
b. a generated project of about 300 modules (32 MAPI and service modules
   calling across modules, the rest ordinary code), with a cold cache (emptied
   before every run), a warm one (nothing changed: the findings kept on disk
   are reported), and a warm one after an edit of one MAPI module (a comment
   line added before every run: its component is analysed again);
c. the editor case: one MAPI module of that project, just edited, checked
   alone with a warm cache, against the same run with ``--mapi-single-file``
   (both with the plugin: what reading the project adds);
d. MAPI-dense service code: a few hundred modules generated from fixtures/;
e. one large service file (about 18,000 lines) generated from fixtures/;
f. one small file without MAPI, the whole process;
g. one large service class: a file of about 20,000 lines that is a single
   ``ServiceFramework`` subclass (no top-level statement to cut the parse at);
h. fix a 5,000-call file: ``flake8-mapi-service fix`` on a generated service
   module of 5,000 MAPI calls it repairs (``corpus.fix_calls_file``: flags
   inline, omitted, with a UI bit, in a local variable), against flake8 with
   the plugin analysing the same file; the file is restored before every run
   of either side, so both always see the unfixed text;

d, e, g and h measure the analysis: the findings kept on disk for unchanged
files (``results.py``) are removed before every run of the plugin's side (the
summaries of other modules stay warm).  The package is byte-compiled first, as
an installed package is.

and the plugin's own split (text check, parse, analysis, positions), measured
in this process on the inputs of a, d, e and g.  Every input is a copy in a
temporary folder: where the interpreter lives must not decide the project the
plugin reads (a git checkout above the standard library would be read whole).
Requires the project installed
(``pip install -e .``) and a POSIX system (peak memory comes from wait4).
"""

from __future__ import annotations

import argparse
import ast
import compileall
import os
import platform
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
import tokenize
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402

SIDE = str(HERE / "flake8_side.py")
COMMON = ["--isolated", "-j1", "--exit-zero"]


# -- one process ---------------------------------------------------------------


@dataclass(frozen=True)
class Side:
    """One side of a comparison: with or without the plugin, its own arguments,
    its folder, and what to do before each run (empty a cache, restore a file).
    ``fix`` runs ``flake8-mapi-service fix`` instead of flake8."""

    plugin: bool
    args: Tuple[str, ...] = ()
    cwd: Optional[str] = None
    prepare: Optional[Callable[[], None]] = None
    fix: bool = False


WITH = Side(True)
WITHOUT = Side(False)


def run_side(side: Side, paths: Sequence[str]) -> Tuple[float, float, int]:
    """(wall seconds, CPU seconds, peak RSS in KiB) of one flake8 process."""
    if side.prepare is not None:
        side.prepare()
    if side.fix:
        argv = [sys.executable, "-m", "flake8_mapi_service.cli", "fix", *side.args, *paths]
    else:
        flag = "--with-plugin" if side.plugin else "--without-plugin"
        argv = [sys.executable, SIDE, flag, *COMMON, *side.args, *paths]
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=side.cwd)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    if proc.stderr:
        proc.stderr.close()
    # fix exits 1 when it fixed something
    if proc.returncode != 0 and not (side.fix and proc.returncode == 1):
        raise SystemExit(f"flake8 failed ({proc.returncode}): {' '.join(argv[:4])}...\n{err}")
    rss = usage.ru_maxrss // 1024 if sys.platform == "darwin" else usage.ru_maxrss
    return wall, usage.ru_utime + usage.ru_stime, rss


@dataclass
class Figures:
    name: str
    files: int
    lines: int
    walls: Dict[bool, List[float]] = field(default_factory=lambda: {True: [], False: []})
    rss: Dict[bool, List[int]] = field(default_factory=lambda: {True: [], False: []})
    ratios: List[float] = field(default_factory=list)
    cpu_ratios: List[float] = field(default_factory=list)

    def wall(self, side: bool) -> float:
        return statistics.median(self.walls[side])

    def peak(self, side: bool) -> float:
        return statistics.median(self.rss[side]) / 1024

    @property
    def ratio(self) -> float:
        return statistics.median(self.ratios)

    @property
    def cpu_ratio(self) -> float:
        return statistics.median(self.cpu_ratios)

    @property
    def memory_ratio(self) -> float:
        return statistics.median(self.rss[True]) / statistics.median(self.rss[False])


def compare(
    name: str,
    paths: Sequence[str],
    rounds: int,
    lines: int,
    first: Side = WITH,
    second: Side = WITHOUT,
    files: Optional[int] = None,
) -> Figures:
    """``first`` against ``second`` (by default: with the plugin against without)."""
    figures = Figures(name, files if files is not None else len(paths), lines)
    run_side(first, paths)  # warm the file cache and the byte-code of both sides
    run_side(second, paths)
    sides = {True: first, False: second}
    for r in range(rounds):
        order = (True, False) if r % 2 == 0 else (False, True)
        walls: Dict[bool, float] = {}
        cpus: Dict[bool, float] = {}
        for which in order:
            wall, cpu, rss = run_side(sides[which], paths)
            walls[which] = wall
            cpus[which] = cpu
            figures.walls[which].append(wall)
            figures.rss[which].append(rss)
        figures.ratios.append(walls[True] / walls[False])
        figures.cpu_ratios.append(cpus[True] / cpus[False])
    return figures


# -- inputs ----------------------------------------------------------------------


def stdlib_sample(count: int) -> List[Path]:
    """``count`` top-level modules of the standard library, evenly spread by name."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    modules = sorted(p for p in stdlib.glob("*.py") if p.stat().st_size > 2_000)
    if count >= len(modules):
        return modules
    step = len(modules) / count
    return [modules[int(i * step)] for i in range(count)]


def small_file() -> Path:
    """A small stdlib module without MAPI (``colorsys``: about 170 lines)."""
    return Path(sysconfig.get_paths()["stdlib"]) / "colorsys.py"


def copied(paths: Sequence[Path], directory: Path) -> List[Path]:
    """``paths`` copied into ``directory`` (same names)."""
    directory.mkdir(parents=True, exist_ok=True)
    out = []
    for path in paths:
        target = directory / path.name
        shutil.copyfile(path, target)
        out.append(target)
    return out


def count_lines(paths: Sequence[Path]) -> int:
    return sum(p.read_bytes().count(b"\n") for p in paths)


# -- the plugin's own split ---------------------------------------------------------


def plugin_split(paths: Sequence[Path]) -> Dict[str, float]:
    """Seconds spent in the plugin's stages over ``paths``, in this process."""
    from flake8_mapi_service import runner
    from flake8_mapi_service.analysis import source
    from flake8_mapi_service.prefilter import may_concern_mapi
    from flake8_mapi_service.settings import Settings

    spent = {"text check": 0.0, "parse": 0.0, "analysis": 0.0, "positions": 0.0}
    original_parse = source.parse
    original_positions = runner.Positions

    def timed_parse(text: Any) -> Any:
        t = time.perf_counter()
        try:
            return original_parse(text)
        finally:
            spent["parse"] += time.perf_counter() - t

    class TimedPositions(original_positions):  # type: ignore[misc, valid-type]
        def of_call(self, node: Any, index: int) -> Tuple[int, int]:
            t = time.perf_counter()
            try:
                return super().of_call(node, index)
            finally:
                spent["positions"] += time.perf_counter() - t

    settings = Settings(single_file=True)
    inputs = []
    for path in paths:
        with tokenize.open(path) as f:
            lines = f.read().splitlines(keepends=True)
        inputs.append((str(path), lines, ast.parse("".join(lines))))
    # parse_lines calls the module's ``parse`` for the whole text and for each piece
    source.parse = timed_parse  # type: ignore[assignment]
    runner.Positions = TimedPositions  # type: ignore[misc]
    total = 0.0
    try:
        for filename, lines, tree in inputs:
            t = time.perf_counter()
            concerned = may_concern_mapi(lines)
            spent["text check"] += time.perf_counter() - t
            if concerned:
                t = time.perf_counter()
                runner.analyze(lines, filename, settings, tree)
                total += time.perf_counter() - t
    finally:
        source.parse = original_parse  # type: ignore[assignment]
        runner.Positions = original_positions  # type: ignore[misc]
    spent["analysis"] = total - spent["parse"] - spent["positions"]
    return spent


# -- report ---------------------------------------------------------------------------


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import flake8
    import libcst

    libcst_version = getattr(libcst, "__version__", None)
    if libcst_version is None:
        from importlib.metadata import version

        libcst_version = version("libcst")
    return (
        f"{cpu}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, flake8 {flake8.__version__}, libcst {libcst_version}"
    )


def report(all_figures: Sequence[Tuple[Figures, str, Callable[[Figures], bool]]]) -> None:
    print()
    print(
        f"{'benchmark':<36} {'files':>5} {'lines':>7} {'with':>8} {'without':>8} "
        f"{'ratio':>6} {'cpu':>5} {'peak with':>10} {'peak w/o':>9} {'mem':>5}  target"
    )
    for f, target, ok in all_figures:
        print(
            f"{f.name:<36} {f.files:>5} {f.lines:>7} {f.wall(True):>7.2f}s {f.wall(False):>7.2f}s "
            f"{f.ratio:>6.2f} {f.cpu_ratio:>5.2f} {f.peak(True):>8.0f}MB {f.peak(False):>7.0f}MB "
            f"{f.memory_ratio:>5.2f}  {target} {'ok' if ok(f) else 'MISSED'}"
        )


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds and files")
    parser.add_argument("--rounds", type=int, default=None, help="rounds per benchmark")
    parser.add_argument("--stdlib-files", type=int, default=None, help="stdlib modules (a)")
    parser.add_argument("--corpus-files", type=int, default=300, help="generated modules (c)")
    parser.add_argument("--only", default="abcdefgh", help="which benchmarks, e.g. --only=cd")
    args = parser.parse_args(argv)
    rounds = args.rounds or (1 if args.quick else 5)
    stdlib_count = args.stdlib_files or (10 if args.quick else 60)
    corpus_count = 30 if args.quick else args.corpus_files

    # the package's bytecode, as an installed package has it (a machine that sets
    # PYTHONDONTWRITEBYTECODE would otherwise compile its sources in every process)
    compileall.compile_dir(
        str(Path(__file__).resolve().parent.parent / "flake8_mapi_service"), quiet=1
    )
    print(f"machine: {machine()}")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="mps-bench-") as tmp:
        work = Path(tmp)
        # the scan memo lives in the user's cache folder: a private one here, so that
        # "cold" is cold and the user's own cache is left alone
        user_cache = work / "user-cache"
        os.environ["XDG_CACHE_HOME"] = str(user_cache)
        stdlib_root = corpus.stdlib_project(work / "stdlib", stdlib_sample(stdlib_count))
        stdlib = sorted(stdlib_root.glob("*.py"))
        (small,) = copied([small_file()], work / "small")
        ordinary = stdlib_sample(200)
        project, mapi_modules = corpus.generated_project(work / "project", ordinary)
        project_files = sorted(project.rglob("*.py"))
        cache = project / ".mapi_service_cache"
        mailer = next(p for p in mapi_modules if p.name == "mailer.py")
        services = corpus.service_corpus(work / "services", count=corpus_count)
        large = corpus.large_service_file(work / "large" / "large_service.py")
        big_class = corpus.large_service_class(work / "class" / "large_service_class.py")
        to_fix = corpus.fix_calls_file(work / "fix" / "fix_calls.py", calls=5_000)
        unfixed = to_fix.read_bytes()

        def restore() -> None:
            to_fix.write_bytes(unfixed)

        mailer_text = mailer.read_bytes()
        edits = [0]

        def edit_mailer() -> None:
            # the editor case: the checked module has just changed (a new comment line
            # each run), so its own findings are never the ones kept on disk
            edits[0] += 1
            mailer.write_bytes(mailer_text + f"# edit {edits[0]}\n".encode())

        def forget_findings(folder: Path) -> Callable[[], None]:
            # d, e, g and h measure the analysis: the findings kept on disk (which a
            # run of the same unchanged files would report) are removed before each run
            def forget() -> None:
                shutil.rmtree(folder / ".mapi_service_cache" / "findings", ignore_errors=True)

            return forget

        def empty_cache() -> None:
            shutil.rmtree(cache, ignore_errors=True)
            shutil.rmtree(user_cache, ignore_errors=True)

        results: List[Tuple[Figures, str, Callable[[Figures], bool]]] = []
        plan: List[
            Tuple[str, List[Path], Sequence[str], int, str, Callable[[Figures], bool], Side, Side]
        ] = [
            (
                "a. stdlib sample (no MAPI)",
                stdlib,
                [str(stdlib_root)],
                rounds,
                "ratio <= 1.05",
                lambda f: f.ratio <= 1.05,
                WITH,
                WITHOUT,
            ),
            (
                "b. 300-module project, cold cache",
                project_files,
                [str(project)],
                rounds,
                "ratio <= 1.3, mem <= 2.5x",
                lambda f: f.ratio <= 1.3 and f.memory_ratio <= 2.5,
                Side(True, prepare=empty_cache),
                WITHOUT,
            ),
            (
                "b. 300-module project, warm cache",
                project_files,
                [str(project)],
                rounds,
                "ratio <= 1.1",
                lambda f: f.ratio <= 1.1,
                WITH,
                WITHOUT,
            ),
            (
                "b. the project, warm, one module edited",
                project_files,
                [str(project)],
                rounds,
                "(no target)",
                lambda f: True,
                Side(True, prepare=edit_mailer),
                Side(False, prepare=edit_mailer),
            ),
            (
                "c. one edited module of it, warm (vs single-file)",
                [mailer],
                [str(mailer)],
                rounds * 3,
                "ratio <= 1.15",
                lambda f: f.ratio <= 1.15,
                Side(True, prepare=edit_mailer),
                Side(True, ("--mapi-single-file",), prepare=edit_mailer),
            ),
            (
                "d. MAPI-dense service corpus",
                services,
                [str(p) for p in services],
                rounds,
                "ratio <= 2.0",
                lambda f: f.ratio <= 2.0,
                Side(True, prepare=forget_findings(services[0].parent)),
                WITHOUT,
            ),
            (
                "e. one large service file",
                [large],
                [str(large)],
                max(1, rounds - 2),
                "mem <= 3x",
                lambda f: f.memory_ratio <= 3.0,
                Side(True, prepare=forget_findings(large.parent)),
                WITHOUT,
            ),
            (
                "f. one small file, whole process",
                [small],
                [str(small)],
                rounds * 3,
                "ratio <= 1.15",
                lambda f: f.ratio <= 1.15,
                WITH,
                WITHOUT,
            ),
            (
                "g. one large service class",
                [big_class],
                [str(big_class)],
                max(1, rounds - 2),
                "mem <= 2.5x",
                lambda f: f.memory_ratio <= 2.5,
                Side(True, prepare=forget_findings(big_class.parent)),
                WITHOUT,
            ),
            (
                "h. fix a 5,000-call file (vs flake8)",
                [to_fix],
                [str(to_fix)],
                max(1, rounds - 2),
                "ratio <= 3",
                lambda f: f.ratio <= 3.0,
                Side(True, prepare=restore, fix=True),
                Side(True, prepare=lambda: (restore(), forget_findings(to_fix.parent)())),
            ),
        ]
        for name, files, paths, n, target, ok, first, second in plan:
            if name[0] not in args.only:
                continue
            print(f"running {name} ({len(files)} files, {n} rounds per side)...", flush=True)
            figures = compare(name, paths, n, count_lines(files), first, second, len(files))
            results.append((figures, target, ok))
        report(results)

        print()
        print("the plugin's own split (this process, seconds; analysis includes rules):")
        for name, paths in (("a", stdlib), ("d", services), ("e", [large]), ("g", [big_class])):
            if name not in args.only:
                continue
            spent = plugin_split(paths)
            parts = "  ".join(f"{k} {v:.3f}" for k, v in spent.items())
            print(f"  {name}: {parts}  total {sum(spent.values()):.3f}")
    print(f"\nbenchmark took {time.perf_counter() - started:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
