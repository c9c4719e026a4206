"""Settings of the Celery worker that `make load SCENARIO=worker-kill` kills (bench/load.py): the
project's own, every value from the environment as usual, with a file email backend whose mail
server is slow to answer (bench/loadmail.py)."""

from motmap.settings import *  # noqa: F403

EMAIL_BACKEND = "bench.loadmail.SlowAnswerFileBackend"
