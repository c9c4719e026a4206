"""How the benchmark's tables measure: the median time of repeated calls, and the time and
queries of one call (bench/__main__.py and bench/feedback.py)."""

import statistics
import time

from django.db import connection

REPEAT = 15


def timed(fn, repeat=REPEAT):
    """The median seconds of `repeat` calls of `fn`."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def timed_side_by_side(*fns, repeat=REPEAT):
    """The median seconds of each of `fns`, called in turn `repeat` times: a figure and its
    reference measured alternately, so that a machine that slows down for a while slows both."""
    samples = [[] for _ in fns]
    for _ in range(repeat):
        for fn, times in zip(fns, samples, strict=True):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
    return [statistics.median(times) for times in samples]


def counted(fn):
    """(seconds, queries) of one call."""
    queries = []

    def count(run, sql, *args):
        queries.append(sql)
        return run(sql, *args)

    start = time.perf_counter()
    with connection.execute_wrapper(count):
        fn()
    return time.perf_counter() - start, len(queries)
