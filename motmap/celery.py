"""The Celery app. The static beat schedule lives in settings (CELERY_BEAT_SCHEDULE)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motmap.settings")

app = Celery("motmap")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
