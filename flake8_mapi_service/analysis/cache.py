"""The summary cache on disk, keyed by content.

An entry is a module summary (``summary.to_data``) filed under the hash of the
module's text, and carries the plugin's version, the Python that wrote it and a
fingerprint of the analysis's own code: a changed file has another key and a
changed analyzer another version, so a stale entry is never used.  An entry is
a one-line JSON header (version, key, checksum of the payload) and the payload
in ``marshal``'s format (three times faster to load than JSON, and it keeps
tuples); the payload is only loaded once its checksum matches, so an entry
that is truncated, corrupt or from another version is ignored (and the summary
computed again).  Entries are written to a temporary
file in the same folder and renamed into place, so two flake8 workers writing
the same entry at once, or a run killed half-way, leave either a whole entry
or none.  A folder that cannot be created or written is skipped silently: the
cache only saves time, it never changes a finding.

The default folder is ``.mapi_service_cache`` in the project root; it gets a
``.gitignore`` of ``*`` when it is created.
"""

from __future__ import annotations

import hashlib
import json
import marshal
import os
import sys
from typing import Optional

from .. import __version__
from .atomic import write_atomically
from .scanmemo import prepare_folder
from .summary import SCHEMA, ModuleSummary, from_data, to_data


def _checksum(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _code_fingerprint() -> str:
    """A hash of the analysis's own source: a changed analyzer (even at the same
    version, while developing it) never reads summaries an older one wrote."""
    digest = hashlib.blake2b(digest_size=8)
    here = os.path.dirname(os.path.abspath(__file__))
    try:
        for name in sorted(os.listdir(here)):
            if name.endswith(".py"):
                with open(os.path.join(here, name), "rb") as handle:
                    digest.update(name.encode() + b"\0" + handle.read())
    except OSError:
        return "unknown"
    return digest.hexdigest()


_FINGERPRINT = ""


def _version() -> str:
    global _FINGERPRINT
    if not _FINGERPRINT:
        python = sys.implementation.cache_tag  # marshal's format is Python's own
        _FINGERPRINT = f"{__version__}-{SCHEMA}-{python}-{_code_fingerprint()}"
    return _FINGERPRINT


class DiskCache:
    def __init__(self, folder: Optional[str]) -> None:
        self.folder = folder
        self._usable = folder is not None
        self._prepared = False
        self.version = _version()

    def _path(self, digest: str) -> str:
        assert self.folder is not None
        tag = _checksum(self.version.encode("utf-8"))[:8]
        return os.path.join(self.folder, digest[:2], f"{digest}-{tag}.mps")

    def get(self, digest: str) -> Optional[ModuleSummary]:
        if not self._usable or not digest:
            return None
        try:
            with open(self._path(digest), "rb") as handle:
                data = handle.read()
            cut = data.index(b"\n")
            header = json.loads(data[:cut])
            payload = data[cut + 1 :]
            if (
                not isinstance(header, dict)
                or header.get("version") != self.version
                or header.get("digest") != digest
                or header.get("check") != _checksum(payload)
            ):
                return None
            return from_data(marshal.loads(payload))
        except Exception:  # noqa: BLE001 - an unreadable or odd entry is just a miss
            return None

    def put(self, digest: str, summary: ModuleSummary) -> None:
        if not self._usable or not digest:
            return
        try:
            self._prepare()
            payload = marshal.dumps(to_data(summary))
            header = {"version": self.version, "digest": digest, "check": _checksum(payload)}
            line = json.dumps(header, separators=(",", ":")).encode("ascii")
            write_atomically(self._path(digest), line + b"\n" + payload)
        except Exception:  # noqa: BLE001 - a cache that cannot be written is skipped
            self._usable = False

    def _prepare(self) -> None:
        if self._prepared or self.folder is None:
            return
        prepare_folder(self.folder)
        self._prepared = True
