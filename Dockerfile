# motmap: one image for web (gunicorn), worker and beat (Celery). See docker-compose.yml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DEBUG=false \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/app/var/media \
    STATICFILES_STORAGE=whitenoise.storage.CompressedManifestStaticFilesStorage

# Shared libraries WeasyPrint loads at run time (PDF review pack) and a font for it.
# psycopg2-binary ships its own libpq, so PostgreSQL needs nothing extra.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, in their own layer (rebuilt only when pyproject.toml changes).
# pyproject.toml declares `packages = []`, so installing the project installs its
# dependencies plus an empty "motmap" distribution; the code itself runs from /app.
COPY pyproject.toml /tmp/motmap-build/pyproject.toml
RUN pip install /tmp/motmap-build && rm -rf /tmp/motmap-build

# Only what the app needs at run time (no .venv, .env, db.sqlite3 or var/ from the host).
COPY manage.py ./
COPY motmap ./motmap
COPY journeys ./journeys
COPY touchpoints ./touchpoints
COPY ideas ./ideas
COPY feedback ./feedback
COPY reviews ./reviews
COPY notifications ./notifications
COPY packs ./packs
COPY exports ./exports
COPY api ./api
COPY webhooks ./webhooks
COPY pages ./pages
COPY demo ./demo
COPY templates ./templates
COPY static ./static
COPY locale ./locale

# Static files are collected into the image and served by whitenoise. The secret is a
# throw-away for this step only. Settings create no folders when imported; motmap/celery.py
# makes the filesystem broker's folders under var/ when a process first uses Celery, and the
# memory broker makes sure this step never does.
RUN SECRET_KEY=collectstatic-only-not-a-secret CELERY_BROKER_URL=memory:// \
    python manage.py collectstatic --noinput

# Run as an unprivileged user; var/ (media uploads, filesystem broker) is theirs to write.
RUN useradd --system --uid 10001 --user-group --create-home --home-dir /home/motmap motmap \
    && mkdir -p /app/var/media \
    && chown -R motmap:motmap /app/var
USER motmap

EXPOSE 8000

# gunicorn's settings (workers from the CPU count, JSON logs, port 8000): motmap/gunicorn.conf.py.
CMD ["gunicorn", "-c", "motmap/gunicorn.conf.py", "motmap.wsgi:application"]
