"""The leader lease of a store kept in files: an exclusive `flock` on a lock file.

The kernel holds the lock for as long as the file stays open and frees it the moment the
holder's process dies, however it dies, so the lease needs no expiry: `hold` ignores its
times. Locks are per open file, so two stores on the same files in one process exclude
each other as two processes do.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from datetime import datetime
from pathlib import Path


class FileLease:
    """Held while this instance keeps `path` open and locked (calls are non-blocking)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd = -1

    async def hold(self, now: datetime, until: datetime) -> bool:
        if self._fd >= 0:
            if self._still_ours():
                return True
            self._close()
            return False
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        if not self._still_ours():
            self._close()
            return False
        return True

    async def release(self) -> None:
        self._close()

    def _still_ours(self) -> bool:
        """The locked file is still the one at `path` (not deleted or replaced)."""
        try:
            return os.path.samestat(os.fstat(self._fd), os.stat(self.path))
        except FileNotFoundError:
            return False

    def _close(self) -> None:
        fd, self._fd = self._fd, -1
        if fd >= 0:
            with contextlib.suppress(OSError):
                fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
