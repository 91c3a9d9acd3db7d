import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from turnabout.settings import database_from_url, env_bool, env_int, mailer_from_url

ROOT = Path(__file__).resolve().parents[2]


def test_sqlite_url_is_tuned_for_concurrent_use():
    config = database_from_url("DATABASE_URL", "sqlite:///var/x.sqlite3")
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in config["OPTIONS"]["init_command"]
    assert config["NAME"] == ROOT / "var" / "x.sqlite3"


def test_postgres_url_is_split_into_parts():
    config = database_from_url("DATABASE_URL", "postgres://bob:s%40cret@db.internal:6543/turnabout?sslmode=require")
    assert (config["USER"], config["PASSWORD"], config["HOST"], config["PORT"], config["NAME"]) == (
        "bob",
        "s@cret",
        "db.internal",
        "6543",
        "turnabout",
    )
    assert config["OPTIONS"] == {"sslmode": "require", "options": "-c jit=off"}


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://x/y", "DATABASE_URL must start with sqlite:// or postgres://"),
        ("postgres://host:99999/db", "DATABASE_URL has an invalid port"),
        ("postgres://host:5432/", "DATABASE_URL must name a database"),
    ],
)
def test_malformed_database_url_names_the_variable(url, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        database_from_url("DATABASE_URL", url)


def test_email_url_smtp_with_tls():
    mailer = mailer_from_url("EMAIL_URL", "smtp+tls://user:pw@mail.example.com:2525")
    assert mailer["OPTIONS"]["host"] == "mail.example.com"
    assert mailer["OPTIONS"]["port"] == 2525
    assert mailer["OPTIONS"]["use_tls"] is True


def test_malformed_email_url_names_the_variable():
    with pytest.raises(ImproperlyConfigured, match="EMAIL_URL must start with"):
        mailer_from_url("EMAIL_URL", "pigeon://coop")


def test_booleans_and_integers_are_strict(monkeypatch):
    monkeypatch.setenv("DEBUG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="DEBUG must be one of"):
        env_bool("DEBUG", False)
    monkeypatch.setenv("SECURE_HSTS_SECONDS", "a year")
    with pytest.raises(ImproperlyConfigured, match="SECURE_HSTS_SECONDS must be a whole number"):
        env_int("SECURE_HSTS_SECONDS", 0)


def _run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    dropped = {"DEBUG", "TURNABOUT_DEMO", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {key: value for key, value in os.environ.items() if key not in dropped}
    clean["DJANGO_SETTINGS_MODULE"] = "turnabout.settings"
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=120)


def test_production_mode_requires_a_secret_key(tmp_path):
    result = _run_manage("check", env={"TURNABOUT_VAR_DIR": str(tmp_path), "ALLOWED_HOSTS": "turnabout.example.com"})
    assert result.returncode != 0
    assert "SECRET_KEY is required" in result.stderr


def test_malformed_value_stops_start_up_naming_the_variable(tmp_path):
    result = _run_manage("check", env={"TURNABOUT_VAR_DIR": str(tmp_path), "DEBUG": "sometimes"})
    assert result.returncode != 0
    assert "DEBUG must be one of" in result.stderr


def test_check_deploy_is_clean_in_production_mode(tmp_path):
    env = {
        "TURNABOUT_VAR_DIR": str(tmp_path),
        "SECRET_KEY": "x" * 20 + "production-secret-key-for-the-check-only-9f8e7d6c5b4a",
        "ALLOWED_HOSTS": "turnabout.example.com",
        "EMAIL_URL": "smtp+tls://turnabout:secret@mail.example.com:587",
    }
    result = _run_manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_collectstatic_succeeds_in_production_mode_and_every_asset_is_in_the_manifest(tmp_path):
    # given: production settings keep a hashed manifest (WhiteNoise); a missing source map used to abort it
    env = {
        "TURNABOUT_VAR_DIR": str(tmp_path),
        "SECRET_KEY": "x" * 20 + "production-secret-key-for-the-check-only-9f8e7d6c5b4a",
        "ALLOWED_HOSTS": "turnabout.example.com",
    }

    # when
    result = _run_manage("collectstatic", "--no-input", env=env)

    # then
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())["paths"]
    for asset in ["turnabout.css", "dist/htmx.min.js", "dist/chart.umd.js", "ninja/swagger-ui-bundle.js"]:
        assert asset in manifest
