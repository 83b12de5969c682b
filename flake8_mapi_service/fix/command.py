"""The ``fix`` subcommand: files in, fixed files (or a diff) out."""

from __future__ import annotations

import argparse
import codecs
import difflib
import os
import sys
from typing import Dict, Iterable, Iterator, List, Optional, Sequence

from ..analysis.atomic import cannot_write, write_atomically
from ..analysis.link import display_path
from ..settings import Settings
from .config import config_excludes, config_path, config_values, ignored_codes, noqa_disabled
from .verify import encoding_of, fix_bytes

_SKIP_DIRS = frozenset({"__pycache__", "node_modules", "site-packages"})


def iter_python_files(paths: Sequence[str]) -> Iterator[str]:
    for path in paths:
        if os.path.isdir(path):
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _SKIP_DIRS)
                for name in sorted(files):
                    if name.endswith((".py", ".pyw")):
                        yield os.path.join(root, name)
        else:
            yield path


def _diff(path: str, old: str, new: str) -> str:
    """A unified diff ``git apply`` takes: ``a/`` and ``b/`` before the path, relative
    to the current folder when the file is inside it."""
    name = diff_path(path)
    lines = difflib.unified_diff(
        old.splitlines(keepends=True),
        new.splitlines(keepends=True),
        fromfile=f"a/{name}",
        tofile=f"b/{name}",
    )
    out: List[str] = []
    for line in lines:
        if not line.endswith("\n"):
            line += "\n\\ No newline at end of file\n"
        out.append(line)
    return "".join(out)


def diff_path(path: str) -> str:
    """``path`` as a diff names it: relative to the current folder with ``/`` when it
    is inside it, else from the root of its file system."""
    absolute = os.path.abspath(path)
    here = os.getcwd()
    try:
        inside = os.path.commonpath([absolute, here]) == here
    except ValueError:  # another drive
        inside = False
    if inside:
        return os.path.relpath(absolute, here).replace(os.sep, "/")
    # outside: from the root of its file system (``git apply`` refuses absolute names)
    return os.path.splitdrive(absolute)[1].replace(os.sep, "/").lstrip("/")


def max_line_length(args: argparse.Namespace, config: Dict[str, str]) -> int:
    """flake8's ``max-line-length``: the option, else the config's, else 79."""
    value = getattr(args, "max_line_length", None)
    if value is None:
        raw = config.get("max-line-length", "").strip() or "79"
        try:
            value = int(raw)
        except ValueError:
            raise ValueError(f"max-line-length must be a number, not {raw!r}") from None
    if value < 1:
        raise ValueError(f"max-line-length must be a positive number, not {value}")
    return value


def run(args: argparse.Namespace) -> int:
    """The ``fix`` subcommand.  0: nothing to fix; 1: something was (or would be)
    fixed, a finding is left to fix by hand, or a file cannot be parsed (or analysed);
    2: usage error."""
    missing = [p for p in args.paths if not os.path.exists(p)]
    if missing:
        for p in missing:
            print(f"flake8-mapi-service fix: {p}: no such file or directory", file=sys.stderr)
        return 2
    config = config_values(os.getcwd())
    mode = args.mapi_service or config.get("mapi-service") or "auto"
    paths = args.mapi_service_paths
    if paths is None:
        paths = config.get("mapi-service-paths")
    try:
        settings = Settings.from_values(
            service_mode=mode,
            service_paths=paths,
            project_root=config_path(config, "mapi-project-root"),
            exclude=config_excludes(config),
            single_file=config.get("mapi-single-file", False),
            no_cache=True,
        )
        length = max_line_length(args, config)
    except ValueError as exc:
        print(f"flake8-mapi-service fix: {exc}", file=sys.stderr)
        return 2
    report = sys.stderr if args.diff else sys.stdout
    fixed_count = 0
    changed_files = 0
    left_count = 0
    failed = 0  # files that cannot be read, parsed or analysed
    unwritten_count = 0  # findings whose fix could not be written
    for path in iter_python_files(args.paths):
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError as exc:
            print(f"{path}: cannot be read ({exc.strerror})", file=sys.stderr)
            failed += 1
            continue
        try:
            outcome = fix_bytes(
                data,
                path,
                settings,
                ignored_codes(config, path),
                noqa_disabled(config),
                max_line_length=length,
            )
        except Exception as exc:  # noqa: BLE001 - one bad file must not stop the others
            print(f"{path}: not fixed: analysis failed ({type(exc).__name__})", file=sys.stderr)
            failed += 1
            continue
        if outcome.error:
            print(f"{path}: {outcome.error}", file=sys.stderr)
            failed += 1
            continue
        changes = (
            [(path, outcome.original, outcome.fixed, outcome.encoding)] if outcome.changed else []
        )
        # the other modules first: when one cannot be written, the file itself is not
        changes[:0] = [
            (display_path(c.path), c.original, c.fixed, None)
            for c in outcome.others
            if c.fixed != c.original
        ]
        unwritten = None if args.diff else _refused(c[0] for c in changes)
        for changed_path, original, fixed, known in changes:
            if unwritten is not None:
                break
            if args.diff:
                _write_diff(changed_path, original, fixed, known or encoding_of(original))
                continue
            try:
                write_atomically(changed_path, fixed, keep_mode=True)
            except OSError as exc:
                print(f"{changed_path}: cannot be written ({exc.strerror})", file=sys.stderr)
                unwritten = changed_path
        if unwritten is not None:
            for line, col, code in outcome.fixes:
                why = f"{unwritten} cannot be written"
                print(f"{path}:{line}:{col}: {code} not fixed: {why}", file=report)
            unwritten_count += len(outcome.fixes)
        else:
            for line, col, code in outcome.fixes:
                verb = "would fix" if args.diff else "fixed"
                print(f"{path}:{line}:{col}: {code} {verb}", file=report)
            fixed_count += len(outcome.fixes)
            changed_files += len(changes)
        for line, col, code, reason in outcome.left:
            print(f"{path}:{line}:{col}: {code} not fixed: {reason}", file=report)
        left_count += len(outcome.left)
    if fixed_count or left_count or unwritten_count or failed:
        verb = "would fix" if args.diff else "fixed"
        summary = f"{verb} {fixed_count} finding(s) in {changed_files} file(s)"
        if left_count:
            summary += f"; {left_count} left to fix by hand"
        if unwritten_count:
            summary += f"; {unwritten_count} not fixed: a file cannot be written"
        if failed:
            summary += f"; {failed} file(s) not checked"
        print(summary, file=sys.stderr)
    return 1 if (fixed_count or left_count or unwritten_count or changed_files or failed) else 0


def _refused(paths: Iterable[str]) -> Optional[str]:
    """The first of ``paths`` that cannot be written (reported), or None: a fix that
    spans modules is written whole or not at all, as far as can be known first."""
    for path in paths:
        why = cannot_write(path)
        if why is not None:
            print(f"{path}: cannot be written ({why})", file=sys.stderr)
            return path
    return None


def _write_diff(path: str, original: bytes, fixed: bytes, encoding: str) -> None:
    """The diff of one file on standard output, its lines in the file's own encoding
    (so that ``git apply`` finds them), its headers in UTF-8."""
    text = _diff(path, original.decode(encoding, "replace"), fixed.decode(encoding, "replace"))
    if codecs.lookup(encoding).name == "utf-8-sig":
        encoding = "utf-8"  # the mark opens the file, not each line of the diff
    head, _, body = text.partition("\n+++ ")
    header, _, body = body.partition("\n")
    data = f"{head}\n+++ {header}\n".encode("utf-8", "surrogateescape") + body.encode(
        encoding, "replace"
    )
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:  # a text-only stream stands in for standard output
        sys.stdout.write(data.decode(encoding, "replace"))
        return
    sys.stdout.flush()
    buffer.write(data)
    buffer.flush()
