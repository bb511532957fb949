"""Settings come from the environment and refuse unsafe production starts."""

from __future__ import annotations

import os
import subprocess
import sys


def _load_settings(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KASSE_") and k != "DATABASE_URL"}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import kasse.settings as s; print(s.DEBUG, s.DATABASES['default']['ENGINE'])"],
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = _load_settings(
        {"KASSE_ENV": "production", "KASSE_DATA_DIR": str(tmp_path), "KASSE_ALLOWED_HOSTS": "pos.example.org"}
    )
    assert result.returncode != 0
    assert "KASSE_SECRET_KEY is not set" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts(tmp_path):
    result = _load_settings({"KASSE_ENV": "production", "KASSE_DATA_DIR": str(tmp_path), "KASSE_SECRET_KEY": "x" * 50})
    assert result.returncode != 0
    assert "KASSE_ALLOWED_HOSTS is not set" in result.stderr


def test_dev_runs_out_of_the_box_on_sqlite_without_debug(tmp_path):
    result = _load_settings({"KASSE_DATA_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "django.db.backends.sqlite3"]
    assert (tmp_path / "secret_key").exists()


def test_demo_has_debug_and_postgres_url_is_understood(tmp_path):
    result = _load_settings(
        {"KASSE_ENV": "demo", "KASSE_DATA_DIR": str(tmp_path), "DATABASE_URL": "postgres://kasse@127.0.0.1:5432/kasse"}
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "django.db.backends.postgresql"]


def test_unknown_role_is_refused(tmp_path):
    result = _load_settings({"KASSE_DATA_DIR": str(tmp_path), "KASSE_ROLE": "register"})
    assert result.returncode != 0
    assert "KASSE_ROLE must be cloud or store" in result.stderr


def _hsts(env: dict[str, str]) -> list[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KASSE_") and k != "DATABASE_URL"}
    clean.update(env)
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import kasse.settings as s; print(s.SECURE_HSTS_SECONDS, "
            "s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD)",
        ],
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_production_sends_hsts_for_a_year_unless_configured_otherwise(tmp_path):
    production = {
        "KASSE_ENV": "production",
        "KASSE_DATA_DIR": str(tmp_path),
        "KASSE_SECRET_KEY": "x" * 50,
        "KASSE_ALLOWED_HOSTS": "pos.example.org",
    }
    assert _hsts(production) == ["31536000", "False", "False"]
    assert _hsts(
        {**production, "KASSE_HSTS_SECONDS": "600", "KASSE_HSTS_INCLUDE_SUBDOMAINS": "1", "KASSE_HSTS_PRELOAD": "1"}
    ) == ["600", "True", "True"]
    assert _hsts({**production, "KASSE_ROLE": "store"})[0] == "0"  # a node on the LAN speaks HTTP
    assert _hsts({"KASSE_DATA_DIR": str(tmp_path)})[0] == "0"
