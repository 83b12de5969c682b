"""A checked file's findings, kept on disk under everything they depend on.

A file's findings are a function of: its text (exactly as flake8 gives it), its
path (and, with ``--mapi-service-paths``, its name as given), the working folder
(messages show paths from it), the options, the project's module index (which imports name project
files), the modules of its component (``Project.component``: the only modules
whose summaries its analysis reads) with the hash of each one's text, and the
plugin's own code.  ``key`` hashes all of these (``Project`` reads them without
parsing anything and without libcst), so a run in which none has changed
returns the findings of the last one without importing libcst: a whole-tree run
after editing one module parses only the modules of that module's component.

An entry is one line of JSON (the plugin's fingerprint, the key, the findings)
in ``findings/`` of the project's cache folder (``--mapi-cache-dir``, else
``.mapi_service_cache/`` in the project root), written to a temporary file and
renamed into place; an entry that cannot be read, is from another version or
does not have the expected shape is a miss, and a folder that cannot be
written is skipped: the cache only saves time, it never changes a finding.
``--mapi-no-cache`` and ``--mapi-single-file`` turn it off, and findings are
not kept when a module changed while it was read or could not be summarised for
a reason other than its syntax (``View.unsure``).  Only the standard
library is used: the plugin consults it before it imports the runner.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import sys
from dataclasses import astuple, dataclass, fields
from typing import Any, List, Optional, Sequence

from . import __version__
from .analysis.atomic import write_atomically
from .analysis.project import PROJECTS
from .analysis.scanmemo import cache_folder, prepare_folder
from .settings import Settings

#: the folder of the entries inside the project's cache folder
FOLDER = "findings"


@dataclass(frozen=True)
class Result:
    """A finding as flake8 receives it."""

    line: int
    col: int
    code: str
    message: str


@dataclass(frozen=True)
class Slot:
    """Where a file's findings are kept: the project's cache folder and the key."""

    folder: str
    key: str

    @property
    def path(self) -> str:
        return os.path.join(self.folder, FOLDER, self.key[:2], f"{self.key}.json")


def slot(lines: Sequence[str], filename: str, settings: Settings) -> Optional[Slot]:
    """The slot of a file's findings; None when they are not kept (no project,
    ``--mapi-single-file``, ``--mapi-no-cache``) or anything goes wrong."""
    if settings.single_file or settings.no_cache:
        return None
    try:
        return _slot("".join(lines), filename, settings)
    except Exception:  # noqa: BLE001 - the cache only saves time
        return None


def _slot(text: str, filename: str, settings: Settings) -> Optional[Slot]:
    found = PROJECTS.for_settings(filename, settings)
    if found is None:
        return None
    project, _ = found
    folder = cache_folder(project.root, settings.cache_dir, settings.no_cache)
    if folder is None:
        return None
    mid = project.use_text(filename, text)
    if mid is None:
        return None
    members = sorted(project.component(mid, project.needed(settings.path_is_service)))
    # messages show paths from the working folder, and ``--mapi-service-paths``
    # globs also match paths from it and the name as flake8 gives it ("./x.py")
    name = filename if settings.service_paths else ""
    digest = hashlib.blake2b(digest_size=20)
    for part in (
        fingerprint(),
        _settings_text(settings),
        os.path.abspath(filename),
        os.path.normcase(os.getcwd()),
        name,
        project.root,
        mid,
        hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest(),
        project.index.fingerprint(),
    ):
        digest.update(part.encode("utf-8", "surrogatepass") + b"\0")
    for m in members:
        if m != mid:
            digest.update(f"{m}\0{project.digest(m)}\0".encode("utf-8", "surrogatepass"))
    return Slot(folder, digest.hexdigest())


def load(where: Optional[Slot]) -> Optional[List[Result]]:
    """The findings kept in ``where``; None on a miss."""
    if where is None:
        return None
    try:
        with open(where.path, "rb") as handle:
            data = json.loads(handle.read())
        if (
            not isinstance(data, dict)
            or data.get("version") != fingerprint()
            or data.get("key") != where.key
            or not isinstance(data.get("findings"), list)
        ):
            return None
        out = []
        for item in data["findings"]:
            line, col, code, message = item
            if not (
                type(line) is int
                and type(col) is int
                and isinstance(code, str)
                and isinstance(message, str)
            ):
                return None
            out.append(Result(line, col, code, message))
        return out
    except Exception:  # noqa: BLE001 - a missing, unreadable or odd entry is a miss
        return None


def store(where: Optional[Slot], results: Sequence[Result]) -> None:
    """Keep ``results`` in ``where`` (silently nothing when it cannot be written)."""
    if where is None:
        return
    try:
        prepare_folder(where.folder)
        data = {
            "version": fingerprint(),
            "key": where.key,
            "findings": [list(astuple(r)) for r in results],
        }
        text = json.dumps(data, separators=(",", ":"), ensure_ascii=True)
        write_atomically(where.path, text.encode("ascii") + b"\n")
    except Exception:  # noqa: BLE001 - a cache that cannot be written is skipped
        pass


def _settings_text(settings: Settings) -> str:
    values: List[Any] = []
    for f in fields(settings):
        value = getattr(settings, f.name)
        values.append([f.name, sorted(value) if isinstance(value, (set, frozenset)) else value])
    return json.dumps(values, sort_keys=True, default=repr)


_FINGERPRINT: List[str] = []


def fingerprint() -> str:
    """The plugin's version, the Python running it, libcst's version and a hash of
    every file of this package: another analyzer never reads these findings."""
    if not _FINGERPRINT:
        _FINGERPRINT.append(_fingerprint())
    return _FINGERPRINT[0]


def _fingerprint() -> str:
    digest = hashlib.blake2b(digest_size=16)
    here = os.path.dirname(os.path.abspath(__file__))
    for folder, dirs, names in os.walk(here):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(names):
            if name.endswith((".pyc", ".pyo")):
                continue
            path = os.path.join(folder, name)
            with open(path, "rb") as handle:
                data = handle.read()
            rel = os.path.relpath(path, here).replace(os.sep, "/")
            digest.update(rel.encode("utf-8", "surrogatepass") + b"\0" + data + b"\0")
    return f"{__version__}-{sys.version}-{_libcst_version()}-{digest.hexdigest()}"


def _libcst_version() -> str:
    """libcst's version without importing it (its import costs a quarter second)."""
    try:
        return importlib.metadata.version("libcst")
    except Exception:  # noqa: BLE001 - not installed as a distribution
        return "unknown"
