import pytest
from django.test import Client

from api import services


@pytest.fixture
def token_client():
    """token_client(user, org, read_only=False) -> a client sending that person's new token."""

    def make(user, org, read_only=False):
        _, raw = services.api_token_create(
            actor=user, organisation=org, name="test", read_only=read_only
        )
        client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
        client.raw_token = raw
        return client

    return make
