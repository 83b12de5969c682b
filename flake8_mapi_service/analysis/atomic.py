"""Replacing a file in one step: the cache, the scan memo and ``fix`` all write so."""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from typing import Optional


def write_atomically(path: str, data: bytes, keep_mode: bool = False) -> None:
    """Write ``data`` to a temporary file beside ``path`` and rename it into place: a
    crash, or another process writing the same file, leaves the old or the new content,
    never half of one.  ``keep_mode`` keeps an existing file's permissions (a
    read-only file is refused, as an editor would, not replaced), and a symbolic
    link keeps pointing at its target (its target is replaced)."""
    target = os.path.realpath(path) if keep_mode else path
    if keep_mode and os.path.exists(target) and _read_only(target):
        raise PermissionError(errno.EACCES, "read-only file", target)
    folder = os.path.dirname(target) or "."
    os.makedirs(folder, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=".tmp-mps-", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        if keep_mode:
            shutil.copymode(target, temporary)
        os.replace(temporary, target)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def cannot_write(path: str) -> Optional[str]:
    """Why ``write_atomically(path, ..., keep_mode=True)`` would be refused, as far as
    can be known before trying (a read-only file, a folder that cannot take the
    temporary file); None when it looks writable."""
    target = os.path.realpath(path)
    try:
        if os.path.exists(target) and _read_only(target):
            return "read-only file"
    except OSError as exc:
        return exc.strerror or "cannot be examined"
    folder = os.path.dirname(target) or "."
    if os.path.isdir(folder) and not os.access(folder, os.W_OK | os.X_OK):
        return "folder not writable"
    return None


def _read_only(path: str) -> bool:
    """No write permission bit (even for an administrator, who could), or no
    access for this user."""
    return not os.stat(path).st_mode & 0o222 or not os.access(path, os.W_OK)


__all__ = ["cannot_write", "write_atomically"]
