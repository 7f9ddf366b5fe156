"""What the service allocated to start lives as long as it runs: keep the collector off it.

CPython's full collections walk every tracked object. Once the service has started (modules
imported, the container built, a JSON store's state loaded: with a long history, most of
the heap), those objects stay until it stops, yet every full collection would walk them
again, so each would cost more the longer the history. `gc.freeze()` moves them out of the
collector's generations after one collection has cleared the garbage of starting up; they
are still freed by reference counting when dropped. Stopping unfreezes them, so a process
that starts the app more than once (tests) collects what an earlier run left behind.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def long_lived_heap() -> Iterator[None]:
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
