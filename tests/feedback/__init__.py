"""Tests of customers' feedback."""

import uuid


def new_address():
    """An address of each test's own: the burst limit's count is kept in the cache (Redis
    under CI), shared by every test running in the same minute."""
    return f"198.18.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250 + 1}"
