"""Personas and shared fixtures.

alice owns Nordic Air, bob manages there, carol is front-line staff there; mallory owns
another organisation and must never see anything of Nordic Air.
"""

import socket

import pytest
from django.test import Client

from motmap.celery import app as celery_app
from motmap.models import Role
from tests.factories import (
    JourneyFactory,
    MembershipFactory,
    OrganisationFactory,
    StageFactory,
    TouchpointFactory,
    UserFactory,
)


@pytest.fixture(autouse=True, scope="session")
def _celery_eager():
    """Unit tests run tasks in-process; the integration test starts a real worker."""
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield


@pytest.fixture(autouse=True)
def _fast_tests(settings):
    settings.AXES_ENABLED = False
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    from django.core.cache import cache

    from motmap import enqueue, ratelimit

    cache.clear()
    enqueue.reset()  # a broker outage staged by one test does not pause the next one's tasks
    ratelimit.reset()  # nor a cache outage the next one's limits


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def unused_port():
    """A port on 127.0.0.1 where nothing listens (a service that is down)."""
    return _free_port()


def _reset_broker_pools():
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def broker_away(settings):
    """A real Redis broker address where nothing listens: publishing fails as it does when the
    broker is down (connection refused), through production's transport options."""
    conf = celery_app.conf
    saved = {
        key: conf[key]
        for key in ("task_always_eager", "broker_write_url", "broker_transport_options")
    }
    conf.task_always_eager = False
    # The write URL: CELERY_BROKER_URL in the environment (CI's) would win over broker_url.
    conf.broker_write_url = f"redis://127.0.0.1:{_free_port()}/0"
    conf.broker_transport_options = dict(settings.REDIS_BROKER_TRANSPORT_OPTIONS)
    _reset_broker_pools()
    yield conf.broker_write_url
    conf.update(saved)
    _reset_broker_pools()
    from motmap import enqueue

    enqueue.reset()


@pytest.fixture
def nordic(db):
    return OrganisationFactory(name="Nordic Air", slug="nordic-air")


@pytest.fixture
def other_org(db):
    return OrganisationFactory(name="Mallory Mart", slug="mallory-mart")


def _member(org, email, name, role):
    user = UserFactory(email=email, full_name=name)
    MembershipFactory(organisation=org, user=user, role=role)
    return user


@pytest.fixture
def alice(nordic):
    return _member(nordic, "alice@nordic-air.example", "Alice Andersson", Role.OWNER)


@pytest.fixture
def bob(nordic):
    return _member(nordic, "bob@nordic-air.example", "Bob Berg", Role.MANAGER)


@pytest.fixture
def carol(nordic):
    return _member(nordic, "carol@nordic-air.example", "Carol Carlsson", Role.STAFF)


@pytest.fixture
def mallory(other_org):
    return _member(other_org, "mallory@mallory-mart.example", "Mallory Mallet", Role.OWNER)


@pytest.fixture
def personas(alice, bob, carol, mallory):
    return {"alice": alice, "bob": bob, "carol": carol, "mallory": mallory}


@pytest.fixture
def client_for():
    """client_for(user) -> a test client logged in as that user (None: anonymous)."""

    def make(user):
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def journey(nordic, bob):
    """'Business trip': stages Booking and Airport, three touchpoints."""
    j = JourneyFactory(organisation=nordic, name="Business trip", owner=bob)
    booking = StageFactory(journey=j, name="Booking", position=1)
    airport = StageFactory(journey=j, name="Airport", position=2)
    TouchpointFactory(
        stage=booking,
        name="Phone booking",
        position=1,
        rating_current=-1,
        contacts_per_day=1200,
        duration_seconds=240,
    )
    TouchpointFactory(
        stage=airport,
        name="Check-in desk",
        position=1,
        rating_current=0,
        contacts_per_day=5000,
        duration_seconds=90,
    )
    TouchpointFactory(
        stage=airport,
        name="Boarding gate",
        position=2,
        rating_current=1,
        contacts_per_day=4000,
        duration_seconds=20,
    )
    return j


@pytest.fixture
def touchpoint(journey):
    return journey.touchpoints.get(name="Check-in desk")


@pytest.fixture
def mallory_journey(other_org, mallory):
    j = JourneyFactory(organisation=other_org, name="Mallory secret journey")
    stage = StageFactory(journey=j, name="Mallory stage", position=1)
    TouchpointFactory(stage=stage, name="Mallory till")
    return j
