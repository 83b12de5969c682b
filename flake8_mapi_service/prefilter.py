"""The cheap text check that runs on every file before anything is parsed.

Every rule needs at least one of these words in the file: MAPI itself
(``win32com.mapi``, ``mapi32``, ``olmapi32``, ``MAPI.Session``), Outlook
automation, or a service entry point that makes the file service code (where
the UI rules apply even without MAPI).  The check lowercases the text once
and looks for each word with ``in`` (C speed, no regular expression).
"""

from __future__ import annotations

from typing import Sequence

WORDS = ("mapi", "outlook", "servicefram", "servicemanager", "win32serviceutil", "servicectrl")


def may_concern_mapi(lines: Sequence[str]) -> bool:
    text = "".join(lines).lower()
    return any(word in text for word in WORDS)


_SERVICE_BYTE_WORDS = tuple(w.encode("ascii") for w in WORDS if w.startswith(("service", "win32")))


def lowered_bytes_concern_mapi(lowered: bytes) -> bool:
    """The same check on a file's bytes, already lowercased (the project's scan):
    ``in`` on bytes is far faster than a regular expression with alternatives."""
    if b"mapi" in lowered or b"outlook" in lowered:
        return True
    return b"service" in lowered and any(word in lowered for word in _SERVICE_BYTE_WORDS)
