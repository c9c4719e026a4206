"""`make bench`: the product's figures, each beside a reference from the same run, area by area
(the board, the ideas, the idea form's weight, the reminder sweep, the pack, the bulk feed, the
list API, the broker and the cache away, customers' answers), then one table of them all
(bench/summary.py) with each target and whether it is met.

The machines are shared and absolute times drift, so every time is printed beside a reference
measured in the same run (a minimal page, a plain query of the same rows): the ratio is the
figure to watch. Query counts must not grow with the data.

Runs against a throw-away test database (SQLite, or PostgreSQL when DATABASE_URL is set).
"""

import logging
import os
import statistics
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motmap.settings")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.template.base import Template  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment, teardown_test_environment  # noqa: E402

from bench import feedback, summary  # noqa: E402
from bench.measure import REPEAT, counted, timed  # noqa: E402

SIZES = (15, 60, 200)


def build(org, owner, n, name=None, external_prefix=""):
    from journeys.models import Journey, Stage
    from touchpoints.models import Touchpoint

    journey = Journey.objects.create(organisation=org, name=name or f"Bench {n}", owner=owner)
    stages = Stage.objects.bulk_create(
        Stage(journey=journey, name=f"Stage {i + 1}", position=i + 1) for i in range(6)
    )
    Touchpoint.objects.bulk_create(
        (
            Touchpoint(
                organisation=org,
                journey=journey,
                stage=stages[i % 6],
                position=i + 1,
                name=f"Touchpoint {i + 1}",
                external_id=f"{external_prefix}{i + 1}" if external_prefix else "",
                desired_outcome="Greeted by name, helped at once, thanked.\n" * 3,
                customer_wants="Speed and a smile.",
                rating_current=(i % 5) - 2,
                rating_target=2,
                contacts_per_day=100 + i * 37,
                duration_seconds=15 + i % 90,
                owner=owner,
            )
            for i in range(n)
        ),
        batch_size=1000,
    )
    return journey


def count_queries(client, url):
    queries = []

    def count(run, sql, *args):
        queries.append(sql)
        return run(sql, *args)

    with connection.execute_wrapper(count):
        client.get(url)
    return len(queries)


def add_ideas(touchpoint, n):
    from ideas.models import Idea

    start = Idea.objects.filter(organisation=touchpoint.organisation).count()
    Idea.objects.bulk_create(
        (
            Idea(
                organisation=touchpoint.organisation,
                touchpoint=touchpoint,
                number=start + i + 1,
                title=f"Idea {start + i + 1}",
                today="The queue is long and nobody says hello.",
                proposal="Greet every traveller by name as they arrive.",
                vote_count=i % 17,
            )
            for i in range(n)
        ),
        batch_size=1000,
    )


def board_table(client, org, user):
    """The journey board beside a minimal page (same login and tenancy) and a plain fetch of its
    rows. Target: at most 10x the minimal page at 200 touchpoints; queries fixed."""
    from pages import cards
    from touchpoints.models import Touchpoint

    header = (
        f"{'touchpoints':>11}  {'board ms':>9}  {'minimal ms':>10}  {'ratio':>6}  "
        f"{'rows ms':>8}  {'ratio':>6}  {'cold ms':>8}  queries"
    )
    print("journey board (target: at most 10x the minimal page at 200 touchpoints)")
    print(header)
    print("-" * len(header))
    minimal_url = f"/o/{org.slug}/ideas/implemented/"  # a member page listing nothing
    query_counts = []
    for n in SIZES:
        journey = build(org, user, n)
        url = f"/o/{org.slug}/journeys/{journey.pk}/"
        assert client.get(url).status_code == 200
        queries = count_queries(client, url)
        board = timed(lambda url=url: client.get(url))
        cold = []
        for _ in range(3):
            cards.clear()
            start = time.perf_counter()
            client.get(url)
            cold.append(time.perf_counter() - start)
        cold = statistics.median(cold)
        minimal = timed(lambda: client.get(minimal_url))
        rows = timed(
            lambda journey=journey: list(Touchpoint.objects.filter(journey=journey).values())
        )
        print(
            f"{n:>11}  {board * 1000:>9.1f}  {minimal * 1000:>10.1f}  {board / minimal:>6.1f}  "
            f"{rows * 1000:>8.2f}  {board / rows:>6.0f}  {cold * 1000:>8.1f}  {queries}"
        )
        query_counts.append(queries)
    fixed = len(set(query_counts)) == 1
    summary.add(
        "journey board",
        f"board, {n} touchpoints: {summary.ms(board)}",
        f"minimal page: {summary.ms(minimal)}",
        summary.times(board / minimal),
        "≤ 10x",
        board / minimal <= 10,
    )
    summary.add(
        "journey board",
        f"queries at {', '.join(map(str, SIZES))} touchpoints",
        "the same at every size",
        " / ".join(map(str, query_counts)),
        "fixed",
        fixed,
    )
    print("minimal: the implemented-ideas wall with nothing on it (same login and tenancy); rows:")
    print("fetching the same touchpoint rows with one plain query; cold: the first view, no card")
    print("kept yet (after a change only the changed cards are rendered again).\n")


def ideas_table(client, org, user):
    from touchpoints.models import Touchpoint

    journey = build(org, user, 15, name="Bench ideas")
    touchpoint = Touchpoint.objects.filter(journey=journey).first()
    header = f"{'ideas':>6}  {'page':<14}  {'ms':>7}  {'minimal ms':>10}  {'ratio':>6}  queries"
    print(header)
    print("-" * len(header))
    pages = {
        "ideas board": f"/o/{org.slug}/ideas/",
        "journey board": f"/o/{org.slug}/journeys/{journey.pk}/",
    }
    minimal_url = f"/o/{org.slug}/ideas/implemented/"  # a member page listing nothing
    have = 0
    for n in (50, 5000):
        add_ideas(touchpoint, n - have)
        have = n
        minimal = timed(lambda: client.get(minimal_url))
        for name, url in pages.items():
            assert client.get(url).status_code == 200
            queries = count_queries(client, url)
            ms = timed(lambda url=url: client.get(url))
            print(
                f"{n:>6}  {name:<14}  {ms * 1000:>7.1f}  {minimal * 1000:>10.1f}  "
                f"{ms / minimal:>6.1f}  {queries}"
            )
            if n == 5000:
                summary.add(
                    "ideas",
                    f"{name}, {n:,} ideas: {summary.ms(ms)} ({queries} queries)",
                    f"minimal page: {summary.ms(minimal)}",
                    summary.times(ms / minimal),
                )
    print("minimal: the implemented-ideas wall with nothing on it (same login and tenancy).\n")


def submit_page_weight(user):
    """Bytes and requests of the idea form, as a phone loads it (HTML + linked files).

    Measured for an organisation of the demo's size (two journeys, 21 touchpoints); the
    gzip column is what whitenoise's compressed storage sends in production.
    """
    import gzip
    import re

    from django.contrib.staticfiles import finders

    from motmap.models import Membership, Organisation, Role

    org = Organisation.objects.create(name="Phone Air", slug="phone-air")
    Membership.objects.create(organisation=org, user=user, role=Role.STAFF)
    build(org, user, 15, name="Business trip")
    build(org, user, 6, name="Lost baggage")
    client = Client()
    client.force_login(user)
    html = client.get(f"/o/{org.slug}/ideas/new/").content
    assets = re.findall(rb'(?:href|src)="(/static/[^"]+)"', html)
    files = {"page (HTML)": html}
    for asset in assets:
        with open(finders.find(asset.decode().removeprefix("/static/")), "rb") as f:
            files[asset.decode()] = f.read()
    print("idea form, 21 touchpoints (target: under 80 KB, 25 KB gzipped, at most 4 requests)")
    print(f"  {'':<32} {'bytes':>7} {'gzip':>7}")
    for name, body in files.items():
        print(f"  {name:<32} {len(body):>7} {len(gzip.compress(body)):>7}")
    total = sum(len(b) for b in files.values())
    zipped = sum(len(gzip.compress(b)) for b in files.values())
    print(f"  {'total':<32} {total:>7} {zipped:>7}   in {len(files)} requests")
    # The browser asks for the icon once and keeps it (tests/e2e/test_ideas.py counts the same).
    own = {name: body for name, body in files.items() if "/favicon" not in name}
    own_total = sum(len(b) for b in own.values())
    own_zipped = sum(len(gzip.compress(b)) for b in own.values())
    print(
        f"  {'the page without the icons':<32} {own_total:>7} {own_zipped:>7}   in {len(own)} "
        "requests (the icon is asked for once and kept)\n"
    )
    summary.add(
        "idea form (phone)",
        f"{own_total / 1024:.1f} KB, {own_zipped / 1024:.1f} KB gzipped, {len(own)} requests",
        "the limits",
        f"{own_total / 1024 / 80:.2f} / {own_zipped / 1024 / 25:.2f} of them",
        "< 80 KB, < 25 KB gz, ≤ 4 req.",
        own_total < 80 * 1024 and own_zipped < 25 * 1024 and len(own) <= 4,
    )


def reminder_sweep_table(org, manager):
    """10,000 journeys, some due: the sweep beside a plain SELECT + UPDATE of the same rows."""
    from datetime import timedelta

    from django.db import transaction
    from django.utils import timezone

    from journeys.models import Journey, Stage
    from motmap.models import Membership, OutboxEmail, Role, User
    from notifications.models import PendingNotice
    from reviews.models import Reminder
    from touchpoints.models import Touchpoint

    staff = User.objects.create_user(email="staff@example.com", password=None)
    Membership.objects.create(organisation=org, user=staff, role=Role.STAFF)
    now = timezone.now()
    later = now + timedelta(days=30)
    journeys = Journey.objects.bulk_create(
        Journey(
            organisation=org,
            name=f"Sweep {i}",
            owner=manager,
            next_review_on=(now + timedelta(days=14)).date(),
            next_reminder_at=later,
        )
        for i in range(10_000)
    )
    stages = Stage.objects.bulk_create(Stage(journey=j, name="Stage", position=1) for j in journeys)
    Touchpoint.objects.bulk_create(
        Touchpoint(organisation=org, journey=j, stage=s, position=1, name="Desk", owner=staff)
        for j, s in zip(journeys, stages, strict=True)
    )
    ids = [j.pk for j in journeys]
    from motmap import outbox
    from reviews import reminders

    # Queuing the telling and the sending is the broker's; the workers' work is timed below.
    outbox.enqueue_on_commit = reminders.enqueue_on_commit = lambda *args, **kwargs: None
    print("reminder sweep, 10,000 journeys (each due one: an email to the touchpoint owner and a")
    print("digest notice for the journey owner)")
    header = (
        f"{'due':>6} {'batches':>8} {'queries':>8} {'per batch':>10} "
        f"{'sweep':>10} {'reference':>10} {'ratio':>6} {'telling':>10} {'per email':>10}"
    )
    print(header)
    print("-" * len(header))
    query_counts = {}
    for due in (100, 500, 1_000):
        due_ids = ids[:due]

        def make_due(due_ids=due_ids):
            Journey.objects.filter(pk__in=due_ids).update(next_reminder_at=now - timedelta(days=1))
            OutboxEmail.objects.all().delete()
            PendingNotice.objects.all().delete()
            Reminder.objects.all().delete()

        def reference():
            with transaction.atomic():
                rows = list(
                    Journey.objects.filter(next_reminder_at__lte=now).values_list("pk", "owner_id")
                )
                Journey.objects.filter(pk__in=[pk for pk, _ in rows]).update(next_reminder_at=later)

        samples, references, tellings, queries = [], [], [], []

        def count(run, sql, *args, queries=queries):
            queries.append(sql)
            return run(sql, *args)

        for _ in range(5):
            make_due()
            queries.clear()
            start = time.perf_counter()
            with connection.execute_wrapper(count):
                reminders.send_due_reminders(now=now)
            samples.append(time.perf_counter() - start)
            assert Reminder.objects.count() == due, "every due reminder fired once"
            start = time.perf_counter()
            reminders.deliver_reminders()
            tellings.append(time.perf_counter() - start)
            assert OutboxEmail.objects.count() == due, "every fired reminder told once"
            make_due()
            start = time.perf_counter()
            reference()
            references.append(time.perf_counter() - start)
        batches = -(-due // settings.REMINDER_BATCH_SIZE)
        swept, ref = statistics.median(samples), statistics.median(references)
        told = statistics.median(tellings)
        print(
            f"{due:>6} {batches:>8} {len(queries):>8} {len(queries) / batches:>10.1f} "
            f"{swept * 1000:>8.1f}ms {ref * 1000:>8.1f}ms {swept / ref:>6.1f} "
            f"{told * 1000:>8.0f}ms {told / due * 1000:>8.2f}ms"
        )
        query_counts[due] = (len(queries), batches)
    summary.add(
        "reminder sweep",
        f"sweep of {due:,} due journeys: {summary.ms(swept)}",
        f"SELECT + UPDATE of the rows: {summary.ms(ref)}",
        summary.times(swept / ref),
        "≤ 3x",
        swept / ref <= 3,
    )
    # Fixed per batch: two batches cost no more than twice one (each full batch is followed by
    # one more look for due rows, which finds none or starts the next batch).
    (one, _), (two, two_batches) = query_counts[100], query_counts[1_000]
    counts = ", ".join(
        f"{q} for {d:,} due ({b} {'batch' if b == 1 else 'batches'})"
        for d, (q, b) in query_counts.items()
    )
    summary.add(
        "reminder sweep",
        f"queries: {counts}",
        "one batch's queries",
        f"{two} ≤ {two_batches} x {one}"
        if two <= two_batches * one
        else f"{two} > {two_batches} x {one}",
        "fixed per batch",
        two <= two_batches * one,
    )
    summary.add(
        "reminder sweep",
        f"telling (emails rendered, on the workers): {told / due * 1000:.2f} ms an email",
        "measured on its own",
        "-",
    )
    print(
        f"batch size {settings.REMINDER_BATCH_SIZE}; reference: one SELECT of the due rows and one "
        "UPDATE of them. The sweep claims the\ndue rows, moves their schedule on and writes one "
        "compact row per reminder (target: at most 3x the reference).\nTelling, on the workers "
        "and timed on its own: recipients, preferences, each email rendered (text and\nHTML) "
        "into the outbox, the digest notices.\n"
    )


def pack_table(client, org, user):
    """The review pack of a 40-touchpoint journey with 200 ideas: gathering beside rendering.

    Gathering = the pack's queries + templating to the final HTML; rendering = WeasyPrint
    laying out that same HTML as a PDF, in the same run. Gathering must stay under a fifth of
    rendering, and its query count must not grow with the touchpoints.
    """
    from datetime import timedelta

    from django.utils import timezone

    from ideas.models import Idea, IdeaStatus
    from packs import pdf, selectors, services
    from reviews.models import Review, ReviewRating
    from touchpoints.models import Touchpoint

    def make(n, ideas):
        journey = build(org, user, n, name=f"Pack {n}")
        tps = list(Touchpoint.objects.filter(journey=journey).order_by("position"))
        for i, tp in enumerate(tps):
            add_ideas(tp, ideas // n + (1 if i < ideas % n else 0))
        ids = Idea.objects.filter(touchpoint__journey=journey).values_list("pk", flat=True)
        Idea.objects.filter(pk__in=list(ids)[::3]).update(
            status=IdeaStatus.IMPLEMENTED, implemented_at=timezone.now() - timedelta(days=5)
        )
        for days in (300, 200, 100):
            review = Review.objects.create(
                organisation=org,
                journey=journey,
                held_on=timezone.localdate(),
                status="completed",
                completed_at=timezone.now() - timedelta(days=days),
            )
            ReviewRating.objects.bulk_create(
                ReviewRating(
                    review=review,
                    touchpoint=tp,
                    position=i,
                    touchpoint_name=tp.name,
                    rating=(i + days // 100) % 5 - 2,
                    target_rating=2,
                )
                for i, tp in enumerate(tps)
            )
        return journey

    def html_for(journey):
        pack = selectors.gather_journey_pack(journey)
        context = services.pack_context(org=org, packs=[pack], paper="A4", for_pdf=True)
        return services.render_pack_html(context)

    def queries_for(journey):
        queries = []

        def count(run, sql, *args):
            queries.append(sql)
            return run(sql, *args)

        with connection.execute_wrapper(count):
            html_for(journey)
        return len(queries)

    small, journey = make(10, 50), make(40, 200)
    html = html_for(journey)
    gather = timed(lambda: html_for(journey))
    samples = []
    for _ in range(3):
        start = time.perf_counter()
        content = pdf.html_to_pdf(html)
        samples.append(time.perf_counter() - start)
    render = statistics.median(samples)
    from io import BytesIO

    from pypdf import PdfReader

    pages = len(PdfReader(BytesIO(content)).pages)
    print("review pack, 40 touchpoints, 200 ideas, 3 reviews (target: gather < 1/5 of render)")
    header = (
        f"{'gather ms':>10}  {'render ms':>10}  {'ratio':>6}  {'pages':>5}  queries 10 tp / 40 tp"
    )
    print(header)
    print("-" * len(header))
    print(
        f"{gather * 1000:>10.1f}  {render * 1000:>10.0f}  {gather / render:>6.3f}  {pages:>5}  "
        f"{queries_for(small):>7} / {queries_for(journey)}"
    )
    summary.add(
        "review pack",
        f"gather, 40 touchpoints: {summary.ms(gather)}",
        f"WeasyPrint render: {summary.ms(render)}",
        f"{gather / render:.3f}",
        "< 0.2",
        gather / render < 0.2,
    )
    small_queries, large_queries = queries_for(small), queries_for(journey)
    summary.add(
        "review pack",
        "gather queries at 10 and 40 touchpoints",
        "the same at both sizes",
        f"{small_queries} / {large_queries}",
        "fixed",
        small_queries == large_queries,
    )
    print("gather: queries + templating to the final HTML (median of 15); render: WeasyPrint on")
    print("that same HTML (median of 3), in this run.\n")

    url = f"/o/{org.slug}/journeys/{journey.pk}/pack.pdf"
    start = time.perf_counter()
    first = client.get(url)
    made = time.perf_counter() - start
    cached = timed(lambda: client.get(url))
    assert first.status_code == 200 and client.get(url).content == first.content
    print("pack.pdf of that journey, downloaded twice (target: the second under 100 ms)")
    header = f"{'first ms':>9}  {'unchanged ms':>12}  {'ratio':>6}"
    print(header)
    print("-" * len(header))
    print(f"{made * 1000:>9.0f}  {cached * 1000:>12.1f}  {cached / made:>6.3f}")
    summary.add(
        "review pack",
        f"pack.pdf, unchanged, again: {summary.ms(cached)}",
        f"first download (made): {summary.ms(made)}",
        f"{cached / made:.3f}",
        "< 100 ms",
        cached < 0.1,
    )
    print("first: made with WeasyPrint; unchanged: the same content again, from the cache (median")
    print(f"of {REPEAT}).\n")


def feed_table(client, org, user):
    """The bulk feed of 10,000 touchpoints beside a plain bulk UPDATE of the same rows.

    Every run changes every row (the values alternate), so each run writes 10,000 rows and
    10,000 history rows; "none change" sends the values that are already there.
    """
    import json

    from motmap.bulk import bulk_set
    from touchpoints.models import Touchpoint
    from touchpoints.services import touchpoint_feed

    n, runs = 10_000, 5
    journey = build(org, user, n, name="Bench feed", external_prefix="EXT-")
    url = f"/api/v1/orgs/{org.slug}/touchpoints/feed/"
    flip = iter(range(1_000_000))

    def rows(count=n):
        k = next(flip)
        return [
            {"external_id": f"EXT-{i + 1}", "contacts_per_day": 200 + k, "rating_current": k % 2}
            for i in range(count)
        ]

    def service(body):
        return lambda: touchpoint_feed(actor=user, organisation=org, rows=body)

    def api(body):
        data = json.dumps({"rows": body})
        return lambda: client.post(url, data, content_type="application/json")

    def plain_update():
        k = next(flip)
        objs = list(Touchpoint.objects.filter(journey=journey).only("pk"))
        for tp in objs:
            tp.contacts_per_day, tp.rating_current = 200 + k, k % 2
        return lambda: bulk_set(Touchpoint, objs, ["contacts_per_day", "rating_current"])

    def django_bulk_update():
        k = next(flip)
        objs = list(Touchpoint.objects.filter(journey=journey).only("pk"))
        for tp in objs:
            tp.contacts_per_day, tp.rating_current = 200 + k, k % 2
        return lambda: Touchpoint.objects.bulk_update(
            objs, ["contacts_per_day", "rating_current"], batch_size=1_000
        )

    def measure(make, repeat=runs):
        samples, queries = [], 0
        for _ in range(repeat):
            fn = make()
            seconds, queries = counted(fn)
            samples.append(seconds)
        return statistics.median(samples), queries

    def side_by_side(*makes):
        """Each one run in turn, `runs` rounds: every UPDATE leaves dead rows behind, so the
        reference and the feed are measured on the table in the same state."""
        samples = [[] for _ in makes]
        queries = [0] * len(makes)
        for _ in range(runs):
            for i, make in enumerate(makes):
                seconds, queries[i] = counted(make())
                samples[i].append(seconds)
        return [(statistics.median(s), q) for s, q in zip(samples, queries, strict=True)]

    _, small = measure(lambda: service(rows(1_000)), repeat=1)
    (reference, ref_queries), feed, feed_api = side_by_side(
        plain_update, lambda: service(rows()), lambda: api(rows())
    )
    figures = [("feed, service, all change", *feed), ("feed, API view, all change", *feed_api)]
    same = rows()
    touchpoint_feed(actor=user, organisation=org, rows=same)
    figures.append(("feed, service, none change", *measure(lambda: service(same))))
    figures.append(("reference: one bulk UPDATE", reference, ref_queries))
    figures.append(("Django bulk_update", *measure(django_bulk_update, repeat=1)))
    print(f"bulk feed, {n:,} touchpoints (median of {runs})")
    header = f"{'what':<28} {'ms':>8} {'ratio':>6} {'queries':>8}"
    print(header)
    print("-" * len(header))
    for what, seconds, queries in figures:
        print(f"{what:<28} {seconds * 1000:>8.0f} {seconds / reference:>6.1f} {queries:>8}")
    on_postgres = connection.vendor == "postgresql"
    summary.add(
        "bulk feed",
        f"feed of {n:,} changed rows (service): {summary.ms(feed[0])}, {feed[1]} queries",
        f"one bulk UPDATE: {summary.ms(reference)}",
        summary.times(feed[0] / reference),
        "≤ 2x (on PostgreSQL)",
        feed[0] / reference <= 2 if on_postgres else None,
    )
    summary.add(
        "bulk feed",
        f"the same through the API view: {summary.ms(feed_api[0])}",
        f"one bulk UPDATE: {summary.ms(reference)}",
        summary.times(feed_api[0] / reference),
    )
    summary.add(
        "bulk feed",
        "queries for 1,000 and 10,000 rows",
        "the same at both sizes",
        f"{small} / {feed[1]}",
        "fixed",
        small == feed[1],
    )
    print(
        f"queries: {small} for 1,000 rows, {figures[0][2]} for {n:,} (on PostgreSQL the same: "
        "find and lock, update, history). Reference: one UPDATE ... FROM (VALUES ...) of\n"
        "the same rows and values, nothing else. The feed also checks every row, finds and locks\n"
        "the touchpoints, compares, bumps versions and writes a history row per rating change.\n"
    )


def list_api_table(client, org, user):
    """The touchpoint list API: the query count must not grow with the page size."""
    from touchpoints.models import Touchpoint

    if Touchpoint.objects.for_org(org).count() < 100:  # run alone: no other table built any
        build(org, user, 200, name="Bench list")
    base = f"/api/v1/orgs/{org.slug}/touchpoints/"
    total = Touchpoint.objects.for_org(org).count()
    reference = timed(lambda: list(Touchpoint.objects.for_org(org).values()[:100]))
    print(f"touchpoint list API, {total:,} touchpoints in the organisation")
    header = f"{'page_size':>9} {'ms':>8} {'reference ms':>12} {'ratio':>6} {'queries':>8}"
    print(header)
    print("-" * len(header))
    query_counts = []
    for size in (10, 100):
        url = f"{base}?page_size={size}"
        response = client.get(url)
        assert response.status_code == 200 and len(response.json()["results"]) == size
        queries = count_queries(client, url)
        ms = timed(lambda url=url: client.get(url))
        print(
            f"{size:>9} {ms * 1000:>8.1f} {reference * 1000:>12.2f} {ms / reference:>6.0f} "
            f"{queries:>8}"
        )
        query_counts.append(queries)
    summary.add(
        "touchpoint list API",
        f"page of 100: {summary.ms(ms)}; queries for pages of 10 and 100",
        f"the rows, one plain query: {summary.ms(reference)}",
        " / ".join(map(str, query_counts)) + " queries",
        "fixed",
        len(set(query_counts)) == 1,
    )
    print("reference: the first 100 touchpoint rows with one plain query.\n")


class _Hung:
    """A broker address that takes the connection and never answers (an overloaded or
    half-dead Redis): the worst case for a page that publishes."""

    def __init__(self):
        import socket

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(100)  # never accepted: the kernel completes the handshake, nobody reads
        self.url = f"redis://127.0.0.1:{self.sock.getsockname()[1]}/0"

    def close(self):
        self.sock.close()


def _closed_url():
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"redis://127.0.0.1:{probe.getsockname()[1]}/0"


def _redis_up():
    import socket

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.2).close()
    except OSError:
        return None
    return "redis://127.0.0.1:6379/9"


def _outage_header(service):
    header = f"{service:<26} {'every page ms':>14} {'ratio':>6} {'pages after ms':>15} {'ratio':>6}"
    print(header)
    print("-" * len(header))


def _outage_row(label, page, reference, area):
    """Time `page(reset)`: first with the pause after a failure reset before each request (every
    page pays the timeout), then without. Prints the row (and adds it to the summary when it is
    not the reference); returns the reference (the first row's "every page" figure)."""
    page(True)  # warm up the connection pool (or the failure)
    each = statistics.median(page(True) for _ in range(9))
    after = statistics.median(page(False) for _ in range(9))
    if reference is not None:
        summary.add(
            area,
            f"{label}: every page {summary.ms(each)}, pages after {summary.ms(after)}",
            f"up: {summary.ms(reference)}",
            f"{summary.times(each / reference)} / {summary.times(after / reference)}",
        )
    reference = reference or each
    print(
        f"{label:<26} {each * 1000:>14.1f} {each / reference:>6.1f} "
        f"{after * 1000:>15.1f} {after / reference:>6.1f}"
    )
    return reference


def broker_table(org, manager):
    """A page that queues an email (an idea decision) with the broker up, refused or hung."""
    from ideas import services as idea_services
    from ideas.models import IdeaStatus
    from journeys.models import Stage
    from motmap import enqueue
    from motmap.celery import app
    from motmap.models import Membership, OutboxEmail, Role, User
    from touchpoints.models import Touchpoint

    author = User.objects.create_user(email="author@example.com", password=None)
    Membership.objects.create(organisation=org, user=author, role=Role.STAFF)
    journey = build(org, manager, 6, name="Broker bench")
    touchpoint = Touchpoint.objects.filter(stage__in=Stage.objects.filter(journey=journey)).first()
    client = Client()
    client.force_login(manager)
    settings.IDEAS_PER_HOUR = 10_000
    logging.getLogger("motmap.enqueue").setLevel(logging.ERROR)  # the warnings are expected
    conf = app.conf
    saved = (conf.task_always_eager, conf.broker_write_url, conf.broker_transport_options)
    conf.task_always_eager = False
    conf.broker_transport_options = dict(settings.REDIS_BROKER_TRANSPORT_OPTIONS)

    def use(url):
        conf.broker_write_url = url  # wins over CELERY_BROKER_URL from the environment
        app._pool = None
        app.amqp._producer_pool = None

    def decide(reset):
        idea, _ = idea_services.idea_submit(
            actor=author, touchpoint=touchpoint, title="Bench", today="x", proposal="y"
        )
        if reset:
            enqueue.reset()
        url = f"/o/{org.slug}/ideas/{idea.pk}/status/"
        start = time.perf_counter()
        response = client.post(url, {"status": IdeaStatus.ACCEPTED, "note": "Yes"})
        elapsed = time.perf_counter() - start
        assert response.status_code == 302, response.status_code
        return elapsed

    hung = _Hung()
    up = _redis_up()
    states = [("up (Redis)" if up else "up (memory)", up or "memory://")]
    states += [("refused (nothing listens)", _closed_url()), ("hung (never answers)", hung.url)]
    print("a page that queues an email (an idea decision), by the state of the broker")
    print(f"BROKER_TIMEOUT_SECONDS = {settings.BROKER_TIMEOUT_SECONDS}")
    _outage_header("broker")
    reference = None
    try:
        for label, url in states:
            use(url)
            reference = _outage_row(label, decide, reference, "broker away (idea decision)")
        # Before: Celery's and redis-py's defaults (retries, no timeouts), as the pages had.
        from django.utils.module_loading import import_string

        conf.broker_transport_options = {}
        conf.task_publish_retry = True
        conf.broker_connection_timeout = 4.0
        use(_closed_url())
        task = import_string("motmap.tasks.flush_outbox")

        def publish_with_defaults():
            start = time.perf_counter()
            try:
                task.delay()
            except Exception:  # noqa: S110  (the failure is what is timed)
                pass
            return time.perf_counter() - start

        before = statistics.median(publish_with_defaults() for _ in range(3))
        print(
            f"{'refused, defaults (before)':<26} {before * 1000 + reference * 1000:>14.1f} "
            f"{(before + reference) / reference:>6.1f} {'':>15} {'':>6}"
        )
    finally:
        hung.close()
        conf.task_publish_retry = settings.CELERY_TASK_PUBLISH_RETRY
        conf.broker_connection_timeout = settings.CELERY_BROKER_CONNECTION_TIMEOUT
        conf.task_always_eager, saved_url, conf.broker_transport_options = saved
        use(saved_url)
        enqueue.reset()
    waiting = OutboxEmail.objects.filter(sent_at__isnull=True).count()
    print(
        "every page: the broker is tried on each page (the worst case); pages after: within "
        f"{enqueue.BROKER_PAUSE_SECONDS:.0f} s of a failure\nthe broker is not tried again. "
        "before: the page (broker up) plus one publish with Celery's own retries and no timeouts."
        f"\nThe reference is the broker up. {waiting} emails wait in the outbox for flush_outbox.\n"
    )
    if up:
        import redis

        redis.Redis.from_url(up).flushdb()


def cache_table(org, manager):
    """The idea form's POST (it reads and counts the hourly limit) with the cache up, refused
    or hung."""
    import uuid

    from journeys.models import Stage
    from motmap import ratelimit
    from touchpoints.models import Touchpoint

    journey = build(org, manager, 6, name="Cache bench")
    touchpoint = Touchpoint.objects.filter(stage__in=Stage.objects.filter(journey=journey)).first()
    settings.IDEAS_PER_HOUR = 10_000
    logging.getLogger("motmap.ratelimit").setLevel(logging.ERROR)  # the warnings are expected
    client = Client()
    client.force_login(manager)
    timeout = settings.CACHE_TIMEOUT_SECONDS

    def use(location):
        from django.test.utils import override_settings

        options = {"socket_connect_timeout": timeout, "socket_timeout": timeout}
        backend = "django.core.cache.backends.redis.RedisCache"
        return override_settings(
            CACHES={"default": {"BACKEND": backend, "LOCATION": location, "OPTIONS": options}}
        )

    def submit(reset):
        if reset:
            ratelimit.reset()
        data = {
            "touchpoint": str(touchpoint.pk),
            "title": "Bench",
            "today": "x",
            "proposal": "y",
            "submission_token": str(uuid.uuid4()),
        }
        start = time.perf_counter()
        response = client.post(f"/o/{org.slug}/ideas/new/", data)
        elapsed = time.perf_counter() - start
        assert response.status_code == 302, response.status_code
        return elapsed

    hung = _Hung()
    up = _redis_up()
    states = [("up (Redis)", up.replace("/9", "/10"))] if up else []
    states += [("refused (nothing listens)", _closed_url()), ("hung (never answers)", hung.url)]
    print("the idea form's POST (it reads and counts the hourly limit), by the state of the cache")
    print(f"CACHE_TIMEOUT_SECONDS = {timeout}")
    _outage_header("cache")
    reference = None
    try:
        for label, location in states:
            with use(location):
                reference = _outage_row(label, submit, reference, "cache away (idea form)")
    finally:
        hung.close()
        ratelimit.reset()
    print(
        "every page: the cache is asked on each page (the worst case); pages after: within "
        f"{ratelimit.CACHE_PAUSE_SECONDS:.0f} s of a failure\nit is not asked again. "
        "The reference is the first row. Every idea was stored.\n"
    )
    if up:
        import redis

        redis.Redis.from_url(up.replace("/9", "/10")).flushdb()


TABLES = (
    "board",
    "ideas",
    "weight",
    "sweep",
    "pack",
    "feed",
    "list",
    "broker",
    "cache",
    "feedback-post",
    "feedback-scale",
)


def main():
    """`python -m bench [table ...]`: all tables, or only those named (see TABLES)."""
    from motmap.models import Membership, Organisation, Role, User

    tables = sys.argv[1:] or TABLES
    unknown = set(tables) - set(TABLES)
    if unknown:
        sys.exit(f"unknown table(s): {', '.join(sorted(unknown))}; choose from {', '.join(TABLES)}")

    settings.AXES_ENABLED = False
    # The test environment (the locmem email backend, the test server's host) without its
    # instrumented templates: with them the test Client keeps a copy of the context of every
    # template rendered, which no user's request pays (60 ms of the pack's 160 here).
    plain_render = Template._render
    setup_test_environment()
    Template._render = plain_render
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        org = Organisation.objects.create(name="Bench Air", slug="bench-air")
        user = User.objects.create_user(email="bench@example.com", password=None)
        Membership.objects.create(organisation=org, user=user, role=Role.MANAGER)
        client = Client()
        client.force_login(user)
        print(f"database: {connection.vendor}; median of {REPEAT} runs each\n")
        if "board" in tables:
            board_table(client, org, user)
        if "ideas" in tables:
            ideas_table(client, org, user)
        if "weight" in tables:
            submit_page_weight(user)
        if "sweep" in tables:
            reminder_sweep_table(org, user)
        if "pack" in tables:
            pack_table(client, org, user)
        if "feed" in tables:
            feed_table(client, org, user)
        if "list" in tables:
            list_api_table(client, org, user)
        if "broker" in tables:
            broker_table(org, user)
        if "cache" in tables:
            cache_table(org, user)
        if "feedback-post" in tables:
            feedback.post_table(user, build)
        if "feedback-scale" in tables:
            feedback.scale_table(user, build)
        summary.print_table(connection.vendor, os.cpu_count())
        if os.environ.get("BENCH_TABLE_MD"):  # the table as docs/performance.md records it
            with open(os.environ["BENCH_TABLE_MD"], "w", encoding="utf-8") as f:
                f.write(summary.markdown() + "\n")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


if __name__ == "__main__":
    main()
