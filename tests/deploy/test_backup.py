"""`make backup` and `make restore` (deploy/pgbackup.sh) against the machine's PostgreSQL
(127.0.0.1:5432, user postgres, trust authentication), with the script's DATABASE_URL mode:
a database migrated and loaded with the demo is backed up, restored into a new empty database,
and the two are compared table by table; failed and refused restores change nothing.

The docker compose mode is run with a stand-in `docker` on PATH that records what it is asked
and runs the same pg_dump or pg_restore on this machine: it checks the commands the script
gives docker compose, not docker itself.

Without pg_dump, pg_restore or a reachable PostgreSQL these tests skip, except under CI
(CI=true) or MOTMAP_REQUIRE_POSTGRES=1, where they fail. They use no pytest-django database:
every database here is made for this module (names start motmap_bk_) and dropped at its end.
The demo database is migrated and loaded once (about 20 seconds), for all of pytest-xdist's
workers together.
"""

import fcntl
import json
import os
import pty
import re
import secrets
import shutil
import stat
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg2
import pytest
from psycopg2 import sql

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "deploy" / "pgbackup.sh"
HOST, PORT, USER = "127.0.0.1", 5432, "postgres"
# Sent in every DATABASE_URL: trust authentication ignores it, and it must never be printed.
PASSWORD = "Pw-" + secrets.token_hex(8)
DEMO_ORGANISATION = "Nordic Air"
DEMO_LOGIN, DEMO_PASSWORD = "alice@nordic-air.example", "motmap-demo"
DUMP_NAME = re.compile(r"motmap-\d{8}-\d{6}\.dump")
# The environment the script and manage.py must not inherit from the shell running the tests.
NOT_INHERITED = (
    "DATABASE_URL",
    "DATABASE_URL_FILE",
    "BACKUP_MODE",
    "BACKUP_DIR",
    "CONFIRM",
    "POSTGRES_SERVICE",
    "POSTGRES_USER",
    "POSTGRES_DB",
    "CELERY_BROKER_URL",
    "CACHE_URL",
    "EMAIL_URL",
    "DEBUG",
)


def _required(message):
    if os.environ.get("CI") or os.environ.get("MOTMAP_REQUIRE_POSTGRES"):
        pytest.fail(message)
    pytest.skip(message)


def _url(database, password=PASSWORD):
    return f"postgres://{USER}:{password}@{HOST}:{PORT}/{database}"


@contextmanager
def _cursor(database):
    with closing(psycopg2.connect(host=HOST, port=PORT, user=USER, dbname=database)) as conn:
        conn.autocommit = True
        with conn.cursor() as cursor:
            yield cursor


def _environment(**values):
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in NOT_INHERITED and not name.startswith("PG")
    }
    env.update({name: str(value) for name, value in values.items()})
    return env


def _script(*args, env, stdin=subprocess.DEVNULL, timeout=120):
    return subprocess.run(
        ["bash", str(SCRIPT), *args],
        env=env,
        stdin=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )


def _manage(database, var_dir, *args):
    env = _environment(
        DATABASE_URL=_url(database),
        SECRET_KEY=secrets.token_urlsafe(50),
        VAR_DIR=var_dir,
        LOG_FORMAT="text",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)}:\n{result.stdout}{result.stderr}"
    return result.stdout


def _fingerprint(database):
    """Every table's row count and a digest of its rows, every sequence's position, every index
    and constraint: equal fingerprints are equal databases, as far as motmap can tell."""
    out = {}
    with _cursor(database) as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
        for (table,) in cursor.fetchall():
            cursor.execute(
                sql.SQL(
                    "SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text),"
                    " '')) FROM {} AS t"
                ).format(sql.Identifier(table))
            )
            out[f"table {table}"] = cursor.fetchone()
        cursor.execute(
            "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'"
        )
        out.update({f"sequence {name}": value for name, value in cursor.fetchall()})
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'")
        out.update({f"index {name}": definition for name, definition in cursor.fetchall()})
        cursor.execute(
            "SELECT conrelid::regclass::text || ' ' || conname, pg_get_constraintdef(oid)"
            " FROM pg_constraint WHERE connamespace = 'public'::regnamespace"
        )
        out.update({f"constraint {name}": definition for name, definition in cursor.fetchall()})
    return out


def _tables(fingerprint):
    return {key for key in fingerprint if key.startswith("table ")}


def _demo_counts(database):
    with _cursor(database) as cursor:
        cursor.execute(
            """
            SELECT
                (SELECT count(*) FROM journeys_journey WHERE organisation_id = o.id),
                (SELECT count(*) FROM journeys_stage s
                    JOIN journeys_journey j ON j.id = s.journey_id WHERE j.organisation_id = o.id),
                (SELECT count(*) FROM touchpoints_touchpoint WHERE organisation_id = o.id),
                (SELECT count(*) FROM ideas_idea WHERE organisation_id = o.id),
                (SELECT count(*) FROM motmap_membership WHERE organisation_id = o.id)
            FROM motmap_organisation o WHERE o.name = %s
            """,
            [DEMO_ORGANISATION],
        )
        rows = cursor.fetchall()
    assert len(rows) == 1, f"{DEMO_ORGANISATION} is not in {database}"
    return dict(
        zip(("journeys", "stages", "touchpoints", "ideas", "members"), rows[0], strict=True)
    )


# -- the databases -------------------------------------------------------------------------------


class Server:
    """Makes databases named motmap_bk_<label>_<random> and drops them all at the end."""

    def __init__(self):
        self.created = []

    def create(self, label, template=None):
        name = f"motmap_bk_{label}_{secrets.token_hex(4)}"
        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template:
            statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
        with _cursor("postgres") as cursor:
            cursor.execute(statement)
        self.created.append(name)
        return name

    def drop(self, name):
        with _cursor("postgres") as cursor:
            cursor.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )

    def drop_all(self):
        # Every DROP DATABASE waits for a checkpoint; side by side, they wait for the same one.
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(self.drop, self.created))


@pytest.fixture(scope="module")
def server():
    for tool in ("bash", "pg_dump", "pg_restore"):
        if not shutil.which(tool):
            _required(f"no {tool} on PATH: install PostgreSQL's clients (postgresql-client)")
    try:
        with _cursor("postgres") as cursor:
            cursor.execute("SELECT 1")
    except psycopg2.OperationalError as error:
        _required(f"PostgreSQL is not reachable on {HOST}:{PORT} as {USER}: {error}".strip())
    made = Server()
    yield made
    made.drop_all()


@dataclass
class World:
    source: str
    restored: str
    dump: Path
    backup_dir: Path
    backup: subprocess.CompletedProcess
    restore: subprocess.CompletedProcess
    source_fingerprint: dict


@contextmanager
def _shared_between_workers(tmp_path_factory):
    """A lock held across pytest-xdist's workers (one folder is shared by all of them), and the
    file under it, whose text the holder may read and replace."""
    folder = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        folder = folder.parent
    with open(folder / "motmap_bk_demo.lock", "a+") as file:
        fcntl.flock(file, fcntl.LOCK_EX)
        try:
            file.seek(0)
            yield file
        finally:
            fcntl.flock(file, fcntl.LOCK_UN)


def _replace(file, text):
    file.seek(0)
    file.truncate()
    file.write(text)
    file.flush()


@pytest.fixture(scope="module")
def source(server, tmp_path_factory):
    """A database migrated and loaded with the demo by manage.py, this worker's own.

    Migrating and loading take about 20 seconds. tests/conftest.py runs this module whole in
    one worker (WHOLE_MODULES); should its tests ever be spread over several, the first worker
    makes the demo database and each one takes a copy of it (CREATE DATABASE ... TEMPLATE),
    under a lock, since a template may have no other connection while it is copied. The worker
    that made it withdraws it when its own tests are done (and drops it with its other
    databases); a worker that comes later makes another."""
    made = None
    with _shared_between_workers(tmp_path_factory) as shared:
        demo = shared.read().strip()
        with _cursor("postgres") as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [demo])
            exists = cursor.fetchone() is not None
        if not exists:
            var_dir = tmp_path_factory.mktemp("var")
            demo = made = server.create("demo")
            _manage(demo, var_dir, "migrate", "--noinput")
            _manage(demo, var_dir, "seed_demo")
            _replace(shared, demo)
        copy = server.create("src", template=demo)
    yield copy
    if made:
        with _shared_between_workers(tmp_path_factory) as shared:
            _replace(shared, "")


@pytest.fixture(scope="module")
def world(server, source, tmp_path_factory):
    """The demo database backed up with the script and restored into a new empty one."""
    backup_dir = tmp_path_factory.mktemp("backups") / "nightly"
    backup = _script("backup", env=_environment(DATABASE_URL=_url(source), BACKUP_DIR=backup_dir))
    assert backup.returncode == 0, backup.stderr
    (dump,) = backup_dir.iterdir()

    restored = server.create("restored")
    restore = _script(
        "restore", str(dump), env=_environment(DATABASE_URL=_url(restored), CONFIRM="yes")
    )
    assert restore.returncode == 0, restore.stderr
    return World(source, restored, dump, backup_dir, backup, restore, _fingerprint(source))


def _changed_copy(server, world):
    """A copy of the source changed since the backup (a restore would undo the change); and its
    fingerprint."""
    name = server.create("target", template=world.source)
    with _cursor(name) as cursor:
        cursor.execute("UPDATE motmap_organisation SET name = 'Changed since the backup'")
        cursor.execute("DELETE FROM ideas_vote")
    return name, _fingerprint(name)


@pytest.fixture
def target(server, world):
    """A database for one test to restore into: see _changed_copy."""
    return _changed_copy(server, world)


@pytest.fixture(scope="module")
def untouched(server, world):
    """A database that the tests of restores refused or failed share: see _changed_copy. Each
    checks that it is exactly as it was."""
    return _changed_copy(server, world)


def _restore_env(database, **values):
    return _environment(DATABASE_URL=_url(database), **values)


# -- backup ----------------------------------------------------------------------------------------


def test_backup_writes_a_private_custom_format_file_and_prints_its_path_and_size(world):
    assert DUMP_NAME.fullmatch(world.dump.name), world.dump.name
    assert world.dump.read_bytes().startswith(b"PGDMP")
    size = world.dump.stat().st_size
    assert f"Backup written: {world.dump} (" in world.backup.stdout
    assert f", {size} bytes)" in world.backup.stdout
    assert stat.S_IMODE(world.dump.stat().st_mode) == 0o600
    assert stat.S_IMODE(world.backup_dir.stat().st_mode) == 0o700
    assert list(world.backup_dir.iterdir()) == [world.dump], "no partial file is left"
    assert world.source in world.backup.stderr, "says which database it backs up"


def test_the_password_is_never_printed(world):
    for result in (world.backup, world.restore):
        assert PASSWORD not in result.stdout + result.stderr


def test_the_backup_is_a_custom_format_archive_of_the_schema_and_the_data(world):
    listing = subprocess.run(
        ["pg_restore", "--list", str(world.dump)], capture_output=True, text=True, timeout=60
    )
    assert listing.returncode == 0, listing.stderr
    assert "Format: CUSTOM" in listing.stdout
    assert "TABLE public touchpoints_touchpoint" in listing.stdout
    assert "TABLE DATA public touchpoints_touchpoint" in listing.stdout


def test_a_backup_never_overwrites_a_file(world):
    result = _script("backup", str(world.dump), env=_restore_env(world.source))
    assert result.returncode != 0
    assert "already exists" in result.stderr
    assert world.dump.read_bytes().startswith(b"PGDMP")


def test_a_failed_backup_leaves_no_file(server, tmp_path):
    into = tmp_path / "failed.dump"
    missing = f"motmap_bk_missing_{secrets.token_hex(4)}"
    result = _script("backup", str(into), env=_environment(DATABASE_URL=_url(missing)))
    assert result.returncode != 0
    assert "no backup written" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_the_database_url_may_come_from_a_file(world, tmp_path):
    url_file = tmp_path / "database_url"
    url_file.write_text(_url(world.source) + "\n")
    into = tmp_path / "from-file.dump"
    result = _script("backup", str(into), env=_environment(DATABASE_URL_FILE=url_file))
    assert result.returncode == 0, result.stderr
    assert into.read_bytes().startswith(b"PGDMP")

    both = _script(
        "backup", env=_environment(DATABASE_URL_FILE=url_file, DATABASE_URL=_url(world.source))
    )
    assert both.returncode != 0
    assert "both DATABASE_URL and DATABASE_URL_FILE" in both.stderr


def test_a_database_url_that_is_not_postgresql_is_refused(tmp_path):
    result = _script(
        "backup", str(tmp_path / "x.dump"), env=_environment(DATABASE_URL="sqlite:///db.sqlite3")
    )
    assert result.returncode != 0
    assert "only a PostgreSQL database" in result.stderr
    assert list(tmp_path.iterdir()) == []


# -- restore ---------------------------------------------------------------------------------------


def test_the_restored_database_is_the_source_table_by_table(world):
    restored = _fingerprint(world.restored)
    assert len(_tables(restored)) > 40
    assert restored == world.source_fingerprint
    assert "Restored" in world.restore.stderr


def test_the_demo_is_in_the_restored_database(world):
    counts = _demo_counts(world.restored)
    assert counts == _demo_counts(world.source)
    assert all(counts.values()), counts


def test_alice_logs_in_with_the_demo_password_after_a_restore(server, world, tmp_path):
    copy = server.create("login", template=world.restored)  # logins write: into a copy
    _manage(copy, tmp_path, "migrate", "--check")  # nothing left to migrate
    code = textwrap.dedent(
        f"""
        from django.contrib.auth import authenticate
        from django.test import RequestFactory
        for password in ({DEMO_PASSWORD!r}, "not-the-password"):
            request = RequestFactory().post("/accounts/login/", REMOTE_ADDR="192.0.2.1")
            user = authenticate(request, username={DEMO_LOGIN!r}, password=password)
            print(password, "->", user.email if user else None)
        """
    )
    out = _manage(copy, tmp_path, "shell", "-c", code)
    assert f"{DEMO_PASSWORD} -> {DEMO_LOGIN}" in out
    assert "not-the-password -> None" in out


def test_restore_replaces_a_changed_database_with_the_backup(target, world):
    name, changed = target
    assert changed != world.source_fingerprint
    with _cursor(name) as cursor:
        cursor.execute("CREATE TABLE public.motmap_bk_unrelated (id int)")
    result = _script("restore", str(world.dump), env=_restore_env(name, CONFIRM="yes"))
    assert result.returncode == 0, result.stderr
    after = _fingerprint(name)
    after.pop("table motmap_bk_unrelated")  # not in the backup: --clean drops only what it has
    assert after == world.source_fingerprint


@pytest.mark.parametrize("args", [(), ("",)], ids=["no-argument", "empty"])
def test_restore_without_a_file_fails_with_a_message_and_changes_nothing(untouched, args):
    name, before = untouched
    result = _script("restore", *args, env=_restore_env(name, CONFIRM="yes"))
    assert result.returncode != 0
    assert "restore needs the backup to restore" in result.stderr
    assert _fingerprint(name) == before


def test_restore_of_a_missing_or_unreadable_file_fails_and_changes_nothing(untouched, tmp_path):
    name, before = untouched
    not_a_dump = tmp_path / "notes.txt"
    not_a_dump.write_text("not a backup\n")
    for path, message in [
        (tmp_path / "missing.dump", "no such backup"),
        (tmp_path, "cannot read the backup"),
        (not_a_dump, "is not a backup made by pg_dump"),
    ]:
        result = _script("restore", str(path), env=_restore_env(name, CONFIRM="yes"))
        assert result.returncode != 0, path
        assert message in result.stderr, result.stderr
    assert _fingerprint(name) == before


def test_restore_without_confirmation_refuses(untouched, world):
    name, before = untouched
    for confirm in ({}, {"CONFIRM": "no"}, {"CONFIRM": "YES please"}):
        result = _script("restore", str(world.dump), env=_restore_env(name, **confirm))
        assert result.returncode != 0, confirm
        assert "not restored" in result.stderr
        assert "CONFIRM=yes" in result.stderr
    assert _fingerprint(name) == before


def _in_a_terminal(args, env, answer):
    """Runs the script with a terminal as its stdin and types the answer into it."""
    controller, terminal = pty.openpty()
    try:
        os.write(controller, answer.encode() + b"\n")
        return _script(*args, env=env, stdin=terminal)
    finally:
        os.close(terminal)
        os.close(controller)


def test_restore_in_a_terminal_asks_and_only_yes_restores(target, world):
    name, changed = target
    args = ("restore", str(world.dump))

    refused = _in_a_terminal(args, _restore_env(name), "no")
    assert refused.returncode != 0
    assert "Type yes to restore" in refused.stderr
    assert "the answer was not yes" in refused.stderr
    assert _fingerprint(name) == changed

    accepted = _in_a_terminal(args, _restore_env(name), "yes")
    assert accepted.returncode == 0, accepted.stderr
    assert _fingerprint(name) == world.source_fingerprint


def test_a_truncated_backup_fails_and_leaves_the_database_as_it_was(
    server, untouched, world, tmp_path
):
    name, before = untouched
    truncated = tmp_path / "truncated.dump"
    data = world.dump.read_bytes()
    truncated.write_bytes(data[: len(data) * 6 // 10])
    # Its table of contents is whole: the restore starts, drops and creates, then runs out.
    listing = subprocess.run(
        ["pg_restore", "--list", str(truncated)], capture_output=True, text=True, timeout=60
    )
    assert listing.returncode == 0, listing.stderr

    result = _script("restore", str(truncated), env=_restore_env(name, CONFIRM="yes"))
    assert result.returncode != 0
    assert "pg_restore failed" in result.stderr
    assert "nothing was changed" in result.stderr
    assert _fingerprint(name) == before

    # Into an empty database: without one transaction its tables would be left half made.
    empty = server.create("empty")
    result = _script("restore", str(truncated), env=_restore_env(empty, CONFIRM="yes"))
    assert result.returncode != 0
    assert _fingerprint(empty) == {}


# -- make --------------------------------------------------------------------------------------


def test_make_backup_and_make_restore_call_the_script(server, world, tmp_path):
    if not shutil.which("make"):
        pytest.skip("no make on PATH")
    into = tmp_path / "by-make.dump"
    env = _environment(DATABASE_URL=_url(world.source), MAKEFLAGS="")
    made = subprocess.run(
        ["make", "--no-print-directory", "backup", f"FILE={into}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert made.returncode == 0, made.stderr
    assert f"Backup written: {into}" in made.stdout

    empty = server.create("make")
    env = _environment(DATABASE_URL=_url(empty), MAKEFLAGS="")
    without_file = subprocess.run(
        ["make", "--no-print-directory", "restore", "CONFIRM=yes"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert without_file.returncode != 0
    assert "restore needs the backup to restore" in without_file.stderr
    restored = subprocess.run(
        ["make", "--no-print-directory", "restore", f"FILE={into}", "CONFIRM=yes"],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert restored.returncode == 0, restored.stderr
    assert _fingerprint(empty) == world.source_fingerprint


# -- docker compose mode ---------------------------------------------------------------------------

STAND_IN_DOCKER = """\
#!{python}
# A stand-in for docker: records each call, answers `compose version`, and runs the command
# given to `compose exec -T postgres` here, against the database named in the environment.
import json, os, sys
args = sys.argv[1:]
with open(os.environ["STAND_IN_LOG"], "a") as log:
    log.write(json.dumps({{"args": args, "cwd": os.getcwd()}}) + "\\n")
if args == ["compose", "version"]:
    sys.exit(0 if os.environ.get("STAND_IN_HAS_COMPOSE") else 1)
tool, rest = args[4], args[5:]
assert rest[:4] == ["-U", "motmap", "-d", "motmap"], rest
database = os.environ["STAND_IN_DATABASE"]
os.execvp(tool, [tool, "-h", "{host}", "-p", "{port}", "-U", "{user}", "-d", database, *rest[4:]])
"""


@pytest.fixture
def stand_in_docker(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    docker = bin_dir / "docker"
    docker.write_text(
        STAND_IN_DOCKER.format(python=sys.executable, host=HOST, port=PORT, user=USER)
    )
    docker.chmod(0o755)
    log = tmp_path / "docker-calls.jsonl"

    def env(database="", has_compose=True, **values):
        return _environment(
            PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
            STAND_IN_LOG=log,
            STAND_IN_DATABASE=database,
            **({"STAND_IN_HAS_COMPOSE": "1"} if has_compose else {}),
            **values,
        )

    def calls():
        lines = log.read_text().splitlines() if log.exists() else []
        log.unlink(missing_ok=True)
        return [json.loads(line) for line in lines]

    return env, calls


def test_compose_mode_streams_through_docker_compose_exec_in_the_postgres_service(
    server, world, stand_in_docker, tmp_path
):
    env, calls = stand_in_docker
    into = tmp_path / "compose.dump"
    backup = _script("backup", str(into), env=env(world.source))
    assert backup.returncode == 0, backup.stderr
    assert "docker compose service postgres" in backup.stderr
    assert into.read_bytes().startswith(b"PGDMP")
    exec_calls = [call for call in calls() if call["args"][:2] == ["compose", "exec"]]
    assert [call["args"] for call in exec_calls] == [
        ["compose", "exec", "-T", "postgres", "pg_dump", "-U", "motmap", "-d", "motmap"]
        + ["--format=custom", "--no-owner"]
    ]
    assert exec_calls[0]["cwd"] == str(ROOT), "docker compose runs beside docker-compose.yml"

    empty = server.create("compose")
    restore = _script("restore", str(into), env=env(empty, CONFIRM="yes"))
    assert restore.returncode == 0, restore.stderr
    exec_calls = [call for call in calls() if call["args"][:2] == ["compose", "exec"]]
    assert [call["args"] for call in exec_calls] == [
        ["compose", "exec", "-T", "postgres", "pg_restore", "-U", "motmap", "-d", "motmap"]
        + ["--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction"]
    ]
    assert _fingerprint(empty) == world.source_fingerprint


def test_compose_mode_without_docker_compose_says_what_to_do(stand_in_docker, tmp_path):
    env, _ = stand_in_docker
    result = _script("backup", str(tmp_path / "x.dump"), env=env(has_compose=False))
    assert result.returncode != 0
    assert "docker compose is not available" in result.stderr
    assert "DATABASE_URL" in result.stderr
    assert not (tmp_path / "x.dump").exists()


def test_backup_mode_compose_wins_over_database_url(world, stand_in_docker, tmp_path):
    env, calls = stand_in_docker
    missing = f"motmap_bk_missing_{secrets.token_hex(4)}"
    into = tmp_path / "forced.dump"
    result = _script(
        "backup",
        str(into),
        env=env(world.source, BACKUP_MODE="compose", DATABASE_URL=_url(missing)),
    )
    assert result.returncode == 0, result.stderr
    assert any(call["args"][:2] == ["compose", "exec"] for call in calls())
