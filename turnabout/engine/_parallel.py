"""Block scans on every core: NumPy releases the GIL, so threads scan their own blocks side by side."""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait

Progress = Callable[[float, str], None]


def workers() -> int:
    """Threads for a scan: one per available core, at most four."""
    return max(1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))


def in_parallel[T](
    ranges: list[tuple[int, int]], work: Callable[[int, int, list[int], int], T], total: int, progress: Progress | None, stage: str
) -> list[T]:
    """Run ``work(start, stop, done, slot)`` on each range in its own thread; results in range order.

    A single range without a progress callback runs in the calling thread.

    Workers count finished items in ``done[slot]``; progress is reported from the calling thread
    only (its callback may use a database connection that belongs to that thread).
    """
    done = [0] * len(ranges)
    if len(ranges) == 1 and progress is None:
        # One range and nobody watching: run it here, without starting a thread (a pool's start-up is
        # most of a small scan). With a progress callback the pool stays, so that progress keeps coming.
        ((start, stop),) = ranges
        return [work(start, stop, done, 0)]
    with ThreadPoolExecutor(max_workers=len(ranges)) as pool:
        futures = [pool.submit(work, start, stop, done, slot) for slot, (start, stop) in enumerate(ranges)]
        pending = set(futures)
        while pending:
            _, pending = wait(pending, timeout=0.5, return_when=FIRST_EXCEPTION)
            if progress is not None:
                progress(sum(done) / max(1, total), stage)
        return [future.result() for future in futures]


def split(count: int, step: int, parts: int) -> list[tuple[int, int]]:
    """``parts`` contiguous ranges of ``range(count)`` on block boundaries (fewer if there are few blocks).

    >>> split(10, 3, 2)
    [(0, 6), (6, 10)]
    >>> split(2, 3, 4)
    [(0, 2)]
    """
    blocks = max(1, -(-count // step))
    parts = max(1, min(parts, blocks))
    edges = [min(count, (blocks * part // parts) * step) for part in range(parts + 1)]
    return [(edges[part], edges[part + 1]) for part in range(parts)]
