"""Hand a task to the worker once the transaction commits; a broker that is away costs little.

Every background job here has its own row (an outbox email, a webhook delivery, a stored pack),
and a beat sweep sends whatever no worker took. So the broker is only the fast path: a message
is published once, without retries, within BROKER_TIMEOUT_SECONDS (connect and each command are
bounded in settings). When that fails the row waits for its sweep, a warning is logged, and
this process stops trying for BROKER_PAUSE_SECONDS: a page that queues several emails, and the
pages after it, do not each wait for the timeout again while the broker is away.

Tasks are named by their dotted path, not imported: the services that queue them sit below the
(thin) task modules, which import the services.
"""

import logging
import time

from django.db import transaction
from django.utils.module_loading import import_string
from kombu.exceptions import OperationalError as BrokerError

logger = logging.getLogger(__name__)
BROKER_PAUSE_SECONDS = 5.0
_broker_away_until = 0.0  # time.monotonic() until which publishing is not tried


def broker_seems_away() -> bool:
    return time.monotonic() < _broker_away_until


def reset() -> None:
    """Try the broker again at once (tests, and a worker that knows it is back)."""
    global _broker_away_until
    _broker_away_until = 0.0


def enqueue(task_name: str, *args: str, sweep: str) -> bool:
    """Publish one task now. False, with a warning naming the sweep that will catch up, when
    the broker cannot take it (or failed moments ago)."""
    global _broker_away_until
    if broker_seems_away():
        logger.debug("Broker away: %s%s waits for %s.", task_name, list(args), sweep)
        return False
    try:
        import_string(task_name).apply_async(args=args, retry=False)
    except (BrokerError, OSError) as exc:  # the broker is away, or slower than its timeout
        _broker_away_until = time.monotonic() + BROKER_PAUSE_SECONDS
        logger.warning(
            "Could not queue %s%s (%s: %s); %s will send it.",
            task_name,
            list(args),
            type(exc).__name__,
            exc,
            sweep,
        )
        return False
    except Exception:  # a task run in the calling process (eager mode) failed: the row waits
        logger.exception("%s%s failed; %s will try again.", task_name, list(args), sweep)
        return False
    return True


def enqueue_on_commit(task_name: str, *args: str, sweep: str) -> None:
    """`enqueue` once the current transaction commits (nothing if it rolls back)."""
    transaction.on_commit(lambda: enqueue(task_name, *args, sweep=sweep))
