"""Importing the settings changes nothing on disk: the filesystem broker's folders are made when
the Celery app is configured, the static root by the make targets that serve or test."""

import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BROKER_FOLDERS = ["control", "processed", "queue"]


def _env(tmp_path, **values):
    """Only what a process needs, none of this test run's settings (the filesystem broker, the
    default), everything the settings may write under tmp_path, plus `values`."""
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "TMPDIR") if key in os.environ}
    env.update(
        {
            "SECRET_KEY": secrets.token_urlsafe(50),
            "VAR_DIR": str(tmp_path / "var"),
            "STATIC_ROOT": str(tmp_path / "static"),
            "MEDIA_ROOT": str(tmp_path / "media"),
            "DJANGO_SETTINGS_MODULE": "motmap.settings",
        }
    )
    env.update(values)
    return env


def _run(tmp_path, code, **values):
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=_env(tmp_path, **values),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_importing_the_settings_makes_no_directory(tmp_path):
    _run(
        tmp_path, "import django; django.setup(); from django.conf import settings; settings.DEBUG"
    )
    assert list(tmp_path.iterdir()) == []


def test_the_worker_makes_the_filesystem_broker_folders_when_it_configures_celery(tmp_path):
    _run(
        tmp_path,
        "import django; django.setup(); from motmap.celery import app; app.conf.broker_url",
    )
    assert sorted(p.name for p in (tmp_path / "var" / "broker").iterdir()) == BROKER_FOLDERS


def test_a_task_queued_on_a_fresh_checkout_reaches_the_filesystem_broker(tmp_path):
    _run(
        tmp_path,
        "import django; django.setup(); from motmap.tasks import flush_outbox; "
        "flush_outbox.apply_async(retry=False)",
    )
    assert len(list((tmp_path / "var" / "broker" / "queue").iterdir())) == 1


def test_no_broker_folder_with_another_broker(tmp_path):
    _run(
        tmp_path,
        "import django; django.setup(); from motmap.celery import app; app.conf.broker_url",
        CELERY_BROKER_URL="memory://",
    )
    assert not (tmp_path / "var").exists()


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
@pytest.mark.parametrize("target", ["run", "test"])
def test_the_make_targets_that_serve_or_test_make_the_static_root(tmp_path, target):
    """whitenoise warns at start when STATIC_ROOT is missing: `make run` and `make test` make it
    (settings no longer do)."""
    result = subprocess.run(
        ["make", "--no-print-directory", "-n", target],
        cwd=ROOT,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    static = re.escape(str(tmp_path / "static"))
    assert re.search(rf"^mkdir -p (\S+ )*{static}$", result.stdout, re.M), result.stdout
