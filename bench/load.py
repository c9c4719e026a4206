"""`make load`: motmap under load with its real processes, and the faults it must ride out.

    python -m bench.load [--scenario normal|postgres-restart|redis-down|worker-kill]
                         [--users N] [--duration S] [--outage S] [--think S] [--json PATH]

Setup: a fresh database `motmap_load_<random>` on the PostgreSQL server (127.0.0.1:5432, user
postgres; `--postgres`), migrated and with the demo (`seed_demo`); Redis database 14 of the
server on 127.0.0.1:6379 (`--redis`) as the broker and the cache; gunicorn with
motmap/gunicorn.conf.py on a free 127.0.0.1 port, a Celery worker (on a queue of the run's own)
and a Celery beat. DEBUG is off, the SECRET_KEY is the run's own, ALLOWED_HOSTS is 127.0.0.1,
emails go to files in a temporary folder. Every member of the demo organisation is told of new
ideas at once (so that ideas make emails), and the limits that would refuse the load are out of
its reach: IDEAS_PER_HOUR, FEEDBACK_POSTS_PER_MINUTE and AXES_FAILURE_LIMIT are 1,000,000.
Everything is removed at the end (the database dropped; the run's queue and new cache keys
deleted from Redis; the folder deleted unless a check failed or `--keep`).

Load: `--users` simulated people for `--duration` seconds, each waiting about `--think` seconds
between pages. Two in five are front-line staff (the demo's staff member, logged in through the
login form) who send ideas through the submit form (CSRF, one-time submission token) and vote
on ideas from the ideas board; two in five are customers answering a touchpoint's public page
/f/<code>/ (a face, then often a reason and a comment); one in five are managers (the demo's
manager and owner) who look at a journey board, the ideas board and a journey's pack (the print
view, and now and then the PDF). Every idea and comment carries a marker of its own. A POST
answered with the "try again" page (503) is sent again from that page's form after its
Retry-After, twice at most, as a person would; a vote (a toggle) is never sent again.

Checks afterwards: every idea, vote, answer and comment answered with success is stored exactly
once, none that failed is stored; no 5xx (in postgres-restart: only the clean 503 page, while
the database is away) and no request without an answer; every email in the outbox was sent,
and each sent once, by its Message-ID (in worker-kill: once, or again with the same Message-ID,
counted). The exit status is 1 when a check fails.

Scenarios (faults through bench/tcpproxy.py, never to the servers themselves):
- normal: 50 users for 60 s by default.
- postgres-restart: the application's processes reach PostgreSQL through a proxy that, in the
  middle of the load, cuts every connection and refuses new ones for `--outage` seconds (5).
- redis-down: the same for Redis (broker and cache), `--outage` seconds (60); the load lasts
  until 20 s after it.
- worker-kill: the worker is killed (SIGKILL) when it has handed an email to the mail server
  and not yet marked it sent (the mail server answers half a second late: bench/loadmail.py),
  then started again; the email is sent again once its claim runs out (motmap.outbox), so the
  run waits for that (about 7 minutes).
The fault scenarios default to 20 users for 30 s.
"""

import argparse
import contextlib
import html.parser
import io
import ipaddress
import json
import logging
import os
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from email import message_from_bytes
from pathlib import Path
from urllib.parse import urlsplit

import httpx

ROOT = Path(__file__).resolve().parents[1]
CELERY = Path(sys.executable).with_name("celery")
SCENARIOS = ("normal", "postgres-restart", "redis-down", "worker-kill")
OUTAGE = {"postgres-restart": 5.0, "redis-down": 60.0}
# Pattern of the people, repeated: staff, customer, manager, staff, customer.
ROLES = ("staff", "customer", "manager", "staff", "customer")
KINDS = (
    "login",
    "idea form",
    "idea submit",
    "idea page",
    "ideas board",
    "vote",
    "feedback faces",
    "feedback answer",
    "feedback details",
    "journey board",
    "pack print",
    "pack PDF",
)
# The limits that would refuse the load (one address, three accounts), out of its reach.
LIMITS = dict.fromkeys(
    ("IDEAS_PER_HOUR", "FEEDBACK_POSTS_PER_MINUTE", "AXES_FAILURE_LIMIT"), "1000000"
)
UNAVAILABLE_PAGE = "Please try again in a moment"  # the title of templates/503.html
RESENDS = 2
PACK_TASK = "packs.tasks.build_stored_pack"
MAX_ITERATIONS = 100_000  # per person: the deadline ends the loop long before
REQUEST_SECONDS = 60.0
GRACE_SECONDS = 5.0  # after the database is back, every answer must be a success again
ANONYMOUS_SHARE = 0.2
DETAILS_SHARE = 0.6
FACE_WEIGHTS = (1, 1, 2, 4, 4)  # -2 ... +2
TITLES = (
    "Greet every traveller by name at the desk",
    "Hand out water while the queue is long",
    "Text the gate change before the screens show it",
    "A second agent at the desk at peak hours",
    "Say sorry first when a bag is late",
)
TODAY = "Travellers wait without a word from us and nobody says hello."
PROPOSAL = "Look up, smile and say the traveller's name before the first question."
COMMENTS = ("Quick and friendly.", "The queue was long.", "Lovely crew!", "Nobody told us.")


# --- what was sent and what came back -------------------------------------------------------


@dataclass
class Sample:
    kind: str
    start: float  # seconds since the load began
    seconds: float
    status: int | str  # the HTTP status, or the client's error (no answer)
    clean: bool = False  # a 503 that is the application's "try again" page
    request_id: str = ""


@dataclass
class Submission:
    what: str  # idea, vote, answer, details
    key: str  # marker (idea, details), idea id (vote), submission id (answer)
    sent_at: float
    ok: bool = False
    statuses: list = field(default_factory=list)
    extra: dict = field(default_factory=dict)


class Recorder:
    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.lock = threading.Lock()
        self.samples: list[Sample] = []
        self.submissions: list[Submission] = []
        self.events: list[tuple[float, str]] = []
        self.t0 = time.monotonic()
        self._serial = 0

    def now(self) -> float:
        return time.monotonic() - self.t0

    def marker(self, letter: str) -> str:
        with self.lock:
            self._serial += 1
            return f"{self.prefix}-{letter}{self._serial:06d}"

    def sample(self, sample: Sample) -> None:
        with self.lock:
            self.samples.append(sample)

    def submission(self, what: str, key: str, **extra) -> Submission:
        sub = Submission(what, key, self.now(), extra=extra)
        with self.lock:
            self.submissions.append(sub)
        return sub

    def event(self, text: str) -> None:
        with self.lock:
            self.events.append((self.now(), text))
        print(f"  {self.now():6.1f} s  {text}", flush=True)


class Forms(html.parser.HTMLParser):
    """The inputs (name, value) and the option values of a page, forms' actions in order."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.inputs: list[tuple[str, str, str]] = []  # (name, value, type)
        self.options: list[str] = []
        self.actions: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("name"):
            self.inputs.append((attrs["name"], attrs.get("value") or "", attrs.get("type") or ""))
        elif tag == "option" and attrs.get("value"):
            self.options.append(attrs["value"])
        elif tag == "form":
            self.actions.append(attrs.get("action") or "")

    def value(self, name: str) -> str:
        return next((value for n, value, _type in self.inputs if n == name), "")

    def values(self, name: str) -> list[str]:
        return [value for n, value, _type in self.inputs if n == name]

    def hidden(self) -> list[tuple[str, str]]:
        return [(n, value) for n, value, kind in self.inputs if kind == "hidden"]


def _as_form(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = defaultdict(list)
    for name, value in pairs:
        fields[name].append(value)
    return dict(fields)


# --- simulated people ------------------------------------------------------------------------


class Votes:
    """Ideas to vote on: each account votes on an idea once (a second vote would take it back)."""

    def __init__(self, ideas: list[str], voted: set[tuple[str, str]]) -> None:
        self.lock = threading.Lock()
        self.ideas = list(ideas)
        self.taken = set(voted)

    def add(self, idea: str) -> None:
        with self.lock:
            self.ideas.append(idea)

    def claim(self, account: str, rng: random.Random) -> str | None:
        with self.lock:
            free = [idea for idea in self.ideas if (account, idea) not in self.taken]
            if not free:
                return None
            idea = rng.choice(free[-50:])  # the newest: what the board shows first
            self.taken.add((account, idea))
            return idea


class Person:
    def __init__(self, n, role, account, load, rng):
        self.n, self.role, self.account, self.load, self.rng = n, role, account, load, rng
        self.rec: Recorder = load.rec
        self.client = httpx.Client(
            base_url=load.base_url,
            timeout=REQUEST_SECONDS,
            follow_redirects=False,
            headers={
                "User-Agent": f"motmap-load/{load.prefix} person {n}",
                "Accept-Language": "en",
            },
        )
        self.logged_in = False

    # One request, recorded.
    def call(self, kind, method, path, *, data=None, headers=None):
        start = self.rec.now()
        began = time.monotonic()
        try:
            response = self.client.request(method, path, data=data, headers=headers)
            status: int | str = response.status_code
        except httpx.HTTPError as exc:
            response, status = None, type(exc).__name__
        clean = bool(
            response is not None
            and response.status_code == 503
            and UNAVAILABLE_PAGE in response.text
            and response.headers.get("Retry-After")
        )
        request_id = response.headers.get("X-Request-ID", "") if response is not None else ""
        self.rec.sample(Sample(kind, start, time.monotonic() - began, status, clean, request_id))
        return response

    def post(self, kind, path, data, ok, sub, headers=None):
        """POST; on the "try again" page, send what that page's form holds after Retry-After."""
        for attempt in range(1 + RESENDS):
            response = self.call(kind, "POST", path, data=data, headers=headers)
            sub.statuses.append(response.status_code if response is not None else "no answer")
            if response is not None and ok(response):
                sub.ok = True
                return response
            if response is None or response.status_code != 503 or attempt == RESENDS:
                return response
            if self.rec.now() > self.load.duration + 30:
                return response
            time.sleep(min(float(response.headers.get("Retry-After") or 5), 10))
            page = Forms(response.text)
            if not page.hidden() or not page.actions:
                return response  # a plain "Try again" link: nothing kept to send
            path, data = page.actions[-1] or path, _as_form(page.hidden())
            sub.extra["resent"] = sub.extra.get("resent", 0) + 1
        return None

    def think(self, scale=1.0):
        if self.rec.now() >= self.load.duration:
            return
        pause = self.rng.uniform(0.5, 1.5) * self.load.think * scale
        time.sleep(max(0.0, min(pause, self.load.duration - self.rec.now())))

    def login(self):
        response = self.call("login", "GET", "/accounts/login/")
        if response is None or response.status_code != 200:
            return False
        data = {
            "csrfmiddlewaretoken": Forms(response.text).value("csrfmiddlewaretoken"),
            "username": self.account,
            "password": self.load.password,
        }
        response = self.call("login", "POST", "/accounts/login/", data=data)
        self.logged_in = bool(
            response is not None
            and response.status_code == 302
            and "/accounts/login/" not in response.headers.get("location", "")
        )
        return self.logged_in

    def run(self):
        for iteration in range(MAX_ITERATIONS):
            if self.rec.now() >= self.load.duration:
                break
            try:
                getattr(self, self.role)(iteration)
            except Exception as exc:  # a bug here must not end the person silently
                self.rec.event(f"person {self.n} ({self.role}): {type(exc).__name__}: {exc}")
                self.load.harness_errors.append(f"{type(exc).__name__}: {exc}")
                time.sleep(1)
        self.client.close()

    # Front-line staff: an idea, or a vote, in turn.
    def staff(self, iteration):
        if (iteration + self.n) % 2 == 0:
            self.submit_idea()
        else:
            self.vote()
        self.think()

    def submit_idea(self):
        slug = self.load.slug
        response = self.call("idea form", "GET", f"/o/{slug}/ideas/new/")
        if response is None or response.status_code != 200:
            return
        form = Forms(response.text)
        self.think(0.5)
        marker = self.rec.marker("i")
        data = {
            "csrfmiddlewaretoken": form.value("csrfmiddlewaretoken"),
            "submission_token": form.value("submission_token"),
            "touchpoint": self.rng.choice([v for v in form.options if len(v) == 36]),
            "title": f"{marker} {self.rng.choice(TITLES)}",
            "today": TODAY,
            "proposal": f"{PROPOSAL} ({marker})",
        }
        habits = form.values("habits")
        if habits and self.rng.random() < 0.3:
            data["habits"] = self.rng.sample(habits, 2)
        anonymous = self.rng.random() < ANONYMOUS_SHARE
        if anonymous:
            data["anonymous"] = "on"
        sub = self.rec.submission("idea", marker, anonymous=anonymous)
        response = self.post(
            "idea submit",
            f"/o/{slug}/ideas/new/",
            data,
            lambda r: r.status_code == 302 and "sent=1" in r.headers.get("location", ""),
            sub,
        )
        if not sub.ok:
            return
        location = response.headers["location"]
        found = re.search(r"/ideas/([0-9a-f-]{36})/", location)
        if found:
            self.load.votes.add(found.group(1))
            self.call("idea page", "GET", location)

    def vote(self):
        slug = self.load.slug
        response = self.call("ideas board", "GET", f"/o/{slug}/ideas/")
        if response is None or response.status_code != 200:
            return
        csrf = Forms(response.text).value("csrfmiddlewaretoken") or self.client.cookies.get(
            "csrftoken", ""
        )
        idea = self.load.votes.claim(self.account, self.rng)
        if idea is None:
            return
        self.think(0.5)
        sub = self.rec.submission("vote", idea, account=self.account)
        response = self.call(
            "vote",
            "POST",
            f"/o/{slug}/ideas/{idea}/vote/",
            data={"csrfmiddlewaretoken": csrf, "next": f"/o/{slug}/ideas/"},
            headers={"HX-Request": "true"},
        )
        sub.statuses.append(response.status_code if response is not None else "no answer")
        sub.ok = bool(
            response is not None
            and response.status_code == 200
            and 'aria-pressed="true"' in response.text
        )

    # Customers: the faces, one tapped, then often a reason and a comment.
    def customer(self, iteration):
        from django.core import signing

        from feedback.views import FORM_SALT

        code = self.rng.choice(self.load.codes)
        phone = {"User-Agent": f"motmap-load/{self.load.prefix} phone {self.n}.{iteration}"}
        response = self.call("feedback faces", "GET", f"/f/{code}/?via=qr", headers=phone)
        if response is None or response.status_code != 200:
            self.think()
            return
        form = Forms(response.text)
        token, lang = form.value("form_token"), form.value("lang") or "en"
        submission = signing.loads(token, salt=FORM_SALT)["s"]
        face = self.rng.choices((-2, -1, 0, 1, 2), weights=FACE_WEIGHTS)[0]
        self.think(0.3)
        sub = self.rec.submission("answer", str(uuid.UUID(hex=submission)), face=face)
        data = {"form_token": token, "via": "qr", "lang": lang, "face": str(face)}
        response = self.post(
            "feedback answer",
            f"/f/{code}/",
            data,
            lambda r: r.status_code == 200 and 'name="step" value="details"' in r.text,
            sub,
            headers=phone,
        )
        if sub.ok and (iteration == 0 or self.rng.random() < DETAILS_SHARE):
            reasons = Forms(response.text).values("reason")
            self.think(0.5)
            marker = self.rec.marker("f")
            data = {
                **data,
                "step": "details",
                "comment": f"{marker} {self.rng.choice(COMMENTS)}",
            }
            if reasons and self.rng.random() < 0.7:
                data["reason"] = self.rng.choice(reasons)
            details = self.rec.submission("details", marker, answer=sub.key)
            self.post(
                "feedback details",
                f"/f/{code}/",
                data,
                lambda r: r.status_code == 200 and 'name="step"' not in r.text,
                details,
                headers=phone,
            )
        self.think()

    # Managers: a journey board, the ideas board, the pack (and now and then its PDF).
    def manager(self, iteration):
        slug, journey = self.load.slug, self.rng.choice(self.load.journeys)
        self.call("journey board", "GET", f"/o/{slug}/journeys/{journey}/")
        self.think()
        self.call("ideas board", "GET", f"/o/{slug}/ideas/")
        self.think()
        self.call("pack print", "GET", f"/o/{slug}/journeys/{journey}/pack/")
        self.think()
        if self.rng.random() < self.load.pdf_share:
            self.call("pack PDF", "GET", f"/o/{slug}/journeys/{journey}/pack.pdf")
            self.think()


# --- processes ---------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _loopback(url: str, what: str) -> tuple[str, int]:
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    try:
        local = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        local = False
    if not local:
        raise SystemExit(f"{what} must be on this machine (127.0.0.1), not {host}")
    return ("127.0.0.1" if host == "localhost" else host), parts.port


class Process:
    """A process in a session (process group) of its own, its output in a log file."""

    def __init__(self, name, command, env, log_path):
        self.name, self.command, self.env, self.log_path = name, command, env, log_path
        self.process = None
        self.start()

    def start(self):
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 (our interpreter and arguments)
                self.command,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def signal(self, sig):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)

    def kill(self):
        self.signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self, seconds=30):
        if not self.alive():
            return
        self.signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            self.kill()

    def log(self):
        return Path(self.log_path).read_text(errors="replace")

    def tail(self, chars=3000):
        return self.log()[-chars:]


class ProxyProcess:
    """bench/tcpproxy.py in a process of its own, told `down` and `up` on its input."""

    def __init__(self, target_host, target_port, log_path):
        self.log = open(log_path, "wb")  # closed in stop()
        self.process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "bench.tcpproxy", target_host, str(target_port)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            start_new_session=True,
        )
        self.port = int(self._answer().split()[1])

    def _answer(self, seconds=10):
        answer: list[str] = []
        reader = threading.Thread(target=lambda: answer.append(self.process.stdout.readline()))
        reader.start()
        reader.join(seconds)
        if not answer or not answer[0]:
            raise RuntimeError("the TCP proxy did not answer")
        return answer[0].strip()

    def command(self, line):
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        return self._answer()

    def stop(self):
        with contextlib.suppress(Exception):
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.log.close()


# --- the run -----------------------------------------------------------------------------------


class Load:
    def __init__(self, args):
        self.args = args
        self.scenario = args.scenario
        fault = self.scenario != "normal"
        self.users = args.users or (20 if fault else 50)
        self.outage = args.outage if args.outage is not None else OUTAGE.get(self.scenario, 0.0)
        self.duration = float(args.duration or (30 if fault else 60))
        self.fault_at = 0.0
        self.notes: list[str] = []
        if self.scenario == "redis-down":
            self.fault_at = 10.0
            wanted = self.fault_at + self.outage + 20
            if args.duration is None:
                self.duration = max(self.duration, wanted)
            elif self.duration < wanted:
                self.notes.append(f"the load lasts {wanted:.0f} s (to 20 s after Redis is back)")
                self.duration = wanted
        elif fault:
            self.fault_at = round(max(3.0, self.duration * 0.4), 1)
            wanted = self.fault_at + self.outage + 10
            if self.duration < wanted:
                self.notes.append(f"the load lasts {wanted:.0f} s (to 10 s after the fault)")
                self.duration = wanted
        self.think = args.think
        self.pdf_share = args.pdf_share
        self.pg_host, self.pg_port = _loopback(args.postgres, "PostgreSQL")
        self.pg_port = self.pg_port or 5432
        self.pg_user = urlsplit(args.postgres).username or "postgres"
        self.redis_host, redis_port = _loopback(args.redis, "Redis")
        self.redis_port = redis_port or 6379
        self.redis_db = int((urlsplit(args.redis).path or "/14").strip("/") or 14)
        self.prefix = "ld" + secrets.token_hex(3)
        self.rec = Recorder(self.prefix)
        self.harness_errors: list[str] = []
        self.tmp = Path(tempfile.mkdtemp(prefix=f"motmap-load-{self.prefix}-"))
        self.mail_dir = self.tmp / "mail"
        self.mail_dir.mkdir()
        (self.tmp / "static").mkdir()
        (self.tmp / "var").mkdir()
        self.db_name = f"motmap_load_{secrets.token_hex(4)}"
        self.queue = f"motmap-load-{self.prefix}"
        self.secret_key = secrets.token_urlsafe(50)
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.processes: dict[str, Process] = {}
        self.proxies: dict[str, ProxyProcess] = {}
        self.redis_keys_before: set[bytes] = set()
        self.created = False
        self.kill_info: dict = {}
        self.worker_cpu_before_kill = 0.0

    # Environment of every process (and of this one, which checks the database).
    def env(self, *, database_port=None, redis_port=None):
        env = {
            name: value
            for name, value in os.environ.items()
            if not name.endswith("_FILE")  # settings given as files (motmap.envfiles): ours only
        }
        for name in (
            "SECRET_KEY_FALLBACKS",
            "CELERY_TASK_ALWAYS_EAGER",
            "SENTRY_DSN",
            "WEB_CONCURRENCY",
        ):
            env.pop(name, None)
        redis = f"redis://{self.redis_host}:{redis_port or self.redis_port}/{self.redis_db}"
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "motmap.settings",
                "SECRET_KEY": self.secret_key,
                "DEBUG": "false",
                "ALLOWED_HOSTS": "127.0.0.1",
                "DATABASE_URL": (
                    f"postgres://{self.pg_user}@{self.pg_host}:"
                    f"{database_port or self.pg_port}/{self.db_name}"
                ),
                "CELERY_BROKER_URL": redis,
                "CACHE_URL": redis,
                "CELERY_TASK_DEFAULT_QUEUE": self.queue,
                "EMAIL_URL": f"filemail://{self.mail_dir}",
                "VAR_DIR": str(self.tmp / "var"),
                "STATIC_ROOT": str(self.tmp / "static"),
                "HOST": "127.0.0.1",
                "PORT": str(self.port),
                "SITE_URL": self.base_url,
                "LOG_LEVEL": "INFO",
                "LOG_FORMAT": "json",
                **LIMITS,
            }
        )
        if self.args.web_workers:
            env["WEB_CONCURRENCY"] = str(self.args.web_workers)
        return env

    def _admin(self):
        import psycopg2

        conn = psycopg2.connect(
            host=self.pg_host, port=self.pg_port, user=self.pg_user, dbname="postgres"
        )
        conn.autocommit = True
        return conn

    def setup(self):
        print(f"setting up: database {self.db_name}, Redis db {self.redis_db}, {self.tmp}")
        conn = self._admin()
        try:
            with conn.cursor() as cursor:
                cursor.execute(f'CREATE DATABASE "{self.db_name}"')
                self.created = True
                cursor.execute("SHOW server_version")
                self.postgres_version = cursor.fetchone()[0]
        finally:
            conn.close()
        import redis

        client = redis.Redis(host=self.redis_host, port=self.redis_port, db=self.redis_db)
        self.redis_keys_before = set(client.scan_iter(count=1000))
        self.redis_version = client.info("server")["redis_version"]
        client.close()
        # The processes boot while the database is migrated and seeded: none of them touches
        # it before the first request or task.
        self.start()
        os.environ.update(self.env())
        import django

        django.setup()
        logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per request otherwise
        from django.core.management import call_command

        started = time.monotonic()
        call_command("migrate", interactive=False, verbosity=0)
        from motmap.celery import app

        if self.args.without_stored_packs:
            # The PDFs of the demo's past reviews, made by the worker after the seed, take it
            # some 10 to 20 s: parked on a queue nobody reads (the beat's sweep would make them
            # a minute later). Nothing in the load reads them.
            app.conf.task_routes = {PACK_TASK: {"queue": f"{self.queue}-parked"}}
            app.amqp.flush_routes()
            app.amqp.__dict__.pop("router", None)  # a cached_property: built again
        seeded = io.StringIO()
        call_command("seed_demo", stdout=seeded)
        self.seed_output = seeded.getvalue()
        print(f"  migrated and seeded in {time.monotonic() - started:.1f} s")
        self._targets()
        self.wait_ready()

    def _targets(self):
        """What the people use, read from the seeded database and what `seed_demo` printed
        (the demo's organisation and password)."""
        from feedback.models import FeedbackPoint
        from feedback.services import is_taking_answers, public_code
        from ideas.models import Idea, IdeaStatus, Vote
        from journeys.models import Journey
        from motmap.models import Membership, Role
        from notifications.models import Frequency, Kind
        from notifications.services import settings_update

        slug = re.search(r"^Organisation .*\(([-\w]+)\):", self.seed_output, re.MULTILINE)
        password = re.search(r"\(password: (\S+)\)", self.seed_output)
        if not slug or not password:
            raise RuntimeError(f"seed_demo said nothing of its organisation:\n{self.seed_output}")
        self.slug, self.password = slug.group(1), password.group(1)
        by_role = defaultdict(list)
        for email, role in (
            Membership.objects.filter(organisation__slug=self.slug)
            .order_by("user__email")
            .values_list("user__email", "role")
        ):
            by_role[role].append(email)
        self.accounts = {
            "staff": by_role[Role.STAFF],
            "manager": by_role[Role.MANAGER] + by_role[Role.OWNER],
        }
        for membership in Membership.objects.filter(organisation__slug=self.slug).select_related(
            "user"
        ):
            settings_update(
                actor=membership.user,
                membership=membership,
                choices={Kind.NEW_IDEAS: Frequency.IMMEDIATELY},
            )
        self.journeys = [
            str(pk)
            for pk in Journey.objects.filter(
                organisation__slug=self.slug, archived_at__isnull=True
            ).values_list("pk", flat=True)
        ]
        points = FeedbackPoint.objects.filter(organisation__slug=self.slug).select_related(
            "touchpoint__journey", "organisation"
        )
        self.codes = [public_code(point) for point in points if is_taking_answers(point)]
        ideas = Idea.objects.filter(organisation__slug=self.slug).exclude(
            status=IdeaStatus.DUPLICATE
        )
        voted = Vote.objects.filter(idea__organisation__slug=self.slug)
        self.votes = Votes(
            [str(pk) for pk in ideas.order_by("created_at").values_list("pk", flat=True)],
            {(email, str(idea)) for email, idea in voted.values_list("user__email", "idea_id")},
        )
        if not (self.journeys and self.codes and self.accounts["staff"]):
            raise RuntimeError("the demo has no journeys, feedback points or staff")

    def start(self):
        database_port = redis_port = None
        if self.scenario == "postgres-restart":
            self.proxies["postgres"] = ProxyProcess(
                self.pg_host, self.pg_port, self.tmp / "proxy-postgres.log"
            )
            database_port = self.proxies["postgres"].port
        if self.scenario == "redis-down":
            self.proxies["redis"] = ProxyProcess(
                self.redis_host, self.redis_port, self.tmp / "proxy-redis.log"
            )
            redis_port = self.proxies["redis"].port
        env = self.env(database_port=database_port, redis_port=redis_port)
        self.app_env = env
        self.processes["web"] = Process(
            "web",
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                "motmap/gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{self.port}",
                "motmap.wsgi:application",
            ],
            env,
            self.tmp / "web.log",
        )
        worker_env = dict(env)
        if self.scenario == "worker-kill":
            worker_env["DJANGO_SETTINGS_MODULE"] = "bench.loadsettings"
            worker_env["LOAD_MAIL_ANSWER_SECONDS"] = "0.5"
        self.processes["worker"] = Process(
            "worker", self._worker_command(), worker_env, self.tmp / "worker.log"
        )
        self.processes["beat"] = Process(
            "beat",
            [
                str(CELERY),
                "-A",
                "motmap",
                "beat",
                "--schedule",
                str(self.tmp / "beat-schedule"),
                "--loglevel",
                "INFO",
            ],
            env,
            self.tmp / "beat.log",
        )

    def wait_ready(self):
        """Until /healthz says the database, migrations and broker are ready and the worker
        listens (90 s at most)."""
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            for process in self.processes.values():
                if not process.alive():
                    raise RuntimeError(f"{process.name} stopped:\n{process.tail()}")
            try:
                ready = httpx.get(f"{self.base_url}/healthz", timeout=5).status_code == 200
            except httpx.HTTPError:
                ready = False
            if ready and " ready." in self.processes["worker"].log():
                break
            time.sleep(0.2)
        else:
            raise RuntimeError(
                "not ready in 90 s:\n" + "\n".join(p.tail(1500) for p in self.processes.values())
            )
        self.web_workers = len(re.findall(r"Booting worker with pid", self.processes["web"].log()))
        # The demo's own background work (the past reviews' PDFs, its emails) done before the
        # load, so that it does not take the load's CPU.
        from motmap.models import OutboxEmail
        from packs.models import PackStatus, StoredPack

        started = time.monotonic()
        while time.monotonic() < started + 300:
            building = 0
            if not self.args.without_stored_packs:
                building = StoredPack.objects.filter(
                    status__in=[PackStatus.QUEUED, PackStatus.RUNNING]
                ).count()
            if not building and not OutboxEmail.objects.filter(sent_at__isnull=True).exists():
                break
            time.sleep(0.5)
        print(f"  the demo's stored packs and emails done in {time.monotonic() - started:.1f} s")

    def _worker_command(self):
        return [
            str(CELERY),
            "-A",
            "motmap",
            "worker",
            "-Q",
            self.queue,
            "-n",
            f"{self.queue}@%h",
            "--concurrency",
            "2",
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "INFO",
        ]

    def people(self):
        roles = [ROLES[i % len(ROLES)] for i in range(self.users)]
        people, count = [], Counter()
        for n, role in enumerate(roles):
            accounts = self.accounts.get(role)
            account = accounts[count[role] % len(accounts)] if accounts else ""
            count[role] += 1
            people.append(Person(n, role, account, self, random.Random(f"{self.args.seed}-{n}")))
        return people

    def run(self):
        people = self.people()
        self.roles = Counter(person.role for person in people)
        with_login = [p for p in people if p.role != "customer"]
        print(f"logging in {len(with_login)} people through the login form")
        self.rec.t0 = time.monotonic()
        threads = [threading.Thread(target=p.login) for p in with_login]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(REQUEST_SECONDS * 2 + 10)
        self.login_seconds = self.rec.now()
        self.logins = (sum(p.logged_in for p in with_login), len(with_login))
        for sample in self.rec.samples:
            sample.start -= self.login_seconds
        print(
            f"load: {self.users} people for {self.duration:.0f} s, scenario {self.scenario}"
            + "".join(f"; {note}" for note in self.notes)
        )
        self.loadavg = [os.getloadavg()[0]]
        cpu_before = self._cpu()
        self.rec.t0 = time.monotonic()
        threads = [threading.Thread(target=p.run, daemon=True) for p in people]
        fault = threading.Thread(target=self.fault, daemon=True)
        for thread in threads:
            thread.start()
        fault.start()
        for thread in threads:
            thread.join(
                max(1.0, self.duration + REQUEST_SECONDS * (1 + RESENDS) + 30 - self.rec.now())
            )
        fault.join(max(1.0, self.duration + 60 - self.rec.now()))
        self.loadavg.append(os.getloadavg()[0])
        cpu_after = self._cpu()
        self.cpu = {name: round(cpu_after[name] - cpu_before[name], 1) for name in cpu_after}
        self.elapsed = min(self.rec.now(), self.duration) or self.duration
        self.ended = self.rec.now()

    def _cpu(self):
        """CPU seconds (user + system) so far of the server's, the worker's and beat's process
        groups and of this process (the simulated people), from /proc."""
        groups = {p.process.pid: name for name, p in self.processes.items()}
        totals = dict.fromkeys(["web", "worker", "beat"], 0.0)
        tick = os.sysconf("SC_CLK_TCK")
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            name = groups.get(int(fields[2]))  # its process group
            if name:
                totals[name] += (int(fields[11]) + int(fields[12])) / tick
        totals["worker"] += self.worker_cpu_before_kill  # the killed one's, in worker-kill
        totals["load generator"] = time.process_time()
        return totals

    # --- faults ------------------------------------------------------------------------------

    def fault(self):
        from django.db import connections

        try:
            if self.scenario == "normal":
                return
            time.sleep(max(0.0, self.fault_at - self.rec.now()))
            if self.scenario in ("postgres-restart", "redis-down"):
                name = "postgres" if self.scenario == "postgres-restart" else "redis"
                label = "PostgreSQL" if name == "postgres" else "Redis"
                proxy = self.proxies[name]
                answer = proxy.command("down")
                self.fault_window = [self.rec.now(), None]
                self.rec.event(
                    f"{label} away: {answer.split()[1]} connections cut, new ones refused"
                )
                time.sleep(self.outage)
                proxy.command("up")
                self.fault_window[1] = self.rec.now()
                self.rec.event(f"{label} back: connections accepted again")
            elif self.scenario == "worker-kill":
                self._kill_worker()
        finally:
            connections.close_all()

    def _kill_worker(self):
        """SIGKILL the worker once an email is in the mail folder and its row not yet marked
        sent (the mail server has it, its answer is on the way); at most 20 s of looking."""
        from motmap.models import OutboxEmail

        seen: dict[Path, int] = {}
        deadline = time.monotonic() + 20
        handed_over: list[str] = []
        while time.monotonic() < deadline and not handed_over:
            ids = []
            for path in self.mail_dir.iterdir():
                size = path.stat().st_size
                if seen.get(path) != size:
                    seen[path] = size
                    ids += [mid for mid, _subject in _messages(path)]
            rows = [_row_of(mid) for mid in ids if _row_of(mid)]
            if rows:
                handed_over = [
                    str(pk)
                    for pk in OutboxEmail.objects.filter(
                        pk__in=rows, sent_at__isnull=True
                    ).values_list("pk", flat=True)
                ]
            if not handed_over:
                time.sleep(0.02)
        claimed = list(
            OutboxEmail.objects.filter(
                sent_at__isnull=True, claimed_until__isnull=False
            ).values_list("pk", flat=True)
        )
        self.worker_cpu_before_kill += self._cpu()["worker"]
        self.processes["worker"].kill()
        self.fault_window = [self.rec.now(), None]
        self.kill_info = {
            "handed_over": handed_over,
            "claimed": [str(pk) for pk in claimed],
            "found_in_time": bool(handed_over),
        }
        self.rec.event(
            f"worker killed (SIGKILL): {len(handed_over)} email(s) handed to the mail server "
            f"and not marked sent, {len(claimed)} claimed"
        )
        time.sleep(1)
        self.processes["worker"].start()
        self.fault_window[1] = self.rec.now()
        self.rec.event("worker started again")

    # --- afterwards --------------------------------------------------------------------------

    def settle(self):
        """Wait (bounded) until every email in the outbox is sent or given up."""
        from motmap.models import OutboxEmail
        from motmap.outbox import claim_seconds

        bound = 150.0
        if self.scenario in ("worker-kill", "postgres-restart"):
            bound = claim_seconds() + 150.0  # an email claimed when the fault came waits it out
        started = time.monotonic()
        said = started
        waiting = None
        while time.monotonic() - started < bound:
            waiting = OutboxEmail.objects.filter(sent_at__isnull=True, failed_at__isnull=True)
            left = waiting.count()
            if not left:
                break
            if time.monotonic() - said > 30:
                said = time.monotonic()
                claimed = waiting.filter(claimed_until__isnull=False).order_by("claimed_until")
                first = claimed.values_list("claimed_until", flat=True).first()
                print(
                    f"  waiting for {left} email(s) to go out"
                    + (f" (a claim runs out at {first:%H:%M:%S} UTC)" if first else ""),
                    flush=True,
                )
            time.sleep(0.5)
        self.settle_seconds = time.monotonic() - started
        self.emails_waiting = OutboxEmail.objects.filter(
            sent_at__isnull=True, failed_at__isnull=True
        ).count()

    def check(self):
        from feedback.models import FeedbackResponse
        from ideas.models import Idea, Vote
        from motmap.models import Membership, OutboxEmail
        from motmap.outbox import message_id

        checks: list[tuple[str, bool, str]] = []
        subs = self.rec.submissions
        samples = self.rec.samples
        load = [s for s in samples if s.kind != "login"]

        def add(name, ok, detail=""):
            checks.append((name, bool(ok), detail))

        add(
            "every login through the form succeeded",
            self.logins[0] == self.logins[1],
            f"{self.logins[0]} of {self.logins[1]}",
        )
        add(
            "the load's own code ran without errors",
            not self.harness_errors,
            "; ".join(self.harness_errors[:3]),
        )

        # Answers.
        no_answer = [s for s in load if isinstance(s.status, str)]
        add(
            "every request got an answer",
            not no_answer,
            ", ".join(
                f"{k} {n}" for k, n in Counter(f"{s.kind}: {s.status}" for s in no_answer).items()
            ),
        )
        server_errors = [s for s in load if isinstance(s.status, int) and s.status >= 500]
        window = getattr(self, "fault_window", None)
        if self.scenario == "postgres-restart" and window:
            down, up = window[0], window[1] or self.ended

            def during(s):
                return s.start <= up + GRACE_SECONDS and s.start + s.seconds >= down - 0.5

            unclean = [s for s in server_errors if not (s.status == 503 and s.clean)]
            outside = [s for s in server_errors if s.status == 503 and s.clean and not during(s)]
            add('no 500: only the clean 503 "try again" page', not unclean, _statuses(unclean))
            add(
                f"503 only while the database was away (to {GRACE_SECONDS:.0f} s after)",
                not outside,
                f"{len(outside)} outside",
            )
            after = [s for s in load if s.start >= up + GRACE_SECONDS]
            kinds_after = {s.kind for s in after}
            good_after = {s.kind for s in after if isinstance(s.status, int) and s.status < 400}
            add(
                "recovered by itself: success answers after the cut, for every page",
                after and kinds_after == good_after,
                f"no success for {sorted(kinds_after - good_after)}"
                if kinds_after != good_after
                else "",
            )
        else:
            add("no 5xx", not server_errors, _statuses(server_errors))
        if window and self.scenario == "redis-down":
            down, up = window[0], window[1] or self.ended
            during = [s for s in load if down <= s.start < up]
            good = {s.kind for s in during if isinstance(s.status, int) and s.status < 400}
            kinds = {s.kind for s in during}
            add(
                "pages kept working while Redis was away",
                during and good == kinds,
                f"{len(during)} requests meanwhile",
            )

        # Submissions: each success stored once, each failure not at all.
        prefix = self.prefix
        ideas = defaultdict(list)
        for pk, title in Idea.objects.filter(title__startswith=prefix).values_list("pk", "title"):
            ideas[title.split(" ", 1)[0]].append(pk)
        answers = Counter(
            str(s)
            for s in FeedbackResponse.objects.filter(
                submission_id__in=[s.key for s in subs if s.what == "answer"]
            ).values_list("submission_id", flat=True)
        )
        comments = defaultdict(list)
        for submission, comment in FeedbackResponse.objects.filter(
            comment__startswith=prefix
        ).values_list("submission_id", "comment"):
            comments[comment.split(" ", 1)[0]].append(str(submission))
        votes = Counter(
            (email, str(idea))
            for email, idea in Vote.objects.filter(
                idea_id__in=[s.key for s in subs if s.what == "vote"]
            ).values_list("user__email", "idea_id")
        )

        def stored(sub):
            if sub.what == "idea":
                return len(ideas.get(sub.key, ()))
            if sub.what == "answer":
                return answers.get(sub.key, 0)
            if sub.what == "details":
                found = comments.get(sub.key, ())
                return len(found) if all(a == sub.extra["answer"] for a in found) else -1
            return votes.get((sub.extra["account"], sub.key), 0)

        self.table_subs = {}
        for what in ("idea", "vote", "answer", "details"):
            mine = [s for s in subs if s.what == what]
            ok = [s for s in mine if s.ok]
            failed = [s for s in mine if not s.ok]
            wrong_ok = [s for s in ok if stored(s) != 1]
            wrong_failed = [s for s in failed if stored(s) != 0]
            self.table_subs[what] = {
                "sent": len(mine),
                "success": len(ok),
                "failed": len(failed),
                "resent": sum(1 for s in mine if s.extra.get("resent")),
                "success stored once": len(ok) - len(wrong_ok),
                "failed stored": len(wrong_failed),
            }
            add(
                f"{what}: every success stored exactly once",
                not wrong_ok,
                ", ".join(f"{s.key} stored {stored(s)}x" for s in wrong_ok[:5]),
            )
            add(
                f"{what}: no failed one stored",
                not wrong_failed,
                ", ".join(f"{s.key} ({s.statuses})" for s in wrong_failed[:5]),
            )
        stray = (
            sum(len(v) for k, v in ideas.items()) - self.table_subs["idea"]["success stored once"]
        )
        add("no idea stored that the load did not send", stray == 0, f"{stray} more")

        # Emails: all sent, each once by its Message-ID (or again with the same one).
        rows = list(OutboxEmail.objects.values("pk", "subject", "sent_at", "failed_at"))
        row_ids = {message_id(OutboxEmail(pk=r["pk"])): r for r in rows}
        copies = Counter()
        for path in sorted(self.mail_dir.iterdir()):
            for mid, _subject in _messages(path):
                copies[mid] += 1
        unknown = [mid for mid in copies if mid not in row_ids]
        sent_rows = [r for r in rows if r["sent_at"]]
        once = sum(1 for mid, r in row_ids.items() if r["sent_at"] and copies[mid] == 1)
        again = sum(1 for mid, r in row_ids.items() if copies[mid] > 1)
        missing = sum(1 for mid, r in row_ids.items() if r["sent_at"] and copies[mid] == 0)
        failed_rows = sum(1 for r in rows if r["failed_at"])
        self.emails = {
            "rows": len(rows),
            "sent": len(sent_rows),
            "waiting": self.emails_waiting,
            "failed": failed_rows,
            "messages in files": sum(copies.values()),
            "sent once": once,
            "sent again (same Message-ID)": again,
            "sent but not in the files": missing,
            "unknown Message-ID": len(unknown),
            "waited s": round(self.settle_seconds, 1),
        }
        add(
            "every email went out (none waiting, none given up)",
            not self.emails_waiting and not failed_rows,
            f"{self.emails_waiting} waiting, {failed_rows} given up, "
            f"after {self.settle_seconds:.0f} s",
        )
        add(
            "every sent email is in the mail files, with a Message-ID of its row",
            not missing and not unknown,
            f"{missing} missing, {len(unknown)} unknown",
        )
        if self.scenario == "worker-kill":
            add(
                "each email once, or again with the same Message-ID",
                not missing and not unknown,
                f"{once} once, {again} again",
            )
        else:
            add("each email sent once", again == 0, f"{again} sent more than once")
        # Each stored idea told its owners (touchpoint's and journey's, not the author) once.
        members = set(
            Membership.objects.filter(
                organisation__slug=self.slug, user__is_active=True
            ).values_list("user_id", flat=True)
        )
        subjects = Counter()
        for r in rows:
            found = re.search(rf"{prefix}-i\d+", r["subject"])
            if found:
                subjects[found.group(0)] += 1
        wrong = []
        for idea in Idea.objects.filter(title__startswith=prefix).select_related(
            "touchpoint__journey"
        ):
            marker = idea.title.split(" ", 1)[0]
            owners = {idea.touchpoint.owner_id, idea.touchpoint.journey.owner_id} & members
            if idea.author_id:
                owners.discard(idea.author_id)
            if subjects[marker] != len(owners):
                wrong.append(f"{marker}: {subjects[marker]} emails for {len(owners)} owners")
        add(
            "every idea's owners told once each (one email per owner)",
            not wrong,
            "; ".join(wrong[:5]),
        )
        if self.scenario == "redis-down" and window:
            from datetime import timedelta

            from django.utils import timezone

            down_at = timezone.now() - timedelta(seconds=self.rec.now() - window[0])
            up_at = timezone.now() - timedelta(seconds=self.rec.now() - (window[1] or self.ended))
            meanwhile = OutboxEmail.objects.filter(created_at__gte=down_at, created_at__lt=up_at)
            queued = meanwhile.count()
            sent_after = meanwhile.filter(sent_at__gte=up_at).count()
            self.emails["queued while Redis was away"] = queued
            self.emails["of those sent after it was back"] = sent_after
            add(
                "emails queued while Redis was away went out afterwards",
                queued and queued == sent_after,
                f"{sent_after} of {queued}",
            )
        if self.scenario == "worker-kill":
            handed = self.kill_info.get("handed_over", [])
            claimed = self.kill_info.get("claimed", [])
            again_ids = {_row_of(mid) for mid, n in copies.items() if n > 1}
            self.kill_info["handed over, sent again"] = len(again_ids & set(handed))
            self.kill_info["claimed, sent again"] = len(again_ids & set(claimed))
            add(
                "the worker was killed with an email handed over and not marked sent",
                self.kill_info.get("found_in_time"),
                f"{len(handed)} such email(s)",
            )
            add(
                "only emails the killed worker had claimed were sent again",
                again_ids <= set(claimed),
                f"{len(again_ids - set(claimed))} others",
            )
        self.checks = checks
        return all(ok for _name, ok, _detail in checks)

    # --- report ------------------------------------------------------------------------------

    def report(self):
        load = [s for s in self.rec.samples if s.kind != "login"]
        logins = [s for s in self.rec.samples if s.kind == "login"]
        print()
        print(
            f"motmap under load: scenario {self.scenario}, {self.users} people "
            f"({self.roles['staff']} front-line staff, {self.roles['customer']} customers, "
            f"{self.roles['manager']} managers) for {self.duration:.0f} s, think time about "
            f"{self.think:g} s"
        )
        print(
            f"gunicorn {self.web_workers} sync workers (motmap/gunicorn.conf.py) on 127.0.0.1, "
            f"Celery worker (prefork, 2) and beat; PostgreSQL {self.postgres_version}, Redis "
            f"{self.redis_version}; {os.cpu_count()} CPUs, Python {sys.version.split()[0]}; "
            f"load average {self.loadavg[0]:.1f} before, {self.loadavg[1]:.1f} after (the "
            "machine is shared)"
        )
        print(
            "CPU seconds used during the load: "
            + ", ".join(f"{name} {seconds:.1f}" for name, seconds in self.cpu.items())
            + f" (of {os.cpu_count() * self.duration:.0f} on the machine)"
        )
        print(
            f"logins before the load: {self.logins[0]} of {self.logins[1]} in "
            f"{self.login_seconds:.1f} s ({len(logins)} requests, p50 "
            f"{_ms(logins, 50)} ms)"
        )
        rows = _rows(load, self.elapsed)
        header = (
            f"{'page':<17} {'requests':>8} {'req/s':>6} {'p50 ms':>7} {'p95 ms':>7} "
            f"{'p99 ms':>7} {'2xx':>5} {'3xx':>5} {'4xx':>4} {'5xx':>4} {'no answer':>9}"
        )
        print(header)
        print("-" * len(header))
        for row in rows:
            print(
                f"{row['page']:<17} {row['requests']:>8} {row['req/s']:>6.1f} "
                f"{row['p50 ms']:>7} {row['p95 ms']:>7} {row['p99 ms']:>7} {row['2xx']:>5} "
                f"{row['3xx']:>5} {row['4xx']:>4} {row['5xx']:>4} {row['no answer']:>9}"
            )
        print(
            "req/s: requests over the load's duration; latency: from sending to the whole answer "
            "read, each request on\na new connection (gunicorn's sync workers close each one); "
            "3xx: the redirects after a login or an idea."
        )
        phases = []
        window = getattr(self, "fault_window", None)
        if window:
            down, up = window[0], window[1] or self.ended
            names = {
                "postgres-restart": "PostgreSQL away",
                "redis-down": "Redis away",
                "worker-kill": "worker dead",
            }
            for name, lo, hi in (
                ("before", 0.0, down),
                (names[self.scenario], down, up),
                ("after", up, self.ended),
            ):
                part = [s for s in load if lo <= s.start < hi]
                ok = [s for s in part if isinstance(s.status, int) and s.status < 400]
                first_ok = min((s.start + s.seconds for s in ok), default=None)
                phases.append(
                    {
                        "phase": name,
                        "from s": round(lo, 1),
                        "to s": round(hi, 1),
                        "requests": len(part),
                        "2xx/3xx": len(ok),
                        "4xx": sum(1 for s in part if _class(s) == "4xx"),
                        "503 page": sum(1 for s in part if s.status == 503 and s.clean),
                        "other 5xx": sum(
                            1
                            for s in part
                            if _class(s) == "5xx" and not (s.status == 503 and s.clean)
                        ),
                        "no answer": sum(1 for s in part if isinstance(s.status, str)),
                        "p50 ms": _ms(part, 50),
                        "p95 ms": _ms(part, 95),
                        "first success s": None if first_ok is None else round(first_ok - lo, 2),
                    }
                )
            print()
            header = (
                f"{'phase':<16} {'from s':>6} {'to s':>6} {'requests':>8} {'2xx/3xx':>7} "
                f"{'4xx':>4} {'503 page':>8} {'other 5xx':>9} {'no answer':>9} {'p50 ms':>7} "
                f"{'p95 ms':>7}"
            )
            print(header)
            print("-" * len(header))
            for p in phases:
                print(
                    f"{p['phase']:<16} {p['from s']:>6.1f} {p['to s']:>6.1f} {p['requests']:>8} "
                    f"{p['2xx/3xx']:>7} {p['4xx']:>4} {p['503 page']:>8} {p['other 5xx']:>9} "
                    f"{p['no answer']:>9} {p['p50 ms']:>7} {p['p95 ms']:>7}"
                )
            after = phases[-1]["first success s"]
            if after is not None:
                print(f"first success answer after the fault ended: {after:.2f} s later")
        print()
        header = (
            f"{'submission':<10} {'sent':>6} {'success':>8} {'failed':>7} {'resent':>7} "
            f"{'success stored once':>20} {'failed stored':>14}"
        )
        print(header)
        print("-" * len(header))
        for what, row in self.table_subs.items():
            print(
                f"{what:<10} {row['sent']:>6} {row['success']:>8} {row['failed']:>7} "
                f"{row['resent']:>7} {row['success stored once']:>20} {row['failed stored']:>14}"
            )
        print(
            "idea: the submit form; vote: from the ideas board; answer: a face at /f/<code>/; "
            'details: its reason and\ncomment. resent: sent again from the "try again" page\'s '
            "form (same submission token or form token)."
        )
        print()
        print("emails: " + ", ".join(f"{k} {v}" for k, v in self.emails.items()))
        if self.kill_info:
            print(
                f"killed worker: {len(self.kill_info['handed_over'])} email(s) seen handed over "
                "and not marked sent "
                f"({self.kill_info['handed over, sent again']} of them sent again), "
                f"{len(self.kill_info['claimed'])} claimed at the kill "
                f"({self.kill_info['claimed, sent again']} sent again), each again with the "
                "same Message-ID once its claim ran out"
            )
        errors = {
            name: sum(1 for line in p.log().splitlines() if '"level": "ERROR"' in line)
            for name, p in self.processes.items()
        }
        print("ERROR lines in the logs: " + ", ".join(f"{k} {v}" for k, v in errors.items()))
        self.error_lines = {}
        for name, process in self.processes.items():
            said = Counter()
            for line in process.log().splitlines():
                if '"level": "ERROR"' in line:
                    with contextlib.suppress(ValueError, KeyError, TypeError):
                        said[re.sub(r"\d+", "N", json.loads(line)["message"])[:110]] += 1
            for message, n in said.most_common(3):
                print(f"  {name}: {n} x {message.splitlines()[0]}")
            self.error_lines[name] = said.most_common(3)
        print()
        print("checks:")
        for name, ok, detail in self.checks:
            print(f"  {'ok    ' if ok else 'FAILED'} {name}" + (f" ({detail})" if detail else ""))
        self.summary = {
            "scenario": self.scenario,
            "users": self.users,
            "roles": dict(self.roles),
            "duration": self.duration,
            "outage": self.outage,
            "think": self.think,
            "web workers": self.web_workers,
            "postgres": self.postgres_version,
            "redis": self.redis_version,
            "cpus": os.cpu_count(),
            "load average": self.loadavg,
            "cpu seconds": self.cpu,
            "python": sys.version.split()[0],
            "logins": {"ok": self.logins[0], "of": self.logins[1], "p50 ms": _ms(logins, 50)},
            "pages": rows,
            "phases": phases,
            "events": [(round(t, 2), text) for t, text in self.rec.events],
            "submissions": self.table_subs,
            "emails": self.emails,
            "killed worker": {
                k: v if not isinstance(v, list) else len(v) for k, v in self.kill_info.items()
            },
            "log errors": errors,
            "log error messages": self.error_lines,
            "checks": [{"check": n, "ok": ok, "detail": d} for n, ok, d in self.checks],
            "ok": all(ok for _n, ok, _d in self.checks),
        }
        if self.args.json:
            Path(self.args.json).write_text(json.dumps(self.summary, indent=2, default=str))

    def teardown(self, keep):
        for name in ("beat", "worker", "web"):
            if name in self.processes:
                self.processes[name].stop()
        for proxy in self.proxies.values():
            proxy.stop()
        with contextlib.suppress(Exception):
            from django.db import connections

            connections.close_all()
        if self.created:
            conn = self._admin()
            try:
                with conn.cursor() as cursor:
                    cursor.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
            finally:
                conn.close()
        with contextlib.suppress(Exception):
            import redis

            client = redis.Redis(host=self.redis_host, port=self.redis_port, db=self.redis_db)
            ours = [
                key
                for key in client.scan_iter(count=1000)
                if self.queue.encode() in key
                or (key.startswith(b":1:") and key not in self.redis_keys_before)
            ]
            for start in range(0, len(ours), 500):
                client.delete(*ours[start : start + 500])
            # A message the killed worker had taken and not acknowledged waits in kombu's
            # shared `unacked` hash (for the visibility timeout): drop those of our queue.
            for tag, value in client.hscan_iter("unacked", count=1000):
                with contextlib.suppress(ValueError, IndexError, TypeError):
                    if json.loads(value)[2] == self.queue:
                        client.hdel("unacked", tag)
                        client.zrem("unacked_index", tag)
            client.close()
        if keep:
            print(f"logs and emails kept in {self.tmp}")
        else:
            import shutil

            shutil.rmtree(self.tmp, ignore_errors=True)


def _messages(path: Path) -> list[tuple[str, str]]:
    """(Message-ID, subject) of each message in a file of Django's file email backend."""
    found = []
    for part in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
        if part.strip():
            message = message_from_bytes(part)
            if message["Message-ID"]:
                found.append((message["Message-ID"].strip(), str(message["Subject"] or "")))
    return found


def _row_of(mid: str) -> str | None:
    found = re.match(r"<outbox-([0-9a-f-]{36})@", mid)
    return found.group(1) if found else None


def _class(sample: Sample) -> str:
    if isinstance(sample.status, str):
        return "no answer"
    return f"{sample.status // 100}xx"


def _statuses(samples) -> str:
    """What went wrong, and the request ids of the first few (X-Request-ID, in the logs)."""
    counts = Counter(f"{s.kind} {s.status}" for s in samples)
    ids = [s.request_id for s in samples if s.request_id][:3]
    return ", ".join(f"{k} x{n}" for k, n in counts.items()) + (
        f"; request ids {', '.join(ids)}" if ids else ""
    )


def _ms(samples, percent) -> int | None:
    times = sorted(s.seconds for s in samples)
    if not times:
        return None
    rank = max(0, min(len(times) - 1, int(round(percent / 100 * len(times) + 0.5)) - 1))
    return round(times[rank] * 1000)


def _rows(samples, seconds):
    rows = []
    for kind in (*KINDS, "all"):
        part = samples if kind == "all" else [s for s in samples if s.kind == kind]
        if not part:
            continue
        classes = Counter(_class(s) for s in part)
        rows.append(
            {
                "page": kind,
                "requests": len(part),
                "req/s": round(len(part) / seconds, 2),
                "p50 ms": _ms(part, 50),
                "p95 ms": _ms(part, 95),
                "p99 ms": _ms(part, 99),
                "2xx": classes["2xx"],
                "3xx": classes["3xx"],
                "4xx": classes["4xx"],
                "5xx": classes["5xx"],
                "no answer": classes["no answer"],
                "mean ms": round(statistics.fmean(s.seconds for s in part) * 1000),
            }
        )
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m bench.load", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--scenario", choices=SCENARIOS, default="normal")
    parser.add_argument("--users", type=int, help="simulated people (50; 20 with a fault)")
    parser.add_argument("--duration", type=float, help="seconds of load (60; 30 with a fault)")
    parser.add_argument(
        "--outage",
        type=float,
        help="seconds PostgreSQL (5) or Redis (60) stays away in their scenarios",
    )
    parser.add_argument("--think", type=float, default=1.0, help="seconds between pages (about)")
    parser.add_argument(
        "--pdf-share",
        type=float,
        default=0.05,
        help="share of a manager's rounds that also open the pack's PDF (0.05)",
    )
    parser.add_argument("--web-workers", type=int, help="gunicorn workers (WEB_CONCURRENCY)")
    parser.add_argument(
        "--without-stored-packs",
        action="store_true",
        help="leave the PDFs of the demo's past reviews unmade (quicker: the smoke test)",
    )
    parser.add_argument("--seed", default="motmap", help="seed of the people's choices")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--json", help="also write the figures and checks to this file")
    parser.add_argument("--keep", action="store_true", help="keep the logs and emails")
    args = parser.parse_args(argv)
    if args.users is not None and args.users < 1:
        parser.error("--users must be at least 1")
    run = Load(args)
    ok = False
    began = time.monotonic()
    try:
        run.setup()
        print(f"  up and ready after {time.monotonic() - began:.1f} s", flush=True)
        run.run()
        print("load done; waiting for the emails to go out", flush=True)
        run.settle()
        ok = run.check()
        run.report()
    finally:
        run.teardown(keep=args.keep or not ok)
        print(f"{time.monotonic() - began:.0f} s in all")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
