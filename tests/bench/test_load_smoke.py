"""`make load` in a few seconds (bench/load.py): a handful of people for a few seconds against
the real processes (gunicorn, a Celery worker and beat) on a database of the run's own, then its
checks: every idea, vote, answer and comment answered with success stored exactly once, none
that failed stored, no 5xx, every email sent once.

Only with Redis and PostgreSQL, as CI has them (CELERY_BROKER_URL=redis://...,
DATABASE_URL=postgres://...); the load uses their servers (its own database, Redis database 14).
"""

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.realworker import REQUIRES_REAL_BROKER

ROOT = Path(__file__).resolve().parents[2]
DATABASE_URL = os.environ.get("DATABASE_URL", "")

pytestmark = [
    *REQUIRES_REAL_BROKER,
    pytest.mark.skipif(
        not DATABASE_URL.startswith(("postgres://", "postgresql://")),
        reason="needs PostgreSQL: set DATABASE_URL=postgres://... (CI does)",
    ),
]


def _server(url, scheme, default_port, path=""):
    parts = urlsplit(url)
    user = f"{parts.username}@" if parts.username else ""
    return f"{scheme}://{user}{parts.hostname or '127.0.0.1'}:{parts.port or default_port}{path}"


def test_a_short_load_stores_everything_once(tmp_path):
    summary_path = tmp_path / "load.json"
    command = [
        sys.executable,
        "-m",
        "bench.load",
        "--users",
        "5",
        "--duration",
        "6",
        "--think",
        "0.3",
        "--web-workers",
        "2",
        "--pdf-share",
        "0",
        "--without-stored-packs",
        "--postgres",
        _server(DATABASE_URL, "postgres", 5432),
        "--redis",
        _server(os.environ["CELERY_BROKER_URL"], "redis", 6379, "/14"),
        "--json",
        str(summary_path),
    ]
    result = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=240, check=False
    )
    output = result.stdout[-6000:] + result.stderr[-3000:]
    assert result.returncode == 0, output
    summary = json.loads(summary_path.read_text())
    assert summary["ok"], output
    for what in ("idea", "vote", "answer", "details"):
        figures = summary["submissions"][what]
        assert figures["success"] >= 1, (what, figures)
        assert figures["success stored once"] == figures["success"], (what, figures)
    pages = {row["page"]: row for row in summary["pages"]}
    assert pages["all"]["5xx"] == 0 and pages["all"]["no answer"] == 0, pages["all"]
    assert summary["emails"]["sent once"] == summary["emails"]["rows"] > 0, summary["emails"]
