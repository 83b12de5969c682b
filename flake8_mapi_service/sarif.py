"""A flake8 report formatter that writes SARIF 2.1.0: ``flake8 --format=mapi-service-sarif``.

It reports every finding of the flake8 run (MPS codes and any other plugin's), as one
SARIF log with one run:

- ``tool.driver.rules`` has an entry per code: every code of this plugin's catalogue
  (id, name, short and full description, the rule's documentation as ``help``, a
  ``helpUri`` and a default level), plus an entry for each other code that was reported
  (its id and the first message seen for it: flake8 knows nothing more about it);
- each result has its ``ruleId``/``ruleIndex``, level, message and one location whose
  URI is relative to the repository root (``uriBaseId`` ``%SRCROOT%``, the nearest
  directory above the working directory holding ``.git``, else the working directory);
  a file outside it gets an absolute ``file:`` URI;
- regions carry ``startLine`` and ``startColumn`` (1-based, in characters, which the
  run declares with ``columnKind``).

It opens no network connection and needs no package besides flake8.  Statistics and
benchmarks (``--statistics``, ``--benchmark``) are not written: the output must stay
one JSON document.  ``--output-file`` is overwritten, not appended to.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path, PurePath
from typing import IO, Any, Dict, List, Optional, Sequence, Tuple
from urllib.parse import quote

from flake8.formatting.base import BaseFormatter

from . import __version__
from .catalogue import RULES, explain
from .catalogue.rule import Rule

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "%SRCROOT%"
#: the level of a code that is not in this plugin's catalogue
OTHER_LEVEL = "warning"

Finding = Tuple[str, str, int, int, str]  # code, filename, line, column (1-based), text


def repository_root(start: Optional[Path] = None) -> Path:
    """The nearest directory from ``start`` (default: the working directory) upwards
    that holds ``.git``; ``start`` itself when there is none."""
    here = Path(os.path.abspath(start or os.getcwd()))
    for candidate in (here, *here.parents):
        if (candidate / ".git").exists():
            return candidate
    return here


def _plain(markdown: str) -> str:
    """Markdown inline code to plain text (the ``text`` twin of a ``markdown`` field)."""
    return markdown.replace("`", "")


def _dir_uri(path: Path) -> str:
    uri = path.as_uri()
    return uri if uri.endswith("/") else uri + "/"


def artifact_location(filename: str, root: Path, cwd: Path) -> Dict[str, str]:
    """A repository-relative location for ``filename`` (as flake8 reported it)."""
    absolute = Path(os.path.abspath(os.path.join(cwd, filename)))
    try:
        relative = PurePath(os.path.relpath(absolute, root))
    except ValueError:  # another drive on Windows
        return {"uri": absolute.as_uri()}
    if relative.parts and relative.parts[0] == os.pardir:
        return {"uri": absolute.as_uri()}
    return {"uri": quote(relative.as_posix(), safe="/"), "uriBaseId": SRCROOT}


def _rule_descriptor(rule: Rule) -> Dict[str, Any]:
    doc = explain(rule)
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.short},
        "fullDescription": {"text": _plain(rule.summary), "markdown": rule.summary},
        "help": {"text": doc, "markdown": doc},
        "helpUri": rule.doc_url,
        "defaultConfiguration": {"level": rule.level, "enabled": rule.default_enabled},
        "properties": {
            "tags": ["mapi", "windows-service"] + (["service-only"] if rule.service_only else [])
        },
    }


def _other_descriptor(code: str, text: str) -> Dict[str, Any]:
    return {
        "id": code,
        "shortDescription": {"text": text},
        "defaultConfiguration": {"level": OTHER_LEVEL},
    }


def sarif_log(
    findings: Sequence[Finding],
    root: Optional[Path] = None,
    cwd: Optional[Path] = None,
    rules: Sequence[Rule] = RULES,
) -> Dict[str, Any]:
    """The SARIF log (a JSON-ready dict) for ``findings`` of one flake8 run."""
    import flake8

    cwd = Path(os.path.abspath(cwd or os.getcwd()))
    root = Path(os.path.abspath(root or repository_root(cwd)))
    descriptors: List[Dict[str, Any]] = [_rule_descriptor(r) for r in rules]
    index: Dict[str, int] = {r.code: i for i, r in enumerate(rules)}
    levels: Dict[str, str] = {r.code: r.level for r in rules}
    for code, _, _, _, text in findings:
        if code not in index:
            index[code] = len(descriptors)
            descriptors.append(_other_descriptor(code, text))
            levels[code] = OTHER_LEVEL
    results: List[Dict[str, Any]] = []
    for code, filename, line, column, text in findings:
        physical: Dict[str, Any] = {"artifactLocation": artifact_location(filename, root, cwd)}
        if line >= 1:
            physical["region"] = {"startLine": line, "startColumn": max(column, 1)}
        results.append(
            {
                "ruleId": code,
                "ruleIndex": index[code],
                "level": levels[code],
                "message": {"text": text},
                "locations": [{"physicalLocation": physical}],
            }
        )
    driver = {
        "name": "flake8",
        "version": flake8.__version__,
        "informationUri": "https://flake8.pycqa.org/",
        "rules": descriptors,
        "properties": {"plugins": {"flake8-mapi-service": __version__}},
    }
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {"driver": driver},
                "originalUriBaseIds": {SRCROOT: {"uri": _dir_uri(root)}},
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }


class SarifFormatter(BaseFormatter):
    """flake8's ``flake8.report`` entry point ``mapi-service-sarif``."""

    findings: List[Finding]
    _out: Optional[IO[str]]

    def after_init(self) -> None:
        self.findings = []
        self._out = None

    def start(self) -> None:
        # BaseFormatter appends to --output-file; a second JSON document would corrupt it
        if self.filename:
            directory = os.path.dirname(os.path.abspath(self.filename))
            os.makedirs(directory, exist_ok=True)
            self._out = open(self.filename, "w", encoding="utf-8")

    def handle(self, error: Any) -> None:
        self.findings.append(
            (error.code, error.filename, error.line_number, error.column_number, error.text)
        )

    def format(self, error: Any) -> Optional[str]:
        return None

    def show_statistics(self, statistics: Any) -> None:
        return None

    def show_benchmarks(self, benchmarks: Any) -> None:
        return None

    def stop(self) -> None:
        text = json.dumps(sarif_log(self.findings), indent=2, ensure_ascii=False) + "\n"
        if self._out is not None:
            self._out.write(text)
            self._out.close()
            self._out = None
        if not self.filename or getattr(self.options, "tee", False):
            sys.stdout.flush()
            sys.stdout.buffer.write(text.encode("utf-8"))
            sys.stdout.buffer.flush()
