"""The search index of an app: its backend, its embedder and the lock that orders index writes."""

from __future__ import annotations

import fcntl
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from matchmaker.indexing.base import SearchBackend
from matchmaker.indexing.embedder import Embedder

log = logging.getLogger(__name__)


@dataclass
class SearchIndex:
    backend: SearchBackend
    embedder: Embedder
    lock_path: Path

    @contextmanager
    def lock(self, *, timeout: float | None = None) -> Iterator[bool]:
        """Hold the machine-wide index write lock; yields False if it stayed busy for `timeout` seconds.

        Writers read the database and write the index under this lock, so a slow writer can
        never put an older state of a posting over a newer one. `timeout=None` waits as long as it takes.
        """
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        with self.lock_path.open("a") as handle:
            if not _acquire(handle, timeout):
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _acquire(handle, timeout: float | None) -> bool:
    if timeout is None:
        fcntl.flock(handle, fcntl.LOCK_EX)
        return True
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)
