"""End to end: two Celery beats running at once still send each review reminder exactly once.

The deployment means to run one beat, but two can overlap for a while (a pod on a node cut off
from the cluster keeps running while its replacement starts, a beat started by hand beside the
real one). Each beat then queues its own sweeps, and two workers run them side by side. What
keeps a reminder from going out twice is the claim in `reviews.reminders` (the sweep moves a
journey's `next_reminder_at` only where it is still due, and a second sweep, once the first
one's row locks are free, finds it no longer due) and then the outbox's claim on each email.

Two real `celery -A motmap beat` processes (each with its schedule file, the sweep every half
second) and two real workers, on the real Redis and the PostgreSQL test database (see
tests/realworker.py for when this runs). So that the two sweeps meet on the same rows for
certain, and not only when the timing happens to line up, the test holds the due journeys'
rows locked until both workers' sweeps have read them as due and wait on the lock to claim
them, then lets them go.
"""

import email
import re
import time
import uuid
from collections import Counter
from contextlib import ExitStack, contextmanager
from datetime import timedelta

import psycopg2
from django.db import connection, transaction
from django.utils import timezone

from journeys import services as journey_services
from journeys.models import Journey
from motmap.models import OutboxEmail, Role
from motmap.outbox import message_id
from notifications.models import Frequency, Kind, NotificationSetting
from reviews.models import Reminder
from tests import realworker
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.realworker import (
    REQUIRES_REAL_BROKER,
    TIMEOUT,
    real_broker,
    require_postgresql,
    tasks_done,
    worker,
)
from touchpoints import services as touchpoint_services

pytestmark = REQUIRES_REAL_BROKER
SWEEP = "reviews.tasks.send_due_reminders"
SENT_SWEEP = "Sending due task send-due-reminders"
# The filebased backend writes each message followed by this line; one file may hold several.
MESSAGE_END = b"\n" + b"-" * 79 + b"\n"
ALICE, BOB, CAROL = "alice@nordic-air.example", "bob@nordic-air.example", "carol@nordic-air.example"
# name: (the journey's owner, the owner of its one touchpoint), and who is told of its review:
# the journey's owner and its touchpoints' owners, or, when there are none, the managers and
# owners of the organisation.
JOURNEYS = {
    "Business trip": ((BOB, CAROL), {BOB, CAROL}),
    "Family holiday": ((ALICE, None), {ALICE}),
    "Lost luggage": ((BOB, ALICE), {ALICE, BOB}),
    "Booking change": ((None, None), {ALICE, BOB}),
    "Lounge visit": ((BOB, None), {BOB}),
    "Upgrade request": ((ALICE, CAROL), {ALICE, CAROL}),
}


def _build_world():
    """Nordic Air, its three members (every one told of reminders at once), and its journeys,
    each with a review in three days whose reminder is due now. Returns the journeys' ids."""
    org = OrganisationFactory(name="Nordic Air", slug="nordic-air")
    people = {}
    for address, name, role in [
        (ALICE, "Alice Andersson", Role.OWNER),
        (BOB, "Bob Berg", Role.MANAGER),
        (CAROL, "Carol Carlsson", Role.STAFF),
    ]:
        people[address] = UserFactory(email=address, full_name=name)
        membership = MembershipFactory(organisation=org, user=people[address], role=role)
        NotificationSetting.objects.create(
            membership=membership, kind=Kind.REMINDERS, frequency=Frequency.IMMEDIATELY
        )
    bob = people[BOB]
    in_three_days = timezone.localdate(timezone=org.tzinfo) + timedelta(days=3)
    ids = []
    for name, ((owner, touchpoint_owner), _told) in JOURNEYS.items():
        with transaction.atomic():
            journey = journey_services.journey_create(
                actor=bob, organisation=org, name=name, owner=people.get(owner)
            )
            stage = journey_services.stage_create(actor=bob, journey=journey, name="Arrival")
            touchpoint_services.touchpoint_create(
                actor=bob,
                journey=journey,
                stage=stage,
                name="Check-in desk",
                owner=people.get(touchpoint_owner),
            )
            journey_services.journey_set_next_review(
                actor=bob, journey=journey, next_review_on=in_three_days
            )
        ids.append(journey.pk)
    # The reminder's moment has come: one moment for all of them, as for the journeys of an
    # organisation whose reviews fall on the same day.
    Journey.objects.filter(pk__in=ids).update(
        next_reminder_at=timezone.now() - timedelta(minutes=1)
    )
    return ids


@contextmanager
def _beat(queue, workdir, log_path):
    """A beat of its own (its own schedule file), queueing on the test's queue, the reminder
    sweep every half second."""
    workdir.mkdir()
    with realworker.beat(
        queue, workdir / "schedule", log_path, env={"REMINDER_SWEEP_SECONDS": "0.5"}
    ) as process:
        yield process


@contextmanager
def _rows_locked(journey_ids):
    """Hold the journeys' rows locked (FOR UPDATE, from a connection of its own) until the
    caller calls the function yielded, or leaves the block."""
    held = psycopg2.connect(realworker.test_database_url())
    try:
        table = Journey._meta.db_table  # only the model's table name is formatted in
        with held.cursor() as cursor:
            cursor.execute(
                f"SELECT id FROM {table} WHERE id = ANY(%s::uuid[]) FOR UPDATE",  # noqa: S608
                [[str(pk) for pk in journey_ids]],
            )
            assert cursor.rowcount == len(journey_ids)
        yield held.rollback
    finally:
        held.close()


def _sweeps_waiting_on_the_claim():
    """How many backends of the test database are in the sweep's claim (the UPDATE of the
    journeys) and waiting on a row lock."""
    table = Journey._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock' AND query LIKE %s",
            # The sweep's claim: motmap.bulk's UPDATE of the table (a parameter, not SQL).
            [f'UPDATE "{table}" %'],  # noqa: S608
        )
        return cursor.fetchone()[0]


def _fired(log_path):
    """What each sweep the worker finished returned: the number of items it fired."""
    log = log_path.read_text(errors="replace")
    return [
        int(n)
        for n in re.findall(rf"Task {re.escape(SWEEP)}\[[^\]]+\] succeeded in \S+: (\d+)", log)
    ]


def _lines(log_path):
    return log_path.read_text(errors="replace").splitlines()


def _count(log_path, text):
    return log_path.read_text(errors="replace").count(text)


def _messages(*mail_dirs):
    """Every message the workers' mail backends wrote."""
    found = []
    for mail_dir in mail_dirs:
        for path in sorted(mail_dir.iterdir()):
            for raw in path.read_bytes().split(MESSAGE_END):
                if raw.strip():
                    found.append(email.message_from_bytes(raw))
    return found


def _text(message):
    (part,) = [p for p in message.walk() if p.get_content_type() == "text/plain"]
    return part.get_payload(decode=True).decode(part.get_content_charset())


def test_two_beats_at_once_send_each_review_reminder_once(transactional_db, tmp_path):
    require_postgresql()
    journey_ids = _build_world()
    expected = Counter(
        (to, f"[Nordic Air] Review coming up: {name}")
        for name, (_owners, told) in JOURNEYS.items()
        for to in told
    )
    queue = f"motmap-test-{uuid.uuid4().hex[:12]}"
    mail_dirs = [tmp_path / "mail-1", tmp_path / "mail-2"]
    for mail_dir in mail_dirs:
        mail_dir.mkdir()
    worker_logs = [tmp_path / "worker-1.log", tmp_path / "worker-2.log"]
    beat_logs = [tmp_path / "beat-1.log", tmp_path / "beat-2.log"]
    logs = [*worker_logs, *beat_logs]
    processes = []

    def wait_until(condition, what):
        """Poll until condition() holds; fail when a process stops or TIMEOUT passes."""
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            if condition():
                return
            if any(process.poll() is not None for process in processes):
                break
            time.sleep(0.1)
        texts = "\n".join(f"--- {p.name}:\n{p.read_text(errors='replace')}" for p in logs)
        stopped = [f"{p.args[3]} (exit {p.returncode})" for p in processes if p.poll() is not None]
        raise AssertionError(f"{what}: not within {TIMEOUT} s (stopped: {stopped}):\n{texts}")

    def sweeps_sent():
        return [_count(path, SENT_SWEEP) for path in beat_logs]

    def sweeps_done():
        return sum(tasks_done(path, SWEEP) for path in worker_logs)

    with ExitStack() as stack:
        release = stack.enter_context(_rows_locked(journey_ids))
        stack.enter_context(real_broker(queue, tasks=()))
        for mail_dir, log_path in zip(mail_dirs, worker_logs, strict=True):
            processes.append(stack.enter_context(worker(queue, mail_dir, log_path)))
        for number, log_path in enumerate(beat_logs, start=1):
            processes.append(
                stack.enter_context(_beat(queue, tmp_path / f"beat-{number}", log_path))
            )

        # Leaving the block, also on a failure: the rows are let go (a sweep waiting on them
        # would hold up its worker's shutdown), every process is told to stop at once, and
        # then each is waited for.
        stack.callback(lambda: [process.terminate() for process in processes])
        stack.callback(release)

        # Both beats queue sweeps, and both workers' sweeps have read the journeys as due and
        # wait to claim them.
        wait_until(lambda: all(sweeps_sent()), "both beats sending the reminder sweep")
        wait_until(lambda: _sweeps_waiting_on_the_claim() >= 2, "two sweeps waiting on the claim")
        release()

        wait_until(
            lambda: (
                OutboxEmail.objects.filter(sent_at__isnull=False).count() >= sum(expected.values())
                and not Reminder.objects.exists()
            ),
            "the reminders told and their emails sent",
        )
        # Each beat queues two more sweeps, and the workers run every sweep queued so far:
        # nothing more may fire or be sent.
        then = sweeps_sent()
        wait_until(
            lambda: all(now >= before + 2 for now, before in zip(sweeps_sent(), then, strict=True)),
            "two more sweeps from each beat",
        )
        queued = sum(sweeps_sent())
        wait_until(lambda: sweeps_done() >= queued, "every queued sweep run")

    failed = [
        line for path in worker_logs for line in _lines(path) if re.search(r"Task \S+ raised", line)
    ]
    assert not failed, failed
    # Each worker's first sweep is one of the two that met on the locked rows: between them they
    # fired every reminder once, and no sweep after them fired anything.
    fired = [_fired(path) for path in worker_logs]
    assert all(fired), f"each worker ran sweeps: {fired}"
    assert sum(sweeps[0] for sweeps in fired) == len(JOURNEYS), f"fired, per worker: {fired}"
    assert sum(map(sum, fired)) == len(JOURNEYS), f"fired, per worker: {fired}"
    assert not Reminder.objects.exists()
    assert all(
        at > timezone.now() for at in Journey.objects.values_list("next_reminder_at", flat=True)
    )

    rows = list(OutboxEmail.objects.all())
    assert Counter((row.to, row.subject) for row in rows) == expected
    assert all(row.sent_at and row.attempts == 1 for row in rows)

    sent = _messages(*mail_dirs)
    assert Counter((m["To"], m["Subject"]) for m in sent) == expected
    assert all("is due in 3 days" in _text(m) for m in sent)
    assert sorted(m["Message-ID"] for m in sent) == sorted(message_id(row) for row in rows)
