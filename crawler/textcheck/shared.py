"""One check worker per process, shared by every site crawled in it.

``crawl --config`` crawls its sites side by side in one process, and each site's pipeline
has its own CheckPool. Each used to start its own worker process: forty sites, forty
workers, each paying a Python start, the imports and jieba's dictionary (1-2 s of CPU on
the core the crawl needs) and holding its own memory. Pools with the same worker count and
the same start-up arguments (wordlists, settings) now share one executor; the last pool to
close shuts it down. Each pool keeps its own batches, results and limits: only the
processes are shared.
"""

from __future__ import annotations

import os
import pickle
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.context import BaseContext

_lock = threading.Lock()
# key -> [executor, pools using it]
_executors: dict[tuple, list] = {}


def shared_executor(max_workers: int, mp_context: BaseContext, initializer: Callable[..., None],
                    initargs: tuple) -> ProcessPoolExecutor:
    """A ProcessPoolExecutor(...) as asked, shared with the pools of this process that asked
    for the same; give it back with :func:`release`."""
    key = (os.getpid(), max_workers, mp_context.get_start_method(), initializer.__module__,
           initializer.__qualname__, pickle.dumps(initargs))
    with _lock:
        entry = _executors.get(key)
        if entry is None or entry[0]._broken:  # a dead worker: its pools fail, new ones start afresh
            entry = _executors[key] = [ProcessPoolExecutor(max_workers=max_workers, mp_context=mp_context,
                                                           initializer=initializer, initargs=initargs), 0]
        entry[1] += 1
        return entry[0]


def release(executor: ProcessPoolExecutor) -> None:
    """This pool is done with `executor`; the last one shuts it down (waiting for its work)."""
    with _lock:
        for key, entry in list(_executors.items()):
            if entry[0] is executor:
                entry[1] -= 1
                if entry[1] > 0:
                    return
                del _executors[key]
                break
    executor.shutdown()  # the last user, or one replaced after its worker died
