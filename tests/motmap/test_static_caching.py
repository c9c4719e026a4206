"""Static files as the image serves them (STATICFILES_STORAGE of the Dockerfile, collected):
hashed names, cached for ever, compressed; the unhashed name is cached briefly."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

APP = """
import django, json
django.setup()
from django.core.management import call_command
from django.templatetags.static import static
# Our own files only: compressing the admin's and the API docs' bundles takes most of the time.
call_command(
    "collectstatic",
    interactive=False,
    verbosity=0,
    ignore_patterns=["admin", "rest_framework", "drf_spectacular_sidecar", "django_filters"],
)
from django.test import Client
client = Client()
hashed = static("css/screen.css")
answers = {}
for name, url in (("hashed", hashed), ("plain", "/static/css/screen.css")):
    answer = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    answers[name] = {
        "url": url,
        "status": answer.status_code,
        "cache": answer.get("Cache-Control", ""),
        "encoding": answer.get("Content-Encoding", ""),
    }
print(json.dumps(answers))
"""


def test_collected_static_files_have_hashed_names_and_are_cached_for_ever(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "motmap.settings",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "testserver",
        "STATIC_ROOT": str(tmp_path / "static"),
        "STATICFILES_STORAGE": "whitenoise.storage.CompressedManifestStaticFilesStorage",
        "CELERY_BROKER_URL": "memory://",
    }
    done = subprocess.run(
        [sys.executable, "-c", APP], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    answers = json.loads(done.stdout.splitlines()[-1])
    hashed, plain = answers["hashed"], answers["plain"]
    assert hashed["url"] != "/static/css/screen.css", "a name with the content's hash"
    assert hashed["status"] == 200
    assert "immutable" in hashed["cache"] and "max-age=315360000" in hashed["cache"]
    assert hashed["encoding"] == "gzip"
    assert plain["status"] == 200
    assert "immutable" not in plain["cache"]
