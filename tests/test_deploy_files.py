"""The deployment files (Dockerfile, docker-compose.yml, .env.example) agree with the project.

No Docker needed: the files are parsed and every name they use is looked up in the code.
"""

import importlib
import json
import re
import runpy
import shlex
from pathlib import Path
from urllib.parse import urlsplit

import environ
import pytest
import yaml
from celery import Celery
from celery.app.utils import find_app
from celery.bin.celery import celery as celery_cli
from django.conf import settings
from django.core.management import get_commands
from django.urls import resolve
from django.utils.module_loading import import_string

ROOT = Path(__file__).resolve().parent.parent
APP_SERVICES = ("web", "worker", "beat")
ENV_READ = re.compile(
    r"""(?:\benv(?:\.\w+)?\(|os\.environ\.get\(|os\.environ\[|os\.getenv\()"""
    r"""\s*["']([A-Z][A-Z0-9_]*)["']"""
)
MANAGE_PY = re.compile(r"manage\.py\s+([a-z_][\w-]*)")
GUNICORN = re.compile(r"gunicorn\s+(?:-c\s+(\S+)\s+)?([\w.]+:\w+)")
CELERY = re.compile(r"celery\s+-A\s+([\w.]+)\s+(\w+)")


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def services(compose):
    return compose["services"]


@pytest.fixture(scope="module")
def dockerfile():
    # Join continued lines so each instruction is one line.
    return (ROOT / "Dockerfile").read_text().replace("\\\n", " ")


def _text(value):
    """A compose command or healthcheck test (string or list) as one string."""
    if isinstance(value, list):
        return " ".join(str(part) for part in value)
    return str(value or "")


def _all_commands(services):
    return [
        _text(service.get(key))
        for service in services.values()
        for key in ("command", "entrypoint")
        if service.get(key)
    ] + [_text(s["healthcheck"]["test"]) for s in services.values() if s.get("healthcheck")]


def _dockerfile_cmd(dockerfile):
    lines = [line for line in dockerfile.splitlines() if line.startswith("CMD ")]
    assert lines, "Dockerfile has no CMD"
    return json.loads(lines[-1].removeprefix("CMD "))


def _settings_env_names():
    names = set()
    for path in ("motmap/settings.py", "motmap/gunicorn.conf.py"):
        names |= set(ENV_READ.findall((ROOT / path).read_text()))
    # Guard against a regex that silently stops matching.
    assert {"SECRET_KEY", "DATABASE_URL", "EMAIL_URL", "CELERY_BROKER_URL"} <= names
    return names


def _assert_wsgi_target(target):
    module, attr = target.split(":")
    path = ROOT.joinpath(*module.split(".")).with_suffix(".py")
    assert path.is_file(), f"{target}: {path} does not exist"
    assert callable(getattr(importlib.import_module(module), attr)), target


def test_compose_has_every_service(services):
    assert {"web", "worker", "beat", "postgres", "redis"} <= set(services)


@pytest.mark.parametrize("name", ["web", "worker", "postgres", "redis"])
def test_service_has_a_healthcheck(services, name):
    healthcheck = services[name].get("healthcheck") or {}
    test = healthcheck.get("test")
    assert test, f"{name} has no healthcheck"
    assert not healthcheck.get("disable") and test != ["NONE"]


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_service_waits_for_healthy_postgres_and_redis(services, name):
    depends_on = services[name]["depends_on"]
    for dependency in ("postgres", "redis"):
        assert depends_on[dependency]["condition"] == "service_healthy"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_service_is_built_from_the_dockerfile(services, name):
    build = services[name]["build"]
    context = build if isinstance(build, str) else build.get("context", ".")
    assert (ROOT / context / "Dockerfile").is_file()


def test_postgres_keeps_its_data_on_a_declared_named_volume(compose, services):
    mounts = {}
    for volume in services["postgres"]["volumes"]:
        if isinstance(volume, str):
            source, target = volume.split(":")[:2]
        else:
            source, target = volume["source"], volume["target"]
        mounts[target] = source
    source = mounts.get("/var/lib/postgresql/data")
    assert source, "postgres data directory is not on a volume"
    assert source in (compose.get("volumes") or {}), f"volume {source} is not declared"


@pytest.mark.filterwarnings("ignore:No directory at:UserWarning")  # whitenoise, no STATIC_ROOT
def test_gunicorn_targets_exist(services, dockerfile):
    found = GUNICORN.findall(_text(services["web"]["command"]))
    found += GUNICORN.findall(" ".join(_dockerfile_cmd(dockerfile)))
    assert len(found) == 2, "web command and Dockerfile CMD both run gunicorn"
    for config, target in found:
        _assert_wsgi_target(target)
        assert config == "motmap/gunicorn.conf.py", "gunicorn's settings are in one file"
        assert (ROOT / config).is_file()
    assert found[0][1] == "motmap.wsgi:application"


def test_celery_commands_name_the_real_app_and_real_subcommands(services):
    found = [m for command in _all_commands(services) for m in CELERY.findall(command)]
    assert {sub for _, sub in found} >= {"worker", "beat"}
    for app_name, subcommand in found:
        module_file = ROOT.joinpath(*app_name.split(".")) / "celery.py"
        assert module_file.is_file(), f"celery -A {app_name}: {module_file} does not exist"
        assert isinstance(importlib.import_module(f"{app_name}.celery").app, Celery)
        assert isinstance(find_app(app_name), Celery)
        assert subcommand in celery_cli.commands, f"celery {subcommand} is not a command"


def test_manage_py_subcommands_are_real_django_commands(services, dockerfile):
    named = {c for command in _all_commands(services) for c in MANAGE_PY.findall(command)}
    named |= set(MANAGE_PY.findall(dockerfile))
    assert {"migrate", "collectstatic"} <= named
    missing = named - set(get_commands())
    assert not missing, f"not Django management commands: {sorted(missing)}"


def _gunicorn_port(monkeypatch):
    """The port motmap/gunicorn.conf.py binds when PORT is not set (as in the image)."""
    monkeypatch.delenv("PORT", raising=False)
    return runpy.run_path(str(ROOT / "motmap/gunicorn.conf.py"))["bind"].rsplit(":", 1)[1]


def test_web_healthcheck_hits_a_real_route_on_the_gunicorn_port(services, monkeypatch):
    web = services["web"]
    urls = re.findall(r"https?://[^'\"\s]+", _text(web["healthcheck"]["test"]))
    assert len(urls) == 1
    url = urlsplit(urls[0])
    assert url.hostname == "127.0.0.1"
    assert "127.0.0.1" in web["environment"]["ALLOWED_HOSTS"].split(",")
    assert "PORT" not in web["environment"]
    assert str(url.port) == _gunicorn_port(monkeypatch)
    resolve(url.path)  # raises Resolver404 if the route is gone


def test_app_urls_point_at_the_compose_services(services):
    environment = services["web"]["environment"]
    db = environ.Env.db_url_config(environment["DATABASE_URL"])
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert db["HOST"] == "postgres"
    postgres_env = services["postgres"]["environment"]
    assert db["NAME"] == postgres_env["POSTGRES_DB"]
    assert db["USER"] == postgres_env["POSTGRES_USER"]
    assert db["PASSWORD"] == postgres_env["POSTGRES_PASSWORD"]
    broker = urlsplit(environment["CELERY_BROKER_URL"])
    assert broker.scheme == "redis"
    assert broker.hostname in services


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_environment_names_are_settings_the_app_reads(services, name):
    environment = services[name]["environment"]
    assert isinstance(environment, dict)
    unknown = set(environment) - _settings_env_names()
    assert not unknown, f"{name} sets variables the settings never read: {sorted(unknown)}"
    assert str(environment["DEBUG"]).lower() == "false"
    assert environment["SECRET_KEY"].startswith("${SECRET_KEY:?")


def test_dockerfile_copies_everything_the_app_needs(dockerfile):
    copied = set()
    for line in dockerfile.splitlines():
        if line.startswith("COPY "):
            parts = [p for p in shlex.split(line)[1:] if not p.startswith("--")]
            copied |= {Path(src).parts[0] for src in parts[:-1]}
    for name in copied:
        assert (ROOT / name).exists(), f"Dockerfile copies {name}, which does not exist"
    needed = {"manage.py", "pyproject.toml"}
    needed |= {app.split(".")[0] for app in settings.INSTALLED_APPS if (ROOT / app).is_dir()}
    dirs = [*settings.TEMPLATES[0]["DIRS"], *settings.STATICFILES_DIRS, *settings.LOCALE_PATHS]
    needed |= {Path(d).relative_to(ROOT).parts[0] for d in dirs if Path(d).exists()}
    assert needed <= copied, f"Dockerfile does not copy {sorted(needed - copied)}"


def test_dockerfile_builds_a_production_image(dockerfile, monkeypatch):
    storage = re.search(r"STATICFILES_STORAGE=(\S+)", dockerfile)
    assert storage and storage.group(1) == (
        "whitenoise.storage.CompressedManifestStaticFilesStorage"
    )
    import_string(storage.group(1))
    assert re.search(r"^RUN .*manage\.py collectstatic --noinput", dockerfile, re.M)
    users = re.findall(r"^USER\s+(\S+)", dockerfile, re.M)
    assert users and users[-1] not in {"root", "0"}, "the image must not run as root"
    cmd = _dockerfile_cmd(dockerfile)
    assert cmd[0] == "gunicorn"
    assert cmd[cmd.index("-c") + 1] == "motmap/gunicorn.conf.py"
    port = _gunicorn_port(monkeypatch)
    assert re.search(rf"^EXPOSE\s+{port}\b", dockerfile, re.M)


def test_env_example_names_every_setting_and_changes_nothing():
    lines = (ROOT / ".env.example").read_text().splitlines()
    named = {m.group(1) for line in lines if (m := re.match(r"#?\s*([A-Z][A-Z0-9_]*)=", line))}
    missing = _settings_env_names() - named
    assert not missing, f".env.example does not list {sorted(missing)}"
    active = [line for line in lines if re.match(r"\s*[A-Za-z_]\w*\s*=", line)]
    assert not active, f".env.example should show defaults commented out: {active}"
