# motmap: the commands a new user types. Only Python 3.11+ is needed; everything else installs itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000
# The address served, for settings.HOST and PORT: without SITE_URL, links in emails, the calendar
# address and QR codes point at http://$(HOST):$(PORT); a webhook back to this server is refused.
export HOST PORT
# A development SECRET_KEY of this checkout's own, made once (settings read it when no
# SECRET_KEY is set). Production sets SECRET_KEY or SECRET_KEY_FILE instead.
DEV_KEY := $(or $(VAR_DIR),var)/secret_key
# Where collectstatic puts the static files (settings.STATIC_ROOT). whitenoise warns at start
# when it does not exist, so the targets that serve or test make it (empty is fine: the files
# are found where they are in development).
STATIC_DIR := $(or $(STATIC_ROOT),staticfiles)

.PHONY: run test e2e bench load lint format ci install migrate demo clean backup restore

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("motmap needs Python 3.11 or newer" if sys.version_info < (3, 11) else 0)'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

$(DEV_KEY):
	@mkdir -p $(dir $(DEV_KEY))
	@umask 077 && $(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))' > $(DEV_KEY)
	@echo "Wrote a development SECRET_KEY to $(DEV_KEY)."

install: $(STAMP) $(DEV_KEY)

migrate: install
	@mkdir -p var
	$(MANAGE) migrate --noinput

demo: migrate
	$(MANAGE) seed_demo

## make run: set up, load the demo, serve on http://127.0.0.1:8000 with a Celery worker + beat.
# Log lines a person reads (production writes JSON: LOG_FORMAT in .env.example).
run: export LOG_FORMAT ?= text
run: demo
	@mkdir -p $(STATIC_DIR)
	@echo ""
	@echo "  motmap is starting on http://$(HOST):$(PORT)/"
	@echo "  Emails are printed below by the worker unless EMAIL_URL is set. Ctrl-C stops everything."
	@echo ""
	@trap 'kill 0' INT TERM; \
	$(BIN)/celery -A motmap worker --beat --pool=solo --loglevel=INFO \
		--schedule var/celerybeat-schedule & \
	$(MANAGE) runserver $(HOST):$(PORT) --noreload & \
	wait

## make test: the whole suite (browser tests skip with a reason when no Chromium is found).
test: install
	@mkdir -p var $(STATIC_DIR)
	$(BIN)/python -m pytest

e2e: install
	$(BIN)/python -m pytest tests/e2e

bench: install
	$(BIN)/python -m bench

## make load: 50 people for 60 s against gunicorn, a Celery worker and beat on a fresh database
## (bench/load.py); SCENARIO=postgres-restart|redis-down|worker-kill, USERS=, DURATION=, OUTAGE=.
load: install
	$(BIN)/python -m bench.load $(if $(SCENARIO),--scenario $(SCENARIO)) \
		$(if $(USERS),--users $(USERS)) $(if $(DURATION),--duration $(DURATION)) \
		$(if $(OUTAGE),--outage $(OUTAGE))

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(MANAGE) makemigrations --check --dry-run

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

ci:
	bash .ci/run

clean:
	rm -rf $(VENV) var staticfiles

## make backup: dump the PostgreSQL database (docker compose's, or DATABASE_URL's) to backups/.
backup:
	@bash deploy/pgbackup.sh backup "$(FILE)"

## make restore FILE=backups/motmap-....dump: replace the database with that backup (asks first).
restore:
	@bash deploy/pgbackup.sh restore "$(FILE)"
