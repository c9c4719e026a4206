"""SITE_URL (links in emails, the calendar address, QR codes) follows the server `make run` starts.

Found by hand: `PORT=8101 make run` served on 8101 but every email link and QR code pointed at
http://127.0.0.1:8000, where nothing answered.
"""

import json
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRINT_SETTINGS = (
    "import json, runpy; s = runpy.run_path('motmap/settings.py'); "
    "print(json.dumps({'SITE_URL': s['SITE_URL'], 'PORT': s['PORT']}))"
)


def _env(tmp_path, **values):
    """Only what a process needs, none of this test run's settings, plus `values`."""
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "TMPDIR") if key in os.environ}
    env.update(
        {
            "SECRET_KEY": secrets.token_urlsafe(50),
            "VAR_DIR": str(tmp_path / "var"),
            "CELERY_BROKER_URL": "memory://",
        }
    )
    env.update(values)
    return env


def _settings(tmp_path, **values):
    result = subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        cwd=ROOT,
        env=_env(tmp_path, **values),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_without_anything_set_it_is_the_development_address(tmp_path):
    assert _settings(tmp_path)["SITE_URL"] == "http://127.0.0.1:8000"


def test_it_follows_the_host_and_port_served(tmp_path):
    assert _settings(tmp_path, PORT="8101")["SITE_URL"] == "http://127.0.0.1:8101"
    assert _settings(tmp_path, HOST="localhost", PORT="8101")["SITE_URL"] == (
        "http://localhost:8101"
    )


@pytest.mark.parametrize(
    "host,site_url",
    [
        ("0.0.0.0", "http://127.0.0.1:8102"),  # noqa: S104 (what runserver is told to bind)
        ("::", "http://127.0.0.1:8102"),
        ("::1", "http://[::1]:8102"),
    ],
)
def test_every_interface_links_to_this_machine_and_ipv6_is_bracketed(tmp_path, host, site_url):
    assert _settings(tmp_path, HOST=host, PORT="8102")["SITE_URL"] == site_url


def test_an_explicit_site_url_wins(tmp_path):
    loaded = _settings(
        tmp_path,
        DEBUG="false",
        SITE_URL="https://motmap.example.com/",
        HOST="0.0.0.0",  # noqa: S104 (what runserver is told to bind)
        PORT="8000",
    )
    assert loaded["SITE_URL"] == "https://motmap.example.com"


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_passes_the_port_it_serves_to_the_settings(tmp_path):
    """What `PORT=8101 make run` starts sees SITE_URL http://127.0.0.1:8101 (no SITE_URL set)."""
    rule = f'_print_site_url: ; @{sys.executable} -c "{PRINT_SETTINGS}"'
    result = subprocess.run(
        ["make", "--no-print-directory", "-s", f"--eval={rule}", "_print_site_url"],
        cwd=ROOT,
        env=_env(tmp_path, PORT="8101"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded == {"SITE_URL": "http://127.0.0.1:8101", "PORT": 8101}
