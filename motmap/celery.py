"""The Celery app. The static beat schedule lives in settings (CELERY_BEAT_SCHEDULE)."""

import os
from pathlib import Path

from celery import Celery

from motmap import logs

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motmap.settings")

app = Celery("motmap")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# A task queued during a request logs with that request's id (motmap.logs).
logs.connect_celery()

FILESYSTEM_BROKER_FOLDERS = (
    "data_folder_in",
    "data_folder_out",
    "processed_folder",
    "control_folder",
)


@app.on_after_configure.connect
def make_filesystem_broker_folders(sender, source, **kwargs):
    """kombu's filesystem broker (development: no CELERY_BROKER_URL) reads and writes folders it
    does not make. They are made when the app is configured, i.e. when a process first uses
    Celery (the worker and beat at start, a web process before it queues a task), not when
    settings are imported."""
    if not str(source.broker_url or "").startswith("filesystem://"):
        return
    options = source.broker_transport_options or {}
    for key in FILESYSTEM_BROKER_FOLDERS:
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)
