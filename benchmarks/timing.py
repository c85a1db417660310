"""Timing shared by the benchmark scripts: medians, never single runs."""

from __future__ import annotations

import statistics
import time


def median_seconds(fn, runs: int, warm: bool = False) -> tuple[float, object]:
    """Median wall time of ``runs`` calls of ``fn`` and the last result; ``warm`` makes one untimed call first."""
    if warm:
        fn()
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result
