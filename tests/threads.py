"""Run code at the same moment in several threads, for the races that need PostgreSQL."""

import threading
from collections.abc import Callable

from django.db import connection


def at_once(*calls: Callable[[], object], timeout: float = 10) -> list[Exception]:
    """Each call in a thread of its own, all released together by a barrier; each thread
    closes its database connection when done. Returns what they raised (empty: none)."""
    start = threading.Barrier(len(calls))
    failures: list[Exception] = []

    def run(call):
        try:
            start.wait(timeout=timeout)
            call()
        except Exception as exc:  # noqa: BLE001 - returned to the test, which asserts on it
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures
