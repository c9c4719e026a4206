"""SECRET_KEY has no published default, secrets may come from files, and the production settings
README documents pass `check --deploy` with no warning.

Found from outside: with DEBUG off and no SECRET_KEY the app served with the key written in
settings.py, so anyone could sign unsubscribe, password-reset and session values; a forged
unsubscribe token for another person's membership was accepted.
"""

import os
import runpy
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import signing
from django.core.exceptions import ImproperlyConfigured

from motmap.models import Membership
from notifications.models import Kind
from notifications.services import UNSUBSCRIBE_SALT

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = ROOT / "motmap" / "settings.py"
PUBLISHED = "insecure-dev-key-change-me-in-production-0123456789"
# What README and .env.example tell an operator to set for production behind HTTPS.
PRODUCTION = {
    "DEBUG": "false",
    "ALLOWED_HOSTS": "motmap.example.com",
    "SITE_URL": "https://motmap.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://motmap.example.com",
    "SECURE_COOKIES": "true",
    "BEHIND_TLS_PROXY": "true",
    "SECURE_SSL_REDIRECT": "true",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "SECURE_HSTS_PRELOAD": "true",
}
SETTING_NAMES = {"SECRET_KEY", "DEBUG", "DATABASE_URL", "EMAIL_URL", "ALLOWED_HOSTS", "VAR_DIR"}


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    """An environment with none of motmap's settings, and a VAR_DIR without a development key."""
    for name in list(os.environ):
        if name.removesuffix("_FILE") in SETTING_NAMES or name.startswith(("SECURE_", "SITE_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("CELERY_BROKER_URL", "memory://")
    return monkeypatch


def load_settings():
    return runpy.run_path(str(SETTINGS))


def test_without_a_secret_key_the_app_refuses_to_start_and_says_how_to_make_one(clean_env):
    for debug in ("false", "true"):
        clean_env.setenv("DEBUG", debug)
        with pytest.raises(ImproperlyConfigured) as refused:
            load_settings()
        assert "SECRET_KEY is not set" in str(refused.value)
        assert "secrets.token_urlsafe(50)" in str(refused.value)


def test_the_published_development_value_is_refused_with_debug_off(clean_env):
    clean_env.setenv("SECRET_KEY", PUBLISHED)
    with pytest.raises(ImproperlyConfigured, match="published development value"):
        load_settings()
    clean_env.setenv("SECRET_KEY", "django-insecure-" + secrets.token_urlsafe(40))
    with pytest.raises(ImproperlyConfigured, match="published development value"):
        load_settings()


def test_the_development_key_of_the_checkout_is_used_when_no_key_is_set(clean_env, tmp_path):
    key = secrets.token_urlsafe(50)
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "secret_key").write_text(key + "\n")
    assert load_settings()["SECRET_KEY"] == key


def test_secrets_can_come_from_files(clean_env, tmp_path):
    key = secrets.token_urlsafe(50)
    (tmp_path / "key").write_text(key + "\n")  # as `echo ... > file` writes it
    (tmp_path / "db").write_text("postgres://motmap:s3cret@db:5432/motmap\n")
    clean_env.setenv("SECRET_KEY_FILE", str(tmp_path / "key"))
    clean_env.setenv("DATABASE_URL_FILE", str(tmp_path / "db"))
    loaded = load_settings()
    assert loaded["SECRET_KEY"] == key
    assert loaded["DATABASES"]["default"]["PASSWORD"] == "s3cret"
    assert loaded["DATABASES"]["default"]["HOST"] == "db"


def test_a_secret_file_that_cannot_be_read_or_given_twice_stops_the_start(clean_env, tmp_path):
    clean_env.setenv("SECRET_KEY_FILE", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured, match="cannot be read"):
        load_settings()
    (tmp_path / "key").write_text(secrets.token_urlsafe(50))
    clean_env.setenv("SECRET_KEY_FILE", str(tmp_path / "key"))
    clean_env.setenv("SECRET_KEY", secrets.token_urlsafe(50))
    with pytest.raises(ImproperlyConfigured, match="Both SECRET_KEY and SECRET_KEY_FILE"):
        load_settings()


def test_fallback_keys_are_read_for_rotation(clean_env):
    old, new = secrets.token_urlsafe(50), secrets.token_urlsafe(50)
    clean_env.setenv("SECRET_KEY", new)
    clean_env.setenv("SECRET_KEY_FALLBACKS", old)
    loaded = load_settings()
    assert (loaded["SECRET_KEY"], loaded["SECRET_KEY_FALLBACKS"]) == (new, [old])


def test_a_published_value_among_the_fallbacks_is_refused_too(clean_env):
    """Rotating away from the old default must not keep it valid as a fallback."""
    clean_env.setenv("SECRET_KEY", secrets.token_urlsafe(50))
    clean_env.setenv("SECRET_KEY_FALLBACKS", PUBLISHED)
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY_FALLBACKS holds a published"):
        load_settings()


def test_an_empty_allowed_hosts_is_refused_with_debug_off(clean_env):
    clean_env.setenv("SECRET_KEY", secrets.token_urlsafe(50))
    clean_env.setenv("ALLOWED_HOSTS", "")
    with pytest.raises(ImproperlyConfigured, match="ALLOWED_HOSTS is empty"):
        load_settings()


def test_check_deploy_is_clean_with_the_documented_production_settings(tmp_path):
    # Only what a process needs to run: nothing of this test run's own (DJANGO_ALLOW_ASYNC_UNSAFE
    # from the browser tests, DATABASE_URL, ...) leaks into the production check.
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "TMPDIR") if key in os.environ}
    env.update(PRODUCTION)
    env.update(
        {
            "SECRET_KEY": secrets.token_urlsafe(50),
            "VAR_DIR": str(tmp_path / "var"),
            "DATABASE_URL": "postgres://motmap:secret@127.0.0.1:5432/motmap",
            "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
            "CACHE_URL": "redis://127.0.0.1:6379/1",
        }
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_production_settings_are_the_ones_readme_and_env_example_document():
    readme = (ROOT / "README.md").read_text()
    example = (ROOT / ".env.example").read_text()
    for name in PRODUCTION:
        assert f"`{name}`" in readme, name
        assert f"# {name}=" in example, name


def test_an_unsubscribe_token_signed_with_the_old_published_key_is_refused(client, carol):
    membership = Membership.objects.get(user=carol)
    forged = signing.dumps(
        {"m": str(membership.pk), "k": [Kind.COMMENTS]}, key=PUBLISHED, salt=UNSUBSCRIBE_SALT
    )
    response = client.post(f"/unsubscribe/{forged}/")
    assert response.status_code == 400
