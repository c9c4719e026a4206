"""Settings of the gunicorn that the public POST table starts (bench/feedback.py): the project's
own, every value from the environment as usual, with the URLs of bench/urls.py."""

from motmap.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
