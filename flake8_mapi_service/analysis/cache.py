"""The summary cache on disk, keyed by content.

An entry is a module summary (``summary.to_json``) filed under the hash of the
module's text, and carries the plugin's version and a fingerprint of the
analysis's own code: a changed file has another key and a changed analyzer
another version, so a stale entry is never used.  Each entry carries its own key and a checksum of
its payload; an entry that is truncated, corrupt or from another version is
ignored (and the summary computed again).  Entries are written to a temporary
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
import os
import tempfile
from typing import Optional

from .. import __version__
from .summary import SCHEMA, ModuleSummary, from_json, to_json

DEFAULT_FOLDER = ".mapi_service_cache"
_GITIGNORE = "# flake8-mapi-service's summary cache: nothing here belongs in version control\n*\n"


def _checksum(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


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
        _FINGERPRINT = f"{__version__}-{SCHEMA}-{_code_fingerprint()}"
    return _FINGERPRINT


class DiskCache:
    def __init__(self, folder: Optional[str]) -> None:
        self.folder = folder
        self._usable = folder is not None
        self._prepared = False
        self.version = _version()

    def _path(self, digest: str) -> str:
        assert self.folder is not None
        tag = _checksum(self.version)[:8]
        return os.path.join(self.folder, digest[:2], f"{digest}-{tag}.json")

    def get(self, digest: str) -> Optional[ModuleSummary]:
        if not self._usable or not digest:
            return None
        try:
            with open(self._path(digest), encoding="utf-8") as handle:
                entry = json.load(handle)
            if (
                not isinstance(entry, dict)
                or entry.get("version") != self.version
                or entry.get("digest") != digest
            ):
                return None
            payload = entry.get("summary")
            if not isinstance(payload, str) or entry.get("check") != _checksum(payload):
                return None
            return from_json(payload)
        except Exception:  # noqa: BLE001 - an unreadable or odd entry is just a miss
            return None

    def put(self, digest: str, summary: ModuleSummary) -> None:
        if not self._usable or not digest:
            return
        try:
            self._prepare()
            payload = to_json(summary)
            entry = {
                "version": self.version,
                "digest": digest,
                "check": _checksum(payload),
                "summary": payload,
            }
            path = self._path(digest)
            folder = os.path.dirname(path)
            os.makedirs(folder, exist_ok=True)
            fd, temporary = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=folder)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    json.dump(entry, handle, separators=(",", ":"))
                os.replace(temporary, path)
            except BaseException:
                try:
                    os.unlink(temporary)
                except OSError:
                    pass
                raise
        except Exception:  # noqa: BLE001 - a cache that cannot be written is skipped
            self._usable = False

    def _prepare(self) -> None:
        if self._prepared or self.folder is None:
            return
        created = not os.path.isdir(self.folder)
        os.makedirs(self.folder, exist_ok=True)
        ignore = os.path.join(self.folder, ".gitignore")
        if created or not os.path.exists(ignore):
            try:
                with open(ignore, "w", encoding="utf-8") as handle:
                    handle.write(_GITIGNORE)
            except OSError:
                pass
        self._prepared = True
