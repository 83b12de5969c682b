"""Replacing a file in one step: the cache, the scan memo and ``fix`` all write so."""

from __future__ import annotations

import errno
import os
import shutil
import tempfile


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


def _read_only(path: str) -> bool:
    """No write permission bit (even for an administrator, who could), or no
    access for this user."""
    return not os.stat(path).st_mode & 0o222 or not os.access(path, os.W_OK)


__all__ = ["write_atomically"]
