"""What the project scan learnt about each file, remembered between runs.

The scan (``project.Project``) reads every Python file of a project to decide
which ones are worth analysing.  In an editor or a pre-commit hook that checks
one file, that read of the whole tree is most of the project's cost.  The memo
keeps, per file, what the read told — may concern MAPI, names a service entry,
the modules its imports name, the hash of its text — with the file's
``stat`` (modification and change times, size, inode).  A later run whose
``stat`` of the file is identical uses the memo instead of reading the file.

A file changed within two seconds before it was read is never trusted from
the memo (a coarse file system clock could give a later change the same
time), so the memo can only save time, never change a finding.  (On Windows
``st_ctime`` is the creation time: a file rewritten in place with its size
kept and its modification time set back by hand would be missed there.)  The
memo is one JSON file per project root, in ``--mapi-cache-dir`` or else the
user's cache folder (``memo_folder``: a project without MAPI gets no folder of
ours), written to a temporary file and renamed into place; one that cannot be
read, is from another version of the scan, or cannot be written is ignored.  Only the standard library is
used: the plugin consults the project before deciding to import libcst.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from typing import Any, Dict, List, Optional, Tuple

from .. import __version__
from .atomic import write_atomically

DEFAULT_FOLDER = ".mapi_service_cache"
_GITIGNORE = "# flake8-mapi-service's summary cache: nothing here belongs in version control\n*\n"

#: a file changed this close before it was read is read again next time
RACY_NS = 2_000_000_000

Stat = Tuple[int, int, int, int]


def stat_key(st: os.stat_result) -> Stat:
    return (st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino)


def prepare_folder(folder: str) -> None:
    """Create the cache folder, with a ``.gitignore`` of ``*`` (raises OSError)."""
    created = not os.path.isdir(folder)
    os.makedirs(folder, exist_ok=True)
    ignore = os.path.join(folder, ".gitignore")
    if created or not os.path.exists(ignore):
        try:
            with open(ignore, "w", encoding="utf-8") as handle:
                handle.write(_GITIGNORE)
        except OSError:
            pass


def _scan_version() -> str:
    """The plugin's version and a hash of the code that decides what a scan
    tells (this package's ``project.py`` and the text check)."""
    digest = hashlib.blake2b(digest_size=8)
    here = os.path.dirname(os.path.abspath(__file__))
    for path in (os.path.join(here, "project.py"), os.path.join(here, "..", "prefilter.py")):
        try:
            with open(path, "rb") as handle:
                digest.update(handle.read())
        except OSError:
            digest.update(b"?")
    return f"{__version__}-{digest.hexdigest()}"


class Entry:
    """What one read of a file told, and when."""

    __slots__ = ("stat", "read_ns", "concerns", "service", "imports", "digest")

    def __init__(
        self,
        stat: Stat,
        read_ns: int,
        concerns: bool,
        service: bool,
        imports: Optional[List[str]],
        digest: str,
    ) -> None:
        self.stat = stat
        self.read_ns = read_ns
        self.concerns = concerns
        self.service = service
        self.imports = imports
        self.digest = digest

    def to_json(self) -> List[Any]:
        return [
            list(self.stat),
            self.read_ns,
            self.concerns,
            self.service,
            self.imports,
            self.digest,
        ]

    @staticmethod
    def from_json(data: Any) -> Entry:
        stat, read_ns, concerns, service, imports, digest = data
        if len(stat) != 4 or not all(type(x) is int for x in stat):
            raise ValueError("bad stat")
        if imports is not None and not all(isinstance(x, str) for x in imports):
            raise ValueError("bad imports")
        if type(read_ns) is not int or not isinstance(digest, str):
            raise ValueError("bad entry")
        return Entry(
            (stat[0], stat[1], stat[2], stat[3]),
            read_ns,
            bool(concerns),
            bool(service),
            imports,
            digest,
        )


class ScanMemo:
    """One project's memo: ``get`` a trusted entry, ``put`` fresh ones, ``save``."""

    def __init__(self, folder: str, root: str) -> None:
        self.folder = folder
        name = hashlib.blake2b(root.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()
        self.path = os.path.join(folder, "scan", f"{name}.json")
        self.root = root
        self.version = _scan_version()
        self.entries: Dict[str, Entry] = {}
        self.dirty = False
        self._usable = True
        self._load()

    def _load(self) -> None:
        try:
            with open(self.path, encoding="utf-8") as handle:
                data = json.load(handle)
            if data.get("version") != self.version or data.get("root") != self.root:
                return
            self.entries = {str(mid): Entry.from_json(raw) for mid, raw in data["entries"].items()}
        except Exception:  # noqa: BLE001 - a missing or odd memo is an empty one
            self.entries = {}

    def get(self, mid: str, stat: Stat) -> Optional[Entry]:
        """The entry of a file whose ``stat`` is unchanged since a read that came
        well after its last change; None otherwise."""
        entry = self.entries.get(mid)
        if entry is None or entry.stat != stat:
            return None
        if stat[0] + RACY_NS > entry.read_ns or stat[1] + RACY_NS > entry.read_ns:
            return None
        return entry

    def put(self, mid: str, entry: Entry) -> None:
        self.entries[mid] = entry
        self.dirty = True

    def forget(self, mids: set[str]) -> None:
        """Drop entries of files the project no longer has."""
        for mid in [m for m in self.entries if m not in mids]:
            del self.entries[mid]
            self.dirty = True

    def save(self) -> None:
        if not self.dirty or not self._usable:
            return
        self.dirty = False
        data = {
            "version": self.version,
            "root": self.root,
            "entries": {mid: e.to_json() for mid, e in sorted(self.entries.items())},
        }
        try:
            prepare_folder(self.folder)
            write_atomically(self.path, json.dumps(data, separators=(",", ":")).encode("utf-8"))
        except Exception:  # noqa: BLE001 - a memo that cannot be written is skipped
            self._usable = False


def now_ns() -> int:
    return time.time_ns()


def cache_folder(root: str, cache_dir: str, no_cache: bool) -> Optional[str]:
    """The cache folder of a project (``--mapi-cache-dir``, else in its root);
    None with ``--mapi-no-cache``."""
    if no_cache:
        return None
    return os.path.abspath(cache_dir or os.path.join(root, DEFAULT_FOLDER))


def memo_folder(cache_dir: str, no_cache: bool) -> Optional[str]:
    """Where the scan memo lives: ``--mapi-cache-dir`` if given, else the user's
    cache folder (not the project: a project without MAPI gets no folder of
    ours); None with ``--mapi-no-cache`` or when there is no home folder."""
    if no_cache:
        return None
    if cache_dir:
        return os.path.abspath(cache_dir)
    return user_cache_dir()


def user_cache_dir() -> Optional[str]:
    """``$XDG_CACHE_HOME`` or ``~/.cache`` (``~/Library/Caches`` on macOS,
    ``%LOCALAPPDATA%`` on Windows), with this plugin's folder in it."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not base and os.name == "nt":
        base = os.environ.get("LOCALAPPDATA", "")
    if not base:
        home = os.path.expanduser("~")
        if home == "~" or not os.path.isabs(home):
            return None
        tail = ("Library", "Caches") if sys.platform == "darwin" else (".cache",)
        base = os.path.join(home, *tail)
    return os.path.join(os.path.abspath(base), "flake8-mapi-service")


__all__ = [
    "DEFAULT_FOLDER",
    "cache_folder",
    "memo_folder",
    "user_cache_dir",
    "Entry",
    "ScanMemo",
    "now_ns",
    "prepare_folder",
    "stat_key",
]
