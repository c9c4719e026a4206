"""Customers' feedback in `make bench`, each figure beside a reference measured in the same run.

feedback-post: the public answer (POST /f/<code>/) through a real gunicorn on 127.0.0.1, from a
few concurrent clients, beside a minimal view through the same server (bench/urls.py). The
server's cache is Redis when one answers on 127.0.0.1:6379 (its database 11, emptied before and
after), else, or with BENCH_FEEDBACK_CACHE=files, the file cache (the default without CACHE_URL)
in a temporary directory. BENCH_FEEDBACK_POSTS: requests a row (2,000).

feedback-scale: an organisation with 100 touchpoints and 1,000,000 answers over 400 days
(BENCH_FEEDBACK_RESPONSES) beside one with 100 answers: the board, the touchpoint page and the
pack's gathering, which read only the daily roll-ups.
"""

import http.client
import io
import os
import random
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from urllib.parse import quote, urlencode

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import Count, Sum
from django.test import Client
from django.utils import timezone

from bench import summary
from bench.measure import REPEAT, counted, timed_side_by_side

FACES = (-2, -1, 0, 1, 2)
REASONS = ["Friendly staff", "Quick", "Thought of what I needed", "Solved my problem"]
COMMENTS = {
    -2: ["Forty minutes in the queue and only two desks open.", "Nobody told us anything."],
    -1: ["Slow, but the agent was polite.", "Had to ask twice before anyone helped."],
    1: ["Quick and easy, thank you."],
    2: ["The agent remembered my name from last week. Lovely!", "Best service I've had."],
}
CHANNELS = ("qr", "qr", "qr", "link", "kiosk")


def _manager_of(name, slug, user):
    from motmap.models import Membership, Organisation, Role

    org = Organisation.objects.create(name=name, slug=slug)
    Membership.objects.create(organisation=org, user=user, role=Role.MANAGER)
    return org


def _open_all(journey, user):
    from feedback.services import feedback_open
    from touchpoints.models import Touchpoint

    return [
        feedback_open(actor=user, touchpoint=tp, reasons=REASONS)
        for tp in Touchpoint.objects.filter(journey=journey).order_by("position")
    ]


def _face_weights(rating):
    """Cumulative weights of the five faces around a touchpoint's rating (customers a little
    kinder than the team)."""
    centre = 0.5 * rating + 0.6
    weights = [2.718 ** (-((face - centre) ** 2) / 1.6) for face in FACES]
    return [sum(weights[: i + 1]) for i in range(len(weights))]


# --- feedback-post: the public answer under gunicorn -----------------------------------------

WORKERS = 4
CONCURRENCY = (4, 8)
POSTS = int(os.environ.get("BENCH_FEEDBACK_POSTS", "2000"))
WARM_UP = 100
POINTS = 10  # touchpoints answered, in turn
REDIS_CACHE = "redis://127.0.0.1:6379/11"


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _redis_up():
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.2).close()
    except OSError:
        return False
    return True


def _postgres_url(s):
    user = quote(s["USER"] or "", safe="")
    password = f":{quote(str(s['PASSWORD']), safe='')}" if s.get("PASSWORD") else ""
    port = f":{s['PORT']}" if s.get("PORT") else ""
    login = f"{user}{password}@" if user else ""
    return f"postgres://{login}{s['HOST'] or ''}{port}/{quote(s['NAME'], safe='')}"


@contextmanager
def _served_database(tmp):
    """A database both this process and the server see; yields its DATABASE_URL.

    PostgreSQL: the bench's own test database. SQLite: the test database is in this process's
    memory, so a file copy of it (sqlite3's backup: schema and rows) is the default connection
    while the table runs, and the in-memory one comes back afterwards."""
    if connection.vendor != "sqlite":
        yield _postgres_url(connection.settings_dict)
        return
    path = os.path.join(tmp, "served.sqlite3")
    connection.ensure_connection()
    target = sqlite3.connect(path)
    try:
        connection.connection.backup(target)
    finally:
        target.close()
    saved = connections["default"]
    served = type(saved)({**saved.settings_dict, "NAME": path}, "default")
    connections["default"] = served
    try:
        yield f"sqlite:///{path}"
    finally:
        served.close()
        connections["default"] = saved


class _Gunicorn:
    """gunicorn serving bench.settings on a free 127.0.0.1 port, in a process group of its own
    (stopped with it, workers and all)."""

    def __init__(self, tmp, database_url, cache_url):
        self.port = _free_port()
        static = os.path.join(tmp, "static")
        os.makedirs(static, exist_ok=True)
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "SECRET_KEY": settings.SECRET_KEY,  # the form tokens are signed here, read there
            "DEBUG": "false",
            "DATABASE_URL": database_url,
            "VAR_DIR": tmp,  # the file broker (and the file cache without Redis) in here
            "STATIC_ROOT": static,
            "CELERY_BROKER_URL": "filesystem://",
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "FEEDBACK_POSTS_PER_MINUTE": "1000000000",
            "LOG_LEVEL": "WARNING",
        }
        env.pop("SECRET_KEY_FILE", None)
        env.pop("CACHE_URL", None)
        if cache_url:
            env["CACHE_URL"] = cache_url
        self.log_path = os.path.join(tmp, "gunicorn.log")
        self.log = open(self.log_path, "wb")  # closed in stop()
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "motmap.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(WORKERS),
            "--chdir",
            str(settings.BASE_DIR),
            "--log-level",
            "warning",
        ]
        self.process = subprocess.Popen(  # noqa: S603  (our own interpreter and arguments)
            command, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def wait_ready(self, seconds=60):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.tail()}")
            try:
                if _request(self.port, "GET", "/healthz/live")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not answer in {seconds} s:\n{self.tail()}")

    def cpu_seconds(self):
        """CPU time (user + system) of the server's processes so far, from /proc (Linux; None
        elsewhere): the workers' own cost per request, whatever the clients wait for."""
        total = 0
        try:
            entries = [entry for entry in os.listdir("/proc") if entry.isdigit()]
        except OSError:
            return None
        for entry in entries:
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == self.process.pid:  # its process group
                total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / os.sysconf("SC_CLK_TCK")

    def tail(self):
        self.log.flush()
        with open(self.log_path, "rb") as f:
            return f.read()[-3000:].decode(errors="replace")

    def stop(self):
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=20)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        finally:
            self.log.close()


def _request(port, method, path, body=None, headers=None):
    """One request on a new connection (gunicorn's sync workers close each one anyway)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _load(port, requests, concurrency):
    """Send `requests` ((method, path, body, headers, expected bytes)) from `concurrency`
    threads, each taking the next one: (seconds, latencies, failures by status)."""
    lock = threading.Lock()
    pending = iter(requests)
    latencies, failures = [], Counter()

    def client():
        while True:
            with lock:
                item = next(pending, None)
            if item is None:
                return
            method, path, body, headers, expected = item
            start = time.perf_counter()
            try:
                status, content = _request(port, method, path, body, headers)
            except OSError as exc:
                status, content = type(exc).__name__, b""
            elapsed = time.perf_counter() - start
            with lock:
                latencies.append(elapsed)
                if status != 200 or expected not in content:
                    failures[status] += 1

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - start, latencies, failures


def post_table(user, build):
    """The public POST under gunicorn beside a minimal view through the same server."""
    from feedback.models import FeedbackDay, FeedbackResponse

    use_redis = _redis_up() and os.environ.get("BENCH_FEEDBACK_CACHE", "redis") == "redis"
    tmp = tempfile.mkdtemp(prefix="motmap-bench-")
    server = None
    try:
        if use_redis:
            import redis

            redis.Redis.from_url(REDIS_CACHE).flushdb()
        with _served_database(tmp) as database_url:
            org = _manager_of("Feedback POST", "feedback-post", user)
            journey = build(org, user, POINTS, name="Feedback POST")
            points = _open_all(journey, user)
            server = _Gunicorn(tmp, database_url, REDIS_CACHE if use_redis else None)
            server.wait_ready()
            sent, failed, rows = _post_rounds(server, points)
            stored = FeedbackResponse.objects.filter(organisation=org)
            counted = stored.filter(counted=True).count()
            columns = [*FeedbackDay.FACE_FIELDS.values(), "excluded"]
            totals = FeedbackDay.objects.filter(organisation=org).aggregate(
                **{name: Sum(name) for name in columns}
            )
            rolled = sum(totals[name] or 0 for name in columns)
            stored_rows = stored.count()
    finally:
        if server is not None:
            server.stop()
        if use_redis:
            import redis

            redis.Redis.from_url(REDIS_CACHE).flushdb()
        shutil.rmtree(tmp, ignore_errors=True)

    cache = (
        "Redis at 127.0.0.1:6379"
        if use_redis
        else "files under a temporary VAR_DIR (the default without CACHE_URL)"
    )
    print(
        f"public answer POST /f/<code>/ under gunicorn ({WORKERS} sync workers on 127.0.0.1, "
        f"{connection.vendor}, {os.cpu_count()} CPUs), {POSTS:,} requests a row"
    )
    print("(target: time per answer at most 2x the minimal view through the same server)")
    header = (
        f"{'clients':>7}  {'what':<18} {'median ms':>9} {'p95 ms':>7} {'req/s':>6} "
        f"{'ratio':>6} {'server CPU ms':>13}  target ≤ 2x"
    )
    print(header)
    print("-" * len(header))
    for concurrency, what, latencies, seconds, ratio, cpu in rows:
        verdict = ("met" if ratio <= 2 else "NOT met") if what == "answer (POST)" else ""
        print(
            f"{concurrency:>7}  {what:<18} {statistics.median(latencies) * 1000:>9.1f} "
            f"{statistics.quantiles(latencies, n=20)[18] * 1000:>7.1f} "
            f"{len(latencies) / seconds:>6.0f} {ratio:>6.2f} "
            f"{'n/a' if cpu is None else f'{cpu * 1000:.2f}':>13}  {verdict}"
        )
    for concurrency, what, latencies, _, ratio, _ in rows:
        if what == "answer (POST)":
            summary.add(
                "customers' answer",
                f"POST under gunicorn, {concurrency} clients: "
                f"{summary.ms(statistics.median(latencies))}",
                f"minimal view, same server: {summary.ms(statistics.median(latencies) / ratio)}",
                summary.times(ratio),
                "≤ 2x",
                ratio <= 2,
            )
    ok = not failed and stored_rows == counted == rolled == sent
    print(
        f"answers sent {sent:,} (failures: {dict(failed) or 'none'}); stored {stored_rows:,}, "
        f"counted {counted:,}, in the roll-ups {rolled:,}: {'equal' if ok else 'NOT EQUAL'}"
    )
    print(
        "minimal: /bench/minimal/ (bench/urls.py), the same middleware and form body, no database;"
        "\nfaces page: the GET a customer's phone makes first. Each request on a new connection; "
        "ratio: the\nmedian beside the minimal view's at the same number of clients; server CPU: "
        "the workers' CPU time\nper request (/proc). Every answer has a User-Agent of its own (so "
        "it is counted) and a form\ntoken made here; FEEDBACK_POSTS_PER_MINUTE out of reach; the "
        f"alerts' emails go to a file\nbroker nobody reads. Cache: {cache}.\n"
    )
    if not ok:
        raise AssertionError("the answers stored do not match the answers sent")


def _post_rounds(server, points):
    """Warm up, then per number of clients: the minimal view, the faces page, the answer."""
    from feedback.services import public_code
    from feedback.views import _form_token

    codes = [public_code(point) for point in points]
    rng = random.Random("feedback post")
    weights = _face_weights(1)
    serial = iter(range(10**9))
    form = {"Content-Type": "application/x-www-form-urlencoded", "Accept-Language": "en"}

    def answer_body(point, face):
        token = _form_token(point, uuid.uuid4())
        return urlencode({"form_token": token, "via": "qr", "lang": "en", "face": face})

    def headers():
        return {**form, "User-Agent": f"Bench phone {next(serial)}"}

    def minimal(n):
        body = answer_body(points[0], 1)
        return [("POST", "/bench/minimal/", body, headers(), b"ok") for _ in range(n)]

    def faces(n):
        return [
            ("GET", f"/f/{codes[i % POINTS]}/?via=qr", None, headers(), b'name="form_token"')
            for i in range(n)
        ]

    def answers(n):
        return [
            (
                "POST",
                f"/f/{codes[i % POINTS]}/",
                answer_body(points[i % POINTS], rng.choices(FACES, cum_weights=weights)[0]),
                headers(),
                b'name="step" value="details"',
            )
            for i in range(n)
        ]

    sent, failed, rows = 0, Counter(), []
    for make in (minimal, faces, answers):
        _, latencies, failures = _load(server.port, make(WARM_UP), max(CONCURRENCY))
        failed.update(failures)
    sent += WARM_UP
    for concurrency in CONCURRENCY:
        reference = None
        for what, make in (
            ("minimal view", minimal),
            ("faces page (GET)", faces),
            ("answer (POST)", answers),
        ):
            cpu = server.cpu_seconds()
            seconds, latencies, failures = _load(server.port, make(POSTS), concurrency)
            cpu = None if cpu is None else (server.cpu_seconds() - cpu) / POSTS
            failed.update(failures)
            median = statistics.median(latencies)
            reference = reference or median
            rows.append((concurrency, what, latencies, seconds, median / reference, cpu))
        sent += POSTS
    return sent, failed, rows


# --- feedback-scale: a million answers -------------------------------------------------------

RESPONSES = int(os.environ.get("BENCH_FEEDBACK_RESPONSES", "1000000"))
DAYS = 400
TOUCHPOINTS = 100
SMALL = 100


class _Rows:
    """Rows of one table written fast: executemany on SQLite, COPY on PostgreSQL; values
    already as the database takes them (see _Encoding)."""

    BATCH = 20_000

    def __init__(self, model, names):
        qn = connection.ops.quote_name
        self.table = qn(model._meta.db_table)
        self.columns = ", ".join(qn(model._meta.get_field(name).column) for name in names)
        self.width = len(names)
        self.rows = []
        self.written = 0

    def add(self, row):
        self.rows.append(row)
        if len(self.rows) >= self.BATCH:
            self.flush()

    def flush(self):
        if not self.rows:
            return
        with transaction.atomic(), connection.cursor() as cursor:  # one transaction a batch
            if connection.vendor == "postgresql":
                text = "".join("\t".join(map(str, row)) + "\n" for row in self.rows)
                cursor.copy_expert(
                    f"COPY {self.table} ({self.columns}) FROM STDIN", io.StringIO(text)
                )
            else:
                marks = ", ".join(["%s"] * self.width)
                cursor.executemany(
                    f"INSERT INTO {self.table} ({self.columns}) VALUES ({marks})",  # noqa: S608
                    self.rows,
                )
        self.written += len(self.rows)
        self.rows = []


class _Encoding:
    """Values as the database takes them: SQLite's (what Django writes there) or the text of
    PostgreSQL's COPY."""

    def __init__(self):
        self.pg = connection.vendor == "postgresql"
        self.null = "\\N" if self.pg else None

    def uuid(self, value):
        return str(value) if self.pg else value.hex

    def moment(self, value):
        value = value.astimezone(UTC)
        return value.isoformat() if self.pg else value.replace(tzinfo=None).isoformat(" ")

    def flag(self, value):
        return ("t" if value else "f") if self.pg else int(value)

    def text(self, value):
        if not self.pg:
            return value
        return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def _fill(org, touchpoints, total, seed):
    """`total` answers over DAYS days up to now (more at busy touchpoints and on weekdays), and
    their roll-ups counted from the same rows. Returns (answers seconds, roll-ups seconds, day
    rows, reason rows, the first answer written)."""
    from feedback.models import FeedbackDay, FeedbackReasonDay, FeedbackResponse

    start = time.perf_counter()
    rng = random.Random(seed)
    enc = _Encoding()
    tz = org.tzinfo
    now = timezone.now()
    today = timezone.localdate(now, tz)
    days = [today - timedelta(days=k) for k in range(DAYS)]
    day_weights = [1.3 if day.weekday() < 5 else 0.7 for day in days]
    weights = [tp.contacts_per_day * w for tp in touchpoints for w in day_weights]
    cells = Counter(rng.choices(range(len(weights)), weights=weights, k=total))
    face_weights = {tp.pk: _face_weights(tp.rating_current) for tp in touchpoints}
    names = [
        "id",
        "organisation",
        "touchpoint",
        "submission_id",
        "face",
        "reason",
        "comment",
        "channel",
        "language",
        "counted",
        "day",
        "respondent",
        "created_at",
        "comment_read_at",
        "idea",
    ]
    answers = _Rows(FeedbackResponse, names)
    org_id = enc.uuid(org.pk)
    rolled = defaultdict(Counter)
    reasons = Counter()
    first = None
    for cell in sorted(cells):
        tp, day = touchpoints[cell // DAYS], days[cell % DAYS]
        tp_id = enc.uuid(tp.pk)
        if day == today:
            opens = datetime.combine(day, clock(0), tz)
            span = max((now - opens).total_seconds() - 1, 0)
        else:
            opens, span = datetime.combine(day, clock(7), tz), 14 * 3600
        for face in rng.choices(FACES, cum_weights=face_weights[tp.pk], k=cells[cell]):
            counted = rng.random() >= 0.03
            reason = rng.choice(REASONS) if rng.random() < 0.35 else ""
            comment = rng.choice(COMMENTS[face]) if face in COMMENTS and rng.random() < 0.05 else ""
            at = opens + timedelta(seconds=rng.random() * span)
            submission = uuid.uuid4()
            if first is None:
                first = (submission, tp.pk, face, reason, comment, counted, day, at)
            answers.add(
                (
                    enc.uuid(uuid.uuid4()),
                    org_id,
                    tp_id,
                    enc.uuid(submission),
                    face,
                    enc.text(reason),
                    enc.text(comment),
                    rng.choice(CHANNELS),
                    "en",
                    enc.flag(counted),
                    day.isoformat(),
                    "",
                    enc.moment(at),
                    enc.null,
                    enc.null,
                )
            )
            key = (tp_id, day.isoformat())
            rolled[key][FeedbackDay.FACE_FIELDS[face] if counted else "excluded"] += 1
            if counted and reason:
                reasons[(*key, enc.text(reason))] += 1
    answers.flush()
    written = time.perf_counter()
    columns = [*FeedbackDay.FACE_FIELDS.values(), "excluded"]
    day_rows = _Rows(FeedbackDay, ["organisation", "touchpoint", "day", *columns])
    for (tp_id, day), counts in rolled.items():
        day_rows.add((org_id, tp_id, day, *(counts[name] for name in columns)))
    day_rows.flush()
    reason_rows = _Rows(FeedbackReasonDay, ["organisation", "touchpoint", "day", "reason", "count"])
    for (tp_id, day, reason), count in reasons.items():
        reason_rows.add((org_id, tp_id, day, reason, count))
    reason_rows.flush()
    if connection.vendor == "postgresql":  # what autovacuum does after a load
        with connection.cursor() as cursor:
            for model in (FeedbackResponse, FeedbackDay, FeedbackReasonDay):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    done = time.perf_counter()
    return written - start, done - written, day_rows.written, reason_rows.written, first


def _check_rollups(org, first):
    """Whether the roll-ups equal a count of the raw answers, per touchpoint and day (and per
    reason), and the first answer written reads back as it was made."""
    from feedback.models import FeedbackDay, FeedbackReasonDay, FeedbackResponse

    raw = defaultdict(Counter)
    for row in (
        FeedbackResponse.objects.filter(organisation=org)
        .values("touchpoint_id", "day", "face", "counted")
        .annotate(n=Count("id"))
        .order_by()
    ):
        column = FeedbackDay.FACE_FIELDS[row["face"]] if row["counted"] else "excluded"
        raw[(row["touchpoint_id"], row["day"])][column] += row["n"]
    columns = [*FeedbackDay.FACE_FIELDS.values(), "excluded"]
    rolled = {
        (row["touchpoint_id"], row["day"]): Counter({c: row[c] for c in columns if row[c]})
        for row in FeedbackDay.objects.filter(organisation=org).values(
            "touchpoint_id", "day", *columns
        )
    }
    raw_reasons = {
        (r["touchpoint_id"], r["day"], r["reason"]): r["n"]
        for r in FeedbackResponse.objects.filter(organisation=org, counted=True)
        .exclude(reason="")
        .values("touchpoint_id", "day", "reason")
        .annotate(n=Count("id"))
        .order_by()
    }
    rolled_reasons = {
        (r["touchpoint_id"], r["day"], r["reason"]): r["count"]
        for r in FeedbackReasonDay.objects.filter(organisation=org).values(
            "touchpoint_id", "day", "reason", "count"
        )
    }
    submission, tp_id, face, reason, comment, counted, day, at = first
    back = FeedbackResponse.objects.get(submission_id=submission)
    read_back = (back.touchpoint_id, back.face, back.reason, back.comment, back.counted) == (
        tp_id,
        face,
        reason,
        comment,
        counted,
    )
    read_back = read_back and back.day == day == timezone.localdate(back.created_at, org.tzinfo)
    read_back = read_back and abs((back.created_at - at).total_seconds()) < 0.001
    return dict(raw) == rolled and raw_reasons == rolled_reasons and read_back


def _scale_org(user, build, slug, total):
    from journeys.models import Journey
    from touchpoints.models import Touchpoint

    start = time.perf_counter()
    org = _manager_of(f"Feedback {slug}", slug, user)
    journey = build(org, user, TOUCHPOINTS, name=f"Feedback {total:,}")
    _open_all(journey, user)
    touchpoints = list(Touchpoint.objects.filter(journey=journey).order_by("position"))
    answers, rollups, day_rows, reason_rows, first = _fill(org, touchpoints, total, slug)
    journey = Journey.objects.select_related("organisation", "owner").get(pk=journey.pk)
    return {
        "org": org,
        "journey": journey,
        "touchpoint": touchpoints[-1],  # the busiest
        "seconds": time.perf_counter() - start,
        "answers_seconds": answers,
        "rollups_seconds": rollups,
        "day_rows": day_rows,
        "reason_rows": reason_rows,
        "consistent": _check_rollups(org, first),
    }


def _record_answers(point, n=REPEAT):
    """(median seconds, queries) of recording one answer through the service."""
    from feedback.services import response_record

    samples, queries = [], 0
    for i in range(n):
        seconds, queries = counted(
            lambda i=i: response_record(
                point=point, submission_id=uuid.uuid4(), face=1, respondent=f"bench-{i}"
            )
        )
        samples.append(seconds)
    return statistics.median(samples), queries


def scale_table(user, build):
    """The board, the touchpoint page and the pack's gathering of an organisation with 100
    touchpoints and RESPONSES answers over 400 days, beside the same with 100 answers."""
    from feedback.models import FeedbackPoint
    from packs.selectors import gather_journey_pack

    small = _scale_org(user, build, "feedback-small", SMALL)
    large = _scale_org(user, build, "feedback-large", RESPONSES)
    label = f"{RESPONSES:,}"

    def page(url):
        # A client of its own per page: as a manager who stays in one organisation sees it.
        client = Client()
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return lambda: client.get(url)

    calls = {}
    for name, built in (("small", small), ("large", large)):
        org, journey = built["org"], built["journey"]
        gather = lambda journey=journey: gather_journey_pack(journey)  # noqa: E731
        gather()
        calls[name] = {
            "board": page(f"/o/{org.slug}/journeys/{journey.pk}/"),
            "touchpoint page": page(f"/o/{org.slug}/touchpoints/{built['touchpoint'].pk}/"),
            "pack gather": gather,
        }
    figures = {"small": {}, "large": {}}
    for what in calls["small"]:
        few, many = timed_side_by_side(calls["small"][what], calls["large"][what])
        figures["small"][what] = (few, counted(calls["small"][what])[1])
        figures["large"][what] = (many, counted(calls["large"][what])[1])
    for name, built in (("small", small), ("large", large)):
        point = FeedbackPoint.objects.select_related("touchpoint__journey", "organisation").get(
            touchpoint=built["touchpoint"]
        )
        figures[name]["one answer recorded"] = _record_answers(point)

    print(
        f"customers' feedback at scale: {TOUCHPOINTS} touchpoints, {label} answers over {DAYS} "
        f"days beside {SMALL} answers ({connection.vendor})"
    )
    print("(target: the same queries, and at most 1.5x the time of the pages with 100 answers)")
    print(
        f"built: {label} answers in {large['answers_seconds']:.1f} s, roll-ups "
        f"({large['day_rows']:,} day rows, {large['reason_rows']:,} reason rows) in "
        f"{large['rollups_seconds']:.1f} s; {large['seconds']:.1f} s in all with the journey "
        f"(the {SMALL}-answer one: {small['seconds']:.1f} s)"
    )
    consistent = small["consistent"] and large["consistent"]
    print(
        "roll-ups equal a count of the raw answers per touchpoint, day (and reason): "
        f"{'yes' if consistent else 'NO'}"
    )
    header = (
        f"{'what':<22} {SMALL:>7} ms {'1M' if RESPONSES == 1_000_000 else label:>9} ms "
        f"{'ratio':>6}  {'queries':>13}  target ≤ 1.5x"
    )
    print(header)
    print("-" * len(header))
    for what in figures["small"]:
        (few, few_queries), (many, many_queries) = figures["small"][what], figures["large"][what]
        ratio = many / few
        informative = what == "one answer recorded"
        verdict = (
            "(not in the target)"
            if informative
            else "met"
            if ratio <= 1.5 and few_queries == many_queries
            else "NOT met"
        )
        print(
            f"{what:<22} {few * 1000:>10.1f} {many * 1000:>12.1f} {ratio:>6.2f}  "
            f"{few_queries:>5} / {many_queries:<5}  {verdict}"
        )
        summary.add(
            "customers' answers at scale",
            f"{what}, {label} answers: {summary.ms(many)}, {many_queries} queries",
            f"{SMALL} answers: {summary.ms(few)}, {few_queries} queries",
            summary.times(ratio),
            "" if informative else "≤ 1.5x, same queries",
            None if informative else ratio <= 1.5 and few_queries == many_queries,
        )
    print(
        "board and touchpoint page: GET through the test client, logged in as a manager; pack "
        "gather:\npacks.selectors.gather_journey_pack (no templating, no PDF). Median of "
        f"{REPEAT}, the two sizes called\nin turn. Pages read the roll-ups of the last 90 days, "
        "never the answers. One answer recorded:\nfeedback.services.response_record at the "
        "busiest touchpoint, for comparison only.\n"
    )
    if not consistent:
        raise AssertionError("the roll-ups do not match the raw answers")
