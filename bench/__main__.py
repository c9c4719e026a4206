"""`make bench`: how the journey board scales, each figure beside a reference from the same run.

The machines are shared and absolute times drift, so every time is printed beside a reference
measured in the same run: fetching the same touchpoint rows with one plain query. The ratio
(board / reference) is the figure to watch. Query counts must not grow with the journey.

Runs against a throw-away test database (SQLite, or PostgreSQL when DATABASE_URL is set).
"""

import os
import statistics
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motmap.settings")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment, teardown_test_environment  # noqa: E402

SIZES = (15, 60, 200)
REPEAT = 15


def build(org, owner, n):
    from journeys.models import Journey, Stage
    from touchpoints.models import Touchpoint

    journey = Journey.objects.create(organisation=org, name=f"Bench {n}", owner=owner)
    stages = Stage.objects.bulk_create(
        Stage(journey=journey, name=f"Stage {i + 1}", position=i + 1) for i in range(6)
    )
    Touchpoint.objects.bulk_create(
        Touchpoint(
            organisation=org,
            journey=journey,
            stage=stages[i % 6],
            position=i + 1,
            name=f"Touchpoint {i + 1}",
            desired_outcome="Greeted by name, helped at once, thanked.\n" * 3,
            customer_wants="Speed and a smile.",
            rating_current=(i % 5) - 2,
            rating_target=2,
            contacts_per_day=100 + i * 37,
            duration_seconds=15 + i % 90,
            owner=owner,
        )
        for i in range(n)
    )
    return journey


def timed(fn):
    samples = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main():
    from motmap.models import Membership, Organisation, Role, User
    from touchpoints.models import Touchpoint

    settings.AXES_ENABLED = False
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        org = Organisation.objects.create(name="Bench Air", slug="bench-air")
        user = User.objects.create_user(email="bench@example.com", password=None)
        Membership.objects.create(organisation=org, user=user, role=Role.MANAGER)
        client = Client()
        client.force_login(user)
        print(f"database: {connection.vendor}; median of {REPEAT} runs each\n")
        header = (
            f"{'touchpoints':>11}  {'board ms':>9}  {'reference ms':>12}  {'ratio':>6}  queries"
        )
        print(header)
        print("-" * len(header))
        for n in SIZES:
            journey = build(org, user, n)
            url = f"/o/{org.slug}/journeys/{journey.pk}/"
            assert client.get(url).status_code == 200
            queries = []

            def count(run, sql, *args, queries=queries):
                queries.append(sql)
                return run(sql, *args)

            with connection.execute_wrapper(count):
                client.get(url)
            board = timed(lambda url=url: client.get(url))
            reference = timed(
                lambda journey=journey: list(Touchpoint.objects.filter(journey=journey).values())
            )
            print(
                f"{n:>11}  {board * 1000:>9.1f}  {reference * 1000:>12.2f}  "
                f"{board / reference:>6.0f}  {len(queries)}"
            )
        print("\nreference: fetching the same touchpoint rows with one plain query.")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


if __name__ == "__main__":
    main()
