"""What the user silenced: flake8's config files and ``# noqa`` comments.

``fix`` must leave alone what flake8 would not report: a finding whose code
the config's ``ignore``/``extend-ignore``/``per-file-ignores`` list, one that a
``# noqa`` silences for flake8, and every finding of a file with a
``# flake8: noqa`` line.  ``# noqa`` is decided by flake8's own code: its file
processor maps the line a finding is reported on to the text searched for the
comment (that physical line, or all the lines of a multi-line string or of a
backslash continuation it is part of; not the other lines of a call that spans
several lines), and its ``Violation`` matches the comment against the code.
"""

from __future__ import annotations

import argparse
import configparser
import fnmatch
import io
import os
import re
from typing import Dict, List, Sequence, Set, Tuple

from flake8.defaults import EXCLUDE
from flake8.processor import FileProcessor
from flake8.utils import normalize_path, normalize_paths, parse_comma_separated_list

from ..settings import FLAG_WORDS

try:  # flake8 >= 6
    from flake8.violation import Violation
except ImportError:  # pragma: no cover - flake8 5
    from flake8.style_guide import Violation  # type: ignore[attr-defined,no-redef]

from ..analysis.positions import Positions
from ..runner import Finding
from .plans import FIXABLE


def config_values(start: str) -> Dict[str, str]:
    """``mapi-service`` and ``mapi-service-paths`` from the flake8 config that
    flake8 itself would read (setup.cfg, tox.ini or .flake8, nearest first)."""
    directory = os.path.abspath(start)
    while True:
        for name in ("setup.cfg", "tox.ini", ".flake8"):
            candidate = os.path.join(directory, name)
            if not os.path.isfile(candidate):
                continue
            parser = configparser.RawConfigParser()
            try:
                parser.read(candidate, encoding="utf-8")
            except (configparser.Error, UnicodeError):
                continue
            if parser.has_section("flake8"):
                out: Dict[str, str] = {"": directory}
                for key, value in parser.items("flake8"):
                    out[key.replace("_", "-")] = value
                return out
        parent = os.path.dirname(directory)
        if parent == directory:
            return {}
        directory = parent


def config_path(config: Dict[str, str], key: str) -> str:
    """A path option of the config, as flake8 normalizes its own: ``.`` and paths
    with a separator are relative to the config file's folder."""
    value = config.get(key, "").strip()
    return normalize_path(value, config.get("", os.curdir)) if value else ""


def config_excludes(config: Dict[str, str]) -> List[str]:
    """flake8's ``exclude`` (its defaults when the config does not set it) and
    ``extend-exclude``, normalized as flake8 does."""
    parent = config.get("", os.curdir)
    exclude = (
        normalize_paths(parse_comma_separated_list(config["exclude"]), parent)
        if "exclude" in config
        else list(EXCLUDE)
    )
    extend = normalize_paths(parse_comma_separated_list(config.get("extend-exclude", "")), parent)
    return [*exclude, *extend]


def _codes(value: str) -> List[str]:
    return [c for c in re.split(r"[,\s]+", value.strip()) if c]


def ignored_codes(config: Dict[str, str], path: str) -> Tuple[str, ...]:
    """The code prefixes the flake8 config ignores for ``path``: ``ignore``,
    ``extend-ignore`` and the ``per-file-ignores`` entries whose pattern matches it."""
    codes = _codes(config.get("ignore", "")) + _codes(config.get("extend-ignore", ""))
    base = config.get("", os.getcwd())
    absolute = os.path.abspath(path)
    for line in config.get("per-file-ignores", "").splitlines():
        patterns, sep, listed = line.partition(":")
        if not sep:
            continue
        for pattern in _codes(patterns):
            if "/" in pattern or os.sep in pattern:
                full = os.path.normpath(os.path.join(base, pattern))
                hit = fnmatch.fnmatch(absolute, full)
            else:
                hit = fnmatch.fnmatch(os.path.basename(path), pattern) or fnmatch.fnmatch(
                    absolute, pattern
                )
            if hit:
                codes += _codes(listed)
                break
    return tuple(codes)


def noqa_disabled(config: Dict[str, str]) -> bool:
    """flake8's ``disable-noqa`` in the config (``# noqa`` comments then count for nothing)."""
    value = config.get("disable-noqa", "").strip().lower()
    return FLAG_WORDS.get(value, False)


def _processor(code: str, disable_noqa: bool) -> FileProcessor:
    """flake8's processor of the file's text, split into lines as flake8 reads them
    (universal newlines)."""
    options = argparse.Namespace(
        hang_closing=False,
        indent_size=4,
        max_line_length=79,
        max_doc_length=None,
        verbose=0,
        disable_noqa=disable_noqa,
    )
    lines = io.StringIO(code, newline=None).readlines()
    return FileProcessor("<fix>", options, lines=lines)


def silenced_findings(
    text: str,
    positions: Positions,
    findings: Sequence[Finding],
    ignore: Tuple[str, ...],
    disable_noqa: bool = False,
) -> Set[Tuple[int, str]]:
    """(site index, code) of the fixable findings flake8 would not report: a code in
    ``ignore``, a ``# noqa`` that flake8 honours for the line the finding is reported
    on, or a file flake8 skips (``# flake8: noqa``)."""
    out: Set[Tuple[int, str]] = set()
    fixable = [f for f in findings if f.code in FIXABLE]
    if not fixable:
        return out
    processor = _processor(text, disable_noqa)
    skipped = processor.should_ignore_file()
    for f in fixable:
        key = (f.site.index, f.code)
        if skipped or f.code.startswith(ignore):
            out.add(key)
            continue
        line, col = positions.of_call(f.site.node, f.site.index)
        physical = processor.noqa_line_for(line)
        if physical is None:  # flake8 would read the line itself
            physical = processor.lines[line - 1] if 0 < line <= len(processor.lines) else ""
        violation = Violation(f.code, "<fix>", line, col + 1, f.message, physical)
        if violation.is_inline_ignored(disable_noqa):
            out.add(key)
    return out
