"""Personas and shared fixtures.

alice owns Nordic Air, bob manages there, carol is front-line staff there; mallory owns
another organisation and must never see anything of Nordic Air.
"""

import os
import socket
import uuid
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings as django_settings
from django.db import transaction
from django.test import Client, override_settings

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


def _a_broker_database_of_this_workers_own():
    """With pytest-xdist, each worker process uses a Redis database of its own: the one in
    CELERY_BROKER_URL for the first (gw0), the next ones for the others. What each one sends
    to the broker, and the real Celery workers it starts (tests/realworker.py passes this URL
    on), stay apart from the other's: no task or queue of one is taken by the other's worker.
    Celery reads CELERY_BROKER_URL from the environment before its settings."""
    url = os.environ.get("CELERY_BROKER_URL", "")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")  # gw0, gw1, ...
    if not url.startswith("redis://") or not worker.removeprefix("gw").isdigit():
        return
    parts = urlsplit(url)
    database = int(parts.path.strip("/") or 0) + int(worker.removeprefix("gw"))
    os.environ["CELERY_BROKER_URL"] = urlunsplit(parts._replace(path=f"/{database % 16}"))


_a_broker_database_of_this_workers_own()


# The crawl of every page with axe (a minute or more per persona): each persona's crawl is a
# group of its own, the groups started first, and the rest of the suite fills the other
# workers meanwhile.
STARTED_FIRST = "tests/e2e/test_every_page.py"
# Modules outside tests/e2e whose module-scoped world (real processes, databases of their own)
# costs more to make twice than their tests gain from running on two workers.
WHOLE_MODULES = ("tests/deploy/test_backup.py",)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """`--dist loadgroup` (pyproject.toml), with the browser tests grouped by their module.

    A module of tests/e2e (or of WHOLE_MODULES) runs whole in one worker: its module-scoped
    world or crawl is made once, and the files it writes under var/ (screenshots, the
    accessibility report) are written by that worker alone; STARTED_FIRST is grouped by module
    and persona (its module-scoped crawl is parametrised by persona), so that its crawls run
    side by side.
    Every other test goes wherever a worker is free. (Grouped by path here: pytest-xdist 3.8
    names the groups of `xdist_group` marks in a way that pytest 9 no longer reads.) The
    biggest groups are handed out first, STARTED_FIRST's before all.
    """
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class BrowserModulesTogether(LoadGroupScheduling):
        def _split_scope(self, nodeid):
            if nodeid.startswith(f"{STARTED_FIRST}::"):
                persona = nodeid.rpartition("[")[2].rstrip("]")
                return f"{STARTED_FIRST}[{persona}]"
            if nodeid.startswith(("tests/e2e/", *WHOLE_MODULES)):
                return nodeid.split("::", 1)[0]
            return super()._split_scope(nodeid)

        def _assign_work_unit(self, node):
            for scope in [s for s in self.workqueue if s.startswith(STARTED_FIRST)][::-1]:
                self.workqueue.move_to_end(scope, last=False)
            super()._assign_work_unit(node)

    return BrowserModulesTogether(config, log)


@pytest.fixture(autouse=True, scope="session")
def _celery_eager():
    """Unit tests run tasks in-process; the integration test starts a real worker."""
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield


FAST_SETTINGS = {
    "AXES_ENABLED": False,
    "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
    "CACHES": {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
    # Every test client loads the middleware anew, and WhiteNoise would then list and stat
    # every static file (about 0.15 s a client, most of a simple test's time). In its
    # development mode it looks a file up when one is asked for instead; it serves the same.
    "WHITENOISE_AUTOREFRESH": True,
}


def reset_shared_state():
    """What one test leaves behind in the process, outside the database, gone for the next."""
    from django.core.cache import cache

    from feedback.services import forget_kept_salt
    from motmap import enqueue, ratelimit

    cache.clear()
    forget_kept_salt()  # a salt kept by a test that committed it
    enqueue.reset()  # a broker outage staged by one test does not pause the next one's tasks
    ratelimit.reset()  # nor a cache outage the next one's limits


@pytest.fixture(autouse=True)
def _fast_tests(settings):
    for name, value in FAST_SETTINGS.items():
        setattr(settings, name, value)
    reset_shared_state()


@contextmanager
def built_once(django_db_blocker):
    """For a fixture of scope="module": what it builds inside stays for the module's tests only.

    The world is built in a transaction that is rolled back after the module's last test, and
    every test (through pytest-django's `db`) runs in a savepoint inside it, rolled back after
    the test: a test never sees what another one changed. Hand the tests ids and strings, not
    model instances, so that nothing changed in memory carries over either. The settings are the
    ones `_fast_tests` gives every test (this runs before any test's own fixtures).
    """
    with django_db_blocker.unblock(), override_settings(**FAST_SETTINGS), transaction.atomic():
        reset_shared_state()
        try:
            yield
        finally:
            transaction.set_rollback(True)
            reset_shared_state()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The Nordic Air demo (packs left out), seeded once for the module (`built_once`): each
    test sees it as just seeded, and what a test changes (seeding again included) is rolled
    back after it. Yields what the first seeding said: {"ideas_created": n, "seeded_at": t}."""
    from django.utils import timezone

    from demo.seed import seed_demo

    with built_once(django_db_blocker):
        seeded_at = timezone.now()
        result = seed_demo(packs=False)
        yield {"ideas_created": result.ideas_created, "seeded_at": seeded_at}


def session_of(user):
    """The session key of a new login of `user` (a browser's cookie, to be sent by a client)."""
    client = Client()
    client.force_login(user)
    return client.cookies[django_settings.SESSION_COOKIE_NAME].value


def client_with_session(session_key):
    """A test client sending that session's cookie (None: anonymous)."""
    client = Client()
    if session_key:
        client.cookies[django_settings.SESSION_COOKIE_NAME] = session_key
    return client


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
    return business_trip(nordic, bob)


def business_trip(nordic, bob):
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
    return mallory_secret_journey(other_org)


def mallory_secret_journey(other_org):
    j = JourneyFactory(organisation=other_org, name="Mallory secret journey")
    stage = StageFactory(journey=j, name="Mallory stage", position=1)
    TouchpointFactory(stage=stage, name="Mallory till")
    return j


def people_and_journeys():
    """The personas' organisations, the personas and both journeys, as the fixtures above make
    them: for the worlds that are built once per module (see `built_once`)."""
    nordic = OrganisationFactory(name="Nordic Air", slug="nordic-air")
    other_org = OrganisationFactory(name="Mallory Mart", slug="mallory-mart")
    people = {
        "alice": _member(nordic, "alice@nordic-air.example", "Alice Andersson", Role.OWNER),
        "bob": _member(nordic, "bob@nordic-air.example", "Bob Berg", Role.MANAGER),
        "carol": _member(nordic, "carol@nordic-air.example", "Carol Carlsson", Role.STAFF),
        "mallory": _member(other_org, "mallory@mallory-mart.example", "Mallory Mallet", Role.OWNER),
    }
    journey = business_trip(nordic, people["bob"])
    mallory_journey = mallory_secret_journey(other_org)
    return nordic, other_org, people, journey, mallory_journey


@pytest.fixture(scope="module")
def page_world(django_db_setup, django_db_blocker):
    """One of everything a page of the project shows, built once per module (see `built_once`),
    for the page matrices (tests/test_permission_matrix.py, tests/test_bad_input.py).

    Everything is ids and strings: the route kwargs of every URL, the personas' ids (`users`)
    and a logged-in session of each (`sessions`; anonymous: None).
    """
    with built_once(django_db_blocker):
        yield _page_world()


def _page_world():
    from datetime import timedelta

    from django.contrib.auth.tokens import default_token_generator
    from django.utils import timezone
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from api import services as api_services
    from exports.models import ExportStatus, OrganisationExport
    from exports.writer import export_zip
    from feedback import services as feedback_services
    from ideas import services as idea_services
    from motmap import services as org_services
    from motmap.models import Membership, OutboxEmail
    from notifications import calendar as notification_calendar
    from notifications import services as notification_services
    from notifications.models import Kind
    from packs.models import PackStatus, StoredPack
    from reviews import services as review_services
    from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint

    nordic, _other_org, people, journey, _mallory_journey = people_and_journeys()
    alice, bob, carol = people["alice"], people["bob"], people["carol"]
    empty_stage = StageFactory(journey=journey, name="Empty stage", position=9)
    _, token = org_services.invitation_create(
        actor=alice, organisation=nordic, email="newcomer@example.com", role=Role.STAFF
    )
    invitation = nordic.invitations.get()
    tp = journey.touchpoints.get(name="Check-in desk")
    tp.external_id = "desk-1"  # scores imported from other survey tools find it by this
    tp.save(update_fields=["external_id"])
    idea, _ = idea_services.idea_submit(
        actor=carol, touchpoint=tp, title="Greet by name", today="No names", proposal="Names"
    )
    comment = idea_services.comment_add(actor=carol, idea=idea, body="Also at the gate")
    feedback_point = feedback_services.feedback_open(
        actor=bob, touchpoint=tp, reasons=["Quick", "Friendly staff"]
    )
    customer_comment = feedback_services.response_record(
        point=feedback_point,
        submission_id=uuid.uuid4(),
        face=-2,
        respondent="a customer",
        comment="The queue took forty minutes.",
    )[0]
    carol_membership = Membership.objects.get(user=carol)
    feed = notification_calendar.calendar_feed_create(actor=carol, membership=carol_membership)
    pack = StoredPack.objects.create(
        organisation=nordic, journey=journey, status=PackStatus.DONE, pdf=b"%PDF-1.4 stored"
    )
    export = OrganisationExport.objects.create(
        organisation=nordic,
        requested_by=alice,
        status=ExportStatus.READY,
        file=export_zip(nordic),
        expires_at=timezone.now() + timedelta(days=7),
    )
    review = review_services.review_start(
        actor=bob, journey=journey, held_on=review_services.local_today(nordic)
    )
    action = review_services.action_create(
        actor=bob,
        review=review,
        touchpoint=tp,
        title="Greet by name",
        owner=carol,
        due_on=review_services.local_today(nordic),
    )
    api_token, _ = api_services.api_token_create(
        actor=carol, organisation=nordic, name="Carol's script"
    )
    endpoint = WebhookEndpoint.objects.create(
        organisation=nordic, url="https://hooks.example.com/motmap", events=["idea.created"]
    )
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event="idea.created", status=DeliveryStatus.SUCCEEDED
    )
    failed_email = OutboxEmail.objects.create(
        organisation=nordic,
        to="carol@nordic.example",
        subject="Never arrived",
        body_text="...",
        failed_at=timezone.now(),
        attempts=12,
        last_error="mail server said no",
    )
    # Logged in before the password-reset token is made: a login changes what it signs.
    sessions = {"anonymous": None} | {name: session_of(user) for name, user in people.items()}
    return {
        "endpoint_id": endpoint.pk,
        "delivery_id": delivery.pk,
        "api_token_id": api_token.pk,
        "pack_id": pack.pk,
        "export_id": export.pk,
        "review_id": review.pk,
        "rating_id": review.ratings.get(touchpoint=tp).pk,
        "action_id": action.pk,
        "idea_id": idea.pk,
        "comment_id": comment.pk,
        "org_slug": nordic.slug,
        "journey_id": journey.pk,
        "stage_id": empty_stage.pk,
        "touchpoint_id": tp.pk,
        "touchpoint_stage_id": str(tp.stage_id),
        "stage_ids": [str(pk) for pk in journey.stages.values_list("pk", flat=True)],
        "rating_position": review.ratings.get(touchpoint=tp).position,
        "membership_id": carol_membership.pk,
        "invitation_id": invitation.pk,
        "email_id": failed_email.pk,
        "token": token,
        "uidb64": urlsafe_base64_encode(force_bytes(carol.pk)),
        "reset_token": default_token_generator.make_token(carol),
        "unsubscribe_token": notification_services.unsubscribe_token(
            carol_membership, [Kind.COMMENTS]
        ),
        "calendar_token": feed.token,
        "feedback_code": feedback_services.public_code(feedback_point),
        "kiosk_code": feedback_services.kiosk_code(feedback_point),
        "response_id": customer_comment.pk,
        "users": {name: user.pk for name, user in people.items()},
        "sessions": sessions,
    }
