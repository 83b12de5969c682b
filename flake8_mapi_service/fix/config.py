"""What the user silenced: flake8's config files and ``# noqa`` comments.

``fix`` must leave alone what flake8 would not report: a finding whose code
the config's ``ignore``/``extend-ignore``/``per-file-ignores`` list, or one
with a ``# noqa`` (bare, or naming the code) on a line of its call.
"""

from __future__ import annotations

import configparser
import fnmatch
import os
import re
from typing import Dict, List, Sequence, Set, Tuple

import libcst as cst

from ..analysis.positions import Positions
from ..runner import Finding
from .plans import FIXABLE

#: flake8's inline suppression comment: noqa, bare or followed by ": CODE,CODE"
_NOQA = re.compile(
    r"#\s*noqa(?::[\s]?(?P<codes>[A-Z][A-Z0-9]*(?:[,\s]+[A-Z][A-Z0-9]*)*))?", re.IGNORECASE
)


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


def silenced_findings(
    module: cst.Module, positions: Positions, findings: Sequence[Finding], ignore: Tuple[str, ...]
) -> Set[Tuple[int, str]]:
    """(site index, code) of the fixable findings the user silenced: ``# noqa``
    (bare or naming the code) on a line of the call, or a code in ``ignore``."""
    out: Set[Tuple[int, str]] = set()
    lines = module.code.splitlines()
    for f in findings:
        if f.code not in FIXABLE:
            continue
        if f.code.startswith(ignore):
            out.add((f.site.index, f.code))
            continue
        first, _ = positions.of_call(f.site.node, f.site.index)
        span = module.code_for_node(f.site.node).count("\n")
        for text in lines[first - 1 : first + span]:
            m = _NOQA.search(text)
            if m is None:
                continue
            codes = m.group("codes")
            if codes is None or f.code.startswith(
                tuple(c.upper() for c in re.split(r"[,\s]+", codes) if c)
            ):
                out.add((f.site.index, f.code))
                break
    return out
